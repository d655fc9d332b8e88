"""Search (API.md "Finding and choosing"): the index follows the catalog, and `GET /search` answers from it.

Through the real app on moto in-process. Every change that moves a listing into or out
of the catalog (publish, unpublish, archive, an edit of its text, a takedown and its
reinstatement, a suspension and its lifting) is searched right after its answer. A
crash before the index follows (a botocore hook that kills the function) leaves the
listing marked, and the scheduled sweep brings the index up to date.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import boto3
import pytest

from harness.aws import Aws, User
from harness.environment import REGION
from harness.factories import active_listing, make_listing, store_ready_image, verified_artisan
from harness.http import body_of, call, code_of


def search(client: Any, q: str, **params: Any) -> list[str]:
    """The listing ids `GET /search` answers, in order (every page)."""
    found: list[str] = []
    cursor = None
    while True:
        response = client.http.get(_path(q, cursor=cursor, **params))
        assert response.status_code == 200, response.body
        page = body_of(response)
        found += [item["listing_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def _path(q: str, **params: Any) -> str:
    query = "&".join(f"{name}={quote(str(value))}" for name, value in params.items() if value is not None)
    return f"/search?q={quote(q)}" + (f"&{query}" if query else "")


def sweep(client: Any) -> None:
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=[])
    client.lambda_.invoke("sweep_expired_orders", event)


@pytest.fixture
def artisan(client: Any, aws: Aws) -> User:
    return verified_artisan(client, aws, display_name="Nasreen Bibi")


def test_a_published_listing_is_found_by_its_words_in_either_script(client, artisan):
    listing = active_listing(client, artisan)["listing_id"]
    for q in ("phulkari", "Phulkari SHAWL", "پھلکاری", "شال", "khaddar", "nasreen", "embroidery", "کڑھائی"):
        assert search(client, q) == [listing], q
    assert search(client, "pottery") == []


def test_urdu_matches_whatever_letter_forms_diacritics_and_tatweel_it_is_typed_with(client, artisan):
    listing = active_listing(client, artisan, title_ur="ہاتھ سے کڑھی پھلکاری شال، کشمیری")["listing_id"]
    # Arabic kaf, heh and yeh; a zabar and a tatweel; the Urdu forms themselves.
    for q in ("كشميري", "ہاتھ", "هاتھ", "کَشمیری", "کشمـیری"):
        assert search(client, q) == [listing], q


def test_latin_case_and_accents_are_ignored(client, artisan):
    listing = active_listing(client, artisan, title="Café-style Ajrak cushion")["listing_id"]
    for q in ("cafe", "CAFÉ", "ajrák", "AJRAK cushion"):
        assert search(client, q) == [listing], q


def test_a_word_of_five_letters_or_more_matches_with_one_typo_a_shorter_one_does_not(client, artisan):
    listing = active_listing(client, artisan, title="Pashmina shawl with silk border")["listing_id"]
    for q in ("pashmna", "pashmeena", "pahsmina", "pashmima", "pashminax", "shawk", "shwal", "bordre", "silkk"):
        assert search(client, q) == [listing], q
    for q in ("silm", "pshmna", "shxwk"):  # a four-letter word with a typo; two typos
        assert search(client, q) == [], q


def test_the_last_word_matches_as_a_prefix_and_only_the_last(client, artisan):
    listing = active_listing(client, artisan, title="Kashmiri pashmina shawl")["listing_id"]
    assert search(client, "pash") == [listing]
    assert search(client, "kashmiri pashm") == [listing]
    assert search(client, "پھلک") == [listing]  # the Urdu title's پھلکاری, typed half-way
    other = active_listing(client, artisan, title="Walnut tray", title_ur="اخروٹ کی ٹرے",
                           description="Carved by hand.")["listing_id"]
    assert search(client, "pash tray") == [other]  # "pash" is not the last word: no prefix match


def test_more_words_first_then_exact_before_approximate_then_newer(client, artisan):
    plain = {"title_ur": None, "description": "", "description_ur": None, "category": "woodwork"}
    older_both = active_listing(client, artisan, title="Blue pottery vase", **plain)["listing_id"]
    one_word = active_listing(client, artisan, title="Blue cotton scarf", **plain)["listing_id"]
    typo_both = active_listing(client, artisan, title="Blue potterx vase", **plain)["listing_id"]
    newer_both = active_listing(client, artisan, title="Blue pottery bowl", **plain)["listing_id"]
    assert search(client, "blue pottery") == [newer_both, older_both, typo_both, one_word]


def test_filters_by_category_and_province(client, aws, artisan):
    shawl = active_listing(client, artisan, title="Kashmiri shawl", category="shawls")["listing_id"]
    cushion = active_listing(client, artisan, title="Kashmiri cushion", category="embroidery")["listing_id"]
    sindhi = verified_artisan(client, aws, province="sindh", display_name="Allah Bachayo")
    ajrak = active_listing(client, sindhi, title="Kashmiri-style ajrak", category="shawls")["listing_id"]
    assert set(search(client, "kashmiri")) == {shawl, cushion, ajrak}
    assert set(search(client, "kashmiri", category="shawls")) == {shawl, ajrak}
    assert search(client, "kashmiri", province="sindh") == [ajrak]
    assert search(client, "kashmiri", category="embroidery", province="sindh") == []


def test_pages_follow_the_ranking_and_cursors_are_bound_to_their_query(client, artisan):
    made = [active_listing(client, artisan, title=f"Truck art kettle number {n}")["listing_id"] for n in range(5)]
    first = client.http.get(_path("kettle", limit=2))
    page = body_of(first)
    assert [item["listing_id"] for item in page["items"]] == made[::-1][:2]
    assert search(client, "kettle", limit=2) == made[::-1]
    other = client.http.get(_path("truck", cursor=page["next_cursor"]))
    assert other.status_code == 400 and code_of(other) == "BAD_CURSOR"
    tampered = client.http.get(_path("kettle", cursor=page["next_cursor"][:-2] + "xx"))
    assert tampered.status_code == 400 and code_of(tampered) == "BAD_CURSOR"


def test_the_answer_carries_listing_documents_with_a_display_price(client, artisan):
    listing = active_listing(client, artisan)
    response = client.http.get(_path("phulkari", currency="USD"))
    (item,) = body_of(response)["items"]
    assert item["listing_id"] == listing["listing_id"] and item["status"] == "active"
    assert item["display_price"]["currency"] == "USD"


@pytest.mark.parametrize("path", ["/search", "/search?q=", "/search?q=" + "a" * 101, "/search?q=shawl&limit=0",
                                  "/search?q=shawl&category=nonsense", "/search?q=shawl&province=mars",
                                  "/search?q=shawl&colour=red"])
def test_a_malformed_query_is_a_400(client, path):
    response = client.http.get(path)
    assert response.status_code == 400 and code_of(response) == "VALIDATION_ERROR", path


def test_a_query_of_punctuation_or_stopwords_only_finds_nothing(client, artisan):
    active_listing(client, artisan)
    assert search(client, "?!") == []
    assert search(client, "the") == []


# --- the index follows the catalog --------------------------------------------------------------------


def test_unpublish_archive_and_republish_move_the_listing_out_and_in(client, artisan):
    listing = active_listing(client, artisan)["listing_id"]
    assert call(client, "POST", f"/listings/{listing}/unpublish", artisan).status_code == 200
    assert search(client, "phulkari") == []
    assert call(client, "POST", f"/listings/{listing}/publish", artisan).status_code == 200
    assert search(client, "phulkari") == [listing]
    assert call(client, "DELETE", f"/listings/{listing}", artisan).status_code == 204
    assert search(client, "phulkari") == []


def test_an_edit_of_an_active_listings_text_is_searchable_at_once_and_its_old_words_are_gone(client, artisan):
    listing = active_listing(client, artisan)["listing_id"]
    edited = call(client, "PATCH", f"/listings/{listing}", artisan,
                  {"title": "Sozni wool stole", "title_ur": "سوزنی اسٹول", "description": "Neelum valley wool."})
    assert edited.status_code == 200, edited.body
    assert search(client, "sozni") == [listing]
    assert search(client, "neelum") == [listing]
    assert search(client, "phulkari") == []
    assert search(client, "پھلکاری") == []
    # A draft's edits never reach the index.
    assert call(client, "POST", f"/listings/{listing}/unpublish", artisan).status_code == 200
    assert call(client, "PATCH", f"/listings/{listing}", artisan, {"title": "Chitrali patti"}).status_code == 200
    assert search(client, "chitrali") == []


def test_a_draft_is_never_found(client, artisan):
    created = call(client, "POST", "/listings", artisan, make_listing(title="Secret draft ralli quilt"))
    assert created.status_code == 201
    assert search(client, "ralli") == []


def test_takedown_and_reinstatement(client, aws, artisan):
    listing = active_listing(client, artisan)["listing_id"]
    ops = aws.user("ops")
    assert call(client, "POST", f"/ops/listings/{listing}/takedown", ops, {"reason": "Counterfeit"}).status_code == 200
    assert search(client, "phulkari") == []
    assert call(client, "POST", f"/ops/listings/{listing}/reinstatement", ops).status_code == 200
    assert search(client, "phulkari") == []  # back to draft
    assert call(client, "POST", f"/listings/{listing}/publish", artisan).status_code == 200
    assert search(client, "phulkari") == [listing]


def test_suspension_takes_every_listing_out_and_lifting_brings_them_back(client, aws, artisan):
    listings = [active_listing(client, artisan, title=f"Phulkari shawl {n}")["listing_id"] for n in range(3)]
    ops = aws.user("ops")
    suspended = call(client, "POST", f"/ops/artisans/{artisan.sub}/suspension", ops, {"reason": "Fraud"})
    assert suspended.status_code == 200, suspended.body
    assert search(client, "phulkari") == []
    assert search(client, "nasreen") == []
    assert call(client, "DELETE", f"/ops/artisans/{artisan.sub}/suspension", ops).status_code == 200
    assert sorted(search(client, "phulkari")) == sorted(listings)


# --- crashes and late writers -----------------------------------------------------------------------


def _mark(aws: Aws, listing_id: str) -> str | None:
    """The listing's search mark as stored (None once the index has followed its last change)."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_LISTINGS"])
    return table.get_item(Key={"listing_id": listing_id}, ConsistentRead=True)["Item"].get("search_pending")


