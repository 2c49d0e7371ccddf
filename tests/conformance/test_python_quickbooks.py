"""python-quickbooks 0.9.12 + intuit-oauth against the local sandbox, used as documented.

Every test reads back what it wrote. The calls are the library's documented ones, unchanged:
before issue 11 the sandbox refused several that QuickBooks takes every day (the library sends
every unset attribute as "", so ``PreferredDeliveryMethod: ""`` gave 2170 and ``TxnDate: ""``
a 500; ``Invoice`` always sends the system-defined ``FreeFormAddress``; ``Vendor`` sends
``TaxReportingBasis``; ``to_linked_txn()`` sends ``TxnLineId`` as a number) — the tests below
that create customers, vendors, invoices and payments, and re-save what they read, pin that
the sandbox now takes them. Errors, requestid, mixed batches, STARTPOSITION paging, the
other lists' updates and pacing are in ``test_python_quickbooks_errors.py``.
"""

from __future__ import annotations

import pytest
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks.batch import batch_create
from quickbooks.exceptions import (
    AuthorizationException,
    ObjectNotFoundException,
    QuickbooksException,
    ValidationException,
)
from quickbooks.objects.account import Account
from quickbooks.objects.base import EmailAddress
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.term import Term
from quickbooks.objects.vendor import Vendor

from conftest import DEMO_DATE

OBRIEN = "O'Brien & Sons"


def new_customer(qb, name: str, **fields) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    for key, value in fields.items():
        setattr(customer, key, value)
    return customer.save(qb=qb)


def new_invoice(qb, customer: Customer, item: Item, lines=((2, 125), (1, 50)), **fields):
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    for qty, price in lines:
        line = SalesItemLine()
        line.Amount = qty * price
        line.Description = f"{qty} × {item.Name}"
        line.SalesItemLineDetail = SalesItemLineDetail()
        line.SalesItemLineDetail.ItemRef = item.to_ref()
        line.SalesItemLineDetail.Qty = qty
        line.SalesItemLineDetail.UnitPrice = price
        invoice.Line.append(line)
    for key, value in fields.items():
        setattr(invoice, key, value)
    return invoice.save(qb=qb)


def new_payment(qb, customer: Customer, invoice: Invoice, amount) -> Payment:
    payment = Payment()
    payment.TotalAmt = amount
    payment.CustomerRef = customer.to_ref()
    line = PaymentLine()
    line.Amount = amount
    link = invoice.to_linked_txn()
    line.LinkedTxn.append(link)
    payment.Line.append(line)
    return payment.save(qb=qb)


@pytest.fixture(scope="module")
def obrien(qb) -> Customer:
    return new_customer(qb, OBRIEN, CompanyName="O'Brien & Sons Plumbing")


@pytest.fixture(scope="module")
def income_account(qb) -> Account:
    account = Account()
    account.Name = "Managed Services & Support"
    account.AccountType = "Income"
    account.AccountSubType = "ServiceFeeIncome"
    return account.save(qb=qb)


@pytest.fixture(scope="module")
def service_item(qb, income_account) -> Item:
    item = Item()
    item.Name = "Managed Workstation"
    item.Type = "Service"
    item.UnitPrice = 125
    item.IncomeAccountRef = income_account.to_ref()
    return item.save(qb=qb)


# -- OAuth ----------------------------------------------------------------------------------


def test_the_oauth_dance_gives_tokens_for_the_company(local):
    auth = local.auth_client()
    url = auth.get_authorization_url([Scopes.ACCOUNTING], state_token="state-123")
    assert url.startswith(f"{local.sandbox.qbo_url}/connect/oauth2?")
    callback = local.consent(url)
    assert callback["state"] == "state-123"
    assert callback["realmId"] == local.sandbox.realm_id

    auth.get_bearer_token(callback["code"], realm_id=callback["realmId"])

    assert auth.realm_id == local.sandbox.realm_id
    assert auth.access_token and auth.refresh_token
    assert auth.expires_in == 3600
    assert auth.x_refresh_token_expires_in > 0
    company = CompanyInfo.get(auth.realm_id, qb=local.quickbooks(auth))
    assert company.CompanyName == "Harbor Point Managed IT LLC"
    with pytest.raises(AuthClientError) as reused:  # a code is single-use
        local.auth_client().get_bearer_token(callback["code"], realm_id=callback["realmId"])
    assert reused.value.status_code == 400
    assert b"invalid_grant" in reused.value.content


