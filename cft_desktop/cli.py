"""The command line: `cft-desktop` with no arguments opens the window; subcommands do the rest.

Owns argument parsing and the one boundary where errors become words: every `CftError` is printed as
its message (``file:line: message`` for scripts) with exit status 2, never a traceback. Runs on the
main thread; `play` drives the Qt-free player (`cft_desktop.play`), whose workers narrate and
render while this thread polls its news.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO, TypeVar

from cft_desktop import paths
from cft_desktop.core.pacing import DEFAULT_SPEECH_LENGTH_SCALE, Pacing, parse_ratio
from cft_desktop.errors import CftError, ScriptErrors

# The script parser and library (and yaml) are imported by the commands that read scripts: with no
# arguments this module only hands over to the window, which shows its frame before reading any.
if TYPE_CHECKING:
    from cft_desktop.core.library import Library
    from cft_desktop.core.script import Script
    from cft_desktop.session import Session
    from cft_desktop.sound.mixer import MixSettings, SoundAssets
    from cft_desktop.store.records import Records
    from cft_desktop.voice.narrator import Narrator

T = TypeVar("T")

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
SYNTHESIS_STOP_WAIT_S = 30.0  # one long phrase of the voice on a slow machine, at most
# How long a ratings command waits for an open window (or another command) to let the store go.
STORE_BUSY_WAIT_S = 5.0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        from cft_desktop.ui.app import run_gui

        return run_gui()
    parser = _build_parser()
    args = parser.parse_args(args_list)
    try:
        result: int = args.handler(args)
        return result
    except ScriptErrors as exc:
        for error in exc.errors:
            print(_printable(str(error)), file=sys.stderr)
        return EXIT_ERROR
    except CftError as exc:
        # An error may quote a script's words or a file name: never let them drive the terminal.
        # (Line by line: a message may list several problems, one to a line.)
        text = "\n".join(_printable(line) for line in str(exc).split("\n"))
        print(f"cft-desktop: {text}", file=sys.stderr)
        return EXIT_ERROR


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cft-desktop",
        description="Guided compassion-focused practices with live breath pacing. "
        "Run with no arguments to open the window.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list the practices: id, kind, minutes, title")
    listing.set_defaults(handler=_cmd_list)

    validate = commands.add_parser("validate", help="check script files; exit 2 on any problem")
    validate.add_argument("files", nargs="+", type=Path)
    validate.set_defaults(handler=_cmd_validate)

    render = commands.add_parser("render", help="save a paced, narrated session as audio")
    render.add_argument("script", help="a practice id (see 'list') or a script file")
    render.add_argument("--out", required=True, type=Path, help=".wav, .flac, .ogg or .mp3")
    render.add_argument("--timeline", type=Path, help="also write the timeline as JSON")
    _add_pacing_flags(render)
    _add_voice_flags(render)
    render.set_defaults(handler=_cmd_render)

    play = commands.add_parser("play", help="play a practice through the sound output")
    play.add_argument("script", help="a practice id (see 'list') or a script file")
    play.add_argument("--device", help="output device number or name (default: the system's)")
    _add_pacing_flags(play)
    _add_voice_flags(play)
    play.set_defaults(handler=_cmd_play)

    devices = commands.add_parser("devices", help="list sound output devices")
    devices.set_defaults(handler=_cmd_devices)

    ratings = commands.add_parser("ratings", help="export or import before/after ratings")
    ratings_commands = ratings.add_subparsers(dest="ratings_command", required=True)
    export = ratings_commands.add_parser("export", help="save ratings as CSV or a PDF summary")
    export.add_argument("--format", choices=("csv", "pdf"), required=True)
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--client", help="a client's pseudonym or id (default: all for CSV, "
                                         "the active profile for PDF)")
    export.set_defaults(handler=_cmd_ratings_export)
    importing = ratings_commands.add_parser("import", help="add ratings from a CSV export")
    importing.add_argument("file", type=Path)
    importing.add_argument("--client", help="put every row under this client (pseudonym or id)")
    importing.set_defaults(handler=_cmd_ratings_import)
    _add_voice_commands(commands)
    return parser


def _add_voice_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("voice")
    group.add_argument("--voice", metavar="NAME", default=None,
                       help="speak from this voice pack (see 'voice list'); the neural voice "
                            "says any phrase it has no take of")
    group.add_argument("--strict", action="store_true",
                       help="with --voice: refuse, listing them, when phrases have no take")


def _add_voice_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    voice = commands.add_parser("voice", help="voice packs: a practice in your own voice")
    voice_commands = voice.add_subparsers(dest="voice_command", required=True)
    phrases = voice_commands.add_parser("phrases", help="one numbered line per phrase to record")
    phrases.add_argument("script", help="a practice id (see 'list') or a script file")
    phrases.set_defaults(handler=_cmd_voice_phrases)
    importing = voice_commands.add_parser(
        "import", help="add takes from a folder of 001.wav, 002.flac, … (one file per phrase)")
    importing.add_argument("script", help="a practice id (see 'list') or a script file")
    importing.add_argument("folder", type=Path)
    importing.add_argument("--name", required=True, help="the voice pack (made if new)")
    importing.add_argument("--accept-warnings", action="store_true",
                           help="import takes the checks warn about (too loud, too quiet, a "
                                "noisy room, longer than a breath)")
    _add_pacing_flags(importing)
    importing.set_defaults(handler=_cmd_voice_import)
    listing = voice_commands.add_parser("list", help="the voice packs: name, phrases, scripts")
    listing.set_defaults(handler=_cmd_voice_list)
    export = voice_commands.add_parser("export", help="save a voice pack as one file")
    export.add_argument("name")
    export.add_argument("--out", required=True, type=Path)
    export.set_defaults(handler=_cmd_voice_export)
    import_pack = voice_commands.add_parser("import-pack", help="add a voice pack saved by export")
    import_pack.add_argument("file", type=Path)
    import_pack.add_argument("--name", help="import it under this name")
    import_pack.add_argument("--replace", action="store_true",
                             help="replace a pack of the same name")
    import_pack.set_defaults(handler=_cmd_voice_import_pack)
    remove = voice_commands.add_parser("remove", help="erase a voice pack and every take in it")
    remove.add_argument("name")
    remove.set_defaults(handler=_cmd_voice_remove)


def _add_pacing_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("pacing")
    group.add_argument("--bpm", type=float, default=6.0, help="breaths per minute, 3–12")
    group.add_argument("--ratio", default="2:3", help="inhale:exhale, from 1:4 to 2:1")
    group.add_argument("--hold-in", type=float, default=0.0, help="hold after inhale, 0–4 s")
    group.add_argument("--hold-out", type=float, default=0.0, help="hold after exhale, 0–4 s")
    group.add_argument("--pause-scale", type=float, default=1.0, help="stretch silences, 0.5–3")
    group.add_argument("--speech-rate", type=float, default=DEFAULT_SPEECH_LENGTH_SCALE,
                       help="voice length scale (larger is slower), 0.8–2")
    group.add_argument("--ramp-from", type=float, default=None,
                       help="start at this many breaths per minute and slow to --bpm")
    group.add_argument("--ramp-breaths", type=int, default=6,
                       help="over this many breaths (default 6)")
    group.add_argument("--no-cues", action="store_true", help="no breath cue tones")
    group.add_argument("--no-breath-work", action="store_true",
                       help="quiet time instead of paced breathing: no breath lines, no tones; "
                            "a script's breath-free parts are used")
    group.add_argument("--ambient", default=None, help="background sound: rain, drone or waves")
    group.add_argument("--ambient-volume", type=float, default=0.0,
                       help="background level in dB (0 = as made, negative = quieter)")


def _pacing_from(args: argparse.Namespace) -> Pacing:
    inhale, exhale = parse_ratio(args.ratio)
    return Pacing(
        bpm=args.bpm,
        inhale_parts=inhale,
        exhale_parts=exhale,
        hold_in_s=args.hold_in,
        hold_out_s=args.hold_out,
        pause_scale=args.pause_scale,
        speech_length_scale=args.speech_rate,
        ramp_from_bpm=args.ramp_from,
        ramp_breaths=args.ramp_breaths,
        breath_work=not args.no_breath_work,
    )


def _library() -> Library:
    from cft_desktop.core.library import Library

    return Library(user_dir=paths.user_scripts_dir())


def _resolve_script(name: str) -> Script:
    from cft_desktop.core.script import parse_file

    candidate = Path(name)
    if candidate.suffix == ".md" or candidate.is_file():
        return parse_file(candidate)
    return _library().find(name)


# Bidirectional overrides and isolates reorder what a terminal shows; escaped like controls.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _printable(text: str) -> str:
    """`text` with every control character shown as an escape (``\\x1b``), so text from a script
    file (a title, a file name, a cue quoted in an error) cannot drive the terminal, and a tab or
    line break in it cannot split `list`'s columns."""
    return "".join(
        ascii(char)[1:-1]
        if unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI_CONTROLS
        else char
        for char in text
    )


