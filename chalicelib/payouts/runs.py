"""Payout runs: ops (or the weekly schedule) pay every eligible artisan their balance, once per run; the bank
file goes to S3; ops post the bank's results and failed transfers are credited back, once.

A run's id comes from its idempotency key (ops) or its ISO week (the schedule), so a retried or concurrent
request with the same key carries on the same run: whoever it paid already is skipped (the transfer exists),
whoever it had not reached yet is paid. Two different runs at once cannot pay one balance twice: each debit
is conditional on the balance still holding what is paid. Keyword-only arguments, plain values in and out.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..audit.service import audit_entry
from ..auth import Identity
from ..errors import (
    IdempotencyKeyReusedError,
    InvalidStateError,
    NotFoundError,
    ServiceUnavailableError,
    ValidationError,
)
from ..ids import rfc3339, utc_now
from ..money import money
from ..optimistic import ConflictError, read_decide_write
from ..orders.service import checked_idempotency_key
from ..store import blobs
from ..store import payouts as store
from ..store.records import PayoutCandidate, PayoutRun, PayoutTransfer
from . import rules

if TYPE_CHECKING:
    from .schemas import SettlementResult

FILE_EXPIRES_SECONDS = 900
FILE_PREFIX = "payout-files/"
SCHEDULE = Identity(user_id="schedule:weekly-payouts", email=None, groups=frozenset({"ops"}))
_FINISH_ATTEMPTS = 8


class _RunClosedError(Exception):
    """The run stopped paying (another request finished it) while this one was still going."""


# --- documents ------------------------------------------------------------------------------


def run_document(run: PayoutRun, *, with_file: bool = True) -> dict[str, Any]:
    file_url = None
    if with_file and run.file_key is not None:
        file_url = blobs.presigned_download(run.file_key, filename=f"{run.run_id}.csv",
                                            expires_in=FILE_EXPIRES_SECONDS)
    return {"run_id": run.run_id, "status": run.status, "trigger": run.trigger,
            "min_amount": money(run.min_amount, "PKR"), "artisans": run.artisans, "total": money(run.total, "PKR"),
            "paid": run.paid, "failed": run.failed, "file_url": file_url, "created_at": run.created_at,
            "updated_at": run.updated_at}


def transfer_document(transfer: PayoutTransfer) -> dict[str, Any]:
    return {"run_id": transfer.run_id, "artisan_id": transfer.artisan_id, "amount": money(transfer.amount, "PKR"),
            "status": transfer.status, "account": rules.account_document(transfer.account),
            "bank_ref": transfer.bank_ref, "created_at": transfer.created_at, "settled_at": transfer.settled_at}


# --- starting and carrying out a run --------------------------------------------------------


def start_run(*, identity: Identity, min_amount: int | None,
              idempotency_key: str | None) -> tuple[dict[str, Any], bool]:
    """Start (True) or carry on (False) the run of this key; it is `ready` with its bank file when this returns."""
    identity.require("ops")
    key = checked_idempotency_key(idempotency_key)
    run, created = _open_run(rules.run_id_for(identity.user_id, key), identity=identity, trigger="ops",
                             min_amount=min_amount or rules.DEFAULT_MIN_AMOUNT)
    return run_document(carry_out(run)), created


def weekly_run(*, now: datetime | None = None) -> PayoutRun:
    """The schedule's run: one per ISO week, with the default minimum; a re-delivered event carries it on."""
    year, week, _ = (now or utc_now()).isocalendar()
    run, _ = _open_run(rules.run_id_for(SCHEDULE.user_id, f"{year}-W{week:02d}"), identity=SCHEDULE,
                       trigger="schedule", min_amount=rules.DEFAULT_MIN_AMOUNT)
    return carry_out(run)


def _open_run(run_id: str, *, identity: Identity, trigger: str, min_amount: int) -> tuple[PayoutRun, bool]:
    now = rfc3339(utc_now())
    digest = rules.request_hash(min_amount)
    run = PayoutRun(run_id=run_id, status="running", trigger=trigger, created_by=identity.user_id, created_at=now,
                    updated_at=now, min_amount=min_amount, request_hash=digest)
    entry = audit_entry(identity, "payout_run.start", run_id, at=now,
                        details={"min_amount": min_amount, "trigger": trigger})
    if store.create_run(run, entry):
        return run, True
    existing = store.get_run(run_id)
    if existing is None:
        raise ServiceUnavailableError(headers={"Retry-After": "1"})
    if existing.request_hash != digest:
        raise IdempotencyKeyReusedError()
    return existing, False


def carry_out(run: PayoutRun) -> PayoutRun:
    """Pay everyone eligible not paid by this run yet (a page of the index at a time), then write the file."""
    if run.status != "running":
        return run
    try:
        for shard in rules.all_shards():
            for artisan_id in store.payable_artisans(shard, run.min_amount):
                _pay(run, artisan_id)
    except _RunClosedError:
        pass
    return _finish(run.run_id)


