"""The therapist's plan for one client: practices in order, each with the pacing to use.

Owns the Plan dialog: the steps as a list (title, and the pacing if one is set), adding the
practice chosen in the library with the side panel's pacing, removing, moving up and down, and
"Use the usual course". It shows and edits a `core.plan.Plan` and emits `saved(Plan)`; the
controller stores it. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.plan import MAX_STEPS, Plan, PlanStep
from cft_desktop.ui.records.views.common import named, text_label

PLAN_INTRO = (
    "The practices this client is offered, in order: the window shows “Next in your plan” and "
    "moves on once a practice has been heard at least half way. Nothing is counted against "
    "them: no streaks, no missed days."
)


def step_text(step: PlanStep, titles: Mapping[str, str]) -> str:
    title = titles.get(step.script_id, f"{step.script_id} (not in the library)")
    voice = f", recorded voice “{step.voice}”" if step.voice else ""
    if step.pacing is None:
        return f"{title} — their own pacing{voice}"
    return (f"{title} — {step.pacing.bpm:g} breaths a minute, in to out "
            f"{step.pacing.ratio_text}{voice}")


class PlanDialog(QDialog):
    """Edit one client's plan; `saved` carries the new plan."""

    saved = Signal(object)  # Plan

    def __init__(self, pseudonym: str, plan: Plan, titles: Mapping[str, str],
                 chosen: Callable[[], tuple[str, Pacing, str] | None], available: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plan")
        self.setWindowTitle(f"Plan for {pseudonym}")
        self._titles = titles
        self._chosen = chosen
        self._available = available
        self.steps: list[PlanStep] = list(plan.steps)
        self.list = QListWidget()
        self.list.setAccessibleName("Practices in the plan, in order")
        self.add = named(QPushButton("Add the chosen practice"), "Add the chosen practice",
                         "Add the practice chosen in the list, with the pacing and voice in the "
                         "side panel.")
        self.remove = named(QPushButton("Remove"), "Remove from the plan",
                            "Take the selected practice out of the plan.")
        self.up = named(QPushButton("Move up"), "Move up", "Offer it earlier.")
        self.down = named(QPushButton("Move down"), "Move down", "Offer it later.")
        self.usual = named(QPushButton("Use the usual course"), "Use the usual course",
                           "Soothing rhythm breathing, safe place, colour, compassionate self, "
                           "compassionate other, then the flows, at the side panel's pacing.")
        self.save = named(QPushButton("Save the plan"), "Save the plan", "Keep this plan.")
        self.save.setProperty("role", "primary")
        self.save.setDefault(True)
        self.cancel = named(QPushButton("Cancel"), "Cancel", "Leave the plan as it was.")
        side = QVBoxLayout()
        for button in (self.add, self.remove, self.up, self.down, self.usual):
            side.addWidget(button)
        side.addStretch(1)
        middle = QHBoxLayout()
        middle.addWidget(self.list, 1)
        middle.addLayout(side)
        footer = QHBoxLayout()
        footer.addStretch(1)
        footer.addWidget(self.cancel)
        footer.addWidget(self.save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 18)
        layout.addWidget(text_label(f"Plan for {pseudonym}", "title"))
        layout.addWidget(text_label(PLAN_INTRO, "muted"))
        self.message = text_label("", "muted", name="Plan message")
        layout.addLayout(middle, 1)
        layout.addWidget(self.message)
        layout.addLayout(footer)
        self.add.clicked.connect(self._on_add)
        self.remove.clicked.connect(lambda: self._move(0))
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(1))
        self.usual.clicked.connect(self._on_usual)
        self.save.clicked.connect(self._on_save)
        self.cancel.clicked.connect(self.reject)
        self.list.currentRowChanged.connect(lambda _row: self._update())
        self._refill(0)
        self.resize(720, 480)

    def plan(self) -> Plan:
        return Plan(tuple(self.steps))

    def _refill(self, select: int) -> None:
        self.list.clear()
        for step in self.steps:
            QListWidgetItem(step_text(step, self._titles), self.list)
        if self.steps:
            self.list.setCurrentRow(max(0, min(select, len(self.steps) - 1)))
        self._update()

    def _update(self) -> None:
        row = self.list.currentRow()
        has = 0 <= row < len(self.steps)
        self.remove.setEnabled(has)
        self.up.setEnabled(has and row > 0)
        self.down.setEnabled(has and row < len(self.steps) - 1)
        self.add.setEnabled(len(self.steps) < MAX_STEPS)

    def _on_add(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            self.message.setText("Choose a practice in the list first.")
            return
        script_id, pacing, voice = chosen
        self.steps.append(PlanStep(script_id, pacing, voice))
        self.message.setText(f"Added {self._titles.get(script_id, script_id)}.")
        self._refill(len(self.steps) - 1)

    def _move(self, by: int) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.steps):
            return
        if by == 0:
            del self.steps[row]
            self._refill(row)
            return
        other = row + by
        if 0 <= other < len(self.steps):
            self.steps[row], self.steps[other] = self.steps[other], self.steps[row]
            self._refill(other)

    def _on_usual(self) -> None:
        chosen = self._chosen()
        pacing = chosen[1] if chosen is not None else None
        self.steps = list(Plan.usual(self._available, pacing).steps)
        self.message.setText("The usual course, at the side panel's pacing.")
        self._refill(0)

    def _on_save(self) -> None:
        self.accept()
        self.saved.emit(self.plan())
