"""Scheduled reports: widget-free notebooks run with papermill, kept as HTML, CSV and JSON.

A report is a notebook shipped inside the package, in ``reconcile/report_notebooks/``
(``REPORTS``, found with :mod:`importlib.resources`, so an installed wheel carries them), with
a cell tagged ``parameters`` (``since``, ``until``, ``profile``, ``config``, ``out_dir``,
``dry_run_sync``).
:func:`run_report` executes it with papermill into an output folder and leaves there:

- ``<name>.ipynb``, the executed notebook (kept also when a cell fails, with the error);
- ``<name>.html``, the same without code (nbconvert's HTML exporter, inputs excluded);
- the CSV files of its tables and ``summary.json``, written by the notebook itself.

A report that cannot reach its data fails loudly: :class:`ReportError` names the failing
cell's error and where the executed notebook is (``python -m reconcile report`` prints it on
one line and exits 1). The second half of this module is what the notebooks call to read
their parameters and write their files, so that every report treats them alike.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconcile import clock
from reconcile.errors import ReconcileError

if TYPE_CHECKING:  # imported when used: the CLI reads REPORTS without loading pandas
    from importlib.resources.abc import Traversable

    import pandas as pd

    from reconcile.session import Session

_EXTRACTED = contextlib.ExitStack()  # temporary copies of notebooks from a zipped install
atexit.register(_EXTRACTED.close)


def _real_path(resource: Traversable) -> Path:
    """A filesystem path for a packaged file, as papermill needs: the file itself when the
    package is installed as files (a wheel, an editable install), else a temporary copy
    (a zipped install), removed when the process exits."""
    if isinstance(resource, Path):
        return resource
    return _EXTRACTED.enter_context(resources.as_file(resource))


REPORTS_PACKAGE_DIR = "report_notebooks"  # package data of ``reconcile`` (pyproject.toml)
REPORTS: dict[str, Path] = {
    name: _real_path(resources.files("reconcile") / REPORTS_PACKAGE_DIR / f"{name}.ipynb")
    for name in ("payment_reconciliation", "sync_status")
}
DEFAULT_OUT = Path("reports") / "out"
KERNEL = "python3"
SUMMARY_FILE = "summary.json"
KERNEL_LOG = "kernel.log"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ReportError(ReconcileError):
    """A report notebook failed; ``notebook`` (and ``html`` when it could be written) show
    the executed cells with the error."""

    def __init__(self, message: str, notebook: Path | None = None, html: Path | None = None):
        super().__init__(message)
        self.notebook = notebook
        self.html = html


@dataclass(frozen=True)
class ReportResult:
    """Where a report's files are: the executed notebook, its HTML without code, the CSV
    files and the summary JSON the notebook wrote (all inside ``out_dir``)."""

    name: str
    out_dir: Path
    notebook: Path
    html: Path
    csvs: tuple[Path, ...] = field(default_factory=tuple)
    summary: Path | None = None

    def read_summary(self) -> dict[str, Any]:
        """The summary JSON as a dict ({} when the notebook wrote none)."""
        if self.summary is None:
            return {}
        return json.loads(self.summary.read_text(encoding="utf-8"))


# -- running a report -------------------------------------------------------------------------


def parse_params(items: Iterable[str]) -> dict[str, Any]:
    """``["key=value", …]`` → ``{key: value}``; a value is read as JSON when it is one
    (``true``, ``false``, ``null``, numbers, quoted strings, lists), else kept as text
    (``since=2024-01-01`` stays a string). Raises ValueError naming a malformed item."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not _NAME.fullmatch(key):
            raise ValueError(
                f"bad parameter {item!r}: write it as name=value (e.g. since=2024-01-01)"
            )
        params[key] = _value(text)
    return params


def _value(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, float) and not math.isfinite(value):  # NaN, Infinity: keep the text
        return text
    return value


def default_out_dir(name: str, now: datetime | None = None) -> Path:
    """``reports/out/<name>-<UTC timestamp>`` (relative to the working directory)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return DEFAULT_OUT / f"{name}-{moment:%Y%m%dT%H%M%SZ}"


def report_path(name: str) -> Path:
    """The notebook of a report, by its name in ``REPORTS``."""
    try:
        return REPORTS[name]
    except KeyError:
        raise ReconcileError(
            f"no report named {name!r}: choose one of {', '.join(sorted(REPORTS))}"
        ) from None


def report_description(name: str) -> str:
    """A report's one-line description: the heading of its notebook's first markdown cell
    (read as plain JSON, so that listing the reports loads neither nbformat nor pandas);
    "" when the notebook has no heading."""
    cells = json.loads(report_path(name).read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else source
        for line in text.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
        return ""
    return ""


def run_report(
    name: str, params: Mapping[str, Any] | None = None, out_dir: str | Path | None = None
) -> ReportResult:
    """Execute the report notebook ``name`` with papermill and write its HTML (no code).

    ``params`` override the notebook's parameters (unknown names are refused); ``out_dir``
    (default :func:`default_out_dir`) is created and handed to the notebook as ``out_dir``.
    The kernel runs in the current working directory, so relative paths in parameters and
    in ``RECONCILE_CONFIG`` mean what they mean in the shell. When a cell fails, the
    executed notebook (with the error cell) and its HTML are still written and
    :class:`ReportError` is raised with the error's name and message."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = report_path(name)
    params = dict(params or {})
    known = papermill.inspect_notebook(str(notebook))
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ReconcileError(
            f"report {name} has no parameter {', '.join(unknown)}: it takes {', '.join(known)}"
        )
    chosen = params.pop("out_dir", None) or None
    if out_dir is not None and chosen is not None and Path(chosen) != Path(out_dir):
        raise ReconcileError("give the output folder once: --out DIR or --param out_dir=DIR")
    out = Path(out_dir or chosen or default_out_dir(name)).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    executed, html = out / f"{name}.ipynb", out / f"{name}.html"
    try:
        _execute(notebook, executed, {**params, "out_dir": str(out)}, out / KERNEL_LOG)
    except PapermillExecutionError as exc:
        written = _try_html(executed, html)
        where = f"see {executed}" + (f" or {written}" if written else "")
        raise ReportError(
            f"report {name} failed in cell [{exc.exec_count}]: "
            f"{exc.ename}: {_one_line(exc.evalue)} ({where})",
            executed,
            written,
        ) from exc
    except Exception as exc:  # the kernel could not start or died: still one clear line
        log = out / KERNEL_LOG
        raise ReportError(
            f"report {name} could not run: {type(exc).__name__}: {_one_line(str(exc))}"
            + (f" (the kernel's messages: {log})" if log.exists() else ""),
            executed if executed.exists() else None,
        ) from exc
    write_html(executed, html)
    summary = out / SUMMARY_FILE
    if not summary.exists():
        return ReportResult(name, out, executed, html, tuple(sorted(out.glob("*.csv"))))
    files = json.loads(summary.read_text(encoding="utf-8")).get("files", [])
    csvs = tuple(out / f for f in files if f.endswith(".csv"))  # this run's, not older ones
    return ReportResult(name, out, executed, html, csvs, summary)


