"""Payout runs and their settlement (API.md "Getting paid"): each eligible artisan paid once per run, the bank
file, retries and crashes carried on, failed transfers credited back once."""
from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest

from harness.aws import Aws, User
from harness.environment import REGION
from harness.factories import make_profile
from harness.http import body_of, call, code_of
from harness.stored import credit, scan, table_state

IBAN = "PK36SCBL0000001123456702"
IBAN_2 = "PK40MEZN0001020101234567"
WALLET = "+923451234567"


def _artisan(client: Any, aws: Aws, account: dict[str, Any] | None, name: str = "Nasreen Bibi") -> User:
    user = aws.user("artisans")
    profile = make_profile(display_name=name)
    if account is not None:
        profile["payout_account"] = account
    response = call(client, "PUT", "/artisans/me", user, profile)
    assert response.status_code == 201, response.body
    return user


def ledger(client: Any, artisan: User) -> tuple[int, list[dict[str, Any]]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = call(client, "GET", "/artisans/me/payouts?limit=100" + (f"&cursor={cursor}" if cursor else ""),
                        artisan)
        assert response.status_code == 200, response.body
        page = body_of(response)
        entries += page["entries"]
        cursor = page["next_cursor"]
        if cursor is None:
            return page["balance"]["amount"], entries


def assert_ledger_balances(client: Any, artisan: User) -> int:
    balance, entries = ledger(client, artisan)
    assert balance == sum(entry["amount"]["amount"] for entry in entries)
    return balance


def start(client: Any, ops: User, key: str, body: dict[str, Any] | None = None) -> Any:
    return call(client, "POST", "/ops/payout-runs", ops, body or {}, headers={"Idempotency-Key": key})


def bank_file(aws: Aws, run: dict[str, Any]) -> list[dict[str, str]]:
    """The rows of the CSV behind the run's presigned link (virtual-hosted or path-style)."""
    bucket = aws.env["IMAGES_BUCKET"]
    key = urlparse(run["file_url"]).path.lstrip("/").removeprefix(f"{bucket}/")
    data = boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=key)["Body"].read()
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


@pytest.fixture
def ops(aws: Aws) -> User:
    return aws.user("ops")


def test_a_run_pays_each_eligible_artisan_their_whole_balance_once_and_writes_the_bank_file(client, aws, ops):
    iban = _artisan(client, aws, {"method": "iban", "iban": IBAN, "account_title": "Nasreen Bibi"})
    wallet = _artisan(client, aws, {"method": "jazzcash_wallet", "msisdn": WALLET}, name="Ghulam Rasool")
    small = _artisan(client, aws, {"method": "iban", "iban": IBAN_2, "account_title": "Small"})
    no_account = _artisan(client, aws, None)
    credit(aws, iban, 123456)
    credit(aws, iban, 1)
    credit(aws, wallet, 50000)
    credit(aws, small, 49999)
    credit(aws, no_account, 900000)

    response = start(client, ops, "week-48")

    assert response.status_code == 201, response.body
    run = body_of(response)
    assert (run["status"], run["artisans"], run["total"]) == ("ready", 2, {"amount": 173457, "currency": "PKR"})
    assert run["min_amount"] == {"amount": 50000, "currency": "PKR"}
    rows = bank_file(aws, run)
    assert sorted(rows, key=lambda row: row["account_type"]) == [
        {"account_type": "IBAN", "account_number": IBAN, "account_title": "Nasreen Bibi",
         "amount_pkr": "1234.57", "reference": f"{run['run_id']}-{iban.sub}"},
        {"account_type": "JAZZCASH", "account_number": WALLET, "account_title": "Ghulam Rasool",
         "amount_pkr": "500.00", "reference": f"{run['run_id']}-{wallet.sub}"},
    ]
    assert [assert_ledger_balances(client, user) for user in (iban, wallet, small, no_account)] == [
        0, 0, 49999, 900000]
    _, entries = ledger(client, iban)
    assert [(entry["kind"], entry["order_id"], entry["amount"]["amount"]) for entry in entries
            if entry["kind"] == "payout"] == [("payout", run["run_id"], -123457)]
    audit = call(client, "GET", f"/ops/audit?target_id={run['run_id']}", ops)
    assert [entry["action"] for entry in body_of(audit)["items"]] == ["payout_run.start"]


