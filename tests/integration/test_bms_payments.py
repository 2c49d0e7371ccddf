"""Money paid in BMS reaches QuickBooks with its invoice (issue 15, item 1), over real HTTP
on a sandbox of this module's own: part-paid and fully-paid exports, a re-run, a crash
between QuickBooks making the payment and the toolkit hearing of it, two runs planned at
once, the no-loop rule both ways, a payment BMS and QuickBooks may both hold, the deposit
account."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from conftest import DEMO_DATE
from reconcile.bms.loaders import invoice_headers
from reconcile.config import load_config
from reconcile.frames import keys
from reconcile.payments import changes
from reconcile.payments.classification import FROM_BMS, HELD
from reconcile.qbo.client import new_request_id
from reconcile.qbo.query import select
from reconcile.session import Session
from reconcile.sync import bms_payments, invoice_changes

SINCE = date(2000, 1, 1)


def _creatable(session: Session, status: str, count: int, skip: set[str]) -> list[str]:
    """BMS ids of ``count`` invoices of this status an export (with what they need) would
    create, none of ``skip``."""
    listed = session.invoices()
    listed = listed[listed["selectable"] & (listed["StatusName"] == status)]
    listed = listed[~keys(listed["Id"]).isin(skip)].head(count + 6)
    plan = session.plan_invoices(listed, include_dependencies=True)
    rows = plan.rows[(plan.rows["kind"] == "invoice") & (plan.rows["action"] == "create")]
    assert len(rows) >= count, plan.rows[["kind", "name", "action", "reason"]].to_string()
    return list(rows["bms_id"].head(count))


def _headers(session: Session, ids: list[str]):
    listed = session.invoices()
    return listed[keys(listed["Id"]).isin(ids)]


def _payments_on(session: Session, qbo_invoice_id: str) -> list[dict]:
    """The QuickBooks payments applied to this invoice."""
    return [
        p
        for p in session.qbo.query(select("Payment"))
        for line in p.get("Line", [])
        for t in line.get("LinkedTxn", [])
        if t.get("TxnType") == "Invoice" and t.get("TxnId") == qbo_invoice_id
    ]


def _pay_in_quickbooks(session: Session, qbo_invoice_id: str, amount: float) -> dict:
    """A payment a person receives in QuickBooks against this invoice."""
    invoice = session.qbo.read("Invoice", qbo_invoice_id)
    line = {"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
    customer = {"value": invoice["CustomerRef"]["value"]}
    return session.qbo.create(
        "Payment", {"CustomerRef": customer, "TotalAmt": amount, "Line": [line]}
    )


def _without_payments(plan):
    """The plan exporting the invoices only (as a toolkit before issue 15 did)."""
    return plan.with_rows(plan.rows.assign(payment=None))


@pytest.fixture(scope="module")
def session(fresh) -> Session:
    return fresh[1]


@pytest.fixture(scope="module")
def exported(session):
    """One fully paid, two partly paid and one open invoice exported with what they need:
    the plan's preview, the results, and the BMS ids by status."""
    ids = {
        "Fully Paid": _creatable(session, "Fully Paid", 1, set()),
        "Partially Paid": _creatable(session, "Partially Paid", 2, set()),
        "Sent": _creatable(session, "Sent", 1, set()),
    }
    chosen = [i for group in ids.values() for i in group]
    before = _headers(session, chosen)
    plan = session.plan_invoices(before, include_dependencies=True)
    preview = session.preview_invoices(plan)
    results = session.export_invoices(plan)
    return ids, preview, results, before.set_index(keys(before["Id"]))


