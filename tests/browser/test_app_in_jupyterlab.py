"""A real browser drives JupyterLab: open the app notebook, run it, load customers, select
two, preview, send, see the message — then QuickBooks' API confirms the two customers; a
link previewed and a suggested name accepted; the same for two invoices on the Invoices tab
(with what they need).

Needs Debian's chromium (``.ci/run`` installs it). Without it the test is skipped on a
developer machine, but fails in CI, where a skip would hide a broken set-up.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from reconcile.qbo.query import select
from reconcile.sandbox.bms_demo import EDGE_NAMES
from reconcile.sandbox.qbo_demo import VENDOR_NAMED_LIKE_BMS_CLIENT
from reconcile.session import Session
from reconcile.testing.payment_truth import owed_invoices
from tests.conftest import exportable_invoices

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ("Granite State Veterinary Clinic", "Kowalski Electric Co.")

if not CHROMIUM:
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed: .ci/run must install Debian's chromium")
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)

playwright = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(sandbox, tmp_path_factory):
    """JupyterLab on loopback, no token, serving a copy of the notebooks (so that an autosave
    can never write outputs into the repository's notebooks)."""
    root = tmp_path_factory.mktemp("notebooks")
    shutil.copytree(NOTEBOOKS, root, dirs_exist_ok=True)
    port = _free_port()
    settings = tmp_path_factory.mktemp("lab-settings")
    (settings / "overrides.json").write_text(
        '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}'
    )
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path_factory.mktemp("user"))}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--IdentityProvider.token=",
            "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={root}",
            f"--LabServerApp.app_settings_dir={settings}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/api/status", timeout=2).ok:
                break
        except requests.RequestException:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start within 90 s")
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def _dismiss_dialogs(page) -> None:
    """Accept whatever JupyterLab asks on a first start (kernel choice, notices)."""
    for _ in range(3):
        dialog = page.locator(".jp-Dialog")
        if not dialog.count():
            return
        dialog.locator(".jp-mod-accept").first.click()
        page.wait_for_timeout(500)


@contextlib.contextmanager
def _app_tab(lab: str, shot_name: str, tab_title: str):
    """A page on the app notebook, run, with one of the app's tabs open; a screenshot is
    left in $TMPDIR whatever happens."""
    shot = Path(os.environ.get("TMPDIR", "/tmp")) / shot_name
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _open_app(page, lab, shot, tab_title)
        try:
            yield page
        finally:
            page.screenshot(path=str(shot))
            browser.close()


def _open_app(page, lab: str, shot: Path, tab_title: str):
    """Open the app notebook, run all cells and click one of the app's tabs."""
    page.set_default_timeout(60_000)
    page.goto(f"{lab}/lab/tree/quickbooks_sync.ipynb?reset")
    tab = page.locator(".widget-tab").get_by_text(tab_title, exact=True)
    # A cold first start (fresh clone: assets, kernel) can take a while: run all cells
    # once the kernel is idle, and once more if the app did not appear.
    for attempt in range(2):
        page.wait_for_selector(
            ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000
        )
        _dismiss_dialogs(page)
        try:
            page.get_by_text("Run", exact=True).first.click(timeout=30_000)
            page.get_by_text("Run All Cells", exact=True).click(timeout=30_000)
        except playwright.TimeoutError:
            page.screenshot(path=str(shot))
            raise
        try:
            tab.wait_for(timeout=60_000)
            break
        except playwright.TimeoutError:
            if attempt:
                page.screenshot(path=str(shot))
                raise
    tab.click()


def _select(page, texts: tuple[str, ...]) -> None:
    """Find each row as a person would, with the visible grid's search box, and select it."""
    search = page.locator(".jp-OutputArea input[type='search']:visible")
    for i, text in enumerate(texts):
        if search.count():  # itables shows no search box for a short table
            search.first.fill(text)
        page.get_by_role("cell", name=text, exact=True).click(modifiers=["Control"] if i else None)


