"""The side panel's "Display" box: the pacer's colour and the spoken words' caption, and the
`DisplayPrefs` of the whole window.

Owns those controls and the `DisplayPrefs` (theme, text size and motion included: those three are
ticked in the View menu, `ui.client.comfort`, and reach here through `set_display`), and reports a
change once through `on_changed`; a colour of the person's own shows as "Your own colour". GUI
thread only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QWidget,
)

from cft_desktop.ui.common.settings import DisplayPrefs
from cft_desktop.ui.common.theme import PACER_PRESETS
from cft_desktop.ui.panels.fields import form_label

CUSTOM_COLOUR = "Your own colour"


class DisplayControls:
    """The display fields, and the `DisplayPrefs` they show; `owner` is the panel (for dialogs)."""

    def __init__(self, display: DisplayPrefs, owner: QWidget, *,
                 on_changed: Callable[[DisplayPrefs], None]) -> None:
        self._display = display
        self._owner = owner
        self._on_changed = on_changed
        self._updating = False
        self.colour = QComboBox()
        for label, value in PACER_PRESETS:
            self.colour.addItem(label, value)
        self.colour.setAccessibleName("Pacer colour")
        self.colour.setToolTip(
            "Your compassionate colour: a colour you link with warmth and kindness, used for the "
            "breathing pacer."
        )
        self.choose_colour = QPushButton("Choose…")
        self.choose_colour.setAccessibleName("Choose your own pacer colour")
        self.choose_colour.setToolTip("Pick any colour for the breathing pacer.")
        self.show_caption = QCheckBox("Show the words")
        self.show_caption.setAccessibleName("Show the words")
        self.show_caption.setToolTip("Show or hide the words being spoken, under the pacer.")

    # -- construction ---------------------------------------------------------------------------

    def build_box(self) -> QGroupBox:
        display = QGroupBox("Display")
        form = QFormLayout(display)
        colour_row = QHBoxLayout()
        colour_row.setContentsMargins(0, 0, 0, 0)
        colour_row.addWidget(self.colour, 1)
        colour_row.addWidget(self.choose_colour)
        # Kept as an attribute: with a layout as the field, PySide does not take ownership of the
        # label and it would be garbage-collected (and vanish from the form).
        self._colour_label = form_label("Pacer colour", self.colour)
        # A short label: wrapping it lets the form squeeze it to nothing beside a stretching row.
        self._colour_label.setWordWrap(False)
        form.addRow(self._colour_label, colour_row)
        form.addRow(self.show_caption)
        return display

    def focus_chain(self) -> list[QWidget]:
        return [self.colour, self.choose_colour, self.show_caption]

    def connect_signals(self) -> None:
        self.colour.currentIndexChanged.connect(self._on_display_edited)
        self.show_caption.toggled.connect(self._on_display_edited)
        self.choose_colour.clicked.connect(self._on_choose_colour_clicked)

    # -- values ---------------------------------------------------------------------------------

    def display(self) -> DisplayPrefs:
        return self._display

    def load(self, display: DisplayPrefs) -> None:
        """Put `display` in the controls without reporting anything."""
        self._updating = True
        try:
            self._select_colour(display.pacer_colour)
            self.show_caption.setChecked(display.caption_visible)
        finally:
            self._updating = False

    def set_display(self, display: DisplayPrefs) -> None:
        """Take `display` as the window's (e.g. a View menu tick) and report it if it changed."""
        self.load(display)
        if display != self._display:
            self._display = display
            self._on_changed(display)

    def _select_colour(self, value: str) -> None:
        index = self.colour.findData(value)
        if index < 0:
            custom = self.colour.findText(CUSTOM_COLOUR)
            if custom < 0:
                self.colour.addItem(CUSTOM_COLOUR, value)
                custom = self.colour.count() - 1
            else:
                self.colour.setItemData(custom, value)
            index = custom
        self.colour.setCurrentIndex(index)

    # -- slots ----------------------------------------------------------------------------------

    def _on_display_edited(self, *_args: object) -> None:
        if self._updating:
            return
        display = self._display.with_changes(
            caption_visible=self.show_caption.isChecked(),
            pacer_colour=str(self.colour.currentData()),
        )
        if display != self._display:
            self._display = display
            self._on_changed(display)

    def _on_choose_colour_clicked(self) -> None:
        chosen = QColorDialog.getColor(QColor(self._display.pacer_colour), self._owner.window(),
                                       "Choose your compassionate colour")
        if chosen.isValid():
            self._select_colour(chosen.name())
