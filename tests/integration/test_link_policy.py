"""Linking to a company that already has its books: a send links, it does not overwrite.

On a fresh sandbox company of this module's own (the shared one is changed by other tests),
the whole BMS chart of accounts and the BMS customer the demo company already has are sent;
nothing the update policy protects changes (sync/policy.py): the company's accounts keep their
names and types, its system accounts stay exactly as they were, and its customer keeps every
value it had, gaining only what was blank."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import connected_sandbox
from reconcile.config import load_config
from reconcile.mapping.syncmap import get_path, is_blank
from reconcile.qbo.query import select
from reconcile.sandbox.bms_demo import EDGE_NAMES
from reconcile.session import Session
from reconcile.sync.policy import KEPT_LINKED, is_system_account

BAYSIDE = EDGE_NAMES["qbo_match"]


@pytest.fixture(scope="module")
def company(servers, tmp_path_factory):
    """A session on a fresh sandbox company: (session, its accounts and Bayside before)."""
    sandbox = connected_sandbox(tmp_path_factory.mktemp("link") / "sandbox")
    try:
        session = Session(load_config(sandbox.config_path))
        before = {a["Id"]: a for a in session.qbo.query(select("Account"))}
        (bayside,) = session.qbo.query(select("Customer").eq("DisplayName", BAYSIDE))
        yield session, before, bayside
    finally:
        sandbox.stop()


def _leaves(record: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in record.items():
        if key in ("SyncToken", "MetaData", "sparse", "domain", "Id"):
            continue
        if isinstance(value, dict):
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_sending_the_chart_of_accounts_leaves_the_companys_accounts_as_they_were(company):
    session, before, _ = company
    plan = session.plan("account", session.load("account"))
    linked = plan.rows[plan.rows["action"] == "link"]
    assert {"1000", "1100", "1200", "4000", "4900"} <= {
        before[i]["AcctNum"] for i in linked["qbo_id"]
    }  # Checking, Undeposited Funds by number and name; A/R, Services and Discounts given as
    # the demo's [sync_map.account_links] says
    # A number is not an identity: BMS 3000 "Owner's Equity" is not the company's 3000
    # "Opening Balance Equity", and nobody said otherwise in [sync_map.account_links]; BMS 4090
    # "Discounts Given" was linked there to the company's 4900 "Discounts given", so BMS 4900
    # finds that account taken. Both are blocked for a person, with both sides.
    blocked = plan.rows[plan.rows["action"] == "blocked"].set_index("name")["reason"]
    assert set(blocked.index) == {"Owner's Equity", "Legacy Break/Fix Income"}
    assert "'Opening Balance Equity'" in blocked["Owner's Equity"]
    assert "a number is not an identity" in blocked["Owner's Equity"]
    assert "already matched to BMS record" in blocked["Legacy Break/Fix Income"]
    results = session.send(plan)
    assert set(results["outcome"]) == {"ok", "blocked"}, results["message"].tolist()
    after = {a["Id"]: a for a in session.qbo.query(select("Account"))}
    for qbo_id, was in before.items():
        now = after[qbo_id]
        for key in ("Name", "AccountType", "AccountSubType", "Classification", "AcctNum"):
            assert now[key] == was[key], (was["Name"], key)
        if is_system_account(was):
            assert now["SyncToken"] == was["SyncToken"], f"{was['Name']} was written"
        elif was.get("Description"):
            assert now["Description"] == was["Description"]
    # The company's Checking gained BMS's description: it had none.
    checking = next(a for a in after.values() if a["AcctNum"] == "1000")
    assert checking["Description"] == "Operating account"
    # What the toolkit created follows BMS; what it linked is the company's.
    origins = session.store.links("account").set_index("qbo_id")["origin"]
    assert set(origins[linked["qbo_id"]]) == {"linked"}
    assert set(origins.drop(linked["qbo_id"])) == {"created"}


def test_a_customer_the_company_typed_in_keeps_its_values_and_gains_the_blank_ones(company):
    session, _, bayside = company
    rows = session.load("customer")
    plan = session.plan("customer", rows[rows["AccountName"] == BAYSIDE])
    (row,) = plan.rows.to_dict("records")
    assert row["action"] == "link"
    preview = session.preview(plan)
    notes = preview.set_index("property")["note"]
    assert {p: notes[p] for p in row["kept"]} == row["kept"]
    assert (
        KEPT_LINKED in row["kept"].values()
        and not preview.loc[preview["property"].isin(row["kept"]), "changed"].any()
    )
    results = session.send(plan)
    assert list(results["outcome"]) == ["ok"], results["message"].tolist()
    now = session.qbo.read("Customer", bayside["Id"])
    was, is_ = _leaves(bayside), _leaves(now)
    changed = {k for k, v in was.items() if v not in (None, "") and is_.get(k) != v}
    assert not changed - {"Balance", "BalanceWithJobs"}, changed
    filled = set(row["changes"])
    assert filled and all(not is_blank(get_path(now, p)) for p in filled), filled
    # Planned again: the company's values are still kept, nothing more to send.
    again = session.plan("customer", rows[rows["AccountName"] == BAYSIDE]).rows.iloc[0]
    assert again["action"] == "unchanged" and set(again["kept"]) == set(row["kept"])


def test_overwrite_opted_in_per_field_sends_bmss_value(company):
    session, _, bayside = company
    rows = session.load("customer")
    mine = rows[rows["AccountName"] == BAYSIDE]
    kept = session.plan("customer", mine).rows.iloc[0]["kept"]
    assert kept, "the demo's Bayside differs from BMS in some field the company typed in"
    field = sorted(kept)[0]
    top = field.split(".")[0]
    opted = dataclasses.replace(session.config, sync_map={"overwrite": {"customer": [top]}})
    session_opted = Session(opted)
    plan = session_opted.plan("customer", mine)
    assert field in plan.rows.iloc[0]["changes"] and field not in plan.rows.iloc[0]["kept"]
    results = session_opted.send(plan)
    assert list(results["outcome"]) == ["ok"], results["message"].tolist()
    now = session.qbo.read("Customer", bayside["Id"])
    node = now
    for part in field.split("."):
        node = node[part]
    assert node == plan.rows.iloc[0]["mapped"].values[field]


def test_an_invoice_the_company_made_with_the_same_number_is_linked_not_rewritten(company):
    session, _, bayside = company
    invoices = session.invoices()
    mine = invoices[invoices["selectable"] & (invoices["AccountName"] == BAYSIDE)].head(1)
    number = mine["InvoiceNumber"].iloc[0]
    (hours,) = session.qbo.query(select("Item").eq("Name", "Hours"))
    typed = session.qbo.create(
        "Invoice",
        {
            "CustomerRef": {"value": bayside["Id"]},
            "DocNumber": number,
            "Line": [
                {
                    "Amount": 12.5,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": hours["Id"]},
                        "Qty": 1,
                        "UnitPrice": 12.5,
                        "TaxCodeRef": {"value": "NON"},
                    },
                }
            ],
        },
    )
    plan = session.plan_invoices(mine, include_dependencies=True)
    row = plan.rows[plan.rows["kind"] == "invoice"].iloc[0]
    assert (row["action"], row["qbo_id"]) == ("link", typed["Id"])
    results = session.export_invoices(plan)
    result = results[results["kind"] == "invoice"].iloc[0]
    assert result["outcome"] == "ok" and "QuickBooks keeps its invoice" in result["message"]
    assert "DIFFERS from BMS" in result["message"]  # the company's amount is not BMS's
    now = session.qbo.read("Invoice", typed["Id"])
    assert (now["SyncToken"], now["TotalAmt"]) == (typed["SyncToken"], 12.5)
    assert session.store.origin("invoice", str(mine["Id"].iloc[0])) == "linked"
