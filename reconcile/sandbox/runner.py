"""Start the local sandbox servers and describe them (the ``python -m reconcile sandbox`` contract).

Everything lives in one data directory: ``sandbox.sqlite`` (the QuickBooks company, the BMS
tenant, tokens, settings) and ``config.toml``, which points the toolkit at these servers (use
it as ``RECONCILE_CONFIG``). The demo client secret and BMS password are generated on first
start and kept only there — never in the repository.

The sandbox uses (and ``reset`` deletes) only a folder it made: one it marked with
:data:`MARKER` when it created it, or one an earlier version made (it holds ``sandbox.sqlite``).
A folder holding anything else is refused, untouched (:class:`DataDirError`).

Each run also makes a random *control token*: the test hooks' writes (``POST /_sandbox/…``)
must carry it in the ``X-Sandbox-Token`` header (``Sandbox.control_headers()``), so a web page
that guesses the port cannot change the sandbox's settings.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import tomli_w

from reconcile import clock
from reconcile.errors import ReconcileError
from reconcile.sandbox import bms_demo, qbo_demo
from reconcile.sandbox.bms import BmsApp
from reconcile.sandbox.bms_data import BmsData
from reconcile.sandbox.http import Server
from reconcile.sandbox.oauth import (
    AUTHORIZE_PATH,
    DISCOVERY_PATHS,
    REVOKE_PATH,
    TOKEN_PATH,
    OAuthProvider,
)
from reconcile.sandbox.qbo import QboApp
from reconcile.sandbox.settings import CONTROL_TOKEN_HEADER, ControlGuard, SettingsBox
from reconcile.sandbox.store import Store
from reconcile.secret import Secret

# The file that says "this folder is a sandbox's data directory": written into every data
# directory the sandbox creates (or adopts), and required before it writes into, or with
# ``reset`` deletes, a folder that is not empty.
MARKER = ".reconcile-sandbox"
MARKER_TEXT = (
    "This folder is the data directory of a reconcile local sandbox "
    "(`python -m reconcile sandbox`).\n"
    "`--reset` deletes this folder and everything in it; without this file it refuses to.\n"
)
# What earlier versions wrote, without a marker: their folders are adopted (marked).
LEGACY_STORE = "sandbox.sqlite"
# The first 16 bytes of every SQLite 3 database file (sqlite.org/fileformat.html §1.3.1).
SQLITE_HEADER = b"SQLite format 3\x00"


class DataDirError(ReconcileError):
    """The data directory is not one the sandbox may use or reset: it holds other files."""


@dataclass
class Sandbox:
    """Running sandbox servers and what a client needs to reach them."""

    data_dir: Path
    store: Store
    settings: SettingsBox
    qbo_app: QboApp
    qbo_server: Server
    client_id: str
    client_secret: str = field(repr=False)  # reprs end up in logs and tracebacks
    realm_id: str
    bms_app: BmsApp
    bms_server: Server
    # This run's control token (a Secret: its repr is ***); see control_headers().
    control_token: Secret = field(repr=False)

    def control_headers(self) -> dict[str, str]:
        """The header a write to a test hook (``POST /_sandbox/…``) must carry: this run's
        control token. Pass it as ``requests.post(url, json=…, headers=…)``."""
        return {CONTROL_TOKEN_HEADER: self.control_token.reveal()}

    @property
    def qbo_url(self) -> str:
        return self.qbo_server.url

    @property
    def bms_url(self) -> str:
        return self.bms_server.url

    @property
    def bms_identity(self) -> dict:
        return self.bms_app.identity

    def info(self) -> dict:
        """The one JSON line printed at start: URLs, demo credentials, realm, config path."""
        return {
            "qbo_base_url": self.qbo_url,
            "qbo_authorize_url": self.qbo_url + AUTHORIZE_PATH,
            "qbo_token_url": self.qbo_url + TOKEN_PATH,
            "qbo_revoke_url": self.qbo_url + REVOKE_PATH,
            "qbo_discovery_url": self.qbo_url + DISCOVERY_PATHS[0] + "/",
            "qbo_client_id": self.client_id,
            "qbo_client_secret": self.client_secret,
            "qbo_realm_id": self.realm_id,
            "bms_base_url": self.bms_url,
            "bms_tenant": self.bms_identity["tenant"],
            "bms_username": self.bms_identity["username"],
            "bms_password": self.bms_identity["password"],
            "time_scale": self.settings.value.time_scale,
            "demo_date": self.store.kv_get("demo_date"),
            "company_profile": self.settings.value.company_profile,
            "control_token": self.control_token.reveal(),
            "config": str(self.config_path),
        }

    @property
    def config_path(self) -> Path:
        return self.data_dir / "config.toml"

    def write_config(self) -> Path:
        """Write ``config.toml`` (mode 0600: it holds the sandbox's demo secret)."""
        config = {
            "profile": "sandbox",
            "data_dir": str(self.data_dir),
            "qbo": {
                "base_url": self.qbo_url,
                "auth_url": self.qbo_url + AUTHORIZE_PATH,
                "token_url": self.qbo_url + TOKEN_PATH,
                "revoke_url": self.qbo_url + REVOKE_PATH,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                # Port 0: `connect` listens on any free loopback port (RFC 8252 §7.3).
                "redirect_uri": "http://127.0.0.1:0/callback",
                "realm_id": self.realm_id,
                "time_scale": self.settings.value.time_scale,
            },
            "bms": {
                "base_url": self.bms_url,
                "tenant": self.bms_identity["tenant"],
                "username": self.bms_identity["username"],
                "password": self.bms_identity["password"],
                "external_tenant_id": self.realm_id,
                "time_scale": self.settings.value.time_scale,
            },
            "sync_map": {"account_links": dict(qbo_demo.ACCOUNT_LINKS)},
            # Not read by the toolkit: for scripts that change this run's settings over HTTP
            # (`lab` prints no JSON line); a new token each start.
            "sandbox": {"control_token": self.control_token.reveal()},
        }
        text = (
            "# Written by `python -m reconcile sandbox`: the toolkit's view of the local sandbox.\n"
        )
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text + tomli_w.dumps(config))
        os.chmod(self.config_path, 0o600)
        return self.config_path

    def stop(self) -> None:
        self.qbo_server.stop()
        self.bms_server.stop()
        self.store.close()


