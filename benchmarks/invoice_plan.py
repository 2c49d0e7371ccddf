"""Benchmark: plan and preview 10,000 invoices with 50,000 lines (issue 5; goal under 5 s).

Builds 10,000 exportable BMS invoices from the demo tenant's generator (its invoices cycled
and renumbered to unique Ids and InvoiceNumbers; each keeps its own lines, topped up with
the lines of the following demo invoices, or cut, to exactly ``--lines-per-invoice``; the
header totals are recomputed with the demo's rule so BMS and QuickBooks totals agree). They
go through ``reconcile.frames.build`` with the loaders' column types, so the frames are
typed as the app sees them. QuickBooks is an in-memory ``QboState`` holding the customers,
items, terms and tax codes the invoices reference, and the link store (SQLite in memory)
links every customer, so the invoices plan as "create".

Measured: ``build_invoice_plan`` + ``invoice_preview(plan, MAPS)``. Baseline, in the same
process and from the same frames: mapping alone (the frames to records, lines grouped per
invoice in a dict, ``map_invoice`` on every invoice: no eligibility, resolution, link store,
fingerprint or preview). The ratio is the plan and preview's cost over bare mapping.

``--exported N`` makes the first N invoices already exported (in QuickBooks and linked; half
with the stored fingerprint, so they plan "unchanged", half "update"): the re-export case.

Usage: python benchmarks/invoice_plan.py [--invoices 10000] [--lines-per-invoice 5]
       [--accounts 500] [--exported 0] [--repeat 1] [--memory]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from reconcile.bms.assumptions import DEFAULT as ASSUMPTIONS
from reconcile.bms.loaders import (
    DISCOUNT_COLUMNS,
    INVOICE_COLUMNS,
    LINE_COLUMNS,
    TAX_ITEM_COLUMNS,
)
from reconcile.frames import build
from reconcile.mapping.invoices import map_invoice
from reconcile.mapping.maps import MAPS
from reconcile.sandbox.bms_demo import INVOICE_STATUSES, DemoSizes, generate
from reconcile.store import SyncStore
from reconcile.sync.invoice_preview import InvoicePreview, invoice_preview
from reconcile.sync.invoices import build_invoice_plan
from reconcile.sync.plan import TAX_CODE_NAME_MAX, short_tax_code_name
from reconcile.sync.state import QboState

GOAL_S = 5.0
TODAY = date(2026, 5, 1)  # fixed: the demo data is deterministic
INVOICE_BASE, LINE_BASE, DISCOUNT_BASE = 70_001, 800_001, 900_001
STATUS_ID = {s["Name"]: s["Id"] for s in INVOICE_STATUSES}
CENT = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def demo_invoices(n: int, lines_per_invoice: int, accounts: int) -> tuple[list[dict], Any]:
    """n exportable BMS invoices (InvoiceOutputDto dicts with LineItems/DiscountItems)."""
    demo = generate(DemoSizes(accounts=accounts, invoices=n, months=12), today=TODAY)
    # Credits and returns (a negative line) would be blocked: QuickBooks credit memos.
    pool = [
        inv
        for inv in demo.iter_invoices()
        if all(line["TotalPrice"] >= 0 for line in inv["LineItems"])
    ]
    spare = [line for inv in pool for line in inv["LineItems"]]  # lines to top up from
    out, line_id, discount_id, cursor = [], LINE_BASE, DISCOUNT_BASE, 0
    for i in range(n):
        template = pool[i % len(pool)]
        inv_id, number = INVOICE_BASE + i, f"INV-{100001 + i}"
        lines = list(template["LineItems"][:lines_per_invoice])
        while len(lines) < lines_per_invoice:
            lines.append(spare[cursor % len(spare)])
            cursor += 1
        line_items = []
        for line in lines:
            line_items.append({**line, "Id": line_id, "InvoiceId": inv_id, "InvoiceNumber": number})
            line_id += 1
        discount_items = []
        for d in template["DiscountItems"]:
            discount_items.append(
                {**d, "Id": discount_id, "InvoiceId": inv_id, "InvoiceNumber": number}
            )
            discount_id += 1
        # The demo's totals rule (bms_demo module doc): tax on the taxable lines, before
        # the discount; GrandTotal = TotalPrice + TotalTax.
        subtotal = sum((_dec(ln["TotalPrice"]) for ln in line_items), Decimal(0))
        taxable = sum((_dec(ln["TotalPrice"]) for ln in line_items if ln["IsTaxable"]), Decimal(0))
        discount = sum((_dec(d["Value"]) for d in discount_items), Decimal(0))
        tax = _money(taxable * _dec(template["SalesTaxRate"]) / 100)
        grand = subtotal - discount + tax
        status = template["StatusName"]
        if status not in ASSUMPTIONS.exportable_statuses:  # New, Void: made exportable
            status = "Sent"
        paid = {"Fully Paid": grand, "Partially Paid": _money(grand / 2)}.get(status, Decimal(0))
        out.append(
            {
                **template,
                "Id": inv_id,
                "InvoiceNumber": number,
                "StatusId": STATUS_ID[status],
                "StatusName": status,
                "Discount": float(discount),
                "TotalPrice": float(subtotal - discount),
                "TotalTax": float(tax),
                "GrandTotal": float(grand),
                "PaidAmount": float(paid),
                "PaymentDue": float(grand - paid),
                "LineItems": line_items,
                "DiscountItems": discount_items,
            }
        )
    return out, demo


def qbo_picture(
    invoices: list[dict], tax_items: pd.DataFrame, store: SyncStore
) -> tuple[QboState, int]:
    """QuickBooks holding every customer, item, term and tax code the invoices reference,
    with the customers linked in the store. Returns the state and the links made."""
    customers = {inv["AccountId"]: inv["AccountName"] for inv in invoices}
    items = sorted({line["Name"] for inv in invoices for line in inv["LineItems"]})
    days = set()
    for inv in invoices:
        txn, due = (date.fromisoformat(inv[k][:10]) for k in ("InvoiceDate", "DueDate"))
        days.add((due - txn).days)
    rates = dict(zip(tax_items["Name"], tax_items["TaxRate"], strict=True))
    tax_codes = set()
    for name in {inv["SalesTaxItemName"] for inv in invoices} - {None}:
        # The name the resolver looks for (reconcile.sync.plan.Resolver._taxcode).
        long = len(name) > TAX_CODE_NAME_MAX
        tax_codes.add(short_tax_code_name(name, float(rates[name])) if long else name)
    # No bulk link method in SyncStore: one upsert per customer, before timing.
    for n, account_id in enumerate(customers, start=1):
        store.link("customer", str(account_id), str(1000 + n))
    state = QboState(
        {
            "Invoice": [],
            "Customer": [
                {"Id": str(1000 + n), "DisplayName": name, "Active": True, "SyncToken": "0"}
                for n, name in enumerate(customers.values(), start=1)
            ],
            "Item": [
                {"Id": str(2000 + n), "Name": name, "Active": True, "Type": "Service"}
                for n, name in enumerate(items, start=1)
            ],
            "Term": [
                {
                    "Id": str(3000 + n),
                    "Name": "Due on receipt" if d == 0 else f"Net {d}",
                    "DueDays": d,
                    "Active": True,
                }
                for n, d in enumerate(sorted(days), start=1)
            ],
            "TaxCode": [
                {"Id": str(4000 + n), "Name": name, "Active": True}
                for n, name in enumerate(sorted(tax_codes), start=1)
            ],
        }
    )
    return state, len(customers)


def typed_frames(invoices: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three frames the app plans from (reconcile.bms.loaders column types)."""
    headers = build(invoices, INVOICE_COLUMNS)
    lines = build((ln for inv in invoices for ln in inv["LineItems"]), LINE_COLUMNS)
    discounts = build((d for inv in invoices for d in inv["DiscountItems"]), DISCOUNT_COLUMNS)
    return headers, lines, discounts


