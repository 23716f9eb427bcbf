"""`cft-desktop ratings export|import` on a real store file, run as a user would."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from cft_desktop.core.ratings import DEFAULT_ITEM_SET, Phase
from cft_desktop.store.records import Records


def _cli(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CFT_DESKTOP_DATA_DIR=str(data))
    return subprocess.run([sys.executable, "-m", "cft_desktop", *args], env=env, capture_output=True,
                          text=True, timeout=60, check=False, stdin=subprocess.DEVNULL)


def _fill(data: Path) -> str:
    start = datetime(2026, 11, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    with Records.open(data / "ratings.json") as records:
        client = records.default_client().client_id
        for number in range(3):
            began = start + timedelta(days=number)
            session = records.start_session(client, "soothing-rhythm-breathing", "1",
                                            {"bpm": 6.0, "inhale_parts": 2.0, "exhale_parts": 3.0,
                                             "pause_scale": 1.0}, "piper:joe", began)
            before = [item.answer(60 - number * 10) for item in
                      DEFAULT_ITEM_SET.for_phase(Phase.BEFORE)]
            records.save_before(session, before)
            after = []
            for item in DEFAULT_ITEM_SET.for_phase(Phase.AFTER):
                after.append(item.answer("no") if item.item_id == "upset" else item.answer(40))
            records.save_after(session, after, began + timedelta(minutes=6), 1.0)
        return client


def test_export_then_import_into_another_laptop(tmp_path: Path) -> None:
    home = tmp_path / "home-laptop"
    _fill(home)
    out = tmp_path / "ratings.csv"
    done = _cli(["ratings", "export", "--format", "csv", "--out", str(out)], home)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 3
    assert [r["distress_before"] for r in rows] == ["60", "50", "40"]
    assert all(r["distress_after"] == "40" and r["upset"] == "no" for r in rows)

    clinic = tmp_path / "clinic-laptop"
    first = _cli(["ratings", "import", str(out)], clinic)
    assert first.returncode == 0, first.stderr
    assert "Imported 3 sessions" in first.stderr
    again = _cli(["ratings", "import", str(out)], clinic)
    assert "Imported 0 sessions; skipped 3" in again.stderr
    with Records.open(clinic / "ratings.json") as records:
        assert len(records.sessions()) == 3


def test_a_damaged_file_of_another_client_is_recovered_and_said_on_export(tmp_path: Path) -> None:
    data = tmp_path / "clinic"
    _fill(data)
    with Records.open(data / "ratings.json") as records:
        ana = records.create_client("Ana").client_id
        session = records.start_session(ana, "safe-place", "1", {"bpm": 6.0}, "piper:joe",
                                        datetime(2026, 11, 5, 10, 0, tzinfo=UTC))
        records.save_before(session, [item.answer(30) for item in
                                      DEFAULT_ITEM_SET.for_phase(Phase.BEFORE)])
    # Ana's file is read only when the export reaches her (the active client is "Me").
    ana_file = data / "ratings.json.clients" / f"{ana}.json"
    ana_file.write_bytes(ana_file.read_bytes()[:100])
    out = tmp_path / "all.csv"
    done = _cli(["ratings", "export", "--format", "csv", "--out", str(out)], data)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 4  # nothing lost: Ana's session came back from the second copy
    said, saved = done.stderr.strip().split("\n")[-2:]
    assert "Ana" in said and saved == f"Saved 4 sessions to {out}."
    assert "Traceback" not in done.stderr


def test_bad_csv_is_refused_whole_with_file_and_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _fill(home)
    out = tmp_path / "ratings.csv"
    assert _cli(["ratings", "export", "--format", "csv", "--out", str(out)], home).returncode == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].replace(",60,", ",160,", 1) if ",60," in lines[2] else lines[2].replace(
        ",50,", ",150,", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    clinic = tmp_path / "clinic"
    done = _cli(["ratings", "import", str(bad)], clinic)
    assert done.returncode == 2
    assert f"{bad}:3:" in done.stderr
    assert "Nothing was imported" in done.stderr
    assert "Traceback" not in done.stderr
    with Records.open(clinic / "ratings.json") as records:
        assert records.sessions() == []


def test_pdf_summary_is_written(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _fill(home)
    out = tmp_path / "summary.pdf"
    done = _cli(["ratings", "export", "--format", "pdf", "--out", str(out)], home)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF-")


def test_unknown_client_is_a_plain_error(tmp_path: Path) -> None:
    done = _cli(["ratings", "export", "--format", "csv", "--out", str(tmp_path / "x.csv"),
                 "--client", "nobody"], tmp_path / "data")
    assert done.returncode == 2
    assert "no client called 'nobody'" in done.stderr


# -- the check-in after `play` (issue 16 §1): the safety check on the terminal too --------------


def _answers(*lines: str) -> Callable[[str], str]:
    queue = list(lines)
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        if not queue:
            raise EOFError
        return queue.pop(0)

    ask.asked = asked  # type: ignore[attr-defined]
    return ask


def test_play_check_in_a_lot_prints_the_safety_flow_and_the_crisis_numbers() -> None:
    from cft_desktop.cli import check_in
    from cft_desktop.core.ratings import CANNOT_CONTACT_STATEMENT, SAFETY_FLOW_TEXT

    out = io.StringIO()
    fired = check_in("imagery", _answers("maybe", "A lot", ""), out)
    text = out.getvalue()
    assert fired == ("upset_a_lot",)
    assert "not saved" in text
    assert "Please answer no / a little / a lot" in text  # "maybe" was refused, then asked again
    assert SAFETY_FLOW_TEXT[0] in text and "Call or text 988" in text
    assert CANNOT_CONTACT_STATEMENT in text


def test_play_check_in_high_distress_fires_and_a_calm_answer_prints_nothing_more() -> None:
    from cft_desktop.cli import check_in
    from cft_desktop.core.ratings import SAFETY_FLOW_TEXT

    out = io.StringIO()
    assert check_in("imagery", _answers("no", "150", "80"), out) == ("distress_high",)
    assert "whole number from 0 to 100" in out.getvalue()
    calm = io.StringIO()
    assert check_in("imagery", _answers("a little", "20"), calm) == ()
    assert SAFETY_FLOW_TEXT[0] not in calm.getvalue()
    skipped = io.StringIO()
    assert check_in("imagery", _answers(), skipped) == ()  # end of input: skipped, no error


def test_play_check_in_is_only_after_imagery() -> None:
    from cft_desktop.cli import check_in

    out = io.StringIO()
    ask = _answers("a lot")
    assert check_in("breathing", ask, out) == () and out.getvalue() == ""
    assert ask.asked == []  # type: ignore[attr-defined]
