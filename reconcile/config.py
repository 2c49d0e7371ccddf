"""Configuration: a profile (which QuickBooks and BMS to talk to), read from a TOML file + env.

Profiles:
- ``sandbox`` (default): the local sandbox servers; their URLs and demo credentials are written
  by ``python -m reconcile sandbox`` into ``<data dir>/config.toml``.
- ``intuit-sandbox``: Intuit's developer sandbox companies.
- ``production``: a real QuickBooks Online company.

The file is the one named by ``RECONCILE_CONFIG``, else ``~/.config/reconcile/config.toml``.
Any ``[qbo]`` key can be overridden by ``RECONCILE_QBO_<KEY>`` (e.g.
``RECONCILE_QBO_CLIENT_SECRET``, the recommended home of the client secret outside the sandbox).
"""

from __future__ import annotations

import ipaddress
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from reconcile.errors import ConfigError
from reconcile.secret import Secret

PROFILES = ("sandbox", "intuit-sandbox", "production")
DEFAULT_CONFIG = Path("~/.config/reconcile/config.toml")

# Intuit's endpoints (reference/qbo-api.md §1 and §2): the OAuth endpoints are the same for the
# developer sandbox and production; the API hosts differ (wrong host -> 401 "Wrong Cluster").
INTUIT_OAUTH = {
    "auth_url": "https://appcenter.intuit.com/connect/oauth2",
    "token_url": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    "revoke_url": "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
}
INTUIT_API = {
    "intuit-sandbox": "https://sandbox-quickbooks.api.intuit.com",
    "production": "https://quickbooks.api.intuit.com",
}
QBO_KEYS = (
    "base_url",
    "auth_url",
    "token_url",
    "revoke_url",
    "client_id",
    "client_secret",
    "redirect_uri",
    "realm_id",
    "scope",
    "token_file",
    "time_scale",
    "minor_version",
)


def is_loopback(url: str) -> bool:
    """True when the URL's host is this machine (127.0.0.0/8, ::1 or localhost)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name such as 127.evil.example is not an address
        return False


def require_secure(url: str, what: str) -> None:
    """Refuse plain http except to loopback: tokens must never cross a network in clear."""
    scheme = urlsplit(url).scheme
    if scheme == "https" or (scheme == "http" and is_loopback(url)):
        return
    raise ConfigError(f"{what} {url!r} must use https (plain http is allowed only to loopback)")


@dataclass(frozen=True)
class QboSettings:
    """Everything the QuickBooks side needs: endpoints, app credentials, company, token file."""

    base_url: str
    auth_url: str
    token_url: str
    revoke_url: str
    client_id: str
    client_secret: Secret = field(repr=False)
    redirect_uri: str
    realm_id: str | None
    token_file: Path
    scope: str = "com.intuit.quickbooks.accounting"
    # The sandbox can run a "minute" faster than 60 s; the client's limiter follows the same clock.
    time_scale: float = 1.0
    # Since 2025-08-01 every request behaves as minor version 75 (reference §2).
    minor_version: int = 75

    def check(self) -> None:
        """Raise ConfigError when a required value is missing or an URL is insecure."""
        for name in ("base_url", "auth_url", "token_url", "revoke_url", "redirect_uri"):
            value = getattr(self, name)
            if not value:
                raise ConfigError(f"qbo.{name} is not set")
            if name != "redirect_uri":
                require_secure(value, f"qbo.{name}")
        if not self.client_id:
            raise ConfigError("qbo.client_id is not set (config file or RECONCILE_QBO_CLIENT_ID)")
        if not self.client_secret:
            raise ConfigError(
                "qbo.client_secret is not set: export RECONCILE_QBO_CLIENT_SECRET "
                "(never put it in a notebook)"
            )
        if self.time_scale <= 0:
            raise ConfigError(f"qbo.time_scale must be > 0, got {self.time_scale}")

    @property
    def all_loopback(self) -> bool:
        """True when every endpoint is on this machine (the local sandbox)."""
        urls = (self.base_url, self.auth_url, self.token_url, self.revoke_url)
        return all(is_loopback(u) for u in urls)


@dataclass(frozen=True)
class Config:
    """The loaded configuration: profile, where it came from, and each system's settings."""

    profile: str
    path: Path | None
    data_dir: Path
    qbo: QboSettings

    def describe(self) -> dict:
        """A secret-free summary for status screens and logs."""
        return {
            "profile": self.profile,
            "config_file": str(self.path) if self.path else None,
            "data_dir": str(self.data_dir),
            "qbo_base_url": self.qbo.base_url,
            "qbo_realm_id": self.qbo.realm_id,
            "qbo_client_id": self.qbo.client_id,
        }