def _die_on(hooks: Any, event: str, times: int = 1) -> dict[str, int]:
    """Kill the function at a botocore event (`times` times), as a Lambda that dies mid-request."""
    left = {"times": times}

    def die(**_: Any) -> None:
        if left["times"]:
            left["times"] -= 1
            raise RuntimeError("the function died before the search index followed")

    hooks.add(event, die)
    return left


def test_a_crash_before_the_index_follows_a_publish_leaves_the_mark_and_the_sweep_finishes(client, aws, artisan,
                                                                                           hooks):
    created = call(client, "POST", "/listings", artisan, make_listing())
    listing = body_of(created)["listing_id"]
    store_ready_image(listing)
    left = _die_on(hooks, "before-call.dynamodb.BatchWriteItem")
    published = call(client, "POST", f"/listings/{listing}/publish", artisan)
    assert published.status_code == 500 and left["times"] == 0
    assert call(client, "GET", f"/listings/{listing}", artisan).json_body["status"] == "active"  # committed
    assert _mark(aws, listing) is not None
    assert search(client, "phulkari") == []
    sweep(client)
    assert search(client, "phulkari") == [listing]
    assert _mark(aws, listing) is None


def test_a_crash_after_the_items_but_before_the_mark_is_cleared_is_finished_by_the_sweep(client, aws, artisan,
                                                                                         hooks):
    listing = active_listing(client, artisan)["listing_id"]
    left = _die_on(hooks, "after-call.dynamodb.BatchWriteItem")
    edited = call(client, "PATCH", f"/listings/{listing}", artisan, {"title": "Sozni wool stole"})
    assert edited.status_code == 500 and left["times"] == 0
    assert _mark(aws, listing) is not None
    sweep(client)
    assert _mark(aws, listing) is None
    assert search(client, "sozni") == [listing]
    assert search(client, "phulkari") == []


