"""The rating items (CLINICAL.md §5): their kinds and scales, their wording and its versions, the
default set in form order, which items a profile is asked, and how a value or a submitted form is
checked against them.

Pure functions and frozen values: any thread may use them (in practice the GUI thread and the
CLI's main thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from cft_desktop.core.ratings.answers import Answer, problem_with_text
from cft_desktop.errors import RatingError


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


# The items in the order the forms show them. Labels echo the words of the question a client was
# asked ("calm and settled", "safe, warm and connected", "how harsh are you being with yourself"),
# so History and the PDF read as the form did (issue 17 §5). Wording is ours (CLINICAL.md forbids
# borrowing questionnaire items); ids are stable forever because stored answers and exports refer
# to them.
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
        label="Calm",
        wording="How calm and settled does your body feel right now?",
        low_label="Tense and restless",
        high_label="Completely settled",
        polarity=Polarity.HIGHER_IS_BETTER,
    ),
    RatingItem(
        item_id="soothed",
        kind=ItemKind.SCALE,
        phases=(Phase.BEFORE, Phase.AFTER),
        label="Safe and warm",
        wording="How safe, warm and connected do you feel right now?",
        low_label="Not at all",
        high_label="Deeply safe and warm",
        polarity=Polarity.HIGHER_IS_BETTER,
    ),
    RatingItem(
        item_id="self_criticism",
        kind=ItemKind.SCALE,
        phases=(Phase.BEFORE, Phase.AFTER),
        label="Harsh with myself",
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
