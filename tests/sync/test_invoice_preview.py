"""The invoice preview (header fields, lines side by side, totals check), its styling, and
the totals check after QuickBooks stored an invoice (pure: no network)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from reconcile.mapping.maps import MAPS
from reconcile.plans import Plan
from reconcile.store import SyncStore
from reconcile.sync.invoice_preview import (
    LINE_COLUMNS,
    RECORD_COLUMNS,
    TOTALS_COLUMNS,
    invoice_preview,
    style_lines,
    style_totals,
)
from reconcile.sync.invoice_send import totals_after
from reconcile.sync.invoices import build_invoice_plan
from tests.sync.test_invoice_dependencies import EMPTY, NAME, _plans
from tests.sync.test_invoice_plan import TAX, _frames, _state

WHEN = {
    "InvoiceDate": pd.Timestamp("2026-10-01", tz="UTC"),
    "DueDate": pd.Timestamp("2026-10-31", tz="UTC"),
}  # as the loaders type them
# INV-10001 as QuickBooks holds it after someone changed the Firewall line to 370.
QBO_INVOICE = {
    "Id": "500",
    "SyncToken": "3",
    "DocNumber": "INV-10001",
    "CustomerRef": {"value": "58", "name": NAME},
    "TotalAmt": 403.81,
    "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "9"}, "TotalTax": 23.13},
    "Line": [
        {"Amount": 225.0, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}},
        {"Amount": 370.0, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}},
        {"Amount": 378.75, "DetailType": "SubTotalLineDetail"},
        {"Amount": 216.25, "DetailType": "DiscountLineDetail"},
    ],
}


@pytest.fixture()
def store():
    with SyncStore(":memory:") as s:
        yield s


def _invoice_plan(store, state, *headers):
    """The invoice plan of several copies of INV-10001, each with its own header changes."""
    frames = [_frames(**{**WHEN, **h}) for h in headers or [{}]]
    heads, lines, discounts = (pd.concat(f) for f in zip(*frames, strict=True))
    return build_invoice_plan(heads, lines, discounts, state, store, {}, TAX)


def _linked(store):
    """INV-10001 linked to QBO_INVOICE (its customer linked too): planned as an update."""
    store.link("customer", "1003", "58")
    store.link("invoice", "70001", "500", origin="created")
    state = _state(Invoice=[QBO_INVOICE], TaxCode=[{"Id": "9", "Name": "MA 6.25%"}])
    return invoice_preview(_invoice_plan(store, state), MAPS)


def _styled_cells(html: str, colour: str) -> set[str]:
    """The cells ("row1_col14") a Styler's HTML gives the background colour."""
    cells = set()
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", html):
        if f"background-color: {colour}" in body:
            cells |= set(re.findall(r"_(row\d+_col\d+)", selectors))
    return cells


def test_records_list_the_dependencies_first_then_the_invoice_header(store):
    _, plan = _plans(store, **WHEN)
    records = invoice_preview(plan, MAPS).records
    assert list(records.columns) == RECORD_COLUMNS
    kinds = records["kind"].tolist()
    order = ["taxcode", "account", "item", "customer", "invoice"]
    assert list(dict.fromkeys(kinds)) == order
    assert kinds == sorted(kinds, key=order.index)
    made = records[records["kind"] == "taxcode"].set_index("field")  # made first, shown first
    assert made.loc["TaxCode", ["bms_value", "to_send"]].tolist() == ["MA Sales Tax", "MA 6.25%"]
    assert (
        made.loc["RateValue", "to_send"] == 6.25 and made["note"].str.startswith("needed by").all()
    )
    sub = records[(records["kind"] == "account") & (records["field"] == "Sub-account of")]
    assert sub[["bms_id", "to_send", "note"]].values.tolist() == [
        ["11", "Services", "created first"]
    ]

    head = records[records["kind"] == "invoice"].set_index("field")
    assert head.index.tolist() == [
        "Customer",
        "Invoice no.",
        "Invoice date",
        "Due date",
        "Terms",
        "Sales tax",
        "Message on invoice",
        "Email",
        "P.O. number",
        "Total",
        "Tax",
    ]
    assert head[["bms_value", "to_send"]].values.tolist() == [
        [NAME, NAME],
        ["INV-10001", "INV-10001"],
        ["2026-10-01", "2026-10-01"],
        ["2026-10-31", "2026-10-31"],
        [None, "Net 30"],
        ["MA Sales Tax", "MA 6.25%"],
        ["October services", "October services"],
        ["ap@obrien.example", "ap@obrien.example"],
        ["PO-77", "PO-77"],
        [428.44, 428.44],
        [24.69, 24.69],
    ]
    assert head.loc["Customer", "note"] == "customer created first"
    assert head.loc["Sales tax", "note"] == "taxcode created first"
    assert head.loc["Invoice no.", "note"] == ""
    assert head["changed"].all() and set(head["action"]) == {"create"}
    assert head.loc["Total", "property"] == "TotalAmt"


