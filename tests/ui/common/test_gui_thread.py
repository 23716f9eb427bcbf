"""The one route back to the GUI thread: what a worker posts runs on the GUI thread, in order,
and nothing runs once the receiving object is gone."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtWidgets import QApplication

from cft_desktop.ui.common.gui_thread import GuiCalls


def test_calls_posted_from_a_worker_run_on_the_gui_thread_in_order(qtbot: object) -> None:
    gui = GuiCalls()
    ran: list[tuple[int, bool]] = []
    gui_thread = threading.current_thread()

    def worker() -> None:
        for number in range(50):
            gui.post(lambda n=number: ran.append((n, threading.current_thread() is gui_thread)))

    thread = threading.Thread(target=worker, name="worker")
    thread.start()
    thread.join(10)
    assert ran == []  # queued, not run on the worker
    qtbot.waitUntil(lambda: len(ran) == 50)  # type: ignore[attr-defined]
    assert ran == [(n, True) for n in range(50)]


def test_a_call_posted_to_a_deleted_object_never_runs(qtbot: object) -> None:
    gui = GuiCalls()
    ran: list[str] = []
    gui.post(lambda: ran.append("posted"))
    shiboken6.delete(gui)
    keep = GuiCalls()
    keep.post(lambda: ran.append("other"))
    qtbot.waitUntil(lambda: ran == ["other"])  # type: ignore[attr-defined]
    QApplication.processEvents()
    assert ran == ["other"]


def test_call_later_waits_then_runs_on_the_gui_thread(qtbot: object) -> None:
    gui = GuiCalls()
    ran: list[bool] = []
    gui_thread = threading.current_thread()
    gui.call_later(0.05, lambda: ran.append(threading.current_thread() is gui_thread))
    assert ran == []
    qtbot.waitUntil(lambda: ran == [True])  # type: ignore[attr-defined]
