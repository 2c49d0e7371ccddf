""" "Include what it needs": customers, items and GL accounts planned before the invoices
that need them (pure: an in-memory QuickBooks and link store)."""

from __future__ import annotations

import pandas as pd
import pytest

from reconcile.mapping.maps import MAPS
from reconcile.store import SyncStore
from reconcile.sync.dependencies import ORDER, MasterData, plan_dependencies
from reconcile.sync.invoices import build_invoice_plan
from reconcile.sync.plan import MADE_NEEDS
from tests.sync.test_invoice_plan import TAX, _frames, _state

NAME = "O'Brien & Sons Plumbing"
CUSTOMER = {
    "Id": 1003,
    "AccountName": NAME,
    "AccountType": "Client",
    "IsActive": True,
    "NetDays": 30,
}
ITEMS = [
    {"Id": 1, "Name": "Remote Support", "IncomeAccountCode": "4000", "IsActive": True},
    {"Id": 2, "Name": "Firewall", "IncomeAccountCode": "4100", "IsActive": True},
]
ACCOUNTS = [
    {
        "Id": 10,
        "Code": "4000",
        "Name": "Services",
        "TypeName": "Income",
        "ParentId": None,
        "IsActive": True,
    },
    {
        "Id": 11,
        "Code": "4100",
        "Name": "Hardware",
        "TypeName": "Income",
        "ParentId": 10,
        "ParentName": "Services",
        "IsActive": True,
    },
]
# Nothing in QuickBooks but the term (and no name sharers).
EMPTY = {"Customer": [], "Item": [], "Account": [], "Vendor": [], "Employee": []}
# Only "Firewall" is missing: the invoice needs item 2, which needs GL account 11 (code 4100).
ONLY_FIREWALL = {**EMPTY, "Item": [{"Id": "7", "Name": "Remote Support"}]}


def _master(items=ITEMS, accounts=ACCOUNTS) -> MasterData:
    """The frames as reconcile.bms.loaders types them (ParentId is Int64)."""
    gl = pd.DataFrame(accounts).astype({"ParentId": "Int64"})
    return MasterData(pd.DataFrame([CUSTOMER]), pd.DataFrame(items), gl)


def _plans(store, records=EMPTY, master=None, **header_changes):
    """(invoice plan built with include, the plan with its dependencies)."""
    master = master or _master()
    state = _state(**records)
    invoices = build_invoice_plan(
        *_frames(**header_changes), state, store, {}, TAX, include=master.include()
    )
    return invoices, plan_dependencies(invoices, master, MAPS, state, store, {}, TAX)


def _rows(plan) -> list[tuple[str, str, str]]:
    """The records' rows (the terms and tax codes made first have their own test)."""
    plan = plan.rows[~plan.rows["kind"].isin(MADE_NEEDS)]
    return list(zip(plan["kind"], plan["bms_id"], plan["action"], strict=True))


def _row(plan, kind, bms_id) -> dict:
    found = plan.rows[(plan.rows["kind"] == kind) & (plan.rows["bms_id"] == bms_id)]
    assert len(found) == 1, (kind, bms_id)
    return found.iloc[0].to_dict()


def _needs(row, kind=None) -> list[tuple]:
    return [(n.kind, n.label, dict(n.body), n.path) for n in row["needs"] if kind in (None, n.kind)]


@pytest.fixture()
def store():
    with SyncStore(":memory:") as s:
        yield s


def test_include_maps_customer_ids_item_names_and_account_codes_to_bms_ids():
    assert _master().include() == {
        "customer": {"1003": "1003"},
        "item": {"remote support": "1", "firewall": "2"},
        "account": {"4000": "10", "4100": "11"},
    }


def test_without_include_a_missing_customer_or_item_blocks_the_invoice(store):
    state = _state(**EMPTY)
    p = build_invoice_plan(*_frames(), state, store, {}, TAX).rows.iloc[0]
    assert p["action"] == "blocked"
    assert p["reason"].startswith(f"customer {NAME!r} (BMS 1003) is not in QuickBooks yet")
    store.link("customer", "1003", "58")
    state = _state(**{**EMPTY, "Customer": [{"Id": "58", "DisplayName": NAME}]})
    p = build_invoice_plan(*_frames(), state, store, {}, TAX).rows.iloc[0]
    assert p["action"] == "blocked"
    assert p["reason"].startswith("item 'Remote Support' is not in QuickBooks yet")


