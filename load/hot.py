"""Hot listings: a verified artisan's listings made through the API, and buyers released against them together.

Shared by `make load` (its hot-listing phase) and `bench/bench_flash_sale.py`. Set-up goes
through the API (profile, ops verification, POST /listings, publish) except the ready photo,
written into the listing as the image processor would (its pipeline is not what this is about).
Buyers come from a pool of signed-in accounts: each request is still a distinct purchase with
its own Idempotency-Key, so a pool of 200 stands for 20,000 buyers without 20,000 sign-ups.
"""
from __future__ import annotations

import json
import math
import random
import threading
import time
import uuid
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

import boto3
import requests
from botocore.exceptions import ClientError
from requests.adapters import HTTPAdapter

from chalicelib.store.conditions import busy
from harness.factories import image_record, make_listing, make_profile
from load.invariants import table_names
from load.metrics import percentile
from load.scenario import ADDRESS, PASSWORD, Account, World, create_buyer, create_ops, sign_in
from local.contention import item_size
from local.users import new_signed_in_user

TIMEOUT = 30
CONNECT_RETRIES = 3
SETUP_TIMEOUT = 15
SETUP_ATTEMPTS = 12
# Answers a flash sale may give besides 503 (which is reported on its own): anything else is "other".
EXPECTED_ANSWERS = ("201", "200", "409 OUT_OF_STOCK", "409 LISTING_UNAVAILABLE", "503")
# What an idle item's bucket holds in the contended runs, whose caps are a thousandfold below DynamoDB's: an order's
# two transactions on its own row go through as they would on DynamoDB (local/README.md, "Contention mode").
BURST_UNITS = 4.0


# --- set-up through the API ------------------------------------------------------------------------------


def _ok(session: requests.Session, method: str, url: str, what: str, **options: Any) -> Any:
    """Send a set-up request until it is not a 503, as a client told "retry shortly" would (an item capped far below
    DynamoDB's rate, as the bench caps them, turns away the set-up's few quick writes to the artisan too)."""
    for _ in range(SETUP_ATTEMPTS):
        response = session.request(method, url, timeout=SETUP_TIMEOUT, **options)
        if response.status_code != 503:
            break
        time.sleep(float(response.headers.get("Retry-After", "1")))
    if response.status_code not in (200, 201):
        raise SystemExit(f"{what} answered {response.status_code}: {response.text[:300]}")
    return response.json()


def _random_cnic() -> str:
    """A CNIC no earlier run is likely to have used (profiles must not share one, even on a reused stack)."""
    return f"{random.randint(10000, 99999)}-{random.randint(0, 9_999_999):07d}-{random.randint(0, 9)}"


def verified_artisan(world: World) -> Account:
    """A new artisan with a profile that an ops user of the run's own has verified."""
    email = f"hot-artisan-{uuid.uuid4().hex[:12]}@load.mip.pk"
    sub, token, _ = new_signed_in_user(world.cognito(), pool_id=world.pool_id, client_id=world.client_id,
                                       ops_client_id=world.ops_client_id, email=email, password=PASSWORD,
                                       groups=("artisans",))
    artisan = Account(email=email, token=token, sub=sub)
    session = requests.Session()
    profile = make_profile(cnic=_random_cnic())
    _ok(session, "PUT", f"{world.api}/artisans/me", "PUT /artisans/me", json=profile, headers=artisan.auth)
    ops = create_ops(world)
    _ok(session, "POST", f"{world.api}/ops/artisans/{sub}/verification", "POST /ops/artisans/{id}/verification",
        json={"decision": "verified"}, headers=ops.auth)
    return artisan


def store_ready_photo(aws_url: str, listing_id: str) -> None:
    """The record the image processor writes for a finished photo, straight into the emulator's table."""
    client = boto3.client("dynamodb", endpoint_url=aws_url, region_name="ap-south-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    table = boto3.resource("dynamodb", endpoint_url=aws_url, region_name="ap-south-1", aws_access_key_id="local",
                           aws_secret_access_key="local").Table(table_names(client)["ListingsTable"])
    record = image_record(listing_id)
    for attempt in range(SETUP_ATTEMPTS):  # the listing may be held by the transaction that wrote it, or capped
        try:
            table.update_item(Key={"listing_id": listing_id}, UpdateExpression="SET #images.#image = :record",
                              ExpressionAttributeNames={"#images": "images", "#image": record["image_id"]},
                              ExpressionAttributeValues={":record": record})
            return
        except ClientError as error:
            if not busy(error) or attempt == SETUP_ATTEMPTS - 1:
                raise
            time.sleep(min(2.0, 0.05 * 2 ** attempt))


