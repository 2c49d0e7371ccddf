"""Credit memos in the QBO sandbox, over real HTTP: create, read, query, full update (no
sparse one: Intuit's reference lists none), delete, never void; priced as an invoice; their
credit taken by payment lines (a "zero-dollar payment" applies a memo to an invoice), with
Balance, RemainingCredit, UnappliedAmt and the customer's balance following; the 6000 faults.
"""

from __future__ import annotations

import pytest

from reconcile import clock
from reconcile.qbo.errors import QboError, QboNotFoundError
from reconcile.qbo.query import select
from tests.integration.conftest import unique

TAX_CODE_MA = "2"  # demo company: Massachusetts, one rate of 6.25 %


def _fault(call) -> QboError:
    with pytest.raises(QboError) as caught:
        call()
    return caught.value


def _line(item_id: str, amount: float, qty: float = 1, tax: str = "NON") -> dict:
    detail = {"ItemRef": {"value": item_id}, "Qty": qty, "UnitPrice": amount}
    detail["TaxCodeRef"] = {"value": tax}
    return {
        "Amount": round(qty * amount, 2),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": detail,
    }


def _sale(entity: str, client, customer_id: str, item_id: str, *amounts: float, **extra) -> dict:
    """An invoice or credit memo of one line per amount."""
    lines = [_line(item_id, a) for a in amounts]
    return client.create(entity, {"CustomerRef": {"value": customer_id}, "Line": lines, **extra})


def _payment(customer_id: str, total: float, *links: tuple[str, str, float]) -> dict:
    """A payment body: ``links`` are (TxnType, TxnId, Amount), one line each."""
    lines = [
        {"Amount": amount, "LinkedTxn": [{"TxnId": txn_id, "TxnType": kind}]}
        for kind, txn_id, amount in links
    ]
    return {"CustomerRef": {"value": customer_id}, "TotalAmt": total, "Line": lines}


def _zero_dollar(
    client, customer_id: str, item_id: str, owed: float, credit: float, taken: float
) -> tuple[dict, dict, dict]:
    """An invoice of ``owed``, a credit memo of ``credit`` and the zero-dollar payment that
    applies ``taken`` of the memo's credit to the invoice: (invoice, memo, payment)."""
    invoice = _sale("Invoice", client, customer_id, item_id, owed)
    memo = _sale("CreditMemo", client, customer_id, item_id, credit)
    links = (("Invoice", invoice["Id"], taken), ("CreditMemo", memo["Id"], taken))
    return invoice, memo, client.create("Payment", _payment(customer_id, 0, *links))


def _balance(client, customer_id: str) -> float:
    return client.read("Customer", customer_id)["Balance"]


def _credit(client, memo_id: str) -> tuple[float, float, float]:
    """(TotalAmt, Balance, RemainingCredit) of the credit memo as read now."""
    memo = client.read("CreditMemo", memo_id)
    return memo["TotalAmt"], memo["Balance"], memo["RemainingCredit"]


# -- the entity --------------------------------------------------------------------------------


def test_a_credit_memo_is_priced_as_the_same_invoice_would_be(client, new_customer, hours_item_id):
    """Lines, TAX/NON codes, a percent discount, the tax code's rate, the SubTotal line:
    the memo's every amount is the invoice's; TotalAmt positive, Balance = RemainingCredit
    = TotalAmt; TxnDate the company's day, CurrencyRef the customer's, a DocNumber given;
    the customer's balance falls by the credit."""
    customer = new_customer()
    body = {
        "CustomerRef": {"value": customer["Id"]},
        "Line": [
            _line(hours_item_id, 125, qty=3, tax="TAX"),  # 375 taxable
            _line(hours_item_id, 50, qty=2),  # 100 not taxable
            {
                "DetailType": "DiscountLineDetail",
                "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
            },
        ],
        "TxnTaxDetail": {"TxnTaxCodeRef": {"value": TAX_CODE_MA}},
    }
    memo = client.create("CreditMemo", body)
    invoice = client.create("Invoice", body)

    amounts = [(ln["DetailType"], ln["Amount"]) for ln in memo["Line"]]
    assert amounts == [
        ("SalesItemLineDetail", 375),
        ("SalesItemLineDetail", 100),
        ("DiscountLineDetail", 47.5),
        ("SubTotalLineDetail", 475),
    ]
    assert amounts == [(ln["DetailType"], ln["Amount"]) for ln in invoice["Line"]]
    assert memo["TxnTaxDetail"]["TotalTax"] == invoice["TxnTaxDetail"]["TotalTax"] == 23.44
    assert memo["TotalAmt"] == invoice["TotalAmt"] == 450.94  # 475 − 47.50 + 23.44
    assert memo["Balance"] == memo["RemainingCredit"] == 450.94
    assert memo["TxnDate"] == clock.today().isoformat()
    assert memo["CurrencyRef"]["value"] == "USD" and memo["DocNumber"].isdigit()
    assert "DueDate" not in memo and "Deposit" not in memo  # an invoice's, not a memo's
    assert memo["LinkedTxn"] == [] and memo["SyncToken"] == "0"
    assert _balance(client, customer["Id"]) == 0  # the invoice's 450.94 less the credit


