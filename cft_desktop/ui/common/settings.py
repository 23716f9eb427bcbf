"""What the window remembers between runs, kept in an INI file in the user's data folder.

Owns the settings keys, their defaults (declared once, in `DEFAULTS`) and turning stored text back
into values: window geometry, the last practice, the pacing (gradual slowing included), the
person's own named breathing patterns, the sound mix (volumes and which cues sound), and the display
choices (theme, large text, reduced motion, pacer colour, caption visible). A stored value that is
missing, from an older version or simply invalid falls back to its default rather than failing; a
damaged saved pattern is left out and the others still load.

The file lives in `paths.data_dir()` (which `CFT_DESKTOP_DATA_DIR` overrides), so it can be backed up
with the rest of the user's data and tests never touch the real configuration. It is owner-only
(0600) whatever the umask: it names the last practice and the person's own patterns. GUI thread only.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from cft_desktop import paths
from cft_desktop.core.pacing import Pacing
from cft_desktop.core.patterns import Pattern, patterns_from_data
from cft_desktop.errors import PacingError
from cft_desktop.sound.settings import AMBIENT_BEDS, MixSettings
from cft_desktop.ui.common.theme import DEFAULT_PACER_COLOUR, PALETTES

SETTINGS_FILE = "settings.ini"
SCHEMA_VERSION = 1

# Volume ranges offered in the window (dB). Louder than +6 would clip the voice; quieter than
# the floor is as good as off.
VOICE_GAIN_RANGE_DB = (-30, 6)
AMBIENT_GAIN_RANGE_DB = (-40, 6)
# The breath cues are made 16 dB under the voice; -30 dB more leaves them barely audible, for
# listeners who find even soft tones intrusive (USERS.md pain point 5).
CUE_GAIN_RANGE_DB = (-30, 6)


@dataclass(frozen=True)
class DisplayPrefs:
    theme: str = "light"
    large_text: bool = False
    reduced_motion: bool = False
    pacer_colour: str = DEFAULT_PACER_COLOUR
    caption_visible: bool = True

    def with_changes(self, **changes: Any) -> DisplayPrefs:
        return replace(self, **changes)


DEFAULTS: dict[str, Any] = {
    "version": SCHEMA_VERSION,
    "window/geometry": None,
    "window/library_shown": True,
    # A client first meets the simple view: the full side panel only once asked for (issue 17).
    "window/panel_shown": False,
    "library/last_practice": "",
    "first_run/seen": 0,
    "welcome/seen": 0,
    "recorder/microphone": "",
    "voice/pack": "",
    "pacing/json": "",
    "patterns/json": "",
    "sound/voice_gain_db": 0.0,
    "sound/cue_gain_db": MixSettings.cue_gain_db,
    "sound/inhale_cue": MixSettings.inhale_cue,
    "sound/exhale_cue": MixSettings.exhale_cue,
    "sound/bell": MixSettings.bell,
    "sound/ambient": "",
    "sound/ambient_gain_db": 0.0,
    "display/theme": DisplayPrefs.theme,
    "display/large_text": DisplayPrefs.large_text,
    "display/reduced_motion": DisplayPrefs.reduced_motion,
    "display/pacer_colour": DisplayPrefs.pacer_colour,
    "display/caption_visible": DisplayPrefs.caption_visible,
}


OWNER_ONLY = 0o600

log = logging.getLogger(__name__)


def default_path() -> Path:
    return paths.data_dir() / SETTINGS_FILE


def make_owner_only(path: Path) -> None:
    """Create `path` if it is missing and let only its owner read or write it, whatever the umask.

    Created 0600 from the start (not chmod-ed afterwards), so it is never readable by others even
    for a moment; an existing file made by an older version is tightened too. On Windows chmod only
    sets the read-only flag (the folder's ACL keeps others out there). A failure is logged, not
    raised: the app still works with a file it could not tighten.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, OWNER_ONLY))
        os.chmod(path, OWNER_ONLY)
    except OSError as exc:
        log.warning("could not make %s owner-only: %s", path, exc.strerror or exc)


