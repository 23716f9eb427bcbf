"""The recorder: a therapist records a practice in their own voice, phrase by phrase.

Owns the recorder window: the teleprompter (the phrase to say now in large type, the next one
under it, "12 of 31 recorded"), the microphone choice (remembered), the room tone measured when the
microphone opens, the live input level, the count-in, and the keys: R records (after a visible
count-in), Space stops, P plays the take back, Backspace discards it (the take before it, if any,
is heard again), ← / → move between phrases and N jumps to the next phrase not yet recorded. Each
take is processed as every take is (`voice.takes`) and stored in the voice pack; its problems are
said in words. The input stream is `sound.capture`'s; this window polls its counters 30 times a
second on the GUI thread and never touches the audio callback. GUI thread only.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Script
from cft_desktop.errors import CftError
from cft_desktop.sound import capture
from cft_desktop.ui.common.settings import Settings
from cft_desktop.voice import takes
from cft_desktop.voice.recorded import VoicePack, check_name
from cft_desktop.voice.recording_plan import RecordingPlan

COUNT_IN_STEP_MS = 500
COUNT_IN = ("3", "2", "1")
POLL_MS = 33
METER_FLOOR_DB = -60
DEFAULT_PACK = "My voice"

ROOM_MEASURING = "Measuring the room: please keep quiet for {seconds:.0f} seconds."
ROOM_QUIET = "The room is quiet enough (background at {floor:.0f} dBFS or below)."
ALL_RECORDED = "Every phrase has a take. You can still record any of them again."


def _label(text: str, name: str, role: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAccessibleName(name)
    if role:
        label.setProperty("role", role)
    return label


class RecorderWindow(QDialog):
    """Recording one script into one voice pack; see the module docstring."""

    take_stored = Signal(str)  # the phrase's text

    def __init__(self, script: Script, settings: Settings, pacing: Callable[[], Pacing],
                 parent: QWidget | None = None, *, pack_name: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("recorder")
        self.setWindowTitle(f"Record in your own voice: {script.title}")
        self.setModal(False)
        self._settings = settings
        self._pacing = pacing
        self._script = script
        self._capture: capture.Capture | None = None
        self._room_floor_dbfs: float | None = None
        self._count_in: list[str] = []
        self._player: object | None = None
        name = pack_name or settings.voice() or DEFAULT_PACK
        self.pack = VoicePack.open_or_create(name)
        self.plan = RecordingPlan(script, self.pack)
        self._build(name)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._on_poll)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.timeout.connect(self._count_step)
        self._keys = _RecorderKeys(self)
        for widget in (self, *self.findChildren(QWidget)):
            widget.installEventFilter(self._keys)
        self._show_phrase()
        self._fill_microphones()

    # -- construction ---------------------------------------------------------------------------

    def _build(self, pack_name: str) -> None:
        self.pack_name = QLineEdit(pack_name)
        self.pack_name.setAccessibleName("Voice name")
        self.pack_name.setToolTip("The name clients choose this voice by (for example your "
                                  "name). Another name records into another voice.")
        self.pack_name.editingFinished.connect(self._on_pack_named)
        self.microphone = QComboBox()
        self.microphone.setAccessibleName("Microphone")
        self.microphone.setToolTip("The microphone to record with. It is remembered.")
        self.room = _label("", "Room", "muted")
        self.progress = _label("", "Phrases recorded")
        self.number = _label("", "Phrase number", "muted")
        self.prompt = _label("", "Phrase to say now", "title")
        self.prompt.setMinimumHeight(self.prompt.fontMetrics().lineSpacing() * 3)
        self.up_next = _label("", "Next phrase", "muted")
        self.count = _label("", "Count-in", "title")
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = _label("", "Recorder message")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meter = QProgressBar()
        self.meter.setRange(METER_FLOOR_DB, 0)
        self.meter.setTextVisible(False)
        self.meter.setAccessibleName("Input level")
        self.meter.setToolTip("How loud the microphone hears you. Aim for the upper middle; the "
                              "right end is too loud.")

        def button(text: str, name: str, tip: str) -> QPushButton:
            made = QPushButton(text)
            made.setAccessibleName(name)
            made.setToolTip(tip)
            made.setAutoDefault(False)
            return made

        self.record = button("Record (R)", "Record", "Record this phrase after a short count-in.")
        self.record.setProperty("role", "primary")
        self.stop = button("Stop (Space)", "Stop recording", "Stop and keep the take.")
        self.play = button("Play take (P)", "Play take", "Hear the take of this phrase.")
        self.retake = button("Retake (Backspace)", "Retake",
                             "Discard the newest take of this phrase; the one before it, if any, "
                             "is heard again.")
        self.previous = button("← Previous", "Previous phrase", "Go to the previous phrase (←).")
        self.next = button("Next →", "Next phrase", "Go to the next phrase (→).")
        self.next_missing = button("Next not recorded (N)", "Next phrase not yet recorded",
                                   "Jump to the next phrase that has no take yet (N).")
        self.close_button = button("Close", "Close", "Close the recorder. Every take is kept.")
        self.record.clicked.connect(self.start_recording)
        self.stop.clicked.connect(self.stop_recording)
        self.play.clicked.connect(self.play_take)
        self.retake.clicked.connect(self.discard_take)
        self.previous.clicked.connect(lambda: self.move_phrase(-1))
        self.next.clicked.connect(lambda: self.move_phrase(1))
        self.next_missing.clicked.connect(self.go_to_next_missing)
        self.close_button.clicked.connect(self.close)
        self.microphone.currentIndexChanged.connect(self._on_microphone_chosen)

        top = QFormLayout()
        top.addRow("Voice name", self.pack_name)
        top.addRow("Microphone", self.microphone)
        level = QHBoxLayout()
        level.addWidget(QLabel("Input level"))
        level.addWidget(self.meter, 1)
        takes_row = QHBoxLayout()
        for widget in (self.record, self.stop, self.play, self.retake):
            takes_row.addWidget(widget)
        moves = QHBoxLayout()
        for widget in (self.previous, self.next, self.next_missing):
            moves.addWidget(widget)
        moves.addStretch(1)
        moves.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.room)
        layout.addWidget(self.progress)
        layout.addWidget(self.number)
        layout.addWidget(self.prompt, 1)
        layout.addWidget(self.up_next)
        layout.addWidget(self.count)
        layout.addLayout(level)
        layout.addWidget(self.status)
        layout.addLayout(takes_row)
        layout.addLayout(moves)
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 90, metrics.lineSpacing() * 28)

    def _on_pack_named(self) -> None:
        name = self.pack_name.text().strip()
        if name == self.pack.name:
            return
        try:
            check_name(name)
            pack = VoicePack.open_or_create(name)
        except CftError as exc:
            self.status.setText(str(exc))
            self.pack_name.setText(self.pack.name)
            return
        self.pack = pack
        index = self.plan.index
        self.plan = RecordingPlan(self._script, pack)
        self.plan.index = min(index, max(0, len(self.plan.phrases) - 1))
        self.status.setText(f"Recording into the voice “{name}”.")
        self._show_phrase()

    # -- the microphone -------------------------------------------------------------------------

    def _fill_microphones(self) -> None:
        try:
            inputs = capture.list_inputs()
        except capture.CaptureError as exc:
            self._no_microphone(str(exc))
            return
        remembered = self._settings.microphone()
        self.microphone.blockSignals(True)
        for device in inputs:
            self.microphone.addItem(device.name, device.name)
        index = self.microphone.findData(remembered)
        self.microphone.setCurrentIndex(max(0, index))
        self.microphone.blockSignals(False)
        self._open_microphone()

    def _no_microphone(self, message: str) -> None:
        self.status.setText(message)
        self.room.setText("")
        for widget in (self.record, self.stop, self.microphone):
            widget.setEnabled(False)
        self._update_buttons()
        self.record.setEnabled(False)

    def _on_microphone_chosen(self, _index: int) -> None:
        self._settings.set_microphone(str(self.microphone.currentData() or ""))
        self._open_microphone()

    def _open_microphone(self) -> None:
        self._close_microphone()
        try:
            device = capture.find_input(str(self.microphone.currentData() or ""))
            self._capture = capture.Capture(device)
            self._capture.open()
        except capture.CaptureError as exc:
            self._capture = None
            self._no_microphone(str(exc))
            return
        self._room_floor_dbfs = None
        self.room.setText(ROOM_MEASURING.format(seconds=capture.ROOM_TONE_S))
        self.status.setText("")
        self._poll.start()
        self._update_buttons()

    def _close_microphone(self) -> None:
        self._poll.stop()
        if self._capture is not None:
            self._capture.close()
            self._capture = None

    # -- recording ------------------------------------------------------------------------------

    @property
    def recording(self) -> bool:
        return self._capture is not None and self._capture.recording

    @property
    def counting_in(self) -> bool:
        return bool(self._count_in) or self._count_timer.isActive()

    def start_recording(self) -> None:
        """R: the count-in, then the take starts."""
        if self._capture is None or self.recording or self.counting_in:
            return
        if self._room_floor_dbfs is None and self._capture.room_tone() is None:
            self.status.setText("One moment: the room is still being measured.")
            return
        self._count_in = list(COUNT_IN)
        self.status.setText("")
        self._count_step()
        self._update_buttons()

    def _count_step(self) -> None:
        if not self._count_in:
            return
        shown = self._count_in.pop(0)
        self.count.setText(shown)
        if self._count_in:
            self._count_timer.start(COUNT_IN_STEP_MS)
        else:
            QTimer.singleShot(COUNT_IN_STEP_MS, self, self._begin_take)

    def _begin_take(self) -> None:
        if self._capture is None:
            return
        self._capture.start_take()
        self.count.setText("Recording… (Space stops)")
        self._update_buttons()

    def stop_recording(self) -> None:
        """Space: stop, process, store, and say what was wrong with the take, if anything."""
        if self._count_in or self._count_timer.isActive():
            self._count_in.clear()
            self._count_timer.stop()
            self.count.setText("")
            self._update_buttons()
            return
        if self._capture is None or not self.recording:
            return
        phrase = self.plan.current
        try:
            samples = self._capture.stop_take()
        except capture.CaptureError as exc:
            self.count.setText("")
            self.status.setText(str(exc))
            self._update_buttons()
            return
        self.count.setText("")
        if phrase is None:
            return
        limit = (takes.breath_limit(self._pacing(), phrase.phase) if phrase.phase is not None
                 else None)
        result = takes.process_take(samples, self._capture.sample_rate,
                                    room_floor_dbfs=self._room_floor_dbfs, breath_limit=limit)
        if takes.NOTHING_HEARD_MESSAGE in result.problems:
            self.status.setText(f"Not kept: {takes.NOTHING_HEARD_MESSAGE}. Record it again.")
            self._update_buttons()
            return
        try:
            self.pack.add_take(self._script.id, phrase.text, result.samples, result.sample_rate)
        except CftError as exc:  # a full disk: this take is lost, every earlier one kept
            self.status.setText(str(exc))
            self._update_buttons()
            return
        said = "; ".join(result.problems)
        self.status.setText(f"Kept ({result.duration_s:.1f} s). " +
                            (f"But {said}." if said else "It sounds fine."))
        self.take_stored.emit(phrase.text)
        self._show_phrase()

    def play_take(self) -> None:
        """P: hear the newest take of this phrase."""
        phrase = self.plan.current
        if phrase is None or self.recording:
            return
        found = self.pack.take(self._script.id, phrase.text)
        if found is None:
            self.status.setText("This phrase has no take yet.")
            return
        samples, rate = found
        try:
            import sounddevice

            sounddevice.play(samples, rate)
        except Exception as exc:  # no output device: say so, nothing else changes
            self.status.setText(f"The take could not be played: {exc}")

    def discard_take(self) -> None:
        """Backspace: the newest take of this phrase goes."""
        phrase = self.plan.current
        if phrase is None or self.recording:
            return
        if self.pack.discard_newest(self._script.id, phrase.text):
            left = self.pack.has_take(self._script.id, phrase.text)
            self.status.setText("Discarded. The take before it is heard again." if left
                                else "Discarded. This phrase has no take now.")
        self._show_phrase()

    def move_phrase(self, step: int) -> None:
        if self.recording or self.counting_in:
            return
        if self.plan.move(step):
            self.status.setText("")
            self._show_phrase()

    def go_to_next_missing(self) -> None:
        if self.recording or self.counting_in:
            return
        if self.plan.go_to_next_unrecorded():
            self.status.setText("")
        else:
            self.status.setText(ALL_RECORDED)
        self._show_phrase()

    # -- showing --------------------------------------------------------------------------------

    def _show_phrase(self) -> None:
        plan = self.plan
        phrase = plan.current
        self.progress.setText(plan.progress_text())
        if phrase is None:
            self.prompt.setText("This practice has nothing to say aloud.")
            self.up_next.setText("")
            self.number.setText("")
        else:
            said_on = {"in": " · said on an in-breath", "out": " · said on an out-breath"}
            state = "recorded" if plan.recorded(phrase) else "not recorded yet"
            self.number.setText(f"Phrase {phrase.number} of {len(plan.phrases)} · {state}"
                                f"{said_on.get(phrase.phase or '', '')}")
            self.prompt.setText(phrase.text)
            following = plan.following
            self.up_next.setText(f"Next: {following.text}" if following else "That is the last one.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        # Record waits for the room tone: the first seconds must be the room alone.
        ready = self._capture is not None and self._room_floor_dbfs is not None
        busy = self.recording or self.counting_in
        phrase = self.plan.current
        has_take = phrase is not None and self.plan.recorded(phrase)
        self.record.setEnabled(ready and not busy and phrase is not None)
        self.stop.setEnabled(busy)
        self.play.setEnabled(has_take and not busy)
        self.retake.setEnabled(has_take and not busy)
        self.previous.setEnabled(not busy and self.plan.index > 0)
        self.next.setEnabled(not busy and self.plan.index + 1 < len(self.plan.phrases))
        self.next_missing.setEnabled(not busy)
        self.microphone.setEnabled(not busy and self.microphone.count() > 0)

    def _on_poll(self) -> None:
        source = self._capture
        if source is None:
            return
        level = source.meter_dbfs()
        self.meter.setValue(int(max(METER_FLOOR_DB, level)) if math.isfinite(level)
                            else METER_FLOOR_DB)
        if self._room_floor_dbfs is None:
            room = source.room_tone()
            if room is not None:
                floor = takes.noise_floor_dbfs(room)
                self._room_floor_dbfs = floor
                self.room.setText(takes.noisy_room_message(floor).capitalize() + "."
                                  if floor > takes.NOISY_ROOM_DBFS
                                  else ROOM_QUIET.format(floor=max(floor, -99.0)))
                self._update_buttons()
        if source.recording:
            if not source.healthy():
                self.stop_recording()  # says the microphone stopped; the take is dropped
            elif source.take_full():
                self.stop_recording()
                self.status.setText(capture.TAKE_TOO_LONG + " " + self.status.text())
        elif not source.healthy():
            self._close_microphone()
            self._no_microphone(capture.MICROPHONE_LOST.split(", so")[0] + ".")

    # -- Qt -------------------------------------------------------------------------------------

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        # Not in the voice name's field: there R and N would be typed, not pressed.
        self.next_missing.setFocus(Qt.FocusReason.OtherFocusReason)

    def closeEvent(self, event: object) -> None:
        if self.recording and self._capture is not None:
            self._capture.cancel_take()
        self._close_microphone()
        super().closeEvent(event)  # type: ignore[arg-type]


class _RecorderKeys(QObject):
    """The recorder's keys from anywhere in its window except a text field: R, Space, P,
    Backspace, ← / →, N. Space stops a take even when a button has the focus (it would press
    the button otherwise)."""

    def __init__(self, window: RecorderWindow) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        if not isinstance(event, QKeyEvent) or event.modifiers() not in (
                Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            return False
        if isinstance(watched, QLineEdit):
            return False
        if isinstance(watched, QComboBox) and event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            return False
        window = self._window
        key = Qt.Key
        action: Callable[[], None] | None
        if event.key() == key.Key_Space:
            if not (window.recording or window.counting_in):
                return False  # a focused button is pressed by Space as usual
            action = window.stop_recording
        else:
            action = {
                key.Key_R: window.start_recording,
                key.Key_P: window.play_take,
                key.Key_Backspace: window.discard_take,
                key.Key_Left: lambda: window.move_phrase(-1),
                key.Key_Right: lambda: window.move_phrase(1),
                key.Key_N: window.go_to_next_missing,
            }.get(Qt.Key(event.key()))
        if action is None:
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # ours, not a window shortcut's
            return True
        action()
        return True