def test_send_two_customers_from_the_app(lab, client):
    with _app_tab(lab, "lab-browser-test.png", "Accounts") as page:
        page.get_by_role("button", name="Load Customers from Kaseya BMS").click()
        page.get_by_text(re.compile(r"Loaded \d+ customers")).wait_for()
        _select(page, NAMES)
        page.get_by_role("button", name="Preview selected").click()
        page.get_by_text("Plan:").wait_for()
        page.get_by_role("button", name="Send Selected to QuickBooks").click()
        page.get_by_text("Sent to QuickBooks").wait_for()
    for name in NAMES:
        assert client.count(select("Customer").eq("DisplayName", name)) == 1


def test_a_link_preview_and_a_suggested_name_accepted_in_the_app(lab, client):
    # Bayside is in QuickBooks already (linked, not copied); a vendor holds the other name.
    linked, clash = EDGE_NAMES["qbo_match"], VENDOR_NAMED_LIKE_BMS_CLIENT
    with _app_tab(lab, "lab-browser-names.png", "Accounts") as page:
        page.get_by_role("button", name="Load Customers from Kaseya BMS").click()
        page.get_by_text(re.compile(r"Loaded \d+ customers")).wait_for()
        _select(page, (linked, clash))
        page.get_by_role("button", name="Preview selected").click()
        page.get_by_text("Plan: 1 link, 1 blocked").wait_for()
        page.get_by_text("linked: QuickBooks keeps its value").first.wait_for()
        name = page.locator(".widget-text input:visible")
        assert name.input_value() == f"{clash} (customer)"
        page.get_by_role("button", name="Use this name").click()
        page.get_by_text(re.compile(r"will be sent to QuickBooks as")).wait_for()
        # Previewed again: the customer is created (with the tax code it needs), Bayside linked.
        page.get_by_text(re.compile(r"Plan: \d+ create, 1 link\.")).wait_for()
        page.get_by_role("button", name="Send Selected to QuickBooks").click()
        page.get_by_text("Sent to QuickBooks").wait_for()
    assert client.count(select("Customer").eq("DisplayName", f"{clash} (customer)")) == 1
    assert client.count(select("Customer").eq("DisplayName", linked)) == 1


def test_export_two_invoices_from_the_app(lab, client):
    # Invoices of the two customers sent above: the other demo customers stay unsent for
    # the tests that send them.
    numbers = tuple(exportable_invoices(Session.from_config(), customers=NAMES))
    with _app_tab(lab, "lab-browser-invoices.png", "Invoices") as page:
        page.get_by_role("button", name="Load Invoices from Kaseya BMS").click()
        page.get_by_text("can be exported").wait_for()
        _select(page, numbers)
        page.get_by_text("Include what it needs").click()
        page.get_by_role("button", name="Preview selected").click()
        page.get_by_text("Totals and payments").wait_for()
        page.get_by_role("button", name="Export selected Invoices to QuickBooks").click()
        page.get_by_text("Exported to QuickBooks: 2 ok").wait_for()
    for number in numbers:
        assert client.count(select("Invoice").eq("DocNumber", number)) == 1


def test_import_a_payment_from_the_app(lab, client):
    # A customer pays 10.00 of an exported invoice that both systems say is still owed.
    owed = owed_invoices(Session.from_config())
    invoice = owed[owed["balance"] > 10].iloc[0]
    reference = f"BR-{uuid.uuid4().hex[:8]}"
    payment = client.create(
        "Payment",
        {
            "CustomerRef": {"value": invoice["qbo_customer_id"]},
            "TotalAmt": 10.0,
            "PaymentRefNum": reference,
            "Line": [
                {
                    "Amount": 10.0,
                    "LinkedTxn": [{"TxnId": invoice["qbo_invoice_id"], "TxnType": "Invoice"}],
                }
            ],
        },
    )
    with _app_tab(lab, "lab-browser-payments.png", "Payments") as page:
        page.get_by_role("button", name="Payments to Import").click()
        page.get_by_text("can be imported").wait_for()
        _select(page, (reference,))
        page.get_by_text("BMS before and after the import").wait_for()
        page.get_by_role("button", name="Next").click()
        page.get_by_text("Imported into BMS: 1 imported").wait_for()
    store_links = Session.from_config().store.links("payment")
    assert payment["Id"] in set(store_links["qbo_id"])
