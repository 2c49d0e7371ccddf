"""OAuth 2.0 with QuickBooks Online (authorization code grant), on requests-oauthlib.

Facts from reference/qbo-api.md §1: the callback carries ``code``, ``state`` and ``realmId``;
codes are single-use; token requests use HTTP Basic client auth; access tokens last 3600 s;
the refresh token rotates on every refresh (save the new one before using it); a stale or
revoked refresh token answers ``invalid_grant``.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import requests
from oauthlib.oauth2 import InvalidGrantError, OAuth2Error
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from reconcile.config import QboSettings
from reconcile.errors import ReconcileError
from reconcile.qbo.tokens import TokenSet, TokenStore

TIMEOUT = (10, 130)  # connect, read: QBO ends requests that run longer than 120 s (§6)


class OAuthError(ReconcileError):
    """The OAuth flow failed (denied consent, bad client, unexpected answer)."""


class StateMismatchError(OAuthError):
    """The callback's ``state`` is not the one this flow sent: possible forgery, refused."""


class DisconnectedError(OAuthError):
    """No usable tokens: the company must be (re)connected with ``python -m reconcile connect``."""


@dataclass(frozen=True)
class AuthRequest:
    """An authorization URL to open, the ``state`` the callback must echo, and the redirect
    URI it was made for (the code exchange must repeat it exactly)."""

    url: str
    state: str
    redirect_uri: str


@dataclass(frozen=True)
class Callback:
    """What the redirect brought back."""

    code: str
    state: str
    realm_id: str


def parse_callback(url: str, expected_state: str) -> Callback:
    """Read ``code``/``state``/``realmId`` from the redirected URL, refusing a wrong state."""
    query = parse_qs(urlsplit(url.strip()).query)
    one = {k: v[0] for k, v in query.items()}
    if one.get("state") != expected_state:
        raise StateMismatchError(
            "the callback's state does not match the one this connection started with; "
            "it may come from another attempt or a forged link. Start `connect` again."
        )
    if "error" in one:
        raise OAuthError(f"QuickBooks refused the connection: {one['error']}")
    missing = [k for k in ("code", "realmId") if not one.get(k)]
    if missing:
        raise OAuthError(f"the callback URL lacks {', '.join(missing)}: paste the whole URL")
    return Callback(code=one["code"], state=one["state"], realm_id=one["realmId"])


