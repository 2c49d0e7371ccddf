"""The invoice plan: which selected BMS invoices would be created, updated, linked, voided,
left alone or blocked in QuickBooks, with their totals checked before anything is sent.

Matching follows the design's order: the link store, then the natural key (DocNumber), then
create. Unlike names, DocNumbers are not forced unique by QuickBooks, so the link store and a
stored request id per create (``SyncStore.begin_create``, used by the sender) are what keep
an interrupted export from duplicating an invoice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd

from reconcile import clock
from reconcile.bms.assumptions import DEFAULT, BmsAssumptions
from reconcile.bms.loaders import INVOICE_COLUMNS
from reconcile.errors import Blocked
from reconcile.frames import FLAG, KEY, OBJECT, TEXT, Contract, check, keys
from reconcile.mapping.credits import balance_rounding, credit_totals, map_credit_memo, split_lines
from reconcile.mapping.invoices import (
    DISCOUNT_FIELDS,
    LINE_FIELDS,
    eligibility,
    map_invoice,
    money,
    number_note,
    totals_check,
)
from reconcile.mapping.options import SyncOptions
from reconcile.mapping.syncmap import set_path
from reconcile.plans import Plan
from reconcile.qbo.company import DEFAULT as DEFAULT_COMPANY
from reconcile.qbo.company import CompanySettings
from reconcile.store import SyncStore
from reconcile.sync import bms_payments, credits
from reconcile.sync.plan import ROW_COLUMNS, Resolver, fingerprint, need_rows
from reconcile.sync.policy import follows_bms
from reconcile.sync.state import QboState

# An invoice the company made in QuickBooks (found by its number) is linked and kept as it is:
# its lines, amounts and dates are the company's books (the update policy, sync/policy.py).
KEPT_INVOICE = "linked: QuickBooks keeps its invoice"
INVOICE_PLAN_COLUMNS: Contract = {
    **ROW_COLUMNS,
    "needs": OBJECT,
    "reason": TEXT,
    "body": OBJECT,
    "draft": OBJECT,
    "qbo_record": OBJECT,
    "totals": OBJECT,
    "fingerprint": TEXT,
    "write_back": OBJECT,
    "payment": OBJECT,  # money paid in BMS to record in QuickBooks (sync/bms_payments.py)
    "credit": OBJECT,  # its credit lines' credit memo (sync/credits.py)
}
NOT_POSTED = "BMS does not have its QuickBooks id yet: the export writes it back"


# What invoice_list lists: the BMS header columns and what the toolkit adds to them.
LIST_COLUMNS: Contract = {
    **INVOICE_COLUMNS,
    "eligible": FLAG,
    "why": TEXT,
    "qbo_id": KEY,
    "selectable": FLAG,
}


def invoice_list(
    headers: pd.DataFrame, store: SyncStore, assumptions: BmsAssumptions = DEFAULT
) -> pd.DataFrame:
    """The invoices a person chooses from (``LIST_COLUMNS``): the headers, ``selectable``
    is whether it can be exported (or, voided in BMS after export, voided in QuickBooks),
    ``why`` the reason when not, ``qbo_id`` the linked invoice (else BMS's own
    reference, when posted)."""
    checked = eligibility(headers, assumptions)
    links = store.links("invoice")
    linked = dict(zip(links["bms_id"], links["qbo_id"], strict=True))
    qbo_ids = keys(checked["Id"]).map(linked).astype("string")
    reference = checked["AccountingAppReference"].astype("string")
    void = checked["StatusName"].map(assumptions.is_void).astype(bool)
    to_void = void & qbo_ids.notna()
    selectable = checked["eligible"].fillna(False) | to_void
    why = checked["why"].mask(to_void, "void in BMS: exporting voids it in QuickBooks")
    out = checked.assign(
        qbo_id=qbo_ids.fillna(reference).astype("string"),
        selectable=selectable.astype("boolean"),
        why=why.astype("string"),
    )
    return check(out.reset_index(drop=True), LIST_COLUMNS, "the invoice list")


def build_invoice_plan(
    headers: pd.DataFrame,
    lines: pd.DataFrame,
    discounts: pd.DataFrame,
    state: QboState,
    store: SyncStore,
    options: SyncOptions | Mapping[str, Any] | None = None,
    tax_items: pd.DataFrame | None = None,
    include: Mapping[str, Mapping[str, str]] | None = None,
    assumptions: BmsAssumptions = DEFAULT,
    company: CompanySettings = DEFAULT_COMPANY,
    currencies: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> Plan:
    """One plan row per BMS invoice header (see the module docstring). With ``include``
    (:meth:`reconcile.sync.dependencies.MasterData.include`), a customer or item QuickBooks
    lacks becomes a need to plan first rather than a blocking reason; ``assumptions`` name
    the exportable and void statuses; ``company`` is the QuickBooks company's settings and
    ``currencies`` the BMS accounts' currency names (account id → CurrencyName). Each row's
    ``payment`` is what BMS shows paid that QuickBooks is to record (``today``: the latest
    day a payment is dated; ``reconcile.sync.bms_payments``)."""
    options = SyncOptions.of(options)
    resolver = Resolver(state, store, options, tax_items, include=include, company=company)
    currencies = currencies or {}
    checked = eligibility(headers, assumptions)
    by_invoice = _by_invoice(lines, LINE_FIELDS)
    disc_by_invoice = _by_invoice(discounts, DISCOUNT_FIELDS)
    links = store.links("invoice")
    fingerprints = {
        kind: dict(zip(found["bms_id"], found["fingerprint"], strict=True))
        for kind, found in (("invoice", links), (credits.KIND, store.links(credits.KIND)))
    }
    applied = credits.applied_by_invoice(store)
    payments = _Payments(options, state, store, links, today or clock.today())
    rows = [
        payments.add(
            header,
            _plan_invoice(
                header,
                by_invoice.get(header["Id"], []),
                disc_by_invoice.get(header["Id"], []),
                state,
                store,
                resolver,
                fingerprints,
                assumptions,
                currencies.get(str(header["AccountId"])),
                applied.get(str(header["Id"]), 0.0),
            ),
        )
        for header in checked.to_dict("records")
    ]
    plan = pd.DataFrame(need_rows(rows) + rows, columns=list(INVOICE_PLAN_COLUMNS))
    return Plan("invoice", "Invoice", check(plan, INVOICE_PLAN_COLUMNS, "the invoice plan"))


def _by_invoice(rows: pd.DataFrame, fields: tuple[str, ...]) -> dict[Any, list[dict]]:
    """Rows grouped by InvoiceId in one pass (a groupby per invoice is 20× slower)."""
    out: dict[Any, list[dict]] = defaultdict(list)
    rows = rows[[c for c in fields if c in rows.columns]]
    for row in rows.to_dict("records") if len(rows) else []:
        out[row["InvoiceId"]].append(row)
    return out


class _Payments:
    """What every invoice's payment plan reads, read once for the plan."""

    def __init__(
        self,
        options: SyncOptions,
        state: QboState,
        store: SyncStore,
        links: pd.DataFrame,
        today: date,
    ) -> None:
        self.on = options.record_bms_payments
        self.moved = bms_payments.moved_by_invoice(store) if self.on else {}
        self.pending = store.pending_of(bms_payments.KIND) if self.on else {}
        self.deposit = bms_payments.deposit_account(state, options) if self.on else (None, None)
        self.today = today
        self.origins = dict(zip(links["bms_id"], links["origin"], strict=True))

    def add(self, header: Mapping[str, Any], row: dict) -> dict:
        """The plan row with its ``payment`` (None when payments are not recorded)."""
        if not self.on or credits.document(row)[0] == credits.ENTITY:  # a credit: nothing paid
            return row
        bms_id, action = row["bms_id"], row["action"]
        if action == "unchanged" and not follows_bms(self.origins.get(bms_id)):
            action = "link"  # the company's invoice, kept as it is: so are its payments
        payment = bms_payments.plan_payment(
            header,
            action,
            row["qbo_record"],
            self.moved.get(bms_id, (0.0, 0.0)),
            self.deposit,
            self.today,
            self.pending.get(bms_id),
            credits.credited(row["credit"]),
        )
        return {**row, "payment": payment}


