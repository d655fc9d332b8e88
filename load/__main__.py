"""`python -m load` (`make load`): mixed traffic, a flash sale, then the invariants; exit 1 if one fails.

Bounded: the mixed phase stops at `--seconds` or `--max-requests`, whichever
comes first; the flash sale is `--flash-buyers` requests. Loopback only.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from load import invariants
from load.metrics import Recorder
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
from load.stack import Target, running_target, start_stack


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m load", description=__doc__)
    parser.add_argument("--seconds", type=float, default=40.0, help="length of the mixed phase")
    parser.add_argument("--max-requests", type=int, default=6000, help="request budget of the mixed phase")
    parser.add_argument("--workers", type=int, default=8, help="concurrent shoppers")
    parser.add_argument("--buyers", type=int, default=24, help="signed-up buyers the shoppers act as")
    parser.add_argument("--flash-buyers", type=int, default=200)
    parser.add_argument("--flash-units", type=int, default=20)
    parser.add_argument("--deliveries", type=int, default=12, help="paid demo orders to ship and deliver")
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


def main() -> int:
    args = arguments()
    target = running_target() or start_stack()
    try:
        return run(args, target)
    finally:
        code = target.stop()
        if target.child is not None:
            print(f"local stack stopped (exit {code})")


def run(args: argparse.Namespace, target: Target) -> int:
    recorder = Recorder(max_requests=args.max_requests)
    world = World(api=target.api_url, aws=target.aws_url, card_secret=target.card_secret,
                  jazzcash_salt=target.jazzcash_salt, recorder=recorder)
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
    print(f"orders made by this run, by status: {invariants.summary(world.aws, orders_before)}")

    failures = invariants.check(world.aws, initial_stock, orders_before, target.commission_bps)
    if won != args.flash_units:
        failures.append(f"flash sale sold {won} units of {args.flash_units}")
    if results.get(0) or any(code >= 500 for code in results):
        failures.append(f"flash sale had failures: {dict(results)}")
    print("invariants: stock never negative; units sold = units decremented; one paid# record per paid order; "
          "payout ledger = delivered less commission")
    for failure in failures:
        print(f"  FAILED: {failure}")
    print("invariants hold" if not failures else f"{len(failures)} invariant(s) FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
