"""What a send may change in a QuickBooks record that already exists: the update policy.

- A record the toolkit created (its link's origin is "created") follows BMS: every mapped field
  that differs is sent.
- A record that was in QuickBooks before it was linked (origin "linked", or a link made before
  the store recorded origins) is the company's own: only its blank fields are filled, unless
  ``[sync_map.overwrite]`` names the field for that kind (``customer = ["Notes", "BillAddr"]``:
  a property path or the object holding it).
- An existing account's AccountType and AccountSubType are never changed, whoever made it: the
  company's reports, tax lines and bank feeds hang on them.
- Nothing of a QuickBooks system account (Accounts Receivable, Accounts Payable, Undeposited
  Funds, Opening Balance Equity, Retained Earnings, Sales Tax Payable…) is ever changed:
  QuickBooks makes them itself and posts to them (reference §4 Account).

Every field that differs and is not sent is "kept", with the reason the preview shows; a
property that goes with another (a customer's default tax code with Taxable) is kept with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconcile.mapping.maps import CREATE_ONLY, GOES_WITH
from reconcile.mapping.syncmap import get_path, is_blank

# QuickBooks' system accounts, by AccountSubType: the ones QuickBooks creates and posts to
# itself (reference §4 Account: the subtypes that "cannot have or be sub-accounts", plus the
# receivable, payable and sales-tax accounts every company has).
SYSTEM_SUBTYPES = frozenset(
    {
        "AccountsReceivable",
        "AccountsPayable",
        "UndepositedFunds",
        "OpeningBalanceEquity",
        "RetainedEarnings",
        "SalesTaxPayable",
        "GlobalTaxPayable",
        "GlobalTaxSuspense",
        "CashReceiptIncome",
        "CashExpenditureExpense",
        "ExchangeGainOrLoss",
    }
)
SYSTEM_TYPES = frozenset({"Accounts Receivable", "Accounts Payable"})

KEPT_LINKED = "linked: QuickBooks keeps its value"
KEPT_SYSTEM = "a QuickBooks system account: never changed by a send"


def is_system_account(account: Mapping[str, Any]) -> bool:
    """Whether QuickBooks made this account for itself (A/R, A/P, Undeposited Funds…)."""
    return (
        account.get("AccountSubType") in SYSTEM_SUBTYPES
        or account.get("AccountType") in SYSTEM_TYPES
    )


def follows_bms(origin: str | None) -> bool:
    """Whether a linked record follows BMS changes: only what the toolkit created does."""
    return origin == "created"


def split_changes(
    kind: str,
    changes: Sequence[str],
    current: Mapping[str, Any],
    origin: str | None,
    overwrite: Sequence[str] = (),
) -> tuple[list[str], dict[str, str]]:
    """The changed paths to send, and the ones QuickBooks keeps (path → why)."""
    send: list[str] = []
    kept: dict[str, str] = {}
    system = kind == "account" and is_system_account(current)
    for path in changes:
        if system:
            kept[path] = KEPT_SYSTEM
        elif path in CREATE_ONLY.get(kind, {}):
            kept[path] = CREATE_ONLY[kind][path]
        elif follows_bms(origin) or _named(path, overwrite) or _blank(get_path(current, path)):
            send.append(path)
        else:
            kept[path] = KEPT_LINKED
    for path, partner in GOES_WITH.get(kind, {}).items():
        if path in send and partner in kept:
            send.remove(path)
            kept[path] = f"kept with {partner} ({kept[partner]})"
    return send, kept


def _named(path: str, overwrite: Sequence[str]) -> bool:
    return any(path == p or path.startswith(f"{p}.") for p in overwrite)


def _blank(value: Any) -> bool:
    if isinstance(value, Mapping):  # a reference or an object: blank when it holds nothing
        return all(_blank(v) for v in value.values())
    return is_blank(value)
