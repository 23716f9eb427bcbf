"""The timeline: a script plus a pacing, laid out in integer sample frames.

Owns the layout of every event (phrase, pause, inhale, hold, exhale, bell) and re-timing after a
position, which is how pacing changes and newly synthesised phrases take effect while playing. The
sound, the breathing pacer and the captions all read the same `Timeline`; nothing else decides when
anything happens.

With no breath work (`Pacing.breath_work` False) a paced block keeps its cycles and their frames but
each cycle is one "quiet" event: no inhale, hold or exhale, no breath lines; items marked for the
other case are left out.

Pure and deterministic: the same inputs give the same frames. Breath k of a block starts at
round(sum of the first k cycle lengths in frames) from the block's start, computed with `math.fsum`
so that with a constant rate it is exactly round(k × cycle_frames): no drift over a session. Built
on whichever thread asks (render worker, GUI thread); a `Timeline` is immutable once built, so it can
be handed between threads by swapping one reference.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Bell, Breathe, Pause, Phrase, Script, heard

EventKind = Literal["phrase", "pause", "inhale", "exhale", "hold", "bell", "quiet"]
BREATH_KINDS = ("inhale", "hold", "exhale")
# Silence after every phrase before the pause scale; gives the words room to land.
PHRASE_GAP_S = 1.0


@dataclass(frozen=True)
class Event:
    """One thing that happens. `spoken` is the index into `Script.phrases()` for phrase events."""

    kind: EventKind
    start_frame: int
    end_frame: int
    text: str = ""
    spoken: int = -1
    breath: int = -1
    line: int = 0

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame


@dataclass(frozen=True)
class ResumePoint:
    """Where a build starts: before item `item`, at breath `cycle` of that item if it breathes.

    `breath` counts the session's paced breaths so far (for the ramp); `block_start_frame` is where
    the current breathe block began, so that a block of "about 2 min" keeps its length when the rate
    changes part-way.
    """

    item: int
    cycle: int
    breath: int
    frame: int
    block_start_frame: int = 0
    # Breath starts are rounded from an exact running sum that begins at an anchor: the block's
    # start, or the boundary where a new pacing took over. Resuming with the same pacing keeps the
    # anchor, so a rebuild reproduces every frame exactly.
    anchor_frame: int = 0
    anchor_cycle: int = 0
    anchor_breath: int = 0


@dataclass(frozen=True)
class TimelineWarning:
    line: int
    message: str
    frame: int = 0


@dataclass(frozen=True)
class Segment:
    """A stretch of the timeline built with one pacing, from `start` onwards."""

    start: ResumePoint
    pacing: Pacing
    keep_anchor: bool = True


@dataclass(frozen=True)
class Timeline:
    """Events sorted by start, the session length, and where it may be re-timed."""

    sample_rate: int
    events: tuple[Event, ...]
    total_frames: int
    boundaries: tuple[ResumePoint, ...]
    segments: tuple[Segment, ...]
    warnings: tuple[TimelineWarning, ...] = ()
    _starts: tuple[int, ...] = field(default=(), repr=False, compare=False)
    _breath_events: tuple[Event, ...] = field(default=(), repr=False, compare=False)
    _breath_starts: tuple[int, ...] = field(default=(), repr=False, compare=False)
    _phrase_events: tuple[Event, ...] = field(default=(), repr=False, compare=False)
    _phrase_starts: tuple[int, ...] = field(default=(), repr=False, compare=False)
    _quiet_spans: tuple[tuple[int, int], ...] = field(default=(), repr=False, compare=False)

    @property
    def pacing(self) -> Pacing:
        """The pacing in force at the end of the timeline (the latest change)."""
        return self.segments[-1].pacing

    @property
    def duration_s(self) -> float:
        return self.total_frames / self.sample_rate

    def breath_phase_at(self, frame: int) -> Event | None:
        """The inhale, hold or exhale event sounding at `frame`, or None outside paced breathing."""
        index = bisect.bisect_right(self._breath_starts, frame) - 1
        if index >= 0:
            event = self._breath_events[index]
            if event.start_frame <= frame < event.end_frame:
                return event
        return None

    def quiet_span_at(self, frame: int) -> tuple[int, int] | None:
        """(start_frame, end_frame) of the breath-free block sounding at `frame`, or None.

        What a still pacer shows time passing against; the block's cycles are merged into one."""
        index = bisect.bisect_right(self._quiet_spans, (frame, math.inf)) - 1
        if index >= 0:
            start, end = self._quiet_spans[index]
            if start <= frame < end:
                return start, end
        return None

    def phrase_at(self, frame: int) -> Event | None:
        """The latest phrase whose start is at or before `frame` (the caption to show)."""
        index = bisect.bisect_right(self._phrase_starts, frame) - 1
        return self._phrase_events[index] if index >= 0 else None

    def phrase_events(self) -> tuple[Event, ...]:
        return self._phrase_events

    def events_between(self, start_frame: int, end_frame: int) -> list[Event]:
        """Events that start in [start_frame, end_frame)."""
        low = bisect.bisect_left(self._starts, start_frame)
        high = bisect.bisect_left(self._starts, end_frame)
        return list(self.events[low:high])

    def boundary_at_or_after(self, frame: int) -> ResumePoint | None:
        """The first breath or phrase boundary at or after `frame` (where a change can apply)."""
        frames = [b.frame for b in self.boundaries]
        index = bisect.bisect_left(frames, frame)
        return self.boundaries[index] if index < len(self.boundaries) else None

    def to_json_dict(self) -> dict[str, object]:
        rate = self.sample_rate
        events: list[dict[str, object]] = []
        for event in self.events:
            entry: dict[str, object] = {
                "kind": event.kind,
                "start_s": event.start_frame / rate,
                "end_s": event.end_frame / rate,
            }
            if event.kind == "phrase":
                entry["text"] = event.text
            events.append(entry)
        return {"sample_rate": rate, "events": events}


