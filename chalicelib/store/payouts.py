"""Paying artisans: payout accounts, the eligibility index, payout runs, their transfers and settlement.

The account lives on the artisan's payout balance row (PayoutsTable, entry_key "balance"), which also
carries the sparse `by_payable` index key while an account is set; the index's sort key is the balance, so
every transaction that changes a balance (deliveries, refunds, disputes, payouts) keeps it right without
knowing about it. A payout run is an item of PayoutRunsTable with one item per transfer beside it.

Every debit and every reversal is one transaction with its ledger entry and the transfer it belongs to, and
is once-only by a condition: a transfer per run and artisan cannot be written twice, and a transfer leaves
`sent` once.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist

from . import audit, outbox
from .orders import BALANCE_KEY, payout_entry_key
from .pages import Page, query_page
from .records import (
    AuditEntry,
    OutboxEvent,
    PayoutAccount,
    PayoutCandidate,
    PayoutEntry,
    PayoutRun,
    PayoutTransfer,
)
from .tables import PayoutByPayable, PayoutItem, PayoutRunItem
from .transactions import Transaction

RUN_KEY = "run"
RUN_ALL = "all"
_TRANSFER_PREFIX = "artisan#"
_ACCOUNT = ("account_method", "account_number", "account_title", "account_updated_at")


def _transfer_key(artisan_id: str) -> str:
    return f"{_TRANSFER_PREFIX}{artisan_id}"


# --- accounts -------------------------------------------------------------------------------


def _account(row: Any) -> PayoutAccount | None:
    if row.account_method is None:
        return None
    return PayoutAccount(method=row.account_method, number=row.account_number, title=row.account_title,
                         updated_at=row.account_updated_at)


def get_account(artisan_id: str) -> PayoutAccount | None:
    try:
        return _account(PayoutItem.get(artisan_id, BALANCE_KEY, consistent_read=True))
    except DoesNotExist:
        return None


def set_account(artisan_id: str, account: PayoutAccount | None, *, shard: str) -> None:
    """Keep `account` (None: forget it) on the balance row, entering (leaving) the eligibility index.

    `amount` is added 0 so that a balance row created here has the index's sort key.
    """
    actions: list[Any] = [PayoutItem.amount.add(0), PayoutItem.currency.set("PKR")]
    if account is None:
        actions += [PayoutItem.payable.remove()] + [getattr(PayoutItem, name).remove() for name in _ACCOUNT]
    else:
        actions += [PayoutItem.payable.set(shard), PayoutItem.account_method.set(account.method),
                    PayoutItem.account_number.set(account.number), PayoutItem.account_title.set(account.title),
                    PayoutItem.account_updated_at.set(account.updated_at)]
    PayoutItem(artisan_id, BALANCE_KEY).update(actions=actions)


def payable_artisans(shard: str, min_amount: int, *, page_size: int = 100) -> Iterator[str]:
    """Artisans of one index shard with an account and a balance of at least `min_amount`, a page at a time.

    The index is eventually consistent: each artisan is read again (`candidate`) before anything is paid.
    """
    for row in PayoutItem.by_payable.query(shard, PayoutByPayable.amount >= min_amount, page_size=page_size):
        yield row.artisan_id


def candidate(artisan_id: str) -> PayoutCandidate:
    """The balance and account as they are now (a consistent read), which a payout's debit is conditional on."""
    try:
        row = PayoutItem.get(artisan_id, BALANCE_KEY, consistent_read=True)
    except DoesNotExist:
        return PayoutCandidate(artisan_id=artisan_id, balance=0, account=None)
    return PayoutCandidate(artisan_id=artisan_id, balance=int(row.amount), account=_account(row))


# --- runs -----------------------------------------------------------------------------------


def _run(row: PayoutRunItem) -> PayoutRun:
    return PayoutRun(run_id=row.run_id, status=row.status, trigger=row.trigger, created_by=row.created_by,
                     created_at=row.created_at, updated_at=row.updated_at, min_amount=int(row.min_amount),
                     request_hash=row.request_hash, artisans=int(row.artisans or 0), total=int(row.total or 0),
                     paid=int(row.paid or 0), failed=int(row.failed or 0), file_key=row.file_key)