def test_a_listing_that_left_the_catalog_is_never_answered_even_before_its_items_are_gone(client, aws, artisan,
                                                                                           hooks):
    listing = active_listing(client, artisan)["listing_id"]
    _die_on(hooks, "before-call.dynamodb.BatchWriteItem")
    assert call(client, "POST", f"/listings/{listing}/unpublish", artisan).status_code == 500
    assert search(client, "phulkari") == []  # its items are still there; the listing is read with its page
    sweep(client)
    assert _mark(aws, listing) is None


def test_a_retried_request_also_finishes_the_index(client, aws, artisan, hooks):
    created = call(client, "POST", "/listings", artisan, make_listing())
    listing = body_of(created)["listing_id"]
    store_ready_image(listing)
    _die_on(hooks, "before-call.dynamodb.BatchWriteItem")
    assert call(client, "POST", f"/listings/{listing}/publish", artisan).status_code == 500
    assert call(client, "POST", f"/listings/{listing}/publish", artisan).status_code == 200
    assert search(client, "phulkari") == [listing]
    assert _mark(aws, listing) is None


def test_a_late_writer_of_an_older_version_cannot_settle_and_indexing_again_repairs_it(client, artisan):
    from chalicelib.search import service
    from chalicelib.store import listings as listing_store
    from chalicelib.store import search_index

    listing_id = active_listing(client, artisan)["listing_id"]
    stale = listing_store.get_listing(listing_id)
    assert stale is not None
    assert call(client, "PATCH", f"/listings/{listing_id}", artisan, {"title": "Sozni wool stole"}).status_code == 200
    service.write_index(stale)  # a slower request's writes land after the newer ones
    assert search(client, "phulkari") == [listing_id]
    assert not search_index.settle(listing_id, stamp=stale.search_pending, version=stale.version)
    assert service.reindex(listing_id)
    assert search(client, "phulkari") == []
    assert search(client, "sozni") == [listing_id]


def test_the_backfill_indexes_listings_published_before_search_existed(client, aws, artisan):
    from chalicelib.search.service import reindex_catalog

    listing = active_listing(client, artisan)["listing_id"]
    dynamodb = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_SEARCH"])
    with dynamodb.batch_writer() as batch:  # as if the index had never been written
        for item in dynamodb.scan()["Items"]:
            batch.delete_item(Key={"term": item["term"], "entry": item["entry"]})
    assert search(client, "phulkari") == []
    assert reindex_catalog() == 1
    assert search(client, "phulkari") == [listing]


@pytest.mark.parametrize("q", ["\x00", "🧵🪡", "\u0301\u064e", "ﷺ" * 100, "a" * 100, "‏‎ ", "'\"<script>",
                               " ".join(["pashmina"] * 11), "".join(chr(0x0600 + n) for n in range(100)),
                               "%", "q=1&limit=2", "ٹ" * 100])
def test_any_query_text_is_answered_without_error(client, artisan, q):
    active_listing(client, artisan)
    response = client.http.get(_path(q))
    assert response.status_code == 200, response.body
    assert isinstance(body_of(response)["items"], list)
