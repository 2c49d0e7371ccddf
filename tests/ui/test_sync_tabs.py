"""The entity tabs, Sync Map and log, driven headlessly: load, select, preview, send."""

from __future__ import annotations

import dataclasses
import html

import pytest

from reconcile.config import load_config
from reconcile.qbo.query import select
from reconcile.session import Session
from reconcile.ui.app import App


@pytest.fixture()
def app(sandbox, tmp_path):
    config = dataclasses.replace(load_config(), data_dir=tmp_path)  # its own link store
    return App(Session(config))


def _select(view, *names: str) -> list[int]:
    rows = [i for i, n in enumerate(view.rows["AccountName"]) if n in names]
    view.grid.selected_rows = rows
    return rows


def test_load_select_preview_send_and_log(app, client):
    view = app.customers
    view.load_button.click()
    assert "Loaded" in view.message.value
    assert len(view.grid.df) == len(view.rows) > 50
    assert "In QuickBooks" in view.grid.df.columns
    assert view.preview_button.disabled  # nothing selected yet

    assert len(_select(view, "Lindqvist Architects", "Chen Wealth Advisors")) == 2
    view.preview_button.click()
    assert "Plan:" in view.message.value
    assert "Lindqvist Architects" in view.preview.value and "to_send" in view.preview.value
    assert not view.send_button.disabled, view.message.value

    view.send_button.click()
    assert "Sent to QuickBooks" in view.message.value
    assert view.progress.value == view.progress.max
    for name in ("Lindqvist Architects", "Chen Wealth Advisors"):
        assert client.count(select("Customer").eq("DisplayName", name)) == 1
    assert "Lindqvist Architects" not in app.log.table.value  # the log shows ids, not names
    assert "customer" in app.log.table.value and "ok" in app.log.table.value

    view.load_button.click()  # the grid now says which records are in QuickBooks
    in_qbo = dict(zip(view.grid.df["AccountName"], view.grid.df["In QuickBooks"], strict=True))
    assert in_qbo["Lindqvist Architects"] == "yes"


def test_blocked_records_are_listed_with_their_reason(app):
    view = app.customers
    view.active_only.value = False
    view.load_button.click()
    _select(view, "Acme: West Division")
    view.preview_button.click()
    assert "contains a colon" in view.message.value
    assert view.send_button.disabled  # nothing sendable


def test_a_new_selection_needs_a_new_preview(app):
    view = app.items
    view.load_button.click()
    view.grid.selected_rows = [0]
    view.preview_button.click()
    view.grid.selected_rows = [0, 1]
    assert view.send_button.disabled
    view.send()
    assert "Preview the selection first" in view.message.value


def test_sync_map_and_log_tabs(app, tmp_path):
    assert "Account Name" in app.sync_map.widget.value
    assert "not writable in QuickBooks Online" in app.sync_map.widget.value
    assert "<h4>Account types</h4>" in app.sync_map.widget.value  # the type map, editable
    assert "Accounts Receivable" in app.sync_map.widget.value
    app.log.outcome.value = "failed"
    assert "No entries yet" in app.log.table.value
    app.log.export_button.click()
    assert "synchronization-log.csv" in app.log.message.value


def test_customers_can_be_loaded_modified_since_a_date(app):
    import datetime as dt

    view = app.customers
    view.load_button.click()
    everyone = view.rows
    cut = everyone["ModifiedOn"].sort_values().iloc[len(everyone) // 2]
    view.modified_since.value = cut.date()
    view.load_button.click()
    assert 0 < len(view.rows) < len(everyone)
    midnight = dt.datetime.combine(cut.date(), dt.time(), tzinfo=dt.UTC)
    assert (view.rows["ModifiedOn"] >= midnight).all()
    assert app.accounts.modified_since.layout.display == "none"


def _preview(view, *names: str, column: str = "AccountName") -> None:
    view.active_only.value = False
    view.load_button.click()
    view.grid.selected_rows = [i for i, n in enumerate(view.rows[column]) if n in names]
    view.preview_button.click()


def test_a_suggested_name_is_edited_accepted_previewed_and_sent(app, client):
    view = app.customers
    _preview(view, "Acme: West Division")
    assert view.send_button.disabled
    (bms_id,) = view.suggestions.names
    field = view.suggestions.names[bms_id]
    assert field.value == "Acme - West Division"  # the suggestion, editable
    field.value = "Acme: West"  # QuickBooks would refuse it: nothing is kept
    view.suggestions.buttons[bms_id].click()
    assert "contains a colon" in view.suggestions.message.value
    assert app.session.store.chosen_name("customer", bms_id) is None

    field.value = "Acme West Division (Springfield)"
    view.suggestions.buttons[bms_id].click()
    assert "will be sent to QuickBooks as 'Acme West Division (Springfield)'" in html.unescape(
        view.suggestions.message.value
    )
    assert list(view.plan.rows["action"]) == ["create"]  # previewed again, now sendable
    assert "Acme West Division (Springfield)" in view.preview.value
    assert "the name a person accepted" in view.preview.value
    assert not view.suggestions.names and not view.send_button.disabled
    view.send_button.click()
    found = client.query(select("Customer").eq("DisplayName", "Acme West Division (Springfield)"))
    assert len(found) == 1 and found[0]["CompanyName"] == "Acme: West Division"
    links = app.session.store.links("customer").set_index("bms_id")
    assert links.loc[bms_id, "qbo_name"] == "Acme West Division (Springfield)"
    chosen = app.session.log(kind="customer")
    assert "choose" in set(chosen["action"])


def test_a_suggested_account_link_is_accepted_and_quickbooks_keeps_its_account(app, client):
    view = app.accounts
    _preview(view, "Owner's Equity", column="Name")
    (bms_id,) = view.suggestions.buttons
    assert not view.suggestions.names  # a link, not a name
    line = html.unescape(view.suggestions.lines.children[1].children[0].value)  # grid, label
    assert "3000 'Opening Balance Equity' (Equity, OpeningBalanceEquity" in line
    view.suggestions.buttons[bms_id].click()
    assert "linked to QuickBooks account" in view.suggestions.message.value
    assert app.session.store.origin("account", bms_id) == "linked"
    (row,) = view.plan.rows.to_dict("records")
    assert row["action"] in ("update", "unchanged")
    assert "Name" not in row["changes"] and "AccountType" not in row["changes"]
    log = app.session.log(kind="account")
    assert "linked by a person" in log["message"].iloc[-1]
