"""What a therapist records for one practice: each distinct spoken text once, in the order first
heard, with the breath it is said on (`[in]` / `[out]` lines), and which are already recorded.

Pure values over a `Script` and a `VoicePack`; any thread (the recorder's GUI thread).
"""

from __future__ import annotations

from dataclasses import dataclass

from cft_desktop.core.script import Breathe, Phrase, Script
from cft_desktop.voice.recorded import VoicePack


@dataclass(frozen=True)
class PhraseToRecord:
    number: int  # 1-based, as "12 of 31" counts
    text: str
    phase: str | None  # "in" or "out" for a line said on a breath, None for a phrase
    line: int


def phrases_to_record(script: Script) -> list[PhraseToRecord]:
    found: dict[str, tuple[str | None, int]] = {}
    for item in script.items:
        if isinstance(item, Phrase):
            found.setdefault(item.text, (None, item.line))
        elif isinstance(item, Breathe):
            count = max(len(item.inhale_lines), len(item.exhale_lines))
            for k in range(count):
                for phase, lines in (("in", item.inhale_lines), ("out", item.exhale_lines)):
                    if k < len(lines):
                        found.setdefault(lines[k].text, (phase, lines[k].line))
    return [PhraseToRecord(number, text, phase, line)
            for number, (text, (phase, line)) in enumerate(found.items(), start=1)]


class RecordingPlan:
    """The phrases of one script, where the teleprompter is, and what the pack holds."""

    def __init__(self, script: Script, pack: VoicePack) -> None:
        self.script = script
        self.pack = pack
        self.phrases = phrases_to_record(script)
        self.index = self.next_unrecorded(-1) if self.phrases else 0
        if self.index < 0:
            self.index = 0

    @property
    def current(self) -> PhraseToRecord | None:
        return self.phrases[self.index] if self.phrases else None

    @property
    def following(self) -> PhraseToRecord | None:
        nxt = self.index + 1
        return self.phrases[nxt] if nxt < len(self.phrases) else None

    def recorded(self, phrase: PhraseToRecord) -> bool:
        return self.pack.has_take(self.script.id, phrase.text)

    def recorded_count(self) -> int:
        return sum(1 for p in self.phrases if self.recorded(p))

    def progress_text(self) -> str:
        return f"{self.recorded_count()} of {len(self.phrases)} recorded"

    def move(self, step: int) -> bool:
        target = self.index + step
        if 0 <= target < len(self.phrases):
            self.index = target
            return True
        return False

    def next_unrecorded(self, after: int | None = None) -> int:
        """The index of the next phrase without a take after `after` (wrapping round); -1 when
        every phrase has one."""
        start = self.index if after is None else after
        count = len(self.phrases)
        for offset in range(1, count + 1):
            candidate = (start + offset) % count
            if not self.recorded(self.phrases[candidate]):
                return candidate
        return -1

    def go_to_next_unrecorded(self) -> bool:
        found = self.next_unrecorded()
        if found < 0:
            return False
        self.index = found
        return True
