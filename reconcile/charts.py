"""Charts and styled tables for the report notebooks (matplotlib, pandas Styler).

Figures are made with ``matplotlib.figure.Figure`` — no pyplot, so no global figure state
and no GUI backend — and shown as PNG images (:func:`show`), which land in the executed
notebook and in its HTML export the same way under any kernel backend.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from IPython.display import Image, display
from matplotlib.figure import Figure
from pandas.io.formats.style import Styler

BMS_COLOR, QBO_COLOR = "#4c72b0", "#55a868"
BAR_COLOR = "#4c72b0"
# Plan actions in the colours people expect: new green, changed orange, blocked red.
ACTION_COLORS = {
    "create": "#55a868",
    "update": "#dd8452",
    "link": "#4c72b0",
    "unchanged": "#b0b0b0",
    "blocked": "#c44e52",
}
DPI = 100


def _empty(fig: Figure, title: str) -> Figure:
    ax = fig.subplots()
    ax.set_title(title)
    ax.text(0.5, 0.5, "nothing to show", ha="center", va="center", color="grey")
    ax.set_axis_off()
    return fig


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    xlabel: str = "",
    notes: Sequence[str] | None = None,
) -> Figure:
    """Horizontal bars, the first label on top, each bar labelled with its value (or with
    ``notes``, one per bar)."""
    fig = Figure(figsize=(8, 0.9 + 0.4 * max(len(labels), 1)), layout="constrained")
    if not len(labels):
        return _empty(fig, title)
    ax = fig.subplots()
    positions = range(len(labels))
    bars = ax.barh(list(positions), list(values), color=BAR_COLOR)
    ax.set_yticks(list(positions), [str(label) for label in labels])
    ax.invert_yaxis()
    texts = notes if notes is not None else [f"{v:,.0f}" for v in values]
    ax.bar_label(bars, labels=list(texts), padding=3, fontsize=9)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.15)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def balance_chart(customers: pd.DataFrame, *, title: str) -> Figure:
    """Open balance per customer in both systems, side by side (rows of
    ``CUSTOMER_COLUMNS``, in the order given; the first on top)."""
    fig = Figure(figsize=(9, 1.0 + 0.45 * max(len(customers), 1)), layout="constrained")
    if not len(customers):
        return _empty(fig, title)
    ax = fig.subplots()
    height = 0.4
    at = pd.RangeIndex(len(customers)).to_numpy()
    ax.barh(at - height / 2, customers["bms_open"].fillna(0), height, label="BMS", color=BMS_COLOR)
    ax.barh(
        at + height / 2,
        customers["qbo_open"].fillna(0),
        height,
        label="QuickBooks",
        color=QBO_COLOR,
    )
    ax.set_yticks(at, list(customers["customer"].astype(str)))
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel("open balance")
    ax.xaxis.set_major_formatter("{x:,.0f}")
    ax.legend(loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def stacked_chart(counts: pd.DataFrame, *, title: str, xlabel: str = "") -> Figure:
    """One horizontal bar per row of ``counts`` (index: the labels), stacked by column
    (e.g. :func:`reconcile.report_data.action_counts`: kinds × actions)."""
    fig = Figure(figsize=(8, 1.2 + 0.45 * max(len(counts), 1)), layout="constrained")
    if not len(counts) or not len(counts.columns):
        return _empty(fig, title)
    ax = fig.subplots()
    at = list(range(len(counts)))
    left = pd.Series(0.0, index=counts.index)
    for column in counts.columns:
        values = counts[column].astype(float)
        ax.barh(at, values, left=left, label=str(column), color=ACTION_COLORS.get(str(column)))
        left += values
    ax.set_yticks(at, [str(label) for label in counts.index])
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def show(*figures: Figure) -> None:
    """Display figures as PNG images in the notebook, each titled (alt text) by its chart."""
    for fig in figures:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
        titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
        alt = "; ".join(titles) or "chart"
        display(Image(data=buffer.getvalue(), format="png", alt=alt))


def styled(
    frame: pd.DataFrame,
    *,
    money: Iterable[str] = (),
    percent: Iterable[str] = (),
    flag: str | None = None,
    caption: str | None = None,
    limit: int | None = None,
) -> Styler:
    """A table as people read it: no index, amounts to the cent with thousands separators,
    rates as percentages, empty cells as "—"; ``flag`` names a column whose non-zero (or
    true) cells are shown in red; ``limit`` shows the first rows only and says so."""
    shown = frame if limit is None else frame.head(limit)
    if limit is not None and len(frame) > limit:
        more = f"the first {limit} of {len(frame)} rows"
        caption = f"{caption} ({more})" if caption else more
    formats: dict[str, Any] = {c: "{:,.2f}" for c in money if c in shown.columns}
    formats.update({c: "{:.1%}" for c in percent if c in shown.columns})
    dates = [c for c in shown.columns if pd.api.types.is_datetime64_any_dtype(shown[c])]
    formats.update({c: _day for c in dates})
    text = [c for c in shown.columns if c not in formats and not _numeric(shown[c])]
    style = shown.style.hide(axis="index").format(formats, na_rep="—")
    style = style.set_properties(subset=text, **{"text-align": "left"})
    if flag is not None and flag in shown.columns:
        style = style.map(_red, subset=[flag])
    if caption:
        style = style.set_caption(caption)
    caption_style = "caption-side: top; text-align: left; font-weight: bold;"
    return style.set_table_styles([{"selector": "caption", "props": caption_style}])


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _day(value: object) -> str:
    return "—" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")  # type: ignore[arg-type]


def _red(value: object) -> str:
    """Red for a non-zero amount or a true flag; nothing for zero, false and NA."""
    try:
        bad = not pd.isna(value) and abs(float(value)) > 0.005  # type: ignore[arg-type]
    except (TypeError, ValueError):
        bad = False
    return "color: #c0392b; font-weight: bold;" if bad else ""
