"""The BMS assumptions (``[bms_assumptions]``, reconcile.bms.assumptions) switched on both
sides, over real HTTP: a tenant whose ImportPayments job logs are one summary line, and one
whose payment lines name BMS's own invoice ids. The sandbox models each tenant with a
setting; the toolkit is told what the tenant does through the config. Payments are applied
exactly once whatever the combination, and a wrong assumption applies nothing."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from reconcile.bms.loaders import invoice_headers
from reconcile.payments import classification as c
from reconcile.session import Session
from reconcile.testing.payment_truth import owed_invoices
from tests.conftest import sandbox_settings

SINCE = date(2000, 1, 1)
AMOUNT = 10.0


@pytest.fixture(scope="module")
def owed(fresh):
    """Owed invoices exported to QuickBooks (with what they need), one per payment to make."""
    _sandbox, session = fresh
    invoices = session.invoices()
    chosen = invoices[invoices["selectable"] & (invoices["PaymentDue"] > 5 * AMOUNT)].head(12)
    session.export_invoices(session.plan_invoices(chosen, include_dependencies=True))
    found = owed_invoices(session)
    return found[found["balance"] > 5 * AMOUNT].reset_index(drop=True)


def pay(session: Session, invoices) -> list[str]:
    """One QuickBooks payment of AMOUNT per invoice; their ids."""
    ids = []
    for row in invoices.itertuples():
        payment = session.qbo.create(
            "Payment",
            {
                "CustomerRef": {"value": row.qbo_customer_id},
                "TotalAmt": AMOUNT,
                "Line": [
                    {
                        "Amount": AMOUNT,
                        "LinkedTxn": [{"TxnId": row.qbo_invoice_id, "TxnType": "Invoice"}],
                    }
                ],
            },
        )
        ids.append(payment["Id"])
    return ids


def with_assumptions(session: Session, **table) -> Session:
    """A session on the same config and link store, told these ``[bms_assumptions]``."""
    return Session(dataclasses.replace(session.config, bms_assumptions=table))


def dues(session: Session, invoices) -> list[float]:
    headers = invoice_headers(session.bms).set_index("Id")
    return [float(headers.loc[int(i), "PaymentDue"]) for i in invoices["bms_id"]]


def import_them(session: Session, ids: list[str]):
    plan = session.payments(since=SINCE).select(ids)
    assert plan.rows["importable"].all(), plan.rows[["class", "reason"]]
    return session.import_payments(plan)


@pytest.mark.parametrize(
    ("part", "tenant_logs", "assumed_in_order"),
    [(0, "summary", True), (1, "summary", False), (2, "per_payment", False)],
)
def test_job_logs_that_do_not_say_whose_they_are_settle_from_the_invoices(
    fresh, owed, part, tenant_logs, assumed_in_order
):
    sandbox, base = fresh
    invoices = owed.iloc[3 * part : 3 * part + 3]  # invoices of this case only
    session = with_assumptions(base, job_logs_in_order=assumed_in_order)
    before = dues(session, invoices)
    ids = pay(session, invoices)
    sandbox_settings(sandbox, bms_job_logs=tenant_logs)

    results = import_them(session, ids)
    assert results["outcome"].tolist() == ["imported"] * 3, results["message"].tolist()
    assert all("found applied in BMS" in m for m in results["message"])
    assert dues(session, invoices) == pytest.approx([d - AMOUNT for d in before])
    assert not session.store.pending_of("payment")
    again = session.payments(since=SINCE).rows.set_index("payment_id").loc[ids]
    assert set(again["class"]) == {c.IMPORTED}  # never twice


def test_payment_lines_naming_bms_invoice_ids(fresh, owed):
    sandbox, base = fresh
    invoices = owed.iloc[9:11]
    assert len(invoices) == 2
    before = dues(base, invoices)
    ids = pay(base, invoices)
    sandbox_settings(sandbox, bms_payment_invoice_key="bms_id")

    wrong = import_them(base, ids)  # the default assumption on this tenant: nothing applied
    assert wrong["outcome"].tolist() == ["failed"] * 2
    assert all("no invoice has id" in m for m in wrong["message"]), wrong["message"].tolist()
    assert dues(base, invoices) == pytest.approx(before)

    told = with_assumptions(base, payment_invoice_key="bms_id")
    results = import_them(told, ids)
    assert results["outcome"].tolist() == ["imported"] * 2, results["message"].tolist()
    assert dues(told, invoices) == pytest.approx([d - AMOUNT for d in before])
