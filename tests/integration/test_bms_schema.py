"""The BMS sandbox and the client keep to the published OpenAPI document.

Every implemented operation is called with plain ``requests`` and its answer validated against
the operation's 200 response schema; the bodies the project's client sends are validated
against the request schemas; error envelopes against the same response schemas (ErrorInfo).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pytest
import requests

from reconcile import clock
from reconcile.bms import loaders, openapi
from reconcile.bms.client import BmsClient
from reconcile.bms.errors import BmsError
from tests.integration.conftest import bms_payment, bms_raw_sign_in


@dataclass
class Ctx:
    sandbox: object
    token: str
    take_sent_invoice: Callable[[], dict]

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        return requests.request(
            method, f"{self.sandbox.bms_url}{path}", headers=headers, timeout=10, **kwargs
        )


@pytest.fixture()
def ctx(sandbox, take_sent_invoice) -> Ctx:
    return Ctx(sandbox, bms_raw_sign_in(sandbox)["AccessToken"], take_sent_invoice)


def _form(ctx: Ctx, path: str, fields: dict) -> requests.Response:
    return requests.post(
        f"{ctx.sandbox.bms_url}{path}",
        files={k: (None, v) for k, v in fields.items()},
        timeout=10,
    )


def _authenticate(ctx: Ctx) -> requests.Response:
    ident = ctx.sandbox.bms_identity
    return _form(
        ctx,
        "/v2/security/authenticate",
        {
            "GrantType": "password",
            "UserName": ident["username"],
            "Password": ident["password"],
            "Tenant": ident["tenant"],
        },
    )


def _refresh(ctx: Ctx) -> requests.Response:
    tokens = bms_raw_sign_in(ctx.sandbox)
    return _form(
        ctx,
        "/v2/security/refreshtoken",
        {"AccessToken": tokens["AccessToken"], "RefreshToken": tokens["RefreshToken"]},
    )


def _unknown_reference_payment(ctx: Ctx) -> dict:
    return {
        "Id": str(uuid.uuid4()),
        "Amount": 1.0,
        "PaymentDate": f"{clock.today().isoformat()}T12:00:00Z",  # the pinned day
        "ExternalCustomer": {"Id": "QB-C-schema", "Name": "Schema test"},
        "Lines": [
            {
                "Id": "1",
                "Amount": 1.0,
                "Discount": 0,
                "Balance": 0,
                "InvoiceId": f"QB-nowhere-{uuid.uuid4().hex[:8]}",
            }
        ],
        "ExternalTenantId": "schema-tests",
    }


def _job_status(ctx: Ctx) -> requests.Response:
    posted = ctx.call(
        "POST", "/v2/integration/qbd/payments", json=[_unknown_reference_payment(ctx)]
    )
    job_id = posted.json()["Result"]
    return ctx.call("GET", f"/v2/integration/qbd/jobstatus/{job_id}")


# (spec path, method, call) for every operation the sandbox implements.
OPERATIONS: dict[str, tuple[str, str, Callable[[Ctx], requests.Response]]] = {
    "authenticate": ("/v2/security/authenticate", "post", _authenticate),
    "refreshtoken": ("/v2/security/refreshtoken", "post", _refresh),
    "userinfo": ("/v2/security/userinfo", "get", lambda c: c.call("GET", "/v2/security/userinfo")),
    "accounts-summary": (
        "/v2/crm/accounts/summary",
        "get",
        lambda c: c.call("GET", "/v2/crm/accounts/summary", params={"PageSize": 100}),
    ),
    "account-summary-id": (
        "/v2/crm/accounts/summary/{id}",
        "get",
        lambda c: c.call("GET", "/v2/crm/accounts/summary/1001"),
    ),
    "chartofaccounts": (
        "/v2/admin/finance/chartofaccounts",
        "get",
        lambda c: c.call("GET", "/v2/admin/finance/chartofaccounts", params={"PageSize": 100}),
    ),
    "chartofaccounts-types": (
        "/v2/admin/finance/chartofaccounts/types",
        "get",
        lambda c: c.call("GET", "/v2/admin/finance/chartofaccounts/types"),
    ),
    "services-search": (
        "/v2/admin/finance/services/search",
        "post",
        lambda c: c.call(
            "POST", "/v2/admin/finance/services/search", json={"PageSize": 100, "PageNumber": 1}
        ),
    ),
    "invoices-summary": (
        "/v2/finance/invoices/summary",
        "get",
        lambda c: c.call("GET", "/v2/finance/invoices/summary", params={"PageSize": 1000}),
    ),
    "invoice-id": (
        "/v2/finance/invoices/{id}",
        "get",
        lambda c: c.call("GET", "/v2/finance/invoices/70001"),
    ),
    "invoices-details": (
        "/v2/finance/invoices/details",
        "post",
        lambda c: c.call(
            "POST", "/v2/finance/invoices/details", json={"PageSize": 1000, "PageNumber": 1}
        ),
    ),
    "invoices-discounts": (
        "/v2/finance/invoices/discounts",
        "post",
        lambda c: c.call("POST", "/v2/finance/invoices/discounts", json={"PageSize": 1000}),
    ),
    "qbd-salestaxitems": (
        "/v2/integration/qbd/salestaxitems",
        "get",
        lambda c: c.call(
            "GET", "/v2/integration/qbd/salestaxitems", params={"ExternalTenantId": "schema-tests"}
        ),
    ),
    "qbd-payments": (
        "/v2/integration/qbd/payments",
        "post",
        lambda c: c.call(
            "POST", "/v2/integration/qbd/payments", json=[_unknown_reference_payment(c)]
        ),
    ),
    "qbd-jobstatus": ("/v2/integration/qbd/jobstatus/{jobId}", "get", _job_status),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_response_matches_the_document(ctx, name):
    path, method, call = OPERATIONS[name]
    resp = call(ctx)
    assert resp.status_code == 200, resp.text[:300]
    body = resp.json()
    schema = openapi.response_schema(path, method)
    assert openapi.errors(schema, body) == []
    if "Success" in body or schema.endswith("Response"):
        assert body["Success"] is True
        assert body.get("Error") is None
        assert body["Result"] not in (None, [], "")  # not vacuously valid
    else:  # the bare DTO of GET /v2/crm/accounts/summary/{id}
        assert body["Id"] == 1001


def test_every_implemented_operation_is_covered(sandbox):
    implemented = {(m, p) for m, p, _, _ in sandbox.bms_app.routes}
    covered = {path for path, _, _ in OPERATIONS.values()} | {"/v2/integration/qbd/invoices"}
    assert len(implemented) == len(OPERATIONS) + 1
    for _, pattern in implemented:
        assert any(
            pattern.replace(r"(\d+)", "{id}") == p.replace("{jobId}", "{id}") for p in covered
        ), pattern


def test_put_invoice_references_answers_no_body(ctx):
    path = "/v2/integration/qbd/invoices"
    with pytest.raises(KeyError, match="declares no response body"):
        openapi.response_schema(path, "put")
    inv = ctx.take_sent_invoice()
    body = [
        {
            "InvoiceId": inv["Id"],
            "QbInvoiceId": f"QB-{uuid.uuid4().hex[:8]}",
            "QbInvoiceNumber": None,
        }
    ]
    assert openapi.errors(openapi.request_schema(path, "put"), body) == []
    resp = ctx.call("PUT", path, json=body)
    assert resp.status_code == 200
    assert resp.content == b""
    after = ctx.call("GET", f"/v2/finance/invoices/{inv['Id']}").json()["Result"]
    assert after["AccountingAppReference"] == body[0]["QbInvoiceId"]


# -- error envelopes --------------------------------------------------------------------------


ERRORS: dict[str, tuple[str, str, Callable[[Ctx], requests.Response], int]] = {
    "unknown-invoice": (
        "/v2/finance/invoices/{id}",
        "get",
        lambda c: c.call("GET", "/v2/finance/invoices/999999"),
        404,
    ),
    "bad-filter": (
        "/v2/crm/accounts/summary",
        "get",
        lambda c: c.call("GET", "/v2/crm/accounts/summary", params={"Filter.IsActive": "maybe"}),
        400,
    ),
    "bad-page-size": (
        "/v2/finance/invoices/summary",
        "get",
        lambda c: c.call("GET", "/v2/finance/invoices/summary", params={"PageSize": 5000}),
        400,
    ),
    "bad-search-body": (
        "/v2/admin/finance/services/search",
        "post",
        lambda c: c.call("POST", "/v2/admin/finance/services/search", json={"Bogus": 1}),
        400,
    ),
    "unknown-job": (
        "/v2/integration/qbd/jobstatus/{jobId}",
        "get",
        lambda c: c.call("GET", "/v2/integration/qbd/jobstatus/987654321"),
        404,
    ),
    "wrong-password": (
        "/v2/security/authenticate",
        "post",
        lambda c: _form(
            c,
            "/v2/security/authenticate",
            {"GrantType": "password", "UserName": "x", "Password": "y", "Tenant": "z"},
        ),
        401,
    ),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_info_shape(ctx, name):
    _, _, call, code = ERRORS[name]
    resp = call(ctx)
    body = resp.json()
    assert openapi.errors("ErrorInfo", body["Error"]) == []
    assert body["Success"] is False
    assert body.get("Result") is None
    assert body["Error"]["Code"] == code
    assert body["Error"]["Message"]
    if code == 400:
        assert resp.status_code == 400
        assert body["Error"]["SubErrors"]


@pytest.mark.parametrize("name", list(ERRORS))
def test_error_envelope_matches_the_document(ctx, name):
    """The whole failure envelope validates too: where the document declares ``Result`` as a
    (non-nullable) object, a failure must leave it out rather than send null."""
    path, method, call, _ = ERRORS[name]
    body = call(ctx).json()
    assert openapi.errors(openapi.response_schema(path, method), body) == []


# -- request bodies the client sends ------------------------------------------------------------


def _recording_client(settings) -> tuple[BmsClient, list[requests.PreparedRequest]]:
    session = requests.Session()
    sent: list[requests.PreparedRequest] = []
    session.hooks["response"].append(lambda resp, *a, **k: sent.append(resp.request))
    return BmsClient(settings, http=session, sleep=lambda s: None), sent


def _bodies(sent, method: str, path: str) -> list:
    return [
        json.loads(r.body)
        for r in sent
        if r.method == method and r.path_url.split("?")[0] == path and r.body
    ]


def _services(client, take):
    loaders.services_frame(client)
    loaders.services_frame(client, active_only=True)


def _lines(client, take):
    loaders.load_invoices(client)
    loaders.load_invoices(client, status_id=3)


def _references(client, take):
    refs = [
        {
            "InvoiceId": take()["Id"],
            "QbInvoiceId": f"QB-{uuid.uuid4().hex[:8]}",
            "QbInvoiceNumber": n,
        }
        for n in ("1001", None)
    ]
    loaders.write_invoice_references(client, pd.DataFrame(refs))


def _payments(client, take):
    inv = take()
    ref = f"QB-{uuid.uuid4().hex[:8]}"
    loaders.write_invoice_references(
        client, pd.DataFrame([{"InvoiceId": inv["Id"], "QbInvoiceId": ref, "QbInvoiceNumber": "7"}])
    )
    payment = bms_payment(client, [(ref, 10.0, 0.0)])
    job = loaders.wait_for_job(client, loaders.import_payments(client, [payment]), every=0.1)
    assert job["State"] == "Completed"


REQUESTS = {
    "services-search": (_services, [("POST", "/v2/admin/finance/services/search")]),
    "invoice-details-and-discounts": (
        _lines,
        [("POST", "/v2/finance/invoices/details"), ("POST", "/v2/finance/invoices/discounts")],
    ),
    "invoice-references": (_references, [("PUT", "/v2/integration/qbd/invoices")]),
    "payments": (_payments, [("POST", "/v2/integration/qbd/payments")]),
}


@pytest.mark.parametrize("name", list(REQUESTS))
def test_client_request_bodies_match_the_document(bms_settings, take_sent_invoice, name):
    action, operations = REQUESTS[name]
    client, sent = _recording_client(bms_settings)
    action(client, take_sent_invoice)
    for method, path in operations:
        bodies = _bodies(sent, method, path)
        assert bodies, f"no {method} {path} sent"
        schema = openapi.request_schema(path, method)
        for body in bodies:
            assert openapi.errors(schema, body) == [], body


def test_filtered_line_request_names_its_invoices(bms_settings):
    client, sent = _recording_client(bms_settings)
    frames = loaders.load_invoices(client, status_id=5)
    bodies = _bodies(sent, "POST", "/v2/finance/invoices/details")
    assert [b["PageNumber"] for b in bodies] == list(range(1, len(bodies) + 1))
    for body in bodies:
        ids = [int(i) for i in body["Filter"]["ListInvoiceIds"].split(",")]
        assert sorted(ids) == sorted(frames.headers["Id"])


def test_server_refuses_a_body_the_document_forbids(bms_client):
    with pytest.raises(BmsError) as caught:
        bms_client.request(
            "POST", "/v2/finance/invoices/details", json={"Filter": {"ListInvoiceIds": 5}}
        )
    assert caught.value.status == 400
    assert any("ListInvoiceIds" in s for s in caught.value.sub_errors)
