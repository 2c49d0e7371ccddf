"""BmsClient against the BMS sandbox: paging, error envelopes, key casing, retries, limits."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
import requests

from reconcile.bms import loaders
from reconcile.bms.client import CALLS_PER_HOUR, BmsClient, endpoint_of
from reconcile.bms.errors import BmsAuthError, BmsError, BmsNotFoundError, BmsServerError
from tests.conftest import sandbox_settings
from tests.integration.conftest import bms_payment

ACCOUNTS = "/v2/crm/accounts/summary"
INVOICES = "/v2/finance/invoices/summary"
PAYMENTS = "/v2/integration/qbd/payments"


def _settings_now(sandbox) -> dict:
    resp = requests.get(f"{sandbox.bms_url}/_sandbox/settings", timeout=10)
    resp.raise_for_status()
    return resp.json()


# -- paging -----------------------------------------------------------------------------------


def test_paging_past_three_pages(bms_client):
    pages = list(bms_client.pages(ACCOUNTS, page_size=20))
    assert [len(p) for p in pages] == [20, 20, 20, 2]
    assert bms_client.calls[f"GET {ACCOUNTS}"] == 4  # stops at TotalRecords, no empty page
    ids = [row["Id"] for page in pages for row in page]
    assert len(ids) == 62
    assert len(set(ids)) == 62
    assert ids == sorted(ids)


def test_paging_without_total_records_stops_at_the_empty_page(bms_client):
    envelope = bms_client.request("GET", INVOICES, params={"PageSize": 5})
    assert envelope.total_records is None  # this list never says how many there are
    bms_client.calls.clear()

    rows = bms_client.fetch_all(INVOICES, page_size=50)

    assert len(rows) == 200
    assert len({r["Id"] for r in rows}) == 200
    assert bms_client.calls[f"GET {INVOICES}"] == 5  # 4 full pages + the empty one


def test_paging_with_a_filter_keeps_the_filter_on_every_page(bms_client):
    rows = bms_client.fetch_all(INVOICES, params={"Filter.StatusId": "5"}, page_size=30)
    assert rows and all(r["StatusId"] == 5 for r in rows)
    everything = bms_client.fetch_all(INVOICES, page_size=1000)
    assert len(rows) == sum(r["StatusId"] == 5 for r in everything)


def test_search_post_pages_through_the_body(bms_client):
    rows = bms_client.fetch_all("/v2/admin/finance/services/search", method="POST", page_size=7)
    assert len(rows) == 25
    assert len({r["Id"] for r in rows}) == 25
    assert bms_client.calls["POST /v2/admin/finance/services/search"] == 4


# -- error envelopes ----------------------------------------------------------------------------


def test_unknown_invoice_is_not_found(bms_client):
    with pytest.raises(BmsNotFoundError) as caught:
        bms_client.result("GET", "/v2/finance/invoices/999999")
    err = caught.value
    assert err.code == 404
    assert "999999" in err.message
    assert "GET /v2/finance/invoices/{id}" in str(err)
    assert bms_client.calls["GET /v2/finance/invoices/{id}"] == 1  # not retried


def test_unknown_account_is_not_found(bms_client):
    with pytest.raises(BmsNotFoundError, match="Account 999999"):
        bms_client.result("GET", "/v2/crm/accounts/summary/999999")


def test_bad_filter_value_is_a_400_naming_the_parameter(bms_client):
    with pytest.raises(BmsError) as caught:
        bms_client.request("GET", ACCOUNTS, params={"Filter.IsActive": "maybe"})
    err = caught.value
    assert err.status == 400
    assert err.code == 400
    assert any("Filter.IsActive" in s and "maybe" in s for s in err.sub_errors)
    assert "Filter.IsActive" in str(err)
    assert bms_client.calls[f"GET {ACCOUNTS}"] == 1  # a 400 is not retried


def test_page_size_over_the_maximum_is_refused(bms_client):
    with pytest.raises(BmsError) as caught:
        bms_client.request("GET", ACCOUNTS, params={"PageSize": 5000})
    assert caught.value.status == 400
    assert any("PageSize" in s for s in caught.value.sub_errors)


def test_page_size_over_the_maximum_is_refused_by_fetch_all(bms_client):
    with pytest.raises(BmsError, match="PageSize"):
        bms_client.fetch_all(ACCOUNTS, page_size=5000)


def test_unknown_sort_field_is_refused(bms_client):
    with pytest.raises(BmsError) as caught:
        bms_client.request("GET", INVOICES, params={"Sort": "Shoesize desc"})
    assert caught.value.status == 400
    assert any("Sort" in s and "Shoesize" in s for s in caught.value.sub_errors)


def test_known_sort_field_sorts(bms_client):
    rows = bms_client.result("GET", ACCOUNTS, params={"Sort": "AccountName desc", "PageSize": 100})
    names = [r["AccountName"] for r in rows]
    assert len(names) == 62
    assert names == sorted(names, reverse=True)


def test_unknown_endpoint_is_an_error(bms_client):
    with pytest.raises(BmsNotFoundError) as caught:
        bms_client.request("GET", "/v2/no/such/endpoint")
    assert caught.value.status == 404


# -- key casing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["camel", "legacy"])
def test_other_key_casings_read_the_same(sandbox, bms_settings, case):
    pascal = loaders.accounts_frame(BmsClient(bms_settings))
    sandbox_settings(sandbox, bms_key_case=case)
    raw = requests.get(
        f"{sandbox.bms_url}{ACCOUNTS}",
        params={"PageSize": 1},
        headers={
            "Authorization": f"Bearer {BmsClient(bms_settings).auth.token()}",
        },
        timeout=10,
    ).json()
    expected_key = {"camel": "accountTypeId", "legacy": "AccountTypeID"}[case]
    assert expected_key in raw[{"camel": "result", "legacy": "Result"}[case]][0]

    other = loaders.accounts_frame(BmsClient(bms_settings))

    assert len(other) == 62
    pd.testing.assert_frame_equal(other, pascal)


@pytest.mark.parametrize("case", ["camel", "legacy"])
def test_other_key_casings_load_the_same_invoices(sandbox, bms_settings, case):
    client = BmsClient(bms_settings)
    pascal = loaders.load_invoices(client, account_id=1001)
    sandbox_settings(sandbox, bms_key_case=case)
    other = loaders.load_invoices(BmsClient(bms_settings), account_id=1001)
    assert len(other.headers) > 0
    pd.testing.assert_frame_equal(other.headers, pascal.headers)
    pd.testing.assert_frame_equal(other.lines, pascal.lines)
    pd.testing.assert_frame_equal(other.discounts, pascal.discounts)


# -- retries ----------------------------------------------------------------------------------


def test_read_retried_after_500_and_reset(sandbox, bms_client):
    bms_client.userinfo()  # sign in first: faults hit only token-protected calls
    sandbox_settings(sandbox, bms_fail_next=["500", "reset"])
    rows = bms_client.result("GET", ACCOUNTS, params={"PageSize": 10})
    assert len(rows) == 10
    assert bms_client.calls[f"GET {ACCOUNTS}"] == 3
    assert _settings_now(sandbox)["bms_fail_next"] == []


def test_read_retried_when_the_answer_is_lost(sandbox, bms_client):
    bms_client.userinfo()
    sandbox_settings(sandbox, bms_fail_next=["reset-after", "503"])
    assert bms_client.result("GET", "/v2/finance/invoices/70001")["Id"] == 70001
    assert bms_client.calls["GET /v2/finance/invoices/{id}"] == 3


def test_search_post_is_retried_as_a_read(sandbox, bms_client):
    bms_client.userinfo()
    sandbox_settings(sandbox, bms_fail_next=["500"])
    rows = bms_client.result(
        "POST", "/v2/admin/finance/services/search", json={"PageSize": 5, "PageNumber": 1}
    )
    assert len(rows) == 5
    assert bms_client.calls["POST /v2/admin/finance/services/search"] == 2


def test_retries_are_bounded(sandbox, bms_client):
    bms_client.userinfo()
    sandbox_settings(sandbox, bms_fail_next=["500"] * 5)
    with pytest.raises(BmsServerError) as caught:
        bms_client.request("GET", ACCOUNTS)
    assert caught.value.status == 500
    assert bms_client.calls[f"GET {ACCOUNTS}"] == 1 + bms_client.transport.max_retries
    assert _settings_now(sandbox)["bms_fail_next"] == ["500"]  # the fifth never asked for


def test_connection_resets_are_bounded(sandbox, bms_client):
    from reconcile.bms.errors import BmsConnectionError

    bms_client.userinfo()
    sandbox_settings(sandbox, bms_fail_next=["reset"] * 5)
    with pytest.raises(BmsConnectionError):
        bms_client.request("GET", ACCOUNTS)
    assert bms_client.calls[f"GET {ACCOUNTS}"] == 1 + bms_client.transport.max_retries


def test_write_is_not_retried_on_500_and_nothing_is_applied(sandbox, bms_client, take_sent_invoice):
    invoice = take_sent_invoice()
    reference = f"QB-{uuid.uuid4().hex[:10]}"
    refs = pd.DataFrame(
        [{"InvoiceId": invoice["Id"], "QbInvoiceId": reference, "QbInvoiceNumber": "Q1"}]
    )
    loaders.write_invoice_references(bms_client, refs)
    payment = bms_payment(bms_client, [(reference, 10.0, round(invoice["PaymentDue"] - 10, 2))])
    sandbox_settings(sandbox, bms_fail_next=["500"])

    with pytest.raises(BmsServerError):
        loaders.import_payments(bms_client, [payment])

    assert bms_client.calls[f"POST {PAYMENTS}"] == 1
    after = bms_client.result("GET", f"/v2/finance/invoices/{invoice['Id']}")
    assert after["PaidAmount"] == invoice["PaidAmount"]
    assert after["PaymentDue"] == invoice["PaymentDue"]
    # The payment id was never seen: sending it again applies it (once).
    job = loaders.wait_for_job(bms_client, loaders.import_payments(bms_client, [payment]))
    assert job["State"] == "Completed"
    assert job["JobLogs"][0]["Code"] == "Applied"


def _told_to_bms(bms_client, invoice: dict) -> tuple[dict, str]:
    """The invoice, and the QuickBooks reference BMS was just told it has."""
    reference = f"QB-{uuid.uuid4().hex[:10]}"
    loaders.write_invoice_references(
        bms_client,
        pd.DataFrame(
            [{"InvoiceId": invoice["Id"], "QbInvoiceId": reference, "QbInvoiceNumber": None}]
        ),
    )
    return invoice, reference


def test_lost_answer_of_a_write_is_not_replayed(sandbox, bms_client, take_sent_invoice):
    invoice, reference = _told_to_bms(bms_client, take_sent_invoice())
    payment = bms_payment(bms_client, [(reference, 10.0, round(invoice["PaymentDue"] - 10, 2))])
    sandbox_settings(sandbox, bms_fail_next=["reset-after"])

    with pytest.raises(BmsError):
        loaders.import_payments(bms_client, [payment])

    assert bms_client.calls[f"POST {PAYMENTS}"] == 1
    after = bms_client.result("GET", f"/v2/finance/invoices/{invoice['Id']}")
    assert after["PaidAmount"] == pytest.approx(invoice["PaidAmount"] + 10)  # applied once


def test_429_waits_for_retry_after_and_succeeds(sandbox, bms_client):
    bms_client.userinfo()
    sandbox_settings(sandbox, bms_fail_next=["429"])
    limiter = bms_client._limiter(f"GET {ACCOUNTS}")
    rows = bms_client.result("GET", ACCOUNTS, params={"PageSize": 3})
    assert len(rows) == 3
    assert bms_client.calls[f"GET {ACCOUNTS}"] == 2
    # Retry-After: 60 s / time_scale 60 → 1 s, honoured by the endpoint's limiter.
    assert limiter.waited >= 0.9


def test_repeated_429_gives_up_with_a_rate_limit_error(sandbox, bms_settings):
    from reconcile.bms.errors import BmsThrottledError

    bms_client = BmsClient(bms_settings, max_retries=1)  # one wait of Retry-After (1 s)
    bms_client.userinfo()
    sandbox_settings(sandbox, bms_fail_next=["429"] * (bms_client.transport.max_retries + 1))
    with pytest.raises(BmsThrottledError) as caught:
        bms_client.request("GET", ACCOUNTS, params={"PageSize": 1})
    assert caught.value.status == 429
    assert "1500" in caught.value.message
    assert bms_client.calls[f"GET {ACCOUNTS}"] == bms_client.transport.max_retries + 1


def test_second_401_in_a_row_is_not_renewed_again(sandbox, bms_client):
    bms_client.userinfo()
    sandbox_settings(sandbox, bms_fail_next=["401", "401"])
    with pytest.raises(BmsError) as caught:
        bms_client.request("GET", ACCOUNTS, params={"PageSize": 1})
    assert caught.value.status == 401
    assert isinstance(caught.value, BmsAuthError)
    assert "refused even after signing in again" in str(caught.value)
    assert bms_client.calls[f"GET {ACCOUNTS}"] == 2
    assert bms_client.auth.refreshes == 1


# -- limits ------------------------------------------------------------------------------------


def test_one_hourly_limiter_per_endpoint(bms_client):
    scale = bms_client.settings.time_scale
    assert scale == 60.0
    hour = bms_client._limiter("GET /x").windows["hour"]
    assert hour.limit == CALLS_PER_HOUR == 1500
    assert hour.window == pytest.approx(3600 / scale * 1.02 + 0.05)

    assert bms_client._limiter("GET /x") is bms_client._limiter("GET /x")
    assert bms_client._limiter("GET /x") is not bms_client._limiter("GET /y")
    assert bms_client._limiter("GET /x") is not bms_client._limiter("POST /x")


def test_ids_count_against_one_endpoint(bms_client):
    bms_client.result("GET", "/v2/finance/invoices/70001")
    bms_client.result("GET", "/v2/finance/invoices/70002")
    bms_client.result("GET", "/v2/crm/accounts/summary/1001")
    assert endpoint_of("GET", "/v2/finance/invoices/70001") == "GET /v2/finance/invoices/{id}"
    assert bms_client.calls["GET /v2/finance/invoices/{id}"] == 2
    assert "GET /v2/finance/invoices/{id}" in bms_client._limiters
    assert "GET /v2/crm/accounts/summary/{id}" in bms_client._limiters
    assert not any(k.endswith(("70001", "70002")) for k in bms_client._limiters)
    hour = bms_client._limiters["GET /v2/finance/invoices/{id}"].windows["hour"]
    assert len(hour._stamps) == 2  # both calls counted in the same window


def test_with_the_refusal_off_a_resent_payment_really_applies_twice(
    sandbox, bms_client, take_sent_invoice
):
    """The chaos tests' hook (tests/chaos): without the sandbox's own refusal of a known
    payment id, only the toolkit stands between a re-send and a double payment."""
    invoice, reference = _told_to_bms(bms_client, take_sent_invoice())
    payment = bms_payment(bms_client, [(reference, 5.0, round(invoice["PaymentDue"] - 5, 2))])
    sandbox_settings(sandbox, bms_refuse_known_payments=False)
    try:
        for _ in range(2):
            loaders.wait_for_job(bms_client, loaders.import_payments(bms_client, [payment]))
    finally:
        sandbox_settings(sandbox, bms_refuse_known_payments=True)
    after = bms_client.result("GET", f"/v2/finance/invoices/{invoice['Id']}")
    assert after["PaidAmount"] == pytest.approx(invoice["PaidAmount"] + 10)
