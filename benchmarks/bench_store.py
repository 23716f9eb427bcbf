"""Benchmark: the ratings store with a 10,000-session history, ours vs TinyDB's stock JSONStorage.

With ``--clients M`` the history is shared out over M clients (round robin; the default profile is
the one opened, drawn and rated), and every figure is about that one client's history in a store
holding all of them, as in a busy practice (issue 15: ``--sessions 100000 --clients 50``).

1. Open + load: open the store and load every session as `SessionRecord`s (what the history view
   does at start-up). Target: ours <= 300 ms.
2. Open + draw history: from opening the store to the history view (the app's own
   `HistoryDialog`, chart and table for the client) painted once, as when the user chooses
   Ratings > History: the controller's reads (active client, sessions, item set), `set_history`,
   show, let Qt paint, then `grab()` it. Target: ours <= 300 ms (issue 4).
3. Save one rating: `save_before` / `save_after` on a new session in that history, per call;
   median and p99. Target: ours p99 <= 50 ms.

Baseline: the very same `Records` code over TinyDB's stock `JSONStorage` (same document, same
queries), measured in the same run; it re-parses the file on every read and rewrites it whole in
place. For open + draw it is that same history view fed by `Records` over the stock storage (which
re-parses the file for each of the controller's three reads). For open + load a second reference
is shown: one read of the stock storage and nothing else (no TinyDB
tables, no conversion, no schema check), the least any stock-storage app can do.

Every measurement runs in a fresh child process (a cold interpreter with a warm disk cache, as when
the app starts), several times; figures are medians over the runs. Drawing runs offscreen
(QT_QPA_PLATFORM=offscreen) with the app's theme; the QApplication, the library's titles and a
first painted widget (fonts and style loaded) exist before the clock starts, as they do in the app
by the time anyone opens the history.
4. Peak memory (peak RSS of the child process) of open + load and of open + draw.
5. Import: `export.import_csv` of a CSV holding the whole history (every client, written by our
   own `export_csv`) into a new store, time and peak RSS; baseline the same import into
   `Records` over the stock storage. Target for 100,000 rows: <= 10 s and <= 500 MB.
6. With ``--linearity``: import, open + load and save p99 of ours at a quarter, a half and all of
   the sessions, to show whether the cost grows linearly (each doubling should about double the
   import and leave open + load of one client and the save about where they are).

Ours is the split store (`store.split`: an index and a file per client). The history is written
as one old-style file and split by its first open, which is timed and printed once.

Run: .venv/bin/python benchmarks/bench_store.py [--sessions 10000] [--clients 1] [--runs 5]
     [--linearity | --linearity-only]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _common as c

HERE = Path(__file__).resolve()
PASSPHRASE = "benchmark passphrase"


# ---------------------------------------------------------------- building the history


def build_history(folder: Path, sessions: int, clients: int = 1) -> dict[str, Path]:
    """The same document (`sessions` shared out over `clients`) as our file, as a stock TinyDB
    file and encrypted."""
    from cft_desktop.core.ratings import DEFAULT_ITEM_SET, Phase
    from cft_desktop.store import db
    from cft_desktop.store.records import Client, SessionRecord, session_to_json
    from cft_desktop.store.storage import AtomicJSONStorage

    people = [
        Client(f"{k + 1:032x}", "Me" if k == 0 else f"Client {k:02d}",
               datetime(2019, 1, 1, tzinfo=UTC), is_default=k == 0)
        for k in range(clients)
    ]
    document = db.new_document()
    document[db.CLIENTS_TABLE] = {
        str(k + 1): {
            "client_id": p.client_id, "pseudonym": p.pseudonym,
            "created_at": p.created_at.isoformat(), "is_default": p.is_default,
        }
        for k, p in enumerate(people)
    }
    start = datetime(2019, 1, 1, 7, 30, tzinfo=UTC)
    for n in range(sessions):
        me = people[n % clients]
        # Four a day per client (about seven years for 10,000 sessions of one client).
        started = start + timedelta(hours=6 * (n // clients), minutes=n % clients)
        value = (n * 37) % 101
        before = tuple(i.answer(value) for i in DEFAULT_ITEM_SET.for_phase(Phase.BEFORE))
        after = tuple(
            i.answer("a little") if i.item_id == "upset" else i.answer((value + 11) % 101)
            for i in DEFAULT_ITEM_SET.for_phase(Phase.AFTER)
        )
        record = SessionRecord(
            session_id=f"{n:032x}", client_id=me.client_id, script_id="safe-place",
            script_version="3", pacing={"bpm": 6.0, "ratio": "1:1.5", "pause_scale": 1.0},
            voice="joe-us", started_at=started, ended_at=started + timedelta(minutes=11),
            fraction_completed=1.0, before=before, after=after,
        )
        name = db.session_table(me.client_id, started.isoformat())
        table = document.setdefault(name, {})
        table[str(len(table) + 1)] = session_to_json(record)
    paths = {}
    for kind in ("ours", "encrypted"):
        path = folder / kind / "ratings.json"
        storage = AtomicJSONStorage(
            path, keep_backups=5, passphrase=PASSPHRASE if kind == "encrypted" else None
        )
        storage.write(document)
        storage.close()
        paths[kind] = path
        # Written as one file, as every store before the split was: the first open splits it
        # into the index and a file per client (timed, once, in its own process).
        _SPLIT[kind] = c.run_child(HERE, ["split", kind, str(path)], timeout_s=900)
    stock = folder / "stock" / "ratings.json"
    stock.parent.mkdir()
    stock.write_text(json.dumps(document), encoding="utf-8")  # JSONStorage's own format
    paths["stock"] = stock
    return paths


def write_csv(paths: dict[str, Path], folder: Path) -> Path:
    """The whole history as the app exports it (every client), for the import measurement."""
    from cft_desktop.store.export import export_csv
    from cft_desktop.store.records import Records

    out = folder / "history.csv"
    with Records.open(paths["ours"]) as records:
        export_csv(records, out)
    return out


# ---------------------------------------------------------------- child measurements

_SPLIT: dict[str, dict[str, float]] = {}  # kind -> how the first open split the old file


def child_split(kind: str, path: Path) -> dict[str, Any]:
    started = time.perf_counter()
    _records(kind, path).close()
    return {"seconds": time.perf_counter() - started, "peak_mb": c.peak_rss_mb()}



def _records(kind: str, path: Path) -> Any:
    from tinydb.storages import JSONStorage

    from cft_desktop.store.records import Records

    if kind == "stock":
        return Records(JSONStorage(str(path)))
    return Records.open(path, passphrase=PASSPHRASE if kind == "encrypted" else None)


def child_open(kind: str, path: Path) -> dict[str, Any]:
    if kind == "bare":
        from tinydb.storages import JSONStorage

        started = time.perf_counter()
        document = JSONStorage(str(path)).read() or {}
        count = sum(len(t) for name, t in document.items() if name.startswith("sessions/"))
        return {"seconds": time.perf_counter() - started, "sessions": count}
    # Import everything first: we time the store, not the interpreter loading modules.
    from cft_desktop.store.records import Records  # noqa: F401

    started = time.perf_counter()
    records = _records(kind, path)
    # The client the window shows (with one client, that is the whole history).
    loaded = records.sessions(records.active_client().client_id)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "sessions": len(loaded), "peak_mb": c.peak_rss_mb()}


def child_draw(kind: str, path: Path) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication, QLabel

    from cft_desktop.core.library import Library
    from cft_desktop.ui.common.theme import LIGHT, apply_theme
    from cft_desktop.ui.records.views.history import HistoryDialog

    app = QApplication([])
    apply_theme(app, LIGHT, large_text=False)
    titles = {s.id: s.title for s in Library().scripts()}
    # The main window is up before anyone opens the history: fonts, style and the raster engine
    # are loaded. Pay for that here, outside the clock.
    warm = QLabel("Soothing rhythm breathing 0123456789 → –")
    warm.show()
    app.processEvents()
    warm.grab()
    warm.close()

    started = time.perf_counter()
    records = _records(kind, path)
    client = records.active_client()  # what RecordsController.refresh_history reads
    sessions = records.sessions(client.client_id)
    items = records.item_set(client.client_id)
    read = time.perf_counter()
    dialog = HistoryDialog()
    dialog.set_history(client.pseudonym, sessions, items, titles)
    dialog.show()
    app.processEvents()
    picture = dialog.grab()
    seconds = time.perf_counter() - started
    assert not picture.isNull()
    return {"seconds": seconds, "read": read - started, "sessions": dialog.model.rowCount(),
            "marks": len(dialog.chart.marks()), "peak_mb": c.peak_rss_mb()}


def child_import(kind: str, csv_path: Path, store_path: Path) -> dict[str, Any]:
    from cft_desktop.store.export import import_csv
    from cft_desktop.store.records import Records  # noqa: F401

    before = c.peak_rss_mb()
    started = time.perf_counter()
    records = _records(kind, store_path)
    result = import_csv(records, csv_path)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": result.imported, "peak_mb": c.peak_rss_mb(),
            "start_mb": before}


def child_save(kind: str, path: Path, saves: int) -> dict[str, Any]:
    from cft_desktop.core.ratings import Phase

    records = _records(kind, path)
    client = records.default_client().client_id
    items = records.item_set(client)
    latencies = []
    moment = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    for n in range(saves):
        session_id = records.start_session(client, "srb", "1", {"bpm": 6.0}, "joe", moment)
        before = [i.answer((n * 13) % 101) for i in items.for_phase(Phase.BEFORE)]
        after = [
            i.answer("no") if i.item_id == "upset" else i.answer((n * 17) % 101)
            for i in items.for_phase(Phase.AFTER)
        ]
        started = time.perf_counter()
        records.save_before(session_id, before)
        latencies.append(time.perf_counter() - started)
        started = time.perf_counter()
        records.save_after(session_id, after, moment + timedelta(minutes=10), 1.0)
        latencies.append(time.perf_counter() - started)
        moment += timedelta(hours=3)
    latencies.sort()
    p99 = latencies[max(0, math.ceil(0.99 * len(latencies)) - 1)]
    return {"median": c.median(latencies), "p99": p99, "samples": len(latencies)}


# ---------------------------------------------------------------- the parent


_PEAKS: dict[str, float] = {}  # measurement -> median peak RSS (MB) of its children


def measure_open(paths: dict[str, Path], kind: str, runs: int) -> float:
    key = "stock" if kind == "bare" else kind
    results = [
        c.run_child(HERE, ["open", kind, str(paths[key])], timeout_s=900) for _ in range(runs)
    ]
    assert all(r["sessions"] == results[0]["sessions"] for r in results)
    if kind != "bare":
        _PEAKS[f"open {kind}"] = c.median([r["peak_mb"] for r in results])
    return c.median([r["seconds"] for r in results])


def measure_draw(paths: dict[str, Path], kind: str, runs: int) -> tuple[float, float]:
    """Median seconds to open + draw, and the median part of it spent opening and reading."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    results = [
        c.run_child(HERE, ["draw", kind, str(paths[kind])], env, timeout_s=900)
        for _ in range(runs)
    ]
    assert all(r["sessions"] == results[0]["sessions"] for r in results)
    _PEAKS[f"draw {kind}"] = c.median([r["peak_mb"] for r in results])
    return c.median([r["seconds"] for r in results]), c.median([r["read"] for r in results])


