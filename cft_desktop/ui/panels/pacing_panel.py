"""The side panels: live breathing pace, voice and background sound, and display comfort.

Owns the controls a therapist (or client) adjusts, and guarantees that every value they can enter is
valid: each spin box has exactly the range `core.pacing` allows, breaths per minute move in steps of
0.5, the rate a gradual slowing starts at is never below the rate it slows to, and the holds'
maxima shrink as the breath quickens (at its quickest, the slowing's start) so the holds can never
leave less than a second to breathe. It also owns choosing, saving and removing named breathing
patterns (`core.patterns`; the person's own are kept on a `PatternShelf`: the settings file, or
in therapist mode the active client's settings in the ratings store), and the pattern list never
names a pattern that is not in effect: any other values show as "Custom". It only emits intents:
`pacing_changed(Pacing)` (once per change, also for a chosen pattern or `set_pacing`),
`mix_changed(MixSettings)` and `display_changed(DisplayPrefs)`; the window applies them (from the
next breath or phrase boundary while playing). GUI thread only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.core.pacing import (
    BPM_RANGE,
    HOLD_RANGE_S,
    PAUSE_SCALE_RANGE,
    RAMP_BREATHS_RANGE,
    SPEECH_LENGTH_SCALE_RANGE,
    Pacing,
)
from cft_desktop.core.patterns import (
    BUILT_IN_PATTERNS,
    CUSTOM_NAME,
    NAME_MAX_CHARS,
    Pattern,
    clean_name,
    matching_pattern,
    reserved_name,
    same_name,
)
from cft_desktop.errors import CftError, PacingError
from cft_desktop.sound.settings import MixSettings
from cft_desktop.ui.common.settings import (
    AMBIENT_GAIN_RANGE_DB,
    CUE_GAIN_RANGE_DB,
    VOICE_GAIN_RANGE_DB,
    DisplayPrefs,
    Settings,
)
from cft_desktop.ui.common.theme import PACER_PRESETS

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
BACKGROUND_NAMES = {"rain": "Rain", "drone": "Soft drone", "waves": "Waves"}
CUSTOM_COLOUR = "Your own colour"
# Wide enough for the built-in names; a long saved name is cut short in the closed list (the open
# list shows it whole) rather than widening the side panel.
PATTERN_NAME_CHARS = 14
PATTERNS_TITLE = "Breathing patterns"
NAME_DIALOG_CHARS = 52  # the name dialog's width, in average characters of its text
SHARED_PATTERNS_NOTE = ("Everyone who uses CFT Desktop on this computer sees the saved patterns, so "
                        "name it by how it breathes (such as \u201cSlow evening\u201d), not by "
                        "who it is for.")


class PatternShelf(Protocol):
    """Where the person's own patterns are kept, and what the name question says about that."""

    @property
    def note(self) -> str: ...

    def patterns(self) -> list[Pattern]: ...

    def set_patterns(self, patterns: list[Pattern]) -> None:
        """Keep `patterns`; raises CftError (plain words) if they could not be kept."""


class SharedPatterns:
    """The computer's patterns, in the settings file: for a client's own laptop, or while the
    ratings store (where a therapist's clients keep theirs) is locked or off."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.note = SHARED_PATTERNS_NOTE

    def patterns(self) -> list[Pattern]:
        return self.settings.patterns()

    def set_patterns(self, patterns: list[Pattern]) -> None:
        self.settings.set_patterns(patterns)
        self.settings.sync()  # at once: a saved pattern survives even if the app is killed



class StepSpinBox(QDoubleSpinBox):
    """A spin box whose typed values snap to its step (6.3 breaths per minute becomes 6.5)."""

    def valueFromText(self, text: str) -> float:
        value = super().valueFromText(text)
        step = self.singleStep()
        return round(round(value / step) * step, self.decimals())


class _SpaceGoesToWindow(QObject):
    """A space is never part of a number, so in a spin box it stays the play/pause key."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Filtering out the override (returning True) lets the window's Space shortcut fire.
        return (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        )


def _ramp_start_for(bpm: float) -> float:
    return min(BPM_RANGE[1], bpm + RAMP_START_ABOVE_BPM)


def _floor_step(value: float, step: float) -> float:
    return math.floor(value / step + 1e-9) * step


