"""Colours for script text in the editor: front matter, cue lines, [in]/[out] lines and comments.

Owns the highlighting rules and their colours, taken from the theme's palette (so they follow
light/dark and keep the palette's checked contrast), plus the one extra colour the editor needs:
the mark under a line with a problem. It only colours what a line *looks* like; whether a cue is
valid is for the validator (`core.script`), whose problems the editor underlines. GUI thread only
(Qt calls `highlightBlock` while laying out the document).
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from cft_desktop.ui.common.theme import LIGHT, Palette

# Non-text marks need 3:1 against the editor's background (WCAG 1.4.11); checked in the tests.
PROBLEM_MARK = {"light": "#a4471f", "dark": "#f0a774"}

# Block states carried from line to line.
_BODY = 0
_FRONT_MATTER = 1
_COMMENT = 2

_KEY = re.compile(r"^([A-Za-z_][\w-]*)(\s*:)")
_CUE = re.compile(r"^(\s*)(\[[^\]]*\])")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_BREATH_LINE = re.compile(r"^\s*\[(?:in|out)\]", re.IGNORECASE)


def problem_mark(palette: Palette) -> str:
    return PROBLEM_MARK.get(palette.name, PROBLEM_MARK["light"])


class ScriptHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument, palette: Palette = LIGHT) -> None:
        super().__init__(document)
        self.set_palette(palette, rehighlight=False)

    def set_palette(self, palette: Palette, rehighlight: bool = True) -> None:
        p = palette
        self.fence = _format(p.heading_text, bold=True)
        self.key = _format(p.heading_text, bold=True)
        self.value = _format(p.text)
        self.cue = _format(p.accent, bold=True)
        self.number = _format(p.focus, bold=True)
        self.breath_text = _format(p.text, italic=True)
        self.comment = _format(p.muted_text, italic=True)
        if rehighlight:
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        previous = self.previousBlockState()
        block_number = self.currentBlock().blockNumber()
        if block_number == 0 and text.lstrip("\ufeff").strip() == "---":
            self.setFormat(0, len(text), self.fence)
            self.setCurrentBlockState(_FRONT_MATTER)
            return
        if previous == _FRONT_MATTER:
            if text.strip() == "---":
                self.setFormat(0, len(text), self.fence)
                self.setCurrentBlockState(_BODY)
                return
            self._front_matter_line(text)
            self.setCurrentBlockState(_FRONT_MATTER)
            return
        self._body_line(text, in_comment=previous == _COMMENT)

    def _front_matter_line(self, text: str) -> None:
        if text.lstrip().startswith("#"):
            self.setFormat(0, len(text), self.comment)
            return
        match = _KEY.match(text)
        if match is not None:
            self.setFormat(0, match.end(2), self.key)
            self.setFormat(match.end(2), len(text) - match.end(2), self.value)

    def _body_line(self, text: str, in_comment: bool) -> None:
        # Cues first; comments are painted over them, as the parser removes comments first.
        cue = _CUE.match(text)
        if cue is not None and not in_comment:
            start, end = cue.start(2), cue.end(2)
            self.setFormat(start, end - start, self.cue)
            for number in _NUMBER.finditer(text, start, end):
                self.setFormat(number.start(), number.end() - number.start(), self.number)
            if _BREATH_LINE.match(text):
                self.setFormat(end, len(text) - end, self.breath_text)
        state = _BODY
        position = 0
        if in_comment:
            close = text.find("-->")
            if close < 0:
                self.setFormat(0, len(text), self.comment)
                self.setCurrentBlockState(_COMMENT)
                return
            self.setFormat(0, close + 3, self.comment)
            position = close + 3
        while True:
            open_at = text.find("<!--", position)
            if open_at < 0:
                break
            close = text.find("-->", open_at + 4)
            if close < 0:
                self.setFormat(open_at, len(text) - open_at, self.comment)
                state = _COMMENT
                break
            self.setFormat(open_at, close + 3 - open_at, self.comment)
            position = close + 3
        self.setCurrentBlockState(state)


def _format(colour: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    result = QTextCharFormat()
    result.setForeground(QColor(colour))
    if bold:
        result.setFontWeight(QFont.Weight.DemiBold)
    result.setFontItalic(italic)
    return result
