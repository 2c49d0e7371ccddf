"""python-quickbooks 0.9.12 against the local sandbox: errors, idempotency, batches, paging,
updates of the other name lists, and pacing (issue 11 item 4).

- **Errors** as the library maps them (``QuickBooks.handle_exceptions``): 2020 (required
  parameter missing) → ``ValidationException``; 610 (object not found, also for a read of an
  unknown Id) → ``ObjectNotFoundException``; 6000 (business validation) → the base
  ``QuickbooksException``; HTTP 401 (the lowercase 3200 body) → ``AuthorizationException``
  with ``error_code`` 401, and the XML 429 body → ``QuickbooksException`` 10000 (the library
  cannot read it).
- **requestid**: ``save(qb=qb, request_id=…)`` sends ``requestid=``; the same id twice runs
  once and answers the first answer again (reference §2).
- **Batches**: ``batch_create`` / ``batch_update`` / ``batch_delete`` split results into
  ``successes`` and ``faults``; the library sends at most 30 items a batch
  (``BatchManager(max_request_items=30)``), QuickBooks' own limit (reference §6).
- **Pacing**: the sandbox enforces QuickBooks' limits (settings ``limits``); every client of
  this module is paced (conftest ``PacedAdapter``), and the last test checks that no request
  of the module was answered 429. At ``TIME_SCALE`` a QBO second is 1/60 s, shorter than ten
  sequential requests take here, so the limits bite only a burst from threads; two tests put
  the sandbox on time scale 1 for a moment, where 12 reads one after another show both that
  an unpaced client is throttled and that a paced one is not.
"""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import requests
from quickbooks.batch import batch_create, batch_delete, batch_update
from quickbooks.exceptions import (
    AuthorizationException,
    ObjectNotFoundException,
    QuickbooksException,
    ValidationException,
)
from quickbooks.objects.account import Account
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment
from quickbooks.objects.term import Term
from quickbooks.objects.vendor import Vendor

from conftest import TIME_SCALE

from .conftest import Pacer
from .test_python_quickbooks import new_customer, new_invoice, new_payment


@pytest.fixture(scope="module")
def income_account(qb) -> Account:
    account = Account()
    account.Name = "Project Income"
    account.AccountType = "Income"
    account.AccountSubType = "ServiceFeeIncome"
    return account.save(qb=qb)


def new_item(qb, name: str, account: Account, **fields) -> Item:
    item = Item()
    item.Name = name
    item.Type = "Service"
    item.IncomeAccountRef = account.to_ref()
    for key, value in fields.items():
        setattr(item, key, value)
    return item.save(qb=qb)


@pytest.fixture(scope="module")
def service_item(qb, income_account) -> Item:
    return new_item(qb, "Onsite Hour", income_account, UnitPrice=150)


@pytest.fixture(scope="module")
def customer(qb) -> Customer:
    return new_customer(qb, "Errors & Edge Cases Ltd")


def last_answer(wire) -> dict:
    """The JSON body of the last answer the module's ``qb`` client got."""
    return json.loads(wire[-1].response)


def customers(*names: str) -> list[Customer]:
    made = []
    for name in names:
        c = Customer()
        c.DisplayName = name
        made.append(c)
    return made


# -- pacing: the limits are on ---------------------------------------------------------------


def test_the_sandbox_enforces_limits(local):
    settings = requests.get(f"{local.sandbox.qbo_url}/_sandbox/settings", timeout=10).json()
    assert settings["limits"] is True
    assert settings["time_scale"] == TIME_SCALE


def burst(client, realm: str, count: int = 40) -> list[BaseException | None]:
    """``count`` CompanyInfo reads from 10 threads at once; the exception of each, or None."""

    def read(_):
        try:
            CompanyInfo.get(realm, qb=client)
        except QuickbooksException as exc:
            return exc
        return None

    with ThreadPoolExecutor(10) as pool:
        return list(pool.map(read, range(count)))


@contextmanager
def real_seconds(local, qb):
    """The sandbox on time scale 1 (a QBO second is a real one): 11 requests one after
    another then surely come within one second. Then the module's time scale again, and
    one read by ``qb`` so that the sandbox starts its windows anew (it does on the first
    request after a change)."""
    local.set_time_scale(1.0)
    try:
        yield
    finally:
        local.set_time_scale(TIME_SCALE)
        CompanyInfo.get(local.sandbox.realm_id, qb=qb)


def reads(client, realm: str, count: int) -> list[BaseException | None]:
    """``count`` CompanyInfo reads, one after another; the exception of each, or None."""
    errors = []
    for _ in range(count):
        try:
            CompanyInfo.get(realm, qb=client)
            errors.append(None)
        except QuickbooksException as exc:
            errors.append(exc)
    return errors