ClipFrames = Callable[[int], int]
"""Length in frames of spoken phrase number i (index into `Script.phrases()`)."""


def build(
    script: Script,
    pacing: Pacing,
    clip_frames: ClipFrames,
    sample_rate: int,
    bell_frames: int,
) -> Timeline:
    """Lay out the whole script with one pacing."""
    start = ResumePoint(item=0, cycle=0, breath=0, frame=0)
    return _assemble(
        script, [], [], [Segment(start, pacing)], clip_frames, sample_rate, bell_frames
    )


def retime(
    timeline: Timeline,
    script: Script,
    pacing: Pacing,
    after_frame: int,
    clip_frames: ClipFrames,
    bell_frames: int,
) -> Timeline:
    """Keep everything before the first boundary at or after `after_frame`; re-time the rest.

    Used for a live pacing change (`after_frame` = the render head) and, with the same pacing, when
    a phrase's real length becomes known. Returns `timeline` itself when nothing is left to change.
    """
    boundary = timeline.boundary_at_or_after(after_frame)
    if boundary is None:
        return timeline
    kept_events = [e for e in timeline.events if e.start_frame < boundary.frame]
    kept_bounds = [b for b in timeline.boundaries if b.frame < boundary.frame]
    kept_warnings = [w for w in timeline.warnings if w.frame < boundary.frame]
    in_force = [s for s in timeline.segments if s.start.frame <= boundary.frame][-1]
    segments = [s for s in timeline.segments if s.start.frame < boundary.frame]
    segments.append(Segment(boundary, pacing, keep_anchor=in_force.pacing == pacing))
    return _assemble(
        script, kept_events, kept_bounds, segments, clip_frames, timeline.sample_rate, bell_frames,
        kept_warnings,
    )


def refresh(
    timeline: Timeline, script: Script, clip_frames: ClipFrames, bell_frames: int
) -> Timeline:
    """Rebuild the last segment with the current clip lengths (a phrase's real length arrived)."""
    last = timeline.segments[-1]
    kept_events = [e for e in timeline.events if e.start_frame < last.start.frame]
    kept_bounds = [b for b in timeline.boundaries if b.frame < last.start.frame]
    kept_warnings = [w for w in timeline.warnings if w.frame < last.start.frame]
    return _assemble(
        script,
        kept_events,
        kept_bounds,
        list(timeline.segments),
        clip_frames,
        timeline.sample_rate,
        bell_frames,
        kept_warnings,
    )


def spoken_indices(script: Script) -> list[list[int]]:
    """For each item, the indices into `script.phrases()` it speaks, in that order.

    A breathe block's list interleaves inhale and exhale lines as they are heard: in0, out0, in1, …
    """
    result: list[list[int]] = []
    counter = 0
    for item in script.items:
        indices: list[int] = []
        if isinstance(item, Phrase):
            indices.append(counter)
            counter += 1
        elif isinstance(item, Breathe):
            count = max(len(item.inhale_lines), len(item.exhale_lines))
            for k in range(count):
                if k < len(item.inhale_lines):
                    indices.append(counter)
                    counter += 1
                if k < len(item.exhale_lines):
                    indices.append(counter)
                    counter += 1
        result.append(indices)
    return result


