"""The plan: for each selected BMS record, what sending would do, and why.

Actions (``PLAN_COLUMNS`` below):
- ``create``: nothing in QuickBooks is this record; it will be created.
- ``link``: QuickBooks has a record with the same natural key (name, account number, SKU)
  that no BMS record is linked to: it is linked instead of creating a duplicate, and only its
  blank fields are filled (the update policy, ``sync/policy.py``).
- ``update``: the linked QuickBooks record differs in the listed fields (sparse update with
  its current SyncToken); a record the company made keeps its values (``kept``).
- ``unchanged``: linked and identical.
- ``blocked``: cannot be sent, with the reason a person reads; it never reaches QuickBooks.
  Where a person can unblock it, the row says how: ``suggested_name`` (a customer name
  QuickBooks can take, ``sync/names.py``) or ``suggested_link`` (the QuickBooks account that
  shares the BMS account's number or name, to link it to).

Records are matched in the order the design asks for: the link store first, then the
natural key, then create. References (a term, a tax code, a GL account, a parent) are
resolved against what QuickBooks holds; what is missing but can be made (a "Net 45" term,
a tax code) is listed in ``needs`` and created first when sending.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from reconcile.errors import Blocked
from reconcile.frames import KEY, OBJECT, TEXT, Contract, check
from reconcile.mapping.options import SyncOptions
from reconcile.mapping.syncmap import EntityMap, Mapped, Ref, get_path, set_path
from reconcile.mapping.transforms import currency_code
from reconcile.mapping.validation import validate
from reconcile.plans import Plan
from reconcile.qbo.company import DEFAULT as DEFAULT_COMPANY
from reconcile.qbo.company import CompanySettings
from reconcile.qbo.rules import classification
from reconcile.store import SyncStore
from reconcile.sync import policy
from reconcile.sync.names import NameBook
from reconcile.sync.state import QboState, undeleted

# What every plan row starts with, of every kind (the invoice plan's too).
ROW_COLUMNS: Contract = {
    "kind": TEXT,
    "bms_id": KEY,
    "name": TEXT,
    "action": TEXT,
    "qbo_id": KEY,
    "sync_token": KEY,
    "changes": OBJECT,
}
PLAN_COLUMNS: Contract = {
    **ROW_COLUMNS,
    "kept": OBJECT,
    "needs": OBJECT,
    "targets": OBJECT,
    "reason": TEXT,
    "body": OBJECT,
    "mapped": OBJECT,
    "qbo_record": OBJECT,
    "suggested_name": TEXT,
    "suggested_link": OBJECT,
}
# Needs the sender makes itself (not BMS records), with their QuickBooks entity: each is also a
# plan row of its own (``need_rows``), so that every write is in the plan.
MADE_NEEDS = {"term": "Term", "taxcode": "TaxCode"}
# The QuickBooks entity a reference of each kind points to (``targets``).
REF_ENTITIES = {
    "term": "Term",
    "taxcode": "TaxCode",
    "account": "Account",
    "customer": "Customer",
    "item": "Item",
    "class": "Class",
    "location": "Department",
}
# Natural keys per kind: (QBO property, QBO property to search) tried in order.
NATURAL_KEYS = {
    "customer": ("DisplayName",),
    "account": ("AcctNum", "Name"),
    "item": ("Sku", "Name"),
}
TAX_CODE_NAME_MAX = 10  # QBO TaxCode.Name (reference §4)
# Needs that are BMS records sent by a plan (found afterwards through the link store), and
# their kind there; the other needs (terms, tax codes) are made by the sender itself.
RECORD_NEEDS = {"parent": "account", "account": "account", "customer": "customer", "item": "item"}


@dataclass(frozen=True)
class Need:
    """A record QuickBooks lacks that the plan will create before the records needing it."""

    # "term" | "taxcode": made by the sender; "parent": an account in the same plan;
    # "account" | "customer" | "item": a BMS record planned first (``body["bms_id"]``).
    kind: str
    label: str
    body: Mapping[str, Any] = field(default_factory=dict)
    path: str = field(default="", compare=False)  # where the new id goes in the record


class Resolver:
    """Turns :class:`Ref` into QBO ids, or into a :class:`Need`, or into a blocking reason."""

    def __init__(
        self,
        state: QboState,
        store: SyncStore,
        options: SyncOptions | Mapping[str, Any] | None,
        tax_items: pd.DataFrame | None = None,
        in_plan: set[str] | None = None,
        include: Mapping[str, Mapping[str, str]] | None = None,
        company: CompanySettings = DEFAULT_COMPANY,
    ) -> None:
        self.company = company  # the QuickBooks company's settings (reconcile.qbo.company)
        self.in_plan = in_plan or set()  # BMS ids planned together (a parent sent first)
        # BMS records that may be planned first when QuickBooks lacks them ("include what it
        # needs"): kind → {key → BMS id}; keys are customer ids, item names (casefolded) and
        # GL account codes.
        self.include = include or {}
        self.state = state
        self.store = store
        self.options = SyncOptions.of(options)
        self.tax_rates = (
            {
                str(n).casefold(): r
                for n, r in zip(tax_items["Name"], tax_items["TaxRate"], strict=True)
            }
            if tax_items is not None and not tax_items.empty
            else {}
        )

    def resolve(self, ref: Ref) -> str | Need:
        """The QBO id the reference points to, or what must be created first.

        Raises Blocked with a readable reason when neither is possible."""
        return getattr(self, f"_{ref.kind}")(ref)

    def resolve_all(self, refs: Mapping[str, Ref]) -> tuple[dict[str, str], list[Need]]:
        """Every reference of a record: the QBO ids found (by path), and the needs (with
        their path) to create first. Raises Blocked with the first blocking reason."""
        found: dict[str, str] = {}
        needs: list[Need] = []
        for path, ref in refs.items():
            target = self.resolve(ref)
            if isinstance(target, Need):
                needs.append(replace(target, path=path))
            else:
                found[path] = target
        return found, needs

    def _included(self, kind: str, key: str, label: str) -> Need | None:
        bms_id = self.include.get(kind, {}).get(key)
        return Need(kind, label, {"bms_id": bms_id}) if bms_id is not None else None

    def _term(self, ref: Ref) -> str | Need:
        days = int(ref.key)
        terms = [t for t in self.state.all("Term") if t.get("Active", True)]
        same = [t for t in terms if int(t.get("DueDays", -1)) == days]
        named = [t for t in same if str(t.get("Name", "")).casefold() == ref.label.casefold()]
        chosen = (named or same or [None])[0]
        return chosen["Id"] if chosen else Need("term", ref.label, dict(ref.create))

    def _taxcode(self, ref: Ref) -> str | Need:
        rate = self.tax_rates.get(ref.key.casefold())
        known_rate = rate is not None and not (isinstance(rate, float) and math.isnan(rate))
        names = self.options.tax_code_names
        if ref.key in names:
            name = names[ref.key]
        elif len(ref.key) <= TAX_CODE_NAME_MAX or not known_rate:
            name = ref.key
        else:
            name = short_tax_code_name(ref.key, float(rate))
        found = [c for c in self.state.by_field("TaxCode", "Name", name) if c.get("Active", True)]
        if found:
            return found[0]["Id"]
        if len(name) > TAX_CODE_NAME_MAX:
            raise Blocked(
                f"sales tax item {ref.key!r} has no QuickBooks tax code, and {name!r} is longer "
                f"than the {TAX_CODE_NAME_MAX} characters QuickBooks allows for one: give it a "
                "short name in [sync_map.tax_code_names]"
            )
        if not known_rate:
            raise Blocked(f"sales tax item {ref.key!r}: its rate is unknown (load tax items)")
        return Need("taxcode", name, {"TaxCode": name, "RateValue": float(rate), "from": ref.key})

    def _customer(self, ref: Ref) -> str | Need:
        linked = self.store.qbo_id("customer", ref.key)
        found = self.state.by_id("Customer", linked) if linked else None
        if found is not None and found.get("Active") is False:
            raise Blocked(
                f"customer {ref.label!r} is inactive in QuickBooks, which refuses it on an "
                "invoice (error 610): make it active (in BMS, then send it) first"
            )
        if found is not None:
            return linked
        need = self._included("customer", ref.key, ref.label)
        if need:
            return need
        raise Blocked(
            f"customer {ref.label!r} (BMS {ref.key}) is not in QuickBooks yet: send it from the "
            "Accounts tab first"
        )

    def _item(self, ref: Ref) -> str | Need:
        names = [ref.label, ref.create.get("default")]
        for name in filter(None, names):
            found = [i for i in self.state.by_field("Item", "Name", name) if i.get("Active", True)]
            if found:
                return found[0]["Id"]
        need = self._included("item", ref.label.casefold(), ref.label)
        if need:
            return need
        raise Blocked(
            f"item {ref.label!r} is not in QuickBooks yet: send it from the Items tab, or set a "
            "default item for its line type ([sync_map.default_items])"
        )

    def _class(self, ref: Ref) -> str:
        return self._listed("Class", ref, "class", "[sync_map.classes]")

    def _location(self, ref: Ref) -> str:
        term = self.company.location_term.lower()
        return self._listed("Department", ref, term, "[sync_map.locations]")

    def _listed(self, entity: str, ref: Ref, what: str, option: str) -> str:
        """A class or location: the company's own lists, so the toolkit never makes one."""
        for field_name in ("FullyQualifiedName", "Name"):
            found = self.state.by_field(entity, field_name, ref.key)
            found = [r for r in found if r.get("Active", True)]
            if found:
                return found[0]["Id"]
        raise Blocked(
            f"QuickBooks has no active {what} {ref.key!r}, which {option} names: add it in "
            f"QuickBooks (its {what} list is the company's own) or change {option}"
        )

    def _account(self, ref: Ref) -> str | Need:
        how, _, key = ref.key.partition(":")
        if how == "id":
            linked = self.store.qbo_id("account", key)
            if linked:
                return linked
            if key in self.in_plan:  # sent earlier in the same send, parents first
                return Need("parent", ref.label, {"bms_id": key})
            raise Blocked(
                f"GL account {ref.label!r} is not in QuickBooks yet: send it from the Chart of "
                "Accounts tab first (parents before children)"
            )
        chosen = account_link(self.state, self.options, key)
        if chosen is not None:
            return chosen["Id"]
        found = [a for a in self.state.by_field("Account", "AcctNum", key) if a.get("Active", True)]
        if found:
            account = found[0]
            bms_name = ref.create.get("Name")
            linked = self.store.bms_id("account", account["Id"])
            same = (
                not bms_name
                or str(undeleted(account.get("Name"))).casefold() == str(bms_name).casefold()
            )
            if linked or same:  # a linked account is the BMS account its link says
                return account["Id"]
            raise Blocked(
                f"GL account {ref.label!r}: QuickBooks account {key} is {account.get('Name')!r}"
                f" (Id {account['Id']}), another name; a number is not an identity. Link them in "
                f'[sync_map.account_links] ("{key}" = "{account.get("Name")}") if they are one '
                "account, else renumber one of them"
            )
        need = self._included("account", key, ref.label)
        if need:
            return need
        raise Blocked(
            f"GL account {ref.label!r} is not in QuickBooks yet: send the chart of accounts first"
        )


