"""An entity tab (Accounts, Chart of Accounts, Items): load from BMS, select, preview, send.

Only wiring: loading, planning, previewing and sending are Session calls; the widgets show
their results. The grid is itables' ITable widget with row selection."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w
import pandas as pd
from itables.widget import ITable

from reconcile.errors import ReconcileError
from reconcile.plans import Plan
from reconcile.session import Session
from reconcile.sync.preview import style_preview
from reconcile.ui.messages import banner, plan_message
from reconcile.ui.suggestions import Suggestions

TITLES = {"customer": "Customers", "account": "Chart of Accounts", "item": "Items"}
GRID_COLUMNS = {
    "customer": [
        "Id",
        "AccountCode",
        "AccountName",
        "NetDays",
        "SalesTaxItemName",
        "Billing.City",
        "Email",
        "IsActive",
    ],
    "account": ["Id", "Code", "Name", "TypeName", "ParentName", "IsActive"],
    "item": ["Id", "Name", "Category", "UnitPrice", "IsTaxable", "IncomeAccountCode", "IsActive"],
}


def grid_frame(rows: pd.DataFrame, kind: str, linked: set[str]) -> pd.DataFrame:
    """The columns a person scans to choose records, plus whether each is in QuickBooks."""
    shown = rows[GRID_COLUMNS[kind]].astype(object).where(rows[GRID_COLUMNS[kind]].notna(), "")
    shown.insert(1, "In QuickBooks", ["yes" if str(i) in linked else "" for i in rows["Id"]])
    return shown.reset_index(drop=True)


class PlanTab:
    """What the entity tabs and the Invoices tab share: a previewed plan is carried out with
    the progress bar following it, then summarised in the message line."""

    plan: Plan | None
    results: pd.DataFrame | None
    progress: w.IntProgress
    message: w.HTML
    on_sent: Callable[[], None] | None
    _fixing_selection = False  # set while refuse_unselectable changes the selection

    def refuse_unselectable(self, grid: ITable, allowed: pd.Series, labels: pd.Series) -> bool:
        """Undo the selection of rows that cannot be sent (``allowed`` False), saying why
        (``labels``: one text per row); True when something was refused."""
        chosen = list(grid.selected_rows)
        refused = [i for i in chosen if not allowed.iloc[i]]
        if not refused:
            return False
        self._fixing_selection = True
        try:
            grid.selected_rows = [i for i in chosen if i not in refused]
        finally:
            self._fixing_selection = False
        reasons = "; ".join(labels.iloc[refused])
        self.message.value = banner(f"Not selectable: {reasons}", ok=False)
        return True

    def carry_out(
        self,
        button: w.Button,
        run: Callable[[pd.DataFrame, Callable[[int, int], None]], pd.DataFrame],
        summarize: Callable[[pd.DataFrame], tuple[str, bool]],
        stopped: str,
    ) -> None:
        """``run(plan, advance)`` the previewed plan; a new one needs a new preview."""
        if self.plan is None:
            self.message.value = banner("Preview the selection first.", ok=False)
            return
        plan, self.plan = self.plan, None
        button.disabled = True
        self.progress.layout.visibility = "visible"
        self.progress.value, self.progress.max = 0, 1

        def advance(done: int, total: int) -> None:
            self.progress.value, self.progress.max = done, max(1, total)

        try:
            self.results = run(plan, advance)
        except ReconcileError as exc:
            self.message.value = banner(f"{stopped}: {exc}", ok=False)
            return
        self.progress.value = self.progress.max
        self.message.value = banner(*summarize(self.results))
        if self.on_sent:
            self.on_sent()


def send_summary(results: pd.DataFrame) -> tuple[str, bool]:
    """The highlighted message after sending master records, and whether all went well."""
    counts = results["outcome"].value_counts()
    failed = int(counts.get("failed", 0)) + int(counts.get("blocked", 0))
    summary = ", ".join(f"{n} {o}" for o, n in counts.items())
    return f"Sent to QuickBooks: {summary}. See the Synchronization Logs tab.", not failed


class EntityView(PlanTab):
    """One entity tab of the seed guide's QuickBooks Sync dialog."""

    def __init__(self, session: Session, kind: str, on_sent: Callable[[], None] | None = None):
        self.session = session
        self.kind = kind
        self.on_sent = on_sent
        self.rows = pd.DataFrame()
        self.plan: Plan | None = None
        self.results: pd.DataFrame | None = None
        title = TITLES[kind]

        self.load_button = w.Button(
            description=f"Load {title} from Kaseya BMS", layout=w.Layout(width="auto")
        )
        self.active_only = w.Checkbox(value=True, description="Active only", indent=False)
        self.not_in_qbo = w.Checkbox(value=False, description="Not yet in QuickBooks", indent=False)
        self.modified_since = w.DatePicker(description="Modified since")
        self.modified_since.layout.display = None if kind == "customer" else "none"
        self.grid = ITable(pd.DataFrame(), select=True, maxBytes=0, maxRows=0, autoWidth=False)
        self.preview_button = w.Button(description="Preview selected", disabled=True)
        self.send_button = w.Button(
            description="Send Selected to QuickBooks",
            button_style="primary",
            disabled=True,
            layout=w.Layout(width="auto"),
        )
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Sending")
        self.progress.layout.visibility = "hidden"
        self.preview = w.HTML()
        self.message = w.HTML()
        self.suggestions = Suggestions(session, self.show_preview)

        self.load_button.on_click(lambda _: self.load())
        self.preview_button.on_click(lambda _: self.show_preview())
        self.send_button.on_click(lambda _: self.send())
        self.grid.observe(lambda _: self._selection_changed(), names="selected_rows")
        self.widget = w.VBox(
            [
                w.HBox([self.load_button, self.active_only, self.not_in_qbo, self.modified_since]),
                self.grid,
                w.HBox([self.preview_button, self.send_button, self.progress]),
                self.message,
                self.suggestions.widget,
                self.preview,
            ]
        )

    def _selection_changed(self) -> None:
        chosen = bool(self.grid.selected_rows)
        self.preview_button.disabled = not chosen
        self.send_button.disabled = True  # a new selection needs a new preview
        self.plan = None

    def selected(self) -> pd.DataFrame:
        """The BMS rows selected in the grid."""
        return self.rows.iloc[list(self.grid.selected_rows)]

    def load(self) -> None:
        """Read this entity from BMS with the chosen filters and show it."""
        since = self.modified_since.value if self.kind == "customer" else None
        try:
            self.rows = self.session.load(
                self.kind,
                active_only=self.active_only.value,
                not_in_quickbooks=self.not_in_qbo.value,
                modified_since=f"{since.isoformat()}T00:00:00Z" if since else None,
            )
        except ReconcileError as exc:
            self.message.value = banner(str(exc), ok=False)
            return
        linked = set(self.session.store.links(self.kind)["bms_id"])
        self.grid.update(grid_frame(self.rows, self.kind, linked), selected_rows=[])
        self.message.value = banner(
            f"Loaded {len(self.rows)} {TITLES[self.kind].lower()} from BMS."
        )
        self.preview.value = ""

    def show_preview(self) -> None:
        """Plan the selection and show it side by side (BMS │ to send │ QuickBooks now)."""
        try:
            self.plan = self.session.plan(self.kind, self.selected())
        except ReconcileError as exc:
            self.message.value = banner(str(exc), ok=False)
            return
        counts = self.plan.rows["action"].value_counts()
        summary = ", ".join(f"{n} {a}" for a, n in counts.items())
        self.message.value = plan_message(self.plan, summary)
        self.suggestions.show(self.plan)
        preview = self.session.preview(self.plan)
        table = style_preview(preview).to_html()
        self.preview.value = f"<div style='overflow-x:auto;max-height:40em'>{table}</div>"
        sendable = self.plan.rows["action"].isin(["create", "update", "link"])
        self.send_button.disabled = not bool(sendable.any())

    def send(self) -> None:
        """Send the previewed plan; the outcome goes to the message line and the log."""
        self.carry_out(
            self.send_button,
            lambda plan, advance: self.session.send(plan, progress=advance),
            send_summary,
            "Send stopped",
        )
