"""The demo BMS tenant keeps its promises on any day (reconcile/sandbox/bms_demo/).

The demo is generated from ``today``, so what the integration tests and the walkthrough
notebooks pick from it (a part-paid invoice that exports, fifty invoices that export with
what they need, the Sent invoices handed out to write tests…) must be there whatever the
calendar says, not only on the day the suite is pinned to. Each invariant is checked for the
default demo (``DemoSizes()``, seed 7) on every day of :data:`DATES`.

"Can be exported" is decided by the toolkit itself, offline: the BMS records become the
loaders' frames through their pure parts (``reconcile.frames.build``, ``flatten_account``),
and the invoices are planned with ``build_invoice_plan`` + ``plan_dependencies`` ("Include
what it needs") against the QBO demo company as the sandbox seeds it (``qbo_demo.seed``) with
an empty link store — what the ``fresh`` sandbox of the integration tests holds.
No server, no network.
"""

from __future__ import annotations

import calendar
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

import pandas as pd
import pytest

from reconcile.bms.loaders import (
    ACCOUNT_COLUMNS,
    DISCOUNT_COLUMNS,
    GL_COLUMNS,
    INVOICE_COLUMNS,
    LINE_COLUMNS,
    SERVICE_COLUMNS,
    TAX_ITEM_COLUMNS,
    flatten_account,
)
from reconcile.frames import build
from reconcile.mapping import MAPS
from reconcile.mapping.invoices import eligibility
from reconcile.mapping.options import CUSTOMER_TYPES
from reconcile.payments.frames import month_before
from reconcile.sandbox import qbo_demo
from reconcile.sandbox.bms_demo import (
    EDGE_NAMES,
    INVOICE_STATUSES,
    SPECIALS,
    DemoSizes,
    generate,
)
from reconcile.store import SyncStore
from reconcile.sync.dependencies import MasterData, plan_dependencies
from reconcile.sync.invoices import build_invoice_plan, invoice_list
from reconcile.sync.state import QboState
from reconcile.testing.payment_truth import payment_date

# Two years of "today"s: month ends, the first of a month, both ends of a year, a leap day,
# weekdays and weekends, and the days the date-dependence showed up.
DATES = [
    date(2026, 8, 3),  # Mon: test_bms_demo's TODAY
    date(2026, 8, 31),  # Mon, month end
    date(2026, 9, 1),  # Tue, first of a month
    date(2026, 9, 11),  # Fri: test_invoice_export's customer had no invoice (fixed)
    date(2026, 9, 30),  # Wed, month end
    date(2026, 10, 31),  # Sat, month end
    date(2026, 11, 1),  # Sun, first of a month
    date(2026, 11, 29),  # Sun
    date(2026, 11, 30),  # Mon: the suite's DEMO_DATE (a part-paid invoice of the duplicate)
    date(2026, 12, 1),  # Tue, first of a month
    date(2026, 12, 2),  # Wed: a Sent invoice of the blocked duplicate is owed
    date(2026, 12, 25),  # Fri, Christmas
    date(2026, 12, 31),  # Thu, 31 December
    date(2027, 1, 1),  # Fri, 1 January
    date(2027, 1, 31),  # Sun, month end
    date(2027, 2, 28),  # Sun, month end of a common year
    date(2027, 3, 1),  # Mon, first of a month
    date(2027, 3, 30),  # Tue: test_invoice_export's customer had no invoice (fixed)
    date(2027, 3, 31),  # Wed, month end
    date(2027, 4, 30),  # Fri, month end
    date(2027, 5, 31),  # Mon, month end
    date(2027, 6, 30),  # Wed, month end
    date(2027, 7, 31),  # Sat, month end
    date(2027, 8, 31),  # Tue, month end
    date(2027, 10, 31),  # Sun, month end
    date(2027, 11, 30),  # Tue, month end
    date(2027, 12, 31),  # Fri, 31 December
    date(2028, 1, 1),  # Sat, 1 January
    date(2028, 1, 31),  # Mon, month end
    date(2028, 2, 28),  # Mon, the day before a leap day
    date(2028, 2, 29),  # Tue, leap day
    date(2028, 3, 1),  # Wed, first of a month
    date(2028, 3, 31),  # Fri, month end
    date(2028, 6, 30),  # Fri, month end
]
on_every_date = pytest.mark.parametrize("today", DATES, ids=[d.isoformat() for d in DATES])

