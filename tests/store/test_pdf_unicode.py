"""Any pseudonym prints in the PDF summary: Latin, Greek, Cyrillic and CJK letters, not '?'.

Issue 15 item 10. The fonts ship inside the package (DejaVu Sans, with Droid Sans Fallback for the
CJK glyphs DejaVu lacks); the text is read back through the PDF's own /ToUnicode maps and, where
poppler's pdftotext is installed, by that independent reader too.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pdf_helpers import pdf_text
from store_helpers import rated_session

from cft_desktop.store import export
from cft_desktop.store.export import export_pdf
from cft_desktop.store.records import Records

MIXED = "Zoë 山田 Ørsted"
GREEK_CYRILLIC = "Ζωή Петрова"


def _export(records: Records, pseudonym: str, out: Path, *, compress: bool = False) -> bytes:
    client = records.create_client(pseudonym).client_id
    rated_session(records, client, before={"distress": 60}, after={"distress": 40})
    export_pdf(records, out, client, compress=compress)
    return out.read_bytes()


def test_a_pseudonym_with_cjk_letters_prints_exactly(records: Records, tmp_path: Path) -> None:
    raw = _export(records, MIXED, tmp_path / "mixed.pdf")
    assert f"Client (pseudonym): {MIXED}" in pdf_text(raw)
    assert "Client (pseudonym): Zo\u00eb ?? \u00d8rsted" not in pdf_text(raw)  # as Helvetica printed it
    assert b"DejaVuSans" in raw and b"DroidSansFallback" in raw  # both embedded, as subsets
    assert len(raw) < 200_000  # subsets: not the 4 MB fallback font whole


def test_greek_and_cyrillic_need_no_fallback_font(records: Records, tmp_path: Path) -> None:
    raw = _export(records, GREEK_CYRILLIC, tmp_path / "greek.pdf")
    assert f"Client (pseudonym): {GREEK_CYRILLIC}" in pdf_text(raw)
    assert b"DroidSansFallback" not in raw  # only read when a glyph is missing from DejaVu


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_an_independent_reader_finds_the_names_in_the_compressed_file(
    records: Records, tmp_path: Path
) -> None:
    out = tmp_path / "compressed.pdf"
    _export(records, f"{MIXED} {GREEK_CYRILLIC}", out, compress=True)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True,
                          check=True, timeout=60).stdout.decode("utf-8")
    assert f"Client (pseudonym): {MIXED} {GREEK_CYRILLIC}" in text


def test_the_fonts_and_their_licences_ship_in_the_package() -> None:
    names = {p.name for p in export.FONTS_DIR.iterdir()}
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DroidSansFallbackFull.ttf"} <= names
    assert {"DejaVu-LICENSE.txt", "DroidSansFallback-LICENSE.txt"} <= names
    assert export.FONTS_DIR.parent == Path(export.__file__).resolve().parent
