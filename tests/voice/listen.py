"""The mechanised listening pass over the shipped scripts (issue 5): nobody here can hear the voice,
so this tool listens for us.

Owns three checks and their review lists:

* pronunciation: every word the voice speaks, as the phonemes piper really feeds the model (espeak-ng,
  taken in context from the very text `PiperVoiceBackend` hands to piper), compared with the CMU
  pronouncing dictionary that the `pocketsphinx` package bundles. A *material* mismatch is a wrong or
  missing consonant or a different number of syllables; stress and vowel reduction are ignored. A
  *vowel* mismatch is a full vowel of another quality (``done`` as /doʊn/ for /dʌn/). Words CMU
  lacks, words espeak spells letter by letter and words it reads as another language are flagged too;
* heteronyms: for words whose sound depends on their sense (``close``, ``lives``, ``content`` …) each
  occurrence must match the sense a person reviewed for its context (`REVIEWED_SENSES`);
* recognition (``--recognise``, slow): every phrase rendered with the real voice and transcribed by
  pocketsphinx; words the recogniser keeps missing are listed. Pocketsphinx with its general language
  model is a poor listener, so this only points at words to look at, it proves nothing.

`ALLOWED` lists mismatches checked and found fine. `tests/voice/test_pronunciation.py` fails on any
finding not covered by these lists. Run ``python -m tests.voice.listen [--recognise]`` for the report.
pocketsphinx is a development tool only, never a dependency of the product.
"""

from __future__ import annotations

import argparse
import collections
import difflib
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cft_desktop.core.library import Library
from cft_desktop.core.pacing import DEFAULT_SPEECH_LENGTH_SCALE
from cft_desktop.voice.piper import PiperVoiceBackend

# --------------------------------------------------------------------------------------------------
# Review lists: what a person decided after looking at a finding.
# --------------------------------------------------------------------------------------------------

ALLOWED: dict[str, str] = {
    # Not in CMU. espeak: /tˈɪŋli/, "tingle" + "-ly", two syllables, as it should be.
    "tingly": "not in CMU; espeak's /tɪŋli/ is right",
    # Not in CMU. espeak: /pɹˈɪkəl/, rhymes with "pickle", as it should.
    # espeak: /kˈʌmftəbəl/, three syllables: the usual American "COMF-ta-ble". CMU has only the
    # four-syllable spelling pronunciation.
    "comfortable": "'COMF-ta-ble', the everyday American form",
    "uncomfortable": "'un-COMF-ta-ble', the everyday American form",
    # espeak: /ɪntˈɛnʃən/; CMU writes the t-glide (n-ch). Both are standard and sound alike.
    "intention": "/-nʃən/ and /-ntʃən/ are both standard",
    # espeak: /ɹˈiːʲəl/, "REE-ul"; CMU has only the one-syllable "reel". Two syllables is the careful
    # form a calm narrator uses, and never heard as another word.
    "real": "'REE-ul', the careful two-syllable form",
    # espeak: /aɪdˈiəl/, "eye-DEE-ul", three syllables; CMU squeezes it to two.
    "ideal": "'eye-DEE-ul', standard",
    # espeak: /jˈuːʒuːəli/, "YOO-zhoo-uh-lee"; CMU writes a w glide between the vowels.
    "usually": "'YOO-zhoo-uh-lee', the glide CMU writes is there anyway",
}
"""Words whose finding was checked by reading espeak's phonemes and found fine, with why."""

HETERONYMS: dict[str, dict[str, str]] = {
    # sense -> espeak's phonemes for that sense (stress marks kept: some pairs differ only there).
    "close": {"near": "klˈoʊs", "shut": "klˈoʊz"},
    "closer": {"nearer": "klˈoʊsɚ", "one who shuts": "klˈoʊzɚ"},
    "live": {"be alive": "lˈɪv", "alive": "lˈaɪv"},
    "lives": {"is alive": "lˈɪvz", "plural of life": "lˈaɪvz"},
    "tear": {"teardrop": "tˈɪɹ", "rip": "tˈɛɹ"},
    "tears": {"teardrops": "tˈɪɹz", "rips": "tˈɛɹz"},
    "wind": {"moving air": "wˈɪnd", "coil": "wˈaɪnd"},
    "winds": {"moving air": "wˈɪndz", "coils": "wˈaɪndz"},
    "wound": {"injury": "wˈuːnd", "coiled": "wˈaʊnd"},
    "present": {"here now": "pɹˈɛzənt", "to show": "pɹɪzˈɛnt"},
    "content": {"what is inside": "kˈɑːntɛnt", "satisfied": "kəntˈɛnt"},
    "read": {"reads now": "ɹˈiːd", "has read": "ɹˈɛd"},
    "lead": {"guide": "lˈiːd", "metal": "lˈɛd"},
    "bow": {"ribbon": "bˈoʊ", "bend": "bˈaʊ"},
    "use": {"a use": "jˈuːs", "to use": "jˈuːz"},
    "used": {"made use of": "jˈuːzd", "accustomed": "jˈuːst"},
    "object": {"a thing": "ˈɑːbdʒɛkt", "to oppose": "əbdʒˈɛkt"},
    "minute": {"sixty seconds": "mˈɪnɪt", "tiny": "maɪnˈuːt"},
    "does": {"do": "dˈʌz", "female deer": "dˈoʊz"},
    "row": {"a line": "ɹˈoʊ", "a quarrel": "ɹˈaʊ"},
    "upset": {"distressed": "ʌpsˈɛt", "a surprise result": "ˈʌpsɛt"},
    "desert": {"dry land": "dˈɛzɚt", "abandon": "dɪzˈɜːt"},
    "refuse": {"decline": "ɹɪfjˈuːz", "rubbish": "ɹˈɛfjuːs"},
    "excuse": {"a reason": "ɛkskjˈuːs", "to pardon": "ɛkskjˈuːz"},
    "separate": {"apart": "sˈɛpɹət", "to part": "sˈɛpɚɹeɪt"},
    "record": {"a record": "ɹˈɛkɚd", "to record": "ɹɪkˈɔːɹd"},
    "perfect": {"flawless": "pˈɜːfɛkt", "to perfect": "pɚfˈɛkt"},
}
"""Words that change sound with sense. Every occurrence in a script must be reviewed below."""

