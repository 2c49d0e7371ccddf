"""The BMS loaders over real HTTP: documented columns and dtypes, filters, and the data rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reconcile.bms import loaders
from reconcile.bms.loaders import (
    ACCOUNT_COLUMNS,
    ADDRESS_FIELDS,
    DISCOUNT_COLUMNS,
    GL_COLUMNS,
    INVOICE_COLUMNS,
    LINE_COLUMNS,
    SERVICE_COLUMNS,
    STATUS_COLUMNS,
    TAX_ITEM_COLUMNS,
)
from reconcile.frames import DATE, FLAG, ID, INSTANT, MONEY, NUMBER, OBJECT, TEXT
from reconcile.sandbox import bms_demo

EXPECTED_DTYPES = {
    ID: pd.Int64Dtype(),
    NUMBER: pd.Float64Dtype(),
    MONEY: pd.Float64Dtype(),
    FLAG: pd.BooleanDtype(),
}


def assert_typed(df: pd.DataFrame, columns: dict[str, str]) -> None:
    """Exactly the documented columns, in order, each with its documented dtype."""
    assert list(df.columns) == list(columns)
    for name, kind in columns.items():
        dtype = df[name].dtype
        if kind == INSTANT:
            assert isinstance(dtype, pd.DatetimeTZDtype), (name, dtype)
            assert str(dtype.tz) == "UTC", (name, dtype)
        elif kind == DATE:  # a calendar date: naive, at midnight
            assert str(dtype) == "datetime64[ns]", (name, dtype)
            days = df[name].dropna()
            assert (days == days.dt.normalize()).all(), name
        elif kind == TEXT:
            assert isinstance(dtype, pd.StringDtype), (name, dtype)
        elif kind == OBJECT:
            assert dtype == np.dtype(object), (name, dtype)
        else:
            assert dtype == EXPECTED_DTYPES[kind], (name, dtype)


@pytest.fixture(scope="module")
def full(sandbox):
    """Everything loaded once for the module (read-only tests)."""
    from reconcile.bms.client import BmsClient
    from reconcile.config import load_config

    client = BmsClient(load_config().bms)
    return {
        "client": client,
        "accounts": loaders.accounts_frame(client),
        "raw_accounts": client.fetch_all("/v2/crm/accounts/summary"),
        "gl": loaders.gl_accounts_frame(client),
        "services": loaders.services_frame(client),
        "tax": loaders.tax_items_frame(client),
    }


# -- columns and dtypes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, columns",
    [
        ("accounts", ACCOUNT_COLUMNS),
        ("gl", GL_COLUMNS),
        ("services", SERVICE_COLUMNS),
        ("tax", TAX_ITEM_COLUMNS),
    ],
)
def test_reference_frames_have_the_documented_columns(full, key, columns):
    df = full[key]
    assert len(df) > 0
    assert_typed(df, columns)


def test_invoice_frames_have_the_documented_columns(bms_client):
    frames = loaders.load_invoices(bms_client)
    assert_typed(frames.headers, INVOICE_COLUMNS)
    assert_typed(frames.lines, LINE_COLUMNS)
    assert_typed(frames.discounts, DISCOUNT_COLUMNS)
    assert_typed(loaders.invoice_statuses(frames.headers), STATUS_COLUMNS)


def test_empty_loads_still_have_every_column(bms_client):
    frames = loaders.load_invoices(bms_client, account_id=999999)
    assert frames.headers.empty and frames.lines.empty and frames.discounts.empty
    assert_typed(frames.headers, INVOICE_COLUMNS)
    assert_typed(frames.lines, LINE_COLUMNS)
    assert_typed(frames.discounts, DISCOUNT_COLUMNS)
    assert_typed(loaders.invoice_statuses(frames.headers), STATUS_COLUMNS)
    none = loaders.accounts_frame(bms_client, account_type="NoSuchType")
    assert none.empty
    assert_typed(none, ACCOUNT_COLUMNS)


def test_time_columns_have_the_documented_resolution(bms_client):
    """docs/bms-client.md: instants are ``datetime64[ns, UTC]``, calendar dates naive
    ``datetime64[ns]`` — whatever the data, so the same column has the same dtype in every
    load (an all-empty column included)."""
    frames = loaders.load_invoices(bms_client)
    one = loaders.load_invoice(bms_client, int(frames.headers["Id"].iloc[0]))
    for df, columns in (
        (frames.headers, INVOICE_COLUMNS),
        (frames.lines, LINE_COLUMNS),
        (one.headers, INVOICE_COLUMNS),
        (loaders.accounts_frame(bms_client), ACCOUNT_COLUMNS),
    ):
        for name, kind in columns.items():
            if kind in (INSTANT, DATE):
                want = "datetime64[ns, UTC]" if kind == INSTANT else "datetime64[ns]"
                assert str(df[name].dtype) == want, (name, df[name].dtype)


def test_money_is_rounded_to_cents(bms_client):
    frames = loaders.load_invoices(bms_client)
    for df, cols in ((frames.headers, INVOICE_COLUMNS), (frames.lines, LINE_COLUMNS)):
        money = [c for c, k in cols.items() if k == MONEY]
        assert "GrandTotal" in money or "TotalPrice" in money
        for name in money:
            values = df[name].dropna()
            assert (values.round(2) == values).all(), name


# -- accounts -------------------------------------------------------------------------------------


def test_accounts_all_rows(full):
    df = full["accounts"]
    assert len(df) == 62
    assert df["Id"].is_unique
    assert df["Id"].notna().all()
    assert set(df["AccountType"]) == {"Client", "Vendor"}


def test_active_only_excludes_the_inactive_account(full, bms_client):
    active = loaders.accounts_frame(bms_client, active_only=True)
    everything = full["accounts"]
    inactive = everything[~everything["IsActive"]]
    assert list(inactive["AccountName"]) == [bms_demo.EDGE_NAMES["inactive"]]
    assert len(active) == len(everything) - 1
    assert active["IsActive"].all()
    assert bms_demo.EDGE_NAMES["inactive"] not in set(active["AccountName"])


def test_account_type_filter(full, bms_client):
    vendors = loaders.accounts_frame(bms_client, account_type="Vendor")
    assert len(vendors) == 2
    assert set(vendors["Id"]) == set(full["accounts"].query("AccountType == 'Vendor'")["Id"])


@pytest.mark.parametrize("position", [10, 31, 61])
def test_modified_since_filters_like_pandas(full, bms_client, position):
    everything = full["accounts"]
    stamps = everything["ModifiedOn"].sort_values().reset_index(drop=True)
    cutoff = stamps[position]  # an existing stamp: the bound is inclusive
    assert stamps.min() < cutoff or position == 0
    expected = set(everything.loc[everything["ModifiedOn"] >= cutoff, "Id"])

    got = loaders.accounts_frame(bms_client, modified_since=cutoff.to_pydatetime())

    assert set(got["Id"]) == expected
    assert len(got) == len(expected) == 62 - position
    # The same bound given as text with another offset.
    text = cutoff.tz_convert("America/New_York").isoformat()
    assert set(loaders.accounts_frame(bms_client, modified_since=text)["Id"]) == expected


def _fields(address: dict | None) -> dict:
    return {f: (address or {}).get(f) for f in ADDRESS_FIELDS}


def _row_address(row: pd.Series, kind: str) -> dict:
    return {
        f: (None if pd.isna(row[f"{kind}.{f}"]) else row[f"{kind}.{f}"]) for f in ADDRESS_FIELDS
    }


def test_billing_address_rule_matches_the_demo_rule(full):
    by_id = full["accounts"].set_index("Id")
    for raw in full["raw_accounts"]:
        picked = bms_demo.billing_address(raw)
        row = by_id.loc[raw["Id"]]
        assert _row_address(row, "Billing") == _fields(picked[1] if picked else None), raw[
            "AccountName"
        ]


def test_account_without_billing_address_bills_the_main_one(full):
    by_id = full["accounts"].set_index("Id")
    no_billing = [
        a
        for a in full["raw_accounts"]
        if not any(ad["IsBilling"] for loc in a["Locations"] for ad in loc["Addresses"])
    ]
    assert len(no_billing) >= 5
    names = {a["AccountName"] for a in no_billing}
    assert bms_demo.EDGE_NAMES["apostrophe"] in names
    for raw in no_billing:
        row = by_id.loc[raw["Id"]]
        assert _row_address(row, "Billing") == _row_address(row, "Main")
        main = next(
            ad
            for loc in raw["Locations"]
            if loc["IsMain"]
            for ad in loc["Addresses"]
            if ad["IsMain"]
        )
        assert _row_address(row, "Main") == _fields(main)


def test_account_with_two_billing_addresses_bills_the_lower_id(full):
    by_id = full["accounts"].set_index("Id")
    two = [
        a
        for a in full["raw_accounts"]
        if sum(ad["IsBilling"] for loc in a["Locations"] for ad in loc["Addresses"]) >= 2
    ]
    assert bms_demo.EDGE_NAMES["two_billing"] in {a["AccountName"] for a in two}
    for raw in two:
        billing = [ad for loc in raw["Locations"] for ad in loc["Addresses"] if ad["IsBilling"]]
        lowest = min(billing, key=lambda ad: ad["Id"])
        highest = max(billing, key=lambda ad: ad["Id"])
        row = by_id.loc[raw["Id"]]
        assert _row_address(row, "Billing") == _fields(lowest)
        assert _row_address(row, "Billing") != _fields(highest)
        # Contact points come from the billing address.
        assert row["Email"] == lowest["EmailAddress"]


@pytest.mark.parametrize("role", ["apostrophe", "accents", "umlauts", "colon", "long"])
def test_awkward_names_round_trip_exactly(full, bms_client, role):
    name = bms_demo.EDGE_NAMES[role]
    assert (full["accounts"]["AccountName"] == name).sum() == 1
    # …and through a query parameter.
    rows = bms_client.fetch_all("/v2/crm/accounts/summary", params={"Filter.AccountName": name})
    assert [r["AccountName"] for r in rows] == [name]
    if role == "long":
        assert len(name) == 120


def test_duplicate_names_are_two_accounts(full):
    dup = full["accounts"][full["accounts"]["AccountName"] == bms_demo.EDGE_NAMES["duplicate"]]
    assert len(dup) == 2
    assert dup["Id"].is_unique


def test_parent_child_accounts(full):
    df = full["accounts"].set_index("AccountName")
    child = df.loc[bms_demo.EDGE_NAMES["colon"]]
    parent = df.loc[bms_demo.EDGE_NAMES["parent"]]
    assert child["ParentId"] == parent["Id"]


# -- chart of accounts, services, tax -----------------------------------------------------------


def test_gl_parents_and_children(full):
    gl = full["gl"]
    assert gl["Id"].is_unique and gl["Code"].is_unique
    children = gl[gl["ParentId"].notna()]
    assert len(children) >= 5
    names = gl.set_index("Id")["Name"]
    for row in children.itertuples():
        assert row.ParentId in names.index
        assert row.ParentName == names[row.ParentId]
    top = gl[gl["ParentId"].isna()]
    assert top["ParentName"].isna().all()
    assert (gl.set_index("Code").loc["4010", "ParentName"]) == "Income"


def test_gl_active_only(full, bms_client):
    active = loaders.gl_accounts_frame(bms_client, active_only=True)
    assert active["IsActive"].all()
    assert set(active["Id"]) == set(full["gl"].loc[full["gl"]["IsActive"].fillna(False), "Id"])


def test_services_income_accounts_exist_in_the_chart(full):
    services, gl = full["services"], full["gl"]
    assert len(services) == 25
    codes = set(gl["Code"])
    assert services["IncomeAccountCode"].notna().all()
    assert set(services["IncomeAccountCode"]) <= codes
    names = gl.set_index("Code")["Name"]
    for row in services.itertuples():
        assert row.IncomeAccountName == names[row.IncomeAccountCode]
    expense = services["ExpenseAccountCode"].dropna()
    assert set(expense) <= codes


def test_services_active_only(full, bms_client):
    active = loaders.services_frame(bms_client, active_only=True)
    assert active["IsActive"].all()
    assert set(active["Id"]) == set(full["services"].loc[full["services"]["IsActive"], "Id"])


def test_tax_items_include_a_group(full):
    tax = full["tax"]
    groups = tax[tax["IsTaxGroup"].fillna(False)]
    assert len(groups) >= 1
    ids = set(tax["Id"])
    rates = tax.set_index("Id")["TaxRate"]
    for row in groups.itertuples():
        members = list(row.SalesTaxItemsIds)
        assert len(members) >= 2
        assert set(members) <= ids
        assert row.TaxRate == pytest.approx(sum(rates[m] for m in members))


# -- invoices ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def invoices(full):
    return loaders.load_invoices(full["client"])


def test_invoices_full_load(invoices):
    h = invoices.headers
    assert len(h) == 200
    assert h["Id"].is_unique
    ids = set(h["Id"])
    assert len(invoices.lines) > 200
    assert set(invoices.lines["InvoiceId"]) <= ids
    assert set(invoices.discounts["InvoiceId"]) <= ids
    assert len(invoices.discounts) > 0
    assert invoices.lines["Id"].is_unique and invoices.discounts["Id"].is_unique
    numbers = h.set_index("Id")["InvoiceNumber"]
    for df in (invoices.lines, invoices.discounts):
        assert (df["InvoiceNumber"].to_numpy() == numbers[df["InvoiceId"]].to_numpy()).all()


def test_invoice_totals_add_up(invoices):
    h = invoices.headers.set_index("Id")
    lines = invoices.lines.groupby("InvoiceId")["TotalPrice"].sum().reindex(h.index, fill_value=0)
    disc = invoices.discounts.groupby("InvoiceId")["Value"].sum().reindex(h.index, fill_value=0)
    assert ((lines - h["Discount"]).round(2) == h["TotalPrice"].round(2)).all()
    assert (disc.round(2) == h["Discount"].round(2)).all()
    assert ((h["TotalPrice"] + h["TotalTax"]).round(2) == h["GrandTotal"].round(2)).all()


def test_invoice_statuses(invoices):
    statuses = loaders.invoice_statuses(invoices.headers)
    assert list(statuses["StatusName"]) == [s["Name"] for s in bms_demo.INVOICE_STATUSES]
    assert list(statuses["StatusId"]) == [s["Id"] for s in bms_demo.INVOICE_STATUSES]
    assert statuses["Invoices"].sum() == 200


def _subset(frames, ids) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    def pick(df: pd.DataFrame, key: str) -> pd.DataFrame:
        return df[df[key].isin(ids)].sort_values("Id").reset_index(drop=True)

    return (
        pick(frames.headers, "Id"),
        pick(frames.lines, "InvoiceId"),
        pick(frames.discounts, "InvoiceId"),
    )


def _same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal frames (datetime resolution aside: an all-empty column may parse coarser)."""

    def norm(df: pd.DataFrame) -> pd.DataFrame:
        df = df.sort_values("Id").reset_index(drop=True)
        for c in df.columns:
            if isinstance(df[c].dtype, pd.DatetimeTZDtype):
                df[c] = df[c].astype("datetime64[ns, UTC]")
        return df

    pd.testing.assert_frame_equal(norm(left), norm(right))


