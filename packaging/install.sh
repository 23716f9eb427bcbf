#!/bin/sh
# Install (or remove) the CFT Desktop bundle on Linux.
#   sh install.sh               for this user: ~/.local/opt/cft-desktop, a menu entry in
#                               ~/.local/share/applications and the command ~/.local/bin/cft-desktop
#   sh install.sh --system      for everyone: /opt/cft-desktop, /usr/local/share/applications and
#                               /usr/local/bin/cft-desktop (uses sudo when not root)
#   sh install.sh --uninstall [--system]   remove what the matching install wrote
# Works from packaging/ in a checkout (installs packaging/dist/cft-desktop) and from inside an unpacked
# release tarball (installs the folder it sits in). Sound goes out through the bundled PortAudio and
# ALSA, which reaches PulseAudio or PipeWire through the system's ALSA plugins (usually installed).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
mode=user
action=install
for arg in "$@"; do
  case "$arg" in
    --system) mode=system ;;
    --user) mode=user ;;
    --uninstall) action=uninstall ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

if [ "$mode" = system ]; then
  PREFIX_OPT=/opt/cft-desktop
  APPS_DIR=/usr/local/share/applications
  BIN_DIR=/usr/local/bin
  ICON_DIR=/usr/local/share/icons/hicolor/scalable/apps
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO=sudo; fi
else
  PREFIX_OPT="$HOME/.local/opt/cft-desktop"
  APPS_DIR="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
  BIN_DIR="$HOME/.local/bin"
  ICON_DIR="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
  SUDO=""
fi

refresh_menus() {
  if command -v update-desktop-database >/dev/null 2>&1; then
    $SUDO update-desktop-database -q "$APPS_DIR" 2>/dev/null || true
  fi
}

if [ "$action" = uninstall ]; then
  $SUDO rm -rf "$PREFIX_OPT"
  $SUDO rm -f "$APPS_DIR/cft-desktop.desktop" "$ICON_DIR/cft-desktop.svg"
  if [ -L "$BIN_DIR/cft-desktop" ]; then $SUDO rm -f "$BIN_DIR/cft-desktop"; fi
  refresh_menus
  echo "Removed CFT Desktop ($mode install). Your practice data and ratings are kept."
  exit 0
fi

# Find the bundle: this script's own folder (inside a release) or packaging/dist/cft-desktop.
if [ -x "$HERE/cft-desktop" ] && [ -d "$HERE/_internal" ]; then
  SRC="$HERE"
elif [ -x "$HERE/dist/cft-desktop/cft-desktop" ]; then
  SRC="$HERE/dist/cft-desktop"
else
  echo "install.sh: no bundle found next to this script; build it first: sh packaging/build.sh" >&2
  exit 1
fi
if [ -f "$SRC/cft-desktop.svg" ]; then ICON_SRC="$SRC/cft-desktop.svg"; else ICON_SRC="$HERE/cft-desktop.svg"; fi
if [ -f "$SRC/cft-desktop.desktop" ]; then ENTRY_SRC="$SRC/cft-desktop.desktop"; else ENTRY_SRC="$HERE/cft-desktop.desktop"; fi

if [ "$(cd "$SRC" && pwd -P)" != "$( (cd "$PREFIX_OPT" 2>/dev/null && pwd -P) || echo none)" ]; then
  # Copy to a new folder first, then swap, so a failed copy never leaves half an install behind.
  $SUDO mkdir -p "$(dirname "$PREFIX_OPT")"
  $SUDO rm -rf "$PREFIX_OPT.new"
  $SUDO cp -a "$SRC" "$PREFIX_OPT.new"
  $SUDO rm -rf "$PREFIX_OPT"
  $SUDO mv "$PREFIX_OPT.new" "$PREFIX_OPT"
fi

$SUDO mkdir -p "$APPS_DIR" "$BIN_DIR" "$ICON_DIR"
$SUDO cp "$ICON_SRC" "$ICON_DIR/cft-desktop.svg"
$SUDO ln -sfn "$PREFIX_OPT/cft-desktop" "$BIN_DIR/cft-desktop"
# Absolute paths: ~/.local/bin is not on every desktop session's PATH.
sed -e "s|^Exec=.*|Exec=$PREFIX_OPT/cft-desktop|" -e "s|^Icon=.*|Icon=$ICON_DIR/cft-desktop.svg|" \
  "$ENTRY_SRC" | $SUDO tee "$APPS_DIR/cft-desktop.desktop" >/dev/null
$SUDO chmod 644 "$APPS_DIR/cft-desktop.desktop"
refresh_menus

echo "Installed CFT Desktop in $PREFIX_OPT"
echo "  menu entry: $APPS_DIR/cft-desktop.desktop"
echo "  command:    $BIN_DIR/cft-desktop"
case ":$PATH:" in
  *":$BIN_DIR:"*) ;;
  *) echo "  ($BIN_DIR is not on your PATH; the menu entry works regardless)" ;;
esac