REVIEWED_SENSES: dict[str, str] = {
    # "previous word, heteronym, next word" (lower case; ^ and $ mark the phrase's ends, * any one
    # word) -> the sense meant there. The check then insists that the voice says that sense.
    "might close your": "shut",  # You might close your eyes
    "can close or": "shut",  # Your eyes can close, or stay open
    "something close by": "near",  # Perhaps light and colour, open space, or something close by.
    "it closer or": "nearer",  # You can move it closer, or further away
    "one minute just": "sixty seconds",  # Let's take one minute, just for you.
    "might use with": "to use",  # It is the tone you might use with a friend
    "an object $": "a thing",  # A colour, a shape, an object.
    "is perfect $": "flawless",  # A small moment is perfect.
    "* does not": "do",  # It does not need to be …
    "* does it": "do",  # Does it have a shape, a colour, a size?
}
"""The sense meant at each reviewed heteronym occurrence, keyed by its three-word window."""

# --------------------------------------------------------------------------------------------------
# Spoken text
# --------------------------------------------------------------------------------------------------

WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*")
# espeak ends a clause at these when a space or the end follows; the phonemes come back per clause.
CLAUSE_END = re.compile(r"[,.!?;:]+(?=\s|$)")


@dataclass(frozen=True)
class SpokenPhrase:
    script_id: str
    line: int
    text: str


def shipped_phrases(scripts_dir: Path | None = None) -> list[SpokenPhrase]:
    """Every phrase of every shipped script, in order, parsed as the player parses it."""
    library = Library(builtin_dir=scripts_dir)
    return [
        SpokenPhrase(script.id, phrase.line, phrase.text)
        for script in library.scripts()
        for phrase in script.phrases()
    ]


def words_of(text: str) -> list[str]:
    return [w.replace("’", "'").lower().strip("'-") for w in WORD.findall(text)]


# piper speaks each sentence as an utterance of its own; a sentence ends at . ! or ? (closing quotes
# and brackets may follow) before a space or the end of the phrase.
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)]))\s+")


def sentences_of(text: str) -> list[str]:
    return [s for s in (part.strip() for part in SENTENCE_END.split(text)) if s]


def sentences_opening_with_l(phrases: Iterable[SpokenPhrase]) -> list[tuple[SpokenPhrase, str]]:
    """(phrase, sentence) for each spoken sentence whose first word starts with an l.

    Utterance-initial /l/ in this voice comes out dark and /w/-like ("Let your breath slow" heard as
    "wet your breath slow"); after another word it is a clear /l/. See test_pronunciation.py."""
    return [
        (phrase, sentence)
        for phrase in phrases
        for sentence in sentences_of(phrase.text)
        if (first := words_of(sentence)[:1]) and first[0].startswith("l")
    ]


# Inside a sentence the /l/ is /w/-like again after a pause or a rounded / high-back vowel. Forced
# choice between let/what/wet/yet/light/white, 8 renders each: "Now let your breathing…",
# "Now, slowly, let the place fade", "If it feels right, let…", "When you are ready, let…" were all
# heard as /w/ 0 of 8 times as /l/; "Gently let your…" and "You can let the breath…" 8 of 8 as /l/.
# "life" after a comma or such a word is heard as "wife". "or" (a rounded vowel too) is on the list
# because "You might close your eyes, or let your gaze rest low." was heard with /l/ 0 of 8 times.
PAUSE_MARKS = frozenset(",;:-–—…")
ROUNDED_BEFORE_L = frozenset(
    ("now", "so", "go", "perhaps", "though", "too", "you", "to", "do", "who", "know", "or")
)


def l_words_after_a_pause_or_rounded_vowel(
    phrases: Iterable[SpokenPhrase],
) -> list[tuple[SpokenPhrase, str, str]]:
    """(phrase, sentence, "<before> <l-word>") for each word starting with an l that comes straight
    after a comma, semicolon, colon or dash inside a sentence, or after one of `ROUNDED_BEFORE_L`.
    A hyphen inside a word ("out-breath") is no pause. Sentence-initial words are
    `sentences_opening_with_l`'s business."""
    found: list[tuple[SpokenPhrase, str, str]] = []
    for phrase in phrases:
        for sentence in sentences_of(phrase.text):
            for before, match in pairwise(WORD.finditer(sentence)):
                [word], [previous] = words_of(match.group()), words_of(before.group())
                if not word.startswith("l"):
                    continue
                # WORD keeps trailing hyphens ("slow-- let"): those are a dash, not part of the word.
                dashes = before.group()[len(before.group().rstrip("-")) :]
                gap = dashes + sentence[before.end() : match.start()]
                if PAUSE_MARKS & set(gap):
                    found.append((phrase, sentence, f"{previous}{gap.rstrip()} {word}"))
                elif previous in ROUNDED_BEFORE_L:
                    found.append((phrase, sentence, f"{previous} {word}"))
    return found