def _cmd_list(args: argparse.Namespace) -> int:
    for entry in _library().entries:
        if entry.script is not None:
            s = entry.script
            print("\t".join(_printable(cell) for cell in (s.id, s.kind, f"{s.minutes:g}", s.title)))
        else:
            first = entry.errors[0] if entry.errors else None
            print(f"{_printable(entry.id)}\terror\t-\t{_printable(str(first))}", file=sys.stdout)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    """Errors make the exit status 2; warnings (a breath line likely too long for its phase at the
    default pace, judged from an estimate of the voice's speed) are printed but do not fail."""
    from cft_desktop.core import timeline as tl
    from cft_desktop.core.script import parse_file
    from cft_desktop.sound.clips import SAMPLE_RATE
    from cft_desktop.voice.narrator import estimate_frames

    problems = 0
    pacing = Pacing()
    for path in args.files:
        try:
            script = parse_file(path)
        except ScriptErrors as exc:
            for error in exc.errors:
                print(_printable(str(error)))
                problems += 1
            continue
        texts = [p.text for p in script.phrases()]
        timeline = tl.build(
            script, pacing,
            lambda i, texts=texts: estimate_frames(texts[i], pacing.speech_length_scale),  # type: ignore[misc]
            SAMPLE_RATE, 4 * SAMPLE_RATE,
        )
        for warning in timeline.warnings:
            print(_printable(f"{path}:{warning.line}: warning: {warning.message} (estimated)"))
    return EXIT_ERROR if problems else 0


