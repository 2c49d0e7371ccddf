"""Customer names QuickBooks cannot take: blocked with a suggestion by default, resolved by the
rules of [sync_map.names], or by a name a person accepted (no network: the plan is pure)."""

from __future__ import annotations

import pandas as pd
import pytest

from reconcile.errors import ConfigError
from reconcile.mapping import CUSTOMERS
from reconcile.mapping.name_rules import name_rules
from reconcile.plans import Plan
from reconcile.store import SyncStore
from reconcile.sync.choices import suggested
from reconcile.sync.plan import build_plan
from reconcile.sync.preview import preview_frame
from reconcile.sync.state import QboState
from tests.mapping.test_maps import ACCOUNT_ROW

RULES = {
    "vendor_or_employee": "{name} (customer)",
    "forbidden_characters": " - ",
    "duplicate": "{name} ({code})",
}


def _state(**records) -> QboState:
    base = {
        "Customer": [],
        "Vendor": [{"Id": "56", "DisplayName": "Beacon Hill Distributors"}],
        "Employee": [{"Id": "60", "DisplayName": "Dana Whitfield"}],
        "Term": [],
        "TaxCode": [],
    }
    return QboState({**base, **records})


@pytest.fixture()
def store():
    with SyncStore(":memory:") as s:
        yield s


def _row(bms_id: int, name: str, code: str | None = None) -> dict:
    return {
        **ACCOUNT_ROW,
        "Id": bms_id,
        "AccountName": name,
        "AccountCode": code or f"C{bms_id}",
        "NetDays": None,
        "SalesTaxItemId": None,
        "SalesTaxItemName": None,
    }


EDGES = [
    _row(1005, "Beacon Hill Distributors"),
    _row(1015, "Acme: West Division"),
    _row(1021, "Riverside Family Dental"),
    _row(1038, "Riverside Family Dental"),
]


def _plan(rows, store, state=None, all_rows=None, **names) -> pd.DataFrame:
    options = {"names": names} if names else {}
    frame = pd.DataFrame(rows)
    everyone = pd.DataFrame(all_rows) if all_rows is not None else None
    plan = build_plan(CUSTOMERS, frame, state or _state(), store, options, all_rows=everyone)
    return plan.rows.set_index("bms_id")


def test_by_default_each_clash_is_blocked_with_its_reason_and_a_suggested_name(store):
    plan = _plan(EDGES, store)
    assert list(plan["action"]) == ["blocked", "blocked", "create", "blocked"]
    assert "used by a QuickBooks vendor" in plan.loc["1005", "reason"]
    assert "contains a colon" in plan.loc["1015", "reason"]
    assert "BMS account 1021 has the same name" in plan.loc["1038", "reason"]
    assert plan["suggested_name"].dropna().to_dict() == {
        "1005": "Beacon Hill Distributors (customer)",
        "1015": "Acme - West Division",
        "1038": "Riverside Family Dental (C1038)",
    }
    assert "suggested: 'Acme - West Division'" in plan.loc["1015", "reason"]
    assert list(suggested(Plan("customer", "Customer", plan)).index) == [
        "1005",
        "1015",
        "1038",
    ]  # the create has none


def test_with_rules_every_clash_gets_the_rule_name_and_the_preview_says_why(store):
    plan = _plan(EDGES, store, **RULES)
    assert (plan["action"] == "create").all(), plan["reason"].to_dict()
    names = {i: b["DisplayName"] for i, b in plan["body"].items()}
    assert names == {
        "1005": "Beacon Hill Distributors (customer)",
        "1015": "Acme - West Division",
        "1021": "Riverside Family Dental",
        "1038": "Riverside Family Dental (C1038)",
    }
    assert plan.loc["1015", "body"]["CompanyName"] == "Acme: West Division"  # a colon is fine
    assert plan.loc["1038", "name"] == "Riverside Family Dental (C1038)"
    preview = preview_frame(Plan("customer", "Customer", plan.reset_index()), CUSTOMERS)
    shown = preview[(preview["bms_id"] == "1005") & (preview["property"] == "DisplayName")]
    assert shown[["bms_value", "to_send"]].values.tolist() == [
        ["Beacon Hill Distributors", "Beacon Hill Distributors (customer)"]
    ]
    assert "[sync_map.names] vendor_or_employee" in shown["note"].iloc[0]