class _RecordingModel:
    """Stands in for the loaded piper voice to catch the exact text the backend passes to it."""

    def __init__(self, real: Any) -> None:
        self.config = real.config  # the backend reads the sample rate from here
        self.texts: list[str] = []

    def synthesize(self, text: str, *_: object, **__: object) -> list[object]:
        self.texts.append(text)
        return []


class Espeak:
    """piper's own phonemizer, fed exactly what the product feeds it."""

    def __init__(self) -> None:
        self.backend = PiperVoiceBackend()
        self.voice: Any = self.backend._load()  # the loaded PiperVoice
        self.voice.phonemize("ready")  # initialises espeak-ng inside piper
        from piper import espeakbridge

        self._bridge: Any = espeakbridge
        self._recorder = _RecordingModel(self.voice)

    def speech_text(self, text: str) -> str:
        """The text as the backend hands it to piper, after whatever normalising it does."""
        self.backend._model = self._recorder
        try:
            self.backend.synthesize(text, DEFAULT_SPEECH_LENGTH_SCALE)
        finally:
            self.backend._model = self.voice
        if len(self._recorder.texts) != 1:
            raise RuntimeError("PiperVoiceBackend no longer passes one text to piper: update listen.py")
        return self._recorder.texts.pop()

    def clauses(self, text: str) -> list[tuple[str, str]]:
        """(phonemes with espeak's language flags kept, terminator) per clause of `text`."""
        raw = self._bridge.get_phonemes(text)
        clauses = [(phonemes, terminator) for phonemes, terminator, _ in raw]
        # The flags aside, this must be what piper synthesises, or the check looks at the wrong thing.
        mine = "".join(
            re.sub(r"\([^)]+\)", "", p) + t + (" " if t in (",", ":", ";") else "") for p, t in clauses
        )
        theirs = "".join("".join(sentence) for sentence in self.voice.phonemize(text))
        if _nfd(mine) != _nfd(theirs):
            raise RuntimeError(f"espeak bridge and PiperVoice.phonemize disagree on {text!r}")
        return clauses

    @cache  # noqa: B019  # one Espeak per run; the cache is the point
    def word(self, word: str) -> str:
        """The phonemes of one word said on its own."""
        return " ".join(p for p, _ in self.clauses(word)).strip()


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# --------------------------------------------------------------------------------------------------
# Phonemes: espeak's IPA and CMU's ARPAbet, both brought to one coarse alphabet.
# --------------------------------------------------------------------------------------------------

_IPA: dict[str, tuple[str, ...]] = {
    "tʃ": ("CH",), "dʒ": ("JH",), "p": ("P",), "b": ("B",), "t": ("T",), "d": ("D",), "k": ("K",),
    "ɡ": ("G",), "g": ("G",), "f": ("F",), "v": ("V",), "θ": ("TH",), "ð": ("DH",), "s": ("S",),
    "z": ("Z",), "ʃ": ("SH",), "ʒ": ("ZH",), "h": ("HH",), "m": ("M",), "n": ("N",), "ŋ": ("NG",),
    "l": ("L",), "ɹ": ("R",), "r": ("R",), "w": ("W",), "j": ("Y",), "x": ("K",),
    # American flap and glottal stop stand for a t or d.
    "ɾ": ("DX",), "ʔ": ("Q",),
    # espeak's centring diphthongs are one vowel each (the r after them is written separately).
    # Before an r, espeak's "iə" is the one vowel of "near"; elsewhere it is two ("area", "ideal").
    "iəɹ": ("IY", "R"), "iə": ("IY", "AX"), "ɪə": ("IH",), "eə": ("EH",), "ʊə": ("UH",),
    "n̩": ("AX", "N"), "l̩": ("AX", "L"), "m̩": ("AX", "M"),
    "eɪ": ("EY",), "aɪ": ("AY",), "aʊ": ("AW",), "ɔɪ": ("OY",), "oʊ": ("OW",), "əʊ": ("OW",),
    "iː": ("IY",), "i": ("IY",), "ɪ": ("IH",), "ᵻ": ("AX",), "e": ("EY",), "ɛ": ("EH",),
    "æ": ("AE",), "a": ("AE",), "ɑː": ("AA",), "ɑ": ("AA",), "ɒ": ("AA",), "ɔː": ("AA",),
    "ɔ": ("AA",), "o": ("OW",), "oː": ("OW",), "ʊ": ("UH",), "uː": ("UW",), "u": ("UW",),
    "ʌ": ("AH",), "ə": ("AX",), "ɐ": ("AX",), "ɚ": ("ER",), "ɜː": ("ER",), "ɜ": ("ER",),
}
_IPA_NFD = sorted(((_nfd(k), v) for k, v in _IPA.items()), key=lambda kv: len(kv[0]), reverse=True)
_IGNORED = set("ʲ-‿ ")  # palatal glide-off, hyphen, links
VOWELS = {"AA", "AE", "AH", "AO", "AW", "AX", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}
# Vowel pairs that CMU and espeak write differently for one sound (reduction, US tensing, weak
# forms): never a finding.
_SAME_VOWEL = {
    frozenset(p)
    for p in (
        ("IH", "IY"), ("IH", "AH"), ("IH", "EH"), ("AH", "AA"), ("AH", "UH"), ("AH", "ER"),
        ("UH", "UW"), ("IH", "ER"), ("EH", "EY"), ("AE", "EH"), ("AA", "AE"), ("UH", "ER"),
    )
}


