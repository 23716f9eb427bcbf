#!/bin/sh
# Build the one-folder bundle of CFT Desktop with PyInstaller, on the system it is for.
#   sh packaging/build.sh            -> packaging/dist/cft-desktop/ and
#                                       packaging/dist/cft-desktop-<version>-linux-x86_64.tar.gz
# Also runs on macOS (-> packaging/dist/CFT Desktop.app; packaging/macos/build_dmg.sh wraps it) and on
# Windows under Git Bash (-> packaging/dist/cft-desktop/cft-desktop.exe; packaging/windows/ makes the
# installer). On Linux it fails when the folder is over MAX_BUNDLE_MB (default 250) and prints where
# the megabytes go either way.
# Uses its own venv (packaging/.build-venv) so PyInstaller never lands in the app's .venv. The project is
# installed into it from a copy staged under packaging/build/src, so the build writes nothing outside
# packaging/. Needs Python 3.11+ with venv (PYTHON; default python3, else python, as on Windows), and
# the system libraries the app itself needs at run time (see dev.sh: libportaudio2 at least, so that
# the bundle carries a PortAudio fallback). Not run by ci.yml (a first run downloads ~400 MB of
# wheels); .github/workflows/release.yml runs it on each system.
set -eu

PACKAGING_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$PACKAGING_DIR")
cd "$PACKAGING_DIR"

# Windows' Python installs no python3 command (or only the Store's stand-in, which does not run a
# script), so take python3 only when it actually runs.
if [ -z "${PYTHON:-}" ]; then
  if python3 -c 'import sys' >/dev/null 2>&1; then PYTHON=python3; else PYTHON=python; fi
fi
VENV="$PACKAGING_DIR/.build-venv"
MAX_BUNDLE_MB=${MAX_BUNDLE_MB:-250}
case "$(uname -s)" in
  Linux) SYSTEM=linux ;;
  Darwin) SYSTEM=macos ;;
  MINGW*|MSYS*|CYGWIN*) SYSTEM=windows ;;
  *) SYSTEM=other ;;
esac
PYINSTALLER_SPEC="pyinstaller>=6.10,<7"

start_s=$(date +%s)

# --- 1. build venv: PyInstaller + the app's dependencies -------------------------------------------
if [ ! -d "$VENV" ]; then
  echo "Creating the build venv in $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# A Windows venv keeps its programs in Scripts\ and names them .exe.
if [ -d "$VENV/Scripts" ]; then VBIN="$VENV/Scripts"; else VBIN="$VENV/bin"; fi
"$VBIN/python" - <<'EOF'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"build venv has Python {sys.version.split()[0]}; CFT Desktop needs 3.11 or later")
EOF

# Stage the project (pyproject + package + README) so setuptools builds outside the work tree.
STAGE="$PACKAGING_DIR/build/src"
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp "$ROOT/pyproject.toml" "$ROOT/README.md" "$STAGE/"
# pyproject.toml names LICENSE as a licence file; setuptools warns (and will fail) without it.
if [ -f "$ROOT/LICENSE" ]; then cp "$ROOT/LICENSE" "$STAGE/"; fi
(cd "$ROOT" && tar --exclude='__pycache__' --exclude='*.pyc' -cf - cft_desktop) | (cd "$STAGE" && tar -xf -)

# Dependencies are (re)installed when pyproject.toml or the PyInstaller range changes.
stamp="$VENV/.installed-$( (cat "$ROOT/pyproject.toml"; echo "$PYINSTALLER_SPEC") | cksum | cut -d' ' -f1)"
if [ ! -f "$stamp" ]; then
  echo "Installing PyInstaller and the app's dependencies into the build venv"
  "$VBIN/python" -m pip install -q --upgrade pip
  "$VBIN/python" -m pip install -q "$PYINSTALLER_SPEC" "$STAGE"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
# The app itself is reinstalled every time, so the bundle always holds the current source.
"$VBIN/python" -m pip install -q --no-deps --force-reinstall "$STAGE"

VERSION=$("$VBIN/python" -c 'import importlib.metadata as m; print(m.version("cft-desktop"))')
PYI_VERSION=$("$VBIN/python" -c 'import importlib.metadata as m; print(m.version("pyinstaller"))')

# --- 2. PyInstaller ----------------------------------------------------------------------------------
echo "Running PyInstaller $PYI_VERSION for cft-desktop $VERSION"
rm -rf "$PACKAGING_DIR/dist/cft-desktop" "$PACKAGING_DIR/dist/CFT Desktop.app"
pyi_start_s=$(date +%s)
"$VBIN/pyinstaller" --noconfirm --log-level WARN \
  --distpath "$PACKAGING_DIR/dist" --workpath "$PACKAGING_DIR/build/pyinstaller" \
  "$PACKAGING_DIR/cft-desktop.spec"
