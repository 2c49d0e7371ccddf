"""The Payments tab, as the seed guide draws it: Synchronization Options (the date range),
"Payments to Import" (select; the lines beside their BMS invoices before and after), Next,
and the Synchronization Results.

Only wiring: loading, classifying and importing are Session calls. A payment that cannot be
imported stays listed with its reason; selecting it is undone with a message."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w
import pandas as pd
from itables.widget import ITable

from reconcile import clock
from reconcile.errors import ReconcileError
from reconcile.payments.classification import match_rates
from reconcile.payments.frames import month_before
from reconcile.payments.suggestions import PRESELECT
from reconcile.plans import Plan
from reconcile.session import Session
from reconcile.ui.entity import PlanTab
from reconcile.ui.messages import banner

GRID_COLUMNS = {
    "txn_date": "Date",
    "customer_name": "Customer",
    "reference": "Reference",
    "total": "Amount",
    "applied": "Applied",
    "unapplied": "Unapplied",
    "class": "State",
    "reason": "Why",
}
PREVIEW_COLUMNS = {
    "payment_id": "Payment",
    "line": "Line",
    "amount": "Amount",
    "invoice_number": "Invoice",
    "paid_before": "Paid before",
    "due_before": "Due before",
    "status_before": "Status before",
    "paid_after": "Paid after",
    "due_after": "Due after",
    "status_after": "Status after",
    "class": "State",
    "reason": "Why",
}
SUB_TABS = (
    "Synchronization Options",
    "Payments to Import",
    "Suggestions",
    "Synchronization Results",
)
SUGGESTION_GRID = {
    "payment_id": "Payment",
    "customer_name": "Customer",
    "reference": "Reference",
    "open": "Unapplied",
    "invoice_numbers": "Invoices",
    "amounts": "Amounts",
    "score": "Score",
    "reasons": "Why",
}


def grid_frame(payments: pd.DataFrame) -> pd.DataFrame:
    """The payment columns a person scans to choose, with readable names."""
    shown = payments[list(GRID_COLUMNS)].copy()
    shown["txn_date"] = shown["txn_date"].dt.strftime("%Y-%m-%d")
    shown = shown.astype(object).where(shown.notna(), "")
    return shown.rename(columns=GRID_COLUMNS).reset_index(drop=True)


def results_summary(results: pd.DataFrame) -> tuple[str, bool]:
    """The highlighted message after an import, and whether all went well."""
    counts = results["outcome"].value_counts()
    text = "Imported into BMS: " + ", ".join(f"{n} {o}" for o, n in counts.items())
    return text + ". See the Synchronization Results.", not int(counts.get("failed", 0))


def suggestion_frame(suggestions: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """Suggestions beside their payment, with readable names (best first per payment)."""
    shown = suggestions.merge(
        payments[["payment_id", "customer_name", "reference", "unapplied", "total"]].rename(
            columns={"total": "paid"}
        ),
        on="payment_id",
        how="left",
    )
    shown["open"] = shown["unapplied"].where(shown["unapplied"] > 0, shown["paid"])
    shown["invoice_numbers"] = shown["invoice_numbers"].map(", ".join)
    shown["amounts"] = shown["amounts"].map(lambda a: ", ".join(f"{x:.2f}" for x in a))
    shown["score"] = shown["score"].round(2)
    shown = shown[list(SUGGESTION_GRID)].astype(object).where(shown.notna(), "")
    return shown.rename(columns=SUGGESTION_GRID).reset_index(drop=True)


class PaymentsView(PlanTab):
    """The seed guide's Payments tab."""

    def __init__(self, session: Session, on_sent: Callable[[], None] | None = None) -> None:
        self.session = session
        self.on_sent = on_sent
        self.all: Plan | None = None
        self.plan: Plan | None = None  # the selected payments' plan, once previewed
        self.results: pd.DataFrame | None = None
        today = clock.today()
        self.since = w.DatePicker(description="From", value=month_before(today))
        self.until = w.DatePicker(description="To", value=today)
        self.load_button = w.Button(description="Payments to Import", button_style="info")
        self.grid = ITable(pd.DataFrame(), select=True, maxBytes=0, maxRows=0, autoWidth=False)
        self.next_button = w.Button(description="Next", button_style="primary", disabled=True)
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Importing")
        self.progress.layout.visibility = "hidden"
        self.message = w.HTML()
        self.preview = w.HTML()
        self.results_table = w.HTML()
        self.suggestions = pd.DataFrame()
        self.suggestion_grid = ITable(
            pd.DataFrame(), select=True, maxBytes=0, maxRows=0, autoWidth=False
        )
        self.accept_button = w.Button(
            description="Accept selected suggestions", disabled=True, layout=w.Layout(width="auto")
        )

        self.load_button.on_click(lambda _: self.load())
        self.next_button.on_click(lambda _: self.import_selected())
        self.accept_button.on_click(lambda _: self.accept())
        self.suggestion_grid.observe(
            lambda _: setattr(
                self.accept_button, "disabled", not self.suggestion_grid.selected_rows
            ),
            names="selected_rows",
        )
        self.grid.observe(lambda _: self._selection_changed(), names="selected_rows")
        options = w.VBox(
            [
                w.HTML("Payments recorded in QuickBooks in this date range are loaded:"),
                w.HBox([self.since, self.until]),
                self.load_button,
            ]
        )
        choose = w.VBox([self.grid, w.HBox([self.next_button, self.progress]), self.preview])
        suggest = w.VBox(
            [
                w.HTML(
                    "Payments QuickBooks applied to no invoice (or to one BMS does not know), "
                    "with the invoices they probably pay. Accepting applies the payment to "
                    "them in QuickBooks; it can then be imported. Nothing is applied until you "
                    "accept; suggestions scoring 0.9 or more are pre-selected."
                ),
                self.suggestion_grid,
                self.accept_button,
            ]
        )
        self.tabs = w.Tab([options, choose, suggest, self.results_table], titles=SUB_TABS)
        self.widget = w.VBox([self.tabs, self.message])

    def load(self) -> None:
        """Load and classify the payments of the date range, and show them."""
        try:
            self.all = self.session.payments(self.since.value, self.until.value)
        except ReconcileError as exc:
            self.message.value = banner(str(exc), ok=False)
            return
        payments = self.all.rows
        self.grid.update(grid_frame(payments), selected_rows=[])
        rates = match_rates(self.all)
        self.message.value = banner(
            f"{len(payments)} payment(s) from QuickBooks: {int(payments['importable'].sum())} "
            f"can be imported ({rates['payment_rate']:.0%} of the new payments, "
            f"{rates['line_rate']:.0%} of their invoice lines)."
        )
        self.preview.value = ""
        self.tabs.selected_index = 1
        self.suggestions = self.session.suggestions(self.all).reset_index(drop=True)
        sure = (self.suggestions["rank"] == 1) & (self.suggestions["score"] >= PRESELECT)
        chosen = [int(i) for i in self.suggestions.index[sure]]
        self.suggestion_grid.update(
            suggestion_frame(self.suggestions, payments), selected_rows=chosen
        )
        self.accept_button.disabled = not chosen

    def _selection_changed(self) -> None:
        if self._fixing_selection or self.all is None:
            return
        payments = self.all.rows
        labels = "payment " + payments["payment_id"] + " (" + payments["class"] + ": "
        labels += payments["reason"] + ")"
        self.refuse_unselectable(self.grid, payments["importable"], labels)
        self.show_preview()

    def selected(self) -> Plan:
        """The plan of the selected payments."""
        assert self.all is not None
        ids = self.all.rows["payment_id"].iloc[list(self.grid.selected_rows)]
        return self.all.select(ids)

    def show_preview(self) -> None:
        """The selected payments' lines beside their BMS invoices, before and after."""
        if self.all is None or not self.grid.selected_rows:
            self.plan = None
            self.preview.value = ""
            self.next_button.disabled = True
            return
        chosen = self.selected()
        self.plan = chosen
        lines = chosen.lines[list(PREVIEW_COLUMNS)].rename(columns=PREVIEW_COLUMNS)
        table = lines.style.hide(axis="index").format(precision=2, na_rep="").to_html()
        self.preview.value = (
            f"<h4>{len(chosen.rows)} payment(s), {html.escape(str(len(lines)))} invoice "
            f"line(s): BMS before and after the import</h4>"
            f"<div style='overflow-x:auto;max-height:30em'>{table}</div>"
        )
        self.next_button.disabled = False

    def accept(self) -> None:
        """Apply the selected suggestions in QuickBooks (one per payment), then reload."""
        chosen = self.suggestions.iloc[list(self.suggestion_grid.selected_rows)]
        twice = chosen["payment_id"][chosen["payment_id"].duplicated()]
        if len(twice):
            self.message.value = banner(
                f"Choose one suggestion per payment (payment {', '.join(twice)} twice).", ok=False
            )
            return
        done = []
        for _, row in chosen.iterrows():
            try:
                self.session.accept_suggestion(row)
            except ReconcileError as exc:
                self.message.value = banner(f"Payment {row['payment_id']}: {exc}", ok=False)
                break
            done.append(f"payment {row['payment_id']} → {', '.join(row['invoice_numbers'])}")
        if done:
            self.load()
            self.message.value = banner(
                f"Applied in QuickBooks: {'; '.join(done)}. They can be imported now."
            )
            if self.on_sent:
                self.on_sent()

    def import_selected(self) -> None:
        """Import the previewed selection (Next), then show the Synchronization Results."""
        self.results = None
        self.carry_out(
            self.next_button,
            lambda plan, advance: self.session.import_payments(plan, progress=advance),
            results_summary,
            "Import stopped",
        )
        if self.results is not None:
            table = self.results.style.hide(axis="index").format(precision=2, na_rep="")
            self.results_table.value = table.to_html()
            self.tabs.selected_index = 3
