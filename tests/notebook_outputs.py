"""Store the expected outputs of the notebooks' ``# NBVAL_CHECK_OUTPUT`` cells, and nothing else.

nbval compares those cells' outputs with what a run shows (after the sanitizers of
``tests/nbval-sanitize.cfg``); every other output, and the widget state JupyterLab saves,
is left out of the repository (``tests/test_notebooks.py`` checks both). Run it after
changing a notebook or what a checked cell shows:

    .venv/bin/python -m tests.notebook_outputs            # every notebook
    .venv/bin/python -m tests.notebook_outputs notebooks/payment_import.ipynb

Each notebook runs as under ``make test``: a new sandbox of its own, the pinned day.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from conftest import DEMO_DATE, ROOT, connected_sandbox
from reconcile import clock

CHECK = "NBVAL_CHECK_OUTPUT"
NOTEBOOK_DIRS = ("notebooks", "reconcile/report_notebooks")


def checked(cell: nbformat.NotebookNode) -> bool:
    """A code cell whose output nbval compares (marker comment on a line of its own)."""
    lines = cell.source.splitlines()
    return cell.cell_type == "code" and any(line.strip() == f"# {CHECK}" for line in lines)


def notebooks() -> list[Path]:
    """Every notebook the suite runs under nbval."""
    found = []
    for folder in NOTEBOOK_DIRS:
        found += sorted((ROOT / folder).rglob("*.ipynb"))
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Outputs kept only on checked cells (numbered 1, 2, … in order); no widget state, no
    execution metadata."""
    nb.metadata.pop("widgets", None)
    nb.metadata["language_info"] = {"name": "python"}  # not the Python version of this run
    count = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        if checked(cell) and cell.outputs:
            count += 1
            cell.execution_count = count
            for output in cell.outputs:
                if "execution_count" in output:
                    output.execution_count = count
                output.get("metadata", {}).clear()
        else:
            cell.outputs = []
            cell.execution_count = None
    return nb


def refresh(path: Path) -> None:
    """Run ``path`` on a new sandbox and store its checked cells' outputs."""
    with tempfile.TemporaryDirectory(prefix="reconcile-nb-") as tmp:
        sandbox = connected_sandbox(Path(tmp) / "sandbox")
        try:
            os.environ["RECONCILE_CONFIG"] = str(sandbox.config_path)
            nb = nbformat.read(path, as_version=4)
            NotebookClient(
                nb,
                timeout=600,
                kernel_name="python3",
                record_timing=False,
                resources={"metadata": {"path": str(path.parent)}},
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            ).execute()
        finally:
            sandbox.stop()
    nbformat.write(clean(nb), path)


def main(argv: list[str]) -> int:
    os.environ[clock.ENV] = DEMO_DATE.isoformat()
    for path in [Path(a).resolve() for a in argv] or notebooks():
        refresh(path)
        print(f"stored the checked outputs of {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
