"""The sandbox's OAuth 2.0 authorization server, behaving like Intuit's (reference §1).

- ``GET  /connect/oauth2``: consent page (HTML) with an Authorize button.
- ``POST /connect/oauth2``: the form; ``consent=allow`` → 302 to the redirect URI with
  ``code``, ``state`` and ``realmId``; otherwise ``error=access_denied``.
- ``POST /oauth2/v1/tokens/bearer``: code exchange and refresh, HTTP Basic client auth;
  single-use codes (a reused code also kills the tokens it produced), rotating refresh tokens.
- ``POST /v2/oauth2/tokens/revoke``: revoke a grant.

Redirect URIs: the demo app accepts ``http://127.0.0.1/callback`` and ``http://localhost/callback``
on any port, as RFC 8252 §7.3 asks of loopback redirects for native apps, and Intuit's OAuth
Playground page (for the paste flow). A redirect URI may carry a query, which is kept, but no
fragment, and only the characters a URI may hold (:func:`redirect_uri_problem`).
"""

from __future__ import annotations

import base64
import html
import secrets
import time
from urllib.parse import urlencode, urlsplit, urlunsplit

from reconcile.sandbox.http import Request, Response
from reconcile.sandbox.settings import SettingsBox
from reconcile.sandbox.store import Store

AUTHORIZE_PATH = "/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
# OpenID discovery documents, at Intuit's paths (reference §1: developer.intuit.com
# /.well-known/openid_sandbox_configuration/ and …/openid_configuration/), read by intuit-oauth
# and other clients to find the endpoints. Userinfo and JWKS are named as Intuit names them but
# not served: the sandbox issues no id_token.
DISCOVERY_PATHS = (
    "/.well-known/openid_sandbox_configuration",
    "/.well-known/openid_configuration",
)
SCOPES = {
    "com.intuit.quickbooks.accounting",
    "com.intuit.quickbooks.payment",
    "openid",
    "profile",
    "email",
    "phone",
    "address",
}
# Intuit's OAuth 2.0 Playground page: a redirect URI people register when they cannot host
# one; the browser ends there and the person pastes its address (the "paste" flow).
PLAYGROUND_REDIRECT = "https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl"


def redirect_uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be a redirection endpoint whatever is registered, else None.

    - Only printable US-ASCII without space: a URI holds nothing else (RFC 3986 §2, non-ASCII
      percent-encoded). A CR or LF would otherwise end the ``Location`` header and start
      another (response splitting); ``urlsplit`` silently drops CR, LF and tab, so the raw
      string is checked, not its parts.
    - No fragment: "The endpoint URI MUST NOT include a fragment component" (RFC 6749 §3.1.2).
    """
    if any(not 0x21 <= ord(ch) <= 0x7E for ch in uri):
        return (
            "redirect_uri holds a control character, a space or a non-ASCII character: "
            "not a URI (RFC 3986 §2)."
        )
    if "#" in uri:
        return "redirect_uri must not include a fragment (RFC 6749 §3.1.2)."
    return None


def redirect_with(uri: str, params: dict[str, str]) -> str:
    """``uri`` with ``params`` added to its query, which is kept as it was (RFC 6749 §3.1.2:
    the query component "MUST be retained when adding additional query parameters")."""
    parts = urlsplit(uri)
    extra = urlencode(params)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query, fragment=""))


def _json_error(error: str, status: int = 400, description: str = "") -> Response:
    body = {"error": error, **({"error_description": description} if description else {})}
    return Response.json(body, status=status, headers={"intuit_tid": secrets.token_hex(8)})


def discovery_document(base: str) -> dict:
    """The discovery document of the server at ``base``: the keys Intuit's has (reference §1)."""
    return {
        "issuer": f"{base}/op/v1",
        "authorization_endpoint": base + AUTHORIZE_PATH,
        "token_endpoint": base + TOKEN_PATH,
        "revocation_endpoint": base + REVOKE_PATH,
        "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
        "jwks_uri": f"{base}/op/v1/jwks",
        "response_types_supported": ["code"],
        "scopes_supported": sorted(
            SCOPES - {"com.intuit.quickbooks.accounting", "com.intuit.quickbooks.payment"}
        ),
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }


