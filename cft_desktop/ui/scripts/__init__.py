"""The Scripts menu: edit a copy, new, import, export, and "Save as audio…" (take-home).
GUI thread only."""