def ipa_tokens(ipa: str) -> list[str]:
    """espeak IPA to coarse symbols, a stressed vowel marked with a trailing "'"; unknown symbols stay
    as '?x' and so always count as a mismatch."""
    text = _nfd(ipa)
    out: list[str] = []
    stressed = False
    i = 0
    while i < len(text):
        if text[i] in "ˈˌ":
            stressed = True  # espeak writes the mark just before the vowel it stresses
            i += 1
            continue
        if text[i] in _IGNORED:
            i += 1
            continue
        for key, symbols in _IPA_NFD:
            if text.startswith(key, i):
                for symbol in symbols:
                    if stressed and symbol in VOWELS:
                        symbol, stressed = symbol + "'", False
                    out.append(symbol)
                i += len(key)
                break
        else:
            if text[i] == "ː":  # length after a vowel the table lacks: no sound of its own
                i += 1
                continue
            out.append(f"?{text[i]}")
            i += 1
    return _canonical(out)


def arpabet_tokens(phones: Sequence[str]) -> list[str]:
    return _canonical([re.sub(r"\d", "", p).upper() for p in phones])


def base(token: str) -> str:
    return token.rstrip("'")


def _canonical(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        mark = "'" if token.endswith("'") else ""
        token = "AA" + mark if base(token) == "AO" else token  # cot and caught: one vowel for this voice
        # An r-coloured vowel is a vowel and an r, however each side writes it.
        parts = [token, "R"] if base(token) == "ER" else [token]
        for part in parts:
            if part == "R" and out and out[-1] == "R":
                continue
            out.append(part)
    return out


@dataclass(frozen=True)
class Comparison:
    material: bool
    vowel: bool
    detail: str


def compare(espeak: list[str], cmu: list[str]) -> Comparison:
    """Align the two phoneme strings (weighted edit distance) and say what kind of difference is left."""
    n, m = len(espeak), len(cmu)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, str]]] = [[(0, 0, "")] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == inf:
                continue
            if i < n and j < m:
                step, kind = _substitution(espeak[i], cmu[j])
                if {base(espeak[i]), cmu[j]} == {"N", "NG"} and cmu[j + 1 : j + 2] in (["K"], ["G"]):
                    step, kind = 0.0, ""  # n before k or g is said ng ("uncomfortable")
                if here + step < cost[i + 1][j + 1]:
                    cost[i + 1][j + 1] = here + step
                    back[i + 1][j + 1] = (i, j, kind)
            if i < n and here + 1 < cost[i + 1][j]:
                cost[i + 1][j] = here + 1
                back[i + 1][j] = (i, j, "extra " + base(espeak[i]))
            # American English drops the y of "duty" and "new": CMU keeps it.
            yod = 0 < j < m - 1 and cmu[j] == "Y" and cmu[j - 1] in _YOD_DROPPERS and cmu[j + 1] == "UW"
            if j < m and yod and here < cost[i][j + 1]:
                cost[i][j + 1] = here
                back[i][j + 1] = (i, j, "")
            elif j < m and here + 1 < cost[i][j + 1]:
                cost[i][j + 1] = here + 1
                back[i][j + 1] = (i, j, "missing " + cmu[j])
    edits: list[str] = []
    i, j = n, m
    while i or j:
        pi, pj, kind = back[i][j]
        if kind:
            edits.append(kind)
        i, j = pi, pj
    edits.reverse()
    syllables = sum(base(t) in VOWELS for t in espeak) - sum(base(t) in VOWELS for t in cmu)
    consonant = [e for e in edits if not e.startswith("vowel") and not _is_vowel_edit(e)]
    vowel = [e for e in edits if e.startswith("vowel")]
    material = bool(consonant) or syllables != 0
    detail = "; ".join(edits)
    if syllables:
        detail = f"{syllables:+d} syllable(s); {detail}"
    return Comparison(material, bool(vowel), detail)


_YOD_DROPPERS = {"T", "D", "N", "S", "Z", "L", "TH"}


def _is_vowel_edit(edit: str) -> bool:
    # An inserted or dropped vowel changes the syllable count, which `syllables` already reports;
    # it is not a consonant edit.
    return edit.split(" ", 1)[-1] in VOWELS


def _substitution(said: str, b: str) -> tuple[float, str]:
    """Cost of espeak's `said` where CMU has `b`."""
    a = base(said)
    if a == b:
        return 0.0, ""
    if a in VOWELS and b in VOWELS:
        if "AX" in (a, b) or frozenset((a, b)) in _SAME_VOWEL:
            return 0.0, ""
        if not said.endswith("'") and b in ("AH", "IH"):
            return 0.0, ""  # CMU's schwa where espeak keeps an unstressed full vowel: reduction only
        return 0.4, f"vowel {a} for {b}"
    if a in VOWELS or b in VOWELS:
        return 2.0, f"{a} for {b}"
    if (a == "DX" and b in ("T", "D")) or (a == "Q" and b == "T"):
        return 0.0, ""
    return 1.0, f"{a} for {b}"


# --------------------------------------------------------------------------------------------------
# The CMU dictionary bundled with pocketsphinx
# --------------------------------------------------------------------------------------------------


def cmu_dictionary_path() -> Path:
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"


@cache
def cmu() -> dict[str, list[list[str]]]:
    entries: dict[str, list[list[str]]] = collections.defaultdict(list)
    with cmu_dictionary_path().open(encoding="utf-8") as lines:
        for line in lines:
            word, *phones = line.split()
            entries[re.sub(r"\(\d+\)$", "", word)].append(phones)
    return dict(entries)


def _ascii(word: str) -> str:
    """CMU spells "façade" as "facade"."""
    return "".join(c for c in _nfd(word) if ord(c) < 128)


def cmu_variants(word: str) -> list[list[str]] | None:
    """CMU's pronunciations of `word`; a hyphenated word is its parts said one after the other."""
    entries = cmu()
    word = _ascii(word)
    if word in entries:
        # CMU also lists some words as spelled out ("us" as U.S.): matching that reading would pass a
        # voice that spells the word, so it never counts as a pronunciation of the word.
        spelled = [p for letter in word for p in (entries.get(letter) or [["?"]])[0]]
        return [arpabet_tokens(v) for v in entries[word] if len(word) == 1 or v != spelled] or None
    parts = [p for p in word.split("-") if p]
    if len(parts) < 2 or not all(p in entries for p in parts):
        return None
    variants: list[list[str]] = [[]]
    for part in parts:
        variants = [v + arpabet_tokens(p) for v in variants for p in entries[part]]
    return variants


# --------------------------------------------------------------------------------------------------
# The pronunciation check
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    script_id: str
    line: int
    word: str
    kind: str  # material | vowel | absent | spelled | language | heteronym
    espeak: str
    expected: str
    detail: str
    context: str
    allowed: str = ""  # why a person let it stand; empty when nobody has


@dataclass(frozen=True)
class Occurrence:
    """One word as spoken in one phrase."""

    phrase: SpokenPhrase
    word: str
    window: str  # "previous word next", ^ and $ at the phrase's ends
    # espeak's phoneme word for it; when espeak ran it together with neighbours ("do not" ->
    # dʌznˌɑːt), the whole run, with `group` the words in it and `position` this word's place there.
    said: str | None
    group: tuple[str, ...] = ()
    position: int = 0
    language: str | None = None

    @property
    def alone(self) -> bool:
        return self.said is not None and len(self.group) <= 1


def occurrences(espeak: Espeak, phrase: SpokenPhrase) -> list[Occurrence]:
    """Each word of the phrase with the phonemes espeak gives it in that phrase."""
    text = espeak.speech_text(phrase.text)
    clauses = espeak.clauses(text)
    clause_texts = [c for c in CLAUSE_END.split(text) if words_of(c)]
    all_words = words_of(text)
    said: list[tuple[str | None, tuple[str, ...], int, str | None]] = []
    if len(clause_texts) == len(clauses):
        for clause_text, (phonemes, _) in zip(clause_texts, clauses, strict=True):
            said.extend(_align_clause(espeak, words_of(clause_text), phonemes))
    if len(said) != len(all_words):  # the clauses did not line up: judge each word on its own
        said = [(None, (), 0, None)] * len(all_words)
    found: list[Occurrence] = []
    for index, word in enumerate(all_words):
        before = all_words[index - 1] if index else "^"
        after = all_words[index + 1] if index + 1 < len(all_words) else "$"
        token, group, position, language = said[index]
        found.append(Occurrence(phrase, word, f"{before} {word} {after}", token, group, position, language))
    return found


def _align_clause(
    espeak: Espeak, words: list[str], phonemes: str
) -> list[tuple[str | None, tuple[str, ...], int, str | None]]:
    """Pair each word with its phoneme word (or the run of words espeak said as one)."""
    languages: list[str | None] = []
    clean: list[str] = []
    for token in phonemes.split():
        flag = re.search(r"\(([a-z-]+)\)", token)
        languages.append(flag.group(1) if flag and flag.group(1) not in ("en", "en-us") else None)
        clean.append(re.sub(r"\([^)]+\)", "", token))
    n, m = len(words), len(clean)
    if m > n or not m:
        return [(None, (), 0, None)] * n
    if m == n:
        sizes = [1] * n
    else:
        # Split the words into m consecutive runs so that each run sounds most like its token.
        alone = [ipa_tokens(espeak.word(w)) for w in words]
        inf = float("inf")
        best = [[inf] * (m + 1) for _ in range(n + 1)]
        take = [[0] * (m + 1) for _ in range(n + 1)]
        best[0][0] = 0.0
        for i in range(n):
            for j in range(m):
                if best[i][j] == inf:
                    continue
                for size in range(1, min(4, n - i) + 1):
                    joined = [t for w in alone[i : i + size] for t in w]
                    score = best[i][j] + _distance(ipa_tokens(clean[j]), joined)
                    if score < best[i + size][j + 1]:
                        best[i + size][j + 1] = score
                        take[i + size][j + 1] = size
        if best[n][m] == inf:
            return [(None, (), 0, None)] * n
        sizes = []
        i, j = n, m
        while j:
            sizes.append(take[i][j])
            i, j = i - take[i][j], j - 1
        sizes.reverse()
    out: list[tuple[str | None, tuple[str, ...], int, str | None]] = []
    start = 0
    for token, language, size in zip(clean, languages, sizes, strict=True):
        group = tuple(words[start : start + size])
        out.extend((token, group, k, language) for k in range(size))
        start += size
    return out


def _distance(a: list[str], b: list[str]) -> int:
    return sum(
        max(i2 - i1, j2 - j1)
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, [base(t) for t in a], [base(t) for t in b],
                                                          autojunk=False).get_opcodes()
        if op != "equal"
    )


