"""A read-only first look: what a first send would do to a QuickBooks company, before anything
is sent (``python -m reconcile check``).

Both systems are read and everything is planned — customers, the chart of accounts, items,
the eligible invoices with what they need, the payments of the default period — and nothing is
written: not to QuickBooks, not to BMS, not to the local store (which refuses writes while it
runs: ``SyncStore.reading``). The result says, per kind, how many records would be
linked, created, updated, left alone or blocked, which fields of the company's own records
QuickBooks keeps, and the company's settings found.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from reconcile.plans import Plan
from reconcile.qbo.company import CompanySettings
from reconcile.session import Session
from reconcile.sync.plan import MADE_NEEDS, build_plan
from reconcile.sync.state import NEEDED, QboState

SUMMARY_COLUMNS = ["kind", "action", "records"]
BLOCKED_COLUMNS = ["kind", "bms_id", "name", "reason"]
KEPT_COLUMNS = ["kind", "bms_id", "name", "property", "reason"]
# What the company's CompanyInfo says that a first send depends on (reference §2).
COMPANY_FIELDS = ("CompanyName", "LegalName", "Country", "FiscalYearStartMonth")


@dataclass
class FirstLook:
    """Plans of every kind and the company they were made against; nothing was sent."""

    company: dict
    settings: CompanySettings  # what decides the payloads (currencies, numbers, tax, tracking)
    plans: dict[str, Plan]  # "customer", "account", "item", "invoice" → its plan
    payments: pd.DataFrame  # the payment plan's payments (``class``, ``reason``)

    def summary(self) -> pd.DataFrame:
        """Records per kind and action (``SUMMARY_COLUMNS``); payments by class."""
        rows = [
            (kind, action, int(count))
            for kind, plan in self.plans.items()
            for action, count in plan.rows.loc[plan.rows["kind"] == kind, "action"]
            .value_counts()
            .items()
        ]
        # The terms and tax codes some plan would make first: each once.
        made = pd.concat([p.rows[p.rows["kind"].isin(MADE_NEEDS)] for p in self.plans.values()])
        made = made.drop_duplicates("bms_id")
        rows += [
            (kind, action, int(count))
            for (kind, action), count in made.groupby(["kind", "action"]).size().items()
        ]
        rows += [
            ("payment", cls, int(count))
            for cls, count in self.payments["class"].value_counts().items()
        ]
        return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)

    def blocked(self) -> pd.DataFrame:
        """Every record a person must act on before it can be sent, with the reason."""
        frames = [
            plan.rows.loc[plan.rows["action"] == "blocked", ["kind", "bms_id", "name", "reason"]]
            for plan in self.plans.values()
        ]
        out = pd.concat(frames, ignore_index=True).drop_duplicates(["kind", "bms_id"])
        return out.reset_index(drop=True)[BLOCKED_COLUMNS]

    def kept(self) -> pd.DataFrame:
        """Fields where BMS differs and QuickBooks keeps its value (the update policy)."""
        rows = [
            (p["kind"], p["bms_id"], p["name"], path, why)
            for plan in self.plans.values()
            if "kept" in plan.rows
            for p in plan.rows.to_dict("records")
            if isinstance(p["kept"], dict)
            for path, why in p["kept"].items()
        ]
        frame = pd.DataFrame(rows, columns=KEPT_COLUMNS)
        return frame.drop_duplicates(["kind", "bms_id", "property"]).reset_index(drop=True)

    def text(self) -> str:
        """The look as a person reads it in a terminal."""
        company = ", ".join(f"{k}: {v}" for k, v in self.company.items())
        parts = [f"QuickBooks company — {company}", "", "Its settings, as the export follows them:"]
        parts.append(self.settings.frame().to_string(index=False))
        parts += ["", "What a first send would do:"]
        parts.append(self.summary().to_string(index=False))
        blocked, kept = self.blocked(), self.kept()
        parts += ["", f"Blocked, for a person to decide ({len(blocked)}):"]
        parts += [f"- {r.kind} {r.bms_id} {r.name}: {r.reason}" for r in blocked.itertuples()]
        parts += ["", f"QuickBooks keeps its value ({len(kept)} fields):"]
        parts += [
            f"- {r.kind} {r.bms_id} {r.name}: {r.property} ({r.reason})" for r in kept.itertuples()
        ]
        parts += ["", "Nothing was sent."]
        return "\n".join(parts)

    def html(self) -> str:
        """The look as a standalone HTML page (no code, no scripts)."""
        company = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in self.company.items()
        )
        sections = [
            ("The company's settings, as the export follows them", self.settings.frame()),
            ("What a first send would do", self.summary()),
            ("Blocked, for a person to decide", self.blocked()),
            ("QuickBooks keeps its value", self.kept()),
        ]
        body = "".join(
            f"<h2>{title} ({len(frame)})</h2>{frame.to_html(index=False, border=0)}"
            for title, frame in sections
        )
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>First look</title>"
            "<style>body{font-family:sans-serif;max-width:80em;margin:2em auto}"
            "td,th{padding:.2em .6em;text-align:left;vertical-align:top}"
            "tr:nth-child(even){background:#f4f6f8}</style></head><body>"
            f"<h1>First look: what a first send would do</h1><table>{company}</table>"
            f"{body}<p>Nothing was sent.</p></body></html>"
        )


def first_look(session: Session) -> FirstLook:
    """Read both systems and plan every kind; writes nothing anywhere."""
    with session.store.reading("the first look (check)"):
        return _look(session)


def _look(session: Session) -> FirstLook:
    qbo = session.qbo
    info = qbo.company_info()
    company = {k: info[k] for k in COMPANY_FIELDS if info.get(k)}
    master = session.master_data()
    plans = {
        "customer": session.plan("customer", master.customers, everyone=master.customers),
        "account": session.plan("account", master.accounts),
        # Items as they would be planned once the chart of accounts is sent: a GL account
        # QuickBooks lacks is a need, not a block (a first send sends accounts first).
        "item": build_plan(
            session.entity_map("item"),
            master.items,
            QboState.load(qbo, NEEDED["item"]),
            session.store,
            session.options,
            session.tax_items,
            include={"account": master.include()["account"]},
            company=session.company,
        ),
    }
    listed = session.invoices()
    plans["invoice"] = session.plan_invoices(
        listed[listed["selectable"]], include_dependencies=True
    )
    payments = session.payments().rows
    return FirstLook(company, session.company, plans, payments)