def test_paid_invoices_are_exported_with_their_bms_payments(session, exported):
    ids, preview, results, before = exported
    headers = invoice_headers(session.bms)
    headers = headers.set_index(keys(headers["Id"]))
    paid = [*ids["Fully Paid"], *ids["Partially Paid"]]

    totals = preview.totals.set_index("bms_id")
    for bms_id in paid:  # previewed: BMS paid │ QuickBooks applied │ to record
        row, header = totals.loc[bms_id], headers.loc[bms_id]
        assert row["bms_paid"] == row["to_record"] == round(float(header["PaidAmount"]), 2)
        assert row["qbo_applied"] == 0
        assert row["payment"].startswith(f"record {row['to_record']:.2f} dated ")
        assert "Undeposited Funds" in row["payment"]
    (open_one,) = ids["Sent"]
    assert totals.loc[open_one, "to_record"] == 0
    assert totals.loc[open_one, "payment"] == bms_payments.NOTHING

    recorded = results[results["kind"] == bms_payments.KIND].set_index("bms_id")
    assert sorted(recorded.index) == sorted(paid)
    assert set(recorded["outcome"]) == {"ok"}, recorded["message"].to_string()
    undeposited = session.qbo.query(select("Account").eq("Name", "Undeposited Funds"))[0]
    for bms_id in paid:
        header = headers.loc[bms_id]
        invoice = session.qbo.read("Invoice", header["AccountingAppReference"])
        # Both books agree on what is still owed, to the cent.
        assert round(invoice["Balance"], 2) == round(float(header["PaymentDue"]), 2)
        payment = session.qbo.read("Payment", recorded.loc[bms_id, "qbo_id"])
        assert payment["TotalAmt"] == round(float(header["PaidAmount"]), 2)
        assert payment["PaymentRefNum"] == header["InvoiceNumber"]
        # Dated the day BMS last changed the invoice before the export (its write-back is a
        # change too), at the latest today.
        assert (
            payment["TxnDate"]
            == min(before.loc[bms_id, "ModifiedOn"].date(), DEMO_DATE).isoformat()
        )
        assert payment["DepositToAccountRef"]["value"] == undeposited["Id"]
        assert "Kaseya BMS" in payment["PrivateNote"]
    assert session.qbo.read("Invoice", headers.loc[open_one, "AccountingAppReference"])[
        "Balance"
    ] == round(float(headers.loc[open_one, "GrandTotal"]), 2)
    logged = session.log(kind=bms_payments.KIND)
    assert sorted(logged.loc[logged["outcome"] == "ok", "bms_id"]) == sorted(paid)
    assert set(logged["request_id"].dropna()) and logged["request_id"].notna().all()


def test_a_re_export_records_nothing_again(session, exported):
    ids = exported[0]
    chosen = [i for group in ids.values() for i in group]
    before = session.qbo.count(select("Payment"))

    plan = session.plan_invoices(_headers(session, chosen))
    results = session.export_invoices(plan)

    payments = plan.rows["payment"]
    assert {p["action"] for p in payments} == {bms_payments.NOTHING}
    assert all(p["recorded"] == p["bms_paid"] for p in payments if p["bms_paid"])
    assert not (results["kind"] == bms_payments.KIND).any()
    assert session.qbo.count(select("Payment")) == before


def test_payments_recorded_from_bms_are_never_imported_back(session, exported):
    results = exported[2]
    recorded = set(results.loc[results["kind"] == bms_payments.KIND, "qbo_id"])

    plan = session.payments(since=SINCE)

    mine = plan.rows[plan.rows["payment_id"].isin(recorded)]
    assert len(mine) == len(recorded)
    assert set(mine["class"]) == {FROM_BMS} and not mine["importable"].any()


def test_payments_imported_from_quickbooks_are_never_sent_back(session, exported):
    """The other way round: a QuickBooks payment imported into BMS raises BMS's paid amount,
    and the next export records none of it."""
    ids = exported[0]
    (open_one,) = ids["Sent"]
    header = _headers(session, [open_one]).iloc[0]
    _pay_in_quickbooks(session, header["AccountingAppReference"], 10.0)
    plan = session.payments(since=SINCE)
    imported = session.import_payments(plan.where(plan.rows["importable"]))
    assert (imported["outcome"] == "imported").any(), imported.to_string()
    assert _headers(session, [open_one]).iloc[0]["PaidAmount"] == header["PaidAmount"] + 10

    replan = session.plan_invoices(_headers(session, [open_one]))
    (payment,) = replan.rows["payment"]
    assert payment["imported"] == 10.0 and payment["to_record"] == 0
    assert payment["action"] == bms_payments.NOTHING


