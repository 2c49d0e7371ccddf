"""Unit tests for the local QBO emulator's query engine (reference qbo-api.md §3)."""

from __future__ import annotations

import pytest

from reconcile.qbo.faults import Fault
from reconcile.sandbox.qbo_query import Condition, ParsedQuery, evaluate, parse

ENTITIES = {"Customer", "Invoice", "Item", "Payment"}

CUSTOMERS = [
    {
        "Id": "10",
        "DisplayName": "O'Brien & Sons",
        "Active": True,
        "Balance": 250.0,
        "PrimaryEmailAddr": {"Address": "Ops@OBrien.example"},
        "MetaData": {"LastUpdatedTime": "2026-01-02T10:00:00-08:00"},
    },
    {
        "Id": "2",
        "DisplayName": "Amy's Bird Sanctuary",
        "Active": True,
        "Balance": 10.5,
        "MetaData": {"LastUpdatedTime": "2026-01-02T17:30:00-08:00"},
    },
    {
        "Id": "9",
        "DisplayName": "C:\\Temp Backslash Co",
        "Active": False,
        "Balance": 0,
        "MetaData": {"LastUpdatedTime": "2026-01-01T23:59:59-08:00"},
    },
    {"Id": "100", "DisplayName": "bill's windsurf shop", "Active": True},
]

INVOICES = [
    {
        "Id": "1",
        "DocNumber": "1001",
        "TxnDate": "2025-12-31",
        "TotalAmt": 300.0,
        "CustomerRef": {"value": "10", "name": "O'Brien & Sons"},
    },
    {
        "Id": "2",
        "DocNumber": "1002",
        "TxnDate": "2026-01-01",
        "TotalAmt": 300.01,
        "CustomerRef": {"value": "2", "name": "Amy's Bird Sanctuary"},
    },
    {
        "Id": "3",
        "DocNumber": "1003",
        "TxnDate": "2026-02-15",
        "TotalAmt": 1200,
        "CustomerRef": {"value": "10", "name": "O'Brien & Sons"},
    },
]


def run(text: str, rows: list[dict]) -> dict:
    return evaluate(parse(text, ENTITIES), rows)


def ids(text: str, rows: list[dict]) -> list[str]:
    response = run(text, rows)
    entity = parse(text, ENTITIES).entity
    return [r["Id"] for r in response.get(entity, [])]


def fault(text: str) -> Fault:
    with pytest.raises(Fault) as info:
        parse(text, ENTITIES)
    return info.value


# ---- parsing ---------------------------------------------------------------------------------


def test_parse_full_query_structure() -> None:
    q = parse(
        "select * from Customer where Active = true and Balance >= 10 "
        "orderby DisplayName desc, Id startposition 5 maxresults 20",
        ENTITIES,
    )
    assert q == ParsedQuery(
        entity="Customer",
        count=False,
        conditions=[Condition("Active", "=", True), Condition("Balance", ">=", 10)],
        order=[("DisplayName", True), ("Id", False)],
        start_position=5,
        max_results=20,
    )


def test_parse_defaults_and_count() -> None:
    q = parse("SELECT COUNT(*) FROM Invoice", ENTITIES)
    assert (q.entity, q.count, q.conditions, q.order) == ("Invoice", True, [], [])
    assert (q.start_position, q.max_results) == (1, 100)


def test_order_by_two_words_and_paging_in_either_order() -> None:
    q = parse("SELECT * FROM Item ORDER BY Name ASC MAXRESULTS 7 STARTPOSITION 3", ENTITIES)
    assert q.order == [("Name", False)]
    assert (q.start_position, q.max_results) == (3, 7)


def test_select_star_with_extra_projection_is_accepted() -> None:
    # python-quickbooks >= 0.9.12 sends `SELECT *, Sku FROM Item` (reference §3 quirk).
    q = parse("SELECT *, Sku FROM Item", ENTITIES)
    assert (q.entity, q.count, q.also) == ("Item", False, ["Sku"])


