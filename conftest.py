"""Session set-up for tests *and* notebooks: the pinned day, sandboxes started only when asked
for, and each test's kind as a marker.

- **The day.** The demo companies are generated from "today", so every test and notebook
  kernel runs with ``RECONCILE_TODAY`` set to :data:`DEMO_DATE` (``reconcile.clock``): the
  suite passes or fails the same on any calendar date. Tests that move the date on purpose
  pass their own ``today``.
- **Sandboxes on demand.** The shared sandbox starts the first time a test asks for the
  ``sandbox`` fixture (tests/conftest.py), so ``pytest -m unit`` starts no server. Each
  notebook gets a new sandbox of its own, started before its kernel (nbval kernels are child
  processes that only see the environment: they find it through ``RECONCILE_CONFIG``, as a
  user's kernel would), so what a notebook shows does not depend on what ran before it and
  its ``# NBVAL_CHECK_OUTPUT`` cells can be compared.
- **Markers.** ``notebook`` (every .ipynb cell), ``browser`` (tests/browser),
  ``integration`` (tests/integration, and tests using the ``sandbox`` fixture or the
  ``servers`` one, which says "starts servers of its own"), else ``unit``. A unit test that
  starts a sandbox server fails, so the markers cannot go stale silently.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest

from reconcile import clock
from reconcile.config import load_config
from reconcile.qbo.auth import QboAuth
from reconcile.qbo.connect import connect_automatically
from reconcile.sandbox.http import Server
from reconcile.sandbox.runner import Sandbox, start_sandbox

# The day the suite's demo companies are built for: the day the date-dependence was found.
DEMO_DATE = date(2026, 11, 30)
# A sandbox "minute" lasts one second: throttling tests wait 1 s instead of 60 s.
TIME_SCALE = 60.0
KINDS = ("unit", "integration", "notebook", "browser")
ROOT = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="reconcile-test-"))
    os.environ[clock.ENV] = DEMO_DATE.isoformat()
    # Until a test asks for a sandbox, no config exists: nothing can read a person's own
    # ~/.config/reconcile by accident.
    os.environ["RECONCILE_CONFIG"] = str(tmp / "no-sandbox-asked-for" / "config.toml")
    config.reconcile_tmp = tmp
    config.reconcile_sandbox = None
    config.reconcile_notebook_sandboxes = {}


def connected_sandbox(data_dir: Path) -> Sandbox:
    """A new sandbox in ``data_dir`` (demo built for the pinned day), connected over OAuth."""
    sandbox = start_sandbox(data_dir, time_scale=TIME_SCALE)
    connect_automatically(QboAuth(load_config(sandbox.config_path).qbo))
    return sandbox


def shared_sandbox(config: pytest.Config) -> Sandbox:
    """The session's shared sandbox, started on first use; ``RECONCILE_CONFIG`` names it."""
    if config.reconcile_sandbox is None:
        config.reconcile_sandbox = connected_sandbox(config.reconcile_tmp / "sandbox")
    os.environ["RECONCILE_CONFIG"] = str(config.reconcile_sandbox.config_path)
    return config.reconcile_sandbox


def pytest_unconfigure(config: pytest.Config) -> None:
    tmp = getattr(config, "reconcile_tmp", None)
    if tmp is None:
        return
    for sandbox in [config.reconcile_sandbox, *config.reconcile_notebook_sandboxes.values()]:
        if sandbox is not None:
            sandbox.stop()
    shutil.rmtree(tmp, ignore_errors=True)


# -- markers ----------------------------------------------------------------------------------


def kind_of(item: pytest.Item) -> str:
    """unit, integration, notebook or browser (see the module docstring)."""
    path = Path(item.path)
    if path.suffix == ".ipynb":
        return "notebook"
    parts = path.parts
    if "browser" in parts:
        return "browser"
    explicit = [k for k in KINDS if item.get_closest_marker(k)]
    if explicit:
        return explicit[0]
    if "integration" in parts or {"sandbox", "servers"} & set(getattr(item, "fixturenames", ())):
        return "integration"
    return "unit"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        kind = kind_of(item)
        if not item.get_closest_marker(kind):
            item.add_marker(kind)


@contextlib.contextmanager
def _no_servers(item: pytest.Item):
    """For a unit test: starting a sandbox server is an error naming the test."""
    if kind_of(item) != "unit":
        yield
        return

    def refuse(self, *args, **kwargs):
        raise AssertionError(
            f"{item.nodeid} is marked unit but starts a server: ask for the `sandbox` "
            "fixture or mark its module `pytestmark = pytest.mark.integration`"
        )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Server, "start", refuse)
        yield


# -- notebooks: a sandbox each ------------------------------------------------------------------


def pytest_collectstart(collector: pytest.Collector) -> None:
    """nbval compares a checked cell's text; the HTML of a table says the same with markup
    (and a styled table's HTML carries random element ids)."""
    if Path(str(collector.path)).suffix == ".ipynb" and hasattr(collector, "skip_compare"):
        collector.skip_compare = (*collector.skip_compare, "text/html")


def _is_notebook_cell(item: pytest.Item) -> bool:
    return Path(item.path).suffix == ".ipynb"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    if _is_notebook_cell(item):
        sandboxes = item.config.reconcile_notebook_sandboxes
        if item.parent not in sandboxes:  # the notebook's kernel starts after this
            data_dir = Path(tempfile.mkdtemp(prefix="notebook-", dir=item.config.reconcile_tmp))
            sandboxes[item.parent] = connected_sandbox(data_dir / "sandbox")
        os.environ["RECONCILE_CONFIG"] = str(sandboxes[item.parent].config_path)
    with _no_servers(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    with _no_servers(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    if _is_notebook_cell(item) and (nextitem is None or nextitem.parent is not item.parent):
        sandbox = item.config.reconcile_notebook_sandboxes.pop(item.parent, None)
        if sandbox is not None:  # the notebook's kernel has stopped: so can its sandbox
            sandbox.stop()
        shared = item.config.reconcile_sandbox
        os.environ["RECONCILE_CONFIG"] = (
            str(shared.config_path)
            if shared is not None
            else str(item.config.reconcile_tmp / "no-sandbox-asked-for" / "config.toml")
        )
    return result
