"""Scripts → Record in your own voice… (Ctrl+Shift+R): opens the recorder for the chosen practice.

Owns the action and the one recorder window open at a time (imported when first opened); after
it closes, the side panel's voice list is refreshed so the new pack can be chosen. GUI thread
only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMainWindow

from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Script
from cft_desktop.ui.common.actions import Actions
from cft_desktop.ui.common.conventions import key_text
from cft_desktop.ui.common.messages import show_calm_message
from cft_desktop.ui.common.settings import Settings

if TYPE_CHECKING:
    from cft_desktop.ui.recorder.window import RecorderWindow

SCRIPTS_MENU = "&Scripts"
NOTHING_CHOSEN = "Choose a practice in the list first: the recorder records that practice."


class RecorderMenu:
    def __init__(self, window: QMainWindow, actions: Actions, settings: Settings,
                 current_script: Callable[[], Script | None], pacing: Callable[[], Pacing],
                 voices_changed: Callable[[], None]) -> None:
        self._window = window
        self._settings = settings
        self._current_script = current_script
        self._pacing = pacing
        self._voices_changed = voices_changed
        self.recorder: RecorderWindow | None = None
        actions.separator(SCRIPTS_MENU)
        actions.add("scripts.record", "&Record in your own voice…",
                    "Record the chosen practice phrase by phrase in your own voice "
                    f"({key_text('Ctrl+Shift+R')}); each client hears it at their own pace.",
                    self.open_recorder, menu=SCRIPTS_MENU, keys="Ctrl+Shift+R")

    def open_recorder(self) -> RecorderWindow | None:
        if self.recorder is not None and self.recorder.isVisible():
            self.recorder.raise_()
            self.recorder.activateWindow()
            return self.recorder
        script = self._current_script()
        if script is None:
            show_calm_message(self._window, NOTHING_CHOSEN)
            return None
        # Here, not at the top: the recorder pulls in numpy and PortAudio, which load after the
        # window is shown (tests/test_lazy.py), and most sessions never open it.
        from cft_desktop.ui.recorder.window import RecorderWindow

        recorder = RecorderWindow(script, self._settings, self._pacing, self._window)
        recorder.finished.connect(lambda _result: self._voices_changed())
        self.recorder = recorder
        recorder.show()
        return recorder
