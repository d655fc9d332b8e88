"""Ranking the candidates that the index items name: pure, so every ordering rule has a unit test.

API.md: listings that match more of the query's words come first, exact before
approximate (an exact word, then the last word as a prefix, then one typo),
then newer. A candidate's words are the listing's words that its index items
carry, so a match is decided on real words, never on the shared keys alone.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..store.records import IndexHit
from .terms import TYPO_MIN_LETTERS, Query


@dataclass
class Candidate:
    listing_id: str
    created_at: str
    category: str
    province: str
    words: set[str] = field(default_factory=set)


def one_edit_apart(first: str, second: str) -> bool:
    """At most one letter inserted, deleted, changed, or two neighbours swapped."""
    if first == second:
        return True
    if abs(len(first) - len(second)) > 1:
        return False
    if len(first) == len(second):
        differ = [i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
        if len(differ) == 1:
            return True
        return (len(differ) == 2 and differ[1] == differ[0] + 1
                and first[differ[0]] == second[differ[1]] and first[differ[1]] == second[differ[0]])
    shorter, longer = sorted((first, second), key=len)
    for i in range(len(longer)):
        if longer[:i] + longer[i + 1:] == shorter:
            return True
    return False


def match(query_word: str, words: set[str], *, last: bool) -> int:
    """3 exact, 2 prefix (the last word only), 1 one typo (words of TYPO_MIN_LETTERS or more), 0 none."""
    if query_word in words:
        return 3
    if last and any(word.startswith(query_word) for word in words):
        return 2
    if len(query_word) >= TYPO_MIN_LETTERS and any(one_edit_apart(query_word, word) for word in words):
        return 1
    return 0


def candidates(hits: Iterable[IndexHit], *, category: str | None, province: str | None) -> list[Candidate]:
    """One candidate per listing, the category and province filters applied."""
    found: dict[str, Candidate] = {}
    for hit in hits:
        if (category and hit.category != category) or (province and hit.province != province):
            continue
        candidate = found.setdefault(hit.listing_id, Candidate(hit.listing_id, hit.created_at, hit.category,
                                                               hit.province))
        candidate.words.update(hit.words)
    return list(found.values())


def rank(query: Query, hits: Iterable[IndexHit], *, category: str | None = None,
         province: str | None = None) -> list[str]:
    """The matching listings' ids, best first (a listing matching none of the words is left out)."""
    scored: list[tuple[tuple[int, ...], str, str]] = []
    for candidate in candidates(hits, category=category, province=province):
        qualities = [match(word, candidate.words, last=i == len(query.words) - 1)
                     for i, word in enumerate(query.words)]
        matched = sum(1 for quality in qualities if quality)
        if matched:
            score = (matched, sum(q == 3 for q in qualities), sum(q == 2 for q in qualities))
            scored.append((score, candidate.created_at, candidate.listing_id))
    scored.sort(reverse=True)
    return [listing_id for _, _, listing_id in scored]
