"""Helpers for the integration tests: every test talks to the session's sandbox over HTTP.

The sandbox is shared by the whole session, so every record a test creates gets a unique
name (``unique``) and every count is scoped to that name.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

import pytest
import requests

from conftest import connected_sandbox
from reconcile import clock
from reconcile.bms import openapi
from reconcile.config import load_config
from reconcile.plans import Plan
from reconcile.qbo.client import QboClient
from reconcile.qbo.query import select
from reconcile.sandbox.runner import Sandbox
from reconcile.session import Session
from reconcile.testing.payment_truth import make_payments, owed_invoices


def unique(label: str = "T") -> str:
    """A name no other test (or earlier run against the same data) has used."""
    return f"{label} {uuid.uuid4().hex[:12]}"


def sandbox_stats(sandbox: Sandbox) -> dict:
    """The sandbox's counters (refresh_count…), read over HTTP."""
    resp = requests.get(f"{sandbox.qbo_url}/_sandbox/stats", timeout=10)
    resp.raise_for_status()
    return resp.json()


def sandbox_current_settings(sandbox: Sandbox) -> dict:
    resp = requests.get(f"{sandbox.qbo_url}/_sandbox/settings", timeout=10)
    resp.raise_for_status()
    return resp.json()


def count_named(client: QboClient, entity: str, field: str, name: str) -> int:
    return client.count(select(entity).eq(field, name))


def config_options() -> dict:
    """The ``[sync_map]`` options of the session's config (the sandbox writes the demo's
    decisions there: ``[sync_map.account_links]``), as a Session would plan with them."""
    from reconcile.mapping import configured

    return configured(load_config())[1]


def live_access_token(client: QboClient) -> str:
    """The client's access token, known good: one call first (a test before may have expired
    the tokens on the server, which the client learns from a 401 and refreshes)."""
    client.request("GET", f"companyinfo/{client.realm_id}")
    return client.auth.tokens().access_token.reveal()


@pytest.fixture()
def new_customer(client: QboClient):
    """Create a customer with a unique DisplayName (extra fields optional)."""

    def make(label: str = "Cust", **fields) -> dict:
        return client.create("Customer", {"DisplayName": unique(label), **fields})

    return make


@pytest.fixture()
def hours_item_id(client: QboClient) -> str:
    """Id of the demo company's "Hours" service item (UnitPrice 125)."""
    (item,) = client.query(select("Item").eq("Name", "Hours"))
    return item["Id"]


# -- Kaseya BMS helpers (the BMS sandbox server of the same session) ---------------------------


def bms_stats(sandbox: Sandbox) -> dict:
    """The BMS server's counters (refresh_count), read over HTTP."""
    resp = requests.get(f"{sandbox.bms_url}/_sandbox/stats", timeout=10)
    resp.raise_for_status()
    return resp.json()


def bms_raw_sign_in(sandbox: Sandbox, **extra: str) -> dict:
    """Sign in with plain requests (multipart, as the document declares): the token DTO."""
    ident = sandbox.bms_identity
    fields = {
        "GrantType": "password",
        "UserName": ident["username"],
        "Password": ident["password"],
        "Tenant": ident["tenant"],
        **extra,
    }
    resp = requests.post(
        f"{sandbox.bms_url}/v2/security/authenticate",
        files={k: (None, v) for k, v in fields.items()},
        timeout=10,
    )
    resp.raise_for_status()
    body = resp.json()
    assert body["Success"], body
    return body["Result"]


