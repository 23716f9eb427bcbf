"""Playback control for the window: one practice's Session, its Engine and its narration worker.

Owns the life of a playing practice on the GUI thread: building the `Session`, taking cached
narration, synthesising the rest ahead on a worker (`SynthesisAhead`), starting the `Engine` once the
first phrases are ready, polling the engine's audio clock every ~16 ms for the listeners, live
pacing and mix changes, phrase steps, stop and completion, and checking for a sound output.
When the output device goes away mid-practice (headphones unplugged) the practice pauses where the
listener was, a calm notice says so and offers the output PortAudio now finds ("Play on …"), and
playing on starts a new engine from the kept frame: the session and its prepared phrases stay.

Threads: everything here runs on the GUI thread except the callbacks given to `SynthesisAhead`,
the device checks and the engine's device-lost callback, which run on worker threads. Those never
touch a widget or this object's state: they call the thread-safe `Session.accept_clip` and post a
`_WorkerNews` event to this QObject (`QCoreApplication.postEvent` is thread-safe), so Qt delivers
it on the GUI thread, queued exactly like a cross-thread signal. A generation number on every
message lets stale news from a cancelled worker be dropped (device-lost news carries its engine).

Why events and listeners rather than signals on the busy paths: PySide6-Essentials 6.12.0 drops a
reference to `None` on every void Qt call and to `True` on every Python-side `Signal.emit()`, which
aborts the interpreter within minutes of playing (pyproject pins below 6.12; tests/ui/test_pyside_leaks.py
checks the installed version). Direct calls and posted events keep the 60-per-second path lean
either way; the rarer state signals stay signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Script
from cft_desktop.errors import AudioDeviceError, CftError
from cft_desktop.lazy import Lazy
from cft_desktop.sound.settings import (
    DEVICE_LOST_MESSAGE,
    NO_DEVICE_MESSAGE,
    SAMPLE_RATE,
    MixSettings,
)
from cft_desktop.ui.messages import WINDOW_TITLE
from cft_desktop.ui.states import IDLE, PAUSED, PLAYING, PREPARING

# The sound side (numpy, pydub, PortAudio, the voice) is imported where it is first used, after
# the window is shown: importing it up front more than doubled the time to the first window.
if TYPE_CHECKING:
    from cft_desktop.session import Session
    from cft_desktop.sound.clips import FloatArray
    from cft_desktop.sound.devices import OutputChoice
    from cft_desktop.sound.engine import Engine
    from cft_desktop.sound.mixer import SoundAssets
    from cft_desktop.voice.narrator import ClipRequest, Narrator, SynthesisAhead

log = logging.getLogger(__name__)

# The timer only asks for a repaint; the position always comes from the engine's clock.
FRAME_INTERVAL_MS = 16
# Start the sound once the phrases of the first few seconds are ready ("the first phrase or two");
# the voice runs ~14x faster than real time, so it stays ahead from there.
PREROLL_FRAMES = 6 * SAMPLE_RATE
# The engine's position is re-anchored on each block's DAC time, so it can step back a few
# milliseconds at a block boundary. A backward step smaller than this is clock jitter, and the
# listeners keep the last frame instead of moving the pacer back; a seek is far larger.
JITTER_FRAMES = SAMPLE_RATE // 10
# After the last block is handed to the sound card it still has to come out of the speaker.
FINISH_DELAY_MS = 700


def plain_device_message(error: BaseException) -> str:
    """The engine's message without PortAudio's technical details (those go to the log)."""
    text = str(error)
    return text.split(" (Details:")[0] if text.startswith(NO_DEVICE_MESSAGE) else text


class _WorkerNews(QEvent):
    """News from a worker thread, posted to the Playback object and handled on the GUI thread."""

    TYPE = QEvent.Type(QEvent.registerEventType())

    def __init__(self, kind: str, generation: int, payload: tuple[object, ...]) -> None:
        super().__init__(_WorkerNews.TYPE)
        self.kind = kind  # "clip", "progress", "failed", "devices", "lost" or "next-output"
        self.generation = generation
        self.payload = payload


PositionListener = Callable[[int], None]
PreparationListener = Callable[[int, int], None]


class Playback(QObject):
    """Listeners: `add_position_listener(f)` gets the timeline frame heard now (from the audio
    clock) on every poll; `add_preparation_listener(f)` gets (done, total) narration progress, with
    done >= total meaning nothing is being prepared any more."""

    state_changed = Signal(str)
    started = Signal(str)  # practice id, when its sound starts
    finished = Signal(str, float)  # practice id, fraction heard (1.0 = to the end)
    device_missing = Signal(str)
    device_found = Signal()
    device_checked = Signal(bool)  # a sound-output check finished: was any output found
    failed = Signal(str)  # a calm message; the details are in the log
    # The output went away mid-practice: the message, and the name of the output offered to carry
    # on with ("" when none was found). Comes after the device check, with the offer shown.
    device_lost = Signal(str, str)

    def __init__(
        self,
        narrator: Narrator | Lazy[Narrator],
        assets: SoundAssets | Lazy[SoundAssets],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._narrator = narrator if isinstance(narrator, Lazy) else Lazy.ready(narrator, "narrator")
        self._assets = assets if isinstance(assets, Lazy) else Lazy.ready(assets, "sound")
        self._session: Session | None = None
        self._engine: Engine | None = None
        self._ahead: SynthesisAhead | None = None
        self._retired: list[SynthesisAhead] = []
        self._generation = 0
        self._state = IDLE
        self._autostart = False
        self._finishing = False
        self._from_line = 0
        self.start_frame = 0  # where the engine last started ("play from here" may start later)
        self._shown_frame = -1
        self._probe: threading.Thread | None = None
        # After the output device was lost: where to carry on, and on which output (None: the
        # default when the engine starts).
        self._resume_frame: int | None = None
        self._next_output: OutputChoice | None = None
        self.offer: QMessageBox | None = None
        self._position_listeners: list[PositionListener] = []
        self._preparation_listeners: list[PreparationListener] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    # -- listeners ------------------------------------------------------------------------------

    def add_position_listener(self, listener: PositionListener) -> None:
        self._position_listeners.append(listener)

    def add_preparation_listener(self, listener: PreparationListener) -> None:
        self._preparation_listeners.append(listener)

    def _tell_position(self, frame: int) -> None:
        for listener in self._position_listeners:
            listener(frame)

    def _tell_preparation(self, done: int, total: int) -> None:
        for listener in self._preparation_listeners:
            listener(done, total)

    def _post(self, kind: str, generation: int, *payload: object) -> None:
        """Any thread: queue news for the GUI thread (Qt takes ownership of the event)."""
        QCoreApplication.postEvent(self, _WorkerNews(kind, generation, payload))

    # -- read-only state ------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    def preload(self) -> None:
        """Start loading the sound side and the narrator in the background (after start-up)."""
        self._assets.start()
        self._narrator.start()

    @property
    def narrator(self) -> Narrator:
        return self._narrator.get()

    @property
    def assets(self) -> SoundAssets:
        return self._assets.get()

    @property
    def session(self) -> Session | None:
        return self._session

    @property
    def engine(self) -> Engine | None:
        return self._engine

    @property
    def practice_id(self) -> str:
        return self._session.script.id if self._session is not None else ""

    @property
    def device_lost_pending(self) -> bool:
        """A practice paused because its output went away, waiting to carry on."""
        return self._resume_frame is not None

    def position_frame(self) -> int:
        if self._engine is not None:
            return self._engine.position_frame()
        return self._resume_frame if self._resume_frame is not None else 0

    def fraction_heard(self) -> float:
        if self._session is None or (self._engine is None and self._resume_frame is None):
            return 0.0
        total = self._session.timeline.total_frames
        return min(1.0, max(0.0, self.position_frame() / total)) if total > 0 else 0.0

    # -- control --------------------------------------------------------------------------------

    def start(self, script: Script, pacing: Pacing, mix: MixSettings, from_line: int = 0) -> None:
        """Prepare `script` and play it as soon as its first phrases are ready.

        With `from_line`, play from the phrase or cue on that script line (the editor's "play from
        here"): the phrases before it are prepared too, so its start frame is exact.
        """
        from cft_desktop.session import Session

        self.discard()
        self._from_line = from_line
        try:
            narrator = self.narrator
        except Exception as exc:  # the voice package is missing or broken
            log.error("the narrator could not be set up", exc_info=exc)
            self.failed.emit(
                "The narrating voice could not be loaded, so nothing can play. Reinstalling CFT "
                "Desktop puts it back; your ratings and scripts are not affected."
            )
            return
        try:
            assets = self.assets
        except Exception as exc:  # a missing or damaged installation file: nothing can play
            log.error("the sound files could not be loaded", exc_info=exc)
            name = getattr(exc, "filename", None)
            which = f" ({Path(name).name})" if name else ""
            self.failed.emit(
                f"CFT Desktop's own sound files could not be read{which}, so nothing can play. "
                "Reinstalling CFT Desktop puts them back; your ratings and scripts are not affected."
            )
            return
        # A copy: the mixer reads its settings on the render thread; we write them field by field.
        session = Session(script, pacing, narrator, assets, replace(mix))
        # Cached clips are taken here, on the GUI thread (under a millisecond a phrase), so a
        # practice heard before starts at once, with no "Preparing" bar flashing up.
        session.load_cached()
        self._session = session
        self._autostart = True
        self._finishing = False
        self._set_state(PREPARING)
        missing = session.missing()
        if missing:
            self._synthesise(missing, pacing.speech_length_scale)
        self._maybe_start_engine()

    def pause(self) -> None:
        if self._state == PLAYING and self._engine is not None:
            self._engine.pause()
            self._timer.stop()
            self._set_state(PAUSED)
            self._tell_position(self._engine.position_frame())
        elif self._state == PREPARING:
            self._autostart = False
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self._state != PAUSED:
            return
        if self._engine is not None:
            self._engine.resume()
            self._set_state(PLAYING)
            self._timer.start()
        else:
            self._autostart = True
            self._set_state(PREPARING)
            self._maybe_start_engine()

    def stop(self, emit_finished: bool = True) -> tuple[str, float] | None:
        """Fade out and end the practice. Returns (practice id, fraction heard) if it had begun."""
        if self._session is None:
            return None
        practice = self._session.script.id
        begun = self._engine is not None or self._resume_frame is not None
        heard = self.fraction_heard() if begun else None
        self.discard()
        if heard is None:
            return None
        if emit_finished:
            self.finished.emit(practice, heard)
        return practice, heard

    def discard(self) -> None:
        """End whatever is loaded without reporting it (a new practice replaces it)."""
        self._timer.stop()
        self._cancel_synthesis()
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.stop(fade=True)
        self._session = None
        self._autostart = False
        self._finishing = False
        self._resume_frame = None
        self._next_output = None
        self._close_offer()
        if self._state != IDLE:
            self._set_state(IDLE)

    def step_phrase(self, forward: bool) -> None:
        engine, session = self._engine, self._session
        if session is None or self._state not in (PLAYING, PAUSED):
            return
        if engine is None and self._resume_frame is None:
            return
        frame = self.position_frame()
        target = session.phrase_start_after(frame) if forward else session.phrase_start_before(frame)
        if target is None:
            return
        if engine is None:
            self._resume_frame = target  # waiting for an output: carry on from there
        else:
            engine.seek(target)
        self._shown_frame = -1
        if self._state == PAUSED:
            # Paused: the clock stands still, so show the new place now.
            self._tell_position(target)

    def change_pacing(self, pacing: Pacing) -> None:
        """Apply from the next breath or phrase boundary; a new speech rate re-synthesises."""
        session = self._session
        if session is None:
            return
        old_rate = session.pacing.speech_length_scale
        session.change_pacing(pacing)
        if pacing.speech_length_scale != old_rate:
            self._synthesise(session.missing(), pacing.speech_length_scale)
        if self._state == PAUSED and self._engine is not None:
            self._tell_position(self._engine.position_frame())

    def change_mix(self, mix: MixSettings) -> None:
        """Plain attribute writes; the mixer picks them up at its next block and ramps the gain."""
        session = self._session
        if session is None:
            return
        settings = session.mixer.settings
        settings.voice_gain_db = mix.voice_gain_db
        settings.cue_gain_db = mix.cue_gain_db
        settings.inhale_cue = mix.inhale_cue
        settings.exhale_cue = mix.exhale_cue
        settings.bell = mix.bell
        settings.ambient_gain_db = mix.ambient_gain_db
        settings.ambient = mix.ambient

    def play_on(self, output: OutputChoice | None) -> None:
        """After a lost output: carry on from the kept frame on `output` (None: the default)."""
        if self._resume_frame is None:
            return
        self._next_output = output
        self._close_offer()
        self.resume()

    def try_again(self) -> None:
        """After a lost output: look for outputs afresh and carry on with the default found."""
        if self._resume_frame is None:
            return
        self._close_offer()
        self._look_for_next_output(play_when_found=True)

    def check_sound_output(self, reinitialise: bool = False) -> None:
        """Look for an output device on a worker thread; answers with device_found/missing.

        `reinitialise` makes PortAudio list devices afresh (one plugged in since start); only
        while no stream is open, because re-initialising closes every stream.
        """
        if self._probe is not None and self._probe.is_alive():
            return
        reinitialise = reinitialise and self._engine is None
        post = self._post

        def probe() -> None:  # worker thread: no widgets, only posted news
            try:
                if reinitialise:
                    import sounddevice

                    sounddevice._terminate()
                    sounddevice._initialize()
                from cft_desktop.sound.engine import output_devices

                found = output_devices()
                post("devices", 0, bool(found), "" if found else NO_DEVICE_MESSAGE)
            except AudioDeviceError as exc:
                post("devices", 0, False, str(exc))
            except Exception:
                log.exception("checking for sound output failed")
                post("devices", 0, False, NO_DEVICE_MESSAGE)

        self._probe = threading.Thread(target=probe, name="device-check", daemon=True)
        self._probe.start()

    def wait_for_device_check(self, timeout_s: float = 10.0) -> None:
        if self._probe is not None:
            self._probe.join(timeout_s)

    def shutdown(self) -> None:
        """Window closing: silence, stop workers, wait briefly for them."""
        self.discard()
        self.wait_for_device_check(5.0)
        for ahead in self._retired:
            ahead.join(2.0)
        self._retired.clear()

    # -- internals ------------------------------------------------------------------------------

    def _steady(self, frame: int) -> int:
        if 0 < self._shown_frame - frame < JITTER_FRAMES:
            return self._shown_frame
        self._shown_frame = frame
        return frame

    def _set_state(self, state: str) -> None:
        self._state = state
        self.state_changed.emit(state)

    def _synthesise(self, requests: list[ClipRequest], rate: float) -> None:
        self._cancel_synthesis()
        session = self._session
        if session is None or not requests:
            self._tell_preparation(0, 0)
            return
        self._generation += 1
        generation = self._generation
        post = self._post

        # These three run on the narrator worker thread.
        def on_ready(index: int, clip: FloatArray) -> None:
            session.accept_clip(index, clip, rate)
            post("clip", generation, index)

        def on_progress(done: int, total: int) -> None:
            post("progress", generation, done, total)

        def on_error(exc: Exception) -> None:
            log.error("narration could not be prepared", exc_info=exc)
            message = (
                f"{exc} Your ratings and scripts are not affected; the details are in the log "
                "file." if isinstance(exc, CftError) else
                "The narration could not be prepared. The details are in the log file."
            )
            post("failed", generation, message)

        from cft_desktop.voice.narrator import SynthesisAhead

        self._ahead = SynthesisAhead(session.narrator, requests, rate, on_ready, on_progress,
                                     on_error)
        self._tell_preparation(0, len(requests))
        self._ahead.start()

    def _cancel_synthesis(self) -> None:
        # Dropping the generation makes anything already queued from the old worker stale.
        self._generation += 1
        if self._ahead is not None:
            self._ahead.cancel()
            self._retired = [a for a in self._retired if not a.done.is_set()]
            self._retired.append(self._ahead)
            self._ahead = None
            self._tell_preparation(0, 0)

    def _maybe_start_engine(self) -> None:
        session = self._session
        if session is None or self._engine is not None or not self._autostart:
            return
        from cft_desktop.core.user_scripts import start_frame_for_line
        from cft_desktop.sound.engine import Engine

        carrying_on = self._resume_frame is not None
        if self._resume_frame is not None:
            start_frame = self._resume_frame
        else:
            start_frame = start_frame_for_line(session.script, session.timeline, self._from_line)
        if not session.ready_through(start_frame + PREROLL_FRAMES):
            return
        if self._probe is not None:
            # PortAudio calls must not overlap; the check takes a few milliseconds.
            self._probe.join(2.0)
        engine = Engine(session, output=self._next_output)
        post = self._post
        engine.on_device_lost = lambda: post("lost", 0, engine)  # on the render worker
        try:
            engine.start(start_frame)
        except AudioDeviceError as exc:
            log.warning("no sound output: %s", exc)
            engine.stop(fade=False)
            if carrying_on:
                # The practice stays paused at its place; the offer says what was found.
                self._autostart = False
                self._set_state(PAUSED)
                self._next_output = None
                self._show_offer(None)
                return
            self.discard()
            self.device_missing.emit(plain_device_message(exc))
            return
        self._engine = engine
        self._resume_frame = None
        self._close_offer()
        self.start_frame = start_frame
        self._shown_frame = -1
        self._set_state(PLAYING)
        self._timer.start()
        self.device_found.emit()
        if not carrying_on:  # the same practice going on is not a new start
            self.started.emit(session.script.id)

    def _on_engine_lost(self, engine: Engine) -> None:
        """The engine's output went away: pause at its kept frame and look for another output."""
        if engine is not self._engine:
            return  # already handled, or an engine stopped meanwhile
        if engine.finished:
            self._complete(engine)  # all of it was handed over; only the last echo was lost
            return
        kept = engine.kept_frame
        log.warning("the sound output went away (%s) at frame %d; paused there",
                    engine.lost_reason, kept)
        self._timer.stop()
        self._engine = None
        self._resume_frame = kept
        self._next_output = None
        self._autostart = False
        self._finishing = False
        self._set_state(PAUSED)
        self._tell_position(kept)
        self._look_for_next_output(play_when_found=False, dead=engine)

    def _look_for_next_output(self, play_when_found: bool, dead: Engine | None = None) -> None:
        """Re-read PortAudio's devices on a worker (an unplugged device stays listed until then;
        one just plugged in is missing) and answer with "next-output" news.

        `dead` is the engine whose device went; it is closed there first, off the GUI thread,
        because closing a stream on a vanished device may wait on the driver."""
        if self._probe is not None and self._probe.is_alive():
            self._probe.join(2.0)
        post = self._post

        def probe() -> None:  # worker thread: no widgets, only posted news
            choice: OutputChoice | None = None
            try:
                if dead is not None:
                    dead.stop(fade=False)  # its stream has ended or stalled: nothing to fade
                import sounddevice

                from cft_desktop.sound.devices import current_default_output

                # No stream of ours is open now (the lost one was just closed), so
                # re-initialising closes nothing that is playing.
                sounddevice._terminate()
                sounddevice._initialize()
                choice = current_default_output(sounddevice)
            except Exception:
                log.exception("looking for another sound output failed")
            post("next-output", 0, choice, play_when_found)

        self._probe = threading.Thread(target=probe, name="device-check", daemon=True)
        self._probe.start()

    def _close_offer(self) -> None:
        offer, self.offer = self.offer, None
        if offer is not None:
            offer.close()

    def _show_offer(self, output: OutputChoice | None) -> None:
        """The calm notice after a lost output: what happened, and the way on."""
        self._close_offer()
        parent = self.parent()
        box = QMessageBox(parent if isinstance(parent, QWidget) else None)
        box.setWindowTitle(WINDOW_TITLE)
        box.setIcon(QMessageBox.Icon.Information)
        box.setText(DEVICE_LOST_MESSAGE)
        # Not modal: the rest of the window (rating, browsing, stopping) keeps working meanwhile.
        box.setWindowModality(Qt.WindowModality.NonModal)
        play: QPushButton | None = None
        if output is not None:
            box.setInformativeText(f"You can carry on with {output.label}.")
            play = box.addButton(f"Play on {output.label}", QMessageBox.ButtonRole.AcceptRole)
            play.setAccessibleName(f"Carry on playing on {output.label}")
        else:
            box.setInformativeText(
                "No other sound output was found. Plug in speakers or headphones, then choose "
                "Try again."
            )
        again = box.addButton("Try again", QMessageBox.ButtonRole.ActionRole)
        again.setAccessibleName("Look for sound output again and carry on")
        later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        later.setAccessibleName("Close this notice; the practice stays paused")
        box.setDefaultButton(play if play is not None else again)
        box.setEscapeButton(later)
        if play is not None:
            play.clicked.connect(lambda: self.play_on(output))
        again.clicked.connect(self.try_again)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _result: self._forget_offer(box))
        self.offer = box
        box.show()
        self.device_lost.emit(DEVICE_LOST_MESSAGE, output.label if output is not None else "")

    def _forget_offer(self, box: QMessageBox) -> None:
        if self.offer is box:
            self.offer = None

    def _complete(self, engine: Engine) -> None:
        if engine is not self._engine or self._session is None:
            return  # stopped or replaced meanwhile
        practice = self._session.script.id
        self.discard()
        self.finished.emit(practice, 1.0)

    # -- slots ----------------------------------------------------------------------------------

    @Slot()
    def _on_timer_timeout(self) -> None:
        engine = self._engine
        if engine is None:
            self._timer.stop()
            return
        if engine.device_lost:
            self._on_engine_lost(engine)
            return
        if engine.error is not None:
            log.error("playback stopped", exc_info=engine.error)
            self.stop()
            self.failed.emit(
                "The practice stopped unexpectedly. You can start it again; the details are in "
                "the log file."
            )
            return
        self._tell_position(self._steady(engine.position_frame()))
        if engine.finished and not self._finishing:
            self._finishing = True
            QTimer.singleShot(FINISH_DELAY_MS, lambda: self._complete(engine))

    def event(self, event: QEvent) -> bool:
        if isinstance(event, _WorkerNews):
            handler = {
                "clip": self._on_worker_clip_ready,
                "progress": self._on_worker_progress,
                "failed": self._on_worker_failed,
                "devices": self._on_worker_devices_checked,
                "lost": self._on_worker_device_lost,
                "next-output": self._on_worker_next_output,
            }[event.kind]
            handler(event.generation, *event.payload)
            return True
        return super().event(event)

    def _on_worker_clip_ready(self, generation: int, index: int) -> None:
        if generation == self._generation:
            self._maybe_start_engine()

    def _on_worker_progress(self, generation: int, done: int, total: int) -> None:
        if generation != self._generation:
            return
        self._tell_preparation(done, total)
        if done >= total:
            self._ahead = None

    def _on_worker_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._ahead = None
        self._tell_preparation(0, 0)
        if self._engine is None:
            self.discard()
        self.failed.emit(message)

    def _on_worker_device_lost(self, _generation: int, engine: Engine) -> None:
        self._on_engine_lost(engine)

    def _on_worker_next_output(
        self, _generation: int, output: OutputChoice | None, play_when_found: bool
    ) -> None:
        if self._resume_frame is None or self._engine is not None:
            return  # carried on, stopped or replaced meanwhile
        if play_when_found and output is not None:
            self.play_on(output)
            return
        self._next_output = output
        self._show_offer(output)

    def _on_worker_devices_checked(self, _generation: int, found: bool, message: str) -> None:
        if found:
            self.device_found.emit()
        else:
            self.device_missing.emit(plain_device_message(AudioDeviceError(message)))
        self.device_checked.emit(found)