def test_item_sku_is_returned_only_when_named_after_the_star() -> None:
    # Reference §3 quirk: QuickBooks leaves Sku out of `SELECT * FROM Item`.
    rows = [{"Id": "1", "Name": "Hours", "Sku": "BMS-301"}, {"Id": "2", "Name": "Parts"}]
    plain = evaluate(parse("SELECT * FROM Item", ENTITIES), rows)["Item"]
    assert [r.get("Sku") for r in plain] == [None, None] and plain[0]["Name"] == "Hours"
    named = evaluate(parse("SELECT *, Sku FROM Item", ENTITIES), rows)["Item"]
    assert [r.get("Sku") for r in named] == ["BMS-301", None]
    assert rows[0]["Sku"] == "BMS-301"  # the stored item keeps it


def test_string_escapes() -> None:
    q = parse(r"SELECT * FROM Customer WHERE DisplayName = 'O\'Brien & Sons'", ENTITIES)
    assert q.conditions == [Condition("DisplayName", "=", "O'Brien & Sons")]
    q = parse(r"SELECT * FROM Customer WHERE DisplayName = 'C:\\Temp Backslash Co'", ENTITIES)
    assert q.conditions[0].value == "C:\\Temp Backslash Co"
    q = parse(r"SELECT * FROM Customer WHERE DisplayName = 'ends with \\'", ENTITIES)
    assert q.conditions[0].value == "ends with \\"


def test_value_types() -> None:
    q = parse(
        "SELECT * FROM Invoice WHERE TotalAmt > -1.5 AND Id IN ('1', 2, TRUE) AND x = False",
        ENTITIES,
    )
    assert q.conditions == [
        Condition("TotalAmt", ">", -1.5),
        Condition("Id", "IN", ["1", 2, True]),
        Condition("x", "=", False),
    ]


def test_dotted_field_names() -> None:
    q = parse("SELECT * FROM Customer WHERE Metadata.LastUpdatedTime > '2026-01-01'", ENTITIES)
    assert q.conditions[0].field == "Metadata.LastUpdatedTime"


# ---- rejected forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("SELECT * FROM Customer WHERE Active = true OR Id > 0", "4000", ["OR", "not supported"]),
        ("SELECT * FROM Customer JOIN Invoice", "4000", ["JOIN", "not supported"]),
        ("SELECT * FROM Customer, Invoice", "4000", ["one entity"]),
        ("SELECT * FROM Customer GROUP BY Active", "4000", ["GROUP BY"]),
        ("SELECT * FROM Customer WHERE NOT Active = true", "4000", ["NOT"]),
        ("SELECT * FROM Customer WHERE Name NOT LIKE 'a%'", "4000", ["NOT"]),
        ("SELECT * FROM Customer WHERE (Active = true)", "4000", ["Parentheses"]),
        ("SELECT * FROM Customer WHERE Active != true", "4000", ["!=", "not-equal"]),
        ("SELECT * FROM Customer WHERE Active <> true", "4000", ["<>", "not-equal"]),
        ("SELECT Id, DisplayName FROM Customer", "4000", ['"Id"', "Projections"]),
        ("SELECT * FROM Customer WHERE DisplayName = 'Amy", "4000", ["'Amy", "Unterminated"]),
        ("SELECT * FROM Customer WHERE DisplayName = Amy", "4000", ['"Amy"', "value"]),
        ("SELECT * FROM Customer WHERE DisplayName LIKE 5", "4000", ['"5"', "LIKE pattern"]),
        ("SELECT * FROM Customer WHERE Balance ~ 5", "4000", ['"~"', "Unexpected character"]),
        ("SELECT * FROM Customer MAXRESULTS 10.5", "4000", ['"10.5"', "integer"]),
        ("SELECT * FROM Customer MAXRESULTS 5 MAXRESULTS 6", "4000", ["MAXRESULTS"]),
        ("SELECT * FROM Customer WHERE Active = true;", "4000", ['";"']),
        ("SELECT * FROM Customer WHERE", "4000", ["<EOF>", "field name"]),
        ("", "4000", ["<EOF>", "SELECT"]),
        ("SELECT * FROM Customer MAXRESULTS 1001", "4001", ["MAXRESULTS", "1000", "1001"]),
        ("SELECT * FROM Customer MAXRESULTS 0", "4001", ["MAXRESULTS"]),
        ("SELECT * FROM Customer STARTPOSITION 0", "4001", ["STARTPOSITION"]),
        ("SELECT * FROM Customer STARTPOSITION -3", "4001", ["STARTPOSITION"]),
        ("SELECT * FROM Widget", "4001", ['"Widget"']),
    ],
)
def test_rejected_queries(text: str, code: str, words: list[str]) -> None:
    f = fault(text)
    assert f.code == code
    assert f.message == ("Error parsing query" if code == "4000" else "Invalid query")
    for word in words:
        assert word in f.detail, f.detail
    assert f.status == 400 and f.fault_type == "ValidationFault"


