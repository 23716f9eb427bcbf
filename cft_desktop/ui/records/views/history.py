"""History of one client's ratings: a before/after chart per item and a table of every session.

Owns how change is shown (CLINICAL.md §5): each item's before and after over sessions on a chart
drawn with QPainter, and the change per session in a table (date, practice, how much played, each
item before → after). Worsening is shown exactly as prominently as improvement: the same line
weight and text size, a distinct colour *and* a distinct line style, and always the words
"better" / "worse" and "noticeable" (10+) / "marked" (20+) with the rule-of-thumb and engagement
notes on screen. No streaks, no totals that judge. Each cell is at most two lines (the numbers
over the change in words, the day over the time) and the note column takes the room the others
leave, so the table fits a 1366-pixel screen without scrolling sideways.

Large histories: the table is a model/view pair that formats only the rows on screen, and the
chart draws at most one mark per few pixels, averaging neighbouring sessions when there are more
sessions than room (it says so), into a picture it keeps until the series, size, theme or font
changes; the summary counts each distinct before/after pair once. So 10,000 sessions open and
paint in a few tens of milliseconds (benchmarks/bench_store.py, "open + draw history"). The dialog
is a view: the controller hands it the sessions (`set_history`) and it never touches the store.
GUI thread only.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QLineF,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.core.ratings import (
    ENGAGEMENT_NOTE,
    RULE_OF_THUMB_NOTE,
    Answer,
    ChangeSize,
    Direction,
    ItemChange,
    ItemKind,
    ItemSet,
    Phase,
    RatingItem,
    change_direction,
    item_change,
)
from cft_desktop.store.records import SessionRecord
from cft_desktop.ui.common.theme import Palette
from cft_desktop.ui.records.views.common import active_theme, change_colour, named, signed, text_label

NO_VALUE = "–"
# One mark needs at least this many pixels; with more sessions than that, neighbours are averaged.
MIN_PIXELS_PER_MARK = 9

SizeIndex = QModelIndex | QPersistentModelIndex

# (how it is drawn, its words) in the order shown under the chart.
LEGEND_ENTRIES = (("hollow", "before"), ("filled", "after"), ("better", "better (solid line)"),
                  ("worse", "worse (dashed line)"), ("same", "no change (one dot)"))

# The views ask `data` for a dozen roles per cell (font, alignment, check state…) while sizing and
# painting; only these have answers, so every other role returns before any cell is formatted.
_TEXT_ROLES = frozenset({int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.AccessibleTextRole)})
_DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP_ROLE = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND_ROLE = int(Qt.ItemDataRole.ForegroundRole)
_ANSWERED_ROLES = _TEXT_ROLES | {_TOOLTIP_ROLE, _FOREGROUND_ROLE}


def answer_value(answers: tuple[Answer, ...] | None, item_id: str) -> int | str | None:
    """`SessionRecord.value` without the method calls: the history reads it for every session."""
    if answers:
        for answer in answers:
            if answer.item_id == item_id:
                return answer.value
    return None


def change_words(change: ItemChange) -> str:
    """'+25, marked, worse' / '−4, small, better' / 'no change'."""
    if change.direction is Direction.SAME:
        return "no change"
    return f"{signed(change.delta)}, {change.size.value}, {change.direction.value}"


def _number(value: int | str | None) -> str:
    return NO_VALUE if value is None else str(value)


def paired_cell(item: RatingItem, before: int | str | None, after: int | str | None
                ) -> tuple[str, ItemChange | None]:
    """The table text for one item of one session, and its change if both were answered.

    Two lines, the numbers over the change in words: the table then fits a 1366-pixel screen
    without scrolling sideways, and the words are never dropped to make room."""
    if isinstance(before, int) and isinstance(after, int):
        change = item_change(item, before, after)
        return f"{before} → {after}\n{change_words(change)}", change
    return f"{_number(before)} → {_number(after)}", None


def fraction_text(fraction: float | None) -> str:
    return NO_VALUE if fraction is None else f"{round(fraction * 100)}%"


def date_text(moment: datetime) -> str:
    """The day over the time, as two lines."""
    return moment.strftime("%d %b %Y\n%H:%M")


# A practice title longer than this goes on two lines, broken at the space nearest its middle.
TITLE_ONE_LINE = 16


def title_lines(title: str) -> str:
    if len(title) <= TITLE_ONE_LINE or " " not in title:
        return title
    spaces = [i for i, c in enumerate(title) if c == " "]
    middle = min(spaces, key=lambda i: max(i, len(title) - i - 1))
    return f"{title[:middle]}\n{title[middle + 1:]}"


def spoken(text: str, kind: str) -> str:
    """A cell's two lines as one, for screen readers and tooltips."""
    return text.replace("\n", " " if kind == "practice" else ", ")


