"""Payments changed in QuickBooks after their import into BMS are found (issue 15, item 3), over
real HTTP on a sandbox of the module's own: voided, deleted, a changed amount, and the rest
unchanged — each with what to change in BMS, and nothing written by looking."""

from __future__ import annotations

from datetime import date

import pytest

from reconcile.payments import changes as ch
from reconcile.report_data import payment_report
from reconcile.reports import Period
from tests.integration.conftest import paid_in_quickbooks

SINCE = date(2000, 1, 1)


@pytest.fixture(scope="module")
def after_changes(fresh):
    """Owed invoices exported, payments made against them in QuickBooks and imported into
    BMS, then three of them changed in QuickBooks: (session, voided, deleted, changed, the
    rest) as QuickBooks documents at their import."""
    _sandbox, session = fresh
    plan = paid_in_quickbooks(session, invoices=24, payments=16, seed=15, due_over=20)
    results = session.import_payments(plan.where(plan.rows["importable"]))
    done = results.loc[results["outcome"] == "imported", "payment_id"].tolist()
    assert len(done) >= 4, results[["payment_id", "outcome", "message"]]
    voided, deleted, changed, *same = (session.qbo.read("Payment", p) for p in done)
    assert ch.imported_payments(session.store).set_index("payment_id").loc[
        [p["Id"] for p in same], "imported"
    ].tolist() == [round(p["TotalAmt"], 2) for p in same]  # as imported
    assert set(session.payment_changes()["state"]) == {ch.UNCHANGED}  # before any change

    qbo = session.qbo
    qbo.void("Payment", voided["Id"], voided["SyncToken"])
    qbo.delete("Payment", deleted["Id"], deleted["SyncToken"])
    line = changed["Line"][0]
    qbo.update(
        "Payment",
        {
            "Id": changed["Id"],
            "SyncToken": changed["SyncToken"],
            "sparse": True,
            "TotalAmt": round(changed["TotalAmt"] - 5.0, 2),
            "Line": [{**line, "Amount": round(line["Amount"] - 5.0, 2)}, *changed["Line"][1:]],
        },
    )
    return session, voided, deleted, changed, same


def test_a_payment_changed_after_its_import_is_found_with_what_to_do_in_bms(after_changes):
    session, voided, deleted, changed, same = after_changes
    found = session.payment_changes().set_index("payment_id")
    assert found.loc[voided["Id"], "state"] == ch.VOIDED
    assert found.loc[deleted["Id"], "state"] == ch.DELETED
    assert found.loc[changed["Id"], "state"] == ch.CHANGED
    assert set(found.loc[[p["Id"] for p in same], "state"]) == {ch.UNCHANGED}
    row = found.loc[changed["Id"]]
    assert row["in_quickbooks"] == pytest.approx(row["imported"] - 5.0)
    assert f"to {row['in_quickbooks']:.2f}" in row["what_to_do"]
    for payment in (voided, deleted):
        row = found.loc[payment["Id"]]
        assert row["in_quickbooks"] == 0.0
        assert row["what_to_do"].startswith(
            f"in BMS, remove the payment applied to {row['invoices']}"
        )
    assert (found.loc[[p["Id"] for p in same], "what_to_do"] == "").all()


def test_the_next_import_logs_each_change_once_and_the_report_shows_them(after_changes):
    session, voided, deleted, changed, _same = after_changes
    ids = {voided["Id"], deleted["Id"], changed["Id"]}

    def logged():
        log = session.store.log_frame(kind="payment")
        return log[log["action"] == ch.LOGGED_ACTION]

    for _ in range(2):  # the second import finds the same changes: logged already
        plan = session.payments(since=SINCE)
        session.import_payments(plan.where(plan.rows["importable"]))
        entries = logged()
        assert set(entries["qbo_id"]) == ids and len(entries) == 3
    assert set(entries["outcome"]) == {"blocked"}
    assert all("in BMS, " in m for m in entries["message"])

    report = payment_report(session, Period(since=SINCE, until=date(2026, 11, 30)))
    summary = report.summary()
    assert summary["changed_after_import"] == {ch.VOIDED: 1, ch.DELETED: 1, ch.CHANGED: 1}
    assert "**3** imported payment(s) changed in QuickBooks" in report.headline()
    assert set(report.tables["payment_changes"]["payment_id"]) >= ids
