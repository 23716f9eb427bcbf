"""Therapist mode: clients under pseudonyms (create, rename, switch) and "Erase client…".

Owns the Clients dialog and the erase confirmation, where the therapist types the pseudonym to
confirm; nothing is erased without that. The views only emit intents (`create_requested`,
`rename_requested`, `switch_requested`, `erase_requested`); `records_controller` calls the store
and then hands the dialog the new list with `set_clients`. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cft_desktop.store.records import Client
from cft_desktop.ui.records.views.common import named, text_label

ERASE_WARNING = (
    "This removes {name} and every rating and setting of theirs from this computer, including "
    "the automatic backup copies. It cannot be undone. Files you exported earlier are not touched."
)


class ProfilesDialog(QDialog):
    create_requested = Signal(str)
    rename_requested = Signal(str, str)  # client id, new pseudonym
    switch_requested = Signal(str)
    erase_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clients")
        self.setWindowTitle("Clients")
        self._active_id = ""
        self.list = named(QListWidget(), "Clients",
                          "Everyone with ratings on this computer, by pseudonym. The one in use "
                          "is marked.")
        self.new_name = named(QLineEdit(), "New client's pseudonym",
                              "A pseudonym, not a real name: initials or a code you will recognise.")
        self.new_name.setPlaceholderText("Pseudonym, e.g. Client A")
        self.create = named(QPushButton("Add client"), "Add client",
                            "Add a client under this pseudonym.")
        self.rename_to = named(QLineEdit(), "Rename the chosen client to",
                               "The new pseudonym for the client chosen in the list.")
        self.rename_to.setPlaceholderText("New pseudonym")
        self.rename = named(QPushButton("Rename"), "Rename", "Give the chosen client this pseudonym.")
        self.switch = named(QPushButton("Use this client"), "Use this client",
                            "Rate practices and show the history of the chosen client.")
        self.switch.setProperty("role", "primary")
        self.erase = named(QPushButton("Erase client…"), "Erase client",
                           "Remove the chosen client and all their ratings. You will be asked to "
                           "confirm by typing their pseudonym.")
        self.message = text_label("", "muted", selectable=True, name="Clients message")
        close = named(QPushButton("Close"), "Close", "Close this window.")
        for button in (self.create, self.rename, self.switch, self.erase, close):
            button.setAutoDefault(False)

        grid = QGridLayout()
        grid.addWidget(QLabel("New client"), 0, 0)
        grid.addWidget(self.new_name, 0, 1)
        grid.addWidget(self.create, 0, 2)
        grid.addWidget(QLabel("Rename to"), 1, 0)
        grid.addWidget(self.rename_to, 1, 1)
        grid.addWidget(self.rename, 1, 2)
        actions = QHBoxLayout()
        actions.addWidget(self.switch)
        actions.addStretch(1)
        actions.addWidget(self.erase)
        actions.addWidget(close)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        layout.addWidget(text_label("Clients", "title"))
        layout.addWidget(text_label(
            "Each client's ratings are kept apart under a pseudonym. Use initials or a code, not a "
            "real name.", "muted"))
        layout.addWidget(self.list, 1)
        layout.addLayout(grid)
        layout.addLayout(actions)
        layout.addWidget(self.message)

        self.create.clicked.connect(self._on_create)
        self.new_name.returnPressed.connect(self._on_create)
        self.rename.clicked.connect(self._on_rename)
        self.switch.clicked.connect(self._on_switch)
        self.list.itemActivated.connect(lambda _item: self._on_switch())
        self.erase.clicked.connect(self._on_erase)
        self.list.currentItemChanged.connect(self._update_buttons)
        close.clicked.connect(self.accept)
        self.resize(560, max(460, QFontMetrics(self.font()).lineSpacing() * 24))

    def set_clients(self, clients: Sequence[Client], active_id: str) -> None:
        chosen = self.chosen_id() or active_id
        self._active_id = active_id
        self.list.clear()
        for client in clients:
            text = client.pseudonym + ("   (in use)" if client.client_id == active_id else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, client.client_id)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text)
            self.list.addItem(item)
            if client.client_id == chosen:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self._update_buttons()

    def select(self, client_id: str) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == client_id:
                self.list.setCurrentItem(item)

    def chosen_id(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def pseudonyms(self) -> list[str]:
        return [self.list.item(r).text().replace("   (in use)", "") for r in range(self.list.count())]

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def _update_buttons(self) -> None:
        chosen = self.chosen_id()
        self.switch.setEnabled(bool(chosen) and chosen != self._active_id)
        self.rename.setEnabled(bool(chosen))
        self.erase.setEnabled(bool(chosen))

    def _on_create(self) -> None:
        name = self.new_name.text().strip()
        if name:
            self.create_requested.emit(name)

    def _on_rename(self) -> None:
        name = self.rename_to.text().strip()
        if self.chosen_id() and name:
            self.rename_requested.emit(self.chosen_id(), name)

    def _on_switch(self) -> None:
        if self.chosen_id():
            self.switch_requested.emit(self.chosen_id())

    def _on_erase(self) -> None:
        if self.chosen_id():
            self.erase_requested.emit(self.chosen_id())


class EraseClientDialog(QDialog):
    """Type the pseudonym to confirm; only then is "Erase" enabled."""

    confirmed = Signal(str)  # client id

    def __init__(self, client: Client, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("erase-client")
        self.setWindowTitle(f"Erase {client.pseudonym}")
        self.setModal(True)
        self.client = client
        self.typed = named(QLineEdit(), "Type the pseudonym to confirm",
                           f"Type {client.pseudonym} exactly to enable Erase.")
        self.erase = named(QPushButton("Erase"), "Erase",
                           f"Remove {client.pseudonym} and all their ratings for good.")
        self.erase.setEnabled(False)
        self.erase.setAutoDefault(False)
        cancel = named(QPushButton("Keep this client"), "Keep this client",
                       "Close without erasing anything.")
        # No default button: Return in the box erases only once the pseudonym is typed exactly
        # (the typing is the confirmation) and otherwise does nothing; Esc keeps the client.
        cancel.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.erase)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        layout.addWidget(text_label(f"Erase {client.pseudonym}?", "title"))
        layout.addWidget(text_label(ERASE_WARNING.format(name=client.pseudonym), selectable=True))
        layout.addWidget(text_label(f"To confirm, type the pseudonym: {client.pseudonym}"))
        layout.addWidget(self.typed)
        layout.addLayout(buttons)
        self.typed.textChanged.connect(self._update)
        self.typed.returnPressed.connect(self._on_erase)
        self.erase.clicked.connect(self._on_erase)
        cancel.clicked.connect(self.reject)
        self.resize(520, self.sizeHint().height())

    def _matches(self) -> bool:
        return " ".join(self.typed.text().split()) == self.client.pseudonym

    def _update(self) -> None:
        self.erase.setEnabled(self._matches())

    def _on_erase(self) -> None:
        if self._matches():
            self.accept()
            self.confirmed.emit(self.client.client_id)
