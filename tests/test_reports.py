"""Scheduled reports: each report notebook run through papermill with parameters, on a
sandbox of this module's own holding known payments, failures and disagreements; its HTML
(no code), CSV files and summary.json checked against each other and the data; a report
that cannot reach its data fails loudly; the ``report`` command end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from conftest import TIME_SCALE
from reconcile import clock, report_data
from reconcile.config import load_config
from reconcile.errors import ReconcileError
from reconcile.payments import classification as c
from reconcile.payments.changes import CHANGE_COLUMNS
from reconcile.payments.reconciliation import CUSTOMER_COLUMNS, RECON_COLUMNS, STATES
from reconcile.qbo.auth import QboAuth
from reconcile.qbo.connect import connect_automatically
from reconcile.reports import (
    REPORTS,
    Period,
    ReportError,
    default_out_dir,
    parse_params,
    report_period,
    run_report,
    write_outputs,
)
from reconcile.sandbox.runner import start_sandbox
from reconcile.session import Session
from reconcile.store import RUN_COLUMNS
from tests.snapshots import assert_matches_snapshot

SINCE = "2000-01-01"
FAILURE = "refused for the report test"


@pytest.fixture(scope="module")
def company(servers, tmp_path_factory):
    """A sandbox of the module's own: four unpaid invoices exported with what they need,
    one paid in full in QuickBooks and imported into BMS (matched), one paid 10.00 in
    QuickBooks only (amounts disagree), an unapplied payment, and a failed sync run."""
    tmp = tmp_path_factory.mktemp("reports")
    sandbox = start_sandbox(tmp / "sandbox", time_scale=TIME_SCALE)
    try:
        config = load_config(sandbox.config_path)
        connect_automatically(QboAuth(config.qbo))
        session = Session(config)
        invoices = session.invoices()
        owed = invoices[
            invoices["selectable"] & (invoices["PaidAmount"] == 0) & (invoices["PaymentDue"] > 20)
        ].head(4)
        results = session.export_invoices(session.plan_invoices(owed, include_dependencies=True))
        assert set(results["outcome"]) == {"ok"}, results["message"].tolist()
        ids = owed["Id"].astype(str).tolist()
        links = session.store.links("invoice").set_index("bms_id")["qbo_id"]
        qbo = session.qbo_invoices([links[i] for i in ids]).set_index("qbo_invoice_id")

        def pay(bms_id: str, amount: float, applied: bool = True) -> str:
            invoice = qbo.loc[links[bms_id]]
            body: dict = {"CustomerRef": {"value": invoice["customer_id"]}, "TotalAmt": amount}
            if applied:
                body["Line"] = [
                    {
                        "Amount": amount,
                        "LinkedTxn": [{"TxnId": links[bms_id], "TxnType": "Invoice"}],
                    }
                ]
            return session.qbo.create("Payment", body)["Id"]

        full = pay(ids[0], float(owed.iloc[0]["PaymentDue"]))
        part = pay(ids[1], 10.0)
        loose = pay(ids[2], 25.0, applied=False)
        imported = session.import_payments(session.payments().select([full]))
        assert imported["outcome"].tolist() == ["imported"]
        run = session.store.start_run("customer", "send")
        session.store.log(
            run,
            kind="customer",
            action="create",
            outcome="failed",
            bms_id="1003",
            message=FAILURE,
        )
        session.store.finish_run(run, outcome="failed")
        yield {
            "config": str(sandbox.config_path),
            "exported": ids,
            "matched": ids[0],
            "mismatch": ids[1],
            "payments": {full: c.IMPORTED, part: c.READY, loose: c.UNAPPLIED},
        }
    finally:
        sandbox.stop()


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"bms_id": str, "payment_id": str, "qbo_invoice_id": str})


def _assert_no_code(html: Path, title: str) -> str:
    text = html.read_text(encoding="utf-8")
    assert title in text and "<img" in text  # the intro and the charts
    for code in ("from reconcile", "charts.show", "report_period(", "write_outputs("):
        assert code not in text, code
    assert 'class="jp-InputPrompt' not in text and "In&nbsp;[" not in text
    return text


def test_payment_reconciliation_report(company, tmp_path):
    result = run_report(
        "payment_reconciliation", {"since": SINCE, "config": company["config"]}, tmp_path / "out"
    )
    out = tmp_path / "out"
    assert result.out_dir == out.resolve() and result.notebook == out.resolve() / (
        "payment_reconciliation.ipynb"
    )
    _assert_no_code(result.html, "Payment reconciliation")
    assert {p.name for p in result.csvs} == {
        "invoices.csv",
        "customers.csv",
        "payments.csv",
        "payment_lines.csv",
        "payment_changes.csv",
    }
    summary = result.read_summary()
    assert summary["report"] == "payment_reconciliation"
    assert summary["since"] == SINCE and summary["until"] == clock.today().isoformat()
    assert summary["files"] == [
        "invoices.csv",
        "customers.csv",
        "payments.csv",
        "payment_lines.csv",
        "payment_changes.csv",
    ]

    invoices = _csv(out / "invoices.csv")
    assert list(invoices.columns) == RECON_COLUMNS
    assert summary["invoices"] == len(invoices)
    counts = invoices["state"].value_counts()
    assert summary["states"] == {s: int(counts.get(s, 0)) for s in STATES}
    states = invoices.set_index("bms_id")["state"]
    assert states[company["matched"]] == "matched"
    assert states[company["mismatch"]] == "amount mismatch"
    assert summary["disagreeing"] == len(invoices) - summary["agreeing"] >= 1
    assert summary["mismatch_difference"] == pytest.approx(10.0)

    customers = _csv(out / "customers.csv")
    assert list(customers.columns) == CUSTOMER_COLUMNS
    assert summary["customers"] == len(customers)
    assert summary["open_balance"]["bms"] == pytest.approx(customers["bms_open"].sum())
    assert summary["open_balance"]["qbo"] == pytest.approx(customers["qbo_open"].sum())
    assert summary["open_balance"]["bms"] == pytest.approx(invoices["bms_due"].sum())

    payments = _csv(out / "payments.csv")
    assert list(payments.columns) == list(c.PLAN_COLUMNS)
    assert dict(zip(payments["payment_id"], payments["class"], strict=True)) == company["payments"]
    assert summary["payments"]["count"] == 3
    assert summary["payments"]["total"] == pytest.approx(payments["total"].sum())
    by_class = summary["payments"]["by_class"]
    assert {k: v["count"] for k, v in by_class.items()} == {
        c.IMPORTED: 1,
        c.READY: 1,
        c.UNAPPLIED: 1,
    }
    assert list(_csv(out / "payment_lines.csv").columns) == list(c.LINE_COLUMNS)
    # The import already done does not count; of the two new payments one is importable.
    assert summary["match_rates"]["payments"] == 2
    assert summary["match_rates"]["payments_importable"] == 1
    changes = _csv(out / "payment_changes.csv")
    assert list(changes.columns) == list(CHANGE_COLUMNS)
    assert set(changes["state"]) == {"unchanged"} and summary["changed_after_import"] == {}
    assert summary["dry_run"] is None

    executed = nbformat.read(result.notebook, as_version=4)
    injected = [
        cell for cell in executed.cells if "injected-parameters" in cell.metadata.get("tags", [])
    ]
    assert injected and f'since = "{SINCE}"' in injected[0].source


def test_sync_status_report_with_a_dry_run(company, tmp_path):
    # The sync log keeps real time stamps; the suite's pinned day may lie before them.
    until = max(date.today(), clock.today()).isoformat()
    params = {"since": SINCE, "until": until, "config": company["config"], "dry_run_sync": True}
    result = run_report("sync_status", params, tmp_path)
    text = _assert_no_code(result.html, "Sync status")
    assert FAILURE in text
    summary = result.read_summary()
    assert summary["report"] == "sync_status"
    assert {p.name for p in result.csvs} == {
        "not_in_quickbooks.csv",
        "unexported_invoices.csv",
        "runs.csv",
        "failures.csv",
        "totals_disagree.csv",
        "dry_run.csv",
    }

    missing = _csv(tmp_path / "not_in_quickbooks.csv")
    assert list(missing.columns) == report_data.UNLINKED_COLUMNS
    counts = missing["kind"].value_counts()
    assert summary["not_in_quickbooks"] == {k: int(counts.get(k, 0)) for k in report_data.KINDS}
    assert summary["not_in_quickbooks"]["customer"] > 0  # the demo tenant has many

    unexported = _csv(tmp_path / "unexported_invoices.csv")
    assert list(unexported.columns) == report_data.UNEXPORTED_COLUMNS
    assert summary["unexported_invoices"] == len(unexported) > 0
    assert not set(company["exported"]) & set(unexported["Id"].astype(str))
    assert summary["unexported_total"] == pytest.approx(unexported["GrandTotal"].sum())

    runs = _csv(tmp_path / "runs.csv")
    assert list(runs.columns) == [*RUN_COLUMNS, "trouble"]
    assert summary["runs"] == len(runs) <= report_data.LAST_RUNS
    assert runs.loc[0, "outcome"] == "failed" and runs.loc[0, "trouble"]  # newest first
    failures = _csv(tmp_path / "failures.csv")
    assert list(failures.columns) == report_data.FAILURE_COLUMNS
    assert summary["failures"] == len(failures) == 1 and failures.loc[0, "message"] == FAILURE

    disagree = _csv(tmp_path / "totals_disagree.csv")
    assert list(disagree.columns) == RECON_COLUMNS
    assert set(disagree["state"]) == {"amount mismatch"}
    assert company["mismatch"] in set(disagree["bms_id"])
    assert summary["totals_disagree"] == len(disagree)
    assert summary["totals_difference"] == pytest.approx(disagree["difference"].abs().sum())

    plan = _csv(tmp_path / "dry_run.csv")
    assert list(plan.columns) == report_data.DRY_RUN_COLUMNS
    planned = plan.groupby(["kind", "action"]).size()
    assert summary["dry_run"] == {
        kind: {a: int(n) for a, n in planned[kind].items()} for kind in summary["dry_run"]
    }
    # The tax codes the customers need made first are rows of their own (every write planned).
    assert set(summary["dry_run"]) == {"taxcode", "customer", "account", "item", "invoice"}
    assert sum(summary["dry_run"]["invoice"].values()) == len(unexported)


@pytest.mark.parametrize("name", ["payment_reconciliation", "sync_status"])
def test_a_reports_files_match_their_reviewed_snapshot(company, name, tmp_path):
    """The tables and summary a report writes, compared with tests/snapshots/<report>/ (see
    tests/snapshots.py): a change to a report is a reviewed diff."""
    session = Session(load_config(company["config"]))
    since = date.fromisoformat(SINCE)
    if name == "payment_reconciliation":
        report = report_data.payment_report(session, report_period(SINCE))
    else:  # the log keeps real time stamps: a period to the end of the century holds them
        report = report_data.sync_status(session, Period(since, date(2099, 12, 31)), plan=True)
    write_outputs(tmp_path, report.tables, report.summary())
    assert_matches_snapshot(name, tmp_path)


@pytest.mark.integration  # runs a notebook kernel (papermill)
def test_a_report_that_cannot_reach_its_data_fails_loudly(tmp_path):
    missing = tmp_path / "nowhere" / "config.toml"
    with pytest.raises(ReportError) as failed:
        run_report("sync_status", {"config": str(missing)}, tmp_path / "out")
    error = failed.value
    assert "ConfigError" in str(error) and str(missing) in str(error)
    assert error.notebook == (tmp_path / "out" / "sync_status.ipynb").resolve()
    executed = nbformat.read(error.notebook, as_version=4)
    errors = [
        output
        for cell in executed.cells
        for output in cell.get("outputs", [])
        if output["output_type"] == "error"
    ]
    assert [e["ename"] for e in errors] == ["ConfigError"]
    assert error.html is not None and "ConfigError" in error.html.read_text(encoding="utf-8")
    assert not (tmp_path / "out" / "summary.json").exists()


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], {}),
        (["since=2024-01-01", "until=2024-01-31"], {"since": "2024-01-01", "until": "2024-01-31"}),
        (
            ["dry_run_sync=true", "n=3", "rate=0.5", "x=null"],
            {"dry_run_sync": True, "n": 3, "rate": 0.5, "x": None},
        ),
        (
            ['profile="production"', "config=a=b.toml", "empty="],
            {"profile": "production", "config": "a=b.toml", "empty": ""},
        ),
        (["since=2024-01-01", "since=2024-02-01"], {"since": "2024-02-01"}),
        (["x=NaN", "y=[1, 2]"], {"x": "NaN", "y": [1, 2]}),
    ],
)
def test_parse_params(items, expected):
    assert parse_params(items) == expected


@pytest.mark.parametrize("item", ["since", "=2024-01-01", "2x=1", "a b=1", "since-date=1"])
def test_parse_params_names_a_bad_item(item):
    with pytest.raises(ValueError, match=f"bad parameter '{item}'"):
        parse_params(["until=2024-01-01", item])


def test_run_report_refuses_unknown_reports_and_parameters(tmp_path):
    with pytest.raises(ReconcileError, match="no report named 'weekly'"):
        run_report("weekly", {}, tmp_path)
    with pytest.raises(ReconcileError, match="no parameter sinse"):
        run_report("sync_status", {"sinse": SINCE}, tmp_path)
    with pytest.raises(ReconcileError, match="once"):
        run_report("sync_status", {"out_dir": str(tmp_path / "a")}, tmp_path / "b")
    assert not list(tmp_path.iterdir())  # nothing was run or written


def test_reports_and_defaults():
    assert all(path.exists() for path in REPORTS.values())
    moment = pd.Timestamp("2024-03-05 02:15:00", tz="UTC").to_pydatetime()
    assert default_out_dir("sync_status", moment) == Path(
        "reports/out/sync_status-20240305T021500Z"
    )
    today = date(2024, 3, 31)
    assert report_period("", "", today=today).since == date(2024, 2, 29)
    assert report_period("2024-01-01", "2024-01-31") == report_period(
        date(2024, 1, 1), "2024-01-31"
    )
    with pytest.raises(ValueError, match="since must be a date"):
        report_period("last week", "")
    with pytest.raises(ValueError, match="after until"):
        report_period("2024-02-01", "2024-01-01")


def test_write_outputs_makes_plain_json(tmp_path):
    frame = pd.DataFrame({"a": [1, 2]})
    written = write_outputs(
        tmp_path, {"t": frame}, {"n": frame["a"].sum(), "day": date(2024, 1, 2), "na": pd.NA}
    )
    assert [p.name for p in written] == ["t.csv", "summary.json"]
    assert json.loads((tmp_path / "summary.json").read_text()) == {
        "n": 3,
        "day": "2024-01-02",
        "na": None,
        "files": ["t.csv"],
    }


def test_status_frames():
    links = pd.DataFrame({"kind": ["customer", "item"], "bms_id": ["1", "1"]})
    records = pd.DataFrame({"Id": [1, 2], "AccountName": ["A", "B"], "IsActive": [True, False]})
    missing = report_data.unlinked("customer", records, links)
    assert missing.to_dict("records") == [
        {"kind": "customer", "bms_id": "2", "name": "B", "active": False}
    ]
    log = pd.DataFrame(
        {
            "at": [
                "2024-01-31T23:59:59+00:00",
                "2024-02-01T00:00:00+00:00",
                "2023-12-31T10:00:00Z",
            ],
            **{c: ["x", "y", "z"] for c in report_data.FAILURE_COLUMNS if c != "at"},
        }
    )
    period = report_period("2024-01-01", "2024-01-31")
    assert report_data.failures_in(log, period)["kind"].tolist() == ["x"]
    runs = pd.DataFrame({"outcome": ["ok"] * 25 + ["partial", None], "failed": [0] * 26 + [1]})
    recent = report_data.last_runs(runs)
    assert len(recent) == report_data.LAST_RUNS
    assert recent["trouble"].tolist()[:3] == [True, True, False]
    plan = pd.DataFrame(
        {"kind": ["item", "customer", "item"], "action": ["blocked", "create", "create"]}
    )
    counts = report_data.action_counts(plan)
    assert counts.index.tolist() == ["customer", "item"]
    assert counts.columns.tolist() == ["create", "blocked"]
    assert report_data.dry_run_summary(plan) == {
        "customer": {"create": 1},
        "item": {"create": 1, "blocked": 1},
    }
    assert report_data.payments_by_class(pd.DataFrame(columns=["class", "total"])).empty


def _run_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reconcile", "report", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_report_command_end_to_end(sandbox, tmp_path):
    """As cron runs it: the config from RECONCILE_CONFIG (the test session's sandbox)."""
    out = tmp_path / "nightly"
    done = _run_cli(
        "sync_status", "--param", "since=2020-01-01", "--out", str(out), env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    assert f"html      {out / 'sync_status.html'}" in done.stdout
    assert (out / "sync_status.html").exists() and (out / "summary.json").exists()
    assert json.loads((out / "summary.json").read_text())["since"] == "2020-01-01"
    assert str(out / "failures.csv") in done.stdout


@pytest.mark.integration  # runs a notebook kernel (papermill)
def test_report_command_fails_with_one_line(tmp_path):
    env = {**os.environ, "RECONCILE_CONFIG": str(tmp_path / "missing.toml")}
    failed = _run_cli("payment_reconciliation", "--out", str(tmp_path / "out"), env=env)
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1, failed.stderr
    executed = tmp_path / "out" / "payment_reconciliation.ipynb"
    assert lines[0].startswith("error: report payment_reconciliation failed in cell")
    assert "ConfigError" in lines[0] and str(executed) in lines[0]
    assert executed.exists()


def test_report_list_names_each_report_with_its_heading():
    done = _run_cli("--list", env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(maxsplit=1) for line in done.stdout.splitlines())
    assert lines == {
        "payment_reconciliation": "Payment reconciliation",
        "sync_status": "Sync status",
    }  # the heading of each notebook's first markdown cell
    missing = _run_cli(env=dict(os.environ))  # without --list a name is required
    assert missing.returncode == 2
    assert "the following arguments are required: name" in missing.stderr


def test_reports_are_package_data():
    """Found inside the installed package (importlib.resources), not in the source tree."""
    import reconcile

    folder = Path(reconcile.__file__).resolve().parent / "report_notebooks"
    wanted = {name: folder / f"{name}.ipynb" for name in ("payment_reconciliation", "sync_status")}
    assert wanted == REPORTS
    assert all(path.is_file() for path in REPORTS.values())
    assert not (folder / "__init__.py").exists()  # a data folder, not a subpackage
