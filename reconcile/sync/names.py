"""The QuickBooks name of each BMS customer: the BMS name, unless QuickBooks cannot take it.

QuickBooks refuses a customer DisplayName that
- a vendor or an employee already has: customers, vendors and employees share one namespace
  (error 6240, reference/qbo-api.md §4);
- contains a colon, a tab or a line break (§4 Customer, name fields; QuickBooks writes
  sub-customers as "Parent:Child");
and two BMS accounts may have one name, which QuickBooks needs unique.

By default such a customer is blocked, with the reason and a **suggested name** a person may
accept for that record in the app (kept in the store, ``SyncStore.choose_name``, for as long
as the BMS name is the one it was accepted for). ``[sync_map.names]`` turns the suggestions
into rules applied to every record:

    [sync_map.names]
    vendor_or_employee = "{name} (customer)"   # the name a vendor or an employee has
    forbidden_characters = " - "               # replaces each colon, tab or line break
    duplicate = "{name} ({code})"              # the 2nd and later BMS accounts of one name

Templates take ``{name}`` (the BMS name), ``{code}`` (its AccountCode) and ``{id}`` (its BMS
id). Of BMS accounts sharing a name, the one linked to a QuickBooks customer of that name
keeps it, else the lowest BMS id: every other gets the ``duplicate`` rule, whatever is
selected, so the name a record gets is the same in every plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from reconcile.mapping.name_rules import FORBIDDEN, SUGGESTED, name_rules
from reconcile.mapping.options import SyncOptions
from reconcile.store import SyncStore
from reconcile.sync.state import QboState, undeleted

# QBO entities whose DisplayName shares one namespace with customers (reference §4).
NAME_SHARERS = ("Vendor", "Employee")
NO_CODE_SUGGESTION = "{name} ({id})"  # the duplicate rule for an account without a code


@dataclass(frozen=True)
class QboName:
    """The DisplayName a BMS customer gets, how it was made, or why it cannot be sent."""

    name: str  # the name to send (the BMS name when a problem blocks it)
    how: str = ""  # why it differs from the BMS name ("" when it does not)
    problem: str | None = None  # the blocking reason
    suggested: str | None = None  # a name a person may accept instead (with ``problem``)


def _fill(template: str, name: str, code: str, bms_id: str) -> str:
    return " ".join(template.format(name=name, code=code, id=bms_id).split())


class NameBook:
    """The names of the BMS customers of one plan: what each is called in QuickBooks."""

    def __init__(
        self,
        customers: pd.DataFrame,
        state: QboState,
        store: SyncStore,
        options: SyncOptions,
    ) -> None:
        """``customers``: every BMS customer (at least those planned), with ``Id``,
        ``AccountName`` and ``AccountCode``; a name two of them share is kept by one."""
        self.rules = name_rules(options.names)
        self.state = state
        self.store = store
        codes = customers.get("AccountCode", pd.Series(None, index=customers.index))
        self.codes = {
            str(i): c.strip() if isinstance(c, str) else ""
            for i, c in zip(customers["Id"], codes, strict=True)
        }
        self.keepers = self._keepers(customers)

    def _keepers(self, customers: pd.DataFrame) -> dict[str, str]:
        """BMS id → the BMS id that keeps its name, for the accounts sharing a name."""
        groups: dict[str, list[str]] = {}
        for bms_id, name in zip(customers["Id"], customers["AccountName"], strict=True):
            if isinstance(name, str) and name.strip():
                groups.setdefault(" ".join(name.split()).casefold(), []).append(str(bms_id))
        keepers = {}
        for folded, ids in groups.items():
            if len(ids) < 2:
                continue
            ids.sort(key=lambda i: (len(i), i))  # numeric order for numeric ids
            linked = [i for i in ids if self._holds(i, folded)]
            keeper = (linked or ids)[0]
            keepers.update(dict.fromkeys(ids, keeper))
        return keepers

    def _holds(self, bms_id: str, folded: str) -> bool:
        """Whether the record is linked to a QuickBooks customer with this (folded) name."""
        qbo_id = self.store.qbo_id("customer", bms_id)
        record = self.state.by_id("Customer", qbo_id) if qbo_id else None
        return bool(record) and str(undeleted(record.get("DisplayName", ""))).casefold() == folded

    def _sharer(self, name: str) -> str | None:
        for entity in NAME_SHARERS:
            if self.state.by_field(entity, "DisplayName", name):
                return entity.lower()
        return None

    def name_for(self, bms_id: str, bms_name: str) -> QboName:
        """The QuickBooks name of BMS customer ``bms_id`` named ``bms_name``."""
        chosen = self.store.chosen_name("customer", bms_id)
        if chosen is not None and chosen[0] == bms_name:
            sharer = self._sharer(chosen[1])
            if sharer:
                return QboName(
                    bms_name,
                    problem=f"the accepted name {chosen[1]!r} is used by "
                    f"a QuickBooks {sharer}: choose another",
                )
            return QboName(chosen[1], how="the name a person accepted for this record")
        applied = self._apply(bms_id, bms_name, self.rules)
        if applied.problem is None:
            return applied
        suggestion = self._apply(bms_id, bms_name, {**SUGGESTED, **self.rules}, suggest=True)
        suggested = suggestion.name if suggestion.problem is None else None
        hint = (
            f" — suggested: {suggested!r} (accept it in the app, or set [sync_map.names])"
            if suggested
            else ""
        )
        return QboName(bms_name, problem=applied.problem + hint, suggested=suggested)

    def _apply(
        self, bms_id: str, bms_name: str, rules: Mapping[str, str], suggest: bool = False
    ) -> QboName:
        """``bms_name`` through ``rules``; a rule needed and missing is the problem. With
        ``suggest``, an account without a code gets its id in the duplicate rule."""
        name, how = bms_name, []
        code = self.codes.get(bms_id, "")
        if FORBIDDEN.search(name):
            what = ", ".join(
                {":": "a colon", "\t": "a tab", "\n": "a line break"}[c]
                for c in sorted({c for c in name if c in ":\t\n"})
            )
            if "forbidden_characters" not in rules:
                return QboName(
                    name,
                    problem=f"Display Name {name!r} contains {what}, which "
                    "QuickBooks does not allow in a name (it writes sub-customers "
                    "as 'Parent:Child')",
                )
            name = " ".join(FORBIDDEN.sub(rules["forbidden_characters"], name).split())
            how.append(f"{what} replaced ([sync_map.names] forbidden_characters)")
        keeper = self.keepers.get(bms_id)
        if keeper is not None and keeper != bms_id:
            shared = f"BMS account {keeper} has the same name {bms_name!r}"
            template = rules.get("duplicate")
            if template and "{code}" in template and not code:
                if not suggest:
                    return QboName(
                        name,
                        problem=f"{shared}, and this account has no account "
                        f"code for [sync_map.names] duplicate {template!r}",
                    )
                template = NO_CODE_SUGGESTION
            if template is None:
                return QboName(name, problem=f"{shared}; QuickBooks needs customer names unique")
            name = _fill(template, name, code, bms_id)
            how.append(f"{shared} ([sync_map.names] duplicate)")
        sharer = self._sharer(name)
        if sharer:
            held = f"the name {name!r} is used by a QuickBooks {sharer}"
            template = rules.get("vendor_or_employee")
            if template is None:
                return QboName(
                    name,
                    problem=f"{held}; QuickBooks names are unique across "
                    "customers, vendors and employees (error 6240)",
                )
            name = _fill(template, name, code, bms_id)
            how.append(f"{held} ([sync_map.names] vendor_or_employee)")
            again = self._sharer(name)
            if again:
                return QboName(
                    name,
                    problem=f"the name {name!r} that [sync_map.names] gives "
                    f"is used by a QuickBooks {again} too: choose another",
                )
        return QboName(name, how="; ".join(how))
