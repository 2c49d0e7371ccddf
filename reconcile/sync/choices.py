"""What a person decides for one record in the app, where a plan blocked it and said how to
unblock it: the QuickBooks name of a customer (``suggested_name``), or the QuickBooks account
a BMS account is (``suggested_link``). Both are kept in the store and logged; neither writes
to QuickBooks: the next preview shows what sending will do with them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from reconcile.mapping.name_rules import FORBIDDEN
from reconcile.mapping.syncmap import clean_text
from reconcile.plans import Plan
from reconcile.qbo.rules import ENTITIES
from reconcile.store import SyncStore


def suggested(plan: Plan) -> pd.DataFrame:
    """The blocked plan rows that carry a suggestion (a name or a link)."""
    rows = plan.rows
    if "suggested_name" not in rows.columns:
        return rows.iloc[0:0]
    text = rows[["suggested_name", "suggested_link"]].map(lambda v: isinstance(v, str))
    return rows[(rows["action"] == "blocked") & text.any(axis=1)]


def choose_name(store: SyncStore, bms_id: str, bms_name: str, qbo_name: str) -> str:
    """Keep ``qbo_name`` as the QuickBooks name of BMS customer ``bms_id`` while it is named
    ``bms_name`` in BMS; returns the name kept. Raises ValueError, saying why, for a name
    QuickBooks would refuse."""
    name = clean_text(qbo_name)
    limit = ENTITIES["Customer"].fields["DisplayName"].max_len  # §4 Customer
    if not name:
        raise ValueError(f"the QuickBooks name for {bms_name!r} is empty")
    if FORBIDDEN.search(name):
        raise ValueError(
            f"the QuickBooks name {name!r} contains a colon, a tab or a line break, which "
            "QuickBooks does not allow in a name"
        )
    if limit and len(name) > limit:
        raise ValueError(
            f"the QuickBooks name {name!r} is {len(name)} characters long; QuickBooks allows "
            f"at most {limit}"
        )
    store.choose_name("customer", bms_id, bms_name, name)
    store.log(
        None,
        kind="customer",
        action="choose",
        outcome="ok",
        bms_id=str(bms_id),
        message=f"QuickBooks name {name!r} chosen for BMS customer {bms_name!r}",
    )
    return name


def accept_link(store: SyncStore, row: Mapping[str, Any]) -> None:
    """Link the BMS record of a plan row to the QuickBooks record it suggests
    (``suggested_link``): the record was in QuickBooks first, so it is protected as one the
    company made (sync/policy.py)."""
    qbo_id, record = row.get("suggested_link"), row.get("qbo_record") or {}
    if not isinstance(qbo_id, str):
        raise ValueError(f"{row['kind']} {row['name']!r} has no suggested QuickBooks record")
    name = record.get("Name") or record.get("DisplayName")
    store.link(
        row["kind"],
        row["bms_id"],
        qbo_id,
        origin="linked",
        qbo_name=name,
        sync_token=record.get("SyncToken"),
    )
    store.log(
        None,
        kind=row["kind"],
        action="link",
        outcome="ok",
        bms_id=str(row["bms_id"]),
        qbo_id=qbo_id,
        message=f"linked by a person: BMS {row['kind']} {row['name']!r} is "
        f"QuickBooks {name!r} (Id {qbo_id})",
    )
