"""BMS credits reach QuickBooks as credit memos (issue 15, item 2), over real HTTP on a
sandbox of this module's own: the demo's credit invoice INV-10008 (a memo alone) and its
return INV-10042 (an invoice, a memo of the returned laptop with its tax and the cent, the
credit applied by a zero-total payment, then BMS's payment); a crash after QuickBooks made a
memo and after it applied a credit, each answered again by the same request id; a re-run
that sends nothing; the reconciliation agreeing; the application never imported."""

from __future__ import annotations

from datetime import date

import pytest

from reconcile.frames import keys
from reconcile.mapping.credits import ROUNDING_LINE
from reconcile.payments.classification import FROM_BMS
from reconcile.qbo.client import new_request_id
from reconcile.qbo.query import select
from reconcile.session import Session
from reconcile.sync import bms_payments, credits

CREDIT_INVOICE, RETURN = "INV-10008", "INV-10042"
SINCE = date(2000, 1, 1)


def _listed(session: Session, *numbers: str):
    listed = session.invoices()
    return listed[listed["InvoiceNumber"].isin(numbers)]


def _row(plan, number: str) -> dict:
    (row,) = plan.rows[plan.rows["name"] == number].to_dict("records")
    return row


def _memos(session: Session, number: str) -> list[dict]:
    return session.qbo.query(select("CreditMemo").eq("DocNumber", number))


def _credit_payments(session: Session, memo_id: str) -> list[dict]:
    return [
        p
        for p in session.qbo.query(select("Payment"))
        for line in p.get("Line", [])
        for t in line.get("LinkedTxn", [])
        if t.get("TxnType") == "CreditMemo" and t.get("TxnId") == memo_id
    ]


@pytest.fixture(scope="module")
def session(fresh) -> Session:
    return fresh[1]


@pytest.fixture(scope="module")
def exported(session):
    """The two credits exported through two lost answers: first what they need and the
    return's invoice and memo (its credit not applied, its payment not recorded); then
    QuickBooks makes the credit invoice's memo and applies the return's credit, and the
    toolkit never hears (request ids kept); then the export planned again. Returns the
    first plan, the plan and preview after the crash, its results, and what was made."""
    first = session.plan_invoices(
        _listed(session, CREDIT_INVOICE, RETURN), include_dependencies=True
    )
    rows = first.rows[first.rows["name"] != CREDIT_INVOICE].copy()
    at = rows.index[rows["name"] == RETURN][0]
    rows.at[at, "credit"] = {**rows.at[at, "credit"], "apply": 0.0}
    rows.at[at, "payment"] = None
    session.export_invoices(first.with_rows(rows.reset_index(drop=True)))

    crash = session.plan_invoices(_listed(session, CREDIT_INVOICE, RETURN))
    alone, ret = _row(crash, CREDIT_INVOICE), _row(crash, RETURN)
    request_id = new_request_id()
    session.store.begin_create(credits.KIND, alone["bms_id"], request_id)
    memo = session.qbo.create("CreditMemo", alone["body"], request_id=request_id)
    invoice = session.qbo.read("Invoice", ret["qbo_id"])
    ret_memo = ret["credit"]["qbo_record"]
    request_id = new_request_id()
    session.store.begin_create(credits.APPLY, ret["bms_id"], request_id)
    line = [
        {"Amount": ret["credit"]["apply"], "LinkedTxn": [{"TxnId": i, "TxnType": t}]}
        for i, t in ((invoice["Id"], "Invoice"), (ret_memo["Id"], "CreditMemo"))
    ]
    applied = session.qbo.create(
        "Payment",
        {"CustomerRef": invoice["CustomerRef"], "TotalAmt": 0, "Line": line},
        request_id=request_id,
    )  # … both answers lost: the process died here

    plan = session.plan_invoices(
        _listed(session, CREDIT_INVOICE, RETURN), include_dependencies=True
    )
    preview = session.preview_invoices(plan)
    results = session.export_invoices(plan)
    return first, plan, preview, results, {"memo": memo, "applied": applied}


