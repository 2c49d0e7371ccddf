"""Invoice and customer reconciliation: do BMS and QuickBooks agree on what was billed and
what was paid?

BMS is where invoices are made and QuickBooks is where payments land, so the two drift: a
payment received in QuickBooks but not imported into BMS yet, an invoice edited or voided on
one side only, an invoice never exported. This module pairs the two sides' invoices, compares
totals and payments, names a state per pair with the reason in words, and sums per customer,
so a person can see what to fix before the books are closed. It reads frames and returns
frames; nothing is sent anywhere.

Pairing is an outer pairing, strongest evidence first: the link store (what this toolkit
exported or linked), then BMS's ``AccountingAppReference`` (the QuickBooks id BMS was told),
then the invoice number (``InvoiceNumber`` = ``DocNumber``) when that number is unique on
both sides. Each invoice is paired at most once, and evidence that points two ways at one
stage (two BMS invoices giving one QuickBooks id) is not used at that stage.

What QuickBooks paid is the invoice's ``total − balance``; the payment lines that name the
invoice are summed beside it (``qbo_applied``) and stand in when the balance is unknown
(payments are read, not inferred). A void BMS invoice counts as zero, as QuickBooks zeroes a
voided one, so void on both sides agrees and void on one side only is a mismatch.

The work is vectorised (positions from hash lookups, ``np.bincount`` sums, boolean masks for
the states): benchmarks/reconcile_payments.py reconciles 100,000 invoices and 130,000 payment
lines in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reconcile.bms.assumptions import DEFAULT, BmsAssumptions

__all__ = [
    "CUSTOMER_COLUMNS",
    "PAIR_COLUMNS",
    "RECON_COLUMNS",
    "STATES",
    "Reconciliation",
    "pair_invoices",
    "reconcile_customers",
    "reconcile_invoices",
    "summary",
]

PAIR_COLUMNS = ["bms_id", "qbo_invoice_id", "how"]


@dataclass
class Reconciliation:
    """The reconciliation a person reads: per invoice (``RECON_COLUMNS``), per customer
    (``CUSTOMER_COLUMNS``) and the :func:`summary`."""

    invoices: pd.DataFrame
    customers: pd.DataFrame
    summary: dict[str, Any]


RECON_COLUMNS = [
    "bms_id",
    "qbo_invoice_id",
    "invoice_number",
    "customer",
    "bms_total",
    "bms_paid",
    "bms_due",
    "qbo_total",
    "qbo_balance",
    "qbo_applied",
    "difference",
    "state",
    "reason",
]
MONEY_COLUMNS = RECON_COLUMNS[4:11]
CUSTOMER_COLUMNS = ["customer", "bms_open", "qbo_open", "difference", "invoices", "mismatches"]
# In the order they are decided: the first that applies is the state.
STATES = (
    "missing in QBO",
    "missing in BMS",
    "amount mismatch",
    "overpaid",
    "partially paid",
    "matched",
)
AGREEING = ("matched", "partially paid")
HOW = np.array(["bms only", "link", "reference", "number", "qbo only"], dtype=object)
_BMS_ONLY, _LINK, _REFERENCE, _NUMBER, _QBO_ONLY = range(len(HOW))
# Amounts are in cents, but float differences of cents are not exact (0.07 - 0.06): a
# difference of exactly the tolerance must not count as beyond it.
_EPSILON = 1e-9


# -- pairing ----------------------------------------------------------------------------------


def _text(values: Any, strip: bool = False) -> np.ndarray:
    """Values as an object array of str (NA as <NA>), trimmed when asked. The array may be
    the frame's own storage: read it, never write to it."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
    series = series.astype("string")
    if strip:
        series = series.str.strip()
    return series.to_numpy(dtype=object)


class _Positions:
    """Where each value sits among ``keys`` (its first occurrence), -1 when absent or NA."""

    def __init__(self, keys: np.ndarray) -> None:
        index = pd.Index(keys, dtype=object)
        self.first: np.ndarray | None = None
        if not index.is_unique or index.hasnans:
            keep = ~index.duplicated() & ~index.isna()
            index, self.first = index[keep], np.flatnonzero(keep)
        self.index = index

    def __call__(self, values: np.ndarray) -> np.ndarray:
        found = self.index.get_indexer(pd.Index(values, dtype=object))
        if self.first is not None:  # NA keys were left out, so NA values are not found
            found = np.where(found >= 0, self.first[np.maximum(found, 0)], -1)
        return found


