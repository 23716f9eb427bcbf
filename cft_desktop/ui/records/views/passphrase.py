"""Passphrase prompts: unlocking the ratings at start or after the idle lock, and setting,
changing or removing the passphrase together with the lock delay.

Owns the two forms and their plain messages; a wrong passphrase keeps the form open with a calm
line saying so (the file is not touched). "Not now" leaves the ratings locked while practices
still play. The forms only emit intents (`unlock_requested`, `change_requested`,
`lock_minutes_changed`); `records_controller` opens or re-encrypts the store. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.ui.records.views.common import named, text_label

UNLOCK_TEXT = (
    "Your ratings are locked with a passphrase. Type it to open them. Practices play either way; "
    "choose “Not now” to play without ratings."
)
WRONG_PASSPHRASE = "That passphrase did not open the ratings. Nothing was changed; please try again."
PASSPHRASE_ADVICE = (
    "A passphrase locks the ratings file and its backups on this computer. Nobody, including us, "
    "can open them without it, so keep it somewhere safe. Using it alongside your computer's own "
    "disk encryption is best."
)


def _secret(name: str, tip: str) -> QLineEdit:
    field = named(QLineEdit(), name, tip)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class UnlockDialog(QDialog):
    unlock_requested = Signal(str)
    not_now = Signal()

    def __init__(self, parent: QWidget | None = None, locked_after_idle: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("unlock")
        self.setWindowTitle("Unlock your ratings")
        self.setModal(True)
        self._done = False
        self.passphrase = _secret("Passphrase", "The passphrase that locks your ratings.")
        self.message = text_label("", "muted", selectable=True, name="Unlock message")
        self.unlock = named(QPushButton("Unlock"), "Unlock", "Open the ratings with this passphrase.")
        self.unlock.setProperty("role", "primary")
        self.unlock.setDefault(True)
        later = named(QPushButton("Not now"), "Not now",
                      "Keep the ratings locked. Practices still play, without ratings.")
        later.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(later)
        buttons.addWidget(self.unlock)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        title = "Locked after a while without use" if locked_after_idle else "Unlock your ratings"
        layout.addWidget(text_label(title, "title"))
        layout.addWidget(text_label(UNLOCK_TEXT))
        layout.addWidget(self.passphrase)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.unlock.clicked.connect(self._on_unlock)
        later.clicked.connect(self.reject)
        self.resize(520, self.sizeHint().height())

    def _on_unlock(self) -> None:
        if self.passphrase.text():
            self.message.setText("Opening…")
            self.unlock_requested.emit(self.passphrase.text())

    def show_wrong(self, text: str = WRONG_PASSPHRASE) -> None:
        self.message.setText(text)
        self.passphrase.selectAll()
        self.passphrase.setFocus()

    def finish(self) -> None:
        self._done = True
        self.passphrase.clear()
        self.accept()

    def reject(self) -> None:
        super().reject()
        if not self._done:
            self._done = True
            self.passphrase.clear()
            self.not_now.emit()

    def close_silently(self) -> None:
        self._done = True
        super().reject()


class PrivacyDialog(QDialog):
    """Set, change or remove the passphrase, and choose when the app locks itself."""

    change_requested = Signal(object, object)  # current (str | None), new (str | None = remove)
    lock_minutes_changed = Signal(int)

    def __init__(self, encrypted: bool, lock_minutes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passphrase")
        self.setWindowTitle("Passphrase and lock")
        self.encrypted = encrypted
        self.current = _secret("Current passphrase", "The passphrase the ratings are locked with now.")
        self.new = _secret("New passphrase", "The new passphrase. Keep it somewhere safe.")
        self.repeat = _secret("New passphrase again", "Type the new passphrase again, to be sure.")
        self.lock_minutes = named(QSpinBox(), "Lock after minutes without use",
                                  "Lock the ratings after this many minutes without use (0 = never). "
                                  "A practice that is playing is never interrupted.")
        self.lock_minutes.setRange(0, 1440)
        self.lock_minutes.setSuffix(" min")
        self.lock_minutes.setValue(lock_minutes)
        self.set_button = named(QPushButton("Change passphrase" if encrypted else "Set passphrase"),
                                "Change passphrase" if encrypted else "Set passphrase",
                                "Lock the ratings and their backups with the new passphrase.")
        self.set_button.setProperty("role", "primary")
        self.remove = named(QPushButton("Remove passphrase"), "Remove passphrase",
                            "Store the ratings without a passphrase again.")
        self.remove.setVisible(encrypted)
        self.message = text_label("", "muted", selectable=True, name="Passphrase message")
        close = named(QPushButton("Close"), "Close", "Close this window.")
        for button in (self.set_button, self.remove, close):
            button.setAutoDefault(False)

        form = QFormLayout()
        if encrypted:
            form.addRow("Current passphrase", self.current)
        else:
            self.current.hide()
        form.addRow("New passphrase", self.new)
        form.addRow("Again", self.repeat)
        form.addRow("Lock after", self.lock_minutes)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove)
        buttons.addStretch(1)
        buttons.addWidget(self.set_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        layout.addWidget(text_label("Passphrase and lock", "title"))
        layout.addWidget(text_label(PASSPHRASE_ADVICE, "muted"))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.set_button.clicked.connect(self._on_set)
        # Return moves on from one passphrase field to the next and, in the last, sets it; no
        # button is default, so Return can never remove the passphrase or close the window.
        self.current.returnPressed.connect(self.new.setFocus)
        self.new.returnPressed.connect(self.repeat.setFocus)
        self.repeat.returnPressed.connect(self._on_set)
        self.remove.clicked.connect(self._on_remove)
        self.lock_minutes.valueChanged.connect(self.lock_minutes_changed)
        close.clicked.connect(self.accept)
        self.resize(560, self.sizeHint().height())

    def _current(self) -> str | None:
        return self.current.text() if self.encrypted else None

    def _on_set(self) -> None:
        new, again = self.new.text(), self.repeat.text()
        if not new:
            self.message.setText("Please type a new passphrase.")
            return
        if new != again:
            self.message.setText("The two new passphrases are not the same. Please type them again.")
            # Both go: which of the two was mistyped cannot be seen behind the dots, so the
            # person starts again from the first rather than editing blind.
            self.new.clear()
            self.repeat.clear()
            self.new.setFocus()
            return
        self.change_requested.emit(self._current(), new)

    def _on_remove(self) -> None:
        self.change_requested.emit(self._current(), None)

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def clear_fields(self) -> None:
        for field in (self.current, self.new, self.repeat):
            field.clear()
