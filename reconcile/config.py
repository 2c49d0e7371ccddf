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
# Kaseya BMS API v2 regional hosts (reference/bms-api-and-peers.md §1.1). The Vorex host is
# inconsistent in Kaseya's own doc; the API host listed there is used.
BMS_REGIONS = {
    "us": "https://api.bms.kaseya.com",
    "emea": "https://api.bmsemea.kaseya.com",
    "apac": "https://api.bmsapac.kaseya.com",
    "vorex": "https://api.vorexlogin.com",
}
BMS_KEYS = (
    "region",
    "base_url",
    "tenant",
    "username",
    "password",
    "mfa_code",
    "external_tenant_id",
    "time_scale",
    "page_size",
)
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
class BmsSettings:
    """Kaseya BMS side: API host, tenant (company name), user; the password is a Secret
    that may be empty here and is then asked of the keyring or the person (never a cell)."""

    base_url: str
    tenant: str
    username: str
    password: Secret = field(repr=False)
    mfa_code: Secret = field(repr=False, default_factory=lambda: Secret(""))
    # ExternalTenantId of the /v2/integration/qbd/* calls: the QuickBooks company id.
    external_tenant_id: str = ""
    time_scale: float = 1.0
    page_size: int = 500

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.tenant and self.username)

    def check(self) -> None:
        """Raise ConfigError when BMS cannot be reached with these settings."""
        missing = [k for k in ("base_url", "tenant", "username") if not getattr(self, k)]
        if missing:
            raise ConfigError(
                f"bms.{', bms.'.join(missing)} not set: add a [bms] section (region or "
                "base_url, tenant, username) to the config file"
            )
        require_secure(self.base_url, "bms.base_url")
        if not 1 <= self.page_size <= 1000:
            raise ConfigError(f"bms.page_size must be 1..1000, got {self.page_size}")


@dataclass(frozen=True)
class Config:
    """The loaded configuration: profile, where it came from, and each system's settings."""

    profile: str
    path: Path | None
    data_dir: Path
    qbo: QboSettings
    bms: BmsSettings = field(default_factory=lambda: BmsSettings("", "", "", Secret("")))
    # The [sync_map] table as written: options and per-entity overrides of the Sync Map
    # (read by reconcile.mapping.configured).
    sync_map: dict = field(default_factory=dict)
    # The [bms_assumptions] table as written (read by reconcile.bms.assumptions.from_table).
    bms_assumptions: dict = field(default_factory=dict)

    def describe(self) -> dict:
        """A secret-free summary for status screens and logs."""
        return {
            "profile": self.profile,
            "config_file": str(self.path) if self.path else None,
            "data_dir": str(self.data_dir),
            "qbo_base_url": self.qbo.base_url,
            "qbo_realm_id": self.qbo.realm_id,
            "qbo_client_id": self.qbo.client_id,
            "bms_base_url": self.bms.base_url,
            "bms_tenant": self.bms.tenant,
            "bms_username": self.bms.username,
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
    except IsADirectoryError:
        raise ConfigError(
            f"{path} is a folder, not a config file (RECONCILE_CONFIG or "
            "--config must name the file, e.g. config.toml)"
        ) from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8 (TOML 1.0 "Spec")
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None


def _env_overrides(section: str, keys: tuple[str, ...]) -> dict:
    prefix = f"RECONCILE_{section.upper()}_"
    return {k: os.environ[prefix + k.upper()] for k in keys if prefix + k.upper() in os.environ}


def _check_private(path: Path, raw: dict) -> None:
    """A secret kept in a config file is only accepted when nobody else can read the file."""
    for section, key in (("qbo", "client_secret"), ("bms", "password")):
        if raw.get(section, {}).get(key) and path.exists():
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                env = f"RECONCILE_{section.upper()}_{key.upper()}"
                raise ConfigError(
                    f"{path} holds {section}.{key} but is readable by others (mode "
                    f"{mode:04o}): run `chmod 600 {path}` or move the secret to {env}"
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

    qbo_raw = _section(path, raw, "qbo", QBO_KEYS)
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
    bms = _bms_settings(path, raw, profile, qbo.realm_id)
    return Config(
        profile=profile,
        path=path if path.exists() else None,
        data_dir=data_dir,
        qbo=qbo,
        bms=bms,
        sync_map=dict(raw.get("sync_map", {})),
        bms_assumptions=dict(raw.get("bms_assumptions", {})),
    )


def _section(path: Path, raw: dict, name: str, keys: tuple[str, ...]) -> dict:
    """One ``[name]`` table of the file, unknown keys refused, env overrides applied."""
    unknown = set(raw.get(name, {})) - set(keys)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) in [{name}]: {', '.join(sorted(unknown))}")
    return {**raw.get(name, {}), **_env_overrides(name, keys)}


def _bms_settings(path: Path, raw: dict, profile: str, realm_id: str | None) -> BmsSettings:
    values = _section(path, raw, "bms", BMS_KEYS)
    base_url = str(values.get("base_url", "")).rstrip("/")
    region = str(values.get("region", "")).lower()
    if region:
        if region not in BMS_REGIONS:
            raise ConfigError(f"{path}: bms.region {region!r} is not one of {sorted(BMS_REGIONS)}")
        base_url = base_url or BMS_REGIONS[region]
    try:
        bms = BmsSettings(
            base_url=base_url,
            tenant=str(values.get("tenant", "")),
            username=str(values.get("username", "")),
            password=Secret(values.get("password")),
            mfa_code=Secret(values.get("mfa_code")),
            external_tenant_id=str(values.get("external_tenant_id") or realm_id or ""),
            time_scale=float(values.get("time_scale", 1.0)),
            page_size=int(values.get("page_size", 500)),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: bad value in [bms]: {exc}") from exc
    if profile != "sandbox" and bms.time_scale != 1.0:
        raise ConfigError("bms.time_scale is a sandbox setting; real BMS runs at 1.0")
    return bms