def fingerprint(body: Mapping[str, Any]) -> str:
    """A short hash of what would be sent: an exported invoice (or credit memo) whose
    fingerprint is unchanged needs no update."""
    text = json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def need_key(kind: str, label: str) -> str:
    """The ``bms_id`` of a made need's plan row ("taxcode:MA 6.25%"): unique in a plan."""
    return f"{kind}:{label}"


def need_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict]:
    """One ``create`` row per term or tax code the records (not blocked) need made first;
    ``reason`` says which records need it."""
    found: dict[tuple[str, str], tuple[Need, list[str]]] = {}
    for row in rows:
        if row["action"] == "blocked" or not isinstance(row["needs"], list):
            continue
        for need in row["needs"]:
            if need.kind in MADE_NEEDS:
                found.setdefault((need.kind, need.label), (need, []))[1].append(str(row["name"]))
    out = []
    for (kind, label), (need, names) in found.items():
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        out.append(
            {
                "kind": kind,
                "bms_id": need_key(kind, label),
                "name": label,
                "action": "create",
                "qbo_id": None,
                "sync_token": None,
                "kept": {},
                "needs": [],
                "targets": {},
                "changes": sorted(k for k in need.body if k != "from"),
                "body": dict(need.body),
                "reason": f"needed by {', '.join(names[:3])}{more}",
                "mapped": None,
                "qbo_record": None,
                "suggested_name": None,
                "suggested_link": None,
            }
        )
    return out