class OAuthProvider:
    """Issues and checks the demo app's codes and tokens for one sandbox company."""

    def __init__(
        self, store: Store, settings: SettingsBox, client_id: str, secret: str, realm: str
    ):
        self.store = store
        self.settings = settings
        self.client_id = client_id
        self.client_secret = secret
        self.realm = realm

    # -- checks used by the API -------------------------------------------------------------

    def access_token_realm(self, token: str) -> tuple[str | None, str]:
        """(realm, "") for a live access token, else (None, why) — the 401 detail."""
        rows = self.store.execute(
            "SELECT realm, expires_at, revoked FROM oauth_tokens WHERE token=? AND kind='access'",
            (token,),
        )
        if not rows:
            return None, "Malformed bearer token"
        realm, expires_at, revoked = rows[0]
        if revoked:
            return None, "Token revoked"
        if time.time() >= expires_at:
            return None, f"Token expired: {token[:6]}..."
        return realm, ""

    def expire_access_tokens(self) -> int:
        """Make every live access token expire now (tests of 401 → refresh → replay)."""
        with self.store.transaction():
            n = self.store.execute("SELECT COUNT(*) FROM oauth_tokens WHERE kind='access'")[0][0]
            self.store.execute(
                "UPDATE oauth_tokens SET expires_at=? WHERE kind='access'", (time.time() - 1,)
            )
            return n

    # -- routing ------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response | None:
        """Answer an OAuth request, or None when the path is not an OAuth one."""
        if request.path == AUTHORIZE_PATH and request.method == "GET":
            return self._consent_page(request.query)
        if request.path == AUTHORIZE_PATH and request.method == "POST":
            return self._consent(request.form())
        if request.path == TOKEN_PATH and request.method == "POST":
            return self._token(request)
        if request.path == REVOKE_PATH and request.method == "POST":
            return self._revoke(request)
        if request.path.rstrip("/") in DISCOVERY_PATHS and request.method == "GET":
            return Response.json(discovery_document(f"http://{request.headers.get('Host')}"))
        return None

    def _redirect_ok(self, uri: str) -> bool:
        if uri == PLAYGROUND_REDIRECT:
            return True
        parts = urlsplit(uri)
        return (
            parts.scheme == "http"
            and parts.hostname in ("127.0.0.1", "localhost")
            and parts.path == "/callback"
        )

    def _authorize_problem(self, params: dict) -> str | None:
        if params.get("client_id") != self.client_id:
            return "Unknown client_id: this app is not registered with the sandbox company."
        if params.get("response_type") != "code":
            return "response_type must be 'code'."
        problem = redirect_uri_problem(params.get("redirect_uri", ""))
        if problem:
            return problem
        if not self._redirect_ok(params.get("redirect_uri", "")):
            return (
                "redirect_uri is not registered for this app "
                "(registered: http://127.0.0.1:<any port>/callback, http://localhost:<port>/callback)."
            )
        scopes = set(params.get("scope", "").split())
        if not scopes or not scopes <= SCOPES:
            return f"Invalid scope {params.get('scope')!r}."
        if "com.intuit.quickbooks.accounting" not in scopes:
            return "The accounting scope is required by this sandbox."
        return None

    def _consent_page(self, params: dict) -> Response:
        problem = self._authorize_problem(params)
        if problem:
            return _html("Cannot connect", f"<p>{html.escape(problem)}</p>", 400)
        company = self.store.kv_get("qbo_company_name", "Sandbox Company")
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
            if k in ("client_id", "response_type", "scope", "redirect_uri", "state")
        )
        body = (
            f"<p>The app <b>{html.escape(self.client_id)}</b> asks to read and write the books "
            f"of <b>{html.escape(company)}</b> (realm {self.realm}).</p>"
            f'<form method="post" action="{AUTHORIZE_PATH}">{hidden}'
            '<button type="submit" name="consent" value="allow">Authorize</button> '
            '<button type="submit" name="consent" value="deny">Cancel</button></form>'
        )
        return _html("Connect to QuickBooks (local sandbox)", body)

    def _consent(self, form: dict) -> Response:
        problem = self._authorize_problem(form)
        if problem:
            return _html("Cannot connect", f"<p>{html.escape(problem)}</p>", 400)
        redirect = form["redirect_uri"]
        state = form.get("state", "")
        if form.get("consent") != "allow":
            return Response.redirect(
                redirect_with(redirect, {"error": "access_denied", "state": state})
            )
        code = "AB" + secrets.token_urlsafe(30)
        self.store.execute(
            "INSERT INTO oauth_codes (code, client_id, redirect_uri, realm, scope, expires_at,"
            " grant_id) VALUES (?,?,?,?,?,?,?)",
            (
                code,
                self.client_id,
                redirect,
                self.realm,
                form.get("scope", ""),
                time.time() + self.settings.value.code_ttl,
                secrets.token_hex(8),
            ),
        )
        return Response.redirect(
            redirect_with(redirect, {"code": code, "state": state, "realmId": self.realm})
        )

    def _client_ok(self, request: Request, form: dict | None = None) -> bool:
        """HTTP Basic, or (token endpoint) client_id + client_secret in the form: the discovery
        document lists client_secret_basic and client_secret_post (reference §1)."""
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
        elif form is not None and "client_secret" in form:
            user, password = form.get("client_id", ""), form["client_secret"]
        else:
            return False
        return user == self.client_id and secrets.compare_digest(password, self.client_secret)

    def _issue(self, grant_id: str, realm: str, refresh: str | None = None) -> dict:
        s = self.settings.value
        now = time.time()
        access = "eyJ" + secrets.token_urlsafe(48)
        rows = []
        rows.append((access, "access", self.client_id, realm, grant_id, now + s.access_token_ttl))
        if refresh is None:
            refresh = "AB" + secrets.token_urlsafe(36)
            rows.append(
                (refresh, "refresh", self.client_id, realm, grant_id, now + s.refresh_token_ttl)
            )
        for row in rows:
            self.store.execute(
                "INSERT INTO oauth_tokens (token, kind, client_id, realm, grant_id, expires_at)"
                " VALUES (?,?,?,?,?,?)",
                row,
            )
        expires = self.store.execute(
            "SELECT expires_at FROM oauth_tokens WHERE token=?", (refresh,)
        )[0][0]
        return {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": int(s.access_token_ttl),
            "refresh_token": refresh,
            "x_refresh_token_expires_in": int(expires - now),
        }

    def _token(self, request: Request) -> Response:
        form = request.form()
        if not self._client_ok(request, form):
            return _json_error("invalid_client", 401)
        with self.store.transaction():
            if form.get("grant_type") == "authorization_code":
                return self._exchange(form)
            if form.get("grant_type") == "refresh_token":
                return self._refresh(form)
        return _json_error("unsupported_grant_type")

    def _exchange(self, form: dict) -> Response:
        rows = self.store.execute(
            "SELECT redirect_uri, realm, expires_at, grant_id, used FROM oauth_codes WHERE code=?",
            (form.get("code", ""),),
        )
        if not rows:
            return _json_error("invalid_grant")
        redirect, realm, expires_at, grant_id, used = rows[0]
        if used:
            # A second exchange of the same code invalidates the tokens it gave (reference §1).
            self.store.execute("UPDATE oauth_tokens SET revoked=1 WHERE grant_id=?", (grant_id,))
            return _json_error("invalid_grant", description="Authorization code already used")
        if time.time() > expires_at or form.get("redirect_uri") != redirect:
            return _json_error("invalid_grant")
        self.store.execute("UPDATE oauth_codes SET used=1 WHERE code=?", (form["code"],))
        return Response.json(
            self._issue(grant_id, realm), headers={"intuit_tid": secrets.token_hex(8)}
        )

    def _refresh(self, form: dict) -> Response:
        token = form.get("refresh_token", "")
        rows = self.store.execute(
            "SELECT realm, grant_id, expires_at, stale_at, revoked FROM oauth_tokens"
            " WHERE token=? AND kind='refresh'",
            (token,),
        )
        if not rows:
            return _json_error("invalid_grant", description="Incorrect or invalid refresh token")
        realm, grant_id, expires_at, stale_at, revoked = rows[0]
        now = time.time()
        if revoked or now >= expires_at:
            return _json_error("invalid_grant", description="Incorrect or invalid refresh token")
        if stale_at is not None:
            # A rotated token keeps working for a grace period; it answers the grant's
            # current refresh token rather than rotating again.
            if now >= stale_at + self.settings.value.stale_refresh_grace:
                return _json_error(
                    "invalid_grant", description="Incorrect or invalid refresh token"
                )
            current = self.store.execute(
                "SELECT token FROM oauth_tokens WHERE grant_id=? AND kind='refresh'"
                " AND stale_at IS NULL AND revoked=0",
                (grant_id,),
            )
            if not current:
                return _json_error("invalid_grant")
            return Response.json(self._issue(grant_id, realm, refresh=current[0][0]))
        self.store.execute("UPDATE oauth_tokens SET stale_at=? WHERE token=?", (now, token))
        self.store.kv_set("refresh_count", self.store.kv_get("refresh_count", 0) + 1)
        return Response.json(
            self._issue(grant_id, realm), headers={"intuit_tid": secrets.token_hex(8)}
        )

    def _revoke(self, request: Request) -> Response:
        if not self._client_ok(request):
            return _json_error("invalid_client", 401)
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _json_error("invalid_request", description='body must be JSON {"token": …}')
        token = body.get("token", "")
        rows = self.store.execute("SELECT grant_id FROM oauth_tokens WHERE token=?", (token,))
        if not rows:  # RFC 7009 §2.2: an unknown token is answered 200, as a revoked one
            return Response.json({})
        self.store.execute("UPDATE oauth_tokens SET revoked=1 WHERE grant_id=?", (rows[0][0],))
        return Response.json({})


def _html(title: str, body: str, status: int = 200) -> Response:
    return Response.text(_page(title, body), status, "text/html;charset=utf-8")


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        f"<body style='font-family:sans-serif;max-width:40em;margin:3em auto'>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
