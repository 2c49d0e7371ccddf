"""Session set-up for tests *and* notebooks: one local sandbox on real loopback HTTP.

It starts in ``pytest_configure`` rather than in a fixture because nbval's notebook kernels
are child processes that only see the environment: they find the sandbox through
``RECONCILE_CONFIG``, exactly as a user's kernel would. Fixtures live in tests/conftest.py.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from reconcile.config import load_config
from reconcile.qbo.auth import QboAuth
from reconcile.qbo.connect import connect_automatically
from reconcile.sandbox.runner import start_sandbox

# A sandbox "minute" lasts one second: throttling tests wait 1 s instead of 60 s.
TIME_SCALE = 60.0


def pytest_configure(config: pytest.Config) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="reconcile-test-"))
    sandbox = start_sandbox(tmp / "sandbox", time_scale=TIME_SCALE)
    os.environ["RECONCILE_CONFIG"] = str(sandbox.config_path)
    connect_automatically(QboAuth(load_config().qbo))
    config.reconcile_sandbox = sandbox
    config.reconcile_tmp = tmp


def pytest_unconfigure(config: pytest.Config) -> None:
    sandbox = getattr(config, "reconcile_sandbox", None)
    if sandbox is not None:
        sandbox.stop()
        shutil.rmtree(config.reconcile_tmp, ignore_errors=True)
