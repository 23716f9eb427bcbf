"""The ratings, records and safety controller of the window: the only GUI code that calls the store.

Owns the ratings file while the window is open (`Records`) and every flow around it:

* **Opening**: at start, open the file; if it is locked, ask for the passphrase (a wrong one is
  said plainly and asked again, the file untouched); show a recovery message once; if the store
  cannot be used, say so calmly, keep a visible note, and let practices play without ratings.
* **A practice**: the window asks `before_practice(script)` (given to it by `install`) before
  starting one from Play. Here, first-run consent (once per profile), then the before form;
  its Continue starts the practice.
  When the sound starts (`practice_started`) the session is recorded (client, script id and
  version, pacing, voice, start time) with the before answers. When it ends (`practice_finished`,
  also when stopped early) the after form follows, or, if Ground me interrupted it
  (`grounding_started`), only once the grounding has finished. After saving, the safety rules are
  checked and the safety window opens if any fired. "Skip rating this time" records the practice
  with every answer skipped and asks nothing afterwards. Escape on the before form plays nothing.
  A practice stopped before its sound began, or that could not play, is not recorded. Without
  ratings consent, nothing about a practice is stored. The grounding practice itself is never
  rated or delayed.
* **Therapist mode**: clients under pseudonyms (create, rename, switch, erase), the questions,
  safety rules and crisis resources; the active client's pseudonym is shown in the status bar.
  Switching client puts that client's breathing back in the side panel (the pacing of their
  latest practice; the usual pacing for a client with none yet).
* **Privacy**: set/change/remove the passphrase; lock after the chosen idle time (an event filter
  on the QApplication restarts a timer on user input; a playing practice is never interrupted,
  the lock follows when it and its rating end); locking closes the store and asks to unlock.
  Without a passphrase there is nothing to lock, so the idle timer only runs with one.
* **History, export, import** of the active client's ratings (export and import work on the
  client in use; a CSV's own client column is not followed on import).
* **Window furniture**: a Ratings menu, "Crisis resources…" in the Help menu, and in the status
  bar the client in use (therapist mode) and a note when ratings are off (locked, unavailable, or
  declined) with its Unlock…/Change… button; the status bar is hidden when there is nothing to say.

Views emit intents; this object calls `Records` and the export functions and hands values back.
Everything runs on the GUI thread (store writes take a few milliseconds).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QWidget,
)

from cft_desktop import paths
from cft_desktop.core.grounding import GROUND_ME_ID
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.patterns import Pattern
from cft_desktop.core.ratings import (
    CONSENT_VERSION,
    Answer,
    ConsentRecord,
    CrisisResources,
    ItemSet,
    Phase,
    SafetyTriggers,
    Trigger,
    fired_triggers,
)
from cft_desktop.core.script import Script
from cft_desktop.errors import CftError, CsvImportError, StoreError, WrongPassphraseError
from cft_desktop.store import db
from cft_desktop.store.records import Client, Mode, Records
from cft_desktop.ui.common.messages import show_calm_message
from cft_desktop.ui.common.states import IDLE
from cft_desktop.ui.records.views.common import named
from cft_desktop.ui.records.views.consent import ConsentDialog, consent_needed, ratings_allowed

# The dialogs and the export code are imported when first opened, not at start-up.
if TYPE_CHECKING:
    from cft_desktop.core.library import Library
    from cft_desktop.ui.common.actions import Actions
    from cft_desktop.ui.panels.pacing_panel import PacingPanel
    from cft_desktop.ui.player.controller import PracticeController
    from cft_desktop.ui.player.playback import Playback
    from cft_desktop.ui.records.views.history import HistoryDialog
    from cft_desktop.ui.records.views.passphrase import PrivacyDialog, UnlockDialog
    from cft_desktop.ui.records.views.profiles import EraseClientDialog, ProfilesDialog
    from cft_desktop.ui.records.views.rating_settings import RatingSettingsDialog
    from cft_desktop.ui.records.views.safety import SafetyDialog

log = logging.getLogger(__name__)

RATINGS_MENU = "&Ratings"
HELP_MENU = "&Help"
LOCKED_NOTE = "Ratings are locked. Practices play as usual."
DECLINED_NOTE = "Ratings are off for this profile, as you chose. Practices play as usual."
UNAVAILABLE_NOTE = "Ratings are unavailable just now. Practices play as usual."
UNAVAILABLE_MESSAGE = (
    "Your ratings could not be opened, so ratings are switched off for now. Practices play as "
    "usual."
)
EXPORT_FILTERS = "CSV for spreadsheets (*.csv);;PDF summary for clinical notes (*.pdf)"
IMPORT_FILTERS = "CSV files (*.csv);;All files (*)"
# What counts as someone using the computer, for the idle lock.
_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin,
})


def _now() -> datetime:
    return datetime.now().astimezone()


@dataclass(frozen=True)
class _Pending:
    """A practice whose before form is done, waiting for its sound to start."""

    script: Script
    client_id: str
    before: tuple[Answer, ...] | None  # None: "skip rating this time"


@dataclass(frozen=True)
class _Active:
    """A recorded practice that is playing (or was interrupted by Ground me)."""

    session_id: str
    script_id: str
    title: str
    client_id: str
    rated: bool


class ClientPatterns:
    """A therapist-mode client's own breathing patterns, kept in their settings in the store:
    encrypted with it, erased with the client, and never listed for another client."""

    def __init__(self, records: Records, client: Client) -> None:
        self.records = records
        self.client_id = client.client_id

    @property
    def note(self) -> str:
        # Read when asked: the therapist may have renamed the client since.
        try:
            name = self.records.client(self.client_id).pseudonym
        except CftError:
            name = "this client"
        return (f"This pattern is kept for {name} only, with their ratings; other clients do "
                "not see it, and it goes if their profile is erased.")

    def patterns(self) -> list[Pattern]:
        try:
            return self.records.patterns(self.client_id)
        except StoreError as exc:
            log.warning("saved patterns could not be read: %s", exc)
            return []

    def set_patterns(self, patterns: list[Pattern]) -> None:
        self.records.set_patterns(self.client_id, patterns)


class RecordsController(QObject):
    store_changed = Signal()  # opened, locked, client switched, settings or ratings saved
    safety_shown = Signal(object)  # tuple[Trigger, ...]

    def __init__(self, window: QMainWindow, actions: Actions, practice: PracticeController,
                 playback: Playback, pacing_panel: PacingPanel, library: Library,
                 path: Path | None = None) -> None:
        super().__init__(window)
        self.setObjectName("records-controller")
        self.window = window
        self.practice = practice
        self.playback = playback
        self.pacing_panel = pacing_panel
        self.library = library
        self._path = path
        self.records: Records | None = None
        self.off_reason = UNAVAILABLE_NOTE
        self.dialog: QDialog | None = None  # the open consent, rating or unlock form
        self.safety_dialog: SafetyDialog | None = None
        self.history_dialog: HistoryDialog | None = None
        self.profiles_dialog: ProfilesDialog | None = None
        self.side_dialog: QDialog | None = None  # settings, passphrase, crisis, erase, import report
        self.message_box: QMessageBox | None = None
        self._pending: _Pending | None = None
        self._active: _Active | None = None
        self._interrupted: tuple[_Active, float] | None = None
        self._waiting: list[Callable[[], None]] = []
        self._lock_after_practice = False
        self._filtering = False
        self._starting = False  # inside practice.start_practice (its own "idle" is not an ending)
        # Replaced by tests (and could be by a packaging with its own file chooser).
        self.ask_export_path: Callable[[], Path | None] = self._ask_export_path
        self.ask_import_path: Callable[[], Path | None] = self._ask_import_path

        # Whose patterns the side panel lists: (store, client) in therapist mode, else None.
        self._patterns_of: tuple[int, str] | None = None
        self.store_changed.connect(self._choose_patterns)

        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        # Precise: a coarse timer may drift by 5 %, i.e. 30 s of a 10-minute lock.
        self.idle_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.idle_timer.timeout.connect(self.on_idle_timeout)
        self._build_menus(actions)
        self._build_status()
        practice.practice_started.connect(self._on_practice_started)
        practice.practice_finished.connect(self._on_practice_finished)
        practice.grounding_started.connect(self._on_grounding_started)
        playback.state_changed.connect(self._on_playback_state)
        window.installEventFilter(self)

    @classmethod
    def install(cls, window: QMainWindow, actions: Actions, practice: PracticeController,
                playback: Playback, pacing_panel: PacingPanel, library: Library,
                path: Path | None = None) -> RecordsController:
        """Create the controller for `window` and open the ratings (dialogs follow once shown)."""
        controller = cls(window, actions, practice, playback, pacing_panel, library, path)
        # Handed over by the practice controller's own method, never written onto it: it decides
        # where its Play asks, and there is one gate at a time.
        practice.set_before_practice(controller.before_practice)
        controller.open_store()
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

    # ------------------------------------------------------------------ window furniture

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
            "summary.", self.export_ratings)
        add("import", "&Import ratings…", "Add ratings from a CSV file exported by CFT Desktop.",
            self.import_ratings)
        registry.separator(RATINGS_MENU)
        add("consent", "Your ratings and &privacy…", "What is stored, where, and your choices "
            "about it.", self.review_consent)
        add("passphrase", "&Passphrase and lock…", "Lock the ratings with a passphrase, and "
            "choose when the app locks itself.", self.show_privacy)
        add("lock", "&Lock now", "Lock the ratings now; the passphrase opens them again.",
            lambda: self.lock())
        add("erase_mine", "&Erase my ratings…", "Remove every rating and setting of this profile "
            "from this computer, backups included. You will be asked to confirm.",
            self.ask_erase_own)
        registry.separator(RATINGS_MENU)
        add("therapist", "&Therapist mode", "Several clients on this computer, each under a "
            "pseudonym, and the rating settings.", self._on_therapist_toggled, checkable=True)
        add("clients", "&Clients…", "Add, rename, switch or erase clients.", self.show_profiles)
        add("settings", "Rating &settings…", "Questions, safety rules and crisis resources.",
            self.show_rating_settings)
        add("crisis", "&Crisis resources…", "Numbers to call or text if you need help now. The "
            "app cannot contact anyone.", self.show_crisis_resources, menu=HELP_MENU)

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
        bar.addWidget(self.note_label, 1)
        bar.addPermanentWidget(self.note_button)
        bar.addPermanentWidget(self.profile_label)
        self._refresh_status()

    def _refresh_status(self) -> None:
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
        self.window.statusBar().setVisible(bool(note) or therapist)
        available = records is not None
        for key in ("history", "export", "import", "consent", "passphrase", "therapist"):
            self.actions[key].setEnabled(available)
        self.actions["lock"].setEnabled(available and records is not None and records.encrypted)
        self.actions["therapist"].blockSignals(True)
        self.actions["therapist"].setChecked(therapist)
        self.actions["therapist"].blockSignals(False)
        self.actions["clients"].setEnabled(available and therapist)
        self.actions["erase_mine"].setEnabled(available and not therapist)
        self.actions["settings"].setEnabled(available and therapist)

    def _on_note_button(self) -> None:
        if self.records is None and self.off_reason == LOCKED_NOTE:
            self.ask_unlock()
        else:
            self.review_consent()

    # ------------------------------------------------------------------ small helpers

    def _calm(self, text: str, detail: str = "") -> QMessageBox:
        self.message_box = show_calm_message(self.window, text, detail)
        return self.message_box

    def _later(self, call: Callable[[], None]) -> None:
        QTimer.singleShot(0, self, call)

    def _show_flow(self, dialog: QDialog, then: Callable[[], None] | None = None) -> None:
        """Open a form that belongs to the practice flow; one at a time, the rest wait."""
        if self.dialog is not None:
            self._waiting.append(lambda: self._show_flow(dialog))
            return
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._flow_closed(dialog))
        dialog.open()

    def _flow_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self._later(self._next_waiting)

    def _next_waiting(self) -> None:
        if self.dialog is None and self._waiting:
            self._waiting.pop(0)()
        elif self.dialog is None:
            self._maybe_deferred_lock()

    def _titles(self) -> dict[str, str]:
        return {s.id: s.title for s in self.library.scripts()}

    def _client(self) -> Client:
        assert self.records is not None
        return self.records.active_client()

    def _who(self, client: Client) -> str:
        """The pseudonym to show on a form: only in therapist mode (several people share the
        computer); on a client's own laptop it would only be "Me"."""
        try:
            therapist = self.records is not None and self.records.mode() is Mode.THERAPIST
        except StoreError:
            therapist = False
        return client.pseudonym if therapist else ""

    def _store_failed(self, exc: CftError) -> None:
        log.warning("ratings store: %s", exc)
        self._calm(str(exc), "Practices keep working. If this keeps happening, close and reopen "
                   "CFT Desktop.")

    # ------------------------------------------------------------------ opening and locking

    def open_store(self) -> None:
        try:
            if db.needs_passphrase(self.path):
                self._set_off(LOCKED_NOTE)
                self._later(self.ask_unlock)
                return
            self._adopt(Records.open(self.path))
        except StoreError as exc:
            log.warning("ratings store could not be opened: %s", exc)
            self._set_off(UNAVAILABLE_NOTE)
            detail = str(exc)
            self._later(lambda: self._calm(UNAVAILABLE_MESSAGE, detail))

    def _set_off(self, reason: str) -> None:
        self.records = None
        self.off_reason = reason
        self._refresh_status()
        self.store_changed.emit()

    def _adopt(self, records: Records) -> None:
        self.records = records
        self.off_reason = ""
        message = records.recovery_message
        if message:
            self._later(lambda: self._calm(message, "Nothing else needs doing; ratings work as usual."))
        self._refresh_status()
        self._restart_idle()
        self.store_changed.emit()

    def ask_unlock(self, after_idle: bool = False) -> None:
        from cft_desktop.ui.records.views.passphrase import UnlockDialog

        if self.records is not None:
            return
        if isinstance(self.dialog, UnlockDialog):
            self.dialog.raise_()
            return
        dialog = UnlockDialog(self.window, locked_after_idle=after_idle)
        dialog.unlock_requested.connect(lambda passphrase: self._on_unlock(dialog, passphrase))
        dialog.not_now.connect(self._refresh_status)
        self._show_flow(dialog)

    def _on_unlock(self, dialog: UnlockDialog, passphrase: str) -> None:
        try:
            records = Records.open(self.path, passphrase=passphrase)
        except WrongPassphraseError:
            dialog.show_wrong()
            return
        except StoreError as exc:
            dialog.show_wrong(str(exc))
            return
        dialog.finish()
        self._adopt(records)

    def lock(self, after_idle: bool = False) -> bool:
        """Close the store and ask for the passphrase again; False if there is nothing to lock."""
        from cft_desktop.ui.records.views.consent import ConsentDialog
        from cft_desktop.ui.records.views.ratings_dialog import RatingDialog

        records = self.records
        if records is None or not records.encrypted:
            return False
        self._lock_after_practice = False
        if isinstance(self.dialog, RatingDialog | ConsentDialog):
            self.dialog.close_silently()
        self._waiting.clear()
        self._pending = None
        for dialog in (self.history_dialog, self.profiles_dialog, self.side_dialog):
            if dialog is not None:
                dialog.close()
        self.history_dialog = self.profiles_dialog = self.side_dialog = None
        records.close()
        self.idle_timer.stop()
        self._set_off(LOCKED_NOTE)
        self.ask_unlock(after_idle)
        return True

    def _restart_idle(self) -> None:
        records = self.records
        minutes = 0
        if records is not None and records.encrypted:
            try:
                minutes = records.idle_lock_minutes()
            except StoreError:
                minutes = 0
        app = QApplication.instance()
        if minutes > 0:
            self.idle_timer.setInterval(minutes * 60_000)
            self.idle_timer.start()
            if not self._filtering and app is not None:
                app.installEventFilter(self)
                self._filtering = True
        else:
            self.idle_timer.stop()
            if self._filtering and app is not None:
                app.removeEventFilter(self)
                self._filtering = False

    def on_idle_timeout(self) -> None:
        """No input for the chosen time: lock, unless a practice is playing (then lock after)."""
        if self.records is None:
            return
        if self.playback.state != IDLE or self._active is not None or self._pending:
            self._lock_after_practice = True
            return
        self.lock(after_idle=True)

    def _maybe_deferred_lock(self) -> None:
        if (self._lock_after_practice and self.dialog is None and self._active is None
                and self.playback.state == IDLE):
            self.lock(after_idle=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _INPUT_EVENTS:
            if self.idle_timer.isActive():
                self.idle_timer.start()
        elif kind == QEvent.Type.Close and watched is self.window:
            self.shutdown()
        return False

    def shutdown(self) -> None:
        """The window is closing: close the store and stop watching input."""
        app = QApplication.instance()
        if self._filtering and app is not None:
            app.removeEventFilter(self)
            self._filtering = False
        self.idle_timer.stop()
        if self.records is not None:
            self.records.close()
            self.records = None

    # ------------------------------------------------------------------ the practice flow

    def before_practice(self, script: Script) -> bool:
        """Called by the window before it starts `script` from Play. True: we start it later."""
        if script.id == GROUND_ME_ID or script.kind == "grounding":
            return False  # a way out is never delayed by a form
        if self.dialog is not None:
            self._waiting.append(lambda: self._start_when_ready(script))
            return True
        records = self.records
        if records is None:
            return False
        try:
            client = records.active_client()
            consent = records.consent(client.client_id)
        except StoreError as exc:
            self._store_failed(exc)
            return False
        if consent_needed(consent):
            self._ask_consent(script, client)
            return True
        if not ratings_allowed(consent):
            return False
        return self._ask_before(script, client)

    def _start_when_ready(self, script: Script) -> None:
        if not self.before_practice(script):
            self.practice.start_practice(script)

    def _ask_consent(self, script: Script | None, client: Client, reviewing: bool = False) -> None:
        accepted: frozenset[str] = frozenset()
        if reviewing and self.records is not None:
            record = self.records.consent(client.client_id)
            accepted = record.accepted_topics if record is not None else frozenset()
        therapist = self.records is not None and self.records.mode() is Mode.THERAPIST
        dialog = ConsentDialog(paths.data_dir(), accepted, reviewing,
                               client.pseudonym if therapist else "", self.window)
        dialog.decided.connect(lambda topics: self._on_consent(script, client, topics))
        if script is not None:
            dialog.dismissed.connect(lambda: self.practice.start_practice(script))
        self._show_flow(dialog)

    def _on_consent(self, script: Script | None, client: Client, topics: frozenset[str]) -> None:
        records = self.records
        if records is None:
            return
        record = ConsentRecord(CONSENT_VERSION, frozenset(topics), _now())
        try:
            records.record_consent(client.client_id, record)
        except StoreError as exc:
            self._store_failed(exc)
            return
        self._refresh_status()
        if script is None:
            return
        if not ratings_allowed(record) or not self._ask_before(script, client):
            self.practice.start_practice(script)

    def _ask_before(self, script: Script, client: Client) -> bool:
        from cft_desktop.ui.records.views.ratings_dialog import RatingDialog

        assert self.records is not None
        try:
            items = self.records.item_set(client.client_id).for_phase(Phase.BEFORE)
        except StoreError as exc:
            self._store_failed(exc)
            return False
        dialog = RatingDialog(Phase.BEFORE, items, script.title, who=self._who(client),
                              parent=self.window)
        dialog.submitted.connect(lambda answers: self._begin(script, client.client_id, answers))
        dialog.skipped_all.connect(lambda: self._begin(script, client.client_id, None))
        self._show_flow(dialog)
        return True

    def _begin(self, script: Script, client_id: str, before: tuple[Answer, ...] | None) -> None:
        self._pending = _Pending(script, client_id, before)
        self._starting = True
        try:
            self.practice.start_practice(script)
        finally:
            self._starting = False

    def _on_practice_started(self, practice_id: str) -> None:
        pending, self._pending = self._pending, None
        records = self.records
        if pending is None or pending.script.id != practice_id or records is None:
            return
        script = pending.script
        session = self.playback.session
        pacing = (session.pacing if session is not None and session.script.id == practice_id
                  else self.pacing_panel.pacing())
        try:
            items = records.item_set(pending.client_id)
            before = pending.before
            if before is None:
                before = tuple(item.skip() for item in items.for_phase(Phase.BEFORE))
            session_id = records.start_session(
                pending.client_id, script.id, str(script.version),
                {**pacing.to_dict(), "ratio": pacing.ratio_text},
                self.playback.narrator.voice_name, _now(),
            )
            records.save_before(session_id, before)
        except CftError as exc:
            self._store_failed(exc)
            return
        self._active = _Active(session_id, script.id, script.title, pending.client_id,
                               rated=pending.before is not None)
        self.store_changed.emit()

    def _on_grounding_started(self, interrupted: str, heard: float) -> None:
        active = self._active
        if active is not None and interrupted == active.script_id:
            self._active = None
            self._interrupted = (active, heard)

    def _on_practice_finished(self, practice_id: str, heard: float) -> None:
        active = self._active
        if active is not None and practice_id == active.script_id:
            self._active = None
            self._after(active, heard, _now())
            return
        if self._interrupted is not None and practice_id == GROUND_ME_ID:
            interrupted, fraction = self._interrupted
            self._interrupted = None
            self._after(interrupted, fraction, _now())
            return
        self._maybe_deferred_lock()

    def _on_playback_state(self, state: str) -> None:
        """Back to idle: a practice stopped or failed before its sound began is not recorded,
        and a grounding that ended (or could not play) lets the held-back after form appear."""
        if state != IDLE or self._starting:
            return
        self._pending = None
        if self._interrupted is not None and self.playback.practice_id == "":
            interrupted, fraction = self._interrupted
            self._interrupted = None
            self._after(interrupted, fraction, _now())

    def _after(self, active: _Active, fraction: float, ended: datetime) -> None:
        from cft_desktop.ui.records.views.ratings_dialog import RatingDialog

        if self.dialog is not None:
            self._waiting.append(lambda: self._after(active, fraction, ended))
            return
        records = self.records
        if records is None:
            return
        try:
            items = records.item_set(active.client_id).for_phase(Phase.AFTER)
        except StoreError as exc:
            self._store_failed(exc)
            return
        skips = tuple(item.skip() for item in items)
        if not active.rated:
            self._save_after(active, skips, ended, fraction)
            return
        try:
            who = self._who(records.client(active.client_id))
        except StoreError:
            who = ""
        dialog = RatingDialog(Phase.AFTER, items, active.title, fraction, who=who,
                              parent=self.window)
        dialog.submitted.connect(lambda answers: self._save_after(active, answers, ended, fraction))
        dialog.skipped_all.connect(lambda: self._save_after(active, skips, ended, fraction))
        dialog.dismissed.connect(lambda: self._save_after(active, skips, ended, fraction))
        self._show_flow(dialog)

    def _save_after(self, active: _Active, answers: Sequence[Answer], ended: datetime,
                    fraction: float) -> None:
        records = self.records
        if records is None:
            return
        try:
            records.save_after(active.session_id, answers, ended, fraction)
            session = records.session(active.session_id)
            triggers = records.safety_triggers(active.client_id)
            fired = fired_triggers(session.answers(Phase.BEFORE), session.answers(Phase.AFTER),
                                   triggers)
        except CftError as exc:
            self._store_failed(exc)
            return
        self.store_changed.emit()
        self._refresh_history()
        if fired:
            self.show_safety(fired)

    def show_safety(self, fired: Sequence[Trigger]) -> SafetyDialog:
        from cft_desktop.ui.records.views.safety import SafetyDialog

        resources = self._crisis_resources()
        if self.safety_dialog is not None:
            self.safety_dialog.close()
        dialog = SafetyDialog(fired, resources, self.window)
        dialog.ground_requested.connect(lambda: self.practice.ground_me())
        # Keyboard users carry on in the main window once this closes, with or without a window
        # manager to hand the focus back (seen missing under a bare X server).
        dialog.finished.connect(lambda _result: self.window.activateWindow())
        self.safety_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.safety_shown.emit(tuple(fired))
        return dialog

    def _crisis_resources(self) -> CrisisResources:
        if self.records is not None:
            try:
                return self.records.crisis_resources()
            except StoreError as exc:
                log.warning("crisis resources could not be read: %s", exc)
        return CrisisResources()

    # ------------------------------------------------------------------ menu actions

    def _open_side(self, dialog: QDialog) -> QDialog:
        if self.side_dialog is not None:
            self.side_dialog.close()
        self.side_dialog = dialog
        dialog.setModal(True)
        dialog.open()
        return dialog

    def show_crisis_resources(self) -> QDialog:
        from cft_desktop.ui.records.views.safety import CrisisDialog

        return self._open_side(CrisisDialog(self._crisis_resources(), self.window))

    def review_consent(self) -> None:
        if self.records is None:
            return
        try:
            client = self.records.active_client()
        except StoreError as exc:
            self._store_failed(exc)
            return
        self._ask_consent(None, client, reviewing=True)

    def show_history(self) -> HistoryDialog | None:
        from cft_desktop.ui.records.views.history import HistoryDialog

        if self.records is None:
            return None
        if self.history_dialog is None:
            self.history_dialog = HistoryDialog(self.window)
        if not self._refresh_history(force=True):
            return None
        self.history_dialog.show()
        self.history_dialog.raise_()
        self.history_dialog.activateWindow()
        return self.history_dialog

    def _refresh_history(self, force: bool = False) -> bool:
        dialog, records = self.history_dialog, self.records
        if dialog is None or records is None or not (force or dialog.isVisible()):
            return False
        try:
            client = records.active_client()
            sessions = records.sessions(client.client_id)
            items = records.item_set(client.client_id)
        except StoreError as exc:
            self._store_failed(exc)
            return False
        dialog.set_history(client.pseudonym, sessions, items, self._titles())
        return True

    def _ask_export_path(self) -> Path | None:
        chosen, selected = QFileDialog.getSaveFileName(
            self.window, "Export ratings", str(Path.home() / "cft-ratings.csv"), EXPORT_FILTERS)
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() not in (".csv", ".pdf"):
            path = path.with_suffix(".pdf" if "pdf" in selected.lower() else ".csv")
        return path

    def _ask_import_path(self) -> Path | None:
        chosen, _selected = QFileDialog.getOpenFileName(
            self.window, "Import ratings", str(Path.home()), IMPORT_FILTERS)
        return Path(chosen) if chosen else None

    def export_ratings(self) -> Path | None:
        from cft_desktop.store.export import export_csv, export_pdf

        records = self.records
        if records is None:
            return None
        path = self.ask_export_path()
        if path is None:
            return None
        try:
            client = records.active_client()
            if path.suffix.lower() == ".pdf":
                summary = export_pdf(records, path, client.client_id)
                count = summary.sessions
                what = "A one-page summary of"
            else:
                count = export_csv(records, path, client.client_id)
                what = "The ratings of"
        except CftError as exc:
            self._calm(f"The ratings could not be exported. {exc}")
            return None
        plural = "practice" if count == 1 else "practices"
        self._calm(f"{what} {count} {plural} ({client.pseudonym}) was saved to {path}.",
                   "This file is not locked with your passphrase. Keep it somewhere private.")
        return path

    def import_ratings(self) -> None:
        from cft_desktop.store.export import import_csv
        from cft_desktop.ui.records.views.import_report import ImportProblemsDialog

        records = self.records
        if records is None:
            return
        path = self.ask_import_path()
        if path is None:
            return
        try:
            client = records.active_client()
            result = import_csv(records, path, client.client_id)
        except CsvImportError as exc:
            self._open_side(ImportProblemsDialog(exc.problems, self.window))
            return
        except CftError as exc:
            self._calm(f"Nothing was imported. {exc}")
            return
        imported = "1 practice" if result.imported == 1 else f"{result.imported} practices"
        text = f"Imported {imported} into {client.pseudonym}'s history."
        if result.duplicates:
            already = "1 was" if result.duplicates == 1 else f"{result.duplicates} were"
            text += f" {already} already here and skipped as duplicates."
        self._calm(text)
        self.store_changed.emit()
        self._refresh_history()

    def show_privacy(self) -> PrivacyDialog | None:
        from cft_desktop.ui.records.views.passphrase import PrivacyDialog

        records = self.records
        if records is None:
            return None
        try:
            minutes = records.idle_lock_minutes()
        except StoreError as exc:
            self._store_failed(exc)
            return None
        dialog = PrivacyDialog(records.encrypted, minutes, self.window)
        dialog.change_requested.connect(lambda current, new: self._change_passphrase(dialog, current, new))
        dialog.lock_minutes_changed.connect(self._set_lock_minutes)
        self._open_side(dialog)
        return dialog

    def _change_passphrase(self, dialog: PrivacyDialog, current: str | None, new: str | None) -> None:
        records = self.records
        if records is None:
            return
        try:
            records.change_passphrase(current, new)
        except WrongPassphraseError:
            dialog.show_message("The current passphrase is not right, so nothing was changed.")
            return
        except CftError as exc:
            dialog.show_message(f"Nothing was changed. {exc}")
            return
        dialog.clear_fields()
        dialog.accept()
        self._calm("Your ratings are now locked with the new passphrase." if new else
                   "The passphrase was removed. Your ratings are stored without one.",
                   "Keep the passphrase somewhere safe: without it the ratings cannot be opened."
                   if new else "")
        self._refresh_status()
        self._restart_idle()

    def _set_lock_minutes(self, minutes: int) -> None:
        if self.records is None:
            return
        try:
            self.records.set_idle_lock_minutes(minutes)
        except StoreError as exc:
            self._store_failed(exc)
            return
        self._restart_idle()

    def _on_therapist_toggled(self) -> None:
        self.set_mode(Mode.THERAPIST if self.actions["therapist"].isChecked() else Mode.PERSONAL)

    def set_mode(self, mode: Mode) -> None:
        records = self.records
        if records is None:
            return
        try:
            records.set_mode(mode)
            if mode is Mode.PERSONAL:
                records.switch_client(records.default_client().client_id)
        except StoreError as exc:
            self._store_failed(exc)
        self._refresh_status()
        self._refresh_history()
        self.store_changed.emit()

    def show_profiles(self) -> ProfilesDialog | None:
        from cft_desktop.ui.records.views.profiles import ProfilesDialog

        if self.records is None:
            return None
        if self.profiles_dialog is None:
            dialog = ProfilesDialog(self.window)
            dialog.create_requested.connect(self.create_client)
            dialog.rename_requested.connect(self.rename_client)
            dialog.switch_requested.connect(self.switch_client)
            dialog.erase_requested.connect(self.ask_erase_client)
            self.profiles_dialog = dialog
        self._refresh_profiles()
        self.profiles_dialog.open()
        return self.profiles_dialog

    def _refresh_profiles(self, message: str = "") -> None:
        dialog, records = self.profiles_dialog, self.records
        if dialog is None or records is None:
            return
        try:
            dialog.set_clients(records.clients(), records.active_client().client_id)
        except StoreError as exc:
            dialog.show_message(str(exc))
            return
        dialog.show_message(message)

    def create_client(self, pseudonym: str) -> Client | None:
        if self.records is None:
            return None
        try:
            client = self.records.create_client(pseudonym)
        except CftError as exc:
            self._refresh_profiles(str(exc))
            return None
        if self.profiles_dialog is not None:
            self.profiles_dialog.new_name.clear()
            self._refresh_profiles(f"Added {client.pseudonym}. Choose “Use this client” to rate "
                                   "their practices.")
            self.profiles_dialog.select(client.client_id)
        return client

    def rename_client(self, client_id: str, pseudonym: str) -> None:
        if self.records is None:
            return
        try:
            client = self.records.rename_client(client_id, pseudonym)
        except CftError as exc:
            self._refresh_profiles(str(exc))
            return
        if self.profiles_dialog is not None:
            self.profiles_dialog.rename_to.clear()
        self._refresh_profiles(f"Renamed to {client.pseudonym}.")
        self._refresh_status()
        self._refresh_history()

    def switch_client(self, client_id: str) -> None:
        if self.records is None:
            return
        try:
            client = self.records.switch_client(client_id)
        except CftError as exc:
            self._refresh_profiles(str(exc))
            return
        brought_back = self._bring_back_pacing(client.client_id)
        self._refresh_profiles(f"Now rating practices for {client.pseudonym}.{brought_back}")
        self._refresh_status()
        self._refresh_history()
        self.store_changed.emit()

    def _choose_patterns(self) -> None:
        """In therapist mode the side panel lists the active client's own patterns; otherwise
        (a client's own laptop, or the store locked or off) the computer's shared ones."""
        records = self.records
        shelf: ClientPatterns | None = None
        try:
            if records is not None and records.mode() is Mode.THERAPIST:
                shelf = ClientPatterns(records, records.active_client())
        except StoreError as exc:
            log.warning("therapist mode could not be read: %s", exc)
        owner = None if shelf is None else (id(records), shelf.client_id)
        if owner != self._patterns_of:
            self._patterns_of = owner
            self.pacing_panel.use_patterns(shelf)

    def _bring_back_pacing(self, client_id: str) -> str:
        """Put the client's own breathing back in the side panel: that of their latest practice.

        Several clients share one laptop; without this the next client would start at the last
        one's pace and holds. Returns a sentence saying what was brought back ('' if nothing).
        """
        if self.records is None:
            return ""
        for record in reversed(self.records.sessions(client_id)):
            try:
                pacing = Pacing.from_dict(dict(record.pacing))
            except (CftError, TypeError, ValueError):
                continue  # written by an older version, or damaged: look further back
            self.pacing_panel.set_pacing(pacing)
            return (f" Their breathing from last time is back: {pacing.bpm:g} breaths a minute, "
                    f"in to out {pacing.ratio_text}.")
        # No practice yet: the usual pace, not the previous client's.
        usual = Pacing()
        self.pacing_panel.set_pacing(usual)
        return (f" No practice of theirs yet, so the breathing is at the usual {usual.bpm:g} "
                f"breaths a minute.")

    def ask_erase_client(self, client_id: str) -> EraseClientDialog | None:
        from cft_desktop.ui.records.views.profiles import EraseClientDialog

        if self.records is None:
            return None
        try:
            client = self.records.client(client_id)
        except CftError as exc:
            self._refresh_profiles(str(exc))
            return None
        dialog = EraseClientDialog(client, self.profiles_dialog or self.window)
        dialog.confirmed.connect(self.erase_client)
        self.side_dialog = dialog
        dialog.open()
        return dialog

    def ask_erase_own(self) -> EraseClientDialog | None:
        """Personal mode: erase the profile in use (it starts again empty)."""

        if self.records is None:
            return None
        try:
            client = self.records.active_client()
        except StoreError as exc:
            self._store_failed(exc)
            return None
        return self.ask_erase_client(client.client_id)

    def erase_client(self, client_id: str) -> None:
        records = self.records
        if records is None:
            return
        try:
            report = records.erase_client(client_id)
        except CftError as exc:
            self._refresh_profiles(f"Nothing was erased. {exc}")
            return
        # A practice of theirs that is playing or waiting is no longer recorded.
        if self._active is not None and self._active.client_id == client_id:
            self._active = None
        if self._interrupted is not None and self._interrupted[0].client_id == client_id:
            self._interrupted = None
        if self._pending is not None and self._pending.client_id == client_id:
            self._pending = None
        removed = report.sessions_removed
        if self.profiles_dialog is None or not self.profiles_dialog.isVisible():
            self._calm(f"Erased: {removed} practice{'s' if removed != 1 else ''} and their "
                       "settings, also from the backup copies.")
        self._refresh_profiles(
            f"Erased {report.client.pseudonym}: {removed} practice{'s' if removed != 1 else ''} "
            f"and their settings, also from {report.backups_cleaned} backup "
            f"cop{'ies' if report.backups_cleaned != 1 else 'y'}.")
        self._refresh_status()
        self._refresh_history()
        self.store_changed.emit()

    def show_rating_settings(self) -> RatingSettingsDialog | None:
        from cft_desktop.ui.records.views.rating_settings import RatingSettingsDialog

        records = self.records
        if records is None:
            return None
        try:
            client = records.active_client()
            dialog = RatingSettingsDialog(
                client.pseudonym, records.item_set(client.client_id),
                records.safety_triggers(client.client_id), records.crisis_resources(), self.window)
        except StoreError as exc:
            self._store_failed(exc)
            return None
        dialog.saved.connect(lambda items, triggers, resources:
                             self.save_rating_settings(client.client_id, items, triggers, resources))
        self._open_side(dialog)
        return dialog

    def save_rating_settings(self, client_id: str, items: ItemSet, triggers: SafetyTriggers,
                             resources: CrisisResources) -> None:
        records = self.records
        if records is None:
            return
        try:
            records.set_item_set(client_id, items)
            records.set_safety_triggers(client_id, triggers)
            records.set_crisis_resources(resources)
        except CftError as exc:
            self._store_failed(exc)
            return
        self.store_changed.emit()
        self._refresh_history()
