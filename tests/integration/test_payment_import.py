"""QuickBooks payments imported into BMS over real HTTP, on a sandbox of the module's own:
the truth set's payments are classified right, imported once (never twice, also when the
answer is lost), and the BMS invoices end in the right state."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date

import pandas as pd
import pytest

from reconcile.bms.loaders import invoice_headers
from reconcile.errors import ReconcileError
from reconcile.lease import LeaseHeldError
from reconcile.payments import classification as c
from reconcile.qbo.query import select
from reconcile.testing.payment_truth import make_payments, owed_invoices, score
from tests.conftest import sandbox_settings

SINCE = date(2000, 1, 1)
APPLIED_CASES = {"full", "partial", "multi", "overpaid"}


@pytest.fixture(scope="module")
def truth(fresh):
    """Invoices exported with what they need, then a truth set of payments against them."""
    _sandbox, session = fresh
    invoices = session.invoices()
    owed = invoices[invoices["selectable"] & (invoices["PaymentDue"] > 1)]
    plan = session.plan_invoices(owed, include_dependencies=True)
    results = session.export_invoices(plan)
    # Only what was exported: the demo has invoices that are blocked on purpose (the second
    # customer of a duplicate name…), and which ones are owed depends on the demo's date.
    sent = results[(results["kind"] == "invoice") & (results["outcome"] == "ok")]
    owed = owed[owed["Id"].astype(str).isin(sent["bms_id"].astype(str))]
    truth = make_payments(session.qbo, owed_invoices(session), count=40)
    # Invoices BMS had no payment on when exported: QuickBooks starts out agreeing on them.
    truth.attrs["unpaid"] = set(owed.loc[owed["PaidAmount"] == 0, "Id"].astype(str))
    truth.attrs["part_paid"] = set(owed.loc[owed["PaidAmount"] > 0, "Id"].astype(str))
    assert truth.attrs["part_paid"], "the demo should have part-paid invoices to export"
    return truth


def test_classification_agrees_with_the_truth_and_applies_nothing_wrong(fresh, truth):
    _sandbox, session = fresh
    plan = session.payments(since=SINCE)
    classes = plan.rows.set_index("payment_id")["class"]
    for row in truth.itertuples():
        if row.case in APPLIED_CASES:
            expected = c.OVERPAYMENT if row.case == "overpaid" else c.READY
            assert classes[row.payment_id] == expected, row
        else:
            assert classes[row.payment_id] == c.UNAPPLIED, row
    # What would be applied without a person: every ready line is the truth's invoice.
    lines = plan.lines[plan.lines["class"] == c.READY]
    meant = {(r.payment_id, b) for r in truth.itertuples() for b in r.bms_ids}
    applied = set(zip(lines["payment_id"], lines["bms_id"], strict=True))
    assert applied and applied <= meant  # precision 1.0
    rates = c.match_rates(plan)
    assert rates["payments_importable"] == sum(truth["case"].isin(APPLIED_CASES))


def test_import_then_reimport_changes_bms_once(fresh, truth):
    _sandbox, session = fresh
    plan = session.payments(since=SINCE)
    chosen = plan.where(plan.rows["importable"])
    before = invoice_headers(session.bms).set_index("Id")
    results = session.import_payments(chosen)
    assert set(results["outcome"]) == {"imported"}, results["message"].tolist()
    after = invoice_headers(session.bms).set_index("Id")
    for line in chosen.lines.itertuples():
        bms_id = int(line.bms_id)
        assert after.loc[bms_id, "PaymentDue"] == pytest.approx(line.due_after)
        paid = before.loc[bms_id, "PaidAmount"] + line.amount
        assert after.loc[bms_id, "PaidAmount"] == pytest.approx(paid)
        assert after.loc[bms_id, "StatusName"] == line.status_after
    logged = session.log(run_id=results.attrs["run_id"])
    assert (logged["action"] == "import").sum() >= len(chosen.rows)

    again = session.payments(since=SINCE)
    redone = again.rows.set_index("payment_id").loc[list(chosen.rows["payment_id"])]
    assert set(redone["class"]) == {c.IMPORTED}
    second = session.import_payments(again.select(redone.index))
    assert set(second["outcome"]) == {"skipped"}
    unchanged = invoice_headers(session.bms).set_index("Id")
    pd.testing.assert_series_equal(unchanged["PaymentDue"], after["PaymentDue"])


def test_a_lost_answer_is_looked_up_in_bms_not_applied_twice(fresh, truth):
    sandbox, session = fresh
    meant = {str(b) for ids in truth["bms_ids"] for b in ids}  # leave the truth's alone
    owed = owed_invoices(session)
    target = owed[~owed["bms_id"].isin(meant) & (owed["balance"] > 20)].iloc[0]
    payment = session.qbo.create(
        "Payment",
        {
            "CustomerRef": {"value": target["qbo_customer_id"]},
            "TotalAmt": 20.0,
            "PaymentRefNum": str(target["invoice_number"]),
            "Line": [
                {
                    "Amount": 20.0,
                    "LinkedTxn": [{"TxnId": target["qbo_invoice_id"], "TxnType": "Invoice"}],
                }
            ],
        },
    )
    plan = session.payments(since=SINCE).select([payment["Id"]])
    assert plan.rows["importable"].all()
    due = float(
        invoice_headers(session.bms).set_index("Id").loc[int(target["bms_id"]), "PaymentDue"]
    )
    sandbox_settings(sandbox, bms_fail_next=["reset-after"])  # applied, answer lost
    first = session.import_payments(plan)
    assert first["outcome"].tolist() == ["failed"]
    assert payment["Id"] in session.store.pending_of("payment")

    again = session.payments(since=SINCE)  # looked up in BMS, found applied, not recorded
    row = again.rows.set_index("payment_id").loc[payment["Id"]]
    assert row["class"] == c.IMPORTED and "found applied in BMS" in row["reason"]
    assert payment["Id"] in session.store.pending_of("payment")
    session.import_payments(again.select([payment["Id"]]))  # recorded first, sent never
    assert not session.store.pending_of("payment")
    now = invoice_headers(session.bms).set_index("Id").loc[int(target["bms_id"]), "PaymentDue"]
    assert float(now) == pytest.approx(due - 20.0)  # applied exactly once
    assert "found applied in BMS" in " ".join(session.log(kind="payment")["message"])
    assert session.qbo.count(select("Payment").eq("Id", payment["Id"])) == 1


IN_FLIGHT = textwrap.dedent(
    """
    import sys, time
    from reconcile.lease import lease
    from reconcile.store import SyncStore
    store = SyncStore(sys.argv[1])
    with lease(store, "import payments"):  # a first import, its payment sent to BMS
        store.begin_create("payment", sys.argv[2], "import-in-flight")
        store.log(None, kind="payment", action="import", outcome="pending",
                  qbo_id=sys.argv[2], request_id="import-in-flight", message="sent to BMS",
                  details={"lines": []})
        print("held", flush=True)
        time.sleep(60)
    """
)


def test_a_second_import_at_once_neither_settles_nor_sends_the_firsts_payments(fresh, truth):
    _sandbox, session = fresh
    meant = {str(b) for ids in truth["bms_ids"] for b in ids}
    owed = owed_invoices(session)
    target = owed[~owed["bms_id"].isin(meant) & (owed["balance"] > 20)].iloc[-1]
    payment = session.qbo.create(
        "Payment",
        {
            "CustomerRef": {"value": target["qbo_customer_id"]},
            "TotalAmt": 15.0,
            "Line": [
                {
                    "Amount": 15.0,
                    "LinkedTxn": [{"TxnId": target["qbo_invoice_id"], "TxnType": "Invoice"}],
                }
            ],
        },
    )
    first = subprocess.Popen(
        [sys.executable, "-c", IN_FLIGHT, str(session.store.path), payment["Id"]],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout.readline().strip() == "held"
        plan = session.payments(since=SINCE)
        row = plan.rows.set_index("payment_id").loc[payment["Id"]]
        assert row["class"] == c.IN_FLIGHT and not row["importable"]
        assert f"process {first.pid}@" in row["reason"]
        assert payment["Id"] in session.store.pending_of("payment")  # not taken for a crash's
        with pytest.raises(LeaseHeldError, match="import payments"):
            session.import_payments(plan.select([payment["Id"]]))
    finally:
        first.kill()
        first.wait()
    # The first run is gone: its marker is a crash's leftover now, settled by looking in BMS
    # (not applied there), and the payment is imported once.
    settled = session.payments(since=SINCE).select([payment["Id"]])
    assert settled.rows["importable"].all()
    assert set(session.import_payments(settled)["outcome"]) == {"imported"}


def test_suggestions_for_unapplied_payments_against_the_truth(fresh, truth):
    _sandbox, session = fresh
    plan = session.payments(since=SINCE)
    suggestions = session.suggestions(plan)
    applied = plan.lines[plan.lines["class"].isin([c.READY, c.IMPORTED])]
    measured = score(truth, applied, suggestions)
    print("truth-set scores:", measured)  # shown with -s; the benchmark prints the same
    assert measured["automatic_lines"] >= 10 and measured["automatic_precision"] == 1.0
    assert measured["answerable"] >= 5
    assert measured["preselected_precision"] == 1.0  # what a person is offered pre-ticked
    assert measured["suggestion_recall"] >= 0.7
    noise = truth[truth["case"] == "unapplied noise"]["payment_id"]
    noisy = suggestions[suggestions["payment_id"].isin(noise)]
    assert (noisy["score"] < 0.9).all()


def test_accepting_a_suggestion_applies_it_in_quickbooks_then_it_imports(fresh, truth):
    _sandbox, session = fresh
    plan = session.payments(since=SINCE)
    suggestions = session.suggestions(plan)
    exact = truth[truth["case"] == "unapplied exact"]["payment_id"]
    top = suggestions[(suggestions["rank"] == 1) & suggestions["payment_id"].isin(exact)]
    totals = plan.rows.set_index("payment_id")["total"]
    # one whose invoice still owes the whole payment (another test paid 20.00 off one)
    whole = (top["total"] - top["payment_id"].map(totals)).abs() < 0.005
    chosen = top[whole].iloc[0]
    session.accept_suggestion(chosen)
    payment = session.qbo.read("Payment", chosen["payment_id"])
    assert payment["UnappliedAmt"] == pytest.approx(0.0)
    with pytest.raises(ReconcileError, match="already applied to"):  # a second click
        session.accept_suggestion(chosen)
    assert session.qbo.read("Payment", chosen["payment_id"])["Line"] == payment["Line"]
    again = session.payments(since=SINCE).select([chosen["payment_id"]])
    assert again.rows["class"].iloc[0] == c.READY
    assert set(again.lines["bms_id"]) == {str(b) for b in chosen["bms_invoice_ids"]}
    results = session.import_payments(again)
    assert results["outcome"].tolist() == ["imported"]
    assert "suggestion accepted" in " ".join(session.log(kind="payment")["message"])


def test_after_a_full_sync_the_reconciliation_shows_no_difference(fresh, truth):
    _sandbox, session = fresh
    plan = session.payments(since=SINCE)
    session.import_payments(plan.where(plan.rows["importable"]))
    rec = session.reconciliation()
    by_invoice = rec.invoices.set_index("bms_id")
    synced = by_invoice.loc[by_invoice.index.isin(truth.attrs["unpaid"])]
    assert len(synced) >= 20
    assert set(synced["state"]) <= {"matched", "partially paid"}, synced[["state", "reason"]]
    assert (synced["difference"].abs() < 0.005).all()
    paid = synced[synced["qbo_applied"] > 0]
    assert len(paid) >= 5  # payments made in QuickBooks, now in BMS too
    assert (paid["bms_paid"] - paid["qbo_applied"]).abs().max() < 0.005
    # Invoices exported already part-paid in BMS were exported with what BMS had been paid
    # (sync/bms_payments.py): both books have the same open amount.
    part_paid = by_invoice.loc[list(truth.attrs["part_paid"])]
    assert set(part_paid["state"]) <= {"matched", "partially paid"}, part_paid["reason"]
    assert (part_paid["bms_due"] - part_paid["qbo_balance"]).abs().max() < 0.005
    assert rec.summary["states"]["matched"] >= 1
    assert set(rec.customers.columns) >= {"customer", "bms_open", "qbo_open", "difference"}