def test_with_include_missing_customer_and_items_become_needs(store):
    include = _master().include()
    p = build_invoice_plan(*_frames(), _state(**EMPTY), store, {}, TAX, include=include).rows.iloc[
        -1
    ]
    assert (p["action"], p["reason"]) == ("create", "")
    assert _needs(p, "customer") == [("customer", NAME, {"bms_id": "1003"}, "CustomerRef")]
    assert _needs(p, "item") == [
        ("item", "Remote Support", {"bms_id": "1"}, "Line.0.SalesItemLineDetail.ItemRef"),
        ("item", "Firewall", {"bms_id": "2"}, "Line.1.SalesItemLineDetail.ItemRef"),
    ]
    assert "CustomerRef" not in p["body"]  # filled in once the customer exists
    assert p["body"]["SalesTermRef"] == {"value": "3"}


def test_a_tax_code_the_customer_and_the_invoice_need_is_one_row_before_them(store):
    _, plan = _plans(store)
    made = plan.rows[plan.rows["kind"].isin(MADE_NEEDS)]
    assert list(zip(made["kind"], made["bms_id"], made["action"], strict=True)) == [
        ("taxcode", "taxcode:MA 6.25%", "create")
    ]
    assert made.index[0] == 0 and made.iloc[0]["body"]["RateValue"] == 6.25
    assert made.iloc[0]["reason"].startswith("needed by ")


def test_dependencies_come_first_in_order_then_the_invoices(store):
    invoices, plan = _plans(store)
    assert ORDER == ("account", "item", "customer")
    assert _rows(plan) == [
        ("account", "10", "create"),
        ("account", "11", "create"),
        ("item", "1", "create"),
        ("item", "2", "create"),
        ("customer", "1003", "create"),
        ("invoice", "70001", "create"),
    ]
    assert _needs(_row(plan, "account", "11")) == [
        ("parent", "Services", {"bms_id": "10"}, "ParentRef")
    ]
    assert _needs(_row(plan, "item", "1")) == [
        ("account", "4000", {"bms_id": "10"}, "IncomeAccountRef")
    ]
    assert _needs(_row(plan, "item", "2")) == [
        ("account", "4100", {"bms_id": "11"}, "IncomeAccountRef")
    ]
    assert _row(plan, "customer", "1003")["body"]["DisplayName"] == NAME
    assert (plan.kind, plan.entity) == ("invoice", "Invoice")
    assert _rows(invoices) == [("invoice", "70001", "create")]  # the input is left alone


def test_unlinked_ancestors_of_a_needed_account_are_included_and_others_are_not(store):
    services, hardware = ({k: v for k, v in a.items() if k != "IsActive"} for a in ACCOUNTS)
    accounts = [
        {"Id": 9, "Code": "3000", "Name": "Top", "TypeName": "Income", "ParentId": None},
        {**services, "ParentId": 9, "ParentName": "Top"},
        hardware,
        {"Id": 12, "Code": "5000", "Name": "Unused", "TypeName": "Income", "ParentId": None},
    ]
    _, plan = _plans(store, ONLY_FIREWALL, _master(accounts=accounts))
    assert _rows(plan) == [
        ("account", "9", "create"),
        ("account", "10", "create"),
        ("account", "11", "create"),
        ("item", "2", "create"),
        ("customer", "1003", "create"),
        ("invoice", "70001", "create"),
    ]
    assert _needs(_row(plan, "account", "10")) == [("parent", "Top", {"bms_id": "9"}, "ParentRef")]
    assert _needs(_row(plan, "account", "11")) == [
        ("parent", "Services", {"bms_id": "10"}, "ParentRef")
    ]


def test_a_linked_parent_is_not_included(store):
    store.link("account", "10", "90")
    _, plan = _plans(store, ONLY_FIREWALL)
    assert _rows(plan)[:2] == [("account", "11", "create"), ("item", "2", "create")]
    child = _row(plan, "account", "11")
    assert child["needs"] == []
    assert child["body"]["ParentRef"] == {"value": "90"}