def test_parse_error_detail_names_the_position() -> None:
    f = fault("SELECT * FROM Customer WHERE Active = true OR Balance > 0")
    assert f.detail.startswith('QueryParserError: Encountered "OR" at line 1, column 44.')


def test_entity_name_is_case_sensitive() -> None:
    # "Entity name is case-sensitive per the docs" (reference §3); keywords are not.
    f = fault("select * from customer")
    assert f.code == "4001"
    assert '"customer"' in f.detail and '"Customer"' in f.detail


# ---- evaluation: filtering -------------------------------------------------------------------


def test_equality_with_escaped_quote_and_case_insensitive_match() -> None:
    text = r"SELECT * FROM Customer WHERE DisplayName = 'o\'brien & SONS'"
    assert ids(text, CUSTOMERS) == ["10"]
    text = r"SELECT * FROM Customer WHERE DisplayName = 'c:\\temp backslash co'"
    assert ids(text, CUSTOMERS) == ["9"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("amy%", ["2"]),  # prefix
        ("%CO", ["9"]),  # suffix
        ("%'s%", ["2", "100"]),  # contains
        ("%", ["2", "9", "10", "100"]),
        ("Amy's Bird Sanctuary", ["2"]),  # no wildcard: whole-value match
        ("Amy", []),
        ("a.y%", []),  # regex characters are literal
    ],
)
def test_like_patterns(pattern: str, expected: list[str]) -> None:
    text = "SELECT * FROM Customer WHERE DisplayName LIKE '" + pattern.replace("'", "\\'") + "'"
    assert ids(text, CUSTOMERS) == expected


def test_in_list() -> None:
    assert ids("SELECT * FROM Customer WHERE Id IN ('2', '100', '404')", CUSTOMERS) == ["2", "100"]
    text = "SELECT * FROM Customer WHERE DisplayName IN ('AMY''S', 'bill\\'s windsurf shop')"
    assert fault(text).code == "4000"  # SQL-style doubled quotes are not an escape in QBO
    text = "SELECT * FROM Customer WHERE DisplayName IN ('AMY\\'S BIRD SANCTUARY', 'nobody')"
    assert ids(text, CUSTOMERS) == ["2"]


def test_numeric_comparisons_quoted_or_not() -> None:
    assert ids("SELECT * FROM Invoice WHERE TotalAmt > '300.00'", INVOICES) == ["2", "3"]
    assert ids("SELECT * FROM Invoice WHERE TotalAmt > 300", INVOICES) == ["2", "3"]
    assert ids("SELECT * FROM Invoice WHERE TotalAmt = '300'", INVOICES) == ["1"]
    assert ids("SELECT * FROM Invoice WHERE TotalAmt <= 300.01", INVOICES) == ["1", "2"]
    # 1200 > 300 numerically although '1200' < '300' as text.
    assert ids("SELECT * FROM Invoice WHERE TotalAmt >= '1000'", INVOICES) == ["3"]
    assert ids("SELECT * FROM Invoice WHERE TotalAmt > 'lots'", INVOICES) == []