def block_cycles(block: Breathe, pacing: Pacing, first_breath: int, sample_rate: int) -> int:
    """How many cycles a breathe block has at `pacing` when its first breath is `first_breath`."""
    lines_needed = max(len(block.inhale_lines), len(block.exhale_lines))
    if block.cycles is not None:
        return max(block.cycles, lines_needed)
    assert block.duration_s is not None
    return max(
        _cycles_for_duration(block.duration_s * sample_rate, pacing, first_breath, sample_rate),
        lines_needed,
        1,
    )


def _cycles_for_duration(
    target_frames: float, pacing: Pacing, first_breath: int, sample_rate: int
) -> int:
    """Whole cycles whose total is closest to `target_frames` (at least one)."""
    if target_frames <= 0:
        return 0
    total = 0.0
    count = 0
    while True:
        cycle = 60.0 / pacing.bpm_for_breath(first_breath + count) * sample_rate
        if total + cycle / 2 > target_frames:
            return count
        total += cycle
        count += 1


def _assemble(
    script: Script,
    events: list[Event],
    boundaries: list[ResumePoint],
    segments: list[Segment],
    clip_frames: ClipFrames,
    sample_rate: int,
    bell_frames: int,
    warnings: list[TimelineWarning] | None = None,
) -> Timeline:
    last = segments[-1]
    warnings = warnings if warnings is not None else []
    end_frame = _lay_out(
        script, last, clip_frames, sample_rate, bell_frames, events, boundaries, warnings,
    )
    events.sort(key=lambda e: (e.start_frame, _KIND_ORDER[e.kind]))
    breath_events = tuple(e for e in events if e.kind in BREATH_KINDS)
    phrase_events = tuple(e for e in events if e.kind == "phrase")
    quiet_spans: list[tuple[int, int]] = []
    for event in events:
        # A block's cycles meet end to start (give or take the frame its rounding may leave).
        if event.kind == "quiet":
            if quiet_spans and event.start_frame - quiet_spans[-1][1] <= 1:
                quiet_spans[-1] = (quiet_spans[-1][0], event.end_frame)
            else:
                quiet_spans.append((event.start_frame, event.end_frame))
    total = max([end_frame, *(e.end_frame for e in events)]) if events else end_frame
    return Timeline(
        sample_rate=sample_rate,
        events=tuple(events),
        total_frames=total,
        boundaries=tuple(boundaries),
        segments=tuple(segments),
        warnings=tuple(warnings),
        _starts=tuple(e.start_frame for e in events),
        _breath_events=breath_events,
        _breath_starts=tuple(e.start_frame for e in breath_events),
        _phrase_events=phrase_events,
        _phrase_starts=tuple(e.start_frame for e in phrase_events),
        _quiet_spans=tuple(quiet_spans),
    )


_KIND_ORDER = {
    "inhale": 0, "hold": 1, "exhale": 2, "quiet": 2, "bell": 3, "pause": 4, "phrase": 5,
}


def _lay_out(
    script: Script,
    segment: Segment,
    clip_frames: ClipFrames,
    sample_rate: int,
    bell_frames: int,
    events: list[Event],
    boundaries: list[ResumePoint],
    warnings: list[TimelineWarning],
) -> int:
    """Append events from the segment's start to the end of the script; returns the end frame."""
    pacing, start = segment.pacing, segment.start
    spoken = spoken_indices(script)
    frame = start.frame
    breath = start.breath
    gap_frames = round(PHRASE_GAP_S * pacing.pause_scale * sample_rate)
    for item_index in range(start.item, len(script.items)):
        item = script.items[item_index]
        resuming = item_index == start.item
        if not heard(item, pacing.breath_work):
            continue
        if isinstance(item, Phrase):
            boundaries.append(ResumePoint(item_index, 0, breath, frame))
            length = clip_frames(spoken[item_index][0])
            events.append(
                Event("phrase", frame, frame + length, item.text, spoken[item_index][0],
                      line=item.line)
            )
            frame += length + gap_frames
        elif isinstance(item, Pause):
            boundaries.append(ResumePoint(item_index, 0, breath, frame))
            length = round(item.seconds * pacing.pause_scale * sample_rate)
            events.append(Event("pause", frame, frame + length, line=item.line))
            frame += length
        elif isinstance(item, Bell):
            boundaries.append(ResumePoint(item_index, 0, breath, frame))
            events.append(Event("bell", frame, frame + bell_frames, line=item.line))
            frame += bell_frames
        elif isinstance(item, Breathe):
            first_cycle = start.cycle if resuming else 0
            mid_block = resuming and first_cycle > 0
            block_start = start.block_start_frame if mid_block else frame
            if mid_block and segment.keep_anchor:
                anchor = (start.anchor_frame, start.anchor_cycle, start.anchor_breath)
            else:
                anchor = (frame, first_cycle, breath)
            frame, breath = _lay_out_breaths(
                item, item_index, spoken[item_index], pacing, first_cycle, breath, frame,
                block_start, anchor, clip_frames, sample_rate, events, boundaries, warnings,
            )
    return frame


