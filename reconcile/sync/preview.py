"""The side-by-side preview: for each planned record and field, the BMS value, the value to
send, and the value QuickBooks holds now — a plain DataFrame first, styled for the app."""

from __future__ import annotations

from typing import Any

import pandas as pd

from reconcile.mapping.syncmap import EntityMap, get_path, is_blank
from reconcile.plans import Plan
from reconcile.sync.plan import MADE_NEEDS

PREVIEW_COLUMNS = [
    "bms_id",
    "name",
    "action",
    "field",
    "property",
    "bms_value",
    "to_send",
    "in_quickbooks",
    "changed",
    "note",
]


def _show(value: Any) -> Any:
    if isinstance(value, dict) and "value" in value:
        return value.get("name") or value["value"]
    return None if is_blank(value) else value


def preview_frame(plan: Plan, entity_map: EntityMap | None) -> pd.DataFrame:
    """One row per (plan row, Sync Map rule): what BMS has, what would be sent, what
    QuickBooks has now, whether it changes, and why a field is not sent. A term or tax code
    the send makes first has a row per property it is made with (``entity_map`` may be None
    for a plan of those only)."""
    rows = []
    for p in plan.rows.to_dict("records"):
        if p["kind"] in MADE_NEEDS:
            rows += _made_rows(p)
            continue
        if entity_map is None:
            raise ValueError(f"the preview of {p['kind']} {p['bms_id']} needs its Sync Map")
        mapped, current = p["mapped"], p["qbo_record"] or {}
        for rule in entity_map.rules:
            path = rule.target
            if path and path in mapped.refs:
                need = next((n for n in p["needs"] if n.path == path), None)
                sent: Any = need.label if need else p["targets"].get(path, mapped.refs[path].label)
                note = "created first" if need else ""
            else:
                sent = mapped.values.get(path) if path else None
                note = mapped.skipped.get(path or rule.qbo_field) or mapped.notes.get(path, "")
            if not path:
                note = note or rule.note
            note = p["kept"].get(path, note) if path else note
            bms = mapped.source.get(rule.source) if rule.source else None
            now = _show(get_path(current, path)) if path and current else None
            changed = bool(path) and (path in p["changes"]) and p["action"] != "blocked"
            if bms is None and sent is None and now is None and not note:
                continue  # nothing on either side: keep the preview short
            rows.append(
                {
                    "bms_id": p["bms_id"],
                    "name": p["name"],
                    "action": p["action"],
                    "field": rule.qbo_field,
                    "property": path or "",
                    "bms_value": bms,
                    "to_send": sent,
                    "in_quickbooks": now,
                    "changed": changed,
                    "note": note if p["action"] != "blocked" else p["reason"],
                }
            )
    return pd.DataFrame(rows, columns=PREVIEW_COLUMNS)


def _made_rows(p: dict) -> list[dict]:
    """A term or tax code made first: its properties, the BMS tax item it comes from."""
    source = p["body"].get("from")
    return [
        {
            "bms_id": p["bms_id"],
            "name": p["name"],
            "action": p["action"],
            "field": key,
            "property": key,
            "bms_value": source if key == "TaxCode" else None,
            "to_send": value,
            "in_quickbooks": None,
            "changed": True,
            "note": p["reason"],
        }
        for key, value in p["body"].items()
        if key != "from"
    ]


ACTION_COLOURS = {
    "create": "#e8f5e9",
    "link": "#e3f2fd",
    "update": "#fff8e1",
    "unchanged": "#f5f5f5",
    "blocked": "#ffebee",
}


def style_preview(preview: pd.DataFrame) -> pd.io.formats.style.Styler:
    """The preview for people: rows tinted by action, changed values in bold on yellow,
    fields that are not sent in grey."""

    def row_style(row: pd.Series) -> list[str]:
        base = f"background-color: {ACTION_COLOURS.get(row['action'], 'white')}"
        styles = []
        for column in preview.columns:
            style = base
            if column == "to_send" and row["changed"]:
                style = "background-color: #fff176; font-weight: bold"
            elif column == "to_send" and not row["property"]:
                style = f"{base}; color: #9e9e9e; font-style: italic"
            styles.append(style)
        return styles

    return preview.style.apply(row_style, axis=1).hide(axis="index")
