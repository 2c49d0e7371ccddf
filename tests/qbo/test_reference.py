"""The sandbox and the toolkit accept what Intuit's entity reference documents (issue 11):
every documented property of every entity served, read-only ones ignored, documented
maximum lengths applied; what the tables hold beyond the reference is listed with a source."""

from __future__ import annotations

import pytest

from reconcile.qbo import reference, rules
from reconcile.qbo.faults import Fault

ENVELOPE = {"Id", "SyncToken", "MetaData", "domain", "sparse"}
SAMPLE = {  # a value of each kind a documented property may have
    "str": "x", "bool": True, "date": "2026-11-30", "decimal": 1.5, "int": 2,
    "ref": {"value": "1"}, "list": [], "any": {"anything": True}, "object": {},
}  # fmt: skip


def test_the_vendored_reference_has_every_entity_served():
    assert set(reference.ENTITIES) == set(rules.ENTITIES)
    for entity in rules.ENTITIES:
        assert reference.attributes(entity), entity


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
