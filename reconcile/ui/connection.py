"""The Connection tab: which company the toolkit talks to, connect and disconnect.

Only wiring: every action is a call into :mod:`reconcile.qbo`; the widgets show the result.
"""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from reconcile.config import Config
from reconcile.connections import bms_status
from reconcile.errors import ReconcileError
from reconcile.qbo.auth import AuthRequest, QboAuth
from reconcile.qbo.client import QboClient
from reconcile.qbo.connect import connect_automatically


class ConnectionView:
    """Status of the QuickBooks connection, with Connect / Disconnect / Refresh buttons.

    On the local sandbox, Connect completes the consent by itself. Elsewhere it shows the
    Intuit authorization link and a box for the URL the browser was redirected to."""

    def __init__(self, config: Config, client: QboClient) -> None:
        self.config = config
        self.client = client
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
        self.paste_box = w.VBox([self.link, w.HBox([self.pasted, self.complete_button])])
        self.paste_box.layout.display = "none"

        self.connect_button.on_click(lambda _: self.connect())
        self.disconnect_button.on_click(lambda _: self.disconnect())
        self.refresh_button.on_click(lambda _: self.refresh())
        self.complete_button.on_click(lambda _: self.finish(self.pasted.value))
        self.widget = w.VBox(
            [
                self.status,
                w.HBox([self.connect_button, self.disconnect_button, self.refresh_button]),
                self.bms,
                self.paste_box,
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
            except ReconcileError as exc:
                self.company.value = ""
                self._say(str(exc), error=True)
            else:
                self.company.value = company_table(info).to_html(index=False, border=0)
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
        """Start connecting: automatic on the local sandbox, else show the Intuit link."""
        try:
            if self.config.profile == "sandbox" and self.auth.settings.all_loopback:
                tokens = connect_automatically(self.auth)
                self._say(f"Connected to sandbox company {tokens.realm_id}.")
            else:
                self._pending = self.auth.authorization_request()
                url = html.escape(self._pending.url)
                self.link.value = (
                    f"1. <a href='{url}' target='_blank'>Open the Intuit sign-in page</a> and "
                    "press Authorize. 2. Paste the address your browser ends on, then Finish."
                )
                self.paste_box.layout.display = None
                return
        except ReconcileError as exc:
            self._say(str(exc), error=True)
        self.refresh()

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
