"""Pictures of the main states, to look at as a client would (saved to $CFT_DESKTOP_SHOTS).

The playing states are drawn by handing the views a real session's timeline and a frame (what
the engine's clock would report), so each picture is the same every run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from cft_desktop.session import Session
from cft_desktop.sound.engine import NO_DEVICE_MESSAGE
from cft_desktop.ui.common.settings import DisplayPrefs
from cft_desktop.ui.window.main_window import MainWindow
from tests.ui.conftest import MakeWindow

PRACTICE = "soothing-rhythm-breathing"


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CFT_DESKTOP_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _save(window: MainWindow, folder: Path, name: str) -> Path:
    # Layout changes (a hidden banner, larger text) are applied on the next event-loop turn.
    for _ in range(3):
        QApplication.processEvents()
    path = folder / f"{name}.png"
    assert window.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() >= 900 and image.height() >= 600
    return path


def _show_playing(window: MainWindow, share_of_inhale: float = 0.6) -> None:
    assert window.library_view.select(PRACTICE)
    entry = window.library_view.current_entry()
    assert entry is not None and entry.script is not None
    session = Session(entry.script, window.pacing_panel.pacing(), window.playback.narrator,
                      window.playback.assets)
    # The first in-breath that has words spoken with it.
    spoken_inhales = [e for e in session.timeline.events if e.kind == "inhale"
                      and any(p.start_frame == e.start_frame for p in session.timeline.phrase_events())]
    inhale = spoken_inhales[0]
    frame = inhale.start_frame + int(inhale.frames * share_of_inhale)
    window.player_view.show_practice(entry)
    window.player_view.set_state("playing")
    window.player_view.show_position(session.timeline, frame)
    window.player_view.show_preparation(12, 28)


def test_screenshots_of_the_main_states(make_window: MakeWindow, shots: Path) -> None:
    window = make_window()
    window.resize(1240, 780)
    saved = [_save(window, shots, "library")]

    window.banner.show_message(NO_DEVICE_MESSAGE)
    saved.append(_save(window, shots, "no-sound-device"))
    window.banner.hide()

    _show_playing(window)
    assert window.player_view.pacer.state().kind == "inhale"
    assert window.player_view.caption_text()
    saved.append(_save(window, shots, "playing"))

    # Through the View menu's ticks, as a person would switch them.
    view = window.actions
    view["view.reduce_motion"].setChecked(True)
    saved.append(_save(window, shots, "reduced-motion"))
    view["view.reduce_motion"].setChecked(False)

    view["view.large_text"].setChecked(True)
    _show_playing(window)
    saved.append(_save(window, shots, "large-text"))
    view["view.large_text"].setChecked(False)

    view["view.dark"].setChecked(True)
    _show_playing(window, share_of_inhale=0.95)
    saved.append(_save(window, shots, "dark-theme"))

    view["view.dark"].setChecked(False)
    assert window.pacing_panel.display() == DisplayPrefs()
    assert all(path.stat().st_size > 20_000 for path in saved)
