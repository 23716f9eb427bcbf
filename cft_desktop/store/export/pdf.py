"""The one-page PDF summary for clinical notes: lays out a `Summary` (table, chart, the notes on
what the numbers mean) with the fonts shipped in ``fonts/`` beside this module.

fpdf is imported only when a page is drawn, so importing this module stays cheap. Runs on the
thread that owns the store (the GUI thread or the CLI's main thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cft_desktop.core.ratings import (
    ENGAGEMENT_NOTE,
    RULE_OF_THUMB_NOTE,
    ChangeSize,
    ItemChange,
)
from cft_desktop.store.export.common import write_export
from cft_desktop.store.export.summary import Summary, summarise
from cft_desktop.store.records import Records

# fpdf (with fontTools) takes ~0.4 s to import: only a PDF export pays for it, not start-up.
if TYPE_CHECKING:
    from fpdf import FPDF

# Helvetica knew Latin-1 only: "Zoë 山田" printed as "Zoë ??".
FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
FALLBACK_FONT = "DroidSansFallback"
_FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
_FALLBACK_FILE = "DroidSansFallbackFull.ttf"


def _add_fonts(pdf: FPDF, texts: Sequence[str]) -> None:
    """Embed DejaVu Sans (only the glyphs used), and the CJK fallback only when `texts` needs it:
    reading its 4 MB costs a third of a second."""
    for style, name in _FONT_FILES.items():
        pdf.add_font(FONT, style, str(FONTS_DIR / name))
    # fpdf keys fonts as family (lower case) + style; a font without a cmap counts as covering
    # nothing, so the fallback is loaded rather than a name printed as boxes.
    covered = [getattr(pdf.fonts[f"{FONT.lower()}{style}"], "cmap", {}) for style in _FONT_FILES]
    needed = {ord(char) for text in texts for char in text if not char.isspace()}
    if any(code not in cmap for cmap in covered for code in needed):
        pdf.add_font(FALLBACK_FONT, "", str(FONTS_DIR / _FALLBACK_FILE))
        # It has no bold: a bold line borrows its regular glyphs rather than printing boxes.
        pdf.set_fallback_fonts([FALLBACK_FONT], exact_match=False)


def _signed(value: float) -> str:
    return f"{value:+.1f}"


def _label(change: ItemChange) -> str:
    if change.size is ChangeSize.SMALL:
        return f"under 10 points ({change.direction.value})"
    return f"{change.size.value}, {change.direction.value}"


def _lines_of_text(pdf: FPDF, text: str, width: float, height: float) -> None:
    pdf.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")


def export_pdf(
    records: Records,
    out_path: Path,
    client: str | None = None,
    *,
    compress: bool = True,
    generated_at: datetime | None = None,
) -> Summary:
    """A one-page summary for clinical notes of `client` (the active profile if None).

    Returns the numbers it printed. ``compress=False`` leaves the page text readable in the
    file (tests use it to check what was printed).
    """
    owner = records.active_client() if client is None else records.client(client)
    summary = summarise(
        owner.pseudonym, records.sessions(owner.client_id), records.item_set(owner.client_id)
    )
    pdf = _render(summary, generated_at or datetime.now().astimezone())
    pdf.set_compression(compress)
    write_export(out_path, bytes(pdf.output()))
    return summary


def _render(summary: Summary, generated_at: datetime) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(18, 16, 18)
    pdf.add_page()
    pdf.set_title("Practice ratings summary")
    pdf.set_creator("CFT Desktop")
    _add_fonts(pdf, [summary.pseudonym, *(row.label for row in summary.items)])
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font(FONT, "B", 16)
    pdf.cell(width, 9, "Practice ratings summary", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    if summary.first is not None and summary.last is not None:
        span = f"{summary.first:%d %b %Y} to {summary.last:%d %b %Y}"
    else:
        span = "no sessions yet"
    _lines_of_text(pdf, f"Client (pseudonym): {summary.pseudonym}", width, 5.5)
    _lines_of_text(pdf, f"Sessions: {summary.sessions}    Dates: {span}", width, 5.5)
    _lines_of_text(pdf, f"Generated {generated_at:%d %b %Y %H:%M} by CFT Desktop", width, 5.5)
    pdf.ln(3)

    columns = (("Item", 38.0), ("Before", 22.0), ("After", 22.0), ("Change", 22.0))
    label_width = width - sum(w for _, w in columns) - 16
    pdf.set_font(FONT, "B", 10)
    for title, w in columns:
        pdf.cell(w, 6.5, title, border="B")
    pdf.cell(label_width, 6.5, "Rule-of-thumb label", border="B")
    pdf.cell(16, 6.5, "Pairs", border="B", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    for row in summary.items:
        pdf.cell(columns[0][1], 6.5, row.label)
        if row.change is None:
            pdf.cell(width - columns[0][1] - 16, 6.5, "no paired ratings")
        else:
            pdf.cell(columns[1][1], 6.5, f"{row.change.before:.1f}")
            pdf.cell(columns[2][1], 6.5, f"{row.change.after:.1f}")
            pdf.cell(columns[3][1], 6.5, _signed(row.change.delta))
            # Worsening is printed exactly as prominently as improvement.
            pdf.cell(label_width, 6.5, _label(row.change))
        pdf.cell(16, 6.5, str(row.pairs), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    ease = "not rated" if summary.mean_ease is None else f"{summary.mean_ease:.1f}"
    _lines_of_text(
        pdf,
        f"Ease of getting a sense of the practice (after, mean): {ease} "
        f"({summary.ease_answers} answer{'' if summary.ease_answers == 1 else 's'})",
        width,
        5.5,
    )
    upset = ", ".join(f"{choice}: {count}" for choice, count in summary.upset_counts)
    _lines_of_text(pdf, f"Did anything upsetting come up? {upset}", width, 5.5)
    pdf.ln(3)
    _chart(pdf, summary, width)
    pdf.ln(4)
    pdf.set_font(FONT, "", 9)
    _lines_of_text(
        pdf,
        "Means are over sessions rated both before and after. Higher is worse for distress and "
        "self-criticism; higher is better for the others.",
        width,
        4.6,
    )
    _lines_of_text(pdf, RULE_OF_THUMB_NOTE, width, 4.6)
    pdf.set_font(FONT, "B", 9)
    _lines_of_text(pdf, ENGAGEMENT_NOTE, width, 4.6)
    return pdf


def _chart(pdf: FPDF, summary: Summary, width: float) -> None:
    """Paired horizontal bars (before light, after dark) on a 0–100 axis, drawn with rects."""
    rows = [row for row in summary.items if row.change is not None]
    pdf.set_font(FONT, "B", 10)
    pdf.cell(width, 6, "Mean before and after (0-100)", new_x="LMARGIN", new_y="NEXT")
    if not rows:
        pdf.set_font(FONT, "", 10)
        pdf.cell(width, 6, "No paired ratings to chart yet.", new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font(FONT, "", 8)
    label_w = 34.0
    axis_x = pdf.l_margin + label_w
    axis_w = width - label_w - 14
    top = pdf.get_y() + 2
    bar_h = 3.6
    row_h = 2 * bar_h + 3.5
    bottom = top + row_h * len(rows)
    pdf.set_draw_color(190, 190, 190)
    for tick in (0, 25, 50, 75, 100):
        x = axis_x + axis_w * tick / 100
        pdf.line(x, top - 1, x, bottom)
        pdf.set_xy(x - 5, bottom + 0.5)
        pdf.cell(10, 4, str(tick), align="C")
    for n, row in enumerate(rows):
        assert row.change is not None
        y = top + n * row_h
        pdf.set_xy(pdf.l_margin, y + bar_h - 2)
        pdf.cell(label_w - 2, 4, row.label, align="R")
        for k, (value, shade) in enumerate(((row.change.before, 185), (row.change.after, 70))):
            pdf.set_fill_color(shade, shade, shade)
            pdf.rect(axis_x, y + k * bar_h, max(axis_w * value / 100, 0.3), bar_h - 0.4, style="F")
        pdf.set_xy(axis_x + axis_w + 1, y + bar_h - 2)
        pdf.cell(13, 4, _signed(row.change.delta))
    legend_y = bottom + 6
    for k, (name, shade) in enumerate((("before", 185), ("after", 70))):
        x = axis_x + k * 30
        pdf.set_fill_color(shade, shade, shade)
        pdf.rect(x, legend_y, 5, 3, style="F")
        pdf.set_xy(x + 6, legend_y - 0.5)
        pdf.cell(20, 4, name)
    pdf.set_xy(pdf.l_margin, legend_y + 5)