def _pay(run: PayoutRun, artisan_id: str) -> str:
    def decide(payee: PayoutCandidate) -> int:
        return rules.payout_amount(payee.balance, run.min_amount) if payee.account is not None else 0

    def write(payee: PayoutCandidate, amount: int) -> str:
        if amount == 0:
            return "skipped"
        outcome = store.mark_sent(run, payee, amount, now=rfc3339(utc_now()))
        if outcome == "moved":
            raise ConflictError()
        if outcome == "closed":
            raise _RunClosedError()
        return outcome

    return read_decide_write(lambda: store.candidate(artisan_id), decide, write, what="payout balance")


def _finish(run_id: str) -> PayoutRun:
    """Write the bank file of every transfer and mark the run `ready`, unless a transfer was added meanwhile
    (then the file is written again with it)."""
    for _ in range(_FINISH_ATTEMPTS):
        run = store.get_run(run_id)
        if run is None:
            raise NotFoundError()
        if run.status != "running":
            return run
        transfers = list(store.run_transfers(run_id))
        if len(transfers) != run.artisans:
            continue
        rows = [rules.bank_row(run_id=run_id, artisan_id=transfer.artisan_id, account=transfer.account,
                               amount=transfer.amount) for transfer in transfers]
        key = f"{FILE_PREFIX}{run_id}-{len(rows)}.csv"
        blobs.put_object(key, rules.bank_file(rows), content_type="text/csv; charset=utf-8",
                         cache_control="no-store")
        store.finish_run(run_id, file_key=key, artisans=len(rows), now=rfc3339(utc_now()))
    raise ServiceUnavailableError(headers={"Retry-After": "1"})


# --- reading runs ---------------------------------------------------------------------------


def list_runs(*, identity: Identity, limit: int, cursor: str | None) -> dict[str, Any]:
    identity.require("ops")
    page = store.list_runs(limit=limit, cursor=cursor)
    return {"items": [run_document(run, with_file=False) for run in page.items], "next_cursor": page.next_cursor}


def get_run(*, identity: Identity, run_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """The run (with a fresh link to its file) and a page of its transfers, in artisan order."""
    identity.require("ops")
    run = _existing(run_id)
    page = store.transfer_page(run_id, limit=limit, cursor=cursor)
    return {**run_document(run), "items": [transfer_document(item) for item in page.items],
            "next_cursor": page.next_cursor}


def my_transfers(*, identity: Identity, limit: int, cursor: str | None) -> dict[str, Any]:
    """The caller's payouts with their state (sent, paid, failed), newest first."""
    identity.require("artisans")
    page = store.artisan_transfers(identity.user_id, limit=limit, cursor=cursor)
    return {"items": [transfer_document(item) for item in page.items], "next_cursor": page.next_cursor}


def _existing(run_id: str) -> PayoutRun:
    run = store.get_run(run_id)
    if run is None:
        raise NotFoundError()
    return run


# --- settlement -----------------------------------------------------------------------------


def settle(*, identity: Identity, run_id: str, results: list[SettlementResult]) -> dict[str, Any]:
    """Apply the bank's results: each transfer leaves `sent` once; a failed one is credited back once.

    Posting the same results again changes nothing. A result for an artisan the run did not pay, or one
    that contradicts a settled transfer, refuses the whole request before anything is written.
    """
    identity.require("ops")
    run = _existing(run_id)
    if run.status == "running":
        raise InvalidStateError("The run is still paying; settle it once it is ready.")
    transfers = store.get_transfers(run_id, [result.artisan_id for result in results])
    unknown = [result.artisan_id for result in results if result.artisan_id not in transfers]
    if unknown:
        raise ValidationError("The run paid no such artisan.", details=[
            {"field": "results", "message": f"not in this run: {artisan_id}"} for artisan_id in unknown])
    contradicted = [result.artisan_id for result in results
                    if rules.settlement_transition(transfers[result.artisan_id].status, result.status) == "conflict"]
    if contradicted:
        raise InvalidStateError("Some transfers were settled otherwise already: "
                                + ", ".join(contradicted), details=[
                                    {"field": "results", "message": f"settled otherwise: {artisan_id}"}
                                    for artisan_id in contradicted])
    now = rfc3339(utc_now())
    for result in results:
        transfer = transfers[result.artisan_id]
        if rules.settlement_transition(transfer.status, result.status) != "apply":
            continue
        entry = audit_entry(identity, "payout.settle", run_id, at=now,
                            details={"artisan_id": transfer.artisan_id, "status": result.status,
                                     "amount": transfer.amount, "bank_ref": result.bank_ref})
        store.settle_transfer(transfer, result.status, bank_ref=result.bank_ref, now=now, audit_entry=entry)
    run = _existing(run_id)
    if run.status == "ready" and run.paid + run.failed == run.artisans and store.close_run(run, now=now):
        run = _existing(run_id)
    return run_document(run)
