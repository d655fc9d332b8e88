"""The search engine's pure parts: normalisation, index terms, query keys, ranking, and when the index must follow."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.search.normalise import normalise, words
from chalicelib.search.ranking import match, one_edit_apart, rank
from chalicelib.search.rules import must_follow, searchable_texts
from chalicelib.search.terms import (
    MAX_LISTING_WORDS,
    MAX_QUERY_KEYS,
    MAX_WORD_LETTERS,
    deletions,
    index_terms,
    indexable_words,
    parse_query,
    prefixes,
)
from chalicelib.store.records import IndexHit, Listing


@pytest.mark.parametrize(("typed", "stored"), [
    ("كشميري", "کشمیری"),  # Arabic kaf and yeh
    ("ى", "ی"),  # alef maksura
    ("مه", "مہ"),  # Arabic heh
    ("ة", "ۃ"),  # teh marbuta
    ("کَشمِیری", "کشمیری"),  # diacritics
    ("کشمـــیری", "کشمیری"),  # tatweel
    ("ﻛﺸﻤﻴﺮﻱ", "کشمیری"),  # presentation forms
    ("۱۹۷۸", "1978"), ("١٩٧٨", "1978"),  # Urdu and Arabic digits
    ("CAFÉ Ajrák", "cafe ajrak"),  # Latin case and accents
    ("chappal", "chapal"), ("pashmeena", "pashmena"),  # a doubled Latin letter is one letter
    ("پھل\u200cکاری", "پھلکاری"),  # a zero-width non-joiner
])
def test_normalise_makes_one_spelling(typed: str, stored: str) -> None:
    assert normalise(typed) == normalise(stored) == stored


def test_words_split_on_punctuation_and_join_hyphenated_parts() -> None:
    assert words("Kashi-kari platter, 12 inch (Multan)") == ["kashi", "kari", "kashikari", "plater", "12", "inch",
                                                             "multan"]
    assert words("ہاتھ سے کڑھی، شال۔") == ["ہاتھ", "سے", "کڑھی", "شال"]


def test_deletions_only_for_words_of_five_letters_or_more() -> None:
    assert deletions("silk") == set()
    assert deletions("shawl") == {"hawl", "sawl", "shwl", "shal", "shaw"}
    assert deletions("ajrak") == {"jrak", "arak", "ajak", "ajrk", "ajra"}


def test_prefixes_are_proper_and_of_two_letters_or_more() -> None:
    assert prefixes("shawl") == {"sh", "sha", "shaw"}
    assert prefixes("to") == set()


def test_index_terms_name_the_words_behind_each_key_and_leave_out_stopwords() -> None:
    terms = index_terms(["Shawl and shawls", None, "شال کی"])
    assert terms["t:shawl"] == ("shawl", "shawls")  # exact for one, a deletion of the other
    assert terms["p:shaw"] == ("shawl", "shawls")
    assert terms["t:شال"] == ("شال",)
    assert "t:and" not in terms and "t:کی" not in terms


def test_a_query_reads_its_words_their_deletions_and_the_last_word_as_a_prefix() -> None:
    query = parse_query("Blue shawl")
    assert query.words == ("blue", "shawl")
    assert set(query.keys) == {"t:blue", "t:shawl", "t:hawl", "t:sawl", "t:shwl", "t:shal", "t:shaw", "p:shawl"}
    assert parse_query("set of the").words == ("set", "of", "the")  # nothing but stopwords: keep them
    assert parse_query("a shawl for the winter").words == ("shawl", "winter")
    assert len(parse_query(" ".join(f"word{n}" for n in range(20))).words) == 8


def test_a_query_reads_a_bounded_number_of_keys_words_and_prefix_first() -> None:
    query = parse_query(" ".join(f"longword{letter}" for letter in "abcdefgh"))
    assert len(query.keys) == MAX_QUERY_KEYS
    assert query.keys[:9] == (*(f"t:{word}" for word in query.words), "p:longwordh")
    assert deletions("x" * 21) == set()


def test_a_listing_is_found_by_its_first_distinct_words_only() -> None:
    many = " ".join(f"word{n:04d}" for n in range(MAX_LISTING_WORDS + 50))
    assert len(indexable_words(["Blue shawl", many])) == MAX_LISTING_WORDS
    assert indexable_words(["Blue shawl", many])[:2] == ["blue", "shawl"]  # the first texts come first


def test_very_long_words_are_cut_alike_on_both_sides() -> None:
    endless = "ﷺ" * 100  # one character that normalises to eighteen letters and spaces
    assert all(len(word) <= MAX_WORD_LETTERS for word in parse_query(endless).words)
    long_word = "".join(chr(ord("a") + i % 26) for i in range(5000))  # a description that is one "word"
    (key,) = [key for key in index_terms([long_word]) if key.startswith("t:")]
    assert key == "t:" + parse_query(long_word).words[0] and len(key) == 2 + MAX_WORD_LETTERS


@pytest.mark.parametrize(("first", "second", "apart"), [
    ("shawl", "shawl", True), ("shawl", "shawk", True), ("shawl", "shwal", True), ("shawl", "shawls", True),
    ("shawl", "shaw", True), ("shawl", "swahl", False), ("shawl", "shawlss", False), ("abcde", "acdxe", False),
])
def test_one_edit_apart(first: str, second: str, apart: bool) -> None:
    assert one_edit_apart(first, second) is apart
    assert one_edit_apart(second, first) is apart


def test_match_quality() -> None:
    assert match("shawl", {"shawl"}, last=False) == 3
    assert match("shaw", {"shawl"}, last=True) == 2
    assert match("shaw", {"shawl"}, last=False) == 0
    assert match("shawk", {"shawl"}, last=False) == 1
    assert match("silc", {"silk"}, last=False) == 0  # four letters: no typo


def _hit(listing_id: str, created_at: str, *found: str, category: str = "shawls",
         province: str = "punjab") -> IndexHit:
    return IndexHit(listing_id=listing_id, words=found, created_at=created_at, category=category, province=province)


def test_rank_more_words_then_exact_then_prefix_then_newer() -> None:
    hits = [
        _hit("both-exact-old", "2026-01-01", "blue", "shawl"),
        _hit("both-exact-new", "2026-02-01", "blue"), _hit("both-exact-new", "2026-02-01", "shawl"),
        _hit("one-word", "2026-03-01", "blue"),
        _hit("one-typo", "2026-04-01", "blue", "shawk"),
        _hit("prefix", "2026-05-01", "blue", "shawls"),
        _hit("nothing", "2026-06-01", "bowl"),
    ]
    assert rank(parse_query("blue shawl"), hits) == ["both-exact-new", "both-exact-old", "prefix", "one-typo",
                                                     "one-word"]


def test_rank_filters_by_category_and_province() -> None:
    hits = [_hit("a", "1", "shawl", category="shawls"), _hit("b", "2", "shawl", category="embroidery"),
            _hit("c", "3", "shawl", province="sindh")]
    assert rank(parse_query("shawl"), hits, category="shawls") == ["c", "a"]
    assert rank(parse_query("shawl"), hits, province="sindh") == ["c"]


LISTING = Listing(listing_id="L1", artisan_id="A1", province="punjab", title="Blue shawl", category="shawls",
                  price_amount=100000, stock=1, weight_grams=1, processing_days=1, status="active", version=3,
                  created_at="2026-01-01T00:00:00.000000Z", updated_at="2026-01-01T00:00:00.000000Z")


def test_the_index_follows_entering_and_leaving_the_catalog_and_text_edits_in_it() -> None:
    draft = replace(LISTING, status="draft")
    assert must_follow(draft, LISTING)  # publish
    assert must_follow(LISTING, draft)  # unpublish
    assert must_follow(LISTING, replace(LISTING, moderation_hold="2026"))  # suspension
    assert must_follow(replace(LISTING, moderation_hold="2026"), LISTING)  # lifted
    assert must_follow(LISTING, replace(LISTING, status="taken_down"))
    assert must_follow(LISTING, replace(LISTING, title_ur="نیلی شال"))
    assert must_follow(LISTING, replace(LISTING, category="embroidery"))
    assert not must_follow(LISTING, replace(LISTING, stock=0, price_amount=200000, version=4))
    assert not must_follow(draft, replace(draft, title="Red shawl"))  # a draft's edits


def test_a_listing_is_found_by_its_texts_its_categorys_names_and_its_artisan() -> None:
    assert searchable_texts(LISTING, artisan_name="Shazia Mir") == [
        "Blue shawl", None, "Shawls", "شالیں", "Shazia Mir", "", None]
    assert searchable_texts(replace(LISTING, status="draft"), artisan_name="Shazia Mir") == []
