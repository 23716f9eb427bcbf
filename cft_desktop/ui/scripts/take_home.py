"""Take-home audio: the chosen practice saved as a sound file, paced and mixed as the side panel says.

Owns the window's "Save as audio…" flow: asking for a file name (`TakeHome.ask_path`, which tests
replace), rendering the session, the progress dialog with its Cancel button, and the calm message at
the end (where the file is and how long it is, or what went wrong and what to do next). The action
itself lives in the Scripts menu (`ui.scripts.actions`), which calls `save_current`.

Threads: this object, the dialog and the messages live on the GUI thread. The render runs on a
thread of its own named "take-home" (`_Job.run`): it gets the same narrator and sound assets that
playback uses (their `Lazy` holders, so the narration cache and the clips already in memory are
shared: a practice already played renders in seconds), builds its own `Session`, prepares every
phrase (`Session.prepare_all`) and writes the file (`sound.export.export_session`). It never touches
a widget: it reports through `_News`, whose every report runs on the GUI thread (`GuiCalls`, the
window's one route back to it). Cancel sets an event the worker checks after every phrase and every
block; it then raises `_Cancelled` inside the export, whose clean-up removes the temporary file, so
a cancelled save leaves nothing behind.

The file is tagged with the practice's title, the voice and the pacing it was made at (so a phone's
music app lists it plainly), and the file chooser and the progress say how long it will be at the
panel's pacing: the library's minutes hold only at the default pace.

Sharing the narrator with playback's synthesis worker is safe: its in-memory table is locked, the
piper voice allows one synthesis at a time under its own lock, and two writes of one cache entry hold
the same bytes (voice/narrator.py, voice/piper.py, voice/cache.py). The sound side is imported on the
worker, so building the menu at start-up costs nothing.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QProgressDialog

from cft_desktop.core.library import Entry
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Script
from cft_desktop.errors import CftError
from cft_desktop.sound.settings import SAMPLE_RATE, MixSettings
from cft_desktop.ui.common.gui_thread import GuiCalls
from cft_desktop.ui.common.messages import show_calm_message

if TYPE_CHECKING:
    from cft_desktop.sound.mixer import SoundAssets
    from cft_desktop.ui.library.library_view import LibraryView
    from cft_desktop.ui.panels.pacing_panel import PacingPanel
    from cft_desktop.ui.player.playback import Playback
    from cft_desktop.voice.narrator import Narrator

log = logging.getLogger(__name__)

# The order offered in the file chooser; MP3 first because every phone plays it (iPhones do not
# play OGG from the Files app). Each name must be a key of `sound.export.FORMATS`, which a test checks.
FILE_KINDS: tuple[tuple[str, str], ...] = (
    (".mp3", "MP3 audio, for phones"),
    (".ogg", "Ogg Vorbis audio"),
    (".flac", "FLAC audio, lossless"),
    (".wav", "WAV audio, uncompressed"),
)
DEFAULT_SUFFIX = ".mp3"
# Show the progress dialog only for a save slower than this (USERS.md: a bar on anything slower
# than a second), so a short cached practice does not flash a dialog.
SHOW_PROGRESS_AFTER_MS = 500
# Closing the window waits this long for the worker to stop (one phrase of the voice at most).
CLOSE_WAIT_S = 10.0


def file_filters() -> str:
    return ";;".join(f"{label} (*{suffix})" for suffix, label in FILE_KINDS)


def suffix_of_filter(selected: str) -> str:
    for suffix, label in FILE_KINDS:
        if selected.startswith(label):
            return suffix
    return DEFAULT_SUFFIX


def duration_text(frames: int, sample_rate: int) -> str:
    minutes, seconds = divmod(round(frames / sample_rate), 60)
    return f"{minutes} min {seconds:02d} s"


# The artist tag of a file in the usual (synthesised) voice; a recorded one is named by its pack.
USUAL_VOICE_ARTIST = "CFT Desktop voice"
# The shipped bell (audio/bell.wav) lasts 4 s; the estimate uses it rather than load the sounds on
# the GUI thread just to measure one.
ESTIMATE_BELL_FRAMES = 4 * SAMPLE_RATE


def pacing_comment(pacing: Pacing) -> str:
    """The pacing a file was made at, in a few words: '6 breaths a minute, in:out 2:3, pauses ×1.0'."""
    parts = [f"{pacing.bpm:g} breaths a minute"]
    if pacing.ramp_from_bpm is not None:
        parts[0] += f" (slowing from {pacing.ramp_from_bpm:g} over {pacing.ramp_breaths} breaths)"
    if not pacing.breath_work:
        parts.append("no breath work")
    parts.append(f"in:out {pacing.ratio_text}")
    if pacing.hold_in_s or pacing.hold_out_s:
        parts.append(f"holds {pacing.hold_in_s:g} s and {pacing.hold_out_s:g} s")
    parts.append(f"pauses ×{pacing.pause_scale:.1f}")
    return ", ".join(parts)


def estimated_seconds(script: Script, pacing: Pacing) -> float:
    """How long `script` lasts at `pacing`, each phrase's length estimated from its words."""
    from cft_desktop.core.user_scripts import estimate_timeline

    return estimate_timeline(script, pacing, ESTIMATE_BELL_FRAMES).duration_s


