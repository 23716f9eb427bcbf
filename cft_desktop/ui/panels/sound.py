"""The side panel's sound: voice, background and breath-tone levels, the tones and the bell, and
which background plays (the "Sound" box).

Owns those controls and the `MixSettings` they show, and reports a change once through
`on_changed`; a volume is offered only while its sound can play. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QWidget

from cft_desktop.sound.settings import MixSettings
from cft_desktop.ui.common.settings import (
    AMBIENT_GAIN_RANGE_DB,
    CUE_GAIN_RANGE_DB,
    VOICE_GAIN_RANGE_DB,
)
from cft_desktop.ui.panels.fields import form_label, int_spin

USUAL_VOICE = "Usual voice"
BACKGROUND_NAMES = {"rain": "Rain", "drone": "Soft drone", "waves": "Waves"}


class SoundControls:
    """The sound fields, and the `MixSettings` they show."""

    def __init__(self, mix: MixSettings, backgrounds: list[str], space_filter: QObject, *,
                 on_changed: Callable[[MixSettings], None],
                 voices: Sequence[str] = (), voice: str = "",
                 on_voice: Callable[[str], None] = lambda _name: None) -> None:
        self._mix = mix
        self._on_changed = on_changed
        self._on_voice = on_voice
        self._updating = False
        self.voice = QComboBox()
        self.voice.addItem(USUAL_VOICE, "")
        for name in voices:
            self.voice.addItem(f"Recorded: {name}", name)
        self.voice.setCurrentIndex(max(0, self.voice.findData(voice)))
        self.voice.setAccessibleName("Voice")
        self.voice.setToolTip(
            "Who speaks the practice: the usual voice, or a voice your therapist recorded (its "
            "phrases are spoken as recorded; the usual voice says any not recorded yet)."
        )
        self.voice_volume = int_spin(
            space_filter,
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
        self.background_volume = int_spin(
            space_filter,
            "Background volume", "Loudness of the background sound, in decibels (0 is as made).",
            *AMBIENT_GAIN_RANGE_DB, " dB",
        )
        self.cue_volume = int_spin(
            space_filter,
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

    # -- construction ---------------------------------------------------------------------------

    def build_box(self) -> QGroupBox:
        sound = QGroupBox("Sound")
        form = QFormLayout(sound)
        form.addRow(form_label("Voice", self.voice), self.voice)
        form.addRow(form_label("Voice volume", self.voice_volume), self.voice_volume)
        form.addRow(form_label("Background", self.background), self.background)
        form.addRow(form_label("Background volume", self.background_volume),
                    self.background_volume)
        form.addRow(form_label("Breath tone volume", self.cue_volume), self.cue_volume)
        for box in (self.inhale_cue, self.exhale_cue, self.bell):
            form.addRow(box)
        return sound

    def focus_chain(self) -> list[QWidget]:
        return [self.voice, self.voice_volume, self.background, self.background_volume, self.cue_volume,
                self.inhale_cue, self.exhale_cue, self.bell]

    def connect_signals(self) -> None:
        self.voice.currentIndexChanged.connect(
            lambda _index: self._on_voice(str(self.voice.currentData() or "")))
        self.voice_volume.valueChanged.connect(self._on_mix_edited)
        self.background.currentIndexChanged.connect(self._on_mix_edited)
        self.background_volume.valueChanged.connect(self._on_mix_edited)
        self.cue_volume.valueChanged.connect(self._on_mix_edited)
        for box in (self.inhale_cue, self.exhale_cue, self.bell):
            box.toggled.connect(self._on_mix_edited)

    # -- values ---------------------------------------------------------------------------------

    def mix(self) -> MixSettings:
        return self._mix

    def voice_name(self) -> str:
        """The chosen voice pack ("" for the usual voice)."""
        return str(self.voice.currentData() or "")

    def refresh_voices(self, voices: Sequence[str]) -> None:
        """List `voices` (a pack recorded or removed meanwhile), keeping the choice if it is
        still there; nothing is reported."""
        chosen = self.voice_name()
        self.voice.blockSignals(True)
        try:
            while self.voice.count() > 1:
                self.voice.removeItem(1)
            for name in voices:
                self.voice.addItem(f"Recorded: {name}", name)
            self.voice.setCurrentIndex(max(0, self.voice.findData(chosen)))
        finally:
            self.voice.blockSignals(False)

    def set_voice(self, name: str) -> bool:
        """Choose the pack `name` ("" the usual voice); False if there is no such pack."""
        index = self.voice.findData(name)
        if index < 0:
            return False
        self.voice.setCurrentIndex(index)
        return True

    def load(self, mix: MixSettings) -> None:
        """Put `mix` in the controls without reporting anything."""
        self._updating = True
        try:
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
        finally:
            self._updating = False

    # -- slots ----------------------------------------------------------------------------------

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
            self._on_changed(mix)