def measure_import(folder: Path, csv_path: Path, kind: str, runs: int) -> tuple[float, float, int]:
    """Median seconds and peak RSS (MB) to import the whole CSV into a new store; rows added."""
    seconds: list[float] = []
    peaks: list[float] = []
    rows = 0
    for run in range(runs):
        target = folder / f"import-{kind}-{run}" / "ratings.json"
        target.parent.mkdir()
        if kind == "stock":
            target.write_text("{}", encoding="utf-8")
        result = c.run_child(HERE, ["import", kind, str(csv_path), str(target)], timeout_s=1800)
        seconds.append(result["seconds"])
        peaks.append(result["peak_mb"])
        rows = result["rows"]
        shutil.rmtree(target.parent)
    return c.median(seconds), c.median(peaks), rows


def measure_save(
    folder: Path, paths: dict[str, Path], kind: str, runs: int, saves: int
) -> tuple[float, float, int]:
    medians: list[float] = []
    p99s: list[float] = []
    samples = 0
    for run in range(runs):
        copy = folder / f"save-{kind}-{run}" / "ratings.json"
        shutil.copytree(paths[kind].parent, copy.parent)  # the index and the clients' files
        result = c.run_child(HERE, ["save", kind, str(copy), str(saves)], timeout_s=900)
        medians.append(result["median"])
        p99s.append(result["p99"])
        samples = result["samples"]
        shutil.rmtree(copy.parent)
    return c.median(medians), c.median(p99s), samples


