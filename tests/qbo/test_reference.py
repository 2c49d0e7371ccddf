"""The sandbox and the toolkit accept what Intuit's entity reference documents (issue 11):
every documented property of every entity served, read-only ones ignored, documented
maximum lengths applied; what the tables hold beyond the reference is listed with a source."""

from __future__ import annotations

import pytest

from reconcile.qbo import reference, rules
from reconcile.qbo.faults import Fault

ENVELOPE = {"Id", "SyncToken", "MetaData", "domain", "sparse"}
SAMPLE = {  # a value of each kind a documented property may have
    "str": "x",
    "bool": True,
    "date": "2026-11-30",
    "decimal": 1.5,
    "int": 2,
    "ref": {"value": "1"},
    "list": [],
    "any": {"anything": True},
    "object": {},
}


def test_the_vendored_reference_has_every_entity_served():
    assert set(reference.ENTITIES) == set(rules.ENTITIES)
    for entity in rules.ENTITIES:
        assert reference.attributes(entity), entity


def test_the_operations_intuit_lists_for_each_entity():
    """The reference's operation lists (createEntityies…): CreditMemo has no sparse update,
    which the sandbox follows (rules.ENTITIES[…].sparse_update)."""
    assert reference.operations("CreditMemo") == {"create", "read", "query", "fullUpdate", "delete"}
    assert "sparseUpdate" in reference.operations("Invoice")
    assert reference.operations("TaxRate") == {"read", "query"}
    assert reference.operations("Nothing") == frozenset()
    assert (
        not rules.ENTITIES["CreditMemo"].sparse_update and rules.ENTITIES["Invoice"].sparse_update
    )


def test_reading_intuits_wording():
    invoice = reference.attributes("Invoice")
    assert invoice["DocNumber"].max_len == 21 and not invoice["DocNumber"].read_only
    assert invoice["FreeFormAddress"].read_only  # "system defined"
    assert invoice["CustomerRef"].required and invoice["CustomerRef"].reference
    assert invoice["Line"].is_list
    assert reference.attributes("Term")["DueDays"].max_len is None  # "Range is 0 through 999"
    assert reference.attributes("Nothing") == {}


@pytest.mark.parametrize("entity", sorted(rules.ENTITIES))
def test_every_documented_property_is_accepted(entity):
    fields = rules.ENTITIES[entity].fields
    missing = sorted(set(reference.attributes(entity)) - set(fields))
    assert not missing, f"{entity}: documented by Intuit but refused with 2010: {missing}"
    for name, attr in reference.attributes(entity).items():
        spec = fields[name]
        if attr.read_only and name not in ENVELOPE:  # ignored whatever is sent
            assert spec.kind in ("readonly", *SAMPLE), (entity, name)


@pytest.mark.parametrize("entity", sorted(set(rules.ENTITIES) - {"TaxCode", "TaxRate"}))
def test_a_documented_property_the_tables_leave_out_takes_a_value_of_its_type(entity):
    fields = rules.ENTITIES[entity].fields
    derived = {
        n: fields[n]
        for n in reference.attributes(entity)
        if fields[n].kind in SAMPLE and not fields[n].enum and n not in ENVELOPE
    }
    for name, spec in derived.items():
        try:
            rules.validate(entity, {name: SAMPLE[spec.kind]}, creating=False, sparse=True)
        except Fault as fault:
            codes = {(f.code, f.element) for f in (fault, *fault.more)}
            assert not {c for c in codes if c[0] in ("2010", "2090", "2070")}, (entity, codes)


def test_documented_maximum_lengths_apply():
    vendor = rules.ENTITIES["Vendor"].fields
    assert (
        vendor["TaxIdentifier"].max_len == reference.attributes("Vendor")["TaxIdentifier"].max_len
    )
    assert rules.ENTITIES["Customer"].fields["GSTIN"].max_len == 15


@pytest.mark.parametrize("entity", sorted(rules.ENTITIES))
def test_what_the_tables_hold_beyond_the_reference_says_where_it_comes_from(entity):
    beyond = set(rules.ENTITIES[entity].fields) - set(reference.attributes(entity)) - ENVELOPE
    assert beyond == set(rules.UNDOCUMENTED.get(entity, {})), entity
    assert all(rules.UNDOCUMENTED.get(entity, {}).values())


