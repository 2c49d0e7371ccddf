"""A minimal threaded HTTP layer for the sandbox servers (standard library only).

An *app* is any object with ``handle(request) -> Response``; :class:`Server` runs it on
loopback in a daemon thread. A response may ask to drop the connection without answering
(``reset=True``), which is how the sandbox injects connection resets. A response whose
headers could not be sent as they are (:func:`unsafe_headers`) is answered 500 instead.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import struct
import sys
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger(__name__)


@dataclass
class Request:
    """One HTTP request as the apps see it."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes = b""

    def json(self) -> Any:
        """The body parsed as JSON (raises ValueError when it is not)."""
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        """The body parsed as an urlencoded form."""
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))

    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Response:
    """What an app answers: status, body bytes, headers; or a dropped connection."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict | None = None) -> Response:
        body = json.dumps(data, separators=(",", ":")).encode("utf-8")
        hdrs = {"Content-Type": "application/json;charset=utf-8", **(headers or {})}
        return cls(status, body, hdrs)

    @classmethod
    def text(
        cls, text: str, status: int = 200, content_type: str = "text/plain;charset=utf-8"
    ) -> Response:
        return cls(status, text.encode("utf-8"), {"Content-Type": content_type})

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(302, b"", {"Location": location})


# RFC 9110 §5.1: a field name is a token (RFC 9110 §5.6.2 tchar).
_FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9110 §5.5: CR, LF and NUL are invalid in a field value, and "a recipient ... MUST
# either reject the message or replace each of those characters with SP"; a sender must not
# send them — an app that echoed one would split the response (a header of the caller's).
_BAD_VALUE = re.compile(r"[\r\n\x00]")


def unsafe_headers(headers: dict[str, str]) -> list[str]:
    """The names (escaped with ``repr``) of the headers that cannot be sent safely: a name
    that is not an RFC 9110 token, or a value with CR, LF or NUL. Values are never shown."""
    return [
        repr(name)
        for name, value in headers.items()
        if not _FIELD_NAME.fullmatch(str(name)) or _BAD_VALUE.search(str(value))
    ]


class App(Protocol):
    def handle(self, request: Request) -> Response: ...


class _Handler(BaseHTTPRequestHandler):
    app: App
    protocol_version = "HTTP/1.1"

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=self.headers,
            body=body,
        )
        try:
            response = self.app.handle(request)
        except Exception:  # the sandbox must answer, never hang a client
            log.exception("sandbox error on %s %s", self.command, self.path)
            response = Response.json({"error": "internal sandbox error"}, status=500)
        unsafe = unsafe_headers(response.headers) if not response.reset else []
        if unsafe:  # defence in depth: the apps check what they echo (oauth.py), this is last
            log.error(
                "sandbox refused to send header(s) %s on %s %s",
                ", ".join(unsafe),
                self.command,
                parts.path,
            )
            response = Response.json({"error": "internal sandbox error: unsafe header"}, 500)
        if response.reset:
            # SO_LINGER 0 makes close() send an RST: the client sees "connection reset".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _HTTPServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away before its answer (killed, or gave up waiting) is not an
        # error of the sandbox: a real server drops the answer too. Anything else is printed.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("client %s went away before its answer", client_address)
            return
        super().handle_error(request, client_address)


class Server:
    """A running sandbox server: its URL, and ``stop()``."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"app": app})
        self.httpd = _HTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
