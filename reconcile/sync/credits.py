"""Credits in QuickBooks: the credit memo of a BMS invoice's negative lines, and its credit
applied to the invoice (issue 15, item 2; the mapping is ``reconcile.mapping.credits``).

A BMS invoice with credit lines is planned as its invoice (the charges) with a ``credit``:
the memo to create, update or link, and how much of its credit to apply to the
invoice. BMS nets the credit into the invoice's total, so in QuickBooks the whole memo is
applied to that invoice, by a zero-total Payment whose lines link the invoice and the memo
(Breadwinner's QuickBooks guide: "create a zero-dollar payment, which is the link between
the Credit Memo and the Invoice"; Intuit's Payment reference lets a line link a CreditMemo;
the sandbox's arithmetic is in docs/sandbox-fidelity.md). A credit invoice (no
charges) is planned as the memo alone: its plan row is the memo's (:func:`document`), and
its credit stays on the customer's account, as BMS's negative PaymentDue does.

Never twice, as the invoices and payments: each create (memo, application) keeps a request
id in the store first (kinds :data:`KIND` and :data:`APPLY`); the memo is linked to the BMS
invoice (link kind :data:`KIND`); what was applied is logged (kind :data:`APPLY`, with the
amount QuickBooks answered) and the application payments are never imported into BMS.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from reconcile.errors import Blocked, ReconcileError
from reconcile.frames import build
from reconcile.mapping.credits import credit_totals
from reconcile.mapping.invoices import CENT, InvoiceDraft, money
from reconcile.mapping.syncmap import set_path
from reconcile.payments.frames import QBO_INVOICE_COLUMNS, voided
from reconcile.qbo.client import new_request_id
from reconcile.store import SyncStore
from reconcile.sync.bms_payments import create_payment
from reconcile.sync.plan import fingerprint
from reconcile.sync.policy import follows_bms
from reconcile.sync.state import QboState

if TYPE_CHECKING:
    from reconcile.sync.plan import Resolver
    from reconcile.sync.send import Sender

KIND = "credit_memo"  # the memo's link and pending-create kind
APPLY = "bms_credit"  # the zero-total payment applying a memo to its invoice (log, pending)
ENTITY = "CreditMemo"
KEPT_MEMO = "linked: QuickBooks keeps its credit memo"
SENT = ("create", "update", "link")


def document(row: Mapping[str, Any]) -> tuple[str, str]:
    """(QuickBooks entity, link kind) of an invoice plan row: a credit invoice's row is its
    credit memo's."""
    credit = row.get("credit")
    if isinstance(credit, Mapping) and credit.get("alone"):
        return ENTITY, KIND
    return "Invoice", "invoice"