def test_refresh_rotates_the_refresh_token(local):
    first = local.auth_client()
    local.connect(first)
    original = first.refresh_token

    # The README's path: no access token given, so QuickBooks() refreshes on construction
    # and keeps the rotated refresh token.
    auth = local.auth_client(refresh_token=original)
    client = local.quickbooks(auth, refresh_token=original)
    assert auth.access_token
    assert client.refresh_token == auth.refresh_token != original
    assert CompanyInfo.get(local.sandbox.realm_id, qb=client).Country == "US"

    rotated = auth.refresh_token
    auth.refresh()
    assert auth.refresh_token not in (original, rotated)
    assert CompanyInfo.get(local.sandbox.realm_id, qb=local.quickbooks(auth)).Country == "US"

    # A rotated (stale) refresh token keeps working for a while (24 h at Intuit).
    stale = local.auth_client()
    stale.refresh(refresh_token=original)
    assert stale.access_token

    with pytest.raises(AuthClientError) as unknown:
        local.auth_client().refresh(refresh_token="AB-not-a-token")
    assert unknown.value.status_code == 400
    assert b"invalid_grant" in unknown.value.content


def test_revoke_disconnects_the_app(local):
    auth = local.auth_client()
    local.connect(auth)
    client = local.quickbooks(auth)
    assert CompanyInfo.get(auth.realm_id, qb=client).CompanyName

    assert auth.revoke() is True

    with pytest.raises(AuthorizationException) as denied:
        CompanyInfo.get(auth.realm_id, qb=client)
    assert denied.value.error_code == 401
    with pytest.raises(AuthClientError) as refused:
        auth.refresh()
    assert refused.value.status_code == 400


# -- reads and queries ----------------------------------------------------------------------


def test_company_info(qb, local):
    company = CompanyInfo.get(local.sandbox.realm_id, qb=qb)
    assert company.CompanyName == "Harbor Point Managed IT LLC"
    assert company.Country == "US"
    assert company.CompanyAddr.City == "Boston"
    assert company.CompanyAddr.CountrySubDivisionCode == "MA"


def test_customer_create_and_read(qb, obrien):
    assert obrien.Id
    assert obrien.SyncToken == "0"
    assert obrien.DisplayName == OBRIEN
    assert obrien.FullyQualifiedName == OBRIEN

    read = Customer.get(obrien.Id, qb=qb)
    assert read.DisplayName == OBRIEN
    assert read.CompanyName == "O'Brien & Sons Plumbing"
    assert read.PreferredDeliveryMethod == "Print"
    assert read.Active is True
    assert read.Balance == 0


def test_customer_filter_escapes_quotes(qb, obrien):
    found = Customer.filter(DisplayName=OBRIEN, qb=qb)
    assert [(c.Id, c.DisplayName) for c in found] == [(obrien.Id, OBRIEN)]
    assert Customer.filter(DisplayName="O'Brien", qb=qb) == []


def test_raw_query_with_quotes_and_ampersands(qb, obrien, wire):
    sql = "SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien & Sons'"
    found = Customer.query(sql, qb=qb)
    assert [c.Id for c in found] == [obrien.Id]
    sent = wire[-1]
    assert (sent.method, sent.path, sent.body) == (
        "POST",
        f"/v3/company/{qb.company_id}/query",
        sql,
    )
    assert sent.content_type == "application/text"

    liked = Customer.where("DisplayName LIKE '%& Sons'", qb=qb)
    assert [c.DisplayName for c in liked] == [OBRIEN]
    chosen = Customer.choose([OBRIEN, "Bayside Dental Group"], field="DisplayName", qb=qb)
    assert sorted(c.DisplayName for c in chosen) == ["Bayside Dental Group", OBRIEN]


def test_order_and_paging(qb, obrien):
    names = [c.DisplayName for c in Customer.all(order_by="DisplayName", qb=qb)]
    assert names == sorted(names, key=str.lower)
    assert OBRIEN in names
    active = [c.DisplayName for c in Customer.filter(Active=True, order_by="DisplayName", qb=qb)]
    backwards = Customer.filter(Active=True, order_by="DisplayName DESC", qb=qb)
    assert [c.DisplayName for c in backwards] == active[::-1]
    page = Customer.filter(
        Active=True, order_by="DisplayName", start_position=2, max_results=2, qb=qb
    )
    assert [c.DisplayName for c in page] == active[1:3]


