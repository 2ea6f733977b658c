"""The language a question is written in: English, or which other one (issue 12).

regbot answers in English. A question in another language gets an English reply saying so,
or is answered when its destination and item are recognisable (`bot.kinds`).

Detection uses py3langid (a maintained fork of langid.py): a naive-Bayes model of 4.5 MB that
ships inside the wheel (nothing is downloaded), deterministic, ~0.04 ms a question once loaded.
Compared on the gold questions and 21 questions in 13 other languages (docs/answers.md):
lingua-language-detector is a 96 MB wheel that takes ~430 MB and 9 ms a question in its accurate
mode and misreads 32 English gold questions in its low-accuracy mode; langdetect is random
unless seeded and misread 13. Loading the model costs ~0.9 s, so it is loaded only for a
question that the cheap checks below cannot settle (most English questions never load it).
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

# The languages the model chooses among: enough to recognise what sales teams in Asia, Europe
# and the Americas write; fewer classes keep short English questions from reading as Pidgin.
CANDIDATES = ("en", "es", "fr", "de", "pt", "it", "nl", "sv", "da", "pl", "tr", "ru", "uk",
              "ar", "hi", "zh", "ja", "ko", "vi", "th", "km", "id", "ms")
NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese",
         "it": "Italian", "nl": "Dutch", "sv": "Swedish", "da": "Danish", "pl": "Polish",
         "tr": "Turkish", "ru": "Russian", "uk": "Ukrainian", "ar": "Arabic", "hi": "Hindi",
         "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "vi": "Vietnamese", "th": "Thai",
         "km": "Khmer", "id": "Indonesian", "ms": "Malay"}
MIN_CONFIDENCE = 0.8  # below it a question is taken as English (measured: real questions >= 0.82)
MIN_WORDS = 3  # "hello", "exit", "7A994 to KH?" are too short to tell
# Words English questions about exports use and other Latin-script languages do not.
_ENGLISH = frozenset(
    "the we can could is are was were what which when who how does do did need needs our you "
    "your it its this that with still under sell ship export exports exporting send licence "
    "license licences licenses required allowed any there have has been will would should "
    "about list lists changed rule rules effect take report say said".split())
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, e.g. "es"
    name: str  # "Spanish"
    confidence: float  # 1.0 when settled without the model

    @property
    def english(self) -> bool:
        return self.code == "en"


ENGLISH = Language("en", "English", 1.0)
_lock = threading.Lock()
_identifier = None


def _model():
    """The py3langid identifier restricted to CANDIDATES, loaded once per process."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import _load_identifier

            _identifier = _load_identifier(norm_probs=True, langs=list(CANDIDATES))
        return _identifier


def _letters_outside_latin(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN"))


def detect(text: str) -> Language:
    """The question's language; English unless the model is confident it is another one."""
    words = _WORD.findall(text)
    foreign_script = _letters_outside_latin(text) > max(3, len(text.replace(" ", "")) // 3)
    if not foreign_script:
        if len(words) < MIN_WORDS:
            return ENGLISH
        if text.isascii() and sum(w.lower() in _ENGLISH for w in words) >= 2:
            return ENGLISH
    code, confidence = _model().classify(text)
    if code == "en" or (confidence < MIN_CONFIDENCE and not foreign_script):
        return ENGLISH
    return Language(code, NAMES.get(code, code), round(float(confidence), 3))
