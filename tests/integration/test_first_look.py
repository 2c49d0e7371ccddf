"""``python -m reconcile check``: a first look that reads both systems, plans everything and
writes nothing — counted on both sandboxes (their write counters) and in the local store."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from conftest import connected_sandbox
from reconcile.config import load_config
from reconcile.first_look import first_look
from reconcile.qbo.query import select
from reconcile.session import Session


def _writes(sandbox) -> tuple[int, int]:
    """(QuickBooks, BMS) write requests the sandboxes have received."""
    qbo = requests.get(f"{sandbox.qbo_url}/_sandbox/stats", timeout=10).json()
    bms = requests.get(f"{sandbox.bms_url}/_sandbox/stats", timeout=10).json()
    return qbo["write_count"], bms["write_count"]


@pytest.fixture(scope="module")
def company(servers, tmp_path_factory):
    """A fresh sandbox company, connected: (sandbox, session)."""
    sandbox = connected_sandbox(tmp_path_factory.mktemp("look") / "sandbox")
    try:
        yield sandbox, Session(load_config(sandbox.config_path))
    finally:
        sandbox.stop()


def test_the_write_counters_count_writes(company):
    """The counters themselves: a create on each side is counted, reads are not."""
    sandbox, session = company
    before = _writes(sandbox)
    session.qbo.query(select("Customer"))  # a QuickBooks query is a read
    session.load("customer")  # BMS reads, POST searches included
    assert _writes(sandbox) == before
    session.qbo.create("Term", {"Name": "Net 75", "DueDays": 75})
    assert _writes(sandbox) == (before[0] + 1, before[1])


def test_check_plans_everything_and_writes_nothing(company):
    sandbox, session = company
    store = session.store
    before, log_before, links_before = _writes(sandbox), len(store.log_frame()), store.links()
    look = first_look(session)
    assert _writes(sandbox) == before, "the first look wrote to QuickBooks or BMS"
    assert len(store.log_frame()) == log_before and store.links().equals(links_before)

    summary = look.summary().set_index(["kind", "action"])["records"]
    assert summary[("account", "link")] >= 5 and summary[("account", "create")] >= 10
    assert summary[("invoice", "create")] >= 50
    assert ("customer", "link") in summary.index  # Bayside, already in the company
    assert summary[("taxcode", "create")] >= 1  # what the customers need made, once each
    # Items are planned as after the chart of accounts: their new GL accounts are needs; the
    # one posting to BMS 4900 is blocked (QuickBooks' 4900 is another account).
    assert summary[("item", "create")] >= 20 and summary[("item", "blocked")] == 1
    blocked = look.blocked().set_index("name")["reason"]
    assert "a number is not an identity" in blocked["Owner's Equity"]
    kept = look.kept()
    assert (kept["name"] == "Bayside Dental Group").any()
    assert look.company["CompanyName"] == "Harbor Point Managed IT LLC"
    text = look.text()
    assert "Owner's Equity" in text and text.endswith("Nothing was sent.")


def test_the_check_command_exits_1_when_something_is_blocked(company, tmp_path):
    sandbox, _ = company
    before = _writes(sandbox)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILE_")}
    env["RECONCILE_CONFIG"] = str(sandbox.config_path)
    page = tmp_path / "look.html"
    done = subprocess.run(
        [sys.executable, "-m", "reconcile", "check", "--html", str(page)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Blocked, for a person to decide" in done.stdout and "Nothing was sent." in done.stdout
    assert "<h1>First look" in page.read_text() and "<script" not in page.read_text()
    assert _writes(sandbox) == before
