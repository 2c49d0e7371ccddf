"""Benchmark: load a large BMS tenant (10,000 accounts, 100,000 invoices) into DataFrames.

Starts a fresh sandbox with the "large" tenant, then loads accounts and all invoices (headers,
lines, discounts) through the toolkit's loaders, and prints the requests used per endpoint,
the wall time, and the ratio against a baseline run in the same process: the same pages
fetched with plain ``requests`` and ``json`` and nothing else (no envelope handling, key
normalisation, typing or frames). The ratio is the toolkit's overhead on top of the
transfer itself.

Usage: python benchmarks/bms_load.py [--page-size 1000]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import requests

from reconcile.bms.client import BmsClient
from reconcile.bms.loaders import accounts_frame, load_invoices
from reconcile.config import load_config
from reconcile.sandbox.runner import start_sandbox


def baseline(client: BmsClient, page_size: int) -> tuple[int, int]:
    """Fetch the same lists with bare requests; returns (requests, rows)."""
    token = client.auth.token()
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    base = client.settings.base_url
    calls = rows = 0
    for method, path in (
        ("GET", "/v2/crm/accounts/summary"),
        ("GET", "/v2/finance/invoices/summary"),
        ("POST", "/v2/finance/invoices/details"),
        ("POST", "/v2/finance/invoices/discounts"),
    ):
        number = 1
        while True:
            paging = {"PageSize": page_size, "PageNumber": number}
            if method == "GET":
                resp = http.get(base + path, params=paging, timeout=120)
            else:
                resp = http.post(base + path, json=paging, timeout=120)
            calls += 1
            page = json.loads(resp.content)["Result"] or []
            if not page:
                break
            rows += len(page)
            number += 1
    return calls, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        sandbox = start_sandbox(Path(tmp) / "sandbox", bms_size="large", limits=False)
        seeded = time.perf_counter() - started
        try:
            settings = dataclasses.replace(
                load_config(sandbox.config_path).bms, page_size=args.page_size
            )
            client = BmsClient(settings)
            client.auth.token()

            t0 = time.perf_counter()
            accounts = accounts_frame(client)
            t1 = time.perf_counter()
            invoices = load_invoices(client)
            t2 = time.perf_counter()
            base_calls, base_rows = baseline(client, args.page_size)
            t3 = time.perf_counter()
        finally:
            sandbox.stop()

    toolkit = t2 - t0
    report = {
        "tenant_seed_s": round(seeded, 1),
        "page_size": args.page_size,
        "accounts": len(accounts),
        "invoices": len(invoices.headers),
        "invoice_lines": len(invoices.lines),
        "invoice_discounts": len(invoices.discounts),
        "requests_by_endpoint": dict(client.calls),
        "requests_total": sum(client.calls.values()),
        "accounts_s": round(t1 - t0, 2),
        "invoices_s": round(t2 - t1, 2),
        "toolkit_total_s": round(toolkit, 2),
        "baseline_requests": base_calls,
        "baseline_rows": base_rows,
        "baseline_s": round(t3 - t2, 2),
        "ratio_toolkit_to_baseline": round(toolkit / (t3 - t2), 2),
        "frames_memory_mb": round(
            sum(
                f.memory_usage(deep=True).sum()
                for f in (accounts, invoices.headers, invoices.lines, invoices.discounts)
            )
            / 2**20,
            1,
        ),
    }
    print(json.dumps(report, indent=2))
    print(
        f"loaded {len(accounts):,} accounts and {len(invoices.headers):,} invoices "
        f"({len(invoices.lines):,} lines) in {toolkit:.1f} s with "
        f"{report['requests_total']} requests; {report['ratio_toolkit_to_baseline']}× "
        f"the bare-HTTP baseline ({report['baseline_s']} s)"
    )


if __name__ == "__main__":
    main()
