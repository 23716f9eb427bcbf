"""The one exception hierarchy of CFT Desktop.

Every error a person can cause or meet derives from `CftError`, so the CLI and the GUI can each handle
them at one boundary: the CLI prints the message (``file:line: message`` for scripts) and exits 2, the
GUI shows a calm dialog. Any thread may raise these.
"""

from __future__ import annotations

from pathlib import Path


class CftError(Exception):
    """Base class: an error with a message meant for a person, not a traceback."""


class ScriptError(CftError):
    """A narration script that cannot be used, with the file and 1-based line it points at."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")


class ScriptErrors(CftError):
    """Several problems found in one pass over a script, so a user can fix them all at once."""

    def __init__(self, errors: list[ScriptError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class PacingError(CftError):
    """A pacing value outside its allowed range; the message names the range."""


class VoiceError(CftError):
    """The narration voice cannot be loaded or cannot speak."""


class AudioDeviceError(CftError):
    """No usable sound output; the message says what to check."""


class StoreError(CftError):
    """The ratings store cannot be opened, read or written."""


class WrongPassphraseError(StoreError):
    """The passphrase does not unlock the ratings file. Nothing on disk was changed."""


class PassphraseRequiredError(StoreError):
    """The ratings file is locked with a passphrase and none was given."""


class UnknownRecordError(StoreError):
    """A client or session id that the store does not hold (e.g. erased meanwhile)."""


class CsvImportError(StoreError):
    """A CSV file that cannot be imported; `problems` lists every bad row as ``file:line: why``.

    Nothing was imported: an import takes every row or none.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:20]
        more = len(problems) - len(shown)
        text = "\n".join(shown) + (f"\n… and {more} more" if more > 0 else "")
        super().__init__(text)


class RatingError(CftError):
    """A rating answer or setting that does not fit its item (out of range, missing, unknown)."""
