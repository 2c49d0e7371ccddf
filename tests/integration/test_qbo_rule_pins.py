"""Write, name, payment, batch and TaxService rules of the QBO sandbox that
docs/sandbox-fidelity.md listed as unpinned, pinned over real HTTP with the toolkit's client
(raw ``requests`` only for the headers): 610 for an inactive reference, 2500 for a Category
item and an unknown TxnTaxCodeRef, 6240 per list, FullyQualifiedName and Level, reactivation,
5010 on delete/void, invoice defaults, the 6000 payment rules, invoice void/delete leaving
unapplied credit, batch 2170/2020 and its 36-character requestid, ``intuit_tid``, 2010 for a
body that is not JSON, and the TaxService's 6000 for rate names.

Every record a test needs is made here under a ``unique`` name: the demo company's accounts
and items may have been renamed by earlier tests of the session."""

from __future__ import annotations

import uuid

import pytest
import requests

from reconcile.qbo.errors import QboError
from reconcile.qbo.query import select
from tests.conftest import sandbox_settings
from tests.integration.conftest import (
    MA_AGENCY,
    count_named,
    live_access_token,
    tax_code_name,
    tax_service,
    unique,
)


def _fault(call) -> QboError:
    with pytest.raises(QboError) as caught:
        call()
    return caught.value


def _line(item_id: str, amount: float) -> dict:
    detail = {
        "ItemRef": {"value": item_id},
        "Qty": 1,
        "UnitPrice": amount,
        "TaxCodeRef": {"value": "NON"},
    }
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


def _invoice(client, customer_id: str, item_id: str, amount: float, **fields) -> dict:
    body = {"CustomerRef": {"value": customer_id}, "Line": [_line(item_id, amount)], **fields}
    return client.create("Invoice", body)


