"""What every keep-awake backend shares: the `Backend` shape the worker drives, what a hold was
granted, the quiet stand-in for systems with nothing to ask, and saying each kind of trouble once.

Thread: everything here is used on the "keep-awake" worker thread only (see the package's
`KeepAwake`); nothing is shared with the GUI thread. No Qt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

APP_NAME = "CFT Desktop"


@dataclass(frozen=True)
class Granted:
    """What the system agreed to for the current hold."""

    screen: bool = False  # the display will not blank or dim on its own
    sleep: bool = False  # the computer will not suspend for want of input


NOTHING = Granted()


class Backend(Protocol):
    """One platform's way of asking. Every method runs on the worker thread, always the same one
    for a given backend (Windows ties its request to that thread), and none may block for long."""

    def hold(self, reason: str) -> Granted:
        """Ask; asking again while held changes nothing and reports what is held."""
        ...

    def release(self) -> None:
        """Withdraw whatever is held; harmless when nothing is."""
        ...

    def close(self) -> None:
        """Withdraw and let go of every resource; the backend is not used afterwards."""
        ...


class OnceLog:
    """A missing service or a refused request is worth one line, not one per play."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._said: set[str] = set()

    def say(self, key: str, message: str, *args: object, level: int = logging.INFO) -> None:
        if key not in self._said:
            self._said.add(key)
            self._logger.log(level, "keeping the computer awake: " + message, *args)


class QuietBackend:
    """For a system with nothing to ask: one line the first time, then sound plays as usual."""

    def __init__(self, why: str = "nothing on this system to ask") -> None:
        self._why = why
        self._once = OnceLog(log)

    def hold(self, reason: str) -> Granted:
        self._once.say("quiet", "%s; the screen and sleep follow the system's own settings", self._why)
        return NOTHING

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass
