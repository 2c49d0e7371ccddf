"""Unit tests of the QBO query builder (reference qbo-api.md §3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reconcile.qbo.query import MAX_RESULTS, Query, quote, select
from reconcile.qbo.rules import ENTITIES
from reconcile.sandbox.qbo_query import parse

# --- quote -------------------------------------------------------------------------------------


def test_quote_escapes_single_quote_and_keeps_ampersand():
    assert quote("O'Brien & Sons") == "'O\\'Brien & Sons'"


def test_quote_doubles_backslashes():
    assert quote("C:\\temp") == "'C:\\\\temp'"


def test_quote_backslash_before_quote_is_not_doubled_twice():
    # \' in the value: the backslash is doubled, then the quote gets its own backslash.
    assert quote("a\\'b") == "'a\\\\\\'b'"


def test_quote_booleans_are_bare_lowercase():
    assert quote(True) == "true"
    assert quote(False) == "false"


def test_quote_numbers_are_bare():
    assert quote(42) == "42"
    assert quote(-3) == "-3"
    assert quote(1.5) == "1.5"
    assert quote(Decimal("12.50")) == "12.50"


def test_quote_decimal_in_exponent_form_is_written_plainly():
    # QBO (and the sandbox parser) read plain numbers only, not "1E+3".
    assert quote(Decimal("1E+3")) == "1000"


def test_quote_dates_and_datetimes():
    assert quote(dt.date(2025, 1, 31)) == "'2025-01-31'"
    assert quote(dt.datetime(2025, 1, 2, 3, 4, 5, 999)) == "'2025-01-02T03:04:05'"
    aware = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
    assert quote(aware) == "'2025-01-02T03:04:05-07:00'"


# --- builder -----------------------------------------------------------------------------------


def test_select_all_without_filters():
    assert str(select("Customer")) == "SELECT * FROM Customer"


def test_where_eq_and_in_are_anded():
    q = (
        select("Customer")
        .eq("DisplayName", "O'Brien & Sons")
        .where("Balance", ">=", 10)
        .in_("Id", ["1", "2"])
    )
    assert q.text() == (
        "SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien & Sons' "
        "AND Balance >= 10 AND Id IN ('1', '2')"
    )


def test_like_operator_is_uppercased():
    assert select("Customer").where("DisplayName", "like", "Gar%").text() == (
        "SELECT * FROM Customer WHERE DisplayName LIKE 'Gar%'"
    )


def test_order_by_start_and_max_results():
    q = select("Invoice").eq("Active", True).order_by("TxnDate", descending=True).order_by("Id")
    assert q.text(start=101, max_results=100) == (
        "SELECT * FROM Invoice WHERE Active = true ORDERBY TxnDate DESC, Id ASC "
        "STARTPOSITION 101 MAXRESULTS 100"
    )


def test_count_text_keeps_filters_but_not_order_or_paging():
    q = select("Customer").eq("Active", False).order_by("Id")
    assert q.count_text() == "SELECT COUNT(*) FROM Customer WHERE Active = false"


def test_dotted_field_names_are_allowed():
    q = select("Customer").where("MetaData.LastUpdatedTime", ">", dt.date(2025, 1, 1))
    assert q.text() == "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime > '2025-01-01'"


def test_queries_are_immutable():
    base = select("Customer")
    filtered = base.eq("Id", "1")
    ordered = filtered.order_by("Id")
    assert base.conditions == () and base.order == ()
    assert filtered.conditions == ("Id = '1'",) and filtered.order == ()
    assert ordered is not filtered and ordered.order == ("Id ASC",)
    with pytest.raises(AttributeError):
        base.entity = "Invoice"  # type: ignore[misc]


@pytest.mark.parametrize("op", ["!=", "<>", "OR", "NOT", "IN", "=="])
def test_unsupported_operators_are_rejected(op):
    with pytest.raises(ValueError, match="not supported"):
        select("Customer").where("Id", op, "1")


@pytest.mark.parametrize(
    "name",
    [
        "Name = 'x' OR 1=1",
        "Name'",
        "1Name",
        "",
        "Id; DROP",
        "Name\n",  # a trailing newline must not slip past the check either
    ],
)
def test_bad_field_names_are_rejected(name):
    q = select("Customer")
    for build in (
        lambda: q.eq(name, "x"),
        lambda: q.in_(name, ["x"]),
        lambda: q.order_by(name),
    ):
        with pytest.raises(ValueError, match="not a QBO field name"):
            build()


def test_bad_entity_name_is_rejected():
    with pytest.raises(ValueError, match="not a QBO field name"):
        select("Customer WHERE Id = '1'").text()


def test_in_needs_a_value():
    with pytest.raises(ValueError, match="at least one value"):
        select("Customer").in_("Id", [])


@pytest.mark.parametrize("bad", [0, -1, MAX_RESULTS + 1])
def test_max_results_out_of_bounds(bad):
    with pytest.raises(ValueError, match="MAXRESULTS"):
        select("Customer").text(max_results=bad)


def test_max_results_bounds_are_inclusive():
    assert select("Customer").text(max_results=1).endswith("MAXRESULTS 1")
    assert select("Customer").text(max_results=MAX_RESULTS).endswith("MAXRESULTS 1000")


# --- round trip through the sandbox's parser ---------------------------------------------------


def test_round_trip_string_with_quote_ampersand_and_backslash():
    name = "O'Brien & Sons \\ Co"
    parsed = parse(select("Customer").eq("DisplayName", name).text(), {"Customer"})
    assert parsed.entity == "Customer"
    assert len(parsed.conditions) == 1
    cond = parsed.conditions[0]
    assert (cond.field, cond.op, cond.value) == ("DisplayName", "=", name)


def test_round_trip_in_bool_number_and_paging():
    values = ["C:\\temp", "it's", "\\'"]
    q = (
        Query("Customer")
        .in_("DisplayName", values)
        .eq("Active", True)
        .where("Balance", "<", 2.5)
        .order_by("Id", descending=True)
    )
    parsed = parse(q.text(start=11, max_results=5), {"Customer"})
    assert [(c.field, c.op, c.value) for c in parsed.conditions] == [
        ("DisplayName", "IN", values),
        ("Active", "=", True),
        ("Balance", "<", 2.5),
    ]
    assert parsed.order == [("Id", True)]
    assert (parsed.start_position, parsed.max_results) == (11, 5)


def test_round_trip_count():
    parsed = parse(select("Customer").eq("Active", False).count_text(), {"Customer"})
    assert parsed.count is True
    assert parsed.conditions[0].value is False


def test_items_are_queried_with_their_sku():
    # QuickBooks returns Item.Sku only when it is named after `*` (reference §3 quirk).
    assert select("Item").text() == "SELECT *, Sku FROM Item"
    assert str(select("Item").eq("Active", True)) == "SELECT *, Sku FROM Item WHERE Active = true"
    assert select("Item").count_text() == "SELECT COUNT(*) FROM Item"
    assert select("Customer").text() == "SELECT * FROM Customer"
    parsed = parse(select("Item").text(max_results=5), ENTITIES)
    assert (parsed.entity, parsed.also, parsed.max_results) == ("Item", ["Sku"], 5)
