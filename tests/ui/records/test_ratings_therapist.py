"""Therapist mode from the window: clients under pseudonyms, switching, renaming, erasing (with the
typed confirmation), and the settings for questions, safety rules and crisis resources."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from cft_desktop.core.ratings import Phase
from cft_desktop.store import db
from cft_desktop.store.records import Mode
from cft_desktop.ui.records.controller import RecordsController
from cft_desktop.ui.records.views.profiles import EraseClientDialog
from cft_desktop.ui.records.views.ratings_dialog import RatingDialog
from cft_desktop.ui.records.views.safety import SafetyDialog
from tests.ui.conftest import MakeWindow, UserDirs
from tests.ui.records.ratings_support import (
    PRACTICE,
    answer_consent,
    controller_of,
    fill_form,
    press_play,
    read_store,
    sound_starts_at_once,
    wait_for_dialog,
)


def _rate(qtbot: object, window: object, distress_after: int, consent: bool) -> None:
    controller = controller_of(window)  # type: ignore[arg-type]
    press_play(qtbot, window)  # type: ignore[arg-type]
    if consent:
        answer_consent(qtbot, controller)
    before = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(before, RatingDialog)
    fill_form(before, {"distress": 50})
    before.continue_.click()
    window.practice.practice_finished.emit(PRACTICE, 1.0)  # type: ignore[attr-defined]
    after = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(after, RatingDialog)
    fill_form(after, {"distress": distress_after})
    after.continue_.click()


def test_two_clients_switch_rename_and_erase_one(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    sound_starts_at_once(window)
    controller = controller_of(window)
    assert not controller.actions["clients"].isEnabled()
    assert not controller.profile_label.isVisible()
    controller.actions["therapist"].trigger()
    assert controller.actions["clients"].isEnabled()
    assert controller.profile_label.isVisible() and controller.profile_label.text() == "Client: Me"

    dialog = controller.therapist.show_profiles()
    assert dialog is not None
    for name in ("Client A", "Client B"):
        dialog.new_name.setText(name)
        dialog.create.click()
    dialog.new_name.setText("client a")  # pseudonyms are unique, ignoring case
    dialog.create.click()
    assert "already" in dialog.message.text()
    assert dialog.pseudonyms() == ["Me", "Client A", "Client B"]
    assert controller.records is not None
    a = controller.records.find_client("Client A")
    b = controller.records.find_client("Client B")
    assert a is not None and b is not None

    dialog.select(a.client_id)
    dialog.switch.click()
    assert controller.profile_label.text() == "Client: Client A"
    dialog.accept()
    _rate(qtbot, window, 44, consent=True)
    _rate(qtbot, window, 45, consent=False)

    dialog = controller.therapist.show_profiles()
    assert dialog is not None
    dialog.select(b.client_id)
    dialog.switch.click()
    assert controller.profile_label.text() == "Client: Client B"
    dialog.accept()
    _rate(qtbot, window, 46, consent=True)  # each client gives their own consent

    dialog = controller.therapist.show_profiles()
    assert dialog is not None
    dialog.select(b.client_id)
    dialog.rename_to.setText("Client B2")
    dialog.rename.click()
    assert controller.profile_label.text() == "Client: Client B2"

    with read_store() as store:
        assert len(store.sessions(a.client_id)) == 2 and len(store.sessions(b.client_id)) == 1
        assert store.mode() is Mode.THERAPIST

    dialog.select(a.client_id)
    dialog.erase.click()
    confirm = controller.side_dialog
    assert isinstance(confirm, EraseClientDialog)
    assert not confirm.erase.isEnabled()
    confirm.typed.setText("Client")
    assert not confirm.erase.isEnabled()
    # Return before the pseudonym is complete neither erases nor closes the question.
    QTest.keyClick(confirm.typed, Qt.Key.Key_Return)
    assert confirm.isVisible() and confirm.result() == 0
    assert dialog.pseudonyms() == ["Me", "Client A", "Client B2"]
    confirm.typed.setText("Client A")
    assert confirm.erase.isEnabled()
    QTest.keyClick(confirm.typed, Qt.Key.Key_Return)  # typed exactly: Return confirms
    assert "Erased Client A: 2 practices" in dialog.message.text()
    assert dialog.pseudonyms() == ["Me", "Client B2"]

    with read_store() as store:
        assert store.find_client("Client A") is None
        assert [s.client_id for s in store.sessions()] == [b.client_id]
        assert store.sessions()[0].value(Phase.AFTER, "distress") == 46
    raw = db.default_path().read_bytes()
    assert a.client_id.encode() not in raw and b"Client A" not in raw

    # Back to personal mode: the default profile, no client shown.
    controller.actions["therapist"].trigger()
    assert not controller.profile_label.isVisible()
    assert controller.records.active_client().is_default


def test_safety_rules_and_crisis_numbers_are_editable(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    sound_starts_at_once(window)
    controller = controller_of(window)
    controller.actions["therapist"].trigger()
    settings = controller.therapist.show_rating_settings()
    assert settings is not None
    settings.high.setValue(40)
    settings.rise_on.setChecked(False)
    settings._on_add()  # "Add a number"
    row = settings.crisis.rowCount() - 1
    for column, text in enumerate(("Our clinic", "Riverside Clinic", "Call 01234 567890",
                                   "Weekdays 9–5", "2026-12-01")):
        settings.crisis.item(row, column).setText(text)
    settings.save.click()
    assert not settings.isVisible()
    with read_store() as store:
        client = store.active_client().client_id
        triggers = store.safety_triggers(client)
        assert triggers.distress_after_at_least == 40 and triggers.distress_rise_at_least is None
        clinic = store.crisis_resources().entries[-1]
        assert clinic.name == "Riverside Clinic" and clinic.custom
        assert clinic.last_verified == date(2026, 12, 1)

    _rate(qtbot, window, 41, consent=True)  # 41 ≥ the therapist's 40
    qtbot.waitUntil(lambda: isinstance(controller.flow.safety_dialog, SafetyDialog))  # type: ignore[attr-defined]
    assert controller.flow.safety_dialog is not None
    rows = controller.flow.safety_dialog.crisis_table.rows()
    assert rows[-1][1] == "Riverside Clinic" and rows[-1][4] == "01 Dec 2026"


def test_a_bad_crisis_date_is_explained_and_nothing_saved(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    controller = controller_of(window)
    controller.actions["therapist"].trigger()
    settings = controller.therapist.show_rating_settings()
    assert settings is not None
    settings.crisis.item(0, 4).setText("yesterday")
    settings.save.click()
    assert settings.isVisible() and "YYYY-MM-DD" in settings.message.text()


def test_personal_mode_erase_my_ratings(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    sound_starts_at_once(window)
    controller = controller_of(window)
    _rate(qtbot, window, 30, consent=True)
    assert controller.actions["erase_mine"].isEnabled()
    controller.actions["erase_mine"].trigger()
    confirm = controller.side_dialog
    assert isinstance(confirm, EraseClientDialog)
    confirm.typed.setText("Me")
    confirm.erase.click()
    with read_store() as store:
        assert store.sessions() == []
        assert store.active_client().is_default and store.consent(store.active_client().client_id) is None


def test_new_wording_is_asked_and_answers_keep_its_version(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    sound_starts_at_once(window)
    controller = controller_of(window)
    controller.actions["therapist"].trigger()
    settings = controller.therapist.show_rating_settings()
    assert settings is not None
    settings.wording["distress"].setText("How stirred up or on edge are you right now?")
    settings.save.click()
    press_play(qtbot, window)
    answer_consent(qtbot, controller)
    before = wait_for_dialog(qtbot, controller, RatingDialog)
    assert isinstance(before, RatingDialog)
    assert before.practice.text().endswith("for Me")  # therapist mode names the client
    assert before.slider("distress").accessibleName() == "How stirred up or on edge are you right now?"
    fill_form(before, {"distress": 20})
    before.continue_.click()
    with read_store() as store:
        (session,) = store.sessions()
        first = (session.before or ())[0]
        assert (first.item_id, first.wording_version, first.value) == ("distress", 2, 20)
        client = store.active_client().client_id
        assert store.wording_of(client, "distress", 2) == "How stirred up or on edge are you right now?"
        assert store.wording_of(client, "distress", 1) == "How upset or on edge do you feel right now?"


def _clients_a_and_b(controller: RecordsController) -> tuple[str, str]:
    """Therapist mode already on: add "Client A" and "Client B"; their ids."""
    dialog = controller.therapist.show_profiles()
    assert dialog is not None
    for name in ("Client A", "Client B"):
        dialog.new_name.setText(name)
        dialog.create.click()
    assert controller.records is not None
    a = controller.records.find_client("Client A")
    b = controller.records.find_client("Client B")
    assert a is not None and b is not None
    return a.client_id, b.client_id


def _switch_to(controller: RecordsController, client_id: str) -> str:
    """Choose "Use this client" in the Clients dialog; what the dialog then says."""
    profiles = controller.therapist.show_profiles()
    assert profiles is not None
    profiles.select(client_id)
    profiles.switch.click()
    said = profiles.message.text()
    profiles.accept()
    return said


def test_switching_client_brings_back_their_own_breathing(qtbot: object,
                                                          make_window: MakeWindow) -> None:
    """Several clients on one laptop: each one's pace comes back with them, from their last
    practice, and a new client starts at the usual pace, not at the previous client's."""
    from cft_desktop.core.pacing import Pacing

    window = make_window()
    sound_starts_at_once(window)
    controller = controller_of(window)
    controller.actions["therapist"].trigger()
    a, b = _clients_a_and_b(controller)
    panel = window.pacing_panel

    def switch_to(client_id: str) -> str:
        return _switch_to(controller, client_id)

    switch_to(a)
    panel.set_pacing(Pacing(bpm=4.5, inhale_parts=1.0, exhale_parts=2.0, hold_in_s=1.0))
    _rate(qtbot, window, 40, consent=True)
    said = switch_to(b)
    assert panel.pacing() == Pacing()  # B has no practice yet: the usual pace
    assert "usual 6 breaths a minute" in said
    panel.set_pacing(Pacing(bpm=8.0))
    _rate(qtbot, window, 41, consent=True)

    said = switch_to(a)
    assert (panel.pacing().bpm, panel.pacing().ratio_text, panel.pacing().hold_in_s) == (4.5, "1:2",
                                                                                        1.0)
    assert "4.5 breaths a minute, in to out 1:2" in said
    switch_to(b)
    assert panel.pacing().bpm == 8.0