def _mix_from(args: argparse.Namespace, assets: SoundAssets) -> MixSettings:
    from cft_desktop.sound.mixer import MixSettings

    if args.ambient and args.ambient not in assets.beds:
        known = ", ".join(sorted(assets.beds)) or "none installed"
        raise CftError(f"no background sound called '{args.ambient}' (choose from: {known})")
    return MixSettings(
        inhale_cue=not args.no_cues,
        exhale_cue=not args.no_cues,
        ambient=args.ambient,
        ambient_gain_db=args.ambient_volume,
    )


def _make_session(args: argparse.Namespace, script: Script) -> Session:
    from cft_desktop.play.narration import default_narrator
    from cft_desktop.session import Session
    from cft_desktop.sound.mixer import SoundAssets

    pacing = _pacing_from(args)
    assets = SoundAssets.load()
    mix = _mix_from(args, assets)
    return Session(script, pacing, _narrator_for(args, script, default_narrator()), assets, mix)


def _print_warnings(session: Session) -> None:
    for warning in session.timeline.warnings:
        print(_printable(f"{session.script.source}:{warning.line}: warning: {warning.message}"),
              file=sys.stderr)


def _cmd_render(args: argparse.Namespace) -> int:
    from cft_desktop.sound.export import export_session, format_for

    format_for(args.out)
    script = _resolve_script(args.script)
    session = _make_session(args, script)
    bar = ProgressBar(sys.stderr)
    session.load_cached()
    session.prepare_all(lambda done, total: bar.show(done, total, "Preparing narration"))
    bar.done()
    _print_warnings(session)
    export_session(
        session, args.out,
        lambda done, total: bar.show(done, total, f"Saving {args.out.name}"),
    )
    bar.done()
    _print_fallback(session.narrator)
    if args.timeline:
        args.timeline.write_text(json.dumps(_timeline_json(session), indent=1) + "\n",
                                 encoding="utf-8")
    minutes, seconds = divmod(round(session.timeline.duration_s), 60)
    print(f"Saved {args.out} ({minutes} min {seconds:02d} s).", file=sys.stderr)
    return 0


