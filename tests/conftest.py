"""Fixtures over the session's shared sandbox (started on first use by the root conftest.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import requests

from conftest import TIME_SCALE, shared_sandbox
from reconcile.config import QboSettings, load_config
from reconcile.qbo.auth import QboAuth
from reconcile.qbo.client import QboClient
from reconcile.qbo.connect import connect_automatically
from reconcile.sandbox.runner import Sandbox

DEFAULT_SETTINGS = {
    "time_scale": TIME_SCALE,
    "limits": True,
    "fail_rate": 0.0,
    "reset_rate": 0.0,
    "latency_ms": 0.0,
    "fail_next": [],
    "access_token_ttl": 3600.0,
    "code_ttl": 600.0,
    "stale_refresh_grace": 86400.0,
    "bms_fail_next": [],
    "bms_access_token_ttl": 3600.0,
    "bms_refresh_token_ttl": 86400.0,
    "bms_key_case": "pascal",
    "bms_mfa_code": "",
}


@pytest.fixture(scope="session")
def sandbox(pytestconfig: pytest.Config) -> Sandbox:
    """The session's shared sandbox servers (started here, on first use); a test that asks
    for it is an integration test."""
    return shared_sandbox(pytestconfig)


@pytest.fixture(scope="session")
def servers() -> None:
    """Says "this starts servers of its own": a fixture or test that asks for it (like one
    that asks for ``sandbox``) is an integration test (see the root conftest.py)."""


def sandbox_settings(sandbox: Sandbox, **changes) -> dict:
    """Change the sandbox's settings over HTTP (as any test client would: with the run's
    control token)."""
    resp = requests.post(
        f"{sandbox.qbo_url}/_sandbox/settings",
        json=changes,
        headers=sandbox.control_headers(),
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()


@pytest.fixture(autouse=True)
def _restore_sandbox_settings(pytestconfig: pytest.Config):
    yield
    if pytestconfig.reconcile_sandbox is not None:  # a test may have shaped it
        pytestconfig.reconcile_sandbox.settings.update(DEFAULT_SETTINGS)


@pytest.fixture()
def qbo_settings(sandbox: Sandbox) -> QboSettings:
    """Settings of the session's connected sandbox company."""
    return load_config().qbo


@pytest.fixture()
def client(qbo_settings: QboSettings) -> QboClient:
    """A client on the shared, already-connected token file."""
    return QboClient(qbo_settings, sleep=lambda s: None)


@pytest.fixture()
def own_settings(qbo_settings: QboSettings, tmp_path: Path) -> QboSettings:
    """Same sandbox, but a private token file (not connected yet): for tests that refresh,
    revoke or disconnect without disturbing the others."""
    return dataclasses.replace(qbo_settings, token_file=tmp_path / "tokens.json")


@pytest.fixture()
def own_client(own_settings: QboSettings) -> QboClient:
    """A client connected through its own OAuth dance and token file."""
    auth = QboAuth(own_settings)
    connect_automatically(auth)
    return QboClient(own_settings, auth)


@pytest.fixture()
def bms_settings(sandbox: Sandbox):
    """BMS settings of the session's sandbox tenant."""
    return load_config().bms


@pytest.fixture()
def bms_client(bms_settings):
    """A BMS client signed in to the sandbox tenant (its own session)."""
    from reconcile.bms.client import BmsClient

    return BmsClient(bms_settings, sleep=lambda s: None)


def exportable_invoices(session, count: int = 2, customers=None) -> list[str]:
    """Invoice numbers of ``count`` invoices not yet in QuickBooks whose plan (with what they
    need) is a create — read-only planning, for the tests that export through the app."""
    invoices = session.invoices()
    candidates = invoices[invoices["selectable"] & invoices["qbo_id"].isna()]
    if customers is not None:
        candidates = candidates[candidates["AccountName"].isin(customers)]
    plan = session.plan_invoices(candidates.head(4 * count), include_dependencies=True)
    ready = plan.rows[(plan.rows["kind"] == "invoice") & (plan.rows["action"] == "create")]
    assert len(ready) >= count, plan.rows[["name", "action", "reason"]].to_string()
    return list(ready["name"].head(count))
