"""Named breathing patterns in the side panel: choose, save, remove, and never claim a wrong one.

The person's answers are given through the panel's own ask-hooks (`ask_pattern_name`,
`ask_replace_pattern`, `ask_remove_pattern`, `tell`), except in the keyboard test, which types into
the real name dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.patterns import BUILT_IN_PATTERNS, CUSTOM_NAME, Pattern
from cft_desktop.sound.mixer import MixSettings
from cft_desktop.ui.common.settings import DisplayPrefs, Settings
from cft_desktop.ui.panels.pacing_panel import SHARED_PATTERNS_NOTE, PacingPanel
from tests.ui.conftest import MakeWindow, UserDirs

BUILT_IN_NAMES = [p.name for p in BUILT_IN_PATTERNS]


def _make_panel(qtbot: object, path: Path, pacing: Pacing | None = None) -> PacingPanel:
    panel = PacingPanel(pacing or Pacing(), MixSettings(), DisplayPrefs(), [],
                        settings=Settings(path))
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    panel.show()
    panel.tell = lambda message: pytest.fail(f"unexpected message: {message}")
    return panel


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    return tmp_path / "patterns.ini"


@pytest.fixture
def panel(qtbot: object, ini: Path) -> PacingPanel:
    return _make_panel(qtbot, ini)


def _names(panel: PacingPanel) -> list[str]:
    return [panel.pattern.itemText(i) for i in range(panel.pattern.count())
            if panel.pattern.itemText(i)]  # separators have no text


def _choose(panel: PacingPanel, name: str) -> None:
    panel.pattern.setCurrentIndex(panel.pattern.findText(name))


def _save_as(panel: PacingPanel, *names: str | None) -> list[str]:
    """Press Save as pattern, answering the name question with `names` in turn; the prompts."""
    answers = list(names)
    prompts: list[str] = []

    def ask(text: str) -> str | None:
        prompts.append(text)
        return answers.pop(0)

    panel.ask_pattern_name = ask
    panel.save_pattern.click()
    assert not answers, "the name was not asked for as often as expected"
    return prompts


def test_the_built_ins_are_listed_and_the_default_pacing_shows_as_the_first(
    panel: PacingPanel,
) -> None:
    assert _names(panel) == BUILT_IN_NAMES
    assert panel.pattern.currentText() == BUILT_IN_NAMES[0]
    assert not panel.remove_pattern.isEnabled()  # a built-in can never be removed
    for i in range(panel.pattern.count()):
        if panel.pattern.itemText(i):
            assert panel.pattern.itemData(i, Qt.ItemDataRole.ToolTipRole)


def test_choosing_a_built_in_changes_the_breath_once_and_keeps_the_voice(
    qtbot: object, ini: Path
) -> None:
    panel = _make_panel(qtbot, ini, Pacing(pause_scale=2.0, speech_length_scale=1.6))
    emitted: list[Pacing] = []
    panel.pacing_changed.connect(emitted.append)
    slower = next(p for p in BUILT_IN_PATTERNS if p.bpm < 6.0)
    _choose(panel, slower.name)
    assert len(emitted) == 1
    pacing = panel.pacing()
    assert emitted[0] == pacing
    assert (pacing.bpm, pacing.inhale_parts / pacing.exhale_parts) == (
        slower.bpm, slower.inhale_parts / slower.exhale_parts)
    assert (pacing.pause_scale, pacing.speech_length_scale) == (2.0, 1.6)
    assert panel.bpm.value() == slower.bpm
    assert panel.pattern.currentText() == slower.name

    settling = next(p for p in BUILT_IN_PATTERNS if p.ramp_from_bpm is not None)
    _choose(panel, settling.name)
    assert len(emitted) == 2
    assert panel.slow_down.isChecked()
    assert (panel.ramp_from.value(), panel.ramp_breaths.value()) == (
        settling.ramp_from_bpm, settling.ramp_breaths)
    assert panel.pacing().ramp_from_bpm == settling.ramp_from_bpm


def test_a_hand_edit_shows_custom_until_the_values_match_a_pattern_again(
    panel: PacingPanel,
) -> None:
    panel.bpm.setValue(7.5)
    assert panel.pattern.currentText() == CUSTOM_NAME
    assert panel.pattern.findText(CUSTOM_NAME) == panel.pattern.count() - 1
    panel.bpm.setValue(6.0)
    assert panel.pattern.currentText() == BUILT_IN_NAMES[0]
    # "Custom" is only there while it is true: choosing it could change nothing.
    assert panel.pattern.findText(CUSTOM_NAME) < 0
    panel.hold_in.setValue(1.0)
    assert panel.pattern.currentText() == CUSTOM_NAME
    panel.hold_in.setValue(0.0)
    panel.slow_down.setChecked(True)
    assert panel.pattern.currentText() == CUSTOM_NAME
    panel.slow_down.setChecked(False)
    panel.ratio.setCurrentIndex(0)  # 1:1
    assert panel.pattern.currentText() == CUSTOM_NAME
    # The voice is not part of a pattern.
    panel.ratio.setCurrentIndex(1)
    panel.pause_scale.setValue(2.5)
    panel.speech_rate.setValue(1.8)
    assert panel.pattern.currentText() == BUILT_IN_NAMES[0]


def test_a_new_window_lists_a_saved_pattern_and_choosing_it_brings_it_back(
    make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    first = make_window()
    panel = first.pacing_panel
    panel.tell = lambda message: pytest.fail(message)
    panel.bpm.setValue(5.5)
    panel.ratio.setCurrentIndex(2)  # 1:2
    panel.hold_out.setValue(1.0)
    assert panel.pattern.currentText() == CUSTOM_NAME
    assert _save_as(panel, "  Evening   wind-down ") == [""]
    assert panel.pattern.currentText() == "Evening wind-down"
    assert panel.remove_pattern.isEnabled()
    assert panel.pattern.findText(CUSTOM_NAME) < 0
    # Written at once, before the window closes.
    stored = Settings(user_dirs.data / "settings.ini").patterns()
    assert [p.name for p in stored] == ["Evening wind-down"]
    panel.bpm.setValue(9.0)
    first.close()

    second = make_window()
    panel = second.pacing_panel
    assert _names(panel) == [*BUILT_IN_NAMES, "Evening wind-down", CUSTOM_NAME]
    assert panel.pattern.currentText() == CUSTOM_NAME  # 9 a minute is no pattern
    emitted: list[Pacing] = []
    panel.pacing_changed.connect(emitted.append)
    _choose(panel, "Evening wind-down")
    assert len(emitted) == 1
    pacing = panel.pacing()
    assert (pacing.bpm, pacing.inhale_parts, pacing.exhale_parts, pacing.hold_out_s) == (
        5.5, 1.0, 2.0, 1.0)
    assert (panel.bpm.value(), panel.ratio.currentText(), panel.hold_out.value()) == (
        5.5, "1:2", 1.0)


def test_empty_and_built_in_names_are_refused_and_the_name_asked_again(
    panel: PacingPanel, ini: Path
) -> None:
    told: list[str] = []
    panel.tell = told.append
    panel.bpm.setValue(7.0)
    prompts = _save_as(panel, "   ", BUILT_IN_NAMES[1].upper(), "custom", "Mine")
    assert len(told) == 3
    assert "type a name" in told[0]
    assert "built-in" in told[1]
    assert "choose another name" in told[2]
    # Each time the name is asked again, with what was typed.
    assert prompts == ["", "", BUILT_IN_NAMES[1].upper(), "custom"]
    assert [p.name for p in Settings(ini).patterns()] == ["Mine"]


def test_cancelling_saves_nothing(panel: PacingPanel, ini: Path) -> None:
    panel.bpm.setValue(7.0)
    _save_as(panel, None)
    assert Settings(ini).patterns() == []
    assert _names(panel) == [*BUILT_IN_NAMES, CUSTOM_NAME]


def test_a_name_already_saved_is_replaced_only_when_the_person_agrees(
    panel: PacingPanel, ini: Path
) -> None:
    panel.bpm.setValue(7.0)
    _save_as(panel, "Mine")
    panel.bpm.setValue(8.5)
    asked: list[str] = []

    def decline(name: str) -> bool:
        asked.append(name)
        return False

    panel.ask_replace_pattern = decline
    assert _save_as(panel, "MINE", "Mine too") == ["", "MINE"]
    assert asked == ["Mine"]
    assert [(p.name, p.bpm) for p in Settings(ini).patterns()] == [("Mine", 7.0),
                                                                   ("Mine too", 8.5)]
    panel.bpm.setValue(5.0)
    panel.ask_replace_pattern = lambda name: True
    _save_as(panel, "mine")
    # Replaced where it was, under its new spelling.
    assert [(p.name, p.bpm) for p in Settings(ini).patterns()] == [("mine", 5.0),
                                                                   ("Mine too", 8.5)]
    assert _names(panel) == [*BUILT_IN_NAMES, "mine", "Mine too"]
    assert panel.pattern.currentText() == "mine"


def test_saving_values_of_a_built_in_shows_the_new_name(panel: PacingPanel) -> None:
    _save_as(panel, "My usual")
    assert panel.pattern.currentText() == "My usual"
    assert panel.remove_pattern.isEnabled()


def test_removing_asks_first_and_never_touches_the_built_ins(
    qtbot: object, panel: PacingPanel, ini: Path
) -> None:
    panel.bpm.setValue(7.0)
    _save_as(panel, "Mine")
    emitted: list[Pacing] = []
    panel.pacing_changed.connect(emitted.append)
    panel.ask_remove_pattern = lambda name: False
    panel.remove_pattern.click()
    assert [p.name for p in Settings(ini).patterns()] == ["Mine"]

    asked: list[str] = []
    panel.ask_remove_pattern = lambda name: asked.append(name) is None
    panel.remove_pattern.click()
    assert asked == ["Mine"]
    assert Settings(ini).patterns() == []
    assert _names(panel) == [*BUILT_IN_NAMES, CUSTOM_NAME]
    # The breathing goes on as it was; only the name is gone.
    assert panel.pacing().bpm == 7.0 and emitted == []
    assert panel.pattern.currentText() == CUSTOM_NAME
    assert not panel.remove_pattern.isEnabled()

    _choose(panel, BUILT_IN_NAMES[0])
    panel.ask_remove_pattern = lambda name: pytest.fail("a built-in is never offered for removal")
    panel.remove_pattern.click()
    assert _names(panel) == BUILT_IN_NAMES


def test_a_damaged_saved_pattern_is_skipped(qtbot: object, ini: Path) -> None:
    ini.write_text(
        '[patterns]\njson="[{\\"name\\": \\"Kept\\", \\"bpm\\": 5.5}, '
        '{\\"name\\": \\"Broken\\", \\"bpm\\": 40}, 12, {\\"bpm\\": 6}]"\n',
        encoding="utf-8",
    )
    panel = _make_panel(qtbot, ini)
    assert _names(panel) == [*BUILT_IN_NAMES, "Kept"]
    ini.write_text("[patterns]\njson=[{not json\n", encoding="utf-8")
    assert _names(_make_panel(qtbot, ini)) == BUILT_IN_NAMES


def test_the_pattern_controls_come_first_in_the_tab_order(make_window: MakeWindow) -> None:
    window = make_window()
    panel = window.pacing_panel
    chain = panel.focus_chain()
    assert chain[:4] == [panel.pattern, panel.save_pattern, panel.remove_pattern, panel.bpm]
    assert panel.pattern.nextInFocusChain() is panel.save_pattern
    for widget in chain[:3]:
        assert widget.accessibleName() and widget.toolTip()


def _when_modal(act: Callable[[QWidget], None], failures: list[str]) -> None:
    """Run `act` on the dialog about to open; if it fails, close the dialog so the test goes on."""

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        try:
            assert dialog is not None, "no dialog opened"
            act(dialog)
        except AssertionError as error:
            failures.append(str(error))
            if isinstance(dialog, QDialog):
                dialog.reject()

    QTimer.singleShot(0, run)


def test_saving_and_removing_work_from_the_keyboard(panel: PacingPanel, ini: Path) -> None:
    panel.bpm.setValue(7.0)
    failures: list[str] = []

    def type_name(dialog: QWidget) -> None:
        assert isinstance(dialog, QInputDialog)
        field = dialog.findChild(QLineEdit)
        assert field is not None and field.accessibleName() == "Pattern name"
        # Patterns are shared on the computer: the question says so, so no client's name is used.
        assert SHARED_PATTERNS_NOTE in dialog.labelText()
        assert dialog.width() <= 640  # the note wraps instead of stretching the dialog
        # The dialog starts in its name field (offscreen no window is active, so no real focus).
        assert dialog.focusWidget() is field
        QTest.keyClicks(field, "Before bed")
        QTest.keyClick(field, Qt.Key.Key_Return)

    panel.save_pattern.setFocus()
    _when_modal(type_name, failures)
    QTest.keyClick(panel.save_pattern, Qt.Key.Key_Space)
    assert not failures
    assert [p.name for p in Settings(ini).patterns()] == ["Before bed"]
    assert panel.pattern.currentText() == "Before bed"

    def press_enter(box: QWidget) -> None:
        # Enter keeps the pattern: nothing is lost by a hasty key.
        assert isinstance(box, QMessageBox)
        assert box.defaultButton() is box.escapeButton()
        QTest.keyClick(box, Qt.Key.Key_Return)

    panel.remove_pattern.setFocus()
    _when_modal(press_enter, failures)
    QTest.keyClick(panel.remove_pattern, Qt.Key.Key_Space)
    assert not failures
    assert [p.name for p in Settings(ini).patterns()] == ["Before bed"]

    def choose_remove(box: QWidget) -> None:
        (button,) = [b for b in box.findChildren(QPushButton) if b.text() == "Remove"]
        button.setFocus()
        QTest.keyClick(button, Qt.Key.Key_Space)

    _when_modal(choose_remove, failures)
    QTest.keyClick(panel.remove_pattern, Qt.Key.Key_Space)
    assert not failures
    assert Settings(ini).patterns() == []
    # The now disabled button hands the keyboard to the pattern list instead of losing it.
    assert panel.focusWidget() is panel.pattern


def test_a_pattern_made_of_values_the_panel_cannot_show_is_never_claimed(qtbot: object,
                                                                         ini: Path) -> None:
    Settings(ini).set_patterns([Pattern("Odd", inhale_parts=1.5, exhale_parts=2.5)])
    panel = _make_panel(qtbot, ini)
    _choose(panel, "Odd")
    # 1:1.667 shows as 1 : 1.7 in the free ratio, so the values in effect are not "Odd".
    assert panel.pacing().exhale_parts == 1.7
    assert panel.pattern.currentText() == CUSTOM_NAME


def test_a_pattern_that_cannot_be_kept_is_not_listed_and_the_reason_is_said(
    panel: PacingPanel,
) -> None:
    from cft_desktop.errors import StoreError

    class FullDisk:
        note = "Kept somewhere that is full."

        def patterns(self) -> list[Pattern]:
            return []

        def set_patterns(self, patterns: list[Pattern]) -> None:
            raise StoreError("The disk is full.")

    panel.use_patterns(FullDisk())
    told: list[str] = []
    panel.tell = told.append
    panel.bpm.setValue(7.0)
    _save_as(panel, "Mine")
    assert told == ["The pattern could not be saved. The disk is full."]
    assert panel.own_patterns() == [] and panel.pattern.findText("Mine") < 0
    assert panel.pattern.currentText() == CUSTOM_NAME
