#!/bin/sh
# Smoke-test the frozen bundle headless: sh packaging/smoke.sh [BUNDLE_DIR]
#                                     or: sh packaging/smoke.sh --exe /usr/bin/cft-desktop
# (default packaging/dist/cft-desktop, made by build.sh; --exe checks an installed command, e.g. from the
# .deb, and finds its bundle folder through the symlink; a macOS `CFT Desktop.app` or its
# Contents/MacOS/cft-desktop works too, and on Windows cft-desktop.exe). Every run uses fresh temporary
# data, cache, log and HOME folders, so it never touches a real user's files. POSIX sh: it also runs
# under macOS's /bin/sh and Git Bash on Windows. A check that cannot run on a platform prints
# "SKIP <name>: <reason>". Exit status 0 only if no check failed.
#   list       prints the practices (at least 10 lines)
#   validate   the bundled scripts validate (exit 0)
#   render     ground-me renders to a 50-110 s WAV with the bundled neural voice, with the network cut off
#              where `unshare` allows it, and writes nothing into HOME (no model download, no telemetry)
#   mp3        the same practice exported as MP3 through the bundled libsndfile (an MPEG audio file)
#   pdf-crypto `ratings export --format pdf` from a passphrase-locked store: the bundled cryptography
#              (scrypt + AES-GCM) opens it and fpdf2 writes a PDF. The locked store is made by a Python
#              that has cft_desktop (SMOKE_PYTHON, default packaging/.build-venv's); skipped without one.
#              Without a pseudo-terminal (Windows) it is skipped and pdf-plain exports an unlocked store
#   pdf-fonts  that PDF's client is "Zoë 山田": the bundled DejaVu Sans and the CJK fallback font are
#              embedded (pdffonts) and the name comes back out as text (pdftotext); needs poppler-utils
#   portaudio  the bundled sounddevice/PortAudio loads: `devices` lists a device (on Linux an ALSA null
#              one), or says the app's no-device message (hosted Windows/macOS runners have no sound)
#   gui        `cft-desktop` with no arguments stays up offscreen for 5 s; no traceback in its log
#   gui-xcb    the same on an Xvfb screen through Qt's xcb plugin, when Xvfb is installed; the window
#              must be on the screen (a screenshot is left in dist/smoke-gui-xcb.png)
# Needs python3 or python (to read the WAV header, and for the pty and a millisecond clock).
set -u

PACKAGING_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$PACKAGING_DIR")
if [ "${1:-}" = "--exe" ]; then
  [ -n "${2:-}" ] || { echo "smoke.sh: --exe needs the path of an installed cft-desktop" >&2; exit 2; }
  exe=$2
  # Git Bash: a Windows path (C:\Users\...) as the workflow passes it from %LOCALAPPDATA%.
  if command -v cygpath >/dev/null 2>&1; then exe=$(cygpath -u "$exe"); fi
  APP=$(command -v "$exe") || { echo "smoke.sh: no such command: $exe" >&2; exit 2; }
  # /usr/bin/cft-desktop -> /opt/cft-desktop/cft-desktop: the bundle is the symlink target's folder.
  # (readlink -f is missing before macOS 12.3; a path that is no symlink stays as it is.)
  target=$(readlink -f "$APP" 2>/dev/null) || target=$APP
  BUNDLE=$(dirname "$target")
else
  BUNDLE=${1:-"$PACKAGING_DIR/dist/cft-desktop"}
  case "$BUNDLE" in *.app|*.app/) BUNDLE="${BUNDLE%/}/Contents/MacOS" ;; esac
  BUNDLE=$(cd "$BUNDLE" && pwd) || exit 2
  APP="$BUNDLE/cft-desktop"
  [ -f "$BUNDLE/cft-desktop.exe" ] && APP="$BUNDLE/cft-desktop.exe"
fi
[ -x "$APP" ] || { echo "smoke.sh: no bundle at $BUNDLE (run build.sh first)" >&2; exit 2; }
# What the size line reports: the whole .app when the executable is in its Contents/MacOS.
case "$BUNDLE" in
  */Contents/MacOS) BUNDLE_TOP=$(cd "$BUNDLE/../.." && pwd) ;;
  *) BUNDLE_TOP=$BUNDLE ;;
