"""Colours, fonts and the style sheet: the light and dark palettes and their WCAG contrast.

Owns every colour the window uses (so contrast can be checked in one place), the calm presets for
the pacer's "compassionate colour", the large-text sizes, and applying all of it to the
QApplication. Runs on the GUI thread. The contrast maths are plain functions so tests can check
each text/background pair of each palette against WCAG 2.x AA (4.5:1 for text).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

# WCAG 2.x AA for normal text; large text would pass at 3:1 but we hold every pair to 4.5.
MIN_TEXT_CONTRAST = 4.5
# WCAG 1.4.11: focus rings and other non-text marks that carry meaning.
MIN_NON_TEXT_CONTRAST = 3.0

BASE_POINT_SIZE = 11
LARGE_POINT_SIZE = 15
# Qt on macOS counts a point as one logical pixel (72 to the inch), elsewhere as 1/72 inch of a
# 96-dpi screen: the same point size is a quarter smaller on a Mac. Scaled, the body text is 15 pt
# there, a little above macOS's own 13 pt, as it is a little above Windows' 9 pt and GNOME's 11 pt.
MACOS_POINT_SCALE = 4 / 3
# The caption is read from a little distance, with the pacer: larger than the rest.
CAPTION_SCALE = 1.4
TITLE_SCALE = 1.6
# The sizes a title or a caption steps down to when it would take more lines than the player can
# spare (`fit="compact"`): never below the body text, so large text stays large.
TITLE_COMPACT_SCALE = 1.25
CAPTION_COMPACT_SCALE = 1.0
# With large text the body grows by a third; the title and the caption, large already, grow less,
# so the pacer keeps its room (issue 17 §2). Both stay above their normal-text sizes.
LARGE_TITLE_SCALE = 1.35
LARGE_CAPTION_SCALE = 1.2


def title_scale(large_text: bool) -> float:
    return LARGE_TITLE_SCALE if large_text else TITLE_SCALE


def caption_scale(large_text: bool) -> float:
    return LARGE_CAPTION_SCALE if large_text else CAPTION_SCALE


def scaled_point_size(size: float, scale: float) -> int:
    """A role's point size, rounded the way the style sheet rounds it."""
    return round(size * scale)


@dataclass(frozen=True)
class Palette:
    """A theme. Every field is a '#rrggbb' colour; `*_text` fields sit on the matching background."""

    name: str
    window: str
    surface: str
    text: str
    muted_text: str
    border: str
    button: str
    button_text: str
    button_hover: str
    accent: str
    accent_text: str
    selection: str
    selection_text: str
    banner: str
    banner_text: str
    banner_border: str
    heading_text: str
    focus: str
    focus_text: str
    disabled_text: str
    pacer_guide: str
    control_outline: str


LIGHT = Palette(
    name="light",
    window="#f6f3ee",
    surface="#fffdf9",
    text="#2b2a28",
    muted_text="#5a554f",
    border="#d6cfc4",
    button="#ebe5dc",
    button_text="#2b2a28",
    button_hover="#e2dacd",
    accent="#2f6660",
    accent_text="#ffffff",
    selection="#d7e8e4",
    selection_text="#1c2a28",
    banner="#fbf0d9",
    banner_text="#4a3a14",
    banner_border="#e3cb92",
    heading_text="#2f6660",
    focus="#2a5d8f",
    focus_text="#ffffff",
    disabled_text="#857f77",
    pacer_guide="#c9c1b5",
    control_outline="#857e75",
)

DARK = Palette(
    name="dark",
    window="#1d2023",
    surface="#25292d",
    text="#e9e6e1",
    muted_text="#b9b4ad",
    border="#3d434a",
    button="#31363c",
    button_text="#e9e6e1",
    button_hover="#3a4047",
    accent="#8fc9c0",
    accent_text="#10221f",
    selection="#2e4a46",
    selection_text="#f1efeb",
    banner="#3a3222",
    banner_text="#f2e2bd",
    banner_border="#6b5a33",
    heading_text="#9fd3ca",
    focus="#8cb8e8",
    focus_text="#14202c",
    disabled_text="#8a857e",
    pacer_guide="#4a5058",
    control_outline="#8d8780",
)

PALETTES = {LIGHT.name: LIGHT, DARK.name: DARK}

# Calm, warm presets for "your compassionate colour" (CLINICAL.md §3, compassionate colour).
PACER_PRESETS: tuple[tuple[str, str], ...] = (
    ("Warm gold", "#e0a93b"),
    ("Soft rose", "#d98c9a"),
    ("Sea green", "#4fa38f"),
    ("Sky blue", "#5b9bd5"),
    ("Lavender", "#9c8ccf"),
    ("Peach", "#e89a6c"),
)
DEFAULT_PACER_COLOUR = PACER_PRESETS[0][1]