def test_a_retried_run_changes_nothing_and_another_key_finds_nobody_left_to_pay(client, aws, ops):
    artisan = _artisan(client, aws, {"method": "iban", "iban": IBAN, "account_title": "N B"})
    credit(aws, artisan, 70000)
    first = start(client, ops, "k1")
    before = table_state(aws)

    again = start(client, ops, "k1")
    other_body = start(client, ops, "k1", {"min_amount": {"amount": 100, "currency": "PKR"}})

    assert again.status_code == 200
    assert {**body_of(again), "file_url": None} == {**body_of(first), "file_url": None}
    assert (other_body.status_code, code_of(other_body)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert table_state(aws) == before
    second = start(client, ops, "k2", {"min_amount": {"amount": 1, "currency": "PKR"}})
    assert (second.status_code, body_of(second)["artisans"]) == (201, 0)
    assert assert_ledger_balances(client, artisan) == 0


def test_a_run_without_an_idempotency_key_or_by_a_non_ops_user_is_refused(client, aws, ops):
    artisan = _artisan(client, aws, {"method": "iban", "iban": IBAN, "account_title": "N B"})
    before = table_state(aws)

    missing = call(client, "POST", "/ops/payout-runs", ops, {})
    forbidden = start(client, artisan, "k")
    not_pkr = start(client, ops, "k", {"min_amount": {"amount": 100, "currency": "USD"}})

    assert (missing.status_code, forbidden.status_code, not_pkr.status_code) == (400, 403, 400)
    assert table_state(aws) == before


def test_a_run_that_crashed_midway_is_carried_on_by_its_retry_paying_nobody_twice_and_missing_nobody(
        client, aws, ops, hooks):
    artisans = [_artisan(client, aws, {"method": "iban", "iban": IBAN, "account_title": f"A{n}"}) for n in range(5)]
    for number, artisan in enumerate(artisans):
        credit(aws, artisan, 60000 + number)
    payouts_sent = []

    def crash_on_the_third_payout(params: dict[str, Any], **_: Any) -> None:
        if b'"kind": {"S": "payout"}' in params["body"]:
            payouts_sent.append(1)
            if len(payouts_sent) == 3:
                raise RuntimeError("the function died mid-run")

    hooks.add("before-call.dynamodb.TransactWriteItems", crash_on_the_third_payout)
    crashed = start(client, ops, "crash")
    hooks.remove_all()

    assert crashed.status_code == 500
    resumed = start(client, ops, "crash")
    assert resumed.status_code == 200, resumed.body
    run = body_of(resumed)
    assert (run["status"], run["artisans"], run["total"]["amount"]) == ("ready", 5, 300010)
    assert sorted(row["reference"] for row in bank_file(aws, run)) == sorted(
        f"{run['run_id']}-{artisan.sub}" for artisan in artisans)
    assert [assert_ledger_balances(client, artisan) for artisan in artisans] == [0] * 5
    payout_entries = [item for item in scan(boto3.client("dynamodb", region_name=REGION), aws.env["TABLE_PAYOUTS"])
                      if item.get("kind", {}).get("S") == "payout"]
    assert len(payout_entries) == 5


def test_settlement_moves_each_transfer_once_and_credits_a_failed_one_back_once(client, aws, ops):
    paid = _artisan(client, aws, {"method": "iban", "iban": IBAN, "account_title": "Paid"})
    failed = _artisan(client, aws, {"method": "easypaisa_wallet", "msisdn": WALLET})
    credit(aws, paid, 80000)
    credit(aws, failed, 90000)
    run = body_of(start(client, ops, "settle"))
    path = f"/ops/payout-runs/{run['run_id']}/settlement"
    results = {"results": [{"artisan_id": paid.sub, "status": "paid", "bank_ref": "IBFT-1"},
                           {"artisan_id": failed.sub, "status": "failed"}]}

    settled = call(client, "POST", path, ops, results)

    assert settled.status_code == 200, settled.body
    assert {key: body_of(settled)[key] for key in ("status", "paid", "failed")} == {
        "status": "settled", "paid": 1, "failed": 1}
    assert assert_ledger_balances(client, paid) == 0
    assert assert_ledger_balances(client, failed) == 90000
    _, entries = ledger(client, failed)
    assert sorted(entry["kind"] for entry in entries) == ["payout", "payout_reversal", "sale"]
    before = table_state(aws)
    assert call(client, "POST", path, ops, results).status_code == 200
    assert table_state(aws) == before
    contradiction = call(client, "POST", path, ops, {"results": [{"artisan_id": paid.sub, "status": "failed"}]})
    stranger = call(client, "POST", path, ops, {"results": [{"artisan_id": "nobody", "status": "paid"}]})
    assert (contradiction.status_code, code_of(contradiction)) == (409, "INVALID_STATE")
    assert (stranger.status_code, code_of(stranger)) == (400, "VALIDATION_ERROR")
    assert table_state(aws) == before
    transfers = body_of(call(client, "GET", "/artisans/me/payout-transfers", failed))["items"]
    assert [(item["run_id"], item["status"], item["amount"]["amount"], item["account"]["msisdn"])
            for item in transfers] == [(run["run_id"], "failed", 90000, "*********4567")]
    audit = body_of(call(client, "GET", f"/ops/audit?target_id={run['run_id']}", ops))["items"]
    assert sorted(entry["action"] for entry in audit) == ["payout.settle", "payout.settle", "payout_run.start"]


def test_ops_list_runs_newest_first_and_read_one_with_its_transfers_a_page_at_a_time(client, aws, ops):
    artisans = [_artisan(client, aws, {"method": "iban", "iban": IBAN, "account_title": f"A{n}"}) for n in range(3)]
    for artisan in artisans:
        credit(aws, artisan, 50000)
    first = body_of(start(client, ops, "one"))
    second = body_of(start(client, ops, "two"))

    listed = body_of(call(client, "GET", "/ops/payout-runs", ops))
    page = body_of(call(client, "GET", f"/ops/payout-runs/{first['run_id']}?limit=2", ops))
    rest = body_of(call(client, "GET", f"/ops/payout-runs/{first['run_id']}?limit=2&cursor={page['next_cursor']}",
                        ops))

    assert [item["run_id"] for item in listed["items"]] == [second["run_id"], first["run_id"]]
    assert page["file_url"] and page["artisans"] == 3
    items = page["items"] + rest["items"]
    assert sorted(item["artisan_id"] for item in items) == sorted(artisan.sub for artisan in artisans)
    assert {item["account"]["iban"] for item in items} == {"********************6702"}
    assert rest["next_cursor"] is None
    missing = call(client, "GET", "/ops/payout-runs/PRNOSUCHRUN", ops)
    assert missing.status_code == 404
    settle_running = call(client, "POST", "/ops/payout-runs/PRNOSUCHRUN/settlement", ops,
                          {"results": [{"artisan_id": "x", "status": "paid"}]})
    assert settle_running.status_code == 404


def test_the_weekly_schedule_runs_once_a_week_by_itself(client, aws, ops):
    artisan = _artisan(client, aws, {"method": "iban", "iban": IBAN, "account_title": "N B"})
    credit(aws, artisan, 75000)
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:ap-south-1:123456789012:rule/weekly"])

    first = dict(client.lambda_.invoke("weekly_payout_run", event).payload)
    credit(aws, artisan, 60000)
    again = dict(client.lambda_.invoke("weekly_payout_run", event).payload)

    assert (first["status"], first["artisans"]) == ("ready", 1)
    assert again == first  # the same week's run: the new credit waits for next week's
    assert assert_ledger_balances(client, artisan) == 60000
    runs = body_of(call(client, "GET", "/ops/payout-runs", ops))["items"]
    assert [(run["run_id"], run["trigger"]) for run in runs] == [(first["run_id"], "schedule")]