def _transfer(row: PayoutRunItem) -> PayoutTransfer:
    account = PayoutAccount(method=row.account_method, number=row.account_number, title=row.account_title,
                            updated_at=row.created_at)
    return PayoutTransfer(run_id=row.run_id, artisan_id=row.artisan_id, amount=int(row.amount), status=row.status,
                          account=account, created_at=row.created_at, settled_at=row.settled_at,
                          bank_ref=row.bank_ref)


def create_run(run: PayoutRun, audit_entry: AuditEntry) -> bool:
    """Write a new run with the audit entry of its start; False (nothing written) if the run exists already."""
    transaction = Transaction(PayoutRunItem.Meta.region)
    transaction.put(PayoutRunItem(run.run_id, RUN_KEY, status=run.status, created_at=run.created_at,
                                  updated_at=run.updated_at, run_all=RUN_ALL, trigger=run.trigger,
                                  created_by=run.created_by, min_amount=run.min_amount,
                                  request_hash=run.request_hash, artisans=0, total=0, paid=0, failed=0),
                    condition=PayoutRunItem.run_id.does_not_exist(), tag="run")
    audit.record(transaction, audit_entry)
    return not transaction.commit()


def get_run(run_id: str) -> PayoutRun | None:
    try:
        return _run(PayoutRunItem.get(run_id, RUN_KEY, consistent_read=True))
    except DoesNotExist:
        return None


def list_runs(*, limit: int, cursor: str | None) -> Page[PayoutRun]:
    return query_page(PayoutRunItem.by_recent, RUN_ALL, convert=_run, query_id="payout-runs", limit=limit,
                      cursor=cursor)


def mark_sent(run: PayoutRun, payee: PayoutCandidate, amount: int, *, now: str) -> str:
    """THE moment an artisan's payout is sent: one transaction debits the balance (only if it still holds
    `amount` and the account is the one read), writes the `payout` ledger entry and the run's transfer
    (each once), counts it on the run (only while the run is `running`) and puts the artisan's "payout
    sent" message in the outbox.

    Returns "sent", "already" (this run paid this artisan before), "closed" (the run is no longer paying)
    or "moved" (the balance or account changed since `payee` was read: read again).
    """
    assert payee.account is not None
    account = payee.account
    entry = PayoutEntry(artisan_id=payee.artisan_id, order_id=run.run_id, amount=-amount, created_at=run.created_at,
                        kind="payout", ref=run.run_id)
    transaction = Transaction(PayoutItem.Meta.region)
    transaction.update(PayoutItem(payee.artisan_id, BALANCE_KEY), [PayoutItem.amount.add(-amount)],
                       condition=(PayoutItem.amount >= amount)
                       & (PayoutItem.account_updated_at == account.updated_at), tag="balance")
    transaction.put(PayoutItem(payee.artisan_id, payout_entry_key(entry), order_id=run.run_id, amount=-amount,
                               currency="PKR", created_at=run.created_at, kind="payout", ref=run.run_id),
                    condition=PayoutItem.artisan_id.does_not_exist(), tag="once")
    transaction.put(PayoutRunItem(run.run_id, _transfer_key(payee.artisan_id), status="sent",
                                  created_at=run.created_at, updated_at=now, artisan_id=payee.artisan_id,
                                  amount=amount, account_method=account.method, account_number=account.number,
                                  account_title=account.title),
                    condition=PayoutRunItem.run_id.does_not_exist(), tag="once")
    transaction.update(PayoutRunItem(run.run_id, RUN_KEY),
                       [PayoutRunItem.artisans.add(1), PayoutRunItem.total.add(amount),
                        PayoutRunItem.updated_at.set(now)],
                       condition=PayoutRunItem.status == "running", tag="run")
    outbox.add(transaction, OutboxEvent(f"payout.sent#{run.run_id}#{payee.artisan_id}", "payout.sent",
                                        payee.artisan_id, {"amount": amount, "currency": "PKR", "ref": run.run_id,
                                                           "method": account.method}, now))
    failed = transaction.commit()
    if "once" in failed:
        return "already"
    if "run" in failed:
        return "closed"
    return "moved" if failed else "sent"


def run_transfers(run_id: str, *, page_size: int = 500) -> Iterator[PayoutTransfer]:
    """Every transfer of a run (a consistent Query of its partition), a page at a time."""
    for row in PayoutRunItem.query(run_id, PayoutRunItem.item_key.startswith(_TRANSFER_PREFIX),
                                   consistent_read=True, page_size=page_size):
        yield _transfer(row)


