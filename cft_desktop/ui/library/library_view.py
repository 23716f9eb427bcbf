"""The practice library: every practice grouped by kind, each with title, minutes, summary and caution.

Owns presenting `core.library.Library` entries in their suggested order (the library already sorts
by `order`), with a heading per kind in the order kinds first appear. A script that failed to parse
is listed with its `file:line` errors instead of breaking the list. It only emits intents
(`selected`, `activated`); the window decides what to play. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.core.library import Entry, Library
from cft_desktop.ui.common.theme import LIGHT, Palette
from cft_desktop.voice.languages import NEEDS_RECORDING, neural_speaks

KIND_HEADINGS = {
    "breathing": "Breathing",
    "imagery": "Imagery",
    "psychoeducation": "Understanding your mind",
    "grounding": "Grounding",
}
BROKEN_HEADING = "Could not be read"
USER_MARK = "Yours"

ROLE_ID = Qt.ItemDataRole.UserRole + 1
ROLE_KIND = Qt.ItemDataRole.UserRole + 2  # "heading", "practice" or "broken"
ROLE_TITLE = Qt.ItemDataRole.UserRole + 3
ROLE_META = Qt.ItemDataRole.UserRole + 4
ROLE_BODY = Qt.ItemDataRole.UserRole + 5
ROLE_NOTE = Qt.ItemDataRole.UserRole + 6

_PAD = 10


def minutes_text(minutes: float) -> str:
    """How long a practice takes, as a person says it: "5 minutes", "About a minute"."""
    if minutes < 1:
        return f"{round(minutes * 60)} seconds"
    whole = int(minutes + 0.5)
    if abs(minutes - whole) < 1e-9:
        return "1 minute" if whole == 1 else f"{whole} minutes"
    # "1.25 minutes" reads like a measurement; a length is a rough promise anyway.
    return "About a minute" if whole == 1 else f"About {whole} minutes"


def error_lines(entry: Entry) -> list[str]:
    """The `file:line: message` lines of a broken entry, file given by name only."""
    return [f"{e.path.name}:{e.line}: {e.message}" for e in entry.errors] or [
        f"{entry.path.name}: could not be read"
    ]


def viewport_width(view: QListView) -> int:
    """The width of `view`'s viewport, found without asking for the viewport widget.

    The first `viewport()` call of a process costs 10 ms: the viewport was made by Qt, not by
    Python, so PySide resolves all 67 lazily loaded QWidget classes to find its type. This is the
    same width, from the area the scroll area offers and the vertical bar when it is shown (a
    test holds them equal).
    """
    width = view.maximumViewportSize().width()
    bar = view.verticalScrollBar()
    if bar.isVisibleTo(view):
        width -= bar.width()
    return width


class _EntryDelegate(QStyledItemDelegate):
    """Draws an entry as a bold title with its length, a wrapped summary and its caution."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        self.palette = LIGHT
        # Wrapped heights by (text, font) at one width: Qt asks for every row's size hint many
        # times while laying out, and measuring wrapped text is the slow part of showing the
        # window. Only the current width is kept, so dragging the splitter cannot grow it.
        self._heights: dict[tuple[str, str], int] = {}
        self._heights_width = -1

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        title = QFont(option.font)
        title.setWeight(QFont.Weight.DemiBold)
        body = QFont(option.font)
        note = QFont(option.font)
        note.setItalic(True)
        return title, body, note

    def _text_width(self) -> int:
        return max(120, viewport_width(self._view) - 2 * _PAD - 4)

    def _blocks(self, index: QModelIndex | QPersistentModelIndex) -> list[tuple[str, int, bool]]:
        """(text, font slot, muted) in drawing order; font slot 0 title, 1 body, 2 note."""
        blocks = [(str(index.data(ROLE_TITLE)), 0, False)]
        if index.data(ROLE_KIND) == "heading":
            return blocks
        meta = index.data(ROLE_META)
        if meta:
            blocks.append((str(meta), 1, True))
        body = index.data(ROLE_BODY)
        if body:
            blocks.append((str(body), 1, False))
        note = index.data(ROLE_NOTE)
        if note:
            blocks.append((str(note), 2, True))
        return blocks

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        fonts = self._fonts(option)
        width = self._text_width()
        height = 2 * _PAD
        if index.data(ROLE_KIND) == "heading":
            height = _PAD + QFontMetrics(fonts[0]).height() + 4
            return QSize(width, height)
        if width != self._heights_width:
            self._heights.clear()
            self._heights_width = width
        for text, slot, _muted in self._blocks(index):
            key = (text, fonts[slot].key())
            measured = self._heights.get(key)
            if measured is None:
                metrics = QFontMetrics(fonts[slot])
                rect = metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap,
                                            text)
                measured = self._heights[key] = rect.height()
            height += measured + 3
        return QSize(width, height)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        p = self.palette
        painter.save()
        try:
            fonts = self._fonts(option)
            rect = option.rect
            kind = index.data(ROLE_KIND)
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            if kind == "heading":
                painter.setFont(fonts[0])
                painter.setPen(QColor(p.heading_text))
                text_rect = rect.adjusted(_PAD, _PAD, -_PAD, 0)
                painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                                 str(index.data(ROLE_TITLE)))
                return
            if selected:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(p.selection))
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 8, 8)
            text_colour = p.selection_text if selected else p.text
            muted_colour = p.selection_text if selected else p.muted_text
            y = rect.top() + _PAD
            width = self._text_width()
            for text, slot, muted in self._blocks(index):
                painter.setFont(fonts[slot])
                painter.setPen(QColor(muted_colour if muted else text_colour))
                metrics = QFontMetrics(fonts[slot])
                bounds = metrics.boundingRect(QRect(0, 0, width, 10_000),
                                              Qt.TextFlag.TextWordWrap, text)
                target = QRect(rect.left() + _PAD, y, width, bounds.height())
                painter.drawText(target, int(Qt.TextFlag.TextWordWrap), text)
                y += bounds.height() + 3
        finally:
            painter.restore()