class _Sides:
    """The columns of both sides that several steps use, converted once."""

    def __init__(self, bms: pd.DataFrame, qbo: pd.DataFrame) -> None:
        self.bms, self.qbo = bms, qbo
        ids = bms["Id"]
        # Whole ids (the usual case) are looked up as integers, much faster than as text.
        self.bms_int = None if ids.hasnans else ids.to_numpy(dtype=np.int64)
        if self.bms_int is None:
            self.bms_ids = _text(ids)
        else:
            self.bms_ids = _format("%d", np.arange(len(ids)), self.bms_int)
        self.bms_numbers = _text(bms["InvoiceNumber"])
        self.qbo_ids = _text(qbo["qbo_invoice_id"])
        self.qbo_numbers = _text(qbo["doc_number"])
        self.qbo_at = _Positions(self.qbo_ids)

    def bms_at(self, ids: np.ndarray) -> np.ndarray:
        """Positions of BMS invoices from their ids as text (-1: not there)."""
        if self.bms_int is not None:
            try:
                return _Positions(self.bms_int)(ids.astype(np.int64))
            except (TypeError, ValueError, OverflowError):  # not a whole number, or NA
                pass
        return _Positions(self.bms_ids)(ids)


def _accept(b: np.ndarray, q: np.ndarray, partner: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """Of one stage's candidate pairs (BMS position b[i], QBO position q[i]), those kept: both
    sides found and still free, and neither claimed twice at this stage."""
    ok = (b >= 0) & (q >= 0)
    ok[ok] = (partner[b[ok]] < 0) & ~taken[q[ok]]
    b_ok, q_ok = b[ok], q[ok]
    once_b = np.bincount(b_ok, minlength=len(partner))[b_ok] == 1
    once_q = np.bincount(q_ok, minlength=len(taken))[q_ok] == 1
    ok[ok] = once_b & once_q
    return ok


def _pair(sides: _Sides, links: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """For each BMS invoice (by position): its QBO invoice's position (-1: none) and how it
    was paired (a ``HOW`` code)."""
    bms, qbo = sides.bms, sides.qbo
    partner = np.full(len(bms), -1, dtype=np.int64)
    how = np.full(len(bms), _BMS_ONLY, dtype=np.int64)
    taken = np.zeros(len(qbo), dtype=bool)

    def stage(b: np.ndarray, q: np.ndarray, code: int) -> None:
        ok = _accept(b, q, partner, taken)
        partner[b[ok]], how[b[ok]], taken[q[ok]] = q[ok], code, True

    # 1. The link store.
    if links is not None and len(links):
        invoice = np.ones(len(links), dtype=bool)
        if "kind" in links.columns:
            invoice = links["kind"].to_numpy(dtype=object) == "invoice"
        bms_id, qbo_id = (links[c].to_numpy(dtype=object)[invoice] for c in ("bms_id", "qbo_id"))
        stage(sides.bms_at(_text(bms_id)), sides.qbo_at(_text(qbo_id)), _LINK)

    # 2. The QuickBooks id BMS was told (the BMS invoices still free).
    free = np.flatnonzero(partner < 0)
    references = _text(bms["AccountingAppReference"].to_numpy(dtype=object)[free], strip=True)
    stage(free, sides.qbo_at(references), _REFERENCE)

    # 3. The number, when it is unique on each side (counted over all invoices, paired or not).
    free = np.flatnonzero(partner < 0)
    codes, uniques = pd.factorize(np.concatenate([sides.bms_numbers, sides.qbo_numbers]))
    code_b, code_q = codes[: len(bms)], codes[len(bms) :]
    count_b = np.bincount(code_b[code_b >= 0], minlength=len(uniques))
    count_q = np.bincount(code_q[code_q >= 0], minlength=len(uniques))
    qbo_of = np.full(len(uniques), -1, dtype=np.int64)
    qbo_of[code_q[code_q >= 0]] = np.flatnonzero(code_q >= 0)  # read only where unique
    c = code_b[free]
    unique = c >= 0
    unique[unique] = (count_b[c[unique]] == 1) & (count_q[c[unique]] == 1)
    stage(free, np.where(unique, qbo_of[np.maximum(c, 0)], -1), _NUMBER)
    return partner, how


def _rows(partner: np.ndarray, how: np.ndarray, n_qbo: int) -> tuple[np.ndarray, ...]:
    """The rows of the outer pairing: every BMS invoice in order, then the unpaired QBO
    ones. Returns (BMS position, QBO position, how code), -1 for a missing side."""
    taken = np.zeros(n_qbo, dtype=bool)
    taken[partner[partner >= 0]] = True
    qbo_only = np.flatnonzero(~taken)
    b = np.concatenate([np.arange(len(partner)), np.full(len(qbo_only), -1)])
    q = np.concatenate([partner, qbo_only])
    codes = np.concatenate([how, np.full(len(qbo_only), _QBO_ONLY)])
    return b, q, codes


def _take(values: np.ndarray, positions: np.ndarray, fill: Any = None) -> np.ndarray:
    """values[positions], ``fill`` where the position is -1."""
    if not len(values):
        return np.full(len(positions), fill, dtype=object if fill is None else type(fill))
    out = values[np.maximum(positions, 0)]
    if fill is None and out.dtype != object:
        out = out.astype(object)
    out[positions < 0] = fill
    return out


def pair_invoices(
    bms_invoices: pd.DataFrame, qbo_invoices: pd.DataFrame, invoice_links: pd.DataFrame | None
) -> pd.DataFrame:
    """Outer pairing of BMS invoices (``INVOICE_COLUMNS``) with QuickBooks invoices
    (``QBO_INVOICE_COLUMNS``): ``bms_id``, ``qbo_invoice_id`` and ``how`` ("link",
    "reference", "number", "bms only" or "qbo only"), <NA> for an unpaired side. BMS
    invoices come first, in their order, then the unpaired QuickBooks ones.

    ``invoice_links`` is ``SyncStore.links()`` (rows of kind "invoice" are used) or None."""
    sides = _Sides(bms_invoices, qbo_invoices)
    b, q, codes = _rows(*_pair(sides, invoice_links), len(qbo_invoices))
    return pd.DataFrame(
        {
            "bms_id": pd.array(_take(sides.bms_ids, b), dtype="string"),
            "qbo_invoice_id": pd.array(_take(sides.qbo_ids, q), dtype="string"),
            "how": pd.array(HOW[codes], dtype="string"),
        }
    )


# -- invoices ---------------------------------------------------------------------------------


def _floats(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=float, na_value=np.nan)


def _cents(values: np.ndarray) -> np.ndarray:
    return np.round(values, 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def _format(template: str, rows: np.ndarray, *columns: np.ndarray) -> np.ndarray:
    """``template % (column[i], …)`` for each i in ``rows``, as an object array of str.

    One %-formatting call for all the rows (their values in a row) makes the text several
    times faster than a call per row."""
    if not len(rows):
        return np.empty(0, dtype=object)
    values = np.empty((len(rows), len(columns)), dtype=object)
    for k, column in enumerate(columns):
        values[:, k] = column[rows]
    texts = ((template + "\0") * len(rows) % tuple(values.ravel().tolist())).split("\0")[:-1]
    if len(texts) != len(rows):  # a value held the separator: one row at a time
        texts = [template % tuple(row) for row in values.tolist()]
    return np.array(texts, dtype=object)


def reconcile_invoices(
    bms_invoices: pd.DataFrame,
    qbo_invoices: pd.DataFrame,
    payment_lines: pd.DataFrame,
    invoice_links: pd.DataFrame | None,
    tolerance: float = 0.01,
    assumptions: BmsAssumptions = DEFAULT,
) -> pd.DataFrame:
    """One row per pair of :func:`pair_invoices` (``RECON_COLUMNS``): amounts, state, reason.

    ``bms_paid`` is BMS's PaidAmount. QuickBooks' paid is ``qbo_total − qbo_balance``, or
    ``qbo_applied`` (Σ ``payment_lines.amount`` for the invoice; 0 when none, <NA> with no
    QuickBooks invoice) when the balance is unknown. ``difference`` = QuickBooks' paid −
    BMS's. States, the first that applies: "missing in QBO" (no QuickBooks invoice for a BMS
    invoice whose status is one of ``assumptions.exportable_statuses``; other unpaired BMS
    invoices are left out),
    "missing in BMS" (no BMS invoice for a QuickBooks invoice that is not voided; voided
    ones are left out), "amount mismatch" (totals or paid differ by more than
    ``tolerance``), "overpaid" (paid > total + tolerance), "partially paid", "matched"
    (unpaid or paid in full on both sides). Amounts are floats rounded to cents."""
    bms, qbo = bms_invoices, qbo_invoices
    sides = _Sides(bms, qbo)
    b, q, _ = _rows(*_pair(sides, invoice_links), len(qbo))
    tol = tolerance + _EPSILON

    # QuickBooks: the payment lines summed per invoice; a voided invoice counts as zero.
    line_at = sides.qbo_at(_text(payment_lines["qbo_invoice_id"]))
    amount = np.nan_to_num(_floats(payment_lines["amount"]))
    known = line_at >= 0
    applied = np.bincount(line_at[known], amount[known], len(qbo)).astype(float, copy=False)
    voided_q = qbo["voided"].to_numpy(dtype=bool, na_value=False)
    q_total = np.where(voided_q, 0.0, np.nan_to_num(_floats(qbo["total"])))
    q_balance = np.where(voided_q, 0.0, _floats(qbo["balance"]))
    unknown = np.isnan(q_balance)
    q_paid = np.where(unknown, applied, q_total - q_balance)
    q_balance = np.where(unknown, q_total - applied, q_balance)

    # BMS: statuses worked out once per distinct name; a missing paid or due comes from the
    # other two amounts; a void invoice counts as zero.
    status_code, statuses = pd.factorize(_text(bms["StatusName"]))
    names = pd.Series(statuses, dtype="string").str.strip()
    per_status = {
        "void": names.map(assumptions.is_void).astype(bool),
        "exportable": names.map(assumptions.is_exportable).astype(bool),
    }
    void_b, exportable_b = (
        np.append(s.to_numpy(dtype=bool), False)[status_code] for s in per_status.values()
    )
    b_grand = np.nan_to_num(_floats(bms["GrandTotal"]))
    b_paid, b_due = _floats(bms["PaidAmount"]), _floats(bms["PaymentDue"])
    b_paid = np.where(np.isnan(b_paid), np.nan_to_num(b_grand - b_due), b_paid)
    b_due = np.where(np.isnan(b_due), b_grand - b_paid, b_due)
    b_total, b_paid, b_due = (np.where(void_b, 0.0, v) for v in (b_grand, b_paid, b_due))

    # States, on the rows of the pairing (NaN for a missing side).
    has_b, has_q = b >= 0, q >= 0
    bt, bp, bd = (_cents(_take(v, b, np.nan)) for v in (b_total, b_paid, b_due))
    qt, qb, qa, qp = (_cents(_take(v, q, np.nan)) for v in (q_total, q_balance, applied, q_paid))
    diff = _cents(qp - bp)
    paired = has_b & has_q
    totals_differ = paired & (np.abs(bt - qt) > tol)
    paid_differs = paired & (np.abs(diff) > tol)
    mismatch = totals_differ | paid_differs
    # Paid beyond the total, on either side (a payment, not a credit against a negative total).
    over = ((bp - bt > tol) & (bp > tol)) | ((qp - qt > tol) & (qp > tol))
    overpaid = paired & ~mismatch & over
    partial = paired & ~mismatch & ~overpaid & (bp > tol) & (bt - bp > tol)
    code = np.select(
        [
            has_b & ~has_q & _take(exportable_b, b, False),
            has_q & ~has_b & ~_take(voided_q, q, False),
            mismatch,
            overpaid,
            partial,
            paired,
        ],
        np.arange(len(STATES)),
        default=-1,
    )
    keep = np.flatnonzero(code >= 0)
    b, q, has_b, code = b[keep], q[keep], has_b[keep], code[keep]
    bt, bp, bd, qt, qb, qa, qp, diff = (v[keep] for v in (bt, bp, bd, qt, qb, qa, qp, diff))

    # Labels: BMS's number and customer; QuickBooks' for a QuickBooks-only invoice, its
    # customer named as BMS names it when another invoice pairs that QuickBooks customer.
    number = _take(sides.bms_numbers, b)
    number[~has_b] = sides.qbo_numbers[q[~has_b]]
    customer = _take(_text(bms["AccountName"]), b)
    only_q = np.flatnonzero(~has_b)
    if len(only_q):
        who = pd.factorize(_text(qbo["customer_id"]))[0]  # -1: no customer id
        bms_name = np.full(who.max() + 2, None, dtype=object)  # the last: for -1
        on_both = np.flatnonzero(has_b & (q >= 0))
        on_both = on_both[~pd.Series(who[q[on_both]]).duplicated().to_numpy()]  # the first
        bms_name[who[q[on_both]]] = customer[on_both]
        bms_name[-1] = None
        named = bms_name[who[q[only_q]]]
        own = _text(qbo["customer_name"])[q[only_q]]
        customer[only_q] = np.where(pd.isna(named), own, named)

    told = bms["AccountingAppReference"].astype("string").str.strip()
    figures = {
        "bt": bt,
        "bp": bp,
        "bd": bd,
        "qt": qt,
        "qb": qb,
        "qp": qp,
        "diff": diff,
        "grand": _cents(_take(b_grand, b, np.nan)),
        "void_b": _take(void_b, b, False),
        # The QuickBooks id BMS was told at export (the write-back), on BMS's side.
        "told": _take(_text(told), b),
        "was_told": _take(told.fillna("").ne("").to_numpy(dtype=bool), b, False),
        "void_q": _take(voided_q, q, False),
        "totals_differ": totals_differ[keep],
        "paid_differs": paid_differs[keep],
    }
    status = np.append(np.asarray(statuses, dtype=object), "no status")[_take(status_code, b, -1)]
    qbo_id = _take(sides.qbo_ids, q)
    reason = _reasons(code, number, status, qbo_id, figures, tol)

    text = {
        "bms_id": _take(sides.bms_ids, b),
        "qbo_invoice_id": qbo_id,
        "invoice_number": number,
        "customer": customer,
        "state": np.array(STATES, dtype=object)[code],
        "reason": reason,
    }
    money = dict(zip(MONEY_COLUMNS, (bt, bp, bd, qt, qb, qa, diff), strict=True))
    return pd.DataFrame(
        {
            column: pd.array(text[column], dtype="string")
            if column in text
            else pd.array(money[column], dtype="Float64")
            for column in RECON_COLUMNS
        },
        copy=False,
    )


def _reasons(
    code: np.ndarray,
    number: np.ndarray,
    status: np.ndarray,
    qbo_id: np.ndarray,
    f: Mapping[str, np.ndarray],
    tol: float,
) -> np.ndarray:
    """The reason for each row, in words with figures (made per state, on its rows only)."""
    reason = np.full(len(code), "", dtype=object)
    at = [np.flatnonzero(code == n) for n in range(len(STATES))]
    missing, unpaired_q, mismatched, overpaid, partial, matched = at
    number = number.copy()
    unpaired = np.concatenate([missing, unpaired_q])
    number[unpaired[pd.isna(number[unpaired])]] = "(no number)"

    reason[missing] = _format(
        "not in QuickBooks: BMS invoice %s (%s), total %.2f, paid %.2f, due %.2f",
        missing,
        number,
        status,
        f["bt"],
        f["bp"],
        f["bd"],
    )
    # Exported, then deleted in QuickBooks: BMS still holds the id it was told.
    gone = missing[f["was_told"][missing]]
    reason[gone] = _format(
        "exported to QuickBooks (invoice Id %s), then deleted there: BMS invoice %s (%s), "
        "total %.2f, paid %.2f, due %.2f; void it in BMS, or re-create it in QuickBooks by hand",
        gone,
        f["told"],
        number,
        status,
        f["bt"],
        f["bp"],
        f["bd"],
    )
    reason[unpaired_q] = _format(
        "not in BMS: QuickBooks invoice %s (Id %s), total %.2f, balance %.2f",
        unpaired_q,
        number,
        qbo_id,
        f["qt"],
        f["qb"],
    )

    def part(rows: np.ndarray, when: np.ndarray, template: str, *columns: str) -> np.ndarray:
        out = np.full(len(rows), "", dtype=object)
        out[when] = _format(template, rows[when], *(f[c] for c in columns))
        return out

    rows = mismatched
    void_b, void_q = f["void_b"][rows], f["void_q"][rows]
    totals, paid = f["totals_differ"][rows], f["paid_differs"][rows]
    reason[rows] = (  # what is void on one side only, then what differs
        part(
            rows, void_b & ~void_q, "void in BMS (its total was %.2f), not in QuickBooks; ", "grand"
        )
        + np.where(void_q & ~void_b, "voided in QuickBooks, not in BMS; ", "")
        + part(rows, totals, "totals differ: BMS %.2f, QuickBooks %.2f", "bt", "qt")
        + np.where(totals & paid, "; ", "")
        + part(
            rows,
            paid,
            "paid differs: QuickBooks %.2f, BMS %.2f (difference %.2f)",
            "qp",
            "bp",
            "diff",
        )
    )
    reason[overpaid] = _format(
        "overpaid: BMS paid %.2f, QuickBooks paid %.2f on a total of %.2f",
        overpaid,
        f["bp"],
        f["qp"],
        f["bt"],
    )
    reason[partial] = _format(
        "partially paid on both sides: %.2f of %.2f paid, %.2f due",
        partial,
        f["bp"],
        f["bt"],
        f["bd"],
    )
    void = f["void_b"][matched] & f["void_q"][matched]
    in_full = ~void & (f["bp"][matched] > tol)  # matched and paid: paid in full
    unpaid = ~void & ~in_full
    reason[matched[void]] = "void on both sides"
    reason[matched[in_full]] = _format(
        "paid in full on both sides: %.2f", matched[in_full], f["bt"]
    )
    reason[matched[unpaid]] = _format("unpaid on both sides: %.2f due", matched[unpaid], f["bt"])
    return reason


# -- customers and summary --------------------------------------------------------------------


def reconcile_customers(
    by_invoice: pd.DataFrame, customer_links: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Per customer (``CUSTOMER_COLUMNS``): what is open on each side (BMS Σ ``bms_due``,
    QuickBooks Σ ``qbo_balance``), ``difference`` = QuickBooks − BMS, the invoices and the
    mismatches among them (rows neither matched nor partially paid); largest |difference|
    first, then by name.

    ``customer_links`` renames customers before summing: a customer name as it appears in
    ``by_invoice`` → the name to report it under (e.g. a QuickBooks display name → its BMS
    account name, from ``SyncStore.links("customer")`` and the accounts frame)."""
    names = by_invoice["customer"].astype("string").fillna("(no customer)")
    if customer_links:
        names = names.replace(dict(customer_links))
    code, customers = pd.factorize(names.to_numpy(dtype=object), sort=True)
    n = len(customers)
    bms_open = _cents(np.bincount(code, _floats(by_invoice["bms_due"].fillna(0)), n))
    qbo_open = _cents(np.bincount(code, _floats(by_invoice["qbo_balance"].fillna(0)), n))
    difference = _cents(qbo_open - bms_open)
    mismatched = ~by_invoice["state"].isin(AGREEING).to_numpy(dtype=bool)
    order = np.lexsort((np.arange(n), -np.abs(difference)))  # customers are sorted by name
    return pd.DataFrame(
        {
            "customer": pd.array(customers[order], dtype="string"),
            "bms_open": pd.array(bms_open[order], dtype="Float64"),
            "qbo_open": pd.array(qbo_open[order], dtype="Float64"),
            "difference": pd.array(difference[order], dtype="Float64"),
            "invoices": pd.array(np.bincount(code, minlength=n)[order], dtype="Int64"),
            "mismatches": pd.array(
                np.bincount(code[mismatched], minlength=n)[order], dtype="Int64"
            ),
        }
    )


def summary(by_invoice: pd.DataFrame) -> dict[str, Any]:
    """Counts per state (every state, zeros included) and amount totals, as plain JSON
    values: ``invoices``, ``states``, ``agreeing`` (matched or partially paid), ``totals``
    (Σ of each amount column, NA as 0) and ``mismatch_difference`` (Σ |difference| over the
    amount mismatches)."""
    counts = by_invoice["state"].value_counts()
    totals = {c: round(float(by_invoice[c].fillna(0).sum()), 2) for c in MONEY_COLUMNS}
    mismatches = by_invoice.loc[by_invoice["state"] == "amount mismatch", "difference"]
    return {
        "invoices": len(by_invoice),
        "states": {s: int(counts.get(s, 0)) for s in STATES},
        "agreeing": int(by_invoice["state"].isin(AGREEING).sum()),
        "totals": totals,
        "mismatch_difference": round(float(mismatches.fillna(0).abs().sum()), 2),
    }