STATUS_NAMES = [s["Name"] for s in INVOICE_STATUSES]
# Accounts the integration tests name (their names come from the fixed seed, not the day).
EXPORT_TEST_CUSTOMER = "Bunker Hill Veterinary Hospital"  # test_invoice_export.CUSTOMER
VENDOR_CLASH = qbo_demo.VENDOR_NAMED_LIKE_BMS_CLIENT  # test_sync_send: blocked by the vendor


def stamp(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text[:-1])


def day(text: str) -> date:
    return date.fromisoformat(text[:10])


def months_before(d: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    year, month = divmod(d.year * 12 + d.month - 1 - months, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Tenant:
    """One day's demo, raw and as the loaders' frames."""

    today: date
    accounts: list[dict]
    services: list[dict]
    invoices: list[dict]  # InvoiceNumber order
    headers: pd.DataFrame
    lines: pd.DataFrame
    discounts: pd.DataFrame
    master: MasterData
    tax_items: pd.DataFrame
    listed: pd.DataFrame  # what Session.invoices() lists: selectable, why…, newest first


@cache
def link_store() -> SyncStore:
    """An empty link store: nothing exported yet (never written to here)."""
    return SyncStore(":memory:")


@cache
def tenant(today: date) -> Tenant:
    demo = generate(DemoSizes(), seed=7, today=today)
    raw = list(demo.invoices)
    # As reconcile.bms.loaders builds them from the API's records (accounts_frame,
    # invoice_headers, invoice_details, services_frame, gl_accounts_frame, tax_items_frame).
    accounts = build((flatten_account(a) for a in demo.accounts), ACCOUNT_COLUMNS)
    master = MasterData(  # as Session.master_data: clients, services, GL accounts
        customers=accounts[accounts["AccountType"].isin(CUSTOMER_TYPES)],
        items=build(demo.services, SERVICE_COLUMNS),
        accounts=build(demo.gl_accounts, GL_COLUMNS),
    )
    headers = build(raw, INVOICE_COLUMNS)
    listed = invoice_list(headers, link_store()).sort_values(  # as Session.invoices()
        ["InvoiceDate", "InvoiceNumber"], ascending=[False, True], ignore_index=True
    )
    return Tenant(
        today=today,
        accounts=demo.accounts,
        services=demo.services,
        invoices=raw,
        headers=headers,
        lines=build([ln for inv in raw for ln in inv["LineItems"]], LINE_COLUMNS),
        discounts=build([d for inv in raw for d in inv["DiscountItems"]], DISCOUNT_COLUMNS),
        master=master,
        tax_items=build(demo.tax_items, TAX_ITEM_COLUMNS),
        listed=listed,
    )


def qbo_demo_state() -> QboState:
    """The QBO demo company as the sandbox starts it (runner.start_sandbox runs
    ``qbo_demo.seed``), with made-up ids: what a plan reads of a fresh sandbox."""
    records: dict[str, list[dict]] = {}

    def write(entity: str, body: dict) -> dict:
        record = {"Id": str(len(records.get(entity, [])) + 1), "SyncToken": "0", "Active": True}
        records.setdefault(entity, []).append({**record, **body})
        return records[entity][-1]

    def put_raw(entity: str, doc: dict) -> None:
        records.setdefault(entity, []).append(dict(doc))

    qbo_demo.seed(write, put_raw)
    return QboState(records)


@cache
def planned(today: date) -> dict[str, tuple[str, str]]:
    """BMS invoice id → (action, reason) in the plan of every selectable invoice "with what
    it needs" — Session.plan_invoices(invoices[invoices["selectable"]],
    include_dependencies=True), as test_invoice_dependencies makes it.

    The narrower selections of the other tests and the walkthroughs are read off this plan:
    planning fewer invoices can only unblock more (a name is claimed by fewer customers), so
    what exports here exports there too, and the counts below are lower bounds."""
    t = tenant(today)
    chosen = t.listed[t.listed["selectable"]]
    state, store, include = qbo_demo_state(), link_store(), t.master.include()
    options = {"account_links": qbo_demo.ACCOUNT_LINKS}  # as the sandbox's config.toml says
    plan = build_invoice_plan(
        chosen, t.lines, t.discounts, state, store, options, t.tax_items, include=include
    )
    plan = plan_dependencies(plan, t.master, MAPS, state, store, options, t.tax_items)
    invoices = plan.rows[plan.rows["kind"] == "invoice"]
    pairs = zip(invoices["action"], invoices["reason"], strict=True)
    return dict(zip(invoices["bms_id"], pairs, strict=True))


def exportable(today: date) -> pd.Series:
    """Per row of Session.invoices() (newest first): whether the toolkit would create it."""
    listed = tenant(today).listed
    plan = planned(today)
    return listed["Id"].astype(str).map(lambda b: b in plan and plan[b][0] == "create")


def exported(today: date) -> pd.DataFrame:
    """The rows of Session.invoices() the toolkit would create in QuickBooks."""
    return tenant(today).listed[exportable(today)]


def blocked(today: date, rows: pd.DataFrame) -> list[tuple[str, str]]:
    """(invoice number, reason) of the rows that would not be created."""
    plan = planned(today)
    return [
        (n, plan.get(str(i), ("", "not selectable"))[1][:100])
        for i, n in zip(rows["Id"], rows["InvoiceNumber"], strict=True)
        if plan.get(str(i), ("",))[0] != "create"
    ]


def shown(rows: pd.DataFrame) -> list[tuple]:
    return list(zip(rows["InvoiceNumber"], rows["StatusName"], rows["AccountName"], strict=True))


def clients(t: Tenant) -> list[dict]:
    return [a for a in t.accounts if a["AccountType"] == "Client"]


# -- the invoices themselves ---------------------------------------------------------------------


@on_every_date
def test_two_hundred_invoices_in_every_status(today):
    t = tenant(today)
    assert len(t.invoices) == 200, f"{today}: {len(t.invoices)} invoices, not 200"
    counts = Counter(inv["StatusName"] for inv in t.invoices)
    missing = [s for s in STATUS_NAMES if not counts[s]]
    assert not missing, f"{today}: no invoice in status {missing} (counts {dict(counts)})"


@on_every_date
def test_dates_and_time_stamps_are_before_today(today):
    t = tenant(today)
    midnight = datetime.combine(today, datetime.min.time())
    start = months_before(today, DemoSizes().months)  # the window's start (module doc)
    late_dates = [
        (inv["InvoiceNumber"], inv["InvoiceDate"])
        for inv in t.invoices
        if not start < day(inv["InvoiceDate"]) <= today
    ]
    assert not late_dates, f"{today}: invoice dates outside ({start}, {today}]: {late_dates}"
    late = []
    for inv in t.invoices:
        for key in ("CreatedOn", "ModifiedOn", "SentOn", "GeneratedOn"):
            if inv[key] is not None and stamp(inv[key]) >= midnight:
                late.append((inv["InvoiceNumber"], key, inv[key]))
        late += [
            (inv["InvoiceNumber"], f"discount {key}", d[key])
            for d in inv["DiscountItems"]
            for key in ("CreatedOn", "ModifiedOn")
            if stamp(d[key]) >= midnight
        ]
    for a in t.accounts:
        records = [a] + [r for loc in a["Locations"] for r in (loc, *loc["Addresses"])]
        late += [
            (a["AccountName"], key, r[key])
            for r in records
            for key in ("CreatedOn", "ModifiedOn")
            if stamp(r[key]) >= midnight
        ]
    late += [
        (s["Name"], key, s[key])
        for s in t.services
        for key in ("CreatedOn", "ModifiedOn")
        if stamp(s[key]) >= midnight
    ]
    assert not late, f"{today}: time stamps not before {midnight} UTC: {late}"


@on_every_date
def test_the_last_two_invoices_are_new_and_ready_to_send(today):
    by_number = sorted(tenant(today).invoices, key=lambda inv: int(inv["InvoiceNumber"][4:]))
    last = [(inv["InvoiceNumber"], inv["StatusName"]) for inv in by_number[-2:]]
    assert [s for _, s in last] == ["Ready to Send", "New"], f"{today}: the last two are {last}"


@on_every_date
def test_account_modified_stamps_are_distinct(today):
    # test_bms_loaders.test_modified_since_filters_like_pandas: a ModifiedOn cut-off at a
    # position keeps exactly the accounts after it.
    stamps = Counter(a["ModifiedOn"] for a in tenant(today).accounts)
    ties = {s: n for s, n in stamps.items() if n > 1}
    assert not ties, f"{today}: accounts share ModifiedOn stamps {ties}"


@on_every_date
def test_every_active_client_has_an_invoice_it_could_export(today):
    # bms_demo's promise ("Every active client is billed"): a status the toolkit exports
    # (eligibility) and no negative line (map_invoice refuses those).
    t = tenant(today)
    negative = set(t.lines.loc[t.lines["TotalPrice"] < 0, "InvoiceId"])
    checked = eligibility(t.headers)
    billed = set(checked.loc[checked["eligible"] & ~checked["Id"].isin(negative), "AccountId"])
    unbilled = [a["AccountName"] for a in clients(t) if a["IsActive"] and a["Id"] not in billed]
    assert not unbilled, f"{today}: active clients without an invoice to export: {unbilled}"


# -- edge cases ------------------------------------------------------------------------------------


@on_every_date
def test_every_edge_case_account_exists_and_has_its_invoice(today):
    t = tenant(today)
    by_name: dict[str, list[dict]] = {}
    for a in clients(t):
        by_name.setdefault(a["AccountName"], []).append(a)
    expected = {name: 2 if role == "duplicate" else 1 for role, name in EDGE_NAMES.items()}
    found = {name: len(by_name.get(name, [])) for name in expected}
    assert found == expected, f"{today}: edge-case accounts (name → how many) {found}"
    role_ids = {role: by_name[name][0]["Id"] for role, name in EDGE_NAMES.items()}
    role_ids["duplicate_2"] = by_name[EDGE_NAMES["duplicate"]][1]["Id"]
    invoiced = {inv["AccountId"] for inv in t.invoices}
    roles = [s for s in SPECIALS.values() if s in role_ids]
    uninvoiced = [r for r in roles if role_ids[r] not in invoiced]
    assert not uninvoiced, f"{today}: edge-case accounts without an invoice: {uninvoiced}"

    def lines(inv: dict) -> list[dict]:
        return inv["LineItems"]

    shapes = {  # the invoice-shaped SPECIALS, as they show in the data
        "zero": lambda i: i["GrandTotal"] == 0 and i["StatusName"] == "Sent",
        "credit": lambda i: i["GrandTotal"] < 0 and i["StatusName"] == "Sent",
        "nontaxable_on_taxable": lambda i: (
            i["SalesTaxRate"] > 0 and not any(ln["IsTaxable"] for ln in lines(i))
        ),
        "fractional": lambda i: any(ln["Qty"] == 1.5 for ln in lines(i)),
        "discount_two": lambda i: len(i["DiscountItems"]) == 2,
        "partial": lambda i: (  # the one part-paid invoice sure to export
            i["StatusName"] == "Partially Paid" and i["AccountId"] == role_ids["qbo_match"]
        ),
        "return_line": lambda i: (
            i["GrandTotal"] > 0 and any(ln["IsTaxable"] and ln["TotalPrice"] < 0 for ln in lines(i))
        ),
        "void": lambda i: i["StatusName"] == "Void",
        "six_lines": lambda i: len(lines(i)) == 6,
        "discount_one": lambda i: len(i["DiscountItems"]) == 1,
    }
    assert set(SPECIALS.values()) == set(roles) | set(shapes), "a SPECIAL this test ignores"
    absent = [s for s, seen in shapes.items() if not any(seen(inv) for inv in t.invoices)]
    assert not absent, f"{today}: no invoice shows the edge case {absent}"
    inactive = [
        (i["InvoiceNumber"], i["StatusName"])
        for i in t.invoices
        if i["AccountId"] == role_ids["inactive"]
    ]
    assert {s for _, s in inactive} == {"Fully Paid"}, (
        f"{today}: invoices of the inactive account {inactive}"
    )


# -- what the integration tests and the walkthroughs pick ----------------------------------------


@on_every_date
def test_part_paid_and_unpaid_invoices_can_be_exported(today):
    """test_payment_import exports the owed invoices, pays them in QuickBooks and reconciles
    the part-paid and the unpaid ones."""
    ok = exported(today)
    # Which of two accounts of one name the toolkit blocks depends on what is planned with
    # it (the first planned claims the DisplayName): count neither.
    names = Counter(a["AccountName"] for a in clients(tenant(today)))
    ok = ok[ok["AccountName"].map(names) == 1]
    part_paid = ok[
        (ok["StatusName"] == "Partially Paid") & (ok["PaidAmount"] > 0) & (ok["PaymentDue"] > 0)
    ]
    assert len(part_paid) >= 3, (
        f"{today}: only {len(part_paid)} part-paid invoices can be exported: {shown(part_paid)}"
    )
    unpaid = ok[(ok["StatusName"] == "Sent") & (ok["PaidAmount"] == 0) & (ok["PaymentDue"] > 1)]
    assert len(unpaid) >= 20, (
        f"{today}: only {len(unpaid)} unpaid Sent invoices can be exported: {shown(unpaid)}"
    )


@on_every_date
def test_generated_payments_fall_in_the_payments_tab_window(today):
    ok = exported(today)
    owed = ok[ok["PaymentDue"] > 1]  # what make_payments pays: exported, balance > 1
    rng = random.Random(6)  # make_payments' default seed
    since = month_before(today)  # Session.payments' default range: since … today
    outside = []
    for number, when in zip(owed["InvoiceNumber"], owed["InvoiceDate"], strict=True):
        invoice_day = when.date()
        paid = payment_date(invoice_day, today, rng)
        if not (invoice_day <= paid <= today and paid >= since):
            outside.append((number, invoice_day.isoformat(), paid.isoformat()))
    assert not outside, (
        f"{today}: payments (invoice, invoice date, payment date) outside [{since}, {today}] "
        f"or before their invoice: {outside}"
    )


@on_every_date
def test_fifty_invoices_export_with_what_they_need(today):
    """test_invoice_dependencies plans every selectable invoice and exports fifty."""
    plan = planned(today)
    creates = sum(action == "create" for action, _ in plan.values())
    reasons = Counter(reason[:80] for action, reason in plan.values() if action != "create")
    assert creates >= 50, f"{today}: {creates} invoices would be created; blocked: {reasons}"


@on_every_date
def test_the_walkthroughs_find_invoices_to_export_and_pay(today):
    listed, can = tenant(today).listed, exportable(today)
    # invoice_export.ipynb plans the ten newest selectable invoices and exports two of them.
    newest = listed[listed["selectable"]].head(10)
    assert can[newest.index].sum() >= 2, (
        f"{today}: invoice_export.ipynb: of the ten newest selectable invoices fewer than two "
        f"can be exported: {blocked(today, newest)}"
    )
    # payment_import.ipynb exports the twelve newest selectable ones with nothing paid and
    # records 8 payments against those still owed.
    fresh = listed[listed["selectable"] & (listed["PaidAmount"] == 0)].head(12)
    owed = fresh[can[fresh.index] & (fresh["PaymentDue"] > 1)]
    assert len(owed) >= 8, (
        f"{today}: payment_import.ipynb: {len(owed)} of the twelve newest unpaid invoices can "
        f"be exported and paid: blocked {blocked(today, fresh)}, owed {shown(owed)}"
    )


@on_every_date
def test_the_accounts_and_invoices_the_integration_tests_name(today):
    t = tenant(today)
    named = Counter(a["AccountName"] for a in clients(t))
    assert named[EXPORT_TEST_CUSTOMER] == 1 and named[VENDOR_CLASH] == 1, (
        f"{today}: {EXPORT_TEST_CUSTOMER!r} ×{named[EXPORT_TEST_CUSTOMER]}, "
        f"{VENDOR_CLASH!r} ×{named[VENDOR_CLASH]}"
    )
    # test_invoice_export exports the customer's eligible invoices: at least one must go.
    ok = exported(today)
    assert (ok["AccountName"] == EXPORT_TEST_CUSTOMER).any(), (
        f"{today}: no invoice of {EXPORT_TEST_CUSTOMER!r} can be exported"
    )
    # tests/integration/conftest.py hands out Sent, unposted invoices with more than 10 due
    # to the tests that write to BMS (about fifteen of them); test_invoice_export may have
    # posted its customer's before.
    h = t.headers
    pool = h[
        (h["StatusName"] == "Sent")
        & (h["PaymentDue"] > 10)
        & ~h["PostedToAccounting"].fillna(False)
        & (h["AccountName"] != EXPORT_TEST_CUSTOMER)
    ]
    assert len(pool) >= 20, f"{today}: only {len(pool)} Sent invoices with more than 10 due"
