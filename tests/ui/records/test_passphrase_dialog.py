"""The passphrase form on its own: two new passphrases that differ are both cleared, and the
first field has the focus again, with the message saying why."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from cft_desktop.ui.records.views.passphrase import PrivacyDialog


def test_mismatched_new_passphrases_are_both_cleared(qtbot: object) -> None:
    dialog = PrivacyDialog(encrypted=False, lock_minutes=10)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    requested: list[object] = []
    dialog.change_requested.connect(lambda *args: requested.append(args))
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)  # type: ignore[attr-defined]
    dialog.new.setFocus()
    QTest.keyClicks(dialog.new, "green tea at dawn")
    QTest.keyClick(dialog.new, Qt.Key.Key_Return)
    QTest.keyClicks(dialog.repeat, "green tea at dusk")
    QTest.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert requested == []
    assert "not the same" in dialog.message.text()
    assert dialog.new.text() == "" and dialog.repeat.text() == ""
    assert dialog.focusWidget() is dialog.new
    # Typed again, the same both times, it goes ahead.
    QTest.keyClicks(dialog.new, "green tea at dawn")
    QTest.keyClick(dialog.new, Qt.Key.Key_Return)
    QTest.keyClicks(dialog.repeat, "green tea at dawn")
    QTest.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert requested == [(None, "green tea at dawn")]
