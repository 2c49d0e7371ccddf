"""The terminal commands, run as a user would: real processes, real HTTP to a sandbox."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from reconcile.qbo.query import select


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILE_")}
    return {**env, **extra}


def _run(*args: str, env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reconcile", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def cli_sandbox(servers, tmp_path_factory):
    """`python -m reconcile sandbox` in its own process; yields its JSON line."""
    data = tmp_path_factory.mktemp("cli") / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconcile", "sandbox", "--data-dir", str(data), "--qbo-port", "0"],
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        info = json.loads(proc.stdout.readline())
        yield info
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _consent(url: str) -> str:
    """Press Authorize on the sandbox consent page (what the person does in a browser)."""
    form = {**dict(parse_qsl(urlsplit(url).query)), "consent": "allow"}
    base = url.split("?")[0]
    resp = requests.post(base, data=form, allow_redirects=False, timeout=10)
    assert resp.status_code == 302
    return resp.headers["Location"]


def test_sandbox_prints_its_contract_and_writes_a_private_config(cli_sandbox):
    info = cli_sandbox
    for key in (
        "qbo_base_url",
        "qbo_authorize_url",
        "qbo_token_url",
        "qbo_revoke_url",
        "qbo_client_id",
        "qbo_client_secret",
        "qbo_realm_id",
        "bms_base_url",
        "bms_tenant",
        "bms_username",
        "bms_password",
        "control_token",
        "config",
    ):
        assert info[key], key
    assert info["qbo_base_url"].startswith("http://127.0.0.1:")
    config = Path(info["config"])
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    parsed = tomllib.loads(config.read_text())
    assert parsed["profile"] == "sandbox"
    assert parsed["qbo"]["base_url"] == info["qbo_base_url"]
    assert parsed["qbo"]["realm_id"] == info["qbo_realm_id"]
    assert parsed["bms"]["base_url"] == info["bms_base_url"]
    assert parsed["bms"]["tenant"] == info["bms_tenant"] == "HarborPointIT"
    assert info["bms_base_url"] != info["qbo_base_url"]
    assert parsed["sandbox"]["control_token"] == info["control_token"]
    assert (config.parent / ".reconcile-sandbox").is_file()  # the folder is marked as made here


def test_the_printed_control_token_opens_the_test_hooks(cli_sandbox):
    url = f"{cli_sandbox['qbo_base_url']}/_sandbox/settings"
    assert requests.post(url, json={"latency_ms": 0}, timeout=10).status_code == 403
    token = {"X-Sandbox-Token": cli_sandbox["control_token"]}
    resp = requests.post(url, json={"latency_ms": 0}, headers=token, timeout=10)
    assert resp.status_code == 200 and resp.json()["latency_ms"] == 0


def test_connect_status_disconnect_round_trip(cli_sandbox):
    env = _env(RECONCILE_CONFIG=cli_sandbox["config"])
    before = json.loads(_run("status", "--json", env=env).stdout)
    assert before["qbo"]["connected"] is False

    done = _run("connect", "--auto-consent", env=env)
    assert done.returncode == 0, done.stderr
    assert cli_sandbox["qbo_realm_id"] in done.stdout

    status = _run("status", env=env)
    assert "connected to Harbor Point Managed IT LLC" in status.stdout
    assert "Kaseya BMS   connected to tenant HarborPointIT" in status.stdout
    for secret in (cli_sandbox["qbo_client_secret"], cli_sandbox["bms_password"]):
        assert secret not in status.stdout + status.stderr

    gone = _run("disconnect", env=env)
    assert gone.returncode == 0 and "Disconnected from QuickBooks." in gone.stdout
    after = json.loads(_run("status", "--json", env=env).stdout)
    assert after["qbo"]["connected"] is False


def test_connect_by_pasting_the_redirected_url(cli_sandbox):
    env = _env(RECONCILE_CONFIG=cli_sandbox["config"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconcile", "connect", "--paste"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = []
    while not any("/connect/oauth2?" in ln for ln in lines):
        lines.append(proc.stdout.readline())
    url = next(ln.strip() for ln in lines if "/connect/oauth2?" in ln)
    out, err = proc.communicate(_consent(url) + "\n", timeout=30)
    assert proc.returncode == 0, err
    assert "Connected to QuickBooks company" in out
    _run("disconnect", env=env)


def test_connect_through_the_loopback_listener(cli_sandbox):
    env = _env(RECONCILE_CONFIG=cli_sandbox["config"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconcile", "connect", "--timeout", "20"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = []
    while not any("Waiting for the redirect" in ln for ln in lines):
        lines.append(proc.stdout.readline())
    url = next(ln.strip() for ln in lines if "/connect/oauth2?" in ln)
    callback = _consent(url)  # the browser then follows the redirect to the listener
    assert requests.get(callback, timeout=10).status_code == 200
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Connected to QuickBooks company" in out
    _run("disconnect", env=env)


def test_auto_consent_is_refused_outside_the_sandbox(tmp_path):
    env = _env(
        RECONCILE_CONFIG=str(tmp_path / "none.toml"),
        RECONCILE_PROFILE="production",
        RECONCILE_QBO_CLIENT_ID="app-id",
        RECONCILE_QBO_CLIENT_SECRET="not-a-real-secret",
    )
    done = _run("connect", "--auto-consent", env=env)
    assert done.returncode == 1
    assert "only by the local sandbox" in done.stderr
    assert "Traceback" not in done.stderr


def test_status_explains_a_wrong_bms_password(cli_sandbox):
    env = _env(RECONCILE_CONFIG=cli_sandbox["config"], RECONCILE_BMS_PASSWORD="wrong")
    report = json.loads(_run("status", "--json", env=env).stdout)
    assert report["bms"]["connected"] is False
    assert "Invalid company name, user name or password" in report["bms"]["reason"]


def test_missing_config_is_one_clear_line(tmp_path):
    done = _run("status", env=_env(RECONCILE_CONFIG=str(tmp_path / "nowhere.toml")))
    assert done.returncode == 1
    assert "python -m reconcile sandbox" in done.stderr
    assert "Traceback" not in done.stderr


def test_sync_dry_run_then_send_then_nothing_left(cli_sandbox):
    env = _env(RECONCILE_CONFIG=cli_sandbox["config"])
    assert _run("connect", "--auto-consent", env=env).returncode == 0
    dry = _run("sync", "customers", "--ids", "1003", "1006", "--dry-run", "--json", env=env)
    assert dry.returncode == 0, dry.stderr
    planned = {row["bms_id"]: row for row in json.loads(dry.stdout)}
    assert planned["1003"]["action"] == "create"
    assert planned["1003"]["needs"] == "MA 6.25%"  # a tax code to create first
    # Every reference the send sets, with what it points to in QuickBooks.
    assert "DefaultTaxCodeRef → MA 6.25% (created first)" in planned["1003"]["references"]
    assert "SalesTermRef → Net 45 (QuickBooks " in planned["1003"]["references"]

    assert planned["taxcode:MA 6.25%"]["action"] == "create"  # a row of its own, first
    sent = _run("sync", "customers", "--ids", "1003", "1006", env=env)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "ok: 3" in sent.stdout  # two customers and the tax code

    again = _run("sync", "customers", "--ids", "1003", "1006", "--json", env=env)
    assert {row["outcome"] for row in json.loads(again.stdout)} == {"unchanged"}


def test_sync_exits_non_zero_when_a_record_is_blocked(cli_sandbox):
    env = _env(RECONCILE_CONFIG=cli_sandbox["config"])
    assert _run("connect", "--auto-consent", env=env).returncode == 0
    done = _run("sync", "customers", "--ids", "1005", env=env)  # a name held by a QBO vendor
    assert done.returncode == 1
    assert "used by a QuickBooks vendor" in done.stdout
    unknown = _run("sync", "items", "--ids", "99999", "--dry-run", env=env)
    assert unknown.returncode == 1 and "no BMS items with id 99999" in unknown.stderr


def test_sync_invoices_with_what_they_need_then_nothing_left(cli_sandbox):
    env = _env(RECONCILE_CONFIG=cli_sandbox["config"])
    assert _run("connect", "--auto-consent", env=env).returncode == 0
    new = _run("sync", "invoices", "--ids", "70200", "--dry-run", "--json", env=env)
    assert new.returncode == 1  # blocked, with the reason
    assert "status 'New' is not exported" in json.loads(new.stdout)[0]["reason"]

    dry = _run(
        "sync", "invoices", "--all", "--include-dependencies", "--dry-run", "--json", env=env
    )
    plan = json.loads(dry.stdout)
    kinds = [row["kind"] for row in plan]
    assert kinds == sorted(
        kinds, key=["term", "taxcode", "account", "item", "customer", "invoice"].index
    )
    ready = [r for r in plan if r["kind"] == "invoice" and r["action"] == "create"]
    assert all(r["bms_total"] == r["qbo_total"] for r in ready)
    # One open and one paid in BMS: its payment is shown, and sent with it.
    unpaid = next(r for r in ready if r["bms_paid"] == 0)
    paid = next(r for r in ready if r["to_record"] and r["to_record"] > 0)
    assert paid["payment"].startswith(f"record {paid['to_record']:.2f} dated ")
    assert paid["qbo_applied"] == 0 and paid["to_record"] == paid["bms_paid"]
    ids = [unpaid["bms_id"], paid["bms_id"]]
    # A return: its credit memo and the credit applied, beside the invoice's totals.
    (ret,) = [r for r in plan if r["name"] == "INV-10042"]
    assert ret["credit_memo"] == 1433.32
    assert (
        ret["credit"]
        == "create credit memo INV-10042-CR; apply 1433.32 of its credit to the invoice"
    )

    sent = _run("sync", "invoices", "--ids", *ids, "--include-dependencies", "--json", env=env)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    results = json.loads(sent.stdout)
    invoices = [r for r in results if r["kind"] == "invoice"]
    assert [r["outcome"] for r in invoices] == ["ok", "ok"]
    assert all(r["totals_agree"] for r in invoices)
    assert any(r["kind"] == "item" for r in results)  # no item was ever sent here
    assert all(r["outcome"] == "ok" for r in results if r["kind"] != "invoice")
    (recorded,) = [r for r in results if r["kind"] == "bms_payment"]
    assert (
        recorded["bms_id"] == paid["bms_id"] and f"{paid['to_record']:.2f}" in recorded["message"]
    )

    again = _run("sync", "invoices", "--ids", *ids, "--json", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert {row["outcome"] for row in json.loads(again.stdout)} == {"unchanged"}
    wrong = _run("sync", "customers", "--all", "--include-dependencies", env=env)
    assert wrong.returncode == 1 and "applies to invoices only" in wrong.stderr


def test_payments_import_dry_run_then_import_then_skipped(cli_sandbox):
    from reconcile.config import load_config
    from reconcile.qbo.client import QboClient

    env = _env(RECONCILE_CONFIG=cli_sandbox["config"])
    assert _run("connect", "--auto-consent", env=env).returncode == 0
    plan = json.loads(
        _run(
            "sync", "invoices", "--all", "--dry-run", "--json", "--include-dependencies", env=env
        ).stdout
    )
    one = next(r for r in plan if r["kind"] == "invoice" and r["action"] in ("create", "unchanged"))
    sent = _run("sync", "invoices", "--ids", one["bms_id"], "--include-dependencies", env=env)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    qbo = QboClient(load_config(cli_sandbox["config"]).qbo)
    (invoice,) = qbo.query(select("Invoice").eq("DocNumber", one["name"]))
    payment = qbo.create(
        "Payment",
        {
            "CustomerRef": invoice["CustomerRef"],
            "TotalAmt": 10.0,
            # The CLI runs on the real clock here (_env drops RECONCILE_TODAY): so does this.
            "TxnDate": date.today().isoformat(),
            "Line": [
                {"Amount": 10.0, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            ],
        },
    )

    dry = _run("payments", "import", "--ids", payment["Id"], "--dry-run", "--json", env=env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert json.loads(dry.stdout)[0]["class"] == "ready"
    done = _run("payments", "import", "--ids", payment["Id"], "--json", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)[0]["outcome"] == "imported"
    again = _run("payments", "import", "--ids", payment["Id"], "--json", env=env)
    assert json.loads(again.stdout)[0]["outcome"] == "skipped" and again.returncode == 0
    unknown = _run("payments", "import", "--ids", "99999", "--dry-run", env=env)
    assert unknown.returncode == 1 and "no QuickBooks payment with id 99999" in unknown.stderr


# -- one line, never a traceback -----------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "2026-13-45"], "not a date (YYYY-MM-DD): '2026-13-45'"),
        (["--since", "2026-01-01; DROP"], "not a date (YYYY-MM-DD): '2026-01-01; DROP'"),
        (["--until", "yesterday"], "not a date (YYYY-MM-DD): 'yesterday'"),
    ],
)
def test_a_bad_date_is_one_line(tmp_path, args, message):
    done = _run("payments", "import", "--all", *args, env=_env())
    assert done.returncode == 2 and message in done.stderr
    assert "Traceback" not in done.stderr


def test_since_after_until_is_refused_not_an_empty_success(tmp_path):
    done = _run(
        "payments",
        "import",
        "--all",
        "--since",
        "2026-12-01",
        "--until",
        "2026-11-01",
        env=_env(RECONCILE_CONFIG=str(tmp_path / "config.toml")),
    )
    assert done.returncode == 1
    assert "--since 2026-12-01 is after --until 2026-11-01" in done.stderr


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.mkdir(), "is a folder, not a config file"),
        (lambda p: p.write_bytes(b'profile = "sandbox"\n# caf\xe9\n'), "not UTF-8 text"),
    ],
)
def test_a_config_that_is_a_folder_or_not_utf8_is_one_line(tmp_path, make, message):
    config = tmp_path / "config.toml"
    make(config)
    done = _run("status", env=_env(RECONCILE_CONFIG=str(config)))
    assert done.returncode == 1 and message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_report_folder_that_cannot_be_made_is_one_line(cli_sandbox, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = _run(
        "report",
        "sync_status",
        "--out",
        str(blocker / "out"),
        env=_env(RECONCILE_CONFIG=cli_sandbox["config"]),
    )
    assert done.returncode == 1 and "error: cannot use" in done.stderr
    assert "Traceback" not in done.stderr


def test_ctrl_c_says_what_to_do_and_exits_130(monkeypatch, capsys):
    from reconcile import cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_payments", interrupted)
    assert cli.main(["payments", "import", "--all"]) == 130
    assert "run the command again to resume" in capsys.readouterr().err
