"""Writes: create, update, delete and void of one entity, whatever the entity.

The SyncToken check, the sparse / full merge, references (2500, 610) and their names, the
unique names (6240), the Ids, MetaData and physical-address Ids of an answer, and delete /
void of a transaction. What each entity adds is asked of ``_prepare_<entity>`` (``entities``,
``ledger``) before the record is stored and of ``_after_<entity>`` (``ledger``) after.
"""

from __future__ import annotations

import functools
from typing import Any

from reconcile.qbo import reference
from reconcile.qbo import rules as qbo_rules
from reconcile.qbo.faults import Fault, unsupported
from reconcile.sandbox import books
from reconcile.sandbox.qbo.responses import now_iso, stale_object


@functools.cache
def _physical_addresses(entity: str) -> tuple[str, ...]:
    """The entity's properties of type PhysicalAddress in Intuit's reference."""
    return tuple(
        name
        for name, attribute in reference.attributes(entity).items()
        if attribute.type.endswith("_PhysicalAddress")
    )


def without_blanks(value: Any) -> Any:
    """``value`` with every ``""`` and ``None`` property left out, at any depth."""
    if isinstance(value, dict):
        return {k: without_blanks(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [without_blanks(v) for v in value]
    return value


# The transactions QuickBooks voids (Intuit's Invoice and Payment references, "Void an
# invoice", "Void a payment"); a credit memo it does not (see ``write``).
VOIDABLE = ("Invoice", "Payment")


class Writes:
    """The write path of a ``QboApp`` (``write`` and what it checks, merges and stores)."""

    def write(self, realm: str, entity: str, op: str, body: Any, params: dict) -> dict:
        """Create / update / delete / void one entity; raises Fault on any rule broken."""
        spec = qbo_rules.ENTITIES[entity]
        if not isinstance(body, dict):
            raise Fault("2010", f"The {entity} body must be a JSON object")
        if spec.read_only:
            raise unsupported(f"Operation {op} is not supported on {entity}")
        if entity in ("CompanyInfo", "Preferences"):  # also in a batch item (see _route)
            raise unsupported(f"{entity} is read-only in this sandbox")
        if op == "void" and entity not in VOIDABLE:
            # Intuit staff on intuit/QuickBooks-V3-PHP-SDK#133: "The Operation Void for
            # CreditMemo is not supported for Quickbooks Online" (the answer's form: assumed).
            raise unsupported(f"Operation Void is not supported for {entity}")
        if op in ("delete", "void"):
            return self._delete_or_void(realm, entity, op, body)
        if op not in ("create", "update"):
            raise unsupported(f"Unsupported operation {op!r}")
        existing = None
        if "Id" in body:
            existing = self._read(realm, entity, str(body["Id"]))
            if str(body.get("SyncToken")) != existing["SyncToken"]:
                raise stale_object()
        elif op == "update":
            raise Fault("2020", "Required parameter Id is missing in the request", element="Id")
        sparse = bool(body.get("sparse")) and existing is not None
        qbo_rules.validate(entity, body, creating=existing is None, sparse=sparse, lenient=True)
        self._sent.body = body  # what the request sent, before the merge (_price_sales_form)
        doc = self._merge(entity, existing, body, sparse)
        self._resolve_refs(realm, entity, doc)
        getattr(self, f"_prepare_{entity.lower()}", lambda *a: None)(realm, doc, existing, params)
        self._check_unique(realm, entity, doc)
        stamp = now_iso()
        if existing is None:
            doc["Id"] = str(self.store.next_value(realm, f"id:{entity}", start=1))
            doc["SyncToken"] = "0"
            if hasattr(self._batch_run, "created"):
                self._batch_run.created.add((entity, doc["Id"]))
            doc["MetaData"] = {"CreateTime": stamp, "LastUpdatedTime": stamp}
        else:
            doc["Id"] = existing["Id"]
            doc["SyncToken"] = str(int(existing["SyncToken"]) + 1)
            doc["MetaData"] = {**existing.get("MetaData", {}), "LastUpdatedTime": stamp}
        doc["domain"] = "QBO"
        doc["sparse"] = False
        self._number_addresses(realm, entity, doc, existing)
        after = getattr(self, f"_after_{entity.lower()}", None)
        self.store.put(realm, entity, doc, self.name_key(entity, doc))
        if after is not None:
            after(realm, doc, existing)
        return self.store.get(realm, entity, doc["Id"])

    def _number_addresses(self, realm: str, entity: str, doc: dict, existing: dict | None) -> None:
        """QuickBooks answers every physical address with an ``Id`` of its own and the
        geocode ``Lat``/``Long``, "INVALID" when it cannot place it (Intuit's Customer and
        Invoice examples; the recorded answers of tests/conformance). The sandbox geocodes
        nothing. An address sent again without its Id keeps it (assumption)."""
        for key in _physical_addresses(entity):
            address = doc.get(key)
            if not isinstance(address, dict) or not address:
                continue
            if not address.get("Id"):
                before = (existing or {}).get(key) or {}
                address["Id"] = before.get("Id") or str(
                    self.store.next_value(realm, "id:PhysicalAddress", start=1)
                )
            address.setdefault("Lat", "INVALID")
            address.setdefault("Long", "INVALID")

    def _merge(self, entity: str, existing: dict | None, body: dict, sparse: bool) -> dict:
        spec = qbo_rules.ENTITIES[entity]
        writable = {
            k: v
            for k, v in body.items()
            if spec.fields.get(k) and spec.fields[k].kind != "readonly"
        }
        # "" and null mean "not set": python-quickbooks sends every unset attribute as ""
        # ("PreferredDeliveryMethod": "", "TxnDate": "", ...) and QuickBooks takes the record,
        # answering only the properties that have values [3P: python-quickbooks 0.9.12].
        sent = without_blanks(writable)
        if existing is None:
            return sent
        kept = {
            k: v
            for k, v in existing.items()
            if k in spec.fields and spec.fields[k].kind == "readonly"
        }
        if sparse:  # a blank sent in a sparse update clears that property
            cleared = set(writable) - set(sent)
            return {k: v for k, v in {**existing, **sent}.items() if k not in cleared}
        # Full update: writable fields left out are cleared (reference §2).
        return {**kept, **sent}

    def _resolve_refs(self, realm: str, entity: str, doc: dict) -> None:
        faults = []
        for element, target, ref_id in qbo_rules.references(entity, doc):
            found = self._visible(realm, target, ref_id)
            if found is None:
                faults.append(Fault("2500", f"Invalid Reference Id : {element}", element=element))
            elif found.get("Active") is False and target != "Invoice":
                faults.append(
                    Fault(
                        "610",
                        "Object Not Found : Something you're trying to use has been made "
                        f"inactive. Check the fields with accounts, customers, items, vendors "
                        f"or employees. ({element} {ref_id})",
                        element=element,
                    )
                )
        if faults:
            faults[0].more = faults[1:]
            raise faults[0]
        self._name_refs(realm, doc)

    def _name_refs(self, realm: str, node: Any) -> None:
        """Fill ``name`` in references, as QBO returns them (``{"value": "1", "name": …}``)."""
        targets = {
            "CustomerRef": "Customer",
            "ItemRef": "Item",
            "SalesTermRef": "Term",
            "PaymentMethodRef": "PaymentMethod",
            "IncomeAccountRef": "Account",
            "ExpenseAccountRef": "Account",
            "AssetAccountRef": "Account",
            "DepositToAccountRef": "Account",
            "APAccountRef": "Account",
            "TermRef": "Term",
            "PrefVendorRef": "Vendor",
            "ClassRef": "Class",
            "DepartmentRef": "Department",
            "ParentRef": None,
        }
        if isinstance(node, list):
            for child in node:
                self._name_refs(realm, child)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in targets and targets[key] and isinstance(value, dict) and "value" in value:
                    found = self.store.get(realm, targets[key], str(value["value"]))
                    if found:
                        value["name"] = found.get("DisplayName") or found.get("Name", "")
                else:
                    self._name_refs(realm, value)

    @staticmethod
    def name_key(entity: str, doc: dict) -> str | None:
        """The unique-name key of a name-list record, case-folded: DisplayName for customers,
        vendors and employees (checked across the three, 6240, reference §4),
        FullyQualifiedName for accounts, items, classes and departments (a sub-account may
        repeat a name under another parent), Name for the rest."""
        spec = qbo_rules.ENTITIES[entity]
        if not spec.unique_name_field:
            return None
        qualified = ("Account", "Item", "Class", "Department")
        key = "FullyQualifiedName" if entity in qualified else spec.unique_name_field
        return str(doc.get(key, "")).casefold()

    def _check_unique(self, realm: str, entity: str, doc: dict) -> None:
        key = self.name_key(entity, doc)
        if key is None:
            return
        people = entity in qbo_rules.PEOPLE  # one DisplayName space for the three (§4)
        clash = any(
            other != entity or o["Id"] != doc.get("Id")
            for other in (qbo_rules.PEOPLE if people else (entity,))
            for o in self.store.find(realm, other, name_key=key)
        )
        if clash:
            detail = (
                "The name supplied already exists. : Another customer, vendor or employee "
                "is already using this name. Please use a different name."
                if people
                else f"The name supplied already exists. : Another {entity.lower()} is "
                "already using this name. Please use a different name."
            )
            raise Fault("6240", detail, element=qbo_rules.ENTITIES[entity].unique_name_field)

    def _delete_or_void(self, realm: str, entity: str, op: str, body: dict) -> dict:
        spec = qbo_rules.ENTITIES[entity]
        if spec.name_list:
            raise Fault(
                "6000",
                f"Business Validation Error: {entity} cannot be {op}d; make it inactive "
                "(Active=false) instead.",
                message="A business validation error has occurred while processing your request",
            )
        for key in ("Id", "SyncToken"):
            if key not in body:
                raise Fault(
                    "2020", f"Required parameter {key} is missing in the request", element=key
                )
        existing = self._read(realm, entity, str(body["Id"]))
        if str(body["SyncToken"]) != existing["SyncToken"]:
            raise stale_object()
        self._before_removal(realm, entity, existing)
        if op == "delete":
            self.store.delete(realm, entity, existing["Id"])
            self._customer_balance(realm, existing["CustomerRef"]["value"])
            return {"domain": "QBO", "status": "Deleted", "Id": existing["Id"]}
        doc = self.store.get(realm, entity, existing["Id"])
        books.void_amounts(doc)
        if entity == "Payment":
            doc["Line"] = []
        doc["SyncToken"] = str(int(doc["SyncToken"]) + 1)
        doc["MetaData"]["LastUpdatedTime"] = now_iso()
        self.store.put(realm, entity, doc)
        self._customer_balance(realm, doc["CustomerRef"]["value"])
        return doc
