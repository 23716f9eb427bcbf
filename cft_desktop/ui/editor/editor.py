"""The therapist's script editor: `ScriptEditor`, a window for one script.

Owns the form for the front matter (title, kind, minutes, summary; `ui.editor.header_form`) with
  the front matter kept out of the text view and composed back in front of it, cue highlighting,
  validation as you type (debounced) with each ``line: message`` underlined at its line (lines
  counted as in the file) and listed below, the estimated length at the window's pacing, "play
  from here" (the current text, even unsaved, from the phrase or cue at the cursor; while it
  plays, a "Playing from line N…" note and a live Stop button), undo/redo, atomic saving into the
  user's scripts folder only when the text is valid, a draft autosaved after a few idle seconds,
  an offer to restore a newer draft, and a question before unsaved changes are closed away. The
  window's "Scripts" menu that opens editors lives in `ui.scripts.actions`.

The rules on disk (ids, drafts, atomic writes, import checks) live in `core.user_scripts`; this
module only asks and shows. Questions go through `ask()` (a modal QMessageBox), notices through
`inform()` (non-blocking). GUI thread only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QFont,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.core import user_scripts as us
from cft_desktop.core.library import Library
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Script, parse_text
from cft_desktop.errors import ScriptError, ScriptErrors
from cft_desktop.ui.common.conventions import key_text
from cft_desktop.ui.common.messages import show_calm_message
from cft_desktop.ui.common.states import PAUSED, PLAYING, PREPARING
from cft_desktop.ui.common.theme import LIGHT, Palette
from cft_desktop.ui.editor.header_form import FIELDS, HeaderForm
from cft_desktop.ui.editor.highlighter import ScriptHighlighter, problem_mark

if TYPE_CHECKING:
    pass

APP_TITLE = "CFT Desktop"
VALIDATE_DELAY_MS = 300
DRAFT_IDLE_MS = 5000
MAX_LISTED_ERRORS = 20
# Bound once and named once, so the tool tips say the keys that really work ("Ctrl" is ⌘ on macOS).
REDO_KEYS = ("Ctrl+Shift+Z", "Ctrl+Y")
PLAY_KEYS = ("F5", "Ctrl+Return", "Ctrl+Enter")
EXPORT_KEY = "Ctrl+Shift+E"
CLOSE_KEY = "Ctrl+W"


# -- dialogs ---------------------------------------------------------------------------------------


def ask(
    parent: QWidget | None,
    text: str,
    choices: Sequence[str],
    detail: str = "",
    default: int = 0,
    cancel: int | None = None,
) -> int:
    """A modal question; returns the index of the chosen button (`cancel` for Esc or closing).

    Tests may replace this function, or answer the real dialog (`QApplication.activeModalWidget()`).
    """
    box = QMessageBox(parent)
    box.setWindowTitle(APP_TITLE)
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(text)
    if detail:
        box.setInformativeText(detail)
    buttons = []
    for index, label in enumerate(choices):
        role = (QMessageBox.ButtonRole.RejectRole if index == cancel
                else QMessageBox.ButtonRole.AcceptRole if index == default
                else QMessageBox.ButtonRole.DestructiveRole)
        button = box.addButton(label, role)
        button.setAccessibleName(label)
        button.setToolTip(label)
        buttons.append(button)
    box.setDefaultButton(buttons[default])
    if cancel is not None:
        box.setEscapeButton(buttons[cancel])
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    for index, button in enumerate(buttons):
        if button is clicked:
            return index
    return cancel if cancel is not None else default


def inform(parent: QWidget | None, text: str, detail: str = "", full: str = "") -> QMessageBox:
    """A non-blocking notice in plain words; `full` goes under "Show Details…" (e.g. all errors)."""
    return show_calm_message(parent, text, detail, full)


def listed(lines: Sequence[str]) -> str:
    shown = list(lines[:MAX_LISTED_ERRORS])
    if len(lines) > len(shown):
        shown.append(f"… and {len(lines) - len(shown)} more")
    return "\n".join(shown)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# -- the text area ---------------------------------------------------------------------------------


class _Gutter(QWidget):
    """Line numbers beside the text; a line with a problem gets a mark and a bold number."""

    def __init__(self, editor: ScriptTextEdit) -> None:
        super().__init__(editor)
        self._editor = editor
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def sizeHint(self) -> QSize:
        return QSize(self._editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._editor.paint_gutter(self, event)


class ScriptTextEdit(QPlainTextEdit):
    """Plain text with line numbers and problem lines marked (underline, tint, gutter mark).

    Lines are named as in the file: with the front matter kept out of the text (the form above
    shows it), `line_offset` is its number of lines, so the numbers beside the text, the problems
    and "play from here" agree with the saved file and with ``validate``.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.palette_ = LIGHT
        self.line_offset = 0
        self.problem_lines: set[int] = set()
        self.gutter = _Gutter(self)
        self.blockCountChanged.connect(self._on_block_count_changed)
        self.updateRequest.connect(self._on_update_request)
        self._on_block_count_changed(0)

    def _mark_size(self) -> int:
        return max(8, self.fontMetrics().height() // 2)

    def gutter_width(self) -> int:
        digits = max(3, len(str(max(1, self.blockCount() + self.line_offset))))
        return 4 + self._mark_size() + 4 + self.fontMetrics().horizontalAdvance("9") * digits + 8

    def set_palette(self, palette: Palette) -> None:
        self.palette_ = palette
        self.mark_problems(self.problem_lines)

    def set_line_offset(self, offset: int) -> None:
        if offset != self.line_offset:
            self.line_offset = offset
            self._on_block_count_changed(0)
            self.mark_problems(self.problem_lines)

    def mark_problems(self, lines: set[int]) -> None:
        """Underline and tint every (1-based) line in `lines`."""
        self.problem_lines = set(lines)
        mark = QColor(problem_mark(self.palette_))
        tint = QColor(self.palette_.banner)
        selections = []
        document = self.document()
        for line in sorted(lines):
            if line - 1 - self.line_offset < 0:
                continue  # in the front matter, which the form shows
            block = document.findBlockByNumber(line - 1 - self.line_offset)
            if not block.isValid():
                continue
            whole = QTextEdit.ExtraSelection()
            whole.format.setBackground(tint)
            whole.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            whole.cursor = QTextCursor(block)
            selections.append(whole)
            if block.length() > 1:
                underline = QTextEdit.ExtraSelection()
                underline.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                underline.format.setUnderlineColor(mark)
                underline.format.setForeground(mark)  # at least 4.5:1 on the tint (tested)
                cursor = QTextCursor(block)
                cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock,
                                    QTextCursor.MoveMode.KeepAnchor)
                underline.cursor = cursor
                selections.append(underline)
        self.setExtraSelections(selections)
        self.gutter.update()

    def go_to_line(self, line: int) -> None:
        block = self.document().findBlockByNumber(max(0, line - 1 - self.line_offset))
        if not block.isValid():
            block = self.document().lastBlock()
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        self.centerCursor()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def cursor_line(self) -> int:
        return self.textCursor().blockNumber() + 1 + self.line_offset

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        rect = self.contentsRect()
        self.gutter.setGeometry(QRect(rect.left(), rect.top(), self.gutter_width(), rect.height()))

    def paint_gutter(self, gutter: QWidget, event: QPaintEvent) -> None:
        p = self.palette_
        painter = QPainter(gutter)
        painter.fillRect(event.rect(), QColor(p.window))
        mark = QColor(problem_mark(p))
        normal = QFont(self.font())
        bold = QFont(self.font())
        bold.setWeight(QFont.Weight.Bold)
        height = self.fontMetrics().height()
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                line = block.blockNumber() + 1 + self.line_offset
                problem = line in self.problem_lines
                painter.setFont(bold if problem else normal)
                painter.setPen(mark if problem else QColor(p.muted_text))
                painter.drawText(0, top, gutter.width() - 8, height,
                                 int(Qt.AlignmentFlag.AlignRight), str(line))
                if problem:
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(mark)
                    size = self._mark_size()
                    painter.drawEllipse(4, top + (height - size) // 2, size, size)
            block = block.next()
            top = bottom
        painter.end()

    def _on_block_count_changed(self, _count: int) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())


