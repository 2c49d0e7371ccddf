"""Ways to bring the OAuth callback back to the toolkit: a loopback listener, a pasted URL,
or (local sandbox only) an automatic consent for tests and demos."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import requests

from reconcile.config import is_loopback
from reconcile.qbo.auth import TIMEOUT, AuthRequest, OAuthError, QboAuth
from reconcile.qbo.tokens import TokenSet

_DONE_PAGE = (
    b"<!doctype html><html><body style='font-family:sans-serif'><h1>Connected</h1>"
    b"<p>You can close this tab and go back to the toolkit.</p></body></html>"
)


class CallbackListener:
    """A one-shot HTTP listener on the redirect URI's loopback host and port.

    Port 0 in the configured URI means "any free port"; ``redirect_uri`` is the real one."""

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or not is_loopback(redirect_uri):
            raise OAuthError(
                f"cannot listen on {redirect_uri}: only http loopback redirect URIs can be "
                "received here; paste the redirected URL instead (--paste)"
            )
        received: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if urlsplit(self.path).path != (parts.path or "/"):
                    self.send_error(404)
                    return
                received.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(_DONE_PAGE)))
                self.end_headers()
                self.wfile.write(_DONE_PAGE)

            def log_message(self, *args: object) -> None:
                pass

        self._received = received
        self.server = HTTPServer((parts.hostname or "127.0.0.1", parts.port or 0), Handler)
        port = self.server.server_address[1]
        self._origin = f"http://{parts.hostname}:{port}"
        self.redirect_uri = urlunsplit(("http", f"{parts.hostname}:{port}", parts.path, "", ""))

    def wait(self, timeout: float) -> str:
        """The full callback URL, once the browser has been redirected to it."""
        self.server.timeout = 0.5
        stop = threading.Event()
        timer = threading.Timer(timeout, stop.set)
        timer.start()
        try:
            while not self._received and not stop.is_set():
                self.server.handle_request()
        finally:
            timer.cancel()
            self.server.server_close()
        if not self._received:
            raise OAuthError(
                f"no callback arrived within {timeout:.0f} s; try again or use --paste"
            )
        return self._origin + self._received[0]


def auto_consent(auth: QboAuth, request: AuthRequest) -> str:
    """Press "Authorize" on the local sandbox's consent page; returns the callback URL.

    Refused for anything but the local sandbox: a real Intuit login needs a person."""
    if not auth.settings.all_loopback:
        raise OAuthError("--auto-consent works only with the local sandbox (profile 'sandbox')")
    form = dict(parse_qsl(urlsplit(request.url).query))
    form["consent"] = "allow"
    try:
        resp = requests.post(
            auth.settings.auth_url, data=form, allow_redirects=False, timeout=TIMEOUT
        )
    except requests.RequestException as exc:
        raise OAuthError(f"cannot reach the sandbox at {auth.settings.auth_url}: {exc}") from None
    location = resp.headers.get("Location")
    if resp.status_code != 302 or not location:
        raise OAuthError(f"the sandbox refused consent: HTTP {resp.status_code} {resp.text[:200]}")
    return location


def connect_automatically(auth: QboAuth) -> TokenSet:
    """The whole OAuth dance against the local sandbox, without a person."""
    request = auth.authorization_request()
    return auth.complete(auto_consent(auth, request), request)
