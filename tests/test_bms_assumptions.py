"""Unit tests of the BMS assumptions (``[bms_assumptions]``): defaults, the config table,
specific messages for a bad table, and the comparisons the toolkit makes with them."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from reconcile.bms.assumptions import DEFAULT, from_table
from reconcile.config import load_config
from reconcile.errors import ConfigError
from reconcile.mapping import configured
from reconcile.payments.reconciliation import reconcile_invoices
from reconcile.session import Session


def test_the_defaults_are_what_the_sandbox_does():
    assert from_table({}) == DEFAULT
    assert DEFAULT.is_exportable("partially paid") and not DEFAULT.is_exportable("New")
    assert DEFAULT.is_void(" VOID ") and not DEFAULT.is_void(pd.NA) and not DEFAULT.is_void(None)
    assert DEFAULT.job_done("completedWithErrors") and not DEFAULT.job_done("Running")
    assert [DEFAULT.log_outcome(c) for c in ("Applied", "skipped", "ERROR", "Info", None)] == [
        "applied",
        "skipped",
        "error",
        None,
        None,
    ]
    assert DEFAULT.job_logs_in_order and DEFAULT.payment_invoice_key == "qbo_id"


def test_a_table_switches_each_assumption():
    table = {
        "exportable_statuses": ["Posted"],
        "void_statuses": "Cancelled",
        "job_done_states": ["Done"],
        "job_logs_in_order": False,
        "payment_invoice_key": "bms_id",
        "job_log_codes": {"applied": ["OK", "Success"]},
    }
    mine = from_table(table)
    assert mine.is_exportable("posted") and not mine.is_exportable("Sent")
    assert mine.is_void("cancelled") and not mine.is_void("Void")
    assert mine.job_done("DONE") and not mine.job_done("Completed")
    assert mine.log_outcome("success") == "applied"
    assert mine.log_outcome("Skipped") == "skipped"  # the codes not named keep their default
    assert not mine.job_logs_in_order and mine.payment_invoice_key == "bms_id"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"void_status": ["X"]}, "unknown key(s) void_status"),
        ({"exportable_statuses": []}, "exportable_statuses must be a non-empty list"),
        ({"job_done_states": [1]}, "job_done_states must be a non-empty list"),
        ({"job_log_codes": {"done": ["OK"]}}, "job_log_codes] takes only applied"),
        ({"job_logs_in_order": "yes"}, "job_logs_in_order must be true or false"),
        ({"payment_invoice_key": "number"}, "payment_invoice_key must be one of qbo_id"),
    ],
)
def test_a_bad_table_names_the_key_and_the_rule(table, message):
    with pytest.raises(ConfigError, match=r"\[bms_assumptions"):
        from_table(table)
    with pytest.raises(ConfigError) as caught:
        from_table(table)
    assert message in str(caught.value)


def test_the_config_file_table_reaches_the_session(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text(
        'profile = "sandbox"\n[qbo]\nbase_url = "http://127.0.0.1:5001"\n'
        "[bms_assumptions]\nvoid_statuses = ['Cancelled']\n"
    )
    config = load_config(path)
    assert config.bms_assumptions == {"void_statuses": ["Cancelled"]}
    assert Session(config).assumptions.is_void("Cancelled")
    moved = dataclasses.replace(config, sync_map={"exportable_statuses": ["Sent"]})
    with pytest.raises(ConfigError, match=r"moved: write it as \[bms_assumptions\]"):
        configured(moved)


def test_the_reconciliation_reads_statuses_by_the_assumptions():
    bms = pd.DataFrame(
        {
            "Id": [1, 2],
            "InvoiceNumber": ["A-1", "A-2"],
            "AccountId": [7, 7],
            "AccountName": ["Acme", "Acme"],
            "StatusName": ["Cancelled", "Posted"],
            "GrandTotal": [100.0, 50.0],
            "PaidAmount": [0.0, 0.0],
            "PaymentDue": [100.0, 50.0],
            "AccountingAppReference": [None, None],
        }
    )
    qbo = pd.DataFrame(
        columns=[
            "qbo_invoice_id",
            "doc_number",
            "customer_id",
            "customer_name",
            "total",
            "balance",
            "voided",
            "txn_date",
        ]
    )
    lines = pd.DataFrame(columns=["payment_id", "qbo_invoice_id", "amount"])
    default = reconcile_invoices(bms, qbo, lines, None)
    assert default["state"].tolist() == []  # neither status is exported by default
    mine = from_table({"exportable_statuses": ["Posted"], "void_statuses": ["Cancelled"]})
    told = reconcile_invoices(bms, qbo, lines, None, assumptions=mine)
    assert told["invoice_number"].tolist() == ["A-2"]
    assert told["state"].tolist() == ["missing in QBO"]