class Settings:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        make_owner_only(self.path)  # before QSettings reads it: every open checks the mode
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)
        if self._qs.value("version") is None:
            self._qs.setValue("version", SCHEMA_VERSION)

    # -- typed access ----------------------------------------------------------------------------

    def _get(self, key: str) -> Any:
        value = self._qs.value(key)
        return DEFAULTS[key] if value is None else value

    def _bool(self, key: str) -> bool:
        value = self._get(key)
        if isinstance(value, str):  # INI stores booleans as "true"/"false"
            text = value.strip().lower()
            if text in ("1", "true", "yes"):
                return True
            if text in ("0", "false", "no"):
                return False
            # Unreadable: the default, so a damaged file cannot silently switch a cue off.
            return bool(DEFAULTS[key])
        return bool(value)

    def _float(self, key: str, low: float, high: float) -> float:
        try:
            value = float(self._get(key))
        except (TypeError, ValueError):
            value = float(DEFAULTS[key])
        return min(max(value, low), high)

    # -- window ---------------------------------------------------------------------------------

    def geometry(self) -> QByteArray | None:
        value = self._qs.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, geometry: QByteArray) -> None:
        self._qs.setValue("window/geometry", geometry)

    def shown_parts(self) -> tuple[bool, bool]:
        """Whether the practice list and the side panel are shown (View menu)."""
        return self._bool("window/library_shown"), self._bool("window/panel_shown")

    def set_shown_parts(self, library: bool, panel: bool) -> None:
        self._qs.setValue("window/library_shown", library)
        self._qs.setValue("window/panel_shown", panel)

    # -- library --------------------------------------------------------------------------------

    def voice(self) -> str:
        """The voice pack chosen in the side panel ("" for the usual voice)."""
        return str(self._get("voice/pack") or "")

    def set_voice(self, name: str) -> None:
        self._qs.setValue("voice/pack", name)

    def first_run_seen(self) -> int:
        """The consent text version this computer account was shown at first run (0: never)."""
        try:
            return int(self._get("first_run/seen"))
        except (TypeError, ValueError):
            return 0

    def microphone(self) -> str:
        """The microphone the recorder used last ("" for the system's default)."""
        return str(self._get("recorder/microphone") or "")

    def set_microphone(self, name: str) -> None:
        self._qs.setValue("recorder/microphone", name)

    def welcome_seen(self) -> int:
        """The version of the first-run welcome this computer account has seen (0: none)."""
        try:
            return int(self._get("welcome/seen"))
        except (TypeError, ValueError):
            return 0

    def set_welcome_seen(self, version: int) -> None:
        self._qs.setValue("welcome/seen", version)

    def set_first_run_seen(self, version: int) -> None:
        self._qs.setValue("first_run/seen", version)
        self._qs.sync()

    def last_practice(self) -> str:
        return str(self._get("library/last_practice") or "")

    def set_last_practice(self, practice_id: str) -> None:
        self._qs.setValue("library/last_practice", practice_id)

    # -- pacing and sound ------------------------------------------------------------------------

    def pacing(self) -> Pacing:
        raw = self._get("pacing/json")
        if not raw:
            return Pacing()
        try:
            data = json.loads(str(raw))
            return Pacing.from_dict(data) if isinstance(data, dict) else Pacing()
        except (ValueError, TypeError, PacingError):
            return Pacing()

    def set_pacing(self, pacing: Pacing) -> None:
        self._qs.setValue("pacing/json", json.dumps(pacing.to_dict(), sort_keys=True))

    def patterns(self) -> list[Pattern]:
        """The person's own breathing patterns, in the order they were saved."""
        raw = self._get("patterns/json")
        if not raw:
            return []
        try:
            return patterns_from_data(json.loads(str(raw)))
        except ValueError:
            return []

    def set_patterns(self, patterns: list[Pattern]) -> None:
        self._qs.setValue("patterns/json", json.dumps([p.to_dict() for p in patterns]))

    def mix(self) -> MixSettings:
        ambient = str(self._get("sound/ambient") or "")
        return MixSettings(
            voice_gain_db=self._float("sound/voice_gain_db", *VOICE_GAIN_RANGE_DB),
            cue_gain_db=self._float("sound/cue_gain_db", *CUE_GAIN_RANGE_DB),
            inhale_cue=self._bool("sound/inhale_cue"),
            exhale_cue=self._bool("sound/exhale_cue"),
            bell=self._bool("sound/bell"),
            ambient=ambient if ambient in AMBIENT_BEDS else None,
            ambient_gain_db=self._float("sound/ambient_gain_db", *AMBIENT_GAIN_RANGE_DB),
        )

    def set_mix(self, mix: MixSettings) -> None:
        self._qs.setValue("sound/voice_gain_db", float(mix.voice_gain_db))
        self._qs.setValue("sound/cue_gain_db", float(mix.cue_gain_db))
        self._qs.setValue("sound/inhale_cue", mix.inhale_cue)
        self._qs.setValue("sound/exhale_cue", mix.exhale_cue)
        self._qs.setValue("sound/bell", mix.bell)
        self._qs.setValue("sound/ambient", mix.ambient or "")
        self._qs.setValue("sound/ambient_gain_db", float(mix.ambient_gain_db))

    # -- display ---------------------------------------------------------------------------------

    def display(self) -> DisplayPrefs:
        theme = str(self._get("display/theme"))
        colour = str(self._get("display/pacer_colour"))
        return DisplayPrefs(
            theme=theme if theme in PALETTES else DisplayPrefs.theme,
            large_text=self._bool("display/large_text"),
            reduced_motion=self._bool("display/reduced_motion"),
            pacer_colour=colour if _is_colour(colour) else DisplayPrefs.pacer_colour,
            caption_visible=self._bool("display/caption_visible"),
        )

    def set_display(self, prefs: DisplayPrefs) -> None:
        self._qs.setValue("display/theme", prefs.theme)
        self._qs.setValue("display/large_text", prefs.large_text)
        self._qs.setValue("display/reduced_motion", prefs.reduced_motion)
        self._qs.setValue("display/pacer_colour", prefs.pacer_colour)
        self._qs.setValue("display/caption_visible", prefs.caption_visible)

    def sync(self) -> None:
        self._qs.sync()
        # Qt writes the file anew (a temporary file renamed over it); keep the new one owner-only.
        make_owner_only(self.path)


def _is_colour(value: str) -> bool:
    if len(value) != 7 or not value.startswith("#"):
        return False
    try:
        int(value[1:], 16)
    except ValueError:
        return False
    return True
