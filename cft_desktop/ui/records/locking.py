"""Unlocking the ratings and locking them again: the passphrase prompt, the idle lock, and the
passphrase and lock-delay settings.

Owns the idle timer (restarted by any key, click, move, wheel or touch anywhere in the app, seen
through an event filter on the QApplication, which runs only while a lock delay is set), locking
(closing the store, the open forms and dialogs, then asking for the passphrase), and putting a
lock off while a practice and its rating are under way (it follows when they end). Without a
passphrase there is nothing to lock, so the timer only runs with one. GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from cft_desktop.errors import CftError, StoreError, WrongPassphraseError
from cft_desktop.store.records import Records
from cft_desktop.ui.common.states import IDLE

if TYPE_CHECKING:
    from cft_desktop.ui.records.controller import RecordsController
    from cft_desktop.ui.records.views.passphrase import PrivacyDialog, UnlockDialog

LOCKED_NOTE = "Ratings are locked. Practices play as usual."
# What counts as someone using the computer, for the idle lock.
_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin,
})


class Locking(QObject):
    """The passphrase and the idle lock of one window's ratings."""

    def __init__(self, hub: RecordsController) -> None:
        super().__init__(hub)
        self.hub = hub
        self._lock_after_practice = False
        self._filtering = False
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        # Precise: a coarse timer may drift by 5 %, i.e. 30 s of a 10-minute lock.
        self.idle_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.idle_timer.timeout.connect(self.on_idle_timeout)

    def ask_unlock(self, after_idle: bool = False) -> None:
        from cft_desktop.ui.records.views.passphrase import UnlockDialog

        if self.hub.records is not None:
            return
        if isinstance(self.hub.dialog, UnlockDialog):
            self.hub.dialog.raise_()
            return
        dialog = UnlockDialog(self.hub.window, locked_after_idle=after_idle)
        dialog.unlock_requested.connect(lambda passphrase: self._on_unlock(dialog, passphrase))
        dialog.not_now.connect(self.hub.refresh_status)
        self.hub.show_flow(dialog)

    def _on_unlock(self, dialog: UnlockDialog, passphrase: str) -> None:
        try:
            records = Records.open(self.hub.path, passphrase=passphrase)
        except WrongPassphraseError:
            dialog.show_wrong()
            return
        except StoreError as exc:
            dialog.show_wrong(str(exc))
            return
        dialog.finish()
        self.hub.adopt(records)

    def lock(self, after_idle: bool = False) -> bool:
        """Close the store and ask for the passphrase again; False if there is nothing to lock."""
        from cft_desktop.ui.records.views.check_in import CheckInDialog
        from cft_desktop.ui.records.views.consent import ConsentDialog
        from cft_desktop.ui.records.views.ratings_dialog import RatingDialog

        records = self.hub.records
        if records is None or not records.encrypted:
            return False
        self._lock_after_practice = False
        # The check-in stores nothing and is about safety: it stays open through a lock.
        if (isinstance(self.hub.dialog, RatingDialog | ConsentDialog)
                and not isinstance(self.hub.dialog, CheckInDialog)):
            self.hub.dialog.close_silently()
        self.hub.clear_waiting()
        self.hub.flow.on_locked()
        for dialog in (self.hub.history_dialog, self.hub.profiles_dialog, self.hub.side_dialog):
            if dialog is not None:
                dialog.close()
        self.hub.history_dialog = self.hub.profiles_dialog = self.hub.side_dialog = None
        records.close()
        self.idle_timer.stop()
        self.hub.set_off(LOCKED_NOTE)
        self.ask_unlock(after_idle)
        return True

    def restart_idle(self) -> None:
        records = self.hub.records
        minutes = 0
        if records is not None and records.encrypted:
            try:
                minutes = records.idle_lock_minutes()
            except StoreError:
                minutes = 0
        app = QApplication.instance()
        if minutes > 0:
            self.idle_timer.setInterval(minutes * 60_000)
            self.idle_timer.start()
            if not self._filtering and app is not None:
                app.installEventFilter(self)
                self._filtering = True
        else:
            self.idle_timer.stop()
            if self._filtering and app is not None:
                app.removeEventFilter(self)
                self._filtering = False

    def on_idle_timeout(self) -> None:
        """No input for the chosen time: lock, unless a practice is playing (then lock after)."""
        if self.hub.records is None:
            return
        if self.hub.playback.state != IDLE or self.hub.flow.busy:
            self._lock_after_practice = True
            return
        self.lock(after_idle=True)

    def maybe_deferred_lock(self) -> None:
        if (self._lock_after_practice and self.hub.dialog is None and not self.hub.flow.recording
                and self.hub.playback.state == IDLE):
            self.lock(after_idle=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self.idle_timer.isActive():
            self.idle_timer.start()
        return False

    def stop(self) -> None:
        """The window is closing: stop watching input."""
        app = QApplication.instance()
        if self._filtering and app is not None:
            app.removeEventFilter(self)
            self._filtering = False
        self.idle_timer.stop()

    def show_privacy(self) -> PrivacyDialog | None:
        from cft_desktop.ui.records.views.passphrase import PrivacyDialog

        records = self.hub.records
        if records is None:
            return None
        try:
            minutes = records.idle_lock_minutes()
        except StoreError as exc:
            self.hub.store_failed(exc)
            return None
        dialog = PrivacyDialog(records.encrypted, minutes, self.hub.window)
        dialog.change_requested.connect(lambda current, new: self._change_passphrase(dialog, current, new))
        dialog.lock_minutes_changed.connect(self._set_lock_minutes)
        self.hub.open_side(dialog)
        return dialog

    def _change_passphrase(self, dialog: PrivacyDialog, current: str | None, new: str | None) -> None:
        records = self.hub.records
        if records is None:
            return
        try:
            records.change_passphrase(current, new)
        except WrongPassphraseError:
            dialog.show_message("The current passphrase is not right, so nothing was changed.")
            return
        except CftError as exc:
            dialog.show_message(f"Nothing was changed. {exc}")
            return
        dialog.clear_fields()
        dialog.accept()
        self.hub.calm("Your ratings are now locked with the new passphrase." if new else
                   "The passphrase was removed. Your ratings are stored without one.",
                   "Keep the passphrase somewhere safe: without it the ratings cannot be opened."
                   if new else "")
        self.hub.refresh_status()
        self.restart_idle()

    def _set_lock_minutes(self, minutes: int) -> None:
        if self.hub.records is None:
            return
        try:
            self.hub.records.set_idle_lock_minutes(minutes)
        except StoreError as exc:
            self.hub.store_failed(exc)
            return
        self.restart_idle()

