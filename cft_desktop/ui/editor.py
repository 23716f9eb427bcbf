"""The therapist's script editor, and the window's script actions (edit a copy, new, import, export).

Owns two things:

* `ScriptEditor`, a window for one script: cue highlighting, validation as you type (debounced)
  with each ``line: message`` underlined at its line and listed below, the estimated length at the
  window's pacing, "play from here" (the current text, even unsaved, from the phrase or cue at the
  cursor), undo/redo, atomic saving into the user's scripts folder only when the text is valid,
  a draft autosaved after a few idle seconds, an offer to restore a newer draft, and a question
  before unsaved changes are closed away;
* `ScriptEditing`, the glue between those editors and the main window: the "Scripts" menu (also the
  library's context menu), opening editors, importing and exporting ``.md`` files, reloading the
  library after a save or import, and asking every editor before the main window closes.

The rules on disk (ids, drafts, atomic writes, import checks) live in `core.user_scripts`; this
module only asks and shows. Questions go through `ask()` (a modal QMessageBox), notices through
`inform()` (non-blocking). GUI thread only.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer, Signal, Slot
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
from cft_desktop.core.library import Entry, Library
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Script, parse_text
from cft_desktop.errors import ScriptError, ScriptErrors
from cft_desktop.ui.messages import show_calm_message
from cft_desktop.ui.script_highlighter import ScriptHighlighter, problem_mark
from cft_desktop.ui.theme import LIGHT, Palette, palette_named

if TYPE_CHECKING:
    from cft_desktop.ui.main_window import MainWindow

APP_TITLE = "CFT Desktop"
VALIDATE_DELAY_MS = 300
DRAFT_IDLE_MS = 5000
MAX_LISTED_ERRORS = 20


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
    """Plain text with line numbers and problem lines marked (underline, tint, gutter mark)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.palette_ = LIGHT
        self.problem_lines: set[int] = set()
        self.gutter = _Gutter(self)
        self.blockCountChanged.connect(self._on_block_count_changed)
        self.updateRequest.connect(self._on_update_request)
        self._on_block_count_changed(0)

    def _mark_size(self) -> int:
        return max(8, self.fontMetrics().height() // 2)

    def gutter_width(self) -> int:
        digits = max(3, len(str(max(1, self.blockCount()))))
        return 4 + self._mark_size() + 4 + self.fontMetrics().horizontalAdvance("9") * digits + 8

    def set_palette(self, palette: Palette) -> None:
        self.palette_ = palette
        self.mark_problems(self.problem_lines)

    def mark_problems(self, lines: set[int]) -> None:
        """Underline and tint every (1-based) line in `lines`."""
        self.problem_lines = set(lines)
        mark = QColor(problem_mark(self.palette_))
        tint = QColor(self.palette_.banner)
        selections = []
        document = self.document()
        for line in sorted(lines):
            block = document.findBlockByNumber(line - 1)
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
        block = self.document().findBlockByNumber(max(0, line - 1))
        if not block.isValid():
            block = self.document().lastBlock()
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        self.centerCursor()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def cursor_line(self) -> int:
        return self.textCursor().blockNumber() + 1

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
                line = block.blockNumber() + 1
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
        self.errors: list[ScriptError] = []
        self.last_message: QMessageBox | None = None
        self._closing_confirmed = False
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._setup_ui(palette)
        self._setup_actions()
        self._connect_signals()
        self.text_edit.setPlainText(text)
        self.text_edit.document().setModified(False)
        self.text_edit.document().clearUndoRedoStacks()
        self._validate_timer.stop()
        self.draft_timer.stop()  # loading is not a change
        self.validate_now()
        self.resize(900, 720)

    # -- construction ---------------------------------------------------------------------------

    def _setup_ui(self, palette: Palette) -> None:
        self.save_button = self._button("Save", "Save to my library",
                                        "Save this practice to your library (Ctrl+S). Only a "
                                        "version without problems is saved.")
        self.save_button.setProperty("role", "primary")
        self.undo_button = self._button("Undo", "Undo", "Undo the last change (Ctrl+Z).")
        self.redo_button = self._button("Redo", "Redo",
                                        "Redo what was undone (Ctrl+Shift+Z or Ctrl+Y).")
        self.play_button = self._button("Play from here", "Play from here",
                                        "Play this text, even unsaved, from the phrase or cue "
                                        "at the cursor (F5 or Ctrl+Enter).")
        self.stop_button = self._button("Stop", "Stop playing", "Stop playing (Esc).")
        self.export_button = self._button("Export…", "Export script",
                                          "Save a copy of this text as a .md file to share with "
                                          "another therapist (Ctrl+Shift+E).")
        self.close_button = self._button("Close", "Close the editor",
                                         "Close the editor (Ctrl+W). You are asked before "
                                         "unsaved changes are closed away.")
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        for button in (self.save_button, self.undo_button, self.redo_button, self.play_button,
                       self.stop_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        self.text_edit = ScriptTextEdit()
        self.text_edit.setAccessibleName("Script text")
        self.text_edit.setToolTip(
            "The practice's script. Paragraphs are phrases; cues such as [pause 3], [breathe 4] "
            "and [bell] stand on their own line. Problems are underlined and listed below. "
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
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.statusBar().setSizeGripEnabled(False)

        chain: list[QWidget] = [self.text_edit, self.problems_list, self.save_button,
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
        self.redo_action = action("Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], self.text_edit.redo)
        self.play_action = action("Play from here", ["F5", "Ctrl+Return", "Ctrl+Enter"],
                                  self.play_from_here)
        self.stop_action = action("Stop", ["Esc"], self.stop_requested)
        self.export_action = action("Export…", ["Ctrl+Shift+E"], self.export_dialog)
        self.close_action = action("Close", ["Ctrl+W"], self.close)
        self.problems_action = action("Go to the problems", ["F8"], self.focus_problems)

    def _connect_signals(self) -> None:
        document = self.text_edit.document()
        document.contentsChanged.connect(self._on_document_contents_changed)
        document.modificationChanged.connect(self._on_document_modification_changed)
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
        """The text as saved: blocks joined by newlines, no-break spaces kept."""
        return self.text_edit.document().toRawText().replace("\u2029", "\n")

    def is_modified(self) -> bool:
        return self.text_edit.document().isModified()

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
            f"QPlainTextEdit:focus {{ border: 2px solid {p.focus}; }}"
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
        self.text_edit.document().setModified(False)
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
        """Replace the whole text as one undoable edit."""
        cursor = QTextCursor(self.text_edit.document())
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        self.validate_now()

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

    @Slot(bool)
    def _on_document_modification_changed(self, modified: bool) -> None:
        self.setWindowModified(modified)

    @Slot(QListWidgetItem)
    def _on_problems_item_activated(self, item: QListWidgetItem) -> None:
        line = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(line, int):
            self.text_edit.go_to_line(line)


# -- the main window's side ------------------------------------------------------------------------


class ScriptEditing(QObject):
    """The "Scripts" actions of the main window and the editors they open."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.editors: dict[str, ScriptEditor] = {}
        self.last_message: QMessageBox | None = None
        self._setup_actions()
        window.library_view.selected.connect(self._on_library_selected)
        window.pacing_panel.pacing_changed.connect(self._on_panel_pacing_changed)
        window.pacing_panel.display_changed.connect(self._on_panel_display_changed)
        window.installEventFilter(self)
        self._update_actions()

    @property
    def library(self) -> Library:
        return self.window.library

    @property
    def user_dir(self) -> Path:
        if self.library.user_dir is None:
            raise ValueError("the library has no folder for user scripts")
        return self.library.user_dir

    def _setup_actions(self) -> None:
        window = self.window

        def action(text: str, key: str, tip: str, slot: object) -> QAction:
            act = QAction(text, window)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.setToolTip(tip)
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            window.addAction(act)
            return act

        self.edit_copy_action = action(
            "Edit a &copy…", "Ctrl+E",
            "Open the chosen practice as your own copy to edit; the original stays as it is.",
            self.edit_copy)
        self.edit_action = action(
            "&Edit…", "Ctrl+Shift+E", "Edit the chosen practice, if it is one of yours.",
            self.edit_own)
        self.new_action = action("&New practice", "Ctrl+N",
                                 "Write a new practice from a short template.", self.new_practice)
        self.import_action = action("&Import script…", "Ctrl+I",
                                    "Add a practice from a .md script file, e.g. from another "
                                    "therapist. It is checked first.", self.import_dialog)
        self.export_action = action("E&xport script…", "Ctrl+Shift+S",
                                    "Save the chosen practice as a .md file to share.",
                                    self.export_dialog)
        actions = [self.edit_copy_action, self.edit_action, self.new_action, self.import_action,
                   self.export_action]
        menu = window.menuBar().addMenu("&Scripts")
        menu.setToolTipsVisible(True)
        menu.addActions(actions[:3])
        menu.addSeparator()
        menu.addActions(actions[3:])
        self.menu = menu
        library_list = window.library_view.list
        library_list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        library_list.addActions(actions)

    # -- opening editors ------------------------------------------------------------------------

    def _current(self) -> Entry | None:
        return self.window.library_view.current_entry()

    @Slot()
    def edit_copy(self) -> ScriptEditor | None:
        entry = self._current()
        if entry is None or entry.script is None:
            return None
        try:
            text = entry.path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.last_message = inform(self.window, f"{entry.path.name} could not be read.",
                                       str(exc))
            return None
        new_id = us.copy_id(entry.script.id, self.library)
        return self.open_editor(us.copy_text(text, new_id), new_id, None)

    @Slot()
    def edit_own(self) -> ScriptEditor | None:
        entry = self._current()
        if entry is None or entry.builtin:
            return None
        try:
            text = entry.path.read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            self.last_message = inform(self.window, f"{entry.path.name} could not be read.",
                                       str(exc))
            return None
        return self.open_editor(text, entry.id, entry.path)

    @Slot()
    def new_practice(self) -> ScriptEditor:
        script_id, text = us.new_script_text(self.library)
        return self.open_editor(text, script_id, None)

    def open_editor(self, text: str, key: str, own_path: Path | None) -> ScriptEditor:
        """An editor for `text` (or the one already open for `key`), shown, a draft offered."""
        existing = self.editors.get(key)
        if existing is not None:
            existing.show()
            existing.raise_()
            existing.activateWindow()
            return existing
        window = self.window
        editor = ScriptEditor(
            text, key, own_path, self.library, window.pacing_panel.pacing(),
            len(window.playback.assets.bell),
            palette_named(window.pacing_panel.display().theme), window,
        )
        self.editors[key] = editor
        editor.saved.connect(self._on_editor_saved)
        editor.play_requested.connect(self._on_editor_play_requested)
        editor.stop_requested.connect(window.stop)
        editor.closed.connect(self._on_editor_closed)
        editor.show()
        editor.offer_draft()
        editor.text_edit.setFocus()
        return editor

    # -- import and export ----------------------------------------------------------------------

    @Slot()
    def import_dialog(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self.window, "Import a script",
                                                    str(Path.home()), "Scripts (*.md)")
        if name:
            self.import_file(Path(name))

    def import_file(self, source: Path) -> Path | None:
        """Check and add a script file; a bad file is refused whole. Returns the new file."""
        try:
            found = us.check_import(source, self.library)
        except ScriptErrors as exc:
            lines = [f"{source.name}:{e.line}: {e.message}" for e in exc.errors]
            self.last_message = inform(
                self.window,
                f"{source.name} was not imported: it has {plural(len(lines), 'problem')}.",
                "Nothing was added to your library. Ask for a corrected file, or fix these lines "
                "and import it again:\n\n" + listed(lines),
                "\n".join(lines),
            )
            return None
        mode: us.ImportMode = "new"
        if found.clash is not None:
            what = us.clash_message(found.clash, found.script.id).split(" is already used by ")[-1]
            what = what.removesuffix("; choose another id")
            choices = ["Keep both", "Cancel"] if found.clash_is_builtin else [
                "Keep both", "Replace mine", "Cancel"]
            answer = ask(
                self.window,
                f"'{found.script.title}' has the id '{found.script.id}', already used by {what}.",
                choices,
                detail="Keep both adds the imported practice under a new id. "
                       + ("Built-in practices are never replaced." if found.clash_is_builtin
                          else "Replace mine overwrites your practice with the imported file."),
                default=0, cancel=len(choices) - 1,
            )
            if choices[answer] == "Cancel":
                return None
            mode = "keep-both" if choices[answer] == "Keep both" else "replace"
        try:
            target = us.install_import(found, self.library, mode)
        except (OSError, ScriptErrors) as exc:
            self.last_message = inform(self.window, f"{source.name} could not be imported.",
                                       str(exc))
            return None
        self.refresh_library(select=parse_text(target.read_text("utf-8"), target).id)
        return target

    @Slot()
    def export_dialog(self) -> None:
        entry = self._current()
        if entry is None or entry.script is None:
            return
        suggested = str(Path.home() / f"{entry.script.id}.md")
        name, _filter = QFileDialog.getSaveFileName(self.window, "Export script", suggested,
                                                    "Scripts (*.md)")
        if name:
            self.export_entry(entry, Path(name))

    def export_entry(self, entry: Entry, destination: Path) -> bool:
        if destination.suffix.lower() != ".md":
            destination = destination.with_name(destination.name + ".md")
        try:
            us.atomic_write_text(destination, entry.path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            self.last_message = inform(self.window, "The script could not be exported.", str(exc))
            return False
        return True

    # -- library --------------------------------------------------------------------------------

    def refresh_library(self, select: str | None = None) -> None:
        view = self.window.library_view
        current = self._current()
        keep = select or (current.id if current is not None and current.ok else None)
        self.library.reload()
        view.populate()
        if not (keep and view.select(keep)):
            view.select_first()
        view.relayout()
        self._update_actions()
        for editor in self.editors.values():
            editor.validate_now()

    def _update_actions(self) -> None:
        entry = self._current()
        self.edit_copy_action.setEnabled(entry is not None and entry.ok)
        self.export_action.setEnabled(entry is not None and entry.ok)
        self.edit_action.setEnabled(entry is not None and not entry.builtin)

    def close_editors(self) -> bool:
        """Close every editor (each asks about unsaved changes); False if one stays open."""
        for editor in list(self.editors.values()):
            if not editor.close():
                editor.raise_()
                editor.activateWindow()
                return False
        return True

    # -- slots and events -----------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        closing = watched is self.window and event.type() == QEvent.Type.Close
        if closing and not self.close_editors():
            event.ignore()
            return True
        return super().eventFilter(watched, event)

    @Slot(str)
    def _on_library_selected(self, _key: str) -> None:
        self._update_actions()

    @Slot(object)
    def _on_panel_pacing_changed(self, pacing: Pacing) -> None:
        for editor in self.editors.values():
            editor.set_pacing(pacing)

    @Slot(object)
    def _on_panel_display_changed(self, _prefs: object) -> None:
        palette = palette_named(self.window.pacing_panel.display().theme)
        for editor in self.editors.values():
            editor.set_palette(palette)

    @Slot(str, str)
    def _on_editor_saved(self, old_key: str, script_id: str) -> None:
        editor = self.editors.pop(old_key, None)
        if editor is not None:
            self.editors[script_id] = editor
        self.refresh_library(select=script_id)

    @Slot(object, int)
    def _on_editor_play_requested(self, script: Script, line: int) -> None:
        self.window.start_practice(script, from_line=line)

    @Slot(str)
    def _on_editor_closed(self, key: str) -> None:
        self.editors.pop(key, None)
