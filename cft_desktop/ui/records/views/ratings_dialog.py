"""The before and after rating forms: 0–100 sliders with no preset position, a choice, a note.

Owns how the questions are asked (CLINICAL.md §5): every item of the phase, in the wording of the
profile's item set; a slider shows no handle and no value until the person places it (click, drag,
or any arrow/Home/End/Page key); each item can be skipped on its own; "Continue" stays disabled
until every item is placed or skipped, and Enter presses it. "Skip rating this time" leaves the
whole form (the controller stores every item as skipped, so the practice is still recorded).
Escape closes the form: before a practice that means "not now" (nothing plays, nothing is
stored); after one it counts as skipping this time.

The form only emits intents (`submitted`, `skipped_all`, `dismissed`); `records_controller`
stores the answers. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.core.ratings import (
    SCALE_MAX,
    SCALE_MIN,
    TEXT_MAX_CHARS,
    Answer,
    ItemKind,
    Phase,
    RatingItem,
)
from cft_desktop.ui.common.screen_fit import scrolling
from cft_desktop.ui.common.theme import Palette
from cft_desktop.ui.records.views.common import active_theme, named, outline_boxes, text_label

NOT_PLACED = "Not placed yet"
SKIPPED = "Skipped"

BEFORE_TITLE = "Before you begin"
BEFORE_INTRO = (
    "A few quick questions, about 45 seconds. There are no right or wrong answers: place each "
    "slider wherever feels true right now, or skip any you would rather not answer."
)
AFTER_TITLE = "How was that?"
AFTER_INTRO = (
    "The same few questions again, and two about the practice. Answer as it is for you now; "
    "any answer is fine, and you can skip any of them."
)
STOPPED_EARLY_NOTE = "You stopped part-way through, and that is completely fine."
REMAINING_TEXT = "Place or skip each question to continue ({n} left)."
READY_TEXT = "Thank you. Press {button} when you are ready."
SKIP_ALL_TIP = (
    "Don't rate this practice. It is still noted that you did it, with every answer marked as "
    "skipped."
)


class RatingSlider(QSlider):
    """A 0–100 slider with no preset position: no handle is drawn until it is placed.

    Mouse: a click or drag places it there. Keyboard: the first arrow or Page key places it at
    the end it points to (→ ↑ Page Up at 100, ← ↓ Page Down at 0; then it moves as usual), Home/End
    place it at 0/100. A value in the middle is never chosen for the person. The wheel is ignored so that
    scrolling the form never places a slider by accident. `placed_changed` tells the form.
    """

    placed_changed = Signal(bool)

    _MOVE_KEYS = frozenset({
        Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
        Qt.Key.Key_PageUp, Qt.Key.Key_PageDown,
    })

    def __init__(self, item: RatingItem, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.item = item
        self._placed = False
        self._dragging = False
        self.setRange(SCALE_MIN, SCALE_MAX)
        self.setSingleStep(1)
        self.setPageStep(10)
        self.setValue((SCALE_MIN + SCALE_MAX) // 2)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        named(self, item.wording,
              f"{item.wording} 0 means “{item.low_label}”, 100 means “{item.high_label}”. "
              "Click or drag to place it, or use the arrow keys (Home = 0, End = 100).")
        self.valueChanged.connect(self._describe)
        self._describe()

    # -- state ----------------------------------------------------------------------------------

    def placed(self) -> bool:
        return self._placed

    def answer_value(self) -> int | None:
        return self.value() if self._placed else None

    def place(self, value: int) -> None:
        was = self._placed
        self._placed = True
        self.setValue(max(SCALE_MIN, min(SCALE_MAX, value)))
        self._describe()
        self.update()
        if not was:
            self.placed_changed.emit(True)

    def _describe(self) -> None:
        if self._placed:
            self.setAccessibleDescription(f"{self.value()} out of 100")
        else:
            self.setAccessibleDescription(f"{NOT_PLACED}. Use the arrow keys to place it.")

    # -- input ----------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.isEnabled() and not self._placed:
            if key == Qt.Key.Key_Home:
                self.place(SCALE_MIN)
                event.accept()
                return
            if key == Qt.Key.Key_End:
                self.place(SCALE_MAX)
                event.accept()
                return
            if key in self._MOVE_KEYS:
                # Never a value the person did not choose (a first arrow used to put it at 50,
                # nudging the answer): the end the arrow points to, from where they move it.
                up = key in (Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_PageUp)
                self.place(SCALE_MAX if up else SCALE_MIN)
                event.accept()
                return
        super().keyPressEvent(event)
        if self._placed:
            self._describe()

    def _track(self) -> tuple[float, float]:
        margin = self._radius() + 3.0
        return margin, max(margin + 1.0, self.width() - margin)

    def _radius(self) -> float:
        return max(9.0, QFontMetrics(self.font()).height() * 0.55)

    def value_at(self, x: float) -> int:
        left, right = self._track()
        share = (x - left) / (right - left)
        return round(SCALE_MIN + max(0.0, min(1.0, share)) * (SCALE_MAX - SCALE_MIN))

    def x_of(self, value: int) -> float:
        left, right = self._track()
        return left + (right - left) * (value - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.isEnabled():
            event.ignore()
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._dragging = True
        self.place(self.value_at(event.position().x()))
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self.setValue(self.value_at(event.position().x()))
            event.accept()
        else:
            event.ignore()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging = False
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()

    # -- drawing --------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(320, round(self._radius() * 2 + 12))

    def minimumSizeHint(self) -> QSize:
        return QSize(160, round(self._radius() * 2 + 12))

    def paintEvent(self, _event: QPaintEvent) -> None:
        theme: Palette = active_theme()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        mid = self.height() / 2
        left, right = self._track()
        enabled = self.isEnabled()
        if self.hasFocus():
            painter.setPen(QPen(QColor(theme.focus), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(1, 1, self.width() - 2, self.height() - 2), 8, 8)
        track = QColor(theme.control_outline if enabled else theme.border)
        painter.setPen(QPen(track, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(left, mid), QPointF(right, mid))
        painter.setPen(QPen(track, 1.5))
        for tick in (0, 25, 50, 75, 100):
            x = self.x_of(tick)
            painter.drawLine(QPointF(x, mid - 5), QPointF(x, mid + 5))
        if self._placed and enabled:
            radius = self._radius()
            centre = QPointF(self.x_of(self.value()), mid)
            painter.setPen(QPen(QColor(theme.surface), 2))
            painter.setBrush(QColor(theme.accent))
            painter.drawEllipse(centre, radius, radius)
        painter.end()


# Columns of the form's grid, so every slider lines up with the others.
_LOW, _CONTROL, _HIGH, _VALUE, _SKIP = range(5)


class _ItemRow:
    """One question in the form's grid: its wording on a line of its own, then its control with
    (for scales and choices) a Skip box. `on_change` is called whenever its answer may change."""

    def __init__(self, item: RatingItem) -> None:
        self.item = item
        self.on_change: Callable[[], None] = lambda: None
        self.question = text_label(item.wording, name=item.wording)
        font = self.question.font()
        font.setBold(True)
        self.question.setFont(font)
        # Wraps to the form's width instead of widening the columns under it.
        self.question.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.skip = named(QCheckBox("Skip"), f"Skip: {item.wording}",
                          "Leave this question out. That is fine; you can always skip.")
        self.skip.toggled.connect(self._on_skip_toggled)

    def add_to(self, grid: QGridLayout, row: int) -> int:
        """Place the widgets from grid row `row`; returns the next free row."""
        grid.addWidget(self.question, row, _LOW, 1, _SKIP + 1)
        return self._add_control(grid, row + 1) + 1

    def _add_control(self, grid: QGridLayout, row: int) -> int:
        raise NotImplementedError

    def answer(self) -> Answer | None:
        """The answer, a skip, or None while the question is still open."""
        raise NotImplementedError

    def focus_chain(self) -> list[QWidget]:
        raise NotImplementedError

    def _on_skip_toggled(self, skipped: bool) -> None:
        self._set_skipped(skipped)
        self.on_change()

    def _set_skipped(self, skipped: bool) -> None:
        raise NotImplementedError


def _end_label(text: str, align: Qt.AlignmentFlag) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "muted")
    label.setAccessibleName(text)
    label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    return label


class ScaleRow(_ItemRow):
    """A 0–100 question: "low words 0 |——————| 100 high words", its value, and Skip."""

    def __init__(self, item: RatingItem) -> None:
        super().__init__(item)
        self.slider = RatingSlider(item)
        self.value = QLabel(NOT_PLACED)
        self.value.setProperty("role", "muted")
        self.value.setAccessibleName(f"Value: {item.wording}")
        width = QFontMetrics(self.value.font()).horizontalAdvance(NOT_PLACED + "  ")
        self.value.setMinimumWidth(width)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.low = _end_label(f"{item.low_label}  0", Qt.AlignmentFlag.AlignRight)
        self.high = _end_label(f"100  {item.high_label}", Qt.AlignmentFlag.AlignLeft)
        self.slider.placed_changed.connect(self._on_placed)
        self.slider.valueChanged.connect(self._show_value)

    def _add_control(self, grid: QGridLayout, row: int) -> int:
        grid.addWidget(self.low, row, _LOW)
        grid.addWidget(self.slider, row, _CONTROL)
        grid.addWidget(self.high, row, _HIGH)
        grid.addWidget(self.value, row, _VALUE)
        grid.addWidget(self.skip, row, _SKIP)
        return row

    def _on_placed(self, _placed: bool) -> None:
        self._show_value()
        self.on_change()

    def _show_value(self) -> None:
        if self.skip.isChecked():
            self.value.setText(SKIPPED)
        elif self.slider.placed():
            self.value.setText(str(self.slider.value()))
        else:
            self.value.setText(NOT_PLACED)

    def _set_skipped(self, skipped: bool) -> None:
        self.slider.setEnabled(not skipped)
        self._show_value()

    def answer(self) -> Answer | None:
        if self.skip.isChecked():
            return self.item.skip()
        value = self.slider.answer_value()
        return None if value is None else self.item.answer(value)

    def focus_chain(self) -> list[QWidget]:
        return [self.slider, self.skip]


class ChoiceRow(_ItemRow):
    def __init__(self, item: RatingItem) -> None:
        super().__init__(item)
        self.box = QWidget()
        self.group = QButtonGroup(self.box)
        self.group.setExclusive(True)
        self.buttons: list[QRadioButton] = []
        line = QHBoxLayout(self.box)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(24)
        for choice in item.choices:
            button = named(QRadioButton(choice.capitalize()),
                           f"{item.wording} {choice.capitalize()}", f"Answer “{choice}”.")
            button.setProperty("choice", choice)
            self.group.addButton(button)
            self.buttons.append(button)
            line.addWidget(button)
        line.addStretch(1)
        self.group.buttonToggled.connect(self._on_choice)

    def _add_control(self, grid: QGridLayout, row: int) -> int:
        grid.addWidget(self.box, row, _CONTROL, 1, _VALUE - _CONTROL + 1)
        grid.addWidget(self.skip, row, _SKIP)
        return row

    def _on_choice(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.on_change()

    def choose(self, choice: str) -> None:
        for button in self.buttons:
            if button.property("choice") == choice:
                button.setChecked(True)

    def _set_skipped(self, skipped: bool) -> None:
        for button in self.buttons:
            button.setEnabled(not skipped)

    def answer(self) -> Answer | None:
        if self.skip.isChecked():
            return self.item.skip()
        chosen = self.group.checkedButton()
        return None if chosen is None else self.item.answer(str(chosen.property("choice")))

    def focus_chain(self) -> list[QWidget]:
        return [*self.buttons, self.skip]


class NoteRow(_ItemRow):
    """The optional free-text note: leaving it blank is the same as skipping it."""

    def __init__(self, item: RatingItem) -> None:
        super().__init__(item)
        self.skip.hide()
        self.edit = named(QPlainTextEdit(), item.wording,
                          "Optional. Leave it empty if you would rather not write anything.")
        self.edit.setPlaceholderText("Optional")
        self.edit.setTabChangesFocus(True)
        self.edit.setFixedHeight(QFontMetrics(self.edit.font()).lineSpacing() * 3 + 16)
        self.edit.textChanged.connect(lambda: self.on_change())

    def _add_control(self, grid: QGridLayout, row: int) -> int:
        grid.addWidget(self.edit, row, _LOW, 1, _SKIP + 1)
        return row

    def _set_skipped(self, skipped: bool) -> None:
        self.edit.setEnabled(not skipped)

    def answer(self) -> Answer | None:
        text = self.edit.toPlainText()[:TEXT_MAX_CHARS]
        return self.item.answer(text) if text.strip() else self.item.skip()

    def focus_chain(self) -> list[QWidget]:
        return [self.edit]


def _row_for(item: RatingItem) -> _ItemRow:
    if item.kind is ItemKind.SCALE:
        return ScaleRow(item)
    if item.kind is ItemKind.CHOICE:
        return ChoiceRow(item)
    return NoteRow(item)


class RatingDialog(QDialog):
    """The before or after form for one practice; window-modal, opened with `open()`."""

    submitted = Signal(object)  # tuple[Answer, ...] in form order
    skipped_all = Signal()
    dismissed = Signal()  # Escape or the window's close button

    def __init__(
        self,
        phase: Phase,
        items: Sequence[RatingItem],
        practice_title: str,
        fraction: float | None = None,
        who: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.phase = phase
        self._done = False
        before = phase is Phase.BEFORE
        self.setWindowTitle(f"{'Before' if before else 'After'}: {practice_title}")
        self.setModal(True)
        self.setObjectName("before-rating" if before else "after-rating")

        self.title = text_label(BEFORE_TITLE if before else AFTER_TITLE, "title")
        subtitle = f"{practice_title}  ·  for {who}" if who else practice_title
        self.practice = text_label(subtitle, "muted", name=f"Practice: {subtitle}")
        intro_text = BEFORE_INTRO if before else AFTER_INTRO
        if not before and fraction is not None and fraction < 1.0:
            intro_text = f"{STOPPED_EARLY_NOTE} {intro_text}"
        self.intro = text_label(intro_text, "muted")

        self.rows: list[_ItemRow] = [_row_for(item) for item in items]
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(4, 4, 12, 4)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(_CONTROL, 1)
        next_row = 0
        for row in self.rows:
            if next_row:
                grid.setRowMinimumHeight(next_row, 12)  # a little air between questions
                next_row += 1
            next_row = row.add_to(grid, next_row)
            row.on_change = self._update
        grid.setRowStretch(next_row, 1)
        self.scroll = scrolling(body)

        self.status = text_label("", "muted", name="How much of the form is left")
        self.skip_all = named(QPushButton("Skip rating this time"), "Skip rating this time",
                              SKIP_ALL_TIP)
        self.skip_all.setAutoDefault(False)
        self.continue_ = named(QPushButton("Continue" if before else "Save"),
                               "Continue" if before else "Save",
                               "Start the practice with these answers." if before
                               else "Keep these answers.")
        self.continue_.setProperty("role", "primary")
        self.continue_.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.skip_all)
        buttons.addWidget(self.continue_)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.practice)
        layout.addWidget(self.intro)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(buttons)

        self.skip_all.clicked.connect(self._on_skip_all)
        self.continue_.clicked.connect(self._on_continue)
        chain = [w for row in self.rows for w in row.focus_chain() if not w.isHidden()]
        chain += [self.skip_all, self.continue_]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self._first = chain[0]
        self._fit_size(body)
        self._update()
        outline_boxes(self)

    def _fit_size(self, body: QWidget) -> None:
        body.adjustSize()
        font = QFontMetrics(self.font())
        width = max(960, font.averageCharWidth() * 120)
        wanted = body.sizeHint().height() + font.lineSpacing() * 7 + 110
        self.resize(width, wanted)  # the screen rule (common.screen_fit) keeps it inside

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self._first.setFocus(Qt.FocusReason.TabFocusReason)

    def row(self, item_id: str) -> _ItemRow:
        return next(r for r in self.rows if r.item.item_id == item_id)

    def slider(self, item_id: str) -> RatingSlider:
        row = self.row(item_id)
        assert isinstance(row, ScaleRow)
        return row.slider

    def answers(self) -> tuple[Answer, ...] | None:
        """Every item's answer or skip; None while any question is still open."""
        found = [row.answer() for row in self.rows]
        if any(a is None for a in found):
            return None
        return tuple(a for a in found if a is not None)

    def remaining(self) -> int:
        return sum(1 for row in self.rows if row.answer() is None)

    def _update(self) -> None:
        left = self.remaining()
        self.continue_.setEnabled(left == 0)
        self.status.setText(READY_TEXT.format(button=self.continue_.text()) if left == 0
                            else REMAINING_TEXT.format(n=left))

    def _on_continue(self) -> None:
        answers = self.answers()
        if answers is None:
            return
        self._done = True
        self.accept()
        self.submitted.emit(answers)

    def _on_skip_all(self) -> None:
        self._done = True
        self.accept()
        self.skipped_all.emit()

    def reject(self) -> None:
        super().reject()
        if not self._done:
            self._done = True
            self.dismissed.emit()

    def close_silently(self) -> None:
        """Close without telling anyone (used when the records lock)."""
        self._done = True
        super().reject()
