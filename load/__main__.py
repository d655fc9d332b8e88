"""`python -m load` (`make load`): mixed traffic, a flash sale, a hot listing, then the invariants; exit 1 if one fails.

Bounded: the mixed phase stops at `--seconds` or `--max-requests`, whichever
comes first; the flash sale is `--flash-buyers` requests; the hot listing
`--hot-buyers` requests for `--hot-units` units of a listing made for it, on the
emulator's contention mode (`--commit-window-ms`, `--item-units`: DynamoDB's
TransactionConflict and per-item write cap, local/README.md). Loopback only.

The hot listing runs on a stack of its own (SEED=0, contention on) after the
others: the demo seed does not start under the contention mode (it updates an
artisan right after the transaction that created it, inside the commit window).
`--one-stack` runs every phase on one contended, seeded stack instead; a running
stack (LOAD_API_URL) takes every phase in whatever mode it was started.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import requests

from load import hot, invariants
from load.metrics import Recorder
from load.payouts import pay_out
from load.scenario import (
    DEMO,
    PASSWORD,
    Account,
    World,
    call,
    create_buyer,
    create_ops,
    discover,
    pay,
    place_order,
    sign_in,
)
from load.stack import Target, contention, running_target, start_stack


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m load", description=__doc__)
    parser.add_argument("--seconds", type=float, default=40.0, help="length of the mixed phase")
    parser.add_argument("--max-requests", type=int, default=6000, help="request budget of the mixed phase")
    parser.add_argument("--workers", type=int, default=8, help="concurrent shoppers")
    parser.add_argument("--buyers", type=int, default=24, help="signed-up buyers the shoppers act as")
    parser.add_argument("--flash-buyers", type=int, default=200)
    parser.add_argument("--flash-units", type=int, default=20)
    parser.add_argument("--deliveries", type=int, default=12, help="paid demo orders to ship and deliver")
    parser.add_argument("--hot-buyers", type=int, default=600, help="purchases of the hot listing")
    parser.add_argument("--hot-units", type=int, default=150, help="its stock")
    parser.add_argument("--hot-workers", type=int, default=16,
                        help="hot purchases in flight: the item sells ~10 a second here, so 16 wait ~1.6 s each")
    parser.add_argument("--hot-pool", type=int, default=50, help="signed-in buyers the hot purchases use")
    parser.add_argument("--commit-window-ms", type=float, default=10.0, help="EMULATOR_COMMIT_WINDOW_MS")
    parser.add_argument("--item-units", type=float, default=20.0, help="EMULATOR_ITEM_WRITE_UNITS_PER_SECOND")
    parser.add_argument("--one-stack", action="store_true", help="every phase on one contended, seeded stack")
    return parser.parse_args()


def demo_accounts(world: World) -> dict[str, Account]:
    accounts = {}
    for role, (email, password) in DEMO.items():
        account = Account(email=email)
        sign_in(world, account, password)
        accounts[role] = account
    accounts["ops"] = create_ops(world)
    session = requests.Session()
    for role in ("artisan1", "artisan2"):
        accounts[role].sub = session.get(f"{world.api}/artisans/me", headers=accounts[role].auth,
                                         timeout=15).json()["artisan_id"]
    return accounts


def flash_sale(world: World, listing: dict[str, Any], buyers: int, units: int) -> tuple[str, Counter[int], float]:
    """`buyers` signed-in buyers race, released together, for the `units` units of one listing."""
    session = requests.Session()
    cognito = world.cognito()
    accounts = [create_buyer(world, cognito) for _ in range(buyers)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda account: sign_in(world, account, PASSWORD), accounts))
    gate = threading.Barrier(min(buyers, 50))
    results: Counter[int] = Counter()
    lock = threading.Lock()
    paid_orders = []

    def race(chunk: list[Account]) -> None:
        own = requests.Session()
        gate.wait()
        for account in chunk:
            response = place_order(world, own, account, listing["listing_id"], method="card", kind="flash_order")
            with lock:
                results[response.status_code if response is not None else 0] += 1
            if response is not None and response.status_code == 201:
                order = response.json()
                with lock:
                    world.orders.append({"order": order, "buyer": account})
                paid_orders.append((account, order))

    chunks = [accounts[i::50] for i in range(min(buyers, 50))]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        list(pool.map(race, chunks))
    elapsed = time.monotonic() - started
    for account, order in paid_orders:
        pay(world, session, account, order)
    return listing["listing_id"], results, elapsed


def deliver(world: World, accounts: dict[str, Account], limit: int) -> int:
    """Ship (as the artisan) and deliver (as ops) paid or cash-on-delivery orders of the demo artisans."""
    session = requests.Session()
    by_sub = {accounts[role].sub: accounts[role] for role in ("artisan1", "artisan2")}
    delivered = 0
    for entry in list(world.orders):
        if delivered >= limit:
            break
        order = entry["order"]
        if {item["artisan_id"] for item in order["items"]} - set(by_sub):
            continue
        current = session.get(f"{world.api}/orders/{order['order_id']}", headers=entry["buyer"].auth, timeout=15)
        if current.status_code != 200 or current.json()["status"] not in ("paid", "confirmed"):
            continue
        for artisan_id in sorted({item["artisan_id"] for item in order["items"]}):
            call(world, session, "ship", "POST", f"/orders/{order['order_id']}/shipments",
                 json={"carrier": "tcs", "tracking_number": f"TCS{order['order_id']}"}, headers=by_sub[artisan_id].auth)
        done = call(world, session, "deliver", "POST", f"/ops/orders/{order['order_id']}/delivered",
                    headers=accounts["ops"].auth)
        delivered += int(done is not None and done.status_code == 200)
    return delivered


def refund_some(world: World, ops: Account, limit: int) -> Counter[str]:
    """Ops refund paid orders, every other one in full (the lines left) and the rest by a small amount, each
    asked twice with the same key (the second must be the same refund). The sandbox gateways know each charge
    (`scenario.pay` records it); on a stack named by LOAD_API_URL without LOAD_WEB_URL they do not, and refuse:
    the refund is then `failed` and flagged, and the invariants hold either way."""
    session = requests.Session()
    outcomes: Counter[str] = Counter()  # the refunds' statuses as the second answer gave them
    for number, entry in enumerate(list(world.orders)):
        if sum(outcomes.values()) >= limit:
            break
        order = entry["order"]
        current = session.get(f"{world.api}/orders/{order['order_id']}", headers=entry["buyer"].auth, timeout=15)
        if current.status_code != 200 or current.json()["status"] not in ("paid", "shipped", "delivered"):
            continue
        now = current.json()
        if number % 2:
            body: dict[str, Any] = {"items": [{"listing_id": item["listing_id"], "quantity": item["quantity"]}
                                              for item in now["items"]], "reason": "load: whole"}
        else:
            body = {"amount": {"amount": min(100, now["charge"]["amount"]), "currency": now["charge"]["currency"]},
                    "reason": "load: amount"}
        key = uuid.uuid4().hex
        for _ in range(2):
            done = call(world, session, "refund", "POST", f"/ops/orders/{order['order_id']}/refunds", json=body,
                        headers={**ops.auth, "Idempotency-Key": key}, expect=(200, 201))
        if done is not None and done.status_code == 200:
            outcomes[done.json()["status"]] += 1
    return outcomes


def hot_listing(args: argparse.Namespace, target: Target) -> list[str]:
    """`--hot-buyers` purchases, released together and kept coming, for the `--hot-units` units of a new
    listing; failures."""
    world = World(api=target.api_url, aws=target.aws_url, card_secret=target.card_secret,
                  jazzcash_salt=target.jazzcash_salt, recorder=Recorder(max_requests=10**9))
    discover(world, requests.Session())
    listing_ids = hot.hot_listings(world, hot.verified_artisan(world), [args.hot_units])
    buyers = hot.buyer_pool(world, args.hot_pool)
    initial = invariants.hot_stock(world.aws, listing_ids)
    # Two single-item writes of the listing per order on the hot path: the reservation and the hold cleared.
    ceiling = hot.Ceiling(window_ms=args.commit_window_ms, units_per_second=args.item_units,
                          units_per_write=hot.listing_write_units(world.aws, listing_ids[0]), writes_per_order=2,
                          burst_units=hot.BURST_UNITS)
    sale = hot.release_buyers(world.api, hot.lanes_for(buyers, listing_ids, args.hot_buyers), args.hot_workers)
    ceiling = replace(ceiling, seconds=sale.in_stock_seconds())
    print(f"== hot listing: {args.hot_buyers} purchases by {len(buyers)} buyers for {args.hot_units} units of "
          f"{listing_ids[0]}")
    for line in sale.lines():
        print(f"  {line}")
    for line, per_listing in zip(ceiling.lines(), (ceiling.transactional, ceiling.single), strict=True):
        print(f"  ceiling, {line}: {sale.in_stock_rate() / per_listing:.0%} of it "
              f"(bench/bench_flash_sale.py judges this)")
    facts, failures = invariants.check_hot(world.aws, initial, [(p.key, p.order_id) for p in sale.created()])
    print("  " + ", ".join(f"{name} {value}" for name, value in facts.items()))
    unexpected = {answer: n for answer, n in sale.answers().items() if not answer.startswith(("201", "200", "409"))}
    if unexpected:
        failures.append(f"buyers answered other than 201 or 409: {unexpected}")
    if facts["units sold"] != min(args.hot_units, args.hot_buyers):
        failures.append(f"sold {facts['units sold']} of {args.hot_units} units")
    return [f"hot listing: {failure}" for failure in failures]


def stop(target: Target) -> None:
    code = target.stop()
    if target.child is not None:
        print(f"local stack stopped (exit {code})")


def main() -> int:
    args = arguments()
    running = running_target()
    contended = contention(args.commit_window_ms, args.item_units, burst_units=hot.BURST_UNITS)
    shared = running is not None or args.one_stack
    target = running or start_stack(**(contended if args.one_stack else {}))
    try:
        failures = run(args, target)
        if shared:
            failures += hot_listing(args, target)
    finally:
        stop(target)
    if not shared:
        hot_target = start_stack(**contended, SEED="0")
        try:
            failures += hot_listing(args, hot_target)
        finally:
            stop(hot_target)
    print("invariants: stock never negative; units sold = units decremented; one paid# record per paid order; "
          "each delivery credited its lines less refunds before it, less commission, once; balance = sum of the "
          "ledger; refunded <= charged, and = the refunds not failed; stock counts units refunded back; "
          "payout runs: counts and total = their transfers, each transfer one payout entry, a failed one reversed "
          "once; "
          "hot listing: sold = stock taken, nothing oversold, "
          "one order per 201 and per Idempotency-Key, every buyer answered 201 or 409")
    for failure in failures:
        print(f"  FAILED: {failure}")
    print("invariants hold" if not failures else f"{len(failures)} invariant(s) FAILED")
    return 1 if failures else 0


def run(args: argparse.Namespace, target: Target) -> list[str]:
    """Mixed traffic, the demo flash sale and fulfilment on `target`; the broken invariants."""
    recorder = Recorder(max_requests=args.max_requests)
    world = World(api=target.api_url, aws=target.aws_url, card_secret=target.card_secret,
                  jazzcash_salt=target.jazzcash_salt, recorder=recorder,
                  sandbox=f"{target.web_url}/sandbox" if target.web_url else None)
    discover(world, requests.Session())
    accounts = demo_accounts(world)
    world.demo_listing_ids = {item["listing_id"] for item in world.listings
                              if item["artisan_id"] in (accounts["artisan1"].sub, accounts["artisan2"].sub)}
    cognito = world.cognito()
    buyers = [create_buyer(world, cognito) for _ in range(args.buyers)]
    for buyer in buyers:
        sign_in(world, buyer, PASSWORD)
    orders_before = invariants.order_ids(world.aws)
    print(f"catalogue: {len(world.listings)} active listings, {len(world.artisan_ids)} artisans; "
          f"{len(buyers)} buyers signed up")

    # The flash sale's stock edit comes before the snapshot, so every later decrement is an order's.
    flash_artisan = accounts["artisan2"]
    flash_listing = next(item for item in world.listings if item["artisan_id"] == flash_artisan.sub)
    requests.patch(f"{world.api}/listings/{flash_listing['listing_id']}", json={"stock": args.flash_units},
                   headers=flash_artisan.auth, timeout=15).raise_for_status()
    initial_stock = invariants.stock_levels(world.aws)
    world.listings = [item for item in world.listings if item["listing_id"] != flash_listing["listing_id"]]
    world.demo_listing_ids.discard(flash_listing["listing_id"])

    from load.scenario import shopper

    deadline = time.monotonic() + args.seconds
    started = time.monotonic()
    threads = [threading.Thread(target=shopper, args=(world, buyers, deadline, seed), name=f"shopper-{seed}")
               for seed in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(recorder.report("mixed traffic", time.monotonic() - started))

    flash = Recorder(max_requests=10**9)
    world.recorder = flash
    listing_id, results, elapsed = flash_sale(world, flash_listing, args.flash_buyers, args.flash_units)
    print(flash.report(f"flash sale: {args.flash_buyers} buyers for {args.flash_units} units of {listing_id}",
                       elapsed))
    won = results.get(201, 0)
    print(f"flash sale outcome: {dict(sorted(results.items()))} (201 won a unit, 409 OUT_OF_STOCK)")

    world.recorder = Recorder(max_requests=10**9)
    delivered = deliver(world, accounts, args.deliveries)
    print(f"fulfilment: {delivered} orders shipped and delivered")
    refunded = refund_some(world, accounts["ops"], max(5, args.deliveries // 2))
    print(f"refunds: {sum(refunded.values())} orders refunded by ops (each asked twice with one key), by status: "
          f"{dict(refunded)}")
    paid_out = pay_out(world, accounts)
    print(f"payouts: two runs at once (one key asked twice) answered {paid_out['start_statuses']}; runs (artisans, "
          f"total paisa): {paid_out['runs']}; transfers settled (each posted twice): {paid_out['settled']}")
    print(f"orders made by this run, by status: {invariants.summary(world.aws, orders_before)}")

    failures = invariants.check(world.aws, initial_stock, orders_before, target.commission_bps)
    if won != args.flash_units:
        failures.append(f"flash sale sold {won} units of {args.flash_units}")
    if results.get(0) or any(code >= 500 for code in results):
        failures.append(f"flash sale had failures: {dict(results)}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
