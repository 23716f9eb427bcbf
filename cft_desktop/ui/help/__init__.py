"""The Help menu: the first-run welcome, a short guide, the keyboard shortcuts and About."""