@pytest.mark.parametrize("by", ["status", "account"])
def test_filtered_load_is_a_consistent_subset(bms_client, by):
    everything = loaders.load_invoices(bms_client)  # same moment as the filtered load
    h = everything.headers
    if by == "status":
        wanted = h[h["StatusId"] == 5]
        frames = loaders.load_invoices(bms_client, status_id=5)
    else:
        account = int(h["AccountId"].value_counts().index[0])
        wanted = h[h["AccountId"] == account]
        frames = loaders.load_invoices(bms_client, account_id=account)
    ids = set(wanted["Id"])
    assert len(frames.headers) == len(ids) > 0
    assert set(frames.headers["Id"]) == ids
    assert set(frames.lines["InvoiceId"]) <= ids
    assert set(frames.discounts["InvoiceId"]) <= ids
    exp_h, exp_l, exp_d = _subset(everything, ids)
    _same(frames.headers, exp_h)
    _same(frames.lines, exp_l)
    _same(frames.discounts, exp_d)


def test_filtered_load_by_creation_date(bms_client, invoices):
    h = invoices.headers
    cutoff = h["CreatedOn"].sort_values().iloc[150]
    frames = loaders.load_invoices(bms_client, created_from=cutoff.to_pydatetime())
    assert set(frames.headers["Id"]) == set(h.loc[h["CreatedOn"] >= cutoff, "Id"])


