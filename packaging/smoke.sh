#!/bin/sh
# Smoke-test the frozen bundle headless: sh packaging/smoke.sh [BUNDLE_DIR]
#                                     or: sh packaging/smoke.sh --exe /usr/bin/cft-desktop
# (default packaging/dist/cft-desktop, made by build.sh; --exe checks an installed command, e.g. from the
# .deb, and finds its bundle folder through the symlink). Every run uses fresh temporary data, cache,
# log and HOME folders, so it never touches a real user's files. Exit status 0 only if every check passed.
#   list       prints the practices (at least 10 lines)
#   validate   the bundled scripts validate (exit 0)
#   render     ground-me renders to a 50-110 s WAV with the bundled neural voice, with the network cut off
#              where `unshare` allows it, and writes nothing into HOME (no model download, no telemetry)
#   mp3        the same practice exported as MP3 through the bundled libsndfile (an MPEG audio file)
#   pdf-crypto `ratings export --format pdf` from a passphrase-locked store: the bundled cryptography
#              (scrypt + AES-GCM) opens it and fpdf2 writes a PDF. The locked store is made by a Python
#              that has cft_desktop (SMOKE_PYTHON, default packaging/.build-venv's); skipped without one
#   pdf-fonts  that PDF's client is "Zoë 山田": the bundled DejaVu Sans and the CJK fallback font are
#              embedded (pdffonts) and the name comes back out as text (pdftotext); needs poppler-utils
#   portaudio  the bundled sounddevice/PortAudio loads and sees an ALSA device (a null one here)
#   gui        `cft-desktop` with no arguments stays up offscreen for 5 s; no traceback in its log
#   gui-xcb    the same on an Xvfb screen through Qt's xcb plugin, when Xvfb is installed; the window
#              must be on the screen (a screenshot is left in dist/smoke-gui-xcb.png)
# Needs python3 (only to read the WAV header).
set -u

PACKAGING_DIR=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = "--exe" ]; then
  [ -n "${2:-}" ] || { echo "smoke.sh: --exe needs the path of an installed cft-desktop" >&2; exit 2; }
  APP=$(command -v "$2") || { echo "smoke.sh: no such command: $2" >&2; exit 2; }
  # /usr/bin/cft-desktop -> /opt/cft-desktop/cft-desktop: the bundle is the symlink target's folder.
  BUNDLE=$(dirname "$(readlink -f "$APP")")
else
  BUNDLE=${1:-"$PACKAGING_DIR/dist/cft-desktop"}
  BUNDLE=$(cd "$BUNDLE" && pwd)
  APP="$BUNDLE/cft-desktop"