def test_read_query_and_full_update_but_no_sparse_update(client, new_customer, hours_item_id):
    """Read by Id and the query language as for invoices (CustomerRef, DocNumber, TxnDate,
    Id); a full update reprices; a sparse one is 500 "Unsupported Operation" (Intuit lists
    create, read, query, full update and delete for CreditMemo), nothing changed."""
    customer = new_customer()
    number = unique("CM")[-12:]
    fields = {"DocNumber": number, "TxnDate": "2026-11-02"}
    memo = _sale("CreditMemo", client, customer["Id"], hours_item_id, 40, 20, **fields)
    assert client.read("CreditMemo", memo["Id"]) == memo
    mine = select("CreditMemo").eq("CustomerRef", customer["Id"])
    assert [m["Id"] for m in client.query(mine)] == [memo["Id"]]
    assert [m["Id"] for m in client.query(select("CreditMemo").eq("DocNumber", number))] == [
        memo["Id"]
    ]
    dated = client.query(
        f"select * from CreditMemo where CustomerRef = '{customer['Id']}' "
        "and TxnDate >= '2026-11-01' and TxnDate < '2026-11-03'"
    )
    assert [m["Id"] for m in dated] == [memo["Id"]]
    assert client.query(f"select * from CreditMemo where Id = '{memo['Id']}'")[0]["TotalAmt"] == 60

    error = _fault(
        lambda: client.update("CreditMemo", {**memo, "PrivateNote": "sparse"}, sparse=True)
    )
    assert error.code == "500" and "SparseUpdate" in error.detail
    assert client.read("CreditMemo", memo["Id"]) == memo

    body = {k: v for k, v in memo.items() if k not in ("TotalAmt", "Balance", "Line")}
    updated = client.update(
        "CreditMemo", {**body, "Line": [_line(hours_item_id, 25, qty=2)]}, sparse=False
    )
    assert (updated["TotalAmt"], updated["Balance"], updated["RemainingCredit"]) == (50, 50, 50)
    assert updated["SyncToken"] == "1" and updated["DocNumber"] == number
    assert _balance(client, customer["Id"]) == -50


def test_doc_numbers_of_credit_memos_are_not_checked_for_duplicates(
    client, new_customer, hours_item_id
):
    """A memo may repeat an invoice's DocNumber or another memo's (no 6140; assumption)."""
    customer = new_customer()
    invoice = _sale("Invoice", client, customer["Id"], hours_item_id, 10)
    first = _sale("CreditMemo", client, customer["Id"], hours_item_id, 5, DocNumber="CM-1")
    again = _sale("CreditMemo", client, customer["Id"], hours_item_id, 5, DocNumber="CM-1")
    same = _sale(
        "CreditMemo", client, customer["Id"], hours_item_id, 5, DocNumber=invoice["DocNumber"]
    )
    assert first["Id"] != again["Id"] and again["DocNumber"] == "CM-1"
    assert same["DocNumber"] == invoice["DocNumber"]


def test_a_credit_memo_needs_a_line_and_takes_no_negative_amount(client, new_customer):
    """As an invoice: no Line → 2020; a negative line amount → 2290; nothing stored."""
    customer = new_customer()
    error = _fault(lambda: client.create("CreditMemo", {"CustomerRef": {"value": customer["Id"]}}))
    assert (error.code, error.element) == ("2020", "Line")
    negative = {"Amount": -10, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}}
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": [negative]}
    assert _fault(lambda: client.create("CreditMemo", body)).code == "2290"
    assert client.count(select("CreditMemo").eq("CustomerRef", customer["Id"])) == 0


# -- credit taken by payments ------------------------------------------------------------------


