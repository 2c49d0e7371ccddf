"""The suggestions under a preview: for each blocked record a person can unblock, the
QuickBooks name suggested for it (editable, "Use this name") or the QuickBooks account it
may be ("Link them"). Only wiring: the choices are Session calls; after one, the tab
previews again, so the person sees what sending will now do. Nothing is sent from here."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as w

from reconcile.errors import ReconcileError
from reconcile.plans import Plan
from reconcile.session import Session
from reconcile.sync.choices import suggested
from reconcile.ui.messages import banner


def _account(record: dict) -> str:
    number = f"{record['AcctNum']} " if record.get("AcctNum") else ""
    kind = ", ".join(filter(None, (record.get("AccountType"), record.get("AccountSubType"))))
    return f"{number}{record.get('Name')!r} ({kind}; Id {record.get('Id')})"


def _label(markup: str) -> w.HTML:
    """A label that wraps in a narrow window instead of running under its neighbours."""
    return w.HTML(
        f"<div style='white-space:normal;line-height:1.3'>{markup}</div>",
        layout=w.Layout(min_width="0"),
    )


class Suggestions:
    """One line per blocked record with a suggestion, under the tab's preview."""

    def __init__(self, session: Session, on_chosen: Callable[[], None]) -> None:
        self.session = session
        self.on_chosen = on_chosen
        self.names: dict[str, w.Text] = {}  # bms_id → the name field of its line
        self.buttons: dict[str, w.Button] = {}  # bms_id → its "Use this name" / "Link them"
        self.message = w.HTML()
        self.lines = w.VBox()
        self.widget = w.VBox([self.lines, self.message])

    def show(self, plan: Plan) -> None:
        """The suggestions of a new plan (none: the box is empty)."""
        self.names, self.buttons, self.message.value = {}, {}, ""
        rows = suggested(plan).to_dict("records")
        names = [c for r in rows if isinstance(r["suggested_name"], str) for c in self._name(r)]
        links = [c for r in rows if not isinstance(r["suggested_name"], str) for c in self._link(r)]
        if not rows:
            self.lines.children = []
            return
        heading = w.HTML(
            "<b>Suggestions</b>: accept one to unblock its record; the preview is then made "
            "again, and nothing is sent until you press Send."
        )
        # A grid, so that the name fields and buttons line up whatever the record's name.
        grids = [
            w.GridBox(
                cells,
                layout=w.Layout(
                    grid_template_columns=columns, grid_gap="4px 8px", align_items="center"
                ),
            )
            for cells, columns in (
                (names, "auto minmax(12em, 22em) max-content"),
                (links, "auto max-content"),
            )
            if cells
        ]
        self.lines.children = [heading, *grids]

    def _name(self, row: dict) -> list[w.Widget]:
        """A customer's line: who, the suggested name (editable), "Use this name"."""
        label = _label(
            f"Customer <b>{html.escape(str(row['name']))}</b> (BMS {row['bms_id']}): "
            "QuickBooks name"
        )
        name = w.Text(value=row["suggested_name"], layout=w.Layout(width="auto"))
        button = w.Button(description="Use this name", layout=w.Layout(width="auto"))
        button.on_click(lambda _: self.choose_name(row))
        self.names[row["bms_id"]], self.buttons[row["bms_id"]] = name, button
        return [label, name, button]

    def _link(self, row: dict) -> list[w.Widget]:
        """An account's line: the BMS account, the QuickBooks account, "Link them"."""
        label = _label(
            f"BMS account <b>{html.escape(str(row['name']))}</b> (BMS {row['bms_id']}) is "
            f"QuickBooks account {html.escape(_account(row['qbo_record'] or {}))}?"
        )
        button = w.Button(description="Link them", layout=w.Layout(width="auto"))
        button.on_click(lambda _: self.accept_link(row))
        self.buttons[row["bms_id"]] = button
        return [label, button]

    def choose_name(self, row: dict) -> None:
        """Keep the name in the record's field as its QuickBooks name, then preview again."""
        try:
            name = self.session.choose_name(
                row["bms_id"], row["name"], self.names[row["bms_id"]].value
            )
        except ValueError as exc:
            self.message.value = banner(str(exc), ok=False)
            return
        self.on_chosen()
        self.message.value = banner(f"{row['name']!r} will be sent to QuickBooks as {name!r}.")

    def accept_link(self, row: dict) -> None:
        """Link the BMS account to the QuickBooks account, then preview again."""
        try:
            self.session.accept_link(row)
        except ReconcileError as exc:  # the QuickBooks account is linked to another already
            self.message.value = banner(str(exc), ok=False)
            return
        self.on_chosen()
        self.message.value = banner(
            f"BMS account {row['name']!r} is linked to QuickBooks account "
            f"{_account(row['qbo_record'] or {})}; QuickBooks keeps its name and type."
        )
