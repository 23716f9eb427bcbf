"""Shrink the ICU data library of a Linux bundle to what an English-only Qt app can reach.

    python3 packaging/shrink_icu.py BUNDLE_DIR

The PySide6 Linux wheels ship ICU with QtCore, and ICU's data library (libicudataNN.so) alone is 31 MB:
every locale's names, calendars, collation tailorings and number spelling, and ~150 legacy
character-set converters. Qt uses ICU for collation, case mapping, IDNA and the converters of
encodings it does not handle itself; CFT Desktop reads and writes UTF-8 only and its interface is
English. So this keeps the root data (normalisation, case mapping, collation root, break rules and
their dictionaries, time zones, IDNA, supplemental data) and the English locales, and rebuilds the
library around that with the same soname and exported symbol, so QtCore links to it as before. A
locale left out falls back to root, as ICU does for any locale it has no data for (checked here:
collators for "de" and "sv" open with ICU's fallback warning; UTF-8 and Latin-1 converters open).

Needs ICU's own tools (`icupkg`, `genccode`, Debian package icu-devtools), `nm` and a C compiler.
When one is missing it says so and leaves the library alone (exit status 3), so the build can report
the size it got without this step. The ICU data is under the Unicode licence, which allows this.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

# A locale's resource file: "de.res", "zh_Hant_TW.res", "sr_Latn.res", "de_.res" (a collation
# variant), always with a 2-3 letter language first.
LOCALE_RE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]*)*\.res$")
# Tables every lookup starts from, whatever the locale.
ALWAYS_KEEP = {"root.res", "pool.res", "res_index.res"}


def keep_item(item: str) -> bool:
    """True for the ICU data items an English-only Qt app can use."""
    name = item.rsplit("/", 1)[-1]
    if name.endswith(".cnv"):  # legacy converters; UTF-8/16/32, ASCII and Latin-1 are built into ICU
        return False
    # Transliterators (1.1 MB) and Unicode character names (u_charName): Qt calls neither.
    if item.startswith("translit/") or name == "unames.icu":
        return False
    if name in ALWAYS_KEEP or not LOCALE_RE.match(name):
        return True
    return name == "en.res" or name.startswith("en_")


def _data_blob(lib: Path, symbol: str) -> bytes:
    """The bytes of `symbol` (ICU's common data) in an ELF64 little-endian shared library."""
    out = subprocess.run(["nm", "-D", "-S", str(lib)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[3] == symbol:
            address, size = int(fields[0], 16), int(fields[1], 16)
            break
    else:
        raise SystemExit(f"shrink_icu: {lib.name} does not export {symbol}")
    blob = lib.read_bytes()
    if blob[:6] != b"\x7fELF\x02\x01":
        raise SystemExit(f"shrink_icu: {lib.name} is not a 64-bit little-endian ELF file")
    (phoff,) = struct.unpack_from("<Q", blob, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", blob, 0x36)
    # Map the symbol's address to a file offset through the loadable segment holding it.
    for index in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", blob, phoff + index * phentsize)
        if p_type == 1 and p_vaddr <= address < p_vaddr + p_filesz:
            start = address - p_vaddr + p_offset
            return blob[start:start + size]
    raise SystemExit(f"shrink_icu: {symbol} is not in a loadable segment of {lib.name}")


def shrink(lib: Path) -> tuple[int, int]:
    match = re.match(r"libicudata\.so\.(\d+)$", lib.name)
    if not match:
        raise SystemExit(f"shrink_icu: unexpected name {lib.name}")
    version = match.group(1)
    package = f"icudt{version}l"  # "l": little-endian data, the only kind on x86-64 and arm64
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        full = work / f"{package}.dat"  # icupkg takes the package name from the file name
        full.write_bytes(_data_blob(lib, f"icudt{version}_dat"))
        items = subprocess.run(["icupkg", "-l", str(full)], capture_output=True, text=True,
                               check=True).stdout.split()
        drop = [item for item in items if not keep_item(item)]
        (work / "drop.txt").write_text("\n".join(drop) + "\n")
        small_dir = work / "small"
        small_dir.mkdir()
        subprocess.run(["icupkg", "-r", str(work / "drop.txt"), str(full), str(small_dir / full.name)],
                       check=True, cwd=work)
        # genccode turns the package into assembly defining icudtNN_dat, the symbol ICU looks for.
        subprocess.run(["genccode", "-a", "gcc", "-e", f"icudt{version}", "-d", str(work),
                        str(small_dir / full.name)], check=True, cwd=work)
        (source,) = work.glob("*.S")
        rebuilt = work / lib.name
        subprocess.run(["cc", "-shared", "-nostdlib", f"-Wl,-soname,{lib.name}", "-Wl,--strip-all",
                        "-o", str(rebuilt), str(source)], check=True)
        before = lib.stat().st_size
        mode = lib.stat().st_mode
        shutil.copyfile(rebuilt, lib)
        lib.chmod(mode)
        print(f"shrink_icu: {lib.name}: kept {len(items) - len(drop)} of {len(items)} items, "
              f"{before / 2**20:.1f} MB -> {lib.stat().st_size / 2**20:.1f} MB")
        return before, lib.stat().st_size


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    missing = [tool for tool in ("icupkg", "genccode", "nm", "cc") if shutil.which(tool) is None]
    if missing:
        print(f"shrink_icu: SKIPPED, not installed: {' '.join(missing)} "
              "(apt-get install icu-devtools binutils gcc)", file=sys.stderr)
        return 3
    # Real files only: PyInstaller also puts symlinks to the Qt libraries at the bundle's top level.
    libs = [p for p in Path(sys.argv[1]).rglob("libicudata.so.*") if p.is_file() and not p.is_symlink()]
    if not libs:
        print("shrink_icu: no libicudata in the bundle; nothing to do")
        return 0
    for lib in libs:
        shrink(lib)
    return 0


if __name__ == "__main__":
    sys.exit(main())
