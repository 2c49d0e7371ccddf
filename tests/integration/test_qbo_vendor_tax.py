"""Vendor and Employee, one DisplayName space with customers, and the TaxService, over real HTTP."""

from __future__ import annotations

import uuid

import pytest

from reconcile.qbo.errors import (
    BusinessRuleError,
    DuplicateNameError,
    QboError,
    ValidationError,
)
from reconcile.qbo.query import select
from reconcile.sandbox import qbo_demo
from tests.integration.conftest import MA_AGENCY, count_named, tax_code_name, tax_service, unique

DUPLICATE_DETAIL = (
    "The name supplied already exists. : Another customer, vendor or employee is already "
    "using this name. Please use a different name."
)
MA_RATE = "1"  # demo company: MA State Sales Tax, 6.25 %


# -- Vendor and Employee ------------------------------------------------------------------------


def test_vendor_create_read_update_deactivate(client):
    name = unique("Vendor")
    created = client.create(
        "Vendor",
        {
            "DisplayName": name,
            "CompanyName": "Distribution Ltd",
            "AcctNum": "000005641",
            "Vendor1099": True,
            "PrimaryEmailAddr": {"Address": "ap@dist.example"},
            "TermRef": {"value": "3"},
        },
    )
    assert created["Id"].isdigit() and created["SyncToken"] == "0"
    assert created["Active"] is True and created["Balance"] == 0
    assert created["PrintOnCheckName"] == name and created["AcctNum"] == "000005641"
    assert created["domain"] == "QBO" and created["sparse"] is False
    assert client.read("Vendor", created["Id"])["DisplayName"] == name

    sparse = client.update(
        "Vendor", {"Id": created["Id"], "SyncToken": created["SyncToken"], "AcctNum": "42"}
    )
    assert sparse["SyncToken"] == "1" and sparse["AcctNum"] == "42"
    assert sparse["CompanyName"] == "Distribution Ltd"  # sparse: the rest is kept
    full = client.update(
        "Vendor",
        {"Id": created["Id"], "SyncToken": sparse["SyncToken"], "DisplayName": name},
        sparse=False,
    )
    assert "CompanyName" not in full and "AcctNum" not in full  # full: omitted fields cleared
    assert full["Balance"] == 0  # read-only fields stay

    gone = client.deactivate("Vendor", full)
    assert gone["Active"] is False and gone["DisplayName"] == f"{name} (deleted)"
    inactive = client.query(select("Vendor").eq("Active", False))
    assert gone["Id"] in {v["Id"] for v in inactive}
    assert count_named(client, "Vendor", "DisplayName", name) == 0
    with pytest.raises(BusinessRuleError) as info:
        client.delete("Vendor", gone["Id"], gone["SyncToken"])
    assert info.value.code == "6000"


def test_vendor_rules(client):
    with pytest.raises(ValidationError) as info:
        client.create("Vendor", {"DisplayName": "Bad:Name"})
    assert (info.value.code, info.value.element) == ("2040", "DisplayName")
    with pytest.raises(BusinessRuleError) as info:
        client.create("Vendor", {"CompanyName": "No person"})
    assert (info.value.code, info.value.element) == ("6080", "DisplayName")
    with pytest.raises(ValidationError) as info:  # Vendor has no Notes in QBO
        client.create("Vendor", {"DisplayName": unique("Vendor"), "Notes": "x"})
    assert (info.value.code, info.value.element) == ("2010", "Notes")
    with pytest.raises(ValidationError) as info:
        client.create("Vendor", {"DisplayName": unique("Vendor"), "TermRef": {"value": "999"}})
    assert (info.value.code, info.value.element) == ("2500", "TermRef")


