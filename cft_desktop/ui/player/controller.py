"""The practice controller: the library, the player view and the side panel, wired to `Playback`.

Owns what happens between choosing a practice and hearing it: Play (asking the gate first, e.g.
the ratings' consent and before form), pause, stop, phrase steps, Ground me, live pacing and
sound changes, applying display preferences, keeping the screen awake while sound plays, and
remembering the last practice, the pacing, the sound and the display when the window closes. It
is the one place the window's features connect to for a practice's life:

* ``session_finished(float)`` — a practice ended; the fraction of it heard (1.0 = to the end,
  less when stopped). Emitted for every practice that began to sound, including Ground me.
* ``practice_finished(str, float)`` — the same moment, with the practice id (e.g. for ratings).
* ``practice_started(str)`` — a practice's sound began.
* ``grounding_started(str, float)`` — Ground me interrupted a practice: its id ('' if none) and the
  fraction heard. The interrupted practice does *not* also emit ``session_finished``, so nothing
  (such as a rating) pops up over the grounding exercise.

Views emit intents; this object turns them into calls on `Playback` (which owns Session and
Engine) and hands the results back to the views. GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QAbstractButton, QApplication, QCheckBox, QMessageBox

from cft_desktop.core.library import Entry, Library
from cft_desktop.keep_awake import KeepAwake
from cft_desktop.ui.common.messages import show_calm_message
from cft_desktop.ui.common.settings import DisplayPrefs, Settings
from cft_desktop.ui.common.states import IDLE, PAUSED, PLAYING, PREPARING
from cft_desktop.ui.common.theme import apply_theme, check_box_palette, palette_named, point_size
from cft_desktop.ui.player.dimmer import Dimmer, sleep_dim_at

if TYPE_CHECKING:
    from cft_desktop.core.pacing import Pacing
    from cft_desktop.core.script import Script
    from cft_desktop.sound.settings import MixSettings
    from cft_desktop.ui.common.actions import Actions
    from cft_desktop.ui.library.library_view import LibraryView
    from cft_desktop.ui.panels.pacing_panel import PacingPanel
    from cft_desktop.ui.player.playback import Playback
    from cft_desktop.ui.player.player_view import PlayerView
    from cft_desktop.ui.window.main_window import MainWindow

# The practice list's width with large text (the window's usual one is 330 px).
LARGE_TEXT_LIST_PX = 280
# Long enough for the first frames to be painted before background loading competes for the CPU.
STARTUP_SETTLE_MS = 200


class PracticeController(QObject):
    """Play, pause, stop, steps and Ground me for one window; see the module docstring."""

    session_finished = Signal(float)
    practice_started = Signal(str)
    practice_finished = Signal(str, float)
    grounding_started = Signal(str, float)

    def __init__(
        self,
        window: MainWindow,
        library: Library,
        library_view: LibraryView,
        player_view: PlayerView,
        pacing_panel: PacingPanel,
        playback: Playback,
        settings: Settings,
        actions: Actions,
        check_sound: bool = True,
    ) -> None:
        super().__init__(window)
        self.setObjectName("practice-controller")
        self.window = window
        self.library = library
        self.library_view = library_view
        self.player_view = player_view
        self.pacing_panel = pacing_panel
        self.playback = playback
        self.settings = settings
        self.keep_awake = KeepAwake()
        self._check_sound = check_sound
        self._background_started = False
        # Asked before Play starts a practice; True = it will start it itself (`set_before_practice`).
        self._before_practice: Callable[[Script], bool] | None = None
        self._showing_grounding = False
        self._last_dialog: QMessageBox | None = None
        self.last_voice_note = ""
        self.dimmer = Dimmer(window)
        self._connect()
        self._declare_shortcuts(actions)
        window.shown.connect(self._start_background_work)
        window.closing.connect(self._on_window_closing)

    def _connect(self) -> None:
        lib, player, panel, playback = (self.library_view, self.player_view, self.pacing_panel,
                                        self.playback)
        lib.selected.connect(self._on_library_selected)
        lib.activated.connect(self._on_library_activated)
        # Looked up when they fire, not when connected, so a feature (or a test) that replaces
        # one of these methods on this object is the one that runs.
        player.play_requested.connect(lambda: self.play())
        player.pause_requested.connect(lambda: self.pause())
        player.stop_requested.connect(lambda: self.stop())
        player.previous_requested.connect(lambda: self.previous_phrase())
        player.next_requested.connect(lambda: self.next_phrase())
        player.ground_requested.connect(lambda: self.ground_me())
        panel.pacing_changed.connect(self._on_panel_pacing_changed)
        panel.mix_changed.connect(self._on_panel_mix_changed)
        panel.display_changed.connect(self._on_panel_display_changed)
        panel.voice_changed.connect(self.settings.set_voice)
        playback.voice_note.connect(self._on_voice_note)
        playback.state_changed.connect(self._on_playback_state_changed)
        # Direct listeners, not signals: these run 60 times a second (see playback.py on why).
        playback.add_position_listener(self._on_playback_position)
        playback.add_preparation_listener(player.show_preparation)
        playback.started.connect(self.practice_started)
        playback.finished.connect(self._on_playback_finished)
        playback.device_missing.connect(self.window.banner.show_message)
        playback.device_found.connect(self.window.banner.hide)
        playback.failed.connect(self._on_playback_failed)
        self.window.banner.check_requested.connect(self._on_banner_check_requested)

    def _declare_shortcuts(self, actions: Actions) -> None:
        """Space play/pause, Esc stop, ←/→ phrase: window-wide, in no menu (the buttons show them)."""
        key = QtCore.Qt.Key
        for name, text, keys, slot in (
            ("practice.play_pause", "Play or pause", key.Key_Space, self._on_space_shortcut),
            ("practice.stop", "Stop", key.Key_Escape, lambda: self.stop()),
            ("practice.previous", "Previous phrase", key.Key_Left, lambda: self.previous_phrase()),
            ("practice.next", "Next phrase", key.Key_Right, lambda: self.next_phrase()),
        ):
            actions.add(name, text, text, slot, keys=keys)

    def _on_space_shortcut(self) -> None:
        # A window-wide Space would otherwise swallow Space meant for a focused button or box.
        focus = QApplication.focusWidget()
        # A drop-down is not a button: there Space plays or pauses, as everywhere but a button,
        # a tick box or a text field (issue 17 §4); Alt+↓ opens a drop-down.
        if isinstance(focus, QAbstractButton) and focus.isEnabled() and focus.window() is self.window:
            focus.click()
        else:
            self.toggle_play()

    def restore(self) -> None:
        """Choose the remembered practice (or the first) and put the focus where work starts."""
        last = self.settings.last_practice()
        if not (last and self.library_view.select(last)):
            self.library_view.select_first()
        self._on_library_selected_entry(self.library_view.current_entry())
        # From the settings, not the widget: in a window already on screen, a part just laid out
        # is shown only by a later event, so the widget cannot say yet.
        if self.settings.shown_parts()[0]:
            self.library_view.list.setFocus()
        else:
            self.player_view.play.setFocus()

    # -- public actions (the shortcuts and buttons call these; other features and tests may too) --

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
        from cft_desktop.core.grounding import GROUND_ME_ID, grounding_script

        # The list shows what plays now, not the practice it interrupted (issue 17 §3); the
        # choice is not remembered, so the next start offers the practice chosen before.
        self._showing_grounding = True
        try:
            if not self.library_view.select(GROUND_ME_ID):
                self.library_view.list.setCurrentRow(-1)
        finally:
            self._showing_grounding = False
        self.start_practice(grounding_script(self.library))

    def choose(self, practice_id: str) -> bool:
        """Make `practice_id` the chosen practice in the list (e.g. "Next in your plan")."""
        if not self.library_view.select(practice_id):
            return False
        self.library_view.list.setFocus()
        return True

    def set_before_practice(self, gate: Callable[[Script], bool] | None) -> None:
        """What Play asks first (the ratings' consent and before form); True means the gate
        starts the practice itself, later. None: Play starts at once."""
        self._before_practice = gate

    def start_practice(self, script: Script, from_line: int = 0) -> None:
        self.player_view.show_practice(Entry(script.source, builtin=True, script=script))
        self.playback.start(script, self.pacing_panel.pacing(), self.pacing_panel.mix(), from_line,
                            self.pacing_panel.voice_name())

    def apply_display(self, prefs: DisplayPrefs) -> None:
        palette = palette_named(prefs.theme)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, palette, prefs.large_text)
        self.library_view.set_palette(palette)
        self.library_view.relayout()
        self.pacing_panel.set_labels_above(prefs.large_text)
        boxes = check_box_palette(palette)
        for box in self.window.findChildren(QCheckBox):
            box.setPalette(boxes)
        self.player_view.apply_display(palette, point_size(prefs.large_text), prefs.pacer_colour,
                                       prefs.reduced_motion)
        self.player_view.set_caption_visible(prefs.caption_visible)
        # With large text the list's rows wrap more; the player keeps the width its one-line
        # safety note and its caption need, so the pacer keeps its size (issue 17 §2).
        self.window.refit_side_panel(LARGE_TEXT_LIST_PX if prefs.large_text else None)

    # -- the window's life ----------------------------------------------------------------------

    @Slot()
    def _start_background_work(self) -> None:
        if self._background_started:
            return
        self._background_started = True
        # Once the window is up: the sound side (numpy, pydub, the voice) loads on a worker, and
        # PortAudio is asked for a device; doing either before showing tripled the start-up time.
        QTimer.singleShot(STARTUP_SETTLE_MS, self.playback.preload)
        if self._check_sound:
            QTimer.singleShot(STARTUP_SETTLE_MS + 100, self.playback.check_sound_output)

    @Slot()
    def _on_window_closing(self) -> None:
        entry = self.library_view.current_entry()
        if entry is not None and entry.ok and not self._showing_grounding:
            self.settings.set_last_practice(entry.id)
        self.settings.set_pacing(self.pacing_panel.pacing())
        self.settings.set_mix(self.pacing_panel.mix())
        self.settings.set_display(self.pacing_panel.display())
        self.playback.shutdown()
        self.keep_awake.close()

    # -- slots ----------------------------------------------------------------------------------

    @Slot(str)
    def _on_library_selected(self, key: str) -> None:
        self._on_library_selected_entry(self.library_view.entry(key))

    def _on_library_selected_entry(self, entry: Entry | None) -> None:
        self.player_view.set_can_play(entry is not None and entry.ok)
        if self.playback.state == IDLE:
            self.player_view.show_practice(entry)
        if entry is not None and entry.ok and not self._showing_grounding:
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
        session = self.playback.session
        if state == PAUSED or (state == PLAYING and (session is None
                                                     or session.script.ending != "sleep")):
            # Paused: the person is awake and sees the window again; any other practice
            # (Ground me after a sleep practice, say) plays in a clear window.
            self.dimmer.clear()
        if state == IDLE:
            self.player_view.hide_preparation()
            self.player_view.show_practice(self.library_view.current_entry())

    def _on_playback_position(self, frame: int) -> None:
        session = self.playback.session
        if session is not None:
            self.player_view.show_position(session.timeline, frame)
            if session.script.ending == "sleep":
                timeline = session.timeline
                self.dimmer.set_level(sleep_dim_at(frame, timeline.total_frames,
                                                   timeline.sample_rate))

    @Slot(str, float)
    def _on_playback_finished(self, practice: str, heard: float) -> None:
        # A sleep practice heard to its end leaves the window dark until it is touched;
        # stopped part-way, the person is awake and the veil goes.
        if heard >= 1.0:
            self.dimmer.hold_until_touched()
        else:
            self.dimmer.clear()
        self.practice_finished.emit(practice, heard)
        self.session_finished.emit(heard)

    @Slot(str)
    def _on_voice_note(self, message: str) -> None:
        # Said before the practice starts, where it does not interrupt: the status line.
        self.last_voice_note = message
        self.window.statusBar().show()
        self.window.statusBar().showMessage(message, 15_000)

    @Slot(str)
    def _on_playback_failed(self, message: str) -> None:
        self._last_dialog = show_calm_message(self.window, message)

    @Slot()
    def _on_banner_check_requested(self) -> None:
        self.playback.check_sound_output(reinitialise=True)
