"""The fault catalogue's tools: a sandbox of its own, the CLI as a subprocess, a kill point.

A kill point uses the sandbox's ``hold_after_writes`` test hook: once the sandbox has answered
N writes, every later API request waits, so the CLI is parked right after its Nth write
(``held_requests`` ≥ 1 in ``/_sandbox/stats``) and is killed there with SIGKILL. The request
that was waiting goes on once the hold is cleared (its client is gone: the answer is lost).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from reconcile.config import load_config
from reconcile.sandbox.runner import Sandbox
from reconcile.session import Session
from reconcile.store import SyncStore
from tests.conftest import sandbox_settings

ROOT = Path(__file__).resolve().parents[2]
LEASE_LINE = "another reconcile is writing through"
PENDING_KINDS = ("taxcode", "account", "item", "customer", "invoice", "payment")


def stats(sandbox: Sandbox) -> dict:
    """Both servers' counters, over HTTP: writes summed, held requests of either."""
    qbo = requests.get(f"{sandbox.qbo_url}/_sandbox/stats", timeout=10).json()
    bms = requests.get(f"{sandbox.bms_url}/_sandbox/stats", timeout=10).json()
    return {
        "writes": qbo["write_count"] + bms["write_count"],
        "held": max(qbo["held_requests"], bms["held_requests"]),
    }


def session_of(sandbox: Sandbox) -> Session:
    """A new session on the sandbox's config (the CLI's own store, data_dir of config.toml)."""
    return Session(load_config(sandbox.config_path))


def pending(sandbox: Sandbox) -> dict[str, dict]:
    """Markers of creates and imports begun and not ended, by kind (none: {})."""
    store = SyncStore.for_config(load_config(sandbox.config_path))
    return {k: found for k in PENDING_KINDS if (found := store.pending_of(k))}


def start_cli(sandbox: Sandbox, *args: str) -> subprocess.Popen:
    env = {**os.environ, "RECONCILE_CONFIG": str(sandbox.config_path)}
    return subprocess.Popen(
        [sys.executable, "-m", "reconcile", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_cli(sandbox: Sandbox, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    proc = start_cli(sandbox, *args)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def kill_after_writes(sandbox: Sandbox, n: int, *args: str, timeout: float = 30) -> dict:
    """Run the CLI until it has made its ``n``-th write and waits for its next request, then
    SIGKILL it and clear the hold. Answers what happened (writes seen, exit code)."""
    sandbox_settings(sandbox, hold_after_writes=n)
    proc = start_cli(sandbox, *args)
    deadline = time.monotonic() + timeout
    try:
        while True:
            now = stats(sandbox)
            if now["held"] >= 1:
                break
            if proc.poll() is not None:
                out, err = proc.communicate()
                raise AssertionError(
                    f"the CLI ended (exit {proc.returncode}) before write {n} was held: "
                    f"{out[-500:]}{err[-1000:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"no request held after {timeout} s (write {n})")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=10)
        sandbox_settings(sandbox, hold_after_writes=None)
    # The held request goes on now (its answer lost): wait until it has been let go.
    deadline = time.monotonic() + 10
    while stats(sandbox)["held"] and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # and has been answered to no one
    return {"writes": now["writes"], "returncode": proc.returncode}