def test_employee_create_mask_and_deactivate(client):
    given, family = "Emp", uuid.uuid4().hex[:12]
    created = client.create(
        "Employee",
        {
            "GivenName": given,
            "FamilyName": family,
            "SSN": "123-45-6789",
            "EmployeeNumber": "E7",
            "HiredDate": "2024-02-01",
            "PrimaryAddr": {"Line1": "1 Main St", "City": "Boston"},
        },
    )
    assert created["DisplayName"] == f"{given} {family}"  # built from the name parts
    assert created["SSN"] == "XXX-XX-XXXX" and created["BillableTime"] is False
    found = client.query(select("Employee").eq("FamilyName", family))
    assert [e["Id"] for e in found] == [created["Id"]]
    gone = client.deactivate("Employee", created)
    assert gone["DisplayName"] == f"{given} {family} (deleted)" and gone["Active"] is False


# -- one DisplayName space for customers, vendors and employees --------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Vendor", "Customer"),
        ("Customer", "Vendor"),
        ("Employee", "Customer"),
        ("Customer", "Employee"),
        ("Vendor", "Employee"),
    ],
)
def test_display_name_is_unique_across_people(client, first, second):
    name = unique(f"{first} {second}")
    client.create(first, {"DisplayName": name})
    with pytest.raises(DuplicateNameError) as info:
        client.create(second, {"DisplayName": name.upper()})  # case-insensitive
    assert info.value.code == "6240"
    assert info.value.detail == DUPLICATE_DETAIL
    assert info.value.element == "DisplayName"
    assert count_named(client, second, "DisplayName", name.upper()) == 0


def test_rename_onto_another_kind_is_refused(client):
    vendor = client.create("Vendor", {"DisplayName": unique("Rename")})
    customer = client.create("Customer", {"DisplayName": unique("Rename")})
    body = {"Id": customer["Id"], "SyncToken": customer["SyncToken"]}
    with pytest.raises(DuplicateNameError):
        client.update("Customer", {**body, "DisplayName": vendor["DisplayName"]})
    # Updating a record under its own name is no clash; a deactivated vendor frees the name.
    client.update("Vendor", {"Id": vendor["Id"], "SyncToken": "0", "AcctNum": "1"})
    client.deactivate("Vendor", client.read("Vendor", vendor["Id"]))
    renamed = client.update("Customer", {**body, "DisplayName": vendor["DisplayName"]})
    assert renamed["DisplayName"] == vendor["DisplayName"]


def test_seeded_vendor_blocks_a_customer_of_that_name(client):
    name = qbo_demo.VENDOR_NAMED_LIKE_BMS_CLIENT
    (vendor,) = client.query(select("Vendor").eq("DisplayName", name))
    assert vendor["Active"] is True
    with pytest.raises(DuplicateNameError):
        client.create("Customer", {"DisplayName": name})
    with pytest.raises(DuplicateNameError):
        client.create("Customer", {"DisplayName": name.lower()})
    names = {v["DisplayName"] for v in client.query(select("Vendor"))}
    assert {"Ingram Micro", "Pax8", "Northeast Fiber Networks", name} <= names
    assert client.query(select("Employee").eq("DisplayName", "Dana Whitfield"))


# -- TaxAgency and the TaxService ---------------------------------------------------------------


def test_tax_agencies_are_seeded_and_read_only(client):
    agency = client.read("TaxAgency", MA_AGENCY)
    assert agency["DisplayName"] == "Massachusetts Department of Revenue"
    assert len(client.query(select("TaxAgency"))) >= 2
    assert client.read("TaxRate", MA_RATE)["AgencyRef"]["value"] == MA_AGENCY
    with pytest.raises(QboError) as info:
        client.create("TaxAgency", {"DisplayName": "Somewhere DOR"})
    assert info.value.code == "500"


