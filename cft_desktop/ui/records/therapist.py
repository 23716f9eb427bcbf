"""Therapist mode: several clients on one laptop, each under a pseudonym, and their settings.

Owns switching the mode, the Clients dialog (create, rename, switch, erase, where the therapist
types the pseudonym to confirm), giving each client their own breathing back when switched to
(the pacing of their latest practice; the usual pacing for a client with none yet) and their own
saved breathing patterns in the side panel, and the rating settings (questions, safety rules,
crisis resources). GUI thread only.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.patterns import Pattern
from cft_desktop.core.plan import Plan
from cft_desktop.core.ratings import CrisisResources, ItemSet, SafetyTriggers
from cft_desktop.errors import CftError, StoreError
from cft_desktop.store.records import Client, Mode, Records

if TYPE_CHECKING:
    from cft_desktop.ui.records.controller import RecordsController
    from cft_desktop.ui.records.views.plan import PlanDialog
    from cft_desktop.ui.records.views.profiles import EraseClientDialog, ProfilesDialog
    from cft_desktop.ui.records.views.rating_settings import RatingSettingsDialog

log = logging.getLogger(__name__)


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


class Therapist:
    """Therapist mode and the clients of one window's ratings."""

    def __init__(self, hub: RecordsController) -> None:
        self.hub = hub
        self._bringing_back_voice = False  # set while a switch puts the client's own voice back
        # Whose patterns the side panel lists: (store, client) in therapist mode, else None.
        self._patterns_of: tuple[int, str] | None = None
        hub.store_changed.connect(self.choose_patterns)

    def on_therapist_toggled(self) -> None:
        self.set_mode(Mode.THERAPIST if self.hub.actions["therapist"].isChecked() else Mode.PERSONAL)

    def set_mode(self, mode: Mode) -> None:
        records = self.hub.records
        if records is None:
            return
        try:
            records.set_mode(mode)
            if mode is Mode.PERSONAL:
                records.switch_client(records.default_client().client_id)
        except StoreError as exc:
            self.hub.store_failed(exc)
        self.hub.refresh_status()
        self.hub.refresh_history()
        self.hub.store_changed.emit()

    def show_profiles(self) -> ProfilesDialog | None:
        from cft_desktop.ui.records.views.profiles import ProfilesDialog

        if self.hub.records is None:
            return None
        if self.hub.profiles_dialog is None:
            dialog = ProfilesDialog(self.hub.window)
            dialog.create_requested.connect(self.create_client)
            dialog.rename_requested.connect(self.rename_client)
            dialog.switch_requested.connect(self.switch_client)
            dialog.erase_requested.connect(self.ask_erase_client)
            self.hub.profiles_dialog = dialog
        self._refresh_profiles()
        self.hub.profiles_dialog.open()
        return self.hub.profiles_dialog

    def _refresh_profiles(self, message: str = "") -> None:
        dialog, records = self.hub.profiles_dialog, self.hub.records
        if dialog is None or records is None:
            return
        try:
            dialog.set_clients(records.clients(), records.active_client().client_id)
        except StoreError as exc:
            dialog.show_message(str(exc))
            return
        dialog.show_message(message)

    def create_client(self, pseudonym: str) -> Client | None:
        if self.hub.records is None:
            return None
        try:
            client = self.hub.records.create_client(pseudonym)
        except CftError as exc:
            self._refresh_profiles(str(exc))
            return None
        if self.hub.profiles_dialog is not None:
            self.hub.profiles_dialog.new_name.clear()
            self._refresh_profiles(f"Added {client.pseudonym}. Choose “Use this client” to rate "
                                   "their practices.")
            self.hub.profiles_dialog.select(client.client_id)
        return client

    def rename_client(self, client_id: str, pseudonym: str) -> None:
        if self.hub.records is None:
            return
        try:
            client = self.hub.records.rename_client(client_id, pseudonym)
        except CftError as exc:
            self._refresh_profiles(str(exc))
            return
        if self.hub.profiles_dialog is not None:
            self.hub.profiles_dialog.rename_to.clear()
        self._refresh_profiles(f"Renamed to {client.pseudonym}.")
        self.hub.refresh_status()
        self.hub.refresh_history()

    def switch_client(self, client_id: str) -> None:
        if self.hub.records is None:
            return
        try:
            client = self.hub.records.switch_client(client_id)
        except CftError as exc:
            self._refresh_profiles(str(exc))
            return
        brought_back = self._bring_back_pacing(client.client_id)
        brought_back += self._bring_back_voice(client.client_id)
        self._refresh_profiles(f"Now rating practices for {client.pseudonym}.{brought_back}")
        self.hub.refresh_status()
        self.hub.refresh_history()
        self.hub.tell_late_recovery()
        self.hub.store_changed.emit()

    def choose_patterns(self) -> None:
        """In therapist mode the side panel lists the active client's own patterns; otherwise
        (a client's own laptop, or the store locked or off) the computer's shared ones."""
        records = self.hub.records
        shelf: ClientPatterns | None = None
        try:
            if records is not None and records.mode() is Mode.THERAPIST:
                shelf = ClientPatterns(records, records.active_client())
        except StoreError as exc:
            log.warning("therapist mode could not be read: %s", exc)
        owner = None if shelf is None else (id(records), shelf.client_id)
        if owner != self._patterns_of:
            self._patterns_of = owner
            self.hub.pacing_panel.use_patterns(shelf)

    def _bring_back_pacing(self, client_id: str) -> str:
        """Put the client's own breathing back in the side panel: that of their latest practice.

        Several clients share one laptop; without this the next client would start at the last
        one's pace and holds. Returns a sentence saying what was brought back ('' if nothing).
        """
        if self.hub.records is None:
            return ""
        for record in reversed(self.hub.records.sessions(client_id)):
            try:
                pacing = Pacing.from_dict(dict(record.pacing))
            except (CftError, TypeError, ValueError):
                continue  # written by an older version, or damaged: look further back
            self.hub.pacing_panel.set_pacing(pacing)
            return (f" Their breathing from last time is back: {pacing.bpm:g} breaths a minute, "
                    f"in to out {pacing.ratio_text}.")
        # No practice yet: the usual pace, not the previous client's.
        usual = Pacing()
        self.hub.pacing_panel.set_pacing(usual)
        return (f" No practice of theirs yet, so the breathing is at the usual {usual.bpm:g} "
                f"breaths a minute.")

    def _bring_back_voice(self, client_id: str) -> str:
        """The client's own voice in the side panel: the one chosen last while they were active
        (a therapist's recording for one client, the usual voice for another)."""
        records = self.hub.records
        if records is None:
            return ""
        try:
            name = records.voice(client_id)
        except StoreError as exc:
            log.warning("the client's voice could not be read: %s", exc)
            return ""
        self._bringing_back_voice = True
        try:
            found = self.hub.pacing_panel.set_voice(name)
            if not found:  # the pack was removed from this computer meanwhile
                self.hub.pacing_panel.set_voice("")
        finally:
            self._bringing_back_voice = False
        if name and found:
            return f" Their voice is back too: {name}."
        if name:
            return f" Their voice, {name}, is not on this computer, so the usual voice speaks."
        return ""

    def on_voice_chosen(self, name: str) -> None:
        """In therapist mode the voice chosen is the active client's default from now on."""
        records = self.hub.records
        if records is None or self._bringing_back_voice:
            return
        try:
            if records.mode() is Mode.THERAPIST:
                records.set_voice(records.active_client().client_id, name)
        except CftError as exc:
            self.hub.store_failed(exc)

    def ask_erase_client(self, client_id: str) -> EraseClientDialog | None:
        from cft_desktop.ui.records.views.profiles import EraseClientDialog

        if self.hub.records is None:
            return None
        try:
            client = self.hub.records.client(client_id)
        except CftError as exc:
            self._refresh_profiles(str(exc))
            return None
        dialog = EraseClientDialog(client, self.hub.profiles_dialog or self.hub.window)
        dialog.confirmed.connect(self.erase_client)
        self.hub.side_dialog = dialog
        dialog.open()
        return dialog

    def ask_erase_own(self) -> EraseClientDialog | None:
        """Personal mode: erase the profile in use (it starts again empty)."""

        if self.hub.records is None:
            return None
        try:
            client = self.hub.records.active_client()
        except StoreError as exc:
            self.hub.store_failed(exc)
            return None
        return self.ask_erase_client(client.client_id)

    def erase_client(self, client_id: str) -> None:
        records = self.hub.records
        if records is None:
            return
        try:
            report = records.erase_client(client_id)
        except CftError as exc:
            self._refresh_profiles(f"Nothing was erased. {exc}")
            return
        # A practice of theirs that is playing or waiting is no longer recorded.
        self.hub.flow.forget(client_id)
        removed = report.sessions_removed
        if self.hub.profiles_dialog is None or not self.hub.profiles_dialog.isVisible():
            self.hub.calm(f"Erased: {removed} practice{'s' if removed != 1 else ''} and their "
                       "settings, also from the backup copies.")
        self._refresh_profiles(
            f"Erased {report.client.pseudonym}: {removed} practice{'s' if removed != 1 else ''} "
            f"and their settings, also from {report.backups_cleaned} backup "
            f"cop{'ies' if report.backups_cleaned != 1 else 'y'}.")
        self.hub.refresh_status()
        self.hub.refresh_history()
        self.hub.store_changed.emit()

    def show_plan(self) -> PlanDialog | None:
        from cft_desktop.ui.records.views.plan import PlanDialog

        records = self.hub.records
        if records is None:
            return None
        try:
            client = records.active_client()
            plan = records.plan(client.client_id)
        except StoreError as exc:
            self.hub.store_failed(exc)
            return None
        library = self.hub.library
        dialog = PlanDialog(client.pseudonym, plan, self.hub.titles(), self._chosen_practice,
                            [s.id for s in library.scripts()], self.hub.window)
        dialog.saved.connect(lambda new: self.save_plan(client.client_id, new))
        self.hub.open_side(dialog)
        return dialog

    def _chosen_practice(self) -> tuple[str, Pacing, str] | None:
        entry = self.hub.practice.library_view.current_entry()
        if entry is None or entry.script is None:
            return None
        panel = self.hub.pacing_panel
        return entry.script.id, panel.pacing(), panel.voice_name()

    def save_plan(self, client_id: str, plan: Plan) -> None:
        records = self.hub.records
        if records is None:
            return
        try:
            records.set_plan(client_id, plan)
        except CftError as exc:
            self.hub.store_failed(exc)
            return
        self.hub.refresh_status()
        self.hub.store_changed.emit()

    def show_rating_settings(self) -> RatingSettingsDialog | None:
        from cft_desktop.ui.records.views.rating_settings import RatingSettingsDialog

        records = self.hub.records
        if records is None:
            return None
        try:
            client = records.active_client()
            dialog = RatingSettingsDialog(
                client.pseudonym, records.item_set(client.client_id),
                records.safety_triggers(client.client_id), records.crisis_resources(), self.hub.window)
        except StoreError as exc:
            self.hub.store_failed(exc)
            return None
        dialog.saved.connect(lambda items, triggers, resources:
                             self.save_rating_settings(client.client_id, items, triggers, resources))
        self.hub.open_side(dialog)
        return dialog

    def save_rating_settings(self, client_id: str, items: ItemSet, triggers: SafetyTriggers,
                             resources: CrisisResources) -> None:
        records = self.hub.records
        if records is None:
            return
        try:
            records.set_item_set(client_id, items)
            records.set_safety_triggers(client_id, triggers)
            records.set_crisis_resources(resources)
        except CftError as exc:
            self.hub.store_failed(exc)
            return
        self.hub.store_changed.emit()
        self.hub.refresh_history()