# Rows hold two lines of text (`paired_cell`, `date_text`, `title_lines`).
ROW_LINES = 2


@dataclass(frozen=True)
class _Column:
    title: str
    kind: str  # "date", "practice", "completed", "paired", "after"
    item: RatingItem | None = None


class HistoryModel(QAbstractTableModel):
    """Sessions newest first; cells are formatted when first asked for (only rows on screen)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sessions: list[SessionRecord] = []
        self._columns: list[_Column] = []
        self._titles: Mapping[str, str] = {}
        self._cache: dict[int, list[tuple[str, ItemChange | None]]] = {}
        self.note_column: int | None = None

    def set_history(self, sessions: Sequence[SessionRecord], items: ItemSet,
                    titles: Mapping[str, str], paired: Sequence[RatingItem] | None = None) -> None:
        """`paired`: the result of `shown_paired_items(items, sessions)` if the caller has it."""
        self.beginResetModel()
        self._sessions = list(reversed(sessions))
        self._titles = titles
        self._cache = {}
        self._columns = [_Column("Date", "date"), _Column("Practice", "practice"),
                         _Column("Played", "completed")]
        for item in shown_paired_items(items, sessions) if paired is None else paired:
            self._columns.append(_Column(item.label, "paired", item))
        for item_id in ("ease", "upset", "note"):
            item = items.item(item_id)
            if item_id in items.enabled or any(answer_value(s.after, item_id) is not None
                                               for s in sessions[-2000:]):
                self._columns.append(_Column(item.label, "after", item))
        notes = [n for n, c in enumerate(self._columns) if c.item is not None
                 and c.item.item_id == "note"]
        self.note_column = notes[0] if notes else None
        self.endResetModel()

    def rowCount(self, parent: SizeIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._sessions)

    def columnCount(self, parent: SizeIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def column_titles(self) -> list[str]:
        return [c.title for c in self._columns]

    def session_at(self, row: int) -> SessionRecord:
        return self._sessions[row]

    def _row(self, row: int) -> list[tuple[str, ItemChange | None]]:
        cached = self._cache.get(row)
        if cached is not None:
            return cached
        session = self._sessions[row]
        cells: list[tuple[str, ItemChange | None]] = []
        for column in self._columns:
            if column.kind == "date":
                cells.append((date_text(session.started_at), None))
            elif column.kind == "practice":
                title = self._titles.get(session.script_id, session.script_id)
                cells.append((title_lines(title), None))
            elif column.kind == "completed":
                cells.append((fraction_text(session.fraction_completed), None))
            elif column.kind == "paired" and column.item is not None:
                item_id = column.item.item_id
                cells.append(paired_cell(column.item, session.value(Phase.BEFORE, item_id),
                                         session.value(Phase.AFTER, item_id)))
            elif column.item is not None:
                value = session.value(Phase.AFTER, column.item.item_id)
                text = NO_VALUE if value is None else str(value).replace("\n", " ")
                cells.append((text, None))
        if len(self._cache) > 4000:
            self._cache.clear()
        self._cache[row] = cells
        return cells

    def cell_text(self, row: int, column: int) -> str:
        return self._row(row)[column][0]

    def data(self, index: SizeIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in _ANSWERED_ROLES or not index.isValid():
            return None
        text, change = self._row(index.row())[index.column()]
        if role == _DISPLAY_ROLE:
            return text
        column = self._columns[index.column()]
        if role == _TOOLTIP_ROLE and change is not None:
            return f"{column.title}: {change.describe()}"
        if role in _TEXT_ROLES or role == _TOOLTIP_ROLE:
            return spoken(text, column.kind)
        if change is not None:  # the foreground role
            return QBrush(QColor(change_colour(change.direction)))
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self._columns)):
            column = self._columns[section]
            return f"{column.title}\nbefore → after" if column.kind == "paired" else column.title
        return None


def shown_paired_items(items: ItemSet, sessions: Sequence[SessionRecord]) -> list[RatingItem]:
    """Scale items asked before and after: the enabled ones, plus any with stored answers."""
    shown = []
    recent = sessions[-2000:]
    for item in items.items:
        if item.kind is not ItemKind.SCALE or Phase.BEFORE not in item.phases:
            continue
        if item.item_id in items.enabled or any(answer_value(s.before, item.item_id) is not None
                                                for s in recent):
            shown.append(item)
    return shown


@dataclass(frozen=True)
class Mark:
    """One column of the chart: a session, or the mean of `count` neighbouring sessions."""

    before: float
    after: float
    count: int
    first: datetime
    last: datetime


def marks_for(pairs: Sequence[tuple[datetime, int, int]], room: int) -> list[Mark]:
    """At most `room` marks: one per session, or means of equal runs of neighbours."""
    if not pairs:
        return []
    room = max(1, room)
    per = max(1, math.ceil(len(pairs) / room))
    befores = [b for _, b, _ in pairs]
    afters = [a for _, _, a in pairs]
    marks = []
    for start in range(0, len(pairs), per):
        end = min(start + per, len(pairs))
        count = end - start
        marks.append(Mark(sum(befores[start:end]) / count, sum(afters[start:end]) / count,
                          count, pairs[start][0], pairs[end - 1][0]))
    return marks


class ChangeChart(QWidget):
    """Before (hollow) and after (filled) for one item, joined by a line per session.

    Better: solid line in the theme's teal. Worse: dashed line in warm rust, the same width.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "Change chart",
              "Before and after for the chosen question, oldest on the left. The legend below "
              "says which lines are better and which are worse.")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.item: RatingItem | None = None
        self.pairs: list[tuple[datetime, int, int]] = []
        self._marks: list[Mark] = []
        self._marks_room = -1
        # The chart as last drawn, and what it was drawn for. Showing the dialog, grabbing it,
        # focus moving and windows passing over it all repaint; only a new picture redraws marks.
        self._picture: QPixmap | None = None
        self._picture_key: tuple[object, ...] = ()

    def set_series(self, item: RatingItem, pairs: Sequence[tuple[datetime, int, int]]) -> None:
        self.item = item
        self.pairs = list(pairs)
        self._marks_room = -1
        self._picture = None
        self.setAccessibleName(f"Change chart: {item.label} before and after")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(760, 280)

    def minimumSizeHint(self) -> QSize:
        # Room for a readable plot (90 px) above the dates and the legend as it wraps at this
        # width: three rows when narrow, one when wide. Counting rows that are not there made the
        # History 600 px tall at least with large text, more than a 1024×600 screen has.
        metrics = QFontMetrics(self.font())
        left = metrics.horizontalAdvance("100") + 16
        width = max(self.width(), 360)
        rows = len(self._legend_rows(left, width - 16))
        return QSize(360, 90 + metrics.height() * (2 + rows) + 14 + 6 * (rows - 1) + 12)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        hint = self.minimumSizeHint()
        if hint != getattr(self, "_last_minimum", None):
            self._last_minimum = hint
            self.updateGeometry()  # the legend wrapped onto more or fewer rows

    def _legend_rows(self, left: float, right: float) -> list[list[tuple[str, str, float]]]:
        """The legend entries (kind, words, x) wrapped into rows that fit between left and right:
        a narrow window or large text must not cut "worse" off."""
        metrics = QFontMetrics(self.font())
        rows: list[list[tuple[str, str, float]]] = [[]]
        x = left
        for kind, words in LEGEND_ENTRIES:
            width = (16 if kind in ("hollow", "filled", "same") else 28) + \
                metrics.horizontalAdvance(words)
            if rows[-1] and x + width > right:
                rows.append([])
                x = left
            rows[-1].append((kind, words, x))
            x += width + 22
        return rows

    def _plot(self) -> QRectF:
        metrics = QFontMetrics(self.font())
        left = metrics.horizontalAdvance("100") + 16
        right = self.width() - 16
        legend_rows = len(self._legend_rows(left, right))
        bottom = metrics.height() * (2 + legend_rows) + 14 + 6 * (legend_rows - 1)
        return QRectF(left, 12, max(10, right - left), max(10, self.height() - bottom - 12))

    def marks(self) -> list[Mark]:
        room = int(self._plot().width() // MIN_PIXELS_PER_MARK)
        if room != self._marks_room:
            self._marks = marks_for(self.pairs, room)
            self._marks_room = room
        return self._marks

    def averaged(self) -> int:
        """Sessions per mark (1 when every session has its own)."""
        marks = self.marks()
        return max((m.count for m in marks), default=1)

    def paintEvent(self, _event: QPaintEvent) -> None:
        theme = active_theme()
        ratio = self.devicePixelRatioF()
        # All the picture depends on but the series (`set_series` drops it). Comparing this on each
        # paint is simpler than catching resize, font and palette events, and the theme is the
        # application's, not something this widget is told about.
        key = (self.width(), self.height(), ratio, theme.name, self.font().key())
        if self._picture is None or key != self._picture_key:
            picture = QPixmap(max(1, round(self.width() * ratio)),
                              max(1, round(self.height() * ratio)))
            picture.setDevicePixelRatio(ratio)
            picture.fill(QColor(theme.surface))
            painter = QPainter(picture)
            painter.setFont(self.font())
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._draw(painter, theme)
            painter.end()
            self._picture, self._picture_key = picture, key
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._picture)
        if self.hasFocus():
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(theme.focus), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 6, 6)
        painter.end()

    def _draw(self, painter: QPainter, theme: Palette) -> None:
        plot = self._plot()
        metrics = QFontMetrics(self.font())
        text_colour = QColor(theme.text)
        grid = QColor(theme.border)
        for level in (0, 25, 50, 75, 100):
            y = plot.bottom() - plot.height() * level / 100
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(QColor(theme.muted_text))
            painter.drawText(QRectF(0, y - metrics.height() / 2, plot.left() - 8, metrics.height()),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             str(level))
        marks = self.marks()
        item = self.item
        if not marks or item is None or item.polarity is None:
            painter.setPen(text_colour)
            painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter),
                             "No sessions rated both before and after yet.")
            return
        step = plot.width() / len(marks)
        radius = max(3.0, min(6.0, step * 0.35))
        # One pen change and one call per kind of mark, not per mark: marks never overlap (each has
        # at least MIN_PIXELS_PER_MARK of width), so drawing by kind looks the same.
        lines: dict[Direction, list[QLineF]] = {d: [] for d in Direction}
        hollow: dict[Direction, list[QPointF]] = {d: [] for d in Direction}
        filled: dict[Direction, list[QPointF]] = {d: [] for d in Direction}
        for n, mark in enumerate(marks):
            x = plot.left() + step * (n + 0.5)
            yb = plot.bottom() - plot.height() * mark.before / 100
            ya = plot.bottom() - plot.height() * mark.after / 100
            direction = change_direction(mark.after - mark.before, item.polarity)
            lines[direction].append(QLineF(x, yb, x, ya))
            hollow[direction].append(QPointF(x, yb))
            filled[direction].append(QPointF(x, ya))
        surface = QColor(theme.surface)
        for direction in Direction:
            if not lines[direction]:
                continue
            colour = QColor(change_colour(direction, theme))
            style = Qt.PenStyle.DashLine if direction is Direction.WORSE else Qt.PenStyle.SolidLine
            painter.setPen(QPen(colour, 2.5, style, Qt.PenCapStyle.FlatCap))
            painter.drawLines(lines[direction])
            painter.setPen(QPen(colour, 2))
            painter.setBrush(surface)
            for centre in hollow[direction]:
                painter.drawEllipse(centre, radius, radius)
            painter.setBrush(colour)
            for centre in filled[direction]:
                painter.drawEllipse(centre, radius, radius)
        # Dates of the first and last session under the axis.
        painter.setPen(QColor(theme.muted_text))
        y_text = plot.bottom() + 4
        first, last = marks[0].first, marks[-1].last
        painter.drawText(QRectF(plot.left(), y_text, plot.width() / 2, metrics.height()),
                         int(Qt.AlignmentFlag.AlignLeft), first.strftime("%d %b %Y"))
        painter.drawText(QRectF(plot.center().x(), y_text, plot.width() / 2, metrics.height()),
                         int(Qt.AlignmentFlag.AlignRight), last.strftime("%d %b %Y"))
        self._legend(painter, plot, y_text + metrics.height() + 6, theme)

    def _legend(self, painter: QPainter, plot: QRectF, top: float, theme: Palette) -> None:
        metrics = QFontMetrics(self.font())
        text = QColor(theme.text)
        surface = QColor(theme.surface)
        for number, row in enumerate(self._legend_rows(plot.left(), plot.right())):
            row_top = top + number * (metrics.height() + 6)
            for kind, words, x in row:
                self._legend_entry(painter, kind, words, x, row_top, theme, text, surface)

    def _legend_entry(self, painter: QPainter, kind: str, words: str, x: float, top: float,
                      theme: Palette, text: QColor, surface: QColor) -> None:
        metrics = QFontMetrics(self.font())
        mid = top + metrics.height() / 2
        if kind in ("hollow", "filled", "same"):
            dot = QColor(change_colour(Direction.SAME, theme)) if kind == "same" else text
            painter.setPen(QPen(dot, 2))
            painter.setBrush(surface if kind == "hollow" else dot)
            painter.drawEllipse(QPointF(x + 6, mid), 5, 5)
            x += 16
        else:
            direction = Direction.BETTER if kind == "better" else Direction.WORSE
            colour = QColor(change_colour(direction, theme))
            style = Qt.PenStyle.DashLine if kind == "worse" else Qt.PenStyle.SolidLine
            painter.setPen(QPen(colour, 2.5, style))
            painter.drawLine(QPointF(x, mid), QPointF(x + 22, mid))
            x += 28
        painter.setPen(text)
        width = metrics.horizontalAdvance(words)
        painter.drawText(QRectF(x, top, width + 4, metrics.height()),
                         int(Qt.AlignmentFlag.AlignLeft), words)