def _targets(
    refs: Mapping[str, Ref], resolved: Mapping[str, str], needs: list[Need], state: QboState
) -> dict[str, str]:
    """What each reference will point to, as a person reads it: "Services (QuickBooks 12)",
    or "Net 45 (created first)"."""
    out = {}
    for path, qbo_id in resolved.items():
        found = state.by_id(REF_ENTITIES[refs[path].kind], qbo_id) or {}
        name = found.get("FullyQualifiedName") or found.get("Name") or found.get("DisplayName")
        out[path] = f"{name or refs[path].label} (QuickBooks {qbo_id})"
    for need in needs:
        out[need.path] = f"{need.label} (created first)"
    return out


def account_conflict(bms: Mapping[str, Any], qbo: Mapping[str, Any]) -> str | None:
    """Why a QuickBooks account found by number or name may not be the BMS account: a number
    is not an identity, nor is a name. None when number (where both have one), name and
    classification all agree."""
    name, number = str(bms.get("Name") or ""), str(bms.get("AcctNum") or "")
    qbo_name, qbo_number = str(undeleted(qbo.get("Name")) or ""), str(qbo.get("AcctNum") or "")
    differs = []
    if number and qbo_number and number != qbo_number:
        differs.append("number")
    if name.casefold() != qbo_name.casefold():
        differs.append("name")
    try:
        bms_class = classification(str(bms.get("AccountType")))
    except ValueError:  # an unknown type is blocked by validation, not here
        bms_class = None
    if bms_class and qbo.get("Classification") and bms_class != qbo["Classification"]:
        differs.append("classification")
    if not differs:
        return None
    shared = "number" if "number" not in differs else "name"
    return (
        f"BMS account {number} {name!r} ({bms.get('AccountType')}) and QuickBooks account "
        f"{qbo_number} {qbo_name!r} ({qbo.get('AccountType')}, {qbo.get('AccountSubType')}; "
        f"Id {qbo.get('Id')}) share a {shared} but not a {' or '.join(differs)}: a {shared} "
        'is not an identity. If they are one account, link them ("Link them" under the '
        f'preview, or [sync_map.account_links] "{number}" = "{qbo_name}"); if not, renumber '
        "or rename one of them"
    )


