"""``python -m reconcile …``: connect, status, disconnect, check, sync, payments, report,
sandbox, lab.

Every command reads the config file named by ``RECONCILE_CONFIG`` when it is set.
Errors end with one clear line on stderr and exit status 1, never a stack trace.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from reconcile import clock
from reconcile.config import load_config
from reconcile.connections import status_report
from reconcile.errors import ConfigError, ReconcileError
from reconcile.frames import keys
from reconcile.reports import REPORTS
from reconcile.sandbox.company_profiles import PROFILES, names

DEFAULT_LAB_DIR = Path(".sandbox")
DEFAULT_WORKSPACE = Path("workspace")


def _connect(args: argparse.Namespace) -> int:
    from reconcile.qbo.auth import QboAuth
    from reconcile.qbo.connect import CallbackListener, connect_automatically

    config = load_config()
    auth = QboAuth(config.qbo)
    if args.auto_consent:
        if config.profile != "sandbox":
            raise ReconcileError("--auto-consent is accepted only by the local sandbox profile")
        tokens = connect_automatically(auth)
    elif args.paste:
        request = auth.authorization_request()
        print("Open this URL, sign in and press Authorize:\n\n  " + request.url + "\n")
        url = input("Then paste the whole URL your browser was sent to: ")
        tokens = auth.complete(url, request)
    else:
        listener = CallbackListener(config.qbo.redirect_uri)
        request = auth.authorization_request(listener.redirect_uri)
        print("Open this URL, sign in and press Authorize:\n\n  " + request.url + "\n")
        print(f"Waiting for the redirect on {listener.redirect_uri} …", flush=True)
        tokens = auth.complete(listener.wait(args.timeout), request)
    print(f"Connected to QuickBooks company {tokens.realm_id} ({config.profile}).")
    return 0


def _status(args: argparse.Namespace) -> int:
    report = status_report()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    qbo = report["qbo"]
    print(f"profile      {report['profile']}  ({report['config_file'] or 'no config file'})")
    if qbo["connected"]:
        print(
            f"QuickBooks   connected to {qbo.get('company_name') or '?'} "
            f"(realm {qbo['realm_id']}); access token valid {qbo['access_token_expires_in_s']} s"
        )
        print(f"             settings: {qbo['settings']}")
    else:
        print(f"QuickBooks   not connected: {qbo['reason']}")
    bms = report["bms"]
    if bms["connected"]:
        print(
            f"Kaseya BMS   connected to tenant {bms['tenant']} as {bms['user']} "
            f"({bms.get('business') or '?'}, {bms.get('currency') or '?'})"
        )
    else:
        print(f"Kaseya BMS   not connected: {bms['reason']}")
    return 0


def _disconnect(args: argparse.Namespace) -> int:
    from reconcile.qbo.auth import QboAuth

    auth = QboAuth(load_config().qbo)
    confirmed = auth.revoke()
    print(
        "Disconnected from QuickBooks"
        + ("." if confirmed else " locally (the server did not confirm the revoke).")
    )
    return 0


def _sync(args: argparse.Namespace) -> int:
    """Plan (and unless --dry-run, send) one kind of record; non-zero exit when anything
    failed or was blocked."""
    from reconcile.session import Session
    from reconcile.sync import bms_payments, credits

    session = Session.from_config()
    invoices = args.kind == "invoices"
    if args.include_dependencies and not invoices:
        raise ReconcileError("--include-dependencies applies to invoices only")
    if invoices:
        rows = session.invoices()
        if args.all:  # every invoice that can be exported; --ids shows why one cannot
            rows = rows[rows["selectable"]]
    else:
        rows = session.load(args.kind, active_only=args.active_only)
    if args.ids:
        wanted = {str(i) for i in args.ids}
        unknown = wanted - set(keys(rows["Id"]))
        if unknown:
            raise ReconcileError(f"no BMS {args.kind} with id {', '.join(sorted(unknown))}")
        rows = rows[keys(rows["Id"]).isin(wanted)]
    if invoices:
        plan = session.plan_invoices(rows, include_dependencies=args.include_dependencies)
    else:
        plan = session.plan(args.kind, rows)
    planned = plan.rows
    if args.dry_run:
        table = planned[["kind", "bms_id", "name", "action", "changes", "reason"]].copy()
        table["needs"] = [", ".join(n.label for n in needs) for needs in planned["needs"]]
        if "targets" in planned:  # every reference the send will set, and what it points to
            table["references"] = [
                "; ".join(f"{path} → {to}" for path, to in targets.items())
                if isinstance(targets, dict)
                else ""
                for targets in planned["targets"]
            ]
        if invoices:
            totals = [t if isinstance(t, dict) else {} for t in planned["totals"]]
            table["bms_total"] = [t.get("bms_total") for t in totals]
            table["qbo_total"] = [t.get("qbo_total") for t in totals]
            shown = [bms_payments.shown(p) for p in planned["payment"]]
            for column in bms_payments.SHOWN:  # BMS paid │ QuickBooks applied │ to record
                table[column] = [s[column] for s in shown]
            shown = [credits.shown(c) for c in planned["credit"]]
            for column in credits.SHOWN:  # the credit memo of its credit lines
                table[column] = [s[column] for s in shown]
        bad = planned["action"] == "blocked"
    else:
        table = session.export_invoices(plan) if invoices else session.send(plan)
        bad = table["outcome"].isin(["failed", "blocked"])
        if invoices:
            bad |= table["totals_agree"].eq(False)
    if args.json:
        print(table.to_json(orient="records", force_ascii=False, indent=2))
    else:
        with pd_display():
            print(table.to_string(index=False))
        counts = (planned if args.dry_run else table)["action" if args.dry_run else "outcome"]
        print("\n" + ", ".join(f"{k}: {v}" for k, v in counts.value_counts().items()))
    return 1 if bad.any() else 0


def _payments(args: argparse.Namespace) -> int:
    """Classify (and unless --dry-run, import) QuickBooks payments into BMS; non-zero exit
    when a chosen payment could not be imported."""
    from reconcile.session import Session

    since, until = args.since, args.until
    if since and until and since > until:
        raise ReconcileError(f"--since {since} is after --until {until}: no day is in between")
    session = Session.from_config()
    plan = session.payments(since, until)
    if args.ids:
        unknown = set(args.ids) - set(plan.rows["payment_id"])
        if unknown:
            raise ReconcileError(
                f"no QuickBooks payment with id {', '.join(sorted(unknown))} in the date range"
            )
        plan = plan.select(args.ids)
    else:
        plan = plan.where(plan.rows["importable"])
    if args.dry_run:
        table = plan.rows.drop(columns=["customer_id", "memo"])
        bad = ~plan.rows["importable"] & (plan.rows["class"] != "already imported")
    else:
        table = session.import_payments(plan)
        bad = table["outcome"].isin(["failed", "blocked"])
    if args.json:
        print(table.to_json(orient="records", force_ascii=False, indent=2, date_format="iso"))
    else:
        with pd_display():
            print(table.to_string(index=False))
        column = "class" if args.dry_run else "outcome"
        print("\n" + ", ".join(f"{k}: {v}" for k, v in table[column].value_counts().items()))
    return 1 if bad.any() else 0


def list_reports() -> str:
    """The reports, one a line: the name ``report NAME`` takes and the notebook's heading."""
    from reconcile.reports import report_description

    width = max(map(len, REPORTS))
    return "\n".join(f"{name:<{width}}  {report_description(name)}" for name in sorted(REPORTS))