def mark_exported(
    count: int, frames: tuple, state: QboState, store: SyncStore, tax: pd.DataFrame
) -> None:
    """The first ``count`` invoices as already exported: in QuickBooks as planned, linked;
    every other one with its fingerprint stored (plans "unchanged"), the rest "update"."""
    if count <= 0:
        return
    headers, lines, discounts = frames
    head = headers.head(count)
    ids = set(head["Id"])
    plan = build_invoice_plan(
        head,
        lines[lines["InvoiceId"].isin(ids)],
        discounts[discounts["InvoiceId"].isin(ids)],
        state,
        store,
        {},
        tax,
    )
    for n, row in enumerate(plan.rows.to_dict("records")):
        qbo_id = str(500_000 + n)
        record = {
            **row["body"],
            "Id": qbo_id,
            "SyncToken": "0",
            "TotalAmt": row["totals"]["qbo_total"],
        }
        state.add("Invoice", record)
        store.link(
            "invoice",
            row["bms_id"],
            qbo_id,
            sync_token="0",
            fingerprint=row["fingerprint"] if n % 2 == 0 else None,
        )


def baseline(frames: tuple) -> int:
    """Mapping alone: frames → records, lines grouped per invoice, map_invoice each."""
    headers, lines, discounts = frames
    by_invoice: dict[Any, list[dict]] = defaultdict(list)
    for line in lines.to_dict("records"):
        by_invoice[line["InvoiceId"]].append(line)
    disc_by_invoice: dict[Any, list[dict]] = defaultdict(list)
    for d in discounts.to_dict("records"):
        disc_by_invoice[d["InvoiceId"]].append(d)
    mapped = 0
    for header in headers.to_dict("records"):
        map_invoice(header, by_invoice.get(header["Id"], []), disc_by_invoice.get(header["Id"], []))
        mapped += 1
    return mapped