def text_pairs(palette: Palette) -> list[tuple[str, str, str]]:
    """(what, foreground, background) for every kind of text the palette draws."""
    p = palette
    return [
        ("text on window", p.text, p.window),
        ("text on surface", p.text, p.surface),
        ("muted text on window", p.muted_text, p.window),
        ("muted text on surface", p.muted_text, p.surface),
        ("button text", p.button_text, p.button),
        ("button text on hover", p.button_text, p.button_hover),
        ("accent button text", p.accent_text, p.accent),
        ("selected item text", p.selection_text, p.selection),
        ("banner text", p.banner_text, p.banner),
        ("group heading", p.heading_text, p.window),
        ("library heading", p.heading_text, p.surface),
        ("selected text in a field, selected row in a list or table", p.focus_text, p.focus),
    ]


def non_text_pairs(palette: Palette) -> list[tuple[str, str, str]]:
    """Marks that must be seen but are not text: the keyboard focus ring."""
    p = palette
    return [
        ("focus ring on window", p.focus, p.window),
        ("focus ring on surface", p.focus, p.surface),
        ("focus ring on button", p.focus, p.button),
        ("check box outline on window", p.control_outline, p.window),
    ]


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of '#rrggbb'."""
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"expected #rrggbb, got {colour!r}")
    channels = [int(value[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio, from 1.0 (same) to 21.0 (black on white)."""
    a = relative_luminance(foreground)
    b = relative_luminance(background)
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def point_size(large_text: bool, platform: str = sys.platform) -> int:
    size = LARGE_POINT_SIZE if large_text else BASE_POINT_SIZE
    return round(size * MACOS_POINT_SCALE) if platform == "darwin" else size


def qpalette(palette: Palette) -> QPalette:
    """The QPalette for widgets the style sheet does not reach (dialogs, the colour picker)."""
    p = palette
    result = QPalette()
    role = QPalette.ColorRole
    result.setColor(role.Window, QColor(p.window))
    result.setColor(role.WindowText, QColor(p.text))
    result.setColor(role.Base, QColor(p.surface))
    result.setColor(role.AlternateBase, QColor(p.window))
    result.setColor(role.Text, QColor(p.text))
    result.setColor(role.Button, QColor(p.button))
    result.setColor(role.ButtonText, QColor(p.button_text))
    # Fusion draws the focus frame of spin boxes and combo boxes in Highlight, and selected text
    # in Highlight/HighlightedText: the focus colour keeps both clearly visible.
    result.setColor(role.Highlight, QColor(p.focus))
    result.setColor(role.HighlightedText, QColor(p.focus_text))
    result.setColor(role.ToolTipBase, QColor(p.surface))
    result.setColor(role.ToolTipText, QColor(p.text))
    result.setColor(role.PlaceholderText, QColor(p.muted_text))
    result.setColor(role.Link, QColor(p.accent if p.name == "dark" else p.focus))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        result.setColor(disabled, r, QColor(p.disabled_text))
    # A greyed-out field sits on the window colour instead of the white (or dark) field colour, so
    # "not in use now" shows by more than a slightly lighter number.
    result.setColor(disabled, role.Base, QColor(p.window))
    return result


def check_box_palette(palette: Palette) -> QPalette:
    """Fusion outlines a check box in Window.darker(140); aim that at `control_outline`.

    The default outline is barely visible (about 1.3:1 on the dark theme); this makes the empty
    box as easy to see as the ticked one.
    """
    result = qpalette(palette)
    result.setColor(QPalette.ColorRole.Window, QColor(palette.control_outline).lighter(140))
    result.setColor(QPalette.ColorRole.Base, QColor(palette.surface))
    return result


