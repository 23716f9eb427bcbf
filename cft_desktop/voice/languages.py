"""Which languages the bundled neural voice speaks, and what a practice in another one needs.

Owns the answer to "can the usual voice say this practice?": the bundled piper voice speaks
English only, so a practice whose `language:` is anything else plays only from a recording in
a voice pack (own voice, issue 14). No audio code is imported; any thread.
"""

from __future__ import annotations

NEURAL_LANGUAGES: frozenset[str] = frozenset({"en"})
NEEDS_RECORDING = "needs a recording"


def neural_speaks(language: str) -> bool:
    """True if the usual voice can say a practice written in `language` ("en", "en-GB", "de")."""
    return language.split("-")[0].lower() in NEURAL_LANGUAGES


def needs_recording_message(title: str, language: str) -> str:
    return (f"“{title}” is written in a language the usual voice does not speak ({language}), so "
            "it plays only in a recorded voice with every phrase recorded. Choose that voice in "
            "the side panel, or record it first.")
