"""The one Plan type (reconcile.plans): choosing records keeps a payment's lines with it."""

from __future__ import annotations

import pandas as pd
import pytest

from reconcile.plans import Plan

pytestmark = pytest.mark.unit

PAYMENTS = pd.DataFrame({"payment_id": ["1", "2", "3"], "importable": [True, False, True]})
LINES = pd.DataFrame({"payment_id": ["1", "1", "2", "3"], "bms_id": ["10", "11", "12", "13"]})


def _payments() -> Plan:
    return Plan("payment", "Payment", PAYMENTS, LINES, key="payment_id")


def test_select_keeps_the_chosen_records_and_their_lines_in_plan_order():
    chosen = _payments().select([3, "1"])  # ids as numbers or text
    assert chosen.rows["payment_id"].tolist() == ["1", "3"]
    assert chosen.lines["bms_id"].tolist() == ["10", "11", "13"]
    assert (chosen.kind, chosen.entity, chosen.key) == ("payment", "Payment", "payment_id")
    assert len(chosen) == 2 and list(chosen.rows.index) == [0, 1]


def test_where_keeps_the_rows_a_mask_keeps_and_their_lines():
    plan = _payments()
    ready = plan.where(plan.rows["importable"])
    assert ready.rows["payment_id"].tolist() == ["1", "3"]
    assert ready.lines["payment_id"].tolist() == ["1", "1", "3"]
    assert len(plan) == 3  # the plan itself is unchanged (frozen)


def test_a_record_plan_has_no_lines_and_is_keyed_by_bms_id():
    rows = pd.DataFrame({"kind": ["customer"] * 2, "bms_id": ["7", "8"], "action": ["create"] * 2})
    plan = Plan("customer", "Customer", rows)
    assert plan.select(["8"]).rows["bms_id"].tolist() == ["8"]
    assert plan.where(rows["bms_id"] == "7").lines is None
    assert plan.with_rows(rows.iloc[:1]).rows["bms_id"].tolist() == ["7"]
