"""The side panel: live breathing pace, voice and background sound, display comfort, and named
breathing patterns, composed from its parts.

Owns the panel's layout (the "Breathing", "Pauses and voice", "Sound" and "Display" boxes, labels
beside or above their fields), its keyboard order, and its public face. The parts own their
fields, values and slots: `breathing` (the pace, and that every value it can enter is valid),
`sound` (the mix), `display` (display comfort) and `patterns` (choosing, saving and removing named
patterns on a `PatternShelf`). It only emits intents: `pacing_changed(Pacing)` (once per change,
also for a chosen pattern or `set_pacing`), `mix_changed(MixSettings)` and
`display_changed(DisplayPrefs)`; the window applies them (from the next breath or phrase boundary
while playing). GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QVBoxLayout, QWidget

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.patterns import Pattern
from cft_desktop.sound.settings import MixSettings
from cft_desktop.ui.common.settings import DisplayPrefs, Settings
from cft_desktop.ui.panels.breathing import (
    BPM_STEP,
    FREE_RATIO,
    FREE_RATIO_RANGE,
    HOLD_STEP_S,
    RAMP_START_ABOVE_BPM,
    RATIO_CHOICES,
    BreathingControls,
)
from cft_desktop.ui.panels.display import CUSTOM_COLOUR, DisplayControls
from cft_desktop.ui.panels.fields import ChoiceKeys, SpaceGoesToWindow, StepSpinBox
from cft_desktop.ui.panels.patterns import (
    NAME_DIALOG_CHARS,
    PATTERN_NAME_CHARS,
    PATTERNS_TITLE,
    SHARED_PATTERNS_NOTE,
    PatternControls,
    PatternShelf,
    SharedPatterns,
)
from cft_desktop.ui.panels.sound import BACKGROUND_NAMES, SoundControls

# What other modules and tests have always imported from here.
__all__ = [
    "BACKGROUND_NAMES",
    "BPM_STEP",
    "CUSTOM_COLOUR",
    "FREE_RATIO",
    "FREE_RATIO_RANGE",
    "HOLD_STEP_S",
    "NAME_DIALOG_CHARS",
    "PATTERNS_TITLE",
    "PATTERN_NAME_CHARS",
    "RAMP_START_ABOVE_BPM",
    "RATIO_CHOICES",
    "SHARED_PATTERNS_NOTE",
    "PacingPanel",
    "PatternShelf",
    "SharedPatterns",
    "StepSpinBox",
]


class PacingPanel(QWidget):
    pacing_changed = Signal(object)
    mix_changed = Signal(object)
    display_changed = Signal(object)
    voice_changed = Signal(str)  # a voice pack's name, "" for the usual voice

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
        # Without the window's own, the same file in the data folder: QSettings objects on one
        # file share their values within the process, so nothing is written twice or lost.
        shared = SharedPatterns(settings if settings is not None else Settings())
        space_filter = SpaceGoesToWindow(self)
        # Made in this order, so the fields are made in the order they are laid out.
        self._patterns = PatternControls(
            shared, self, pacing=self.pacing, set_pacing=self.set_pacing,
            busy=lambda: self._breathing.updating)
        self._breathing = BreathingControls(
            pacing, space_filter, on_changed=self.pacing_changed.emit,
            on_edited=self._patterns.show_selected)
        from cft_desktop.voice.pack_names import list_packs

        remembered = settings.voice() if settings is not None else ""
        self._sound = SoundControls(mix, backgrounds, space_filter,
                                    on_changed=self.mix_changed.emit, voices=list_packs(),
                                    voice=remembered, on_voice=self.voice_changed.emit)
        self._display_controls = DisplayControls(display, self,
                                                 on_changed=self.display_changed.emit)
        self._space_filter = space_filter
        self._expose_fields()
        self._setup_ui()
        self._breathing.load(pacing)
        self._sound.load(mix)
        self._display_controls.load(display)
        self._patterns.fill_patterns()
        self._patterns.show_pattern(None)
        for part in (self._breathing, self._sound, self._display_controls, self._patterns):
            part.connect_signals()
        self._choice_keys = ChoiceKeys(self)
        for combo in self.findChildren(QComboBox):
            combo.installEventFilter(self._choice_keys)

    # -- construction ---------------------------------------------------------------------------

    def _expose_fields(self) -> None:
        """The parts' fields, reachable on the panel as they always were (tests and the window)."""
        patterns, breathing = self._patterns, self._breathing
        sound, display = self._sound, self._display_controls
        self.pattern = patterns.pattern
        self.save_pattern = patterns.save_pattern
        self.remove_pattern = patterns.remove_pattern
        self.bpm = breathing.bpm
        self.ratio = breathing.ratio
        self.free_ratio = breathing.free_ratio
        self.hold_in = breathing.hold_in
        self.hold_out = breathing.hold_out
        self.slow_down = breathing.slow_down
        self.no_breath_work = breathing.no_breath_work
        self.ramp_from = breathing.ramp_from
        self.ramp_breaths = breathing.ramp_breaths
        self.pause_scale = breathing.pause_scale
        self.speech_rate = breathing.speech_rate
        self.voice = sound.voice
        self.voice_volume = sound.voice_volume
        self.background = sound.background
        self.background_volume = sound.background_volume
        self.cue_volume = sound.cue_volume
        self.inhale_cue = sound.inhale_cue
        self.exhale_cue = sound.exhale_cue
        self.bell = sound.bell
        self.colour = display.colour
        self.choose_colour = display.choose_colour
        self.show_caption = display.show_caption

    def _setup_ui(self) -> None:
        breathing = QGroupBox("Breathing")
        form = QFormLayout(breathing)
        self._patterns.add_rows(form)
        self._breathing.add_breathing_rows(form)
        voice = self._breathing.build_voice_box()
        sound = self._sound.build_box()
        display = self._display_controls.build_box()

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
        self._patterns.set_buttons_above(above)

    def focus_chain(self) -> list[QWidget]:
        return [*self._patterns.focus_chain(), *self._breathing.focus_chain(),
                *self._sound.focus_chain(), *self._display_controls.focus_chain()]

    # -- the patterns' questions (replaceable: tests answer for the person) ---------------------

    @property
    def ask_pattern_name(self) -> Callable[[str], str | None]:
        return self._patterns.ask_pattern_name

    @ask_pattern_name.setter
    def ask_pattern_name(self, ask: Callable[[str], str | None]) -> None:
        self._patterns.ask_pattern_name = ask

    @property
    def ask_replace_pattern(self) -> Callable[[str], bool]:
        return self._patterns.ask_replace_pattern

    @ask_replace_pattern.setter
    def ask_replace_pattern(self, ask: Callable[[str], bool]) -> None:
        self._patterns.ask_replace_pattern = ask

    @property
    def ask_remove_pattern(self) -> Callable[[str], bool]:
        return self._patterns.ask_remove_pattern

    @ask_remove_pattern.setter
    def ask_remove_pattern(self, ask: Callable[[str], bool]) -> None:
        self._patterns.ask_remove_pattern = ask

    @property
    def tell(self) -> Callable[[str], None]:
        return self._patterns.tell

    @tell.setter
    def tell(self, tell: Callable[[str], None]) -> None:
        self._patterns.tell = tell

    @property
    def _shelf(self) -> PatternShelf:
        """Where the own patterns are kept now (tests read its note)."""
        return self._patterns.shelf

    # -- values ---------------------------------------------------------------------------------

    def pacing(self) -> Pacing:
        return self._breathing.pacing()

    def mix(self) -> MixSettings:
        return self._sound.mix()

    def voice_name(self) -> str:
        return self._sound.voice_name()

    def refresh_voices(self) -> None:
        """List the voice packs on this computer again (after one was recorded)."""
        from cft_desktop.voice.pack_names import list_packs

        self._sound.refresh_voices(list_packs())

    def set_voice(self, name: str) -> bool:
        return self._sound.set_voice(name)

    def display(self) -> DisplayPrefs:
        return self._display_controls.display()

    def set_display(self, display: DisplayPrefs) -> None:
        """The window's display comfort (the View menu's ticks); `display_changed` if it changed."""
        self._display_controls.set_display(display)

    def own_patterns(self) -> list[Pattern]:
        """The person's saved patterns, in the order they were saved."""
        return self._patterns.own_patterns()

    def use_patterns(self, shelf: PatternShelf | None) -> None:
        """List the own patterns kept on `shelf` (None: the computer's shared ones) instead.

        The breathing values stay as they are; the list shows the pattern they match, if any.
        """
        self._patterns.use_patterns(shelf)

    def set_pacing(self, pacing: Pacing) -> None:
        """Show a whole pacing in the controls and emit `pacing_changed` once if it changed.

        The pacing that takes effect is the one the controls can show (a free ratio to one
        decimal, holds that leave a second to breathe), so `pacing()` always matches the panel.
        """
        self._breathing.set_pacing(pacing)
