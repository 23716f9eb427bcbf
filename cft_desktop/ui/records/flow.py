"""The rating flow of one practice, as a small explicit state machine (CLINICAL.md §5–§7).

Owns a practice's way through the ratings: first-run consent (once per profile), the before form,
waiting for the sound, playing (or grounding, if Ground me interrupted it), the after form, and
the safety check with the safety window when a rule fires. A practice that is not rated (ratings
declined, "Skip rating this time", the store locked or unavailable) still gets the safety check
after every imagery practice: a short check-in whose answers are used once and never stored
(issue 16 §1). The steps and the moves allowed
between them are `Step` and `NEXT`; `step` is where the flow is now, `step_changed` tells when it
moves. A practice stopped before its sound began, or that could not play, is not recorded; Escape
on the before form plays nothing; "Skip rating this time" records the practice with every answer
skipped and asks nothing afterwards; the grounding practice itself is never rated or delayed.
The forms go through the controller's one-at-a-time queue (`RecordsController.show_flow`).
GUI thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from cft_desktop import paths
from cft_desktop.core.grounding import GROUND_ME_ID
from cft_desktop.core.ratings import (
    CONSENT_VERSION,
    DEFAULT_SAFETY_TRIGGERS,
    Answer,
    ConsentRecord,
    CrisisResources,
    ItemSet,
    Phase,
    SafetyTriggers,
    Trigger,
    fired_triggers,
)
from cft_desktop.core.ratings.safety import check_in_items, needs_check_in
from cft_desktop.core.script import Script
from cft_desktop.errors import CftError, StoreError
from cft_desktop.store.records import Client, Mode
from cft_desktop.ui.common.states import IDLE
from cft_desktop.ui.records.views.consent import ConsentDialog, consent_needed, ratings_allowed

if TYPE_CHECKING:
    from cft_desktop.ui.records.controller import RecordsController
    from cft_desktop.ui.records.views.safety import SafetyDialog

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now().astimezone()


class Step(Enum):
    """Where a practice is in the rating flow."""

    IDLE = "idle"                  # nothing in flight
    CONSENT = "consent"            # the first-run consent form is open
    BEFORE = "before"              # the before form is open
    STARTING = "starting"          # rated before; waiting for the sound to begin
    PLAYING = "playing"            # recorded, sounding (or paused)
    GROUNDING = "grounding"        # Ground me interrupted it; the after form waits for the end
    AFTER = "after"                # the after form is open (or waiting for another form)
    CHECK_IN = "check-in"          # not rated: the unsaved check-in form is open (or waiting)
    SAFETY_CHECK = "safety check"  # the after answers are saved and the safety rules checked


# The moves the flow makes; any step may also go back to IDLE (locked, client erased, a store
# error), since a form or a recording can always be abandoned without harm.
NEXT: dict[Step, frozenset[Step]] = {
    Step.IDLE: frozenset({Step.CONSENT, Step.BEFORE, Step.PLAYING}),  # PLAYING: not rated
    Step.CONSENT: frozenset({Step.BEFORE}),
    Step.BEFORE: frozenset({Step.STARTING}),
    Step.STARTING: frozenset({Step.PLAYING}),
    Step.PLAYING: frozenset({Step.GROUNDING, Step.AFTER, Step.CHECK_IN}),
    Step.GROUNDING: frozenset({Step.AFTER, Step.CHECK_IN}),
    Step.AFTER: frozenset({Step.SAFETY_CHECK, Step.CHECK_IN}),  # CHECK_IN: "Skip rating"
    Step.CHECK_IN: frozenset({Step.SAFETY_CHECK}),
    Step.SAFETY_CHECK: frozenset(),
}


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
    kind: str = ""


@dataclass(frozen=True)
class _Unrated:
    """An imagery practice sounding without a rating; the check-in follows it."""

    script_id: str
    title: str
    client_id: str | None  # whose safety rules apply (None: no store open, the defaults)


class RatingFlow(QObject):
    """Consent → before → play → after → safety check, for one window's practices."""

    step_changed = Signal(str)  # the new `Step`'s value
    safety_shown = Signal(object)  # tuple[Trigger, ...]

    def __init__(self, hub: RecordsController) -> None:
        super().__init__(hub)
        self.hub = hub
        self.step = Step.IDLE
        self.safety_dialog: SafetyDialog | None = None
        self._pending: _Pending | None = None
        self._active: _Active | None = None
        self._interrupted: tuple[_Active, float] | None = None
        self._unrated: _Unrated | None = None
        self._unrated_interrupted: tuple[_Unrated, float] | None = None
        self._starting = False  # inside practice.start_practice (its own "idle" is not an ending)
        hub.practice.practice_started.connect(self._on_practice_started)
        hub.practice.practice_finished.connect(self._on_practice_finished)
        hub.practice.grounding_started.connect(self._on_grounding_started)
        hub.playback.state_changed.connect(self._on_playback_state)

    def _go(self, step: Step) -> None:
        if step is self.step:
            return
        if step is not Step.IDLE and step not in NEXT[self.step]:
            # Never stops a practice: the flow goes on, and the log says where it went astray.
            log.warning("rating flow: unexpected move from %s to %s", self.step.value, step.value)
        self.step = step
        self.step_changed.emit(step.value)

    @property
    def busy(self) -> bool:
        """A practice is between its before form and its after form (the idle lock waits)."""
        return (self._active is not None or self._pending is not None
                or self._unrated is not None or self.step is Step.CHECK_IN)

    @property
    def recording(self) -> bool:
        """A recorded practice is sounding (the idle lock waits for its end)."""
        return self._active is not None

    def forget_pending(self) -> None:
        """The store locked while a before form was done but its sound not yet begun."""
        if self._pending is not None:
            self._pending = None
            if self.step is Step.STARTING:
                self._go(Step.IDLE)

    def on_locked(self) -> None:
        """The store locked: its forms were closed unanswered and the queue emptied."""
        self.forget_pending()
        if self.step in (Step.CONSENT, Step.BEFORE, Step.AFTER):
            self._go(Step.IDLE)

    def forget(self, client_id: str | None = None) -> None:
        """Drop the practice in flight (of `client_id` only, if given): the store was locked or
        the client erased, so it is no longer recorded."""
        if self._active is not None and client_id in (None, self._active.client_id):
            self._active = None
        if self._interrupted is not None and client_id in (None, self._interrupted[0].client_id):
            self._interrupted = None
        if self._pending is not None and client_id in (None, self._pending.client_id):
            self._pending = None
        if self._unrated is not None and client_id in (None, self._unrated.client_id):
            self._unrated = None
        if (self._unrated_interrupted is not None
                and client_id in (None, self._unrated_interrupted[0].client_id)):
            self._unrated_interrupted = None
        if not (self._active or self._interrupted or self._pending or self._unrated
                or self._unrated_interrupted):
            self._go(Step.IDLE)

    def before_practice(self, script: Script) -> bool:
        """Called by the window before it starts `script` from Play. True: we start it later."""
        if script.id == GROUND_ME_ID or script.kind == "grounding":
            return False  # a way out is never delayed by a form
        if self.hub.dialog is not None:
            self.hub.wait_for_form(lambda: self._start_when_ready(script))
            return True
        records = self.hub.records
        if records is None:
            return False
        try:
            client = records.active_client()
            consent = records.consent(client.client_id)
        except StoreError as exc:
            self.hub.store_failed(exc)
            return False
        if consent_needed(consent):
            self._ask_consent(script, client)
            return True
        if not ratings_allowed(consent):
            return False
        return self._ask_before(script, client)

    def _start_when_ready(self, script: Script) -> None:
        if not self.before_practice(script):
            self.hub.practice.start_practice(script)

    def first_run(self) -> None:
        """The first time the window opens on this computer account: the consent (with the
        practice, breathing and crisis information in it) before any practice, or, when no
        ratings can be kept, that information alone (issue 16 §2). Shown until it is answered;
        the consent itself is recorded per client, as before the first rating."""
        settings = self.hub.settings
        if settings is None or settings.first_run_seen() >= CONSENT_VERSION:
            return
        if self.hub.dialog is not None:  # e.g. the passphrase prompt: this comes after it
            self.hub.wait_for_form(self.first_run)
            return

        def seen() -> None:
            settings.set_first_run_seen(CONSENT_VERSION)

        records = self.hub.records
        if records is not None:
            try:
                client = records.active_client()
                consent = records.consent(client.client_id)
            except StoreError as exc:
                self.hub.store_failed(exc)
                return
            if consent_needed(consent):
                self._ask_consent(None, client, on_decided=seen)
            else:
                seen()
            return
        from cft_desktop.ui.records.views.consent import FirstRunInfoDialog

        dialog = FirstRunInfoDialog(self.hub.window)
        dialog.read.connect(seen)
        self.hub.show_flow(dialog)

    def _ask_consent(self, script: Script | None, client: Client, reviewing: bool = False,
                     on_decided: Callable[[], None] | None = None) -> None:
        accepted: frozenset[str] = frozenset()
        if reviewing and self.hub.records is not None:
            record = self.hub.records.consent(client.client_id)
            accepted = record.accepted_topics if record is not None else frozenset()
        therapist = self.hub.records is not None and self.hub.records.mode() is Mode.THERAPIST
        dialog = ConsentDialog(paths.data_dir(), accepted, reviewing,
                               client.pseudonym if therapist else "", self.hub.window)
        dialog.decided.connect(lambda topics: self._on_consent(script, client, topics))
        if on_decided is not None:
            dialog.decided.connect(lambda _topics: on_decided())
        if script is not None:
            self._go(Step.CONSENT)
            dialog.dismissed.connect(lambda: self._play_unrated(script))
        self.hub.show_flow(dialog)

    def _on_consent(self, script: Script | None, client: Client, topics: frozenset[str]) -> None:
        records = self.hub.records
        if records is None:
            self._go(Step.IDLE)
            return
        record = ConsentRecord(CONSENT_VERSION, frozenset(topics), _now())
        try:
            records.record_consent(client.client_id, record)
        except StoreError as exc:
            self._go(Step.IDLE)
            self.hub.store_failed(exc)
            return
        self.hub.refresh_status()
        if script is None:
            return
        if not ratings_allowed(record) or not self._ask_before(script, client):
            self._play_unrated(script)

    def _ask_before(self, script: Script, client: Client) -> bool:
        from cft_desktop.ui.records.views.ratings_dialog import RatingDialog

        assert self.hub.records is not None
        try:
            items = self.hub.records.item_set(client.client_id).for_phase(Phase.BEFORE)
        except StoreError as exc:
            self.hub.store_failed(exc)
            return False
        dialog = RatingDialog(Phase.BEFORE, items, script.title, who=self.hub.who(client),
                              parent=self.hub.window)
        dialog.submitted.connect(lambda answers: self._begin(script, client.client_id, answers))
        dialog.skipped_all.connect(lambda: self._begin(script, client.client_id, None))
        # Escape on the before form plays nothing.
        dialog.dismissed.connect(lambda: self._go(Step.IDLE))
        self._go(Step.BEFORE)
        self.hub.show_flow(dialog)
        return True

    def _play_unrated(self, script: Script) -> None:
        self._go(Step.IDLE)
        self.hub.practice.start_practice(script)

    def _begin(self, script: Script, client_id: str, before: tuple[Answer, ...] | None) -> None:
        self._pending = _Pending(script, client_id, before)
        self._go(Step.STARTING)
        self._starting = True
        try:
            self.hub.practice.start_practice(script)
        finally:
            self._starting = False

    def _on_practice_started(self, practice_id: str) -> None:
        pending, self._pending = self._pending, None
        records = self.hub.records
        if pending is None or pending.script.id != practice_id or records is None:
            if pending is not None:
                self._go(Step.IDLE)
            self._start_unrated(practice_id)
            return
        script = pending.script
        session = self.hub.playback.session
        pacing = (session.pacing if session is not None and session.script.id == practice_id
                  else self.hub.pacing_panel.pacing())
        try:
            items = records.item_set(pending.client_id)
            before = pending.before
            if before is None:
                before = tuple(item.skip() for item in items.for_phase(Phase.BEFORE))
            session_id = records.start_session(
                pending.client_id, script.id, str(script.version),
                {**pacing.to_dict(), "ratio": pacing.ratio_text},
                self.hub.playback.narrator.voice_name, _now(),
            )
            records.save_before(session_id, before)
        except CftError as exc:
            self._go(Step.IDLE)
            self.hub.store_failed(exc)
            self._start_unrated(practice_id)  # not recorded: the check-in still follows
            return
        self._active = _Active(session_id, script.id, script.title, pending.client_id,
                               rated=pending.before is not None, kind=script.kind)
        self._go(Step.PLAYING)
        self.hub.store_changed.emit()

    def _on_grounding_started(self, interrupted: str, heard: float) -> None:
        active = self._active
        if active is not None and interrupted == active.script_id:
            self._active = None
            self._interrupted = (active, heard)
            self._go(Step.GROUNDING)
        unrated = self._unrated
        if unrated is not None and interrupted == unrated.script_id:
            self._unrated = None
            self._unrated_interrupted = (unrated, heard)
            self._go(Step.GROUNDING)

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
        unrated = self._unrated
        if unrated is not None and practice_id == unrated.script_id:
            self._unrated = None
            self._check_in(unrated, heard)
            return
        if self._unrated_interrupted is not None and practice_id == GROUND_ME_ID:
            held, fraction = self._unrated_interrupted
            self._unrated_interrupted = None
            self._check_in(held, fraction)
            return
        self.hub.locking.maybe_deferred_lock()

    def _on_playback_state(self, state: str) -> None:
        """Back to idle: a practice stopped or failed before its sound began is not recorded,
        and a grounding that ended (or could not play) lets the held-back after form appear."""
        if state != IDLE or self._starting:
            return
        if self._pending is not None:
            self._pending = None
            self._go(Step.IDLE)
        if self._interrupted is not None and self.hub.playback.practice_id == "":
            interrupted, fraction = self._interrupted
            self._interrupted = None
            self._after(interrupted, fraction, _now())
        if self._unrated_interrupted is not None and self.hub.playback.practice_id == "":
            held, fraction = self._unrated_interrupted
            self._unrated_interrupted = None
            self._check_in(held, fraction)

    def _after(self, active: _Active, fraction: float, ended: datetime) -> None:
        from cft_desktop.ui.records.views.ratings_dialog import RatingDialog

        self._go(Step.AFTER)
        if self.hub.dialog is not None:
            self.hub.wait_for_form(lambda: self._after(active, fraction, ended))
            return
        records = self.hub.records
        if records is None:
            self._go(Step.IDLE)
            return
        try:
            items = records.item_set(active.client_id).for_phase(Phase.AFTER)
        except StoreError as exc:
            self._go(Step.IDLE)
            self.hub.store_failed(exc)
            return
        skips = tuple(item.skip() for item in items)
        if not active.rated:
            self._save_after(active, skips, ended, fraction,
                             check_in=needs_check_in(active.kind))
            return
        try:
            who = self.hub.who(records.client(active.client_id))
        except StoreError:
            who = ""
        dialog = RatingDialog(Phase.AFTER, items, active.title, fraction, who=who,
                              parent=self.hub.window)
        dialog.submitted.connect(lambda answers: self._save_after(active, answers, ended, fraction))
        dialog.skipped_all.connect(lambda: self._save_after(active, skips, ended, fraction))
        dialog.dismissed.connect(lambda: self._save_after(active, skips, ended, fraction))
        self.hub.show_flow(dialog)

    def _save_after(self, active: _Active, answers: Sequence[Answer], ended: datetime,
                    fraction: float, check_in: bool = False) -> None:
        records = self.hub.records
        if records is None:
            self._go(Step.IDLE)
            return
        if check_in:
            # "Skip rating this time": the practice is recorded with every answer skipped, and
            # the unsaved check-in keeps the safety check.
            try:
                records.save_after(active.session_id, answers, ended, fraction)
            except CftError as exc:
                self.hub.store_failed(exc)
            else:
                self.hub.store_changed.emit()
                self.hub.refresh_history()
            self._check_in(_Unrated(active.script_id, active.title, active.client_id), fraction)
            return
        self._go(Step.SAFETY_CHECK)
        try:
            records.save_after(active.session_id, answers, ended, fraction)
            session = records.session(active.session_id)
            triggers = records.safety_triggers(active.client_id)
            fired = fired_triggers(session.answers(Phase.BEFORE), session.answers(Phase.AFTER),
                                   triggers)
        except CftError as exc:
            self._go(Step.IDLE)
            self.hub.store_failed(exc)
            return
        self._go(Step.IDLE)
        self.hub.store_changed.emit()
        self.hub.refresh_history()
        if fired:
            self.show_safety(fired)

    # -- the check-in, for a practice that is not rated ---------------------------------------

    def _start_unrated(self, practice_id: str) -> None:
        """A practice's sound began without a recorded session: follow it with the check-in if
        it is an imagery practice."""
        script = self._script(practice_id)
        if script is None or not needs_check_in(script.kind):
            return
        client_id: str | None = None
        records = self.hub.records
        if records is not None:
            try:
                client_id = records.active_client().client_id
            except CftError as exc:
                log.warning("the client in use could not be read: %s", exc)
        self._unrated = _Unrated(script.id, script.title, client_id)
        self._go(Step.PLAYING)

    def _script(self, practice_id: str) -> Script | None:
        session = self.hub.playback.session
        if session is not None and session.script.id == practice_id:
            return session.script  # also an editor's unsaved version, played from there
        return next((s for s in self.hub.library.scripts() if s.id == practice_id), None)

    def _check_in(self, practice: _Unrated, fraction: float) -> None:
        from cft_desktop.ui.records.views.check_in import CheckInDialog

        self._go(Step.CHECK_IN)
        if self.hub.dialog is not None:
            self.hub.wait_for_form(lambda: self._check_in(practice, fraction))
            return
        items, triggers, who = self._check_in_rules(practice.client_id)
        dialog = CheckInDialog(check_in_items(items), practice.title, fraction, who,
                               self.hub.window)
        dialog.submitted.connect(lambda answers: self._checked(answers, triggers))
        dialog.skipped_all.connect(lambda: self._go(Step.IDLE))
        dialog.dismissed.connect(lambda: self._go(Step.IDLE))
        self.hub.show_flow(dialog)

    def _check_in_rules(self, client_id: str | None) -> tuple[ItemSet | None, SafetyTriggers, str]:
        """The wording, safety rules and name of `client_id` if the store can tell; else the
        defaults (ratings locked or unavailable)."""
        records = self.hub.records
        if records is None or client_id is None:
            return None, DEFAULT_SAFETY_TRIGGERS, ""
        try:
            client = records.client(client_id)
            return (records.item_set(client_id), records.safety_triggers(client_id),
                    self.hub.who(client))
        except CftError as exc:
            log.warning("the safety rules could not be read; using the usual ones: %s", exc)
            return None, DEFAULT_SAFETY_TRIGGERS, ""

    def _checked(self, answers: Sequence[Answer], triggers: SafetyTriggers) -> None:
        """The check-in's answers: the same rules as a rated practice's after form, then gone."""
        self._go(Step.SAFETY_CHECK)
        fired = fired_triggers((), answers, triggers)
        self._go(Step.IDLE)
        if fired:
            self.show_safety(fired)

    def show_safety(self, fired: Sequence[Trigger]) -> SafetyDialog:
        from cft_desktop.ui.records.views.safety import SafetyDialog

        resources = self.crisis_resources()
        if self.safety_dialog is not None:
            self.safety_dialog.close()
        dialog = SafetyDialog(fired, resources, self.hub.window)
        dialog.ground_requested.connect(lambda: self.hub.practice.ground_me())
        # Keyboard users carry on in the main window once this closes, with or without a window
        # manager to hand the focus back (seen missing under a bare X server).
        dialog.finished.connect(lambda _result: self.hub.window.activateWindow())
        self.safety_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.safety_shown.emit(tuple(fired))
        return dialog

    def crisis_resources(self) -> CrisisResources:
        if self.hub.records is not None:
            try:
                return self.hub.records.crisis_resources()
            except StoreError as exc:
                log.warning("crisis resources could not be read: %s", exc)
        return CrisisResources()

    def show_crisis_resources(self) -> QDialog:
        from cft_desktop.ui.records.views.safety import CrisisDialog

        return self.hub.open_side(CrisisDialog(self.crisis_resources(), self.hub.window))

    def review_consent(self) -> None:
        if self.hub.records is None:
            return
        try:
            client = self.hub.records.active_client()
        except StoreError as exc:
            self.hub.store_failed(exc)
            return
        self._ask_consent(None, client, reviewing=True)