def _cmd_play(args: argparse.Namespace) -> int:
    import logging

    from cft_desktop.errors import AudioDeviceError
    from cft_desktop.play.dispatch import OwnerQueue
    from cft_desktop.play.narration import default_narrator
    from cft_desktop.play.player import Player, PlayerEvents
    from cft_desktop.sound.mixer import SoundAssets
    from cft_desktop.sound.settings import DEVICE_LOST_MESSAGE

    class _PlayNews(PlayerEvents):
        """What the player said, kept for the command's loop (which runs on the same thread)."""

        def __init__(self) -> None:
            self.finished = False
            self.problem: BaseException | None = None
            self.lost_at_frame: int | None = None

        def on_finished(self, practice_id: str) -> None:
            self.finished = True

        def on_narration_failed(self, error: Exception) -> None:
            self.problem = self.problem or error

        def on_engine_failed(self, error: BaseException) -> None:
            self.problem = self.problem or CftError(f"playback stopped: {error}")

        def on_no_device(self, error: AudioDeviceError) -> None:
            self.problem = self.problem or error

        def on_device_lost(self, kept_frame: int) -> None:
            self.lost_at_frame = kept_frame

    script = _resolve_script(args.script)
    pacing = _pacing_from(args)
    assets = SoundAssets.load()
    mix = _mix_from(args, assets)
    device: int | str | None = args.device
    if isinstance(device, str) and device.isdigit():
        device = int(device)
    # The player's log lines are meant for the window's log file; here the command says what
    # happened in its own words, and Python would otherwise print them as stray warnings.
    logging.getLogger("cft_desktop.play").addHandler(logging.NullHandler())
    bar = ProgressBar(sys.stderr)
    owner = OwnerQueue()
    news = _PlayNews()
    # No pre-roll: the sound starts at once and the render worker waits for each phrase's clip.
    # The narrator prepares cached and new phrases alike in the order they are heard, so the first
    # sound does not wait for the whole script. The last block is let out of the speaker for
    # 0.3 s before the stream closes.
    player = Player(_narrator_for(args, script, default_narrator()), assets, owner, news,
                    device=device, preroll_s=0, finish_delay_s=0.3)
    interrupted = False

    def _on_interrupt(signum: int, frame: FrameType | None) -> None:
        nonlocal interrupted
        interrupted = True

    previous = signal.signal(signal.SIGINT, _on_interrupt)
    session = None
    try:
        player.start(script, pacing, mix)
        session = player.session
        while not news.finished and not interrupted:
            if news.problem is not None:
                raise news.problem
            if news.lost_at_frame is not None and session is not None:
                # A lost output never finishes: say where the listener was, rather than wait.
                raise AudioDeviceError(f"{DEVICE_LOST_MESSAGE} It stopped at "
                                       f"{_clock(news.lost_at_frame, session.sample_rate)} of "
                                       f"{_clock(session.total_frames, session.sample_rate)}.")
            position = player.poll()
            if position is not None and session is not None:
                total = session.total_frames
                rate = session.sample_rate
                bar.show(position, total, f"{_clock(position, rate)} / {_clock(total, rate)}")
            owner.run_pending(0.1)
    finally:
        signal.signal(signal.SIGINT, previous)
        # Cancels the narrator and fades the sound out (Ctrl+C included).
        player.discard()
        # The voice stops after the phrase in hand. Leaving while it is still inside onnxruntime
        # aborts the process at exit ("terminate called without an active exception"), e.g. when
        # there is no sound device and this returns at once.
        player.join_workers(SYNTHESIS_STOP_WAIT_S)
        bar.done()
    if session is not None:
        _print_warnings(session)
        _print_fallback(session.narrator)
    if interrupted:
        print("Stopped.", file=sys.stderr)
    if session is not None and sys.stdin.isatty() and sys.stderr.isatty():
        check_in(script.kind, input, sys.stderr)
    return EXIT_INTERRUPTED if interrupted else 0