def hot_listings(world: World, artisan: Account, stocks: list[int]) -> list[str]:
    """Published listings of `artisan`, one per entry of `stocks`; their ids."""
    session = requests.Session()
    ids = []
    for number, stock in enumerate(stocks, 1):
        listing = make_listing(stock=stock, title=f"Flash sale shawl {number}")
        created = _ok(session, "POST", f"{world.api}/listings", "POST /listings", json=listing, headers=artisan.auth)
        store_ready_photo(world.aws, created["listing_id"])
        _ok(session, "POST", f"{world.api}/listings/{created['listing_id']}/publish", "POST /listings/{id}/publish",
            headers=artisan.auth)
        ids.append(created["listing_id"])
    return ids


def mark_hot(aws_url: str, listing_ids: list[str], minutes: int = 60) -> None:
    """Put listings on the hot path as the app does after a conflict (their `hot_until` mark)."""
    client = boto3.client("dynamodb", endpoint_url=aws_url, region_name="ap-south-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    until = (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for listing_id in listing_ids:
        client.update_item(TableName=table_names(client)["ListingsTable"], Key={"listing_id": {"S": listing_id}},
                           UpdateExpression="SET hot_until = :until",
                           ExpressionAttributeValues={":until": {"S": until}})


def buyer_pool(world: World, count: int) -> list[Account]:
    """`count` buyers created with admin calls on the emulator and signed in."""
    cognito = world.cognito()
    accounts = [create_buyer(world, cognito) for _ in range(count)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda account: sign_in(world, account, PASSWORD), accounts))
    return accounts


def listing_write_units(aws_url: str, listing_id: str) -> int:
    """Write units one single-item write of the listing costs now: 1 a started KB of its stored size."""
    client = boto3.client("dynamodb", endpoint_url=aws_url, region_name="ap-south-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    item = client.get_item(TableName=table_names(client)["ListingsTable"], Key={"listing_id": {"S": listing_id}},
                           ConsistentRead=True).get("Item", {})
    return max(1, math.ceil(item_size(item) / 1024))


# --- the sale --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Purchase:
    """One buyer's order request and its answer (status 0: no answer after the connection retries)."""

    key: str
    listing_id: str
    status: int
    code: str
    order_id: str
    seconds: float  # latency, connection retries included
    done_at: float  # seconds after the release

    @property
    def created(self) -> bool:
        return self.status in (200, 201)  # 200: the replay of a request whose first answer was lost

    @property
    def answer(self) -> str:
        if self.status == 201:
            return "201 created"
        if self.status == 0:
            return "no answer"
        return f"{self.status} {self.code}".rstrip()


@dataclass
class Sale:
    purchases: list[Purchase]
    elapsed: float
    workers: int

    def answers(self) -> Counter[str]:
        return Counter(purchase.answer for purchase in self.purchases)

    def count(self, status: int) -> int:
        return sum(1 for purchase in self.purchases if purchase.status == status)

    def created(self) -> list[Purchase]:
        return sorted((p for p in self.purchases if p.created), key=lambda p: p.done_at)

    def selling_period(self) -> float:
        """Seconds from the first order created to the last (the sell-out, when it sold out)."""
        return _span(self.created())

    def units_per_second(self) -> float:
        """Orders (of 1 unit) created a second over the selling period."""
        return _rate(self.created())

    def in_stock(self) -> list[Purchase]:
        """Orders answered before the first OUT_OF_STOCK: while every listing still had stock, so every
        request was a purchase that could succeed (with one listing: the whole selling period)."""
        first_out = min((p.done_at for p in self.purchases if p.code == "OUT_OF_STOCK"), default=math.inf)
        return [p for p in self.created() if p.done_at < first_out]

    def in_stock_rate(self) -> float:
        return _rate(self.in_stock())

    def in_stock_seconds(self) -> float:
        return _span(self.in_stock())

    def latency_ms(self, fraction: float) -> float:
        return percentile(sorted(p.seconds for p in self.purchases), fraction) * 1000

    def lines(self) -> list[str]:
        answers = ", ".join(f"{answer}: {n}" for answer, n in sorted(self.answers().items()))
        other = sum(n for answer, n in self.answers().items()
                    if not answer.startswith(EXPECTED_ANSWERS))
        return [f"requests: {len(self.purchases)} in {self.elapsed:.1f} s ({len(self.purchases) / self.elapsed:.1f}"
                f"/s), {self.workers} buyers in flight",
                f"answers: {answers}  (other: {other})",
                f"sold: {len(self.created())} units in a selling period of {self.selling_period():.2f} s "
                f"= {self.units_per_second():.1f} units/s; while every listing had stock: {len(self.in_stock())} in "
                f"{self.in_stock_seconds():.2f} s = {self.in_stock_rate():.1f} units/s",
                f"order latency ms: p50 {self.latency_ms(.5):.0f}, p95 {self.latency_ms(.95):.0f}, "
                f"p99 {self.latency_ms(.99):.0f}"]