pyi_s=$(( $(date +%s) - pyi_start_s ))

BUNDLE="$PACKAGING_DIR/dist/cft-desktop"
if [ "$SYSTEM" = windows ]; then EXE_NAME=cft-desktop.exe; else EXE_NAME=cft-desktop; fi
[ -f "$BUNDLE/$EXE_NAME" ] || { echo "build.sh: no executable at $BUNDLE/$EXE_NAME" >&2; exit 1; }

if [ "$SYSTEM" != linux ]; then
  # The rest (library check, ICU, tarball) is for the Linux folder. macOS: build_dmg.sh signs and
  # packs the .app; Windows: windows/build_installer.sh makes the installer.
  "$VBIN/python" "$PACKAGING_DIR/size_report.py" "$BUNDLE"
  printf '%s\n' "$VERSION" >"$BUNDLE/VERSION"
  echo "== CFT Desktop $VERSION bundle for $SYSTEM in $(( $(date +%s) - start_s )) s: $BUNDLE"
  exit 0
fi

# Symbol tables out (-40 MB, mostly the build machine's libpython and stdlib extensions), each
# stripped library checked to be loadable before it replaces the original.
"$VBIN/python" "$PACKAGING_DIR/strip_bundle.py" "$BUNDLE"
# ICU's data library is 31 MB of every locale; keep root + English (see shrink_icu.py).
"$VBIN/python" "$PACKAGING_DIR/shrink_icu.py" "$BUNDLE" || [ $? -eq 3 ]

# PyInstaller's top-level links to the Qt libraries the spec left out (libQt6Network, libQt6OpenGL)
# point at nothing; a package full of broken links only puzzles whoever looks inside.
find "$BUNDLE" -type l ! -exec test -e {} \; -print -delete | sed "s|^$BUNDLE/|build.sh: removed dangling link |"

# The spec prunes Qt plugins and libraries by name: check that every binary kept still finds each
# library it links to (in the bundle, as the bootloader arranges, or on this system).
missing=$(find "$BUNDLE/_internal" -type f \( -name '*.so' -o -name '*.so.*' \) -print | while read -r lib; do
  LD_LIBRARY_PATH="$BUNDLE/_internal" ldd "$lib" 2>/dev/null | grep "not found" | sed "s|^|${lib#"$BUNDLE/"}: |"
done)
if [ -n "$missing" ]; then
  echo "build.sh: libraries missing from the bundle:" >&2
  echo "$missing" >&2
  exit 1
fi

# --- 3. desktop integration files travel inside the folder (and so inside the tarball) ---------------
cp "$PACKAGING_DIR/install.sh" "$BUNDLE/install.sh"
chmod +x "$BUNDLE/install.sh"
cp "$PACKAGING_DIR/cft-desktop.desktop" "$PACKAGING_DIR/cft-desktop.svg" "$BUNDLE/"
printf '%s\n' "$VERSION" >"$BUNDLE/VERSION"

# --- 4. tarball ----------------------------------------------------------------------------------------
ARCH=$(uname -m)
TARBALL="$PACKAGING_DIR/dist/cft-desktop-$VERSION-linux-$ARCH.tar.gz"
rm -f "$TARBALL"
tar -C "$PACKAGING_DIR/dist" -czf "$TARBALL" cft-desktop

total_s=$(( $(date +%s) - start_s ))
echo
echo "== where the megabytes go (apparent sizes; limit $MAX_BUNDLE_MB MB)"
size_ok=yes
"$VBIN/python" "$PACKAGING_DIR/size_report.py" "$BUNDLE" --max-mb "$MAX_BUNDLE_MB" || size_ok=no
# For smoke.sh's summary.
cat >"$PACKAGING_DIR/dist/build-info.txt" <<EOF
version=$VERSION
pyinstaller=$PYI_VERSION
pyinstaller_s=$pyi_s
build_total_s=$total_s
built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF
echo
echo "== CFT Desktop $VERSION bundle (PyInstaller $PYI_VERSION)"
echo "   folder:  $BUNDLE  ($(du -sh "$BUNDLE" | cut -f1))"
echo "   tarball: $TARBALL  ($(du -sh "$TARBALL" | cut -f1))"
echo "   PyInstaller: ${pyi_s} s; whole build.sh: ${total_s} s"
echo "   next: sh packaging/smoke.sh; install with: sh $BUNDLE/install.sh; .deb: sh packaging/build_deb.sh"
if [ "$size_ok" = no ]; then
  echo "build.sh: FAILED: the bundle is over $MAX_BUNDLE_MB MB (table above)" >&2
  exit 1
fi