def test_the_plan_splits_the_return_and_checks_the_net_against_bms(session, exported):
    first = exported[0]
    ret, alone = _row(first, RETURN), _row(first, CREDIT_INVOICE)
    assert ret["action"] == "create" and alone["action"] == "create"
    assert ret["totals"]["agree"] and ret["totals"]["difference"] == 0
    assert ret["totals"]["qbo_total"] == ret["totals"]["bms_total"] == 1433.31
    assert [ln["Amount"] for ln in ret["body"]["Line"]] == [2698.0]  # the charges only
    credit = ret["credit"]
    assert credit["action"] == "create" and credit["name"] == f"{RETURN}-CR"
    assert credit["total"] == 1433.32 and credit["apply"] == 1433.32
    assert credit["body"]["Line"][-1]["Description"] == ROUNDING_LINE
    assert ret["payment"]["action"] == bms_payments.RECORD
    assert ret["payment"]["to_record"] == 1433.31
    assert alone["credit"]["alone"] and alone["body"]["DocNumber"] == CREDIT_INVOICE
    assert alone["totals"]["qbo_total"] == -375.0 and alone["payment"] is None


def test_after_the_crash_the_same_request_ids_are_sent_again(exported):
    _first, plan, preview, _results, _made = exported
    alone, ret = _row(plan, CREDIT_INVOICE), _row(plan, RETURN)
    # The credit invoice's memo is in QuickBooks under its number, but the create was the
    # toolkit's (its request id kept): sent again, not linked as the company's.
    assert alone["action"] == "create"
    assert ret["credit"]["action"] == "unchanged" and ret["credit"]["apply"] == 1433.32
    totals = preview.totals.set_index("invoice")
    assert totals.loc[RETURN, "credit_memo"] == 1433.32
    assert totals.loc[RETURN, "credit"].startswith(f"credit memo {RETURN}-CR unchanged; apply")
    assert "credit memo" in totals.loc[CREDIT_INVOICE, "credit"]
    memo_lines = preview.lines[preview.lines["invoice"] == f"{RETURN}-CR"]
    assert list(memo_lines["line"]) == ["1", "R"]  # the returned laptop, and the cent
    assert list(memo_lines["amount"]) == [1349.0, 0.01]
    assert memo_lines["bms_qty"].iloc[0] == -1  # BMS's line as BMS has it


def test_credits_are_made_and_applied_once_and_both_books_agree(session, exported):
    _first, _plan, _preview, results, made = exported
    by_kind = results.set_index(["kind", "name"])
    assert by_kind.loc[("invoice", CREDIT_INVOICE), "outcome"] == "ok"
    assert by_kind.loc[("invoice", CREDIT_INVOICE), "qbo_id"] == made["memo"]["Id"]
    assert by_kind.loc[(credits.APPLY, f"{RETURN}-CR"), "qbo_id"] == made["applied"]["Id"]
    assert by_kind.loc[(bms_payments.KIND, RETURN), "outcome"] == "ok"
    assert by_kind.loc[("invoice", RETURN), "outcome"] == "unchanged"  # made before the crash
    others = results[results["name"] != RETURN]
    assert set(others["outcome"]) == {"ok"}, results[["kind", "name", "message"]].to_string()

    (alone,) = _memos(session, CREDIT_INVOICE)
    assert alone["Id"] == made["memo"]["Id"] and alone["RemainingCredit"] == 375.0
    (memo,) = _memos(session, f"{RETURN}-CR")
    assert memo["TotalAmt"] == 1433.32 and memo["Balance"] == 0
    assert [p["Id"] for p in _credit_payments(session, memo["Id"])] == [made["applied"]["Id"]]
    headers = _listed(session, CREDIT_INVOICE, RETURN).set_index("InvoiceNumber")
    invoice = session.qbo.read("Invoice", headers.loc[RETURN, "AccountingAppReference"])
    assert invoice["TotalAmt"] == 2866.63 and invoice["Balance"] == 0
    # BMS is told the memo of its credit invoice.
    assert headers.loc[CREDIT_INVOICE, "AccountingAppReference"] == alone["Id"]
    assert session.store.pending(credits.KIND, str(headers.loc[CREDIT_INVOICE, "Id"])) is None
    assert session.store.pending(credits.APPLY, str(headers.loc[RETURN, "Id"])) is None

    recon = session.reconciliation().invoices.set_index("invoice_number")
    for number in (CREDIT_INVOICE, RETURN):
        assert recon.loc[number, "state"] == "matched", recon.loc[number].to_dict()
        assert recon.loc[number, "difference"] == 0
        assert recon.loc[number, "qbo_balance"] == recon.loc[number, "bms_due"]
    assert recon.loc[RETURN, "qbo_applied"] == 1433.31  # the payment, not the credit


