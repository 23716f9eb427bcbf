"""An answer to one rating item (a value, or an explicit skip, tagged with the wording version
shown), and the rule every text the store keeps must meet (not blank, not too long, no control
characters), which item wording, notes, crisis entries and imported pseudonyms all share.

Pure functions and frozen values: any thread may use them (in practice the GUI thread and the
CLI's main thread).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from cft_desktop.errors import RatingError


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


def values_of(answers: Iterable[Answer]) -> dict[str, int | str | None]:
    """item id -> value (None when skipped), for answers from one phase."""
    return {answer.item_id: answer.value for answer in answers}
