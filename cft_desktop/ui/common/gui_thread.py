"""The one way back to the GUI thread: a function handed over from any thread, run on the GUI thread.

Owns `GuiCalls`, a QObject living on the GUI thread. `post(call)` may be called from any thread:
it posts the function as an event to that object (`QCoreApplication.postEvent` is thread-safe),
and Qt runs it on the GUI thread in the order posted, queued exactly like a cross-thread signal.
A function posted to an object that has since been deleted is dropped with the object's events,
so a worker can never call into a closed window. Every worker of the window reports this way: the
player's workers (as its `Dispatcher`, `ui.player.playback`), the take-home render
(`ui.scripts.take_home`) and the error relay (`ui.app`). `cft_desktop.lazy` is not a route here:
it only hands a built value to whichever thread asks for it, and never calls into the GUI.

Why posted events rather than a signal per kind of news: one mechanism for all, no signal types to
declare, and PySide6-Essentials 6.12.0 drops a reference to `True` on every Python-side
`Signal.emit()` (the pin below 6.12 in pyproject is checked by tests/ui/window/test_pyside_leaks.py),
which a busy path would hit many times a second.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer


class _Call(QEvent):
    """A function from some thread, waiting in the GUI thread's event queue."""

    TYPE = QEvent.Type(QEvent.registerEventType())

    def __init__(self, call: Callable[[], None]) -> None:
        super().__init__(_Call.TYPE)
        self.call = call


class GuiCalls(QObject):
    """Runs functions on the thread this object lives in (make it on the GUI thread)."""

    def post(self, call: Callable[[], None]) -> None:
        """Any thread: run `call` on the GUI thread, soon, after what is already queued."""
        QCoreApplication.postEvent(self, _Call(call))

    def call_later(self, delay_s: float, call: Callable[[], None]) -> None:
        """GUI thread: run `call` on the GUI thread after `delay_s` seconds."""
        QTimer.singleShot(round(delay_s * 1000), self, call)

    def event(self, event: QEvent) -> bool:
        if isinstance(event, _Call):
            event.call()
            return True
        return super().event(event)
