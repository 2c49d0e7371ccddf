"""Entity create/read/update/delete/void, validation faults and arithmetic, over real HTTP."""

from __future__ import annotations

import uuid

import pytest

from reconcile.qbo.errors import (
    BusinessRuleError,
    DuplicateNameError,
    QboError,
    QboNotFoundError,
    StaleObjectError,
    ValidationError,
)
from reconcile.qbo.frames import CORE_COLUMNS
from reconcile.qbo.query import select
from reconcile.sync.state import QboState
from tests.integration.conftest import count_named, unique

TAX_CODE_MA = "2"  # demo company: Massachusetts, one rate of 6.25 %


def _sales_line(item_id: str, qty: float, price: float, tax: str = "NON", amount=None) -> dict:
    return {
        "Amount": round(qty * price, 2) if amount is None else amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {
            "ItemRef": {"value": item_id},
            "Qty": qty,
            "UnitPrice": price,
            "TaxCodeRef": {"value": tax},
        },
    }


def _invoice(client, customer_id: str, item_id: str, *amounts: float, **extra) -> dict:
    lines = [_sales_line(item_id, 1, a) for a in amounts]
    return client.create("Invoice", {"CustomerRef": {"value": customer_id}, "Line": lines, **extra})


def _lines(doc: dict, detail_type: str) -> list[dict]:
    return [ln for ln in doc["Line"] if ln["DetailType"] == detail_type]


# -- Customer: create, read, update -----------------------------------------------------------


def test_customer_create_and_read(client):
    name = unique("Create")
    created = client.create(
        "Customer",
        {
            "DisplayName": name,
            "CompanyName": "Acme Ltd",
            "PrimaryEmailAddr": {"Address": "ap@acme.example"},
        },
    )
    assert created["Id"].isdigit() and created["SyncToken"] == "0"
    assert created["Active"] is True and created["Balance"] == 0
    read = client.read("Customer", created["Id"])
    assert read["DisplayName"] == name
    assert read["CompanyName"] == "Acme Ltd"
    assert read["PrimaryEmailAddr"]["Address"] == "ap@acme.example"
    assert read["SyncToken"] == "0"
    assert read["MetaData"]["CreateTime"]


def test_sparse_update_changes_only_the_fields_sent(client, new_customer):
    customer = new_customer(CompanyName="Keep Me Inc", Notes="old note")
    updated = client.update(
        "Customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "Notes": "new"}
    )
    assert updated["SyncToken"] == str(int(customer["SyncToken"]) + 1)
    read = client.read("Customer", customer["Id"])
    assert read["Notes"] == "new"
    assert read["CompanyName"] == "Keep Me Inc"
    assert read["DisplayName"] == customer["DisplayName"]
    assert read["SyncToken"] == updated["SyncToken"]


def test_full_update_clears_omitted_writable_fields(client, new_customer):
    customer = new_customer(CompanyName="Gone Soon Inc", Notes="keep")
    body = {
        "Id": customer["Id"],
        "SyncToken": customer["SyncToken"],
        "DisplayName": customer["DisplayName"],
        "Notes": "keep",
    }
    updated = client.update("Customer", body, sparse=False)
    assert updated["SyncToken"] == "1"
    read = client.read("Customer", customer["Id"])
    assert "CompanyName" not in read or read["CompanyName"] in (None, "")
    assert read["Notes"] == "keep"
    assert read["DisplayName"] == customer["DisplayName"]


def test_stale_sync_token_is_refused(client, new_customer):
    customer = new_customer()
    client.update("Customer", {"Id": customer["Id"], "SyncToken": "0", "Notes": "first"})
    with pytest.raises(StaleObjectError) as caught:
        client.update("Customer", {"Id": customer["Id"], "SyncToken": "0", "Notes": "second"})
    assert caught.value.code == "5010"
    read = client.read("Customer", customer["Id"])
    assert read["Notes"] == "first" and read["SyncToken"] == "1"


def test_duplicate_display_name_is_case_insensitive(client, new_customer):
    customer = new_customer("Dup")
    name = customer["DisplayName"]
    with pytest.raises(DuplicateNameError) as caught:
        client.create("Customer", {"DisplayName": name.upper()})
    assert caught.value.code == "6240"
    assert count_named(client, "Customer", "DisplayName", name) == 1
    assert client.count(select("Customer").where("DisplayName", "LIKE", name)) == 1