def _span(created: list[Purchase]) -> float:
    return created[-1].done_at - created[0].done_at if len(created) > 1 else 0.0


def _rate(created: list[Purchase]) -> float:
    """n orders answered over a span: n - 1 intervals over its length."""
    span = _span(created)
    return (len(created) - 1) / span if span > 0 else 0.0


def order_body(listing_id: str) -> dict[str, Any]:
    return {"items": [{"listing_id": listing_id, "quantity": 1}], "currency": "PKR",
            "shipping_address": ADDRESS, "payment_method": "card"}


def warm_session(api: str) -> requests.Session:
    """A session with one kept-alive connection, opened before the release."""
    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=1))
    session.get(f"{api}/health", timeout=SETUP_TIMEOUT).raise_for_status()
    return session


def purchase(session: requests.Session, api: str, buyer: Account, listing_id: str, released: float) -> Purchase:
    """POST /orders once; a connection that fails before an answer is retried with the very same request."""
    key = uuid.uuid4().hex
    headers = {**buyer.auth, "Idempotency-Key": key}
    started = time.perf_counter()
    response = None
    for _ in range(1 + CONNECT_RETRIES):
        try:
            response = session.post(f"{api}/orders", json=order_body(listing_id), headers=headers, timeout=TIMEOUT)
            break
        except requests.RequestException:
            continue
    done = time.perf_counter()
    status, code, order_id = (response.status_code, *_answer(response)) if response is not None else (0, "", "")
    return Purchase(key=key, listing_id=listing_id, status=status, code=code, order_id=order_id,
                    seconds=done - started, done_at=done - released)


def _answer(response: requests.Response) -> tuple[str, str]:
    """(error code, order id) of an answer; empty strings where it has none."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error")
    return (str(error.get("code", "")) if isinstance(error, dict) else "", str(body.get("order_id", "")))


@dataclass
class _Release:
    """The clock of a release: set when the first wave's barrier opens."""

    at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stamp(self) -> None:
        with self.lock:
            if not self.at:
                self.at = time.perf_counter()


Job = tuple[Account, str]  # (buyer, listing id): one purchase


