"""The main window's "Scripts" actions: edit a copy, edit, new, import and export, and the editors
they open; "Save as audio…" is here too, its flow in `ui.scripts.take_home`.

Owns the glue between script editors (`ui.editor.editor.ScriptEditor`) and the main window: the "Scripts"
menu (also the library's context menu), opening editors, importing and exporting ``.md`` files,
reloading the library after a save or import (and refreshing an open editor whose file an import
replaced), telling the editor whose "Play from here" is playing how it is doing, and asking every
editor before the main window closes. The editor module, YAML and the
user-scripts rules are imported on first use: the menu is built at start-up, the editor is opened
rarely. Questions and notices go through `ui.editor.editor.ask` / `ui.editor.editor.inform`, looked up at call
time so tests can answer them. GUI thread only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from cft_desktop.core.library import Entry, Library
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.script import Script, parse_text
from cft_desktop.errors import ScriptErrors
from cft_desktop.ui.common.states import IDLE
from cft_desktop.ui.common.theme import palette_named
from cft_desktop.ui.scripts.take_home import TakeHome

if TYPE_CHECKING:
    from cft_desktop.core.user_scripts import ImportMode
    from cft_desktop.ui.common.actions import Actions
    from cft_desktop.ui.editor.editor import ScriptEditor
    from cft_desktop.ui.library.library_view import LibraryView
    from cft_desktop.ui.panels.pacing_panel import PacingPanel
    from cft_desktop.ui.player.controller import PracticeController
    from cft_desktop.ui.player.playback import Playback

SCRIPTS_MENU = "&Scripts"



class ScriptEditing(QObject):
    """The "Scripts" actions of the main window and the editors they open."""

    def __init__(self, window: QMainWindow, actions: Actions, library: Library,
                 library_view: LibraryView, pacing_panel: PacingPanel, playback: Playback,
                 practice: PracticeController) -> None:
        super().__init__(window)
        self.window = window
        self.library = library
        self.library_view = library_view
        self.pacing_panel = pacing_panel
        self.playback = playback
        self.practice = practice
        self.editors: dict[str, ScriptEditor] = {}
        # The editor whose "Play from here" is playing, the text it gave and the line: the
        # editor shows that it plays until the playback ends or another practice replaces it.
        self._playing_from: tuple[ScriptEditor, Script, int] | None = None
        playback.state_changed.connect(self._on_playback_state_changed)
        self.last_message: QMessageBox | None = None
        # Before this object's own filter is installed, so a close refused here (an editor with
        # unsaved changes) never reaches it and cancels a save.
        self.take_home = TakeHome(window, library_view, pacing_panel, playback)
        self._setup_actions(actions)
        library_view.selected.connect(self._on_library_selected)
        pacing_panel.pacing_changed.connect(self._on_panel_pacing_changed)
        pacing_panel.display_changed.connect(self._on_panel_display_changed)
        window.installEventFilter(self)
        self._update_actions()

    @property
    def user_dir(self) -> Path:
        if self.library.user_dir is None:
            raise ValueError("the library has no folder for user scripts")
        return self.library.user_dir

    def _setup_actions(self, actions: Actions) -> None:
        menu = SCRIPTS_MENU
        self.edit_copy_action = actions.add(
            "scripts.edit_copy", "Edit a &copy…",
            "Open the chosen practice as your own copy to edit; the original stays as it is.",
            self.edit_copy, menu=menu, keys="Ctrl+E")
        self.edit_action = actions.add(
            "scripts.edit", "&Edit…", "Edit the chosen practice, if it is one of yours.",
            self.edit_own, menu=menu, keys="Ctrl+Shift+E")
        self.new_action = actions.add(
            "scripts.new", "&New practice", "Write a new practice from a short template.",
            self.new_practice, menu=menu, keys="Ctrl+N")
        actions.separator(menu)
        self.import_action = actions.add(
            "scripts.import", "&Import script…",
            "Add a practice from a .md script file, e.g. from another therapist. It is checked "
            "first.", self.import_dialog, menu=menu, keys="Ctrl+I")
        self.export_action = actions.add(
            "scripts.export", "E&xport script…", "Save the chosen practice as a .md file to share.",
            self.export_dialog, menu=menu, keys="Ctrl+Shift+S")
        self.save_audio_action = actions.add(
            "scripts.save_audio", "Save as &audio…",
            "Save the chosen practice as a sound file (MP3 for a phone) to take home, with the "
            "pacing and sound chosen on the right.",
            self.take_home.save_current, menu=menu, keys="Ctrl+Shift+A")
        self.menu = actions.menu(menu)
        library_list = self.library_view.list
        library_list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        library_list.addActions([self.edit_copy_action, self.edit_action, self.new_action,
                                 self.import_action, self.export_action, self.save_audio_action])

    # -- opening editors ------------------------------------------------------------------------

    def _current(self) -> Entry | None:
        return self.library_view.current_entry()

    @Slot()
    def edit_copy(self) -> ScriptEditor | None:
        from cft_desktop.core import user_scripts as us
        from cft_desktop.ui.editor import editor as ed

        entry = self._current()
        if entry is None or entry.script is None:
            return None
        try:
            text = entry.path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.last_message = ed.inform(self.window, f"{entry.path.name} could not be read.",
                                       str(exc))
            return None
        new_id = us.copy_id(entry.script.id, self.library)
        return self.open_editor(us.copy_text(text, new_id), new_id, None)

    @Slot()
    def edit_own(self) -> ScriptEditor | None:
        from cft_desktop.ui.editor import editor as ed

        entry = self._current()
        if entry is None or entry.builtin:
            return None
        try:
            text = entry.path.read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            self.last_message = ed.inform(self.window, f"{entry.path.name} could not be read.",
                                       str(exc))
            return None
        return self.open_editor(text, entry.id, entry.path)

    @Slot()
    def new_practice(self) -> ScriptEditor:
        from cft_desktop.core import user_scripts as us

        script_id, text = us.new_script_text(self.library)
        return self.open_editor(text, script_id, None)

    def open_editor(self, text: str, key: str, own_path: Path | None) -> ScriptEditor:
        """An editor for `text` (or the one already open for `key`), shown, a draft offered."""
        from cft_desktop.ui.editor import editor as ed

        existing = self.editors.get(key)
        if existing is not None:
            existing.show()
            existing.raise_()
            existing.activateWindow()
            return existing
        window = self.window
        editor = ed.ScriptEditor(
            text, key, own_path, self.library, self.pacing_panel.pacing(),
            len(self.playback.assets.bell),
            palette_named(self.pacing_panel.display().theme), window,
        )
        self.editors[key] = editor
        editor.saved.connect(self._on_editor_saved)
        editor.play_requested.connect(
            lambda script, line: self._on_editor_play_requested(editor, script, line))
        editor.stop_requested.connect(lambda: self.practice.stop())
        editor.closed.connect(self._on_editor_closed)
        editor.show()
        editor.offer_draft()
        editor.text_edit.setFocus()
        return editor

    # -- import and export ----------------------------------------------------------------------

    @Slot()
    def import_dialog(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self.window, "Import a script",
                                                    str(Path.home()), "Scripts (*.md)")
        if name:
            self.import_file(Path(name))

    def import_file(self, source: Path) -> Path | None:
        """Check and add a script file; a bad file is refused whole. Returns the new file."""
        from cft_desktop.core import user_scripts as us
        from cft_desktop.ui.editor import editor as ed

        try:
            found = us.check_import(source, self.library)
        except ScriptErrors as exc:
            lines = [f"{source.name}:{e.line}: {e.message}" for e in exc.errors]
            self.last_message = ed.inform(
                self.window,
                f"{source.name} was not imported: it has {ed.plural(len(lines), 'problem')}.",
                "Nothing was added to your library. Ask for a corrected file, or fix these lines "
                "and import it again:\n\n" + ed.listed(lines),
                "\n".join(lines),
            )
            return None
        mode: ImportMode = "new"
        if found.clash is not None:
            what = us.clash_message(found.clash, found.script.id).split(" is already used by ")[-1]
            what = what.removesuffix("; choose another id")
            choices = ["Keep both", "Cancel"] if found.clash_is_builtin else [
                "Keep both", "Replace mine", "Cancel"]
            answer = ed.ask(
                self.window,
                f"'{found.script.title}' has the id '{found.script.id}', already used by {what}.",
                choices,
                detail="Keep both adds the imported practice under a new id. "
                       + ("Built-in practices are never replaced." if found.clash_is_builtin
                          else "Replace mine overwrites your practice with the imported file."),
                default=0, cancel=len(choices) - 1,
            )
            if choices[answer] == "Cancel":
                return None
            mode = "keep-both" if choices[answer] == "Keep both" else "replace"
        try:
            target = us.install_import(found, self.library, mode)
        except (OSError, ScriptErrors) as exc:
            self.last_message = ed.inform(self.window, f"{source.name} could not be imported.",
                                       str(exc))
            return None
        text = target.read_text("utf-8")
        self.refresh_library(select=parse_text(text, target).id)
        if mode == "replace":
            self._refresh_replaced_editor(target, text)
        return target

    def _refresh_replaced_editor(self, target: Path, text: str) -> None:
        """An editor open on the file an import replaced must not keep showing the old text."""
        from cft_desktop.ui.editor import editor as ed

        for editor in self.editors.values():
            if editor.own_path is None or editor.own_path.resolve() != target.resolve():
                continue
            if editor.is_modified():
                # Their unsaved work wins on screen; saving it would overwrite the import.
                self.last_message = ed.inform(
                    editor,
                    f"{target.name} was replaced by the imported file.",
                    "This editor still shows your unsaved changes. Save them to replace the "
                    "imported version, or close without saving to keep the imported one.",
                )
            else:
                editor.take_saved_text(text)

    @Slot()
    def export_dialog(self) -> None:
        entry = self._current()
        if entry is None or entry.script is None:
            return
        suggested = str(Path.home() / f"{entry.script.id}.md")
        name, _filter = QFileDialog.getSaveFileName(self.window, "Export script", suggested,
                                                    "Scripts (*.md)")
        if name:
            self.export_entry(entry, Path(name))

    def export_entry(self, entry: Entry, destination: Path) -> bool:
        from cft_desktop.core import user_scripts as us
        from cft_desktop.ui.editor import editor as ed

        if destination.suffix.lower() != ".md":
            destination = destination.with_name(destination.name + ".md")
        try:
            us.atomic_write_text(destination, entry.path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            self.last_message = ed.inform(self.window, "The script could not be exported.", str(exc))
            return False
        return True

    # -- library --------------------------------------------------------------------------------

    def refresh_library(self, select: str | None = None) -> None:
        view = self.library_view
        current = self._current()
        keep = select or (current.id if current is not None and current.ok else None)
        self.library.reload()
        view.populate()
        if not (keep and view.select(keep)):
            view.select_first()
        view.relayout()
        self._update_actions()
        for editor in self.editors.values():
            editor.validate_now()

    def _update_actions(self) -> None:
        entry = self._current()
        self.edit_copy_action.setEnabled(entry is not None and entry.ok)
        self.export_action.setEnabled(entry is not None and entry.ok)
        self.save_audio_action.setEnabled(entry is not None and entry.ok)
        self.edit_action.setEnabled(entry is not None and not entry.builtin)

    def close_editors(self) -> bool:
        """Close every editor (each asks about unsaved changes); False if one stays open."""
        for editor in list(self.editors.values()):
            if not editor.close():
                editor.raise_()
                editor.activateWindow()
                return False
        return True

    # -- slots and events -----------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        closing = watched is self.window and event.type() == QEvent.Type.Close
        if closing and not self.close_editors():
            event.ignore()
            return True
        return super().eventFilter(watched, event)

    @Slot(str)
    def _on_library_selected(self, _key: str) -> None:
        self._update_actions()

    @Slot(object)
    def _on_panel_pacing_changed(self, pacing: Pacing) -> None:
        for editor in self.editors.values():
            editor.set_pacing(pacing)

    @Slot(object)
    def _on_panel_display_changed(self, _prefs: object) -> None:
        palette = palette_named(self.pacing_panel.display().theme)
        for editor in self.editors.values():
            editor.set_palette(palette)

    @Slot(str, str)
    def _on_editor_saved(self, old_key: str, script_id: str) -> None:
        editor = self.editors.pop(old_key, None)
        if editor is not None:
            self.editors[script_id] = editor
        self.refresh_library(select=script_id)

    def _on_editor_play_requested(self, editor: ScriptEditor, script: Script, line: int) -> None:
        self._stop_showing_playing()
        self.practice.start_practice(script, from_line=line)
        # Only now: starting first ends whatever played before, and that end is not this one's.
        self._playing_from = (editor, script, line)
        self._on_playback_state_changed(self.playback.state)

    @Slot(str)
    def _on_playback_state_changed(self, _state: str) -> None:
        if self._playing_from is None:
            return
        editor, script, line = self._playing_from
        # The state now, not the one reported: a report can arrive after the next start.
        state = self.playback.state
        session = self.playback.session
        if state == IDLE or (session is not None and session.script is not script):
            self._stop_showing_playing()
            return
        editor.show_playing(state, line)

    def _stop_showing_playing(self) -> None:
        if self._playing_from is not None:
            editor = self._playing_from[0]
            self._playing_from = None
            if editor in self.editors.values():
                editor.show_playing(IDLE, 0)

    @Slot(str)
    def _on_editor_closed(self, key: str) -> None:
        editor = self.editors.pop(key, None)
        if self._playing_from is not None and self._playing_from[0] is editor:
            self._playing_from = None  # it goes; what it started plays on in the window