def test_filtered_load_needs_several_line_requests(bms_client, monkeypatch):
    monkeypatch.setattr(loaders, "IDS_PER_REQUEST", 7)
    everything = loaders.load_invoices(bms_client)
    ids = set(everything.headers.loc[everything.headers["StatusId"] == 3, "Id"])
    assert len(ids) > 7
    calls_before = bms_client.calls["POST /v2/finance/invoices/details"]
    frames = loaders.load_invoices(bms_client, status_id=3)
    assert bms_client.calls["POST /v2/finance/invoices/details"] - calls_before >= 2
    _, exp_l, exp_d = _subset(everything, ids)
    _same(frames.lines, exp_l)
    _same(frames.discounts, exp_d)


def test_single_invoice_equals_its_row_of_the_full_load(bms_client):
    everything = loaders.load_invoices(bms_client)
    discounted = everything.discounts["InvoiceId"].iloc[0]
    for invoice_id in (int(everything.headers["Id"].iloc[0]), int(discounted)):
        one = loaders.load_invoice(bms_client, invoice_id)
        exp_h, exp_l, exp_d = _subset(everything, {invoice_id})
        assert len(one.headers) == 1
        assert len(one.lines) == len(exp_l) > 0
        assert_typed(one.headers, INVOICE_COLUMNS)
        _same(one.headers, exp_h)
        _same(one.lines, exp_l)
        _same(one.discounts, exp_d)
    assert len(loaders.load_invoice(bms_client, int(discounted)).discounts) > 0