def _identity(store: Store) -> tuple[str, str, str]:
    """The demo app's client id/secret and the company's realm id, created on first start."""
    ident = store.kv_get("qbo_identity")
    if ident is None:
        ident = {
            "client_id": "ABsandbox" + secrets.token_hex(12),
            "client_secret": secrets.token_urlsafe(30),
            "realm_id": "9341" + "".join(secrets.choice("0123456789") for _ in range(12)),
        }
        store.kv_set("qbo_identity", ident)
    return ident["client_id"], ident["client_secret"], ident["realm_id"]


def _bms_identity(store: Store) -> dict:
    """The BMS tenant, API user and password, created on first start."""
    ident = store.kv_get("bms_identity")
    if ident is None:
        ident = {
            "tenant": bms_demo.TENANT,
            "username": "api.sync@harborpoint-it.example",
            "password": secrets.token_urlsafe(18),
        }
        store.kv_set("bms_identity", ident)
    return ident


BMS_SIZES = {
    "demo": bms_demo.DemoSizes(),
    "large": bms_demo.DemoSizes(accounts=10_000, services=25, invoices=100_000),
}


def seed_bms(data: BmsData, sizes: bms_demo.DemoSizes, today: date) -> dict:
    """Fill an empty tenant with the demo MSP generated as of ``today``; returns the API
    user's info."""
    demo = bms_demo.generate(sizes, today=today)
    with data.store.transaction():  # one transaction: seeding a large tenant takes seconds
        data.put_accounts(demo.accounts)
        data.put_gl(demo.gl_accounts, bms_demo.GL_TYPES)
        data.put_services(demo.services)
        data.put_tax_items(demo.tax_items)
        data.put_invoices(demo.invoices)
    return demo.user