def test_each_client_keeps_their_own_breathing_patterns(qtbot: object, make_window: MakeWindow,
                                                         user_dirs: UserDirs) -> None:
    """On a shared laptop a saved pattern is the active client's alone: another client never
    sees its name, it is kept in the store (not the settings file) and goes when they are
    erased; a client's own laptop (personal mode) keeps using the computer's patterns."""
    from cft_desktop.core.pacing import Pacing
    from cft_desktop.ui.common.settings import Settings

    window = make_window()
    controller = controller_of(window)
    panel = window.pacing_panel
    names: list[str] = []
    notes: list[str] = []

    def save_as(name: str) -> None:
        names.append(name)
        panel.ask_pattern_name = lambda _text: names.pop()
        panel.save_pattern.click()
        assert not names

    def listed() -> list[str]:
        return [p.name for p in panel.own_patterns()]

    panel.set_pacing(Pacing(bpm=7.0))
    save_as("Computer calm")  # personal mode: the computer's own list
    controller.actions["therapist"].trigger()
    assert listed() == []
    a, b = _clients_a_and_b(controller)
    assert controller.records is not None

    def switch_to(client_id: str) -> None:
        _switch_to(controller, client_id)

    switch_to(a)
    panel.set_pacing(Pacing(bpm=4.5, inhale_parts=1.0, exhale_parts=2.0))
    panel.ask_pattern_name = lambda _text: (notes.append(panel._shelf.note), "A slow evening")[1]
    panel.save_pattern.click()
    assert "Client A only" in notes[0]
    assert listed() == ["A slow evening"] and panel.pattern.currentText() == "A slow evening"

    switch_to(b)
    assert listed() == []
    assert panel.pattern.findText("A slow evening") < 0
    # Kept in A's settings in the store, never in the computer's settings file.
    assert [p.name for p in controller.records.patterns(a)] == ["A slow evening"]
    assert [p.name for p in Settings().patterns()] == ["Computer calm"]
    assert "A slow evening" not in (user_dirs.data / "settings.ini").read_text(encoding="utf-8")

    switch_to(a)
    assert listed() == ["A slow evening"]
    controller.therapist.rename_client(a, "Client Ana")
    assert "Client Ana only" in panel._shelf.note  # the question names them as they are now
    controller.therapist.erase_client(a)
    assert listed() == []  # the default profile is active again, with none of A's
    assert b"A slow evening" not in db.default_path().read_bytes()

    controller.actions["therapist"].trigger()  # back to personal mode
    assert listed() == ["Computer calm"]