def test_who_keeps_a_shared_name_does_not_depend_on_the_selection(store):
    alone = _plan([EDGES[3]], store, all_rows=EDGES, **RULES)
    assert alone.loc["1038", "body"]["DisplayName"] == "Riverside Family Dental (C1038)"
    first = _plan([EDGES[2]], store, all_rows=EDGES, **RULES)
    assert first.loc["1021", "body"]["DisplayName"] == "Riverside Family Dental"


def test_the_account_linked_to_the_shared_name_keeps_it(store):
    store.link("customer", "1038", "90", qbo_name="Riverside Family Dental", origin="created")
    qbo = {"Id": "90", "SyncToken": "0", "DisplayName": "Riverside Family Dental"}
    plan = _plan(EDGES[2:], store, _state(Customer=[qbo]), **RULES)
    assert plan.loc["1021", "body"]["DisplayName"] == "Riverside Family Dental (C1021)"
    assert plan.loc["1038", "action"] in ("update", "unchanged")


def test_a_linked_record_keeps_its_rule_name_on_later_syncs(store):
    store.link("customer", "1005", "91", origin="created")
    qbo = {"Id": "91", "SyncToken": "1", "DisplayName": "Beacon Hill Distributors (customer)"}
    plan = _plan([EDGES[0]], store, _state(Customer=[qbo]), **RULES)
    assert "DisplayName" not in plan.loc["1005", "changes"]


def test_the_duplicate_rule_needs_a_code_and_suggests_the_id_without_one(store):
    rows = [_row(1, "Twin Co"), {**_row(2, "Twin Co"), "AccountCode": None}]
    plan = _plan(rows, store, duplicate="{name} ({code})")
    assert "has no account code" in plan.loc["2", "reason"]
    assert plan.loc["2", "suggested_name"] == "Twin Co (2)"
    assert _plan(rows, store, duplicate="{name} #{id}").loc["2", "body"]["DisplayName"] == (
        "Twin Co #2"
    )


def test_a_rule_name_a_vendor_holds_too_is_blocked_without_a_suggestion(store):
    state = _state(
        Vendor=[{"Id": "1", "DisplayName": "Pax8"}, {"Id": "2", "DisplayName": "Pax8 C"}]
    )
    plan = _plan([_row(7, "Pax8")], store, state, vendor_or_employee="{name} C")
    assert "is used by a QuickBooks vendor too" in plan.loc["7", "reason"]
    assert plan.loc["7", "suggested_name"] is None


def test_an_employee_name_is_a_clash_too(store):
    plan = _plan([_row(8, "dana whitfield")], store)
    assert "used by a QuickBooks employee" in plan.loc["8", "reason"]


def test_an_accepted_name_is_used_while_the_bms_name_is_the_one_it_was_chosen_for(store):
    store.choose_name("customer", "1015", "Acme: West Division", "Acme West (Springfield)")
    plan = _plan([EDGES[1]], store)
    assert plan.loc["1015", "action"] == "create"
    assert plan.loc["1015", "body"]["DisplayName"] == "Acme West (Springfield)"
    assert "accepted" in plan.loc["1015", "mapped"].notes["DisplayName"]
    renamed = _plan([_row(1015, "Acme: Western Division")], store)
    assert renamed.loc["1015", "action"] == "blocked"  # renamed in BMS: choose again
    assert renamed.loc["1015", "suggested_name"] == "Acme - Western Division"


def test_an_accepted_name_a_vendor_holds_is_blocked(store):
    store.choose_name("customer", "1015", "Acme: West Division", "Beacon Hill Distributors")
    assert "used by a QuickBooks vendor" in _plan([EDGES[1]], store).loc["1015", "reason"]


@pytest.mark.parametrize(
    "table, message",
    [
        ({"suffix": "x"}, "unknown rule 'suffix'"),
        ({"duplicate": "{code}"}, "must contain {name}"),
        ({"duplicate": "{name} {region}"}, "may contain only"),
        ({"duplicate": "{name"}, "must contain {name}"),
        ({"forbidden_characters": ":"}, "a character QuickBooks forbids"),
        ({"vendor_or_employee": 3}, "must be a text"),
    ],
)
def test_a_wrong_rule_is_refused_with_what_is_wrong(table, message):
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("(", r"\(")):
        name_rules(table)