def test_a_payment_quickbooks_made_before_a_crash_is_recorded_once(session, exported):
    """QuickBooks made the payment, the export never heard: the store kept its request id,
    imports hold the invoice's payments, and the next export gets the same payment back."""
    (bms_id,) = _creatable(
        session, "Partially Paid", 1, {i for g in exported[0].values() for i in g}
    )
    headers = _headers(session, [bms_id])
    session.export_invoices(
        _without_payments(session.plan_invoices(headers, include_dependencies=True))
    )
    plan = session.plan_invoices(_headers(session, [bms_id]))
    (row,) = plan.rows.to_dict("records")
    assert row["payment"]["action"] == bms_payments.RECORD
    invoice = session.qbo.read("Invoice", row["qbo_id"])
    request_id = new_request_id()
    session.store.begin_create(bms_payments.KIND, bms_id, request_id)
    made = session.qbo.create(
        "Payment", bms_payments.payment_body(row["payment"], invoice), request_id=request_id
    )  # … and the answer is lost: the process died here

    held = session.payments(since=SINCE).rows.set_index("payment_id")
    assert held.loc[made["Id"], "class"] == HELD and not held.loc[made["Id"], "importable"]
    (again,) = session.plan_invoices(_headers(session, [bms_id])).rows["payment"]
    assert again["action"] == bms_payments.RECORD and "same request id" in again["reason"]

    results = session.export_invoices(session.plan_invoices(_headers(session, [bms_id])))

    (recorded,) = results[results["kind"] == bms_payments.KIND].to_dict("records")
    assert recorded["outcome"] == "ok" and recorded["qbo_id"] == made["Id"]
    assert [p["Id"] for p in _payments_on(session, row["qbo_id"])] == [made["Id"]]
    assert session.store.pending(bms_payments.KIND, bms_id) is None
    classes = session.payments(since=SINCE).rows.set_index("payment_id")["class"]
    assert classes[made["Id"]] == FROM_BMS


def test_two_runs_planned_at_once_record_the_payment_once(session, exported):
    (bms_id,) = _creatable(session, "Fully Paid", 1, _taken(exported))
    headers = _headers(session, [bms_id])
    session.export_invoices(
        _without_payments(session.plan_invoices(headers, include_dependencies=True))
    )
    first = session.plan_invoices(_headers(session, [bms_id]))
    second = session.plan_invoices(_headers(session, [bms_id]))

    one = session.export_invoices(first)
    two = session.export_invoices(second)

    (ok,) = one[one["kind"] == bms_payments.KIND].to_dict("records")
    (refused,) = two[two["kind"] == bms_payments.KIND].to_dict("records")
    assert ok["outcome"] == "ok"
    assert refused["outcome"] == "failed" and "plan again" in refused["message"]
    assert len(_payments_on(session, first.rows["qbo_id"].iloc[0])) == 1
    (after,) = session.plan_invoices(_headers(session, [bms_id])).rows["payment"]
    assert after["action"] == bms_payments.NOTHING


def test_a_payment_quickbooks_may_already_hold_is_left_to_a_person(session, exported):
    """Someone entered the customer's money in QuickBooks by hand as well: recording BMS's
    payment too would pay the invoice twice, so it is held with the reason."""
    (bms_id,) = _creatable(session, "Fully Paid", 1, _taken(exported) | _recorded(session))
    session.export_invoices(
        _without_payments(
            session.plan_invoices(_headers(session, [bms_id]), include_dependencies=True)
        )
    )
    qbo_id = session.store.qbo_id("invoice", bms_id)
    _pay_in_quickbooks(session, qbo_id, session.qbo.read("Invoice", qbo_id)["Balance"])
    before = len(_payments_on(session, qbo_id))
    assert before == 1

    plan = session.plan_invoices(_headers(session, [bms_id]))
    (payment,) = plan.rows["payment"]
    results = session.export_invoices(plan)

    assert payment["action"] == bms_payments.HELD
    assert "the same payment may be in both books" in payment["reason"]
    assert not (results["kind"] == bms_payments.KIND).any()
    assert len(_payments_on(session, qbo_id)) == before
    shown = session.preview_invoices(plan).totals.iloc[0]
    assert shown["payment"].startswith("held: BMS has ")


def _taken(exported) -> set[str]:
    """The BMS ids the module's first export used."""
    return {i for group in exported[0].values() for i in group}


def _recorded(session: Session) -> set[str]:
    log = session.log(kind=bms_payments.KIND)
    return set(log["bms_id"].dropna())


