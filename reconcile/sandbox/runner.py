"""Start the local sandbox servers and describe them (the ``python -m reconcile sandbox`` contract).

Everything lives in one data directory: ``qbo.sqlite`` (the company, tokens, settings) and
``config.toml``, which points the toolkit at these servers (use it as ``RECONCILE_CONFIG``).
The demo app's client secret is generated on first start and kept only there and in the
SQLite file — never in the repository.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from reconcile.sandbox import qbo_demo
from reconcile.sandbox.http import Server
from reconcile.sandbox.oauth import AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH, OAuthProvider
from reconcile.sandbox.qbo_app import QboApp
from reconcile.sandbox.settings import SettingsBox
from reconcile.sandbox.store import Store


@dataclass
class Sandbox:
    """Running sandbox servers and what a client needs to reach them."""

    data_dir: Path
    store: Store
    settings: SettingsBox
    qbo_app: QboApp
    qbo_server: Server
    client_id: str
    client_secret: str
    realm_id: str

    @property
    def qbo_url(self) -> str:
        return self.qbo_server.url

    def info(self) -> dict:
        """The one JSON line printed at start: URLs, demo credentials, realm, config path."""
        return {
            "qbo_base_url": self.qbo_url,
            "qbo_authorize_url": self.qbo_url + AUTHORIZE_PATH,
            "qbo_token_url": self.qbo_url + TOKEN_PATH,
            "qbo_revoke_url": self.qbo_url + REVOKE_PATH,
            "qbo_client_id": self.client_id,
            "qbo_client_secret": self.client_secret,
            "qbo_realm_id": self.realm_id,
            "time_scale": self.settings.value.time_scale,
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


def start_sandbox(
    data_dir: str | Path,
    *,
    qbo_port: int = 0,
    bms_port: int | None = None,
    reset: bool = False,
    time_scale: float | None = None,
    limits: bool | None = None,
    host: str = "127.0.0.1",
) -> Sandbox:
    """Start the sandbox servers on loopback (port 0 = any free port) and write config.toml.

    ``bms_port`` is accepted for the BMS server (next issue) and ignored until it exists."""
    del bms_port
    data_dir = Path(data_dir).expanduser().resolve()
    if reset and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    store = Store(data_dir / "qbo.sqlite")
    settings = SettingsBox(store, time_scale=time_scale, limits=limits)
    client_id, client_secret, realm = _identity(store)
    store.kv_set("qbo_company_name", qbo_demo.COMPANY["CompanyName"])
    oauth = OAuthProvider(store, settings, client_id, client_secret, realm)
    app = QboApp(store, settings, oauth, realm)
    if not store.all(realm, "CompanyInfo"):
        with store.transaction():
            qbo_demo.seed(
                lambda entity, body: app.write(realm, entity, "create", body, {}),
                lambda entity, doc: store.put(realm, entity, {"domain": "QBO", **doc}),
            )
    server = Server(app, host, qbo_port).start()
    sandbox = Sandbox(data_dir, store, settings, app, server, client_id, client_secret, realm)
    sandbox.write_config()
    return sandbox
