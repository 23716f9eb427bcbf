#!/bin/sh
# Wrap the Linux bundle (made by build.sh) into a Debian package:
#   sh packaging/build_deb.sh [BUNDLE_DIR]   -> packaging/dist/cft-desktop_<version>_<arch>.deb
# Layout: the bundle in /opt/cft-desktop, the command /usr/bin/cft-desktop (a symlink; the PyInstaller
# bootloader finds its _internal/ folder through /proc/self/exe, so a link works), the menu entry in
# /usr/share/applications and the icon in the hicolor theme. Depends: the system packages that own the
# libraries the bundle's binaries link to outside the bundle, found with ldd and dpkg -S on this
# (build) machine, so build it on the oldest Debian/Ubuntu it is for, like the bundle itself.
# No maintainer scripts: dpkg's own triggers refresh the menu and icon caches, and removing the
# package removes only its own files (never ~/.local/share/cft-desktop, the user's data).
# Maintainer field: DEB_MAINTAINER="Name <address>", else this checkout's git user.
# Needs dpkg-deb, dpkg (for dpkg -S), ldd, readelf, python3.
set -eu

PACKAGING_DIR=$(cd "$(dirname "$0")" && pwd)
BUNDLE=${1:-"$PACKAGING_DIR/dist/cft-desktop"}
BUNDLE=$(cd "$BUNDLE" && pwd)
[ -x "$BUNDLE/cft-desktop" ] && [ -f "$BUNDLE/VERSION" ] \
  || { echo "build_deb.sh: no bundle at $BUNDLE (run sh packaging/build.sh first)" >&2; exit 2; }

VERSION=$(cat "$BUNDLE/VERSION")
ARCH=$(dpkg --print-architecture)
MAINTAINER=${DEB_MAINTAINER:-}
if [ -z "$MAINTAINER" ]; then
  name=$(git -C "$PACKAGING_DIR" config user.name 2>/dev/null || true)
  email=$(git -C "$PACKAGING_DIR" config user.email 2>/dev/null || true)
  [ -n "$name" ] && [ -n "$email" ] \
    || { echo "build_deb.sh: set DEB_MAINTAINER=\"Name <address>\"" >&2; exit 2; }
  MAINTAINER="$name <$email>"
fi

ROOTFS="$PACKAGING_DIR/build/deb/cft-desktop"
DEB="$PACKAGING_DIR/dist/cft-desktop_${VERSION}_${ARCH}.deb"
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS/DEBIAN" "$ROOTFS/opt" "$ROOTFS/usr/bin" "$ROOTFS/usr/share/applications" \
  "$ROOTFS/usr/share/icons/hicolor/scalable/apps" "$ROOTFS/usr/share/doc/cft-desktop"

# --- files --------------------------------------------------------------------------------------------
cp -a "$BUNDLE" "$ROOTFS/opt/cft-desktop"
# The tarball's installer and its templates do not belong in a package that dpkg manages.
rm -f "$ROOTFS/opt/cft-desktop/install.sh" "$ROOTFS/opt/cft-desktop/cft-desktop.desktop" \
  "$ROOTFS/opt/cft-desktop/cft-desktop.svg"
ln -s /opt/cft-desktop/cft-desktop "$ROOTFS/usr/bin/cft-desktop"
# Exec and Icon by name: /usr/bin is on every PATH and the icon is in the theme.
sed -e "s|^Exec=.*|Exec=cft-desktop|" -e "s|^Icon=.*|Icon=cft-desktop|" \
  "$PACKAGING_DIR/cft-desktop.desktop" >"$ROOTFS/usr/share/applications/cft-desktop.desktop"
cp "$PACKAGING_DIR/cft-desktop.svg" "$ROOTFS/usr/share/icons/hicolor/scalable/apps/cft-desktop.svg"
cat >"$ROOTFS/usr/share/doc/cft-desktop/copyright" <<EOF
CFT Desktop $VERSION
License: GPL-3.0-or-later (text: /usr/share/common-licenses/GPL-3)

