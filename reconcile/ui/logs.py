"""The Sync Map tab (the map as tables) and the Synchronization Logs tab (log + CSV export)."""

from __future__ import annotations

import html

import ipywidgets as w

from reconcile.mapping.transforms import account_type_table
from reconcile.session import KINDS, Session
from reconcile.ui.entity import TITLES
from reconcile.ui.messages import banner


class SyncMapView:
    """The Sync Map of each entity, as the tables people read (config overrides applied)."""

    def __init__(self, session: Session) -> None:
        parts = []
        for kind in KINDS.values():
            table = session.entity_map(kind).frame().to_html(index=False, border=0)
            parts.append(f"<h4>{html.escape(TITLES[kind])}</h4>{table}")
        types = account_type_table(session.options).to_html(index=False, border=0)
        parts.append(
            "<h4>Account types</h4><p>The QuickBooks type of an account the toolkit creates "
            "(an account QuickBooks has keeps its own): a GL code's wins over a name's, a "
            f"name's over the BMS type's.</p>{types}"
        )
        self.widget = w.HTML("".join(parts))


class LogView:
    """The synchronization log, newest last, with filters and a CSV export."""

    COLUMNS = ("at", "kind", "action", "outcome", "bms_id", "qbo_id", "code", "message")

    def __init__(self, session: Session) -> None:
        self.session = session
        self.kind = w.Dropdown(
            options=[("all", None), *[(TITLES[k], k) for k in KINDS.values()]],
            description="Entity",
        )
        self.outcome = w.Dropdown(
            options=[("all", None), ("ok", "ok"), ("failed", "failed"), ("blocked", "blocked")],
            description="Outcome",
        )
        self.refresh_button = w.Button(description="Refresh")
        self.export_button = w.Button(description="Export CSV")
        self.table = w.HTML()
        self.message = w.HTML()
        self.refresh_button.on_click(lambda _: self.refresh())
        self.export_button.on_click(lambda _: self.export())
        self.kind.observe(lambda _: self.refresh(), names="value")
        self.outcome.observe(lambda _: self.refresh(), names="value")
        self.widget = w.VBox(
            [
                w.HBox([self.kind, self.outcome, self.refresh_button, self.export_button]),
                self.message,
                self.table,
            ]
        )
        self.refresh()

    def filters(self) -> dict:
        return {k: v for k, v in (("kind", self.kind.value), ("outcome", self.outcome.value)) if v}

    def refresh(self) -> None:
        """Show the latest 200 entries matching the filters."""
        log = self.session.log(**self.filters())
        shown = log[list(self.COLUMNS)].tail(200)
        self.table.value = (
            shown.to_html(index=False, border=0) if len(shown) else "<i>No entries yet.</i>"
        )

    def export(self) -> None:
        """Write the filtered log as CSV beside the store; say where."""
        path = self.session.store.path.parent / "synchronization-log.csv"
        self.session.store.export_log_csv(path, **self.filters())
        self.message.value = banner(f"Exported to {path}")
