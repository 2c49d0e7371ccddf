"""Departures from real QuickBooks that docs/sandbox-fidelity.md listed, fixed and pinned over
HTTP: batch items that cannot see each other's creates and the 10-character bId with a
requestid, time stamps that are Pacific instants, date-driven terms, and an account created
from a subtype alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from reconcile.qbo.errors import QboError
from tests.integration.conftest import unique


def _batch(client, items: list[dict], **params) -> list[dict]:
    answer = client.request("POST", "batch", params=params, json={"BatchItemRequest": items})
    return answer["BatchItemResponse"]


def _child_and_edit(first_bid: int, parent_id: str) -> list[dict]:
    """A batch create of a child of ``parent_id`` and a sparse update of the parent."""
    return [
        {
            "bId": str(first_bid),
            "operation": "create",
            "Customer": {"DisplayName": unique("Child"), "ParentRef": {"value": parent_id}},
        },
        {
            "bId": str(first_bid + 1),
            "operation": "update",
            "Customer": {"Id": parent_id, "SyncToken": "0", "sparse": True, "Notes": "edited"},
        },
    ]


def test_a_batch_item_cannot_use_what_an_earlier_item_created(client):
    """Items are independent (Intuit's batch page, reference §6): a reference to a record an
    earlier item of the same batch created is 2500, an update of it 610; the next batch can."""
    # Ids count up one by one: the batch's first create takes the one after this record's.
    expected = str(int(client.create("Customer", {"DisplayName": unique("Before")})["Id"]) + 1)
    made, child, edit = _batch(
        client,
        [
            {"bId": "1", "operation": "create", "Customer": {"DisplayName": unique("Parent")}},
            *_child_and_edit(2, expected),
        ],
    )
    assert made["Customer"]["Id"] == expected
    assert child["Fault"]["Error"][0]["code"] == "2500"
    assert child["Fault"]["Error"][0]["element"] == "ParentRef"
    assert edit["Fault"]["Error"][0]["code"] == "610"
    later_child, later_edit = _batch(client, _child_and_edit(4, expected))
    assert later_child["Customer"]["ParentRef"]["value"] == expected
    assert later_edit["Customer"]["Notes"] == "edited"


def test_a_bid_longer_than_10_with_a_requestid_is_2130(client):
    """With a requestid every bId must be at most 10 characters (reference §2); without one
    a longer bId is fine (python-quickbooks sends uuid4 bIds)."""
    items = [
        {
            "bId": str(uuid.uuid4()),
            "operation": "create",
            "Customer": {"DisplayName": unique("Bid")},
        }
    ]
    with pytest.raises(QboError) as caught:
        _batch(client, items, requestid=uuid.uuid4().hex)
    assert caught.value.code == "2130" and "bId" in str(caught.value)
    (answer,) = _batch(client, items)
    assert answer["bId"] == items[0]["bId"] and "Customer" in answer


def test_time_stamps_are_the_instant_written_in_pacific_time(client):
    """MetaData times are Pacific local time with its offset (-08:00 or -07:00, as every
    recorded answer), naming the real instant whatever the host's zone."""
    # MetaData stamps are real instants, not the pinned day (reconcile.clock): real now.
    before = datetime.now(UTC).replace(microsecond=0)
    customer = client.create("Customer", {"DisplayName": unique("Clock")})
    after = datetime.now(UTC)
    stamp = customer["MetaData"]["CreateTime"]
    assert stamp[-6:] in ("-08:00", "-07:00")
    assert before <= datetime.fromisoformat(stamp) <= after + timedelta(seconds=1)


def test_an_account_made_from_a_savings_subtype_is_a_bank_account(client):
    """AccountSubType alone gives its AccountType: Savings is a Bank subtype (reference §4)."""
    account = client.create("Account", {"Name": unique("Reserve"), "AccountSubType": "Savings"})
    assert (account["AccountType"], account["Classification"]) == ("Bank", "Asset")


def test_an_invoice_under_a_date_driven_term_is_due_on_its_day(client, new_customer, hours_item_id):
    """A DayOfMonthDue term: due on that day of the month, or of the next month when the
    invoice is dated within DueNextMonthDays of it (Intuit's Term reference)."""
    term = client.create(
        "Term", {"Name": unique("15th"), "DayOfMonthDue": 15, "DueNextMonthDays": 5}
    )
    line = {
        "Amount": 10,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {
            "ItemRef": {"value": hours_item_id},
            "Qty": 1,
            "UnitPrice": 10,
            "TaxCodeRef": {"value": "NON"},
        },
    }
    due = {}
    for txn_date in ("2026-11-02", "2026-11-12"):
        invoice = client.create(
            "Invoice",
            {
                "CustomerRef": {"value": new_customer()["Id"]},
                "TxnDate": txn_date,
                "SalesTermRef": {"value": term["Id"]},
                "Line": [line],
            },
        )
        due[txn_date] = invoice["DueDate"]
    assert due == {"2026-11-02": "2026-11-15", "2026-11-12": "2026-12-15"}


def test_addresses_have_ids_of_their_own_and_an_invalid_geocode(
    client, new_customer, hours_item_id
):
    """Every physical address is answered with an Id and Lat/Long ("INVALID": nothing is
    geocoded); an invoice's copy of its customer's address is an address of its own; an
    address sent again without its Id keeps it."""
    address = {"Line1": "12 Harbor Rd", "City": "Boston", "CountrySubDivisionCode": "MA"}
    customer = client.create("Customer", {"DisplayName": unique("Geo"), "BillAddr": address})
    bill = customer["BillAddr"]
    assert bill["Id"] and (bill["Lat"], bill["Long"]) == ("INVALID", "INVALID")
    line = {
        "Amount": 10,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {
            "ItemRef": {"value": hours_item_id},
            "Qty": 1,
            "UnitPrice": 10,
            "TaxCodeRef": {"value": "NON"},
        },
    }
    invoice = client.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]})
    assert invoice["BillAddr"]["Line1"] == "12 Harbor Rd"
    assert invoice["BillAddr"]["Id"] not in ("", bill["Id"])
    moved = client.update(
        "Customer",
        {
            "Id": customer["Id"],
            "SyncToken": customer["SyncToken"],
            "sparse": True,
            "BillAddr": {**address, "Line1": "14 Harbor Rd"},
        },
    )
    assert (moved["BillAddr"]["Id"], moved["BillAddr"]["Line1"]) == (bill["Id"], "14 Harbor Rd")