def check_in(kind: str, ask: Callable[[str], str], out: TextIO) -> tuple[str, ...]:
    """After an imagery practice, the window's unsaved check-in, on the terminal (issue 16 §1).

    Asks about upset and distress (Enter skips either), runs the usual safety rules and, if one
    fires, prints the safety flow's words and the crisis numbers. Nothing is stored. Returns the
    rules that fired (their names), for tests.
    """
    from cft_desktop.core.ratings import (
        DEFAULT_CRISIS_RESOURCES,
        SAFETY_FLOW_TEXT,
        UPSET_CHOICES,
        fired_triggers,
    )
    from cft_desktop.core.ratings.safety import (
        CHECK_IN_INTRO,
        CHECK_IN_TITLE,
        check_in_items,
        needs_check_in,
    )

    if not needs_check_in(kind):
        return ()
    upset_item, distress_item = check_in_items()
    print(f"\n{CHECK_IN_TITLE}. {CHECK_IN_INTRO}", file=out, flush=True)
    choices = " / ".join(UPSET_CHOICES)
    answers = []
    try:
        upset = _ask_until_valid(ask, out, f"{upset_item.wording} ({choices}; Enter to skip) ",
                                 lambda text: text if text in UPSET_CHOICES else None,
                                 f"Please answer {choices}, or press Enter to skip.")
        answers.append(upset_item.skip() if upset is None else upset_item.answer(upset))
        distress = _ask_until_valid(
            ask, out, f"{distress_item.wording} (0 to 100; Enter to skip) ",
            lambda text: int(text) if text.isdigit() and 0 <= int(text) <= 100 else None,
            "Please give a whole number from 0 to 100, or press Enter to skip.")
        answers.append(distress_item.skip() if distress is None else distress_item.answer(distress))
    except (EOFError, KeyboardInterrupt):
        print(file=out)
    fired = fired_triggers((), answers)
    if fired:
        resources = DEFAULT_CRISIS_RESOURCES
        print("", *SAFETY_FLOW_TEXT, "", resources.intro, sep="\n", file=out)
        for entry in resources.entries:
            print(f"  {entry.name} ({entry.region}): {entry.contact}. {entry.details}", file=out)
        print(resources.cannot_contact, file=out, flush=True)
    return tuple(str(trigger) for trigger in fired)


def _ask_until_valid(ask: Callable[[str], str], out: TextIO, prompt: str,
                     parse: Callable[[str], T | None], again: str) -> T | None:
    """The parsed answer, or None when skipped with Enter; asks again after a wrong one."""
    while True:
        text = ask(prompt).strip().lower()
        if not text:
            return None
        value = parse(text)
        if value is not None:
            return value
        print(again, file=out, flush=True)


def _cmd_devices(args: argparse.Namespace) -> int:
    from cft_desktop.sound.engine import NO_DEVICE_MESSAGE, output_devices

    found = output_devices()
    if not found:
        print(NO_DEVICE_MESSAGE, file=sys.stderr)
        return EXIT_ERROR
    for index, name in found:
        print(f"{index}\t{name}")
    return 0


def _open_records() -> Records:
    """Open the ratings store, asking for the passphrase on a terminal when it is encrypted."""
    import getpass

    from cft_desktop.store import db
    from cft_desktop.store import lock as store_lock
    from cft_desktop.store.records import Records

    # The lock first, so nobody types a passphrase only to hear the store is busy. Waits up to
    # STORE_BUSY_WAIT_S, then StoreBusyError says so plainly (exit 2). The store takes its own
    # share of the lock while open; this one only bridges the passphrase prompt.
    lease = store_lock.acquire(db.default_path(), wait_s=STORE_BUSY_WAIT_S)
    try:
        passphrase = None
        if db.needs_passphrase():
            if not sys.stdin.isatty():
                raise CftError(
                    "the ratings are locked with a passphrase; run this in a terminal to enter it"
                )
            passphrase = getpass.getpass("Passphrase for the ratings: ")
        records = Records.open(passphrase=passphrase)
    finally:
        lease.release()
    if records.recovery_message:
        print(records.recovery_message, file=sys.stderr)
    return records