def _tag(sessions: int, clients: int) -> str:
    size = f"{sessions // 1000}k" if sessions % 1000 == 0 else str(sessions)
    return size if clients == 1 else f"{size}_{clients}clients"


def run_case(folder: Path, args: argparse.Namespace) -> None:
    tag = _tag(args.sessions, args.clients)
    paths = build_history(folder, args.sessions, args.clients)
    size_mb = sum(p.stat().st_size for p in paths["ours"].parent.rglob("*.json")) / 1e6
    index_kb = paths["ours"].stat().st_size / 1e3
    print(f"history: {args.sessions} sessions over {args.clients} client(s) "
          f"({args.sessions // args.clients} in the one opened), {size_mb:.1f} MB on disk "
          f"(index {index_kb:.0f} kB); splitting the old single file on first open took "
          f"{c.fmt_s(_SPLIT['ours']['seconds'])}, peak {_SPLIT['ours']['peak_mb']:.0f} MB "
          f"(encrypted {c.fmt_s(_SPLIT['encrypted']['seconds'])}, "
          f"{_SPLIT['encrypted']['peak_mb']:.0f} MB)",
          flush=True)

    ours = measure_open(paths, "ours", args.runs)
    stock = measure_open(paths, "stock", args.runs)
    bare = measure_open(paths, "bare", args.runs)
    encrypted = measure_open(paths, "encrypted", args.runs)
    c.detail(f"open+load ours: {c.fmt_s(ours)}  encrypted (incl. scrypt): {c.fmt_s(encrypted)}")
    c.detail(f"open+load stock JSONStorage under Records: {c.fmt_s(stock)}; "
             f"one bare JSONStorage.read(): {c.fmt_s(bare)}")
    c.summary(
        f"store_open_{tag}",
        [("stock", c.fmt_s(stock)), ("ours", c.fmt_s(ours))],
        stock / ours,
        "target ours <= 300ms",
    )

    d_ours, d_ours_read = measure_draw(paths, "ours", args.runs)
    d_stock, d_stock_read = measure_draw(paths, "stock", args.runs)
    d_encrypted, d_encrypted_read = measure_draw(paths, "encrypted", args.runs)
    c.detail(f"open+draw history ours: {c.fmt_s(d_ours)} (store open+reads "
             f"{c.fmt_s(d_ours_read)}); encrypted (incl. scrypt): {c.fmt_s(d_encrypted)} "
             f"(store {c.fmt_s(d_encrypted_read)})")
    c.detail(f"open+draw history, stock JSONStorage under Records: {c.fmt_s(d_stock)} "
             f"(store open+reads {c.fmt_s(d_stock_read)})")
    c.summary(
        f"store_open_draw_history_{tag}",
        [("stock", c.fmt_s(d_stock)), ("ours", c.fmt_s(d_ours)),
         ("ours_encrypted", c.fmt_s(d_encrypted))],
        d_stock / d_ours,
        "target ours <= 300ms",
    )

    save_runs = max(3, args.runs // 2)
    o_med, o_p99, o_n = measure_save(folder, paths, "ours", save_runs, args.saves)
    s_med, s_p99, s_n = measure_save(folder, paths, "stock", save_runs, args.stock_saves)
    e_med, e_p99, _ = measure_save(folder, paths, "encrypted", save_runs, args.saves)
    c.detail(f"save one rating, ours: median {c.fmt_s(o_med)}, p99 {c.fmt_s(o_p99)} "
             f"({o_n} saves x {save_runs} runs)")
    c.detail(f"save one rating, stock: median {c.fmt_s(s_med)}, p99 {c.fmt_s(s_p99)} "
             f"({s_n} saves x {save_runs} runs)")
    c.detail(f"save one rating, ours encrypted: median {c.fmt_s(e_med)}, p99 {c.fmt_s(e_p99)}")
    c.summary(
        f"store_save_p99_{tag}",
        [("stock", c.fmt_s(s_p99)), ("ours", c.fmt_s(o_p99)),
         ("ours_median", c.fmt_s(o_med))],
        s_p99 / o_p99,
        "target ours p99 <= 50ms",
    )
    c.summary(
        f"store_save_p99_encrypted_{tag}",
        [("stock", c.fmt_s(s_p99)), ("ours_encrypted", c.fmt_s(e_p99)),
         ("ours_encrypted_median", c.fmt_s(e_med))],
        s_p99 / e_p99,
        "target ours p99 <= 50ms",
    )

    c.detail("peak RSS: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in _PEAKS.items()))
    peak_ours = max(_PEAKS["open ours"], _PEAKS["draw ours"], _PEAKS["draw encrypted"])
    peak_stock = max(_PEAKS["open stock"], _PEAKS["draw stock"])
    c.summary(
        f"store_peak_rss_{tag}",
        [("stock", f"{peak_stock:.0f}MB"), ("ours", f"{peak_ours:.0f}MB")],
        peak_stock / peak_ours,
        "target ours <= 300MB",
    )

    csv_path = write_csv(paths, folder)
    import_runs = max(1, args.runs // 3)
    i_ours, i_ours_mb, rows = measure_import(folder, csv_path, "ours", import_runs)
    i_stock, i_stock_mb, _ = measure_import(folder, csv_path, "stock", import_runs)
    c.detail(f"import {rows} rows (CSV, every client): ours {c.fmt_s(i_ours)}, peak "
             f"{i_ours_mb:.0f} MB; stock {c.fmt_s(i_stock)}, peak {i_stock_mb:.0f} MB")
    c.summary(
        f"store_import_{tag}",
        [("stock", c.fmt_s(i_stock)), ("ours", c.fmt_s(i_ours)),
         ("ours_peak", f"{i_ours_mb:.0f}MB"), ("stock_peak", f"{i_stock_mb:.0f}MB")],
        i_stock / i_ours,
        "target ours <= 10s and <= 500MB for 100k rows",
    )


def run_linearity(folder: Path, args: argparse.Namespace) -> None:
    """Ours at a quarter, a half and all of the sessions: does each doubling double the cost?"""
    rows: list[tuple[int, float, float, float, float]] = []
    for share in (4, 2, 1):
        sessions = args.sessions // share
        case = folder / f"linear-{sessions}"
        case.mkdir()
        paths = build_history(case, sessions, args.clients)
        opened = measure_open(paths, "ours", args.runs)
        _, p99, _ = measure_save(case, paths, "ours", 3, args.saves)
        imported, peak, _ = measure_import(case, write_csv(paths, case), "ours", 1)
        rows.append((sessions, opened, p99, imported, peak))
        shutil.rmtree(case)
    for sessions, opened, p99, imported, peak in rows:
        c.detail(f"{sessions:>7} sessions: open+load one client {c.fmt_s(opened)}, save p99 "
                 f"{c.fmt_s(p99)}, import {c.fmt_s(imported)} ({peak:.0f} MB)")
    growth = rows[-1][3] / rows[0][3]
    c.summary(
        f"store_import_linearity_{_tag(args.sessions, args.clients)}",
        [(f"import_{rows[0][0]}", c.fmt_s(rows[0][3])), (f"import_{rows[-1][0]}",
                                                        c.fmt_s(rows[-1][3]))],
        growth,
        "4x the rows; linear is about 4x, quadratic 16x",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=1, help="clients the sessions are shared by")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--saves", type=int, default=100, help="sessions rated per run (ours)")
    parser.add_argument("--stock-saves", type=int, default=10, help="sessions rated per run (stock)")
    parser.add_argument("--linearity", action="store_true",
                        help="also measure ours at a quarter and a half of --sessions")
    parser.add_argument("--linearity-only", action="store_true",
                        help="only the linearity measurement (no baseline: it is ours against "
                             "ours at other sizes)")
    args = parser.parse_args()
    if not 1 <= args.clients <= args.sessions:
        parser.error("--clients must be from 1 to --sessions")
    c.machine_note()
    with tempfile.TemporaryDirectory(prefix="cft-bench-store-") as tmp:
        if not args.linearity_only:
            run_case(Path(tmp), args)
        if args.linearity or args.linearity_only:
            run_linearity(Path(tmp), args)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, kind, target = sys.argv[2], sys.argv[3], Path(sys.argv[4])
        if mode == "open":
            c.emit_result(child_open(kind, target))
        elif mode == "split":
            c.emit_result(child_split(kind, target))
        elif mode == "draw":
            c.emit_result(child_draw(kind, target))
        elif mode == "import":
            c.emit_result(child_import(kind, target, Path(sys.argv[5])))
        else:
            c.emit_result(child_save(kind, target, int(sys.argv[5])))
    else:
        main()
