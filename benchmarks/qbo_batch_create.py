"""Benchmark: create 2,000 customers in the local QBO sandbox under QBO's real limits.

Runs a fresh sandbox with limits on and a time scale (a "minute" lasts 60/scale seconds),
connects through the OAuth dance, then sends the customers with ``QboClient.batch``.
Prints the HTTP requests used against the goal (ceil(2000/30) batch calls plus the auth
calls) and the throughput as a fraction of the rate-limit ceiling (goal ≥ 0.9):

    ceiling time = the least time QBO's limits allow for that many batch calls
                 = floor((calls - 1) / 40) batch windows of one minute
    fraction     = ceiling time / measured time

Usage: python benchmarks/qbo_batch_create.py [--customers 2000] [--time-scale 10]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import tempfile
import time
from pathlib import Path

from reconcile.config import load_config
from reconcile.qbo.auth import QboAuth
from reconcile.qbo.client import BATCH_SIZE, BatchOp, QboClient
from reconcile.qbo.connect import connect_automatically
from reconcile.sandbox.runner import start_sandbox

BATCH_PER_MINUTE = 40  # QBO: 40 batch requests per minute per realm + app (reference §6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--time-scale", type=float, default=10.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        sandbox = start_sandbox(Path(tmp) / "sandbox", time_scale=args.time_scale, limits=True)
        try:
            settings = dataclasses.replace(
                load_config(sandbox.config_path).qbo, token_file=Path(tmp) / "tokens.json"
            )
            auth = QboAuth(settings)
            connect_automatically(auth)
            auth_calls = 2  # consent form POST + code exchange
            client = QboClient(settings, auth)
            ops = [
                BatchOp("create", "Customer", {"DisplayName": f"Bench Customer {i:05d}"}, key=i)
                for i in range(args.customers)
            ]
            started = time.perf_counter()
            results = client.batch(ops, workers=10)
            elapsed = time.perf_counter() - started
        finally:
            sandbox.stop()

    failed = [r for r in results if not r.ok]
    calls = client.stats.counts["batch"]
    goal_calls = math.ceil(args.customers / BATCH_SIZE)
    minute = 60.0 / args.time_scale
    ceiling_time = math.floor((goal_calls - 1) / BATCH_PER_MINUTE) * minute
    fraction = ceiling_time / elapsed if ceiling_time else 1.0
    report = {
        "customers": args.customers,
        "created": len(results) - len(failed),
        "failed": len(failed),
        "time_scale": args.time_scale,
        "batch_requests": calls,
        "batch_requests_goal": goal_calls,
        "other_api_requests": client.stats.counts["api"],
        "auth_requests": auth_calls,
        "http_requests_total": calls + client.stats.counts["api"] + auth_calls,
        "elapsed_s": round(elapsed, 3),
        "elapsed_qbo_minutes": round(elapsed / minute, 3),
        "ceiling_time_s": round(ceiling_time, 3),
        "throughput_fraction_of_ceiling": round(fraction, 3),
        "customers_per_qbo_minute": round(args.customers / (elapsed / minute), 1),
        "limiter_wait_s": round(client.limiter.waited, 3),
    }
    print(json.dumps(report, indent=2))
    print(
        f"requests: {calls} batch (goal {goal_calls}) + {auth_calls} auth; "
        f"throughput {fraction:.2f} of the rate-limit ceiling (goal ≥ 0.90)"
    )
    if failed:
        print("first failure:", failed[0].error)


if __name__ == "__main__":
    main()
