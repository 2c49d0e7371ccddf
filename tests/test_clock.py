"""One calendar day for the whole toolkit: RECONCILE_TODAY when set, else the real date;
the sandbox builds its demo for it (or for ``--today``) and dates transactions by it."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from conftest import DEMO_DATE, connected_sandbox
from reconcile import clock
from reconcile.bms.client import BmsClient
from reconcile.bms.loaders import invoice_headers
from reconcile.cli import build_parser
from reconcile.config import load_config
from reconcile.errors import ConfigError
from reconcile.payments.frames import month_before
from reconcile.qbo.auth import QboAuth
from reconcile.qbo.client import QboClient
from reconcile.qbo.connect import connect_automatically
from reconcile.reports import report_period
from reconcile.sandbox.runner import start_sandbox


def test_the_suite_runs_on_the_pinned_day():
    assert clock.today() == DEMO_DATE


def test_unset_means_the_real_date(monkeypatch):
    monkeypatch.delenv(clock.ENV)
    assert clock.today() == date.today()
    monkeypatch.setenv(clock.ENV, "  ")
    assert clock.today() == date.today()


def test_a_pinned_day_moves_every_default_together(monkeypatch):
    monkeypatch.setenv(clock.ENV, "2028-02-29")
    assert clock.today() == date(2028, 2, 29)
    period = report_period()
    assert (period.since, period.until) == (date(2028, 1, 29), date(2028, 2, 29))
    assert month_before(clock.today()) == date(2028, 1, 29)


def test_a_bad_day_names_the_setting_and_the_value(monkeypatch):
    monkeypatch.setenv(clock.ENV, "30/11/2026")
    with pytest.raises(ConfigError, match=r"RECONCILE_TODAY must be a date like .*'30/11/2026'"):
        clock.today()


def test_sandbox_and_lab_take_today():
    args = build_parser().parse_args(["sandbox", "--today", "2027-12-31"])
    assert args.today == date(2027, 12, 31)
    assert build_parser().parse_args(["lab"]).today is None
    bad = subprocess.run(
        [sys.executable, "-m", "reconcile", "sandbox", "--today", "yesterday"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "argument --today: not a date (YYYY-MM-DD): 'yesterday'" in bad.stderr


def test_a_sandbox_built_for_a_day_keeps_to_it(servers, tmp_path):
    day = date(2027, 2, 28)
    sandbox = start_sandbox(tmp_path / "sandbox", time_scale=60.0, today=day)
    try:
        assert sandbox.info()["demo_date"] == "2027-02-28"
        config = load_config(sandbox.config_path)
        connect_automatically(QboAuth(config.qbo))
        newest = invoice_headers(BmsClient(config.bms, sleep=lambda s: None))["InvoiceDate"].max()
        assert month_before(day) < newest.date() <= day  # the demo is as of that day
        qbo = QboClient(config.qbo, sleep=lambda s: None)
        customer = qbo.create("Customer", {"DisplayName": "Clock test customer"})
        payment = qbo.create("Payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 5})
        assert payment["TxnDate"] == "2027-02-28"  # QuickBooks dates it "today"
    finally:
        sandbox.stop()


def test_a_sandbox_without_a_day_follows_the_clock(servers, tmp_path):
    sandbox = connected_sandbox(tmp_path / "sandbox")
    try:
        assert sandbox.info()["demo_date"] == DEMO_DATE.isoformat()
    finally:
        sandbox.stop()