def test_each_client_has_their_own_default_voice(qtbot: object, make_window: MakeWindow) -> None:
    """Issue 14: in therapist mode the voice chosen while a client is active is theirs; it comes
    back with them, another client keeps theirs, and a pack no longer here falls back plainly."""
    import numpy as np

    from cft_desktop.store.records import Records
    from cft_desktop.voice.recorded import VoicePack, remove_pack

    pack = VoicePack.create("Dr Lee")
    pack.add_take("safe-place", "A phrase.", np.zeros(4800, dtype=np.float32), 48000)
    window = make_window()
    controller = controller_of(window)
    controller.actions["therapist"].trigger()
    a, b = _clients_a_and_b(controller)
    panel = window.pacing_panel
    panel.refresh_voices()
    _switch_to(controller, a)
    assert panel.set_voice("Dr Lee")  # chosen in the side panel while A is active
    said = _switch_to(controller, b)
    assert panel.voice_name() == "" and "Dr Lee" not in said
    said = _switch_to(controller, a)
    assert panel.voice_name() == "Dr Lee" and "Their voice is back too: Dr Lee." in said
    with Records.open() as store:  # kept in the store, with the client
        assert store.voice(a) == "Dr Lee" and store.voice(b) == ""
    remove_pack("Dr Lee")
    panel.refresh_voices()
    _switch_to(controller, b)
    said = _switch_to(controller, a)
    assert panel.voice_name() == "" and "is not on this computer" in said
