"""The small form above the script editor's text: a practice's title, kind, length and summary.

Owns the four fields and how a value in the script's front matter is shown in them and written
back: `show(header)` fills them from the front-matter text (without reporting a change), and an
edit made by the person reports `edited(key, value)`, the value already as it is written in YAML
terms by `core.user_scripts.set_front_matter_value` (minutes as "5" or "1.25"). The editor keeps the
front matter itself, so keys the form does not show (``id``, ``caution``, ``language``, ``ending``,
…) stay as they were. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from cft_desktop.core import user_scripts as us
from cft_desktop.core.script import KINDS

# The spin box's range: the parser takes any positive length; a practice is neither shorter than a
# quarter of a minute nor longer than a morning.
MIN_MINUTES = 0.25
MAX_MINUTES = 240.0
KIND_LABELS = {
    "breathing": "Breathing",
    "imagery": "Imagery",
    "psychoeducation": "Psychoeducation",
    "grounding": "Grounding",
}
FIELDS = ("title", "kind", "minutes", "summary")


def minutes_text(value: float) -> str:
    """'5' for a whole number of minutes, '1.25' otherwise (as a person would write it)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class MinutesBox(QDoubleSpinBox):
    """Minutes as a person writes them: "3 min", "1.25 min", never "3.00 min"."""

    def textFromValue(self, value: float) -> str:
        return minutes_text(round(value, self.decimals()))


class HeaderForm(QWidget):
    """Title, Kind, Minutes and Summary of the script being edited."""

    edited = Signal(str, str)
    # The person asks for the whole front matter in the text (True) or back in these fields.
    header_in_text_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        self.title.setToolTip("The practice's name, as the library lists it.")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind")
        self.kind.setToolTip("What sort of practice this is; the library groups practices by it.")
        for key in KINDS:
            self.kind.addItem(KIND_LABELS.get(key, key), key)
        self.minutes = MinutesBox()
        self.minutes.setAccessibleName("Minutes")
        self.minutes.setToolTip(
            f"About how many minutes the practice lasts, as the library shows it "
            f"({minutes_text(MIN_MINUTES)} to {minutes_text(MAX_MINUTES)}). The estimate below the "
            "text says how long it really takes at the chosen pacing.")
        self.minutes.setRange(MIN_MINUTES, MAX_MINUTES)
        self.minutes.setDecimals(2)
        self.minutes.setSingleStep(1.0)
        self.minutes.setSuffix(" min")
        self.summary = QLineEdit()
        self.summary.setAccessibleName("Summary")
        self.summary.setToolTip("One or two sentences that help a client choose this practice.")
        self.in_text = QCheckBox("Edit the whole header as text")
        self.in_text.setAccessibleName("Edit the whole header as text")
        self.in_text.setToolTip(
            "Show the header (the lines between the two '---' lines) at the top of the text, to "
            "change what these fields do not show, such as the caution, 'ending: sleep' or the "
            "language. Untick it to use the fields again.")
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setProperty("role", "muted")
        self.note.hide()

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(8)
        layout.setVerticalSpacing(6)
        for column, (text, field) in enumerate(
                (("Title", self.title), ("Kind", self.kind), ("Minutes", self.minutes))):
            label = QLabel(text)
            label.setBuddy(field)
            layout.addWidget(label, 0, 2 * column)
            layout.addWidget(field, 0, 2 * column + 1)
        summary_label = QLabel("Summary")
        summary_label.setBuddy(self.summary)
        layout.addWidget(summary_label, 1, 0)
        layout.addWidget(self.summary, 1, 1, 1, 5)
        layout.addWidget(self.in_text, 2, 1, 1, 5)
        layout.addWidget(self.note, 3, 1, 1, 5)
        layout.setColumnStretch(1, 1)  # the title takes the room; kind and minutes their own
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

        self.title.textEdited.connect(lambda text: self.edited.emit("title", text))
        self.summary.textEdited.connect(lambda text: self.edited.emit("summary", text))
        self.kind.activated.connect(self._on_kind_activated)
        self.in_text.toggled.connect(self.header_in_text_toggled)
        self.minutes.valueChanged.connect(self._on_minutes_changed)
        self._showing = False

    def fields(self) -> dict[str, QWidget]:
        return {"title": self.title, "kind": self.kind, "minutes": self.minutes,
                "summary": self.summary}

    def show_header(self, header: str | None, unreadable: bool = False) -> None:
        """Fill the fields from front-matter text; None: it is in the text instead, because the
        person asked for that or, `unreadable`, because it cannot be taken apart."""
        self._showing = True
        try:
            editable = header is not None
            for field in self.fields().values():
                field.setEnabled(editable)
            self.in_text.blockSignals(True)
            self.in_text.setChecked(not editable)
            self.in_text.blockSignals(False)
            self.note.setVisible(not editable)
            self.note.setText(
                "" if editable else
                "The header at the top of the text could not be read, so it is shown in the "
                "text: fix it there (it starts and ends with a line of three dashes), save, and "
                "these fields come back." if unreadable else
                "The header is at the top of the text, between the two lines of three dashes. "
                "Untick the box to use these fields again.")
            if header is None:
                return
            title = us.front_matter_value(header, "title")
            summary = us.front_matter_value(header, "summary")
            kind = us.front_matter_value(header, "kind")
            minutes = us.front_matter_value(header, "minutes")
            text = title if isinstance(title, str) else ""
            if self.title.text() != text:
                self.title.setText(text)
            text = summary.strip() if isinstance(summary, str) else ""
            if self.summary.text() != text:
                self.summary.setText(text)
            # A kind that is not one of the allowed ones shows as no choice (the problem list says
            # why), rather than as a choice the file does not make.
            self.kind.setCurrentIndex(self.kind.findData(kind) if isinstance(kind, str) else -1)
            if isinstance(minutes, int | float) and not isinstance(minutes, bool):
                self.minutes.setValue(float(minutes))
        finally:
            self._showing = False

    def mark_problems(self, keys: set[str]) -> None:
        """Mark the fields whose values have a problem (the list below the text says which)."""
        for key, field in self.fields().items():
            problem = key in keys
            if bool(field.property("problem")) != problem:
                field.setProperty("problem", problem)
                field.style().unpolish(field)
                field.style().polish(field)

    @Slot(int)
    def _on_kind_activated(self, index: int) -> None:
        key = self.kind.itemData(index)
        if isinstance(key, str):
            self.edited.emit("kind", key)

    @Slot(float)
    def _on_minutes_changed(self, value: float) -> None:
        if not self._showing:
            self.edited.emit("minutes", minutes_text(value))