def _execute(notebook: Path, executed: Path, parameters: dict[str, Any], log: Path) -> None:
    """papermill in the current directory; the kernel process's own stderr (start-up
    warnings, a crash, libzmq's complaints at shutdown) goes to ``log``, kept only when
    something was written, so that a failing report prints one line and no noise."""
    import papermill
    from jupyter_client.manager import AsyncKernelManager

    with log.open("w", encoding="utf-8") as stream:

        class LoggedKernelManager(AsyncKernelManager):
            async def start_kernel(self, **kw: Any) -> None:
                kw.setdefault("stderr", stream)
                await super().start_kernel(**kw)

        try:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=parameters,
                kernel_name=KERNEL,
                cwd=str(Path.cwd()),
                progress_bar=False,
                kernel_manager_class=LoggedKernelManager,
                extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no start-up chatter
            )
        finally:
            stream.close()
            if not log.stat().st_size:
                log.unlink()


def write_html(notebook: Path, html: Path) -> Path:
    """The executed notebook as a standalone HTML page without code: outputs and markdown
    only (no inputs, no In/Out prompts)."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _resources = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    html.write_text(body, encoding="utf-8")
    return html


def _try_html(notebook: Path, html: Path) -> Path | None:
    """The HTML of a failed run, when the notebook was saved and converts."""
    try:
        return write_html(notebook, html) if notebook.exists() else None
    except Exception:  # the error to report is the notebook's, not this one
        return None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# -- what the notebooks call ------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The report's date range, both ends included."""

    since: date
    until: date

    def __str__(self) -> str:
        return f"{self.since.isoformat()} … {self.until.isoformat()}"


def report_period(since: object = "", until: object = "", today: date | None = None) -> Period:
    """The parameters ``since``/``until`` (ISO dates; "" means a month ago / today)."""
    from reconcile.payments.frames import month_before  # pandas: only when a report runs

    end = _date(until, "until") or today or clock.today()
    start = _date(since, "since") or month_before(end)
    if start > end:
        raise ValueError(f"since ({start}) is after until ({end})")
    return Period(start, end)


def _date(value: object, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{what} must be a date like 2024-01-31, got {value!r}") from None


def open_session(profile: str = "", config: str = "") -> Session:
    """The Session a report reads through: the config file ``config`` (else
    ``RECONCILE_CONFIG``), with ``profile`` (when given) set as ``RECONCILE_PROFILE`` first."""
    from reconcile.session import Session

    if profile:
        os.environ["RECONCILE_PROFILE"] = str(profile)
    return Session.from_config(str(config) if config else None)


def output_dir(out_dir: str | Path = "", name: str = "report") -> Path:
    """The folder a report writes into: ``out_dir``, created; "" means a new temporary
    folder (a notebook opened by hand, or run by nbval, then never writes into the
    repository)."""
    if not out_dir:
        return Path(tempfile.mkdtemp(prefix=f"reconcile-{name}-"))
    path = Path(out_dir).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_outputs(
    out_dir: Path, tables: Mapping[str, pd.DataFrame], summary: Mapping[str, Any]
) -> list[Path]:
    """Each table as ``<name>.csv`` (UTF-8, no index) and ``summary`` as ``summary.json``
    (with the CSV names under ``files``); returns the paths written."""
    written = []
    for table, frame in tables.items():
        path = out_dir / f"{table}.csv"
        frame.to_csv(path, index=False, encoding="utf-8", date_format="%Y-%m-%d")
        written.append(path)
    payload = {**summary, "files": [p.name for p in written]}
    path = out_dir / SUMMARY_FILE
    path.write_text(
        json.dumps(payload, indent=2, ensure_ascii=False, default=_json) + "\n", encoding="utf-8"
    )
    return [*written, path]


def _json(value: Any) -> Any:
    """JSON for the values summaries hold besides plain ones (dates, numpy numbers, NA)."""
    import pandas as pd

    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, date | datetime):  # pd.Timestamp too
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def now_utc() -> str:
    """The current UTC time, ISO 8601 to the second (``generated_at`` of a summary)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
