"""``[sync_map.names]``: the rules that give a BMS customer a QuickBooks name when QuickBooks
cannot take its BMS name (applied by ``reconcile.sync.names``)."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from reconcile.errors import ConfigError

FORBIDDEN = re.compile(r"\s*[:\t\n]+\s*")  # §4 Customer: "must not contain colon, tab, newline"
RULE_KEYS = ("vendor_or_employee", "forbidden_characters", "duplicate")
TEMPLATE_FIELDS = ("name", "code", "id")  # BMS AccountName, AccountCode, Id
# What the preview suggests for a rule nobody set (a person accepts it per record).
SUGGESTED = {
    "vendor_or_employee": "{name} (customer)",
    "forbidden_characters": " - ",
    "duplicate": "{name} ({code})",
}


def name_rules(table: Mapping[str, Any]) -> dict[str, str]:
    """The ``[sync_map.names]`` rules, checked: raises ConfigError on an unknown key, a
    template without ``{name}`` or with an unknown ``{field}``."""
    rules = {}
    for key, value in table.items():
        if key not in RULE_KEYS:
            raise ConfigError(
                f"[sync_map.names] has an unknown rule {key!r} (known: {', '.join(RULE_KEYS)})"
            )
        if not isinstance(value, str):
            raise ConfigError(f"[sync_map.names] {key} must be a text")
        if key == "forbidden_characters":
            if FORBIDDEN.search(value):
                raise ConfigError(
                    f"[sync_map.names] forbidden_characters {value!r} holds a character "
                    "QuickBooks forbids in a name"
                )
        else:
            try:
                fields = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
            except ValueError:  # an unmatched brace
                fields = set()
            if "name" not in fields or fields - set(TEMPLATE_FIELDS):
                raise ConfigError(
                    f"[sync_map.names] {key} {value!r} must contain {{name}} and may contain "
                    f"only {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}"
                )
        rules[key] = value
    return rules