def test_an_unpaced_client_is_throttled_and_the_library_cannot_read_the_429(local, auth_client, qb):
    unpaced = local.quickbooks(auth_client, paced=False)
    with real_seconds(local, qb):
        errors = reads(unpaced, local.sandbox.realm_id, 12)
    assert errors[:10] == [None] * 10  # 10 a second per realm + app (reference §6)
    assert [(type(e), e.error_code) for e in errors[10:]] == [(QuickbooksException, 10000)] * 2
    assert all("ThrottleExceeded" in e.message for e in errors[10:])  # the XML body, unread


def test_a_paced_client_is_not_throttled(local, auth_client, qb):
    pacer = Pacer(1.0)
    paced = local.quickbooks(auth_client, pacer=pacer)
    with real_seconds(local, qb):
        start = time.monotonic()
        errors = reads(paced, local.sandbox.realm_id, 12)
        elapsed = time.monotonic() - start
    assert errors == [None] * 12
    assert pacer.throttled == 0
    assert elapsed >= 1.0  # the 11th waited for the first to leave its second


def test_a_paced_threaded_burst_is_never_throttled(local, qb):
    before = local.pacer.throttled
    assert burst(qb, local.sandbox.realm_id) == [None] * 40
    assert local.pacer.throttled == before == 0


# -- errors the library maps -----------------------------------------------------------------


def test_invoice_without_customer_is_2020(qb, service_item):
    line = SalesItemLine()
    line.Amount = 150
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = service_item.to_ref()
    invoice = Invoice()
    invoice.Line.append(line)  # lines, but no CustomerRef
    _refused_without_customer(qb, invoice)


def test_payment_without_customer_is_2020(qb):
    payment = Payment()
    payment.TotalAmt = 10
    _refused_without_customer(qb, payment)


def _refused_without_customer(qb, record) -> None:
    """Saving ``record`` is 2020 naming CustomerRef (ValidationException), nothing stored."""
    before = type(record).count(qb=qb)
    with pytest.raises(ValidationException) as missing:
        record.save(qb=qb)
    assert missing.value.error_code == 2020
    assert "CustomerRef" in missing.value.detail
    assert type(record).count(qb=qb) == before


def test_reading_an_unknown_id_is_610(qb):
    with pytest.raises(ObjectNotFoundException) as gone:
        Customer.get(99999, qb=qb)
    assert gone.value.error_code == 610
    assert gone.value.message == "Object Not Found"


def test_paying_more_than_the_balance_is_6000(qb, service_item):
    payer = new_customer(qb, "Overpayer Inc")
    invoice = new_invoice(qb, payer, service_item, lines=((1, 100),))
    with pytest.raises(QuickbooksException) as business:
        new_payment(qb, payer, invoice, 150)
    assert type(business.value) is QuickbooksException  # 6000 is outside the library's ranges
    assert business.value.error_code == 6000
    assert business.value.detail.startswith("Business Validation Error")
    assert Invoice.get(invoice.Id, qb=qb).Balance == 100
    assert Payment.filter(CustomerRef=payer.Id, qb=qb) == []


def test_a_malformed_token_is_401(local):
    auth = local.auth_client(access_token="not-a-token", refresh_token="not-either")
    client = local.quickbooks(auth)
    with pytest.raises(AuthorizationException) as denied:
        CompanyInfo.get(local.sandbox.realm_id, qb=client)
    assert denied.value.error_code == 401
    assert denied.value.message == "Application authentication failed"
    assert "errorCode=003200; statusCode=401" in denied.value.detail
    assert '"code":"3200"' in denied.value.detail.replace(" ", "")


# -- requestid -------------------------------------------------------------------------------


def test_the_same_request_id_creates_once(qb, wire):
    rid = str(uuid.uuid4())
    first = customers("Idempotent & Co")[0].save(qb=qb, request_id=rid)
    assert f"requestid={rid}" in wire[-1].query
    again = customers("Idempotent & Co")[0].save(qb=qb, request_id=rid)

    assert again.Id == first.Id and again.SyncToken == first.SyncToken == "0"
    assert [c.Id for c in Customer.filter(DisplayName="Idempotent & Co", qb=qb)] == [first.Id]

    other = customers("Idempotent & Sons")[0].save(qb=qb, request_id=str(uuid.uuid4()))
    assert other.Id != first.Id
    with pytest.raises(QuickbooksException) as dup:  # a new id runs again: the name is taken
        customers("Idempotent & Co")[0].save(qb=qb, request_id=str(uuid.uuid4()))
    assert dup.value.error_code == 6240


