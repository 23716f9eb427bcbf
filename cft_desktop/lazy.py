"""A value that is made once, on a worker thread, before anyone needs it.

Owns the hand-over of slow-to-build parts (the sound assets and the narrator, which pull in numpy,
pydub and the voice) from the thread that builds them to the thread that uses them. The window
starts the build just after it is shown, so start-up does not pay for it; the first Play waits for
it only if it is not done yet. `start()` and `get()` may be called from any thread; the maker runs
on a thread of its own named "load-<name>". No Qt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Lazy(Generic[T]):
    def __init__(self, make: Callable[[], T], name: str) -> None:
        self.name = name
        self._make = make
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    @classmethod
    def ready(cls, value: T, name: str = "value") -> Lazy[T]:
        """An already-made value (tests and the command line pass objects they built)."""
        lazy = cls(lambda: value, name)
        lazy._value = value
        lazy._done.set()
        return lazy

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def start(self) -> None:
        """Begin making the value in the background; later calls do nothing."""
        with self._lock:
            if self._thread is not None or self._done.is_set():
                return
            self._thread = threading.Thread(target=self._run, name=f"load-{self.name}", daemon=True)
        self._thread.start()

    def get(self) -> T:
        """The value, waiting for it if it is still being made; re-raises what making it raised."""
        self.start()
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set whenever _done is set without error

    def _run(self) -> None:
        try:
            self._value = self._make()
        except BaseException as exc:  # handed to whoever calls get(), on their thread
            log.warning("loading %s failed", self.name, exc_info=exc)
            self._error = exc
        finally:
            self._done.set()