def test_a_blocked_invoice_carries_its_reason_in_every_note(store):
    _, plan = _plans(store, {**EMPTY, "Vendor": [{"Id": "5", "DisplayName": NAME}]})
    reason = plan.rows.iloc[-1]["reason"]
    assert reason.startswith(f"needs customer {NAME!r}, which cannot be sent")
    head = invoice_preview(plan, MAPS).records.query("kind == 'invoice'")
    assert len(head) == 11
    assert set(head["note"]) == {reason}
    assert not head["changed"].any()


def test_lines_side_by_side_with_the_discount_negative_on_both_sides(store):
    headers, lines, discounts = _frames(**WHEN)
    zero = pd.DataFrame([{"Name": "Nothing off", "Value": 0.0, "InvoiceId": 70001}])
    discounts = pd.concat([discounts, zero])
    store.link("customer", "1003", "58")
    plan = build_invoice_plan(headers, lines, discounts, _state(), store, {}, TAX)
    out = invoice_preview(plan, MAPS).lines
    assert list(out.columns) == LINE_COLUMNS
    assert out["line"].tolist() == ["1", "2", "D1"]  # the zero discount is not sent
    assert out["bms_item"].tolist() == ["Remote Support", "Firewall", "Discount"]
    assert out["item"].tolist() == ["Remote Support", "Firewall", "Discount"]
    assert out["bms_amount"].tolist() == [225.0, 395.0, -216.25]
    assert out["amount"].tolist() == [225.0, 395.0, -216.25]
    assert out["bms_taxable"].tolist() == [False, True, False]
    assert out["tax_code"].tolist()[:2] == ["NON", "TAX"] and pd.isna(out["tax_code"].iloc[2])
    assert out["bms_qty"].tolist()[:2] == [1.5, 1.0] and out["qty"].tolist()[:2] == [1.5, 1.0]
    assert out.loc[2, ["bms_description", "description"]].tolist() == ["Loyalty discount"] * 2
    assert out.loc[1, "description"] == "Firewall"  # no BMS description: the item name
    assert not out["changed"].any() and out["in_quickbooks"].isna().all()


def test_a_linked_invoice_shows_quickbooks_amounts_and_marks_changed_lines(store):
    preview = _linked(store)
    lines = preview.lines
    assert set(lines["action"]) == {"update"}
    assert lines["amount"].tolist() == [225.0, 395.0, -216.25]
    assert lines["in_quickbooks"].tolist() == [225.0, 370.0, -216.25]
    assert lines["changed"].tolist() == [False, True, False]
    head = preview.records.set_index("field")
    assert head.loc["Total", ["to_send", "in_quickbooks", "changed"]].tolist() == [
        428.44,
        403.81,
        True,
    ]
    assert not head.loc["Customer", "changed"]  # the same customer id
    assert preview.totals["in_quickbooks"].tolist() == [403.81]


def test_totals_per_invoice_and_a_disagreeing_grand_total(store):
    store.link("customer", "1003", "58")
    plan = _invoice_plan(
        store, _state(), {}, {"Id": 70002, "InvoiceNumber": "INV-10002", "GrandTotal": 430.0}
    )
    totals = invoice_preview(plan, MAPS).totals
    assert list(totals.columns) == TOTALS_COLUMNS
    shown = TOTALS_COLUMNS[: TOTALS_COLUMNS.index("in_quickbooks")]
    assert totals[shown].values.tolist() == [
        ["70001", "INV-10001", "create", 428.44, 428.44, 24.69, 24.69, 0.0, True],
        ["70002", "INV-10002", "blocked", 430.0, 428.44, 24.69, 24.69, -1.56, False],
    ]


