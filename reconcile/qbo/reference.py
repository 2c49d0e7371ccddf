"""Intuit's QuickBooks Online entity reference, as data: the documented properties of each
entity the toolkit and the sandbox use, with type, required, read only and maximum length.

The data is ``spec/qbo-entity-reference.json``: Intuit's API reference scraped by the
open-source client pbrink231/quickbooks-node-promise (``quickbooks-type-scrape``, ISC
licence; the project's copy is ``../shared/specs/qbo-entity-reference.json``), trimmed to the
entities :data:`ENTITIES` names, their nested types and the operations Intuit lists for them
(:func:`operations`). Regenerate it with
``python -m reconcile.qbo.reference PATH-TO-THE-FULL-JSON``. It says what QuickBooks accepts
on paper; where observed behaviour differs, ``reconcile.qbo.rules`` says so with its source.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

ENTITIES = (
    "Customer",
    "Vendor",
    "Employee",
    "Account",
    "Item",
    "Invoice",
    "Payment",
    "Term",
    "PaymentMethod",
    "TaxCode",
    "TaxRate",
    "TaxAgency",
    "CompanyInfo",
    "Preferences",
    "Class",
    "Department",
    "CreditMemo",
)
# The reference's lists of which operations Intuit documents for which entity (its own
# spelling, "Entityies" and all), by the name :func:`operations` answers.
OPERATION_LISTS = {
    "create": "createEntityies",
    "read": "readEntityies",
    "query": "queryEntities",
    "fullUpdate": "fullUpdateEntityies",
    "sparseUpdate": "sparseUpdateEntityies",
    "delete": "deleteEntityies",
}
SPEC_FILE = "qbo-entity-reference.json"
_MAX = re.compile(r"max(?:imum)?\b[^0-9,]*?(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Attribute:
    """One documented property of an entity (Intuit's wording in ``meta``)."""

    name: str
    type: str
    meta: str
    is_list: bool = False

    @property
    def read_only(self) -> bool:
        """Read only or system defined: QuickBooks ignores it in a request."""
        text = self.meta.lower()
        return "read only" in text or "system defined" in text

    @property
    def required(self) -> bool:
        return self.meta.lstrip().startswith("* Required") and "for update" not in self.meta

    @property
    def max_len(self) -> int | None:
        """The documented maximum length of a string ("max character: maximum of 21 chars")."""
        if "range is" in self.meta.lower():  # "Range is 0 through 999": a number's range
            return None
        found = _MAX.search(self.meta)
        return int(found.group(1)) if found else None

    @property
    def reference(self) -> bool:
        """A ReferenceType ``{"value", "name"}``."""
        return self.type.endswith("ReferenceType")


@cache
def _spec() -> dict:
    text = resources.files("reconcile.qbo").joinpath("spec", SPEC_FILE).read_text("utf-8")
    return json.loads(text)


def _types() -> dict:
    return _spec()["Types"]


def operations(entity: str) -> frozenset[str]:
    """The operations Intuit documents for ``entity`` (names of :data:`OPERATION_LISTS`:
    "create", "read", "query", "fullUpdate", "sparseUpdate", "delete"); void is in no list."""
    spec = _spec()
    return frozenset(op for op, key in OPERATION_LISTS.items() if entity in spec.get(key, ()))


def attributes(name: str) -> dict[str, Attribute]:
    """The documented properties of an entity or a nested type (``Invoice_Line_SalesItemLine``),
    by name; of every choice of ``A | B`` (the kinds of a line) together, the first choice
    naming a property winning. {} if undocumented."""
    out: dict[str, Attribute] = {}
    for choice in (c.strip() for c in name.split("|")):
        for a in (_types().get(choice) or {}).get("attributes", []):
            meta = a.get("metaData", "")
            out.setdefault(a["name"], Attribute(a["name"], a["type"], meta, bool(a.get("isList"))))
    return out


def trim(full: dict) -> dict:
    """The reference cut down to :data:`ENTITIES` and their nested types (named by path),
    with the operation lists of those entities."""
    return {
        "source": "pbrink231/quickbooks-node-promise quickbooks-type-scrape/qbTypesDump.json "
        "(ISC licence): Intuit's QuickBooks Online API v3 entity reference",
        **{
            key: sorted({e for e in full.get(key, ()) if e in ENTITIES})
            for key in OPERATION_LISTS.values()
        },
        "Types": {k: v for k, v in full["Types"].items() if k.split("_")[0] in ENTITIES},
    }


if __name__ == "__main__":  # python -m reconcile.qbo.reference FULL.json
    full = json.loads(Path(sys.argv[1]).read_text("utf-8"))
    out = Path(__file__).with_name("spec") / SPEC_FILE
    out.write_text(json.dumps(trim(full), indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"wrote {out}")
