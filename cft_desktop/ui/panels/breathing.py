"""The side panel's breathing pace: breaths per minute, in-breath : out-breath, holds, gradual
slowing, and the pauses and speech rate (the "Breathing" and "Pauses and voice" fields).

Owns those controls and guarantees that every value they can enter is valid: each spin box has
exactly the range `core.pacing` allows, breaths per minute move in steps of 0.5, the rate a
gradual slowing starts at is never below the rate it slows to, and the holds' maxima shrink as the
breath quickens (at its quickest, the slowing's start) so the holds can never leave less than a
second to breathe. It holds the `Pacing` in effect and reports a change once through
`on_changed`, then `on_edited` after every edit (changed or not). GUI thread only.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QWidget

from cft_desktop.core.pacing import (
    BPM_RANGE,
    HOLD_RANGE_S,
    PAUSE_SCALE_RANGE,
    RAMP_BREATHS_RANGE,
    SPEECH_LENGTH_SCALE_RANGE,
    Pacing,
)
from cft_desktop.errors import PacingError
from cft_desktop.ui.panels.fields import form_label, int_spin, spin

BPM_STEP = 0.5
HOLD_STEP_S = 0.5
# Where "Slow down gradually" starts when first ticked: a little above the chosen rate, closer to
# how fast an anxious person may be breathing when they sit down.
RAMP_START_ABOVE_BPM = 4.0
# (label, inhale parts, exhale parts); "Free ratio" lets the out-breath be any 0.5–4 × the in-breath,
# which is exactly the inhale share 1:4 … 2:1 that `Pacing` accepts.
RATIO_CHOICES = (("1:1", 1.0, 1.0), ("2:3", 2.0, 3.0), ("1:2", 1.0, 2.0))
FREE_RATIO = "Free ratio"
FREE_RATIO_RANGE = (0.5, 4.0)


def _ramp_start_for(bpm: float) -> float:
    return min(BPM_RANGE[1], bpm + RAMP_START_ABOVE_BPM)


def _floor_step(value: float, step: float) -> float:
    return math.floor(value / step + 1e-9) * step


class BreathingControls:
    """The breathing and voice-pace fields, and the `Pacing` they show."""

    def __init__(self, pacing: Pacing, space_filter: QObject, *,
                 on_changed: Callable[[Pacing], None], on_edited: Callable[[], None]) -> None:
        self._pacing = pacing
        self._on_changed = on_changed
        self._on_edited = on_edited
        # True while the controls are being set from code: their signals are then no edit.
        self.updating = False
        self.bpm = spin(
            space_filter,
            "Breaths per minute",
            "How many breaths in a minute, 3 to 12. About 6 feels soothing for many people; "
            "choose more if slow breathing is uncomfortable. Changes apply from the next breath.",
            *BPM_RANGE, BPM_STEP,
        )
        self.ratio = QComboBox()
        for label, _inhale, _exhale in RATIO_CHOICES:
            self.ratio.addItem(label)
        self.ratio.addItem(FREE_RATIO)
        self.ratio.setAccessibleName("Inhale to exhale ratio")
        self.ratio.setToolTip(
            "How long the out-breath is compared with the in-breath: 1:1 even, 2:3 a longer "
            "out-breath, 1:2 an out-breath twice as long, or a free ratio of your own. A longer "
            "out-breath is usually more calming."
        )
        self.free_ratio = spin(
            space_filter,
            "Out-breath length, times the in-breath",
            "With a free ratio: how many times longer the out-breath is than the in-breath "
            "(0.5 to 4).",
            *FREE_RATIO_RANGE, 0.1,
        )
        self.free_ratio.setPrefix("1 : ")
        self.hold_in = spin(
            space_filter,
            "Hold after breathing in",
            "An optional rest after the in-breath, 0 to 4 seconds. Leave at 0 if holding feels "
            "uncomfortable.",
            *HOLD_RANGE_S, HOLD_STEP_S, suffix=" s",
        )
        self.hold_out = spin(
            space_filter,
            "Hold after breathing out",
            "An optional rest after the out-breath, 0 to 4 seconds.",
            *HOLD_RANGE_S, HOLD_STEP_S, suffix=" s",
        )
        self.slow_down = QCheckBox("Slow down gradually")
        self.slow_down.setAccessibleName("Slow down gradually")
        self.slow_down.setToolTip(
            "Begin at a quicker, easier pace and slow down a little with each breath until you "
            "reach your breaths per minute. The slowing is counted from the first breath of a "
            "practice, so once that many breaths have passed it changes nothing."
        )
        self.ramp_from = spin(
            space_filter,
            "Breaths per minute at the start",
            "With gradual slowing: the pace of the first breath, from your breaths per minute up "
            "to 12.",
            *BPM_RANGE, BPM_STEP, suffix=" per minute",
        )
        self.ramp_breaths = int_spin(
            space_filter,
            "Breaths to slow down over",
            f"With gradual slowing: how many breaths the slowing takes, "
            f"{RAMP_BREATHS_RANGE[0]} to {RAMP_BREATHS_RANGE[1]}.",
            *RAMP_BREATHS_RANGE, " breaths",
        )
        self.no_breath_work = QCheckBox("No breath work")
        self.no_breath_work.setAccessibleName("No breath work")
        self.no_breath_work.setToolTip(
            "For anyone who would rather not follow the breath: each paced part becomes quiet time "
            "of the same length, with no breathing lines and no breath tones, and the pacer stays "
            "still. Practices with a breath-free opening use it instead."
        )
        self.pause_scale = spin(
            space_filter,
            "Pause length",
            "Stretches the silences between phrases: 1 is as written, 2 is twice as long. "
            "Applies from the next phrase.",
            *PAUSE_SCALE_RANGE, 0.1, suffix=" ×",
        )
        self.speech_rate = spin(
            space_filter,
            "Speech rate",
            "How slowly the voice speaks: 1 is the voice's own pace, larger numbers are slower. "
            "The narration is prepared again at the new pace while the practice goes on.",
            *SPEECH_LENGTH_SCALE_RANGE, 0.1, suffix=" ×",
        )

    # -- construction ---------------------------------------------------------------------------

    def add_breathing_rows(self, form: QFormLayout) -> None:
        """The pace's rows of the "Breathing" box (under the patterns' rows)."""
        form.addRow(form_label("Breaths per minute", self.bpm), self.bpm)
        form.addRow(form_label("In-breath : out-breath", self.ratio), self.ratio)
        form.addRow(form_label("Free ratio", self.free_ratio), self.free_ratio)
        form.addRow(form_label("Hold after in", self.hold_in), self.hold_in)
        form.addRow(form_label("Hold after out", self.hold_out), self.hold_out)
        form.addRow(self.slow_down)
        form.addRow(form_label("Start at", self.ramp_from), self.ramp_from)
        form.addRow(form_label("Over", self.ramp_breaths), self.ramp_breaths)
        form.addRow(self.no_breath_work)

    def build_voice_box(self) -> QGroupBox:
        voice = QGroupBox("Pauses and voice")
        form = QFormLayout(voice)
        form.addRow(form_label("Pause length", self.pause_scale), self.pause_scale)
        form.addRow(form_label("Speech rate (larger is slower)", self.speech_rate),
                    self.speech_rate)
        return voice

    def focus_chain(self) -> list[QWidget]:
        return [self.bpm, self.ratio, self.free_ratio, self.hold_in, self.hold_out,
                self.slow_down, self.ramp_from, self.ramp_breaths, self.no_breath_work,
                self.pause_scale, self.speech_rate]

    def connect_signals(self) -> None:
        for box in (self.bpm, self.free_ratio, self.hold_in, self.hold_out, self.ramp_from,
                    self.pause_scale, self.speech_rate):
            box.valueChanged.connect(self._on_pacing_edited)
        self.ratio.currentIndexChanged.connect(self._on_pacing_edited)
        self.slow_down.toggled.connect(self._on_pacing_edited)
        self.no_breath_work.toggled.connect(self._on_pacing_edited)
        self.ramp_breaths.valueChanged.connect(self._on_pacing_edited)

    # -- values ---------------------------------------------------------------------------------

    def pacing(self) -> Pacing:
        return self._pacing

    def set_pacing(self, pacing: Pacing) -> None:
        """Show a whole pacing in the controls and report it once if it changed.

        The pacing that takes effect is the one the controls can show (a free ratio to one
        decimal, holds that leave a second to breathe), so `pacing()` always matches the fields.
        """
        self.updating = True
        try:
            self._load_pacing(pacing)
        finally:
            self.updating = False
        self._on_pacing_edited()

    def load(self, pacing: Pacing) -> None:
        """Put `pacing` in the controls without reporting anything."""
        self.updating = True
        try:
            self._load_pacing(pacing)
        finally:
            self.updating = False

    def _load_pacing(self, pacing: Pacing) -> None:
        """Put `pacing` in the controls; the caller holds `updating`."""
        self.bpm.setValue(pacing.bpm)
        choice = next(
            (i for i, (_l, inhale, exhale) in enumerate(RATIO_CHOICES)
             if math.isclose(pacing.inhale_parts / pacing.exhale_parts, inhale / exhale)),
            len(RATIO_CHOICES),
        )
        self.ratio.setCurrentIndex(choice)
        self.free_ratio.setValue(pacing.exhale_parts / pacing.inhale_parts)
        self.free_ratio.setEnabled(choice == len(RATIO_CHOICES))
        slowing = pacing.ramp_from_bpm is not None
        self.slow_down.setChecked(slowing)
        self.ramp_from.setMinimum(pacing.bpm)
        self.ramp_from.setValue(
            pacing.ramp_from_bpm if pacing.ramp_from_bpm is not None
            else _ramp_start_for(pacing.bpm)
        )
        self.ramp_breaths.setValue(pacing.ramp_breaths)
        self._enable_ramp(slowing)
        # The maxima left by the previous pace (a quicker one allows shorter holds) would clip
        # the new holds; `_limit_holds` sets them again for this pace.
        self.hold_in.setMaximum(HOLD_RANGE_S[1])
        self.hold_out.setMaximum(HOLD_RANGE_S[1])
        self.hold_in.setValue(pacing.hold_in_s)
        self.hold_out.setValue(pacing.hold_out_s)
        self._limit_holds()
        self.pause_scale.setValue(pacing.pause_scale)
        self.speech_rate.setValue(pacing.speech_length_scale)
        self.no_breath_work.setChecked(not pacing.breath_work)

    def _ratio_parts(self) -> tuple[float, float]:
        index = self.ratio.currentIndex()
        if 0 <= index < len(RATIO_CHOICES):
            return RATIO_CHOICES[index][1], RATIO_CHOICES[index][2]
        return 1.0, round(self.free_ratio.value(), 2)

    def _enable_ramp(self, slowing: bool) -> None:
        self.ramp_from.setEnabled(slowing)
        self.ramp_breaths.setEnabled(slowing)

    def _fastest_bpm(self) -> float:
        """The quickest breath the pacing asks for: the ramp's start when slowing gradually."""
        if self.slow_down.isChecked():
            return max(self.bpm.value(), self.ramp_from.value())
        return self.bpm.value()

    def _limit_holds(self) -> None:
        """Shrink the holds (out first) so the breath keeps at least a second each way."""
        inhale, exhale = self._ratio_parts()
        total = _floor_step(Pacing.max_total_hold_s(self._fastest_bpm(), inhale / (inhale + exhale)),
                            HOLD_STEP_S)
        hold_in, hold_out = self.hold_in.value(), self.hold_out.value()
        if hold_in + hold_out > total:
            hold_out = max(0.0, total - hold_in)
            hold_in = min(hold_in, total - hold_out)
        self.hold_in.setMaximum(min(HOLD_RANGE_S[1], max(0.0, total - hold_out)))
        self.hold_out.setMaximum(min(HOLD_RANGE_S[1], max(0.0, total - hold_in)))
        self.hold_in.setValue(hold_in)
        self.hold_out.setValue(hold_out)

    # -- slots ----------------------------------------------------------------------------------

    def _on_pacing_edited(self, *_args: object) -> None:
        if self.updating:
            return
        self.updating = True
        try:
            self.free_ratio.setEnabled(self.ratio.currentIndex() == len(RATIO_CHOICES))
            slowing = self.slow_down.isChecked()
            self._enable_ramp(slowing)
            # "Slow down" never speeds up: raising the rate raises the start with it.
            self.ramp_from.setMinimum(self.bpm.value())
            if not slowing:
                # Keep a useful start ready for when the box is ticked.
                self.ramp_from.setValue(_ramp_start_for(self.bpm.value()))
            self._limit_holds()
            inhale, exhale = self._ratio_parts()
            try:
                pacing = self._pacing.with_changes(
                    bpm=self.bpm.value(),
                    inhale_parts=inhale,
                    exhale_parts=exhale,
                    hold_in_s=self.hold_in.value(),
                    hold_out_s=self.hold_out.value(),
                    pause_scale=round(self.pause_scale.value(), 2),
                    speech_length_scale=round(self.speech_rate.value(), 2),
                    ramp_from_bpm=self.ramp_from.value() if slowing else None,
                    ramp_breaths=self.ramp_breaths.value(),
                    breath_work=not self.no_breath_work.isChecked(),
                )
            except PacingError:
                # The ranges above make this unreachable; if it happens, keep the last good pace.
                self._load_pacing(self._pacing)
                return
        finally:
            self.updating = False
        if pacing != self._pacing:
            self._pacing = pacing
            self._on_changed(pacing)
        self._on_edited()