def length_note(seconds: float) -> str:
    """'About 7 minutes at this pace' (to the nearest minute)."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "Under a minute at this pace"
    return f"About {minutes} minute{'s' if minutes != 1 else ''} at this pace"


class _Cancelled(Exception):
    """Raised on the worker from a progress callback once Cancel was pressed."""


@dataclass(frozen=True)
class Saved:
    path: Path
    frames: int
    sample_rate: int  # the file's: a recorded voice keeps its own (44.1 or 48 kHz)
    seconds_taken: float


@dataclass(frozen=True)
class Failed:
    text: str
    detail: str = ""


@dataclass(frozen=True)
class Cancelled:
    pass


Outcome = Saved | Failed | Cancelled


def plain_os_error(error: OSError, target: Path) -> Failed:
    """What an operating-system refusal means for the person, and what they can do about it."""
    folder = target.parent
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return Failed(f"{target.name} was not saved: there is not enough free space in {folder}.",
                      "Free some space there, or choose another place, such as a USB stick, "
                      "and save again.")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Failed(f"{target.name} was not saved: this computer does not allow saving in "
                      f"{folder}.",
                      "Choose another folder, such as your Music or Documents folder, and save "
                      "again.")
    if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.EEXIST):
        return Failed(f"{target.name} was not saved: the folder {folder} cannot be used.",
                      "Choose another folder and save again.")
    reason = error.strerror or str(error)
    return Failed(f"{target.name} was not saved: {reason}.",
                  "Choose another folder and save again. If it happens again, the details are in "
                  "the log file.")


class _News:
    """The worker's reports: called on the worker, each run on the GUI thread by `TakeHome`."""

    def __init__(self, gui: GuiCalls, home: TakeHome) -> None:
        self._post = gui.post
        self._home = home

    def preparing(self, done: int, total: int) -> None:
        self._post(lambda: self._home._on_preparing(done, total))

    def saving(self, percent: int) -> None:
        self._post(lambda: self._home._on_saving(percent))

    def ended(self, outcome: Outcome) -> None:
        self._post(lambda: self._home._on_ended(outcome))