class PacingPanel(QWidget):
    pacing_changed = Signal(object)
    mix_changed = Signal(object)
    display_changed = Signal(object)

    def __init__(
        self,
        pacing: Pacing,
        mix: MixSettings,
        display: DisplayPrefs,
        backgrounds: list[str],
        parent: QWidget | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(parent)
        self._pacing = pacing
        self._mix = mix
        self._display = display
        self._updating = False
        self._showing_pattern = False
        # Without the window's own, the same file in the data folder: QSettings objects on one
        # file share their values within the process, so nothing is written twice or lost.
        self._shared = SharedPatterns(settings if settings is not None else Settings())
        self._shelf: PatternShelf = self._shared
        self._own_patterns = self._shelf.patterns()
        # Replaceable (tests answer for the person); each returns None or False for "cancel".
        self.ask_pattern_name: Callable[[str], str | None] = self._ask_pattern_name
        self.ask_replace_pattern: Callable[[str], bool] = self._ask_replace_pattern
        self.ask_remove_pattern: Callable[[str], bool] = self._ask_remove_pattern
        self.tell: Callable[[str], None] = self._tell
        self._space_filter = _SpaceGoesToWindow(self)
        self._setup_ui(backgrounds)
        self._load(pacing, mix, display)
        self._fill_patterns()
        self._show_pattern(None)
        self._connect_signals()

    # -- construction ---------------------------------------------------------------------------

    def _spin(self, name: str, tip: str, low: float, high: float, step: float,
              decimals: int = 1, suffix: str = "") -> QDoubleSpinBox:
        spin = StepSpinBox()
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setDecimals(decimals)
        spin.setSuffix(suffix)
        spin.setAccessibleName(name)
        spin.setToolTip(tip)
        spin.setKeyboardTracking(False)  # apply a typed value when it is complete, not per digit
        spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        spin.installEventFilter(self._space_filter)
        return spin

    def _int_spin(self, name: str, tip: str, low: int, high: int, suffix: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        spin.setAccessibleName(name)
        spin.setToolTip(tip)
        spin.setKeyboardTracking(False)
        spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        spin.installEventFilter(self._space_filter)
        return spin

    def _setup_ui(self, backgrounds: list[str]) -> None:
        self.pattern = QComboBox()
        self.pattern.setAccessibleName("Breathing pattern")
        self.pattern.setToolTip(
            "A named set of breathing values: how many breaths a minute, how long the out-breath "
            "is, any rests and gradual slowing. Choosing one changes the breathing at once; the "
            "pauses and the voice stay as they are. \"Custom\" means your own values, not saved."
        )
        self.pattern.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.pattern.setMinimumContentsLength(PATTERN_NAME_CHARS)
        self.save_pattern = QPushButton("Save as pattern…")
        self.save_pattern.setAccessibleName("Save as pattern")
        self.save_pattern.setToolTip(
            "Keep the breathing values you have now under a name of your own, to choose again "
            "later."
        )
        self.remove_pattern = QPushButton("Remove")
        self.remove_pattern.setAccessibleName("Remove this pattern")
        self.remove_pattern.setToolTip(
            "Remove the chosen pattern of your own (you will be asked first). The built-in "
            "patterns cannot be removed."
        )
        self.bpm = self._spin(
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
        self.free_ratio = self._spin(
            "Out-breath length, times the in-breath",
            "With a free ratio: how many times longer the out-breath is than the in-breath "
            "(0.5 to 4).",
            *FREE_RATIO_RANGE, 0.1,
        )
        self.free_ratio.setPrefix("1 : ")
        self.hold_in = self._spin(
            "Hold after breathing in",
            "An optional rest after the in-breath, 0 to 4 seconds. Leave at 0 if holding feels "
            "uncomfortable.",
            *HOLD_RANGE_S, HOLD_STEP_S, suffix=" s",
        )
        self.hold_out = self._spin(
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
        self.ramp_from = self._spin(
            "Breaths per minute at the start",
            "With gradual slowing: the pace of the first breath, from your breaths per minute up "
            "to 12.",
            *BPM_RANGE, BPM_STEP, suffix=" per minute",
        )
        self.ramp_breaths = self._int_spin(
            "Breaths to slow down over",
            f"With gradual slowing: how many breaths the slowing takes, "
            f"{RAMP_BREATHS_RANGE[0]} to {RAMP_BREATHS_RANGE[1]}.",
            *RAMP_BREATHS_RANGE, " breaths",
        )
        self.pause_scale = self._spin(
            "Pause length",
            "Stretches the silences between phrases: 1 is as written, 2 is twice as long. "
            "Applies from the next phrase.",
            *PAUSE_SCALE_RANGE, 0.1, suffix=" ×",
        )
        self.speech_rate = self._spin(
            "Speech rate",
            "How slowly the voice speaks: 1 is the voice's own pace, larger numbers are slower. "
            "The narration is prepared again at the new pace while the practice goes on.",
            *SPEECH_LENGTH_SCALE_RANGE, 0.1, suffix=" ×",
        )
        self.voice_volume = self._int_spin(
            "Voice volume", "Loudness of the voice, in decibels (0 is as recorded).",
            *VOICE_GAIN_RANGE_DB, " dB",
        )
        self.background = QComboBox()
        self.background.addItem("None", None)
        for name in backgrounds:
            self.background.addItem(BACKGROUND_NAMES.get(name, name.capitalize()), name)
        self.background.setAccessibleName("Background sound")
        self.background.setToolTip(
            "A quiet sound under the voice. It softens while the voice speaks."
        )
        self.background_volume = self._int_spin(
            "Background volume", "Loudness of the background sound, in decibels (0 is as made).",
            *AMBIENT_GAIN_RANGE_DB, " dB",
        )
        self.cue_volume = self._int_spin(
            "Breath tone volume",
            "Loudness of the soft tones that mark each in-breath and out-breath, in decibels "
            "(0 is as made; -30 is barely audible).",
            *CUE_GAIN_RANGE_DB, " dB",
        )
        self.inhale_cue = QCheckBox("Tone when breathing in")
        self.inhale_cue.setAccessibleName("Tone when breathing in")
        self.inhale_cue.setToolTip("A soft rising tone at the start of each in-breath.")
        self.exhale_cue = QCheckBox("Tone when breathing out")
        self.exhale_cue.setAccessibleName("Tone when breathing out")
        self.exhale_cue.setToolTip("A soft falling tone at the start of each out-breath.")
        self.bell = QCheckBox("Bell")
        self.bell.setAccessibleName("Bell")
        self.bell.setToolTip(
            "The bowl sound that opens or closes some practices. Its loudness follows the voice "
            "volume."
        )

        self.colour = QComboBox()
        for label, value in PACER_PRESETS:
            self.colour.addItem(label, value)
        self.colour.setAccessibleName("Pacer colour")
        self.colour.setToolTip(
            "Your compassionate colour: a colour you link with warmth and kindness, used for the "
            "breathing pacer."
        )
        self.choose_colour = QPushButton("Choose…")
        self.choose_colour.setAccessibleName("Choose your own pacer colour")
        self.choose_colour.setToolTip("Pick any colour for the breathing pacer.")
        self.dark = QCheckBox("Dark theme")
        self.dark.setAccessibleName("Dark theme")
        self.dark.setToolTip("Light text on a dark background, easier on the eyes in a dim room.")
        self.large_text = QCheckBox("Large text")
        self.large_text.setAccessibleName("Large text")
        self.large_text.setToolTip("Make all the text larger.")
        self.reduced_motion = QCheckBox("Reduce motion")
        self.reduced_motion.setAccessibleName("Reduce motion")
        self.reduced_motion.setToolTip(
            "Instead of a growing and shrinking circle, the pacer fills a bar and counts seconds."
        )
        self.show_caption = QCheckBox("Show the words")
        self.show_caption.setAccessibleName("Show the words")
        self.show_caption.setToolTip("Show or hide the words being spoken, under the pacer.")

        breathing = QGroupBox("Breathing")
        form = QFormLayout(breathing)
        form.addRow(_label("Pattern", self.pattern), self.pattern)
        self._pattern_buttons = QHBoxLayout()
        self._pattern_buttons.setContentsMargins(0, 0, 0, 0)
        self._pattern_buttons.addStretch(1)
        self._pattern_buttons.addWidget(self.save_pattern)
        self._pattern_buttons.addWidget(self.remove_pattern)
        form.addRow(self._pattern_buttons)
        form.addRow(_label("Breaths per minute", self.bpm), self.bpm)
        form.addRow(_label("In-breath : out-breath", self.ratio), self.ratio)
        form.addRow(_label("Free ratio", self.free_ratio), self.free_ratio)
        form.addRow(_label("Hold after in", self.hold_in), self.hold_in)
        form.addRow(_label("Hold after out", self.hold_out), self.hold_out)
        form.addRow(self.slow_down)
        form.addRow(_label("Start at", self.ramp_from), self.ramp_from)
        form.addRow(_label("Over", self.ramp_breaths), self.ramp_breaths)

        voice = QGroupBox("Pauses and voice")
        form = QFormLayout(voice)
        form.addRow(_label("Pause length", self.pause_scale), self.pause_scale)
        form.addRow(_label("Speech rate (larger is slower)", self.speech_rate), self.speech_rate)

        sound = QGroupBox("Sound")
        form = QFormLayout(sound)
        form.addRow(_label("Voice volume", self.voice_volume), self.voice_volume)
        form.addRow(_label("Background", self.background), self.background)
        form.addRow(_label("Background volume", self.background_volume), self.background_volume)
        form.addRow(_label("Breath tone volume", self.cue_volume), self.cue_volume)
        for box in (self.inhale_cue, self.exhale_cue, self.bell):
            form.addRow(box)

        display = QGroupBox("Display")
        form = QFormLayout(display)
        colour_row = QHBoxLayout()
        colour_row.setContentsMargins(0, 0, 0, 0)
        colour_row.addWidget(self.colour, 1)
        colour_row.addWidget(self.choose_colour)
        # Kept as an attribute: with a layout as the field, PySide does not take ownership of the
        # label and it would be garbage-collected (and vanish from the form).
        self._colour_label = _label("Pacer colour", self.colour)
        # A short label: wrapping it lets the form squeeze it to nothing beside a stretching row.
        self._colour_label.setWordWrap(False)
        form.addRow(self._colour_label, colour_row)
        for box in (self.dark, self.large_text, self.reduced_motion, self.show_caption):
            form.addRow(box)

        self._forms: list[QFormLayout] = []
        for box in (breathing, voice, sound, display):
            form = box.layout()
            assert isinstance(form, QFormLayout)
            self._forms.append(form)
        for box in (breathing, voice, sound, display):
            box.layout().setSpacing(8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(breathing)
        layout.addWidget(voice)
        layout.addWidget(sound)
        layout.addWidget(display)
        layout.addStretch(1)

    def set_labels_above(self, above: bool) -> None:
        """With large text each label goes above its field, so the panel need not grow wider."""
        policy = (QFormLayout.RowWrapPolicy.WrapAllRows if above
                  else QFormLayout.RowWrapPolicy.DontWrapRows)
        for form in self._forms:
            form.setRowWrapPolicy(policy)
        # Side by side, large buttons would be the widest thing in the panel.
        self._pattern_buttons.setDirection(QHBoxLayout.Direction.TopToBottom if above
                                           else QHBoxLayout.Direction.LeftToRight)

    def focus_chain(self) -> list[QWidget]:
        return [self.pattern, self.save_pattern, self.remove_pattern, self.bpm, self.ratio,
                self.free_ratio, self.hold_in, self.hold_out, self.slow_down, self.ramp_from,
                self.ramp_breaths, self.pause_scale, self.speech_rate, self.voice_volume,
                self.background, self.background_volume, self.cue_volume, self.inhale_cue,
                self.exhale_cue, self.bell, self.colour, self.choose_colour, self.dark,
                self.large_text, self.reduced_motion, self.show_caption]

    def _connect_signals(self) -> None:
        for spin in (self.bpm, self.free_ratio, self.hold_in, self.hold_out, self.ramp_from,
                     self.pause_scale, self.speech_rate):
            spin.valueChanged.connect(self._on_pacing_edited)
        self.ratio.currentIndexChanged.connect(self._on_pacing_edited)
        self.slow_down.toggled.connect(self._on_pacing_edited)
        self.ramp_breaths.valueChanged.connect(self._on_pacing_edited)
        self.voice_volume.valueChanged.connect(self._on_mix_edited)
        self.background.currentIndexChanged.connect(self._on_mix_edited)
        self.background_volume.valueChanged.connect(self._on_mix_edited)
        self.cue_volume.valueChanged.connect(self._on_mix_edited)
        for box in (self.inhale_cue, self.exhale_cue, self.bell):
            box.toggled.connect(self._on_mix_edited)
        self.colour.currentIndexChanged.connect(self._on_display_edited)
        self.dark.toggled.connect(self._on_display_edited)
        self.large_text.toggled.connect(self._on_display_edited)
        self.reduced_motion.toggled.connect(self._on_display_edited)
        self.show_caption.toggled.connect(self._on_display_edited)
        self.choose_colour.clicked.connect(self._on_choose_colour_clicked)
        self.pattern.currentIndexChanged.connect(self._on_pattern_chosen)
        self.save_pattern.clicked.connect(self._on_save_pattern_clicked)
        self.remove_pattern.clicked.connect(self._on_remove_pattern_clicked)

    # -- values ---------------------------------------------------------------------------------

    def pacing(self) -> Pacing:
        return self._pacing

    def mix(self) -> MixSettings:
        return self._mix

    def display(self) -> DisplayPrefs:
        return self._display

    def own_patterns(self) -> list[Pattern]:
        """The person's saved patterns, in the order they were saved."""
        return list(self._own_patterns)

    def set_pacing(self, pacing: Pacing) -> None:
        """Show a whole pacing in the controls and emit `pacing_changed` once if it changed.

        The pacing that takes effect is the one the controls can show (a free ratio to one
        decimal, holds that leave a second to breathe), so `pacing()` always matches the panel.
        """
        self._updating = True
        try:
            self._load_pacing(pacing)
        finally:
            self._updating = False
        self._on_pacing_edited()

    def _load(self, pacing: Pacing, mix: MixSettings, display: DisplayPrefs) -> None:
        self._updating = True
        try:
            self._load_pacing(pacing)
            self.voice_volume.setValue(round(mix.voice_gain_db))
            index = self.background.findData(mix.ambient)
            self.background.setCurrentIndex(max(0, index))
            self.background_volume.setValue(round(mix.ambient_gain_db))
            self.background_volume.setEnabled(self.background.currentData() is not None)
            self.cue_volume.setValue(round(mix.cue_gain_db))
            self.inhale_cue.setChecked(mix.inhale_cue)
            self.exhale_cue.setChecked(mix.exhale_cue)
            self.bell.setChecked(mix.bell)
            self.cue_volume.setEnabled(mix.inhale_cue or mix.exhale_cue)
            self._select_colour(display.pacer_colour)
            self.dark.setChecked(display.theme == "dark")
            self.large_text.setChecked(display.large_text)
            self.reduced_motion.setChecked(display.reduced_motion)
            self.show_caption.setChecked(display.caption_visible)
        finally:
            self._updating = False

    def _load_pacing(self, pacing: Pacing) -> None:
        """Put `pacing` in the controls; the caller holds `_updating`."""
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

    # -- patterns -------------------------------------------------------------------------------

    def _fill_patterns(self) -> None:
        """List the built-in patterns, then the person's own (no "Custom" yet)."""
        self._showing_pattern = True
        try:
            self.pattern.clear()
            for group in (BUILT_IN_PATTERNS, self._own_patterns):
                if group and self.pattern.count():
                    self.pattern.insertSeparator(self.pattern.count())
                for pattern in group:
                    self.pattern.addItem(pattern.name, pattern)
                    self.pattern.setItemData(self.pattern.count() - 1, pattern.describe(),
                                             Qt.ItemDataRole.ToolTipRole)
        finally:
            self._showing_pattern = False

    def _selected_pattern(self) -> Pattern | None:
        data = self.pattern.currentData()
        return data if isinstance(data, Pattern) else None

    def _show_pattern(self, preferred: Pattern | None) -> None:
        """Show `preferred` if it is in effect, else the first pattern that is, else "Custom"."""
        listed = (*BUILT_IN_PATTERNS, *self._own_patterns)
        if preferred is not None and preferred in listed and preferred.matches(self._pacing):
            shown: Pattern | None = preferred
        else:
            shown = matching_pattern(self._pacing, listed)
        custom = self.pattern.findText(CUSTOM_NAME, Qt.MatchFlag.MatchExactly)
        self._showing_pattern = True
        try:
            if shown is None:
                if custom < 0:
                    self.pattern.addItem(CUSTOM_NAME, None)
                    custom = self.pattern.count() - 1
                    self.pattern.setItemData(
                        custom, "Your own breathing values, not saved as a pattern.",
                        Qt.ItemDataRole.ToolTipRole)
                self.pattern.setCurrentIndex(custom)
            else:
                self.pattern.setCurrentIndex(
                    next(i for i in range(self.pattern.count())
                         if self.pattern.itemData(i) == shown))
                if custom >= 0:
                    # Only offered while it is true: choosing it would change nothing.
                    self.pattern.removeItem(custom)
        finally:
            self._showing_pattern = False
        self.remove_pattern.setEnabled(shown is not None and shown in self._own_patterns)

    def use_patterns(self, shelf: PatternShelf | None) -> None:
        """List the own patterns kept on `shelf` (None: the computer's shared ones) instead.

        The breathing values stay as they are; the list shows the pattern they match, if any.
        """
        self._shelf = shelf if shelf is not None else self._shared
        self._own_patterns = self._shelf.patterns()
        self._fill_patterns()
        self._show_pattern(None)

    def _store_own_patterns(self, patterns: list[Pattern]) -> bool:
        """Keep `patterns` as the own ones; False (and said why) if they could not be kept."""
        try:
            self._shelf.set_patterns(patterns)
        except CftError as exc:
            self.tell(f"The pattern could not be saved. {exc}")
            return False
        self._own_patterns = patterns
        return True

    def _on_pattern_chosen(self, _index: int) -> None:
        if self._showing_pattern or self._updating:
            return
        pattern = self._selected_pattern()
        if pattern is None:
            return
        self.set_pacing(pattern.apply_to(self._pacing))
        self._show_pattern(pattern)

    def _on_save_pattern_clicked(self) -> None:
        text = ""
        while True:
            answer = self.ask_pattern_name(text)
            if answer is None:
                return
            name = clean_name(answer)
            if not name:
                self.tell("Please type a name for the pattern.")
                continue
            text = name
            if same_name(name, CUSTOM_NAME):
                self.tell(f"\u201c{CUSTOM_NAME}\u201d is what the list shows for values that "
                          "are not saved. Please choose another name.")
                continue
            if reserved_name(name):
                self.tell(f"\u201c{name}\u201d is one of the built-in patterns. Please choose "
                          "another name.")
                continue
            existing = next((p for p in self._own_patterns if same_name(p.name, name)), None)
            if existing is not None and not self.ask_replace_pattern(existing.name):
                continue
            break
        pattern = Pattern.from_pacing(name, self._pacing)
        patterns = list(self._own_patterns)
        if existing is not None:
            patterns[patterns.index(existing)] = pattern
        else:
            patterns.append(pattern)
        if not self._store_own_patterns(patterns):
            return
        self._fill_patterns()
        self._show_pattern(pattern)

    def _on_remove_pattern_clicked(self) -> None:
        pattern = self._selected_pattern()
        if pattern is None or pattern not in self._own_patterns:
            return
        if not self.ask_remove_pattern(pattern.name):
            return
        # The window's focus widget, not hasFocus(): the question box has only just closed.
        had_focus = self.window().focusWidget() is self.remove_pattern
        if not self._store_own_patterns([p for p in self._own_patterns if p != pattern]):
            return
        self._fill_patterns()
        self._show_pattern(None)
        if had_focus:
            # The button is now disabled; without this the keyboard focus would be lost.
            self.pattern.setFocus(Qt.FocusReason.OtherFocusReason)

    def _ask_pattern_name(self, text: str) -> str | None:
        dialog = QInputDialog(self.window())
        dialog.setWindowTitle("Save as pattern")
        # The note says who will see the pattern: on a shared laptop a pattern named after a
        # person would otherwise show that name to everyone else.
        dialog.setLabelText(self._shelf.note + "\n\nA name for the breathing values you have now:")
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setTextValue(text)
        dialog.setOkButtonText("Save")
        dialog.setCancelButtonText("Cancel")
        label = dialog.findChild(QLabel)
        if label is not None:  # wrapped, or the note would stretch the dialog across the screen
            label.setWordWrap(True)
            label.setMinimumWidth(label.fontMetrics().averageCharWidth() * NAME_DIALOG_CHARS)
        field = dialog.findChild(QLineEdit)
        if field is not None:
            field.setAccessibleName("Pattern name")
            field.setToolTip(f"Any name you will recognise, up to {NAME_MAX_CHARS} letters.")
            field.setMaxLength(NAME_MAX_CHARS)
        accepted = dialog.exec() == QInputDialog.DialogCode.Accepted
        value = dialog.textValue()
        dialog.deleteLater()
        return value if accepted else None

    def _ask_replace_pattern(self, name: str) -> bool:
        return self._ask_yes(f"You already have a pattern called \u201c{name}\u201d. Replace "
                             "it with the breathing values you have now?", "Replace", "Keep it")

    def _ask_remove_pattern(self, name: str) -> bool:
        return self._ask_yes(f"Remove your pattern \u201c{name}\u201d? The breathing stays as it "
                             "is now.", "Remove", "Keep it")

    def _ask_yes(self, question: str, yes: str, no: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, PATTERNS_TITLE, question,
                          QMessageBox.StandardButton.NoButton, self.window())
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no_button)  # Enter keeps what is there; nothing is lost by accident
        box.setEscapeButton(no_button)
        box.exec()
        chosen = box.clickedButton() is yes_button
        box.deleteLater()
        return chosen

    def _tell(self, message: str) -> None:
        QMessageBox.information(self.window(), PATTERNS_TITLE, message)

    def _select_colour(self, value: str) -> None:
        index = self.colour.findData(value)
        if index < 0:
            custom = self.colour.findText(CUSTOM_COLOUR)
            if custom < 0:
                self.colour.addItem(CUSTOM_COLOUR, value)
                custom = self.colour.count() - 1
            else:
                self.colour.setItemData(custom, value)
            index = custom
        self.colour.setCurrentIndex(index)

    # -- slots ----------------------------------------------------------------------------------

    def _on_pacing_edited(self, *_args: object) -> None:
        if self._updating:
            return
        self._updating = True
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
                )
            except PacingError:
                # The ranges above make this unreachable; if it happens, keep the last good pace.
                self._load(self._pacing, self._mix, self._display)
                return
        finally:
            self._updating = False
        if pacing != self._pacing:
            self._pacing = pacing
            self.pacing_changed.emit(pacing)
        self._show_pattern(self._selected_pattern())

    def _on_mix_edited(self, *_args: object) -> None:
        if self._updating:
            return
        ambient = self.background.currentData()
        self.background_volume.setEnabled(ambient is not None)
        self.cue_volume.setEnabled(self.inhale_cue.isChecked() or self.exhale_cue.isChecked())
        mix = MixSettings(
            voice_gain_db=float(self.voice_volume.value()),
            cue_gain_db=float(self.cue_volume.value()),
            inhale_cue=self.inhale_cue.isChecked(),
            exhale_cue=self.exhale_cue.isChecked(),
            bell=self.bell.isChecked(),
            ambient=ambient,
            ambient_gain_db=float(self.background_volume.value()),
        )
        if mix != self._mix:
            self._mix = mix
            self.mix_changed.emit(mix)

    def _on_display_edited(self, *_args: object) -> None:
        if self._updating:
            return
        display = self._display.with_changes(
            theme="dark" if self.dark.isChecked() else "light",
            large_text=self.large_text.isChecked(),
            reduced_motion=self.reduced_motion.isChecked(),
            caption_visible=self.show_caption.isChecked(),
            pacer_colour=str(self.colour.currentData()),
        )
        if display != self._display:
            self._display = display
            self.display_changed.emit(display)

    def _on_choose_colour_clicked(self) -> None:
        chosen = QColorDialog.getColor(QColor(self._display.pacer_colour), self.window(),
                                       "Choose your compassionate colour")
        if chosen.isValid():
            self._select_colour(chosen.name())


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    label.setWordWrap(True)
    return label