# -- validation faults -------------------------------------------------------------------------


def test_colon_in_display_name_is_invalid_string(client):
    name = unique("Parent") + ":Child"
    with pytest.raises(ValidationError) as caught:
        client.create("Customer", {"DisplayName": name})
    assert caught.value.code == "2040"
    assert caught.value.element == "DisplayName"
    assert count_named(client, "Customer", "DisplayName", name) == 0


def test_doc_number_longer_than_21_is_refused(client, new_customer, hours_item_id):
    customer = new_customer()
    with pytest.raises(ValidationError) as caught:
        _invoice(client, customer["Id"], hours_item_id, 10, DocNumber="X" * 22)
    assert caught.value.code == "2050"
    assert caught.value.element == "DocNumber"
    twenty_one = uuid.uuid4().hex[:21]
    ok = _invoice(client, customer["Id"], hours_item_id, 10, DocNumber=twenty_one)
    assert ok["DocNumber"] == twenty_one


def test_invoice_without_lines_is_missing_a_required_param(client, new_customer):
    customer = new_customer()
    with pytest.raises(ValidationError) as caught:
        client.create("Invoice", {"CustomerRef": {"value": customer["Id"]}})
    assert caught.value.code == "2020"
    assert caught.value.element == "Line"


def test_unknown_property_names_the_element(client):
    with pytest.raises(ValidationError) as caught:
        client.create("Customer", {"DisplayName": unique(), "BadJson": 1})
    assert caught.value.code == "2010"
    assert caught.value.element == "BadJson"
    assert "BadJson" in str(caught.value)


def test_bad_item_ref_is_an_invalid_reference(client, new_customer):
    customer = new_customer()
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": [_sales_line("999999", 1, 10)]}
    with pytest.raises(ValidationError) as caught:
        client.create("Invoice", body)
    assert caught.value.code == "2500"
    assert caught.value.element == "Line.SalesItemLineDetail.ItemRef"


# -- deactivate instead of delete ----------------------------------------------------------------


def test_deactivate_customer_renames_it_and_frees_the_name(client, new_customer):
    customer = new_customer("Retire")
    name = customer["DisplayName"]
    gone = client.deactivate("Customer", customer)
    assert gone["Active"] is False
    assert gone["DisplayName"] == f"{name} (deleted)"

    inactive = client.query(
        select("Customer").eq("Active", False).eq("DisplayName", f"{name} (deleted)")
    )
    assert [c["Id"] for c in inactive] == [customer["Id"]]
    assert count_named(client, "Customer", "DisplayName", name) == 0

    again = client.create("Customer", {"DisplayName": name})
    assert again["Id"] != customer["Id"] and again["Active"] is True
    assert count_named(client, "Customer", "DisplayName", name) == 1


def test_customer_with_a_balance_cannot_be_deactivated(client, new_customer, hours_item_id):
    customer = new_customer()
    _invoice(client, customer["Id"], hours_item_id, 40)
    current = client.read("Customer", customer["Id"])
    assert current["Balance"] == 40
    with pytest.raises(BusinessRuleError) as caught:
        client.deactivate("Customer", current)
    assert caught.value.code == "6220"
    assert client.read("Customer", customer["Id"])["Active"] is True


def test_customer_cannot_be_deleted(client, new_customer):
    customer = new_customer()
    with pytest.raises(QboError) as caught:
        client.delete("Customer", customer["Id"], customer["SyncToken"])
    assert caught.value.code  # a fault, whatever its code
    read = client.read("Customer", customer["Id"])
    assert read["Active"] is True and read["DisplayName"] == customer["DisplayName"]


# -- other name lists -------------------------------------------------------------------------


def test_account_create_derives_classification(client):
    name = unique("AR")
    account = client.create("Account", {"Name": name, "AccountType": "Accounts Receivable"})
    assert account["Classification"] == "Asset"
    assert account["AccountSubType"] == "AccountsReceivable"
    assert account["FullyQualifiedName"] == name
    income = client.create("Account", {"Name": unique("Inc"), "AccountType": "Income"})
    assert income["Classification"] == "Revenue"