def _plan_invoice(
    header, lines, discounts, state, store, resolver, fingerprints, assumptions, currency, applied
) -> dict:
    """The plan row of one BMS invoice: its invoice (the charges) with the credit memo of its
    credit lines, or a credit invoice's memo alone (``reconcile.mapping.credits``)."""
    options, company = resolver.options, resolver.company
    charges, credit_lines = split_lines(lines)
    memo = None
    if credit_lines and not charges:
        draft = map_credit_memo(header, credit_lines, options, company, currency, alone=True)
        if any(money(d.get("Value")) for d in discounts):
            draft.problems.append("a credit invoice with a discount: a credit memo has none")
        balance_rounding(None, draft, header)
        credit = credits.credit_only(draft, header)
        return _plan_document(
            draft,
            header,
            state,
            store,
            resolver,
            fingerprints,
            assumptions,
            credit["totals"],
            credit,
        )
    draft = map_invoice(header, charges, discounts, options, company, currency)
    if credit_lines:
        memo = map_credit_memo(header, credit_lines, options, company, currency, alone=False)
        balance_rounding(draft, memo, header)
    totals = credit_totals(draft, memo, header) if memo else totals_check(draft, header)
    row = _plan_document(draft, header, state, store, resolver, fingerprints, assumptions, totals)
    if memo is None or row["action"] == "blocked":
        return row
    try:
        credit = credits.plan_credit(
            memo, row, state, store, resolver, fingerprints[credits.KIND], applied
        )
    except Blocked as exc:
        return {**row, "action": "blocked", "reason": str(exc)}
    # The memo's needs are the row's too (planned and made first), without a place in its body.
    needs = [*row["needs"], *(replace(n, path="") for n in credit["needs"])]
    return {**row, "credit": credit, "needs": needs}


