"""The sandbox's company profiles over HTTP (docs/sandbox-fidelity.md, "Company profiles"):
the Preferences record of each, and what it changes — automated sales tax, QuickBooks'
own invoice numbers, several currencies, class and location tracking — with the standard
company unchanged. Each company is a sandbox of this module's own, started on first use."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
import requests

from conftest import TIME_SCALE
from reconcile.config import load_config
from reconcile.qbo.auth import QboAuth
from reconcile.qbo.client import QboClient
from reconcile.qbo.connect import connect_automatically
from reconcile.qbo.errors import QboError
from reconcile.qbo.query import select
from reconcile.sandbox.runner import Sandbox, start_sandbox
from tests.integration.conftest import unique

TAX_AND_NUMBERS = "automated_tax,auto_numbers"
CURRENCY_AND_TRACKING = "multicurrency,tracking"


@dataclasses.dataclass
class Company:
    sandbox: Sandbox
    client: QboClient

    def one(self, entity: str, field: str, value: str) -> dict:
        (row,) = self.client.query(select(entity).eq(field, value))
        return row

    def invoice(self, customer_id: str, *lines: dict, **fields) -> dict:
        body = {"CustomerRef": {"value": customer_id}, "Line": list(lines), **fields}
        return self.client.create("Invoice", body)

    def settings(self, **changes) -> requests.Response:
        url = f"{self.sandbox.qbo_url}/_sandbox/settings"
        return requests.post(url, json=changes, headers=self.sandbox.control_headers(), timeout=10)


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    """``company(profile)`` → the module's sandbox started with that company profile."""
    started: dict[str, Company] = {}

    def get(profile: str) -> Company:
        if profile not in started:
            path = tmp_path_factory.mktemp("profile") / "sandbox"
            sandbox = start_sandbox(path, time_scale=TIME_SCALE, company_profile=profile)
            settings = load_config(sandbox.config_path).qbo
            connect_automatically(QboAuth(settings))
            started[profile] = Company(sandbox, QboClient(settings, sleep=lambda s: None))
        return started[profile]

    yield get
    for each in started.values():
        each.sandbox.stop()


def _fault(call) -> QboError:
    with pytest.raises(QboError) as caught:
        call()
    return caught.value