def pairs_for(sessions: Sequence[SessionRecord], item_id: str) -> list[tuple[datetime, int, int]]:
    return [
        (s.started_at, b, a)
        for s in sessions
        if isinstance(b := answer_value(s.before, item_id), int)
        and isinstance(a := answer_value(s.after, item_id), int)
    ]


def summary_text(item: RatingItem, pairs: Sequence[tuple[datetime, int, int]]) -> str:
    """Mean before → after with its label, and how many sessions moved which way, in words."""
    if not pairs:
        return f"{item.label}: no sessions rated both before and after yet."
    mean_before = sum(b for _, b, _ in pairs) / len(pairs)
    mean_after = sum(a for _, _, a in pairs) / len(pairs)
    mean = item_change(item, round(mean_before, 1), round(mean_after, 1))
    counts = {Direction.BETTER: 0, Direction.WORSE: 0}
    small = 0
    # Scores are whole numbers 0-100, so a long history repeats the same few pairs many times.
    for (b, a), times in Counter((b, a) for _, b, a in pairs).items():
        change = item_change(item, b, a)
        if change.size is ChangeSize.SMALL or change.direction is Direction.SAME:
            small += times
        else:
            counts[change.direction] += times
    sessions = "session" if len(pairs) == 1 else "sessions"
    return (
        f"{item.label}, over {len(pairs)} {sessions} rated before and after: on average "
        f"{mean.before:g} → {mean.after:g}, {mean.describe()}. Noticeable or marked change: "
        f"{counts[Direction.BETTER]} better, {counts[Direction.WORSE]} worse; "
        f"{small} small or none."
    )


