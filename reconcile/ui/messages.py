"""The highlighted message lines the tabs show: a banner, and a plan's summary with the
reason of each blocked record."""

from __future__ import annotations

import html

from reconcile.plans import Plan


def banner(text: str, ok: bool = True) -> str:
    """A highlighted one-line message."""
    colour, background = ("#1b5e20", "#e8f5e9") if ok else ("#b71c1c", "#ffebee")
    return (
        f"<div style='padding:6px 10px;border-left:4px solid {colour};background:{background};"
        f"color:{colour}'>{html.escape(text)}</div>"
    )


def plan_message(plan: Plan, summary: str) -> str:
    """The plan's summary line, with each blocked record and its reason below it."""
    blocked = plan.rows[plan.rows["action"] == "blocked"]
    reasons = "".join(
        f"<li><b>{html.escape(str(r.name))}</b>: {html.escape(r.reason)}</li>"
        for r in blocked.itertuples()
    )
    return banner(f"Plan: {summary}.", ok=blocked.empty) + (
        f"<ul>{reasons}</ul>" if reasons else ""
    )
