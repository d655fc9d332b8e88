"""The catalogue over HTTP on the real local stack: from sign-up to a browsable listing, and racing edits.

Unlike the functional tier this goes through Chalice's local server, the
emulator behind its DynamoDB lock, real presigned POST uploads and the event
pump's image processor, all as `make run` starts them.
"""
from __future__ import annotations

import io
import threading
import time
from collections import Counter
from typing import Any

import pytest
import requests
from PIL import Image

from .conftest import LocalStack, User

IMAGE_READY_SECONDS = 10
RACERS = 20


def _api(stack: LocalStack, method: str, path: str, user: User | None = None, **kwargs: Any) -> requests.Response:
    headers = {**(user.headers if user else {}), **kwargs.pop("headers", {})}
    return requests.request(method, f"{stack.api_url}{path}", headers=headers, timeout=15, **kwargs)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def _verified_artisan(stack: LocalStack, ops: User, cnic: str) -> User:
    artisan = stack.user("artisans")
    profile = {"display_name": "Rashida Khatoon", "craft": "ajrak-block-print", "province": "sindh",
               "district": "Hala", "bio_ur": "اجرک کی چھپائی", "phone": "+923331234567", "cnic": cnic}
    created = _api(stack, "PUT", "/artisans/me", artisan, json=profile)
    assert created.status_code == 201, created.text
    assert created.json()["verification"] == "pending"
    queue = _api(stack, "GET", "/ops/artisans?verification=pending&limit=100", ops)
    assert artisan.sub in [item["artisan_id"] for item in queue.json()["items"]]
    decided = _api(stack, "POST", f"/ops/artisans/{artisan.sub}/verification", ops,
                   json={"decision": "verified", "note": "CNIC checked"})
    assert decided.status_code == 200 and decided.json()["verification"] == "verified"
    return artisan


def _draft(stack: LocalStack, artisan: User, **overrides: Any) -> dict[str, Any]:
    listing = {"title": "Indigo ajrak, hand block printed", "title_ur": "نیلی اجرک، ہاتھ سے چھپی",
               "category": "ajrak-block-print", "price": {"amount": 450000, "currency": "PKR"}, "stock": 8,
               "weight_grams": 350, "processing_days": 4, **overrides}
    response = _api(stack, "POST", "/listings", artisan, json=listing)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _upload_ready_image(stack: LocalStack, artisan: User, listing_id: str) -> dict[str, Any]:
    grant = _api(stack, "POST", f"/listings/{listing_id}/images", artisan,
                 json={"content_type": "image/jpeg", "size_bytes": len(_jpeg())})
    assert grant.status_code == 201, grant.text
    upload = grant.json()["upload"]
    posted = requests.post(upload["url"], data=upload["fields"],
                           files={"file": ("photo.jpg", _jpeg(), "image/jpeg")}, timeout=15)
    assert posted.status_code in (200, 201, 204), posted.text
    deadline = time.monotonic() + IMAGE_READY_SECONDS
    while time.monotonic() < deadline:
        images = _api(stack, "GET", f"/listings/{listing_id}", artisan).json()["images"]
        if images and images[0]["status"] != "pending":
            assert images[0]["status"] == "ready", images
            return dict(images[0])
        time.sleep(0.2)
    pytest.fail(f"the image was not processed within {IMAGE_READY_SECONDS} s")


@pytest.fixture(scope="module")
def ops(stack: LocalStack) -> User:
    return stack.user("ops")


def test_an_artisan_goes_from_sign_up_to_a_browsable_listing(stack: LocalStack, ops: User) -> None:
    artisan = _verified_artisan(stack, ops, "41303-5550001-2")
    assert _api(stack, "GET", f"/artisans/{artisan.sub}").status_code == 200
    listing = _draft(stack, artisan)
    listing_id = listing["listing_id"]
    assert _api(stack, "GET", f"/listings/{listing_id}").status_code == 404  # a draft is private
    refused = _api(stack, "POST", f"/listings/{listing_id}/publish", artisan)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "NOT_PUBLISHABLE"

    image = _upload_ready_image(stack, artisan, listing_id)
    assert set(image["urls"]) == {"thumb", "medium", "large"}
    assert requests.get(image["urls"]["thumb"], timeout=15).status_code == 200
    published = _api(stack, "POST", f"/listings/{listing_id}/publish", artisan)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "active"

    public = _api(stack, "GET", f"/listings/{listing_id}?currency=USD")
    assert public.status_code == 200
    assert public.headers["ETag"] == f'"{published.json()["version"]}"'
    assert public.json()["title_ur"] == "نیلی اجرک، ہاتھ سے چھپی"
    assert public.json()["display_price"]["currency"] == "USD"
    for query in ("", "?category=ajrak-block-print", "?category=ajrak-block-print&sort=price_asc",
                  f"?artisan_id={artisan.sub}", "?province=sindh"):
        browse = _api(stack, "GET", f"/listings{query}&limit=100" if query else "/listings?limit=100")
        assert browse.status_code == 200, (query, browse.text)
        assert listing_id in [item["listing_id"] for item in browse.json()["items"]], query


def test_concurrent_edits_with_one_version_have_exactly_one_winner(stack: LocalStack, ops: User) -> None:
    artisan = _verified_artisan(stack, ops, "41303-5550002-2")
    listing = _draft(stack, artisan, stock=100)
    path = f"/listings/{listing['listing_id']}"
    barrier = threading.Barrier(RACERS)
    answers: list[tuple[int, int]] = []
    lock = threading.Lock()

    # Connections are opened beforehand, so that the race under test is between the writes, not the accepts.
    sessions = [requests.Session() for _ in range(RACERS)]
    for session in sessions:
        assert session.get(f"{stack.api_url}/health", timeout=15).status_code == 200

    def edit(session: requests.Session, stock: int) -> None:
        barrier.wait()
        response = session.patch(f"{stack.api_url}{path}", json={"stock": stock}, timeout=30,
                                 headers={**artisan.headers, "If-Match": '"1"'})
        with lock:
            answers.append((response.status_code, stock))

    threads = [threading.Thread(target=edit, args=(session, stock)) for stock, session in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for session in sessions:
        session.close()

    statuses = Counter(status for status, _ in answers)
    assert statuses == {200: 1, 412: RACERS - 1}, statuses
    winner = next(stock for status, stock in answers if status == 200)
    final = _api(stack, "GET", path, artisan).json()
    assert (final["version"], final["stock"]) == (2, winner)