def _symbols(ipa: str) -> list[str]:
    return [c for c in _nfd(ipa).replace("ː", "").replace("ᵻ", "ɪ").replace("ɐ", "ə") if c != "ʲ"]


def _sense(espeak: Espeak, occurrence: Occurrence) -> str:
    """The sense of the heteronym that espeak said: the one whose phonemes (stress included), put in
    place among its run's other words, come nearest to what it said."""
    assert occurrence.said is not None
    said = _symbols(occurrence.said)

    def distance(form: str) -> float:
        group = occurrence.group or (occurrence.word,)
        expected = "".join(
            form if k == occurrence.position else espeak.word(w) for k, w in enumerate(group)
        )
        return 1 - difflib.SequenceMatcher(None, said, _symbols(expected), autojunk=False).ratio()

    return min(HETERONYMS[occurrence.word].items(), key=lambda item: distance(item[1]))[0]


def reviewed_sense(window: str) -> tuple[str, str] | None:
    """(key, sense) of the REVIEWED_SENSES entry for this window; '*' stands for any one word."""
    before, word, after = window.split(" ")
    for key in (window, f"* {word} {after}", f"{before} {word} *", f"* {word} *"):
        if key in REVIEWED_SENSES:
            return key, REVIEWED_SENSES[key]
    return None


