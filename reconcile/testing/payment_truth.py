"""A generated truth set of QuickBooks payments against known BMS invoices (issue 6).

Payments are created through the QuickBooks API of the sandbox, against invoices exported
from BMS, in the shapes that trouble peer products: full, partial, several invoices at once,
overpaid, and unapplied — with the invoice number in the reference (sometimes with a typo),
in the memo, or nowhere. The truth frame says which BMS invoices each payment was meant for,
so the classification (applied lines) and the suggestions (unapplied payments) can be scored.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd

from reconcile import clock
from reconcile.bms.loaders import invoice_headers
from reconcile.frames import keys
from reconcile.payments.frames import month_before
from reconcile.qbo.client import BatchOp, QboClient
from reconcile.session import Session

TRUTH_COLUMNS = ["payment_id", "case", "bms_ids", "amounts", "applied_in_qbo", "reference"]
# case → share of the payments generated
CASES = {
    "full": 0.25,
    "partial": 0.1,
    "multi": 0.1,
    "overpaid": 0.05,
    "unapplied exact": 0.2,
    "unapplied typo": 0.1,
    "unapplied memo": 0.05,
    "unapplied combination": 0.1,
    "unapplied noise": 0.05,
}


def typo(number: str, rng: random.Random) -> str:
    """The invoice number as people mistype it in a payment reference."""
    digits = "".join(c for c in number if c.isdigit())
    prefix = number[: len(number) - len(digits)].rstrip("-")
    swap = rng.randrange(len(digits) - 1) if len(digits) > 1 else 0
    swapped = digits[:swap] + digits[swap + 1 : swap + 2] + digits[swap] + digits[swap + 2 :]
    forms: list[Callable[[], str]] = [
        lambda: f"{prefix}{digits}",  # INV10042
        lambda: f"{prefix.lower()} {digits}",  # inv 10042
        lambda: f"Invoice #{digits}",
        lambda: f"{prefix}-{swapped}",  # two digits swapped
        lambda: f"{prefix}-{digits[:-2]}{digits[-1]}",  # one digit dropped
    ]
    return rng.choice(forms)()


def payment_date(invoice_date: date, today: date, rng: random.Random) -> date:
    """When a customer pays: on or after the invoice's date, never after ``today``, and
    inside the last month (the Payments tab's default range, :func:`month_before`), so the
    generated payments are found on any day without widening the range."""
    first = max(invoice_date, month_before(today))
    return first + timedelta(days=rng.randint(0, max((today - first).days, 0)))


def owed_invoices(session: Session) -> pd.DataFrame:
    """Exported invoices still owed in both systems, in the shape :func:`make_payments`
    takes (owed = the smaller of BMS PaymentDue and QuickBooks Balance)."""
    bms = invoice_headers(session.bms)
    bms = bms.assign(bms_id=keys(bms["Id"]))
    qbo = session.qbo_invoices()
    links = session.store.links("invoice")[["bms_id", "qbo_id"]]
    both = bms.merge(links, on="bms_id").merge(qbo, left_on="qbo_id", right_on="qbo_invoice_id")
    return pd.DataFrame(
        {
            "bms_id": both["bms_id"],
            "invoice_number": both["InvoiceNumber"],
            "qbo_invoice_id": both["qbo_invoice_id"],
            "qbo_customer_id": both["customer_id"],
            "balance": both[["PaymentDue", "balance"]].astype(float).min(axis=1),
            "txn_date": both["txn_date"],
        }
    )


def make_payments(
    client: QboClient,
    invoices: pd.DataFrame,
    *,
    count: int = 60,
    seed: int = 6,
    today: date | None = None,
) -> pd.DataFrame:
    """Create ``count`` payments against ``invoices`` (columns bms_id, invoice_number,
    qbo_invoice_id, qbo_customer_id, balance, txn_date: exported, unpaid invoices) and return
    the truth (``TRUTH_COLUMNS``). Each invoice is used by one payment at most; payments are
    dated by :func:`payment_date` (``today`` defaults to :func:`reconcile.clock.today`)."""
    rng = random.Random(seed)
    today = today or clock.today()
    pool = invoices[invoices["balance"] > 1].sample(frac=1.0, random_state=seed)
    by_customer = {c: g.to_dict("records") for c, g in pool.groupby("qbo_customer_id")}
    used: set[str] = set()
    cases = rng.choices(list(CASES), weights=list(CASES.values()), k=count)
    ops, truth = [], []

    def take(n: int) -> list[dict] | None:
        for group in rng.sample(list(by_customer.values()), len(by_customer)):
            free = [i for i in group if i["bms_id"] not in used]
            if len(free) >= n:
                chosen = free[:n]
                used.update(i["bms_id"] for i in chosen)
                return chosen
        return None

    for n, case in enumerate(cases):
        width = rng.choice([2, 3]) if case in ("multi", "unapplied combination") else 1
        chosen = take(width)
        if chosen is None:
            break
        first = chosen[0]
        amounts = [round(float(i["balance"]), 2) for i in chosen]
        if case == "partial":
            amounts = [round(amounts[0] * rng.choice([0.25, 0.5, 0.6]), 2)]
        total = round(sum(amounts), 2)
        reference, memo = first["invoice_number"], None
        if case == "overpaid":
            total = round(total + rng.choice([10.0, 25.0, 100.0]), 2)
        if case == "unapplied typo":
            reference = typo(first["invoice_number"], rng)
        if case == "unapplied memo":
            reference, memo = f"CHK {rng.randint(1000, 9999)}", f"for {first['invoice_number']}"
        if case in ("unapplied combination", "multi"):
            reference = f"ACH {rng.randint(100000, 999999)}"
        if case == "unapplied noise":
            total = round(rng.uniform(13, 97), 2)
            reference, chosen, amounts = f"DEP {rng.randint(1000, 9999)}", [], []
        applied = not case.startswith("unapplied")
        body: dict = {
            "CustomerRef": {"value": first["qbo_customer_id"]},
            "TotalAmt": total,
            "TxnDate": payment_date(pd.Timestamp(first["txn_date"]).date(), today, rng).isoformat(),
            "PaymentRefNum": reference[:21],
        }
        if memo:
            body["PrivateNote"] = memo
        if applied:
            body["Line"] = [
                {"Amount": a, "LinkedTxn": [{"TxnId": i["qbo_invoice_id"], "TxnType": "Invoice"}]}
                for i, a in zip(chosen, amounts, strict=True)
            ]
        ops.append(BatchOp("create", "Payment", body, key=n))
        truth.append(
            {
                "case": case,
                "bms_ids": tuple(i["bms_id"] for i in chosen),
                "amounts": tuple(amounts),
                "applied_in_qbo": applied,
                "reference": reference,
            }
        )
    answers = client.batch(ops)
    failed = [a for a in answers if not a.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} truth-set payments were refused: {failed[0].error}")
    ids = {a.op.key: a.data["Id"] for a in answers}
    rows = [{"payment_id": ids[n], **t} for n, t in enumerate(truth)]
    return pd.DataFrame(rows, columns=TRUTH_COLUMNS)


def score(
    truth: pd.DataFrame,
    ready_lines: pd.DataFrame,
    suggestions: pd.DataFrame,
    threshold: float = 0.9,
) -> dict[str, float | int]:
    """Precision and recall against the truth.

    - automatic: the invoice lines classified ready (applied without a person's choice)
      against the invoices each payment was meant for — must be 1.0;
    - suggested: the rank-1 suggestion of each unapplied payment (right = exactly the meant
      invoices), over all of them and over those at or above ``threshold`` (pre-selected)."""
    meant = {r.payment_id: {str(b) for b in r.bms_ids} for r in truth.itertuples()}
    ours = ready_lines[ready_lines["payment_id"].isin(set(meant))]  # the truth's payments
    pairs = list(zip(ours["payment_id"], ours["bms_id"].astype(str), strict=True))
    auto_right = sum(b in meant[p] for p, b in pairs)
    unapplied = truth[~truth["applied_in_qbo"]]
    answerable = unapplied[unapplied["bms_ids"].map(len) > 0]
    top = suggestions[suggestions["rank"] == 1].set_index("payment_id")
    top = top[top.index.isin(set(unapplied["payment_id"]))]

    def right(pid: str) -> bool:
        return {str(b) for b in top.loc[pid, "bms_invoice_ids"]} == meant[pid]

    sure = top[top["score"] >= threshold]
    right_top = sum(right(p) for p in top.index)
    right_sure = sum(right(p) for p in sure.index)
    return {
        "automatic_lines": len(pairs),
        "automatic_precision": auto_right / len(pairs) if pairs else 1.0,
        "unapplied": len(unapplied),
        "answerable": len(answerable),
        "suggested": len(top),
        "suggestion_precision": right_top / len(top) if len(top) else 1.0,
        "suggestion_recall": right_top / len(answerable) if len(answerable) else 1.0,
        "preselected": len(sure),
        "preselected_precision": right_sure / len(sure) if len(sure) else 1.0,
        "preselected_recall": right_sure / len(answerable) if len(answerable) else 1.0,
    }