class _ListReports(argparse.Action):
    """``report --list``: print the reports and exit 0, like ``--help`` (so ``name`` is
    needed only when ``--list`` is not given)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kw: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kw)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(list_reports())
        parser.exit(0)


def _check(args: argparse.Namespace) -> int:
    """A read-only first look at what a first send would do; non-zero exit when anything is
    blocked (a person must decide first)."""
    from reconcile.first_look import first_look
    from reconcile.session import Session

    look = first_look(Session.from_config())
    if args.html:
        Path(args.html).write_text(look.html(), encoding="utf-8")
    print(look.text())
    if args.html:
        print(f"Written: {args.html}")
    return 1 if len(look.blocked()) else 0


def _report(args: argparse.Namespace) -> int:
    """Run a report notebook (papermill) and print where its HTML, CSV and JSON files are;
    a failing cell ends in one error line naming the executed notebook that shows it."""
    from reconcile.reports import parse_params, run_report

    try:
        params = parse_params(args.param)
    except ValueError as exc:
        raise ReconcileError(str(exc)) from None
    result = run_report(args.name, params, args.out)
    print(f"Report {result.name} written to {result.out_dir}")
    print(f"  html      {result.html}")
    for path in result.csvs:
        print(f"  csv       {path}")
    if result.summary is not None:
        print(f"  summary   {result.summary}")
    print(f"  notebook  {result.notebook}")
    return 0


def pd_display():
    """Wide, untruncated pandas printing for terminal tables."""
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_colwidth", 80)


def _start_sandbox(args: argparse.Namespace):
    from reconcile.sandbox.runner import start_sandbox

    return start_sandbox(
        args.data_dir,
        qbo_port=args.qbo_port,
        bms_port=args.bms_port,
        reset=args.reset,
        time_scale=args.time_scale,
        limits=False if args.no_limits else None,
        bms_size=args.bms_size,
        today=args.today,
        company_profile=args.company_profile,
    )


def _day(text: str) -> date:
    """A calendar day given as YYYY-MM-DD (argparse turns a refusal into one line)."""
    try:
        return clock.parse_day(text, "the date")
    except ConfigError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _profile(text: str) -> str:
    try:
        names(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def _sandbox(args: argparse.Namespace) -> int:
    sandbox = _start_sandbox(args)
    print(json.dumps(sandbox.info()), flush=True)
    try:
        _wait_for_signal()
    finally:
        sandbox.stop()
    return 0


def _lab(args: argparse.Namespace) -> int:
    """Start the sandbox, connect to it, and run JupyterLab on the app notebook of the
    working copy (``reconcile.workspace``)."""
    from reconcile.qbo.auth import QboAuth
    from reconcile.qbo.connect import connect_automatically
    from reconcile.workspace import lab_arguments, prepare_workspace

    sandbox = _start_sandbox(args)
    os.environ["RECONCILE_CONFIG"] = str(sandbox.config_path)
    if args.today:  # the app's "today" is the sandbox's
        os.environ[clock.ENV] = args.today.isoformat()
    auth = QboAuth(load_config().qbo)
    if not auth.status()["connected"]:
        connect_automatically(auth)
    folder = prepare_workspace(args.workspace, reset=args.reset)
    print(f"Sandbox QuickBooks at {sandbox.qbo_url}; config {sandbox.config_path}", flush=True)
    print(f"Notebooks: the working copy in {folder}", flush=True)
    extra = [a for a in args.lab_args if a != "--"]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        extra.append("--allow-root")  # containers often run as root; Jupyter refuses otherwise
    command = [sys.executable, "-m", "jupyter", "lab", *lab_arguments(folder), *extra]
    try:
        return subprocess.call(command)
    finally:
        sandbox.stop()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reconcile", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("connect", help="connect to QuickBooks Online (OAuth 2.0)")
    p.add_argument("--auto-consent", action="store_true", help="local sandbox only: no browser")
    p.add_argument("--paste", action="store_true", help="paste the redirected URL instead")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds to wait (listener)")
    p.set_defaults(func=_connect)

    p = sub.add_parser("status", help="show both connections' state")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_status)

    p = sub.add_parser("disconnect", help="revoke the QuickBooks connection")
    p.set_defaults(func=_disconnect)

    p = sub.add_parser(
        "check", help="read-only first look: what a first send would link, create or block"
    )
    p.add_argument("--html", metavar="FILE", help="also write the look as an HTML page")
    p.set_defaults(func=_check)

    p = sub.add_parser(
        "sync", help="send customers, accounts, items or invoices from BMS to QuickBooks"
    )
    p.add_argument("kind", choices=("customers", "accounts", "items", "invoices"))
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every record of that kind")
    which.add_argument("--ids", nargs="+", metavar="ID", help="BMS ids")
    p.add_argument("--active-only", action="store_true", help="leave inactive records out")
    p.add_argument(
        "--include-dependencies",
        action="store_true",
        help="invoices: also send the customers, items and GL accounts they need, first",
    )
    p.add_argument("--dry-run", action="store_true", help="print the plan, send nothing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_sync)

    p = sub.add_parser("payments", help="import QuickBooks payments into BMS")
    p.add_argument("step", choices=("import",))
    p.add_argument(
        "--since",
        type=_day,
        metavar="DATE",
        help="first payment date, YYYY-MM-DD (default: a month ago)",
    )
    p.add_argument(
        "--until", type=_day, metavar="DATE", help="last payment date, YYYY-MM-DD (default: today)"
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every payment that can be imported")
    which.add_argument("--ids", nargs="+", metavar="ID", help="QuickBooks payment ids")
    p.add_argument("--dry-run", action="store_true", help="print the plan, import nothing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_payments)

    p = sub.add_parser(
        "report", help="run a report notebook: HTML without code, CSV files, summary.json"
    )
    p.add_argument("name", choices=sorted(REPORTS), help="the report (see --list)")
    p.add_argument("--list", action=_ListReports, help="list the reports and exit")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a notebook parameter (since, until, profile, config, dry_run_sync); repeatable",
    )
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (default reports/out/NAME-TIME)"
    )
    p.set_defaults(func=_report)

    for name, func, default_dir in (
        ("sandbox", _sandbox, Path("~/.local/share/reconcile/sandbox")),
        ("lab", _lab, DEFAULT_LAB_DIR),
    ):
        p = sub.add_parser(
            name,
            help="run the local sandbox servers"
            if name == "sandbox"
            else "sandbox + JupyterLab on the app notebook",
        )
        p.add_argument("--qbo-port", type=int, default=0, help="0 = any free port")
        p.add_argument("--bms-port", type=int, default=0, help="0 = any free port")
        p.add_argument("--data-dir", type=Path, default=default_dir)
        p.add_argument(
            "--reset",
            action="store_true",
            help="start from a fresh demo company (lab: and a fresh copy of the notebooks)",
        )
        p.add_argument("--time-scale", type=float, default=None, help="a minute = 60/N seconds")
        p.add_argument("--no-limits", action="store_true", help="do not enforce the API limits")
        p.add_argument(
            "--bms-size",
            choices=("demo", "large"),
            default="demo",
            help="BMS demo tenant: ~60 accounts/200 invoices, or 10,000/100,000 (benchmarks)",
        )
        p.add_argument(
            "--today",
            type=_day,
            metavar="DATE",
            help="the day a new demo company is generated for and the sandbox's current date "
            f"(default: today, or ${clock.ENV})",
        )
        p.add_argument(
            "--company-profile",
            type=_profile,
            metavar="NAMES",
            help="the QuickBooks company's settings, comma-separated: "
            f"{', '.join(PROFILES)} (default: standard, or as last set)",
        )
        if name == "lab":
            p.add_argument(
                "--workspace",
                type=Path,
                default=DEFAULT_WORKSPACE,
                metavar="DIR",
                help="the working copy of the notebooks JupyterLab serves (made on first run, "
                "kept after, made afresh with --reset)",
            )
            p.add_argument("lab_args", nargs=argparse.REMAINDER, help="passed to jupyter lab")
        p.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; ReconcileError becomes a one-line message and exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ReconcileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder not writable, a disk full: the file and the reason
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "interrupted: what was done is in the sync log; run the command again to resume "
            "(nothing is done twice)",
            file=sys.stderr,
        )
        return 130
