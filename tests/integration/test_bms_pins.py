"""Rules of the BMS sandbox that docs/sandbox-fidelity.md listed as unpinned ("No test (BMS)"),
pinned over real HTTP: the 405 envelope, PageNumber 0 and negative, ``ExternalTenantId`` on
sales tax items, empty filter values, UTC ``Z`` time stamps, and three ImportPayments rules
(no payment ``Id``, a negative line amount or discount, a line on a void invoice), each read
through the job status and the invoice's PaidAmount / PaymentDue.

The tenant is shared by the whole session: payment tests take their own Sent invoices
(``take_sent_invoice``) and use uuids for references and payment ids; the void test writes a
reference onto one void invoice no other test reads (there is no other way to name it).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest
import requests

from reconcile.bms import loaders, openapi
from reconcile.bms.errors import BmsError
from tests.integration.conftest import BMS_PAYMENTS, bms_payment

ACCOUNTS = "/v2/crm/accounts/summary"
CHART = "/v2/admin/finance/chartofaccounts"
INVOICES = "/v2/finance/invoices/summary"
SERVICES = "/v2/admin/finance/services/search"
TAX_ITEMS = "/v2/integration/qbd/salestaxitems"
PAYMENTS = BMS_PAYMENTS
VOID = 6
UTC_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def _raw(bms_client, method: str, path: str, **kwargs) -> requests.Response:
    """A plain request with the client's token: nothing between us and the answer."""
    return requests.request(
        method,
        f"{bms_client.settings.base_url}{path}",
        headers={"Authorization": f"Bearer {bms_client.auth.token()}"},
        timeout=10,
        **kwargs,
    )


def _refused(call) -> BmsError:
    with pytest.raises(BmsError) as caught:
        call()
    return caught.value


# -- envelope, paging, parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/v2/finance/invoices/70001"), ("GET", PAYMENTS), ("POST", ACCOUNTS)],
)
def test_wrong_method_on_a_known_path_is_a_405_envelope(bms_client, method, path):
    """Known path, wrong method → HTTP 405 envelope."""
    resp = _raw(bms_client, method, path)
    assert resp.status_code == 405
    body = resp.json()
    assert body == {"Success": False, "Error": {"Code": 405, "Message": "Method not allowed"}}
    assert "Result" not in body
    # …and nothing was done: the invoice is still there.
    assert bms_client.result("GET", "/v2/finance/invoices/70001")["Id"] == 70001


def test_page_number_zero_is_read_as_the_first_page(bms_client):
    """PageNumber 0 is read as 1 (GET lists and the search POST)."""
    first = bms_client.request("GET", ACCOUNTS, params={"PageSize": 7, "PageNumber": 1})
    zero = bms_client.request("GET", ACCOUNTS, params={"PageSize": 7, "PageNumber": 0})
    assert zero.success and zero.total_records == first.total_records == 62
    assert [r["Id"] for r in zero.result] == [r["Id"] for r in first.result]
    second = bms_client.result("GET", ACCOUNTS, params={"PageSize": 7, "PageNumber": 2})
    assert second[0]["Id"] != zero.result[0]["Id"]  # 0 is page one, not "no paging"
    body = {"PageSize": 5}
    searched = [bms_client.result("POST", SERVICES, json={**body, "PageNumber": n}) for n in (0, 1)]
    assert [r["Id"] for r in searched[0]] == [r["Id"] for r in searched[1]]


@pytest.mark.parametrize("path", [ACCOUNTS, INVOICES, CHART])
def test_negative_page_number_is_a_400_naming_it(bms_client, path):
    """A negative PageNumber → HTTP 400, Code 400, SubErrors naming PageNumber."""
    err = _refused(lambda: bms_client.request("GET", path, params={"PageNumber": -1}))
    assert err.status == 400 and err.code == 400
    assert err.message == "One or more validation errors occurred."
    assert err.sub_errors == ["PageNumber: must be 1 or more, got -1."]