def applied_by_invoice(store: SyncStore) -> dict[str, float]:
    """Credit this toolkit applied in QuickBooks, per BMS invoice id (from the log)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    log = store.log_frame(kind=APPLY, outcome="ok")
    for bms_id, details in zip(log["bms_id"], log["details"], strict=True):
        out[str(bms_id)] += money(details.get("amount"))
    return {k: float(v) for k, v in out.items()}


def applied_ids(store: SyncStore) -> set[str]:
    """The QuickBooks payments this toolkit made to apply credit memos: never imported."""
    return {str(q) for q in store.log_frame(kind=APPLY, outcome="ok")["qbo_id"] if q}


def plan_credit(
    memo: InvoiceDraft,
    invoice_row: Mapping[str, Any],
    state: QboState,
    store: SyncStore,
    resolver: Resolver,
    fingerprints: Mapping[str, str],
    applied: float,
) -> dict[str, Any]:
    """The ``credit`` of an invoice plan row whose invoice is not blocked: the memo's action
    (create, update, unchanged, link, held), body and needs, and ``apply``, the credit
    still to apply to the invoice. Raises Blocked when the memo cannot be made."""
    total = float(memo.expected_total) if memo.expected_total is not None else None
    out: dict[str, Any] = {
        "alone": False,
        "action": "create",
        "name": memo.doc_number,
        "body": None,
        "needs": [],
        "draft": memo,
        "qbo_id": None,
        "sync_token": None,
        "qbo_record": None,
        "fingerprint": None,
        "total": total,
        "applied": applied,
        "apply": 0.0,
        "reason": "",
    }
    bms_id, invoice_action = memo.bms_id, invoice_row["action"]
    linked = store.qbo_id(KIND, bms_id)
    current = state.by_id(ENTITY, linked) if linked else None
    if current is not None:
        out.update(qbo_id=current["Id"], sync_token=current["SyncToken"], qbo_record=current)
    if invoice_action == "void":
        if current is None or money(current.get("TotalAmt")) == 0:
            return {**out, "action": "unchanged", "reason": "no credit memo to void"}
        return {**out, "action": "held", "reason": cannot_void(current)}
    if memo.blocked:
        raise Blocked("its credit memo: " + "; ".join(memo.problems))
    resolved, needs = resolver.resolve_all(memo.refs)
    body = memo.body
    for path, qbo_id in resolved.items():
        set_path(body, path, {"value": qbo_id})
    out.update(body=body, needs=needs, fingerprint=fingerprint(body))

    def held(reason: str) -> dict[str, Any]:
        return {**out, "action": "held", "reason": reason}

    if linked and current is None:
        return held(f"linked to QuickBooks credit memo {linked}, which QuickBooks no longer has")
    if current is None:
        same = [
            m
            for m in state.by_field(ENTITY, "DocNumber", memo.doc_number)
            if store.bms_id(KIND, m["Id"]) in (None, memo.bms_id)
        ]
        if same and store.pending(KIND, memo.bms_id) is None:
            found = same[0]
            out.update(qbo_id=found["Id"], sync_token=found["SyncToken"], qbo_record=found)
            return {**out, "action": "link", "reason": KEPT_MEMO}
        if invoice_action == "link":
            return held(
                "QuickBooks keeps the company's own invoice: make its credit memo there by "
                "hand if it is missing"
            )
    elif fingerprints.get(memo.bms_id) == out["fingerprint"]:
        out["action"] = "unchanged"
    elif follows_bms(store.origin(KIND, memo.bms_id)):
        out["action"] = "update"
    else:
        out.update(action="unchanged", reason=f"{KEPT_MEMO}; BMS changed it since it was linked")
    # Credit is applied only where both documents are BMS's in QuickBooks (made by the
    # toolkit): a company's own invoice or memo is kept as it is (sync/policy.py).
    invoice_ours = invoice_action in ("create", "update") or (
        invoice_action == "unchanged" and follows_bms(store.origin("invoice", bms_id))
    )
    memo_ours = out["action"] == "create" or follows_bms(store.origin(KIND, bms_id))
    rest = money(total or 0) - money(applied)
    if current is not None and store.pending(APPLY, bms_id) is None:
        # what QuickBooks still has to apply (a person may have applied some elsewhere);
        # with a request id kept, the application may be made already: sent again
        rest = min(rest, money(current.get("Balance")))
    if rest >= CENT and invoice_ours and memo_ours:
        out["apply"] = float(rest)
    return out


def cannot_void(memo: Mapping[str, Any]) -> str:
    """What a person does about the credit memo of an invoice voided in BMS: QuickBooks'
    API does not void a credit memo (Intuit staff, intuit/QuickBooks-V3-PHP-SDK#133)."""
    return (
        f"void in BMS: void credit memo {memo.get('DocNumber') or memo['Id']} in QuickBooks by "
        "hand (its API cannot void a credit memo; unapply its credit first)"
    )


def credited(credit: Mapping[str, Any] | None) -> float:
    """The credit QuickBooks applied from the invoice's memo (none without one): BMS nets
    it into the invoice's total, so it is not a payment (``reconcile.sync.bms_payments``)."""
    memo = credit.get("qbo_record") if isinstance(credit, Mapping) else None
    if not memo:
        return 0.0
    return float(money(memo.get("TotalAmt")) - money(memo.get("Balance")))


def credit_only(memo: InvoiceDraft, header: Mapping[str, Any]) -> dict[str, Any]:
    """The ``credit`` of a credit invoice's row (the row is the memo's: :func:`document`)."""
    return {
        "alone": True,
        "name": memo.doc_number,
        "total": float(memo.expected_total) if memo.expected_total is not None else None,
        "apply": 0.0,
        "applied": 0.0,
        "totals": credit_totals(None, memo, header),
    }


def pending_rows(rows: pd.DataFrame) -> pd.Series:
    """Which plan rows (not blocked) have a credit memo to send or credit to apply."""
    return rows["action"].ne("blocked") & rows["credit"].map(
        lambda c: (
            isinstance(c, Mapping) and not c["alone"] and (c["action"] in SENT or c["apply"] > 0)
        )
    )


def memo_needs(rows: list[dict]) -> list[dict]:
    """The memos' needs as rows the sender makes with the invoices' (terms, tax codes)."""
    return [
        {"kind": KIND, "needs": r["credit"]["needs"], "bms_id": r["bms_id"]}
        for r in rows
        if isinstance(r.get("credit"), Mapping) and not r["credit"]["alone"]
    ]


def send_credits(sender: Sender, rows: list[dict], invoices: dict[str, Mapping[str, Any]]) -> None:
    """Send the memos of ``rows`` and apply their credit to the invoices QuickBooks holds
    (``invoices``: BMS invoice id → QuickBooks invoice, updated with what is applied), each a
    result of the run."""
    for row in rows:
        credit = row["credit"]
        memo = credit["qbo_record"]
        invoice = invoices.get(row["bms_id"])
        if invoice is None:  # its invoice's result says why
            entry = {**row, "kind": KIND, "name": credit["name"], "action": credit["action"]}
            sender.extra_result(
                entry,
                "skipped",
                qbo_id=credit["qbo_id"],
                message="not sent: its invoice is not in QuickBooks (see its result)",
            )
            continue
        if credit["action"] in SENT:
            memo = _send_memo(sender, row, credit)
        if memo is None or credit["apply"] <= 0:
            continue
        entry = {**row, "kind": APPLY, "name": credit["name"], "action": "create"}
        fresh = _apply(sender, entry, credit, memo, invoice)
        if fresh is not None:
            invoices[row["bms_id"]] = fresh


def _send_memo(sender: Sender, row: dict, credit: dict) -> dict | None:
    client, store = sender.client, sender.store
    entry = {**row, "kind": KIND, "name": credit["name"], "action": credit["action"]}
    missing = sender.fill({"needs": credit["needs"], "body": credit["body"]})
    missing = missing or sender.made_since(KIND, row["bms_id"], credit["action"])
    if missing:
        sender.extra_result(entry, "failed", qbo_id=None, message=missing)
        return None
    action, bms_id = credit["action"], row["bms_id"]
    try:
        if action == "create":
            request_id = store.pending(KIND, bms_id) or new_request_id()
            store.begin_create(KIND, bms_id, request_id)
            answer = client.create(ENTITY, credit["body"], request_id=request_id)
        elif action == "link":
            answer = client.read(ENTITY, credit["qbo_id"])
        else:  # no sparse update for a credit memo (Intuit's operation lists)
            body = {**credit["body"], "Id": credit["qbo_id"], "SyncToken": credit["sync_token"]}
            answer = client.update(ENTITY, body, sparse=False)
    except ReconcileError as exc:
        sender.extra_result(
            entry,
            "failed",
            qbo_id=credit["qbo_id"],
            code=getattr(exc, "code", None),
            message=str(exc),
        )
        return None
    store.end_create(KIND, bms_id)
    store.link(
        KIND,
        bms_id,
        answer["Id"],
        qbo_name=answer.get("DocNumber"),
        sync_token=answer.get("SyncToken"),
        origin={"create": "created", "link": "linked"}.get(action),
        fingerprint=fingerprint(credit["body"]),
    )
    verb = {"create": "created", "update": "updated", "link": "linked"}
    total = money(answer.get("TotalAmt"))
    message = f"credit memo {verb[action]}; QuickBooks total {total:.2f}"
    if credit["total"] is not None and abs(total - money(credit["total"])):
        message += f" DIFFERS from the {credit['total']:.2f} planned: check it in QuickBooks"
    sender.extra_result(
        entry, "ok", qbo_id=answer["Id"], sync_token=answer.get("SyncToken"), message=message
    )
    return answer


def _apply(
    sender: Sender,
    entry: dict,
    credit: dict,
    memo: Mapping[str, Any],
    invoice: Mapping[str, Any],
) -> dict | None:
    """Apply the memo's planned credit to the invoice; the invoice as QuickBooks then has it."""
    client, store, bms_id = sender.client, sender.store, entry["bms_id"]
    amount = money(credit["apply"])
    room = min(money(invoice.get("Balance")), money(memo.get("Balance")))
    pending = store.pending(APPLY, bms_id)  # replayed: QuickBooks may have applied it already
    if amount > room + CENT / 2 and pending is None:
        sender.extra_result(
            entry,
            "failed",
            qbo_id=None,
            message=f"QuickBooks has {room:.2f} to apply (invoice {invoice['Id']} open, credit "
            f"memo {memo['Id']} remaining), not the {amount:.2f} planned: plan again",
        )
        return None
    body = {
        "CustomerRef": {"value": invoice["CustomerRef"]["value"]},
        "TotalAmt": 0,
        "TxnDate": memo.get("TxnDate") or invoice.get("TxnDate"),
        "PrivateNote": f"Credit memo {entry['name']} applied to its BMS invoice; by reconcile",
        "Line": [
            {"Amount": float(amount), "LinkedTxn": [{"TxnId": i, "TxnType": t}]}
            for i, t in ((invoice["Id"], "Invoice"), (memo["Id"], ENTITY))
        ],
    }
    if invoice.get("CurrencyRef"):
        body["CurrencyRef"] = {"value": invoice["CurrencyRef"]["value"]}
    made = create_payment(sender, entry, body)
    if made is None:
        return None
    answer, request_id = made
    sender.extra_result(
        entry,
        "ok",
        qbo_id=answer["Id"],
        sync_token=answer.get("SyncToken"),
        message=f"credit of {amount:.2f} from credit memo {memo['Id']} applied to invoice "
        f"{invoice['Id']}",
        request_id=request_id,
        details={"amount": float(amount), "qbo_invoice_id": invoice["Id"], "memo": memo["Id"]},
    )
    try:  # the invoice's balance now, for the payments recorded after
        return client.read("Invoice", invoice["Id"])
    except ReconcileError:  # unread: as QuickBooks' arithmetic leaves it
        return {**invoice, "Balance": float(money(invoice.get("Balance")) - amount)}


SHOWN = ("credit_memo", "credit")


def shown(credit: Mapping[str, Any] | None) -> dict[str, Any]:
    """A planned credit for people: the memo's total and, in words, what the export does."""
    if not isinstance(credit, Mapping):
        return {"credit_memo": None, "credit": ""}
    if credit["alone"]:
        return {
            "credit_memo": credit["total"],
            "credit": "a credit invoice: QuickBooks gets a credit memo "
            f"{credit['name']}; its credit stays on the customer's account",
        }
    action = credit["action"]
    words = {
        "create": f"create credit memo {credit['name']}",
        "update": f"update credit memo {credit['name']}",
        "link": f"link credit memo {credit['name']}",
        "unchanged": f"credit memo {credit['name']} unchanged",
        "held": "held",
    }[action]
    if credit["apply"] > 0:
        words += f"; apply {credit['apply']:.2f} of its credit to the invoice"
    if credit["reason"]:
        words += f": {credit['reason']}" if action == "held" else f"; {credit['reason']}"
    return {"credit_memo": credit["total"], "credit": words}


def with_credit_memos(
    qbo_invoices: pd.DataFrame, memos: list[dict], store: SyncStore
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """QuickBooks' side of the BMS invoices as the reconciliation compares it
    (``QBO_INVOICE_COLUMNS``, and the links to pair by): an invoice less its credit memo
    (total less the memo's, open balance less its remaining credit), and a credit invoice's
    memo as a negative invoice (id ``CreditMemo:<Id>``: QuickBooks ids are per entity in
    the sandbox, so an invoice and a memo may share one)."""
    links = store.links()
    memo_links = links[links["kind"] == KIND]
    invoices = links[links["kind"] == "invoice"]
    invoice_of = dict(zip(invoices["bms_id"], invoices["qbo_id"], strict=True))
    by_id = {m["Id"]: m for m in memos}
    out = qbo_invoices.copy()
    alone, extra_links = [], []
    for bms_id, memo_id in zip(memo_links["bms_id"], memo_links["qbo_id"], strict=True):
        memo = by_id.get(memo_id)
        if memo is None:
            continue
        total, remaining = money(memo.get("TotalAmt")), money(memo.get("Balance"))
        invoice_id = invoice_of.get(bms_id)
        if invoice_id is not None:
            at = out["qbo_invoice_id"] == invoice_id
            out.loc[at, "total"] = (out.loc[at, "total"] - float(total)).round(2)
            out.loc[at, "balance"] = (out.loc[at, "balance"] - float(remaining)).round(2)
            continue
        key = f"{ENTITY}:{memo_id}"
        alone.append(
            {
                "qbo_invoice_id": key,
                "doc_number": memo.get("DocNumber"),
                "customer_id": (memo.get("CustomerRef") or {}).get("value"),
                "customer_name": (memo.get("CustomerRef") or {}).get("name"),
                "txn_date": memo.get("TxnDate"),
                "total": -float(total),
                "balance": -float(remaining),
                "voided": voided(memo),
            }
        )
        extra_links.append({"kind": "invoice", "bms_id": bms_id, "qbo_id": key})
    if alone:
        out = pd.concat([out, build(alone, QBO_INVOICE_COLUMNS)], ignore_index=True)
        links = pd.concat([links, pd.DataFrame(extra_links)], ignore_index=True)
    return out, links
