"""Rules of the QBO sandbox that docs/sandbox-fidelity.md listed as unpinned, pinned over
real HTTP with the toolkit's own client: id format (2030), DocNumber numbering and 6140,
batch size (1040) and an empty batch (2020), requestid length (2130), the Net 30 default."""

from __future__ import annotations

import pytest

from reconcile.qbo.errors import QboError
from tests.integration.conftest import unique


def _line(item_id: str, amount: float) -> dict:
    detail = {
        "ItemRef": {"value": item_id},
        "Qty": 1,
        "UnitPrice": amount,
        "TaxCodeRef": {"value": "NON"},
    }
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


def _fault(call) -> QboError:
    with pytest.raises(QboError) as caught:
        call()
    return caught.value


def test_an_id_that_is_not_a_number_is_2030(client):
    error = _fault(lambda: client.request("GET", "customer/abc"))
    assert error.code == "2030" and "Id should be a valid number" in str(error)


def test_doc_numbers_are_numbered_and_a_duplicate_is_6140_unless_allowed(
    client, new_customer, hours_item_id
):
    body = {"CustomerRef": {"value": new_customer()["Id"]}, "Line": [_line(hours_item_id, 10)]}
    first = client.create("Invoice", body)
    second = client.create("Invoice", {**body, "DocNumber": "AUTO_GENERATE"})
    assert first["DocNumber"].isdigit() and int(second["DocNumber"]) > int(first["DocNumber"])
    taken = {**body, "DocNumber": first["DocNumber"]}
    error = _fault(lambda: client.create("Invoice", taken))
    assert error.code == "6140" and f"DocNumber={first['DocNumber']}" in str(error)
    allowed = client.request(
        "POST", "invoice", params={"include": "allowduplicatedocnum"}, json=taken
    )["Invoice"]
    assert allowed["DocNumber"] == first["DocNumber"] and allowed["Id"] != first["Id"]


def test_an_invoice_without_a_term_is_due_in_30_days(client, new_customer, hours_item_id):
    invoice = client.create(
        "Invoice",
        {
            "CustomerRef": {"value": new_customer()["Id"]},
            "TxnDate": "2026-11-02",
            "Line": [_line(hours_item_id, 5)],
        },
    )
    assert invoice["DueDate"] == "2026-12-02"


def test_a_batch_of_more_than_30_is_1040_and_an_empty_one_2020(client):
    items = [
        {"bId": str(n), "operation": "create", "Customer": {"DisplayName": unique("B")}}
        for n in range(31)
    ]
    error = _fault(lambda: client.request("POST", "batch", json={"BatchItemRequest": items}))
    assert error.code == "1040"
    names = [i["Customer"]["DisplayName"] for i in items]
    found = client.request(
        "POST",
        "query",
        text="SELECT COUNT(*) FROM Customer WHERE "
        f"DisplayName IN ({', '.join(repr(n) for n in names)})",
    )
    assert found["QueryResponse"]["totalCount"] == 0  # nothing of it was run
    empty = _fault(lambda: client.request("POST", "batch", json={"BatchItemRequest": []}))
    assert empty.code == "2020"


def test_a_request_id_longer_than_50_is_2130(client):
    body = {"DisplayName": unique("R")}
    error = _fault(
        lambda: client.request("POST", "customer", params={"requestid": "x" * 51}, json=body)
    )
    assert error.code == "2130"
    ok = client.request("POST", "customer", params={"requestid": "y" * 50}, json=body)
    assert ok["Customer"]["DisplayName"] == body["DisplayName"]
