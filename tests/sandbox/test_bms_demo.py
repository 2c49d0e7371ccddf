"""Tests of the generated demo BMS tenant (reconcile/sandbox/bms_demo/).

Shapes are checked against the vendored OpenAPI document (reference bms-api-and-peers.md
§1.4–1.9); the edge cases a loader must survive are asserted by scanning the output.
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from reconcile.bms.openapi import errors
from reconcile.sandbox import bms_demo
from reconcile.sandbox.bms_demo import (
    COMPACT_IDS,
    EDGE_NAMES,
    GL_TYPES,
    INVOICE_STATUSES,
    TENANT,
    WIDE_IDS,
    DemoSizes,
    billing_address,
    generate,
    id_layout,
    iter_invoices,
)

TODAY = date(2026, 8, 3)
MIDNIGHT = datetime(2026, 8, 3)
CENT = Decimal("0.01")
NEW, READY, SENT, PARTIAL, PAID, VOID = range(1, 7)


def dec(value: float) -> Decimal:
    return Decimal(str(value))


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def stamp(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text[:-1])


def day(text: str) -> date:
    assert text.endswith("T00:00:00Z"), text
    return date.fromisoformat(text[:10])


def addresses(account: dict) -> list[tuple[dict, dict]]:
    return [(loc, a) for loc in account["Locations"] for a in loc["Addresses"]]


@pytest.fixture(scope="module")
def demo() -> bms_demo.BmsDemo:
    return generate(today=TODAY)


@pytest.fixture(scope="module")
def invoices(demo) -> list[dict]:
    return list(demo.invoices)


@pytest.fixture(scope="module")
def clients(demo) -> list[dict]:
    return [a for a in demo.accounts if a["AccountTypeId"] == 1]


@pytest.fixture(scope="module")
def by_name(demo) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for a in demo.accounts:
        out.setdefault(a["AccountName"], []).append(a)
    return out


# -- sizes and shapes --------------------------------------------------------------------------


def test_default_counts(demo, invoices, clients):
    assert len(clients) == 60
    vendors = [a for a in demo.accounts if a["AccountTypeId"] == 2]
    assert len(vendors) == 2
    assert all(v["AccountType"] == "Vendor" and not v["IsBilling"] for v in vendors)
    assert 20 <= len(demo.gl_accounts) <= 30
    assert len(demo.services) == 25
    assert 5 <= len(demo.tax_items) <= 12
    assert len(invoices) == 200 == len(demo.invoices)


def test_every_record_validates_against_its_schema(demo, invoices):
    problems = []
    for name, records in (
        ("AccountSummaryOutputDto", demo.accounts),
        ("ChartOfAccountOutputDto", demo.gl_accounts),
        ("ChartOfAccountTypeOutputDto", GL_TYPES),
        ("ServiceListOutputDto", demo.services),
        ("QbSalesTaxItemExportDto", demo.tax_items),
        ("UserInfoOutputDto", [demo.user]),
        ("InvoiceOutputDto", invoices),
        ("AccountLocationOutputDto", [loc for a in demo.accounts for loc in a["Locations"]]),
        ("AccountAddressOutputDto", [ad for a in demo.accounts for _, ad in addresses(a)]),
        ("InvoiceLineItemsOutputDto", [ln for inv in invoices for ln in inv["LineItems"]]),
        (
            "InvoiceDiscountLineItemsOutputDto",
            [d for inv in invoices for d in inv["DiscountItems"]],
        ),
    ):
        assert records, name
        for rec in records:
            problems += [f"{name} {rec.get('Id')}: {e}" for e in errors(name, rec)]
    for inv in invoices:  # the header alone is an InvoiceSummaryOutputDto
        header = {k: v for k, v in inv.items() if k not in ("LineItems", "DiscountItems")}
        problems += [f"summary {inv['Id']}: {e}" for e in errors("InvoiceSummaryOutputDto", header)]
    assert problems == []


def test_records_carry_every_schema_key(demo, invoices):
    from reconcile.bms.openapi import spec

    schemas = spec()["components"]["schemas"]
    for name, rec in (
        ("AccountSummaryOutputDto", demo.accounts[0]),
        ("AccountLocationOutputDto", demo.accounts[0]["Locations"][0]),
        ("AccountAddressOutputDto", demo.accounts[0]["Locations"][0]["Addresses"][0]),
        ("ChartOfAccountOutputDto", demo.gl_accounts[0]),
        ("ServiceListOutputDto", demo.services[0]),
        ("QbSalesTaxItemExportDto", demo.tax_items[0]),
        ("UserInfoOutputDto", demo.user),
        ("InvoiceOutputDto", invoices[0]),
        ("InvoiceLineItemsOutputDto", invoices[0]["LineItems"][0]),
    ):
        assert list(rec) == list(schemas[name]["properties"]), name


def test_user_info(demo):
    user = demo.user
    assert user["CurrencyCode"] == "USD" and user["CultureCode"] == "en-US"
    assert user["OlsonTimeZoneName"] == "America/New_York"
    assert user["IsUserSystemAdmin"] is False
    assert user["BusinessName"] == "Harbor Point Managed IT LLC"
    assert user["TimeStamp"] == "2026-08-03T00:00:00Z"


# -- accounts -----------------------------------------------------------------------------------


def test_account_name_edge_cases(clients, by_name):
    names = [a["AccountName"] for a in clients]
    assert "O'Brien & Sons Plumbing" in names
    assert any("'" in n for n in names) and any("&" in n for n in names)
    assert "Café Lumière Bistro" in names and "Zürich Präzision GmbH" in names
    assert "Acme: West Division" in names
    assert [n for n in names if len(n) == 120] == [EDGE_NAMES["long"]]
    duplicates = [n for n, count in Counter(names).items() if count > 1]
    assert duplicates == [EDGE_NAMES["duplicate"]]
    twins = by_name[EDGE_NAMES["duplicate"]]
    assert twins[0]["Id"] != twins[1]["Id"]
    assert twins[0]["AccountCode"] != twins[1]["AccountCode"]


def test_account_flags_and_codes(demo, clients, by_name):
    inactive = [a for a in clients if not a["IsActive"]]
    assert [a["AccountName"] for a in inactive] == [EDGE_NAMES["inactive"]]
    ids = {a["Id"] for a in demo.accounts}
    children = [a for a in demo.accounts if a["ParentId"] is not None]
    assert [a["AccountName"] for a in children] == ["Acme: West Division"]
    assert children[0]["ParentId"] in ids
    assert by_name["Acme Manufacturing Corp."][0]["Id"] == children[0]["ParentId"]
    codes = [a["AccountCode"] for a in demo.accounts]
    assert codes.count(None) == 1
    assert by_name[EDGE_NAMES["no_code"]][0]["AccountCode"] is None
    present = [c for c in codes if c is not None]
    assert len(present) == len(set(present))
    assert all(re.fullmatch(r"[CV]\d{4,}", c) for c in present)
    assert all(a["IsBilling"] and a["AccountType"] == "Client" for a in clients)
    assert all(a["TenantName"] == TENANT == "HarborPointIT" for a in demo.accounts)
    assert all(a["CurrencyId"] == 1 and a["CurrencyName"] == "USD" for a in demo.accounts)


def test_account_billing_terms_vary(clients, demo):
    limits = [a["CreditLimit"] for a in clients]
    assert None in limits and any(v for v in limits)
    net_days = {a["NetDays"] for a in clients}
    assert net_days <= {0, 15, 30, 45, 60, None}
    assert {None, 0, 30} <= net_days
    taxes = {t["Id"]: t for t in demo.tax_items}
    taxed = [a for a in clients if a["SalesTaxItemId"] is not None]
    assert taxed and len(taxed) < len(clients)
    for a in taxed:
        item = taxes[a["SalesTaxItemId"]]
        assert item["Name"] == a["SalesTaxItemName"] and item["IsActive"]
    assert all(a["SalesTaxItemName"] is None for a in clients if a["SalesTaxItemId"] is None)
    classes = {a["ClassName"] for a in clients}
    assert classes == {None, "Managed Services", "Projects"}
    assert all((a["ClassId"] is None) == (a["ClassName"] is None) for a in clients)
    assert any(a["Website"] for a in clients) and any(a["Website"] is None for a in clients)
    assert any(a["Description"] for a in clients)


def test_account_timestamps(demo):
    created = [stamp(a["CreatedOn"]) for a in demo.accounts]
    modified = [stamp(a["ModifiedOn"]) for a in demo.accounts]
    assert all(m >= c for c, m in zip(created, modified, strict=True))
    assert all(m < MIDNIGHT for m in modified)
    assert max(created) - min(created) > timedelta(days=120)
    # A modified-since filter splits the tenant.
    recent = [m for m in modified if m >= MIDNIGHT - timedelta(days=60)]
    assert 0 < len(recent) < len(modified)
    for a in demo.accounts:
        for loc, ad in addresses(a):
            assert stamp(loc["ModifiedOn"]) >= stamp(loc["CreatedOn"])
            assert stamp(ad["ModifiedOn"]) >= stamp(ad["CreatedOn"])


POSTCODES = {
    "United States": r"\d{5}",
    "Canada": r"[A-Z]\d[A-Z] \d[A-Z]\d",
    "United Kingdom": r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}",
    "Germany": r"\d{5}",
    "Australia": r"\d{4}",
}


def test_locations_and_addresses(demo, by_name):
    for a in demo.accounts:
        mains = [loc for loc in a["Locations"] if loc["IsMain"]]
        assert len(mains) == 1, a["AccountName"]
        main_addresses = [ad for ad in mains[0]["Addresses"] if ad["IsMain"]]
        assert len(main_addresses) == 1
        assert main_addresses[0]["AddressType"] == "Main"
        for _, ad in addresses(a):
            assert re.fullmatch(POSTCODES[ad["Country"]], ad["ZipCode"]), ad
            assert isinstance(ad["CountryId"], int)
            if ad["Country"] == "United States":
                assert re.fullmatch(r"[A-Z]{2}", ad["State"])
                assert re.fullmatch(r"\(\d{3}\) 555-01\d{2}", ad["Phone"])
            if ad["EmailAddress"] is not None:
                assert re.fullmatch(r"[a-z]+@[a-z0-9]+\.example", ad["EmailAddress"])
            if ad["IsBilling"]:
                assert ad["EmailAddress"], "billing addresses carry the billing email"
    countries = {ad["Country"] for a in demo.accounts for _, ad in addresses(a)}
    assert countries == set(POSTCODES)
    all_ids = [ad["Id"] for a in demo.accounts for _, ad in addresses(a)]
    assert len(all_ids) == len(set(all_ids))
    assert by_name["Café Lumière Bistro"][0]["Locations"][0]["Addresses"][0]["State"] == "ON"


def test_billing_address_patterns(clients, by_name):
    def billing_flags(a):
        return [ad for _, ad in addresses(a) if ad["IsBilling"]]

    no_billing = [a for a in clients if not billing_flags(a)]
    in_main = [
        a
        for a in clients
        if any(
            ad["AddressType"] == "Billing"
            for ad in a["Locations"][0]["Addresses"]
            if ad["IsBilling"]
        )
    ]
    billing_office = [
        a for a in clients if any(loc["LocationName"] == "Billing Office" for loc in a["Locations"])
    ]
    two = [a for a in clients if len(billing_flags(a)) == 2]
    assert no_billing and in_main and billing_office and two
    for a in no_billing:  # fall back to the main address
        loc, ad = billing_address(a)
        assert loc["IsMain"] and ad["IsMain"]
    for a in two:  # the first by Id wins
        _, ad = billing_address(a)
        assert ad["Id"] == min(x["Id"] for x in billing_flags(a))
    assert by_name[EDGE_NAMES["two_billing"]][0] in two
    assert billing_address({"Locations": []}) is None


# -- chart of accounts, services, tax items ----------------------------------------------------


def test_chart_of_accounts(demo):
    gl = {g["Code"]: g for g in demo.gl_accounts}
    expected = {
        "1000": "Checking",
        "1100": "Accounts Receivable",
        "1200": "Undeposited Funds",
        "2000": "Accounts Payable",
        "2100": "Sales Tax Payable",
        "4000": "Income",
        "4010": "Managed Services Income",
        "4020": "Professional Services Income",
        "4030": "Hardware Sales",
        "4040": "Software & Licensing",
        "4090": "Discounts Given",
        "5000": "Cost of Goods Sold",
        "5010": "Hardware Cost",
        "5020": "Licensing Cost",
        "6000": "Expenses",
    }
    assert {c: gl[c]["Name"] for c in expected} == expected
    by_id = {g["Id"]: g for g in demo.gl_accounts}
    types = {t["Id"]: t["Name"] for t in GL_TYPES}
    for g in demo.gl_accounts:
        assert types[g["TypeId"]] == g["TypeName"]
        if g["ParentId"] is not None:
            parent = by_id[g["ParentId"]]
            assert parent["Name"] == g["ParentName"] and parent["TypeId"] == g["TypeId"]
        else:
            assert g["ParentName"] is None
    for code in ("4010", "4020", "4030", "4040", "4090"):
        assert gl[code]["ParentId"] == gl["4000"]["Id"]
    for code in ("5010", "5020"):
        assert gl[code]["ParentId"] == gl["5000"]["Id"]
    assert sum(1 for g in demo.gl_accounts if g["IsActive"] is False) == 1
    assert min(by_id) == 101


def test_services(demo):
    gl = {g["Code"]: g for g in demo.gl_accounts}
    services = demo.services
    assert {s["Category"] for s in services} == {
        "Managed Services",
        "Labor",
        "Hardware",
        "Software",
    }
    assert sum(1 for s in services if not s["IsActive"]) == 1
    names = [s["Name"] for s in services]
    assert len(names) == len(set(names))
    for needed in ("Remote Support", "Onsite Support", "Microsoft 365 Business Premium"):
        assert needed in names
    assert any("After-hours" in n for n in names) and any("Project Labor" in n for n in names)
    assert any("Laptop" in n for n in names) and any("Firewall" in n for n in names)
    for s in services:
        assert gl[s["IncomeAccountCode"]]["Name"] == s["IncomeAccountName"]
        if s["Category"] in ("Hardware", "Software"):
            assert gl[s["ExpenseAccountCode"]]["Name"] == s["ExpenseAccountName"]
        elif s["ExpenseAccountCode"] is None:
            assert s["ExpenseAccountName"] is None
        if s["Category"] == "Hardware":
            assert s["IsTaxable"]
        if s["Category"] in ("Managed Services", "Labor"):
            assert not s["IsTaxable"]
        price, cost = dec(s["UnitPrice"]), dec(s["UnitCost"])
        assert price > 0 and cost >= 0
        if s["Margin"] is None:
            assert s["MarginType"] is None and cost == 0
        else:
            assert s["MarginType"] == 1
            assert dec(s["Margin"]) == money((price - cost) / price * 100)
        assert stamp(s["ModifiedOn"]) >= stamp(s["CreatedOn"])


def test_tax_items(demo):
    items = {t["Name"]: t for t in demo.tax_items}
    rates = {"MA Sales Tax": 6.25, "NH No Sales Tax": 0, "RI Sales Tax": 7, "CT Sales Tax": 6.35}
    assert {n: items[n]["TaxRate"] for n in rates} == rates
    by_id = {t["Id"]: t for t in demo.tax_items}
    groups = [t for t in demo.tax_items if t["IsTaxGroup"]]
    assert groups
    for g in groups:
        parts = [by_id[i] for i in g["SalesTaxItemsIds"]]
        assert len(parts) >= 2
        assert dec(g["TaxRate"]) == sum(dec(p["TaxRate"]) for p in parts)
    assert sum(1 for t in demo.tax_items if t["IsActive"] is False) == 1
    assert items["MA Sales Tax"]["Vendor"] == "Massachusetts Department of Revenue"
    vendors = {a["Id"]: a for a in demo.accounts if a["AccountTypeId"] == 2}
    for t in demo.tax_items:
        if not t["IsTaxGroup"]:
            assert t["Vendor"] and t["SalesTaxItemsIds"] is None
        if t["VendorId"] is not None:
            assert vendors[t["VendorId"]]["AccountName"] == t["Vendor"]
        assert t["ExternalSalesTaxItemId"] is None and t["ExternalVendorId"] is None
    assert min(by_id) == 21


# -- invoices -----------------------------------------------------------------------------------


def test_invoice_arithmetic(demo, invoices):
    accounts = {a["Id"]: a for a in demo.accounts}
    for inv in invoices:
        lines = inv["LineItems"]
        assert 1 <= len(lines) <= 6
        for value in (
            inv["Discount"],
            inv["TotalPrice"],
            inv["TotalTax"],
            inv["GrandTotal"],
            inv["PaidAmount"],
            inv["PaymentDue"],
        ):
            assert dec(value) == money(dec(value))
        for ln in lines:
            assert dec(ln["TotalPrice"]) == money(dec(ln["Qty"]) * dec(ln["UnitPrice"]))
            assert ln["InvoiceId"] == inv["Id"] and ln["InvoiceNumber"] == inv["InvoiceNumber"]
            assert isinstance(ln["ContractId"], int)
            assert (ln["ContractId"] == 0) == (ln["ContractName"] is None)
        discount = sum((dec(d["Value"]) for d in inv["DiscountItems"]), Decimal(0))
        assert dec(inv["Discount"]) == discount
        subtotal = sum((dec(ln["TotalPrice"]) for ln in lines), Decimal(0))
        assert dec(inv["TotalPrice"]) == subtotal - discount
        taxable = sum((dec(ln["TotalPrice"]) for ln in lines if ln["IsTaxable"]), Decimal(0))
        rate = dec(inv["SalesTaxRate"])
        assert dec(inv["TotalTax"]) == money(taxable * rate / 100)  # discount does not reduce tax
        grand = dec(inv["GrandTotal"])
        assert grand == dec(inv["TotalPrice"]) + dec(inv["TotalTax"])
        paid, due, status = dec(inv["PaidAmount"]), dec(inv["PaymentDue"]), inv["StatusId"]
        if status in (NEW, READY, SENT):
            assert paid == 0 and due == grand
        elif status == PARTIAL:
            assert 0 < paid < grand and due == grand - paid
        elif status == PAID:
            assert paid == grand and due == 0
        else:
            assert status == VOID and paid == 0 and due == 0
        net_days = accounts[inv["AccountId"]]["NetDays"]
        expected_due = day(inv["InvoiceDate"]) + timedelta(
            days=30 if net_days is None else net_days
        )
        assert day(inv["DueDate"]) == expected_due


def test_invoice_dates_and_audit(invoices):
    start = date(2026, 4, 3)
    for inv in invoices:
        invoice_day = day(inv["InvoiceDate"])
        assert start < invoice_day <= TODAY
        assert day(inv["InvoiceFrom"]) <= day(inv["InvoiceTo"])
        assert day(inv["InvoiceFrom"]).day == 1
        created, modified = stamp(inv["CreatedOn"]), stamp(inv["ModifiedOn"])
        assert inv["GeneratedOn"] == inv["CreatedOn"]
        assert created <= modified < MIDNIGHT
        sent = inv["SentOn"]
        if inv["StatusId"] in (SENT, PARTIAL, PAID, VOID):
            assert sent is not None and created <= stamp(sent) <= modified
            assert inv["SentByUserName"]
        else:
            assert sent is None and inv["SentByUserName"] is None
        assert inv["PostedToAccounting"] in (False, None)
        assert inv["PostedToAccountingOn"] is None and inv["AccountingAppReference"] is None
        for ln in inv["LineItems"]:
            day(ln["ValueDate"])
    days = [day(inv["InvoiceDate"]) for inv in invoices]
    assert days == sorted(days)
    numbers = [inv["InvoiceNumber"] for inv in invoices]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"INV-\d{5,}", n) for n in numbers)
    assert any(inv["Notes"] for inv in invoices) and any(inv["PONumber"] for inv in invoices)


def test_statuses(invoices):
    names = {s["Id"]: s["Name"] for s in INVOICE_STATUSES}
    assert names == {
        1: "New",
        2: "Ready to Send",
        3: "Sent",
        4: "Partially Paid",
        5: "Fully Paid",
        6: "Void",
    }
    assert all(names[inv["StatusId"]] == inv["StatusName"] for inv in invoices)
    counts = Counter(inv["StatusId"] for inv in invoices)
    assert set(counts) == set(names)
    assert counts[VOID] <= 10 and counts[NEW] <= 15
    assert counts[PAID] > len(invoices) / 3
    old = [inv for inv in invoices if day(inv["InvoiceDate"]) < date(2026, 6, 1)]
    recent = [inv for inv in invoices if day(inv["InvoiceDate"]) >= date(2026, 7, 15)]
    share = [sum(i["StatusId"] == PAID for i in group) / len(group) for group in (old, recent)]
    assert share[0] > 0.7 > share[1]
    assert invoices[-1]["StatusId"] == NEW and invoices[-2]["StatusId"] == READY


def test_invoice_edge_cases(invoices, by_name):
    zero = [i for i in invoices if i["GrandTotal"] == 0 and i["StatusId"] == SENT]
    assert zero
    credits = [i for i in invoices if i["GrandTotal"] < 0]
    assert credits
    for inv in credits:
        assert any(ln["TotalPrice"] < 0 for ln in inv["LineItems"])
        assert inv["StatusId"] == SENT and inv["PaymentDue"] == inv["GrandTotal"]
    non_taxable_only = [
        i
        for i in invoices
        if i["SalesTaxRate"] > 0 and not any(ln["IsTaxable"] for ln in i["LineItems"])
    ]
    assert non_taxable_only and all(i["TotalTax"] == 0 for i in non_taxable_only)
    assert any(ln["Qty"] == 1.5 for i in invoices for ln in i["LineItems"])
    assert any(ln["Qty"] % 1 for i in invoices for ln in i["LineItems"])
    discounted = [i for i in invoices if i["DiscountItems"]]
    assert discounted and any(len(i["DiscountItems"]) == 2 for i in discounted)
    assert all(
        d["GLAccountCode"] == "4090" and d["GLAccountName"] == "Discounts Given"
        for i in discounted
        for d in i["DiscountItems"]
    )
    # The discount is not deducted from the taxable base (assumption, see module doc).
    assert any(i["TotalTax"] > 0 for i in discounted)
    # A taxable return: a negative taxable line inside a positive invoice.
    assert any(
        ln["IsTaxable"] and ln["TotalPrice"] < 0 and i["GrandTotal"] > 0
        for i in invoices
        for ln in i["LineItems"]
    )
    assert any(len(i["LineItems"]) == 6 for i in invoices)
    inactive = by_name[EDGE_NAMES["inactive"]][0]
    old = [i for i in invoices if i["AccountId"] == inactive["Id"]]
    assert old and all(i["StatusId"] == PAID for i in old)
    invoiced = {i["AccountName"] for i in invoices}
    for role in ("duplicate", "colon", "long", "accents", "umlauts", "uk", "australia"):
        assert EDGE_NAMES[role] in invoiced, role
    twins = {a["Id"] for a in by_name[EDGE_NAMES["duplicate"]]}
    assert twins <= {i["AccountId"] for i in invoices}
    assert any(i["ProjectId"] for i in invoices)
    assert any(i["SalesTaxRate"] == 0 and i["SalesTaxItemId"] for i in invoices)  # NH 0 %


def test_invoice_references(demo, invoices):
    accounts = {a["Id"]: a for a in demo.accounts}
    taxes = {t["Id"]: t for t in demo.tax_items}
    gl = {g["Code"]: g for g in demo.gl_accounts}
    services = {s["Name"]: s for s in demo.services}
    for inv in invoices:
        account = accounts[inv["AccountId"]]
        assert account["AccountTypeId"] == 1 and account["AccountName"] == inv["AccountName"]
        main = next(loc for loc in account["Locations"] if loc["IsMain"])
        assert (inv["AccountLocationId"], inv["AccountLocationName"]) == (
            main["Id"],
            main["LocationName"],
        )
        assert inv["SalesTaxItemId"] == account["SalesTaxItemId"]
        if inv["SalesTaxItemId"] is None:
            assert inv["SalesTaxItemName"] is None and inv["SalesTaxRate"] == 0
        else:
            item = taxes[inv["SalesTaxItemId"]]
            assert item["Name"] == inv["SalesTaxItemName"]
            assert item["TaxRate"] == inv["SalesTaxRate"]
        _, bill = billing_address(account)
        copied = {
            "Address1": bill["Address1"],
            "Address2": bill["Address2"],
            "City": bill["City"],
            "State": bill["State"],
            "ZipCode": bill["ZipCode"],
            "CountryName": bill["Country"],
            "EmailAddress": bill["EmailAddress"],
            "PhoneNumber": bill["Phone"],
            "FaxNumber": bill["Fax"],
        }
        assert {k: inv[k] for k in copied} == copied
        for ln in inv["LineItems"]:
            service = services[ln["Name"]]
            assert service["IsActive"]
            assert ln["GLAccountCode"] == service["IncomeAccountCode"]
            assert gl[ln["GLAccountCode"]]["Id"] == ln["GLAccountId"]
            assert gl[ln["GLAccountCode"]]["Name"] == ln["GLAccountName"]
            assert ln["IsTaxable"] == service["IsTaxable"]
            kind = {"Hardware": 2, "Labor": 3}.get(service["Category"], 1)
            assert ln["TypeId"] == kind


def test_ids_start_at_their_bases_and_never_collide(demo, invoices):
    kinds = {
        "account": [a["Id"] for a in demo.accounts],
        "location": [loc["Id"] for a in demo.accounts for loc in a["Locations"]],
        "address": [ad["Id"] for a in demo.accounts for _, ad in addresses(a)],
        "gl": [g["Id"] for g in demo.gl_accounts],
        "service": [s["Id"] for s in demo.services],
        "tax_item": [t["Id"] for t in demo.tax_items],
        "invoice": [i["Id"] for i in invoices],
        "line": [ln["Id"] for i in invoices for ln in i["LineItems"]],
        "discount": [d["Id"] for i in invoices for d in i["DiscountItems"]],
    }
    assert id_layout(DemoSizes()) == COMPACT_IDS
    seen: set[int] = set()
    for kind, ids in kinds.items():
        assert min(ids) == getattr(COMPACT_IDS, kind), kind
        assert len(ids) == len(set(ids)), kind
        assert not seen & set(ids), kind
        seen |= set(ids)


# -- determinism, streaming, other sizes ---------------------------------------------------------


def test_same_seed_same_output_and_reiterable(demo, invoices):
    again = generate(today=TODAY)
    assert again.accounts == demo.accounts
    assert again.services == demo.services and again.tax_items == demo.tax_items
    assert again.gl_accounts == demo.gl_accounts and again.user == demo.user
    assert list(again.invoices) == invoices
    assert list(demo.invoices) == invoices  # a second pass regenerates the same invoices
    assert list(demo.iter_invoices()) == invoices


def test_different_seed_differs(demo, invoices):
    other = generate(seed=8, today=TODAY)
    assert other.accounts != demo.accounts
    assert list(other.invoices) != invoices
    # The named edge cases survive any seed.
    names = {a["AccountName"] for a in other.accounts}
    assert set(EDGE_NAMES.values()) <= names


def test_only_today_sets_the_clock():
    past = date(2019, 3, 31)
    old = generate(DemoSizes(invoices=40, months=2), today=past)
    limit = datetime(2019, 3, 31)
    for inv in old.invoices:
        assert date(2019, 1, 31) < day(inv["InvoiceDate"]) <= past
        assert stamp(inv["ModifiedOn"]) < limit
    assert all(stamp(a["ModifiedOn"]) < limit for a in old.accounts)


def test_invoices_stream(demo):
    stream = iter_invoices(
        demo.accounts,
        demo.services,
        demo.tax_items,
        demo.gl_accounts,
        DemoSizes(),
        seed=7,
        today=TODAY,
    )
    assert inspect.isgenerator(stream)
    first = next(stream)
    assert first["Id"] == COMPACT_IDS.invoice and first["InvoiceNumber"] == "INV-10001"
    assert len(repr(demo.invoices)) < 300  # the stream does not print its inputs


def test_small_sizes_still_valid():
    small = generate(DemoSizes(accounts=3, services=5, invoices=12, months=1), today=TODAY)
    assert len(small.accounts) == 5
    invoices = list(small.invoices)
    assert len(invoices) == 12
    for inv in invoices:
        assert errors("InvoiceOutputDto", inv) == []
        assert inv["AccountId"] in {a["Id"] for a in small.accounts}


def test_wide_id_layout_for_large_sizes():
    large = DemoSizes(accounts=10_000, invoices=100_000)
    assert id_layout(large) == WIDE_IDS
    bigger = generate(DemoSizes(accounts=2_100, services=30, invoices=300), today=TODAY)
    assert id_layout(DemoSizes(accounts=2_100, services=30, invoices=300)) == WIDE_IDS
    ids = [a["Id"] for a in bigger.accounts]
    assert ids[0] == WIDE_IDS.account and len(set(ids)) == 2_102
    names = [s["Name"] for s in bigger.services]
    assert len(set(names)) == 30
    invoices = list(bigger.invoices)
    assert invoices[0]["Id"] == WIDE_IDS.invoice
    lines = [ln["Id"] for i in invoices for ln in i["LineItems"]]
    assert lines[0] == WIDE_IDS.line and len(set(lines)) == len(lines)
    for inv in invoices[:50]:
        assert errors("InvoiceOutputDto", inv) == []
