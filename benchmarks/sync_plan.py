"""Benchmark: plan and preview 10,000 customers; send 2,000 with the fewest requests.

1. Builds 10,000 BMS customer rows (the demo tenant's accounts, renamed to be unique) and
   times ``build_plan`` + ``preview_frame`` against an in-memory picture of QuickBooks
   (goal: under 2 s on the CI machine), beside a baseline in the same process: mapping
   alone (the Sync Map transforms with no validation, matching or preview).
2. Sends 2,000 new customers to a fresh sandbox (QBO limits on, time-scaled) and prints the
   requests used against the batch minimum, ceil(2000/30) = 67 batch requests.

Usage: python benchmarks/sync_plan.py [--plan-rows 10000] [--send-rows 2000]
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

import pandas as pd

from reconcile.bms.client import BmsClient
from reconcile.bms.loaders import accounts_frame, tax_items_frame
from reconcile.config import load_config
from reconcile.mapping import CUSTOMERS
from reconcile.qbo.auth import QboAuth
from reconcile.qbo.client import QboClient
from reconcile.qbo.connect import connect_automatically
from reconcile.sandbox.runner import start_sandbox
from reconcile.store import SyncStore
from reconcile.sync.plan import build_plan
from reconcile.sync.preview import preview_frame
from reconcile.sync.send import send_plan
from reconcile.sync.state import NEEDED, QboState


def many(accounts: pd.DataFrame, n: int) -> pd.DataFrame:
    """n customer rows with unique ids and names, cycling through the demo accounts."""
    clients = accounts[accounts["AccountName"].str.contains(":") == False]  # noqa: E712
    rows = pd.concat([clients] * (n // len(clients) + 1), ignore_index=True).head(n).copy()
    rows["Id"] = range(1, n + 1)
    rows["AccountName"] = [
        f"{name} #{i}" for i, name in zip(rows["Id"], rows["AccountName"], strict=True)
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plan-rows", type=int, default=10_000)
    parser.add_argument("--send-rows", type=int, default=2_000)
    parser.add_argument("--time-scale", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = start_sandbox(Path(tmp) / "sandbox", time_scale=args.time_scale, limits=True)
        try:
            config = load_config(sandbox.config_path)
            auth = QboAuth(config.qbo)
            connect_automatically(auth)
            qbo = QboClient(config.qbo, auth)
            bms = BmsClient(config.bms)
            accounts, tax = accounts_frame(bms), tax_items_frame(bms)
            state = QboState.load(qbo, NEEDED["customer"])
            rows = many(accounts, args.plan_rows)
            store = SyncStore(Path(tmp) / "sync.sqlite")

            t0 = time.perf_counter()
            for row in rows.to_dict("records"):
                CUSTOMERS.map(row)
            t1 = time.perf_counter()
            plan = build_plan(CUSTOMERS, rows, state, store, {}, tax)
            t2 = time.perf_counter()
            preview = preview_frame(plan, CUSTOMERS)
            t3 = time.perf_counter()

            send_rows = many(accounts, args.send_rows)
            send_rows["SalesTaxItemId"] = None  # plain customers: the batch minimum is exact
            send_rows["SalesTaxItemName"] = None
            send_rows["NetDays"] = 30  # a term the demo company has
            plan2 = build_plan(CUSTOMERS, send_rows, state, store, {}, tax)
            before = dict(qbo.stats.counts)
            t4 = time.perf_counter()
            results = send_plan(plan2, qbo, store)
            t5 = time.perf_counter()
            after = qbo.stats.counts
        finally:
            sandbox.stop()
    batch_requests = after["batch"] - before.get("batch", 0)
    report = {
        "plan_rows": len(rows),
        "baseline_mapping_s": round(t1 - t0, 3),
        "plan_s": round(t2 - t1, 3),
        "preview_s": round(t3 - t2, 3),
        "plan_plus_preview_s": round(t3 - t1, 3),
        "ratio_to_mapping_baseline": round((t3 - t1) / (t1 - t0), 2),
        "preview_rows": len(preview),
        "send_rows": len(send_rows),
        "sent_ok": int((results["outcome"] == "ok").sum()),
        "send_batch_requests": batch_requests,
        "send_other_requests": after["api"] - before.get("api", 0),
        "batch_minimum": math.ceil(len(send_rows) / 30),
        "send_s": round(t5 - t4, 2),
    }
    print(json.dumps(report, indent=2))
    print(
        f"plan + preview of {len(rows):,} customers: {report['plan_plus_preview_s']} s "
        "(goal < 2 s); "
        f"send of {len(send_rows):,}: {batch_requests} batch requests (minimum "
        f"{report['batch_minimum']})"
    )


if __name__ == "__main__":
    main()