# Paths of the nested shapes compared with the reference (one entity per shared shape).
NESTED = {
    "Invoice.Line": "Invoice_Line_SalesItemLine | Invoice_Line_GroupLine | "
    "Invoice_Line_DescriptionOnlyLine | Invoice_Line_DiscountLine | Invoice_Line_SubTotalLine",
    "Invoice.Line.SalesItemLineDetail": "Invoice_Line_SalesItemLineDetail",
    "Invoice.Line.DiscountLineDetail": "Invoice_Line_DiscountLineDetail",
    "Invoice.Line.GroupLineDetail": "Invoice_Line_GroupLineDetail",
    "Payment.Line.LinkedTxn": "Payment_Line_LinkedTxn",
    "Invoice.BillAddr": "Invoice_BillAddr_PhysicalAddress",
    "Payment.Line": "Payment_Line",
    "Customer.PrimaryPhone": "Customer_PrimaryPhone_TelephoneNumber",
    "Customer.WebAddr": "Customer_WebAddr_WebSiteAddress",
    "Customer.PrimaryEmailAddr": "Customer_PrimaryEmailAddr_EmailAddress",
}


def shape_at(path: str) -> dict:
    entity, *keys = path.split(".")
    fields = rules.ENTITIES[entity].fields
    spec = None
    for key in keys:
        spec = fields[key]
        fields = spec.shape if spec.shape is not None else rules._SHAPES.get(spec.kind, {})
    return fields


@pytest.mark.parametrize("path", sorted(NESTED))
def test_nested_shapes_take_every_documented_property_and_say_where_the_rest_come_from(path):
    documented = set(reference.attributes(NESTED[path]))
    shape = set(shape_at(path))
    misnamed = {k.rsplit(".", 1)[1] for k in rules.MISNAMED if k.startswith(path + ".")}
    assert documented - misnamed <= shape
    used = {rules.MISNAMED[k] for k in rules.MISNAMED if k.startswith(path + ".")}
    beyond = {f"{path}.{k}" for k in shape - documented - used}
    listed = {k for k in rules.UNDOCUMENTED_NESTED if k.rsplit(".", 1)[0] == path}
    assert beyond == listed, path


def test_a_nested_property_nobody_documents_is_2010_and_the_misnamed_one_too():
    line = {
        "Amount": 5,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Colour": "red"},
    }
    with pytest.raises(Fault) as caught:
        rules.validate(
            "Invoice", {"CustomerRef": {"value": "1"}, "Line": [line]}, creating=True, sparse=False
        )
    assert caught.value.code == "2010" and "Colour" in caught.value.detail
    subtotal = {"Amount": 5, "DetailType": "SubTotalLineDetail", "SubtotalLineDetail": {}}
    body = {"CustomerRef": {"value": "1"}, "Line": [{**line, "SalesItemLineDetail": {}}, subtotal]}
    with pytest.raises(Fault) as caught:
        rules.validate("Invoice", body, creating=True, sparse=False)
    assert caught.value.code == "2010" and "SubtotalLineDetail" in caught.value.detail


def test_where_intuits_lengths_disagree_the_toolkit_keeps_the_smaller_the_sandbox_the_larger():
    assert rules.DISPUTED_LENGTHS == {  # (the table's, after reference/qbo-api.md §4; reference)
        "Vendor.PrintOnCheckName": (110, 100),
        "Employee.PrintOnCheckName": (110, 100),
        "Employee.PrimaryPhone.FreeFormNumber": (30, 20),
        "Employee.Mobile.FreeFormNumber": (30, 20),
        "Item.PurchaseDesc": (4000, 1000),
        "TaxCode.Name": (10, 100),
        "TaxCode.Description": (31, 100),
        "CompanyInfo.PrimaryPhone.FreeFormNumber": (30, 20),
    }
    body = {"DisplayName": "Long Vendor", "PrintOnCheckName": "x" * 105}
    with pytest.raises(Fault) as caught:
        rules.validate("Vendor", body, creating=True, sparse=False)
    assert caught.value.code == "2050" and "Max:100" in caught.value.detail
    rules.validate("Vendor", body, creating=True, sparse=False, lenient=True)
    with pytest.raises(Fault):
        rules.validate(
            "Vendor",
            {**body, "PrintOnCheckName": "x" * 111},
            creating=True,
            sparse=False,
            lenient=True,
        )
