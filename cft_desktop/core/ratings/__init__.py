"""Rating items, answers, change metrics, safety triggers, crisis resources and consent text.

Owns the clinical *content* of the before/after ratings (CLINICAL.md §5–7) as plain data: the items
and their wording, how an answer is checked, how a change is labelled, when the safety flow must
run, the offline crisis table and the consent topics. Nothing here touches a file or Qt; the store
(`cft_desktop.store.records`) persists these values and the GUI presents them.

One module per concept, and this package re-exports every public name of them, so callers import
from `cft_desktop.core.ratings`: `answers` (an answer, and the text rule stored text meets),
`items` (the items and their scales), `change` (before → after change), `safety` (the safety
check), `crisis` (crisis resources by region) and `consent`.

Pure functions and frozen values: any thread may use them (in practice the GUI thread and the CLI's
main thread).
"""

from cft_desktop.core.ratings.answers import (
    Answer,
    problem_with_text,
    values_of,
)
from cft_desktop.core.ratings.change import (
    ENGAGEMENT_NOTE,
    MARKED_CHANGE,
    NOTICEABLE_CHANGE,
    RCI_THRESHOLD,
    RULE_OF_THUMB_NOTE,
    ChangeSize,
    Direction,
    ItemChange,
    Norm,
    change_direction,
    change_size,
    item_change,
    reliable_change_index,
    session_changes,
)
from cft_desktop.core.ratings.consent import (
    CONSENT_TOPIC_IDS,
    CONSENT_TOPICS,
    CONSENT_VERSION,
    ConsentRecord,
    ConsentTopic,
)
from cft_desktop.core.ratings.crisis import (
    CANNOT_CONTACT_STATEMENT,
    CRISIS_INTRO,
    DEFAULT_CRISIS_ENTRIES,
    DEFAULT_CRISIS_RESOURCES,
    CrisisResource,
    CrisisResources,
)
from cft_desktop.core.ratings.items import (
    DEFAULT_ENABLED,
    DEFAULT_ITEM_SET,
    DEFAULT_ITEMS,
    ITEM_IDS,
    SCALE_MAX,
    SCALE_MIN,
    TEXT_MAX_CHARS,
    UPSET_CHOICES,
    ItemKind,
    ItemSet,
    Phase,
    Polarity,
    RatingItem,
    problem_with_value,
)
from cft_desktop.core.ratings.safety import (
    DEFAULT_SAFETY_TRIGGERS,
    SAFETY_FLOW_TEXT,
    TRIGGER_REASONS,
    SafetyTriggers,
    Trigger,
    fired_triggers,
)

__all__ = [
    "CANNOT_CONTACT_STATEMENT",
    "CONSENT_TOPICS",
    "CONSENT_TOPIC_IDS",
    "CONSENT_VERSION",
    "CRISIS_INTRO",
    "DEFAULT_CRISIS_ENTRIES",
    "DEFAULT_CRISIS_RESOURCES",
    "DEFAULT_ENABLED",
    "DEFAULT_ITEMS",
    "DEFAULT_ITEM_SET",
    "DEFAULT_SAFETY_TRIGGERS",
    "ENGAGEMENT_NOTE",
    "ITEM_IDS",
    "MARKED_CHANGE",
    "NOTICEABLE_CHANGE",
    "RCI_THRESHOLD",
    "RULE_OF_THUMB_NOTE",
    "SAFETY_FLOW_TEXT",
    "SCALE_MAX",
    "SCALE_MIN",
    "TEXT_MAX_CHARS",
    "TRIGGER_REASONS",
    "UPSET_CHOICES",
    "Answer",
    "ChangeSize",
    "ConsentRecord",
    "ConsentTopic",
    "CrisisResource",
    "CrisisResources",
    "Direction",
    "ItemChange",
    "ItemKind",
    "ItemSet",
    "Norm",
    "Phase",
    "Polarity",
    "RatingItem",
    "SafetyTriggers",
    "Trigger",
    "change_direction",
    "change_size",
    "fired_triggers",
    "item_change",
    "problem_with_text",
    "problem_with_value",
    "reliable_change_index",
    "session_changes",
    "values_of",
]
