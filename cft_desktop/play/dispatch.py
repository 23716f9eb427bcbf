"""How news from worker threads reaches the thread that owns a player.

Owns the `Dispatcher` contract and `OwnerQueue`, its plain implementation for an owner that polls
(the command line, tests). The window's implementation posts Qt events instead (ui/player/playback.py).

Threads: `post` may be called from any thread; `call_later` and `run_pending` only on the owner's
thread, which is where every function handed to either runs.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import time
from collections.abc import Callable
from typing import Protocol

Call = Callable[[], None]


class Dispatcher(Protocol):
    def post(self, call: Call) -> None:
        """Any thread: run `call` on the owner's thread, soon, after what was posted before it."""
        ...

    def call_later(self, delay_s: float, call: Call) -> None:
        """Owner's thread: run `call` there once `delay_s` has passed."""
        ...


class OwnerQueue:
    """A `Dispatcher` for an owner that waits in `run_pending` between its own polls."""

    def __init__(self) -> None:
        self._posted: queue.SimpleQueue[Call] = queue.SimpleQueue()
        self._timed: list[tuple[float, int, Call]] = []
        # Ties on the deadline keep their order, and a heap must never compare two functions.
        self._order = itertools.count()

    def post(self, call: Call) -> None:
        self._posted.put(call)

    def call_later(self, delay_s: float, call: Call) -> None:
        heapq.heappush(self._timed, (time.monotonic() + delay_s, next(self._order), call))

    def run_pending(self, wait_s: float = 0.0) -> None:
        """Run what is due, first waiting up to `wait_s` (less if a timed call falls due)."""
        deadline = time.monotonic() + wait_s
        if self._timed:
            deadline = min(deadline, self._timed[0][0])
        try:
            first = self._posted.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            pass
        else:
            first()
        while True:
            try:
                call = self._posted.get_nowait()
            except queue.Empty:
                break
            call()
        now = time.monotonic()
        while self._timed and self._timed[0][0] <= now:
            heapq.heappop(self._timed)[2]()