def test_negative_page_number_in_a_search_body_is_a_400(bms_client):
    """A negative PageNumber in the search POST's body → 400 naming PageNumber."""
    err = _refused(
        lambda: bms_client.request("POST", SERVICES, json={"PageSize": 5, "PageNumber": -2})
    )
    assert err.status == 400 and err.code == 400
    assert any("PageNumber" in s and "-2" in s for s in err.sub_errors)


@pytest.mark.parametrize("params", [{}, {"ExternalTenantId": ""}], ids=["absent", "empty"])
def test_sales_tax_items_need_the_external_tenant_id(bms_client, bms_settings, params):
    """GET /v2/integration/qbd/salestaxitems without ExternalTenantId → 400."""
    err = _refused(lambda: bms_client.request("GET", TAX_ITEMS, params=params))
    assert err.status == 400 and err.code == 400
    assert err.sub_errors == ["ExternalTenantId: The ExternalTenantId field is required."]
    assert "ExternalTenantId" in str(err)
    named = bms_client.request(
        "GET", TAX_ITEMS, params={"ExternalTenantId": bms_settings.external_tenant_id}
    )
    assert named.success and named.total_records and len(named.result) == named.total_records


@pytest.mark.parametrize(
    ("path", "filters"),
    [
        (
            ACCOUNTS,
            [
                "Filter.AccountName",
                "Filter.AccountCode",
                "Filter.AccountTypeId",
                "Filter.AccountTypeName",
                "Filter.CreatedOnFrom",
                "Filter.CreatedOnTo",
                "Filter.ModifiedOnFrom",
                "Filter.ModifiedOnTo",
                "Filter.IsActive",
            ],
        ),
        (
            CHART,
            [
                "Filter.Id",
                "Filter.Code",
                "Filter.Name",
                "Filter.TypeId",
                "Filter.ParentId",
                "Filter.IsActive",
            ],
        ),
        (
            INVOICES,
            [
                "Filter.Id",
                "Filter.InvoiceNumber",
                "Filter.AccountId",
                "Filter.AccountName",
                "Filter.StatusId",
                "Filter.CreatedFrom",
                "Filter.CreatedTo",
                "Filter.PostedToAccounting",
            ],
        ),
    ],
    ids=["accounts", "chart", "invoices"],
)
def test_empty_filter_values_are_ignored(bms_client, path, filters):
    """Empty filter values are ignored (the list is answered as if unfiltered)."""
    everything = _raw(bms_client, "GET", path, params={"PageSize": 1000})
    empty = _raw(bms_client, "GET", path, params={"PageSize": 1000, **dict.fromkeys(filters, "")})
    assert "=&" in empty.request.url  # the empty values were sent
    assert empty.status_code == 200
    body = empty.json()
    assert body["Success"] is True and "Error" not in body
    assert body == everything.json()
    assert len(body["Result"]) > 1
    # The same parameters with a value are read, and an unreadable one refused by name.
    resp = _raw(bms_client, "GET", path, params={"PageSize": 1000, filters[-1]: "maybe"})
    assert resp.status_code == 400
    assert any(filters[-1] in s and "maybe" in s for s in resp.json()["Error"]["SubErrors"])


# -- time stamps ----------------------------------------------------------------------------------


def _stamps(value, found: list[str]) -> list[str]:
    """Every string in an answer that starts like a date."""
    if isinstance(value, dict):
        for v in value.values():
            _stamps(v, found)
    elif isinstance(value, list):
        for v in value:
            _stamps(v, found)
    elif isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
        found.append(value)
    return found


