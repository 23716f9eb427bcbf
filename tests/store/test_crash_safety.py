"""Kill -9 a process in the middle of saving ratings, again and again: the store must always open
(without needing recovery) and hold every write that was reported as committed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cft_desktop.core.ratings import Phase
from cft_desktop.store.records import Records

REPO = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from cft_desktop.core.ratings import Phase
    from cft_desktop.store.records import Records

    path, round_number, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    store = Records.open(path)
    client = store.default_client().client_id
    items = store.item_set(client).for_phase(Phase.BEFORE)
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=40 * round_number)
    for n in range(count):
        # Two writes per session: start, then the before-rating. Sessions spread over months, so
        # writes touch different tables.
        session_id = store.start_session(
            client, "srb", "1", {"bpm": 6.0}, "joe", start + timedelta(hours=7 * n)
        )
        store.save_before(session_id, [item.answer((n * 7) % 101) for item in items])
        print(session_id, n, flush=True)
    """
)

ROUNDS = 5
SESSIONS_PER_ROUND = 130  # 260 writes a round unless killed sooner


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_during_writes_never_loses_a_committed_rating(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ratings.json"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rng = random.Random(20261126)
    committed: dict[str, int] = {}
    writes = 0
    for round_number in range(ROUNDS):
        kill_after = rng.randint(25, SESSIONS_PER_ROUND - 10)
        child = subprocess.Popen(
            [sys.executable, str(script), str(path), str(round_number), str(SESSIONS_PER_ROUND)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None
        lines: list[bytes] = []
        arrivals: list[float] = []
        while len(lines) < kill_after:
            line = child.stdout.readline()
            assert line, child.stderr.read().decode() if child.stderr else "writer exited"
            lines.append(line)
            arrivals.append(time.perf_counter())
        # Land the kill at a uniformly random point of the next session's two writes.
        cycle_s = (arrivals[-1] - arrivals[0]) / (len(arrivals) - 1)
        time.sleep(rng.uniform(0, cycle_s))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        assert child.returncode == -signal.SIGKILL
        # Whatever the pipe still held was printed, so committed, before the kill.
        lines.extend(rest.splitlines(keepends=True))
        for line in lines:
            if line.endswith(b"\n"):
                session_id, n = line.decode().split()
                committed[session_id] = int(n)
        writes += 2 * len(lines)

        store = Records.open(path)
        assert store.recovery_message is None, "an atomic write never needs a backup"
        stored = {s.session_id: s for s in store.sessions()}
        missing = set(committed) - set(stored)
        assert not missing, f"round {round_number}: lost {len(missing)} committed sessions"
        for session_id, n in committed.items():
            assert stored[session_id].value(Phase.BEFORE, "distress") == (n * 7) % 101
        # At most the one session being written at the kill is there without its report.
        assert len(stored) - len(committed) <= round_number + 1
        store.close()
        assert not list(path.parent.glob(".*.tmp")), "leftover temp files are cleaned on open"
    assert writes >= 500