def check_pronunciation(
    phrases: Iterable[SpokenPhrase], espeak: Espeak | None = None
) -> list[Finding]:
    """Every finding for every word of `phrases`, allowed ones included (marked `allowed`)."""
    espeak = espeak or Espeak()
    findings: list[Finding] = []
    judged: dict[tuple[str, str], list[Finding]] = {}
    for phrase in phrases:
        for occurrence in occurrences(espeak, phrase):
            word = occurrence.word
            context = _context(phrase.text, occurrence.window)
            if occurrence.language:
                findings.append(
                    Finding(phrase.script_id, phrase.line, word, "language", occurrence.said or "",
                            "en-us", f"espeak switched to '{occurrence.language}'", context,
                            ALLOWED.get(word, ""))
                )
            if word in HETERONYMS:
                # Both senses are real words, so CMU cannot say which one was meant: the review can.
                findings.extend(_heteronym(espeak, occurrence, context))
                continue
            # What the voice says there; inside a run of words, the word said on its own stands in.
            form = occurrence.said if occurrence.alone and occurrence.said else espeak.word(word)
            if (word, form) not in judged:
                judged[(word, form)] = _judge_word(word, form)
            findings.extend(
                Finding(phrase.script_id, phrase.line, f.word, f.kind, f.espeak, f.expected, f.detail,
                        context, f.allowed)
                for f in judged[(word, form)]
            )
    return findings


def _context(text: str, window: str) -> str:
    return window.replace("^ ", "").replace(" $", "") if len(text) > 60 else text


def _heteronym(espeak: Espeak, occurrence: Occurrence, context: str) -> list[Finding]:
    phrase, word = occurrence.phrase, occurrence.word

    def finding(said: str, expected: str, detail: str) -> list[Finding]:
        return [Finding(phrase.script_id, phrase.line, word, "heteronym", said, expected, detail, context)]

    if occurrence.said is None:
        return finding("?", "", "espeak's phonemes could not be lined up with the words")
    sense = _sense(espeak, occurrence)
    review = reviewed_sense(occurrence.window)
    if review is None:
        return finding(occurrence.said, "", f"says '{sense}'; this use is not reviewed: add "
                       f"'{occurrence.window}' to REVIEWED_SENSES with the sense meant")
    key, meant = review
    if meant not in HETERONYMS[word]:
        raise ValueError(f"REVIEWED_SENSES['{key}']: '{meant}' is not a sense of '{word}'")
    if sense != meant:
        return finding(occurrence.said, HETERONYMS[word][meant], f"says '{sense}' where '{meant}' is meant")
    return []


def unused_reviews(phrases: Iterable[SpokenPhrase], findings: Sequence[Finding]) -> list[str]:
    """Review entries nothing needs any more: REVIEWED_SENSES keys no occurrence uses, ALLOWED words
    with no finding left. Stale entries would let a later mistake through unseen."""
    windows: set[str] = set()
    for phrase in phrases:
        words = words_of(phrase.text)
        for index, word in enumerate(words):
            if word in HETERONYMS:
                before = words[index - 1] if index else "^"
                after = words[index + 1] if index + 1 < len(words) else "$"
                review = reviewed_sense(f"{before} {word} {after}")
                if review:
                    windows.add(review[0])
    flagged = {f.word for f in findings}
    return [f"REVIEWED_SENSES['{key}']" for key in REVIEWED_SENSES if key not in windows] + [
        f"ALLOWED['{word}']" for word in ALLOWED if word not in flagged
    ]