def test_count(qb, obrien):
    assert Customer.count("DisplayName = 'O\\'Brien & Sons'", qb=qb) == 1
    assert Customer.count("DisplayName LIKE 'O\\'Brien%'", qb=qb) == 1
    assert Customer.count(qb=qb) == len(Customer.all(max_results=1000, qb=qb))


# -- updates --------------------------------------------------------------------------------


def test_full_update_clears_what_is_not_sent(qb):
    email = EmailAddress()
    email.Address = "office@fullupdate.example"
    created = new_customer(qb, "Full Update Ltd", CompanyName="Full", PrimaryEmailAddr=email)

    customer = Customer.get(created.Id, qb=qb)
    customer.CompanyName = "Full Update Ltd & Partners"
    customer.PrimaryEmailAddr = None  # left out of the body
    saved = customer.save(qb=qb)

    read = Customer.get(created.Id, qb=qb)
    assert saved.SyncToken == read.SyncToken == "1"
    assert read.CompanyName == "Full Update Ltd & Partners"
    assert read.PrimaryEmailAddr is None


def test_sparse_update_keeps_what_is_not_sent(qb):
    email = EmailAddress()
    email.Address = "office@sparse.example"
    created = new_customer(qb, "Sparse & Co", CompanyName="Sparse", PrimaryEmailAddr=email)

    customer = Customer.get(created.Id, qb=qb)
    customer.sparse = True
    customer.CompanyName = "Sparse & Co Holdings"
    customer.PrimaryEmailAddr = None  # left out of the body: kept
    customer.save(qb=qb)

    read = Customer.get(created.Id, qb=qb)
    assert read.SyncToken == "1"
    assert read.CompanyName == "Sparse & Co Holdings"
    assert read.PrimaryEmailAddr.Address == "office@sparse.example"


def test_deactivating_a_customer_renames_it(qb):
    created = new_customer(qb, "Closed Account Inc")
    customer = Customer.get(created.Id, qb=qb)
    customer.sparse = True
    customer.Active = False
    customer.save(qb=qb)

    read = Customer.get(created.Id, qb=qb)
    assert read.Active is False
    assert read.DisplayName == "Closed Account Inc (deleted)"
    assert Customer.filter(DisplayName="Closed Account Inc", qb=qb) == []


# -- other lists ----------------------------------------------------------------------------


def test_account_create(qb, income_account):
    read = Account.get(income_account.Id, qb=qb)
    assert read.Name == "Managed Services & Support"
    assert read.AccountType == "Income"
    assert read.AccountSubType == "ServiceFeeIncome"
    assert read.Classification == "Revenue"
    assert read.Active is True
    assert [a.Id for a in Account.filter(Name="Managed Services & Support", qb=qb)] == [read.Id]


def test_item_create(qb, service_item, income_account):
    read = Item.get(service_item.Id, qb=qb)
    assert read.Name == "Managed Workstation"
    assert read.Type == "Service"
    assert read.UnitPrice == 125
    assert read.IncomeAccountRef.value == income_account.Id


def test_item_sku_comes_back_from_all_but_not_from_a_plain_select(qb, income_account):
    item = Item()
    item.Name = "Firewall Appliance"
    item.Type = "Service"
    item.Sku = "FW-200"
    item.UnitPrice = 899
    item.IncomeAccountRef = income_account.to_ref()
    created = item.save(qb=qb)
    assert created.Sku == "FW-200"

    assert Item.get(created.Id, qb=qb).Sku == "FW-200"
    by_all = {i.Name: i.Sku for i in Item.all(qb=qb)}  # SELECT *, Sku FROM Item (0.9.12)
    assert by_all["Firewall Appliance"] == "FW-200"
    by_filter = Item.filter(Name="Firewall Appliance", qb=qb)  # SELECT * FROM Item WHERE …
    assert [i.Sku for i in by_filter] == [None]


