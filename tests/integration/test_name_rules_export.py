"""With [sync_map.names] rules on, every eligible demo invoice is exported except those that
need a person (an inactive customer), on a QuickBooks company of its own: the
customers QuickBooks cannot take by their BMS name get the rule's name, and later plans
reuse it (nothing to change, nothing created twice)."""

from __future__ import annotations

import pytest

from reconcile.qbo.query import select
from reconcile.sandbox.bms_demo import EDGE_NAMES
from reconcile.sandbox.qbo_demo import VENDOR_NAMED_LIKE_BMS_CLIENT
from tests.integration.test_company_settings_export import _session

RULES = {
    "vendor_or_employee": "{name} (customer)",
    "forbidden_characters": " - ",
    "duplicate": "{name} ({code})",
}
# What only a person can settle, by the start of its reason.
NEEDS_A_PERSON = (
    "inactive in BMS",  # make the account active in BMS
    "needs customer 'Pioneer Valley Realty', which cannot be sent: inactive in BMS",
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    sandbox, session = _session(tmp_path_factory, "standard", names=RULES)
    listed = session.invoices()
    eligible = listed[listed["selectable"]]
    plan = session.plan_invoices(eligible, include_dependencies=True)
    results = session.export_invoices(plan)
    yield session, eligible, plan, results
    sandbox.stop()


def test_every_eligible_invoice_is_exported_but_those_needing_a_person(exported):
    _session, eligible, plan, results = exported
    blocked = plan.rows[plan.rows["action"] == "blocked"]
    assert all(r.startswith(NEEDS_A_PERSON) for r in blocked["reason"]), blocked["reason"]
    invoices = results[results["kind"] == "invoice"]
    held = set(blocked.loc[blocked["kind"] == "invoice", "bms_id"])
    assert len(held) <= 3, held  # the inactive client's invoice
    memos = results[results["kind"] == "credit_memo"]  # the demo's credit lines: a memo each
    assert len(memos) >= 1 and set(memos["outcome"]) == {"ok"}
    assert set(invoices.loc[invoices["outcome"] == "ok", "bms_id"]) == (
        set(eligible["Id"].astype(str)) - held
    )
    assert not results["outcome"].eq("failed").any(), results[results["outcome"] == "failed"]


@pytest.mark.parametrize(
    "bms_name, qbo_name",
    [
        (VENDOR_NAMED_LIKE_BMS_CLIENT, f"{VENDOR_NAMED_LIKE_BMS_CLIENT} (customer)"),
        (EDGE_NAMES["colon"], "Acme - West Division"),
    ],
)
def test_the_customers_get_the_rule_names_and_carry_their_invoices(exported, bms_name, qbo_name):
    session, eligible, _plan, results = exported
    (customer,) = session.qbo.query(select("Customer").eq("DisplayName", qbo_name))
    theirs = eligible.loc[eligible["AccountName"] == bms_name, "Id"].astype(str)
    assert len(theirs) >= 1
    sent = results[results["bms_id"].isin(set(theirs)) & (results["kind"] == "invoice")]
    for qbo_id in sent["qbo_id"]:
        assert session.qbo.read("Invoice", qbo_id)["CustomerRef"]["value"] == customer["Id"]
    links = session.store.links("customer")
    assert qbo_name in set(links["qbo_name"])


def test_two_bms_accounts_of_one_name_are_two_customers(exported):
    session, *_ = exported
    accounts = session.load("customer")
    twins = accounts[accounts["AccountName"] == EDGE_NAMES["duplicate"]].sort_values("Id")
    first, second = twins.to_dict("records")
    names = {c["DisplayName"] for c in session.qbo.query(select("Customer"))}
    assert EDGE_NAMES["duplicate"] in names  # the lower BMS id keeps the name
    assert f"{EDGE_NAMES['duplicate']} ({second['AccountCode']})" in names
    assert first["Id"] < second["Id"]


def test_a_later_plan_reuses_the_names_and_changes_nothing(exported):
    session, eligible, _plan, _results = exported
    again = session.plan_invoices(eligible, include_dependencies=True)
    invoices = again.rows[again.rows["kind"] == "invoice"]
    assert set(invoices["action"]) <= {"unchanged", "blocked"}
    assert not again.rows["action"].isin(["create", "update", "link"]).any(), again.rows[
        again.rows["action"].isin(["create", "update", "link"])
    ][["kind", "name", "action", "changes"]]


def test_a_later_customer_sync_keeps_the_rule_names(exported):
    session, *_ = exported
    plan = session.plan("customer", session.load("customer")).rows.set_index("name")
    for name in (f"{VENDOR_NAMED_LIKE_BMS_CLIENT} (customer)", "Acme - West Division"):
        assert plan.loc[name, "action"] == "unchanged", plan.loc[name, "changes"]
