"""Writes to the BMS sandbox: invoice references and payment imports (the qbd family).

The tenant is shared by the whole session: every test takes its own Sent invoices
(``take_sent_invoice``) and uses uuids for references and payment ids.
"""

from __future__ import annotations

import uuid

import pandas as pd
import pytest

from reconcile.bms import loaders, openapi
from reconcile.bms.errors import BmsError, BmsNotFoundError
from tests.integration.conftest import BMS_PAYMENTS, bms_payment

PAYMENTS = BMS_PAYMENTS


def _ref() -> str:
    return f"QB-{uuid.uuid4().hex[:12]}"


def _invoice(client, invoice_id: int) -> dict:
    return client.result("GET", f"/v2/finance/invoices/{invoice_id}")


def _write_refs(client, pairs: list[tuple[int, str]]) -> None:
    loaders.write_invoice_references(
        client,
        pd.DataFrame(
            [{"InvoiceId": i, "QbInvoiceId": r, "QbInvoiceNumber": f"Q{i}"} for i, r in pairs]
        ),
    )


def _import(client, payments: list[dict]) -> dict:
    job_id = loaders.import_payments(client, payments)
    assert job_id.isdigit()
    return loaders.wait_for_job(client, job_id, timeout=10, every=0.1)


# -- invoice references -------------------------------------------------------------------------


def _posted_ids(client) -> set[int]:
    return set(loaders.load_invoices(client, posted_to_accounting=True).headers["Id"])


def test_write_invoice_references(bms_client, take_sent_invoice):
    a, b = take_sent_invoice(), take_sent_invoice()
    before = _posted_ids(bms_client)
    assert not {a["Id"], b["Id"]} & before
    refs = {a["Id"]: _ref(), b["Id"]: _ref()}

    _write_refs(bms_client, list(refs.items()))

    posted = loaders.load_invoices(bms_client, posted_to_accounting=True)
    h = posted.headers.set_index("Id")
    assert set(h.index) - before == {a["Id"], b["Id"]}
    for invoice_id, ref in refs.items():
        assert h.loc[invoice_id, "AccountingAppReference"] == ref
        assert h.loc[invoice_id, "PostedToAccounting"]
        assert pd.notna(h.loc[invoice_id, "PostedToAccountingOn"])
    # Their lines come along with the filtered load.
    assert {a["Id"], b["Id"]} <= set(posted.lines["InvoiceId"])
    # …and the unposted queue no longer has them.
    unposted = loaders.load_invoices(bms_client, posted_to_accounting=False).headers
    assert not {a["Id"], b["Id"]} & set(unposted["Id"])


def test_writing_the_same_references_again_changes_nothing(bms_client, take_sent_invoice):
    inv = take_sent_invoice()
    ref = _ref()
    _write_refs(bms_client, [(inv["Id"], ref)])
    first = _invoice(bms_client, inv["Id"])
    _write_refs(bms_client, [(inv["Id"], ref)])
    second = _invoice(bms_client, inv["Id"])
    assert second["AccountingAppReference"] == first["AccountingAppReference"] == ref
    assert second["PostedToAccounting"] is True
    assert second["PaidAmount"] == first["PaidAmount"]


def test_unknown_invoice_in_the_batch_changes_nothing(bms_client, take_sent_invoice):
    good = take_sent_invoice()
    before = _invoice(bms_client, good["Id"])
    with pytest.raises(BmsError) as caught:
        _write_refs(bms_client, [(good["Id"], _ref()), (999999, _ref())])
    assert isinstance(caught.value, BmsNotFoundError)
    assert "999999" in str(caught.value)
    after = _invoice(bms_client, good["Id"])
    assert after == before
    assert not after["PostedToAccounting"]
    assert after["AccountingAppReference"] is None
    assert good["Id"] not in _posted_ids(bms_client)


# -- payments -----------------------------------------------------------------------------------


@pytest.fixture()
def referenced_invoice(bms_client, take_sent_invoice):
    """A Sent invoice with a fresh QuickBooks reference written back: (invoice, reference)."""
    inv = take_sent_invoice()
    ref = _ref()
    _write_refs(bms_client, [(inv["Id"], ref)])
    return _invoice(bms_client, inv["Id"]), ref