@pytest.fixture(scope="session")
def _bms_sent_invoice_pool(sandbox: Sandbox) -> list[dict]:
    """Sent, unposted invoices with more than 10 due, handed out one per use so that tests
    writing to the shared tenant never touch the same invoice."""
    token = bms_raw_sign_in(sandbox)["AccessToken"]
    resp = requests.get(
        f"{sandbox.bms_url}/v2/finance/invoices/summary",
        params={"Filter.StatusId": "3", "Filter.PostedToAccounting": "false", "PageSize": "1000"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    resp.raise_for_status()
    rows = [r for r in resp.json()["Result"] if (r["PaymentDue"] or 0) > 10]
    return sorted(rows, key=lambda r: r["Id"])


@pytest.fixture()
def take_sent_invoice(_bms_sent_invoice_pool: list[dict]):
    """``take()`` → the summary of a Sent invoice no other test has taken (PaymentDue > 10)."""

    def take() -> dict:
        assert _bms_sent_invoice_pool, "the demo tenant ran out of Sent invoices"
        return _bms_sent_invoice_pool.pop(0)

    return take


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A new sandbox of the module's own (a QuickBooks company that has seen nothing of the
    BMS tenant) and a session on it with its own link store."""
    tmp = tmp_path_factory.mktemp("fresh")
    sandbox = connected_sandbox(tmp / "sandbox")
    try:
        config = load_config(sandbox.config_path)
        yield sandbox, Session(dataclasses.replace(config, data_dir=tmp / "data"))
    finally:
        sandbox.stop()


def paid_in_quickbooks(
    session: Session, *, invoices: int, payments: int, seed: int, due_over: float = 1
) -> Plan:
    """Up to ``invoices`` owed invoices exported with what they need, ``payments`` made
    against them in QuickBooks (``reconcile.testing.payment_truth``): the payment plan."""
    listed = session.invoices()
    owed = listed[listed["selectable"] & (listed["PaymentDue"] > due_over)].head(invoices)
    session.export_invoices(session.plan_invoices(owed, include_dependencies=True))
    make_payments(session.qbo, owed_invoices(session), count=payments, seed=seed)
    return session.payments(since=date(2000, 1, 1))


# The demo company's tax agency (Massachusetts Department of Revenue; TaxAgency is read-only).
MA_AGENCY = "1"


def tax_service(client: QboClient, body: dict) -> dict:
    """POST taxservice/taxcode (the client has no method for it), with a request id."""
    params = {"requestid": uuid.uuid4().hex}
    return client.request("POST", "taxservice/taxcode", json=body, params=params)


def tax_code_name() -> str:
    """A new tax code name: QuickBooks allows at most 10 characters."""
    return f"T{uuid.uuid4().hex[:8]}"


BMS_PAYMENTS = "/v2/integration/qbd/payments"


def _bms_customer() -> dict:
    """The smallest ExternalCustomer the document accepts (QbAccountImportDto)."""
    customer = {"Id": f"QB-C-{uuid.uuid4().hex[:6]}", "Name": "Sandbox customer"}
    required = openapi.spec()["components"]["schemas"]["QbAccountImportDto"].get("required", [])
    assert set(required) <= set(customer)
    assert openapi.errors("QbAccountImportDto", customer) == []
    return customer


def bms_payment(
    client,
    lines: list[tuple[str, float, float]],
    amount: float | None = None,
    discount: float = 0.0,
) -> dict:
    """A QbPaymentImportDto dated the pinned day, checked against Kaseya's document: lines
    are (QuickBooks invoice reference, amount, balance after), each with ``discount``."""
    pid = str(uuid.uuid4())
    body = {
        "Id": pid,
        "Amount": round(sum(a for _, a, _ in lines), 2) if amount is None else amount,
        "PaymentMethod": "Check",
        "PaymentDate": f"{clock.today().isoformat()}T12:00:00Z",
        "Memo": "integration test",
        "Reference": f"CHK-{pid[:6]}",
        "ExternalCustomer": _bms_customer(),
        "Lines": [
            {"Id": f"{pid}-{n}", "Amount": a, "Discount": discount, "Balance": b, "InvoiceId": ref}
            for n, (ref, a, b) in enumerate(lines, 1)
        ],
        "ExternalTenantId": client.settings.external_tenant_id,
    }
    schema = openapi.request_schema(BMS_PAYMENTS, "post")
    assert openapi.errors(schema, [body]) == []
    return body
