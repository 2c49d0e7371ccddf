"""Session: the one object a notebook (or the CLI) holds — config, both clients, the store,
the Sync Maps — with one method per step of the workflow: load, plan, preview, send, log
(master data); invoices, plan_invoices, preview_invoices, export_invoices; payments,
import_payments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import cached_property

import pandas as pd

from reconcile import clock
from reconcile.bms import assumptions
from reconcile.bms.client import BmsClient
from reconcile.bms.loaders import (
    accounts_frame,
    gl_accounts_frame,
    invoice_details,
    invoice_headers,
    services_frame,
    tax_items_frame,
)
from reconcile.config import Config, load_config
from reconcile.frames import keys
from reconcile.lease import describe, holder, lease
from reconcile.mapping import EntityMap, configured
from reconcile.payments.acceptance import accept
from reconcile.payments.changes import imported_payments, log_changes, payment_changes
from reconcile.payments.classification import (
    HELD,
    IMPORTED,
    IN_FLIGHT,
    UNAPPLIED,
    UNKNOWN,
    classify,
)
from reconcile.payments.frames import load_payments, money_lines, month_before, qbo_invoice_frame
from reconcile.payments.importer import assess_interrupted, import_plan, settle_interrupted
from reconcile.payments.reconciliation import (
    Reconciliation,
    reconcile_customers,
    reconcile_invoices,
    summary,
)
from reconcile.payments.suggestions import suggest
from reconcile.plans import Plan
from reconcile.qbo.client import QboClient
from reconcile.qbo.company import CompanySettings, read_company
from reconcile.qbo.query import select
from reconcile.store import SyncStore
from reconcile.sync import bms_payments, choices, credits
from reconcile.sync.dependencies import MasterData, plan_dependencies
from reconcile.sync.invoice_changes import invoice_changes, log_invoice_changes
from reconcile.sync.invoice_preview import InvoicePreview, invoice_preview
from reconcile.sync.invoice_send import send_invoice_plan
from reconcile.sync.invoices import build_invoice_plan, invoice_list
from reconcile.sync.plan import build_plan
from reconcile.sync.preview import preview_frame
from reconcile.sync.send import Progress, send_plan
from reconcile.sync.state import NEEDED, QboState, tracked_lists

# The entity tabs of the seed guide, by the names people use.
KINDS = {"customers": "customer", "accounts": "account", "items": "item"}
IDS_PER_QUERY = 200  # ids per QuickBooks "Id IN (…)" query


class Session:
    """Everything a sync step needs, built once from the config."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.maps, self.options = configured(config)
        self.assumptions = assumptions.from_table(config.bms_assumptions)

    @classmethod
    def from_config(cls, path: str | None = None) -> Session:
        """A session on the config file (``RECONCILE_CONFIG`` when set)."""
        return cls(load_config(path))

    def __repr__(self) -> str:
        return f"Session(profile={self.config.profile!r}, config={str(self.config.path)!r})"

    @cached_property
    def qbo(self) -> QboClient:
        return QboClient(self.config.qbo)

    @cached_property
    def bms(self) -> BmsClient:
        return BmsClient(self.config.bms)

    @cached_property
    def store(self) -> SyncStore:
        return SyncStore.for_config(self.config)

    @cached_property
    def tax_items(self) -> pd.DataFrame:
        return tax_items_frame(self.bms)

    @cached_property
    def company(self) -> CompanySettings:
        """The QuickBooks company's settings, read once per session (the connection): they
        decide currencies, numbers, tax and tracking of what is sent."""
        return read_company(self.qbo)

    def _state(self, entities: Iterable[str]) -> QboState:
        """What QuickBooks holds of these entities, plus the classes and locations the
        company tracks (an invoice may name them)."""
        return QboState.load(self.qbo, sorted({*entities, *tracked_lists(self.company)}))

    def entity_map(self, kind: str) -> EntityMap:
        """The Sync Map of ``customer``, ``account`` or ``item`` (config overrides applied)."""
        return self.maps[KINDS.get(kind, kind)]

    def load(
        self,
        kind: str,
        *,
        active_only: bool = False,
        not_in_quickbooks: bool = False,
        modified_since: datetime | str | None = None,
    ) -> pd.DataFrame:
        """BMS records of one kind, as the loaders give them, optionally filtered
        (``modified_since`` applies to customers: the only list BMS can filter by date)."""
        kind = KINDS.get(kind, kind)
        if kind == "customer":
            rows = accounts_frame(self.bms, active_only=active_only, modified_since=modified_since)
            types = self.options.customer_account_types
            rows = rows[rows["AccountType"].isin(types)]
        elif kind == "account":
            rows = gl_accounts_frame(self.bms, active_only=active_only)
        elif kind == "item":
            rows = services_frame(self.bms, active_only=active_only)
        else:
            raise ValueError(f"unknown kind {kind!r}: choose customers, accounts or items")
        if not_in_quickbooks:
            linked = set(self.store.links(kind)["bms_id"])
            rows = rows[~keys(rows["Id"]).isin(linked)]
        return rows.reset_index(drop=True)

    def plan(self, kind: str, rows: pd.DataFrame, everyone: pd.DataFrame | None = None) -> Plan:
        """What sending these rows would do (reads QuickBooks' current records, and for
        customers every BMS customer — ``everyone`` when the caller has them — so that a name
        two of them share is kept by the same one)."""
        emap = self.entity_map(kind)
        state = self._state(NEEDED[emap.kind])
        if emap.kind == "customer" and everyone is None:
            everyone = self.load("customer")
        return build_plan(
            emap,
            rows,
            state,
            self.store,
            self.options,
            self.tax_items,
            company=self.company,
            all_rows=everyone,
        )

    def preview(self, plan: Plan) -> pd.DataFrame:
        """The side-by-side preview of a plan."""
        return preview_frame(plan, self.entity_map(plan.kind))

    def send(self, plan: Plan, progress: Progress | None = None) -> pd.DataFrame:
        """Carry out a plan (see :func:`reconcile.sync.send.send_plan`), holding the writer
        lease (``reconcile.lease``: one writer at a time)."""
        with lease(self.store, f"send {plan.kind}"):
            return send_plan(plan, self.qbo, self.store, progress=progress)

    def choose_name(self, bms_id: str, bms_name: str, qbo_name: str) -> str:
        """Send BMS customer ``bms_id`` (``bms_name`` in BMS) to QuickBooks as ``qbo_name``:
        a suggested name accepted, or one typed (see ``reconcile.sync.choices``)."""
        return choices.choose_name(self.store, bms_id, bms_name, qbo_name)

    def accept_link(self, row: pd.Series | dict) -> None:
        """Link a blocked plan row's BMS record to the QuickBooks record it suggests."""
        choices.accept_link(self.store, dict(row))

    # -- invoices ---------------------------------------------------------------------------

    def invoices(
        self,
        *,
        status_id: int | None = None,
        account_id: int | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> pd.DataFrame:
        """BMS invoices to choose from: headers (no lines yet) with whether each can be
        exported and why not (``reconcile.sync.invoices.invoice_list``), newest first. Status
        and customer are BMS filters; the date range applies to the invoice date (BMS can
        only filter by creation date)."""
        headers = invoice_headers(self.bms, status_id=status_id, account_id=account_id)
        day = headers["InvoiceDate"].dt.date
        within = pd.Series(True, index=headers.index)
        if date_from is not None:
            within &= day >= date_from
        if date_to is not None:
            within &= day <= date_to
        headers = headers[within]
        return invoice_list(headers, self.store, self.assumptions).sort_values(
            ["InvoiceDate", "InvoiceNumber"], ascending=[False, True], ignore_index=True
        )

    def master_data(self) -> MasterData:
        """The BMS clients, services and GL accounts an invoice export may need."""
        return MasterData(
            customers=self.load("customer"), items=self.load("item"), accounts=self.load("account")
        )

    def plan_invoices(self, headers: pd.DataFrame, *, include_dependencies: bool = False) -> Plan:
        """What exporting these BMS invoices (rows of :meth:`invoices`) would do; with
        ``include_dependencies``, the customers, items and GL accounts QuickBooks lacks are
        planned first, in the order they must be sent."""
        ids = [int(i) for i in headers["Id"]]
        lines, discounts = invoice_details(self.bms, ids)
        entities = set(NEEDED["invoice"])
        if self.options.deposit_account:  # payments recorded from BMS go into it
            entities.add("Account")
        master = self.master_data() if include_dependencies else None
        if master is not None:
            entities |= {*NEEDED["customer"], *NEEDED["item"]}
        state = self._state(entities)
        args = (state, self.store, self.options, self.tax_items)
        include = master.include() if master is not None else None
        # An invoice is in its account's currency (BMS invoices carry none of their own).
        accounts = master.customers if master is not None else self.load("customer")
        currencies = dict(zip(keys(accounts["Id"]), accounts["CurrencyName"], strict=True))
        plan = build_invoice_plan(
            headers,
            lines,
            discounts,
            *args,
            include=include,
            assumptions=self.assumptions,
            company=self.company,
            currencies=currencies,
        )
        if master is not None:
            plan = plan_dependencies(plan, master, self.maps, *args, company=self.company)
        return plan

    def preview_invoices(self, plan: Plan) -> InvoicePreview:
        """Header fields, lines and totals of an invoice plan, side by side."""
        return invoice_preview(plan, self.maps)

    def export_invoices(self, plan: Plan, progress: Progress | None = None) -> pd.DataFrame:
        """Carry out an invoice plan and write the QuickBooks ids back to BMS, holding the
        writer lease; exported invoices voided or deleted in QuickBooks since are logged
        first (:meth:`invoice_changes`)."""
        with lease(self.store, "export invoices"):
            log_invoice_changes(self.store, self.invoice_changes())
            return send_invoice_plan(plan, self.qbo, self.store, self.bms, progress=progress)

    def invoice_changes(self) -> pd.DataFrame:
        """Exported invoices QuickBooks voided or no longer has while BMS still bills them
        (``INVOICE_CHANGE_COLUMNS`` of ``reconcile.sync.invoice_changes``), with what to do
        in BMS. Reads only."""
        links = self.store.links("invoice")
        now = {doc["Id"]: doc for doc in self._read_ids("Invoice", links["qbo_id"])}
        return invoice_changes(links, now, lambda: invoice_headers(self.bms), self.assumptions)

    # -- payments ---------------------------------------------------------------------------

    def qbo_invoices(self, ids: Iterable[str] | None = None) -> pd.DataFrame:
        """QuickBooks invoices (``QBO_INVOICE_COLUMNS``): these ids, or all of them."""
        if ids is None:
            return qbo_invoice_frame(self.qbo.query(select("Invoice")))
        return qbo_invoice_frame(self._read_ids("Invoice", ids))

    def _read_ids(self, entity: str, ids: Iterable[str]) -> list[dict]:
        """The QuickBooks records of these ids that exist (a query per IDS_PER_QUERY ids)."""
        wanted = sorted({str(i) for i in ids})
        found: list[dict] = []
        for start in range(0, len(wanted), IDS_PER_QUERY):
            chunk = wanted[start : start + IDS_PER_QUERY]
            found += self.qbo.query(select(entity).in_("Id", chunk))
        return found

    def payments(self, since: date | None = None, until: date | None = None) -> Plan:
        """QuickBooks payments dated ``since`` (default: a month ago) … ``until`` (default:
        today), classified for import into BMS (see ``reconcile.payments.classification``).
        Reads only. Payments an interrupted import began are looked up in BMS and shown as
        found (applied: already imported; not applied: importable; else held for a person);
        while another run writes, they are that run's. The import records what was found."""
        since = since or month_before(clock.today())
        payments, lines = load_payments(self.qbo, since, until)
        bms_invoices = invoice_headers(self.bms)
        writer = holder(self.store)
        if writer is not None:  # markers are a crash's leftovers only when no writer is alive
            why = f"another reconcile is writing: {describe(writer)}"
            interrupted = {p: (IN_FLIGHT, why) for p in self.store.pending_of("payment")}
        else:
            found = assess_interrupted(self.store, bms_invoices)
            classes = {"imported": IMPORTED, "held": HELD}
            interrupted = {
                r.payment_id: (classes[r.outcome], r.message)
                for r in found.itertuples()
                if r.outcome in classes
            }
        interrupted.update(bms_payments.recording_stopped(self.store, lines))
        return classify(
            payments,
            lines,
            bms_invoices,
            self.qbo_invoices(lines["qbo_invoice_id"].dropna()),
            self.store.links("invoice"),
            self.store.links("customer"),
            set(self.store.links("payment")["qbo_id"]),
            self.load("customer"),
            interrupted,
            self.assumptions,
            from_bms=bms_payments.recorded_ids(self.store) | credits.applied_ids(self.store),
        )

    def payment_changes(self) -> pd.DataFrame:
        """The payments imported into BMS, and those recorded in QuickBooks from BMS, each
        against QuickBooks now (``CHANGE_COLUMNS`` of ``reconcile.payments.changes``):
        voided, deleted or changed in amount since, with what to do. Reads only."""
        imported = pd.concat(
            [imported_payments(self.store), bms_payments.recorded_payments(self.store)],
            ignore_index=True,
        )
        found = self._read_ids("Payment", imported["payment_id"])
        return payment_changes(imported, {doc["Id"]: doc for doc in found})

    def import_payments(self, plan: Plan, progress: Progress | None = None) -> pd.DataFrame:
        """Import the plan's importable payments into BMS (see
        ``reconcile.payments.importer``); one result row per payment. What an interrupted
        import left is recorded first (``settle_interrupted``), and imported payments changed
        in QuickBooks since are logged (``payment_changes``), under the writer lease."""
        methods = {m["Id"]: m["Name"] for m in self.qbo.query(select("PaymentMethod"))}
        with lease(self.store, "import payments"):
            if self.store.pending_of("payment"):
                settle_interrupted(self.store, invoice_headers(self.bms))
            log_changes(self.store, self.payment_changes())
            return import_plan(
                plan,
                self.bms,
                self.store,
                self.qbo.realm_id or "",
                methods=methods,
                progress=progress,
                assumptions=self.assumptions,
            )

    def suggestions(self, plan: Plan, limit: int = 3) -> pd.DataFrame:
        """Ranked BMS invoices the plan's unapplied payments (and those paying an invoice
        BMS does not know) probably pay (``SUGGESTION_COLUMNS``); nothing is applied."""
        payments = plan.rows[plan.rows["class"].isin([UNAPPLIED, UNKNOWN])]
        payments = payments.assign(
            open=payments["unapplied"].where(payments["class"] == UNAPPLIED, payments["total"])
        )
        return suggest(
            payments,
            self.open_invoices(),
            self.store.links("customer"),
            amount_column="open",
            limit=limit,
        )

    def open_invoices(self) -> pd.DataFrame:
        """BMS invoices that are in QuickBooks and still owed (a suggestion can apply a
        payment to them there)."""
        bms = invoice_headers(self.bms)
        exported = bms["AccountingAppReference"].notna() | keys(bms["Id"]).isin(
            self.store.links("invoice")["bms_id"]
        )
        return bms[exported & (bms["PaymentDue"] > 0)].reset_index(drop=True)

    def accept_suggestion(self, suggestion: pd.Series | dict) -> dict:
        """Apply the payment in QuickBooks as the accepted suggestion says (see
        ``reconcile.payments.acceptance``); import it into BMS afterwards."""
        bms = invoice_headers(self.bms)
        links = self.store.links("invoice")
        qbo_ids = dict(zip(keys(bms["Id"]), bms["AccountingAppReference"], strict=True))
        qbo_ids = {k: v for k, v in qbo_ids.items() if isinstance(v, str)}
        qbo_ids.update(zip(links["bms_id"], links["qbo_id"], strict=True))
        row = dict(suggestion)
        with lease(self.store, "apply a payment in QuickBooks"):
            return accept(self.qbo, self.store, str(row["payment_id"]), row, qbo_ids)

    def reconciliation(self) -> Reconciliation:
        """Payments against invoices across both systems: per invoice, per customer, and a
        summary (see ``reconcile.payments.reconciliation``)."""
        bms = invoice_headers(self.bms)
        memos = self.qbo.query(select(credits.ENTITY))
        qbo, links = credits.with_credit_memos(self.qbo_invoices(), memos, self.store)
        payments, lines = load_payments(self.qbo)
        lines = money_lines(payments, lines)
        by_invoice = reconcile_invoices(bms, qbo, lines, links, assumptions=self.assumptions)
        # A QuickBooks customer is reported under its BMS name when the two are linked.
        names = dict(zip(qbo["customer_id"], qbo["customer_name"], strict=True))
        accounts = self.load("customer")
        bms_names = dict(zip(keys(accounts["Id"]), accounts["AccountName"], strict=True))
        links = self.store.links("customer")
        renames = {
            names[q]: bms_names[b]
            for b, q in zip(links["bms_id"], links["qbo_id"], strict=True)
            if q in names and b in bms_names
        }
        return Reconciliation(
            by_invoice, reconcile_customers(by_invoice, renames), summary(by_invoice)
        )

    def log(self, **filters: object) -> pd.DataFrame:
        """The synchronization log (filters: run_id, kind, since, outcome)."""
        return self.store.log_frame(**filters)
