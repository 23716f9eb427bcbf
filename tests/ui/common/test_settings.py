"""The window remembers its size, the last practice, the pacing and display choices between runs."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings, QSize

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.patterns import Pattern
from cft_desktop.sound.settings import MixSettings
from cft_desktop.ui.common.settings import CUE_GAIN_RANGE_DB, DisplayPrefs, Settings
from tests.ui.conftest import MakeWindow, UserDirs


def test_size_practice_pacing_and_display_survive_a_restart(
    make_window: MakeWindow, user_dirs: UserDirs
) -> None:
    first = make_window()
    first.resize(1010, 690)
    assert first.library_view.select("safe-place")
    panel = first.pacing_panel
    panel.bpm.setValue(5.5)
    panel.ratio.setCurrentIndex(2)  # 1:2
    panel.pause_scale.setValue(1.8)
    panel.voice_volume.setValue(-4)
    panel.slow_down.setChecked(True)
    panel.ramp_from.setValue(9.5)
    panel.ramp_breaths.setValue(12)
    panel.cue_volume.setValue(-24)
    panel.inhale_cue.setChecked(False)
    panel.bell.setChecked(False)
    first.actions["view.dark"].setChecked(True)
    panel.show_caption.setChecked(False)
    first.close()

    ini = user_dirs.data / "settings.ini"
    assert ini.is_file()  # in the (test) data folder, never the real user config

    second = make_window()
    assert second.size() == QSize(1010, 690)
    assert second.library_view.current_entry().id == "safe-place"  # type: ignore[union-attr]
    pacing = second.pacing_panel.pacing()
    assert (pacing.bpm, pacing.inhale_parts, pacing.exhale_parts, pacing.pause_scale) == (
        5.5, 1.0, 2.0, 1.8)
    assert second.pacing_panel.bpm.value() == 5.5
    assert (pacing.ramp_from_bpm, pacing.ramp_breaths) == (9.5, 12)
    assert second.pacing_panel.slow_down.isChecked()
    assert (second.pacing_panel.ramp_from.value(), second.pacing_panel.ramp_breaths.value()) == (
        9.5, 12)
    assert second.pacing_panel.mix() == MixSettings(
        voice_gain_db=-4, cue_gain_db=-24, inhale_cue=False, exhale_cue=True, bell=False)
    assert second.pacing_panel.cue_volume.value() == -24
    assert not second.pacing_panel.inhale_cue.isChecked()
    assert second.pacing_panel.exhale_cue.isChecked()
    assert not second.pacing_panel.bell.isChecked()
    display = second.pacing_panel.display()
    assert display.theme == "dark" and not display.caption_visible
    assert not second.player_view.caption.isVisibleTo(second)


def test_damaged_settings_fall_back_to_defaults(make_window: MakeWindow,
                                                user_dirs: UserDirs) -> None:
    ini = user_dirs.data / "settings.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text(
        "[pacing]\njson={\"bpm\": 99}\n[display]\ntheme=purple\npacer_colour=not-a-colour\n"
        "[sound]\nvoice_gain_db=loud\nambient=thunder\n[library]\nlast_practice=gone\n",
        encoding="utf-8",
    )
    window = make_window()
    assert window.pacing_panel.pacing() == Pacing()
    assert window.pacing_panel.display() == DisplayPrefs()
    assert window.pacing_panel.mix().voice_gain_db == 0.0
    assert window.pacing_panel.mix().ambient is None
    assert window.library_view.current_entry() is not None


def test_settings_round_trip(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "s.ini")
    pacing = Pacing(bpm=4.5, inhale_parts=1, exhale_parts=1.7, hold_in_s=1.0, pause_scale=2.5,
                    speech_length_scale=1.6)
    settings.set_pacing(pacing)
    prefs = DisplayPrefs(theme="dark", large_text=True, reduced_motion=True,
                         pacer_colour="#123456", caption_visible=False)
    settings.set_display(prefs)
    settings.sync()
    again = Settings(tmp_path / "s.ini")
    assert again.pacing() == pacing
    assert again.display() == prefs


def test_cues_and_slowing_round_trip(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "s.ini")
    pacing = Pacing(bpm=5.0, ramp_from_bpm=11.5, ramp_breaths=20)
    mix = MixSettings(voice_gain_db=-3, cue_gain_db=-30, inhale_cue=True, exhale_cue=False,
                      bell=False, ambient="rain", ambient_gain_db=-12)
    settings.set_pacing(pacing)
    settings.set_mix(mix)
    settings.sync()
    again = Settings(tmp_path / "s.ini")
    assert again.pacing() == pacing
    assert again.mix() == mix


def test_a_settings_file_from_before_the_cue_choices_still_loads(tmp_path: Path) -> None:
    # Written as the previous version did: pacing without the ramp, sound without the cue keys.
    path = tmp_path / "old.ini"
    old = QSettings(str(path), QSettings.Format.IniFormat)
    old.setValue("version", 1)
    old.setValue("pacing/json", json.dumps({"bpm": 5.5, "inhale_parts": 1.0, "exhale_parts": 2.0,
                                            "hold_in_s": 0.0, "hold_out_s": 0.0}))
    old.setValue("sound/voice_gain_db", -4.0)
    old.setValue("sound/ambient", "rain")
    old.setValue("sound/ambient_gain_db", -10.0)
    old.sync()
    del old
    assert "cue" not in path.read_text(encoding="utf-8")
    settings = Settings(path)
    assert settings.pacing() == Pacing(bpm=5.5, inhale_parts=1.0, exhale_parts=2.0)
    assert settings.pacing().ramp_from_bpm is None
    assert settings.mix() == MixSettings(voice_gain_db=-4, ambient="rain", ambient_gain_db=-10)


def test_damaged_cue_settings_fall_back_to_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "damaged.ini"
    path.write_text(
        "[sound]\ncue_gain_db=quiet\ninhale_cue=perhaps\nexhale_cue=\nbell=false\n"
        "[pacing]\njson={\"ramp_from_bpm\": 40}\n",
        encoding="utf-8",
    )
    settings = Settings(path)
    assert settings.mix() == MixSettings(bell=False)
    assert settings.pacing() == Pacing()
    path.write_text("[sound]\ncue_gain_db=-99\n", encoding="utf-8")
    assert Settings(path).mix().cue_gain_db == CUE_GAIN_RANGE_DB[0]


def test_own_patterns_round_trip_in_order(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "s.ini")
    assert settings.patterns() == []
    patterns = [Pattern("Café, \"quiet\" \\ evening", bpm=5.5, hold_out_s=1.0),
                Pattern("Morning", bpm=7.0, inhale_parts=1.0, exhale_parts=1.0,
                        ramp_from_bpm=10.0, ramp_breaths=8)]
    settings.set_patterns(patterns)
    settings.set_pacing(Pacing(bpm=4.0))
    settings.sync()
    again = Settings(tmp_path / "s.ini")
    assert again.patterns() == patterns
    assert again.pacing() == Pacing(bpm=4.0)


def test_a_file_from_before_patterns_loads_and_damaged_patterns_are_left_out(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.ini"
    old = QSettings(str(path), QSettings.Format.IniFormat)
    old.setValue("version", 1)
    old.setValue("pacing/json", json.dumps({"bpm": 5.5}))
    old.sync()
    del old
    settings = Settings(path)
    assert settings.patterns() == []
    assert settings.pacing() == Pacing(bpm=5.5)
    for damaged in ("not json at all", json.dumps({"name": "a dict, not a list"}), "[[[", "42",
                    json.dumps([{"name": "Kept", "bpm": 5}, {"name": "Lost", "bpm": "fast"}])):
        settings.set_patterns([])
        settings._qs.setValue("patterns/json", damaged)
        kept = [p.name for p in settings.patterns()]
        assert kept == (["Kept"] if "Kept" in damaged else []), damaged
    # A value with commas and no quotes reads back as a list of strings: still no crash.
    hand_edited = tmp_path / "hand-edited.ini"
    hand_edited.write_text('[patterns]\njson=[{"name": "A", "bpm": 5}, {"name": "B"}]\n',
                           encoding="utf-8")
    assert Settings(hand_edited).patterns() == []
