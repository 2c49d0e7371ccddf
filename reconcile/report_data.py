"""What the scheduled reports compute (``reconcile/report_notebooks/``), as frames and dicts.

Two reports, each one gathering function over a :class:`~reconcile.session.Session` and a
few pure functions over frames (tested without a server):

- :func:`payment_report` — payments against invoices across both systems: the
  reconciliation per invoice and per customer, the QuickBooks payments of the period by
  class, and the match rates of the payment import.
- :func:`sync_status` — what is in BMS and not in QuickBooks (customers, GL accounts and
  items not linked; exportable invoices not exported), the failures in the sync log, the
  last runs, the invoices whose amounts disagree and, on request, what a sync would do
  (plans only: nothing is sent).

The period selects activity — payments received, sync-log failures; balances, what is
missing and what disagrees are as of now, over all invoices. Each result has ``tables``
(written as CSV files) and ``summary()`` (written as ``summary.json``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from reconcile.frames import keys
from reconcile.payments.changes import UNCHANGED
from reconcile.payments.classification import match_rates
from reconcile.payments.reconciliation import AGREEING, MONEY_COLUMNS, STATES, Reconciliation
from reconcile.plans import Plan
from reconcile.reports import Period, now_utc
from reconcile.session import Session

KINDS = ("customer", "account", "item")
LABELS = {"customer": "customers", "account": "GL accounts", "item": "items"}
NAME_COLUMN = {"customer": "AccountName", "account": "Name", "item": "Name"}
UNLINKED_COLUMNS = ["kind", "bms_id", "name", "active"]
UNEXPORTED_COLUMNS = [
    "Id",
    "InvoiceNumber",
    "InvoiceDate",
    "AccountName",
    "StatusName",
    "GrandTotal",
    "PaymentDue",
]
FAILURE_COLUMNS = ["at", "kind", "action", "bms_id", "qbo_id", "code", "message", "run_id"]
DRY_RUN_COLUMNS = ["kind", "bms_id", "name", "action", "reason"]
CLASS_COLUMNS = ["class", "payments", "amount"]
ACTIONS = ("create", "update", "link", "unchanged", "blocked")  # the order of the counts
TROUBLED_RUNS = ("failed", "partial", "interrupted")
LAST_RUNS = 20
# The amount columns of the reconciliation tables (formatted to the cent in the reports).
INVOICE_MONEY = list(MONEY_COLUMNS)
CUSTOMER_MONEY = ["bms_open", "qbo_open", "difference"]


def _money(value: Any) -> float:
    return round(float(value), 2)


# -- payment reconciliation -------------------------------------------------------------------


def state_counts(invoices: pd.DataFrame) -> pd.DataFrame:
    """Invoices per reconciliation state, every state (zeros too), in decision order."""
    counts = invoices["state"].value_counts()
    return pd.DataFrame(
        {"state": list(STATES), "invoices": [int(counts.get(s, 0)) for s in STATES]}
    )


def payments_by_class(payments: pd.DataFrame) -> pd.DataFrame:
    """QuickBooks payments per import class: how many, and their total (``CLASS_COLUMNS``),
    the largest amount first."""
    if not len(payments):
        dtypes = ("object", "int64", "float64")
        return pd.DataFrame(
            {c: pd.Series(dtype=t) for c, t in zip(CLASS_COLUMNS, dtypes, strict=True)}
        )
    grouped = payments.groupby("class", sort=False)["total"].agg(["size", "sum"]).reset_index()
    grouped.columns = CLASS_COLUMNS
    grouped["amount"] = grouped["amount"].astype(float).round(2)
    grouped["payments"] = grouped["payments"].astype("int64")
    return grouped.sort_values(["amount", "class"], ascending=[False, True], ignore_index=True)


def disagreeing(invoices: pd.DataFrame) -> pd.DataFrame:
    """Reconciliation rows that are neither matched nor partially paid on both sides,
    by state (decision order) then largest |difference| or BMS due."""
    rows = invoices[~invoices["state"].isin(AGREEING)]
    weight = rows["difference"].abs().fillna(rows["bms_due"].abs()).fillna(0)
    order = rows.assign(
        _state=rows["state"].map({s: n for n, s in enumerate(STATES)}), _weight=-weight
    ).sort_values(["_state", "_weight"], kind="stable")
    return order.drop(columns=["_state", "_weight"]).reset_index(drop=True)


def top_differences(customers: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """The ``n`` customers whose open balances differ most between the systems (by
    |difference|), customers with no difference left out."""
    differ = customers[customers["difference"].fillna(0).abs() > 0.005]
    order = differ["difference"].abs().sort_values(ascending=False, kind="stable").index
    return differ.loc[order].head(n).reset_index(drop=True)


def rates_frame(rates: Mapping[str, float | int]) -> pd.DataFrame:
    """:func:`~reconcile.payments.classification.match_rates` as a two-row table."""
    return pd.DataFrame(
        {
            "level": ["payments", "invoice lines"],
            "count": [int(rates["payments"]), int(rates["lines"])],
            "importable as they are": [
                int(rates["payments_importable"]),
                int(rates["lines_ready"]),
            ],
            "rate": [float(rates["payment_rate"]), float(rates["line_rate"])],
        }
    )


def changed_after_import(changes: pd.DataFrame) -> pd.DataFrame:
    """Imported payments QuickBooks voided, deleted or changed since (``CHANGE_COLUMNS`` of
    ``reconcile.payments.changes``) counted per state: ``state``, ``payments``, ``amount``
    (what was imported)."""
    changed = changes[changes["state"] != UNCHANGED]
    counts = changed.groupby("state", sort=True).agg(
        payments=("payment_id", "size"), amount=("imported", "sum")
    )
    return counts.reset_index().astype({"payments": "int64"}).round({"amount": 2})


@dataclass
class PaymentReport:
    """The payment reconciliation report's data."""

    period: Period
    profile: str
    reconciliation: Reconciliation
    plan: Plan
    changes: pd.DataFrame  # imported payments against QuickBooks now (payments.changes)
    dry_run: pd.DataFrame | None = None

    @property
    def rates(self) -> dict[str, float | int]:
        return match_rates(self.plan)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The CSV files: every reconciled invoice, every customer, the period's payments
        and their invoice lines, and every imported payment against QuickBooks now."""
        tables = {
            "invoices": self.reconciliation.invoices,
            "customers": self.reconciliation.customers,
            "payments": self.plan.rows,
            "payment_lines": self.plan.lines,
            "payment_changes": self.changes,
        }
        if self.dry_run is not None:
            tables["dry_run"] = self.dry_run
        return tables

    def summary(self) -> dict[str, Any]:
        recon = self.reconciliation
        customers = recon.customers
        classes = payments_by_class(self.plan.rows)
        return {
            "report": "payment_reconciliation",
            "generated_at": now_utc(),
            "profile": self.profile,
            "since": self.period.since.isoformat(),
            "until": self.period.until.isoformat(),
            "invoices": int(recon.summary["invoices"]),
            "states": dict(recon.summary["states"]),
            "agreeing": int(recon.summary["agreeing"]),
            "disagreeing": int(recon.summary["invoices"] - recon.summary["agreeing"]),
            "mismatch_difference": recon.summary["mismatch_difference"],
            "open_balance": {
                "bms": _money(customers["bms_open"].fillna(0).sum()),
                "qbo": _money(customers["qbo_open"].fillna(0).sum()),
                "difference": _money(customers["difference"].fillna(0).sum()),
            },
            "customers": len(customers),
            "customers_differing": int((customers["difference"].fillna(0).abs() > 0.005).sum()),
            "payments": {
                "count": len(self.plan.rows),
                "total": _money(self.plan.rows["total"].sum()),
                "by_class": {
                    row["class"]: {"count": int(row["payments"]), "amount": row["amount"]}
                    for row in classes.to_dict("records")
                },
            },
            "match_rates": self.rates,
            "changed_after_import": changed_after_import(self.changes)
            .set_index("state")["payments"]
            .to_dict(),
            "dry_run": dry_run_summary(self.dry_run),
        }

    def headline(self) -> str:
        """Markdown: the figures a person reads first."""
        s = self.summary()
        ob, rates = s["open_balance"], s["match_rates"]
        fresh = (
            f"{rates['payments_importable']} of the {rates['payments']} not imported yet can "
            f"be imported as they are ({rates['payment_rate']:.0%})"
            if rates["payments"]
            else "none left to import"
        )
        return (
            f"**{s['invoices']}** invoices reconciled: **{s['agreeing']}** agree, "
            f"**{s['disagreeing']}** do not. Open balance: BMS **{ob['bms']:,.2f}**, "
            f"QuickBooks **{ob['qbo']:,.2f}** (difference {ob['difference']:,.2f}). "
            f"**{s['payments']['count']}** QuickBooks payments from {self.period}, "
            f"total {s['payments']['total']:,.2f}; {fresh}."
            + (
                f" **{changed}** imported payment(s) changed in QuickBooks since their import:"
                " BMS still has them as imported (see below)."
                if (changed := sum(s["changed_after_import"].values()))
                else ""
            )
        )


def payment_report(session: Session, period: Period, *, plan: bool = False) -> PaymentReport:
    """Reconcile both systems now and classify the QuickBooks payments of the period; with
    ``plan``, also the :func:`dry_run` of a sync. Reads only (the store refuses writes)."""
    with session.store.reading("the payment reconciliation report"):
        return PaymentReport(
            period=period,
            profile=session.config.profile,
            reconciliation=session.reconciliation(),
            plan=session.payments(period.since, period.until),
            changes=session.payment_changes(),
            dry_run=dry_run(session) if plan else None,
        )


# -- sync status ------------------------------------------------------------------------------


def unlinked(kind: str, records: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """BMS records of one kind that the link store does not tie to a QuickBooks record
    (``UNLINKED_COLUMNS``)."""
    linked = set(links.loc[links["kind"] == kind, "bms_id"].astype(str))
    ids = keys(records["Id"])
    rows = records[~ids.isin(linked)]
    return pd.DataFrame(
        {
            "kind": kind,
            "bms_id": keys(rows["Id"]),
            "name": rows[NAME_COLUMN[kind]].astype("string"),
            "active": rows["IsActive"].astype("boolean"),
        },
        columns=UNLINKED_COLUMNS,
    ).reset_index(drop=True)


def unexported(invoices: pd.DataFrame) -> pd.DataFrame:
    """Invoices (rows of ``Session.invoices()``, all their columns) that can be exported and
    are not in QuickBooks yet, oldest first."""
    rows = invoices[invoices["selectable"].fillna(False).astype(bool) & invoices["qbo_id"].isna()]
    return rows.sort_values(["InvoiceDate", "InvoiceNumber"], kind="stable", ignore_index=True)


def failures_in(log: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Failed sync-log entries (``log_frame(outcome="failed")``) of the period, newest first
    (``FAILURE_COLUMNS``)."""
    start = datetime.combine(period.since, datetime.min.time(), UTC)
    end = datetime.combine(period.until + timedelta(days=1), datetime.min.time(), UTC)
    at = pd.to_datetime(log["at"], utc=True, format="ISO8601")
    rows = log[(at >= start) & (at < end)]
    return rows[FAILURE_COLUMNS].iloc[::-1].reset_index(drop=True)