def _judge_word(word: str, ipa: str) -> list[Finding]:
    allowed = ALLOWED.get(word, "")
    tokens = ipa_tokens(ipa)
    # Spelling a word out gives each letter its own stressed syllable.
    stresses = ipa.count("ˈ") + ipa.count("ˌ")
    if stresses >= 3 and stresses >= len(word.replace("-", "")) - 1:
        return [Finding("", 0, word, "spelled", ipa, "", "espeak spells it letter by letter", "", allowed)]
    variants = cmu_variants(word)
    if variants is None:
        return [Finding("", 0, word, "absent", ipa, "", "not in the CMU dictionary", "", allowed)]
    results = [(compare(tokens, v), v) for v in variants]
    best, variant = min(results, key=lambda r: (r[0].material, r[0].vowel, r[0].detail.count(";")))
    if not best.material and not best.vowel:
        return []
    kind = "material" if best.material else "vowel"
    return [Finding("", 0, word, kind, ipa, " ".join(variant), best.detail, "", allowed)]


# --------------------------------------------------------------------------------------------------
# The recognition check
# --------------------------------------------------------------------------------------------------

RECOGNISER_RATE = 16000
LEAD_IN_S = 0.5


@dataclass
class Heard:
    phrase: SpokenPhrase
    transcript: str
    missed: list[str] = field(default_factory=list)
    words: int = 0
    # (the words said, what the recogniser heard in their place) for each miss
    instead: list[tuple[str, str]] = field(default_factory=list)


