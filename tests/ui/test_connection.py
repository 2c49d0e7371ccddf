"""The Connection tab, driven headlessly: set values, click, assert on what the widgets show."""

from __future__ import annotations

import dataclasses

import requests

from reconcile.config import load_config
from reconcile.qbo.client import QboClient
from reconcile.qbo.connect import auto_consent
from reconcile.ui import App, ConnectionView
from reconcile.ui.connection import bms_line


def _view(own_settings, profile: str = "sandbox") -> ConnectionView:
    config = dataclasses.replace(load_config(), profile=profile, qbo=own_settings)
    return ConnectionView(config, QboClient(own_settings))


def test_sandbox_connect_through_the_authorization_page_and_disconnect(own_settings):
    view = _view(own_settings)
    assert "not connected" in view.status.value
    assert view.disconnect_button.disabled and not view.connect_button.disabled

    view.connect_button.click()
    assert "Open the QuickBooks authorization page" in view.link.value
    assert view.paste_box.layout.display == "none"  # the kernel listens for the callback
    # The person presses Authorize; the browser follows the redirect to the listener.
    callback = auto_consent(view.auth, view._pending)
    assert callback.startswith("http://127.0.0.1:")
    assert requests.get(callback, timeout=10).status_code == 200
    view._listener.join(timeout=20)
    assert "Connected to company" in view.status.value
    assert view.link_box.layout.display == "none"
    assert "Harbor Point Managed IT LLC" in view.company.value
    assert view.connect_button.disabled

    view.disconnect_button.click()
    assert "not connected" in view.status.value
    assert "Disconnected." in view.message.value
    assert view.company.value == ""


PLAYGROUND = "https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl"


def test_real_profile_shows_link_then_accepts_pasted_url(own_settings):
    own_settings = dataclasses.replace(own_settings, redirect_uri=PLAYGROUND)
    view = _view(own_settings, profile="production")
    view.connect_button.click()
    assert view.paste_box.layout.display is None  # the paste box is shown
    assert "/connect/oauth2?" in view.link.value and "state=" in view.link.value

    # The person signs in and is redirected; they paste where the browser ended.
    redirected = auto_consent(view.auth, view._pending)
    view.pasted.value = redirected
    view.complete_button.click()
    assert "Connected to company" in view.status.value
    assert view.paste_box.layout.display == "none"


def test_pasted_url_with_wrong_state_is_refused_with_a_clear_message(own_settings):
    own_settings = dataclasses.replace(own_settings, redirect_uri=PLAYGROUND)
    view = _view(own_settings, profile="production")
    view.connect_button.click()
    view.pasted.value = "http://127.0.0.1:1/callback?code=abc&state=forged&realmId=1"
    view.complete_button.click()
    assert "state does not match" in view.message.value
    assert "not connected" in view.status.value


def test_app_has_the_seed_guides_tabs(sandbox):
    app = App.from_config()
    assert app.widget.titles == (
        "Connect",
        "Accounts",
        "Chart of Accounts",
        "Items",
        "Invoices",
        "Payments",
        "Sync Map",
        "Synchronization Logs",
    )
    assert "Connected to company" in app.connection.status.value
    assert "Kaseya BMS:</b> connected to tenant HarborPointIT" in app.connection.bms.value


def test_bms_line_says_why_it_is_not_connected():
    line = bms_line({"connected": False, "reason": "Invalid company name, user name or password."})
    assert "not connected" in line and "Invalid company name" in line
