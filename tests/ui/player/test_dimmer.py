"""A sleep practice dims the window as it ends (issue 16 §4 item 7: `ending: sleep`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from cft_desktop.core.library import Library
from cft_desktop.core.script import parse_text
from cft_desktop.errors import ScriptErrors
from cft_desktop.ui.player.dimmer import (
    CLOSING_DIM,
    CLOSING_S,
    OPENING_DIM,
    OPENING_S,
    Dimmer,
    sleep_dim_at,
)

RATE = 22050


def test_the_veil_darkens_a_little_at_the_start_and_most_at_the_end() -> None:
    total = 10 * 60 * RATE
    assert sleep_dim_at(0, total, RATE) == 0.0
    assert sleep_dim_at(round(OPENING_S * RATE), total, RATE) == pytest.approx(OPENING_DIM)
    middle = sleep_dim_at(total // 2, total, RATE)
    assert middle == pytest.approx(OPENING_DIM)
    assert sleep_dim_at(total - round(CLOSING_S * RATE), total, RATE) == pytest.approx(OPENING_DIM)
    assert sleep_dim_at(total, total, RATE) == pytest.approx(CLOSING_DIM) and CLOSING_DIM < 1.0
    levels = [sleep_dim_at(f, total, RATE) for f in range(0, total + 1, RATE)]
    assert levels == sorted(levels)  # only ever darker while it plays, never a flash


def test_the_shipped_sleep_practice_ends_in_sleep_and_a_wrong_ending_names_its_line() -> None:
    sleep = next(s for s in Library().scripts() if s.id == "sleep-resting")
    assert sleep.ending == "sleep"
    assert all(s.ending == "awake" for s in Library().scripts() if s.id != "sleep-resting")
    text = ("---\nid: x\ntitle: X\nkind: imagery\nminutes: 1\nsummary: S.\nending: nap\n---\n"
            "Hello.\n")
    with pytest.raises(ScriptErrors) as caught:
        parse_text(text, Path("x.md"))
    (error,) = caught.value.errors
    assert error.line == 7 and "'nap' is not one of awake, sleep" in error.message


def test_the_veil_covers_the_window_lets_clicks_through_and_a_touch_lifts_it(qtbot: object) -> None:
    window = QWidget()
    window.resize(400, 300)
    button = QPushButton("Stop", window)
    button.setGeometry(10, 10, 100, 40)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    qtbot.waitExposed(window)  # type: ignore[attr-defined]
    veil = Dimmer(window)
    assert not veil.isVisible()
    before = window.grab().toImage().pixelColor(300, 250).lightness()
    veil.set_level(0.6)
    assert veil.isVisible() and veil.geometry() == window.rect()
    assert veil.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    dimmed = window.grab().toImage().pixelColor(300, 250).lightness()
    assert dimmed < before * 0.5
    window.resize(500, 350)
    QApplication.processEvents()
    assert veil.geometry() == window.rect()
    clicked: list[bool] = []
    button.clicked.connect(lambda: clicked.append(True))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert clicked == [True]  # Stop works through the veil
    veil.hold_until_touched()
    assert veil.isVisible()
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, move)
    assert not veil.isVisible() and veil.level() == 0.0
    image = window.grab().toImage()
    assert isinstance(image, QImage)
    assert image.pixelColor(300, 250).lightness() == before
