"""First-run consent, topic by topic, with a separate opt-in for each (CLINICAL.md §7).

Owns the consent form: each topic of `CONSENT_TOPICS` (with the real data folder filled in) and
its own tick box. Ratings are asked and kept only if "What is stored and where" is ticked
(`RATINGS_TOPIC`); without it practices still play and nothing about them is stored. The form is
shown once per profile before its first rating (the controller records the version and the
ticked topics with `record_consent`) and can be reviewed and changed later from the Ratings menu.
It only emits `decided(frozenset[str])` or `dismissed`. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.core.ratings import CONSENT_TOPICS, CONSENT_VERSION, ConsentRecord
from cft_desktop.ui.common.screen_fit import scrolling
from cft_desktop.ui.records.views.common import named, outline_boxes, text_label

# Storing ratings needs this topic; the others are acknowledgements shown with their own box.
RATINGS_TOPIC = "what_is_stored"

OPT_IN_LABELS: dict[str, str] = {
    "practices": "I understand what the practices involve",
    "breathing_safety": "I will breathe gently and go back to ordinary breathing if I need to",
    "not_crisis_service": "I understand this app is not a crisis service",
    "what_is_stored": "Yes, keep my before-and-after ratings on this computer",
    "who_can_see": "I understand who can see what is stored",
    "how_to_delete": "I know how to delete what is stored",
}
REVIEW_INTRO = (
    "These are the choices you made, section by section. Change any tick box and save; ratings "
    "are only asked and kept while the box under “What is stored and where” is ticked. Ratings "
    "already kept stay until you erase them."
)
CONSENT_INTRO = (
    "Please read these six short sections before your first practice. Each has its own tick box. "
    "Practices play whatever you choose; ratings are only asked and kept if you tick the box under "
    "“What is stored and where”. You can look at this again, and change your mind, from the "
    "Ratings menu."
)


def ratings_allowed(record: ConsentRecord | None) -> bool:
    """True if the current consent text was accepted with the ratings opt-in ticked."""
    return (
        record is not None
        and record.version == CONSENT_VERSION
        and RATINGS_TOPIC in record.accepted_topics
    )


def consent_needed(record: ConsentRecord | None) -> bool:
    """True if this profile has not yet answered the current consent text."""
    return record is None or record.version != CONSENT_VERSION


def _lay_out_sections(dialog: QDialog, title: str, intro: str, body: QWidget, button: QPushButton,
                      *, min_width: int, width_chars: int, height_lines: int) -> None:
    """Title, intro, the sections in `body` scrolling, and `button` bottom right; sized to the
    text and kept inside the screen. Shared by the consent and the first-run information."""
    body.layout().addStretch(1)  # type: ignore[union-attr]
    scroll = scrolling(body)
    button.setProperty("role", "primary")
    button.setDefault(True)
    footer = QHBoxLayout()
    footer.addStretch(1)
    footer.addWidget(button)
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(22, 18, 22, 18)
    layout.setSpacing(10)
    layout.addWidget(text_label(title, "title"))
    layout.addWidget(text_label(intro, "muted"))
    layout.addWidget(scroll, 1)
    layout.addLayout(footer)
    outline_boxes(dialog)
    metrics = QFontMetrics(dialog.font())
    # The screen rule (common.screen_fit) keeps it inside the screen.
    dialog.resize(max(min_width, metrics.averageCharWidth() * width_chars),
                  metrics.lineSpacing() * height_lines)


class ConsentDialog(QDialog):
    decided = Signal(object)  # frozenset[str]: the topics ticked
    dismissed = Signal()

    def __init__(
        self,
        data_dir: Path,
        accepted: Iterable[str] = (),
        reviewing: bool = False,
        pseudonym: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("consent")
        self.setWindowTitle("About your ratings and privacy")
        self.setModal(True)
        self._done = False
        ticked = set(accepted)

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(4, 4, 12, 4)
        body_layout.setSpacing(12)
        self.boxes: dict[str, QCheckBox] = {}
        for topic in CONSENT_TOPICS:
            group = QGroupBox(topic.title)
            group.setAccessibleName(topic.title)
            inner = QVBoxLayout(group)
            text = topic.text.replace("{data_dir}", str(data_dir))
            inner.addWidget(text_label(text, selectable=True, name=topic.title))
            box = named(QCheckBox(OPT_IN_LABELS.get(topic.topic_id, "I have read this")),
                        OPT_IN_LABELS.get(topic.topic_id, topic.title),
                        f"Your own choice about “{topic.title}”.")
            box.setChecked(topic.topic_id in ticked)
            inner.addWidget(box)
            self.boxes[topic.topic_id] = box
            body_layout.addWidget(group)
        title = "Your ratings and privacy" if reviewing else "Before you begin"
        if pseudonym:
            title += f" ({pseudonym})"
        self.save = named(QPushButton("Save my choices"), "Save my choices",
                          "Keep these choices. You can change them later from the Ratings menu.")
        _lay_out_sections(self, title, REVIEW_INTRO if reviewing else CONSENT_INTRO, body,
                          self.save, min_width=820, width_chars=100, height_lines=46)
        self.save.clicked.connect(self._on_save)

    def accepted_topics(self) -> frozenset[str]:
        return frozenset(topic for topic, box in self.boxes.items() if box.isChecked())

    def _on_save(self) -> None:
        self._done = True
        self.accept()
        self.decided.emit(self.accepted_topics())

    def reject(self) -> None:
        super().reject()
        if not self._done:
            self._done = True
            self.dismissed.emit()

    def close_silently(self) -> None:
        self._done = True
        super().reject()


# What everyone reads at first run even when no ratings can be kept (the store locked or not
# usable): what the practices involve, breathing gently, and that this is not a crisis service.
INFO_TOPICS = ("practices", "breathing_safety", "not_crisis_service")
INFO_TITLE = "Before you begin"
INFO_INTRO = (
    "Please read these three short sections before your first practice. Ratings cannot be kept "
    "just now, so nothing about your practices is stored. After an imagery practice you are "
    "still asked, in a few words, how you are, so that support can be offered."
)


class FirstRunInfoDialog(QDialog):
    """The first-run information when no ratings can be kept: read, then "I have read this"."""

    read = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first-run-info")
        self.setWindowTitle(INFO_TITLE)
        self.setModal(True)
        self._done = False
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(4, 4, 12, 4)
        body_layout.setSpacing(12)
        self.sections: dict[str, QGroupBox] = {}
        for topic in CONSENT_TOPICS:
            if topic.topic_id not in INFO_TOPICS:
                continue
            group = QGroupBox(topic.title)
            group.setAccessibleName(topic.title)
            inner = QVBoxLayout(group)
            inner.addWidget(text_label(topic.text, selectable=True, name=topic.title))
            self.sections[topic.topic_id] = group
            body_layout.addWidget(group)
        self.done_button = named(QPushButton("I have read this"), "I have read this",
                                 "Go on to the practices. Help → Crisis resources… lists the "
                                 "numbers at any time.")
        _lay_out_sections(self, INFO_TITLE, INFO_INTRO, body, self.done_button,
                          min_width=760, width_chars=90, height_lines=40)
        self.done_button.clicked.connect(self._on_read)

    def _on_read(self) -> None:
        self._done = True
        self.accept()
        self.read.emit()

    def reject(self) -> None:
        super().reject()
        if not self._done:
            self._done = True
            self.dismissed.emit()

    def close_silently(self) -> None:
        self._done = True
        super().reject()
