"""The app: one tab per step of the workflow (the seed guide's QuickBooks Sync dialog)."""

from __future__ import annotations

import ipywidgets as w

from reconcile.config import Config, load_config
from reconcile.qbo.client import QboClient
from reconcile.ui.connection import ConnectionView


class App:
    """The widget a notebook displays; tabs are added as the workflow grows."""

    def __init__(self, config: Config, client: QboClient) -> None:
        self.connection = ConnectionView(config, client)
        self.widget = w.Tab([self.connection.widget], titles=("Connection",))

    @classmethod
    def from_config(cls, path: str | None = None) -> App:
        """Build from the config file (``RECONCILE_CONFIG`` when set)."""
        config = load_config(path)
        return cls(config, QboClient(config.qbo))