# -- batches ---------------------------------------------------------------------------------


def test_batch_create_of_more_than_30_is_split(qb, wire):
    names = [f"Bulk Customer {n:02d}" for n in range(35)]
    new_customer(qb, names[3])
    before = len(wire)

    results = batch_create(customers(*names[:34], names[3]), qb=qb)

    sent = [e for e in wire[before:] if e.path.endswith("/batch")]
    assert [e.body.count('"bId"') for e in sent] == [30, 5]
    assert len(results.successes) == 33
    assert sorted(f.original_object.DisplayName for f in results.faults) == [names[3]] * 2
    assert {e.code for f in results.faults for e in f.Error} == {"6240"}
    stored = Customer.where("DisplayName LIKE 'Bulk Customer %'", max_results=100, qb=qb)
    assert len(stored) == 34
    assert sorted(c.Id for c in results.successes) == sorted(
        c.Id for c in stored if c.DisplayName != names[3]
    )


def test_batch_update_with_a_stale_item(qb):
    fresh, stale = (
        Customer.get(c.Id, qb=qb)
        for c in batch_create(customers("Batch Fresh", "Batch Stale"), qb=qb).successes
    )
    stale_copy = Customer.get(stale.Id, qb=qb)
    stale_copy.CompanyName = "Changed first"
    stale_copy.save(qb=qb)
    fresh.CompanyName = "Fresh Holdings"
    stale.CompanyName = "Never saved"

    results = batch_update([fresh, stale], qb=qb)

    assert [(c.Id, c.CompanyName, c.SyncToken) for c in results.successes] == [
        (fresh.Id, "Fresh Holdings", "1")
    ]
    assert [(f.original_object.Id, f.Error[0].code) for f in results.faults] == [(stale.Id, "5010")]
    assert Customer.get(stale.Id, qb=qb).CompanyName == "Changed first"


def test_batch_delete_with_a_missing_item(qb, customer, service_item):
    keep, gone = new_invoice(qb, customer, service_item), new_invoice(qb, customer, service_item)
    keep_id = keep.Id
    gone.delete(qb=qb)
    doomed = new_invoice(qb, customer, service_item)

    results = batch_delete([doomed, gone], qb=qb)

    assert [f.original_object.Id for f in results.faults] == [gone.Id]
    assert results.faults[0].Error[0].code == "610"
    assert len(results.successes) == 1
    with pytest.raises(ObjectNotFoundException):
        Invoice.get(doomed.Id, qb=qb)
    assert Invoice.get(keep_id, qb=qb).Id == keep_id


# -- paging ----------------------------------------------------------------------------------


def test_walking_pages_equals_one_big_query(qb):
    everyone = [c.Id for c in Customer.all(order_by="Id", max_results=1000, qb=qb)]
    assert len(everyone) > 12
    walked, start = [], 1
    while page := Customer.all(order_by="Id", start_position=start, max_results=5, qb=qb):
        assert len(page) <= 5
        walked += [c.Id for c in page]
        start += 5
    assert walked == everyone


def test_startposition_in_a_raw_query(qb):
    everyone = [c.Id for c in Customer.query("SELECT * FROM Customer MAXRESULTS 1000", qb=qb)]
    first = Customer.query("SELECT * FROM Customer STARTPOSITION 1 MAXRESULTS 5", qb=qb)
    assert [c.Id for c in first] == everyone[:5]
    later = Customer.query("SELECT * FROM Customer STARTPOSITION 6 MAXRESULTS 5", qb=qb)
    assert [c.Id for c in later] == everyone[5:10]


def test_count_with_a_where(qb):
    active = Customer.count("Active = true", qb=qb)
    assert active == len(Customer.filter(Active=True, max_results=1000, qb=qb))
    liked = Customer.count("DisplayName LIKE 'Bulk Customer%'", qb=qb)
    assert liked == len(Customer.where("DisplayName LIKE 'Bulk Customer%'", qb=qb)) == 34
    assert Customer.count("DisplayName = 'Nobody At All'", qb=qb) == 0


# -- sparse and full updates of the other name lists -----------------------------------------