def test_term_sparse_update(client):
    term = client.create("Term", {"Name": unique("Net")[:31], "DueDays": 10})
    assert term["Type"] == "STANDARD"
    updated = client.update(
        "Term",
        {"Id": term["Id"], "SyncToken": term["SyncToken"], "Name": term["Name"], "DueDays": 20},
    )
    assert updated["DueDays"] == 20
    assert updated["Name"] == term["Name"]
    assert updated["SyncToken"] == "1"
    assert client.read("Term", term["Id"])["DueDays"] == 20


# -- invoices ---------------------------------------------------------------------------------


def test_invoice_arithmetic_tax_discount_and_subtotal(client, new_customer, hours_item_id):
    customer = new_customer()
    invoice = client.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [
                _sales_line(hours_item_id, 3, 125, tax="TAX"),  # 375 taxable
                _sales_line(hours_item_id, 2, 50, tax="NON"),  # 100 not taxable
                {
                    "DetailType": "DiscountLineDetail",
                    "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
                },
            ],
            "TxnTaxDetail": {"TxnTaxCodeRef": {"value": TAX_CODE_MA}},
        },
    )
    sales = _lines(invoice, "SalesItemLineDetail")
    assert [ln["Amount"] for ln in sales] == [375, 100]
    (subtotal,) = _lines(invoice, "SubTotalLineDetail")
    assert subtotal["Amount"] == 475
    (discount,) = _lines(invoice, "DiscountLineDetail")
    assert discount["Amount"] == 47.5
    assert invoice["TxnTaxDetail"]["TotalTax"] == 23.44  # 6.25 % of 375, TAX lines only
    assert invoice["TotalAmt"] == 450.94  # 475 − 47.50 + 23.44
    assert invoice["Balance"] == invoice["TotalAmt"]
    assert client.read("Customer", customer["Id"])["Balance"] == 450.94


def test_amount_not_qty_times_price_is_refused(client, new_customer, hours_item_id):
    customer = new_customer()
    body = {
        "CustomerRef": {"value": customer["Id"]},
        "Line": [_sales_line(hours_item_id, 3, 125, amount=300)],
    }
    with pytest.raises(BusinessRuleError) as caught:
        client.create("Invoice", body)
    assert caught.value.code == "6070"
    assert client.read("Customer", customer["Id"])["Balance"] == 0


def _payment(client, customer_id: str, total: float, *applied: tuple[str, float]) -> dict:
    lines = [
        {"Amount": amount, "LinkedTxn": [{"TxnId": inv_id, "TxnType": "Invoice"}]}
        for inv_id, amount in applied
    ]
    return client.create(
        "Payment", {"CustomerRef": {"value": customer_id}, "TotalAmt": total, "Line": lines}
    )


def test_payment_applied_to_two_invoices(client, new_customer, hours_item_id):
    customer = new_customer()
    first = _invoice(client, customer["Id"], hours_item_id, 100)
    second = _invoice(client, customer["Id"], hours_item_id, 200)
    payment = _payment(client, customer["Id"], 250, (first["Id"], 100), (second["Id"], 120))

    assert payment["UnappliedAmt"] == 30
    assert payment["TotalAmt"] == 250
    first_now = client.read("Invoice", first["Id"])
    second_now = client.read("Invoice", second["Id"])
    assert first_now["Balance"] == 0
    assert second_now["Balance"] == 80
    for inv in (first_now, second_now):
        assert {"TxnId": payment["Id"], "TxnType": "Payment"} in inv["LinkedTxn"]
        assert int(inv["SyncToken"]) > 0
    # Customer balance: open invoices (0 + 80) minus unapplied credit (30).
    assert client.read("Customer", customer["Id"])["Balance"] == 50


def test_overpaying_an_invoice_changes_nothing(client, new_customer, hours_item_id):
    customer = new_customer()
    invoice = _invoice(client, customer["Id"], hours_item_id, 100)
    with pytest.raises(BusinessRuleError):
        _payment(client, customer["Id"], 150, (invoice["Id"], 150))
    after = client.read("Invoice", invoice["Id"])
    assert after["Balance"] == 100
    assert after["SyncToken"] == invoice["SyncToken"]
    assert not after.get("LinkedTxn")
    assert client.read("Customer", customer["Id"])["Balance"] == 100
    assert client.count(select("Payment").eq("CustomerRef", customer["Id"])) == 0