def last_runs(runs: pd.DataFrame, n: int = LAST_RUNS) -> pd.DataFrame:
    """The ``n`` most recent runs (``SyncStore.runs()``), newest first; ``trouble`` says
    whether a run failed, was partial or interrupted, or logged a failure."""
    recent = runs.tail(n).iloc[::-1].reset_index(drop=True)
    trouble = recent["outcome"].isin(TROUBLED_RUNS) | (recent["failed"].astype(int) > 0)
    return recent.assign(trouble=trouble.astype(bool))


def totals_disagree(invoices: pd.DataFrame) -> pd.DataFrame:
    """Reconciliation rows whose amounts disagree (state "amount mismatch"), the largest
    |difference| first."""
    rows = invoices[invoices["state"] == "amount mismatch"]
    order = rows["difference"].abs().fillna(0).sort_values(ascending=False, kind="stable")
    return rows.loc[order.index].reset_index(drop=True)


def dry_run(
    session: Session,
    records: Mapping[str, pd.DataFrame] | None = None,
    invoices: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """What a sync would do now, planned and not sent (``DRY_RUN_COLUMNS``): the BMS
    records of each kind (``records``, else ``Session.load``; as ``sync KIND --all
    --dry-run``), then the exportable invoices not in QuickBooks (``invoices``, else
    :func:`unexported` of ``Session.invoices()``) planned with what they need — only their
    invoice rows are kept, the master records being the rows above."""
    everyone = None  # every BMS customer, when loaded here (the name keepers need them)
    if records is None:
        records = {kind: session.load(kind) for kind in KINDS}
        everyone = records.get("customer")
    if invoices is None:
        invoices = unexported(session.invoices())
    plans = [session.plan(kind, rows, everyone).rows for kind, rows in records.items()]
    if len(invoices):
        planned = session.plan_invoices(invoices, include_dependencies=True).rows
        plans.append(planned[planned["kind"] == "invoice"])
    rows = pd.concat([p[DRY_RUN_COLUMNS] for p in plans], ignore_index=True)
    rows["bms_id"] = rows["bms_id"].astype(str)
    rows["reason"] = rows["reason"].fillna("").astype(str)
    return rows


def action_counts(plan: pd.DataFrame) -> pd.DataFrame:
    """A dry run's actions per kind: one row per kind, one column per action."""
    if not len(plan):
        return pd.DataFrame(index=pd.Index([], name="kind"))
    counts = plan.groupby(["kind", "action"]).size().unstack(fill_value=0)
    rows = [k for k in (*KINDS, "invoice") if k in counts.index]
    rows += sorted(set(counts.index) - set(rows))
    columns = [a for a in ACTIONS if a in counts.columns]
    columns += sorted(set(counts.columns) - set(columns))
    return counts.loc[rows, columns].rename_axis(columns=None)


def dry_run_summary(plan: pd.DataFrame | None) -> dict[str, dict[str, int]] | None:
    """:func:`action_counts` as plain JSON (kind → action → count), None without a dry run."""
    if plan is None:
        return None
    return {
        str(kind): {str(a): int(n) for a, n in row.items() if n}
        for kind, row in action_counts(plan).iterrows()
    }


@dataclass
class SyncStatus:
    """The sync status report's data."""

    period: Period
    profile: str
    not_in_quickbooks: pd.DataFrame
    unexported: pd.DataFrame
    runs: pd.DataFrame
    failures: pd.DataFrame
    totals_disagree: pd.DataFrame
    dry_run: pd.DataFrame | None = None

    def missing(self) -> dict[str, int]:
        """Records in BMS and not in QuickBooks, per kind (``KINDS``)."""
        counts = self.not_in_quickbooks["kind"].value_counts()
        return {kind: int(counts.get(kind, 0)) for kind in KINDS}

    @property
    def missing_counts(self) -> pd.DataFrame:
        """:meth:`missing` and the exportable invoices not exported, as a table to chart
        (``what``: customers, GL accounts, items, exportable invoices)."""
        counts = [*self.missing().values(), len(self.unexported)]
        what = [*(LABELS[k] for k in KINDS), "exportable invoices"]
        return pd.DataFrame({"what": what, "not in QuickBooks": counts})

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        tables = {
            "not_in_quickbooks": self.not_in_quickbooks,
            "unexported_invoices": self.unexported,
            "runs": self.runs,
            "failures": self.failures,
            "totals_disagree": self.totals_disagree,
        }
        if self.dry_run is not None:
            tables["dry_run"] = self.dry_run
        return tables

    def summary(self) -> dict[str, Any]:
        return {
            "report": "sync_status",
            "generated_at": now_utc(),
            "profile": self.profile,
            "since": self.period.since.isoformat(),
            "until": self.period.until.isoformat(),
            "not_in_quickbooks": self.missing(),
            "unexported_invoices": len(self.unexported),
            "unexported_total": _money(self.unexported["GrandTotal"].fillna(0).sum()),
            "runs": len(self.runs),
            "runs_with_trouble": int(self.runs["trouble"].sum()),
            "failures": len(self.failures),
            "totals_disagree": len(self.totals_disagree),
            "totals_difference": _money(self.totals_disagree["difference"].abs().fillna(0).sum()),
            "dry_run": dry_run_summary(self.dry_run),
        }

    def headline(self) -> str:
        """Markdown: the figures a person reads first."""
        s = self.summary()
        missing = ", ".join(f"**{n}** {LABELS[k]}" for k, n in s["not_in_quickbooks"].items())
        runs = (
            f"{s['runs_with_trouble']} of the last {s['runs']} runs had trouble"
            if s["runs"]
            else "no sync runs yet"
        )
        return (
            f"In BMS and not in QuickBooks: {missing}, and **{s['unexported_invoices']}** "
            f"exportable invoices ({s['unexported_total']:,.2f}). "
            f"**{s['failures']}** failed sync actions from {self.period}; {runs}. "
            f"**{s['totals_disagree']}** invoices whose amounts disagree "
            f"(Σ |difference| {s['totals_difference']:,.2f})."
        )


def sync_status(session: Session, period: Period, *, plan: bool = False) -> SyncStatus:
    """Gather the sync status through the session; with ``plan``, also the dry run. Reads
    only (the store refuses writes)."""
    with session.store.reading("the sync status report"):
        return _status(session, period, plan)


def _status(session: Session, period: Period, plan: bool) -> SyncStatus:
    store = session.store
    links = store.links()
    records = {kind: session.load(kind) for kind in KINDS}
    invoices = unexported(session.invoices())
    missing = pd.concat(
        [unlinked(kind, rows, links) for kind, rows in records.items()], ignore_index=True
    )
    status = SyncStatus(
        period=period,
        profile=session.config.profile,
        not_in_quickbooks=missing,
        unexported=invoices[UNEXPORTED_COLUMNS],
        runs=last_runs(store.runs()),
        failures=failures_in(store.log_frame(outcome="failed"), period),
        totals_disagree=totals_disagree(session.reconciliation().invoices),
    )
    if plan:
        status.dry_run = dry_run(session, records, invoices)
    return status