def test_a_zero_dollar_payment_applies_a_credit_memo_to_an_invoice(
    client, new_customer, hours_item_id
):
    """TotalAmt 0, a line of 50 on the invoice and one of 50 on the memo: UnappliedAmt 0;
    the invoice's Balance and the memo's Balance and RemainingCredit fall by 50, both link
    the payment (SyncToken +1); the customer owes what they did: 100 − 60 = 40."""
    customer = new_customer()
    invoice, memo, payment = _zero_dollar(client, customer["Id"], hours_item_id, 100, 60, 50)

    assert (payment["TotalAmt"], payment["UnappliedAmt"]) == (0, 0)
    paid = client.read("Invoice", invoice["Id"])
    credited = client.read("CreditMemo", memo["Id"])
    assert paid["Balance"] == 50
    assert (credited["TotalAmt"], credited["Balance"], credited["RemainingCredit"]) == (60, 10, 10)
    for doc, before in ((paid, invoice), (credited, memo)):
        assert {"TxnId": payment["Id"], "TxnType": "Payment"} in doc["LinkedTxn"]
        assert int(doc["SyncToken"]) == int(before["SyncToken"]) + 1
    assert _balance(client, customer["Id"]) == 40  # 50 open − 10 credit left

    # Taking less credit on update gives the rest back to the memo.
    smaller = _payment(
        customer["Id"], 0, ("Invoice", invoice["Id"], 30), ("CreditMemo", memo["Id"], 30)
    )
    client.update("Payment", {**smaller, "Id": payment["Id"], "SyncToken": payment["SyncToken"]})
    assert _credit(client, memo["Id"]) == (60, 30, 30)
    assert client.read("Invoice", invoice["Id"])["Balance"] == 70
    assert _balance(client, customer["Id"]) == 40


def test_money_and_credit_together_leave_the_rest_unapplied(client, new_customer, hours_item_id):
    """UnappliedAmt = TotalAmt − Σ invoice lines + Σ credit memo lines: 80 − 100 + 30 = 10;
    the customer's balance is then −10 (the unapplied money), the memo used up."""
    customer = new_customer()
    invoice = _sale("Invoice", client, customer["Id"], hours_item_id, 100)
    memo = _sale("CreditMemo", client, customer["Id"], hours_item_id, 30)
    body = _payment(
        customer["Id"], 80, ("Invoice", invoice["Id"], 100), ("CreditMemo", memo["Id"], 30)
    )
    payment = client.create("Payment", body)
    assert payment["UnappliedAmt"] == 10
    assert client.read("Invoice", invoice["Id"])["Balance"] == 0
    assert _credit(client, memo["Id"]) == (30, 0, 0)
    assert _balance(client, customer["Id"]) == -10


def test_credit_over_what_is_left_or_of_another_customer_is_6000(
    client, new_customer, hours_item_id
):
    """A memo line over its RemainingCredit, a memo of another customer, invoice lines over
    TotalAmt plus the credit taken → 6000; an unknown memo → 2500; nothing changes."""
    customer, other = new_customer(), new_customer("Other")
    invoice = _sale("Invoice", client, customer["Id"], hours_item_id, 100)
    memo = _sale("CreditMemo", client, customer["Id"], hours_item_id, 40)
    theirs = _sale("CreditMemo", client, other["Id"], hours_item_id, 40)
    cases = [
        (("CreditMemo", memo["Id"], 41), "Line.Amount", "more than its remaining credit"),
        (("CreditMemo", theirs["Id"], 10), "Line.LinkedTxn.TxnId", "belongs to another customer"),
        (("CreditMemo", memo["Id"], 20), "TotalAmt", "more than the payment's TotalAmt"),
    ]
    for link, element, words in cases:
        body = _payment(customer["Id"], 0, ("Invoice", invoice["Id"], link[2] + 1), link)
        error = _fault(lambda body=body: client.create("Payment", body))
        assert (error.code, error.element) == ("6000", element), link
        assert words in error.detail
    unknown = _payment(customer["Id"], 5, ("CreditMemo", "999999", 5))
    error = _fault(lambda: client.create("Payment", unknown))
    assert (error.code, error.element) == ("2500", "Line.LinkedTxn.TxnId")

    assert _credit(client, memo["Id"]) == (40, 40, 40)
    assert _credit(client, theirs["Id"]) == (40, 40, 40)
    assert client.read("Invoice", invoice["Id"])["Balance"] == 100
    assert client.count(select("Payment").eq("CustomerRef", customer["Id"])) == 0
    assert _balance(client, customer["Id"]) == 60


@pytest.mark.parametrize("operation", ["void", "delete"])
def test_voiding_or_deleting_the_payment_gives_the_credit_back(
    client, new_customer, hours_item_id, operation
):
    """The memo's Balance and RemainingCredit come back, its link to the payment goes; the
    invoice reopens; the customer's balance is the invoice less the memo again."""
    customer = new_customer()
    invoice, memo, payment = _zero_dollar(client, customer["Id"], hours_item_id, 90, 35, 35)
    assert _credit(client, memo["Id"]) == (35, 0, 0)

    getattr(client, operation)("Payment", payment["Id"], payment["SyncToken"])

    assert _credit(client, memo["Id"]) == (35, 35, 35)
    assert client.read("CreditMemo", memo["Id"])["LinkedTxn"] == []
    assert client.read("Invoice", invoice["Id"])["Balance"] == 90
    assert _balance(client, customer["Id"]) == 55


