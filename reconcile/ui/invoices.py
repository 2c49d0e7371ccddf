"""The Invoices tab: filter BMS invoices, select the exportable ones, preview (header, lines,
totals check), "Export selected Invoices to QuickBooks".

Only wiring: listing, planning, previewing and exporting are Session calls. An invoice that
cannot be exported stays in the grid with its reason; selecting it is undone with a message
(itables cannot disable single rows)."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w
import pandas as pd
from itables.widget import ITable

from reconcile.bms.loaders import invoice_statuses
from reconcile.errors import ReconcileError
from reconcile.plans import Plan
from reconcile.session import Session
from reconcile.sync import bms_payments, credits
from reconcile.sync.invoice_preview import style_lines, style_preview, style_totals
from reconcile.ui.entity import PlanTab
from reconcile.ui.messages import banner, plan_message
from reconcile.ui.suggestions import Suggestions

GRID_COLUMNS = {
    "InvoiceNumber": "Invoice",
    "StatusName": "Status",
    "AccountName": "Customer",
    "InvoiceDate": "Date",
    "DueDate": "Due",
    "GrandTotal": "Total",
    "TotalTax": "Tax",
    "qbo_id": "In QuickBooks",
    "why": "Cannot export because",
}
ALL = ("All", "")


def grid_frame(invoices: pd.DataFrame) -> pd.DataFrame:
    """The columns a person scans to choose invoices, with readable names."""
    shown = invoices[list(GRID_COLUMNS)].copy()
    for column in ("InvoiceDate", "DueDate"):
        shown[column] = shown[column].dt.strftime("%Y-%m-%d")
    shown = shown.astype(object).where(shown.notna(), "")
    return shown.rename(columns=GRID_COLUMNS).reset_index(drop=True)


def _table(title: str, styler: pd.io.formats.style.Styler) -> str:
    return (
        f"<h4>{html.escape(title)}</h4>"
        f"<div style='overflow-x:auto;max-height:30em'>{styler.to_html()}</div>"
    )


class InvoicesView(PlanTab):
    """The seed guide's Invoices tab."""

    def __init__(self, session: Session, on_sent: Callable[[], None] | None = None) -> None:
        self.session = session
        self.on_sent = on_sent
        self.invoices = pd.DataFrame()
        self.plan: Plan | None = None
        self.results: pd.DataFrame | None = None

        self.status = w.Dropdown(options=[ALL], description="Status")
        self.customer = w.Dropdown(options=[ALL], description="Customer")
        self.date_from = w.DatePicker(description="From")
        self.date_to = w.DatePicker(description="To")
        self.load_button = w.Button(
            description="Load Invoices from Kaseya BMS", layout=w.Layout(width="auto")
        )
        self.grid = ITable(pd.DataFrame(), select=True, maxBytes=0, maxRows=0, autoWidth=False)
        self.include = w.Checkbox(
            value=False,
            description="Include what it needs (customers, items, GL accounts)",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.preview_button = w.Button(description="Preview selected", disabled=True)
        self.export_button = w.Button(
            description="Export selected Invoices to QuickBooks",
            button_style="primary",
            disabled=True,
            layout=w.Layout(width="auto"),
        )
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Exporting")
        self.progress.layout.visibility = "hidden"
        self.message = w.HTML()
        self.suggestions = Suggestions(session, self.show_preview)
        self.preview = w.HTML()

        self.load_button.on_click(lambda _: self.load())
        self.preview_button.on_click(lambda _: self.show_preview())
        self.export_button.on_click(lambda _: self.export())
        self.include.observe(lambda _: self._selection_changed(), names="value")
        self.grid.observe(lambda _: self._selection_changed(), names="selected_rows")
        self.widget = w.VBox(
            [
                w.HBox([self.status, self.customer, self.date_from, self.date_to]),
                self.load_button,
                self.grid,
                w.HBox([self.include, self.preview_button, self.export_button, self.progress]),
                self.message,
                self.suggestions.widget,
                self.preview,
            ]
        )

    def _filters(self) -> dict:
        return {
            "status_id": int(self.status.value) if self.status.value else None,
            "account_id": int(self.customer.value) if self.customer.value else None,
            "date_from": self.date_from.value,
            "date_to": self.date_to.value,
        }

    def load(self) -> None:
        """List BMS invoices with the chosen filters; the status and customer choices are
        learned from the invoices themselves (BMS publishes no status list)."""
        try:
            self.invoices = self.session.invoices(**self._filters())
        except ReconcileError as exc:
            self.message.value = banner(str(exc), ok=False)
            return
        if not self.status.value and not self.customer.value:
            statuses = invoice_statuses(self.invoices)
            self.status.options = [ALL] + [
                (str(n), str(i))
                for i, n in zip(statuses["StatusId"], statuses["StatusName"], strict=True)
            ]
            people = self.invoices.drop_duplicates("AccountId").sort_values("AccountName")
            self.customer.options = [ALL] + [
                (str(n), str(i))
                for i, n in zip(people["AccountId"], people["AccountName"], strict=True)
            ]
        self.grid.update(grid_frame(self.invoices), selected_rows=[])
        can = int(self.invoices["selectable"].sum())
        self.message.value = banner(
            f"Loaded {len(self.invoices)} invoices from BMS; {can} can be exported "
            "(the others say why in the last column)."
        )
        self.preview.value = ""

    def _selection_changed(self) -> None:
        if self._fixing_selection:
            return
        labels = self.invoices["InvoiceNumber"] + " (" + self.invoices["why"] + ")"
        self.refuse_unselectable(self.grid, self.invoices["selectable"], labels)
        self.preview_button.disabled = not self.grid.selected_rows
        self.export_button.disabled = True  # a new selection needs a new preview
        self.plan = None

    def selected(self) -> pd.DataFrame:
        """The invoices selected in the grid."""
        return self.invoices.iloc[list(self.grid.selected_rows)]

    def show_preview(self) -> None:
        """Plan the selection and show the header fields, lines and totals side by side."""
        try:
            self.plan = self.session.plan_invoices(
                self.selected(), include_dependencies=self.include.value
            )
        except ReconcileError as exc:
            self.message.value = banner(str(exc), ok=False)
            return
        counts = self.plan.rows.groupby(["kind", "action"], sort=False).size()
        summary = ", ".join(f"{n} {kind} {a}" for (kind, a), n in counts.items())
        self.message.value = plan_message(self.plan, summary)
        self.suggestions.show(self.plan)
        preview = self.session.preview_invoices(self.plan)
        self.preview.value = (
            _table("Totals and payments (BMS vs QuickBooks)", style_totals(preview.totals))
            + _table("Fields", style_preview(preview.records))
            + _table("Lines (BMS ↔ QuickBooks)", style_lines(preview.lines))
        )
        sendable = self.plan.rows["action"].isin(["create", "update", "link", "void"])
        sendable |= self.plan.rows["write_back"].eq(True)  # BMS still to be told the QuickBooks id
        sendable |= bms_payments.to_record(self.plan.rows)  # money paid in BMS, not in QuickBooks
        sendable |= credits.pending_rows(self.plan.rows)  # a credit memo, or credit to apply
        self.export_button.disabled = not bool(sendable.any())

    def export(self) -> None:
        """Export the previewed plan; the outcome goes to the message line and the log."""
        self.carry_out(
            self.export_button,
            lambda plan, advance: self.session.export_invoices(plan, progress=advance),
            export_summary,
            "Export stopped",
        )


def export_summary(results: pd.DataFrame) -> tuple[str, bool]:
    """The highlighted message after an export, and whether all went well."""
    invoices = results[results["kind"] == "invoice"]
    counts = invoices["outcome"].value_counts()
    text = "Exported to QuickBooks: " + ", ".join(f"{n} {o}" for o, n in counts.items())
    deps = results[
        ~results["kind"].isin(["invoice", bms_payments.KIND, credits.KIND, credits.APPLY])
    ]
    memos = results[(results["kind"] == credits.KIND) & (results["outcome"] == "ok")]
    paid = results[(results["kind"] == bms_payments.KIND) & (results["outcome"] == "ok")]
    if len(deps):
        text += f" (and {int((deps['outcome'] == 'ok').sum())} records they needed)"
    if len(memos):
        text += f"; {len(memos)} credit memo(s) for their credit lines"
    if len(paid):
        text += f"; {len(paid)} payment(s) made in BMS recorded in QuickBooks"
    differ = invoices[invoices["totals_agree"].eq(False)]
    if len(differ):
        text += f". Totals DIFFER for {', '.join(differ['name'])}"
    elif (invoices["outcome"] == "ok").any():
        text += ". Totals agree to the cent"
    text += ". See the Synchronization Logs tab."
    ok = differ.empty and not results["outcome"].isin(["failed", "blocked"]).any()
    return text, ok
