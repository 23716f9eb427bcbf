"""Crisis resources by region (CLINICAL.md §6): the offline table the safety flow and the Help
screen show, each entry with the date it was last checked, editable by a therapist, and the
statement that the app cannot contact anyone.

Pure functions and frozen values: any thread may use them (in practice the GUI thread and the
CLI's main thread).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from cft_desktop.core.ratings.answers import problem_with_text
from cft_desktop.errors import RatingError


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
