"""The folder ``make lab`` serves: a working copy of the notebooks, never the tracked ones.

JupyterLab autosaves what a person runs into the notebook file. Served from the repository,
that would change tracked files (``git status`` dirty) and store widget views whose models
are gone on reopening ("Loading widget…"). So ``python -m reconcile lab`` copies the app and
walkthrough notebooks (from the source tree's ``notebooks/``) and the report notebooks (package
data) into a workspace folder on its first run, keeps that copy afterwards (a person's
edits stay theirs; notebooks added by an update are copied in), and copies them afresh with
``--reset``. Saving drops widget views and widget state (:func:`drop_widget_state`), so a
reopened app notebook shows its code, ready to run, instead of dead widgets.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from reconcile.errors import ReconcileError
from reconcile.reports import REPORTS

SOURCE_NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
APP_NOTEBOOK = "quickbooks_sync.ipynb"
REPORTS_FOLDER = "reports"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def workspace_files(source: Path = SOURCE_NOTEBOOKS) -> dict[str, Path]:
    """What a workspace holds: its relative path → the notebook it is copied from."""
    if not (source / APP_NOTEBOOK).exists():
        # The app and walkthrough notebooks live in the source tree (the reports are package
        # data): an install without the checkout has no app to open.
        raise ReconcileError(
            f"no {APP_NOTEBOOK} in {source}: run `make lab` (or `python -m reconcile lab`) "
            "from a clone of the repository"
        )
    files = {p.name: p for p in sorted(source.glob("*.ipynb"))}
    files.update({f"{REPORTS_FOLDER}/{p.name}": p for p in REPORTS.values()})
    return files


def prepare_workspace(
    folder: str | Path, *, reset: bool = False, source: Path = SOURCE_NOTEBOOKS
) -> Path:
    """Make (or, with ``reset``, remake) the working copy in ``folder``; notebooks it lacks
    are copied in, the ones it has are kept as the person left them (with ``reset``, copied
    afresh over them). Returns the folder. Nothing else in the folder is deleted: ``--workspace``
    may name a folder that holds other files."""
    folder = Path(folder).expanduser().resolve()
    for name, original in workspace_files(source).items():
        target = folder / name
        if reset or not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(original, target)
    return folder


def drop_widget_state(model: dict[str, Any], **_: Any) -> None:
    """Jupyter's pre-save hook: a notebook is saved without widget views and widget state
    (their models live only in the running kernel)."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    notebook = model["content"]
    notebook.get("metadata", {}).pop("widgets", None)
    for cell in notebook.get("cells", []):
        outputs = cell.get("outputs")
        if outputs:
            cell["outputs"] = [o for o in outputs if WIDGET_VIEW not in o.get("data", {})]


def lab_arguments(folder: Path) -> list[str]:
    """``jupyter lab`` options: serve ``folder``, open (and print the URL of) the app
    notebook rather than the Launcher, save without widget state."""
    return [
        f"--ServerApp.root_dir={folder}",
        f"--LabApp.default_url=/lab/tree/{APP_NOTEBOOK}",
        f"--ContentsManager.pre_save_hook={__name__}.drop_widget_state",
    ]
