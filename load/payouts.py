"""After the load's deliveries and refunds: pay the demo artisans out and settle the run, as ops would.

The two demo artisans give payout accounts, two runs start at once (one key asked twice, the other key
once): between them each artisan is paid once. The bank's results (the first artisan paid, the second failed)
are posted twice. The invariants (load/invariants.py) then check the ledger and the runs from the tables.
"""
from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from load.scenario import Account, World, call

ACCOUNTS = {"artisan1": {"method": "iban", "iban": "PK36SCBL0000001123456702", "account_title": "Load Artisan One"},
            "artisan2": {"method": "jazzcash_wallet", "msisdn": "+923451234567"}}
_PROFILE_FIELDS = ("display_name", "craft", "province", "district", "phone", "bio", "bio_ur")


def pay_out(world: World, accounts: dict[str, Account]) -> dict[str, Any]:
    """Give accounts, run two payout runs at once, settle them; what happened, for the report."""
    session = requests.Session()
    for role, account in ACCOUNTS.items():
        artisan = accounts[role]
        profile = session.get(f"{world.api}/artisans/me", headers=artisan.auth, timeout=15).json()
        body = {name: profile.get(name) for name in _PROFILE_FIELDS}
        call(world, session, "payout_account", "PUT", "/artisans/me", json=dict(body, payout_account=account),
             headers=artisan.auth)
    ops = accounts["ops"]
    keys = [uuid.uuid4().hex] * 2 + [uuid.uuid4().hex]

    def start(key: str) -> requests.Response | None:
        return call(world, requests.Session(), "payout_run", "POST", "/ops/payout-runs",
                    json={"min_amount": {"amount": 1, "currency": "PKR"}},
                    headers={**ops.auth, "Idempotency-Key": key}, expect=(200, 201))

    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(start, keys))
    statuses = Counter(answer.status_code if answer is not None else 0 for answer in answers)
    runs = {answer.json()["run_id"]: answer.json() for answer in answers
            if answer is not None and answer.status_code in (200, 201)}
    settled: Counter[str] = Counter()
    for run_id in runs:
        detail = session.get(f"{world.api}/ops/payout-runs/{run_id}?limit=100", headers=ops.auth, timeout=15).json()
        results = [{"artisan_id": item["artisan_id"], "status": "paid" if item["artisan_id"] ==
                    accounts["artisan1"].sub else "failed", "bank_ref": f"LOAD-{number}"}
                   for number, item in enumerate(detail["items"]) if item["status"] == "sent"]
        if not results:
            continue
        for _ in range(2):
            call(world, session, "settlement", "POST", f"/ops/payout-runs/{run_id}/settlement",
                 json={"results": results}, headers=ops.auth)
        settled.update(result["status"] for result in results)
    return {"start_statuses": dict(statuses), "runs": {run_id: (run["artisans"], run["total"]["amount"])
                                                       for run_id, run in runs.items()},
            "settled": dict(settled)}