class _LineWidths:
    """The width Qt's item delegate gives a cell's text: its widest line laid out as the
    delegate lays it out, rounded up (a line's width as laid out can be a fraction of a pixel
    over the font's plain advance, and a cell a pixel short wraps and elides its last words)."""

    def __init__(self, font: QFont) -> None:
        self._font = font
        self._known: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        known = self._known.get(text)
        if known is not None:
            return known
        layout = QTextLayout(text.replace("\n", "\u2028"), self._font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        layout.setTextOption(option)
        widest = 0.0
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(1_000_000.0)
            widest = max(widest, line.naturalTextWidth())
        layout.endLayout()
        self._known[text] = width = math.ceil(widest)
        return width


class HistoryDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history")
        self.setWindowTitle("Ratings history")
        self._sessions: list[SessionRecord] = []
        self._items = ItemSet()
        self.heading = text_label("History", "title")
        self.subheading = text_label("", "muted", name="Sessions shown")
        self.item_choice = named(QComboBox(), "Question shown in the chart",
                                 "Choose which question's before and after the chart shows.")
        self.chart = ChangeChart()
        self.summary = text_label("", selectable=True, name="Change summary")
        self.averaging = text_label("", "muted", name="Chart averaging note")
        self.rule_note = text_label(RULE_OF_THUMB_NOTE, "muted", name="Rule of thumb note")
        self.engagement_note = text_label(ENGAGEMENT_NOTE, "muted", name="Engagement note")
        font = self.engagement_note.font()
        font.setBold(True)
        self.engagement_note.setFont(font)

        self.model = HistoryModel(self)
        self.table = named(QTableView(), "Sessions table",
                           "Every session, newest first: date, practice, how much played, and "
                           "each question before → after with its change in words.")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Only the note wraps (every other cell brings its own line break); a long one is
        # elided after its second line and read whole in its tooltip.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(
            QFontMetrics(self.font()).lineSpacing() * ROW_LINES + 10)
        self.table.horizontalHeader().setResizeContentsPrecision(60)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        choice_row = QHBoxLayout()
        choice_label = QLabel("Chart:")
        choice_label.setBuddy(self.item_choice)
        choice_row.addWidget(choice_label)
        choice_row.addWidget(self.item_choice)
        choice_row.addStretch(1)
        top_layout.addLayout(choice_row)
        top_layout.addWidget(self.chart, 1)
        top_layout.addWidget(self.summary)
        top_layout.addWidget(self.averaging)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.table)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([360, 300])

        close = named(QPushButton("Close"), "Close", "Close the history.")
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        footer = QHBoxLayout()
        notes = QVBoxLayout()
        notes.addWidget(self.rule_note)
        notes.addWidget(self.engagement_note)
        footer.addLayout(notes, 1)
        footer.addWidget(close, 0, Qt.AlignmentFlag.AlignBottom)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(self.subheading)
        layout.addWidget(splitter, 1)
        layout.addLayout(footer)
        self.item_choice.currentIndexChanged.connect(self._show_chosen)
        # Wide enough for every column with the note and the vertical scroll bar (tested at
        # 1210), and within a 1366-pixel screen.
        self.resize(1210, 780)

    def set_history(self, pseudonym: str, sessions: Sequence[SessionRecord], items: ItemSet,
                    titles: Mapping[str, str]) -> None:
        self._sessions = list(sessions)
        self._items = items
        self.heading.setText(f"History for {pseudonym}")
        count = len(self._sessions)
        self.subheading.setText(
            f"{count} practice{'s' if count != 1 else ''} recorded. Newest first in the table."
            if count else "Nothing recorded yet. Ratings appear here after your first practice.")
        chosen = self.item_choice.currentData()
        self.item_choice.blockSignals(True)
        self.item_choice.clear()
        paired = shown_paired_items(items, self._sessions)
        for item in paired:
            self.item_choice.addItem(item.label, item.item_id)
        index = self.item_choice.findData(chosen) if chosen else 0
        self.item_choice.setCurrentIndex(max(0, index))
        self.item_choice.blockSignals(False)
        self.model.set_history(self._sessions, items, titles, paired)
        self.fit_columns()
        self._show_chosen()

    def fit_columns(self) -> None:
        """The widths `resizeColumnsToContents` gives, measured with the font instead.

        Qt sizes each sampled cell through the delegate, which asks the model for about eight
        roles per cell across the Python boundary: a fifth of the time the dialog takes to open
        with 10,000 sessions. Every cell is plain text in the table's font, so its width is its
        widest line as Qt lays it out plus the delegate's margins, measured once on a real cell.
        The sample is the newest `resizeContentsPrecision` rows, Qt's own when the dialog opens
        (on a refresh Qt would start from the rows in view, so widths would follow the scrolling).
        The note column is not measured: it stretches over the room the others leave.
        """
        table, model = self.table, self.model
        header = table.horizontalHeader()
        rows = min(model.rowCount(), header.resizeContentsPrecision())
        columns = model.columnCount()
        for column in range(columns):
            # The note takes whatever room the other columns leave, so a long one never pushes
            # the table wider than the window.
            header.setSectionResizeMode(
                column, QHeaderView.ResizeMode.Stretch if column == model.note_column
                else QHeaderView.ResizeMode.Interactive)
        table.ensurePolished()
        table.verticalHeader().setDefaultSectionSize(
            QFontMetrics(table.font()).lineSpacing() * ROW_LINES + 10)
        if rows <= 0 or columns == 0:
            table.resizeColumnsToContents()
            return
        width_of = _LineWidths(table.font())
        option = QStyleOptionViewItem()
        table.initViewItemOption(option)
        margin = (table.itemDelegate().sizeHint(option, model.index(0, 0)).width()
                  - width_of(model.cell_text(0, 0)))
        grid = 1 if table.showGrid() else 0
        for column in range(columns):
            if column == model.note_column:
                continue
            widest = max(width_of(model.cell_text(row, column)) for row in range(rows))
            wanted = max(widest + margin + grid, header.sectionSizeHint(column))
            header.resizeSection(column, min(max(wanted, header.minimumSectionSize()),
                                             header.maximumSectionSize()))

    def choose_item(self, item_id: str) -> None:
        self.item_choice.setCurrentIndex(self.item_choice.findData(item_id))

    def _show_chosen(self) -> None:
        item_id = self.item_choice.currentData()
        if not item_id:
            return
        item = self._items.item(str(item_id))
        pairs = pairs_for(self._sessions, item.item_id)
        self.chart.set_series(item, pairs)
        self.summary.setText(summary_text(item, pairs))
        self.chart.setAccessibleDescription(self.summary.text())
        self._update_averaging()

    def _update_averaging(self) -> None:
        per = self.chart.averaged()
        self.averaging.setText(
            f"There are more sessions than room, so each mark is the average of up to {per} "
            "neighbouring sessions. The table lists every session." if per > 1 else "")

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._update_averaging()
