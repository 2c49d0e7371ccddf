"""Plan and send against the sandbox servers over real HTTP: no duplicates, ever."""

from __future__ import annotations

import pandas as pd
import pytest

from reconcile.bms.loaders import accounts_frame, gl_accounts_frame, tax_items_frame
from reconcile.mapping import ACCOUNTS, CUSTOMERS
from reconcile.qbo.query import select
from reconcile.sandbox.bms_demo import EDGE_NAMES
from reconcile.store import SyncStore
from reconcile.sync.plan import build_plan
from reconcile.sync.send import send_plan
from reconcile.sync.state import NEEDED, QboState
from tests.integration.conftest import config_options


@pytest.fixture(scope="module")
def bms_frames(sandbox):
    from reconcile.bms.client import BmsClient
    from reconcile.config import load_config

    bms = BmsClient(load_config().bms)
    return {
        "accounts": accounts_frame(bms),
        "gl": gl_accounts_frame(bms),
        "tax": tax_items_frame(bms),
    }


@pytest.fixture()
def store(tmp_path):
    with SyncStore(tmp_path / "sync.sqlite") as s:
        yield s


def _plan(client, store, rows, frames, entity_map=CUSTOMERS):
    state = QboState.load(client, NEEDED[entity_map.kind])
    return build_plan(entity_map, rows, state, store, config_options(), frames["tax"])


def _count(client, name: str) -> int:
    return client.count(select("Customer").eq("DisplayName", name))


def _pick(frames, *names: str) -> pd.DataFrame:
    accounts = frames["accounts"]
    return accounts[accounts["AccountName"].isin(names)].drop_duplicates("AccountName")


def test_send_creates_links_logs_and_a_resend_changes_nothing(client, store, bms_frames):
    rows = _pick(
        bms_frames, "Murphy & Abernathy CPAs", "O'Brien & Sons Plumbing", "Café Lumière Bistro"
    )
    plan = _plan(client, store, rows, bms_frames)
    assert set(plan.rows["action"]) == {"create"}
    results = send_plan(plan, client, store)
    assert set(results["outcome"]) == {"ok"}
    for name in rows["AccountName"]:
        assert _count(client, name) == 1
    links = store.links("customer")
    assert set(links["bms_id"]) == {str(i) for i in rows["Id"]}
    log = store.log_frame(run_id=results.attrs["run_id"])
    assert (log["outcome"] == "ok").sum() >= 3
    obrien = client.read("Customer", store.qbo_id("customer", str(rows.iloc[1]["Id"])))
    assert obrien["SalesTermRef"]["value"] and obrien["DefaultTaxCodeRef"]["value"]

    again = _plan(client, store, rows, bms_frames)
    assert set(again.rows["action"]) == {"unchanged"}
    assert set(send_plan(again, client, store)["outcome"]) == {"unchanged"}


def test_lost_links_are_found_again_by_name_not_duplicated(client, tmp_path, bms_frames):
    rows = _pick(bms_frames, "Monadnock Builders", "South Shore Academy")
    with SyncStore(tmp_path / "first.sqlite") as first:
        send_plan(_plan(client, first, rows, bms_frames), client, first)
    with SyncStore(tmp_path / "second.sqlite") as second:
        plan = _plan(client, second, rows, bms_frames)
        assert set(plan.rows["action"]) == {"link"}
        assert set(send_plan(plan, client, second)["outcome"]) == {"ok"}
        assert len(second.links("customer")) == 2
    for name in rows["AccountName"]:
        assert _count(client, name) == 1


def test_an_inactive_customer_is_found_again_under_quickbooks_deleted_name(
    client, tmp_path, bms_frames
):
    """QuickBooks renames an inactive customer "X (deleted)": a lost link is found again by
    that name and relinked, not created again (which QuickBooks refuses, 6240, forever)."""
    rows = _pick(bms_frames, EDGE_NAMES["inactive"])
    assert rows["IsActive"].tolist() == [False]
    with SyncStore(tmp_path / "first.sqlite") as first:
        assert set(send_plan(_plan(client, first, rows, bms_frames), client, first)["outcome"]) == {
            "ok"
        }
    deleted = f"{EDGE_NAMES['inactive']} (deleted)"
    assert _count(client, deleted) == 1
    with SyncStore(tmp_path / "second.sqlite") as second:
        plan = _plan(client, second, rows, bms_frames)
        assert list(plan.rows.loc[plan.rows["kind"] == "customer", "action"]) == ["link"]
        assert "DisplayName" not in plan.rows["changes"].iloc[-1]
        assert set(send_plan(plan, client, second)["outcome"]) == {"ok"}
    assert _count(client, deleted) == 1 and _count(client, EDGE_NAMES["inactive"]) == 0


