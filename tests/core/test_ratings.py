"""Rating items, answers, change metrics, safety triggers, crisis table and consent data."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from cft_desktop.core import ratings
from cft_desktop.core.ratings import (
    CONSENT_TOPICS,
    CONSENT_VERSION,
    DEFAULT_CRISIS_RESOURCES,
    DEFAULT_ITEM_SET,
    Answer,
    ChangeSize,
    ConsentRecord,
    CrisisResource,
    Direction,
    ItemKind,
    Norm,
    Phase,
    SafetyTriggers,
    Trigger,
    change_size,
    fired_triggers,
    item_change,
    reliable_change_index,
    session_changes,
)
from cft_desktop.errors import RatingError


def form(phase: Phase, **values: int | str | None) -> tuple[Answer, ...]:
    """A complete form for the default item set; unnamed items are skipped."""
    answers = []
    for item in DEFAULT_ITEM_SET.for_phase(phase):
        value = values.get(item.item_id)
        answers.append(item.skip() if value is None else item.answer(value))
    return tuple(answers)


# ---------------------------------------------------------------- items


def test_before_items_are_the_four_core_sliders_in_our_wording() -> None:
    before = DEFAULT_ITEM_SET.for_phase(Phase.BEFORE)
    assert [(i.item_id, i.wording) for i in before] == [
        ("distress", "How upset or on edge do you feel right now?"),
        ("relaxed", "How calm and settled does your body feel right now?"),
        ("soothed", "How safe, warm and connected do you feel right now?"),
        ("self_criticism", "How harsh are you being with yourself right now?"),
    ]
    for item in before:
        assert item.kind is ItemKind.SCALE
        assert item.low_label and item.high_label and item.low_label != item.high_label
        assert item.wording_version == 1


def test_after_items_add_ease_and_upset_and_leave_optional_items_off() -> None:
    after = DEFAULT_ITEM_SET.for_phase(Phase.AFTER)
    assert [i.item_id for i in after] == [
        "distress",
        "relaxed",
        "soothed",
        "self_criticism",
        "ease",
        "upset",
    ]
    ease = DEFAULT_ITEM_SET.item("ease")
    upset = DEFAULT_ITEM_SET.item("upset")
    assert ease.wording == "How easy was it to get a sense of the practice?"
    assert upset.wording == "Did anything upsetting come up?"
    assert upset.choices == ("no", "a little", "a lot")
    for optional in ("energised", "self_kindness", "note"):
        assert DEFAULT_ITEM_SET.item(optional).optional
        assert optional not in DEFAULT_ITEM_SET.enabled


def test_a_therapist_can_enable_optional_items_for_both_phases() -> None:
    items = DEFAULT_ITEM_SET.with_enabled("energised").with_enabled("self_kindness")
    items = items.with_enabled("note")
    assert [i.item_id for i in items.for_phase(Phase.BEFORE)][-2:] == [
        "energised",
        "self_kindness",
    ]
    assert "note" in [i.item_id for i in items.for_phase(Phase.AFTER)]
    assert "note" not in [i.item_id for i in items.for_phase(Phase.BEFORE)]
    assert items.with_enabled("note", False).enabled == items.enabled - {"note"}
    with pytest.raises(RatingError):
        items.with_enabled("nonsense")


def test_rewording_bumps_the_version_and_answers_remember_it() -> None:
    items = DEFAULT_ITEM_SET.with_wording(
        "soothed", "How safe and cared-for do you feel just now?", high_label="Very safe"
    )
    soothed = items.item("soothed")
    assert soothed.wording_version == 2
    assert soothed.high_label == "Very safe"
    assert soothed.low_label == DEFAULT_ITEM_SET.item("soothed").low_label
    assert soothed.answer(30) == Answer("soothed", 2, 30)
    assert DEFAULT_ITEM_SET.item("soothed").wording_version == 1  # the old set is untouched
    with pytest.raises(RatingError):
        items.with_wording("soothed", "   ")


@pytest.mark.parametrize("value", [0, 1, 50, 99, 100])
def test_scale_answers_accept_every_whole_number_in_range(value: int) -> None:
    assert DEFAULT_ITEM_SET.item("distress").answer(value).value == value


@pytest.mark.parametrize("value", [-1, 101, 1000, True])
def test_scale_answers_refuse_values_out_of_range(value: int) -> None:
    with pytest.raises(RatingError):
        DEFAULT_ITEM_SET.item("distress").answer(value)


def test_scale_answers_refuse_fractions_and_words() -> None:
    item = DEFAULT_ITEM_SET.item("relaxed")
    with pytest.raises(RatingError):
        item.answer(50.5)  # type: ignore[arg-type]
    with pytest.raises(RatingError):
        item.answer("fifty")


def test_skip_is_explicit_and_distinct_from_zero() -> None:
    item = DEFAULT_ITEM_SET.item("distress")
    assert item.skip().skipped
    assert not item.answer(0).skipped
    assert item.skip() != item.answer(0)


def test_choice_and_text_answers() -> None:
    upset = DEFAULT_ITEM_SET.item("upset")
    assert upset.answer("a lot").value == "a lot"
    with pytest.raises(RatingError):
        upset.answer("lots")
    note = DEFAULT_ITEM_SET.item("note")
    assert note.answer("  felt warm\r\nthen sleepy  ").value == "felt warm\nthen sleepy"
    assert note.answer("   ").skipped  # a blank note is a skip
    with pytest.raises(RatingError):
        note.answer("bell\x07")
    with pytest.raises(RatingError):
        note.answer("x" * (ratings.TEXT_MAX_CHARS + 1))


def test_check_answers_accepts_a_complete_form_and_returns_form_order() -> None:
    answers = list(form(Phase.BEFORE, distress=40, relaxed=20))
    answers.reverse()
    checked = DEFAULT_ITEM_SET.check_answers(Phase.BEFORE, answers)
    assert [a.item_id for a in checked] == ["distress", "relaxed", "soothed", "self_criticism"]
    assert [a.value for a in checked] == [40, 20, None, None]


def test_check_answers_names_every_problem() -> None:
    items = DEFAULT_ITEM_SET
    answers = [
        items.item("distress").answer(10),
        items.item("distress").answer(20),
        Answer("relaxed", 1, 500),
        items.item("ease").answer(50),  # after-only
    ]
    with pytest.raises(RatingError) as caught:
        items.check_answers(Phase.BEFORE, answers)
    message = str(caught.value)
    assert "Distress: answered twice" in message
    assert "500 is outside" in message
    assert "ease: not asked before" in message
    assert "Safe and warm: needs a value or an explicit skip" in message
    assert "Harsh with myself: needs a value or an explicit skip" in message


def test_check_answers_refuses_a_disabled_optional_item() -> None:
    answers = [*form(Phase.BEFORE), DEFAULT_ITEM_SET.item("energised").answer(50)]
    with pytest.raises(RatingError, match="energised"):
        DEFAULT_ITEM_SET.check_answers(Phase.BEFORE, answers)
    enabled = DEFAULT_ITEM_SET.with_enabled("energised")
    assert len(enabled.check_answers(Phase.BEFORE, answers)) == 5


# ---------------------------------------------------------------- change


@pytest.mark.parametrize(
    ("delta", "size"),
    [
        (0, ChangeSize.SMALL),
        (9, ChangeSize.SMALL),
        (-9.9, ChangeSize.SMALL),
        (10, ChangeSize.NOTICEABLE),
        (-10, ChangeSize.NOTICEABLE),
        (19, ChangeSize.NOTICEABLE),
        (20, ChangeSize.MARKED),
        (-35, ChangeSize.MARKED),
    ],
)
def test_change_size_uses_the_rules_of_thumb(delta: float, size: ChangeSize) -> None:
    assert change_size(delta) is size


def test_rule_of_thumb_note_says_where_the_thresholds_come_from() -> None:
    assert "pain research" in ratings.RULE_OF_THUMB_NOTE
    assert "rules of thumb" in ratings.RULE_OF_THUMB_NOTE


@pytest.mark.parametrize(
    ("item_id", "before", "after", "direction", "size"),
    [
        ("distress", 30, 55, Direction.WORSE, ChangeSize.MARKED),
        ("distress", 60, 35, Direction.BETTER, ChangeSize.MARKED),
        ("self_criticism", 40, 52, Direction.WORSE, ChangeSize.NOTICEABLE),
        ("self_criticism", 40, 20, Direction.BETTER, ChangeSize.MARKED),
        ("relaxed", 50, 38, Direction.WORSE, ChangeSize.NOTICEABLE),
        ("relaxed", 50, 62, Direction.BETTER, ChangeSize.NOTICEABLE),
        ("soothed", 70, 45, Direction.WORSE, ChangeSize.MARKED),
        ("ease", 50, 45, Direction.WORSE, ChangeSize.SMALL),
        ("energised", 20, 45, Direction.BETTER, ChangeSize.MARKED),
        ("self_kindness", 60, 40, Direction.WORSE, ChangeSize.MARKED),
        ("soothed", 50, 50, Direction.SAME, ChangeSize.SMALL),
    ],
)
def test_change_direction_knows_which_way_is_worse(
    item_id: str, before: int, after: int, direction: Direction, size: ChangeSize
) -> None:
    change = item_change(DEFAULT_ITEM_SET.item(item_id), before, after)
    assert change.delta == after - before
    assert change.direction is direction
    assert change.size is size
    assert change.worsened == (direction is Direction.WORSE)


def test_describe_words_worsening_as_plainly_as_improvement() -> None:
    worse = item_change(DEFAULT_ITEM_SET.item("distress"), 30, 55)
    better = item_change(DEFAULT_ITEM_SET.item("distress"), 55, 30)
    assert worse.describe() == "rose 25 points (marked, worse)"
    assert better.describe() == "fell 25 points (marked, better)"


def test_reliable_change_index_follows_jacobson_and_truax() -> None:
    rci = reliable_change_index(50, 30, sd=15, r=0.8)
    assert rci == pytest.approx(-20 / (15 * math.sqrt(2) * math.sqrt(0.2)))
    assert rci == pytest.approx(-2.108, abs=1e-3)
    change = item_change(DEFAULT_ITEM_SET.item("distress"), 50, 30, Norm(sd=15, r=0.8))
    assert change.rci == pytest.approx(rci)
    assert change.reliable is True
    small = item_change(DEFAULT_ITEM_SET.item("distress"), 50, 45, Norm(sd=15, r=0.8))
    assert small.reliable is False
    assert item_change(DEFAULT_ITEM_SET.item("distress"), 50, 45).reliable is None


@pytest.mark.parametrize(("sd", "r"), [(0, 0.5), (-1, 0.5), (10, 1.0), (10, -0.1)])
def test_reliable_change_index_refuses_impossible_norms(sd: float, r: float) -> None:
    with pytest.raises(RatingError):
        reliable_change_index(1, 2, sd, r)


def test_session_changes_skip_items_skipped_at_either_end() -> None:
    before = form(Phase.BEFORE, distress=60, relaxed=20, soothed=None, self_criticism=50)
    after = form(Phase.AFTER, distress=30, relaxed=None, soothed=40, self_criticism=55, ease=80)
    changes = session_changes(before, after)
    assert [(c.item_id, c.delta) for c in changes] == [("distress", -30), ("self_criticism", 5)]


# ---------------------------------------------------------------- safety


@pytest.mark.parametrize(
    ("before", "after", "upset", "expected"),
    [
        (60, 69, "no", ()),
        (10, 70, "no", (Trigger.DISTRESS_HIGH, Trigger.DISTRESS_ROSE)),
        (60, 70, "no", (Trigger.DISTRESS_HIGH,)),
        (30, 50, "no", (Trigger.DISTRESS_ROSE,)),
        (30, 49, "no", ()),
        (30, 20, "a little", ()),
        (30, 20, "a lot", (Trigger.UPSET_A_LOT,)),
        (None, 50, "no", ()),  # a skipped before cannot show a rise
        (30, None, "no", ()),
        (50, 90, "a lot", (Trigger.DISTRESS_HIGH, Trigger.DISTRESS_ROSE, Trigger.UPSET_A_LOT)),
    ],
)
def test_default_safety_triggers(
    before: int | None, after: int | None, upset: str, expected: tuple[Trigger, ...]
) -> None:
    before_form = form(Phase.BEFORE, distress=before)
    after_form = form(Phase.AFTER, distress=after, upset=upset)
    assert fired_triggers(before_form, after_form) == expected


def test_a_therapist_can_change_or_turn_off_each_trigger() -> None:
    before = form(Phase.BEFORE, distress=40)
    after = form(Phase.AFTER, distress=55, upset="a lot")
    assert fired_triggers(before, after) == (Trigger.UPSET_A_LOT,)
    stricter = SafetyTriggers(distress_after_at_least=50, distress_rise_at_least=10)
    assert fired_triggers(before, after, stricter) == (
        Trigger.DISTRESS_HIGH,
        Trigger.DISTRESS_ROSE,
        Trigger.UPSET_A_LOT,
    )
    off = SafetyTriggers(None, None, upset_a_lot=False)
    assert fired_triggers(before, after, off) == ()
    with pytest.raises(RatingError):
        SafetyTriggers(distress_after_at_least=101)
    assert set(ratings.TRIGGER_REASONS) == set(Trigger)


# ---------------------------------------------------------------- crisis resources and consent


def test_default_crisis_resources_hold_the_verified_numbers() -> None:
    entries = {e.resource_id: e for e in DEFAULT_CRISIS_RESOURCES.entries}
    assert "988" in entries["us-988"].contact and "text" in entries["us-988"].contact.lower()
    canada = entries["ca-988"]
    assert canada.region == "Canada" and "988" in canada.contact
    assert "call" in canada.contact.lower() and "text" in canada.contact.lower()
    assert "Suicide Crisis Helpline" in canada.name and "24 hours" in canada.details
    samaritans = entries["uk-ie-samaritans"]
    assert "116 123" in samaritans.contact
    assert "Republic of Ireland" in samaritans.region
    assert "Free" in samaritans.details and "24 hours" in samaritans.details
    assert entries["emergency"].contact == "112 / 999 / 911"
    for entry in entries.values():
        assert isinstance(entry.last_verified, date)
        assert entry.last_verified.isoformat() == str(entry.last_verified)
        assert not entry.custom
    assert DEFAULT_CRISIS_RESOURCES.cannot_contact.startswith("This app cannot contact anyone")


def test_a_therapist_can_add_and_reverify_a_clinic_number() -> None:
    clinic = CrisisResource(
        resource_id="clinic",
        region="Your clinic",
        name="Riverside Psychology (out of hours)",
        contact="Call 0161 496 0000",
        details="Weekdays 9-5",
        last_verified=date(2026, 11, 1),
        custom=True,
    )
    resources = DEFAULT_CRISIS_RESOURCES.with_entry(clinic)
    assert resources.entries[-1] == clinic
    checked = CrisisResource(**{**clinic.__dict__, "last_verified": date(2026, 11, 20)})
    again = resources.with_entry(checked)
    assert len(again.entries) == len(resources.entries)
    assert again.entries[-1].last_verified == date(2026, 11, 20)
    assert len(again.without("clinic").entries) == len(DEFAULT_CRISIS_RESOURCES.entries)
    with pytest.raises(RatingError):
        CrisisResource("x", "r", "n", "", "", date(2026, 1, 1))


def test_consent_topics_cover_the_six_separate_opt_ins() -> None:
    ids = [t.topic_id for t in CONSENT_TOPICS]
    assert ids == ["practices", "breathing_safety", "not_crisis_service", "what_is_stored",
                   "who_can_see", "how_to_delete"]
    texts = {t.topic_id: t.text for t in CONSENT_TOPICS}
    assert "difficult feelings" in texts["practices"] and "backdraft" in texts["practices"]
    assert "dizzy, tingly or short of breath" in texts["breathing_safety"]
    assert "quicker at any time" in texts["breathing_safety"]
    assert "still asked" in texts["what_is_stored"]  # declining keeps the safety check
    assert "therapist" in texts["who_can_see"] and "passphrase" in texts["who_can_see"]
    assert "not a crisis service" in texts["not_crisis_service"]
    assert "{data_dir}" in texts["what_is_stored"]
    assert "erase" in texts["how_to_delete"]


def test_consent_record_is_complete_only_for_the_current_text_and_every_topic() -> None:
    now = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    every = frozenset(t.topic_id for t in CONSENT_TOPICS)
    assert ConsentRecord(CONSENT_VERSION, every, now).complete
    assert not ConsentRecord(CONSENT_VERSION, every - {"how_to_delete"}, now).complete
    assert not ConsentRecord(CONSENT_VERSION - 1, every, now).complete
    with pytest.raises(RatingError):
        ConsentRecord(CONSENT_VERSION, every, datetime(2026, 11, 26, 9, 30))


def test_the_check_in_asks_upset_then_distress_in_the_profiles_wording_even_if_disabled() -> None:
    from cft_desktop.core.ratings import ItemSet
    from cft_desktop.core.ratings.safety import check_in_items, needs_check_in

    assert [item.item_id for item in check_in_items()] == ["upset", "distress"]
    items = ItemSet().with_enabled("distress", False)
    items = items.with_wording("upset", "Did anything hard come up?")
    asked = check_in_items(items)
    assert [item.item_id for item in asked] == ["upset", "distress"]
    assert asked[0].wording == "Did anything hard come up?"
    assert needs_check_in("imagery") and not needs_check_in("breathing")
    assert not needs_check_in("grounding")
