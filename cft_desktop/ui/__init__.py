"""Qt user interface: windows, views and dialogs. The only package that imports PySide6."""