def _payment(customer_id: str, total: float, *applied: tuple[str, float]) -> dict:
    lines = [
        {"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}
        for invoice_id, amount in applied
    ]
    return {"CustomerRef": {"value": customer_id}, "TotalAmt": total, "Line": lines}


def _account(client, label: str = "Acct", **fields) -> dict:
    return client.create("Account", {"Name": unique(label), "AccountType": "Income", **fields})


@pytest.fixture()
def item_id(client) -> str:
    """A service item of this test's own (on an income account of its own)."""
    income = _account(client, "Income")
    body = {"Name": unique("Svc"), "Type": "Service", "IncomeAccountRef": {"value": income["Id"]}}
    return client.create("Item", body)["Id"]


# -- references -----------------------------------------------------------------------------


def test_a_reference_to_an_inactive_record_is_610(client, new_customer, item_id):
    """A ref to an inactive customer or item → 610 "…has been made inactive…", element the ref."""
    customer = new_customer()
    client.deactivate("Customer", customer)
    error = _fault(lambda: _invoice(client, customer["Id"], item_id, 10))
    assert (error.code, error.element) == ("610", "CustomerRef")
    assert "has been made inactive" in error.detail
    assert client.count(select("Invoice").eq("CustomerRef", customer["Id"])) == 0

    item = client.read("Item", item_id)
    client.deactivate("Item", item)
    live = new_customer()
    error = _fault(lambda: _invoice(client, live["Id"], item_id, 10))
    assert (error.code, error.element) == ("610", "Line.SalesItemLineDetail.ItemRef")
    assert "has been made inactive" in error.detail


def test_a_category_item_on_an_invoice_line_is_2500(client, new_customer):
    """A Category item on a line → 2500 "Categories cannot be used in transactions."."""
    category = client.create("Item", {"Name": unique("Cat"), "Type": "Category"})
    customer = new_customer()
    error = _fault(lambda: _invoice(client, customer["Id"], category["Id"], 10))
    assert error.code == "2500"
    assert "Categories cannot be used in transactions." in error.detail
    assert client.count(select("Invoice").eq("CustomerRef", customer["Id"])) == 0


def test_an_unknown_txn_tax_code_is_2500(client, new_customer, item_id):
    """An unknown TxnTaxDetail.TxnTaxCodeRef → 2500 naming it."""
    customer = new_customer()
    tax = {"TxnTaxDetail": {"TxnTaxCodeRef": {"value": "987654"}}}
    error = _fault(lambda: _invoice(client, customer["Id"], item_id, 10, **tax))
    assert (error.code, error.element) == ("2500", "TxnTaxDetail.TxnTaxCodeRef")
    assert "Invalid Reference Id" in error.detail


# -- names ----------------------------------------------------------------------------------


def test_account_names_are_unique_by_fully_qualified_name(client):
    """Account: 6240 "Another account is already using this name" for the same
    FullyQualifiedName; the same Name under another parent (or at the top) is fine."""
    parent, other_parent = _account(client, "P"), _account(client, "Q")
    name = unique("Sub")
    child = client.create(
        "Account", {"Name": name, "AccountType": "Income", "ParentRef": {"value": parent["Id"]}}
    )
    again = {"Name": name, "AccountType": "Income", "ParentRef": {"value": parent["Id"]}}
    error = _fault(lambda: client.create("Account", again))
    assert (error.code, error.element) == ("6240", "Name")
    assert "Another account is already using this name" in error.detail
    elsewhere = client.create("Account", {**again, "ParentRef": {"value": other_parent["Id"]}})
    top = client.create("Account", {"Name": name, "AccountType": "Income"})
    assert {child["Id"], elsewhere["Id"], top["Id"]} == {
        a["Id"] for a in client.query(select("Account").eq("Name", name))
    }
    dup_top = _fault(lambda: client.create("Account", {"Name": name, "AccountType": "Income"}))
    assert dup_top.code == "6240"


def test_item_names_are_unique_by_fully_qualified_name(client, item_id):
    """Item: 6240 "Another item is already using this name"; a sub-item may repeat a name
    under another parent."""
    item = client.read("Item", item_id)
    again = {"Name": item["Name"], "IncomeAccountRef": item["IncomeAccountRef"]}
    error = _fault(lambda: client.create("Item", again))
    assert (error.code, error.element) == ("6240", "Name")
    assert "Another item is already using this name" in error.detail

    first = client.create("Item", {"Name": unique("CatA"), "Type": "Category"})
    second = client.create("Item", {"Name": unique("CatB"), "Type": "Category"})
    under_first = client.create("Item", {**again, "ParentRef": {"value": first["Id"]}})
    under_second = client.create("Item", {**again, "ParentRef": {"value": second["Id"]}})
    assert under_first["FullyQualifiedName"] == f"{first['Name']}:{item['Name']}"
    assert under_second["FullyQualifiedName"] == f"{second['Name']}:{item['Name']}"
    error = _fault(lambda: client.create("Item", {**again, "ParentRef": {"value": first["Id"]}}))
    assert error.code == "6240"


@pytest.mark.parametrize(
    ("entity", "body"),
    [("Term", {"DueDays": 10}), ("PaymentMethod", {})],
)
def test_term_and_payment_method_names_are_unique(client, entity, body):
    """Term and PaymentMethod: a Name already used → 6240 "Another {entity} is already…"."""
    name = unique(entity[:4])
    client.create(entity, {"Name": name, **body})
    error = _fault(lambda: client.create(entity, {"Name": name, **body}))
    assert (error.code, error.element) == ("6240", "Name")
    assert f"Another {entity.lower()} is already using this name" in error.detail
    assert count_named(client, entity, "Name", name) == 1


def test_sub_customers_have_a_qualified_name_a_level_and_are_jobs(client, new_customer):
    """Customer FullyQualifiedName "Parent:Child", Level = parent's + 1, Job true with a
    ParentRef."""
    parent = new_customer("Parent")
    assert (parent["FullyQualifiedName"], parent["Level"], parent["Job"]) == (
        parent["DisplayName"],
        0,
        False,
    )
    child = new_customer("Child", ParentRef={"value": parent["Id"]})
    grandchild = new_customer("Grand", ParentRef={"value": child["Id"]})
    assert child["FullyQualifiedName"] == f"{parent['DisplayName']}:{child['DisplayName']}"
    assert (child["Level"], child["Job"]) == (1, True)
    assert grandchild["FullyQualifiedName"] == (
        f"{parent['DisplayName']}:{child['DisplayName']}:{grandchild['DisplayName']}"
    )
    assert grandchild["Level"] == 2
    assert (
        client.read("Customer", grandchild["Id"])["FullyQualifiedName"]
        == (grandchild["FullyQualifiedName"])
    )


def test_sub_accounts_and_sub_items_have_a_qualified_name(client):
    """Account and Item FullyQualifiedName "Parent:Child"; SubAccount / SubItem set."""
    parent = _account(client, "Parent")
    child = _account(client, "Child", ParentRef={"value": parent["Id"]})
    assert (parent["FullyQualifiedName"], parent["SubAccount"]) == (parent["Name"], False)
    assert child["FullyQualifiedName"] == f"{parent['Name']}:{child['Name']}"
    assert child["SubAccount"] is True

    category = client.create("Item", {"Name": unique("Cat"), "Type": "Category"})
    sub = client.create(
        "Item", {"Name": unique("Sub"), "Type": "Category", "ParentRef": {"value": category["Id"]}}
    )
    assert (category["FullyQualifiedName"], category["SubItem"]) == (category["Name"], False)
    assert sub["FullyQualifiedName"] == f"{category['Name']}:{sub['Name']}"
    assert sub["SubItem"] is True


def test_reactivating_takes_the_deleted_suffix_off(client, new_customer):
    """Active=false renames to "X (deleted)"; Active=true again gives back "X"."""
    customer = new_customer()
    name = customer["DisplayName"]
    gone = client.deactivate("Customer", customer)
    assert (gone["DisplayName"], gone["Active"]) == (f"{name} (deleted)", False)
    back = client.update(
        "Customer", {"Id": gone["Id"], "SyncToken": gone["SyncToken"], "Active": True}
    )
    assert (back["DisplayName"], back["Active"]) == (name, True)
    assert back["FullyQualifiedName"] == name

    account = _account(client)
    gone = client.deactivate("Account", account)
    assert gone["Name"] == f"{account['Name']} (deleted)"
    back = client.update(
        "Account", {"Id": gone["Id"], "SyncToken": gone["SyncToken"], "Active": True}
    )
    assert (back["Name"], back["Active"]) == (account["Name"], True)
    assert count_named(client, "Account", "Name", account["Name"]) == 1


# -- transactions ---------------------------------------------------------------------------


def test_delete_and_void_with_a_stale_sync_token_are_5010(client, new_customer, item_id):
    """Delete or void with a SyncToken not the current one → 5010 "Stale Object Error";
    nothing changes."""
    customer = new_customer()
    invoice = _invoice(client, customer["Id"], item_id, 40)
    noted = client.update(
        "Invoice",
        {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"], "PrivateNote": "touched"},
    )
    stale = invoice["SyncToken"]
    assert noted["SyncToken"] != stale
    for call in (client.delete, client.void):
        error = _fault(lambda call=call: call("Invoice", invoice["Id"], stale))
        assert (error.code, error.element) == ("5010", "SyncToken")
        # The same words as for an update (observed: VCR batch, reference §5).
        assert "Stale Object Error : You and" in error.detail
    still = client.read("Invoice", invoice["Id"])
    assert (still["SyncToken"], still["TotalAmt"], still["PrivateNote"]) == (
        noted["SyncToken"],
        40,
        "touched",
    )

    payment = client.create("Payment", _payment(customer["Id"], 15, (invoice["Id"], 15)))
    client.update(
        "Payment",
        {"Id": payment["Id"], "SyncToken": payment["SyncToken"], "PrivateNote": "touched"},
    )
    error = _fault(lambda: client.void("Payment", payment["Id"], payment["SyncToken"]))
    assert (error.code, error.element) == ("5010", "SyncToken")
    assert client.read("Payment", payment["Id"])["TotalAmt"] == 15
    assert client.read("Invoice", invoice["Id"])["Balance"] == 25


def test_invoice_defaults_currency_usd_and_email_print_status_not_set(
    client, new_customer, item_id
):
    """An invoice sent without them answers CurrencyRef USD, EmailStatus/PrintStatus NotSet."""
    invoice = _invoice(client, new_customer()["Id"], item_id, 10)
    assert (invoice["EmailStatus"], invoice["PrintStatus"]) == ("NotSet", "NotSet")
    assert invoice["CurrencyRef"]["value"] == "USD"
    read = client.read("Invoice", invoice["Id"])
    assert (read["EmailStatus"], read["PrintStatus"]) == ("NotSet", "NotSet")


def test_an_invoice_update_below_its_payments_is_6000(client, new_customer, item_id):
    """An invoice update that would bring Balance below the payments applied → 6000."""
    customer = new_customer()
    invoice = _invoice(client, customer["Id"], item_id, 100)
    client.create("Payment", _payment(customer["Id"], 80, (invoice["Id"], 80)))
    paid = client.read("Invoice", invoice["Id"])
    assert paid["Balance"] == 20
    smaller = {"Id": paid["Id"], "SyncToken": paid["SyncToken"], "Line": [_line(item_id, 50)]}
    error = _fault(lambda: client.update("Invoice", smaller))
    assert error.code == "6000" and "below the payments already applied" in error.detail
    after = client.read("Invoice", invoice["Id"])
    assert (after["TotalAmt"], after["Balance"], after["SyncToken"]) == (100, 20, paid["SyncToken"])
    fine = {**smaller, "Line": [_line(item_id, 80)]}  # exactly the payments: Balance 0
    assert client.update("Invoice", fine)["Balance"] == 0


def test_a_payment_line_on_another_customers_invoice_is_6000(client, new_customer, item_id):
    """A payment line linking an invoice of another customer → 6000; nothing changes."""
    owner, payer = new_customer("Owner"), new_customer("Payer")
    invoice = _invoice(client, owner["Id"], item_id, 30)
    error = _fault(lambda: client.create("Payment", _payment(payer["Id"], 30, (invoice["Id"], 30))))
    assert (error.code, error.element) == ("6000", "Line.LinkedTxn.TxnId")
    assert "belongs to another customer" in error.detail
    assert client.read("Invoice", invoice["Id"])["Balance"] == 30
    assert client.count(select("Payment").eq("CustomerRef", payer["Id"])) == 0


def test_payment_lines_over_its_total_amt_are_6000(client, new_customer, item_id):
    """Lines applying more than the payment's TotalAmt → 6000 (element TotalAmt)."""
    customer = new_customer()
    first = _invoice(client, customer["Id"], item_id, 50)
    second = _invoice(client, customer["Id"], item_id, 50)
    body = _payment(customer["Id"], 60, (first["Id"], 40), (second["Id"], 30))
    error = _fault(lambda: client.create("Payment", body))
    assert (error.code, error.element) == ("6000", "TotalAmt")
    assert "more than the payment's TotalAmt" in error.detail
    assert [client.read("Invoice", i["Id"])["Balance"] for i in (first, second)] == [50, 50]
    assert client.count(select("Payment").eq("CustomerRef", customer["Id"])) == 0


@pytest.mark.parametrize("operation", ["void", "delete"])
def test_voiding_or_deleting_an_invoice_turns_its_payment_lines_into_unapplied_credit(
    client, new_customer, item_id, operation
):
    """Void/delete of an invoice: its payments' lines for it go, that amount becomes
    UnappliedAmt; the lines for other invoices stay."""
    customer = new_customer()
    gone = _invoice(client, customer["Id"], item_id, 60)
    kept = _invoice(client, customer["Id"], item_id, 40)
    payment = client.create(
        "Payment", _payment(customer["Id"], 100, (gone["Id"], 60), (kept["Id"], 40))
    )
    assert payment["UnappliedAmt"] == 0
    current = client.read("Invoice", gone["Id"])
    getattr(client, operation)("Invoice", current["Id"], current["SyncToken"])

    after = client.read("Payment", payment["Id"])
    assert after["TotalAmt"] == 100 and after["UnappliedAmt"] == 60
    assert int(after["SyncToken"]) == int(payment["SyncToken"]) + 1
    linked = [t["TxnId"] for ln in after["Line"] for t in ln.get("LinkedTxn", [])]
    assert linked == [kept["Id"]]
    assert client.read("Invoice", kept["Id"])["Balance"] == 0


# -- batch ----------------------------------------------------------------------------------


def test_a_batch_item_with_an_unknown_operation_is_2170(client):
    """Batch item operations are create/update/delete/void: another → 2170 (element
    operation); an item with no entity or two → 2020; each item answered on its own."""
    merge, two = unique("Merge"), unique("Two")
    items = [
        {"bId": "m", "operation": "merge", "Customer": {"DisplayName": merge}},
        {
            "bId": "t",
            "operation": "create",
            "Customer": {"DisplayName": two},
            "Vendor": {"DisplayName": two},
        },
        {"bId": "n", "operation": "create"},
    ]
    answer = client.request("POST", "batch", json={"BatchItemRequest": items}, batch=True)
    faults = {r["bId"]: r["Fault"]["Error"][0] for r in answer["BatchItemResponse"]}
    assert (faults["m"]["code"], faults["m"]["element"]) == ("2170", "operation")
    assert "merge" in faults["m"]["Detail"]
    assert faults["t"]["code"] == faults["n"]["code"] == "2020"
    assert "exactly one entity or a Query" in faults["t"]["Detail"]
    assert count_named(client, "Customer", "DisplayName", merge) == 0
    assert count_named(client, "Customer", "DisplayName", two) == 0


def test_a_batch_request_id_longer_than_36_is_2130(client):
    """A batch's requestid is 1–36 characters (not 50), else 2130; nothing of it runs."""
    name = unique("RB")
    body = {
        "BatchItemRequest": [{"bId": "1", "operation": "create", "Customer": {"DisplayName": name}}]
    }
    error = _fault(
        lambda: client.request(
            "POST", "batch", params={"requestid": "x" * 37}, json=body, batch=True
        )
    )
    assert (error.code, error.element) == ("2130", "requestid")
    assert "1-36" in error.detail
    assert count_named(client, "Customer", "DisplayName", name) == 0
    ok = client.request(
        "POST",
        "batch",
        params={"requestid": uuid.uuid4().hex[:4] + "y" * 32},
        json=body,
        batch=True,
    )
    assert ok["BatchItemResponse"][0]["Customer"]["DisplayName"] == name


# -- answers and bodies -----------------------------------------------------------------------


def test_answers_carry_intuit_tid_and_json_content_type(client, sandbox):
    """A read, a query, a write and a fault all carry intuit_tid and
    Content-Type application/json;charset=utf-8."""
    token = live_access_token(client)
    base = f"{sandbox.qbo_url}/v3/company/{sandbox.realm_id}"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    answers = {
        "read": requests.get(f"{base}/customer/1", headers=headers, timeout=10),
        "query": requests.get(
            f"{base}/query", params={"query": "SELECT * FROM Term"}, headers=headers, timeout=10
        ),
        "write": requests.post(
            f"{base}/customer", json={"DisplayName": unique("Tid")}, headers=headers, timeout=10
        ),
        "fault": requests.get(f"{base}/customer/abc", headers=headers, timeout=10),
    }
    assert {k: r.status_code for k, r in answers.items()} == {
        "read": 200,
        "query": 200,
        "write": 200,
        "fault": 400,
    }
    # A write repeated with its requestid is answered from the first, with a new tid.
    replay = [
        requests.post(
            f"{base}/customer",
            params={"requestid": rid},
            headers=headers,
            json={"DisplayName": name},
            timeout=10,
        )
        for rid, name in [(unique("rid"), unique("Tid"))] * 2
    ]
    assert [r.status_code for r in replay] == [200, 200]
    assert replay[0].json()["Customer"]["Id"] == replay[1].json()["Customer"]["Id"]
    answers.update(first=replay[0], replayed=replay[1])
    tids = [r.headers.get("intuit_tid") for r in answers.values()]
    assert all(tids) and len(set(tids)) == len(tids)
    for resp in answers.values():
        assert resp.headers["Content-Type"] == "application/json;charset=utf-8"
    assert answers["fault"].json()["Fault"]["Error"][0]["code"] == "2030"


def test_a_body_that_is_not_json_is_2010(client):
    """A write whose body is not JSON → 2010 "Request body is not valid JSON"."""
    name = unique("NotJson")
    error = _fault(lambda: client.request("POST", "customer", text=f"DisplayName={name}"))
    assert error.code == "2010" and "not valid JSON" in error.detail
    assert count_named(client, "Customer", "DisplayName", name) == 0


# -- TaxService -----------------------------------------------------------------------------


def test_tax_service_refuses_a_new_rate_whose_name_is_taken_6000(client):
    """A new rate named like an existing rate → 6000 (element TaxRateDetails.TaxRateName);
    no code is made."""
    rate = unique("Rate")
    new = {"TaxRateName": rate, "RateValue": 2, "TaxAgencyId": MA_AGENCY}
    tax_service(client, {"TaxCode": tax_code_name(), "TaxRateDetails": [new]})
    code = tax_code_name()
    error = _fault(lambda: tax_service(client, {"TaxCode": code, "TaxRateDetails": [new]}))
    assert (error.code, error.element) == ("6000", "TaxRateDetails.TaxRateName")
    assert "already exists" in error.detail and "TaxRateId" in error.detail
    assert count_named(client, "TaxRate", "Name", rate) == 1
    assert count_named(client, "TaxCode", "Name", code) == 0


def test_tax_service_refuses_two_new_rates_of_one_name_6000(client):
    """Two new rates of one name in one request → 6000; neither rate nor the code is made."""
    rate, code = unique("Twin"), tax_code_name()
    details = [{"TaxRateName": rate, "RateValue": v, "TaxAgencyId": MA_AGENCY} for v in (1, 2)]
    error = _fault(lambda: tax_service(client, {"TaxCode": code, "TaxRateDetails": details}))
    assert (error.code, error.element) == ("6000", "TaxRateDetails.TaxRateName")
    assert "two new tax rates of the request have the same name" in error.detail
    assert count_named(client, "TaxRate", "Name", rate) == 0
    assert count_named(client, "TaxCode", "Name", code) == 0


def test_company_info_cannot_be_written(client):
    """CompanyInfo is read-only in this sandbox: a write is fault 500 "Unsupported Operation"
    and changes nothing (a known departure: QuickBooks allows updating it)."""
    info = client.read("CompanyInfo", client.settings.realm_id)
    body = {
        "Id": info["Id"],
        "SyncToken": info["SyncToken"],
        "sparse": True,
        "CompanyName": "Renamed",
    }
    error = _fault(lambda: client.request("POST", "companyinfo", json=body))
    assert error.code == "500" and "read-only" in error.detail
    assert (
        client.read("CompanyInfo", client.settings.realm_id)["CompanyName"] == info["CompanyName"]
    )


def test_a_throttled_request_is_answered_in_xml_whatever_accept_says(client, sandbox):
    """429: QuickBooks' XML IntuitResponse with Fault type SERVICE, Error code 3001
    ThrottleExceeded, and Retry-After, even to Accept: application/json."""
    token = live_access_token(client)
    sandbox_settings(sandbox, fail_next=["429"])
    resp = requests.get(
        f"{sandbox.qbo_url}/v3/company/{sandbox.realm_id}/customer/1",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=10,
    )
    assert resp.status_code == 429 and resp.headers["Content-Type"].startswith("application/xml")
    assert float(resp.headers["Retry-After"]) > 0 and resp.headers["intuit_tid"]
    text = resp.text
    assert text.startswith("<?xml") and "<IntuitResponse" in text
    assert '<Fault type="SERVICE"><Error code="3001">' in text and "ThrottleExceeded" in text