def transfer_page(run_id: str, *, limit: int, cursor: str | None) -> Page[PayoutTransfer]:
    return query_page(PayoutRunItem, run_id, convert=_transfer, query_id=f"payout-run:{run_id}", limit=limit,
                      cursor=cursor, newest_first=False,
                      range_key_condition=PayoutRunItem.item_key.startswith(_TRANSFER_PREFIX))


def artisan_transfers(artisan_id: str, *, limit: int, cursor: str | None) -> Page[PayoutTransfer]:
    return query_page(PayoutRunItem.by_artisan, artisan_id, convert=_transfer,
                      query_id=f"payout-transfers:{artisan_id}", limit=limit, cursor=cursor)


def finish_run(run_id: str, *, file_key: str, artisans: int, now: str) -> bool:
    """Mark the run `ready` with its bank file, only if the file holds every transfer the run counts."""
    transaction = Transaction(PayoutRunItem.Meta.region)
    transaction.update(PayoutRunItem(run_id, RUN_KEY),
                       [PayoutRunItem.status.set("ready"), PayoutRunItem.file_key.set(file_key),
                        PayoutRunItem.updated_at.set(now)],
                       condition=(PayoutRunItem.status == "running") & (PayoutRunItem.artisans == artisans),
                       tag="run")
    return not transaction.commit()


def get_transfers(run_id: str, artisan_ids: list[str]) -> dict[str, PayoutTransfer]:
    """The run's transfers to these artisans (absent: none), consistently, in BatchGetItem pages."""
    keys = [(run_id, _transfer_key(artisan_id)) for artisan_id in artisan_ids]
    return {row.artisan_id: _transfer(row) for row in PayoutRunItem.batch_get(keys, consistent_read=True)}


def settle_transfer(transfer: PayoutTransfer, outcome: str, *, bank_ref: str | None, now: str,
                    audit_entry: AuditEntry) -> bool:
    """Move a transfer from `sent` to `outcome` with the audit entry; a failed one credits the artisan back
    (`payout_reversal` entry and balance) in the same transaction. False if it had left `sent` already."""
    actions = [PayoutRunItem.status.set(outcome), PayoutRunItem.settled_at.set(now), PayoutRunItem.updated_at.set(now)]
    if bank_ref is not None:
        actions.append(PayoutRunItem.bank_ref.set(bank_ref))
    transaction = Transaction(PayoutRunItem.Meta.region)
    transaction.update(PayoutRunItem(transfer.run_id, _transfer_key(transfer.artisan_id)), actions,
                       condition=PayoutRunItem.status == "sent", tag="transfer")
    counter = PayoutRunItem.paid if outcome == "paid" else PayoutRunItem.failed
    transaction.update(PayoutRunItem(transfer.run_id, RUN_KEY), [counter.add(1), PayoutRunItem.updated_at.set(now)])
    if outcome == "failed":
        entry = PayoutEntry(artisan_id=transfer.artisan_id, order_id=transfer.run_id, amount=transfer.amount,
                            created_at=now, kind="payout_reversal", ref=transfer.run_id)
        transaction.update(PayoutItem(transfer.artisan_id, BALANCE_KEY),
                           [PayoutItem.amount.add(transfer.amount), PayoutItem.currency.set("PKR")])
        transaction.put(PayoutItem(transfer.artisan_id, payout_entry_key(entry), order_id=transfer.run_id,
                                   amount=transfer.amount, currency="PKR", created_at=now, kind="payout_reversal",
                                   ref=transfer.run_id),
                        condition=PayoutItem.artisan_id.does_not_exist(), tag="entry")
    audit.record(transaction, audit_entry)
    return not transaction.commit()


def close_run(run: PayoutRun, *, now: str) -> bool:
    """`settled` once every transfer is paid or failed: conditional on the counts that showed it."""
    transaction = Transaction(PayoutRunItem.Meta.region)
    transaction.update(PayoutRunItem(run.run_id, RUN_KEY),
                       [PayoutRunItem.status.set("settled"), PayoutRunItem.updated_at.set(now)],
                       condition=(PayoutRunItem.status == "ready") & (PayoutRunItem.paid == run.paid)
                       & (PayoutRunItem.failed == run.failed), tag="run")
    return not transaction.commit()