# -- the editor window -----------------------------------------------------------------------------


class ScriptEditor(QMainWindow):
    """One script being edited. `saved(old key, id)` after a save (the key follows the id);
    `play_requested(script, line)` asks the window to play `script` from the phrase or cue on
    `line`; `closed(key)` once it closed."""

    saved = Signal(str, str)
    play_requested = Signal(object, int)
    stop_requested = Signal()
    closed = Signal(str)

    def __init__(
        self,
        text: str,
        key: str,
        own_path: Path | None,
        library: Library,
        pacing: Pacing,
        bell_frames: int,
        palette: Palette = LIGHT,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        if library.user_dir is None:
            raise ValueError("the library has no folder for user scripts")
        self.user_dir: Path = library.user_dir
        self.library = library
        self.key = key
        self.own_path = own_path
        self.pacing = pacing
        self.bell_frames = bell_frames
        self.script: Script | None = None  # the text parsed, when it parses
        # The front matter, kept out of the text view and edited through the form; None when it
        # cannot be taken apart (then it stays in the text, where its problem can be fixed).
        self.header: str | None = None
        self._saved_header: str | None = None
        self._header_in_text_chosen = False  # the person asked to edit the header as text
        self.errors: list[ScriptError] = []
        self.last_message: QMessageBox | None = None
        self._closing_confirmed = False
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._setup_ui(palette)
        self._setup_actions()
        self._connect_signals()
        self.text_edit.setPlainText(self._take_header(text))
        self._saved_header = self.header
        self.text_edit.document().setModified(False)
        self.text_edit.document().clearUndoRedoStacks()
        self._validate_timer.stop()
        self.draft_timer.stop()  # loading is not a change
        self.validate_now()
        self.resize(900, 720)

    # -- construction ---------------------------------------------------------------------------

    def _setup_ui(self, palette: Palette) -> None:
        keys = QKeySequence.StandardKey
        self.save_button = self._button("Save", "Save to my library",
                                        "Save this practice to your library "
                                        f"({key_text(keys.Save)}). Only a version without "
                                        "problems is saved.")
        self.save_button.setProperty("role", "primary")
        self.undo_button = self._button("Undo", "Undo",
                                        f"Undo the last change ({key_text(keys.Undo)}).")
        self.redo_button = self._button("Redo", "Redo",
                                        f"Redo what was undone ({key_text(*REDO_KEYS)}).")
        self.play_button = self._button("Play from here", "Play from here",
                                        "Play this text, even unsaved, from the phrase or cue "
                                        f"at the cursor ({key_text(PLAY_KEYS[0], PLAY_KEYS[2])}).")
        self.stop_button = self._button("Stop", "Stop playing", "Stop playing (Esc).")
        self.stop_button.setEnabled(False)  # until this editor's "Play from here" plays
        # Says that this editor's text is playing, and from where: the main window, where the
        # practice is heard and seen, is often behind the editor.
        self.play_status = QLabel("")
        self.play_status.setAccessibleName("Playing")
        self.play_status.setProperty("role", "muted")
        self.play_status.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.play_status.hide()
        self.export_button = self._button("Export…", "Export script",
                                          "Save a copy of this text as a .md file to share with "
                                          f"another therapist ({key_text(EXPORT_KEY)}).")
        self.close_button = self._button("Close", "Close the editor",
                                         f"Close the editor ({key_text(CLOSE_KEY)}). You are asked before "
                                         "unsaved changes are closed away.")
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        for button in (self.save_button, self.undo_button, self.redo_button, self.play_button,
                       self.stop_button, self.export_button):
            buttons.addWidget(button)
        buttons.addWidget(self.play_status)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        self.header_form = HeaderForm()
        self.header_form.edited.connect(self._on_form_edited)
        self.header_form.header_in_text_toggled.connect(self._on_header_in_text_toggled)

        self.text_edit = ScriptTextEdit()
        self.text_edit.setAccessibleName("Script text")
        self.text_edit.setToolTip(
            "The practice's script. Paragraphs are phrases; cues such as [pause 3], [breathe 4] "
            "and [bell] stand on their own line, with [in] and [out] lines under a [breathe]. "
            "For people who choose no breath work, put a breath-free version between "
            "[with breath work], [without breath work] and [end]; ending: sleep in the header "
            "(Edit the whole header as text) ends in silence and dims the screen. Problems are "
            "underlined and listed below. "
            "Tab moves to the next control."
        )
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.highlighter = ScriptHighlighter(self.text_edit.document(), palette)
        self.text_edit.set_palette(palette)
        self._style(palette)

        self.estimate_label = QLabel("")
        self.estimate_label.setAccessibleName("Estimated length")
        self.estimate_label.setToolTip(
            "How long the practice takes at the pacing chosen in the main window, with the "
            "voice's speed estimated from the words."
        )
        self.estimate_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems_label = QLabel("Problems")
        self.problems_label.setProperty("role", "muted")
        self.problems_list = QListWidget()
        self.problems_list.setAccessibleName("Problems")
        self.problems_list.setToolTip(
            "Problems found in the script, each with its line. Press Enter on one to go to that "
            "line (F8 comes here from the text)."
        )
        self.problems_label.setBuddy(self.problems_list)
        self.problems_list.setMinimumHeight(90)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.setSpacing(4)
        lower_layout.addWidget(self.estimate_label)
        lower_layout.addWidget(self.problems_label)
        lower_layout.addWidget(self.problems_list, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.text_edit)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([520, 170])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 12, 12, 8)
        layout.setSpacing(8)
        layout.addLayout(buttons)
        layout.addWidget(self.header_form)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.statusBar().setSizeGripEnabled(False)

        form = self.header_form
        chain: list[QWidget] = [form.title, form.kind, form.minutes, form.summary,
                                form.in_text, self.text_edit, self.problems_list, self.save_button,
                                self.undo_button, self.redo_button, self.play_button,
                                self.stop_button, self.export_button, self.close_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(VALIDATE_DELAY_MS)
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_IDLE_MS)

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        return button

    def _setup_actions(self) -> None:
        def action(text: str, keys: Sequence[QKeySequence | str], slot: object) -> QAction:
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.save_action = action("Save", [QKeySequence.StandardKey.Save], self.save)
        self.undo_action = action("Undo", [QKeySequence.StandardKey.Undo], self.text_edit.undo)
        self.redo_action = action("Redo", list(REDO_KEYS), self.text_edit.redo)
        self.play_action = action("Play from here", list(PLAY_KEYS),
                                  self.play_from_here)
        self.stop_action = action("Stop", ["Esc"], self.stop_requested)
        self.export_action = action("Export…", [EXPORT_KEY], self.export_dialog)
        self.close_action = action("Close", [CLOSE_KEY], self.close)
        self.problems_action = action("Go to the problems", ["F8"], self.focus_problems)

    def _connect_signals(self) -> None:
        document = self.text_edit.document()
        document.contentsChanged.connect(self._on_document_contents_changed)
        document.modificationChanged.connect(self._update_modified)
        self.text_edit.undoAvailable.connect(self.undo_button.setEnabled)
        self.text_edit.redoAvailable.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.undo_button.clicked.connect(self.text_edit.undo)
        self.redo_button.clicked.connect(self.text_edit.redo)
        self.play_button.clicked.connect(self.play_from_here)
        self.stop_button.clicked.connect(self.stop_requested)
        self.export_button.clicked.connect(self.export_dialog)
        self.close_button.clicked.connect(self.close)
        self.problems_list.itemActivated.connect(self._on_problems_item_activated)
        self.problems_list.itemClicked.connect(self._on_problems_item_activated)
        self._validate_timer.timeout.connect(self.validate_now)
        self.draft_timer.timeout.connect(self.write_draft)

    # -- reading --------------------------------------------------------------------------------

    def text(self) -> str:
        """The text as saved: the front matter, then the blocks joined by newlines, no-break
        spaces kept."""
        return (self.header or "") + self.text_edit.document().toRawText().replace("\u2029", "\n")

    def is_modified(self) -> bool:
        return self.text_edit.document().isModified() or self.header != self._saved_header

    def _take_header(self, text: str) -> str:
        """Keep `text`'s front matter for the form; returns what the text view shows."""
        parts = None if self._header_in_text_chosen else us.split_front_matter(text)
        self.header, body = parts if parts is not None else (None, text)
        self.header_form.show_header(self.header, unreadable=not self._header_in_text_chosen)
        self.text_edit.set_line_offset(self.header.count("\n") if self.header else 0)
        return body

    def header_key_at(self, line: int, message: str = "") -> str | None:
        """The form field a problem on (file) `line` belongs to, if it is in the front matter."""
        if self.header is None or line > self.text_edit.line_offset:
            return None
        lines = self.header.split("\n")
        for key in FIELDS:
            if line == 1 and f"'{key}'" in message:
                return key  # a missing key is reported on the opening line
            if 1 < line <= len(lines) and re.match(rf"^{key}\s*:", lines[line - 1]):
                return key
        return None

    def problem_texts(self) -> list[str]:
        """What the problems list shows, in order (for tests and the screen reader)."""
        return [self.problems_list.item(r).text() for r in range(self.problems_list.count())
                if self.problems_list.item(r).data(Qt.ItemDataRole.UserRole) is not None]

    def title(self) -> str:
        if self.script is not None:
            return self.script.title
        value = us.front_matter_value(self.text(), "title")
        return value if isinstance(value, str) and value else self.key

    # -- validation and estimate ----------------------------------------------------------------

    def set_pacing(self, pacing: Pacing) -> None:
        self.pacing = pacing
        self.validate_now()

    def set_palette(self, palette: Palette) -> None:
        self.highlighter.set_palette(palette)
        self.text_edit.set_palette(palette)
        self._style(palette)

    def _style(self, p: Palette) -> None:
        # The application style sheet has no rule for plain text areas: give this one the same
        # soft frame and visible focus ring as the lists.
        self.setStyleSheet(
            f"QPlainTextEdit {{ background: {p.surface}; border: 1px solid {p.border}; "
            f"border-radius: 6px; }}\n"
            f"QPlainTextEdit:focus {{ border: 2px solid {p.focus}; }}\n"
            # A form field whose value has a problem: framed in the mark that the text's problem
            # lines carry (3:1 on the window, tested with the highlighter's colours).
            f"QLineEdit[problem=\"true\"], QComboBox[problem=\"true\"], "
            f"QDoubleSpinBox[problem=\"true\"] {{ border: 2px solid {problem_mark(p)}; "
            f"border-radius: 4px; }}"
        )

    @Slot()
    def validate_now(self) -> None:
        self._validate_timer.stop()
        text = self.text()
        errors: list[ScriptError] = []
        script: Script | None = None
        try:
            script = parse_text(text, self.own_path or self.user_dir / f"{self.key}.md")
        except ScriptErrors as exc:
            errors = list(exc.errors)
        if script is not None:
            try:
                us.check(text, self.library, self.own_path)
            except ScriptErrors as exc:
                errors = list(exc.errors)
        self.script = script
        self.errors = errors
        warnings: list[tuple[int, str]] = []
        if script is not None:
            timeline = us.estimate_timeline(script, self.pacing, self.bell_frames)
            self.estimate_label.setText(
                f"{us.duration_text(timeline.duration_s)} at {us.pacing_text(self.pacing)}"
            )
            warnings = [(w.line, f"warning: {w.message} (estimated)") for w in timeline.warnings]
        else:
            self.estimate_label.setText("No length estimate until the problems below are fixed")
        self._show_problems(errors, warnings)
        self.text_edit.mark_problems({e.line for e in errors})
        self.header_form.mark_problems(
            {key for e in errors if (key := self.header_key_at(e.line, e.message)) is not None})
        self.play_button.setEnabled(script is not None)
        self.setWindowTitle(f"{self.title()}: script editor[*]")

    def _show_problems(self, errors: list[ScriptError], warnings: list[tuple[int, str]]) -> None:
        self.problems_list.clear()
        rows = sorted([(e.line, e.message) for e in errors]) + sorted(warnings)
        for line, message in rows:
            item = QListWidgetItem(f"{line}: {message}")
            item.setData(Qt.ItemDataRole.UserRole, line)
            item.setToolTip(f"Line {line}: {message}. Press Enter to go there.")
            self.problems_list.addItem(item)
        if not rows:
            item = QListWidgetItem("No problems found.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.problems_list.addItem(item)
        summary = (plural(len(errors), "problem") if errors else "No problems") + (
            f", {plural(len(warnings), 'warning')}" if warnings else "")
        hint = ": select one to go to its line" if rows else ""
        self.problems_label.setText(f"{summary}{hint}")
        self.problems_list.setAccessibleDescription(summary)

    def focus_problems(self) -> None:
        if self.problems_list.currentRow() < 0 and self.problem_texts():
            self.problems_list.setCurrentRow(0)
        self.problems_list.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- actions --------------------------------------------------------------------------------

    @Slot()
    def play_from_here(self) -> None:
        self.validate_now()
        if self.script is None:
            self.last_message = inform(
                self, "This text cannot be played yet.",
                "Fix the problems listed below the text first; each names its line.",
            )
            self.focus_problems()
            return
        self.play_requested.emit(self.script, self.text_edit.cursor_line())

    def show_playing(self, state: str, line: int) -> None:
        """Show how the text asked for by "Play from here" (from `line`) is doing: preparing,
        playing, paused, or, when `state` is "idle", nothing playing any more."""
        texts = {
            PREPARING: f"Getting ready to play from line {line}…",
            PLAYING: f"Playing from line {line}…",
            PAUSED: f"Paused (played from line {line})",
        }
        text = texts.get(state, "")
        self.play_status.setText(text)
        self.play_status.setVisible(bool(text))
        self.play_status.setAccessibleDescription(text)
        self.stop_button.setEnabled(bool(text))
        self.play_button.setAccessibleDescription(text)
        self.play_button.setProperty("playing", bool(text))
        self.stop_button.setProperty("role", "primary" if text else None)
        for button in (self.play_button, self.stop_button):
            button.style().unpolish(button)
            button.style().polish(button)

    @Slot()
    def save(self) -> bool:
        """Save into the library when the text is valid; otherwise say so and keep a draft."""
        self.validate_now()
        text = self.text()
        try:
            path = us.save(text, self.library, self.own_path)
        except ScriptErrors as exc:
            self.write_draft(force=True)
            lines = [f"{e.line}: {e.message}" for e in exc.errors]
            self.last_message = inform(
                self, f"Not saved: this version has {plural(len(lines), 'problem')}.",
                "Your library keeps the last good version, and your changes are kept as a draft. "
                "Fix the lines listed below the text, then save again.\n\n" + listed(lines),
            )
            self.focus_problems()
            return False
        except OSError as exc:
            self.write_draft(force=True)
            self.last_message = inform(
                self, "The practice could not be saved.",
                f"{exc.strerror or exc}. Your changes are kept as a draft; check the folder "
                f"{self.user_dir} and try again.",
            )
            return False
        script = parse_text(text, path)
        old_key = self.key
        us.remove_draft(self.user_dir, old_key)
        self.key = script.id
        us.remove_draft(self.user_dir, self.key)
        self.own_path = path
        if self.header is None:
            self._adopt_header()
        self._saved_header = self.header
        self.text_edit.document().setModified(False)
        self._update_modified()
        self.draft_timer.stop()
        self.statusBar().showMessage(f"Saved to your library as {path.name}", 8000)
        self.validate_now()
        self.saved.emit(old_key, script.id)
        return True

    @Slot()
    def write_draft(self, force: bool = False) -> None:
        """Keep unsaved text safe (atomic write); a document back at its saved text has none."""
        if not (force or self.is_modified()):
            us.remove_draft(self.user_dir, self.key)
            return
        try:
            us.write_draft(self.user_dir, self.key, self.text())
        except OSError as exc:
            self.statusBar().showMessage(f"The draft could not be kept: {exc.strerror or exc}")
            return
        self.statusBar().showMessage("Draft kept", 4000)

    def offer_draft(self) -> bool:
        """Offer a draft newer than the saved text; True when it was restored."""
        draft = us.pending_draft(self.user_dir, self.key, self.own_path, self.text())
        if draft is None:
            return False
        answer = ask(
            self, f"There are unsaved changes to '{self.title()}' from earlier.",
            ["Restore the changes", "Discard them"],
            detail="They were kept as a draft when the editor last closed unexpectedly or "
                   "without saving. Restore them to carry on where you left off.",
            default=0, cancel=None,
        )
        if answer == 0:
            self.replace_text(draft)
            return True
        us.remove_draft(self.user_dir, self.key)
        return False

    def replace_text(self, text: str) -> None:
        """Replace the whole text; the part below the front matter as one undoable edit (the
        front matter goes to the form)."""
        body = self._take_header(text)
        cursor = QTextCursor(self.text_edit.document())
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(body)
        self.validate_now()
        self._update_modified()

    def _adopt_header(self) -> None:
        """A front matter fixed by hand in the text leaves it for the form (after a save, when it
        is known to be good), unless the person chose to edit it as text."""
        if not self._header_in_text_chosen:
            self.set_header_in_text(False)

    def set_header_in_text(self, in_text: bool) -> bool:
        """Move the front matter into the text (to edit all of it by hand) or back to the form;
        False when it cannot go back yet (it does not read as a header). The cursor stays on its
        line and unsaved changes stay unsaved."""
        document = self.text_edit.document()
        if in_text == (self.header is None):
            self._header_in_text_chosen = in_text
            self.header_form.show_header(self.header, unreadable=not in_text)
            return True
        if not in_text and us.split_front_matter(self.text()) is None:
            self.header_form.show_header(None, unreadable=self._header_in_text_chosen)
            return False
        was_modified = self.is_modified()
        line = self.text_edit.cursor_line()
        full = self.text()
        self._header_in_text_chosen = in_text
        body = self._take_header(full)
        # Not an edit to undo: undoing it would put the front matter in twice, or lose it.
        self.text_edit.setPlainText(body)
        document.clearUndoRedoStacks()
        if not was_modified:
            self._saved_header = self.header
            self.draft_timer.stop()
        document.setModified(was_modified)
        self.text_edit.go_to_line(line)
        self.validate_now()
        self._update_modified()
        return True

    def take_saved_text(self, text: str) -> None:
        """The file behind this editor was replaced (an import): show it as the saved version.

        One undoable edit, so the previous text is a Ctrl+Z away; no draft is left behind.
        """
        self.replace_text(text)
        self._saved_header = self.header
        self.text_edit.document().setModified(False)
        self._update_modified()
        self.draft_timer.stop()
        us.remove_draft(self.user_dir, self.key)
        self.statusBar().showMessage("Replaced by the imported file", 8000)

    @Slot()
    def export_dialog(self) -> None:
        suggested = str(Path.home() / f"{self.script.id if self.script else self.key}.md")
        name, _filter = QFileDialog.getSaveFileName(self, "Export script", suggested,
                                                    "Scripts (*.md)")
        if name:
            self.export_to(Path(name))

    def export_to(self, destination: Path) -> bool:
        """Write the text (only a valid one) to `destination` atomically."""
        self.validate_now()
        if self.script is None:
            lines = [f"{e.line}: {e.message}" for e in self.errors]
            self.last_message = inform(
                self, "Not exported: this version has problems.",
                "A shared script must open cleanly for the other therapist. Fix these first:\n\n"
                + listed(lines),
            )
            return False
        if destination.suffix.lower() != ".md":
            destination = destination.with_name(destination.name + ".md")
        try:
            us.export(self.text(), destination)
        except OSError as exc:
            self.last_message = inform(self, "The script could not be exported.",
                                       f"{exc.strerror or exc}: {destination}")
            return False
        self.statusBar().showMessage(f"Exported to {destination}", 8000)
        return True

    # -- Qt events ------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_modified() and not self._closing_confirmed:
            answer = ask(
                self, f"Save the changes to '{self.title()}' before closing?",
                ["Save", "Discard", "Cancel"],
                detail="If you discard them, they are gone for good.",
                default=0, cancel=2,
            )
            if answer == 2 or (answer == 0 and not self.save()):
                event.ignore()
                return
            if answer == 1:
                us.remove_draft(self.user_dir, self.key)
        self._closing_confirmed = True
        self._validate_timer.stop()
        self.draft_timer.stop()
        self.closed.emit(self.key)
        super().closeEvent(event)

    # -- slots ----------------------------------------------------------------------------------

    @Slot()
    def _on_document_contents_changed(self) -> None:
        self._validate_timer.start()
        self.draft_timer.start()

    @Slot()
    def _update_modified(self) -> None:
        self.setWindowModified(self.is_modified())

    @Slot(bool)
    def _on_header_in_text_toggled(self, in_text: bool) -> None:
        if not self.set_header_in_text(in_text):
            self.statusBar().showMessage(
                "The header cannot go back to the fields yet: it needs a line of three dashes "
                "above and below it, with 'key: value' lines between. The problems list says "
                "where.", 10000)

    @Slot(str, str)
    def _on_form_edited(self, key: str, value: str) -> None:
        if self.header is None:
            return
        self.header = us.set_front_matter_value(self.header, key, value, raw=key == "minutes")
        self.text_edit.set_line_offset(self.header.count("\n"))
        self._update_modified()
        self._validate_timer.start()
        self.draft_timer.start()

    @Slot(QListWidgetItem)
    def _on_problems_item_activated(self, item: QListWidgetItem) -> None:
        line = item.data(Qt.ItemDataRole.UserRole)
        if not isinstance(line, int):
            return
        if self.header is not None and line <= self.text_edit.line_offset:
            key = self.header_key_at(line, item.text())
            if key is not None:
                self.header_form.fields()[key].setFocus(Qt.FocusReason.OtherFocusReason)
            else:
                self.statusBar().showMessage(
                    f"Line {line} is in the script's header, in a part the fields above do not "
                    "show: tick 'Edit the whole header as text' to change it.", 10000)
                self.header_form.in_text.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.text_edit.go_to_line(line)
