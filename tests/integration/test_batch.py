"""Batch: 30 items per request, per-item faults, results in input order (reference §6)."""

from __future__ import annotations

from reconcile.qbo.client import BatchOp, batch_frame
from reconcile.qbo.errors import DuplicateNameError, StaleObjectError, ValidationError
from reconcile.qbo.query import select
from tests.integration.conftest import count_named, unique


def test_mixed_batch_of_35(client, new_customer):
    existing = new_customer("Existing")
    stale = new_customer("Stale")
    client.update("Customer", {"Id": stale["Id"], "SyncToken": "0", "Notes": "moved on"})
    prefix = unique("Batch")

    ops: list[BatchOp] = []
    for i in range(35):
        ops.append(BatchOp("create", "Customer", {"DisplayName": f"{prefix}-{i:02d}"}, key=i))
    # Replace a few of the 35 with the bad ones, spread over both requests.
    ops[3] = BatchOp("create", "Customer", {"DisplayName": existing["DisplayName"]}, key="dup")
    ops[11] = BatchOp("create", "Customer", {"DisplayName": f"{prefix}:bad"}, key="invalid")
    ops[20] = BatchOp(
        "query",
        query=f"SELECT * FROM Customer WHERE DisplayName = '{existing['DisplayName']}'",
        key="query",
    )
    ops[32] = BatchOp(
        "update",
        "Customer",
        {"Id": stale["Id"], "SyncToken": "0", "Notes": "lost", "sparse": True},
        key="stale",
    )

    results = client.batch(ops)

    assert client.stats.counts["batch"] == 2  # 30 + 5
    assert len(results) == 35
    assert [r.op.key for r in results] == [op.key for op in ops]
    assert all(r.op is op for r, op in zip(results, ops, strict=True))
    bad = {"dup", "invalid", "stale"}
    assert {r.op.key for r in results if not r.ok} == bad
    by_key = {r.op.key: r for r in results}
    assert isinstance(by_key["dup"].error, DuplicateNameError)
    assert by_key["dup"].error.code == "6240"
    assert isinstance(by_key["invalid"].error, ValidationError)
    assert by_key["invalid"].error.code == "2040"
    assert isinstance(by_key["stale"].error, StaleObjectError)
    assert by_key["stale"].error.code == "5010"
    query = by_key["query"].data
    assert [c["Id"] for c in query["Customer"]] == [existing["Id"]]
    for r in results:
        if r.ok and r.op.operation == "create":
            assert r.data["DisplayName"] == r.op.body["DisplayName"]
            assert r.data["SyncToken"] == "0"

    created = [r for r in results if r.ok and r.op.operation == "create"]
    assert len(created) == 31
    assert client.count(select("Customer").where("DisplayName", "LIKE", prefix + "%")) == 31
    assert count_named(client, "Customer", "DisplayName", existing["DisplayName"]) == 1
    assert client.read("Customer", stale["Id"])["Notes"] == "moved on"

    frame = batch_frame(results)
    assert list(frame.columns) == [
        "key",
        "operation",
        "entity",
        "ok",
        "Id",
        "SyncToken",
        "code",
        "message",
    ]
    assert len(frame) == 35
    assert list(frame["key"]) == [op.key for op in ops]
    faults = frame[~frame["ok"]].set_index("key")
    assert faults.loc["dup", "code"] == "6240"
    assert faults.loc["invalid", "code"] == "2040"
    assert faults.loc["stale", "code"] == "5010"
    assert frame[frame["ok"] & (frame["operation"] == "create")]["Id"].notna().all()


def test_small_batch_is_one_request(client):
    prefix = unique("One")
    ops = [
        BatchOp("create", "Customer", {"DisplayName": f"{prefix}-{i}"}, key=i) for i in range(30)
    ]
    results = client.batch(ops)
    assert client.stats.counts["batch"] == 1
    assert all(r.ok for r in results)
    assert [r.data["DisplayName"] for r in results] == [f"{prefix}-{i}" for i in range(30)]