def test_id_compares_numerically() -> None:
    assert ids("SELECT * FROM Customer WHERE Id > '9'", CUSTOMERS) == ["10", "100"]
    assert ids("SELECT * FROM Customer WHERE Id = 2", CUSTOMERS) == ["2"]
    assert ids("SELECT * FROM Customer WHERE Id < 10", CUSTOMERS) == ["2", "9"]


def test_boolean_fields() -> None:
    assert ids("SELECT * FROM Customer WHERE Active = false", CUSTOMERS) == ["9"]
    assert ids("SELECT * FROM Customer WHERE Active = 'TRUE'", CUSTOMERS) == ["2", "10", "100"]
    assert ids("SELECT * FROM Customer WHERE Active = 'yes'", CUSTOMERS) == []


def test_date_comparisons() -> None:
    assert ids("SELECT * FROM Invoice WHERE TxnDate >= '2026-01-01'", INVOICES) == ["2", "3"]
    assert ids("SELECT * FROM Invoice WHERE TxnDate < '2026-01-01'", INVOICES) == ["1"]
    text = "SELECT * FROM Invoice WHERE TxnDate >= '2026-01-01' AND TxnDate <= '2026-01-31'"
    assert ids(text, INVOICES) == ["2"]


def test_datetime_comparisons_respect_offsets() -> None:
    base = "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime "
    assert ids(base + "> '2026-01-02T10:00:00-08:00'", CUSTOMERS) == ["2"]
    assert ids(base + ">= '2026-01-02T10:00:00-08:00'", CUSTOMERS) == ["2", "10"]
    # 18:00Z is 10:00-08:00: the same instant written with another offset.
    assert ids(base + "= '2026-01-02T18:00:00Z'", CUSTOMERS) == ["10"]
    # The docs' `-0700` offset form (reference §3): 11:00-07:00 is 10:00-08:00.
    assert ids(base + "> '2026-01-02T11:00:00-0700'", CUSTOMERS) == ["2"]
    # Docs spell it Metadata (lowercase d): path segments resolve case-insensitively.
    lower = "SELECT * FROM Customer WHERE Metadata.LastUpdatedTime > '2026-01-02T10:00:00-08:00'"
    assert ids(lower, CUSTOMERS) == ["2"]


def test_date_operand_against_datetime_field_compares_the_date() -> None:
    base = "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime "
    assert ids(base + "= '2026-01-02'", CUSTOMERS) == ["2", "10"]
    assert ids(base + ">= '2026-01-02'", CUSTOMERS) == ["2", "10"]
    assert ids(base + "< '2026-01-02'", CUSTOMERS) == ["9"]


def test_reference_and_email_fields_compare_their_value() -> None:
    assert ids("SELECT * FROM Invoice WHERE CustomerRef = '10'", INVOICES) == ["1", "3"]
    assert ids("SELECT * FROM Invoice WHERE CustomerRef IN ('2')", INVOICES) == ["2"]
    text = "SELECT * FROM Customer WHERE PrimaryEmailAddr = 'ops@obrien.example'"
    assert ids(text, CUSTOMERS) == ["10"]
    assert ids("SELECT * FROM Invoice WHERE CustomerRef.name LIKE 'amy%'", INVOICES) == ["2"]


def test_missing_or_unknown_fields_never_match() -> None:
    assert ids("SELECT * FROM Customer WHERE Balance >= 0", CUSTOMERS) == ["2", "9", "10"]
    assert ids("SELECT * FROM Customer WHERE NoSuchField = 'x'", CUSTOMERS) == []
    assert ids("SELECT * FROM Customer WHERE PrimaryEmailAddr LIKE '%'", CUSTOMERS) == ["10"]


def test_conditions_are_anded() -> None:
    text = "SELECT * FROM Customer WHERE Active = true AND Balance > 100"
    assert ids(text, CUSTOMERS) == ["10"]


# ---- evaluation: ordering, paging, response shapes -------------------------------------------


def test_default_order_is_numeric_id() -> None:
    assert ids("SELECT * FROM Customer", CUSTOMERS) == ["2", "9", "10", "100"]