def resample(samples: npt.NDArray[np.int16], rate: int, to_rate: int) -> npt.NDArray[np.int16]:
    """Band-limited resampling through the spectrum: exact enough for a recogniser, no scipy."""
    if rate == to_rate or not len(samples):
        return samples
    count = round(len(samples) * to_rate / rate)
    spectrum = np.fft.rfft(samples.astype(np.float64))
    kept = np.zeros(count // 2 + 1, dtype=complex)
    width = min(len(kept), len(spectrum))
    kept[:width] = spectrum[:width]
    out = np.fft.irfft(kept, count) * (count / len(samples))
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def default_cache_dir() -> Path:
    """The renders' own cache when CFT_DESKTOP_CACHE_DIR points at one, else a temp dir of our own:
    never the user's narration cache."""
    folder = os.environ.get("CFT_DESKTOP_CACHE_DIR")
    root = Path(folder) if folder else Path(tempfile.gettempdir()) / "cft-listen-cache"
    return root / "narration"


def recognise(
    phrases: Sequence[SpokenPhrase],
    cache_dir: Path,
    length_scale: float = DEFAULT_SPEECH_LENGTH_SCALE,
    progress: bool = True,
) -> list[Heard]:
    """Render each phrase with the real voice (through the product's clip cache) and transcribe it."""
    from pocketsphinx import Decoder, set_loglevel

    from cft_desktop.sound.clips import read_wav_int16, wav_bytes_int16
    from cft_desktop.voice.cache import ClipCache, clip_key

    set_loglevel("FATAL")
    decoder = Decoder(samprate=RECOGNISER_RATE)
    backend = PiperVoiceBackend()
    clips = ClipCache(cache_dir)
    heard: list[Heard] = []
    for number, phrase in enumerate(phrases, start=1):
        # The same key as the narrator's, so the app's renders and this share clips.
        key = clip_key(backend.engine, backend.voice, length_scale, phrase.text)
        data = clips.get(key)
        if data is None:
            samples, rate = backend.synthesize(phrase.text, length_scale)
            data = wav_bytes_int16(samples, rate)
            clips.put(key, data)
        samples, rate = read_wav_int16(data)
        # In a session every phrase sits in silence; without some lead-in the recogniser's
        # normalisation has not settled and it loses the first word whatever the voice does.
        silence = np.zeros(round(LEAD_IN_S * RECOGNISER_RATE), dtype=np.int16)
        audio = np.concatenate([silence, resample(samples, rate, RECOGNISER_RATE), silence])
        decoder.start_utt()
        decoder.process_raw(audio.tobytes(), full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        transcript = hypothesis.hypstr if hypothesis is not None else ""
        heard.append(_score(phrase, transcript))
        if progress:
            print(f"\r  recognised {number}/{len(phrases)}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return heard


_CONTRACTIONS = {"let's": "let us", "'re": " are", "'m": " am", "'ll": " will", "'ve": " have",
                 "n't": " not", "'s": " is"}


def _recognition_words(text: str) -> list[str]:
    """Words as the recogniser's transcript writes them: compounds apart, contractions open, so
    that "you are" heard as "you're" counts as heard."""
    out: list[str] = []
    for word in words_of(text):
        for short, long in _CONTRACTIONS.items():
            if word.endswith(short):
                word = word[: -len(short)] + long
                break
        out.extend(part for chunk in word.split() for part in chunk.split("-") if part)
    return out


def _sound_key(word: str) -> str:
    """Words compared by how CMU says them, so that "colour" is heard when the recogniser (which
    spells American) writes "color", and "practise" when it writes "practice"."""
    variants = cmu().get(_ascii(word))
    if not variants:
        return word
    # Reduced vowels are where British and American spellings of one word differ in CMU.
    return " ".join("AX" if t in ("AH", "IH") else t for t in arpabet_tokens(variants[0]))


def _score(phrase: SpokenPhrase, transcript: str) -> Heard:
    said = _recognition_words(phrase.text)
    got = _recognition_words(transcript)
    matcher = difflib.SequenceMatcher(
        None, [_sound_key(w) for w in said], [_sound_key(w) for w in got], autojunk=False
    )
    hit = [False] * len(said)
    instead: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            hit[a1:a2] = [True] * (a2 - a1)
        elif a2 > a1:
            instead.append((" ".join(said[a1:a2]), " ".join(got[b1:b2]) or "-"))
    missed = [w for w, h in zip(said, hit, strict=True) if not h]
    return Heard(phrase, transcript, missed, len(said), instead)


def missed_words(heard: Sequence[Heard], at_least: int = 2, rate: float = 0.75) -> list[tuple[str, int, int]]:
    """(word, missed, occurrences) for words missed in at least `rate` of `at_least`+ occurrences."""
    seen: collections.Counter[str] = collections.Counter()
    missed: collections.Counter[str] = collections.Counter()
    for h in heard:
        seen.update(_recognition_words(h.phrase.text))
        missed.update(h.missed)
    return sorted(
        ((w, missed[w], seen[w]) for w in seen if seen[w] >= at_least and missed[w] >= rate * seen[w]),
        key=lambda row: (-row[1] / row[2], -row[2], row[0]),
    )


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------


def report(findings: Sequence[Finding], phrases: Sequence[SpokenPhrase], out: Any = sys.stdout) -> int:
    """Print the findings per script; returns how many are not allowed."""
    by_script: dict[str, list[Finding]] = collections.defaultdict(list)
    for finding in findings:
        by_script[finding.script_id].append(finding)
    open_count = 0
    for script_id in dict.fromkeys(p.script_id for p in phrases):
        rows = by_script.get(script_id, [])
        fresh = [f for f in rows if not f.allowed]
        open_count += len(fresh)
        print(f"\n== {script_id}: {len(fresh)} to look at, {len(rows) - len(fresh)} allowed", file=out)
        seen: set[tuple[str, str, str, str]] = set()
        for f in sorted(rows, key=lambda f: (bool(f.allowed), f.line)):
            key = (f.word, f.kind, f.espeak, f.context)
            if key in seen:
                continue
            seen.add(key)
            mark = f"allowed: {f.allowed}" if f.allowed else "LOOK"
            expected = f" CMU /{f.expected}/" if f.expected else ""
            print(f"  {f.line:>4}  {f.kind:<9} {f.word!r}: espeak /{f.espeak}/{expected} - {f.detail}"
                  f"  [{f.context}]  ({mark})", file=out)
    return open_count


def recognition_report(heard: Sequence[Heard], out: Any = sys.stdout) -> None:
    total = sum(h.words for h in heard)
    missed = sum(len(h.missed) for h in heard)
    print(f"\n== recognition: pocketsphinx missed {missed} of {total} words "
          f"({100 * missed / max(total, 1):.0f} %); a general-purpose recogniser, so only a pointer",
          file=out)
    print("  words missed in most of their occurrences (missed/occurrences):", file=out)
    for word, count, seen in missed_words(heard):
        heard_as = collections.Counter(got for h in heard for said, got in h.instead if word in said.split())
        examples = "; ".join(f"{got!r} x{n}" for got, n in heard_as.most_common(3))
        print(f"    {word:<16} {count}/{seen}   heard as: {examples}", file=out)
    print("  words said once and missed:", file=out)
    once = collections.Counter(w for h in heard for w in h.missed)
    seen_words = collections.Counter(w for h in heard for w in _recognition_words(h.phrase.text))
    singles = sorted(w for w in once if seen_words[w] == 1)
    print("    " + ", ".join(singles), file=out)
    print("  the worst-heard phrases:", file=out)
    worst = sorted(heard, key=lambda h: -len(h.missed) / max(h.words, 1))[:15]
    for h in worst:
        print(f"    {h.phrase.script_id}:{h.phrase.line} {len(h.missed)}/{h.words} missed\n"
              f"      said:  {h.phrase.text}\n      heard: {h.transcript}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.voice.listen", description=__doc__.split("\n")[0])
    parser.add_argument("--recognise", action="store_true",
                        help="also render every phrase and transcribe it with pocketsphinx (minutes)")
    parser.add_argument("--scripts", type=Path, default=None, help="a folder of scripts (default: shipped)")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="narration cache for --recognise (default: under $CFT_DESKTOP_CACHE_DIR, "
                        "else a temp dir)")
    parser.add_argument("--length-scale", type=float, default=DEFAULT_SPEECH_LENGTH_SCALE)
    args = parser.parse_args(argv)
    try:
        import pocketsphinx  # noqa: F401
    except ModuleNotFoundError:
        print("the listening pass needs pocketsphinx (its CMU dictionary and recogniser), a development "
              "tool only: .venv/bin/pip install pocketsphinx", file=sys.stderr)
        return 2
    phrases = shipped_phrases(args.scripts)
    findings = check_pronunciation(phrases)
    open_count = report(findings, phrases)
    print(f"\n{open_count} pronunciation finding(s) to look at, "
          f"{sum(1 for f in findings if f.allowed)} allowed.")
    if args.recognise:
        heard = recognise(phrases, args.cache_dir or default_cache_dir(), args.length_scale)
        recognition_report(heard)
    return 1 if open_count else 0


if __name__ == "__main__":
    sys.exit(main())
