"""The side panel's named breathing patterns: the pattern list and its Save and Remove buttons.

Owns choosing, saving and removing named patterns (`core.patterns`); the person's own are kept on
a `PatternShelf` (`SharedPatterns`: the settings file, or in therapist mode the active client's
settings in the ratings store). The list never names a pattern that is not in effect: any other
values show as "Custom". The questions it asks (`ask_pattern_name`, `ask_replace_pattern`,
`ask_remove_pattern`, `tell`) are replaceable, so tests can answer for the person. A chosen
pattern goes to the pace through `set_pacing`. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.patterns import (
    BUILT_IN_PATTERNS,
    CUSTOM_NAME,
    NAME_MAX_CHARS,
    Pattern,
    clean_name,
    matching_pattern,
    reserved_name,
    same_name,
)
from cft_desktop.errors import CftError
from cft_desktop.ui.common.settings import Settings
from cft_desktop.ui.panels.fields import form_label

# Wide enough for the built-in names; a long saved name is cut short in the closed list (the open
# list shows it whole) rather than widening the side panel.
PATTERN_NAME_CHARS = 14
PATTERNS_TITLE = "Breathing patterns"
NAME_DIALOG_CHARS = 52  # the name dialog's width, in average characters of its text
SHARED_PATTERNS_NOTE = ("Everyone who uses CFT Desktop on this computer sees the saved patterns, so "
                        "name it by how it breathes (such as \u201cSlow evening\u201d), not by "
                        "who it is for.")


class PatternShelf(Protocol):
    """Where the person's own patterns are kept, and what the name question says about that."""

    @property
    def note(self) -> str: ...

    def patterns(self) -> list[Pattern]: ...

    def set_patterns(self, patterns: list[Pattern]) -> None:
        """Keep `patterns`; raises CftError (plain words) if they could not be kept."""