def test_vendor_sparse_and_full_update(wire, qb):
    vendor = Vendor()
    vendor.DisplayName = "Updates Vendor"
    vendor.CompanyName = "Updates Vendor LLC"
    vendor.save(qb=qb)

    sparse = Vendor.get(vendor.Id, qb=qb)
    sparse.sparse = True
    sparse.CompanyName = None  # not sent: kept
    sparse.AcctNum = "V-100"
    sparse.save(qb=qb)
    read = Vendor.get(vendor.Id, qb=qb)
    assert (read.SyncToken, read.CompanyName, read.AcctNum) == ("1", "Updates Vendor LLC", "V-100")

    read.CompanyName = None  # full update: not sent, so cleared
    read.save(qb=qb)
    full = Vendor.get(vendor.Id, qb=qb)
    assert (full.SyncToken, full.AcctNum) == ("2", "V-100")
    assert "CompanyName" not in last_answer(wire)["Vendor"]  # "" is the library's default


def test_item_sparse_and_full_update(wire, qb, income_account):
    created = new_item(qb, "Updates Item", income_account, UnitPrice=10, Description="Plain")

    sparse = Item.get(created.Id, qb=qb)
    sparse.sparse = True
    sparse.Description = None
    sparse.UnitPrice = 12
    sparse.save(qb=qb)
    read = Item.get(created.Id, qb=qb)
    assert (read.SyncToken, read.UnitPrice, read.Description) == ("1", 12, "Plain")

    read.Description = None
    read.UnitPrice = 15
    read.save(qb=qb)
    full = Item.get(created.Id, qb=qb)
    assert (full.SyncToken, full.UnitPrice) == ("2", 15)
    assert "Description" not in last_answer(wire)["Item"]


def test_account_sparse_and_full_update(wire, qb):
    account = Account()
    account.Name = "Updates Account"
    account.AccountType = "Income"
    account.AccountSubType = "ServiceFeeIncome"
    account.Description = "First"
    account.save(qb=qb)

    sparse = Account.get(account.Id, qb=qb)
    sparse.sparse = True
    sparse.Description = None
    sparse.AcctNum = "4100"
    sparse.save(qb=qb)
    read = Account.get(account.Id, qb=qb)
    assert (read.SyncToken, read.Description, read.AcctNum) == ("1", "First", "4100")

    read.Description = None
    read.save(qb=qb)
    full = Account.get(account.Id, qb=qb)
    assert (full.SyncToken, full.AcctNum) == ("2", "4100")
    assert "Description" not in last_answer(wire)["Account"]


def test_term_sparse_and_full_update(qb):
    term = Term()
    term.Name = "Net 40"
    term.DueDays = 40
    term.DiscountPercent = 2
    term.DiscountDays = 10
    term.save(qb=qb)

    sparse = Term.get(term.Id, qb=qb)
    sparse.sparse = True
    sparse.DiscountPercent = None  # not sent: kept (Name is sent, as Term needs)
    sparse.DueDays = 45
    sparse.save(qb=qb)
    read = Term.get(term.Id, qb=qb)
    assert (read.SyncToken, read.DueDays, read.DiscountPercent) == ("1", 45, 2)

    read.DiscountPercent = None
    read.DiscountDays = None
    read.save(qb=qb)
    full = Term.get(term.Id, qb=qb)
    assert (full.SyncToken, full.DueDays, full.DiscountPercent) == ("2", 45, None)


def test_deactivating_an_item(qb, income_account):
    created = new_item(qb, "Retired Service", income_account, UnitPrice=5)
    item = Item.get(created.Id, qb=qb)
    item.sparse = True
    item.Active = False
    item.save(qb=qb)

    read = Item.get(created.Id, qb=qb)
    assert read.Active is False
    assert read.Name == "Retired Service (deleted)"
    assert Item.filter(Name="Retired Service", qb=qb) == []
    assert [i.Id for i in Item.filter(Active=False, qb=qb) if i.Id == created.Id] == [created.Id]


# -- last: expiry, then the module's traffic -------------------------------------------------


def test_an_expired_token_is_401_until_refreshed(local, qb, auth_client):
    requests.post(
        f"{local.sandbox.qbo_url}/_sandbox/expire-tokens",
        headers=local.sandbox.control_headers(),
        timeout=10,
    ).raise_for_status()
    try:
        with pytest.raises(AuthorizationException) as expired:
            CompanyInfo.get(local.sandbox.realm_id, qb=qb)
        assert expired.value.error_code == 401
        assert "AuthenticationFailed" in expired.value.detail
    finally:
        auth_client.refresh()  # the caller's job: the library does not refresh on 401
        qb.session.token = {
            "access_token": auth_client.access_token,
            "refresh_token": auth_client.refresh_token,
        }
    assert CompanyInfo.get(local.sandbox.realm_id, qb=qb).Country == "US"


def test_no_request_of_the_module_was_throttled(local, wire):
    assert len(wire) > 100
    assert [e for e in wire if e.status == 429] == []
    assert local.pacer.throttled == 0  # nor of any other paced client of the module