The program folder /opt/cft-desktop carries Python, Qt, the piper voice and other components. Their
licence texts are in /opt/cft-desktop/_internal/licenses/, one folder per component; the PDF fonts'
licences sit beside the fonts in /opt/cft-desktop/_internal/cft_desktop/store/export/fonts/.
EOF
# dpkg-deb wants sane permissions (no group/other write) whatever the build machine's umask.
chmod -R u+rwX,go+rX,go-w "$ROOTFS"

# --- Depends: the packages owning the libraries the bundle takes from the system --------------------
DEPENDS=$(python3 - "$ROOTFS/opt/cft-desktop" <<'PYEOF'
import os
import re
import subprocess
import sys
from pathlib import Path

bundle = Path(sys.argv[1]).resolve()
internal = bundle / "_internal"
env = dict(os.environ, LD_LIBRARY_PATH=str(internal))  # what the bootloader arranges at run time


def is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


elves = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p)]
outside: dict[str, str] = {}  # soname -> path on this system
glibc_floor = (2, 0)
for elf in elves:
    dynamic = subprocess.run(["readelf", "-dV", str(elf)], capture_output=True, text=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic)
    for major, minor in re.findall(r"Name: GLIBC_(\d+)\.(\d+)", dynamic):
        glibc_floor = max(glibc_floor, (int(major), int(minor)))
    resolved = {}
    for line in subprocess.run(["ldd", str(elf)], capture_output=True, text=True, env=env).stdout.splitlines():
        m = re.match(r"\s*(\S+) => (\S+)", line)
        if m:
            resolved[m.group(1)] = m.group(2)
    for name in needed:
        path = resolved.get(name)
        if path == "not":
            sys.exit(f"build_deb.sh: {elf.relative_to(bundle)} needs {name}, found nowhere")
        if path and not Path(path).resolve().is_relative_to(bundle):
            outside.setdefault(name, path)


def owner(path: str) -> str:
    # Merged /usr: dpkg knows a file under the name its package shipped it with, /lib or /usr/lib.
    real = os.path.realpath(path)
    candidates = [path, real]
    for p in (path, real):
        if p.startswith("/usr/lib/"):
            candidates.append(p[len("/usr"):])
        elif p.startswith("/lib"):
            candidates.append("/usr" + p)
    for candidate in candidates:
        out = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if out.returncode == 0:
            return out.stdout.split(":", 1)[0].strip()
    sys.exit(f"build_deb.sh: no Debian package owns {path}")


packages = {}
for name, path in sorted(outside.items()):
    packages.setdefault(owner(path), []).append(name)
for package, names in sorted(packages.items()):
    print(f"build_deb.sh: {package}: {' '.join(names)}", file=sys.stderr)
# libc6 gets a floor: the newest glibc symbol version any bundled binary asks for. libjack.so.0 also
# comes from JACK 1's library, which provides the virtual package Debian's own PortAudio accepts.
ALTERNATIVES = {"libjack-jackd2-0": "libjack-jackd2-0 | libjack-0.125"}
print(", ".join(f"{p} (>= {glibc_floor[0]}.{glibc_floor[1]})" if p == "libc6" else ALTERNATIVES.get(p, p)
                for p in sorted(packages)))
PYEOF
)

INSTALLED_KB=$(du -sk --exclude=DEBIAN "$ROOTFS" | cut -f1)
cat >"$ROOTFS/DEBIAN/control" <<EOF
Package: cft-desktop
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $INSTALLED_KB
Depends: $DEPENDS
Section: sound
Priority: optional
Description: offline guided practices for compassion-focused therapy
 CFT Desktop plays guided imagery and soothing-rhythm breathing practices
 with a live breath pacer, reads them with a built-in neural voice, and
 keeps optional before/after ratings in a local store that can be locked
 with a passphrase and summarised as a PDF. It never uses the network:
 the voice, sounds and fonts are all inside the package.
EOF

mkdir -p "$(dirname "$DEB")"
rm -f "$DEB"
# --root-owner-group: files owned by root in the package whoever builds it; xz is dpkg's default.
dpkg-deb --root-owner-group --build "$ROOTFS" "$DEB" >/dev/null
echo "== $DEB ($(du -h "$DEB" | cut -f1), Installed-Size $INSTALLED_KB KiB)"
echo "   Depends: $DEPENDS"
