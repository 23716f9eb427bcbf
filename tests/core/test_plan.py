"""A therapist's plan for a client: order, what comes next, and the plan to take home."""

from __future__ import annotations

from pathlib import Path

from cft_desktop.core.library import Library
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.plan import USUAL_COURSE, Plan, PlanStep
from cft_desktop.store.records import Records


def test_the_usual_course_is_in_the_library_in_order() -> None:
    ids = [s.id for s in Library().scripts()]
    plan = Plan.usual(ids, Pacing(bpm=5.0))
    assert [step.script_id for step in plan.steps] == list(USUAL_COURSE)
    assert all(step.pacing == Pacing(bpm=5.0) for step in plan.steps)


def test_next_moves_on_only_when_the_next_practice_was_heard_half_way() -> None:
    plan = Plan((PlanStep("a"), PlanStep("b"), PlanStep("c")))
    assert plan.next_step([]) == PlanStep("a")
    assert plan.next_step([("a", 0.3)]) == PlanStep("a")  # stopped early: still next, no blame
    assert plan.next_step([("x", 1.0), ("a", 0.5)]) == PlanStep("b")  # other practices ignored
    assert plan.next_step([("b", 1.0), ("a", 1.0)]) == PlanStep("b")  # in order only
    done = [("a", 1.0), ("b", 1.0), ("c", 1.0), ("c", 1.0)]
    assert plan.next_step(done) == PlanStep("c")  # the last stays on offer
    assert Plan().next_step(done) is None


def test_a_plan_survives_the_store_and_a_damaged_step_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "ratings.json"
    plan = Plan((PlanStep("safe-place", Pacing(bpm=4.5, inhale_parts=1, exhale_parts=2), "mine"),
                 PlanStep("compassionate-self")))
    with Records.open(path) as store:
        client = store.create_client("Client A")
        assert store.plan(client.client_id) == Plan()
        store.set_plan(client.client_id, plan)
    with Records.open(path) as store:
        assert store.plan(client.client_id) == plan
    data = [*plan.to_data(), {"script_id": ""}, "junk"]
    assert Plan.from_data(data) == plan
    assert Plan.from_data({"not": "a list"}) == Plan()


def test_the_plan_as_text_names_each_practice_with_its_pace_and_no_counts() -> None:
    plan = Plan((PlanStep("safe-place", Pacing(bpm=4.5, inhale_parts=1, exhale_parts=2)),
                 PlanStep("compassionate-self", voice="Dr Lee")))
    text = plan.as_text({"safe-place": "Safe place", "compassionate-self": "Compassionate self"},
                        "Client A")
    assert "Your practice plan (Client A)" in text
    assert "1. Safe place — 4.5 breaths a minute, in to out 1:2" in text
    assert "2. Compassionate self, in the voice “Dr Lee”" in text
    for guilt in ("streak", "missed", "days in a row", "behind"):
        assert guilt not in text.lower()
