"""The Connection tab: which company the toolkit talks to, connect and disconnect.

Only wiring: every action is a call into :mod:`reconcile.qbo`; the widgets show the result.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable

import ipywidgets as w
import pandas as pd

from reconcile.config import Config, is_loopback
from reconcile.connections import bms_status
from reconcile.errors import ReconcileError
from reconcile.qbo.auth import AuthRequest, QboAuth
from reconcile.qbo.client import QboClient
from reconcile.qbo.company import CompanySettings
from reconcile.qbo.connect import CallbackListener

LISTEN_SECONDS = 600.0  # how long a started connection waits for the browser's redirect


class ConnectionView:
    """Status of the QuickBooks connection, with Connect / Disconnect / Refresh buttons.

    Connect shows the authorization page's link (the local sandbox's by default). With a
    loopback redirect URI the callback is taken by a listener in the kernel; otherwise the
    person pastes the address the browser was redirected to."""

    def __init__(
        self,
        config: Config,
        client: QboClient,
        on_company: Callable[[CompanySettings], None] | None = None,
    ) -> None:
        self.config = config
        self.client = client
        self.on_company = on_company  # told the company's settings each time they are read
        self.auth: QboAuth = client.auth
        self._pending: AuthRequest | None = None

        self.status = w.HTML()
        self.bms = w.HTML()
        self.company = w.HTML()
        self.message = w.HTML()
        self.connect_button = w.Button(description="Connect to QuickBooks", button_style="primary")
        self.disconnect_button = w.Button(description="Disconnect", button_style="warning")
        self.refresh_button = w.Button(description="Refresh status")
        self.link = w.HTML()
        self.pasted = w.Text(
            placeholder="Paste the whole URL your browser was redirected to",
            layout=w.Layout(width="60em"),
        )
        self.complete_button = w.Button(description="Finish connecting")
        self.paste_box = w.HBox([self.pasted, self.complete_button])
        self.paste_box.layout.display = "none"
        self.link_box = w.VBox([self.link, self.paste_box])
        self.link_box.layout.display = "none"
        self._listener: threading.Thread | None = None

        self.connect_button.on_click(lambda _: self.connect())
        self.disconnect_button.on_click(lambda _: self.disconnect())
        self.refresh_button.on_click(lambda _: self.refresh())
        self.complete_button.on_click(lambda _: self.finish(self.pasted.value))
        self.widget = w.VBox(
            [
                self.status,
                w.HBox([self.connect_button, self.disconnect_button, self.refresh_button]),
                self.bms,
                self.link_box,
                self.message,
                self.company,
            ]
        )
        self.refresh()

    def _say(self, text: str, error: bool = False) -> None:
        color = "#b00020" if error else "#1b5e20"
        self.message.value = f"<span style='color:{color}'>{html.escape(text)}</span>"

    def refresh(self) -> None:
        """Re-read the connection state and the company's details."""
        state = self.auth.status()
        profile = html.escape(self.config.profile)
        if state["connected"]:
            self.status.value = (
                f"{dot(True)} <b>QuickBooks:</b> Connected to company "
                f"{html.escape(state['realm_id'])} (profile <code>{profile}</code>)"
            )
            try:
                info = self.client.company_info()
                settings = CompanySettings.from_records(info, self.client.preferences())
            except ReconcileError as exc:
                self.company.value = ""
                self._say(str(exc), error=True)
            else:
                self.company.value = (
                    company_table(info).to_html(index=False, border=0)
                    + "<h4>Settings the export follows</h4>"
                    + settings.frame().to_html(index=False, border=0)
                )
                if self.on_company:
                    self.on_company(settings)
        else:
            self.status.value = (
                f"{dot(False)} <b>QuickBooks:</b> not connected ({html.escape(state['reason'])}); "
                f"profile <code>{profile}</code>"
            )
            self.company.value = ""
        self.connect_button.disabled = state["connected"]
        self.disconnect_button.disabled = not state["connected"]
        self.bms.value = bms_line(bms_status(self.config))

    def connect(self) -> None:
        """Open the authorization page (the local sandbox's, or Intuit's) and take the
        callback: on a loopback listener when the redirect URI is this machine, else from
        the address the person pastes."""
        try:
            redirect = self.auth.settings.redirect_uri
            if is_loopback(redirect) and redirect.startswith("http://"):
                listener = CallbackListener(redirect)
                self._pending = self.auth.authorization_request(listener.redirect_uri)
                self._listener = threading.Thread(
                    target=self._take_callback, args=(listener,), daemon=True
                )
                self._listener.start()
                hint = "then come back here: the connection completes by itself."
            else:
                self._pending = self.auth.authorization_request()
                self.paste_box.layout.display = None
                hint = "then paste the address your browser ends on, and press Finish."
        except ReconcileError as exc:
            self._say(str(exc), error=True)
            return
        url = html.escape(self._pending.url)
        self.link.value = (
            f"<a href='{url}' target='_blank'><b>Open the QuickBooks authorization page</b></a>"
            f", press Authorize, {hint}"
        )
        self.link_box.layout.display = None

    def _take_callback(self, listener: CallbackListener) -> None:
        """Background: wait for the browser's redirect, then finish the connection."""
        try:
            self.finish(listener.wait(LISTEN_SECONDS))
        except ReconcileError as exc:
            self._say(str(exc), error=True)

    def finish(self, url: str) -> None:
        """Complete a started connection from the pasted redirect URL."""
        if self._pending is None:
            self._say("Press Connect first.", error=True)
            return
        try:
            tokens = self.auth.complete(url, self._pending)
        except ReconcileError as exc:
            self._say(str(exc), error=True)
            return
        self._pending = None
        self.pasted.value = ""
        self.paste_box.layout.display = "none"
        self.link_box.layout.display = "none"
        self._say(f"Connected to company {tokens.realm_id}.")
        self.refresh()

    def disconnect(self) -> None:
        """Revoke the connection at Intuit and forget the tokens here."""
        confirmed = self.auth.revoke()
        self._say(
            "Disconnected." if confirmed else "Disconnected here; the server did not confirm."
        )
        self.refresh()


def company_table(info: dict) -> pd.DataFrame:
    """The company's main details as a two-column table (field, value)."""
    addr = info.get("CompanyAddr", {})
    address = ", ".join(
        str(addr[k])
        for k in ("Line1", "City", "CountrySubDivisionCode", "PostalCode")
        if addr.get(k)
    )
    rows = [
        ("Company", info.get("CompanyName", "")),
        ("Legal name", info.get("LegalName", "")),
        ("Address", address),
        ("Country", info.get("Country", "")),
        ("Email", info.get("Email", {}).get("Address", "")),
    ]
    return pd.DataFrame(rows, columns=["field", "value"])


def dot(ok: bool) -> str:
    """The green / red connection indicator."""
    colour = "#2e7d32" if ok else "#c62828"
    return f"<span style='color:{colour};font-size:1.2em'>●</span>"


def bms_line(state: dict) -> str:
    """One HTML line saying whether BMS answers, and as whom."""
    if state["connected"]:
        return (
            f"{dot(True)} <b>Kaseya BMS:</b> connected to tenant {html.escape(state['tenant'])} as "
            f"{html.escape(state['user'])} ({html.escape(state.get('business') or '?')})"
        )
    return f"{dot(False)} <b>Kaseya BMS:</b> not connected ({html.escape(state['reason'])})"