def account_link(state: QboState, options: SyncOptions, code: str) -> dict | None:
    """The QuickBooks account a person linked GL code ``code`` to in [sync_map.account_links]
    (by Id, Name or FullyQualifiedName, any case), or None when nobody did. Raises
    Blocked (the reason) when QuickBooks has no such account."""
    wanted = options.account_links.get(code)
    if wanted is None:
        return None
    wanted = str(wanted)
    found = state.by_id("Account", wanted)
    for field_name in ("FullyQualifiedName", "Name"):
        found = found or next(iter(state.by_field("Account", field_name, wanted)), None)
    if found is None:
        raise Blocked(
            f"[sync_map.account_links] links GL account {code} to QuickBooks account "
            f"{wanted!r}, which QuickBooks does not have (by Id, name or full name)"
        )
    return found


def short_tax_code_name(name: str, rate: float) -> str:
    """A QuickBooks tax code name (10 characters at most) for a longer BMS tax item name: its
    first word when short (a state code, "MA"), else its initials, then the rate —
    "MA Sales Tax" at 6.25 → "MA 6.25%"."""
    words = name.replace("(", " ").replace(")", " ").split()
    head = words[0] if words and len(words[0]) <= 4 else "".join(w[0] for w in words).upper()
    text = f"{rate:.4f}".rstrip("0").rstrip(".")
    return f"{head[: TAX_CODE_NAME_MAX - len(text) - 2]} {text}%"


