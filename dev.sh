#!/bin/sh
# Set up and run CFT Desktop on Debian/Ubuntu from a fresh machine with only python3 and git.
#   sh dev.sh run    install what is missing, then start the app
#   sh dev.sh test   install what is missing (plus the test-only packages), then run every check
# System packages come from apt (with sudo when not root); Python packages go into ./.venv.
set -eu
cd "$(dirname "$0")"

# What the app needs at run time: PortAudio for sound, libsndfile for export, and the libraries
# Qt's xcb platform plugin loads on a desktop.
APP_PACKAGES="python3-venv python3-pip libportaudio2 libsndfile1 libgl1 libegl1 libxkbcommon0
  libxkbcommon-x11-0 libfontconfig1 fonts-dejavu-core libglib2.0-0 libdbus-1-3 libxcb-cursor0
  libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1"
# What the tests add: a PulseAudio null sink with a real clock and the ALSA plugin to reach it,
# and dbus-daemon for private message buses (keeping the screen on while playing).
TEST_PACKAGES="pulseaudio pulseaudio-utils libasound2-plugins alsa-utils dbus"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_system() {
  missing=""
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing="$missing $package"
    fi
  done
  if [ -n "$missing" ]; then
    echo "Installing system packages:$missing"
    as_root apt-get update -qq
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  fi
}

setup_venv() {
  extras="$1"
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  base=".venv/.installed-$(cksum < pyproject.toml | cut -d' ' -f1)"
  stamp="$base-$extras"
  # The test extras include everything the app needs, so after `test`, `run` installs nothing.
  if [ "$extras" = app ] && [ -f "$base-test" ]; then
    stamp="$base-test"
  fi
  if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[$extras]"
    rm -f .venv/.installed-*
    touch "$stamp"
  fi
}

command="${1:-run}"
case "$command" in
  run)
    install_system $APP_PACKAGES
    setup_venv app
    exec .venv/bin/cft-desktop
    ;;
  test)
    install_system $APP_PACKAGES $TEST_PACKAGES
    setup_venv test
    .venv/bin/ruff check cft_desktop tests benchmarks packaging
    .venv/bin/mypy
    shift
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: sh dev.sh run | test" >&2
    exit 2
    ;;
esac
