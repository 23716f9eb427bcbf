"""Consent: the topics a client accepts one by one before any rating is kept, the version of
their text, and the record of what a profile accepted and when.

Pure functions and frozen values: any thread may use them (in practice the GUI thread and the
CLI's main thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cft_desktop.errors import RatingError

# Bump whenever any topic's text changes in substance, so clients see and accept the new text.
# 3: backdraft, breathing safety, what declining changes, who can see the data (issue 16 §2)
CONSENT_VERSION = 3


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
            "such as sadness, grief, old memories or unease can come up. Therapists call this "
            "backdraft: when we turn towards kindness, old pain can come forward too. It is "
            "common, it is not a sign of doing it wrong, and it usually passes. You can open your "
            "eyes, press your feet into the floor, use Ground me, or stop at any moment."
        ),
    ),
    ConsentTopic(
        topic_id="breathing_safety",
        title="Breathing gently",
        text=(
            "Breathe gently and never force a breath. If you feel dizzy, tingly or short of "
            "breath, go back to your ordinary breathing for a while. You can make the pace "
            "quicker at any time in the side panel, or simply sit quietly and let the voice go "
            "on without following the breath."
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
            "is ever sent over the internet. If you say no, practices play just the same and "
            "nothing about them is kept. After an imagery practice you are still asked, in a few "
            "words, how you are, so that support can be offered; that answer is not kept either."
        ),
    ),
    ConsentTopic(
        topic_id="who_can_see",
        title="Who can see it",
        text=(
            "Anyone who can sign in to this computer account can open the app and its ratings, "
            "unless they are locked with a passphrase. On a therapist's computer, the therapist "
            "can see the ratings of every client kept there; clients appear under a pseudonym "
            "the therapist chooses, and do not see one another's ratings in the app."
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