def same_value(now: Any, new: Any) -> bool:
    """Whether QuickBooks' value equals the one to send (money to the cent, text trimmed)."""
    if isinstance(new, bool) or isinstance(now, bool):
        return bool(now) == bool(new) if now is not None else new is False
    if isinstance(new, int | float) and not isinstance(new, bool):
        try:
            return round(float(now), 2) == round(float(new), 2)
        except (TypeError, ValueError):
            return False
    return (str(now).strip() if now is not None else "") == (str(new).strip() if new else "")


def build_plan(
    entity_map: EntityMap,
    rows: pd.DataFrame,
    state: QboState,
    store: SyncStore,
    options: SyncOptions | Mapping[str, Any] | None = None,
    tax_items: pd.DataFrame | None = None,
    include: Mapping[str, Mapping[str, str]] | None = None,
    company: CompanySettings = DEFAULT_COMPANY,
    all_rows: pd.DataFrame | None = None,
) -> Plan:
    """One plan row per BMS row (see the module docstring for the actions); ``include`` names
    BMS records to plan first when QuickBooks lacks them (see :class:`Resolver`); ``company``
    is the QuickBooks company's settings (currencies, sales tax); ``all_rows`` are every BMS
    record of the kind (default: ``rows``), so that a name two BMS customers share is kept
    by the same one whatever is selected (``sync/names.py``)."""
    options = SyncOptions.of(options)
    ids = {str(i) for i in rows[entity_map.id_column]} if len(rows) else set()
    resolver = Resolver(
        state, store, options, tax_items, in_plan=ids, include=include, company=company
    )
    kind, entity = entity_map.kind, entity_map.qbo_entity
    if kind == "customer":
        everyone = rows if all_rows is None else pd.concat([all_rows, rows])
        book = NameBook(everyone.drop_duplicates("Id"), state, store, options)
    out = []
    claimed: dict[str, str] = {}  # natural key → bms id, within this plan
    for row in rows.to_dict("records"):
        mapped = entity_map.map(row, options)
        problem = suggested = None
        if kind == "customer":
            problem = _customer_settings(mapped, row, company, options)
            if problem is None:
                problem, suggested = _customer_name(mapped, book)
        out.append(
            _plan_one(entity_map, mapped, state, store, resolver, claimed, problem, suggested)
        )
    rows = pd.DataFrame(need_rows(out) + out, columns=list(PLAN_COLUMNS))
    return Plan(kind, entity, check(rows, PLAN_COLUMNS, f"the {kind} plan"))


def _customer_name(mapped: Mapped, book: NameBook) -> tuple[str | None, str | None]:
    """The customer's QuickBooks name put in ``mapped``; or why it cannot be sent, and the
    name suggested instead."""
    bms_name = mapped.values.get("DisplayName")
    if not bms_name:
        return None, None  # validation says it is required
    named = book.name_for(mapped.bms_id, str(bms_name))
    if named.problem:
        return named.problem, named.suggested
    if named.name != bms_name:
        mapped.values["DisplayName"] = named.name
        mapped.notes["DisplayName"] = named.how
    return None, None