class _Job:
    """One save: what to render, where, and the flag Cancel sets. `run` is the worker thread."""

    def __init__(
        self,
        script: Script,
        pacing: Pacing,
        mix: MixSettings,
        target: Path,
        narrator_of: Callable[[], Narrator],
        assets_of: Callable[[], SoundAssets],
        news: _News,
        voice: str = "",
    ) -> None:
        self.script = script
        self.pacing = pacing
        # A copy: the mixer reads its settings block by block and must not see a later change.
        self.mix = replace(mix)
        self.target = target
        self._narrator_of = narrator_of
        self._assets_of = assets_of
        self.news = news
        self.voice = voice
        self.cancel = threading.Event()
        self.thread = threading.Thread(target=self.run, name="take-home", daemon=True)

    def _check(self) -> None:
        if self.cancel.is_set():
            raise _Cancelled

    def run(self) -> None:
        started = time.monotonic()
        try:
            outcome: Outcome = self._render(started)
        except _Cancelled:
            outcome = Cancelled()
        except Exception as exc:  # the worker must always report; never a traceback on screen
            log.exception("saving %s as audio failed", self.target)
            outcome = Failed(f"{self.target.name} could not be saved.",
                             "Nothing was left half-written. You can try again; the details are "
                             f"in the log file ({type(exc).__name__}).")
        self.news.ended(outcome)

    def _render(self, started: float) -> Outcome:
        from cft_desktop.session import Session
        from cft_desktop.sound.export import export_session

        try:
            narrator = self._narrator_of()
        except Exception:
            log.exception("the narrator could not be set up")
            return Failed("The narrating voice could not be loaded, so nothing can be saved.",
                          "Reinstalling CFT Desktop puts it back; your ratings and scripts are "
                          "not affected.")
        try:
            assets = self._assets_of()
        except Exception:
            log.exception("the sound files could not be loaded")
            return Failed("CFT Desktop's own sound files could not be read, so nothing can be "
                          "saved.",
                          "Reinstalling CFT Desktop puts them back; your ratings and scripts are "
                          "not affected.")
        artist = USUAL_VOICE_ARTIST
        if self.voice:
            # The take-home file in the recorded voice, at the client's pace; phrases not
            # recorded are said by the usual voice, as when playing.
            from cft_desktop.voice.recorded import VoicePack
            from cft_desktop.voice.recorded_narrator import RecordedNarrator

            try:
                narrator = RecordedNarrator(VoicePack.open(self.voice), self.script, narrator)
                artist = self.voice
            except CftError as exc:
                log.warning("the voice %r could not be opened for saving: %s", self.voice, exc)
        from cft_desktop.voice.recorded_narrator import check_speakable

        try:
            check_speakable(self.script, narrator)
        except CftError as exc:
            return Failed(f"{self.target.name} was not saved.", _sentence(str(exc)))
        self._check()
        session = Session(self.script, self.pacing, narrator, assets, self.mix)
        session.load_cached()
        self._check()

        def on_prepared(done: int, total: int) -> None:
            self.news.preparing(done, total)
            self._check()

        last_percent = -1

        def on_saved(done: int, total: int) -> None:
            nonlocal last_percent
            # At most one queued message per percent, however small the blocks.
            percent = done * 100 // total if total else 100
            if percent != last_percent:
                last_percent = percent
                self.news.saving(percent)
            self._check()

        try:
            session.prepare_all(on_prepared)
        except CftError as exc:
            return Failed(f"{self.target.name} was not saved: the narration could not be "
                          "prepared.", _sentence(str(exc)))
        except OSError as exc:
            # The narration cache, not the chosen folder: say so, or they would pick another folder.
            log.warning("preparing the narration of %s failed: %s", self.script.id, exc)
            return Failed(f"{self.target.name} was not saved: the narration could not be "
                          "prepared.", "Check that this computer has some free space, then save "
                          f"again. The details are in the log file ({exc.strerror or exc}).")
        self._check()
        self.news.saving(0)
        try:
            frames = export_session(session, self.target, on_saved, tags={
                "title": self.script.title, "artist": artist,
                "comment": pacing_comment(self.pacing)})
        except CftError as exc:
            return Failed(f"{self.target.name} was not saved.", _sentence(str(exc)))
        except OSError as exc:
            log.warning("saving %s failed: %s", self.target, exc)
            return plain_os_error(exc, self.target)
        except (RuntimeError, AssertionError) as exc:
            # libsndfile reports a full disk or a lost drive as its own error (or a short write
            # that soundfile asserts on), not as an OSError.
            log.warning("saving %s failed: %s", self.target, exc)
            return _sound_file_failure(self.target, exc, session.timeline.total_frames,
                                       session.sample_rate)
        return Saved(self.target, frames, session.sample_rate, time.monotonic() - started)


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


# Upper bounds of the bytes one frame takes in each format (mono), for telling a full
# disk from another failure after the fact: libsndfile says only "System error", and the partial
# file is already removed, so the free space alone would look ample again.
BYTES_PER_FRAME = {".wav": 4.0, ".flac": 2.0, ".ogg": 0.5, ".mp3": 0.5}


