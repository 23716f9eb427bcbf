"""The check-in after an imagery practice that is not rated (issue 16 §1, CLINICAL.md §6).

Owns the short form that keeps the safety check for everyone: "Did anything upsetting come up?"
and, if the person wants, how upset they feel now; it says plainly that nothing of it is saved.
It is the after form's layout (the same rows, keyboard order and Skip per question) with its
own title, intro and buttons. The controller reads the answers, runs the same safety rules and
forgets them. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from cft_desktop.core.ratings import Phase, RatingItem
from cft_desktop.core.ratings.safety import CHECK_IN_INTRO, CHECK_IN_TITLE
from cft_desktop.ui.records.views.ratings_dialog import STOPPED_EARLY_NOTE, RatingDialog

NOT_NOW = "Not now"
NOT_NOW_TIP = "Go on without answering. Nothing is saved either way."
DONE = "Done"


class CheckInDialog(RatingDialog):
    """Upset and distress after a practice, asked and then forgotten."""

    def __init__(
        self,
        items: Sequence[RatingItem],
        practice_title: str,
        fraction: float | None = None,
        who: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(Phase.AFTER, items, practice_title, fraction, who, parent)
        self.setObjectName("check-in")
        self.setWindowTitle(f"Check in: {practice_title}")
        self.title.setText(CHECK_IN_TITLE)
        intro = CHECK_IN_INTRO
        if fraction is not None and fraction < 1.0:
            intro = f"{STOPPED_EARLY_NOTE} {intro}"
        self.intro.setText(intro)
        self.intro.setAccessibleName(intro)
        for button, text, tip in ((self.skip_all, NOT_NOW, NOT_NOW_TIP),
                                  (self.continue_, DONE, "Go on with these answers.")):
            button.setText(text)
            button.setAccessibleName(text)
            button.setToolTip(tip)
        self._update()