def _customer_settings(
    mapped: Mapped, row: Mapping[str, Any], company: CompanySettings, options: SyncOptions
) -> str | None:
    """What the company's settings change on a customer: its currency (multicurrency on:
    sent; off: only the home currency can be sent), and no default tax code under automated
    sales tax (Intuit's AST guide: the engine sets DefaultTaxCodeRef itself). Returns why
    the customer cannot be sent, if so."""
    if company.automated_tax:
        mapped.refs.pop("DefaultTaxCodeRef", None)
    try:
        code = currency_code(row.get("CurrencyName"), options.currencies)
    except Blocked as exc:
        return str(exc)
    if code is None:
        return None
    if company.multicurrency:
        mapped.values["CurrencyRef.value"] = code
    elif code != company.home_currency:
        return (
            f"the BMS account bills in {code}, and the QuickBooks company has one currency "
            f"({company.home_currency}): turn on multicurrency in QuickBooks first"
        )
    return None


def currency_conflict(mapped: Mapped, current: Mapping[str, Any], home: str) -> str | None:
    """Why the QuickBooks customer found cannot be this BMS account: it is in another
    currency (Intuit, Customer.CurrencyRef: "Once set, it cannot be changed")."""
    wanted = mapped.values.get("CurrencyRef.value")
    theirs = (current.get("CurrencyRef") or {}).get("value") or home
    if wanted is None or theirs == wanted:
        return None
    return (
        f"QuickBooks customer {current.get('DisplayName')!r} (Id {current.get('Id')}) is in "
        f"{theirs} and the BMS account bills in {wanted}; QuickBooks never changes a "
        "customer's currency: link the BMS account to a customer in its currency, or change "
        "the account's currency in BMS"
    )


