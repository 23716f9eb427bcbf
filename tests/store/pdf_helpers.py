"""Reading back the text of the PDFs fpdf writes (a uniquely named module: tests have no packages)."""

from __future__ import annotations

import re


def pdf_text(pdf: bytes) -> list[str]:
    """The text drawn on the page of an uncompressed PDF by fpdf (``compress=False``), one string
    per text object (fpdf draws each cell as one ``BT … ET``), in drawing order.

    The PDF's fonts are embedded subsets, so the bytes in a ``(…) Tj`` are glyph numbers, not
    letters; each font's /ToUnicode map turns them back into the text, as a PDF reader's copy
    and search do. (pypdf is not a dependency; this reads only what fpdf writes.)
    """
    objects = {int(m[1]): m[2] for m in re.finditer(rb"(?s)(\d+) 0 obj\s*(.*?)\s*endobj", pdf)}
    fonts: dict[bytes, dict[int, str]] = {}
    for resources in re.findall(rb"/Font\s*<<(.*?)>>", pdf, flags=re.DOTALL):
        for name, number in re.findall(rb"/(F\d+)\s+(\d+) 0 R", resources):
            unicode_map = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(number)])
            assert unicode_map is not None, f"font {name!r} has no /ToUnicode map"
            cmap = objects[int(unicode_map[1])]
            fonts[name] = {
                int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
                for code, text in re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>", cmap)
            }
    out: list[str] = []
    font: dict[int, str] = {}  # the font stays selected across text objects, as in a PDF reader
    for block in re.findall(rb"(?s)\bBT\b(.*?)\bET\b", pdf):
        pieces: list[str] = []
        # A font switch, a string shown with Tj, or (justified lines) an array of strings and
        # spacings shown with TJ.
        for switch, literal, array in re.findall(_TEXT_OPERATOR, block):
            if switch:
                font = fonts[switch]
                continue
            for each in [literal] if not array else re.findall(_LITERAL, array):
                codes = _unescape_pdf_string(each)
                pieces.extend(
                    font[int.from_bytes(codes[i:i + 2], "big")] for i in range(0, len(codes), 2)
                )
        if pieces:
            out.append("".join(pieces))
    return out


_LITERAL = rb"(?s)\(((?:\\.|[^\\)])*)\)"
_TEXT_OPERATOR = (
    rb"(?s)/(F\d+) [\d.]+ Tf"
    rb"|\(((?:\\.|[^\\)])*)\) Tj"
    rb"|\[((?:\((?:\\.|[^\\)])*\)|[-\d.\s])*)\]\s*TJ"
)
_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape_pdf_string(literal: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        escaped = match[1]
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return _PDF_ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.DOTALL)