def test_void_payment_reopens_invoice_balances(client, new_customer, hours_item_id):
    customer = new_customer()
    first = _invoice(client, customer["Id"], hours_item_id, 100)
    second = _invoice(client, customer["Id"], hours_item_id, 60)
    payment = _payment(client, customer["Id"], 160, (first["Id"], 100), (second["Id"], 60))
    assert client.read("Customer", customer["Id"])["Balance"] == 0

    voided = client.void("Payment", payment["Id"], payment["SyncToken"])

    assert voided["TotalAmt"] == 0
    assert int(voided["SyncToken"]) > int(payment["SyncToken"])
    assert client.read("Invoice", first["Id"])["Balance"] == 100
    assert client.read("Invoice", second["Id"])["Balance"] == 60
    assert client.read("Customer", customer["Id"])["Balance"] == 160


def test_void_invoice_zeroes_amounts(client, new_customer, hours_item_id):
    customer = new_customer()
    invoice = _invoice(client, customer["Id"], hours_item_id, 70, 30)
    voided = client.void("Invoice", invoice["Id"], invoice["SyncToken"])
    assert voided["TotalAmt"] == 0 and voided["Balance"] == 0
    assert all(ln["Amount"] == 0 for ln in voided["Line"])
    assert voided["PrivateNote"] == "Voided"
    assert voided["SyncToken"] == str(int(invoice["SyncToken"]) + 1)
    read = client.read("Invoice", invoice["Id"])
    assert read["TotalAmt"] == 0 and read["PrivateNote"] == "Voided"
    assert client.read("Customer", customer["Id"])["Balance"] == 0


def test_delete_invoice_then_read_is_not_found(client, new_customer, hours_item_id):
    customer = new_customer()
    invoice = _invoice(client, customer["Id"], hours_item_id, 90)
    answer = client.delete("Invoice", invoice["Id"], invoice["SyncToken"])
    assert answer["status"] == "Deleted" and answer["Id"] == invoice["Id"]
    with pytest.raises(QboNotFoundError) as caught:
        client.read("Invoice", invoice["Id"])
    assert caught.value.code == "610"
    assert client.read("Customer", customer["Id"])["Balance"] == 0


# -- company and frames -------------------------------------------------------------------------


def test_company_info(client, sandbox):
    info = client.company_info()
    assert info["CompanyName"] == "Harbor Point Managed IT LLC"
    assert info["Id"] == "1"
    assert client.realm_id == sandbox.realm_id


def test_query_frame_has_the_core_customer_columns(client, new_customer):
    prefix = unique("Frame")
    new_customer(DisplayName=prefix + " a", BillAddr={"City": "Salem"})
    new_customer(DisplayName=prefix + " b", PrimaryEmailAddr={"Address": "b@x.example"})
    frame = client.query_frame(select("Customer").where("DisplayName", "LIKE", prefix + "%"))
    core = CORE_COLUMNS["Customer"]
    assert list(frame.columns[: len(core)]) == core
    assert len(frame) == 2
    assert sorted(frame["DisplayName"]) == [prefix + " a", prefix + " b"]
    assert set(frame["BillAddr.City"].dropna()) == {"Salem"}
    assert "domain" not in frame.columns


def test_query_frame_of_no_rows_still_has_the_core_columns(client):
    frame = client.query_frame(select("Customer").eq("DisplayName", unique("Nobody")))
    assert len(frame) == 0
    assert list(frame.columns) == CORE_COLUMNS["Customer"]


def test_item_sku_comes_back_from_the_toolkits_item_queries(client, hours_item_id):
    # QuickBooks leaves Sku out of `SELECT * FROM Item` (reference §3 quirk); matching items
    # by Sku needs the toolkit's queries to name it, as `select("Item")` does.
    hours = client.read("Item", hours_item_id)
    sku = unique("SKU")[:30]
    client.update(
        "Item", {"Id": hours["Id"], "SyncToken": hours["SyncToken"], "Sku": sku, "sparse": True}
    )
    assert client.read("Item", hours_item_id)["Sku"] == sku  # a read by id returns it
    (plain,) = client.request(
        "POST", "query", text=f"SELECT * FROM Item WHERE Id = '{hours_item_id}'"
    )["QueryResponse"]["Item"]
    assert "Sku" not in plain
    state = QboState.load(client, ["Item"])
    assert [i["Id"] for i in state.by_field("Item", "Sku", sku)] == [hours_item_id]
