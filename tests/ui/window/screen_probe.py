"""Run on its own (a fresh process per screen size): open the window as a fresh account would on
an offscreen screen of the size asked, and print what fits as JSON. Used by test_screen_fit.py;
the offscreen screen's size is fixed for the life of a process."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path


def main() -> None:
    width, height, large, panel = (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "large",
                                   sys.argv[4] == "panel")
    folder = Path(tempfile.mkdtemp())
    config = folder / "screen.json"
    config.write_text(json.dumps({"screens": [{
        "name": "probe", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1}]}), encoding="utf-8")
    for name in ("DATA", "CACHE", "LOG"):
        os.environ[f"CFT_DESKTOP_{name}_DIR"] = str(folder / name.lower())

    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication(["probe", "-platform", f"offscreen:configfile={config}"])
    from cft_desktop.core.ratings import CONSENT_VERSION
    from cft_desktop.ui.app import build_window
    from cft_desktop.ui.common.settings import Settings
    from cft_desktop.ui.help.menu import WELCOME_VERSION

    settings = Settings()
    settings.set_first_run_seen(CONSENT_VERSION)
    settings.set_welcome_seen(WELCOME_VERSION)
    settings.set_shown_parts(True, panel)
    settings.set_display(settings.display().with_changes(large_text=large))
    window = build_window(check_sound=False, settings=settings)
    window.show()

    def settle() -> None:
        for _ in range(6):
            app.processEvents()

    settle()
    window.library_view.select("soothing-rhythm-breathing-3")
    settle()

    def frame(widget: QWidget) -> list[int]:
        rect = widget.frameGeometry()
        return [rect.x(), rect.y(), rect.width(), rect.height()]

    pacer = window.player_view.pacer
    area = app.primaryScreen().availableGeometry()
    result: dict[str, object] = {
        "area": [area.x(), area.y(), area.width(), area.height()],
        "window": frame(window),
        "window_min": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
        "pacer_px": round(pacer.guide_diameter_px()),
        "pace_beside": window.player_view.pace_beside_buttons(),
        "meta_shown": window.player_view.meta.isVisible(),
    }
    records = window.records
    records.show_history()
    settle()
    result["history"] = frame(records.history_dialog)
    records.history_dialog.close()
    records.flow.show_crisis_resources()
    settle()
    result["crisis"] = frame(records.side_dialog)
    records.side_dialog.close()
    from cft_desktop.core.ratings import CrisisResources, Trigger
    from cft_desktop.ui.records.views.safety import SafetyDialog

    safety = SafetyDialog([Trigger.DISTRESS_ROSE], CrisisResources(), window)
    safety.show()
    settle()
    result["safety"] = frame(safety)
    result["safety_clipped"] = clipped(safety)
    if len(sys.argv) > 5 and sys.argv[5].endswith(".png"):
        window.grab().save(sys.argv[5].replace(".png", "-window.png"))
        safety.grab().save(sys.argv[5].replace(".png", "-safety.png"))
    safety.close()
    window.actions["help.welcome"].trigger()
    settle()
    result["welcome"] = frame(window.parts.help.dialog)
    window.parts.help.dialog.close()
    result["list_shown"] = window.library_view.isVisible()
    if panel:
        window.panel_action.setChecked(False)
        settle()
        result["list_when_panel_hidden"] = window.library_view.isVisible()
    if "--every-window" in sys.argv:
        result["every_window"] = every_window(app, window, settle, frame)
    print(json.dumps(result))
    window.close()


def clipped(window: object) -> list[str]:
    """Scrolling areas of `window` that cannot scroll sideways yet hold content wider than they
    show: words cut off at the right edge."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QScrollArea

    cut = []
    for area in window.findChildren(QScrollArea):  # type: ignore[attr-defined]
        inner = area.widget()
        if (inner is not None and area.isVisible()
                and area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
                and inner.width() > area.viewport().width()):
            cut.append(f"{inner.width()} > {area.viewport().width()}")
    return cut


# Everything the menus open without a file chooser or a question first (those are Qt's own
# dialogs, fitted by the same rule), in therapist mode so its dialogs are there too.
EVERY_WINDOW = ("ratings.therapist", "ratings.history", "ratings.consent", "ratings.passphrase",
                "ratings.clients", "ratings.settings", "ratings.plan", "ratings.crisis",
                "help.welcome", "help.guide", "help.shortcuts", "help.about", "scripts.edit_copy")


def every_window(app: object, window: object, settle: object, frame: object) -> dict[str, object]:
    """The frame of every top-level window each action opens: {action: [[title, frame], …]}."""
    from PySide6.QtWidgets import QApplication

    found: dict[str, object] = {}
    for name in EVERY_WINDOW:
        window.actions[name].trigger()  # type: ignore[attr-defined]
        settle()  # type: ignore[operator]
        opened = [w for w in QApplication.topLevelWidgets()
                  if w.isVisible() and w is not window]
        found[name] = [[w.windowTitle(), frame(w), clipped(w)]  # type: ignore[operator]
                       for w in opened]
        for w in opened:
            if name != "ratings.therapist":
                w.close()
        settle()  # type: ignore[operator]
    return found


if __name__ == "__main__":
    main()