def _tell_late_recovery(records: Records) -> None:
    """Say what reading other clients' files (an export or import of every client) recovered:
    they are read after opening, so `_open_records` could not say it."""
    message = records.new_recovery_message()
    if message:
        print(message, file=sys.stderr)


def _client_id(records: Records, name: str | None) -> str | None:
    if name is None:
        return None
    found = records.find_client(name)
    if found is not None:
        return found.client_id
    known = {c.client_id for c in records.clients()}
    if name in known:
        return name
    pseudonyms = ", ".join(c.pseudonym for c in records.clients())
    raise CftError(f"no client called '{name}' (clients: {pseudonyms})")


def _cmd_ratings_export(args: argparse.Namespace) -> int:
    from cft_desktop.store.export import export_csv, export_pdf

    with _open_records() as records:
        client = _client_id(records, args.client)
        if args.format == "csv":
            count = export_csv(records, args.out, client)
            _tell_late_recovery(records)
            print(f"Saved {_count(count, 'session')} to {args.out}.", file=sys.stderr)
        else:
            summary = export_pdf(records, args.out, client)
            _tell_late_recovery(records)
            print(f"Saved the summary of {summary.pseudonym} to {args.out}.", file=sys.stderr)
    return 0


def _cmd_ratings_import(args: argparse.Namespace) -> int:
    from cft_desktop.errors import CsvImportError
    from cft_desktop.store.export import import_csv

    with _open_records() as records:
        client = _client_id(records, args.client)
        try:
            result = import_csv(records, args.file, client)
        except CsvImportError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print("Nothing was imported.", file=sys.stderr)
            return EXIT_ERROR
        _tell_late_recovery(records)
    print(f"Imported {_count(result.imported, 'session')}; skipped {result.duplicates} already there.",
          file=sys.stderr)
    return 0


def _clock(frame: int, sample_rate: int) -> str:
    minutes, seconds = divmod(int(frame / sample_rate), 60)
    return f"{minutes}:{seconds:02d}"


class ProgressBar:
    """A one-line progress bar on a terminal; silent when the stream is not a terminal."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.active = stream.isatty()
        self._shown = False

    def show(self, done: int, total: int, label: str) -> None:
        if not self.active:
            return
        fraction = 0.0 if total <= 0 else min(1.0, done / total)
        filled = round(fraction * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {fraction * 100:3.0f}%  {label}\x1b[K")
        self.stream.flush()
        self._shown = True

    def done(self) -> None:
        if self.active and self._shown:
            self.stream.write("\n")
            self.stream.flush()
        self._shown = False


# -- voice packs ---------------------------------------------------------------------------------

def _narrator_for(args: argparse.Namespace, script: Script, neural: Narrator) -> Narrator:
    """`neural`, or with --voice the pack's takes before it; says which before anything plays."""
    from cft_desktop.voice.languages import needs_recording_message, neural_speaks

    name = getattr(args, "voice", None)
    # The usual voice cannot say a practice in another language: only a complete pack can.
    strict = getattr(args, "strict", False) or not neural_speaks(script.language)
    if name is None:
        if not neural_speaks(script.language):
            raise CftError(needs_recording_message(script.title, script.language)
                           .replace("Choose that voice in the side panel, or record it first.",
                                    "Give it with --voice NAME (see `voice import`)."))
        if strict:
            raise CftError("--strict needs --voice NAME (a voice pack to speak from)")
        return neural
    from cft_desktop.voice.recorded import VoicePack, recordable_phrases
    from cft_desktop.voice.recorded_narrator import RecordedNarrator

    narrator = RecordedNarrator(VoicePack.open(name), script, neural)
    neural_phrases = narrator.neural_phrases()  # reads every take now, so a lost one is known
    if neural_phrases and strict:
        numbers = {text: n for n, text in enumerate(recordable_phrases(script), start=1)}
        listed = "\n".join(f"{numbers[text]:03d} {text}" for text in neural_phrases)
        lost = narrator.pack.fell_back()
        why = " (missing or damaged takes included)" if lost else ""
        raise CftError(f"the voice pack '{name}' has no usable take of "
                       f"{_count(len(neural_phrases), 'phrase')} of {script.id}{why}:\n{listed}")
    print(_printable(f"Voice: {narrator.voice_name}"), file=sys.stderr)
    _print_fallback(narrator)
    return narrator


