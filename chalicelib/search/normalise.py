"""Text as the index and the queries see it: one spelling per word, whatever the keyboard.

Urdu is typed with Arabic letter forms as often as with Urdu ones (an Arabic
keyboard's ك and ي, a phone's ه), with or without diacritics and tatweel; Latin
text with or without case and accents. Both sides of a search go through the
same `words`, so a query matches however either side was typed. Romanised Urdu
has no fixed spelling ("chappal", "chapal"; "pashmeena", "pashmina"), so a run of
one Latin letter counts as one letter: a doubled letter is never a typo.
"""
from __future__ import annotations

import re
import unicodedata

# Arabic letter forms -> the Urdu letter they are typed for (API.md: ک/ك, ی/ي/ى, ہ/ه, ۃ/ة).
_LETTERS = str.maketrans({
    "ك": "ک", "ي": "ی", "ى": "ی", "ه": "ہ", "ة": "ۃ",
    "ـ": None,  # tatweel
    "\u200c": None, "\u200d": None, "\u200e": None, "\u200f": None,  # joiners and direction marks
    # Arabic-Indic and Extended Arabic-Indic digits -> ASCII
    **{chr(0x0660 + d): str(d) for d in range(10)}, **{chr(0x06F0 + d): str(d) for d in range(10)},
})
_WORD = re.compile(r"[^\W_]+")
_LATIN_RUN = re.compile(r"([a-z])\1+")

# Words too common to tell listings apart (English and Urdu); never indexed, dropped from queries.
STOPWORDS = frozenset({
    "a", "an", "and", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with", "set",
    "کا", "کی", "کے", "اور", "سے", "میں", "پر", "والا", "والی", "والے", "کو", "ہے",
})


def normalise(text: str) -> str:
    """Case-folded, without diacritics, tatweel or joiners, Arabic letter forms as Urdu ones."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _LATIN_RUN.sub(r"\1", unicodedata.normalize("NFC", stripped).translate(_LETTERS))


def words(text: str) -> list[str]:
    """The normalised words of `text`, in order; a hyphenated word also gives its parts joined ("kashikari")."""
    found: list[str] = []
    for chunk in normalise(text).split():
        parts = _WORD.findall(chunk)
        found.extend(parts)
        if len(parts) > 1 and all(part.isalpha() for part in parts):
            found.append("".join(parts))
    return found