def _hours(company: Company, qty: float = 2, tax: str = "TAX", **detail) -> dict:
    item = company.one("Item", "Name", "Hours")
    detail = {
        "ItemRef": {"value": item["Id"]},
        "Qty": qty,
        "UnitPrice": 125,
        "TaxCodeRef": {"value": tax},
        **detail,
    }
    return {"Amount": qty * 125, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


def _customer(company: Company, **fields) -> dict:
    return company.client.create("Customer", {"DisplayName": unique("Profile"), **fields})


# -- Preferences ---------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["standard", TAX_AND_NUMBERS, CURRENCY_AND_TRACKING])
def test_preferences_are_read_and_queried_for_the_profile(company, profile):
    """``GET …/preferences`` answers the one Preferences record (Id "1", SyncToken,
    MetaData, domain QBO, sparse false) of the current profile; ``SELECT * FROM
    Preferences`` answers the same record."""
    answer = company(profile).client.request("GET", "preferences")
    prefs = answer["Preferences"]
    assert answer["time"] and prefs["Id"] == "1" and prefs["SyncToken"] == "0"
    assert prefs["domain"] == "QBO" and prefs["sparse"] is False
    assert prefs["MetaData"]["CreateTime"] and prefs["MetaData"]["LastUpdatedTime"]
    assert company(profile).client.query("SELECT * FROM Preferences") == [prefs]
    assert company(profile).client.count(select("Preferences")) == 1
    chosen = set(profile.split(","))
    assert prefs["TaxPrefs"]["UsingSalesTax"] is True
    assert prefs["TaxPrefs"]["PartnerTaxEnabled"] is ("automated_tax" in chosen)
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is ("auto_numbers" not in chosen)
    assert prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is ("multicurrency" in chosen)
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "USD"
    tracking = "tracking" in chosen
    assert prefs["AccountingInfoPrefs"]["ClassTrackingPerTxn"] is tracking
    assert prefs["AccountingInfoPrefs"]["TrackDepartments"] is tracking
    assert company(profile).sandbox.info()["company_profile"] == profile


def test_preferences_cannot_be_written(company):
    """Preferences are read-only in this sandbox (a known departure: Intuit documents a full
    update): a POST, alone or in a batch, is 500 "Unsupported Operation"."""
    client = company("standard").client
    prefs = client.preferences()
    body = {**prefs, "SalesFormsPrefs": {**prefs["SalesFormsPrefs"], "CustomTxnNumbers": False}}
    error = _fault(lambda: client.request("POST", "preferences", json=body))
    assert error.code == "500" and "read-only" in error.detail
    batch = {"BatchItemRequest": [{"bId": "1", "operation": "update", "Preferences": body}]}
    (item,) = client.request("POST", "batch", json=batch)["BatchItemResponse"]
    assert item["Fault"]["Error"][0]["code"] == "500"
    assert client.preferences() == prefs


def test_the_setting_is_checked_and_names_the_unknown_profile(company):
    """``company_profile`` takes comma-separated known names; another is refused (400)
    naming it, and nothing changes."""
    answer = company("standard").settings(company_profile="tracking,bogus")
    assert answer.status_code == 400 and "'bogus'" in answer.json()["error"]
    assert company("standard").settings().json()["company_profile"] == "standard"
    assert company("standard").client.preferences()["TaxPrefs"]["PartnerTaxEnabled"] is False


# -- standard: unchanged ------------------------------------------------------------------------


def test_the_standard_company_prices_an_invoice_as_before(company):
    """Manual sales tax: the tax code sent (Massachusetts, 6.25 %) on the TAX lines, a
    percent discount before tax, the next number of the company's sequence; in home currency,
    with neither ExchangeRate nor HomeTotalAmt."""
    c = company("standard")
    customer = _customer(c)
    discount = {
        "Amount": 0,
        "DetailType": "DiscountLineDetail",
        "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
    }
    invoice = c.invoice(
        customer["Id"],
        _hours(c),
        _hours(c, 1, "NON"),
        discount,
        TxnTaxDetail={"TxnTaxCodeRef": {"value": "2"}},
    )
    assert invoice["TxnTaxDetail"]["TotalTax"] == 15.63  # 250 × 6.25 %, half up
    assert invoice["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == "2"
    assert invoice["TotalAmt"] == 353.13  # 375 − 37.50 + 15.63
    assert invoice["DocNumber"].isdigit() and int(invoice["DocNumber"]) >= 1001
    assert invoice["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert "ExchangeRate" not in invoice and "HomeTotalAmt" not in invoice
    kept = c.invoice(customer["Id"], _hours(c), TxnTaxDetail={"TotalTax": 4.2})
    assert kept["TxnTaxDetail"] == {"TotalTax": 4.2} and kept["TotalAmt"] == 254.2


def test_without_multicurrency_a_foreign_currency_is_refused(company):
    """Multicurrency off: a customer or invoice in a currency other than the home currency
    is 6000 "multicurrency is not enabled"; the home currency, sent or not, is taken."""
    c = company("standard")
    error = _fault(lambda: _customer(c, CurrencyRef={"value": "CAD"}))
    assert (error.code, error.element) == ("6000", "CurrencyRef")
    assert "multicurrency is not enabled" in error.detail
    customer = _customer(c, CurrencyRef={"value": "USD"})
    assert customer["CurrencyRef"]["value"] == "USD"
    error = _fault(lambda: c.invoice(customer["Id"], _hours(c), CurrencyRef={"value": "EUR"}))
    assert error.code == "6000" and "multicurrency is not enabled" in error.detail
    bayside = c.one("Customer", "DisplayName", "Bayside Dental Group")
    assert bayside["CurrencyRef"]["value"] == "USD"  # in CAD only with multicurrency on


def test_without_tracking_class_and_location_refs_are_stored_as_sent(company):
    """Tracking off: nothing is seeded, and a ClassRef / DepartmentRef to a record that
    exists is stored as sent (assumption: not refused); one to no record is 2500."""
    c = company("standard")
    assert c.client.query(select("Class")) == [] and c.client.query(select("Department")) == []
    made = c.client.create("Class", {"Name": unique("Class")})
    customer = _customer(c)
    invoice = c.invoice(customer["Id"], _hours(c), ClassRef={"value": made["Id"]})
    assert invoice["ClassRef"] == {"value": made["Id"], "name": made["Name"]}
    error = _fault(lambda: c.invoice(customer["Id"], _hours(c), DepartmentRef={"value": "99"}))
    assert (error.code, error.element) == ("2500", "DepartmentRef")


# -- automated sales tax -------------------------------------------------------------------------


def test_automated_tax_is_computed_for_the_ship_to_state(company):
    """Automated sales tax: the rate of the destination's state (the sandbox's table of state
    base rates) on the TAX lines; the destination is the invoice's ShipAddr — the customer's,
    copied onto a new invoice — else the company's address (MA); the tax code sent is
    replaced by the state's seeded code, or left out where there is none."""
    c = company(TAX_AND_NUMBERS)
    plain = _customer(c)
    cases = [  # (ShipAddr state, tax on 250, the code assigned)
        ("RI", 17.5, None),
        ("NH", 0.0, ("3", "New Hampshire")),
        ("ct", 15.88, None),  # 6.35 %
        ("TX", 0.0, None),  # not in the table: 0 (assumption)
        (None, 15.63, ("2", "Massachusetts")),  # no ShipAddr: the company's state
    ]
    for state, tax, code in cases:
        ship = {"ShipAddr": {"City": "X", "CountrySubDivisionCode": state}} if state else {}
        invoice = c.invoice(
            plain["Id"],
            _hours(c),
            _hours(c, 1, "NON"),
            TxnTaxDetail={"TxnTaxCodeRef": {"value": "3"}},
            **ship,
        )
        detail = invoice["TxnTaxDetail"]
        assert detail["TotalTax"] == tax, state
        assert invoice["TotalAmt"] == float(Decimal("375") + Decimal(str(tax))), state
        if code is None:
            assert "TxnTaxCodeRef" not in detail, state
        else:
            assert detail["TxnTaxCodeRef"] == {"value": code[0], "name": code[1]}, state
    shipped_to_vermont = _customer(
        c, ShipAddr={"City": "Burlington", "CountrySubDivisionCode": "VT"}
    )
    invoice = c.invoice(shipped_to_vermont["Id"], _hours(c))
    assert invoice["ShipAddr"]["CountrySubDivisionCode"] == "VT"
    assert invoice["TxnTaxDetail"]["TotalTax"] == 15.0  # 6 %


def test_automated_tax_honours_an_explicit_total_tax(company):
    """ "Whenever an explicit tax amount is sent … the AST engine honors the amount": TotalAmt
    = subtotal + that tax; an update that sends no TxnTaxDetail is taxed again."""
    c = company(TAX_AND_NUMBERS)
    customer = _customer(c)
    invoice = c.invoice(customer["Id"], _hours(c), TxnTaxDetail={"TotalTax": 3.33})
    assert invoice["TxnTaxDetail"]["TotalTax"] == 3.33 and invoice["TotalAmt"] == 253.33
    assert invoice["TxnTaxDetail"]["TxnTaxCodeRef"]["name"] == "Massachusetts"
    again = c.client.update(
        "Invoice",
        {
            "Id": invoice["Id"],
            "SyncToken": invoice["SyncToken"],
            "PrivateNote": "taxed by the engine",
        },
    )
    assert again["TxnTaxDetail"]["TotalTax"] == 15.63 and again["TotalAmt"] == 265.63


# -- QuickBooks' own numbers ---------------------------------------------------------------------


def test_auto_numbers_continue_after_the_last_number(company):
    """Custom transaction numbers off: an invoice sent without DocNumber gets the last
    number + 1, continuing after a higher number sent by hand; a number sent is kept."""
    c = company(TAX_AND_NUMBERS)
    customer = _customer(c)
    first = int(c.invoice(customer["Id"], _hours(c))["DocNumber"])
    assert int(c.invoice(customer["Id"], _hours(c))["DocNumber"]) == first + 1
    by_hand = str(first + 40)
    assert c.invoice(customer["Id"], _hours(c), DocNumber=by_hand)["DocNumber"] == by_hand
    assert c.invoice(customer["Id"], _hours(c), DocNumber="INV-7")["DocNumber"] == "INV-7"
    assert int(c.invoice(customer["Id"], _hours(c))["DocNumber"]) == first + 41


def test_credit_memos_are_numbered_in_the_invoices_sequence(company):
    """Custom transaction numbers off: a credit memo sent without DocNumber gets the last
    number + 1 of the sales forms, invoices and memos alike (assumption: one sequence), and
    the next invoice continues after a higher memo number sent by hand."""
    c = company(TAX_AND_NUMBERS)
    customer = _customer(c)
    memo = {"CustomerRef": {"value": customer["Id"]}, "Line": [_hours(c)]}
    first = int(c.invoice(customer["Id"], _hours(c))["DocNumber"])
    assert int(c.client.create("CreditMemo", memo)["DocNumber"]) == first + 1
    by_hand = str(first + 30)
    assert c.client.create("CreditMemo", {**memo, "DocNumber": by_hand})["DocNumber"] == by_hand
    assert int(c.invoice(customer["Id"], _hours(c))["DocNumber"]) == first + 31


# -- several currencies --------------------------------------------------------------------------


def test_multicurrency_defaults_and_exchange_rates(company):
    """Multicurrency on: the hand-entered Bayside Dental Group is in CAD; an invoice takes
    its customer's currency, with the ExchangeRate (home units per unit, the sandbox's fixed
    table) and HomeTotalAmt; a home-currency invoice has ExchangeRate 1 and no HomeTotalAmt;
    a new customer is in the currency sent, else the home currency."""
    c = company(CURRENCY_AND_TRACKING)
    bayside = c.one("Customer", "DisplayName", "Bayside Dental Group")
    assert bayside["CurrencyRef"] == {"value": "CAD", "name": "Canadian Dollar"}
    invoice = c.invoice(bayside["Id"], _hours(c, tax="NON"))
    assert invoice["CurrencyRef"]["value"] == "CAD" and invoice["TotalAmt"] == 250.0
    assert invoice["ExchangeRate"] == 0.73 and invoice["HomeTotalAmt"] == 182.5
    euro = _customer(c, CurrencyRef={"value": "EUR"})
    assert euro["CurrencyRef"] == {"value": "EUR", "name": "Euro"}
    sent_rate = c.invoice(euro["Id"], _hours(c, tax="NON"), ExchangeRate=1.1)
    assert sent_rate["ExchangeRate"] == 1.1 and sent_rate["HomeTotalAmt"] == 275.0
    home = _customer(c)
    assert home["CurrencyRef"]["value"] == "USD"
    invoice = c.invoice(home["Id"], _hours(c, tax="NON"))
    assert invoice["CurrencyRef"]["value"] == "USD" and invoice["ExchangeRate"] == 1
    assert "HomeTotalAmt" not in invoice


def test_multicurrency_refuses_an_invoice_not_in_its_customers_currency(company):
    """An invoice whose CurrencyRef is not its customer's is 6000 (assumption: code and
    words); a currency the sandbox does not know is 2500."""
    c = company(CURRENCY_AND_TRACKING)
    bayside = c.one("Customer", "DisplayName", "Bayside Dental Group")
    error = _fault(lambda: c.invoice(bayside["Id"], _hours(c), CurrencyRef={"value": "USD"}))
    assert (error.code, error.element) == ("6000", "CurrencyRef")
    assert "must be the customer's currency" in error.detail
    error = _fault(lambda: _customer(c, CurrencyRef={"value": "XYZ"}))
    assert (error.code, error.element) == ("2500", "CurrencyRef")


def test_a_customers_currency_cannot_be_changed(company):
    """Customer.CurrencyRef "Once set, it cannot be changed" (Intuit): an update sending
    another currency is 6000 (assumption: code and words); one that sends none keeps it."""
    c = company(CURRENCY_AND_TRACKING)
    customer = _customer(c, CurrencyRef={"value": "GBP"})
    body = {"Id": customer["Id"], "SyncToken": customer["SyncToken"]}
    error = _fault(lambda: c.client.update("Customer", {**body, "CurrencyRef": {"value": "USD"}}))
    assert (error.code, error.element) == ("6000", "CurrencyRef")
    assert "cannot be changed" in error.detail
    full = {k: v for k, v in customer.items() if k != "CurrencyRef"}
    kept = c.client.update("Customer", {**full, "Notes": "full update"}, sparse=False)
    assert kept["CurrencyRef"]["value"] == "GBP" and kept["Notes"] == "full update"


# -- class and location tracking -----------------------------------------------------------------


def test_tracking_seeds_the_classes_and_locations_and_resolves_refs(company):
    """Tracking on: the BMS demo's classes and two locations are seeded; an invoice's
    ClassRef, DepartmentRef and a line's ClassRef are resolved (answered with their name);
    a ref to no record is 2500 naming the element."""
    c = company(CURRENCY_AND_TRACKING)
    classes = {r["Name"]: r for r in c.client.query(select("Class"))}
    locations = {r["Name"]: r for r in c.client.query(select("Department"))}
    assert {"Managed Services", "Projects"} <= set(classes)
    assert {"Boston", "Providence"} <= set(locations)
    projects, providence = classes["Projects"], locations["Providence"]
    assert projects["Active"] and projects["FullyQualifiedName"] == "Projects"
    assert projects["SubClass"] is False and providence["SubDepartment"] is False
    customer = _customer(c)
    line = _hours(c, tax="NON", ClassRef={"value": classes["Managed Services"]["Id"]})
    invoice = c.invoice(
        customer["Id"],
        line,
        ClassRef={"value": projects["Id"]},
        DepartmentRef={"value": providence["Id"]},
    )
    assert invoice["ClassRef"] == {"value": projects["Id"], "name": "Projects"}
    assert invoice["DepartmentRef"] == {"value": providence["Id"], "name": "Providence"}
    assert invoice["Line"][0]["SalesItemLineDetail"]["ClassRef"]["name"] == "Managed Services"
    error = _fault(lambda: c.invoice(customer["Id"], _hours(c), ClassRef={"value": "999"}))
    assert (error.code, error.element) == ("2500", "ClassRef")
    bad_line = _hours(c, ClassRef={"value": "999"})
    error = _fault(lambda: c.invoice(customer["Id"], bad_line))
    assert error.element == "Line.SalesItemLineDetail.ClassRef"


def test_classes_and_departments_are_name_lists(company):
    """Class and Department: Name required (2020) and unique (6240); a ParentRef makes a
    sub-record "Parent:Child"; a sparse update renames; they cannot be deleted (6000)."""
    client = company(CURRENCY_AND_TRACKING).client
    for entity in ("Class", "Department"):
        parent = client.create(entity, {"Name": unique(entity)})
        child = client.create(entity, {"Name": "Child", "ParentRef": {"value": parent["Id"]}})
        assert child["FullyQualifiedName"] == f"{parent['Name']}:Child"
        assert child[f"Sub{entity}"] is True
        assert _fault(lambda e=entity, p=parent: client.create(e, {"Name": p["Name"]})).code == (
            "6240"
        )
        assert _fault(lambda e=entity: client.create(e, {"Active": True})).code == "2020"
        renamed = client.update(
            entity,
            {"Id": parent["Id"], "SyncToken": parent["SyncToken"], "Name": parent["Name"] + " B"},
        )
        assert renamed["Name"].endswith(" B") and renamed["SyncToken"] == "1"
        error = _fault(lambda e=entity, r=renamed: client.delete(e, r["Id"], r["SyncToken"]))
        assert error.code == "6000"


# -- switching -----------------------------------------------------------------------------------


def test_switching_the_profile_seeds_its_records_once_and_keeps_them(company):
    """``POST /_sandbox/settings {"company_profile": …}``: the Preferences answer follows at
    once, the profile's records are made (classes, locations, Bayside in CAD), switching back
    removes nothing, and switching again makes no second copy."""
    c = company("standard,auto_numbers")  # a company of this test's own
    assert c.settings(company_profile=CURRENCY_AND_TRACKING).status_code == 200
    assert c.client.preferences()["CurrencyPrefs"]["MultiCurrencyEnabled"] is True
    names = sorted(r["Name"] for r in c.client.query(select("Class")))
    assert names == ["Managed Services", "Projects"]
    bayside = c.one("Customer", "DisplayName", "Bayside Dental Group")
    assert bayside["CurrencyRef"]["value"] == "CAD" and bayside["SyncToken"] == "1"
    assert c.settings(company_profile="standard").status_code == 200
    prefs = c.client.preferences()
    assert prefs["AccountingInfoPrefs"]["TrackDepartments"] is False
    assert prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is False
    assert c.settings(company_profile="tracking").status_code == 200
    assert c.client.count(select("Class")) == 2 and c.client.count(select("Department")) == 2
    assert c.sandbox.info()["company_profile"] == "tracking"