def test_term_create(qb):
    term = Term()
    term.Name = "Net 21"
    term.DueDays = 21
    created = term.save(qb=qb)

    read = Term.get(created.Id, qb=qb)
    assert read.Name == "Net 21"
    assert read.DueDays == 21
    assert read.Type == "STANDARD"
    assert read.Active is True


def test_vendor_read(qb):
    vendors = Vendor.filter(DisplayName="Pax8", qb=qb)
    assert len(vendors) == 1
    assert Vendor.get(vendors[0].Id, qb=qb).DisplayName == "Pax8"


def test_vendor_create_as_documented(qb):
    vendor = Vendor()
    vendor.DisplayName = "Conformance Vendor & Co"
    vendor.CompanyName = "Conformance Vendor & Co"
    vendor.save(qb=qb)  # sends TaxReportingBasis "" and AcctNum "" with the rest

    read = Vendor.get(vendor.Id, qb=qb)
    assert (read.DisplayName, read.CompanyName) == ("Conformance Vendor & Co",) * 2
    assert read.AcctNum in ("", None)  # "" was "not set": nothing stored


# -- invoices and payments ------------------------------------------------------------------


def test_invoice_with_lines(qb, obrien, service_item):
    term = Term.filter(Name="Net 15", qb=qb)[0]
    created = new_invoice(qb, obrien, service_item, SalesTermRef=term.to_ref())

    invoice = Invoice.get(created.Id, qb=qb)
    assert invoice.CustomerRef.value == obrien.Id
    assert invoice.DocNumber
    assert invoice.TxnDate == DEMO_DATE.isoformat()
    assert invoice.DueDate == "2026-12-15"  # Net 15
    sales = [ln for ln in invoice.Line if ln.DetailType == "SalesItemLineDetail"]
    assert [(ln.SalesItemLineDetail.Qty, ln.SalesItemLineDetail.UnitPrice) for ln in sales] == [
        (2, 125),
        (1, 50),
    ]
    assert [ln.SalesItemLineDetail.ItemRef.value for ln in sales] == [service_item.Id] * 2
    assert [ln.Amount for ln in sales] == [250, 50]
    assert invoice.TotalAmt == 300
    assert invoice.Balance == 300


def test_invoice_full_update_from_a_read(qb, obrien, service_item):
    created = new_invoice(qb, obrien, service_item)

    invoice = Invoice.get(created.Id, qb=qb)
    invoice.PrivateNote = "Qty corrected & re-sent"
    first = invoice.Line[0]
    first.SalesItemLineDetail.Qty = 3
    first.Amount = 375
    invoice.save(qb=qb)

    read = Invoice.get(created.Id, qb=qb)
    assert read.SyncToken == "1"
    assert read.PrivateNote == "Qty corrected & re-sent"
    assert read.DocNumber == created.DocNumber
    sales = [ln for ln in read.Line if ln.DetailType == "SalesItemLineDetail"]
    assert [(ln.Id, ln.SalesItemLineDetail.Qty, ln.Amount) for ln in sales] == [
        (created.Line[0].Id, 3, 375),
        (created.Line[1].Id, 1, 50),
    ]
    assert read.TotalAmt == read.Balance == 425


def test_payment_linked_to_an_invoice(qb, service_item):
    customer = new_customer(qb, "Payer & Daughters")
    invoice = new_invoice(qb, customer, service_item)

    payment = new_payment(qb, customer, invoice, 100)

    read = Payment.get(payment.Id, qb=qb)
    assert read.TotalAmt == 100
    assert read.UnappliedAmt == 0
    assert read.CustomerRef.value == customer.Id
    assert [(t.TxnId, t.TxnType) for t in read.Line[0].LinkedTxn] == [(invoice.Id, "Invoice")]
    after = Invoice.get(invoice.Id, qb=qb)
    assert after.Balance == 200
    assert (payment.Id, "Payment") in [(t.TxnId, t.TxnType) for t in after.LinkedTxn]
    assert Customer.get(customer.Id, qb=qb).Balance == 200

    read.PrivateNote = "Check 1042"
    read.save(qb=qb)  # a payment read back re-sends its LinkedTxn with TxnLineId 0
    resaved = Payment.get(payment.Id, qb=qb)
    assert resaved.PrivateNote == "Check 1042" and resaved.TotalAmt == 100
    assert Invoice.get(invoice.Id, qb=qb).Balance == 200

    resaved.void(qb=qb)
    voided = Payment.get(payment.Id, qb=qb)
    assert voided.TotalAmt == 0
    assert Invoice.get(invoice.Id, qb=qb).Balance == 300


