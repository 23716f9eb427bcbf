"""A therapist's plan for a client (issue 16 §6): set in therapist mode, offered as "Next in your
plan" with its pacing, moved on by what was heard, and sent out with the take-home file."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.plan import Plan, PlanStep
from cft_desktop.core.ratings import DEFAULT_ITEM_SET, Phase
from cft_desktop.ui.records.controller import RecordsController
from cft_desktop.ui.records.views.plan import PlanDialog
from tests.ui.conftest import MakeWindow
from tests.ui.records.ratings_support import controller_of, read_store


def _therapist_with_client(controller: RecordsController) -> str:
    controller.actions["therapist"].trigger()
    assert controller.records is not None
    client = controller.therapist.create_client("Client A")
    assert client is not None
    controller.therapist.switch_client(client.client_id)
    return client.client_id


def _played(controller: RecordsController, client_id: str, script_id: str, heard: float) -> None:
    records = controller.records
    assert records is not None
    started = datetime.now().astimezone() - timedelta(minutes=10)
    session = records.start_session(client_id, script_id, "1", Pacing().to_dict(), "test", started)
    skips = [item.skip() for item in DEFAULT_ITEM_SET.for_phase(Phase.AFTER)]
    records.save_after(session, skips, started + timedelta(minutes=5), heard)
    controller.store_changed.emit()


def test_a_plan_is_set_in_therapist_mode_and_offered_next_with_its_pacing(
    qtbot: object, make_window: MakeWindow
) -> None:
    window = make_window()
    controller = controller_of(window)
    assert not controller.actions["plan"].isEnabled()  # therapist mode only
    client_id = _therapist_with_client(controller)
    assert controller.actions["plan"].isEnabled() and not controller.plan_button.isVisible()

    dialog = controller.therapist.show_plan()
    assert isinstance(dialog, PlanDialog)
    window.library_view.select("safe-place")
    window.pacing_panel.set_pacing(Pacing(bpm=4.5, inhale_parts=1, exhale_parts=2))
    dialog.add.click()
    window.library_view.select("compassionate-self")
    window.pacing_panel.set_pacing(Pacing())
    dialog.add.click()
    assert [dialog.list.item(i).text() for i in range(dialog.list.count())] == [
        "A calm, safe place — 4.5 breaths a minute, in to out 1:2",
        "Your compassionate self — 6 breaths a minute, in to out 2:3",
    ]
    dialog.save.click()
    with read_store() as store:
        assert [s.script_id for s in store.plan(client_id).steps] == ["safe-place",
                                                                       "compassionate-self"]
    qtbot.waitUntil(controller.plan_button.isVisible)  # type: ignore[attr-defined]
    assert controller.plan_button.text() == "Next in your plan: A calm, safe place"

    window.library_view.select("soothing-rhythm-breathing")
    controller.plan_button.click()
    entry = window.library_view.current_entry()
    assert entry is not None and entry.id == "safe-place"
    assert window.pacing_panel.pacing().bpm == 4.5

    _played(controller, client_id, "safe-place", 0.3)  # stopped early: still next, no blame
    assert controller.plan_button.text() == "Next in your plan: A calm, safe place"
    _played(controller, client_id, "safe-place", 1.0)
    assert controller.plan_button.text() == "Next in your plan: Your compassionate self"


def test_the_usual_course_reorder_and_remove(qtbot: object, make_window: MakeWindow) -> None:
    window = make_window()
    controller = controller_of(window)
    _therapist_with_client(controller)
    dialog = controller.therapist.show_plan()
    assert isinstance(dialog, PlanDialog)
    dialog.usual.click()
    first = [step.script_id for step in dialog.steps]
    assert first[:3] == ["soothing-rhythm-breathing", "safe-place", "compassionate-colour"]
    dialog.list.setCurrentRow(1)
    dialog.up.click()
    assert [s.script_id for s in dialog.steps][:2] == ["safe-place", "soothing-rhythm-breathing"]
    dialog.remove.click()
    assert dialog.steps[0].script_id == "soothing-rhythm-breathing"
    assert len(dialog.steps) == len(first) - 1
    dialog.cancel.click()
    assert controller.records is not None
    assert controller.records.plan(controller.records.active_client().client_id) == Plan()


def test_the_plan_goes_out_with_the_take_home_file(
    qtbot: object, make_window: MakeWindow, tmp_path: Path
) -> None:
    window = make_window()
    controller = controller_of(window)
    client_id = _therapist_with_client(controller)
    assert controller.records is not None
    controller.records.set_plan(client_id, Plan((PlanStep("safe-place", Pacing(bpm=5.0)),
                                                 PlanStep("compassionate-self"))))
    written = window.script_editing.take_home._write_plan(tmp_path / "Safe place.mp3")
    assert written == tmp_path / "Safe place - plan.txt"
    text = written.read_text(encoding="utf-8")
    assert "Your practice plan (Client A)" in text
    assert "1. A calm, safe place — 5 breaths a minute" in text and "2. Your compassionate self" in text
