"""The window remembers its size, the last practice, the pacing and display choices between runs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize

from cft_desktop.core.pacing import Pacing
from cft_desktop.ui.settings import DisplayPrefs, Settings
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
    panel.dark.setChecked(True)
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
    assert second.pacing_panel.mix().voice_gain_db == -4
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