def test_payment_delete_gives_the_balance_back(qb, service_item):
    customer = new_customer(qb, "Refund & Return LLC")
    invoice = new_invoice(qb, customer, service_item, lines=((1, 80),))
    payment = new_payment(qb, customer, invoice, 80)
    assert Invoice.get(invoice.Id, qb=qb).Balance == 0

    answer = payment.delete(qb=qb)

    assert answer["Payment"]["status"] == "Deleted"
    assert Invoice.get(invoice.Id, qb=qb).Balance == 80
    with pytest.raises(ObjectNotFoundException):
        Payment.get(payment.Id, qb=qb)


def test_void_an_invoice(qb, obrien, service_item):
    created = new_invoice(qb, obrien, service_item)

    created.void(qb=qb)

    invoice = Invoice.get(created.Id, qb=qb)
    assert invoice.TotalAmt == 0
    assert invoice.Balance == 0
    assert invoice.PrivateNote == "Voided"
    assert invoice.SyncToken == "1"
    assert {ln.Amount for ln in invoice.Line} == {0}


def test_delete_an_invoice(qb, obrien, service_item):
    created = new_invoice(qb, obrien, service_item)

    answer = created.delete(qb=qb)

    assert answer["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": created.Id}
    with pytest.raises(ObjectNotFoundException) as gone:
        Invoice.get(created.Id, qb=qb)
    assert gone.value.error_code == 610


# -- batch ----------------------------------------------------------------------------------


def test_batch_create(qb, obrien):
    names = ["Batch North & Co", "Batch O'Neil", "Batch South", OBRIEN]
    customers = []
    for name in names:
        customer = Customer()
        customer.DisplayName = name
        customers.append(customer)

    results = batch_create(customers, qb=qb)

    assert sorted(c.DisplayName for c in results.successes) == sorted(names[:3])
    assert len(results.faults) == 1
    fault = results.faults[0]
    assert fault.original_object.DisplayName == OBRIEN
    assert [(e.code, e.element) for e in fault.Error] == [("6240", "DisplayName")]
    read = Customer.choose(names[:3], field="DisplayName", qb=qb)
    assert sorted((c.Id, c.DisplayName) for c in read) == sorted(
        (c.Id, c.DisplayName) for c in results.successes
    )


# -- errors ---------------------------------------------------------------------------------


def test_duplicate_display_name_is_6240(qb, obrien):
    with pytest.raises(QuickbooksException) as dup:
        new_customer(qb, OBRIEN)
    assert type(dup.value) is QuickbooksException  # 6240 is outside the library's ranges
    assert dup.value.error_code == 6240
    assert dup.value.message == "Duplicate Name Exists Error"
    assert "Another customer, vendor or employee is already using this name" in dup.value.detail


def test_a_vendors_name_is_taken_for_customers_too(qb):
    with pytest.raises(QuickbooksException) as dup:
        new_customer(qb, "Pax8")
    assert dup.value.error_code == 6240
    assert Customer.filter(DisplayName="Pax8", qb=qb) == []


def test_stale_sync_token_is_5010(qb):
    created = new_customer(qb, "Two Editors Ltd")
    mine = Customer.get(created.Id, qb=qb)
    theirs = Customer.get(created.Id, qb=qb)
    theirs.CompanyName = "Saved first"
    theirs.save(qb=qb)

    mine.CompanyName = "Saved second"
    with pytest.raises(QuickbooksException) as stale:
        mine.save(qb=qb)

    assert type(stale.value) is QuickbooksException
    assert stale.value.error_code == 5010
    assert stale.value.message == "Stale Object Error"
    read = Customer.get(created.Id, qb=qb)
    assert (read.CompanyName, read.SyncToken) == ("Saved first", "1")


def test_an_unknown_reference_is_a_validation_error(qb, obrien, service_item):
    missing = Item()
    missing.Id = "9999"
    missing.Name = "No such item"
    before = Invoice.count(qb=qb)
    with pytest.raises(ValidationException) as bad:
        new_invoice(qb, obrien, missing)
    assert bad.value.error_code == 2500
    assert Invoice.count(qb=qb) == before