def test_orderby_desc_and_missing_values_last() -> None:
    assert ids("SELECT * FROM Customer ORDERBY Balance DESC", CUSTOMERS) == ["10", "2", "9", "100"]
    assert ids("SELECT * FROM Customer ORDERBY Balance", CUSTOMERS) == ["9", "2", "10", "100"]
    # Case-insensitive text order: "amy's" < "bill's" < "c:\\temp" < "o'brien".
    assert ids("SELECT * FROM Customer ORDERBY DisplayName", CUSTOMERS) == ["2", "100", "9", "10"]


def test_orderby_multiple_keys() -> None:
    rows = [
        {"Id": "1", "Active": True, "Name": "b"},
        {"Id": "2", "Active": False, "Name": "a"},
        {"Id": "3", "Active": True, "Name": "a"},
        {"Id": "4", "Active": False, "Name": "c"},
        {"Id": "5", "Active": True},
    ]
    assert ids("SELECT * FROM Item ORDERBY Active DESC, Name", rows) == ["3", "1", "5", "2", "4"]
    assert ids("SELECT * FROM Item ORDERBY Active, Name DESC", rows) == ["4", "2", "1", "3", "5"]


def test_orderby_datetime_uses_instants() -> None:
    rows = [
        {"Id": "1", "MetaData": {"LastUpdatedTime": "2026-01-02T10:00:00-08:00"}},  # 18:00Z
        {"Id": "2", "MetaData": {"LastUpdatedTime": "2026-01-02T12:00:00-05:00"}},  # 17:00Z
        {"Id": "3", "MetaData": {"LastUpdatedTime": "2026-01-02T19:00:00+00:00"}},  # 19:00Z
    ]
    assert ids("SELECT * FROM Item ORDERBY MetaData.LastUpdatedTime", rows) == ["2", "1", "3"]


def test_paging_over_2500_rows() -> None:
    rows = [{"Id": str(i), "Name": f"Item {i}"} for i in range(2500, 0, -1)]
    page = run("SELECT * FROM Item STARTPOSITION 1001 MAXRESULTS 1000", rows)
    assert page["startPosition"] == 1001
    assert page["maxResults"] == 1000
    assert [r["Id"] for r in page["Item"]] == [str(i) for i in range(1001, 2001)]
    last = run("SELECT * FROM Item STARTPOSITION 2001 MAXRESULTS 1000", rows)
    assert last["maxResults"] == 500  # rows returned, not the limit asked for (reference §3)
    assert last["Item"][-1]["Id"] == "2500"
    assert run("SELECT * FROM Item STARTPOSITION 2501 MAXRESULTS 1000", rows) == {}


def test_default_page_size_is_100() -> None:
    rows = [{"Id": str(i)} for i in range(1, 251)]
    response = run("SELECT * FROM Item", rows)
    assert response["maxResults"] == 100 and len(response["Item"]) == 100
    assert response["startPosition"] == 1


def test_count() -> None:
    assert run("SELECT COUNT(*) FROM Customer", CUSTOMERS) == {"totalCount": 4}
    assert run("select count(*) from Customer where Active = true", CUSTOMERS) == {"totalCount": 3}
    assert run("SELECT COUNT(*) FROM Customer WHERE Id = '404'", CUSTOMERS) == {"totalCount": 0}
    # COUNT ignores paging.
    assert run("SELECT COUNT(*) FROM Customer MAXRESULTS 1", CUSTOMERS) == {"totalCount": 4}


def test_empty_result_is_empty_object() -> None:
    assert run("SELECT * FROM Customer WHERE DisplayName = 'nobody'", CUSTOMERS) == {}
    assert run("SELECT * FROM Invoice", []) == {}


def test_response_shape_and_rows_are_copies() -> None:
    response = run("SELECT * FROM Customer WHERE Id = '2'", CUSTOMERS)
    assert set(response) == {"Customer", "startPosition", "maxResults"}
    assert response["Customer"] == [CUSTOMERS[1]]
    response["Customer"][0]["MetaData"]["LastUpdatedTime"] = "changed"
    assert CUSTOMERS[1]["MetaData"]["LastUpdatedTime"] == "2026-01-02T17:30:00-08:00"
