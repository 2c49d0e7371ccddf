"""Payments recorded in BMS, recorded in QuickBooks too (issue 15, item 1).

An invoice paid (fully or in part) in BMS is open in QuickBooks until someone records the
money there, so one of the two books would show the wrong receivable. The invoice plan
therefore carries, per invoice, what BMS says was paid, what QuickBooks has applied and what
is still to record (:func:`plan_payment`); the export records it as a QuickBooks Payment
linked to the invoice (:func:`record_payments`), into the account ``[sync_map]
deposit_account`` names (none: QuickBooks' Undeposited Funds, Intuit Payment
``DepositToAccountRef``). ``[sync_map] record_bms_payments = false`` turns it off.

What BMS can tell: the v2 API lists no payments, only each invoice's ``PaidAmount`` and
``PaymentDue`` (reference/bms-api-and-peers.md §1.8). So the payment is dated the day BMS
last changed the invoice (``ModifiedOn``: when its payment was recorded, at the latest; never
before the invoice date nor after today), its reference (``PaymentRefNum``) is the invoice's
number, and its private note says it came from BMS and how much BMS showed paid.

No loops, never twice:

- **to record = BMS paid − imported − recorded**: what this toolkit imported into BMS from
  QuickBooks payments (``reconcile.payments.importer.imported_lines``) is QuickBooks' money
  already, and what it recorded in QuickBooks before (the log) is not recorded again;
- never more than the QuickBooks invoice will have open: more means QuickBooks holds a
  payment BMS also holds on its own (entered by hand in both?), and a person decides;
- each create carries a request id kept in the store first (kind ``bms_payment``, one per
  invoice): after a crash the resumed export sends the same id and QuickBooks answers with
  the payment it made (reference §2 requestid). What QuickBooks answered is what is logged,
  so any remainder is recorded by the next export;
- the export reads what was moved again, under the writer lease: a plan made before another
  run recorded or imported on an invoice is refused for that invoice (plan again).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from reconcile.errors import ReconcileError
from reconcile.frames import KEY, MONEY, Contract, build
from reconcile.mapping.invoices import CENT, money
from reconcile.mapping.options import SyncOptions
from reconcile.payments.changes import IMPORTED_COLUMNS
from reconcile.payments.changes import RECORDED as RECORDED_SOURCE
from reconcile.payments.classification import HELD as HELD_PAYMENT
from reconcile.payments.frames import voided
from reconcile.payments.importer import imported_lines
from reconcile.qbo.client import new_request_id
from reconcile.qbo.errors import QboError, QboServerError, QboThrottledError
from reconcile.store import SyncStore
from reconcile.sync.state import QboState

if TYPE_CHECKING:
    from reconcile.sync.send import Sender

KIND = "bms_payment"  # the store's kind for these payments (pending creates, the log)
RECORD = "record"
NOTHING = "nothing to record"
HELD = "held"
# The invoice actions after which the invoice is BMS's in QuickBooks and can take a payment.
PAYABLE = ("create", "update", "unchanged")
DEPOSIT_TYPES = ("Bank", "Other Current Asset")  # Intuit, Payment.DepositToAccountRef
UNDEPOSITED = "Undeposited Funds (QuickBooks' default)"
WAITING = "waits for its invoice to be exported"

# Per BMS invoice, what this toolkit moved between the two books.
MOVED_COLUMNS: Contract = {"bms_id": KEY, "imported": MONEY, "recorded": MONEY}


def moved(store: SyncStore) -> pd.DataFrame:
    """What this toolkit moved, per BMS invoice (``MOVED_COLUMNS``): ``imported`` into BMS
    from QuickBooks payments, ``recorded`` in QuickBooks from BMS."""
    imported: dict[str, Decimal] = defaultdict(Decimal)
    recorded: dict[str, Decimal] = defaultdict(Decimal)
    for lines in imported_lines(store).values():
        for line in lines:
            imported[str(line["bms_id"])] += money(line["amount"])
    log = store.log_frame(kind=KIND, outcome="ok")
    for bms_id, action, details in zip(log["bms_id"], log["action"], log["details"], strict=True):
        if action == "create":
            recorded[str(bms_id)] += money(details.get("amount"))
    rows = [
        {"bms_id": i, "imported": float(imported[i]), "recorded": float(recorded[i])}
        for i in sorted({*imported, *recorded})
    ]
    return build(rows, MOVED_COLUMNS)


def moved_by_invoice(store: SyncStore) -> dict[str, tuple[float, float]]:
    """:func:`moved` as a lookup: BMS invoice id → (imported, recorded)."""
    frame = moved(store)
    return {
        b: (i, r)
        for b, i, r in zip(frame["bms_id"], frame["imported"], frame["recorded"], strict=True)
    }


def recorded_payments(store: SyncStore) -> pd.DataFrame:
    """The payments this toolkit recorded in QuickBooks from BMS, as
    ``reconcile.payments.changes.IMPORTED_COLUMNS`` (source "recorded from BMS"): what
    :func:`reconcile.payments.changes.payment_changes` compares with QuickBooks now."""
    links = store.links("invoice")
    numbers = dict(zip(links["bms_id"], links["qbo_name"], strict=True))
    log = store.log_frame(kind=KIND, outcome="ok")
    rows = [
        {
            "payment_id": qbo_id,
            "source": RECORDED_SOURCE,
            "invoices": numbers.get(bms_id) or f"BMS invoice {bms_id}",
            "imported": float(money(details.get("amount"))),
        }
        for bms_id, qbo_id, action, details in zip(
            log["bms_id"], log["qbo_id"], log["action"], log["details"], strict=True
        )
        if action == "create" and qbo_id
    ]
    return build(rows, IMPORTED_COLUMNS)


def recorded_ids(store: SyncStore) -> set[str]:
    """The QuickBooks payments this toolkit recorded from BMS: never imported into BMS."""
    log = store.log_frame(kind=KIND, outcome="ok")
    return {str(q) for q, a in zip(log["qbo_id"], log["action"], strict=True) if a == "create"}


def recording_stopped(store: SyncStore, lines: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """QuickBooks payment lines (``lines``: ``reconcile.payments.frames``) on invoices whose
    BMS payment an export began recording and did not finish, as the payment plan's held
    payments (id → (class, why)): one of them may be that payment (its id unknown until the
    next export replays the request), so none is imported until then."""
    pending = store.pending_of(KIND)
    if not pending:
        return {}
    links = store.links("invoice")
    invoices = set(links.loc[links["bms_id"].isin(pending), "qbo_id"])
    why = (
        "an export was recording a BMS payment on this invoice in QuickBooks and stopped: "
        "export the invoice again first, so that a payment from BMS is not imported back"
    )
    on = lines[lines["qbo_invoice_id"].isin(invoices)]
    return {payment_id: (HELD_PAYMENT, why) for payment_id in on["payment_id"]}


def deposit_account(state: QboState, options: SyncOptions) -> tuple[dict | None, str | None]:
    """The ``DepositToAccountRef`` to send (None: QuickBooks' Undeposited Funds) and, when the
    option names no account payments can go into, why."""
    name = options.deposit_account
    if not name:
        return None, None
    found = state.by_field("Account", "FullyQualifiedName", name) or state.by_field(
        "Account", "Name", name
    )
    usable = [a for a in found if a.get("AccountType") in DEPOSIT_TYPES and a.get("Active", True)]
    if not usable:
        return None, (
            f"[sync_map] deposit_account {name!r} is not an active QuickBooks account of type "
            f"{' or '.join(DEPOSIT_TYPES)}: payments cannot go into it"
        )
    return {"value": usable[0]["Id"], "name": usable[0]["Name"]}, None


def plan_payment(
    header: Mapping[str, Any],
    action: str,
    current: Mapping[str, Any] | None,
    moved_here: tuple[float, float],
    deposit: tuple[dict | None, str | None],
    today: date,
    pending: str | None = None,
    credited: float = 0.0,
) -> dict[str, Any]:
    """What the export records in QuickBooks of the money BMS shows paid on this invoice
    (see the module docstring): the plan row's ``payment``, whose ``action`` is ``record``,
    ``nothing to record`` or ``held`` (with the ``reason``). ``credited`` is the credit this
    toolkit applied to the invoice from its credit memo (``reconcile.sync.credits``): BMS
    nets it into the total, so it is no payment."""
    paid = money(header.get("PaidAmount"))
    imported, recorded = (money(v) for v in moved_here)
    applied = (
        money(current.get("TotalAmt")) - money(current.get("Balance")) - money(credited)
        if current is not None
        else Decimal(0)
    )
    to_record = paid - imported - recorded
    ref, problem = deposit
    out: dict[str, Any] = {
        "action": NOTHING,
        "bms_paid": float(paid),
        "imported": float(imported),
        "recorded": float(recorded),
        "qbo_applied": float(applied),
        "to_record": float(max(to_record, Decimal(0))),
        "date": _paid_on(header, today),
        "reference": str(header.get("InvoiceNumber") or ""),
        "deposit_to": ref,
        "reason": "",
    }

    def held(reason: str) -> dict[str, Any]:
        return {**out, "action": HELD, "reason": reason}

    if to_record < -CENT / 2:
        return held(
            f"BMS shows {paid:.2f} paid, less than this toolkit moved (imported {imported:.2f} "
            f"into BMS, recorded {recorded:.2f} in QuickBooks): a payment was removed in BMS; "
            "check both books"
        )
    if to_record < CENT:
        return {**out, "to_record": 0.0}
    if action == "link":
        return held(
            "QuickBooks keeps the company's own invoice: record BMS's payment of "
            f"{to_record:.2f} there by hand if it is missing"
        )
    if action not in PAYABLE:
        return held(WAITING)
    if current is not None and voided(current):
        return held(
            "the invoice was voided in QuickBooks after its export: void it in BMS too, or "
            "find out why before recording a payment on it"
        )
    open_after = money(header.get("GrandTotal")) - applied
    # A create begun before (request id kept) may be in QuickBooks already: then the
    # invoice is paid by it, and sent again QuickBooks answers with it, so no check.
    if to_record > open_after + CENT / 2 and not pending:
        return held(
            f"BMS has {to_record:.2f} paid that QuickBooks does not know of, but the "
            f"QuickBooks invoice will have only {open_after:.2f} open ({applied:.2f} applied "
            "by payments made in QuickBooks): the same payment may be in both books; check it"
        )
    if problem:
        return held(problem)
    reason = (
        "an earlier export began recording this payment and stopped: it is sent again with "
        "the same request id, so QuickBooks makes it at most once"
        if pending
        else ""
    )
    return {**out, "action": RECORD, "reason": reason}


def waiting(payment: Mapping[str, Any]) -> dict[str, Any]:
    """A planned payment whose invoice turned out blocked: held with it."""
    if payment["action"] != RECORD:
        return dict(payment)
    return {**payment, "action": HELD, "reason": WAITING}


def _paid_on(header: Mapping[str, Any], today: date) -> str:
    """The payment's date: the day BMS last changed the invoice (module docstring)."""
    modified = header.get("ModifiedOn")
    day = modified.date() if isinstance(modified, pd.Timestamp) and not pd.isna(modified) else today
    invoiced = header.get("InvoiceDate")
    if isinstance(invoiced, pd.Timestamp) and not pd.isna(invoiced):
        day = max(day, invoiced.date())
    return min(day, today).isoformat()


def payment_body(payment: Mapping[str, Any], invoice: Mapping[str, Any]) -> dict[str, Any]:
    """The QuickBooks Payment for a planned ``payment``, applied to ``invoice`` (the invoice
    as QuickBooks holds it: its customer and currency are the payment's)."""
    amount = payment["to_record"]
    body: dict[str, Any] = {
        "CustomerRef": {"value": invoice["CustomerRef"]["value"]},
        "TotalAmt": amount,
        "TxnDate": payment["date"],
        "PaymentRefNum": payment["reference"],  # a DocNumber QuickBooks took: at most 21
        "PrivateNote": (
            f"Paid in Kaseya BMS on invoice {payment['reference']} (BMS showed "
            f"{payment['bms_paid']:.2f} paid); recorded by reconcile"
        ),
        "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
    }
    if invoice.get("CurrencyRef"):
        body["CurrencyRef"] = {"value": invoice["CurrencyRef"]["value"]}
    if payment["deposit_to"]:
        body["DepositToAccountRef"] = payment["deposit_to"]
    return body


SHOWN = ("bms_paid", "qbo_applied", "to_record", "payment")


def shown(payment: Mapping[str, Any] | None) -> dict[str, Any]:
    """A planned payment for people: BMS paid │ QuickBooks applied │ to record, and in words
    what the export does with it."""
    if not isinstance(payment, Mapping):  # not an invoice's row, or payments not recorded
        return dict.fromkeys(SHOWN) | {"payment": ""}
    if payment["action"] == RECORD:
        into = (payment["deposit_to"] or {}).get("name") or UNDEPOSITED
        words = f"record {payment['to_record']:.2f} dated {payment['date']} into {into}"
        words += f"; {payment['reason']}" if payment["reason"] else ""
    elif payment["action"] == HELD:
        words = f"held: {payment['reason']}"
    else:
        words = NOTHING
    return {
        "bms_paid": payment["bms_paid"],
        "qbo_applied": payment["qbo_applied"],
        "to_record": payment["to_record"],
        "payment": words,
    }


def to_record(rows: pd.DataFrame) -> pd.Series:
    """Which plan rows record a payment in QuickBooks."""
    return rows["payment"].map(lambda p: isinstance(p, Mapping) and p["action"] == RECORD)


def record_payments(
    sender: Sender, rows: list[dict], invoices: Mapping[str, Mapping[str, Any]]
) -> None:
    """Record the planned payments of ``rows`` whose invoice QuickBooks now holds
    (``invoices``: BMS invoice id → the QuickBooks invoice), each a result of the run."""
    store = sender.store
    now = moved_by_invoice(store)
    for row in rows:
        payment = row["payment"]
        invoice = invoices.get(row["bms_id"])
        entry = {**row, "kind": KIND, "action": "create"}
        if invoice is None:
            sender.extra_result(
                entry,
                "skipped",
                qbo_id=None,
                message=f"not recorded: its invoice is not in QuickBooks (see its result); "
                f"the next export records the {payment['to_record']:.2f}",
            )
            continue
        basis = (payment["imported"], payment["recorded"])
        here = now.get(row["bms_id"], (0.0, 0.0))
        if any(abs(a - b) >= float(CENT) / 2 for a, b in zip(here, basis, strict=True)):
            sender.extra_result(
                entry,
                "failed",
                qbo_id=None,
                message=f"another run moved payments on this invoice since the plan (imported "
                f"{here[0]:.2f}, recorded {here[1]:.2f} now): plan again",
            )
            continue
        open_now = money(invoice.get("Balance"))
        pending = store.pending(KIND, row["bms_id"])  # may be in QuickBooks: no check
        if money(payment["to_record"]) > open_now + CENT / 2 and pending is None:
            sender.extra_result(
                entry,
                "failed",
                qbo_id=None,
                message=f"QuickBooks has only {open_now:.2f} open on invoice {invoice['Id']}, "
                f"not the {payment['to_record']:.2f} BMS shows paid: plan again",
            )
            continue
        made = create_payment(sender, entry, payment_body(payment, invoice))
        if made is None:
            continue
        answer, request_id = made
        amount = float(money(answer.get("TotalAmt")))
        sender.extra_result(
            entry,
            "ok",
            qbo_id=answer["Id"],
            sync_token=answer.get("SyncToken"),
            message=f"payment of {amount:.2f} recorded in QuickBooks on invoice {invoice['Id']}"
            f" (paid in BMS; dated {answer.get('TxnDate', payment['date'])})",
            request_id=request_id,
            details={"amount": amount, "qbo_invoice_id": invoice["Id"]},
        )


def create_payment(sender: Sender, entry: Mapping[str, Any], body: dict) -> tuple[dict, str] | None:
    """Create a QuickBooks Payment for ``entry`` (its ``kind``: one request id per BMS
    invoice, kept in the store first: see the module docstring); QuickBooks' answer and the
    request id, or None once the failure is the run's result."""
    store, kind, bms_id = sender.store, entry["kind"], entry["bms_id"]
    request_id = store.pending(kind, bms_id) or new_request_id()
    store.begin_create(kind, bms_id, request_id)
    try:
        answer = sender.client.create("Payment", body, request_id=request_id)
    except ReconcileError as exc:
        if answered(exc):  # QuickBooks said no: a later export asks afresh
            store.end_create(kind, bms_id)
        sender.extra_result(
            entry, "failed", qbo_id=None, code=getattr(exc, "code", None), message=str(exc)
        )
        return None
    store.end_create(kind, bms_id)
    return answer, request_id


def answered(exc: ReconcileError) -> bool:
    """Whether QuickBooks answered the create (a fault it replays for the same request id),
    rather than the answer being lost or refused for load."""
    return isinstance(exc, QboError) and not isinstance(exc, QboServerError | QboThrottledError)
