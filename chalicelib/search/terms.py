"""The index terms of a listing, and the lookups of a query: pure functions, no I/O.

A listing is stored under three kinds of key:
- `t:<word>` for each of its words, and `t:<variant>` for each one-letter deletion of a word of 5 or more
  letters (so "shawl" is also under t:hawl, t:sawl, ...). A query word looks itself up and, when it has 5 or
  more letters, each of its own deletions: two words one edit apart (a letter inserted, deleted, changed or
  two swapped) always share a key that way (symmetric deletion), and the ranking checks the real distance.
- `p:<prefix>` for each prefix of 2 or more letters of each word, for the query's last word (type-ahead).
Each key's item names the listing's words that put it there, so one item per key and listing.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .normalise import STOPWORDS, words

TYPO_MIN_LETTERS = 5
TYPO_MAX_LETTERS = 20  # longer "words" (codes, run-together text) match exactly or as a prefix only
PREFIX_MIN_LETTERS = 2
MIN_WORD_LETTERS = 2
MAX_WORD_LETTERS = 40  # longer runs of letters are cut, on both sides alike: keys stay far below DynamoDB's limit
# A listing is found by its first 300 distinct words (titles, names, then descriptions): bounds what a publish
# writes (~12 keys a word) and its manifest (far below DynamoDB's 400 KB an item) whatever the descriptions hold.
MAX_LISTING_WORDS = 300
MAX_QUERY_WORDS = 8
MAX_QUERY_KEYS = 48  # bounds a query's Queries: every word and the prefix first, then the typo keys in word order


def deletions(word: str) -> set[str]:
    """Every string one letter shorter than `word` (none outside TYPO_MIN_LETTERS..TYPO_MAX_LETTERS)."""
    if not TYPO_MIN_LETTERS <= len(word) <= TYPO_MAX_LETTERS:
        return set()
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def prefixes(word: str) -> set[str]:
    """The proper prefixes of `word` of PREFIX_MIN_LETTERS or more letters."""
    return {word[:end] for end in range(PREFIX_MIN_LETTERS, len(word))}


def indexable_words(texts: Iterable[str | None]) -> list[str]:
    """The distinct words a listing is found by, in the order of `texts` (stopwords and single letters left out),
    at most MAX_LISTING_WORDS."""
    found: dict[str, None] = {}
    for text in texts:
        if text:
            found.update((word[:MAX_WORD_LETTERS], None) for word in words(text)
                         if len(word) >= MIN_WORD_LETTERS and word not in STOPWORDS)
    return list(found)[:MAX_LISTING_WORDS]


def index_terms(texts: Iterable[str | None]) -> dict[str, tuple[str, ...]]:
    """key -> the listing's words that put the listing under that key (sorted, for stable items)."""
    sources: dict[str, set[str]] = {}
    for word in indexable_words(texts):
        sources.setdefault(f"t:{word}", set()).add(word)
        for variant in deletions(word):
            sources.setdefault(f"t:{variant}", set()).add(word)
        for prefix in prefixes(word):
            sources.setdefault(f"p:{prefix}", set()).add(word)
    return {key: tuple(sorted(found)) for key, found in sources.items()}


@dataclass(frozen=True)
class Query:
    """A parsed query: its words (the last one is also a prefix) and the keys to read."""

    words: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """One Query each: every word under t:, the last word under p:, then the words' deletions under t:."""
        keys: dict[str, None] = {f"t:{word}": None for word in self.words}
        if self.words and len(self.words[-1]) >= PREFIX_MIN_LETTERS:
            keys[f"p:{self.words[-1]}"] = None
        for word in self.words:
            for variant in sorted(deletions(word)):
                keys[f"t:{variant}"] = None
        return tuple(keys)[:MAX_QUERY_KEYS]


def parse_query(text: str) -> Query:
    """The query's distinct words in order, stopwords dropped unless nothing else is left, at most MAX_QUERY_WORDS."""
    found = [word[:MAX_WORD_LETTERS] for word in words(text)]
    kept = [word for word in found if word not in STOPWORDS and len(word) >= MIN_WORD_LETTERS] or found
    return Query(words=tuple(dict.fromkeys(kept))[:MAX_QUERY_WORDS])