def _plan_one(
    entity_map: EntityMap,
    mapped: Mapped,
    state: QboState,
    store: SyncStore,
    resolver: Resolver,
    claimed: dict[str, str],
    problem: str | None = None,
    suggested_name: str | None = None,
) -> dict:
    kind, entity = entity_map.kind, entity_map.qbo_entity
    keys = NATURAL_KEYS[kind]
    name = str(mapped.values.get("DisplayName") or mapped.values.get("Name") or mapped.bms_id)
    row: dict[str, Any] = {
        "kind": kind,
        "bms_id": mapped.bms_id,
        "name": name,
        "mapped": mapped,
        "changes": [],
        "kept": {},
        "needs": [],
        "targets": {},
        "qbo_id": None,
        "sync_token": None,
        "reason": "",
        "body": None,
        "qbo_record": None,
        "suggested_name": None,
        "suggested_link": None,
    }

    def blocked(reason: str) -> dict:
        return {**row, "action": "blocked", "reason": reason}

    if problem:
        return {**blocked(problem), "suggested_name": suggested_name}
    new_body = mapped.body()
    problems = validate(entity_map, mapped, new_body)
    if problems:
        return blocked("; ".join(p.message for p in problems))

    try:
        resolved, row["needs"] = resolver.resolve_all(mapped.refs)
    except Blocked as exc:
        return blocked(str(exc))
    row["targets"] = _targets(mapped.refs, resolved, row["needs"], state)

    key_value = mapped.values.get(keys[0]) or mapped.values.get(keys[-1])
    natural = str(key_value or "").casefold()
    if natural in claimed:
        return blocked(
            f"another selected BMS record ({claimed[natural]}) has the same "
            f"{keys[0] if mapped.values.get(keys[0]) else keys[-1]} {key_value!r}; QuickBooks "
            "needs them unique — rename one in BMS"
        )
    claimed[natural] = mapped.bms_id

    current = None
    linked_id = store.qbo_id(kind, mapped.bms_id)
    if linked_id:
        current = state.by_id(entity, linked_id)
        if current is None:
            return blocked(
                f"linked to QuickBooks {entity} {linked_id}, which QuickBooks no longer has; "
                "unlink it to create it again"
            )
        action = "update"
    else:
        try:
            code = str(mapped.values.get("AcctNum") or "")
            chosen = account_link(state, resolver.options, code) if kind == "account" else None
        except Blocked as exc:
            return blocked(str(exc))
        for key in keys:
            value = mapped.values.get(key)
            if value is None:
                continue
            matches = [chosen] if chosen else state.by_name(entity, key, value)
            if matches:
                current = matches[0]
                other = store.bms_id(kind, current["Id"]) or claimed.get(f"qbo:{current['Id']}")
                if other and other != mapped.bms_id:
                    return blocked(
                        f"QuickBooks {entity} {value!r} (Id {current['Id']}) is already matched "
                        f"to BMS record {other}"
                    )
                conflict = account_conflict(mapped.values, current) if kind == "account" else None
                if conflict and not chosen:  # both sides in the preview; a person may link
                    return {
                        **blocked(conflict),
                        "qbo_id": current["Id"],
                        "qbo_record": current,
                        "suggested_link": current["Id"],
                    }
                claimed[f"qbo:{current['Id']}"] = mapped.bms_id
                break
        action = "link" if current is not None else "create"

    if current is None:
        for path, qbo_id in resolved.items():
            set_path(new_body, path, {"value": qbo_id})
        changes = sorted([*mapped.values, *mapped.refs])
        return {**row, "action": "create", "body": new_body, "changes": changes}

    conflict = currency_conflict(mapped, current, resolver.company.home_currency)
    if conflict:  # both sides in the preview
        return {**blocked(conflict), "qbo_id": current["Id"], "qbo_record": current}
    if current.get("Active") is False:  # QBO renames inactive records "X (deleted)" (§2)
        current = {
            k: undeleted(v) if k in ("DisplayName", "Name") else v for k, v in current.items()
        }
    changes = [p for p, v in mapped.values.items() if not same_value(get_path(current, p), v)]
    changes += [
        p
        for p, qbo_id in resolved.items()
        if str((get_path(current, p) or {}).get("value")) != qbo_id
    ]
    changes += [p for p in mapped.refs if p not in resolved]  # needs a record created first
    origin = "linked" if action == "link" else store.origin(kind, mapped.bms_id)
    overwrite = resolver.options.overwrite.get(kind, ())
    changes, kept = policy.split_changes(kind, changes, current, origin, overwrite)
    for need in [n for n in row["needs"] if n.path not in changes]:  # kept: nothing is made
        row["needs"].remove(need)
        row["targets"].pop(need.path, None)
    body: dict[str, Any] = {"Id": current["Id"], "SyncToken": current["SyncToken"]}
    # A nested object (an address) is sent whole when any part changes: a sparse update
    # replaces the objects it carries. A record that follows BMS gets BMS's object; one the
    # company made keeps its own parts, with only the changes sent put in.
    touched = {p.split(".")[0] for p in changes}
    if policy.follows_bms(origin):
        for path, value in mapped.values.items():
            if path.split(".")[0] in touched:
                set_path(body, path, value)
    else:
        for top in touched:
            if isinstance(current.get(top), dict) and top not in mapped.refs:
                body[top] = copy.deepcopy(current[top])
        for path in changes:
            if path in mapped.values:
                set_path(body, path, mapped.values[path])
    for path, qbo_id in resolved.items():
        if path in changes:
            set_path(body, path, {"value": qbo_id})
    if action == "update" and not changes:
        action = "unchanged"
    return {
        **row,
        "action": action,
        "qbo_id": current["Id"],
        "sync_token": current["SyncToken"],
        "changes": sorted(changes),
        "kept": kept,
        "body": body,
        "qbo_record": current,
    }
