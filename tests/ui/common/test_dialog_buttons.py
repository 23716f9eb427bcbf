"""Dialog buttons carry words only: no stock icon (the green "↩" a Linux desktop adds to OK).

The icons come from the platform theme (GNOME, KDE and other X11/Wayland desktops say "buttons
have icons"; the offscreen test platform does not), so the first test stands in a style that
says so, and the second runs the real X11 platform under Xvfb when the machine has it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QMessageBox,
    QProxyStyle,
    QStyle,
    QStyleHintReturn,
    QStyleOption,
    QWidget,
)

from cft_desktop.ui.common.theme import DARK, LIGHT, apply_theme

ICON_HINT = QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons


class _DesktopLikeStyle(QProxyStyle):
    """Fusion as a Linux desktop theme makes it: dialog buttons have icons."""

    def styleHint(self, hint: QStyle.StyleHint, option: QStyleOption | None = None,
                  widget: QWidget | None = None,
                  returnData: QStyleHintReturn | None = None) -> int:
        if hint == ICON_HINT:
            return 1
        return super().styleHint(hint, option, widget, returnData)

    def name(self) -> str:
        # apply_theme keeps a Fusion style it finds and replaces any other; this one is Fusion.
        return "fusion"


@pytest.fixture
def desktop_like_style(qapp: QApplication) -> Iterator[QProxyStyle]:
    name, palette, sheet = qapp.style().name(), qapp.palette(), qapp.styleSheet()
    style = _DesktopLikeStyle("Fusion")
    qapp.setStyleSheet("")
    qapp.setStyle(style)
    yield style
    qapp.setStyle(name)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=lambda p: p.name)
def test_themed_dialog_buttons_have_no_icon(qapp: QApplication, qtbot: object,
                                            desktop_like_style: QProxyStyle,
                                            palette: object) -> None:
    plain = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
    assert plain.button(QDialogButtonBox.StandardButton.Ok).icon().isNull() is False, (
        "the stand-in style should give an unthemed OK button its icon")
    plain.deleteLater()

    apply_theme(qapp, palette, large_text=False)  # type: ignore[arg-type]
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                           | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)  # type: ignore[attr-defined]
    assert box.style().styleHint(ICON_HINT, None, box) == 0
    for which in (QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel):
        assert box.button(which).icon().isNull()
    message = QMessageBox()
    qtbot.addWidget(message)  # type: ignore[attr-defined]
    message.setStandardButtons(QMessageBox.StandardButton.Ok)
    assert message.button(QMessageBox.StandardButton.Ok).icon().isNull()


PROBE = """
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QStyle
from cft_desktop.ui.common.theme import DARK, apply_theme
app = QApplication([])
def ok_has_icon() -> bool:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
    return not box.button(QDialogButtonBox.StandardButton.Ok).icon().isNull()
before = ok_has_icon()
apply_theme(app, DARK, large_text=False)
print(app.platformName(), before, ok_has_icon())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("xvfb-run") is None,
                    reason="needs the X11 platform under Xvfb")
def test_no_icon_on_a_real_x11_desktop() -> None:
    result = subprocess.run(
        ["xvfb-run", "-a", "env", "QT_QPA_PLATFORM=xcb", sys.executable, "-c", PROBE],
        capture_output=True, text=True, timeout=120, check=True)
    platform, before, after = result.stdout.split()[-3:]
    assert platform == "xcb"
    assert before == "True", "X11 normally gives OK its icon; this check would prove nothing"
    assert after == "False"
