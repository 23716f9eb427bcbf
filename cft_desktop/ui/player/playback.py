"""Playback for the window: the Qt face of the Qt-free `cft_desktop.play.player.Player`.

Owns what only a window has: the ~16 ms repaint timer that reads the engine's audio clock for the
listeners (pacer, captions), steadying the small backward steps of that clock, the Qt signals the
rest of the window connects to, and the calm notice after a lost output ("Play on …", "Try
again", "Not now"). The play lifecycle itself (session, cached and ahead-synthesised narration,
pre-roll, engine, pacing, mix, phrase steps, lost outputs, the end) is the player's.

Threads: everything here runs on the GUI thread. The player's workers hand their news to the
window's one route back to the GUI thread (`ui.common.gui_thread.GuiCalls`, the player's
`Dispatcher`); the player then calls `_Events` here, on the GUI thread too.

Why events and listeners rather than signals on the busy paths: PySide6-Essentials 6.12.0 drops a
reference to `None` on every void Qt call and to `True` on every Python-side `Signal.emit()`, which
aborts the interpreter within minutes of playing (pyproject pins below 6.12;
tests/ui/window/test_pyside_leaks.py checks the installed version). Direct calls and posted events
keep the 60-per-second path lean either way; the rarer state signals stay signals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Script
from cft_desktop.errors import AudioDeviceError, CftError
from cft_desktop.lazy import Lazy
from cft_desktop.play.player import Player, PlayerEvents
from cft_desktop.sound.settings import DEVICE_LOST_MESSAGE, NO_DEVICE_MESSAGE, MixSettings
from cft_desktop.ui.common.gui_thread import GuiCalls
from cft_desktop.ui.common.messages import WINDOW_TITLE
from cft_desktop.ui.common.states import IDLE, PAUSED, PLAYING

if TYPE_CHECKING:
    from cft_desktop.session import Session
    from cft_desktop.sound.devices import OutputChoice
    from cft_desktop.sound.engine import Engine
    from cft_desktop.sound.mixer import SoundAssets
    from cft_desktop.voice.narrator import Narrator

log = logging.getLogger(__name__)

# The timer only asks for a repaint; the position always comes from the engine's clock.
FRAME_INTERVAL_MS = 16
# The engine's position is re-anchored on each block's DAC time, so it can step back a few
# milliseconds at a block boundary. A backward step smaller than this is clock jitter, and the
# listeners keep the last frame instead of moving the pacer back; a seek is far larger.
JITTER_S = 0.1


def plain_device_message(error: BaseException) -> str:
    """The engine's message without PortAudio's technical details (those go to the log)."""
    text = str(error)
    return text.split(" (Details:")[0] if text.startswith(NO_DEVICE_MESSAGE) else text


class _Events(PlayerEvents):
    """The player's news, turned into this window's signals and notices (GUI thread)."""

    def __init__(self, playback: Playback) -> None:
        self._playback = playback

    def on_state(self, state: str) -> None:
        self._playback._on_player_state(state)

    def on_prepared(self, done: int, total: int) -> None:
        self._playback._tell_preparation(done, total)

    def on_engine_started(self, carrying_on: bool) -> None:
        self._playback._on_player_engine_started(carrying_on)

    def on_finished(self, practice_id: str) -> None:
        self._playback.finished.emit(practice_id, 1.0)

    def on_cannot_start(self, message: str, error: BaseException) -> None:
        self._playback.failed.emit(message)

    def on_narration_failed(self, error: Exception) -> None:
        message = (
            f"{error} Your ratings and scripts are not affected; the details are in the log "
            "file." if isinstance(error, CftError) else
            "The narration could not be prepared. The details are in the log file."
        )
        self._playback.failed.emit(message)

    def on_engine_failed(self, error: BaseException) -> None:
        log.error("playback stopped", exc_info=error)
        self._playback.stop()
        self._playback.failed.emit(
            "The practice stopped unexpectedly. You can start it again; the details are in "
            "the log file."
        )

    def on_no_device(self, error: AudioDeviceError) -> None:
        self._playback.device_missing.emit(plain_device_message(error))

    def on_device_lost(self, kept_frame: int) -> None:
        self._playback._tell_position(kept_frame)
        self._playback.player.look_for_next_output(play_when_found=False)

    def on_next_output(self, output: OutputChoice | None) -> None:
        self._playback._show_offer(output)

    def on_outputs_checked(self, found: bool, message: str) -> None:
        playback = self._playback
        if found:
            playback.device_found.emit()
        else:
            playback.device_missing.emit(plain_device_message(AudioDeviceError(message)))
        playback.device_checked.emit(found)

    def on_voice_note(self, message: str) -> None:
        self._playback.voice_note.emit(message)


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
    voice_note = Signal(str)  # which phrases the usual voice says instead
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
        # The player's workers report through the window's one route to the GUI thread.
        self._gui = GuiCalls(self)
        self.player = Player(narrator, assets, self._gui, _Events(self))
        self._shown_frame = -1
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

    # -- read-only state ------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self.player.state

    def preload(self) -> None:
        """Start loading the sound side and the narrator in the background (after start-up)."""
        self.player.preload()

    @property
    def narrator(self) -> Narrator:
        return self.player.narrator

    @property
    def assets(self) -> SoundAssets:
        return self.player.assets

    @property
    def session(self) -> Session | None:
        return self.player.session

    @property
    def engine(self) -> Engine | None:
        return self.player.engine

    @property
    def practice_id(self) -> str:
        return self.player.practice_id

    @property
    def start_frame(self) -> int:
        """Where the engine last started ("play from here" may start later)."""
        return self.player.start_frame

    @property
    def device_lost_pending(self) -> bool:
        """A practice paused because its output went away, waiting to carry on."""
        return self.player.device_lost_pending

    def position_frame(self) -> int:
        return self.player.position_frame()

    def fraction_heard(self) -> float:
        return self.player.fraction_heard()

    # -- control --------------------------------------------------------------------------------

    def start(self, script: Script, pacing: Pacing, mix: MixSettings, from_line: int = 0,
              voice: str = "") -> None:
        """Prepare `script` and play it as soon as its first phrases are ready.

        With `from_line`, play from the phrase or cue on that script line (the editor's "play from
        here"): the phrases before it are prepared too, so its start frame is exact. `voice`: a
        voice pack to speak the recorded phrases ("" the usual voice).
        """
        self.player.start(script, pacing, mix, from_line, voice)

    def pause(self) -> None:
        was_playing = self.player.state == PLAYING and self.player.engine is not None
        self.player.pause()
        engine = self.player.engine
        if was_playing and engine is not None:
            self._tell_position(engine.position_frame())

    def resume(self) -> None:
        self.player.resume()

    def stop(self, emit_finished: bool = True) -> tuple[str, float] | None:
        """Fade out and end the practice. Returns (practice id, fraction heard) if it had begun."""
        result = self.player.stop()
        if result is not None and emit_finished:
            self.finished.emit(*result)
        return result

    def discard(self) -> None:
        """End whatever is loaded without reporting it (a new practice replaces it)."""
        self.player.discard()
        self._close_offer()

    def step_phrase(self, forward: bool) -> None:
        target = self.player.step_phrase(forward)
        if target is None:
            return
        self._shown_frame = -1
        if self.player.state == PAUSED:
            # Paused: the clock stands still, so show the new place now.
            self._tell_position(target)

    def change_pacing(self, pacing: Pacing) -> None:
        """Apply from the next breath or phrase boundary; a new speech rate re-synthesises."""
        self.player.set_pacing(pacing)
        engine = self.player.engine
        if self.player.state == PAUSED and engine is not None:
            self._tell_position(engine.position_frame())

    def change_mix(self, mix: MixSettings) -> None:
        """Plain attribute writes; the mixer picks them up at its next block and ramps the gain."""
        self.player.set_mix(mix)

    def play_on(self, output: OutputChoice | None) -> None:
        """After a lost output: carry on from the kept frame on `output` (None: the default)."""
        if not self.player.device_lost_pending:
            return
        self._close_offer()
        self.player.continue_on(output)

    def try_again(self) -> None:
        """After a lost output: look for outputs afresh and carry on with the default found."""
        if not self.player.device_lost_pending:
            return
        self._close_offer()
        self.player.look_for_next_output(play_when_found=True)

    def check_sound_output(self, reinitialise: bool = False) -> None:
        """Look for an output device on a worker thread; answers with device_found/missing.

        `reinitialise` makes PortAudio list devices afresh (one plugged in since start); only
        while no stream is open, because re-initialising closes every stream.
        """
        self.player.check_sound_output(reinitialise)

    def wait_for_device_check(self, timeout_s: float = 10.0) -> None:
        self.player.wait_for_device_check(timeout_s)

    def shutdown(self) -> None:
        """Window closing: silence, stop workers, wait briefly for them."""
        self._close_offer()
        self.player.shutdown()

    # -- internals ------------------------------------------------------------------------------

    def _steady(self, frame: int) -> int:
        session = self.player.session
        rate = session.sample_rate if session is not None else 0
        if 0 < self._shown_frame - frame < JITTER_S * rate:
            return self._shown_frame
        self._shown_frame = frame
        return frame

    def _on_player_state(self, state: str) -> None:
        # The clock is read only while the sound plays; paused, the listeners were told the place.
        if state == PLAYING:
            self._timer.start()
        else:
            self._timer.stop()
        if state == IDLE:
            self._close_offer()
        self.state_changed.emit(state)

    def _on_player_engine_started(self, carrying_on: bool) -> None:
        self._close_offer()
        self._shown_frame = -1
        self.device_found.emit()
        if not carrying_on:  # the same practice going on is not a new start
            self.started.emit(self.player.practice_id)

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

    # -- slots ----------------------------------------------------------------------------------

    @Slot()
    def _on_timer_timeout(self) -> None:
        position = self.player.poll()
        if position is None:  # lost, failed or ended meanwhile: the clock has nothing to tell
            if self.player.engine is None:
                self._timer.stop()
            return
        self._tell_position(self._steady(position))