def test_tax_service_creates_code_and_rate_used_by_invoices(client, new_customer, hours_item_id):
    code_name, rate_name = tax_code_name(), unique("Rate")
    body = {
        "TaxCode": code_name,
        "TaxRateDetails": [
            {"TaxRateName": rate_name, "RateValue": 5, "TaxAgencyId": MA_AGENCY},
            {"TaxRateId": MA_RATE, "TaxApplicableOn": "Sales"},
        ],
    }
    answer = tax_service(client, body)
    assert set(answer) == {"TaxCode", "TaxCodeId", "TaxRateDetails"}  # bare echo, no "time"
    assert answer["TaxCode"] == code_name
    new_detail, reused = answer["TaxRateDetails"]
    assert new_detail["TaxRateName"] == rate_name and new_detail["TaxApplicableOn"] == "Sales"
    assert reused["TaxRateId"] == MA_RATE

    (code,) = client.query(select("TaxCode").eq("Name", code_name))
    assert code["Id"] == answer["TaxCodeId"] and code["Active"] is True
    rate_ids = [d["TaxRateRef"]["value"] for d in code["SalesTaxRateList"]["TaxRateDetail"]]
    assert rate_ids == [new_detail["TaxRateId"], MA_RATE]
    rate = client.read("TaxRate", new_detail["TaxRateId"])
    assert rate["Name"] == rate_name and rate["RateValue"] == 5
    assert rate["AgencyRef"]["value"] == MA_AGENCY

    customer = new_customer()
    invoice = client.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [
                {
                    "Amount": 250,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": hours_item_id},
                        "Qty": 2,
                        "UnitPrice": 125,
                        "TaxCodeRef": {"value": "TAX"},
                    },
                },
                {
                    "Amount": 100,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": hours_item_id},
                        "TaxCodeRef": {"value": "NON"},
                    },
                },
            ],
            "TxnTaxDetail": {"TxnTaxCodeRef": {"value": answer["TaxCodeId"]}},
        },
    )
    assert invoice["TxnTaxDetail"]["TotalTax"] == 28.13  # 11.25 % of 250, TAX lines only
    assert invoice["TotalAmt"] == 378.13


def test_tax_service_reuses_a_rate_by_id(client):
    before = len(client.query(select("TaxRate")))
    code_name = tax_code_name()
    answer = tax_service(client, {"TaxCode": code_name, "TaxRateDetails": [{"TaxRateId": 1}]})
    assert answer["TaxRateDetails"] == [{"TaxRateId": "1", "TaxApplicableOn": "Sales"}]
    assert len(client.query(select("TaxRate"))) == before  # no new rate
    code = client.read("TaxCode", answer["TaxCodeId"])
    assert code["Name"] == code_name
    assert code["SalesTaxRateList"]["TaxRateDetail"][0]["TaxRateRef"]["value"] == "1"


def test_tax_service_faults(client):
    detail = {"TaxRateName": unique("Rate"), "RateValue": 5, "TaxAgencyId": "999"}
    with pytest.raises(ValidationError) as info:
        tax_service(client, {"TaxCode": tax_code_name(), "TaxRateDetails": [detail]})
    assert (info.value.code, info.value.element) == ("2500", "TaxRateDetails.TaxAgencyId")
    with pytest.raises(ValidationError) as info:
        tax_service(client, {"TaxCode": tax_code_name(), "TaxRateDetails": [{"TaxRateId": "999"}]})
    assert (info.value.code, info.value.element) == ("2500", "TaxRateDetails.TaxRateId")
    incomplete = {"TaxRateName": unique("Rate"), "RateValue": 101}
    with pytest.raises(ValidationError) as info:
        tax_service(client, {"TaxRateDetails": [incomplete]})
    assert [(e.code, e.element) for e in info.value.errors] == [
        ("2090", "TaxRateDetails.RateValue"),
        ("2020", "TaxCode"),
        ("2020", "TaxRateDetails.TaxAgencyId"),
    ]
    with pytest.raises(ValidationError) as info:
        tax_service(client, {"TaxCode": tax_code_name(), "TaxRateDetails": []})
    assert (info.value.code, info.value.element) == ("2020", "TaxRateDetails")

    code_name = tax_code_name()
    tax_service(client, {"TaxCode": code_name, "TaxRateDetails": [{"TaxRateId": MA_RATE}]})
    with pytest.raises(BusinessRuleError) as info:
        tax_service(
            client, {"TaxCode": code_name.lower(), "TaxRateDetails": [{"TaxRateId": MA_RATE}]}
        )
    assert (info.value.code, info.value.element) == ("6000", "TaxCode")
    assert "already exists" in info.value.detail
    assert len(client.query(select("TaxCode").eq("Name", code_name))) == 1
