"""The one-page PDF summary: a real PDF that names the right numbers and labels.

pypdf is not a dependency, so the text is read back from fpdf's uncompressed content stream
(``compress=False``) through the embedded fonts' /ToUnicode maps (see `pdf_helpers.pdf_text`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pdf_helpers import pdf_text
from store_helpers import rated_session

from cft_desktop.core.ratings import ENGAGEMENT_NOTE
from cft_desktop.store.export import export_pdf
from cft_desktop.store.records import Records


def page_text(pdf: bytes) -> list[str]:
    """The text strings drawn on the page, in drawing order."""
    return pdf_text(pdf)


def test_pdf_summary_names_the_right_numbers(records: Records, tmp_path: Path) -> None:
    client = records.create_client("Curlew").client_id
    start = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    # distress: before 70, 60, 50 -> mean 60; after 40, 40, 25 -> 35: -25, marked, better
    # soothed:  before 50, 50, 50 -> 50; after 35, 40, 45 -> 40: -10, noticeable, worse
    # relaxed:  40 -> 40 in the two sessions that rated it after (the third skipped it)
    plans = [
        ({"distress": 70, "soothed": 50}, {"distress": 40, "soothed": 35, "upset": "no"}),
        ({"distress": 60, "soothed": 50}, {"distress": 40, "soothed": 40, "upset": "a lot"}),
        (
            {"distress": 50, "soothed": 50},
            {"distress": 25, "soothed": 45, "relaxed": None, "ease": 90, "upset": "no"},
        ),
    ]
    for day, (before, after) in enumerate(plans):
        rated_session(records, client, start + timedelta(days=7 * day), before, after)
    rated_session(records, records.default_client().client_id, start)  # someone else's

    out = tmp_path / "summary.pdf"
    summary = export_pdf(
        records, out, client, compress=False, generated_at=datetime(2026, 4, 1, 9, tzinfo=UTC)
    )

    raw = out.read_bytes()
    assert raw.startswith(b"%PDF-1.") and raw.rstrip().endswith(b"%%EOF")
    assert raw.count(b"/Type /Page") - raw.count(b"/Type /Pages") == 1  # one page
    text = page_text(raw)
    joined = "\n".join(text)
    assert "Client (pseudonym): Curlew" in text
    assert "Sessions: 3    Dates: 02 Mar 2026 to 16 Mar 2026" in text
    rows = {}
    for label in ("Distress", "Calm", "Safe and warm", "Harsh with myself"):
        at = text.index(label)
        rows[label] = text[at : at + 6]
    assert rows["Distress"] == ["Distress", "60.0", "35.0", "-25.0", "marked, better", "3"]
    assert rows["Safe and warm"] == ["Safe and warm", "50.0", "40.0", "-10.0", "noticeable, worse", "3"]
    assert rows["Calm"] == ["Calm", "40.0", "40.0", "+0.0", "under 10 points (same)", "2"]
    assert rows["Harsh with myself"][1:4] == ["40.0", "40.0", "+0.0"]
    # Never asked (optional items the therapist left off): not listed at all (issue 17 §5).
    assert "Energised" not in joined and "Kind to myself" not in joined
    assert [row.item_id for row in summary.items] == [
        "distress", "relaxed", "soothed", "self_criticism"]
    assert "Ease of getting a sense of the practice (after, mean): 56.7 (3 answers)" in joined
    assert "Did anything upsetting come up? no: 2, a little: 0, a lot: 1" in joined
    # Long notes wrap where the font's widths say; read them as one line.
    flat = " ".join(joined.split())
    assert ENGAGEMENT_NOTE in flat
    assert "rules of thumb borrowed from pain" in flat
    assert "Mean before and after (0-100)" in text
    assert re.search(rb"\d+\.\d+ \d+\.\d+ \d+\.\d+ -?\d+\.\d+ re f", raw), "chart bars drawn"

    distress = next(row for row in summary.items if row.item_id == "distress")
    assert distress.change is not None and distress.change.delta == -25
    assert not list(tmp_path.glob(".*.tmp"))


def test_default_is_the_active_profile_and_compressed_output_is_valid(
    records: Records, tmp_path: Path
) -> None:
    client = records.create_client("Dunlin").client_id
    records.switch_client(client)
    out = tmp_path / "dunlin.pdf"
    summary = export_pdf(records, out)
    assert summary.pseudonym == "Dunlin" and summary.sessions == 0
    raw = out.read_bytes()
    assert raw.startswith(b"%PDF-") and b"/FlateDecode" in raw
    plain = tmp_path / "plain.pdf"
    export_pdf(records, plain, compress=False)
    text = page_text(plain.read_bytes())
    assert "Sessions: 0    Dates: no sessions yet" in text
    assert "No paired ratings to chart yet." in text
