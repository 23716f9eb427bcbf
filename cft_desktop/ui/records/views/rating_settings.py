"""Therapist settings for the ratings: which questions (and their wording), the safety rules, and
the crisis resources with their "last verified" dates.

Owns the three-tab settings form. It checks what was typed (through the core value types, so the
rules are the store's own) and emits `saved(ItemSet, SafetyTriggers, CrisisResources)`;
`records_controller` stores them for the active client (questions and rules) and for the whole
app (crisis resources). GUI thread only.
"""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.core.ratings import (
    CrisisResource,
    CrisisResources,
    ItemKind,
    ItemSet,
    SafetyTriggers,
)
from cft_desktop.errors import RatingError
from cft_desktop.ui.common.screen_fit import scrolling
from cft_desktop.ui.records.views.common import named, outline_boxes, text_label

CRISIS_EDIT_HEADERS = ("Where", "Service", "How to reach it", "Details", "Last verified (YYYY-MM-DD)")
_ID_ROLE = 0x0100  # Qt.UserRole


class RatingSettingsDialog(QDialog):
    saved = Signal(object, object, object)  # ItemSet, SafetyTriggers, CrisisResources

    def __init__(
        self,
        pseudonym: str,
        items: ItemSet,
        triggers: SafetyTriggers,
        resources: CrisisResources,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rating-settings")
        self.setWindowTitle(f"Rating settings for {pseudonym}")
        self._items = items
        self._resources = resources
        self.tabs = named(QTabWidget(), "Rating settings sections",
                          "Questions, safety rules and crisis resources.")
        # Each page scrolls, so on a small screen (or with large text) the dialog fits inside it
        # and Save stays in reach.
        self.tabs.addTab(scrolling(self._questions_tab(items), sideways=True), "Questions")
        self.tabs.addTab(scrolling(self._safety_tab(triggers), sideways=True), "Safety rules")
        self.tabs.addTab(scrolling(self._crisis_tab(resources), sideways=True), "Crisis resources")
        named(self.tabs.tabBar(), "Rating settings sections",
              "Questions, safety rules and crisis resources. Use the arrow keys to switch.")
        self.message = text_label("", "muted", selectable=True, name="Settings message")
        self.save = named(QPushButton("Save"), "Save", "Keep these settings.")
        self.save.setProperty("role", "primary")
        self.save.setAutoDefault(False)
        cancel = named(QPushButton("Cancel"), "Cancel", "Close without changing anything.")
        cancel.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        layout.addWidget(text_label(f"Rating settings for {pseudonym}", "title"))
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        self.save.clicked.connect(self._on_save)
        outline_boxes(self)
        cancel.clicked.connect(self.reject)
        metrics = QFontMetrics(self.font())
        self.resize(max(820, metrics.averageCharWidth() * 104), min(720, metrics.lineSpacing() * 38))

    # -- tabs -----------------------------------------------------------------------------------

    def _questions_tab(self, items: ItemSet) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(text_label(
            "Optional questions are off unless you turn them on. The note is off by default, so "
            "only numbers are stored. Changing a question's wording starts a new wording version; "
            "earlier answers keep the wording they answered.", "muted"))
        self.optional: dict[str, QCheckBox] = {}
        for item in items.items:
            if item.optional:
                box = named(QCheckBox(f"Ask “{item.label}”: {item.wording}"), f"Ask {item.label}",
                            f"Turn the optional question “{item.label}” on or off.")
                box.setChecked(item.item_id in items.enabled)
                self.optional[item.item_id] = box
                layout.addWidget(box)
        form = QFormLayout()
        self.wording: dict[str, QLineEdit] = {}
        for item in items.items:
            field = named(QLineEdit(item.wording), f"Wording of {item.label}",
                          f"The question as the client sees it (version {item.wording_version}).")
            self.wording[item.item_id] = field
            form.addRow(item.label, field)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _safety_tab(self, triggers: SafetyTriggers) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(text_label(
            "After a practice, the safety window (normalising words, Ground me, crisis numbers) "
            "opens when any rule that is on is met.", "muted"))
        form = QFormLayout()
        self.high_on = named(QCheckBox("Distress after the practice is at least"),
                             "Use the rule: distress after is high",
                             "Open the safety window when distress after the practice is this high.")
        self.high = named(QSpinBox(), "Distress after at least",
                          "The level of distress after the practice that opens the safety window.")
        self.rise_on = named(QCheckBox("Distress rose by at least"), "Use the rule: distress rose",
                             "Open the safety window when distress rose by this many points.")
        self.rise = named(QSpinBox(), "Distress rose by at least",
                          "How many points distress must rise to open the safety window.")
        for on, spin, value, default in ((self.high_on, self.high, triggers.distress_after_at_least, 70),
                                         (self.rise_on, self.rise, triggers.distress_rise_at_least, 20)):
            spin.setRange(1, 100)
            spin.setValue(value if value is not None else default)
            on.setChecked(value is not None)
            spin.setEnabled(value is not None)
            on.toggled.connect(spin.setEnabled)
            form.addRow(on, spin)
        self.upset = named(QCheckBox("“A lot” to “Did anything upsetting come up?”"),
                           "Use the rule: something very upsetting came up",
                           "Open the safety window when the answer is “a lot”.")
        self.upset.setChecked(triggers.upset_a_lot)
        form.addRow(self.upset)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _crisis_tab(self, resources: CrisisResources) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(text_label(
            "Shown offline in the safety window and under Help. Check each number works where the "
            "client lives and update its date when you do. You can add your clinic's number.",
            "muted"))
        self.crisis = named(QTableWidget(0, len(CRISIS_EDIT_HEADERS)), "Crisis resources to edit",
                            "Double-click or press F2 to edit a cell.")
        self.crisis.setHorizontalHeaderLabels(list(CRISIS_EDIT_HEADERS))
        self.crisis.verticalHeader().setVisible(False)
        self.crisis.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.crisis.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for entry in resources.entries:
            self._add_crisis_row(entry.resource_id, (entry.region, entry.name, entry.contact,
                                                     entry.details, entry.last_verified.isoformat()),
                                 entry.custom)
        add = named(QPushButton("Add a number"), "Add a crisis number",
                    "Add a row, e.g. for your clinic. Fill in every cell.")
        remove = named(QPushButton("Remove"), "Remove the chosen number",
                       "Remove the chosen row from the table.")
        verified = named(QPushButton("Checked today"), "Mark the chosen number as checked today",
                         "Set the chosen row's last-verified date to today.")
        for button in (add, remove, verified):
            button.setAutoDefault(False)
        add.clicked.connect(self._on_add)
        remove.clicked.connect(self._on_remove)
        verified.clicked.connect(self._on_verified)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addWidget(verified)
        row.addStretch(1)
        layout.addWidget(self.crisis, 1)
        layout.addLayout(row)
        return page

    def _add_crisis_row(self, resource_id: str, cells: tuple[str, ...], custom: bool) -> None:
        row = self.crisis.rowCount()
        self.crisis.insertRow(row)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column == 0:
                item.setData(_ID_ROLE, (resource_id, custom))
            self.crisis.setItem(row, column, item)

    def _on_add(self) -> None:
        self._add_crisis_row(f"custom-{uuid.uuid4().hex[:8]}",
                             ("", "", "", "", date.today().isoformat()), True)
        self.crisis.setCurrentCell(self.crisis.rowCount() - 1, 0)

    def _on_remove(self) -> None:
        row = self.crisis.currentRow()
        if row >= 0:
            self.crisis.removeRow(row)

    def _on_verified(self) -> None:
        row = self.crisis.currentRow()
        if row >= 0:
            self.crisis.setItem(row, 4, QTableWidgetItem(date.today().isoformat()))

    # -- result ---------------------------------------------------------------------------------

    def item_set(self) -> ItemSet:
        items = self._items
        for item_id, box in self.optional.items():
            items = items.with_enabled(item_id, box.isChecked())
        for item_id, field in self.wording.items():
            old = items.item(item_id)
            text = " ".join(field.text().split())
            if text != old.wording and not (old.kind is ItemKind.TEXT and not text):
                items = items.with_wording(item_id, text)
        return items

    def triggers(self) -> SafetyTriggers:
        return SafetyTriggers(
            distress_after_at_least=self.high.value() if self.high_on.isChecked() else None,
            distress_rise_at_least=self.rise.value() if self.rise_on.isChecked() else None,
            upset_a_lot=self.upset.isChecked(),
        )

    def resources(self) -> CrisisResources:
        entries: list[CrisisResource] = []
        for row in range(self.crisis.rowCount()):
            cells = [(self.crisis.item(row, c).text().strip() if self.crisis.item(row, c) else "")
                     for c in range(len(CRISIS_EDIT_HEADERS))]
            first = self.crisis.item(row, 0)
            resource_id, custom = (first.data(_ID_ROLE) if first is not None and first.data(_ID_ROLE)
                                   else (f"custom-{uuid.uuid4().hex[:8]}", True))
            try:
                verified = date.fromisoformat(cells[4])
            except ValueError as exc:
                raise RatingError(f"Row {row + 1}: the date {cells[4]!r} is not YYYY-MM-DD") from exc
            try:
                entries.append(CrisisResource(resource_id, cells[0], cells[1], cells[2], cells[3],
                                              verified, custom=bool(custom)))
            except RatingError as exc:
                raise RatingError(f"Row {row + 1}: {exc}") from exc
        return CrisisResources(entries=tuple(entries), intro=self._resources.intro,
                               cannot_contact=self._resources.cannot_contact)

    def _on_save(self) -> None:
        try:
            values = (self.item_set(), self.triggers(), self.resources())
        except RatingError as exc:
            self.message.setText(str(exc))
            return
        self.accept()
        self.saved.emit(*values)