def test_a_re_export_sends_nothing(session, exported):
    plan = session.plan_invoices(_listed(session, CREDIT_INVOICE, RETURN))
    assert set(plan.rows["action"]) == {"unchanged"}, plan.rows[["name", "reason"]].to_string()
    ret = _row(plan, RETURN)
    assert ret["credit"]["action"] == "unchanged" and ret["credit"]["apply"] == 0
    assert ret["payment"]["action"] == bms_payments.NOTHING
    assert not credits.pending_rows(plan.rows).any()
    results = session.export_invoices(plan)
    assert set(results["outcome"]) == {"unchanged"}
    assert len(_memos(session, f"{RETURN}-CR")) == len(_memos(session, CREDIT_INVOICE)) == 1


def test_the_credit_application_is_never_imported_into_bms(session, exported):
    applied = exported[4]["applied"]["Id"]
    rows = session.payments(since=SINCE).rows.set_index("payment_id")
    assert rows.loc[applied, "class"] == FROM_BMS and not rows.loc[applied, "importable"]


def test_a_void_in_bms_voids_the_invoice_and_leaves_the_memo_to_a_person(session, exported):
    """Planned only (the demo's BMS cannot void an invoice over the API): the row voids the
    invoice; QuickBooks' API cannot void a credit memo, so a person is told to."""
    headers = _listed(session, RETURN, CREDIT_INVOICE).assign(StatusName="Void")
    plan = session.plan_invoices(headers)
    row, alone = _row(plan, RETURN), _row(plan, CREDIT_INVOICE)
    assert row["action"] == "void" and row["credit"]["action"] == "held"
    assert "void credit memo INV-10042-CR in QuickBooks by hand" in row["credit"]["reason"]
    assert alone["action"] == "blocked" and "cannot void a credit memo" in alone["reason"]
    assert set(keys(headers["Id"])) == {row["bms_id"], alone["bms_id"]}


def test_a_plan_older_than_another_runs_export_makes_nothing_twice(session, exported):
    """The plan made after the crash, exported a second time (as a second run planned at
    once would): the memo it would create and the credit it would apply are there now."""
    stale = exported[1]
    invoices = stale.with_rows(stale.rows[stale.rows["kind"] == "invoice"].reset_index(drop=True))
    results = session.export_invoices(invoices).set_index(["kind", "name"])
    assert results.loc[("invoice", CREDIT_INVOICE), "outcome"] == "failed"
    assert "plan again" in results.loc[("invoice", CREDIT_INVOICE), "message"]
    assert results.loc[(credits.APPLY, f"{RETURN}-CR"), "outcome"] == "failed"
    assert results.loc[(bms_payments.KIND, RETURN), "outcome"] == "failed"
    assert len(_memos(session, CREDIT_INVOICE)) == len(_memos(session, f"{RETURN}-CR")) == 1
    (memo,) = _memos(session, f"{RETURN}-CR")
    assert len(_credit_payments(session, memo["Id"])) == 1