def release_buyers(api: str, lanes: list[list[Job]], workers_per_lane: int) -> Sale:
    """Every (buyer, listing) job is one order. A lane is the queue of one listing's buyers: `workers_per_lane` of
    them are in flight for it, all lanes released together by a barrier, each worker sending its lane's next
    purchase as soon as it has an answer: demand that stays at that many in flight per listing, as in a sale where
    more buyers keep arriving, rather than waves that wait for their slowest request."""
    jobs = [job for lane in lanes for job in lane]
    assigned = [lane_number for lane_number, lane in enumerate(lanes)
                for _ in range(max(1, min(workers_per_lane, len(lane), len({buyer.email for buyer, _ in lane}))))]
    with ThreadPoolExecutor(max_workers=min(len(assigned), 16)) as opener:
        sessions = list(opener.map(lambda _: warm_session(api), assigned))
    release = _Release()
    barrier = threading.Barrier(len(assigned), action=release.stamp)
    results: list[Purchase | None] = [None] * len(jobs)
    ends = list(accumulate(len(lane) for lane in lanes))
    pending = [deque(range(end - len(lane), end)) for end, lane in zip(ends, lanes, strict=True)]
    ordering: set[str] = set()  # buyers with a purchase in flight
    turn = threading.Condition()

    def next_job(lane: int) -> int | None:
        """The lane's next purchase whose buyer has none in flight: a person orders one thing at a time (two
        orders of one account at once would meet on its limit counters, a conflict no real buyer causes)."""
        with turn:
            while pending[lane]:
                position = next((p for p in pending[lane] if jobs[p][0].email not in ordering), None)
                if position is not None:
                    pending[lane].remove(position)
                    ordering.add(jobs[position][0].email)
                    return position
                turn.wait()
            return None

    def worker(index: int) -> None:
        barrier.wait()
        while (position := next_job(assigned[index])) is not None:
            buyer, listing_id = jobs[position]
            try:
                results[position] = purchase(sessions[index], api, buyer, listing_id, release.at)
            finally:
                with turn:
                    ordering.discard(buyer.email)
                    turn.notify_all()

    threads = [threading.Thread(target=worker, args=(i,), name=f"buyer-{i}") for i in range(len(assigned))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - release.at
    for session in sessions:
        session.close()
    return Sale(purchases=[p for p in results if p is not None], elapsed=elapsed, workers=len(assigned))


def lanes_for(buyers: list[Account], listing_ids: list[str], count: int) -> list[list[Job]]:
    """`count` purchases spread evenly over the listings, a lane each. With at least as many buyers as listings,
    each lane has buyers of its own (taken in turn), so no buyer is wanted by two lanes at once."""
    groups = ([buyers[number::len(listing_ids)] for number in range(len(listing_ids))]
              if len(buyers) >= len(listing_ids) else [buyers] * len(listing_ids))
    share, left = divmod(count, len(listing_ids))
    return [[(group[i % len(group)], listing_id) for i in range(share + (number < left))]
            for number, (listing_id, group) in enumerate(zip(listing_ids, groups, strict=True))]


# --- the ceiling -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ceiling:
    """What one item can take a second, by the emulator's model (and DynamoDB's numbers at 1,000 units)."""

    window_ms: float
    units_per_second: float
    units_per_write: int = 1  # write units of one write of the listing item (1 a started KB)
    writes_per_order: int = 1  # single-item writes to the listing per order, when it is reserved that way
    burst_units: float = 0.0  # what the item's bucket holds when the sale starts: spent once, on top of the rate
    seconds: float = math.inf  # the period the rate is taken over (the burst is spread over it)

    @property
    def _units(self) -> float:
        """Units a second the item can take over the period, its starting burst included."""
        return self.units_per_second + (self.burst_units / self.seconds if self.seconds > 0 else 0.0)

    @property
    def transactional(self) -> float:
        """Orders/s per listing when each order's transaction writes the listing."""
        by_window = 1000 / self.window_ms if self.window_ms > 0 else math.inf
        return min(by_window, self._units / (2 * self.units_per_write))

    @property
    def single(self) -> float:
        """Orders/s per listing when the listing takes single-item writes only."""
        return self._units / (self.writes_per_order * self.units_per_write)

    def lines(self, listings: int = 1) -> list[str]:
        k, w = self.units_per_write, self.writes_per_order
        units = f"{self.units_per_second:g}"
        if self.burst_units and self.seconds < math.inf:
            units = f"({units} + {self.burst_units:g} burst / {self.seconds:.0f} s)"
        window = f"1000 ms / {self.window_ms:g} ms" if self.window_ms > 0 else "inf (no window)"
        per = "" if listings == 1 else f" per listing, x {listings} listings"
        return [f"transactions touching the listing: min({window}, {units} / (2 x {k})) = "
                f"{self.transactional:.2f} orders/s{per}",
                f"single-item reservations: {units} / ({w} writes x {k}) = {self.single:.2f} orders/s{per}"]


def logged_errors(lines: list[str]) -> Counter[str]:
    """The API's logged errors (Powertools JSON lines at ERROR, and the store's plain warnings of giving up on
    a busy item), by exception and its last line."""
    errors: Counter[str] = Counter()
    for line in lines:
        if "gave up" in line and not line.startswith("{"):
            errors[line.strip()[:200]] += 1
            continue
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("level") == "ERROR":
            last = (str(entry.get("exception") or entry.get("message", "")).strip().splitlines() or [""])[-1]
            errors[f"{entry.get('message', '')}: {last[:200]}"] += 1
    return errors