class QboAuth:
    """Obtains, stores, refreshes and revokes the tokens of one QuickBooks company."""

    def __init__(self, settings: QboSettings, store: TokenStore | None = None) -> None:
        settings.check()
        self.settings = settings
        self.store = store or TokenStore(settings.token_file)
        self._tokens: TokenSet | None = None
        if settings.all_loopback:
            # oauthlib refuses http unless told otherwise; settings.check() has already
            # refused plain http to anything but loopback, so this only opens the local sandbox.
            os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

    def __repr__(self) -> str:
        return f"QboAuth(client_id={self.settings.client_id!r}, store={self.store!r})"

    def _basic(self) -> HTTPBasicAuth:
        return HTTPBasicAuth(self.settings.client_id, self.settings.client_secret.reveal())

    def authorization_request(self, redirect_uri: str | None = None) -> AuthRequest:
        """The consent URL with a fresh random ``state`` (``redirect_uri`` overrides config,
        e.g. with the port a loopback listener actually got)."""
        redirect_uri = redirect_uri or self.settings.redirect_uri
        session = OAuth2Session(
            self.settings.client_id, redirect_uri=redirect_uri, scope=self.settings.scope.split()
        )
        url, state = session.authorization_url(
            self.settings.auth_url, state=secrets.token_urlsafe(24)
        )
        return AuthRequest(url=url, state=state, redirect_uri=redirect_uri)

    def complete(self, callback_url: str, request: AuthRequest) -> TokenSet:
        """Finish the flow from the redirected URL: check state, exchange the code, save."""
        cb = parse_callback(callback_url, request.state)
        session = OAuth2Session(self.settings.client_id, redirect_uri=request.redirect_uri)
        body = self._token_call(
            session.fetch_token,
            self.settings.token_url,
            code=cb.code,
            auth=self._basic(),
            include_client_id=False,
        )
        tokens = TokenSet.from_response(body, cb.realm_id)
        with self.store.lock():
            self.store.save(tokens)
        self._tokens = tokens
        return tokens

    def _token_call(self, method, url: str, **kwargs) -> dict:
        try:
            return dict(method(url, timeout=TIMEOUT, **kwargs))
        except InvalidGrantError as exc:
            raise DisconnectedError(
                f"QuickBooks answered invalid_grant ({exc.description or 'token not valid'}): "
                "the connection is gone; run `python -m reconcile connect` again"
            ) from None
        except OAuth2Error as exc:
            raise OAuthError(f"token endpoint answered {exc.error}: {exc.description}") from None
        except requests.RequestException as exc:
            raise OAuthError(f"cannot reach the token endpoint {url}: {exc}") from None

    def tokens(self) -> TokenSet:
        """Tokens with a live access token, refreshing first when it has expired."""
        tokens = self._tokens or self.store.load()
        if tokens is None:
            raise DisconnectedError(self._not_connected_message())
        if tokens.expired():
            tokens = self.refresh(tokens)
        self._tokens = tokens
        return tokens

    def _not_connected_message(self) -> str:
        reason = self.store.problem() or self.store.disconnect_reason()
        why = f" ({reason})" if reason else ""
        return f"QuickBooks is not connected{why}: run `python -m reconcile connect`"

    def refresh(self, seen: TokenSet | None = None) -> TokenSet:
        """Rotate the tokens. ``seen`` is what the caller used: if another process already
        rotated past it, its fresh tokens are taken instead of refreshing again."""
        with self.store.lock():
            current = self.store.load()
            if current is None:
                raise DisconnectedError(self._not_connected_message())
            rotated_elsewhere = seen is not None and current.refresh_token != seen.refresh_token
            if rotated_elsewhere and not current.expired():
                self._tokens = current
                return current
            session = OAuth2Session(self.settings.client_id)
            try:
                body = self._token_call(
                    session.refresh_token,
                    self.settings.token_url,
                    refresh_token=current.refresh_token.reveal(),
                    auth=self._basic(),
                )
            except DisconnectedError as exc:
                self.store.mark_disconnected(str(exc))
                self._tokens = None
                raise
            tokens = TokenSet.from_response(body, current.realm_id)
            # Saved before anyone uses it: the old refresh token is now stale (§1).
            self.store.save(tokens)
            self._tokens = tokens
            return tokens

    def revoke(self) -> bool:
        """Disconnect: revoke the refresh token at Intuit and forget it here.

        Returns True when the server confirmed; the local tokens are removed either way."""
        tokens = self.store.load()
        ok = False
        if tokens is not None:
            try:
                resp = requests.post(
                    self.settings.revoke_url,
                    data=json.dumps({"token": tokens.refresh_token.reveal()}),
                    headers={"Content-Type": "application/json", "Accept": "application/json"},
                    auth=self._basic(),
                    timeout=TIMEOUT,
                )
                ok = resp.status_code == 200
            except requests.RequestException:
                ok = False
        with self.store.lock():
            self.store.clear()
        self._tokens = None
        return ok

    def status(self) -> dict:
        """Connection state for people: connected or why not, company, expiry times (no secrets)."""
        tokens = self.store.load()
        if tokens is None:
            return {
                "connected": False,
                "realm_id": None,
                "reason": self.store.problem()
                or self.store.disconnect_reason()
                or "never connected",
            }
        now = time.time()
        return {
            "connected": True,
            "realm_id": tokens.realm_id,
            "access_token_expires_in_s": round(tokens.expires_at - now),
            "refresh_token_expires_in_days": (
                round((tokens.refresh_expires_at - now) / 86400, 1)
                if tokens.refresh_expires_at
                else None
            ),
        }