def test_partial_payment_then_duplicate_then_the_rest(bms_client, referenced_invoice):
    inv, ref = referenced_invoice
    due = inv["PaymentDue"]
    assert inv["StatusName"] == "Sent" and due > 10
    partial = bms_payment(bms_client, [(ref, 10.0, round(due - 10, 2))])

    job = _import(bms_client, [partial])

    assert job["State"] == "Completed"
    assert [log["Code"] for log in job["JobLogs"]] == ["Applied"]
    assert inv["InvoiceNumber"] in job["JobLogs"][0]["Message"]
    after = _invoice(bms_client, inv["Id"])
    assert after["PaidAmount"] == pytest.approx(inv["PaidAmount"] + 10)
    assert after["PaymentDue"] == pytest.approx(due - 10)
    assert after["StatusName"] == "Partially Paid"
    assert after["StatusId"] == 4

    # The same payment again: skipped, never applied twice.
    again = _import(bms_client, [partial])
    assert again["State"] == "Completed"
    assert [log["Code"] for log in again["JobLogs"]] == ["Skipped"]
    assert "already imported" in again["JobLogs"][0]["Message"]
    assert partial["Id"] in again["JobLogs"][0]["Message"]
    assert _invoice(bms_client, inv["Id"]) == after

    # The rest: fully paid.
    rest = round(after["PaymentDue"], 2)
    final = _import(bms_client, [bms_payment(bms_client, [(ref, rest, 0.0)])])
    assert final["State"] == "Completed"
    paid = _invoice(bms_client, inv["Id"])
    assert paid["StatusName"] == "Fully Paid"
    assert paid["StatusId"] == 5
    assert paid["PaymentDue"] == 0
    assert paid["PaidAmount"] == pytest.approx(inv["GrandTotal"])
    frames = loaders.load_invoice(bms_client, inv["Id"])
    assert frames.headers.loc[0, "StatusName"] == "Fully Paid"


def test_overpayment_fails_and_applies_nothing(bms_client, referenced_invoice):
    inv, ref = referenced_invoice
    too_much = round(inv["PaymentDue"] + 100, 2)
    job = _import(bms_client, [bms_payment(bms_client, [(ref, too_much, 0.0)])])
    assert job["State"] == "Failed"
    (log,) = job["JobLogs"]
    assert log["Code"] == "Error"
    assert inv["InvoiceNumber"] in log["Message"]
    assert _invoice(bms_client, inv["Id"]) == inv


def test_lines_over_the_payment_amount_fail(bms_client, referenced_invoice):
    inv, ref = referenced_invoice
    job = _import(bms_client, [bms_payment(bms_client, [(ref, 10.0, 0.0)], amount=5.0)])
    assert job["State"] == "Failed"
    assert _invoice(bms_client, inv["Id"]) == inv


def test_unknown_reference_fails_and_applies_nothing(bms_client, referenced_invoice):
    inv, ref = referenced_invoice
    unknown = _ref()
    # One good line and one line for an invoice BMS does not know: the whole payment fails.
    payment = bms_payment(
        bms_client, [(ref, 5.0, round(inv["PaymentDue"] - 5, 2)), (unknown, 5.0, 0)]
    )
    job = _import(bms_client, [payment])
    assert job["State"] == "Failed"
    (log,) = job["JobLogs"]
    assert log["Code"] == "Error"
    assert unknown in log["Message"]
    assert _invoice(bms_client, inv["Id"]) == inv


def test_one_good_and_one_bad_payment_complete_with_errors(bms_client, referenced_invoice):
    inv, ref = referenced_invoice
    good = bms_payment(bms_client, [(ref, 10.0, round(inv["PaymentDue"] - 10, 2))])
    bad = bms_payment(bms_client, [(_ref(), 10.0, 0.0)])
    job = _import(bms_client, [good, bad])
    assert job["State"] == "CompletedWithErrors"
    assert [log["Code"] for log in job["JobLogs"]] == ["Applied", "Error"]
    assert _invoice(bms_client, inv["Id"])["PaidAmount"] == pytest.approx(inv["PaidAmount"] + 10)


def test_payment_body_violating_the_schema_is_a_400(bms_client, referenced_invoice):
    inv, ref = referenced_invoice
    payment = bms_payment(bms_client, [(ref, 10.0, 0.0)])
    payment["Amount"] = "ten"
    assert openapi.errors(openapi.request_schema(PAYMENTS, "post"), [payment]) != []
    with pytest.raises(BmsError) as caught:
        loaders.import_payments(bms_client, [payment])
    err = caught.value
    assert err.status == 400
    assert any("Amount" in s and "ten" in s for s in err.sub_errors)
    assert bms_client.calls[f"POST {PAYMENTS}"] == 1
    assert _invoice(bms_client, inv["Id"]) == inv


def test_unknown_job_is_not_found(bms_client):
    with pytest.raises(BmsNotFoundError):
        loaders.job_status(bms_client, "987654321")
