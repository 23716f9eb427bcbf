"""Strip symbol tables from a Linux bundle's shared libraries, keeping only copies that stay loadable.

    python3 packaging/strip_bundle.py BUNDLE_DIR

PyInstaller's own strip=True broke numpy: `strip` rewrote the OpenBLAS library that auditwheel had
patched (patchelf moves segments), and the loader then refused it ("ELF load command address/offset
not page-aligned"). So each library is stripped into a temporary copy (`strip --strip-unneeded`:
.symtab and debug sections go, the dynamic symbols every caller needs stay), the copy's loadable
segments are checked for the page alignment the loader demands, and only a good, smaller copy
replaces the original. Prints how much was saved and what was left alone.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

PAGE = 4096


def loadable(path: Path) -> bool:
    """True when every PT_LOAD segment's file offset and address agree modulo the page size."""
    blob = path.read_bytes()
    if blob[:6] != b"\x7fELF\x02\x01":
        return False
    (phoff,) = struct.unpack_from("<Q", blob, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", blob, 0x36)
    for index in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz, _, _p_align = struct.unpack_from(
            "<IIQQQQQQ", blob, phoff + index * phentsize)
        if p_type == 1 and (p_offset % PAGE != p_vaddr % PAGE or p_offset + p_filesz > len(blob)):
            return False
    return True


def main() -> int:
    bundle = Path(sys.argv[1])
    if shutil.which("strip") is None:
        print("strip_bundle: SKIPPED, no `strip` (binutils)", file=sys.stderr)
        return 0
    saved = 0
    refused: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(bundle.rglob("*")):
            if path.is_symlink() or not path.is_file() or ".so" not in path.name:
                continue
            if path.read_bytes()[:4] != b"\x7fELF":
                continue
            copy = Path(tmp, "lib")
            shutil.copyfile(path, copy)
            done = subprocess.run(["strip", "--strip-unneeded", str(copy)], capture_output=True, check=False)
            if done.returncode != 0 or not loadable(copy) or not loadable(path):
                refused.append(str(path.relative_to(bundle)))
                continue
            gain = path.stat().st_size - copy.stat().st_size
            if gain > 0:
                mode = path.stat().st_mode
                shutil.copyfile(copy, path)
                os.chmod(path, mode)
                saved += gain
    print(f"strip_bundle: {saved / 2**20:.1f} MB of symbol tables removed; left as they were "
          f"(the stripped copy would not load): {' '.join(refused) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