class SharedPatterns:
    """The computer's patterns, in the settings file: for a client's own laptop, or while the
    ratings store (where a therapist's clients keep theirs) is locked or off."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.note = SHARED_PATTERNS_NOTE

    def patterns(self) -> list[Pattern]:
        return self.settings.patterns()

    def set_patterns(self, patterns: list[Pattern]) -> None:
        self.settings.set_patterns(patterns)
        self.settings.sync()  # at once: a saved pattern survives even if the app is killed


class PatternControls:
    """The pattern list and buttons; `owner` is the panel (for dialogs and the focus).

    `pacing` gives the pacing in effect, `set_pacing` applies a chosen pattern's, and `busy` is
    true while the pace's fields are being set from code (a list change then is no choice).
    """

    def __init__(self, shared: SharedPatterns, owner: QWidget, *, pacing: Callable[[], Pacing],
                 set_pacing: Callable[[Pacing], None], busy: Callable[[], bool]) -> None:
        self._owner = owner
        self._pacing = pacing
        self._set_pacing = set_pacing
        self._busy = busy
        self._showing_pattern = False
        self._shared = shared
        self._shelf: PatternShelf = self._shared
        self._own_patterns = self._shelf.patterns()
        # Replaceable (tests answer for the person); each returns None or False for "cancel".
        self.ask_pattern_name: Callable[[str], str | None] = self._ask_pattern_name
        self.ask_replace_pattern: Callable[[str], bool] = self._ask_replace_pattern
        self.ask_remove_pattern: Callable[[str], bool] = self._ask_remove_pattern
        self.tell: Callable[[str], None] = self._tell
        self.pattern = QComboBox()
        self.pattern.setAccessibleName("Breathing pattern")
        self.pattern.setToolTip(
            "A named set of breathing values: how many breaths a minute, how long the out-breath "
            "is, any rests and gradual slowing. Choosing one changes the breathing at once; the "
            "pauses and the voice stay as they are. \"Custom\" means your own values, not saved."
        )
        self.pattern.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.pattern.setMinimumContentsLength(PATTERN_NAME_CHARS)
        self.save_pattern = QPushButton("Save as pattern…")
        self.save_pattern.setAccessibleName("Save as pattern")
        self.save_pattern.setToolTip(
            "Keep the breathing values you have now under a name of your own, to choose again "
            "later."
        )
        self.remove_pattern = QPushButton("Remove")
        self.remove_pattern.setAccessibleName("Remove this pattern")
        self.remove_pattern.setToolTip(
            "Remove the chosen pattern of your own (you will be asked first). The built-in "
            "patterns cannot be removed."
        )

    # -- construction ---------------------------------------------------------------------------

    def add_rows(self, form: QFormLayout) -> None:
        """The patterns' rows, at the top of the "Breathing" box."""
        form.addRow(form_label("Pattern", self.pattern), self.pattern)
        self._pattern_buttons = QHBoxLayout()
        self._pattern_buttons.setContentsMargins(0, 0, 0, 0)
        self._pattern_buttons.addStretch(1)
        self._pattern_buttons.addWidget(self.save_pattern)
        self._pattern_buttons.addWidget(self.remove_pattern)
        form.addRow(self._pattern_buttons)

    def set_buttons_above(self, above: bool) -> None:
        # Side by side, large buttons would be the widest thing in the panel.
        self._pattern_buttons.setDirection(QHBoxLayout.Direction.TopToBottom if above
                                           else QHBoxLayout.Direction.LeftToRight)

    def focus_chain(self) -> list[QWidget]:
        return [self.pattern, self.save_pattern, self.remove_pattern]

    def connect_signals(self) -> None:
        self.pattern.currentIndexChanged.connect(self._on_pattern_chosen)
        self.save_pattern.clicked.connect(self._on_save_pattern_clicked)
        self.remove_pattern.clicked.connect(self._on_remove_pattern_clicked)

    # -- patterns -------------------------------------------------------------------------------

    @property
    def shelf(self) -> PatternShelf:
        return self._shelf

    def own_patterns(self) -> list[Pattern]:
        """The person's saved patterns, in the order they were saved."""
        return list(self._own_patterns)

    def fill_patterns(self) -> None:
        """List the built-in patterns, then the person's own (no "Custom" yet)."""
        self._showing_pattern = True
        try:
            self.pattern.clear()
            for group in (BUILT_IN_PATTERNS, self._own_patterns):
                if group and self.pattern.count():
                    self.pattern.insertSeparator(self.pattern.count())
                for pattern in group:
                    self.pattern.addItem(pattern.name, pattern)
                    self.pattern.setItemData(self.pattern.count() - 1, pattern.describe(),
                                             Qt.ItemDataRole.ToolTipRole)
        finally:
            self._showing_pattern = False

    def selected_pattern(self) -> Pattern | None:
        data = self.pattern.currentData()
        return data if isinstance(data, Pattern) else None

    def show_pattern(self, preferred: Pattern | None) -> None:
        """Show `preferred` if it is in effect, else the first pattern that is, else "Custom"."""
        listed = (*BUILT_IN_PATTERNS, *self._own_patterns)
        if preferred is not None and preferred in listed and preferred.matches(self._pacing()):
            shown: Pattern | None = preferred
        else:
            shown = matching_pattern(self._pacing(), listed)
        custom = self.pattern.findText(CUSTOM_NAME, Qt.MatchFlag.MatchExactly)
        self._showing_pattern = True
        try:
            if shown is None:
                if custom < 0:
                    self.pattern.addItem(CUSTOM_NAME, None)
                    custom = self.pattern.count() - 1
                    self.pattern.setItemData(
                        custom, "Your own breathing values, not saved as a pattern.",
                        Qt.ItemDataRole.ToolTipRole)
                self.pattern.setCurrentIndex(custom)
            else:
                self.pattern.setCurrentIndex(
                    next(i for i in range(self.pattern.count())
                         if self.pattern.itemData(i) == shown))
                if custom >= 0:
                    # Only offered while it is true: choosing it would change nothing.
                    self.pattern.removeItem(custom)
        finally:
            self._showing_pattern = False
        self.remove_pattern.setEnabled(shown is not None and shown in self._own_patterns)

    def show_selected(self) -> None:
        """Keep showing the chosen pattern if it is still in effect, else the one that is."""
        self.show_pattern(self.selected_pattern())

    def use_patterns(self, shelf: PatternShelf | None) -> None:
        """List the own patterns kept on `shelf` (None: the computer's shared ones) instead.

        The breathing values stay as they are; the list shows the pattern they match, if any.
        """
        self._shelf = shelf if shelf is not None else self._shared
        self._own_patterns = self._shelf.patterns()
        self.fill_patterns()
        self.show_pattern(None)

    def _store_own_patterns(self, patterns: list[Pattern]) -> bool:
        """Keep `patterns` as the own ones; False (and said why) if they could not be kept."""
        try:
            self._shelf.set_patterns(patterns)
        except CftError as exc:
            self.tell(f"The pattern could not be saved. {exc}")
            return False
        self._own_patterns = patterns
        return True

    # -- slots ----------------------------------------------------------------------------------

    def _on_pattern_chosen(self, _index: int) -> None:
        if self._showing_pattern or self._busy():
            return
        pattern = self.selected_pattern()
        if pattern is None:
            return
        self._set_pacing(pattern.apply_to(self._pacing()))
        self.show_pattern(pattern)

    def _on_save_pattern_clicked(self) -> None:
        text = ""
        while True:
            answer = self.ask_pattern_name(text)
            if answer is None:
                return
            name = clean_name(answer)
            if not name:
                self.tell("Please type a name for the pattern.")
                continue
            text = name
            if same_name(name, CUSTOM_NAME):
                self.tell(f"\u201c{CUSTOM_NAME}\u201d is what the list shows for values that "
                          "are not saved. Please choose another name.")
                continue
            if reserved_name(name):
                self.tell(f"\u201c{name}\u201d is one of the built-in patterns. Please choose "
                          "another name.")
                continue
            existing = next((p for p in self._own_patterns if same_name(p.name, name)), None)
            if existing is not None and not self.ask_replace_pattern(existing.name):
                continue
            break
        pattern = Pattern.from_pacing(name, self._pacing())
        patterns = list(self._own_patterns)
        if existing is not None:
            patterns[patterns.index(existing)] = pattern
        else:
            patterns.append(pattern)
        if not self._store_own_patterns(patterns):
            return
        self.fill_patterns()
        self.show_pattern(pattern)

    def _on_remove_pattern_clicked(self) -> None:
        pattern = self.selected_pattern()
        if pattern is None or pattern not in self._own_patterns:
            return
        if not self.ask_remove_pattern(pattern.name):
            return
        # The window's focus widget, not hasFocus(): the question box has only just closed.
        had_focus = self._owner.window().focusWidget() is self.remove_pattern
        if not self._store_own_patterns([p for p in self._own_patterns if p != pattern]):
            return
        self.fill_patterns()
        self.show_pattern(None)
        if had_focus:
            # The button is now disabled; without this the keyboard focus would be lost.
            self.pattern.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the questions --------------------------------------------------------------------------

    def _ask_pattern_name(self, text: str) -> str | None:
        dialog = QInputDialog(self._owner.window())
        dialog.setWindowTitle("Save as pattern")
        # The note says who will see the pattern: on a shared laptop a pattern named after a
        # person would otherwise show that name to everyone else.
        dialog.setLabelText(self._shelf.note + "\n\nA name for the breathing values you have now:")
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setTextValue(text)
        dialog.setOkButtonText("Save")
        dialog.setCancelButtonText("Cancel")
        label = dialog.findChild(QLabel)
        if label is not None:  # wrapped, or the note would stretch the dialog across the screen
            label.setWordWrap(True)
            label.setMinimumWidth(label.fontMetrics().averageCharWidth() * NAME_DIALOG_CHARS)
        field = dialog.findChild(QLineEdit)
        if field is not None:
            field.setAccessibleName("Pattern name")
            field.setToolTip(f"Any name you will recognise, up to {NAME_MAX_CHARS} letters.")
            field.setMaxLength(NAME_MAX_CHARS)
        accepted = dialog.exec() == QInputDialog.DialogCode.Accepted
        value = dialog.textValue()
        dialog.deleteLater()
        return value if accepted else None

    def _ask_replace_pattern(self, name: str) -> bool:
        return self._ask_yes(f"You already have a pattern called \u201c{name}\u201d. Replace "
                             "it with the breathing values you have now?", "Replace", "Keep it")

    def _ask_remove_pattern(self, name: str) -> bool:
        return self._ask_yes(f"Remove your pattern \u201c{name}\u201d? The breathing stays as it "
                             "is now.", "Remove", "Keep it")

    def _ask_yes(self, question: str, yes: str, no: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, PATTERNS_TITLE, question,
                          QMessageBox.StandardButton.NoButton, self._owner.window())
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no_button)  # Enter keeps what is there; nothing is lost by accident
        box.setEscapeButton(no_button)
        box.exec()
        chosen = box.clickedButton() is yes_button
        box.deleteLater()
        return chosen

    def _tell(self, message: str) -> None:
        QMessageBox.information(self._owner.window(), PATTERNS_TITLE, message)