# A focused primary button turns light inside, or its ring would vanish against its fill (the
# focus colour is 1.04:1 on the light theme's accent): ring to fill and ring to window are then
# both above 3:1 in both themes (issue 17 §4; tests/ui/common/test_focus_ring.py measures pixels).
def style_sheet(palette: Palette, large_text: bool) -> str:
    """The application style sheet. Soft corners, no strong borders, a clear focus ring."""
    p = palette
    size = point_size(large_text)
    pad = 10 if large_text else 7
    # Item views take their selection pair from the sheet as well as the palette: a desktop theme
    # may give lists a palette of its own (near-white on light blue), and the sheet wins over it.
    # Linux desktop themes put stock icons on dialog buttons (a green "↩" on OK) that no other
    # button in the window has; the words are clearer alone, so dialog buttons carry none.
    return f"""
QWidget {{ color: {p.text}; font-size: {size}pt; }}
QDialogButtonBox {{ dialogbuttonbox-buttons-have-icons: 0; }}
QMainWindow, QDialog, QScrollArea, QScrollArea > QWidget > QWidget {{ background: {p.window}; }}
QToolTip {{ color: {p.text}; background: {p.surface}; border: 1px solid {p.border}; padding: 4px; }}
QLabel[role="muted"] {{ color: {p.muted_text}; }}
QLabel[role="title"] {{ font-size: {scaled_point_size(size, title_scale(large_text))}pt;
    font-weight: 600; }}
QLabel[role="title"][fit="compact"] {{ font-size: {scaled_point_size(size, TITLE_COMPACT_SCALE)}pt; }}
QLabel[role="caption"] {{ font-size: {scaled_point_size(size, caption_scale(large_text))}pt; }}
QLabel[role="caption"][fit="compact"] {{
    font-size: {scaled_point_size(size, CAPTION_COMPACT_SCALE)}pt; }}
QLabel[role="safety"] {{ color: {p.muted_text}; }}
QGroupBox {{ border: 1px solid {p.border}; border-radius: 10px; margin-top: {size + 8}px;
    padding: {pad}px; padding-top: {pad + 4}px; background: {p.window}; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 12px; padding: 0 4px; color: {p.heading_text};
    font-weight: 600; }}
QPushButton {{ background: {p.button}; color: {p.button_text}; border: 1px solid {p.border};
    border-radius: 10px; padding: {pad}px {pad * 2}px; min-height: {size * 2}px; }}
QPushButton:hover {{ background: {p.button_hover}; }}
QPushButton:pressed {{ background: {p.border}; }}
QPushButton:disabled {{ color: {p.disabled_text}; background: {p.window}; }}
QPushButton:focus {{ border: 2px solid {p.focus}; }}
QPushButton[role="compact"] {{ padding: 2px {pad + 4}px; min-height: {size + 10}px; }}
QPushButton[role="primary"] {{ background: {p.accent}; color: {p.accent_text}; border-color: {p.accent}; }}
QPushButton[role="primary"]:disabled {{ background: {p.window}; color: {p.disabled_text};
    border-color: {p.border}; }}
QPushButton[role="primary"]:focus {{ border: 3px solid {p.focus}; background: {p.surface};
    color: {p.heading_text}; }}
QPushButton[role="ground"] {{ background: {p.surface}; color: {p.text}; border: 2px solid {p.accent};
    font-weight: 600; }}
QPushButton[role="ground"]:focus {{ border: 3px solid {p.focus}; }}
QAbstractItemView {{ selection-background-color: {p.focus}; selection-color: {p.focus_text}; }}
QListWidget {{ background: {p.surface}; border: 1px solid {p.border}; border-radius: 10px;
    padding: 4px; }}
QListWidget:focus {{ border: 2px solid {p.focus}; }}
QComboBox QAbstractItemView {{ background: {p.surface}; color: {p.text};
    selection-background-color: {p.selection}; selection-color: {p.selection_text}; }}
QCheckBox {{ spacing: 8px; }}
QCheckBox:focus {{ color: {p.text}; text-decoration: underline; }}
QProgressBar {{ background: {p.button}; border: none; border-radius: 4px; max-height: 8px; }}
QProgressBar::chunk {{ background: {p.accent}; border-radius: 4px; }}
QFrame[role="banner"] {{ background: {p.banner}; border: 1px solid {p.banner_border};
    border-radius: 10px; }}
QFrame[role="banner"] QLabel {{ color: {p.banner_text}; background: transparent; }}
QSplitter::handle {{ background: {p.window}; }}
QScrollBar:vertical {{ background: {p.window}; width: 12px; margin: 0; border: none; }}
QScrollBar:horizontal {{ background: {p.window}; height: 12px; margin: 0; border: none; }}
QScrollBar::handle {{ background: {p.control_outline}; border-radius: 4px; margin: 2px; }}
QScrollBar::handle:vertical {{ min-height: 32px; }}
QScrollBar::handle:horizontal {{ min-width: 32px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; border: none; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: none; }}
"""


def apply_theme(app: QApplication, palette: Palette, large_text: bool) -> None:
    """Restyle the whole application (user's own choice, so a one-time change is expected).

    Each part is set only when it differs: re-setting the style or the style sheet re-polishes
    every widget, which is a third of the start-up time when done again after the window is built.
    """
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    colours = qpalette(palette)
    if app.palette() != colours:
        app.setPalette(colours)
    font = QFont(app.font())
    font.setPointSize(point_size(large_text))
    if app.font() != font:
        app.setFont(font)
    sheet = style_sheet(palette, large_text)
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)


def palette_named(name: str) -> Palette:
    return PALETTES.get(name, LIGHT)