def test_a_customer_whose_name_a_vendor_uses_blocks_the_invoice(store):
    vendor = {"Id": "5", "DisplayName": NAME}
    _, plan = _plans(store, {**EMPTY, "Vendor": [vendor]})
    customer = _row(plan, "customer", "1003")
    assert customer["action"] == "blocked"
    assert f"the name {NAME!r} is used by a QuickBooks vendor" in customer["reason"]
    invoice = _row(plan, "invoice", "70001")
    assert invoice["action"] == "blocked"
    assert (
        invoice["reason"] == f"needs customer {NAME!r}, which cannot be sent: " + customer["reason"]
    )
    assert _row(plan, "item", "1")["action"] == "create"  # the others are still planned


def test_an_item_whose_gl_code_is_nowhere_blocks_the_invoice(store):
    items = [{**ITEMS[0], "IncomeAccountCode": "4999"}, ITEMS[1]]
    _, plan = _plans(store, master=_master(items=items))
    item = _row(plan, "item", "1")
    assert item["action"] == "blocked"
    assert item["reason"] == (
        "GL account '4999' is not in QuickBooks yet: send the chart of accounts first"
    )
    assert _row(plan, "item", "2")["action"] == "create"
    invoice = _row(plan, "invoice", "70001")
    assert invoice["action"] == "blocked"
    assert (
        invoice["reason"] == "needs item 'Remote Support', which cannot be sent: " + item["reason"]
    )


def test_a_blocked_account_blocks_the_item_and_then_the_invoice(store):
    accounts = [{**ACCOUNTS[0], "Name": "Ser:vices"}, ACCOUNTS[1]]
    _, plan = _plans(store, master=_master(accounts=accounts))
    account = _row(plan, "account", "10")
    assert account["action"] == "blocked"
    assert "Name 'Ser:vices' contains a colon" in account["reason"]
    item = _row(plan, "item", "1")
    assert (item["action"], item["reason"]) == (
        "blocked",
        "needs account '4000', which cannot be sent: " + account["reason"],
    )
    invoice = _row(plan, "invoice", "70001")
    assert (invoice["action"], invoice["reason"]) == (
        "blocked",
        "needs item 'Remote Support', which cannot be sent: " + item["reason"],
    )


def test_a_blocked_parent_blocks_its_child_account_and_what_needs_it(store):
    accounts = [{**ACCOUNTS[0], "Name": "Ser:vices"}, ACCOUNTS[1]]
    _, plan = _plans(store, ONLY_FIREWALL, _master(accounts=accounts))
    assert _row(plan, "account", "10")["action"] == "blocked"
    assert _row(plan, "account", "11")["action"] == "blocked"
    assert _row(plan, "item", "2")["action"] == "blocked"
    assert _row(plan, "invoice", "70001")["action"] == "blocked"


def test_records_linked_and_in_quickbooks_are_not_planned_again(store):
    store.link("customer", "1003", "58")
    _, plan = _plans(store, {"Account": [], "Vendor": [], "Employee": []})
    assert _rows(plan) == [("invoice", "70001", "create")]
    p = _row(plan, "invoice", "70001")
    assert [n.kind for n in p["needs"]] == ["taxcode"]
    assert p["body"]["CustomerRef"] == {"value": "58"}


def test_a_customer_in_quickbooks_by_name_but_unlinked_is_planned_as_link(store):
    qbo = {"Id": "58", "SyncToken": "1", "DisplayName": NAME}
    records = {"Customer": [qbo], "Account": [], "Vendor": [], "Employee": []}
    _, plan = _plans(store, records)
    assert _rows(plan) == [("customer", "1003", "link"), ("invoice", "70001", "create")]
    customer = _row(plan, "customer", "1003")
    assert (customer["qbo_id"], customer["sync_token"]) == ("58", "1")
    assert _needs(_row(plan, "invoice", "70001"), "customer") == [
        ("customer", NAME, {"bms_id": "1003"}, "CustomerRef")
    ]


def test_what_a_blocked_invoice_needs_is_not_planned(store):
    _, plan = _plans(store, GrandTotal=999.0)
    assert _rows(plan) == [("invoice", "70001", "blocked")]
    assert plan.rows.iloc[0]["reason"].startswith("totals differ")
    assert plan.kind == "invoice"
