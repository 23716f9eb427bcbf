"""The ratings, records and safety controller of the window: the only GUI code that calls the store.

Owns the ratings file while the window is open (`Records`): opening it at start (if it is locked,
the passphrase is asked; a recovery message is shown once; if it cannot be used, that is said
calmly, a note stays visible, and practices play without ratings), the Ratings and Help menu
items, the status line (the client in use in therapist mode, and a note when ratings are off,
with its Unlock…/Change… button), the one-at-a-time queue of flow forms, and the History dialog.
Each other job has its own module, made here and reached through this object:

* `flow.RatingFlow` — consent → before → play → after → safety check, a small state machine;
* `locking.Locking` — the passphrase prompt, the idle lock, the passphrase settings;
* `therapist.Therapist` — therapist mode, clients, their patterns, pacing and rating settings;
* `transfer.Transfer` — export (CSV, PDF) and import (CSV) of the active client's ratings.

Views emit intents; these objects call `Records` and the export functions and hand values back.
Everything runs on the GUI thread (store writes take a few milliseconds).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QMessageBox, QPushButton, QWidget

from cft_desktop.core.plan import PlanStep
from cft_desktop.errors import CftError, StoreError
from cft_desktop.store import db
from cft_desktop.store.records import Client, Mode, Records
from cft_desktop.ui.common.messages import show_calm_message
from cft_desktop.ui.records.flow import RatingFlow
from cft_desktop.ui.records.locking import LOCKED_NOTE, Locking
from cft_desktop.ui.records.therapist import ClientPatterns, Therapist
from cft_desktop.ui.records.transfer import Transfer
from cft_desktop.ui.records.views.common import named
from cft_desktop.ui.records.views.consent import consent_needed, ratings_allowed

if TYPE_CHECKING:
    from cft_desktop.core.library import Library
    from cft_desktop.ui.common.actions import Actions
    from cft_desktop.ui.common.settings import Settings
    from cft_desktop.ui.panels.pacing_panel import PacingPanel
    from cft_desktop.ui.player.controller import PracticeController
    from cft_desktop.ui.player.playback import Playback
    from cft_desktop.ui.records.views.history import HistoryDialog
    from cft_desktop.ui.records.views.profiles import ProfilesDialog

__all__ = ["DECLINED_NOTE", "LOCKED_NOTE", "UNAVAILABLE_MESSAGE", "UNAVAILABLE_NOTE",
           "ClientPatterns", "RecordsController"]

log = logging.getLogger(__name__)

RATINGS_MENU = "&Ratings"
HELP_MENU = "&Help"
DECLINED_NOTE = "Ratings are off for this profile, as you chose. Practices play as usual."
UNAVAILABLE_NOTE = "Ratings are unavailable just now. Practices play as usual."
UNAVAILABLE_MESSAGE = (
    "Your ratings could not be opened, so ratings are switched off for now. Practices play as "
    "usual."
)


class RecordsController(QObject):
    store_changed = Signal()  # opened, locked, client switched, settings or ratings saved
    therapist_mode_changed = Signal(bool)  # on or off, as the status line shows it

    def __init__(self, window: QMainWindow, actions: Actions, practice: PracticeController,
                 playback: Playback, pacing_panel: PacingPanel, library: Library,
                 path: Path | None = None, settings: Settings | None = None) -> None:
        super().__init__(window)
        self.setObjectName("records-controller")
        self.window = window
        self.practice = practice
        self.playback = playback
        self.pacing_panel = pacing_panel
        self.library = library
        self.settings = settings  # where the first run is remembered, with no store to ask
        self._path = path
        self.records: Records | None = None
        self.off_reason = UNAVAILABLE_NOTE
        self.dialog: QDialog | None = None  # the open consent, rating or unlock form
        self.history_dialog: HistoryDialog | None = None
        self.profiles_dialog: ProfilesDialog | None = None
        self.side_dialog: QDialog | None = None  # settings, passphrase, crisis, erase, import report
        self.message_box: QMessageBox | None = None
        self._waiting: list[Callable[[], None]] = []
        self.therapist_mode = False
        # What must wait for the first-run welcome (the Help menu's): the store's first words and
        # the consent. Until `install` is told otherwise, nothing waits.
        self._after_welcome: Callable[[Callable[[], None]], None] = lambda call: call()
        self.flow = RatingFlow(self)
        self.locking = Locking(self)
        self.therapist = Therapist(self)
        self.transfer = Transfer(self)
        self._build_menus(actions)
        self._build_status()
        self.store_changed.connect(self.refresh_status)  # e.g. the plan moves on
        pacing_panel.voice_changed.connect(self.therapist.on_voice_chosen)

    @classmethod
    def install(cls, window: QMainWindow, actions: Actions, practice: PracticeController,
                playback: Playback, pacing_panel: PacingPanel, library: Library,
                path: Path | None = None, settings: Settings | None = None,
                after_welcome: Callable[[Callable[[], None]], None] | None = None,
                ) -> RecordsController:
        """Create the controller for `window` and open the ratings (dialogs follow once shown).

        `after_welcome` holds the first-run consent back until the welcome is closed."""
        controller = cls(window, actions, practice, playback, pacing_panel, library, path,
                         settings)
        if after_welcome is not None:
            controller._after_welcome = after_welcome
        # Handed over by the practice controller's own method, never written onto it: it decides
        # where its Play asks, and there is one gate at a time.
        practice.set_before_practice(controller.flow.before_practice)
        controller.open_store()
        controller.when_free(controller.flow.first_run)
        return controller

    @staticmethod
    def of(window: QWidget) -> RecordsController | None:
        """The controller `ui.app` made for `window`; None before it is built or without ratings."""
        parts = getattr(window, "parts", None)
        found = getattr(parts, "records", None)
        return found if isinstance(found, RecordsController) else None

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else db.default_path()

    def _build_menus(self, registry: Actions) -> None:
        self.menu = registry.menu(RATINGS_MENU)
        # By their short names ("export"); in the window's registry as "ratings.export".
        self.actions: dict[str, QAction] = {}

        def add(key: str, text: str, tip: str, slot: Callable[[], None], menu: str = RATINGS_MENU,
                checkable: bool = False) -> QAction:
            action = registry.add(f"ratings.{key}", text, tip, slot, menu=menu,
                                  checkable=checkable)
            self.actions[key] = action
            return action

        add("history", "&History…", "Your ratings before and after each practice, as a chart and "
            "a table.", self.show_history)
        add("export", "&Export ratings…", "Save the ratings as a CSV file or a one-page PDF "
            "summary.", self.transfer.export_ratings)
        add("import", "&Import ratings…", "Add ratings from a CSV file exported by CFT Desktop.",
            self.transfer.import_ratings)
        registry.separator(RATINGS_MENU)
        add("consent", "Your ratings and &privacy…", "What is stored, where, and your choices "
            "about it.", self.flow.review_consent)
        add("passphrase", "&Passphrase and lock…", "Lock the ratings with a passphrase, and "
            "choose when the app locks itself.", self.locking.show_privacy)
        add("lock", "&Lock now", "Lock the ratings now; the passphrase opens them again.",
            lambda: self.locking.lock())
        add("erase_mine", "&Erase my ratings…", "Remove every rating and setting of this profile "
            "from this computer, backups included. You will be asked to confirm.",
            self.therapist.ask_erase_own)
        registry.separator(RATINGS_MENU)
        add("therapist", "&Therapist mode", "Several clients on this computer, each under a "
            "pseudonym, and the rating settings.", self.therapist.on_therapist_toggled, checkable=True)
        add("clients", "&Clients…", "Add, rename, switch or erase clients.", self.therapist.show_profiles)
        add("settings", "Rating &settings…", "Questions, safety rules and crisis resources.",
            self.therapist.show_rating_settings)
        add("plan", "&Plan for this client…", "The practices this client is offered next, in "
            "order, with their pacing.", self.therapist.show_plan)
        add("crisis", "&Crisis resources…", "Numbers to call or text if you need help now. The "
            "app cannot contact anyone.", self.flow.show_crisis_resources, menu=HELP_MENU)

    def _build_status(self) -> None:
        bar = self.window.statusBar()
        bar.setSizeGripEnabled(False)
        # Without a size grip the last label would touch the window's edge; line it up with the
        # 12 px margin of the window's content instead.
        bar.setContentsMargins(12, 0, 12, 4)
        self.profile_label = QLabel("")
        self.profile_label.setAccessibleName("Client in use")
        self.profile_label.setToolTip("Ratings are kept for this client.")
        self.note_label = QLabel("")
        self.note_label.setProperty("role", "muted")
        self.note_label.setAccessibleName("Ratings note")
        self.note_label.setToolTip("Whether ratings are being asked and kept.")
        self.note_button = named(QPushButton(""), "Ratings note action",
                                 "Unlock the ratings, or review your choices about them.")
        # The status line sits under the pacer for as long as ratings are off: a slim button there
        # leaves the pacer its room (still a 24 px target and more).
        self.note_button.setProperty("role", "compact")
        self.note_button.clicked.connect(self._on_note_button)
        self.plan_button = named(QPushButton(""), "Next in your plan",
                                 "Choose the next practice of the plan your therapist set, with "
                                 "its pacing.")
        self.plan_button.setProperty("role", "compact")
        self.plan_button.clicked.connect(self._on_plan_button)
        self.plan_button.hide()
        bar.addWidget(self.plan_button)
        bar.addWidget(self.note_label, 1)
        bar.addPermanentWidget(self.note_button)
        bar.addPermanentWidget(self.profile_label)
        self.refresh_status()

    def refresh_status(self) -> None:
        records = self.records
        note, button = "", ""
        therapist = False
        pseudonym = ""
        if records is None:
            note = self.off_reason
            button = "Unlock…" if self.off_reason == LOCKED_NOTE else ""
        else:
            try:
                therapist = records.mode() is Mode.THERAPIST
                client = records.active_client()
                pseudonym = client.pseudonym
                consent = records.consent(client.client_id)
                if not consent_needed(consent) and not ratings_allowed(consent):
                    note, button = DECLINED_NOTE, "Change…"
            except StoreError as exc:
                note = f"{UNAVAILABLE_NOTE} ({exc})"
        self.note_label.setText(note)
        self.note_label.setVisible(bool(note))
        self.note_button.setText(button)
        self.note_button.setAccessibleName(
            "Unlock the ratings" if button == "Unlock…" else "Review your choices about ratings")
        self.note_button.setVisible(bool(button))
        self.profile_label.setText(f"Client: {pseudonym}" if therapist else "")
        self.profile_label.setAccessibleDescription(pseudonym)
        self.profile_label.setVisible(therapist)
        # Read once: with a plan it reads every session of the client (a large store: ~0.1 s).
        step = self.next_in_plan()
        self.window.statusBar().setVisible(bool(note) or therapist or step is not None)
        available = records is not None
        for key in ("history", "export", "import", "consent", "passphrase", "therapist"):
            self.actions[key].setEnabled(available)
        self.actions["lock"].setEnabled(available and records is not None and records.encrypted)
        self.actions["therapist"].blockSignals(True)
        self.actions["therapist"].setChecked(therapist)
        self.actions["therapist"].blockSignals(False)
        if therapist != self.therapist_mode:
            self.therapist_mode = therapist
            self.therapist_mode_changed.emit(therapist)
        self.actions["clients"].setEnabled(available and therapist)
        self.actions["erase_mine"].setEnabled(available and not therapist)
        self.actions["settings"].setEnabled(available and therapist)
        self.actions["plan"].setEnabled(available and therapist)
        self._refresh_plan_button(step)

    # -- the plan ---------------------------------------------------------------------------------

    def next_in_plan(self) -> PlanStep | None:
        """The practice the active client's plan offers next (None: no plan, or no store)."""
        records = self.records
        if records is None:
            return None
        try:
            client = records.active_client()
            plan = records.plan(client.client_id)
            if not plan.steps:
                return None
            played = [(s.script_id, s.fraction_completed)
                      for s in records.sessions(client.client_id)]
        except StoreError as exc:
            log.warning("the plan could not be read: %s", exc)
            return None
        step = plan.next_step(played)
        if step is None or step.script_id not in self.titles():
            return None
        return step

    def plan_text(self) -> str | None:
        """The active client's plan as plain text, for a take-home file (None without one)."""
        records = self.records
        if records is None:
            return None
        try:
            client = records.active_client()
            plan = records.plan(client.client_id)
        except StoreError:
            return None
        if not plan.steps:
            return None
        return plan.as_text(self.titles(), self.who(client))

    def _refresh_plan_button(self, step: PlanStep | None) -> None:
        if step is None:
            self.plan_button.hide()
            return
        title = self.titles().get(step.script_id, step.script_id)
        self.plan_button.setText(f"Next in your plan: {title}")
        self.plan_button.setAccessibleName(f"Next in your plan: {title}")
        self.plan_button.show()

    def _on_plan_button(self) -> None:
        step = self.next_in_plan()
        if step is None:
            return
        if not self.practice.choose(step.script_id):
            return
        if step.pacing is not None:
            self.pacing_panel.set_pacing(step.pacing)
        # The step's recorded voice if this computer has it; else the usual voice.
        if not self.pacing_panel.set_voice(step.voice):
            self.pacing_panel.set_voice("")

    def _on_note_button(self) -> None:
        if self.records is None and self.off_reason == LOCKED_NOTE:
            self.locking.ask_unlock()
        else:
            self.flow.review_consent()

    def calm(self, text: str, detail: str = "") -> QMessageBox:
        self.message_box = show_calm_message(self.window, text, detail)
        return self.message_box

    def later(self, call: Callable[[], None]) -> None:
        QTimer.singleShot(0, self, call)

    def when_free(self, call: Callable[[], None]) -> None:
        """`later`, and after the first-run welcome if it is still to be read: the person meets
        one window at a time, the welcome first."""
        self.later(lambda: self._after_welcome(call))

    def show_flow(self, dialog: QDialog, then: Callable[[], None] | None = None) -> None:
        """Open a form that belongs to the practice flow; one at a time, the rest wait."""
        if self.dialog is not None:
            self._waiting.append(lambda: self.show_flow(dialog))
            return
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._flow_closed(dialog))
        dialog.open()

    def _flow_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.later(self._next_waiting)

    def wait_for_form(self, call: Callable[[], None]) -> None:
        """Run `call` once the flow form open now (and any waiting before it) has closed."""
        self._waiting.append(call)

    def clear_waiting(self) -> None:
        self._waiting.clear()

    def _next_waiting(self) -> None:
        if self.dialog is None and self._waiting:
            self._waiting.pop(0)()
        elif self.dialog is None:
            self.locking.maybe_deferred_lock()

    def titles(self) -> dict[str, str]:
        return {s.id: s.title for s in self.library.scripts()}

    def client(self) -> Client:
        assert self.records is not None
        return self.records.active_client()

    def who(self, client: Client) -> str:
        """The pseudonym to show on a form: only in therapist mode (several people share the
        computer); on a client's own laptop it would only be "Me"."""
        try:
            therapist = self.records is not None and self.records.mode() is Mode.THERAPIST
        except StoreError:
            therapist = False
        return client.pseudonym if therapist else ""

    def store_failed(self, exc: CftError) -> None:
        log.warning("ratings store: %s", exc)
        self.calm(str(exc), "Practices keep working. If this keeps happening, close and reopen "
                  "CFT Desktop.")

    def open_store(self) -> None:
        try:
            if db.needs_passphrase(self.path):
                self.set_off(LOCKED_NOTE)
                self.when_free(self.locking.ask_unlock)
                return
            self.adopt(Records.open(self.path))
        except StoreError as exc:
            log.warning("ratings store could not be opened: %s", exc)
            self.set_off(UNAVAILABLE_NOTE)
            detail = str(exc)
            self.when_free(lambda: self.calm(UNAVAILABLE_MESSAGE, detail))

    def set_off(self, reason: str) -> None:
        self.records = None
        self.off_reason = reason
        self.refresh_status()
        self.store_changed.emit()

    def adopt(self, records: Records) -> None:
        self.records = records
        self.off_reason = ""
        message = records.recovery_message
        if message:
            self.when_free(lambda: self.calm(message,
                                             "Nothing else needs doing; ratings work as usual."))
        self.refresh_status()
        self.locking.restart_idle()
        self.store_changed.emit()

    def tell_late_recovery(self) -> None:
        """A client's file is read when first needed (switching to them, their history): if it
        needed recovering, say so then, as opening says it for what it read."""
        records = self.records
        try:
            message = records.new_recovery_message() if records is not None else None
        except StoreError:
            return
        if message:
            self.when_free(lambda: self.calm(message,
                                             "Nothing else needs doing; ratings work as usual."))

    def open_side(self, dialog: QDialog) -> QDialog:
        if self.side_dialog is not None:
            self.side_dialog.close()
        self.side_dialog = dialog
        dialog.setModal(True)
        dialog.open()
        return dialog

    def show_history(self) -> HistoryDialog | None:
        from cft_desktop.ui.records.views.history import HistoryDialog

        if self.records is None:
            return None
        if self.history_dialog is None:
            self.history_dialog = HistoryDialog(self.window)
        if not self.refresh_history(force=True):
            return None
        self.history_dialog.show()
        self.history_dialog.raise_()
        self.history_dialog.activateWindow()
        return self.history_dialog

    def refresh_history(self, force: bool = False) -> bool:
        dialog, records = self.history_dialog, self.records
        if dialog is None or records is None or not (force or dialog.isVisible()):
            return False
        try:
            client = records.active_client()
            sessions = records.sessions(client.client_id)
            items = records.item_set(client.client_id)
        except StoreError as exc:
            self.store_failed(exc)
            return False
        dialog.set_history(client.pseudonym, sessions, items, self.titles())
        self.tell_late_recovery()
        return True

    def shutdown(self) -> None:
        """The window is closing: stop the idle lock and close the store."""
        self.locking.stop()
        if self.records is not None:
            self.records.close()
            self.records = None