fi
[ -x "$APP" ] || { echo "smoke.sh: no bundle at $BUNDLE (run build.sh first)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cft-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home" "$WORK/data" "$WORK/cache" "$WORK/log"
# Everything the app could write goes into $WORK.
export HOME="$WORK/home" XDG_CACHE_HOME="$WORK/home/.cache" XDG_CONFIG_HOME="$WORK/home/.config" \
  XDG_DATA_HOME="$WORK/home/.local/share" XDG_STATE_HOME="$WORK/home/.local/state" \
  CFT_DESKTOP_DATA_DIR="$WORK/data" CFT_DESKTOP_CACHE_DIR="$WORK/cache" CFT_DESKTOP_LOG_DIR="$WORK/log"

passed=0
failed=0
results=""
record() {  # record NAME pass|fail DETAIL
  if [ "$2" = pass ]; then passed=$((passed + 1)); mark="PASS"; else failed=$((failed + 1)); mark="FAIL"; fi
  line=$(printf '%-10s %s  %s' "$1" "$mark" "$3")
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
t0=$(date +%s%N)
"$APP" list >"$WORK/list.out" 2>&1
rc=$?
list_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
lines=$(grep -c . "$WORK/list.out")
if [ $rc -eq 0 ] && [ "$lines" -ge 10 ]; then
  record list pass "$lines practices in $list_ms ms (cold start included)"
else
  record list fail "exit $rc, $lines lines"
  show_output "$WORK/list.out"
fi

# --- validate -----------------------------------------------------------------------------------------
set -- "$BUNDLE"/_internal/scripts/*.md
"$APP" validate "$@" >"$WORK/validate.out" 2>&1
rc=$?
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
duration=$(python3 - "$WORK/ground-me.wav" <<'PYEOF' 2>/dev/null
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
elif [ -z "$duration" ]; then
  record render fail "no readable WAV written"
elif ! python3 -c "import sys; sys.exit(not 50 <= float('$duration') <= 110)"; then
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
SMOKE_PYTHON=${SMOKE_PYTHON:-"$PACKAGING_DIR/.build-venv/bin/python"}
PASSPHRASE="smoke test passphrase 7"
PSEUDONYM="Zoë 山田"
mkdir -p "$WORK/data-locked"
if [ -x "$SMOKE_PYTHON" ] && "$SMOKE_PYTHON" - "$WORK/data-locked" "$PASSPHRASE" "$PSEUDONYM" \
    >"$WORK/fixture.out" 2>&1 <<'PYEOF'
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cft_desktop.core.ratings import DEFAULT_ITEM_SET, Phase
from cft_desktop.store.records import Records

# Two rated sessions, then the store is locked, as a person would do in the Ratings menu. The
# pseudonym mixes Latin with a diacritic and CJK, so the PDF needs both bundled fonts.
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
    records.change_passphrase(None, sys.argv[2])
PYEOF
then
  # The CLI asks for the passphrase on the terminal (getpass), so give it one: a pseudo-terminal.
  CFT_DESKTOP_DATA_DIR="$WORK/data-locked" python3 - "$APP" "$WORK/summary.pdf" "$PASSPHRASE" \
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
  pdf_head=$(head -c 5 "$WORK/summary.pdf" 2>/dev/null)
  if [ $rc -eq 0 ] && [ "$pdf_head" = "%PDF-" ] && head -c 200 "$WORK/data-locked/ratings.json" | grep -qv '"sessions"'; then
    record pdf-crypto pass "locked store opened with its passphrase; summary.pdf $(( $(wc -c <"$WORK/summary.pdf") / 1024 )) KB"
  else
    record pdf-crypto fail "exit $rc, file starts '${pdf_head:-nothing}'"
    show_output "$WORK/pdf.out"
  fi
  # The fonts must be in the file itself (a viewer on another machine has neither), and the text must
  # come back out as the same letters (the fonts' Unicode maps are right).
  if [ "$pdf_head" != "%PDF-" ]; then
    record pdf-fonts fail "no PDF to look at"
  elif ! command -v pdffonts >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
    echo "pdf-fonts  SKIP  (no pdffonts/pdftotext: apt-get install poppler-utils)"
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
else
  echo "pdf-crypto SKIP  (no Python with cft_desktop at $SMOKE_PYTHON to make the locked store)"
  [ -s "$WORK/fixture.out" ] && show_output "$WORK/fixture.out"
fi

# --- PortAudio (through sounddevice) loads from the bundle ---------------------------------------------
cat >"$WORK/asound.conf" <<EOF
pcm.!default { type plug slave.pcm { type file slave.pcm { type null } file "$WORK/played.raw" format "raw" } }
EOF
ALSA_CONFIG_PATH="$WORK/asound.conf" "$APP" devices >"$WORK/devices.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ "$(grep -c . "$WORK/devices.out")" -ge 1 ]; then
  record portaudio pass "devices: $(head -n 3 "$WORK/devices.out" | tr '\t\n' ' ')"
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

DISPLAY= QT_QPA_PLATFORM=offscreen gui_check gui  # no X screen to look at, even if DISPLAY is set

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
else
  echo "gui-xcb    SKIP  (no Xvfb: apt-get install xvfb to check the desktop platform plugin)"
fi

# --- summary -------------------------------------------------------------------------------------------
echo
echo "== smoke test of $BUNDLE"
printf '%s' "$results"
echo "   bundle size: $(du -sh "$BUNDLE" | cut -f1)"
for tarball in "$PACKAGING_DIR"/dist/cft-desktop-*.tar.gz; do
  [ -f "$tarball" ] && echo "   tarball: $(basename "$tarball") ($(du -sh "$tarball" | cut -f1))"
done
if [ -f "$PACKAGING_DIR/dist/build-info.txt" ]; then
  . "$PACKAGING_DIR/dist/build-info.txt"
  echo "   build time: PyInstaller ${pyinstaller_s} s, whole build.sh ${build_total_s} s (PyInstaller $pyinstaller, $built_at)"
fi
echo "   $passed passed, $failed failed"
[ "$failed" -eq 0 ]
