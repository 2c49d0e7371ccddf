"""Helpers for the integration tests: every test talks to the session's sandbox over HTTP.

The sandbox is shared by the whole session, so every record a test creates gets a unique
name (``unique``) and every count is scoped to that name.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from reconcile.qbo.client import QboClient
from reconcile.qbo.query import select
from reconcile.sandbox.runner import Sandbox


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
