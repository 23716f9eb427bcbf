#!/bin/sh
# Make the Windows installer from the PyInstaller one-folder bundle:
#   sh packaging/windows/build_installer.sh [SOURCE_DIR] [VERSION]
#     SOURCE_DIR  default packaging/dist/cft-desktop (what build.sh makes on Windows)
#     VERSION     default: the VERSION file build.sh writes into SOURCE_DIR
#   -> packaging/dist/CFT-Desktop-Setup-<VERSION>.exe (or $OUT_DIR/...)
# Runs under Git Bash on Windows (makensis from NSIS's install folder or PATH) and on Linux (Debian's
# `nsis` package), which is how the script itself is checked without a Windows machine.
# Environment: MAKENSIS (the makensis to use), ICON (an .ico; default: the one the spec made, if any),
#   OUT_DIR (where the installer goes; default packaging/dist).
set -eu

WINDOWS_DIR=$(cd "$(dirname "$0")" && pwd)
PACKAGING_DIR=$(dirname "$WINDOWS_DIR")
SOURCE_DIR=${1:-"$PACKAGING_DIR/dist/cft-desktop"}
[ -d "$SOURCE_DIR" ] || { echo "build_installer.sh: no bundle folder at $SOURCE_DIR (run build.sh first)" >&2; exit 2; }
SOURCE_DIR=$(cd "$SOURCE_DIR" && pwd)
OUT_DIR=${OUT_DIR:-"$PACKAGING_DIR/dist"}
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
if [ -n "${2:-}" ]; then
  VERSION=$2
elif [ -f "$SOURCE_DIR/VERSION" ]; then
  VERSION=$(tr -d ' \r\n' <"$SOURCE_DIR/VERSION")
else
  echo "build_installer.sh: no VERSION file in $SOURCE_DIR; pass the version as the second argument" >&2
  exit 2
fi
[ -f "$SOURCE_DIR/cft-desktop.exe" ] || {
  echo "build_installer.sh: no cft-desktop.exe in $SOURCE_DIR (the installer is made from the Windows bundle)" >&2
  exit 2
}

# The file's version resource takes four numbers: 0.1.0 -> 0.1.0.0, 1.2.3rc1 -> 1.2.3.0.
VERSION_NUMERIC=$(printf '%s\n' "$VERSION" | sed 's/^\([0-9.]*\).*/\1/; s/\.$//' |
  awk -F. '{ printf "%d.%d.%d.%d", $1, $2, $3, $4 }')

find_makensis() {
  if [ -n "${MAKENSIS:-}" ]; then echo "$MAKENSIS"; return; fi
  if command -v makensis >/dev/null 2>&1; then command -v makensis; return; fi
  # NSIS's own installer (and Chocolatey's package) does not put makensis on PATH.
  for dir in "${PROGRAMFILES:-}" "${ProgramW6432:-}" "${PROGRAMFILES_X86:-}" "/c/Program Files (x86)" "/c/Program Files"; do
    if [ -n "$dir" ] && [ -x "$dir/NSIS/makensis.exe" ]; then echo "$dir/NSIS/makensis.exe"; return; fi
  done
  echo "build_installer.sh: makensis not found (Windows: choco install nsis; Debian: apt-get install nsis)" >&2
  exit 2
}
MAKENSIS_BIN=$(find_makensis)

# makensis on Windows is a native program: give it Windows paths (C:/...), not Git Bash's /c/....
native_path() {
  if command -v cygpath >/dev/null 2>&1; then cygpath -m "$1"; else printf '%s\n' "$1"; fi
}

ICON=${ICON:-}
if [ -z "$ICON" ]; then
  # The spec makes this .ico from the SVG when it builds on Windows.
  for candidate in "$PACKAGING_DIR"/build/icon/*.ico; do
    [ -f "$candidate" ] && ICON=$candidate && break
  done
fi
set -- -WX -V3 \
  "-DVERSION=$VERSION" "-DVERSION_NUMERIC=$VERSION_NUMERIC" \
  "-DSOURCE_DIR=$(native_path "$SOURCE_DIR")" "-DOUT_DIR=$(native_path "$OUT_DIR")"
if [ -n "$ICON" ]; then
  set -- "$@" "-DICON=$(native_path "$ICON")"
else
  echo "build_installer.sh: no .ico found; the installer gets NSIS's own icon"
fi

OUT="$OUT_DIR/CFT-Desktop-Setup-$VERSION.exe"
rm -f "$OUT"
echo "Running $("$MAKENSIS_BIN" -VERSION) for CFT Desktop $VERSION from $SOURCE_DIR"
# Git Bash rewrites arguments that look like POSIX paths; these are already what makensis wants.
MSYS2_ARG_CONV_EXCL='*' "$MAKENSIS_BIN" "$@" "$(native_path "$WINDOWS_DIR/cft-desktop.nsi")"
[ -f "$OUT" ] || { echo "build_installer.sh: makensis ran but $OUT is not there" >&2; exit 1; }
echo "== installer: $OUT ($(du -h "$OUT" | cut -f1))"