class LibraryView(QWidget):
    """The practice list. `selected(id)` on a new current practice, `activated(id)` on Enter."""

    selected = Signal(str)
    activated = Signal(str)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._entries: dict[str, Entry] = {}
        heading = QLabel("Practices")
        heading.setProperty("role", "title")
        heading.setAccessibleName("Practices")
        self.list = QListWidget()
        self.list.setAccessibleName("Library")
        self.list.setToolTip(
            "Choose a practice with the arrow keys, then press Space or Enter to begin."
        )
        self.list.setAccessibleDescription("Practices grouped by kind, in a suggested order.")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setUniformItemSizes(False)
        self.list.setWordWrap(True)
        self._delegate = _EntryDelegate(self.list)
        self.list.setItemDelegate(self._delegate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.list.itemActivated.connect(self._on_list_item_activated)
        self.populate()

    # -- content --------------------------------------------------------------------------------

    def populate(self) -> None:
        self.list.clear()
        self._entries.clear()
        good = [e for e in self._library.entries if e.ok]
        broken = [e for e in self._library.entries if not e.ok]
        kinds: list[str] = []
        for entry in good:
            assert entry.script is not None
            if entry.script.kind not in kinds:
                kinds.append(entry.script.kind)
        for kind in kinds:
            self._add_heading(KIND_HEADINGS.get(kind, kind.capitalize()))
            for entry in good:
                assert entry.script is not None
                if entry.script.kind == kind:
                    self._add_practice(entry)
        if broken:
            self._add_heading(BROKEN_HEADING)
            for entry in broken:
                self._add_broken(entry)

    def _add_heading(self, title: str) -> None:
        item = QListWidgetItem(title)
        # Not enabled, so the arrow keys step over headings straight to the next practice.
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setData(ROLE_KIND, "heading")
        item.setData(ROLE_TITLE, title)
        self.list.addItem(item)

    def _add_practice(self, entry: Entry) -> None:
        script = entry.script
        assert script is not None
        meta = minutes_text(script.minutes)
        if not neural_speaks(script.language):
            meta += f" · {script.language} · {NEEDS_RECORDING}"
        if not entry.builtin:
            meta += f" · {USER_MARK}"  # the therapist's own (edited, written or imported)
        item = QListWidgetItem(f"{script.title}, {meta}. {script.summary}")
        item.setData(ROLE_ID, entry.id)
        item.setData(ROLE_KIND, "practice")
        item.setData(ROLE_TITLE, script.title)
        item.setData(ROLE_META, meta)
        item.setData(ROLE_BODY, script.summary)
        item.setData(ROLE_NOTE, script.caution)
        item.setToolTip(script.summary + (f"\n\n{script.caution}" if script.caution else ""))
        item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, script.caution)
        self.list.addItem(item)
        self._entries[entry.id] = entry

    def _add_broken(self, entry: Entry) -> None:
        lines = error_lines(entry)
        key = str(entry.path)
        title = f"{entry.path.name} could not be read"
        item = QListWidgetItem(f"{title}. " + " ".join(lines))
        item.setData(ROLE_ID, key)
        item.setData(ROLE_KIND, "broken")
        item.setData(ROLE_TITLE, title)
        item.setData(ROLE_META, "")
        item.setData(ROLE_BODY, "\n".join(lines))
        item.setData(ROLE_NOTE, "Fix the line shown, save the file, and open CFT Desktop again.")
        item.setToolTip("\n".join(lines))
        self.list.addItem(item)
        self._entries[key] = entry

    # -- selection ------------------------------------------------------------------------------

    def entry(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def current_entry(self) -> Entry | None:
        item = self.list.currentItem()
        if item is None or item.data(ROLE_KIND) not in ("practice", "broken"):
            return None
        return self._entries.get(str(item.data(ROLE_ID)))

    def select(self, key: str) -> bool:
        """Make `key` (a practice id, or a broken file's path) current; False if not listed."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(ROLE_ID) == key:
                self.list.setCurrentItem(item)
                self.list.scrollToItem(item)
                return True
        return False

    def select_first(self) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(ROLE_KIND) == "practice":
                self.list.setCurrentItem(item)
                return

    def headings(self) -> list[str]:
        return [
            str(self.list.item(r).data(ROLE_TITLE))
            for r in range(self.list.count())
            if self.list.item(r).data(ROLE_KIND) == "heading"
        ]

    def rows(self) -> list[tuple[str, str, str]]:
        """(kind of row, id, text a screen reader gets) for every row, in order; for tests."""
        result = []
        for r in range(self.list.count()):
            item = self.list.item(r)
            result.append((str(item.data(ROLE_KIND)), str(item.data(ROLE_ID) or ""), item.text()))
        return result

    def set_palette(self, palette: Palette) -> None:
        self._delegate.palette = palette
        if self.list.isVisible():  # before the first show there is nothing to repaint
            self.list.viewport().update()

    def relayout(self) -> None:
        """Font size changed: wrapped heights must be measured again. The chosen practice stays
        in sight (every row above it changed height, so it had moved out of view)."""
        self.list.doItemsLayout()
        current = self.list.currentItem()
        if current is not None:
            self.list.scrollToItem(current)

    # -- slots ----------------------------------------------------------------------------------

    def _on_list_current_changed(
        self, current: QListWidgetItem | None, previous: QListWidgetItem | None
    ) -> None:
        if current is not None and current.data(ROLE_KIND) in ("practice", "broken"):
            self.selected.emit(str(current.data(ROLE_ID)))

    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        if item.data(ROLE_KIND) == "practice":
            self.activated.emit(str(item.data(ROLE_ID)))