esac

# data_path REL: where the bundle keeps its data file or folder REL. PyInstaller 6 puts data in
# _internal/ beside the executable, but in a macOS .app in Contents/Resources (next to Contents/MacOS).
data_path() {
  for dir in "$BUNDLE/_internal" "$BUNDLE/../Resources"; do
    if [ -e "$dir/$1" ]; then
      (cd "$dir" && printf '%s/%s\n' "$(pwd)" "$1")
      return 0
    fi
  done
  return 1
}

# A Python for the helpers (WAV header, pseudo-terminal, clock), independent of the bundle. Windows has
# no python3 command, or only the Store's stand-in that runs nothing, so each candidate must run.
PY3=""
for candidate in python3 python; do
  if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 8))' >/dev/null 2>&1; then
    PY3=$candidate
    break
  fi
done

# now_ms: a millisecond clock. macOS's date has no %N, so Python's clock when there is one, else whole
# seconds.
now_ms() {
  if [ -n "$PY3" ]; then
    "$PY3" -c 'import time; print(time.time_ns() // 10**6)'
  else
    echo $(( $(date +%s) * 1000 ))
  fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cft-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home" "$WORK/data" "$WORK/cache" "$WORK/log"
# Everything the app could write goes into $WORK.
export HOME="$WORK/home" XDG_CACHE_HOME="$WORK/home/.cache" XDG_CONFIG_HOME="$WORK/home/.config" \
  XDG_DATA_HOME="$WORK/home/.local/share" XDG_STATE_HOME="$WORK/home/.local/state" \
  CFT_DESKTOP_DATA_DIR="$WORK/data" CFT_DESKTOP_CACHE_DIR="$WORK/cache" CFT_DESKTOP_LOG_DIR="$WORK/log"

passed=0
failed=0
skipped=0
results=""
record() {  # record NAME pass|fail DETAIL
  if [ "$2" = pass ]; then passed=$((passed + 1)); mark="PASS"; else failed=$((failed + 1)); mark="FAIL"; fi
  line=$(printf '%-10s %s  %s' "$1" "$mark" "$3")
  echo "$line"
  results="$results$line
"
}
skip() {  # skip NAME REASON: a check that cannot run here says so, and the summary repeats it
  skipped=$((skipped + 1))
  line="SKIP $1: $2"
  echo "$line"
  results="$results$line
"
}
show_output() {  # the first lines of a failed command's output, indented
  sed -n '1,25p' "$1" | sed 's/^/    | /'
}

# Cut the network off for a command when the kernel lets us (root, or unprivileged user namespaces).
if unshare -rn true 2>/dev/null; then
  OFFLINE="unshare -rn"
  offline_note="network cut off"
else
  OFFLINE=""
  offline_note="network NOT cut off (unshare unavailable); HOME checked instead"
fi

# --- list ---------------------------------------------------------------------------------------------
t0=$(now_ms)
"$APP" list >"$WORK/list.out" 2>&1
rc=$?
list_ms=$(( $(now_ms) - t0 ))
lines=$(grep -c . "$WORK/list.out")
if [ $rc -eq 0 ] && [ "$lines" -ge 10 ]; then
  record list pass "$lines practices in $list_ms ms (cold start included)"
else
  record list fail "exit $rc, $lines lines"
  show_output "$WORK/list.out"
fi

# --- validate -----------------------------------------------------------------------------------------
if SCRIPTS=$(data_path scripts); then
  set -- "$SCRIPTS"/*.md
  "$APP" validate "$@" >"$WORK/validate.out" 2>&1
  rc=$?
else
  echo "no scripts folder in $BUNDLE/_internal or $BUNDLE/../Resources" >"$WORK/validate.out"
  set --
  rc=1
fi
if [ $rc -eq 0 ]; then
  record validate pass "$# bundled scripts, $(grep -c 'warning' "$WORK/validate.out") warnings"
else
  record validate fail "exit $rc"
  show_output "$WORK/validate.out"
fi

# --- render with the bundled voice, offline -----------------------------------------------------------
t0=$(date +%s)
$OFFLINE "$APP" render ground-me --out "$WORK/ground-me.wav" >"$WORK/render.out" 2>&1
rc=$?
render_s=$(( $(date +%s) - t0 ))
duration=$("${PY3:-python3}" - "$WORK/ground-me.wav" <<'PYEOF' 2>/dev/null
import struct
import sys

# Read the RIFF header directly: the WAV may be IEEE float, which the wave module refuses.
with open(sys.argv[1], "rb") as f:
    riff, _, wave_id = struct.unpack("<4sI4s", f.read(12))
    assert riff == b"RIFF" and wave_id == b"WAVE"
    rate = block_align = None
    while True:
        header = f.read(8)
        if len(header) < 8:
            break
        chunk, size = struct.unpack("<4sI", header)
        if chunk == b"fmt ":
            fmt = f.read(size)
            _, _, rate, _, block_align = struct.unpack("<HHIIH", fmt[:14])
        elif chunk == b"data":
            print(f"{size / block_align / rate:.1f}")
            break
        else:
            f.seek(size + (size & 1), 1)
PYEOF
)
clips=$(find "$WORK/cache" -type f | wc -l)
home_files=$(find "$WORK/home" -type f | sed "s|^$WORK/home/||")
if [ $rc -ne 0 ]; then
  record render fail "exit $rc"
  show_output "$WORK/render.out"
elif [ -z "$PY3" ]; then
  record render fail "no python3 or python to read the WAV header with"
elif [ -z "$duration" ]; then
  record render fail "no readable WAV written"
elif ! "$PY3" -c "import sys; sys.exit(not 50 <= float('$duration') <= 110)"; then
  record render fail "WAV is $duration s, expected 50-110 s"
elif [ "$clips" -eq 0 ]; then
  record render fail "no narration was synthesised into the cache"
elif [ -n "$home_files" ]; then
  record render fail "wrote into HOME: $(echo "$home_files" | tr '\n' ' ')"
else
  record render pass "ground-me: $duration s of audio, $clips cached clips, ${render_s} s; $offline_note; HOME untouched"
fi

# --- MP3 export through the bundled libsndfile ----------------------------------------------------------
$OFFLINE "$APP" render ground-me --out "$WORK/ground-me.mp3" >"$WORK/mp3.out" 2>&1
rc=$?
# An MP3 starts with an ID3 tag or an MPEG frame sync (11 set bits).
mp3_head=$(od -An -tx1 -N3 "$WORK/ground-me.mp3" 2>/dev/null | tr -d ' ')
mp3_kb=$(( $(wc -c <"$WORK/ground-me.mp3" 2>/dev/null || echo 0) / 1024 ))
case "$mp3_head" in
  494433*|fff*|ffe*) mp3_ok=yes ;;
  *) mp3_ok=no ;;
esac
if [ $rc -eq 0 ] && [ "$mp3_ok" = yes ] && [ "$mp3_kb" -ge 100 ]; then
  record mp3 pass "ground-me.mp3: $mp3_kb KB, starts $mp3_head"
else
  record mp3 fail "exit $rc, $mp3_kb KB, starts '${mp3_head:-nothing}'"
  show_output "$WORK/mp3.out"
fi

# --- PDF summary from a passphrase-locked store (cryptography + fpdf2 in the bundle) ---------------------
# The Python that makes the test store: the build venv's, whose programs are in bin/ except on Windows
# (Scripts\python.exe).
if [ -z "${SMOKE_PYTHON:-}" ]; then
  SMOKE_PYTHON="$PACKAGING_DIR/.build-venv/bin/python"
  for candidate in "$PACKAGING_DIR/.build-venv/bin/python" "$PACKAGING_DIR/.build-venv/Scripts/python.exe"; do
    if [ -x "$candidate" ]; then SMOKE_PYTHON=$candidate; break; fi
  done
fi
PASSPHRASE="smoke test passphrase 7"
PSEUDONYM="Zoë 山田"
# The CLI reads a passphrase only from a terminal (getpass), which the check gives it as a
# pseudo-terminal. Windows has none (Python has no pty there): the store then stays unlocked, so that
# the PDF export and its fonts are still checked (pdf-plain), and pdf-crypto says it was skipped.
if [ -n "$PY3" ] && "$PY3" -c 'import os, pty; os.openpty()' >/dev/null 2>&1; then
  pdf_name=pdf-crypto
  store_mode=locked
else
  pdf_name=pdf-plain
  store_mode=plain
fi
pdf_state=none  # none (not attempted), failed or made
mkdir -p "$WORK/data-locked"
if [ ! -x "$SMOKE_PYTHON" ]; then
  skip pdf-crypto "no Python with cft_desktop at $SMOKE_PYTHON to make the test store (set SMOKE_PYTHON)"
elif ! "$SMOKE_PYTHON" - "$WORK/data-locked" "$PASSPHRASE" "$PSEUDONYM" "$store_mode" \
    >"$WORK/fixture.out" 2>&1 <<'PYEOF'
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cft_desktop.core.ratings import DEFAULT_ITEM_SET, Phase
from cft_desktop.store.records import Records

# Two rated sessions, then (argv[4] "locked") the store is locked, as a person would do in the Ratings
# menu. The pseudonym mixes Latin with a diacritic and CJK, so the PDF needs both bundled fonts.
start = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
with Records.open(Path(sys.argv[1]) / "ratings.json") as records:
    client = records.default_client().client_id
    records.rename_client(client, sys.argv[3])
    for number in range(2):
        began = start + timedelta(days=number)
        session = records.start_session(client, "soothing-rhythm-breathing", "1", {"bpm": 6.0},
                                        "piper:joe", began)
        records.save_before(session, [i.answer(60) for i in DEFAULT_ITEM_SET.for_phase(Phase.BEFORE)])
        records.save_after(session, [i.answer("no") if i.item_id == "upset" else i.answer(40)
                                     for i in DEFAULT_ITEM_SET.for_phase(Phase.AFTER)],
                           began + timedelta(minutes=6), 1.0)
    if sys.argv[4] == "locked":
        records.change_passphrase(None, sys.argv[2])
PYEOF
then
  record "$pdf_name" fail "could not make the test store with $SMOKE_PYTHON"
  show_output "$WORK/fixture.out"
  pdf_state=failed
else
  if [ "$store_mode" = locked ]; then
    CFT_DESKTOP_DATA_DIR="$WORK/data-locked" "$PY3" - "$APP" "$WORK/summary.pdf" "$PASSPHRASE" \
        >"$WORK/pdf.out" 2>&1 <<'PYEOF'
import os
import pty
import sys
import time

app, out, passphrase = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(app, [app, "ratings", "export", "--format", "pdf", "--out", out])
seen = b""
deadline = time.time() + 60
sent = False
while time.time() < deadline:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if not sent and b"assphrase" in seen:
        os.write(fd, passphrase.encode() + b"\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PYEOF
    rc=$?
  else
    skip pdf-crypto "no pseudo-terminal on this platform to type the passphrase into; pdf-plain exports an unlocked store instead"
    CFT_DESKTOP_DATA_DIR="$WORK/data-locked" "$APP" ratings export --format pdf --out "$WORK/summary.pdf" \
        </dev/null >"$WORK/pdf.out" 2>&1
    rc=$?
  fi
  pdf_head=$(head -c 5 "$WORK/summary.pdf" 2>/dev/null)
  pdf_kb=$(( $(wc -c <"$WORK/summary.pdf" 2>/dev/null || echo 0) / 1024 ))
  if [ "$store_mode" = plain ] && [ $rc -eq 0 ] && [ "$pdf_head" = "%PDF-" ]; then
    record pdf-plain pass "unlocked store; summary.pdf $pdf_kb KB"
    pdf_state=made
  elif [ $rc -eq 0 ] && [ "$pdf_head" = "%PDF-" ] && head -c 200 "$WORK/data-locked/ratings.json" | grep -qv '"sessions"'; then
    record pdf-crypto pass "locked store opened with its passphrase; summary.pdf $pdf_kb KB"
    pdf_state=made
  else
    record "$pdf_name" fail "exit $rc, file starts '${pdf_head:-nothing}'"
    show_output "$WORK/pdf.out"
    pdf_state=failed
  fi
fi
# The fonts must be in the file itself (a viewer on another machine has neither), and the text must
# come back out as the same letters (the fonts' Unicode maps are right).
if [ "$pdf_state" = none ]; then
  skip pdf-fonts "no PDF was made (pdf-crypto was skipped)"
elif [ "$pdf_state" = failed ]; then
  record pdf-fonts fail "no PDF to look at"
elif ! command -v pdffonts >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  skip pdf-fonts "no pdffonts/pdftotext (Debian: apt-get install poppler-utils)"
else
  pdffonts "$WORK/summary.pdf" >"$WORK/pdffonts.out" 2>&1
  # Columns from the right: object number and generation, uni, sub, emb.
  embedded=$(awk 'NR > 2 && $(NF-4) == "yes" { sub(/^[A-Z]+\+/, "", $1); print $1 }' "$WORK/pdffonts.out" \
    | sort -u | tr '\n' ' ')
  pdftotext -enc UTF-8 "$WORK/summary.pdf" "$WORK/summary.txt" 2>/dev/null
  case "$embedded" in
    *DejaVuSans*DroidSansFallback*|*DroidSansFallback*DejaVuSans*) fonts_ok=yes ;;
    *) fonts_ok=no ;;
  esac
  if [ "$fonts_ok" = yes ] && grep -qF "$PSEUDONYM" "$WORK/summary.txt"; then
    record pdf-fonts pass "embedded: ${embedded% }; '$PSEUDONYM' reads back from the PDF"
  else
    record pdf-fonts fail "embedded: [${embedded% }]; pseudonym in text: $(grep -cF "$PSEUDONYM" "$WORK/summary.txt")"
    show_output "$WORK/pdffonts.out"
  fi
fi

# --- PortAudio (through sounddevice) loads from the bundle ---------------------------------------------
# On Linux an ALSA null device is configured, so a device must be listed. GitHub's Windows and macOS
# runners may have no sound device at all; there the app's plain no-device message is a pass too, since
# it shows PortAudio loaded and looked. A traceback, or any other failure, is not.
cat >"$WORK/asound.conf" <<EOF
pcm.!default { type plug slave.pcm { type file slave.pcm { type null } file "$WORK/played.raw" format "raw" } }
EOF
ALSA_CONFIG_PATH="$WORK/asound.conf" "$APP" devices >"$WORK/devices.out" 2>&1
rc=$?
# The message is read from the checkout's source, so a reworded message cannot make this check fail;
# its first sentence stands in when there is no Python or no checkout.
no_device=$("${PY3:-python3}" - "$ROOT/cft_desktop/sound/settings.py" 2>/dev/null <<'PYEOF'
import ast
import sys

tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
for node in tree.body:
    if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "NO_DEVICE_MESSAGE" for t in node.targets):
        print(ast.literal_eval(node.value))
PYEOF
)
[ -n "$no_device" ] || no_device="No sound output was found."
if grep -q "Traceback" "$WORK/devices.out"; then
  record portaudio fail "exit $rc, with a traceback"
  show_output "$WORK/devices.out"
elif [ $rc -eq 0 ] && [ "$(grep -c . "$WORK/devices.out")" -ge 1 ]; then
  record portaudio pass "devices: $(head -n 3 "$WORK/devices.out" | tr '\t\n' ' ')"
elif [ $rc -eq 2 ] && grep -qF "$no_device" "$WORK/devices.out"; then
  # cli.py's devices exits EXIT_ERROR (2) with the message when PortAudio finds no output.
  record portaudio pass "PortAudio loaded; this machine has no sound output (the app's no-device message, exit 2)"
else
  record portaudio fail "exit $rc"
  show_output "$WORK/devices.out"
fi

# --- GUI --------------------------------------------------------------------------------------------
# gui_check NAME: run `cft-desktop` (no arguments) for 5 s with the caller's QT_QPA_PLATFORM/DISPLAY;
# pass if it was still running (or had exited 0) and neither its log folder nor stderr has a traceback.
gui_check() {
  name=$1
  rm -rf "$WORK/log" && mkdir -p "$WORK/log"
  "$APP" >"$WORK/$name.out" 2>&1 &
  gui_pid=$!
  alive=yes
  i=0
  while [ $i -lt 50 ]; do  # 5 s in 0.1 s steps
    if ! kill -0 "$gui_pid" 2>/dev/null; then alive=no; break; fi
    sleep 0.1
    i=$((i + 1))
  done
  window=""
  if [ "$alive" = yes ] && [ -n "${DISPLAY:-}" ] && command -v xwininfo >/dev/null 2>&1; then
    window=$(xwininfo -root -tree 2>/dev/null | grep -c '"CFT Desktop')
    if command -v import >/dev/null 2>&1; then
      import -window root "$PACKAGING_DIR/dist/smoke-$name.png" 2>/dev/null
    fi
  fi
  if [ "$alive" = yes ]; then
    kill "$gui_pid" 2>/dev/null
    wait "$gui_pid" 2>/dev/null
    gui_rc="killed after 5 s"
  else
    wait "$gui_pid"
    gui_rc="exited by itself with status $?"
  fi
  log_tracebacks=$(grep -rl "Traceback" "$WORK/log" 2>/dev/null)
  out_traceback=$(grep -c "Traceback" "$WORK/$name.out")
  log_lines=$(cat "$WORK"/log/* 2>/dev/null | grep -c .)
  detail="$gui_rc; $log_lines log lines"
  [ -n "$window" ] && detail="$detail; $window 'CFT Desktop' window(s) on the X screen"
  if { [ "$alive" = yes ] || [ "$gui_rc" = "exited by itself with status 0" ]; } \
      && [ -z "$log_tracebacks" ] && [ "$out_traceback" -eq 0 ] && [ "${window:-1}" != 0 ]; then
    record "$name" pass "$detail; no traceback"
  else
    record "$name" fail "$detail; tracebacks: log folder [${log_tracebacks:-none}], stderr $out_traceback"
    show_output "$WORK/$name.out"
    for f in $log_tracebacks; do show_output "$f"; done
  fi
}

DISPLAY='' QT_QPA_PLATFORM=offscreen gui_check gui  # no X screen to look at, even if DISPLAY is set

# The desktop platform (xcb) too, when Xvfb is installed: proves the xcb plugin and its libraries load.
if command -v Xvfb >/dev/null 2>&1; then
  display=99
  while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
  Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.out" 2>&1 &
  xvfb_pid=$!
  i=0
  while [ ! -e "/tmp/.X11-unix/X$display" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  DISPLAY=":$display" QT_QPA_PLATFORM=xcb gui_check gui-xcb
  kill "$xvfb_pid" 2>/dev/null
  wait "$xvfb_pid" 2>/dev/null
elif [ "$(uname -s)" = Linux ]; then
  skip gui-xcb "no Xvfb (apt-get install xvfb) to check the desktop platform plugin on"
else
  skip gui-xcb "xcb is the Linux desktop platform; this system's own (cocoa, windows) is not started headless"
fi

# --- summary -------------------------------------------------------------------------------------------
echo
echo "== smoke test of $BUNDLE_TOP"
printf '%s' "$results"
echo "   bundle size: $(du -sh "$BUNDLE_TOP" | cut -f1)"
for tarball in "$PACKAGING_DIR"/dist/cft-desktop-*.tar.gz; do
  [ -f "$tarball" ] && echo "   tarball: $(basename "$tarball") ($(du -sh "$tarball" | cut -f1))"
done
info="$PACKAGING_DIR/dist/build-info.txt"  # written by a Linux build.sh; read, not sourced
if [ -f "$info" ]; then
  build_info() { sed -n "s/^$1=//p" "$info"; }
  echo "   build time: PyInstaller $(build_info pyinstaller_s) s, whole build.sh $(build_info build_total_s) s" \
    "(PyInstaller $(build_info pyinstaller), $(build_info built_at))"
fi
echo "   $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
