"""Rating items, answers, change metrics, safety triggers, crisis resources and consent text.

Owns the clinical *content* of the before/after ratings (CLINICAL.md §5–7) as plain data: the items
and their wording, how an answer is checked, how a change is labelled, when the safety flow must
run, the offline crisis table and the consent topics. Nothing here touches a file or Qt; the store
(`cft_desktop.store.records`) persists these values and the GUI presents them.

Pure functions and frozen values: any thread may use them (in practice the GUI thread and the CLI's
main thread).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from cft_desktop.errors import RatingError

# --------------------------------------------------------------------------------------------
# Items


class ItemKind(StrEnum):
    SCALE = "scale"  # a 0–100 slider with no preset position
    CHOICE = "choice"  # one of a few fixed words
    TEXT = "text"  # free text (the optional note)


class Phase(StrEnum):
    BEFORE = "before"
    AFTER = "after"


class Polarity(StrEnum):
    """Which way is worse, so a change can be shown as better or worse, never just up or down."""

    HIGHER_IS_WORSE = "higher_is_worse"
    HIGHER_IS_BETTER = "higher_is_better"


SCALE_MIN = 0
SCALE_MAX = 100
TEXT_MAX_CHARS = 2000
UPSET_CHOICES: tuple[str, ...] = ("no", "a little", "a lot")


@dataclass(frozen=True)
class RatingItem:
    """One question as shown to the client, in one version of its wording."""

    item_id: str
    kind: ItemKind
    phases: tuple[Phase, ...]
    label: str  # a short name for charts, tables and exports
    wording: str
    wording_version: int = 1
    low_label: str = ""  # scale items: what 0 means
    high_label: str = ""  # scale items: what 100 means
    choices: tuple[str, ...] = ()
    polarity: Polarity | None = None
    optional: bool = False  # off unless a therapist turns it on

    def answer(self, value: int | str) -> Answer:
        """An answer to this wording; raises `RatingError` if the value does not fit the item."""
        if self.kind is ItemKind.TEXT and isinstance(value, str):
            value = value.replace("\r\n", "\n").strip()
            if not value:
                # A note left blank is the client choosing to say nothing, i.e. a skip.
                return self.skip()
        answer = Answer(self.item_id, self.wording_version, value)
        problem = self.problem_with(answer)
        if problem:
            raise RatingError(problem)
        return answer

    def skip(self) -> Answer:
        """The explicit "I'd rather not answer" for this wording."""
        return Answer(self.item_id, self.wording_version, None)

    def problem_with(self, answer: Answer) -> str | None:
        """A plain sentence saying why `answer` cannot be an answer to this item, else None."""
        if answer.item_id != self.item_id:
            return f"answer for {answer.item_id!r} given to item {self.item_id!r}"
        return problem_with_value(self, answer.value)


def problem_with_value(item: RatingItem, value: int | str | None) -> str | None:
    """Why `value` is not a valid answer to `item` (None means skipped, always allowed)."""
    if value is None:
        return None
    if item.kind is ItemKind.SCALE:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{item.label}: expected a whole number from {SCALE_MIN} to {SCALE_MAX}"
        if not SCALE_MIN <= value <= SCALE_MAX:
            return f"{item.label}: {value} is outside {SCALE_MIN}–{SCALE_MAX}"
        return None
    if item.kind is ItemKind.CHOICE:
        if value not in item.choices:
            allowed = " / ".join(item.choices)
            return f"{item.label}: expected one of {allowed}, got {value!r}"
        return None
    if not isinstance(value, str):
        return f"{item.label}: expected text"
    return problem_with_text(value, limit=TEXT_MAX_CHARS, what=item.label)


def problem_with_text(text: str, *, limit: int, what: str) -> str | None:
    """Text the store can keep safely: not blank, not too long, no control characters."""
    if not text.strip():
        return f"{what}: must not be blank"
    if len(text) > limit:
        return f"{what}: longer than {limit} characters"
    for char in text:
        if char in "\n\t":
            continue
        category = unicodedata.category(char)
        # Control characters break CSV cells; lone surrogates cannot be written as UTF-8.
        if category == "Cc":
            return f"{what}: contains a control character (U+{ord(char):04X})"
        if category == "Cs":
            return f"{what}: contains an invalid character (U+{ord(char):04X})"
    return None


@dataclass(frozen=True)
class Answer:
    """What was answered to one item: its id, the wording version shown, and the value.

    ``value`` is an int 0–100 (scale), one of the item's choices, a note, or None when the client
    explicitly skipped the item. There is no "not yet answered" value: a form is complete only
    when every enabled item has a value or a skip.
    """

    item_id: str
    wording_version: int
    value: int | str | None

    def __post_init__(self) -> None:
        if not self.item_id:
            raise RatingError("an answer needs an item id")
        if isinstance(self.wording_version, bool) or not isinstance(self.wording_version, int):
            raise RatingError(f"{self.item_id}: wording version must be a whole number")
        if self.wording_version < 1:
            raise RatingError(f"{self.item_id}: wording version must be 1 or more")
        if self.value is not None and (
            isinstance(self.value, bool) or not isinstance(self.value, int | str)
        ):
            raise RatingError(f"{self.item_id}: an answer is a number, a word or skipped")

    @property
    def skipped(self) -> bool:
        return self.value is None


# The items in the order the forms show them. Wording is ours (CLINICAL.md forbids borrowing
# questionnaire items); ids are stable forever because stored answers and exports refer to them.
DEFAULT_ITEMS: tuple[RatingItem, ...] = (
    RatingItem(
        item_id="distress",
        kind=ItemKind.SCALE,
        phases=(Phase.BEFORE, Phase.AFTER),
        label="Distress",
        wording="How upset or on edge do you feel right now?",
        low_label="Not upset at all",
        high_label="Extremely upset",
        polarity=Polarity.HIGHER_IS_WORSE,
    ),
    RatingItem(
        item_id="relaxed",
        kind=ItemKind.SCALE,
        phases=(Phase.BEFORE, Phase.AFTER),
        label="Relaxed",
        wording="How calm and settled does your body feel right now?",
        low_label="Tense and restless",
        high_label="Completely settled",
        polarity=Polarity.HIGHER_IS_BETTER,
    ),
    RatingItem(
        item_id="soothed",
        kind=ItemKind.SCALE,
        phases=(Phase.BEFORE, Phase.AFTER),
        label="Soothed",
        wording="How safe, warm and connected do you feel right now?",
        low_label="Not at all",
        high_label="Deeply safe and warm",
        polarity=Polarity.HIGHER_IS_BETTER,
    ),
    RatingItem(
        item_id="self_criticism",
        kind=ItemKind.SCALE,
        phases=(Phase.BEFORE, Phase.AFTER),
        label="Self-criticism",
        wording="How harsh are you being with yourself right now?",
        low_label="Not harsh at all",
        high_label="Extremely harsh",
        polarity=Polarity.HIGHER_IS_WORSE,
    ),
    RatingItem(
        item_id="energised",
        kind=ItemKind.SCALE,
        phases=(Phase.BEFORE, Phase.AFTER),
        label="Energised",
        wording="How much energy and get-up-and-go do you have right now?",
        low_label="None at all",
        high_label="Full of energy",
        polarity=Polarity.HIGHER_IS_BETTER,
        optional=True,
    ),
    RatingItem(
        item_id="self_kindness",
        kind=ItemKind.SCALE,
        phases=(Phase.BEFORE, Phase.AFTER),
        label="Kind to myself",
        wording="How kind and understanding are you being towards yourself right now?",
        low_label="Not at all kind",
        high_label="Very kind",
        polarity=Polarity.HIGHER_IS_BETTER,
        optional=True,
    ),
    RatingItem(
        item_id="ease",
        kind=ItemKind.SCALE,
        phases=(Phase.AFTER,),
        label="Ease",
        wording="How easy was it to get a sense of the practice?",
        low_label="Very hard",
        high_label="Very easy",
        polarity=Polarity.HIGHER_IS_BETTER,
    ),
    RatingItem(
        item_id="upset",
        kind=ItemKind.CHOICE,
        phases=(Phase.AFTER,),
        label="Upset",
        wording="Did anything upsetting come up?",
        choices=UPSET_CHOICES,
    ),
    RatingItem(
        item_id="note",
        kind=ItemKind.TEXT,
        phases=(Phase.AFTER,),
        label="Note",
        wording="Is there anything you would like to write down about this practice?",
        optional=True,
    ),
)

ITEM_IDS: tuple[str, ...] = tuple(item.item_id for item in DEFAULT_ITEMS)
# Numbers only unless a therapist turns on the optional items (CLINICAL.md §5).
DEFAULT_ENABLED: frozenset[str] = frozenset(i.item_id for i in DEFAULT_ITEMS if not i.optional)


@dataclass(frozen=True)
class ItemSet:
    """The items a profile is asked, with their current wording. Edited only by a therapist."""

    items: tuple[RatingItem, ...] = DEFAULT_ITEMS
    enabled: frozenset[str] = DEFAULT_ENABLED

    def __post_init__(self) -> None:
        ids = [item.item_id for item in self.items]
        if len(set(ids)) != len(ids):
            raise RatingError("an item set lists the same item twice")
        unknown = self.enabled - set(ids)
        if unknown:
            raise RatingError(f"cannot enable unknown items: {', '.join(sorted(unknown))}")

    def item(self, item_id: str) -> RatingItem:
        for item in self.items:
            if item.item_id == item_id:
                return item
        raise RatingError(f"unknown rating item {item_id!r}")

    def for_phase(self, phase: Phase) -> tuple[RatingItem, ...]:
        """The enabled items asked at `phase`, in form order."""
        return tuple(i for i in self.items if i.item_id in self.enabled and phase in i.phases)

    def with_enabled(self, item_id: str, enabled: bool = True) -> ItemSet:
        self.item(item_id)
        ids = self.enabled | {item_id} if enabled else self.enabled - {item_id}
        return replace(self, enabled=frozenset(ids))

    def with_wording(
        self,
        item_id: str,
        wording: str,
        *,
        low_label: str | None = None,
        high_label: str | None = None,
    ) -> ItemSet:
        """New wording for one item; its version goes up so old answers keep their meaning."""
        old = self.item(item_id)
        problem = problem_with_text(wording, limit=300, what=f"{old.label} wording")
        if problem:
            raise RatingError(problem)
        new = replace(
            old,
            wording=wording.strip(),
            wording_version=old.wording_version + 1,
            low_label=old.low_label if low_label is None else low_label.strip(),
            high_label=old.high_label if high_label is None else high_label.strip(),
        )
        return replace(self, items=tuple(new if i is old else i for i in self.items))

    def check_answers(self, phase: Phase, answers: Sequence[Answer]) -> tuple[Answer, ...]:
        """Check a submitted form: every enabled item answered or skipped exactly once.

        Returns the answers in form order; raises `RatingError` naming every problem at once.
        """
        expected = {item.item_id: item for item in self.for_phase(phase)}
        problems: list[str] = []
        seen: dict[str, Answer] = {}
        for answer in answers:
            item = expected.get(answer.item_id)
            if item is None:
                problems.append(f"{answer.item_id}: not asked {phase.value} a practice")
                continue
            if answer.item_id in seen:
                problems.append(f"{item.label}: answered twice")
                continue
            problem = item.problem_with(answer)
            if problem:
                problems.append(problem)
            seen[answer.item_id] = answer
        problems.extend(
            f"{item.label}: needs a value or an explicit skip"
            for item_id, item in expected.items()
            if item_id not in seen
        )
        if problems:
            raise RatingError("; ".join(problems))
        return tuple(seen[item_id] for item_id in expected)


DEFAULT_ITEM_SET = ItemSet()


def values_of(answers: Iterable[Answer]) -> dict[str, int | str | None]:
    """item id -> value (None when skipped), for answers from one phase."""
    return {answer.item_id: answer.value for answer in answers}


# --------------------------------------------------------------------------------------------
# Change metrics

# Rules of thumb borrowed from pain research on 0–100 scales (≈10 points is a change people tend
# to notice, ≈20 a marked one). They are not validated cut-offs for these items; every label the
# app shows says so.
NOTICEABLE_CHANGE = 10
MARKED_CHANGE = 20
RULE_OF_THUMB_NOTE = (
    "'Noticeable' (10+ points) and 'marked' (20+ points) are rules of thumb borrowed from pain "
    "research, not validated cut-offs for these questions."
)
# Jacobson & Truax: a reliable change index beyond ±1.96 is unlikely to be measurement noise.
RCI_THRESHOLD = 1.96
ENGAGEMENT_NOTE = "Shifts within the app are engagement signals, not treatment effects."


class ChangeSize(StrEnum):
    SMALL = "small"  # below the rule-of-thumb threshold
    NOTICEABLE = "noticeable"
    MARKED = "marked"


class Direction(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"


def change_size(delta: float) -> ChangeSize:
    """Label |after − before| with the rule-of-thumb thresholds."""
    magnitude = abs(delta)
    if magnitude >= MARKED_CHANGE:
        return ChangeSize.MARKED
    if magnitude >= NOTICEABLE_CHANGE:
        return ChangeSize.NOTICEABLE
    return ChangeSize.SMALL


def change_direction(delta: float, polarity: Polarity) -> Direction:
    if delta == 0:
        return Direction.SAME
    rose = delta > 0
    better = rose if polarity is Polarity.HIGHER_IS_BETTER else not rose
    return Direction.BETTER if better else Direction.WORSE


def reliable_change_index(before: float, after: float, sd: float, r: float) -> float:
    """Jacobson & Truax RCI: (after − before) / (SD·√2·√(1−r)).

    `sd` is the standard deviation of the measure in a reference group and `r` its test–retest
    reliability; both must come from data about the item, which our own items do not yet have.
    """
    if not sd > 0:
        raise RatingError("the reference standard deviation must be above 0")
    if not 0 <= r < 1:
        raise RatingError("the reliability r must be at least 0 and below 1")
    return (after - before) / (sd * math.sqrt(2) * math.sqrt(1 - r))


@dataclass(frozen=True)
class Norm:
    """Reference SD and reliability for one item, for the reliable change index."""

    sd: float
    r: float


@dataclass(frozen=True)
class ItemChange:
    """before → after for one scale item (single values, or means over sessions)."""

    item_id: str
    before: float
    after: float
    size: ChangeSize
    direction: Direction
    rci: float | None = None

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def worsened(self) -> bool:
        return self.direction is Direction.WORSE

    @property
    def reliable(self) -> bool | None:
        """Whether the RCI passes ±1.96; None when no reference SD and r were given."""
        return None if self.rci is None else abs(self.rci) > RCI_THRESHOLD

    def describe(self) -> str:
        """E.g. "rose 25 points (marked, worse)"; worsening is worded as plainly as improvement."""
        if self.direction is Direction.SAME:
            return "no change"
        verb = "rose" if self.delta > 0 else "fell"
        points = abs(self.delta)
        amount = f"{points:g} point" + ("" if points == 1 else "s")
        if self.size is ChangeSize.SMALL:
            return f"{verb} {amount} (small, {self.direction.value})"
        return f"{verb} {amount} ({self.size.value}, {self.direction.value})"


def item_change(
    item: RatingItem, before: float, after: float, norm: Norm | None = None
) -> ItemChange:
    if item.kind is not ItemKind.SCALE or item.polarity is None:
        raise RatingError(f"{item.label}: change is only measured on 0–100 items")
    delta = after - before
    return ItemChange(
        item_id=item.item_id,
        before=before,
        after=after,
        size=change_size(delta),
        direction=change_direction(delta, item.polarity),
        rci=None if norm is None else reliable_change_index(before, after, norm.sd, norm.r),
    )


def session_changes(
    before: Iterable[Answer],
    after: Iterable[Answer],
    items: ItemSet = DEFAULT_ITEM_SET,
    norms: Mapping[str, Norm] | None = None,
) -> tuple[ItemChange, ...]:
    """Changes for every scale item answered (not skipped) both before and after, in form order."""
    b, a = values_of(before), values_of(after)
    changes: list[ItemChange] = []
    for item in items.items:
        if item.kind is not ItemKind.SCALE or item.polarity is None:
            continue
        vb, va = b.get(item.item_id), a.get(item.item_id)
        if isinstance(vb, int) and isinstance(va, int):
            norm = None if norms is None else norms.get(item.item_id)
            changes.append(item_change(item, vb, va, norm))
    return tuple(changes)


# --------------------------------------------------------------------------------------------
# Safety triggers


class Trigger(StrEnum):
    DISTRESS_HIGH = "distress_high"
    DISTRESS_ROSE = "distress_rose"
    UPSET_A_LOT = "upset_a_lot"


TRIGGER_REASONS: Mapping[Trigger, str] = {
    Trigger.DISTRESS_HIGH: "Distress was high after the practice.",
    Trigger.DISTRESS_ROSE: "Distress rose during the practice.",
    Trigger.UPSET_A_LOT: "Something very upsetting came up.",
}


@dataclass(frozen=True)
class SafetyTriggers:
    """When the safety flow runs. A therapist may change these; None turns a rule off."""

    distress_after_at_least: int | None = 70
    distress_rise_at_least: int | None = 20
    upset_a_lot: bool = True

    def __post_init__(self) -> None:
        for name in ("distress_after_at_least", "distress_rise_at_least"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise RatingError(f"{name} must be a whole number or off")
            if not 1 <= value <= SCALE_MAX:
                raise RatingError(f"{name} must be from 1 to {SCALE_MAX}")


DEFAULT_SAFETY_TRIGGERS = SafetyTriggers()


def fired_triggers(
    before: Iterable[Answer],
    after: Iterable[Answer],
    triggers: SafetyTriggers = DEFAULT_SAFETY_TRIGGERS,
) -> tuple[Trigger, ...]:
    """Which safety rules the after-rating meets; non-empty means the GUI runs the safety flow.

    A skipped answer cannot fire a rule (we do not guess), but any one rule is enough.
    """
    b, a = values_of(before), values_of(after)
    fired: list[Trigger] = []
    distress_after = a.get("distress")
    distress_before = b.get("distress")
    if (
        triggers.distress_after_at_least is not None
        and isinstance(distress_after, int)
        and distress_after >= triggers.distress_after_at_least
    ):
        fired.append(Trigger.DISTRESS_HIGH)
    if (
        triggers.distress_rise_at_least is not None
        and isinstance(distress_after, int)
        and isinstance(distress_before, int)
        and distress_after - distress_before >= triggers.distress_rise_at_least
    ):
        fired.append(Trigger.DISTRESS_ROSE)
    if triggers.upset_a_lot and a.get("upset") == "a lot":
        fired.append(Trigger.UPSET_A_LOT)
    return tuple(fired)


# What the safety flow says (CLINICAL.md §6), in our own words. The GUI lays it out.
SAFETY_FLOW_TEXT: tuple[str, ...] = (
    "It sounds as if this practice stirred up something hard. That happens to many people: when "
    "we turn towards warmth, old sadness, grief or fear can surface too. It is not a sign you did "
    "anything wrong.",
    "If you would like, try Ground me now: eyes open, feet on the floor, noticing what you can see "
    "and hear.",
    "Next time you might choose a shorter or gentler practice, or simply breathe without imagery.",
    "It may help to tell your therapist what came up.",
)

# --------------------------------------------------------------------------------------------
# Crisis resources


@dataclass(frozen=True)
class CrisisResource:
    """One way to reach help, shown offline, with the date someone last checked it works."""

    resource_id: str
    region: str
    name: str
    contact: str  # what to dial or text, as a person would read it
    details: str
    last_verified: date
    custom: bool = False  # added by a therapist (e.g. the clinic's own number)

    def __post_init__(self) -> None:
        for name in ("resource_id", "region", "name", "contact"):
            value = getattr(self, name)
            problem = problem_with_text(value, limit=200, what=f"crisis resource {name}")
            if problem:
                raise RatingError(problem)
        if self.details:
            problem = problem_with_text(self.details, limit=400, what="crisis resource details")
            if problem:
                raise RatingError(problem)


CANNOT_CONTACT_STATEMENT = (
    "This app cannot contact anyone. It does not call, text or alert your therapist or any "
    "service; if you need help now, please use one of the numbers below yourself."
)
CRISIS_INTRO = (
    "If you are in danger or might harm yourself, please contact someone now. These services are "
    "free to call:"
)

# CLINICAL.md §6 lists these as verified; it asks for the Republic of Ireland coverage of
# Samaritans 116 123 to be checked again before a release.
_VERIFIED_ON = date(2026, 11, 26)

DEFAULT_CRISIS_ENTRIES: tuple[CrisisResource, ...] = (
    CrisisResource(
        resource_id="us-988",
        region="United States",
        name="988 Suicide & Crisis Lifeline",
        contact="Call or text 988",
        details="Free, 24 hours a day, every day.",
        last_verified=_VERIFIED_ON,
    ),
    CrisisResource(
        # Canada's own line (issue 16 §5): the same three digits as the US one, a separate service.
        resource_id="ca-988",
        region="Canada",
        name="9-8-8: Suicide Crisis Helpline",
        contact="Call or text 988",
        details="Free, 24 hours a day, every day, in English and French.",
        last_verified=_VERIFIED_ON,
    ),
    CrisisResource(
        resource_id="uk-ie-samaritans",
        region="UK and Republic of Ireland",
        name="Samaritans",
        contact="Call 116 123",
        details="Free, 24 hours a day, every day.",
        last_verified=_VERIFIED_ON,
    ),
    CrisisResource(
        resource_id="emergency",
        region="Emergency services",
        name="Emergency number",
        contact="112 / 999 / 911",
        details=(
            "112 works across the EU and from most mobiles; 999 in the UK and Ireland; "
            "911 in the US and Canada."
        ),
        last_verified=_VERIFIED_ON,
    ),
)


@dataclass(frozen=True)
class CrisisResources:
    """The editable crisis table shown by the safety flow and the Help screen."""

    entries: tuple[CrisisResource, ...] = DEFAULT_CRISIS_ENTRIES
    intro: str = CRISIS_INTRO
    cannot_contact: str = CANNOT_CONTACT_STATEMENT

    def __post_init__(self) -> None:
        ids = [e.resource_id for e in self.entries]
        if len(set(ids)) != len(ids):
            raise RatingError("two crisis resources share an id")

    def with_entry(self, entry: CrisisResource) -> CrisisResources:
        """Add `entry`, or replace the entry with the same id (e.g. after re-verifying it)."""
        kept = tuple(e for e in self.entries if e.resource_id != entry.resource_id)
        if len(kept) == len(self.entries):
            return replace(self, entries=(*self.entries, entry))
        return replace(
            self,
            entries=tuple(entry if e.resource_id == entry.resource_id else e for e in self.entries),
        )

    def without(self, resource_id: str) -> CrisisResources:
        return replace(self, entries=tuple(e for e in self.entries if e.resource_id != resource_id))


DEFAULT_CRISIS_RESOURCES = CrisisResources()

# --------------------------------------------------------------------------------------------
# Consent

# Bump whenever any topic's text changes in substance, so clients see and accept the new text.
CONSENT_VERSION = 2  # 2: says where in the app erasing is


@dataclass(frozen=True)
class ConsentTopic:
    topic_id: str
    title: str
    text: str  # may contain {data_dir}, filled in by the GUI with the real folder


CONSENT_TOPICS: tuple[ConsentTopic, ...] = (
    ConsentTopic(
        topic_id="practices",
        title="What the practices involve",
        text=(
            "The practices are short guided exercises: slow, gentle breathing and imagining "
            "warmth, kindness and safety. Many people find them calming, but difficult feelings "
            "such as sadness, grief, old memories or unease can come up. That is common and "
            "usually passes. You can open your eyes, press your feet into the floor, use Ground "
            "me, or stop at any moment."
        ),
    ),
    ConsentTopic(
        topic_id="not_crisis_service",
        title="Not a crisis service",
        text=(
            "CFT Desktop supports work you are doing with a therapist. It is not a treatment on "
            "its own and not a crisis service, and it cannot contact anyone. If you are in "
            "danger or thinking of harming yourself, call an emergency number or a crisis line "
            "(listed under Help)."
        ),
    ),
    ConsentTopic(
        topic_id="what_is_stored",
        title="What is stored and where",
        text=(
            "The app keeps your answers to the short before-and-after questions, which practice "
            "you played, its pacing and voice, and when. It keeps written notes only if your "
            "therapist turns notes on. Everything stays on this computer, in {data_dir}, with a "
            "few automatic backup copies beside it; it can be locked with a passphrase. Nothing "
            "is ever sent over the internet."
        ),
    ),
    ConsentTopic(
        topic_id="how_to_delete",
        title="How to delete it",
        text=(
            "You can erase a profile and all its ratings at any time from the Ratings menu "
            "(Erase my ratings, or Clients for a therapist); this also cleans the backup copies. "
            "Deleting the folder {data_dir} removes everything. Files you export are yours to keep "
            "or delete."
        ),
    ),
)
CONSENT_TOPIC_IDS: frozenset[str] = frozenset(t.topic_id for t in CONSENT_TOPICS)


@dataclass(frozen=True)
class ConsentRecord:
    """Which version of the consent text a profile accepted, which topics, and when."""

    version: int
    accepted_topics: frozenset[str]
    accepted_at: datetime

    def __post_init__(self) -> None:
        if self.accepted_at.tzinfo is None:
            raise RatingError("consent time needs a UTC offset")

    @property
    def complete(self) -> bool:
        """True when the current consent text was accepted topic by topic."""
        return self.version == CONSENT_VERSION and self.accepted_topics >= CONSENT_TOPIC_IDS
