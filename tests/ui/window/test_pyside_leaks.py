"""PySide6-Essentials 6.12.0 loses a reference to None on every void Qt call and to True on every
Signal.emit(); at the pacer's 60 updates a second the interpreter aborts within minutes. pyproject
pins below it; this fails if an installed PySide6 leaks again."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel


class _Emitter(QObject):
    ping = Signal()


def test_void_calls_and_emits_do_not_leak_references(qtbot: object) -> None:
    label, emitter = QLabel(), _Emitter()
    label.setText("warm up")
    emitter.ping.emit()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(2000):
        label.setText("x")
        emitter.ping.emit()
    assert sys.getrefcount(None) >= none_before - 50
    assert sys.getrefcount(True) >= true_before - 50