def _lay_out_breaths(
    block: Breathe,
    item_index: int,
    spoken: Sequence[int],
    pacing: Pacing,
    first_cycle: int,
    breath: int,
    frame: int,
    block_start: int,
    anchor: tuple[int, int, int],
    clip_frames: ClipFrames,
    sample_rate: int,
    events: list[Event],
    boundaries: list[ResumePoint],
    warnings: list[TimelineWarning],
) -> tuple[int, int]:
    lines_needed = max(len(block.inhale_lines), len(block.exhale_lines))
    if block.cycles is not None:
        remaining = max(block.cycles, lines_needed) - first_cycle
    else:
        assert block.duration_s is not None
        left = block.duration_s * sample_rate - (frame - block_start)
        remaining = max(
            _cycles_for_duration(left, pacing, breath, sample_rate),
            lines_needed - first_cycle,
            1 if first_cycle == 0 else 0,
        )
    # Spoken indices of this block, by cycle: in_k and out_k.
    inhale_spoken: dict[int, int] = {}
    exhale_spoken: dict[int, int] = {}
    position = 0
    for k in range(lines_needed):
        if k < len(block.inhale_lines):
            inhale_spoken[k] = spoken[position]
            position += 1
        if k < len(block.exhale_lines):
            exhale_spoken[k] = spoken[position]
            position += 1

    anchor_frame, anchor_cycle, anchor_breath = anchor
    # The exact lengths of the cycles between the anchor and where this build starts.
    cycle_lengths: list[float] = [
        60.0 / pacing.bpm_for_breath(b) * sample_rate
        for b in range(anchor_breath, anchor_breath + first_cycle - anchor_cycle)
    ]
    frame = anchor_frame
    for offset in range(remaining):
        cycle = first_cycle + offset
        boundaries.append(ResumePoint(
            item_index, cycle, breath, _cycle_start(frame, cycle_lengths), block_start,
            anchor_frame, anchor_cycle, anchor_breath,
        ))
        bpm = pacing.bpm_for_breath(breath)
        inhale_s, hold_in_s, exhale_s, hold_out_s = pacing.phases_s(bpm)
        # Phase edges are rounded from the exact (float) cycle start, so that the events of one
        # breath meet with no gap and rounding never accumulates.
        cycle_start_exact = math.fsum(cycle_lengths)
        edges_s = [0.0, inhale_s, inhale_s + hold_in_s, inhale_s + hold_in_s + exhale_s,
                   60.0 / bpm]
        edges = [frame + round(cycle_start_exact + e * sample_rate) for e in edges_s]
        if not pacing.breath_work:
            events.append(Event("quiet", edges[0], edges[4], breath=breath))
            cycle_lengths.append(60.0 / bpm * sample_rate)
            breath += 1
            continue
        kinds: tuple[EventKind, ...] = ("inhale", "hold", "exhale", "hold")
        for phase, kind in enumerate(kinds):
            if edges[phase + 1] > edges[phase]:
                events.append(Event(kind, edges[phase], edges[phase + 1], breath=breath))
        for lines, table, phase_start, phase_s in (
            (block.inhale_lines, inhale_spoken, edges[0], inhale_s + hold_in_s),
            (block.exhale_lines, exhale_spoken, edges[2], exhale_s + hold_out_s),
        ):
            if cycle in table:
                line = lines[cycle]
                length = clip_frames(table[cycle])
                events.append(Event("phrase", phase_start, phase_start + length, line.text,
                                    table[cycle], breath=breath, line=line.line))
                if length > phase_s * sample_rate:
                    warnings.append(TimelineWarning(
                        line.line,
                        f"'{line.text}' takes {length / sample_rate:.1f} s to say but its breath "
                        f"phase lasts {phase_s:.1f} s at {bpm:g} breaths per minute",
                        phase_start,
                    ))
        cycle_lengths.append(60.0 / bpm * sample_rate)
        breath += 1
    return _cycle_start(frame, cycle_lengths), breath


def _cycle_start(block_frame: int, cycle_lengths: list[float]) -> int:
    return block_frame + round(math.fsum(cycle_lengths))
