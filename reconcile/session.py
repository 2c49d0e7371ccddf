"""Session: the one object a notebook (or the CLI) holds — config, both clients, the store,
the Sync Maps — with one method per step of the workflow: load, plan, preview, send, log."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

import pandas as pd

from reconcile.bms.client import BmsClient
from reconcile.bms.loaders import accounts_frame, gl_accounts_frame, services_frame, tax_items_frame
from reconcile.config import Config, load_config
from reconcile.mapping import EntityMap, configured
from reconcile.qbo.client import QboClient
from reconcile.store import SyncStore
from reconcile.sync.plan import build_plan
from reconcile.sync.preview import preview_frame
from reconcile.sync.send import Progress, send_plan
from reconcile.sync.state import NEEDED, QboState

# The entity tabs of the seed guide, by the names people use.
KINDS = {"customers": "customer", "accounts": "account", "items": "item"}
CUSTOMER_TYPES = ("Client",)  # BMS account types that are customers (vendors are not)


class Session:
    """Everything a sync step needs, built once from the config."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.maps, self.options = configured(config)

    @classmethod
    def from_config(cls, path: str | None = None) -> Session:
        """A session on the config file (``RECONCILE_CONFIG`` when set)."""
        return cls(load_config(path))

    def __repr__(self) -> str:
        return f"Session(profile={self.config.profile!r}, config={str(self.config.path)!r})"

    @cached_property
    def qbo(self) -> QboClient:
        return QboClient(self.config.qbo)

    @cached_property
    def bms(self) -> BmsClient:
        return BmsClient(self.config.bms)

    @cached_property
    def store(self) -> SyncStore:
        return SyncStore.for_config(self.config)

    @cached_property
    def tax_items(self) -> pd.DataFrame:
        return tax_items_frame(self.bms)

    def entity_map(self, kind: str) -> EntityMap:
        """The Sync Map of ``customer``, ``account`` or ``item`` (config overrides applied)."""
        return self.maps[KINDS.get(kind, kind)]

    def load(
        self,
        kind: str,
        *,
        active_only: bool = False,
        not_in_quickbooks: bool = False,
        modified_since: datetime | str | None = None,
    ) -> pd.DataFrame:
        """BMS records of one kind, as the loaders give them, optionally filtered
        (``modified_since`` applies to customers: the only list BMS can filter by date)."""
        kind = KINDS.get(kind, kind)
        if kind == "customer":
            rows = accounts_frame(self.bms, active_only=active_only, modified_since=modified_since)
            types = self.options.get("customer_account_types", CUSTOMER_TYPES)
            rows = rows[rows["AccountType"].isin(types)]
        elif kind == "account":
            rows = gl_accounts_frame(self.bms, active_only=active_only)
        elif kind == "item":
            rows = services_frame(self.bms, active_only=active_only)
        else:
            raise ValueError(f"unknown kind {kind!r}: choose customers, accounts or items")
        if not_in_quickbooks:
            linked = set(self.store.links(kind)["bms_id"])
            rows = rows[~rows["Id"].astype(str).isin(linked)]
        return rows.reset_index(drop=True)

    def plan(self, kind: str, rows: pd.DataFrame) -> pd.DataFrame:
        """What sending these rows would do (reads QuickBooks' current records)."""
        emap = self.entity_map(kind)
        state = QboState.load(self.qbo, NEEDED[emap.kind])
        return build_plan(emap, rows, state, self.store, self.options, self.tax_items)

    def preview(self, plan: pd.DataFrame) -> pd.DataFrame:
        """The side-by-side preview of a plan."""
        return preview_frame(plan, self.entity_map(plan.attrs.get("kind") or plan["kind"].iloc[0]))

    def send(self, plan: pd.DataFrame, progress: Progress | None = None) -> pd.DataFrame:
        """Carry out a plan (see :func:`reconcile.sync.send.send_plan`)."""
        return send_plan(plan, self.qbo, self.store, progress=progress)

    def log(self, **filters: object) -> pd.DataFrame:
        """The synchronization log (filters: run_id, kind, since, outcome)."""
        return self.store.log_frame(**filters)