def test_time_stamps_are_answered_in_utc_with_z(sandbox, bms_client):
    """Time stamps answered as UTC YYYY-MM-DDTHH:MM:SSZ."""
    ident = sandbox.bms_identity
    before = time.time()
    signed_in = requests.post(
        f"{sandbox.bms_url}/v2/security/authenticate",
        files={
            k: (None, v)
            for k, v in {
                "GrantType": "password",
                "UserName": ident["username"],
                "Password": ident["password"],
                "Tenant": ident["tenant"],
            }.items()
        },
        timeout=10,
    )
    assert signed_in.status_code == 200 and signed_in.json()["Success"] is True
    answers = [signed_in.json()]
    for path, params in [
        ("/v2/security/userinfo", {}),
        (ACCOUNTS, {"PageSize": 20}),
        (INVOICES, {"PageSize": 20}),
        ("/v2/finance/invoices/70001", {}),
    ]:
        resp = _raw(bms_client, "GET", path, params=params)
        assert resp.status_code == 200, resp.text
        answers.append(resp.json())
    stamps = _stamps(answers, [])
    assert len(stamps) > 100
    bad = [s for s in stamps if not UTC_Z.fullmatch(s)]
    assert bad == []
    # The instant is UTC, not a local wall clock labelled Z: the access token's expiry is
    # now + bms_access_token_ttl (1 h). Token lifetimes keep the real clock, not the pinned
    # day (reconcile.clock), so this compares with the real now, on any date.
    expires = signed_in.json()["Result"]["AccessTokenExpireOn"]
    instant = datetime.strptime(expires, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert before + 3600 - 5 <= instant <= time.time() + 3600 + 5


def test_datetime_filters_take_any_offset(bms_client):
    """DateTime filters take any offset (compared as instants with the UTC stamps)."""
    (account,) = bms_client.result("GET", ACCOUNTS, params={"PageSize": 1})
    created = datetime.strptime(account["CreatedOn"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    eastern = created.astimezone(timezone(timedelta(hours=-5)))
    assert eastern.isoformat().endswith("-05:00")

    def ids(low: datetime) -> set[int]:
        rows = bms_client.result(
            "GET",
            ACCOUNTS,
            params={
                "Filter.CreatedOnFrom": low.isoformat(),
                "Filter.CreatedOnTo": low.isoformat(),
                "PageSize": 1000,
            },
        )
        return {r["Id"] for r in rows}

    assert account["Id"] in ids(eastern)
    assert account["Id"] not in ids(eastern + timedelta(seconds=1))
    err = _refused(
        lambda: bms_client.request("GET", ACCOUNTS, params={"Filter.CreatedOnFrom": "yesterday"})
    )
    assert err.status == 400
    assert any("CreatedOnFrom" in s and "not valid for DateTime" in s for s in err.sub_errors)


# -- ImportPayments -------------------------------------------------------------------------------


def _ref() -> str:
    return f"QB-{uuid.uuid4().hex[:12]}"


def _invoice(client, invoice_id: int) -> dict:
    return client.result("GET", f"/v2/finance/invoices/{invoice_id}")


def _write_ref(client, invoice_id: int) -> str:
    ref = _ref()
    loaders.write_invoice_references(
        client,
        pd.DataFrame([{"InvoiceId": invoice_id, "QbInvoiceId": ref, "QbInvoiceNumber": "Q1"}]),
    )
    return ref


def _import(client, payments: list[dict]) -> dict:
    """Send the payments, then read the job through GET /v2/integration/qbd/jobstatus/{id}."""
    assert openapi.errors(openapi.request_schema(PAYMENTS, "post"), payments) == []
    job_id = loaders.import_payments(client, payments)
    assert job_id.isdigit()
    loaders.wait_for_job(client, job_id, timeout=10, every=0.1)
    return loaders.job_status(client, job_id)


def _unchanged(client, before: dict) -> None:
    after = _invoice(client, before["Id"])
    assert after["PaidAmount"] == before["PaidAmount"]
    assert after["PaymentDue"] == before["PaymentDue"]
    assert after["StatusId"] == before["StatusId"]
    assert after == before


@pytest.fixture()
def referenced_invoice(bms_client, take_sent_invoice):
    """A Sent invoice with a fresh QuickBooks reference written back: (invoice, reference)."""
    inv = take_sent_invoice()
    ref = _write_ref(bms_client, inv["Id"])
    return _invoice(bms_client, inv["Id"]), ref


def test_a_payment_without_id_is_an_error(bms_client, referenced_invoice):
    """ImportPayments: a payment without Id is an Error (absent, null or empty)."""
    inv, ref = referenced_invoice
    payments = [
        bms_payment(bms_client, [(ref, 5.0, round(inv["PaymentDue"] - 5.0, 2))]) for _ in range(3)
    ]
    del payments[0]["Id"]
    payments[1]["Id"] = None
    payments[2]["Id"] = ""

    job = _import(bms_client, payments)

    assert job["State"] == "Failed"
    assert [log["Code"] for log in job["JobLogs"]] == ["Error"] * 3
    for log in job["JobLogs"]:
        assert log["Message"] == "Payment without Id: an external payment id is required."
    _unchanged(bms_client, inv)
    # The same payment with an Id is applied: the Id was the only fault.
    good = _import(bms_client, [{**payments[2], "Id": str(uuid.uuid4())}])
    assert [log["Code"] for log in good["JobLogs"]] == ["Applied"]
    assert _invoice(bms_client, inv["Id"])["PaidAmount"] == pytest.approx(inv["PaidAmount"] + 5)


@pytest.mark.parametrize(
    ("amount", "discount"),
    [(-5.0, 0.0), (5.0, -5.0), (0.0, -1.0)],
    ids=["negative amount", "negative discount", "negative discount alone"],
)
def test_a_negative_line_amount_or_discount_is_an_error(
    bms_client, referenced_invoice, amount, discount
):
    """ImportPayments: a line with a negative Amount or Discount is an Error, nothing applied."""
    inv, ref = referenced_invoice
    payment = bms_payment(
        bms_client,
        [(ref, amount, round(inv["PaymentDue"] - amount - discount, 2))],
        discount=discount,
    )

    job = _import(bms_client, [payment])

    assert job["State"] == "Failed"
    (log,) = job["JobLogs"]
    assert log["Code"] == "Error"
    assert payment["Id"] in log["Message"]
    assert "negative amount" in log["Message"]
    assert f"for invoice {inv['InvoiceNumber']}" in log["Message"]
    _unchanged(bms_client, inv)
    # Not a seen payment: a failed one is not recorded, so it is refused again, not skipped.
    assert [x["Code"] for x in _import(bms_client, [payment])["JobLogs"]] == ["Error"]


@pytest.fixture()
def void_invoice(bms_client) -> tuple[dict, str]:
    """The last unposted void invoice, with a fresh QuickBooks reference: (invoice, ref)."""
    rows = bms_client.result(
        "GET",
        INVOICES,
        params={"Filter.StatusId": VOID, "Filter.PostedToAccounting": "false", "PageSize": 1000},
    )
    assert rows, "the demo tenant has no unposted void invoice"
    inv = max(rows, key=lambda r: r["Id"])
    ref = _write_ref(bms_client, inv["Id"])
    return _invoice(bms_client, inv["Id"]), ref


def test_a_line_on_a_void_invoice_is_an_error(bms_client, void_invoice, referenced_invoice):
    """ImportPayments: a line on a void invoice (StatusId 6) is an Error; the whole payment
    fails, its other line is not applied."""
    void, void_ref = void_invoice
    sent, sent_ref = referenced_invoice
    assert void["StatusId"] == VOID and void["StatusName"] == "Void"
    good = (sent_ref, 10.0, round(sent["PaymentDue"] - 10.0, 2))
    payment = bms_payment(bms_client, [good, (void_ref, 0.0, 0.0)])

    job = _import(bms_client, [payment])

    assert job["State"] == "Failed"
    (log,) = job["JobLogs"]
    assert log["Code"] == "Error"
    assert log["Message"] == f"Payment {payment['Id']}: invoice {void['InvoiceNumber']} is void."
    _unchanged(bms_client, void)
    _unchanged(bms_client, sent)
