"""Queries over many rows: the client pages with STARTPOSITION/MAXRESULTS (reference §3)."""

from __future__ import annotations

import uuid

import pytest

from reconcile.config import load_config
from reconcile.qbo.client import BatchOp, QboClient
from reconcile.qbo.query import select
from tests.integration.conftest import unique

N = 1100  # more than one 1000-row page


@pytest.fixture(scope="module")
def many_customers(sandbox) -> tuple[str, list[str]]:
    """N customers sharing a unique prefix, created by batch; returns (prefix, ids)."""
    client = QboClient(load_config().qbo, sleep=lambda s: None)
    prefix = f"Page{uuid.uuid4().hex[:10]}-"
    ops = [
        BatchOp("create", "Customer", {"DisplayName": f"{prefix}{i:05d}"}, key=i) for i in range(N)
    ]
    results = client.batch(ops)
    failed = [r.error for r in results if not r.ok]
    assert not failed, failed[:3]
    # Other tests share the realm (429s) and expire tokens (401s): repeats are not new work.
    stats = client.stats
    assert stats.counts["batch"] - stats.resent == -(-N // 30), stats.counts
    return prefix, [r.data["Id"] for r in results]


def test_query_returns_every_row_once_across_pages(client, many_customers):
    prefix, ids = many_customers
    query = select("Customer").where("DisplayName", "LIKE", prefix + "%")

    rows = client.query(query)

    assert len(rows) == N
    got = [r["Id"] for r in rows]
    assert len(set(got)) == N, "a row came back twice"
    assert set(got) == set(ids)
    assert {r["DisplayName"] for r in rows} == {f"{prefix}{i:05d}" for i in range(N)}
    assert client.stats.counts["api"] == 2  # 1000 + 100: two pages
    assert client.count(query) == N


def test_paging_with_smaller_pages_and_order(client, many_customers):
    prefix, _ = many_customers
    query = select("Customer").where("DisplayName", "LIKE", prefix + "%")
    names = [r["DisplayName"] for r in client.iter_query(query.order_by("DisplayName", True), 300)]
    assert names == sorted((f"{prefix}{i:05d}" for i in range(N)), reverse=True)
    assert client.stats.counts["api"] == 4  # 300 + 300 + 300 + 200


def test_query_string_is_one_page_only(client, many_customers):
    prefix, _ = many_customers
    text = f"SELECT * FROM Customer WHERE DisplayName LIKE '{prefix}%'"
    assert len(client.query(text)) == 100  # QBO's default MAXRESULTS
    assert client.stats.counts["api"] == 1


def test_quotes_backslashes_and_ampersands_round_trip_through_eq(client):
    name = f"O'Brien & Sons \\ Co {unique('')}"
    created = client.create("Customer", {"DisplayName": name})
    assert created["DisplayName"] == name

    rows = client.query(select("Customer").eq("DisplayName", name))

    assert [r["Id"] for r in rows] == [created["Id"]]
    assert rows[0]["DisplayName"] == name
    assert client.count(select("Customer").eq("DisplayName", name)) == 1
    assert client.count(select("Customer").in_("DisplayName", [name, "nobody"])) == 1
