"""Signing in to Kaseya BMS API v2 and keeping the session alive.

``POST /v2/security/authenticate`` takes form fields (GrantType, UserName, Password, Tenant,
MFACode) and answers ``{AccessToken, RefreshToken, AccessTokenExpireOn,
RefreshTokenExpireOn}``; ``POST /v2/security/refreshtoken`` takes AccessToken and
RefreshToken (reference §1.2). Lifetimes are not published, so the expiry times the server
sends are what counts. Tokens stay in memory only.
"""

from __future__ import annotations

import getpass
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import requests

from reconcile.bms.envelope import parse_envelope, response_schema_for
from reconcile.bms.errors import BmsAuthError, BmsConnectionError
from reconcile.config import BmsSettings
from reconcile.errors import ConfigError
from reconcile.secret import Secret

TIMEOUT = (10, 120)
KEYRING_SERVICE = "reconcile-bms"
REFRESH_MARGIN = 60.0  # refresh this many seconds before the access token expires


def keyring_user(settings: BmsSettings) -> str:
    """The keyring entry name for a BMS login: ``tenant/username``."""
    return f"{settings.tenant}/{settings.username}"


def _epoch(text: str | None) -> float:
    if not text:
        return 0.0
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is None:  # BMS may send local times without an offset; assume UTC
        return stamp.replace(tzinfo=datetime.now().astimezone().tzinfo).timestamp()
    return stamp.timestamp()


@dataclass
class BmsSession:
    """The tokens of one sign-in (kept in memory, hidden from reprs)."""

    access_token: Secret = field(repr=False)
    refresh_token: Secret = field(repr=False)
    access_expires_at: float
    refresh_expires_at: float

    def usable(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) < self.access_expires_at - REFRESH_MARGIN

    def refreshable(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return bool(self.refresh_token) and now < self.refresh_expires_at - REFRESH_MARGIN


def default_password_source(settings: BmsSettings, prompt: bool = True) -> str:
    """The BMS password: config/environment, else the keyring, else ask the person."""
    if settings.password:
        return settings.password.reveal()
    try:
        import keyring

        stored = keyring.get_password(KEYRING_SERVICE, keyring_user(settings))
    except Exception:  # no keyring backend on this machine: fall through to the prompt
        stored = None
    if stored:
        return stored
    missing = ConfigError(
        "no BMS password: set RECONCILE_BMS_PASSWORD, or store it with "
        f"`keyring set {KEYRING_SERVICE} {keyring_user(settings)}`"
    )
    if not prompt:
        raise missing
    try:
        return getpass.getpass(f"Kaseya BMS password for {settings.username} ({settings.tenant}): ")
    except Exception as exc:  # no terminal / papermill run: cannot ask
        raise missing from exc


class BmsAuth:
    """Signs in, refreshes before expiry, and signs in again when the refresh fails."""

    def __init__(
        self,
        settings: BmsSettings,
        http: requests.Session | None = None,
        password_source: Callable[[BmsSettings], str] = default_password_source,
    ) -> None:
        settings.check()
        self.settings = settings
        self.http = http or requests.Session()
        self.password_source = password_source
        self.session: BmsSession | None = None
        self._lock = threading.Lock()
        self.sign_ins = 0
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"BmsAuth(tenant={self.settings.tenant!r}, user={self.settings.username!r})"

    def token(self) -> str:
        """A live access token: cached, refreshed, or from a new sign-in."""
        with self._lock:
            if self.session is None or not self.session.usable():
                self._renew(self.session)
            return self.session.access_token.reveal()

    def renew(self, stale_token: str | None = None) -> None:
        """After a 401: refresh (or sign in again) unless another thread already did."""
        with self._lock:
            if self.session and stale_token and self.session.access_token.reveal() != stale_token:
                return
            self._renew(self.session)

    def _renew(self, current: BmsSession | None) -> None:
        if current is not None and current.refreshable():
            try:
                self.session = self._refresh(current)
                self.refreshes += 1
                return
            except BmsAuthError:
                pass  # refresh refused: sign in from scratch
        self.session = self._sign_in()
        self.sign_ins += 1

    def _post(self, path: str, fields: dict[str, str]) -> BmsSession:
        url = f"{self.settings.base_url}{path}"
        try:
            # The document declares multipart/form-data for both calls (reference §1.2).
            resp = self.http.post(
                url, files={k: (None, v) for k, v in fields.items()}, timeout=TIMEOUT
            )
        except requests.RequestException as exc:
            raise BmsConnectionError(f"cannot reach {url}: {exc}", endpoint=path) from None
        try:
            envelope = parse_envelope(resp.json(), response_schema_for("POST", path))
        except ValueError:
            raise BmsAuthError(
                f"unexpected answer ({resp.text[:200]!r})", status=resp.status_code, endpoint=path
            ) from None
        if resp.status_code >= 400 or not envelope.success or not envelope.result:
            err = envelope.error or {}
            raise BmsAuthError(
                err.get("Message") or "sign-in refused",
                code=err.get("Code"),
                details=err.get("Details"),
                status=resp.status_code,
                endpoint=path,
            )
        r = envelope.result
        return BmsSession(
            access_token=Secret(r.get("AccessToken")),
            refresh_token=Secret(r.get("RefreshToken")),
            access_expires_at=_epoch(r.get("AccessTokenExpireOn")),
            refresh_expires_at=_epoch(r.get("RefreshTokenExpireOn")),
        )

    def _sign_in(self) -> BmsSession:
        fields = {
            "GrantType": "password",
            "UserName": self.settings.username,
            "Password": self.password_source(self.settings),
            "Tenant": self.settings.tenant,
        }
        if self.settings.mfa_code:
            fields["MFACode"] = self.settings.mfa_code.reveal()
        return self._post("/v2/security/authenticate", fields)

    def _refresh(self, current: BmsSession) -> BmsSession:
        return self._post(
            "/v2/security/refreshtoken",
            {
                "AccessToken": current.access_token.reveal(),
                "RefreshToken": current.refresh_token.reveal(),
            },
        )
