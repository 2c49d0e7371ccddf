"""The Invoices tab, driven headlessly against the sandbox: filters, a selection that refuses
what cannot be exported, preview (totals, fields, lines), export, the message and the log."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pandas as pd
import pytest

from reconcile.config import load_config
from reconcile.qbo.query import select
from reconcile.session import Session
from reconcile.ui.app import App
from reconcile.ui.invoices import export_summary
from tests.conftest import exportable_invoices


@pytest.fixture()
def app(sandbox, tmp_path):
    config = dataclasses.replace(load_config(), data_dir=tmp_path)  # its own link store
    return App(Session(config))


def _rows(view, numbers) -> list[int]:
    return [i for i, n in enumerate(view.invoices["InvoiceNumber"]) if n in numbers]


def test_load_learns_statuses_and_customers_and_filters(app):
    view = app.invoices
    view.load_button.click()
    assert "Loaded 200 invoices" in view.message.value
    everything = view.invoices
    labels = [label for label, _ in view.status.options]
    assert {"All", "New", "Sent", "Void"} <= set(labels)
    assert len(view.customer.options) > 10
    assert list(view.grid.df.columns)[:3] == ["Invoice", "Status", "Customer"]
    assert "Cannot export because" in view.grid.df.columns

    view.status.value = dict(view.status.options)["New"]
    view.load_button.click()
    assert set(view.invoices["StatusName"]) == {"New"}
    assert not view.invoices["selectable"].any()
    assert view.invoices["why"].str.contains("status 'New' is not exported").all()

    view.status.value = ""
    middle = everything["InvoiceDate"].median().date()  # the demo's dates follow today
    start, end = middle - timedelta(days=10), middle + timedelta(days=10)
    view.date_from.value, view.date_to.value = start, end
    view.load_button.click()
    days = view.invoices["InvoiceDate"].dt.date
    assert 0 < len(days) < len(everything)
    assert ((days >= start) & (days <= end)).all()


def test_an_invoice_that_cannot_be_exported_is_not_selected(app):
    view = app.invoices
    view.load_button.click()
    bad = int(view.invoices.index[~view.invoices["selectable"]][0])
    good = int(view.invoices.index[view.invoices["selectable"]][0])
    view.grid.selected_rows = [good, bad]
    assert view.grid.selected_rows == [good]
    assert "Not selectable" in view.message.value
    assert view.invoices["InvoiceNumber"].iloc[bad] in view.message.value
    assert not view.preview_button.disabled and view.export_button.disabled


def test_select_two_preview_export_and_log(app, client):
    view = app.invoices
    numbers = exportable_invoices(app.session)
    view.load_button.click()
    view.grid.selected_rows = _rows(view, numbers)
    view.include.value = True
    view.preview_button.click()
    assert "Plan:" in view.message.value, view.message.value
    assert "2 invoice create" in view.message.value
    for heading in ("Totals and payments", "Fields", "Lines (BMS ↔ QuickBooks)"):
        assert heading in view.preview.value
    assert all(n in view.preview.value for n in numbers)
    assert not view.export_button.disabled

    view.export_button.click()
    assert "Exported to QuickBooks: 2 ok" in view.message.value, view.message.value
    assert "Totals agree to the cent" in view.message.value
    assert view.progress.value == view.progress.max
    assert view.export_button.disabled  # a new export needs a new preview
    for number in numbers:
        assert client.count(select("Invoice").eq("DocNumber", number)) == 1
    assert "invoice" in app.log.table.value and "created; QuickBooks total" in app.log.table.value

    view.load_button.click()  # the grid now shows them in QuickBooks
    shown = view.invoices.set_index("InvoiceNumber")["qbo_id"]
    assert shown[list(numbers)].notna().all()


def test_export_summary_flags_totals_that_differ():
    results = pd.DataFrame(
        [
            {"kind": "customer", "name": "A", "outcome": "ok", "totals_agree": None},
            {"kind": "invoice", "name": "INV-1", "outcome": "ok", "totals_agree": True},
            {"kind": "invoice", "name": "INV-2", "outcome": "ok", "totals_agree": False},
        ]
    )
    text, ok = export_summary(results)
    assert "2 ok" in text and "1 records they needed" in text
    assert "Totals DIFFER for INV-2" in text and not ok
    text, ok = export_summary(results.iloc[:2])
    assert "Totals agree to the cent" in text and ok


def test_a_paid_invoice_is_previewed_and_exported_with_its_payment(app, client):
    """BMS's money on the invoice: shown beside its totals, recorded with it."""
    listed = app.session.invoices()
    paid = listed[listed["selectable"] & listed["qbo_id"].isna()]
    paid = paid[paid["StatusName"] == "Fully Paid"].head(6)
    plan = app.session.plan_invoices(paid, include_dependencies=True)
    rows = plan.rows[(plan.rows["kind"] == "invoice") & (plan.rows["action"] == "create")]
    row = rows.iloc[0]
    view = app.invoices
    view.load_button.click()
    view.grid.selected_rows = _rows(view, {row["name"]})
    view.include.value = True

    view.preview_button.click()

    amount = row["payment"]["to_record"]
    assert amount > 0
    assert f"record {amount:.2f} dated {row['payment']['date']}" in view.preview.value
    view.export_button.click()
    assert "1 payment(s) made in BMS recorded in QuickBooks" in view.message.value
    (invoice,) = client.query(select("Invoice").eq("DocNumber", row["name"]))
    assert invoice["Balance"] == 0  # fully paid in both books


def test_a_return_is_previewed_and_exported_with_its_credit_memo(app, client):
    """INV-10042's returned laptop: a credit memo previewed beside the invoice (its lines
    too), made and applied by the export."""
    view = app.invoices
    view.load_button.click()
    view.grid.selected_rows = _rows(view, {"INV-10042"})
    view.include.value = True

    view.preview_button.click()

    assert "create credit memo INV-10042-CR; apply 1433.32" in view.preview.value
    assert "Sales tax rounding" in view.preview.value  # the memo's lines, and the cent
    view.export_button.click()
    assert "1 credit memo(s) for their credit lines" in view.message.value
    (invoice,) = client.query(select("Invoice").eq("DocNumber", "INV-10042"))
    (memo,) = client.query(select("CreditMemo").eq("DocNumber", "INV-10042-CR"))
    assert invoice["Balance"] == 0 and memo["Balance"] == 0  # credited, then paid as in BMS