def _plan_document(
    draft, header, state, store, resolver, fingerprints, assumptions, totals, credit=None
) -> dict:
    """The row of the invoice ``draft`` maps, whose ``totals`` are checked (with ``credit``:
    a credit invoice's memo)."""
    company = resolver.company
    entity, kind = credits.document({"credit": credit})
    kept = credits.KEPT_MEMO if credit else KEPT_INVOICE
    word = "credit memo" if credit else "invoice"
    fingerprints = fingerprints[kind]
    row: dict[str, Any] = {
        "kind": "invoice",
        "bms_id": draft.bms_id,
        "name": draft.doc_number,
        "changes": [],
        "needs": [],
        "qbo_id": None,
        "sync_token": None,
        "reason": "",
        "body": None,
        "draft": draft,
        "qbo_record": None,
        "totals": totals,
        "fingerprint": None,
        "write_back": False,
        "payment": None,
        "credit": credit,
    }
    linked_id = store.qbo_id(kind, draft.bms_id)
    current = state.by_id(entity, linked_id) if linked_id else None

    def blocked(reason: str) -> dict:
        return {**row, "action": "blocked", "reason": reason}

    if assumptions.is_void(header.get("StatusName")):
        if current is None:
            return blocked("void in BMS and never exported: nothing to do in QuickBooks")
        if credit is not None:  # a credit invoice: its memo
            return blocked(credits.cannot_void(current))
        return {
            **row,
            "action": "void",
            "qbo_id": current["Id"],
            "sync_token": current["SyncToken"],
            "qbo_record": current,
        }
    if not header["eligible"]:
        return blocked(str(header["why"]))
    if draft.blocked:
        return blocked("; ".join(draft.problems))
    if not row["totals"]["agree"]:
        t = row["totals"]
        if t.get("tax_by") == "quickbooks":
            return blocked(
                f"amounts before tax differ: QuickBooks would compute "
                f"{t['bms_total'] - t['bms_tax'] + t['difference']:.2f}, BMS says "
                f"{t['bms_total'] - t['bms_tax']:.2f}"
            )
        return blocked(
            f"totals differ: QuickBooks would compute {t['qbo_total']:.2f} (tax {t['qbo_tax']:.2f})"
            f", BMS says {t['bms_total']:.2f} (tax {t['bms_tax']:.2f})"
        )
    try:
        resolved, row["needs"] = resolver.resolve_all(draft.refs)
    except Blocked as exc:
        return blocked(str(exc))
    customer = state.by_id("Customer", resolved.get("CustomerRef", ""))
    wanted = (draft.body.get("CurrencyRef") or {}).get("value")
    theirs = ((customer or {}).get("CurrencyRef") or {}).get("value") or company.home_currency
    if customer is not None and wanted and wanted != theirs:
        return blocked(
            f"the BMS invoice is in {wanted} and its QuickBooks customer "
            f"{customer.get('DisplayName')!r} is in {theirs}: QuickBooks takes an invoice only "
            "in its customer's currency"
        )
    body = draft.body  # resolved in place: the draft is not reused
    for path, qbo_id in resolved.items():
        set_path(body, path, {"value": qbo_id})
    digest = fingerprint(body)
    row.update(body=body, fingerprint=digest)
    if linked_id and current is None:
        return blocked(f"linked to QuickBooks {word} {linked_id}, which QuickBooks no longer has")
    if current is None:
        # The natural key: the number, or where QuickBooks numbers invoices itself, the
        # private note that carries BMS's number.
        key, value = (
            ("DocNumber", draft.doc_number)
            if company.custom_numbers
            else ("PrivateNote", number_note(draft.doc_number))
        )
        same_number = [
            i
            for i in state.by_field(entity, key, value)
            if store.bms_id(kind, i["Id"]) in (None, draft.bms_id)
        ]
        # A create an earlier export began (its request id kept) and QuickBooks made: it is
        # the toolkit's own, not the company's; sent again with the same request id,
        # QuickBooks answers with it (reference §2 requestid) and it is linked as created.
        if same_number and store.pending(kind, draft.bms_id) is None:
            # the company's own invoice: linked, not rewritten (sync/policy.py)
            current = same_number[0]
            return {
                **row,
                "action": "link",
                "qbo_id": current["Id"],
                "reason": kept,
                "sync_token": current["SyncToken"],
                "qbo_record": current,
                "write_back": True,
            }
        return {**row, "action": "create", "write_back": True}
    unchanged = fingerprints.get(draft.bms_id) == digest and not row["needs"]
    if not unchanged and not follows_bms(store.origin(kind, draft.bms_id)):
        row["reason"] = f"{kept}; BMS changed it since it was linked"
        unchanged = True
    # The write-back is done when BMS says so (its reference is the linked invoice): until
    # then every export repeats it, whatever stopped the one before (reliability issue).
    posted = str(header.get("AccountingAppReference") or "") == str(current["Id"])
    if unchanged and not posted:
        row["reason"] = "; ".join(filter(None, [row["reason"], NOT_POSTED]))
    return {
        **row,
        "action": "unchanged" if unchanged else "update",
        "qbo_id": current["Id"],
        "sync_token": current["SyncToken"],
        "qbo_record": current,
        "write_back": not unchanged or not posted,
    }