def config_path() -> Path:
    """The config file this process uses: ``$RECONCILE_CONFIG`` or the per-user default."""
    named = os.environ.get("RECONCILE_CONFIG")
    return Path(named).expanduser() if named else DEFAULT_CONFIG.expanduser()


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _env_overrides(section: str, keys: tuple[str, ...]) -> dict:
    prefix = f"RECONCILE_{section.upper()}_"
    return {k: os.environ[prefix + k.upper()] for k in keys if prefix + k.upper() in os.environ}


def _check_private(path: Path, raw: dict) -> None:
    """A secret kept in a config file is only accepted when nobody else can read the file."""
    if raw.get("qbo", {}).get("client_secret") and path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(
                f"{path} holds qbo.client_secret but is readable by others (mode {mode:04o}): "
                f"run `chmod 600 {path}` or move the secret to RECONCILE_QBO_CLIENT_SECRET"
            )


def load_config(path: str | Path | None = None) -> Config:
    """Read the config file (``RECONCILE_CONFIG`` when set) and the environment into a Config."""
    path = Path(path).expanduser() if path else config_path()
    raw = _read_toml(path)
    _check_private(path, raw)
    profile = os.environ.get("RECONCILE_PROFILE") or raw.get("profile") or "sandbox"
    if profile not in PROFILES:
        raise ConfigError(f"{path}: unknown profile {profile!r}; choose one of {PROFILES}")
    base_dir = path.parent if path.exists() else Path("~/.local/share/reconcile").expanduser()
    data_dir = Path(raw.get("data_dir", base_dir)).expanduser()
    if not data_dir.is_absolute():
        data_dir = (path.parent / data_dir).resolve()

    qbo_raw = {**raw.get("qbo", {}), **_env_overrides("qbo", QBO_KEYS)}
    unknown = set(raw.get("qbo", {})) - set(QBO_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) in [qbo]: {', '.join(sorted(unknown))}")
    defaults: dict = {}
    if profile in INTUIT_API:
        defaults = {**INTUIT_OAUTH, "base_url": INTUIT_API[profile]}
    elif not path.exists():
        raise ConfigError(
            f"no configuration at {path}: start the local sandbox with "
            "`python -m reconcile sandbox` (it writes a config.toml) and point RECONCILE_CONFIG "
            "at it, or write a config for another profile (see README)"
        )
    values = {**defaults, **qbo_raw}
    token_file = Path(values.get("token_file") or data_dir / f"qbo-tokens-{profile}.json")
    try:
        qbo = QboSettings(
            base_url=str(values.get("base_url", "")).rstrip("/"),
            auth_url=str(values.get("auth_url", "")),
            token_url=str(values.get("token_url", "")),
            revoke_url=str(values.get("revoke_url", "")),
            client_id=str(values.get("client_id", "")),
            client_secret=Secret(values.get("client_secret")),
            redirect_uri=str(values.get("redirect_uri", "http://127.0.0.1:8765/callback")),
            realm_id=str(values["realm_id"]) if values.get("realm_id") else None,
            token_file=token_file.expanduser(),
            scope=str(values.get("scope", "com.intuit.quickbooks.accounting")),
            time_scale=float(values.get("time_scale", 1.0)),
            minor_version=int(values.get("minor_version", 75)),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: bad value in [qbo]: {exc}") from exc
    if profile != "sandbox" and qbo.time_scale != 1.0:
        raise ConfigError("qbo.time_scale is a sandbox setting; real QuickBooks runs at 1.0")
    return Config(profile=profile, path=path if path.exists() else None, data_dir=data_dir, qbo=qbo)