def test_a_change_in_bms_becomes_a_sparse_update(client, store, bms_frames):
    rows = _pick(bms_frames, "Okafor & Donovan CPAs")
    send_plan(_plan(client, store, rows, bms_frames), client, store)
    changed = rows.assign(Phone="(617) 555-4242")
    plan = _plan(client, store, changed, bms_frames)
    assert plan.rows.iloc[0]["action"] == "update"
    assert plan.rows.iloc[0]["changes"] == ["PrimaryPhone.FreeFormNumber"]
    send_plan(plan, client, store)
    qbo = client.read("Customer", store.qbo_id("customer", str(rows.iloc[0]["Id"])))
    assert qbo["PrimaryPhone"]["FreeFormNumber"] == "(617) 555-4242"
    assert qbo["DisplayName"] == "Okafor & Donovan CPAs"


def test_a_name_held_by_a_quickbooks_vendor_is_blocked_with_a_reason(client, store, bms_frames):
    rows = _pick(bms_frames, "Beacon Hill Distributors")
    plan = _plan(client, store, rows, bms_frames)
    assert plan.rows.iloc[0]["action"] == "blocked"
    assert "used by a QuickBooks vendor" in plan.rows.iloc[0]["reason"]
    results = send_plan(plan, client, store)
    assert results.iloc[0]["outcome"] == "blocked"
    assert _count(client, "Beacon Hill Distributors") == 0


def test_an_interrupted_send_resumes_without_duplicates(client, store, bms_frames):
    accounts = bms_frames["accounts"]
    rows = accounts[accounts["IsActive"] & (accounts["AccountType"] == "Client")]
    rows = rows.drop_duplicates("AccountName").iloc[12:47]  # 35 records: two batches
    taken = set(store.links("customer")["bms_id"])
    plan = _plan(client, store, rows, bms_frames)
    sendable = plan.rows[(plan.rows["action"] == "create") & (plan.rows["kind"] == "customer")]

    def stop_after_first_batch(done: int, total: int) -> None:
        raise KeyboardInterrupt  # the person closed the notebook, the machine slept…

    with pytest.raises(KeyboardInterrupt):
        send_plan(plan, client, store, progress=stop_after_first_batch)
    # Links need no request; of the creates, the first batch of 30 went through.
    first_batch = (set(store.links("customer")["bms_id"]) - taken) & set(sendable["bms_id"])
    assert 0 < len(first_batch) < len(sendable)
    assert store.runs().iloc[-1]["outcome"] == "interrupted"

    resumed = _plan(client, store, rows, bms_frames)
    by_id = resumed.rows.set_index("bms_id")
    assert set(by_id.loc[sorted(first_batch), "action"]) == {"unchanged"}
    send_plan(resumed, client, store)
    for name in sendable["name"]:
        assert _count(client, name) == 1


def test_sub_accounts_are_sent_after_their_parents(client, store, bms_frames):
    gl = bms_frames["gl"]
    plan = _plan(client, store, gl, bms_frames, ACCOUNTS)
    results = send_plan(plan, client, store).set_index("bms_id")
    failed = results[results["outcome"] == "failed"]
    assert failed.empty, failed[["name", "action", "message"]].to_string()
    # Every sub-account sits under its parent's QuickBooks account, however much of the chart
    # earlier tests had sent (then it is linked, and was made under the same parent).
    parents = {
        str(b): str(int(p)) for b, p in zip(gl["Id"], gl["ParentId"], strict=True) if pd.notna(p)
    }
    linked = [
        b for b in parents if store.qbo_id("account", b) and results.loc[b, "outcome"] == "ok"
    ]
    assert len(linked) >= 5
    for bms_id in linked:
        child = client.read("Account", store.qbo_id("account", bms_id))
        assert child["ParentRef"]["value"] == store.qbo_id("account", parents[bms_id])
        assert child["SubAccount"] is True
