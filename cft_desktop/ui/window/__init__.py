"""The main window's frame: title, size, layout slots, the sound banner and the View menu.
It is handed its parts by `ui.app`; it imports no feature. GUI thread only."""