def is_sandbox_dir(folder: Path) -> bool:
    """True when ``folder`` is a sandbox's data directory: it holds the :data:`MARKER`, or it
    is an earlier version's (a ``sandbox.sqlite`` that is an SQLite database)."""
    if (folder / MARKER).is_file():
        return True
    legacy = folder / LEGACY_STORE
    if not legacy.is_file() or legacy.is_symlink():
        return False
    with legacy.open("rb") as fh:
        return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def prepare_data_dir(data_dir: str | Path, *, reset: bool = False) -> Path:
    """The sandbox's data directory, ready to use (mode 0700, marked); returns its resolved path.

    A new or empty folder is created or used; a folder that is the sandbox's
    (:func:`is_sandbox_dir`) is used, or with ``reset`` deleted and made anew. Anything else —
    a file, or a folder holding other things — raises :class:`DataDirError` before anything
    is deleted, written or chmod'ed: ``--data-dir ~/Documents --reset`` must not wipe it."""
    folder = Path(data_dir).expanduser().resolve()
    try:
        if folder.exists():
            if not folder.is_dir():
                raise DataDirError(
                    f"{folder} is not a folder: --data-dir needs a new, empty or sandbox folder"
                )
            empty = next(folder.iterdir(), None) is None
            if not empty and not is_sandbox_dir(folder):
                action = "reset (delete)" if reset else "use"
                raise DataDirError(
                    f"refusing to {action} {folder}: it holds files and is not a sandbox data "
                    f"directory (no {MARKER} file); choose a new or empty folder for --data-dir"
                )
            if reset and not empty:
                shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)  # it will hold the demo secret and tokens
        marker = folder / MARKER
        if not marker.is_file():
            marker.write_text(MARKER_TEXT)
    except OSError as exc:  # unreadable, not ours to chmod, a file in the way…
        raise DataDirError(f"cannot use {folder} as the sandbox's data directory: {exc}") from exc
    return folder


def start_sandbox(
    data_dir: str | Path,
    *,
    qbo_port: int = 0,
    bms_port: int = 0,
    reset: bool = False,
    time_scale: float | None = None,
    limits: bool | None = None,
    bms_size: str = "demo",
    host: str = "127.0.0.1",
    today: date | None = None,
    company_profile: str | None = None,
) -> Sandbox:
    """Start the QBO and BMS sandbox servers on loopback (port 0 = any free port) and write
    config.toml. ``bms_size`` "large" generates 10,000 accounts and 100,000 invoices.

    ``today`` is the day a new demo company is generated for and the company's current date
    (QuickBooks' default TxnDate); by default :func:`reconcile.clock.today`, read on every
    use. The demo of an existing data directory keeps the day it was generated for.
    ``company_profile`` sets the QuickBooks company's Preferences (``company_profiles``).

    ``data_dir`` must be new, empty or the sandbox's own (:func:`prepare_data_dir`); ``reset``
    deletes it first only then. Raises :class:`DataDirError` otherwise, touching nothing."""
    data_dir = prepare_data_dir(data_dir, reset=reset)
    store = Store(data_dir / "sandbox.sqlite")
    settings = SettingsBox(
        store, time_scale=time_scale, limits=limits, company_profile=company_profile
    )
    client_id, client_secret, realm = _identity(store)
    store.kv_set("qbo_company_name", qbo_demo.COMPANY["CompanyName"])
    oauth = OAuthProvider(store, settings, client_id, client_secret, realm)
    # One token per run, shared by both servers; never stored in sandbox.sqlite or settings.
    control_token = Secret(secrets.token_urlsafe(32))
    control = ControlGuard(control_token)
    app = QboApp(
        store,
        settings,
        oauth,
        realm,
        clock.today if today is None else lambda: today,
        control=control,
    )
    if not store.all(realm, "CompanyInfo"):
        with store.transaction():
            qbo_demo.seed(
                lambda entity, body: app.write(realm, entity, "create", body, {}),
                lambda entity, doc: store.put(
                    realm, entity, {"domain": "QBO", "sparse": False, **doc}
                ),
            )
    app.apply_profile()
    bms_data = BmsData(store)
    identity = _bms_identity(store)
    if bms_data.empty():
        demo_date = today or clock.today()
        store.kv_set("bms_user", seed_bms(bms_data, BMS_SIZES[bms_size], demo_date))
        store.kv_set("demo_date", demo_date.isoformat())
    bms = BmsApp(
        bms_data, settings, {**identity, "user": store.kv_get("bms_user")}, control=control
    )
    server = Server(app, host, qbo_port).start()
    bms_server = Server(bms, host, bms_port).start()
    sandbox = Sandbox(
        data_dir,
        store,
        settings,
        app,
        server,
        client_id,
        client_secret,
        realm,
        bms,
        bms_server,
        control_token,
    )
    sandbox.write_config()
    return sandbox