def _sound_file_failure(target: Path, exc: BaseException, frames: int,
                        sample_rate: int) -> Failed:
    import shutil

    try:
        free = shutil.disk_usage(target.parent).free
    except OSError:
        free = -1
    # The lossy formats' bytes grow with the time, not the frames: 0.5 a frame holds at 22 050 Hz.
    per_frame = BYTES_PER_FRAME.get(target.suffix.lower(), 4.0)
    if target.suffix.lower() in (".ogg", ".mp3"):
        per_frame *= SAMPLE_RATE / sample_rate
    needed = frames * per_frame + 1024 * 1024
    if 0 <= free < needed:
        return plain_os_error(OSError(errno.ENOSPC, "no space left"), target)
    return Failed(f"{target.name} could not be written.",
                  "Choose another folder (for example on this computer rather than a network or "
                  f"USB drive) and save again. The details are in the log file. ({exc})")


class TakeHome(QObject):
    """The "Save as audio…" flow of one main window (at most one save at a time)."""

    finished = Signal(object)  # the Outcome, once the worker has stopped

    def __init__(self, window: QMainWindow, library_view: LibraryView, pacing_panel: PacingPanel,
                 playback: Playback) -> None:
        super().__init__(window)
        self.setObjectName("take-home")
        self.window = window
        self.library_view = library_view
        self.pacing_panel = pacing_panel
        self.playback = playback
        self._gui = GuiCalls(self)
        self._plan_text: Callable[[], str | None] | None = None
        self.progress: QProgressDialog | None = None
        self.last_message: QMessageBox | None = None
        self.last_outcome: Outcome | None = None
        self._job: _Job | None = None
        # How long the file will be at the panel's pacing, shown while choosing and saving it.
        self.length_note = ""
        self._folder = Path.home()
        # Replaced by tests (and could be by a packaging with its own file chooser): given the
        # suggested path, returns the chosen one or None.
        self.ask_path: Callable[[Path], Path | None] = self._ask_path
        window.installEventFilter(self)

    @property
    def busy(self) -> bool:
        return self._job is not None

    # -- starting -------------------------------------------------------------------------------

    @Slot()
    def save_current(self) -> bool:
        """Ask for a file and start saving the chosen practice; False if nothing was started."""
        if self._job is not None:
            self._bring_forward()
            return False
        entry = self.library_view.current_entry()
        if entry is None or entry.script is None:
            return False
        self.length_note = length_note(estimated_seconds(entry.script, self.pacing_panel.pacing()))
        chosen = self.ask_path(self._folder / f"{entry.script.id}{DEFAULT_SUFFIX}")
        if chosen is None:
            return False
        return self.start(entry, chosen)

    def _ask_path(self, suggested: Path) -> Path | None:
        caption = "Save the practice as audio"
        if self.length_note:
            caption += f" ({self.length_note[:1].lower()}{self.length_note[1:]})"
        name, selected = QFileDialog.getSaveFileName(
            self.window, caption, str(suggested), file_filters())
        if not name:
            return None
        path = Path(name)
        if not path.suffix:
            path = path.with_name(path.name + suffix_of_filter(selected))
        return path

    def start(self, entry: Entry, target: Path) -> bool:
        """Save `entry` at the panel's current pacing and mix into `target`, on a worker."""
        from cft_desktop.sound.export import FORMATS

        script = entry.script
        if script is None or self._job is not None:
            return False
        if target.suffix.lower() not in FORMATS:
            kinds = ", ".join(suffix for suffix, _label in FILE_KINDS)
            self._message(f"{target.name} was not saved: CFT Desktop can save {kinds} files.",
                          f"Choose a name ending in {DEFAULT_SUFFIX} (it plays on every phone) and "
                          "save again.")
            return False
        self._folder = target.parent
        panel, playback = self.pacing_panel, self.playback
        pacing = panel.pacing()
        self.length_note = length_note(estimated_seconds(script, pacing))
        news = _News(self._gui, self)
        job = _Job(script, pacing, panel.mix(), target,
                   lambda: playback.narrator, lambda: playback.assets, news, panel.voice_name())
        self._job = job
        self._open_progress(target)
        job.thread.start()
        return True

    # -- progress -------------------------------------------------------------------------------

    def _open_progress(self, target: Path) -> None:
        dialog = QProgressDialog(self._with_length("Getting ready…"), "Cancel", 0, 100, self.window)
        dialog.setWindowTitle(f"Saving {target.name}")
        dialog.setAccessibleName("Saving the practice as audio")
        # Not modal: the practice can still be played (or paused) while the file is written.
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(SHOW_PROGRESS_AFTER_MS)
        dialog.setMinimumWidth(360)
        dialog.canceled.connect(self.cancel)
        dialog.setValue(0)
        self.progress = dialog

    def _with_length(self, step: str) -> str:
        return f"{step}\n{self.length_note}" if self.length_note else step

    def _bring_forward(self) -> None:
        if self.progress is not None and self.progress.isVisible():
            self.progress.raise_()
            self.progress.activateWindow()
        else:
            self.window.statusBar().showMessage(
                "The last save is still stopping; try again in a moment.", 5000)

    @Slot()
    def cancel(self) -> None:
        """Stop the save: the worker stops at its next phrase or block and removes its file."""
        if self._job is not None:
            self._job.cancel.set()
        self._close_progress()

    def wait(self, timeout_s: float = CLOSE_WAIT_S) -> bool:
        """Block until the worker has stopped (closing, tests); True if none is running."""
        job = self._job
        if job is None:
            return True
        job.thread.join(timeout_s)
        return not job.thread.is_alive()

    def _close_progress(self) -> None:
        dialog, self.progress = self.progress, None
        if dialog is not None:
            dialog.canceled.disconnect(self.cancel)
            dialog.close()
            dialog.deleteLater()

    @Slot(int, int)
    def _on_preparing(self, done: int, total: int) -> None:
        if self.progress is None:
            return
        self.progress.setLabelText(self._with_length(f"Preparing narration {done} of {total}"))
        self.progress.setMaximum(max(1, total))
        self.progress.setValue(done)

    @Slot(int)
    def _on_saving(self, percent: int) -> None:
        if self.progress is None or self._job is None:
            return
        self.progress.setLabelText(self._with_length(f"Saving {self._job.target.name}… {percent}%"))
        self.progress.setMaximum(100)
        self.progress.setValue(percent)

    @Slot(object)
    def _on_ended(self, outcome: Outcome) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.thread.join(1.0)  # it reported as its last act
        self._close_progress()
        self.last_outcome = outcome
        bar = self.window.statusBar()
        if isinstance(outcome, Saved):
            text = f"Saved {outcome.path.name} ({duration_text(outcome.frames, outcome.sample_rate)})."
            log.info("saved %s in %.1f s", outcome.path, outcome.seconds_taken)
            bar.showMessage(text, 10_000)
            detail = (f"It is in {outcome.path.parent}. Copy it to the phone, for example with a "
                      "USB cable, and play it in any music app.")
            plan = self._write_plan(outcome.path)
            if plan is not None:
                detail += f" The client's plan is beside it, in {plan.name}."
            self._message(text, detail)
        elif isinstance(outcome, Failed):
            self._message(outcome.text, outcome.detail)
        else:
            bar.showMessage("Stopped. Nothing was saved.", 5000)
        self.finished.emit(outcome)

    def set_plan_source(self, plan_text: Callable[[], str | None]) -> None:
        """Where the active client's plan comes from (the ratings), to go out with each file."""
        self._plan_text = plan_text

    def _write_plan(self, audio: Path) -> Path | None:
        """The plan, as plain text beside the take-home file; None without a plan or on error
        (the audio is saved either way)."""
        text = self._plan_text() if self._plan_text is not None else None
        if not text:
            return None
        from cft_desktop import atomic

        target = audio.with_name(f"{audio.stem} - plan.txt")
        try:
            # Readable by whoever the audio is for, like the audio itself.
            atomic.write_bytes(target, text.encode("utf-8"), private=False)
        except OSError as exc:
            log.warning("the plan could not be saved beside %s: %s", audio, exc)
            return None
        return target

    def _message(self, text: str, detail: str = "") -> None:
        self.last_message = show_calm_message(self.window, text, detail)

    # -- closing --------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close and self._job is not None:
            # The worker must not outlive the window whose narrator it uses; its file is removed.
            self.cancel()
            if not self.wait():
                log.warning("the take-home worker did not stop within %.0f s", CLOSE_WAIT_S)
        return super().eventFilter(watched, event)
