"""The playback states the window's controller reports (`Playback.state`), as plain strings.

A module of its own, with no imports, so the main window can name the states without importing
the player view before its first frame is shown. Any thread may read these; nothing here runs.
"""

from __future__ import annotations

IDLE = "idle"
PREPARING = "preparing"
PLAYING = "playing"
PAUSED = "paused"
