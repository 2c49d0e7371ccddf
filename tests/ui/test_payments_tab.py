"""The Payments tab, driven headlessly against the sandbox: options, payments to import (what
cannot be imported is refused with its reason), the preview, Next, the results."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from reconcile.bms.loaders import invoice_headers
from reconcile.config import load_config
from reconcile.session import Session
from reconcile.ui.app import App
from tests.conftest import exportable_invoices


@pytest.fixture()
def app(sandbox, tmp_path):
    config = dataclasses.replace(load_config(), data_dir=tmp_path)  # its own link store
    return App(Session(config))


@pytest.fixture()
def paid(app, client):
    """An invoice exported now, paid 15.00 in QuickBooks; and an unapplied payment."""
    session = app.session
    invoices = session.invoices()
    number = exportable_invoices(session, count=1)[0]
    plan = session.plan_invoices(
        invoices[invoices["InvoiceNumber"] == number], include_dependencies=True
    )
    results = session.export_invoices(plan)
    qbo_id = results.set_index("name").loc[number, "qbo_id"]
    customer = client.read("Invoice", qbo_id)["CustomerRef"]
    line = [{"Amount": 15.0, "LinkedTxn": [{"TxnId": qbo_id, "TxnType": "Invoice"}]}]
    ready = client.create(
        "Payment",
        {
            "CustomerRef": customer,
            "TotalAmt": 15.0,
            "Line": line,
            "PaymentRefNum": f"UI-{uuid.uuid4().hex[:8]}",
        },
    )
    loose = client.create("Payment", {"CustomerRef": customer, "TotalAmt": 7.0})
    return number, ready["Id"], loose["Id"]


def _row(view, payment_id: str) -> int:
    return list(view.all.rows["payment_id"]).index(payment_id)


def test_options_default_to_the_last_month(app):
    view = app.payments
    assert (view.until.value - view.since.value).days in range(28, 32)
    assert view.tabs.titles == (
        "Synchronization Options",
        "Payments to Import",
        "Suggestions",
        "Synchronization Results",
    )


def test_choose_preview_next_and_results(app, paid):
    number, ready, loose = paid
    view = app.payments
    view.load_button.click()
    assert "can be imported" in view.message.value and view.tabs.selected_index == 1

    view.grid.selected_rows = [_row(view, ready), _row(view, loose)]
    assert view.grid.selected_rows == [_row(view, ready)]
    assert "Not selectable" in view.message.value and "applied to no invoice" in view.message.value
    assert number in view.preview.value and "BMS before and after" in view.preview.value
    assert not view.next_button.disabled

    due = invoice_headers(app.session.bms).set_index("InvoiceNumber").loc[number, "PaymentDue"]
    view.next_button.click()
    assert "Imported into BMS: 1 imported" in view.message.value, view.message.value
    assert view.tabs.selected_index == 3 and "imported" in view.results_table.value
    now = invoice_headers(app.session.bms).set_index("InvoiceNumber").loc[number, "PaymentDue"]
    assert float(now) == pytest.approx(float(due) - 15.0)
    assert "import" in app.log.table.value

    view.load_button.click()  # imported now: listed as such, not selectable
    row = view.all.rows.set_index("payment_id").loc[ready]
    assert row["class"] == "already imported" and not row["importable"]


def test_a_suggestion_is_preselected_and_accepting_applies_it(app, paid, client):
    number, ready, _loose = paid
    session = app.session
    session.import_payments(session.payments().select([ready]))  # BMS and QBO owe the same
    owed = session.invoices().set_index("InvoiceNumber").loc[number]
    qbo = client.read("Invoice", str(owed["qbo_id"]))
    amount = round(float(qbo["Balance"]), 2)
    unapplied = client.create(
        "Payment",
        {
            "CustomerRef": qbo["CustomerRef"],
            "TotalAmt": amount,
            "PaymentRefNum": number,
        },
    )
    view = app.payments
    view.load_button.click()
    mine = view.suggestions[view.suggestions["payment_id"] == unapplied["Id"]]
    assert mine.iloc[0]["invoice_numbers"] == (number,) and mine.iloc[0]["score"] >= 0.9
    first = int(mine.index[0])
    assert first in view.suggestion_grid.selected_rows  # pre-selected, not applied
    assert client.read("Payment", unapplied["Id"])["UnappliedAmt"] == pytest.approx(amount)

    view.suggestion_grid.selected_rows = [first]
    view.accept_button.click()
    assert "Applied in QuickBooks" in view.message.value, view.message.value
    assert client.read("Payment", unapplied["Id"])["UnappliedAmt"] == pytest.approx(0.0)
    row = view.all.rows.set_index("payment_id").loc[unapplied["Id"]]
    assert row["importable"]  # now it can be imported