_FALLBACKS_SAID: set[str] = set()


def _print_fallback(narrator: Narrator) -> None:
    """Name the phrases whose take was lost (once per message): the neural voice says them."""
    from cft_desktop.voice.recorded_narrator import RecordedNarrator

    if isinstance(narrator, RecordedNarrator):
        message = narrator.pack.fallback_message()
        if message and message not in _FALLBACKS_SAID:
            _FALLBACKS_SAID.add(message)
            print(_printable(message), file=sys.stderr)


def _timeline_json(session: Session) -> dict[str, object]:
    """The timeline's JSON, each phrase event marked with its source: "take" or "neural"."""
    from cft_desktop.voice.recorded_narrator import RecordedNarrator

    document = session.timeline.to_json_dict()
    narrator = session.narrator
    entries = document["events"]
    assert isinstance(entries, list)
    for entry, event in zip(entries, session.timeline.events, strict=True):
        if event.kind == "phrase":
            entry["source"] = (narrator.source(event.text)
                               if isinstance(narrator, RecordedNarrator) else "neural")
    return document


def _cmd_voice_phrases(args: argparse.Namespace) -> int:
    from cft_desktop.voice.recorded import recordable_phrases

    for number, text in enumerate(recordable_phrases(_resolve_script(args.script)), start=1):
        print(_printable(f"{number:03d} {text}"))
    return 0


def _cmd_voice_import(args: argparse.Namespace) -> int:
    from cft_desktop.voice.importing import import_folder

    script = _resolve_script(args.script)
    result = import_folder(script, args.folder, args.name, _pacing_from(args),
                           accept_warnings=args.accept_warnings)
    for line in result.report:
        print(_printable(line), file=sys.stderr)
    if not result.imported:
        print("Nothing was imported.", file=sys.stderr)
        return EXIT_ERROR
    print(f"Imported {_count(result.imported, 'take')} into the voice pack '{args.name}'.",
          file=sys.stderr)
    return 0


def _cmd_voice_list(args: argparse.Namespace) -> int:
    from cft_desktop.voice.pack_names import list_packs
    from cft_desktop.voice.recorded import describe

    for name, phrases, scripts in describe(list_packs()):
        print("\t".join(_printable(cell) for cell in (name, str(phrases), ",".join(scripts))))
    return 0


def _cmd_voice_export(args: argparse.Namespace) -> int:
    from cft_desktop.voice.recorded import export_pack

    count = export_pack(args.name, args.out)
    print(_printable(f"Saved the voice pack '{args.name}' ({_count(count, 'take')}) to {args.out}."),
          file=sys.stderr)
    return 0


def _cmd_voice_import_pack(args: argparse.Namespace) -> int:
    from cft_desktop.voice.recorded import import_pack

    pack = import_pack(args.file, name=args.name, replace=args.replace)
    print(_printable(f"Imported the voice pack '{pack.name}' "
                     f"({_count(pack.phrase_count, 'phrase')})."), file=sys.stderr)
    return 0


def _cmd_voice_remove(args: argparse.Namespace) -> int:
    from cft_desktop.voice.recorded import remove_pack

    remove_pack(args.name)
    print(_printable(f"Removed the voice pack '{args.name}' and every take in it."), file=sys.stderr)
    return 0
