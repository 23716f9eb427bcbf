"""The recorder's microphone choice is remembered, and no microphone is said in plain words
while everything else keeps working (the device lists stand in for PortAudio's here)."""

from __future__ import annotations

import pytest

from cft_desktop.core.library import Library
from cft_desktop.core.pacing import Pacing
from cft_desktop.sound import capture
from cft_desktop.ui.common.settings import Settings
from cft_desktop.ui.recorder.window import RecorderWindow

DEVICES = [capture.InputDevice(None, "default", 48000, 2),
           capture.InputDevice(3, "USB microphone", 44100, 1)]


def _recorder(qtbot: object) -> RecorderWindow:
    window = RecorderWindow(Library().find("safe-place"), Settings(), Pacing)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    return window


def test_the_chosen_microphone_is_remembered(qtbot: object,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(capture, "list_inputs", lambda sd=None: list(DEVICES))
    monkeypatch.setattr(capture.Capture, "open", lambda self, sd=None: opened.append(
        self.device.name))
    first = _recorder(qtbot)
    assert [first.microphone.itemText(i) for i in range(first.microphone.count())] == [
        "default", "USB microphone"]
    first.microphone.setCurrentIndex(1)
    assert Settings().microphone() == "USB microphone"
    assert opened[-1] == "USB microphone"
    first.close()
    again = _recorder(qtbot)
    assert again.microphone.currentText() == "USB microphone" and opened[-1] == "USB microphone"
    assert again.record.isEnabled() is False  # not before the room has been measured
    assert again.room.text().startswith("Measuring the room")


def test_no_microphone_says_so_and_the_teleprompter_still_works(
        qtbot: object, monkeypatch: pytest.MonkeyPatch) -> None:
    def none(sd: object = None) -> list[capture.InputDevice]:
        raise capture.CaptureError(capture.NO_MICROPHONE)

    monkeypatch.setattr(capture, "list_inputs", none)
    window = _recorder(qtbot)
    assert window.status.text() == capture.NO_MICROPHONE
    assert not window.record.isEnabled() and not window.microphone.isEnabled()
    before = window.prompt.text()
    window.move_phrase(1)
    assert window.prompt.text() != before  # reading through the phrases still works
    assert window.progress.text().endswith("recorded")


def test_the_voice_is_named_by_the_therapist(qtbot: object,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capture, "list_inputs", lambda sd=None: list(DEVICES))
    monkeypatch.setattr(capture.Capture, "open", lambda self, sd=None: None)
    window = _recorder(qtbot)
    assert window.pack.name == "My voice" and window.pack_name.accessibleName() == "Voice name"
    window.pack_name.setText("Dr Lee")
    window.pack_name.editingFinished.emit()
    assert window.pack.name == "Dr Lee" and "Dr Lee" in window.status.text()
    window.pack_name.setText("../elsewhere")
    window.pack_name.editingFinished.emit()
    assert window.pack.name == "Dr Lee" and window.pack_name.text() == "Dr Lee"
    assert "cannot name a voice pack" in window.status.text()