def plan_and_preview(
    frames: tuple, state: QboState, store: SyncStore, tax: pd.DataFrame
) -> tuple[pd.DataFrame, InvoicePreview, float, float]:
    headers, lines, discounts = frames
    t0 = time.perf_counter()
    plan = build_invoice_plan(headers, lines, discounts, state, store, {}, tax)
    t1 = time.perf_counter()
    preview = invoice_preview(plan, MAPS)
    t2 = time.perf_counter()
    return plan, preview, t1 - t0, t2 - t1


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--lines-per-invoice", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=500, help="demo client accounts")
    parser.add_argument("--exported", type=int, default=0, help="invoices already exported")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs; the best is kept")
    parser.add_argument(
        "--memory", action="store_true", help="one more run under tracemalloc (its peak)"
    )
    args = parser.parse_args()

    t_setup = time.perf_counter()
    invoices, demo = demo_invoices(args.invoices, args.lines_per_invoice, args.accounts)
    tax = build(demo.tax_items, TAX_ITEM_COLUMNS)
    frames = typed_frames(invoices)
    store = SyncStore(":memory:")
    state, customer_links = qbo_picture(invoices, tax, store)
    del invoices
    mark_exported(args.exported, frames, state, store, tax)
    setup_s = time.perf_counter() - t_setup

    base_s = measured_s = plan_s = preview_s = float("inf")
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        baseline(frames)
        base_s = min(base_s, time.perf_counter() - t0)
        plan, preview, p_s, v_s = plan_and_preview(frames, state, store, tax)
        if p_s + v_s < measured_s:
            measured_s, plan_s, preview_s = p_s + v_s, p_s, v_s
    rss_mb = _peak_rss_mb()
    traced_mb = None
    if args.memory:
        tracemalloc.start()
        plan_and_preview(frames, state, store, tax)
        traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()

    headers, lines, discounts = frames
    actions = Counter(plan.rows["action"])
    blocked = Counter(plan.rows.loc[plan.rows["action"] == "blocked", "reason"]).most_common(3)
    report = {
        "invoices": len(headers),
        "lines": len(lines),
        "discount_lines": len(discounts),
        "customers_linked": customer_links,
        "exported_before": args.exported,
        "actions": dict(sorted(actions.items())),
        "needs": int(plan.rows["needs"].map(len).sum()),
        "totals_agree": int(sum(t["agree"] for t in plan.rows["totals"])),
        "preview_rows": {
            "records": len(preview.records),
            "lines": len(preview.lines),
            "totals": len(preview.totals),
        },
        "setup_s": round(setup_s, 2),
        "baseline_mapping_s": round(base_s, 3),
        "plan_s": round(plan_s, 3),
        "preview_s": round(preview_s, 3),
        "plan_plus_preview_s": round(measured_s, 3),
        "ratio_to_mapping_baseline": round(measured_s / base_s, 2),
        "invoices_per_s": round(len(headers) / measured_s),
        "goal_s": GOAL_S,
        "pass": measured_s < GOAL_S,
        "peak_rss_mb": round(rss_mb),
        "traced_peak_mb": round(traced_mb) if traced_mb is not None else None,
        "repeat": max(1, args.repeat),
    }
    print(json.dumps(report))
    print(f"invoices {len(headers):,}, lines {len(lines):,}, discount lines {len(discounts):,}")
    print(
        f"actions: {dict(sorted(actions.items()))}; needs {report['needs']}; "
        f"totals agree {report['totals_agree']:,}/{len(plan):,}"
    )
    for reason, count in blocked:
        print(f"  blocked ×{count}: {reason}")
    print(f"baseline (map_invoice alone): {base_s:8.3f} s")
    print(f"plan:                         {plan_s:8.3f} s")
    print(f"preview:                      {preview_s:8.3f} s")
    rate = len(headers) / measured_s
    print(
        f"plan + preview:               {measured_s:8.3f} s  "
        f"({measured_s / base_s:.1f}× baseline, {rate:,.0f} invoices/s)"
    )
    memory = f"peak RSS {rss_mb:,.0f} MB"
    if traced_mb is not None:
        memory += f"; traced peak during plan + preview {traced_mb:,.0f} MB"
    print(memory)
    verdict = "PASS" if measured_s < GOAL_S else "FAIL"
    print(f"goal: plan + preview of {len(headers):,} invoices under {GOAL_S:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
