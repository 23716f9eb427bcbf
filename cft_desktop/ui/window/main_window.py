"""The main window: library, player and side panels, wired to one `Playback` controller.

Owns the layout, the keyboard shortcuts (Space play/pause, Esc stop, ←/→ phrase), the tab order,
the calm sound-output banner, applying display preferences and remembering them. Views emit
intents; this window turns them into calls on `Playback` (which owns Session and Engine) and
forwards the results back to the views. It also exposes the hooks other features connect to:

* ``session_finished(float)`` — a practice ended; the fraction of it heard (1.0 = to the end,
  less when stopped). Emitted for every practice that began to sound, including Ground me.
* ``practice_finished(str, float)`` — the same moment, with the practice id (e.g. for ratings).
* ``practice_started(str)`` — a practice's sound began.
* ``grounding_started(str, float)`` — Ground me interrupted a practice: its id ('' if none) and the
  fraction heard. The interrupted practice does *not* also emit ``session_finished``, so nothing
  (such as a rating) pops up over the grounding exercise.

GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING

# `QtCore.Qt.…` rather than importing `Qt`: importing it builds all of the namespace's enums
# (18 ms), which would come before the first frame; this way `build` pays it, after the frame.
from PySide6 import QtCore
from PySide6.QtCore import QEvent, QSize, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cft_desktop import paths
from cft_desktop.lazy import Lazy
from cft_desktop.ui.common.conventions import key_text
from cft_desktop.ui.common.messages import WINDOW_TITLE, show_calm_message
from cft_desktop.ui.common.settings import DisplayPrefs, Settings
from cft_desktop.ui.common.states import IDLE, PAUSED, PLAYING, PREPARING
from cft_desktop.ui.common.theme import apply_theme, check_box_palette, palette_named, point_size

# The parts inside the frame are imported by `MainWindow.build`, which `cft-desktop` runs once the
# empty frame is on screen; importing them here would put them all before the first frame.
if TYPE_CHECKING:
    from cft_desktop.core.library import Entry, Library
    from cft_desktop.core.pacing import Pacing
    from cft_desktop.core.script import Script
    from cft_desktop.sound.mixer import SoundAssets
    from cft_desktop.sound.settings import MixSettings
    from cft_desktop.voice.narrator import Narrator

DEFAULT_SIZE = (1220, 780)


class SidePanel(QScrollArea):
    """Scrolls up and down, never sideways: always at least as wide as its content needs.

    Reported through the size hints (not a fixed minimum) so it follows text size and style
    changes by itself, and the splitter keeps the room for it.
    """

    def minimumSizeHint(self) -> QSize:
        inner = self.widget()
        width = inner.minimumSizeHint().width() if inner is not None else 0
        return QSize(width + self.verticalScrollBar().sizeHint().width() + 2, 160)

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint().expandedTo(QSize(0, 600))


class SoundBanner(QFrame):
    """A calm notice at the top of the window: no sound output, and what to check."""

    check_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner")
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Sound output notice")
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setToolTip("About sound output. You can select and copy this text.")
        self.check = QPushButton("Check again")
        self.check.setAccessibleName("Check for sound output again")
        self.check.setToolTip("Look again for speakers or headphones, e.g. after plugging them in.")
        self.dismiss = QPushButton("Hide")
        self.dismiss.setAccessibleName("Hide this notice")
        self.dismiss.setToolTip("Hide this notice. Everything else keeps working.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.check, 0, QtCore.Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.dismiss, 0, QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.check.clicked.connect(self.check_requested)
        self.dismiss.clicked.connect(self.hide)
        self.hide()

    def show_message(self, message: str) -> None:
        self.label.setText(message)
        self.setAccessibleDescription(message)
        self.show()

    def text(self) -> str:
        return self.label.text()


# Long enough for the first frames to be painted before background loading competes for the CPU.
STARTUP_SETTLE_MS = 200


class MainWindow(QMainWindow):
    """The window. Made as an empty frame (title, theme, remembered size), then `build` fills it.

    `build_window` builds at once (tests, scripted use). `cft-desktop` shows the frame first and
    builds right after its first frame is painted (`app.open_window`), so the person sees the
    window in less than half the time it takes to build everything.
    """

    session_finished = Signal(float)
    practice_started = Signal(str)
    practice_finished = Signal(str, float)
    grounding_started = Signal(str, float)

    def __init__(
        self,
        library: Library | Callable[[], Library],
        narrator: Narrator | Lazy[Narrator],
        assets: SoundAssets | Lazy[SoundAssets],
        settings: Settings,
        check_sound: bool = True,
        parent: QWidget | None = None,
        *,
        build_now: bool = True,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self._parts = (library, narrator, assets)
        self._check_sound = check_sound
        self._first_show_done = False
        self._closed = False
        self.built = False
        self._when_built: list[Callable[[], None]] = []
        # Asked before Play starts a practice; True = it will start it itself (`set_before_practice`).
        self._before_practice: Callable[[Script], bool] | None = None
        self.setWindowTitle(WINDOW_TITLE)
        # The frame opens at its remembered size, so filling it later moves nothing.
        geometry = settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)
        if build_now:
            self.build()

    # -- construction ---------------------------------------------------------------------------

    def build(self) -> None:
        """Everything inside the frame: the library, the player, the panels, menus and shortcuts."""
        if self.built or self._closed:
            return
        from cft_desktop.core.library import Library
        from cft_desktop.keep_awake import KeepAwake
        from cft_desktop.sound.settings import available_beds
        from cft_desktop.ui.player.playback import Playback
        from cft_desktop.ui.scripts.actions import ScriptEditing

        library, narrator, assets = self._parts
        self.library = library if isinstance(library, Library) else library()
        self.playback = Playback(narrator, assets, self)
        self.keep_awake = KeepAwake()
        # Lazy assets are not loaded yet: offer the beds whose files are there (no file is read).
        beds = available_beds(paths.audio_dir()) if isinstance(assets, Lazy) else list(assets.beds)
        self._setup_ui(sorted(beds))
        self._setup_shortcuts()
        self._connect_signals()
        self.script_editing = ScriptEditing(self)  # Scripts menu: edit a copy, new, import, export
        self._setup_view_menu()
        self.apply_display(self.pacing_panel.display())
        self._restore()
        self.built = True
        for callback in self._when_built:
            callback()
        self._when_built.clear()
        if self.isVisible():
            self._start_background_work()

    def when_built(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the window is built: now if it is, else straight after `build`."""
        if self.built:
            callback()
        else:
            self._when_built.append(callback)

    def _setup_ui(self, beds: list[str]) -> None:
        from cft_desktop.ui.library.library_view import LibraryView
        from cft_desktop.ui.panels.pacing_panel import PacingPanel
        from cft_desktop.ui.player.player_view import PlayerView

        self.banner = SoundBanner()
        self.library_view = LibraryView(self.library)
        self.library_view.setMinimumWidth(230)
        self.player_view = PlayerView()
        self.pacing_panel = PacingPanel(
            self.settings.pacing(), self.settings.mix(), self.settings.display(),
            beds, settings=self.settings,
        )
        side = SidePanel()
        side.setWidget(self.pacing_panel)
        side.setWidgetResizable(True)
        side.setFrameShape(QFrame.Shape.NoFrame)
        side.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.side_panel = side

        splitter = QSplitter(QtCore.Qt.Orientation.Horizontal)
        splitter.addWidget(self.library_view)
        splitter.addWidget(self.player_view)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([330, 560, 330])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self._set_tab_order()

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [self.library_view.list, *self.player_view.focus_chain(),
                                *self.pacing_panel.focus_chain(), self.banner.check,
                                self.banner.dismiss]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _setup_shortcuts(self) -> None:
        context = QtCore.Qt.ShortcutContext.WindowShortcut
        self._shortcuts: dict[str, QShortcut] = {}
        for name, key, slot in (
            ("space", QtCore.Qt.Key.Key_Space, self._on_space_shortcut),
            ("stop", QtCore.Qt.Key.Key_Escape, self.stop),
            ("previous", QtCore.Qt.Key.Key_Left, self.previous_phrase),
            ("next", QtCore.Qt.Key.Key_Right, self.next_phrase),
        ):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)
            self._shortcuts[name] = shortcut

    def _setup_view_menu(self) -> None:
        """View: hide the practice list or the side panel, or go full screen, for a larger pacer.

        Ground me and the player are never hidden; the menu bar stays in full screen, so the way
        back is always in sight.
        """
        menu = self.menuBar().addMenu("&View")
        menu.setToolTipsVisible(True)
        self.view_menu = menu

        def toggle(text: str, key: QKeySequence | str, tip: str) -> QAction:
            action = QAction(text, self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(tip)
            menu.addAction(action)
            return action

        self.library_action = toggle(
            "Practice &list", "Ctrl+1",
            f"Show or hide the list of practices ({key_text('Ctrl+1')}). Hidden, the pacer gets its "
            "room.")
        self.panel_action = toggle(
            "&Pacing and sound", "Ctrl+2",
            f"Show or hide the pacing and sound settings ({key_text('Ctrl+2')}). Hidden, the pacer "
            "gets its room.")
        menu.addSeparator()
        self.full_screen_action = toggle(
            "&Full screen", QKeySequence.StandardKey.FullScreen,
            f"Fill the screen with CFT Desktop ({key_text(QKeySequence.StandardKey.FullScreen)}); "
            "the same again to go back.")
        library_shown, panel_shown = self.settings.shown_parts()
        self.library_action.setChecked(library_shown)
        self.panel_action.setChecked(panel_shown)
        self.library_view.setVisible(library_shown)
        self.side_panel.setVisible(panel_shown)
        self.library_action.toggled.connect(
            lambda shown: self._show_part(self.library_view, shown))
        self.panel_action.toggled.connect(lambda shown: self._show_part(self.side_panel, shown))
        self.full_screen_action.toggled.connect(self._set_full_screen)

    def _show_part(self, part: QWidget, shown: bool) -> None:
        focus = QApplication.focusWidget()
        had_focus = focus is not None and (focus is part or part.isAncestorOf(focus))
        part.setVisible(shown)
        if had_focus and not shown:
            # Focus must not stay on a hidden widget, or the keyboard seems to stop working.
            chain = self.player_view.focus_chain()
            next((w for w in chain if w.isEnabled()), self.player_view.ground).setFocus()

    @Slot(bool)
    def _set_full_screen(self, full: bool) -> None:
        if full:
            self.showFullScreen()
        else:
            self.showNormal()

    def _connect_signals(self) -> None:
        lib, player, panel, playback = (self.library_view, self.player_view, self.pacing_panel,
                                        self.playback)
        lib.selected.connect(self._on_library_selected)
        lib.activated.connect(self._on_library_activated)
        player.play_requested.connect(self.play)
        player.pause_requested.connect(self.pause)
        player.stop_requested.connect(self.stop)
        player.previous_requested.connect(self.previous_phrase)
        player.next_requested.connect(self.next_phrase)
        player.ground_requested.connect(self.ground_me)
        panel.pacing_changed.connect(self._on_panel_pacing_changed)
        panel.mix_changed.connect(self._on_panel_mix_changed)
        panel.display_changed.connect(self._on_panel_display_changed)
        playback.state_changed.connect(self._on_playback_state_changed)
        # Direct listeners, not signals: these run 60 times a second (see playback.py on why).
        playback.add_position_listener(self._on_playback_position)
        playback.add_preparation_listener(player.show_preparation)
        playback.started.connect(self.practice_started)
        playback.finished.connect(self._on_playback_finished)
        playback.device_missing.connect(self.banner.show_message)
        playback.device_found.connect(self.banner.hide)
        playback.failed.connect(self._on_playback_failed)
        self.banner.check_requested.connect(self._on_banner_check_requested)

    def _restore(self) -> None:
        last = self.settings.last_practice()
        if not (last and self.library_view.select(last)):
            self.library_view.select_first()
        self._on_library_selected_entry(self.library_view.current_entry())
        if self.library_action.isChecked():
            self.library_view.list.setFocus()
        else:
            self.player_view.play.setFocus()

    # -- public actions (the shortcuts and buttons call these; tests may too) ---------------------

    @Slot()
    def play(self) -> None:
        """Start the chosen practice, or continue the paused one."""
        entry = self.library_view.current_entry()
        state = self.playback.state
        if state in (PLAYING, PREPARING):
            return
        if state == PAUSED:
            if entry is None or entry.script is None or entry.id == self.playback.practice_id:
                self.playback.resume()
                return
            self.playback.stop()  # a different practice was chosen while paused
        if entry is None or entry.script is None:
            return
        if self._before_practice is not None and self._before_practice(entry.script):
            return  # e.g. the before-rating form opens first and starts the practice itself
        self.start_practice(entry.script)

    @Slot()
    def pause(self) -> None:
        self.playback.pause()

    @Slot()
    def toggle_play(self) -> None:
        if self.playback.state in (PLAYING, PREPARING):
            self.pause()
        else:
            self.play()

    @Slot()
    def stop(self) -> None:
        self.playback.stop()

    @Slot()
    def previous_phrase(self) -> None:
        self.playback.step_phrase(forward=False)

    @Slot()
    def next_phrase(self) -> None:
        self.playback.step_phrase(forward=True)

    @Slot()
    def ground_me(self) -> None:
        """Fade the practice out and play the short eyes-open grounding practice instead."""
        interrupted = self.playback.stop(emit_finished=False)
        practice, heard = interrupted if interrupted is not None else ("", 0.0)
        self.grounding_started.emit(practice, heard)
        from cft_desktop.core.grounding import grounding_script

        self.start_practice(grounding_script(self.library))

    def set_before_practice(self, gate: Callable[[Script], bool] | None) -> None:
        """What Play asks first (the ratings' consent and before form); True means the gate
        starts the practice itself, later. None: Play starts at once."""
        self._before_practice = gate

    def start_practice(self, script: Script, from_line: int = 0) -> None:
        from cft_desktop.core.library import Entry

        self.player_view.show_practice(Entry(script.source, builtin=True, script=script))
        self.playback.start(script, self.pacing_panel.pacing(), self.pacing_panel.mix(), from_line)

    def apply_display(self, prefs: DisplayPrefs) -> None:
        palette = palette_named(prefs.theme)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, palette, prefs.large_text)
        self.library_view.set_palette(palette)
        self.library_view.relayout()
        self.pacing_panel.set_labels_above(prefs.large_text)
        boxes = check_box_palette(palette)
        for box in self.findChildren(QCheckBox):
            box.setPalette(boxes)
        self.player_view.apply_display(palette, point_size(prefs.large_text), prefs.pacer_colour,
                                       prefs.reduced_motion)
        self.player_view.set_caption_visible(prefs.caption_visible)
        self.side_panel.updateGeometry()
        # Once the new sizes are known, give width the side panel no longer needs to the player.
        QTimer.singleShot(0, self._fit_side_panel)

    def _fit_side_panel(self) -> None:
        needed = self.side_panel.minimumSizeHint().width()
        library, player, side = self.splitter.sizes()
        if side != needed and player > 0:
            self.splitter.setSizes([library, max(0, player + side - needed), needed])

    # -- Qt events ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.built:
            self._start_background_work()

    def _start_background_work(self) -> None:
        if self._first_show_done:
            return
        self._first_show_done = True
        # Once the window is up: the sound side (numpy, pydub, the voice) loads on a worker, and
        # PortAudio is asked for a device; doing either before showing tripled the start-up time.
        QTimer.singleShot(STARTUP_SETTLE_MS, self.playback.preload)
        if self._check_sound:
            QTimer.singleShot(STARTUP_SETTLE_MS + 100, self.playback.check_sound_output)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange and hasattr(self, "full_screen_action"):
            # The desktop can leave full screen by itself (a window manager key): keep the tick true.
            self.full_screen_action.blockSignals(True)
            self.full_screen_action.setChecked(self.isFullScreen())
            self.full_screen_action.blockSignals(False)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set_geometry(self.saveGeometry())
        if not self.built:  # closed before it was filled: nothing else has changed
            self._closed = True
            self.settings.sync()
            super().closeEvent(event)
            return
        self.settings.set_shown_parts(self.library_action.isChecked(),
                                      self.panel_action.isChecked())
        entry = self.library_view.current_entry()
        if entry is not None and entry.ok:
            self.settings.set_last_practice(entry.id)
        self.settings.set_pacing(self.pacing_panel.pacing())
        self.settings.set_mix(self.pacing_panel.mix())
        self.settings.set_display(self.pacing_panel.display())
        self.settings.sync()
        self.playback.shutdown()
        self.keep_awake.close()
        super().closeEvent(event)

    # -- slots ----------------------------------------------------------------------------------

    @Slot()
    def _on_space_shortcut(self) -> None:
        # A window-wide Space would otherwise swallow Space meant for a focused button or box.
        focus = QApplication.focusWidget()
        if isinstance(focus, QAbstractButton) and focus.isEnabled() and focus.window() is self:
            focus.click()
        elif isinstance(focus, QComboBox) and focus.window() is self:
            focus.showPopup()
        else:
            self.toggle_play()

    @Slot(str)
    def _on_library_selected(self, key: str) -> None:
        self._on_library_selected_entry(self.library_view.entry(key))

    def _on_library_selected_entry(self, entry: Entry | None) -> None:
        self.player_view.set_can_play(entry is not None and entry.ok)
        if self.playback.state == IDLE:
            self.player_view.show_practice(entry)
        if entry is not None and entry.ok:
            self.settings.set_last_practice(entry.id)

    @Slot(str)
    def _on_library_activated(self, key: str) -> None:
        if self.playback.state in (PLAYING, PREPARING) and key == self.playback.practice_id:
            return
        if self.playback.state != IDLE and key != self.playback.practice_id:
            self.playback.stop()
        self.play()

    @Slot(object)
    def _on_panel_pacing_changed(self, pacing: Pacing) -> None:
        self.playback.change_pacing(pacing)
        self.settings.set_pacing(pacing)

    @Slot(object)
    def _on_panel_mix_changed(self, mix: MixSettings) -> None:
        self.playback.change_mix(mix)
        self.settings.set_mix(mix)

    @Slot(object)
    def _on_panel_display_changed(self, prefs: DisplayPrefs) -> None:
        self.apply_display(prefs)
        self.settings.set_display(prefs)

    @Slot(str)
    def _on_playback_state_changed(self, state: str) -> None:
        self.player_view.set_state(state)
        # Screen on and no sleep while sound plays (USERS.md: sessions cut off by the screensaver);
        # paused or stopped, the desktop's own settings apply again.
        if state == PLAYING:
            self.keep_awake.hold("A guided practice is playing")
        else:
            self.keep_awake.release()
        if state == IDLE:
            self.player_view.hide_preparation()
            self.player_view.show_practice(self.library_view.current_entry())

    def _on_playback_position(self, frame: int) -> None:
        session = self.playback.session
        if session is not None:
            self.player_view.show_position(session.timeline, frame)

    @Slot(str, float)
    def _on_playback_finished(self, practice: str, heard: float) -> None:
        self.practice_finished.emit(practice, heard)
        self.session_finished.emit(heard)

    @Slot(str)
    def _on_playback_failed(self, message: str) -> None:
        self._last_dialog = show_calm_message(self, message)

    @Slot()
    def _on_banner_check_requested(self) -> None:
        self.playback.check_sound_output(reinitialise=True)