def test_totals_show_what_bms_paid_and_what_the_export_records(store):
    store.link("customer", "1003", "58")
    plan = _invoice_plan(
        store,
        _state(),
        {"PaidAmount": 100.0},
        # Blocked (its total disagrees): its payment waits for it.
        {"Id": 70002, "InvoiceNumber": "INV-10002", "GrandTotal": 430.0, "PaidAmount": 30.0},
    )
    totals = invoice_preview(plan, MAPS).totals
    assert totals[["bms_paid", "qbo_applied", "to_record"]].values.tolist() == [
        [100.0, 0.0, 100.0],
        [30.0, 0.0, 30.0],
    ]
    assert totals["payment"].iloc[0].startswith("record 100.00 dated ")
    assert totals["payment"].iloc[1] == "held: waits for its invoice to be exported"
    html = style_totals(totals).to_html()
    columns = [TOTALS_COLUMNS.index(c) for c in ("to_record", "payment")]
    assert _styled_cells(html, "#fff3e0") == set()  # the held row is red already
    blocked_free = style_totals(totals.assign(agree=True)).to_html()
    assert _styled_cells(blocked_free, "#fff3e0") == {f"row1_col{c}" for c in columns}


def test_style_totals_paints_only_the_disagreeing_row_red(store):
    store.link("customer", "1003", "58")
    plan = _invoice_plan(
        store, _state(), {}, {"Id": 70002, "InvoiceNumber": "INV-10002", "GrandTotal": 430.0}
    )
    html = style_totals(invoice_preview(plan, MAPS).totals).to_html()
    red = _styled_cells(html, "#ffcdd2")
    assert red == {f"row1_col{c}" for c in range(len(TOTALS_COLUMNS))}
    assert "430.00" in html and "-1.56" in html  # money to two decimals


def test_style_lines_marks_the_changed_amount(store):
    html = style_lines(_linked(store).lines).to_html()
    assert _styled_cells(html, "#fff176") == {f"row1_col{LINE_COLUMNS.index('amount')}"}
    grey = _styled_cells(html, "#eceff1")
    assert f"row0_col{LINE_COLUMNS.index('bms_amount')}" in grey


@pytest.mark.parametrize(
    ("total", "tax", "agree"),
    [
        (428.44, 24.69, True),
        (428.45, 24.70, True),  # within a cent
        (428.43, 24.68, True),
        (428.46, 24.69, False),  # two cents off
        (428.44, 24.71, False),
        (None, None, False),  # QuickBooks gave no totals: 0 ≠ BMS's
    ],
)
def test_totals_after_compares_quickbooks_answer_to_the_cent(total, tax, agree):
    row = {"totals": {"bms_total": 428.44, "bms_tax": 24.69}}
    answer = {"Id": "500", "TotalAmt": total, "TxnTaxDetail": {"TotalTax": tax}}
    assert totals_after(row, answer) == {
        "bms_total": 428.44,
        "qbo_total": total or 0.0,
        "bms_tax": 24.69,
        "qbo_tax": tax or 0.0,
        "totals_agree": agree,
    }


def test_mapping_notes_are_shown_with_the_invoice(store):
    from tests.sync.test_invoice_plan import _frames, _state

    store.link("customer", "1003", "58")
    frames = _frames(PaidAmount=100.0, PONumber="PO-THAT-IS-FAR-TOO-LONG")

    def notes_with(options: dict) -> str:
        rows = build_invoice_plan(*frames, _state(), store, options, TAX).rows.tail(1)
        plan = Plan("invoice", "Invoice", rows.reset_index(drop=True))
        return invoice_preview(plan, MAPS).records.set_index("field").loc["Notes", "note"]

    assert "PONumber 'PO-THAT-IS-FAR-TOO-LONG' not sent" in notes_with({})
    # The money BMS has is recorded with the invoice, unless that is turned off: then it
    # stays open in QuickBooks, and the note says so.
    assert "paid on this invoice" not in notes_with({})
    off = notes_with({"record_bms_payments": False})
    assert "BMS already has 100.00 paid on this invoice" in off
