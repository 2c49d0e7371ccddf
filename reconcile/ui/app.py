"""The app: the seed guide's QuickBooks Sync dialog as tabs — Connect, Accounts, Chart of
Accounts, Items, Invoices, Payments, Sync Map, Synchronization Logs."""

from __future__ import annotations

import ipywidgets as w

from reconcile.session import Session
from reconcile.ui.connection import ConnectionView
from reconcile.ui.entity import EntityView
from reconcile.ui.invoices import InvoicesView
from reconcile.ui.logs import LogView, SyncMapView
from reconcile.ui.payments import PaymentsView

TAB_TITLES = (
    "Connect",
    "Accounts",
    "Chart of Accounts",
    "Items",
    "Invoices",
    "Payments",
    "Sync Map",
    "Synchronization Logs",
)


class App:
    """The widget a notebook displays."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # The settings the Connect tab reads are the ones the session's plans follow.
        self.connection = ConnectionView(
            session.config, session.qbo, on_company=lambda s: setattr(session, "company", s)
        )
        self.log = LogView(session)
        self.customers = EntityView(session, "customer", on_sent=self.log.refresh)
        self.accounts = EntityView(session, "account", on_sent=self.log.refresh)
        self.items = EntityView(session, "item", on_sent=self.log.refresh)
        self.invoices = InvoicesView(session, on_sent=self.log.refresh)
        self.payments = PaymentsView(session, on_sent=self.log.refresh)
        self.sync_map = SyncMapView(session)
        self.widget = w.Tab(
            [
                self.connection.widget,
                self.customers.widget,
                self.accounts.widget,
                self.items.widget,
                self.invoices.widget,
                self.payments.widget,
                self.sync_map.widget,
                self.log.widget,
            ],
            titles=TAB_TITLES,
        )

    @classmethod
    def from_config(cls, path: str | None = None) -> App:
        """Build from the config file (``RECONCILE_CONFIG`` when set)."""
        return cls(Session.from_config(path))
