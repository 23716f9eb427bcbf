"""The player keeps room for the pacer: with large text in a laptop-sized window, a long title or a
long phrase steps down to its compact size instead of squeezing the breathing pacer, and every
phrase of every shipped practice still fits its caption box whole.

Before this, large text at 1220×780 left the pacer 150 px tall (a circle about 55 px across under
a status line), because the caption box grew to seven lines for the longest phrase.
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel

from cft_desktop.core import timeline as tl
from cft_desktop.core.pacing import Pacing
from cft_desktop.sound.settings import SAMPLE_RATE
from tests.ui.conftest import MakeWindow

# The pacer's height at 1220×780 with the longest titles and phrases (offscreen fonts): 231 px at
# large text, 369 px otherwise. The floors leave a margin for font differences between machines.
PACER_FLOOR_PX = {False: 330, True: 210}


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def _wrapped_height(label: QLabel, text: str) -> int:
    metrics = QFontMetrics(label.font())  # the style sheet's font for the label's current fit
    width = label.contentsRect().width()
    return metrics.boundingRect(QRect(0, 0, width, 100_000), int(Qt.TextFlag.TextWordWrap),
                                text).height()


@pytest.mark.parametrize("large", [False, True], ids=["normal-text", "large-text"])
def test_every_phrase_fits_and_the_pacer_keeps_its_room(make_window: MakeWindow,
                                                         large: bool) -> None:
    window = make_window()
    window.resize(1220, 780)
    window.actions["view.large_text"].setChecked(large)
    _settle()
    player = window.player_view
    compact_seen = False
    for script in window.library.scripts():
        assert window.library_view.select(script.id)
        _settle()
        assert player.title.text() == script.title
        assert player.pacer.height() >= PACER_FLOOR_PX[large], (script.id, player.pacer.height())
        title_lines = _wrapped_height(player.title, script.title) / QFontMetrics(
            player.title.font()).lineSpacing()
        assert title_lines <= 3.5, (script.id, title_lines)
        timeline = tl.build(script, Pacing(), lambda item: 3 * SAMPLE_RATE, SAMPLE_RATE,
                            4 * SAMPLE_RATE)
        for event in timeline.phrase_events():
            player.show_position(timeline, event.start_frame)
            text = player.caption_text()
            assert text, script.id
            compact_seen |= player.caption.property("fit") == "compact"
            # The whole phrase is drawn, at whatever size it was given: nothing cut off.
            assert _wrapped_height(player.caption, text) <= player.caption.height(), (
                script.id, text)
        # Moving between phrases never resized the box (the pacer must not jump).
        assert player.caption.height() == player.caption.maximumHeight()
    if large:  # some of the longer phrases do need the compact size there
        assert compact_seen


def test_a_narrow_window_with_large_text_cuts_nothing_off_sideways(make_window: MakeWindow) -> None:
    """1024 px wide (a small laptop) with large text: the player is never squeezed below what its
    buttons need, and the pacer's "Ready when you are" is drawn whole across it."""
    from dataclasses import replace

    window = make_window()
    window.practice.apply_display(replace(window.pacing_panel.display(), large_text=True))
    window.resize(1024, 700)
    _settle()
    player = window.player_view
    assert window.width() <= 1024
    # With any practice chosen, the window can still be made that narrow (a wrapping title asks
    # only for its longest word).
    for kind, practice, _ in window.library_view.rows():
        if kind == "practice":
            assert window.library_view.select(practice)
            _settle()
            assert window.minimumSizeHint().width() <= 1024, practice
    assert player.width() >= player.minimumSizeHint().width()
    for button in (player.ground, player.play, player.pause, player.stop):
        assert button.width() >= button.sizeHint().width(), button.text()
    pacer = player.pacer
    label = pacer._state.label
    font = pacer._label_font_to_fit(label, pacer.width() - 16)
    assert QFontMetrics(font).horizontalAdvance(label) <= pacer.width() - 16
    assert font.pointSizeF() >= QApplication.font().pointSizeF()  # never below body text


def test_a_short_window_with_large_text_never_draws_text_over_the_pacer(
    make_window: MakeWindow,
) -> None:
    """Asked for 1024×600 with large text, the window keeps the height its wrapped title and safety
    note need (before, they were squeezed and drawn over the pacer); with the side parts hidden
    (View menu) the same size fits."""
    from dataclasses import replace

    window = make_window()
    window.practice.apply_display(replace(window.pacing_panel.display(), large_text=True))
    player = window.player_view

    def stacked_without_overlap() -> None:
        parts = [player.title, player.meta, player.pacer, player.safety, player.caption,
                 player.play]
        for upper, lower in pairwise(parts):
            assert upper.geometry().bottom() < lower.geometry().top(), (upper, lower)
        for label in (player.title, player.safety):
            assert label.height() >= label.heightForWidth(label.width())

    for _ in range(2):
        window.resize(1024, 600)
        _settle()
    stacked_without_overlap()
    assert window.height() > 600

    window.library_action.trigger()
    window.panel_action.trigger()
    for _ in range(2):
        window.resize(1024, 600)
        _settle()
    stacked_without_overlap()
    assert window.height() == 600 and player.pacer.height() >= 150