def test_the_deposit_account_option(fresh, exported):
    sandbox, base = fresh
    config = load_config(sandbox.config_path)

    def with_deposit(name: str) -> Session:
        sync_map = {**config.sync_map, "deposit_account": name}
        return Session(
            dataclasses.replace(config, data_dir=base.config.data_dir, sync_map=sync_map)
        )

    (bms_id,) = _creatable(base, "Partially Paid", 1, _taken(exported) | _recorded(base))
    headers = _headers(base, [bms_id])

    wrong = with_deposit("Accounts Payable (A/P)").plan_invoices(headers, include_dependencies=True)
    (held,) = wrong.rows.loc[wrong.rows["kind"] == "invoice", "payment"]
    assert held["action"] == bms_payments.HELD
    assert "deposit_account 'Accounts Payable (A/P)' is not an active" in held["reason"]

    checking = with_deposit("Checking")
    results = checking.export_invoices(checking.plan_invoices(headers, include_dependencies=True))
    (recorded,) = results[results["kind"] == bms_payments.KIND].to_dict("records")
    payment = checking.qbo.read("Payment", recorded["qbo_id"])
    assert payment["DepositToAccountRef"]["name"] == "Checking"


def test_invoices_voided_or_deleted_in_quickbooks_are_shown_and_logged_once(session, exported):
    taken = _taken(exported) | _recorded(session)
    (paid,) = _creatable(session, "Partially Paid", 1, taken)
    (open_one,) = _creatable(session, "Sent", 1, taken | {paid})
    headers = _headers(session, [paid, open_one])
    session.export_invoices(
        _without_payments(session.plan_invoices(headers, include_dependencies=True))
    )
    voided_id = session.store.qbo_id("invoice", paid)
    deleted_id = session.store.qbo_id("invoice", open_one)
    voided = session.qbo.read("Invoice", voided_id)
    session.qbo.void("Invoice", voided_id, voided["SyncToken"])
    deleted = session.qbo.read("Invoice", deleted_id)
    session.qbo.delete("Invoice", deleted_id, deleted["SyncToken"])

    found = session.invoice_changes().set_index("bms_id")

    assert found.loc[paid, "state"] == invoice_changes.VOIDED
    assert found.loc[open_one, "state"] == invoice_changes.DELETED
    assert f"(invoice Id {deleted_id}) and deleted there" in found.loc[open_one, "what_to_do"]
    assert found.loc[paid, "what_to_do"].endswith(
        "void it in BMS too, or find out why it was voided"
    )
    plan = session.plan_invoices(_headers(session, [paid, open_one]))
    rows = plan.rows.set_index("bms_id")
    assert rows.loc[open_one, "action"] == "blocked"
    assert rows.loc[paid, "payment"]["action"] == bms_payments.HELD
    assert "voided in QuickBooks" in rows.loc[paid, "payment"]["reason"]

    for _ in range(2):  # the first export logs each change, the second nothing more
        results = session.export_invoices(plan)
        assert not (results["kind"] == bms_payments.KIND).any()
    log = session.log(kind="invoice")
    changed = log[log["action"] == "changed in QuickBooks"].set_index("bms_id")
    assert sorted(changed.index) == sorted([paid, open_one])
    assert changed.loc[open_one, "outcome"] == "blocked"
    assert changed.loc[open_one, "message"].startswith("deleted in QuickBooks after its export: ")


def test_a_payment_recorded_from_bms_then_voided_in_quickbooks_is_shown_and_kept(session, exported):
    """A person voids in QuickBooks a payment the export recorded from BMS: it is listed
    with what to do, and no export records it again (the person's change is kept)."""
    (bms_id,) = _creatable(session, "Fully Paid", 1, _taken(exported))
    plan = session.plan_invoices(_headers(session, [bms_id]), include_dependencies=True)
    results = session.export_invoices(plan)
    (made,) = results[results["kind"] == bms_payments.KIND].to_dict("records")
    payment = session.qbo.read("Payment", made["qbo_id"])
    assert set(
        session.payment_changes().set_index("payment_id").loc[[made["qbo_id"]], "state"]
    ) == {changes.UNCHANGED}
    session.qbo.void("Payment", payment["Id"], payment["SyncToken"])

    change = session.payment_changes().set_index("payment_id").loc[made["qbo_id"]]
    assert change["source"] == changes.RECORDED and change["state"] == changes.VOIDED
    assert change["invoices"] == made["name"] and change["imported"] == payment["TotalAmt"]
    assert "remove the payment in BMS" in change["what_to_do"]
    (again,) = session.plan_invoices(_headers(session, [bms_id])).rows["payment"]
    assert again["action"] == bms_payments.NOTHING
