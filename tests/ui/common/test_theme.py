"""Colour contrast of both themes (WCAG 2.x), and the contrast maths itself."""

from __future__ import annotations

import pytest

from cft_desktop.ui.common.theme import (
    DARK,
    LIGHT,
    MIN_NON_TEXT_CONTRAST,
    MIN_TEXT_CONTRAST,
    PACER_PRESETS,
    Palette,
    contrast_ratio,
    non_text_pairs,
    point_size,
    relative_luminance,
    style_sheet,
    text_pairs,
)


def test_contrast_ratio_matches_known_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # WCAG's classic borderline: #777777 on white just fails AA (4.48:1).
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#ffffff", "#000000") == contrast_ratio("#000000", "#ffffff")
    assert relative_luminance("#ffffff") == pytest.approx(1.0)


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=lambda p: p.name)
def test_every_text_pair_has_at_least_4_5_to_1(palette: Palette) -> None:
    failing = [
        f"{what}: {fg} on {bg} = {contrast_ratio(fg, bg):.2f}"
        for what, fg, bg in text_pairs(palette)
        if contrast_ratio(fg, bg) < MIN_TEXT_CONTRAST
    ]
    assert not failing, failing


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=lambda p: p.name)
def test_focus_ring_is_visible(palette: Palette) -> None:
    for what, fg, bg in non_text_pairs(palette):
        assert contrast_ratio(fg, bg) >= MIN_NON_TEXT_CONTRAST, what


def test_style_sheet_uses_only_palette_colours() -> None:
    # Any colour literal in the style sheet must come from the palette, so the checks above
    # cover everything the window draws.
    import re

    for palette in (LIGHT, DARK):
        sheet = style_sheet(palette, large_text=False)
        used = set(re.findall(r"#[0-9a-fA-F]{6}", sheet))
        allowed = {getattr(palette, f) for f in palette.__dataclass_fields__ if f != "name"}
        assert used <= allowed, used - allowed


def test_pacer_presets_are_calm_distinct_colours() -> None:
    values = [value for _, value in PACER_PRESETS]
    assert len(set(values)) == len(values) >= 4
    for value in values:
        # Mid luminance: clearly seen on the dark window, and still distinct on the light one
        # (the pacer's words carry the meaning; the circle is never the only cue).
        assert contrast_ratio(value, DARK.window) >= MIN_NON_TEXT_CONTRAST
        assert contrast_ratio(value, LIGHT.window) >= 1.8


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=lambda p: p.name)
def test_a_greyed_out_field_looks_unlike_one_in_use(palette: Palette) -> None:
    """The slowing fields are greyed out until ticked: not just lighter digits on the same field."""
    from PySide6.QtGui import QPalette

    from cft_desktop.ui.common.theme import qpalette

    colours = qpalette(palette)
    base = QPalette.ColorRole.Base
    in_use = colours.color(QPalette.ColorGroup.Active, base).name()
    greyed = colours.color(QPalette.ColorGroup.Disabled, base).name()
    assert greyed == palette.window and greyed != in_use


@pytest.mark.parametrize(("platform", "normal", "large"),
                         [("linux", 11, 15), ("win32", 11, 15), ("darwin", 15, 20)])
def test_text_is_the_same_physical_size_on_every_platform(platform: str, normal: int,
                                                          large: int) -> None:
    # macOS counts 72 points to its logical inch, the others 96 pixels: 4/3 as many points there.
    assert point_size(False, platform) == normal
    assert point_size(True, platform) == large
    assert point_size(False, "darwin") > 13  # above macOS's own body text