def test_an_applied_credit_memo_is_not_deleted_until_unapplied(client, new_customer, hours_item_id):
    """Assumption: a memo whose credit a payment takes → 6000 "unapply it first", nothing
    changes; once the payment is gone it deletes (610)."""
    customer = new_customer()
    _, memo, payment = _zero_dollar(client, customer["Id"], hours_item_id, 50, 20, 20)
    applied = client.read("CreditMemo", memo["Id"])

    error = _fault(lambda: client.delete("CreditMemo", memo["Id"], applied["SyncToken"]))
    assert error.code == "6000" and "unapply it first" in error.detail
    assert client.read("CreditMemo", memo["Id"]) == applied
    assert client.read("Payment", payment["Id"])["UnappliedAmt"] == 0

    client.delete("Payment", payment["Id"], payment["SyncToken"])
    current = client.read("CreditMemo", memo["Id"])
    answer = client.delete("CreditMemo", memo["Id"], current["SyncToken"])
    assert answer["status"] == "Deleted"
    with pytest.raises(QboNotFoundError):
        client.read("CreditMemo", memo["Id"])
    assert _balance(client, customer["Id"]) == 50


def test_a_credit_memo_is_never_voided(client, new_customer, hours_item_id):
    """Intuit staff (intuit/QuickBooks-V3-PHP-SDK#133): "The Operation Void for CreditMemo
    is not supported for Quickbooks Online" — in either form; nothing changes."""
    customer = new_customer()
    _, memo, _ = _zero_dollar(client, customer["Id"], hours_item_id, 50, 20, 20)
    before = client.read("CreditMemo", memo["Id"])
    error = _fault(lambda: client.void("CreditMemo", memo["Id"], before["SyncToken"]))
    assert "Operation Void is not supported for CreditMemo" in error.detail
    body = {"Id": memo["Id"], "SyncToken": before["SyncToken"], "sparse": True}
    params = {"operation": "update", "include": "void"}
    error = _fault(lambda: client.request("POST", "creditmemo", params=params, json=body))
    assert "Operation Void is not supported" in error.detail
    assert client.read("CreditMemo", memo["Id"]) == before


def test_a_credit_memo_update_below_the_credit_taken_is_6000(client, new_customer, hours_item_id):
    """As an invoice: a full update that would bring Balance below the credit payments take
    from the memo → 6000; down to exactly that credit, RemainingCredit 0."""
    customer = new_customer()
    _, memo, _ = _zero_dollar(client, customer["Id"], hours_item_id, 100, 60, 45)
    taken = client.read("CreditMemo", memo["Id"])
    keep = {k: v for k, v in taken.items() if k != "Line"}

    smaller = {**keep, "Line": [_line(hours_item_id, 40)]}
    error = _fault(lambda: client.update("CreditMemo", smaller, sparse=False))
    assert error.code == "6000" and "below the payments already applied" in error.detail
    assert _credit(client, memo["Id"]) == (60, 15, 15)
    exact = client.update("CreditMemo", {**keep, "Line": [_line(hours_item_id, 45)]}, sparse=False)
    assert (exact["TotalAmt"], exact["Balance"], exact["RemainingCredit"]) == (45, 0, 0)


def test_an_invoice_voided_under_a_zero_dollar_payment_leaves_the_credit_on_the_payment(
    client, new_customer, hours_item_id
):
    """Assumption: as for any payment, the voided invoice's line goes; the credit the
    payment took stays taken and shows as its UnappliedAmt (0 − 0 + 40); the customer keeps
    the 40 of credit either way."""
    customer = new_customer()
    invoice, memo, payment = _zero_dollar(client, customer["Id"], hours_item_id, 100, 40, 40)
    current = client.read("Invoice", invoice["Id"])
    client.void("Invoice", current["Id"], current["SyncToken"])

    after = client.read("Payment", payment["Id"])
    assert (after["TotalAmt"], after["UnappliedAmt"]) == (0, 40)
    assert [t["TxnType"] for ln in after["Line"] for t in ln["LinkedTxn"]] == ["CreditMemo"]
    assert _credit(client, memo["Id"]) == (40, 0, 0)
    assert _balance(client, customer["Id"]) == -40
