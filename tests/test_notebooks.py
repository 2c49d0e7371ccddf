"""What the repository's notebooks hold: the expected outputs of their checked cells
(``# NBVAL_CHECK_OUTPUT``, compared by nbval) and nothing else — no other outputs, no
widget state. ``python -m tests.notebook_outputs`` stores them."""

from __future__ import annotations

import nbformat
import pytest

from conftest import ROOT
from tests.notebook_outputs import checked, clean, notebooks

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# The app notebook only shows the app: it states no result of its own.
STATES_NO_RESULT = {"notebooks/quickbooks_sync.ipynb"}


def _name(path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.fixture(params=notebooks(), ids=_name)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_every_notebook_is_found():
    names = {_name(p) for p in notebooks()}
    assert {"notebooks/quickbooks_sync.ipynb", "notebooks/payment_import.ipynb"} <= names
    assert "reconcile/report_notebooks/sync_status.ipynb" in names


def test_only_checked_cells_keep_outputs_and_no_widget_state(notebook):
    path, nb = notebook
    assert "widgets" not in nb.metadata, f"{_name(path)} stores widget state"
    for n, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"{_name(path)} cell {n}"
        if not checked(cell):
            assert not cell.outputs, f"{where} keeps outputs but is not # NBVAL_CHECK_OUTPUT"
            assert cell.execution_count is None, f"{where} keeps an execution count"
            continue
        # nbval skips the comparison of a cell with no stored output: that would check nothing
        assert cell.outputs, f"{where} is checked but has no expected output stored"
        assert cell.execution_count is not None, f"{where}: nbval needs the execution count"
        for output in cell.outputs:
            assert WIDGET_VIEW not in output.get("data", {}), f"{where} stores a widget view"
            assert output.output_type != "error", f"{where} stores an error"


def test_notebooks_that_state_results_check_them(notebook):
    path, nb = notebook
    if _name(path) in STATES_NO_RESULT:
        return
    assert any(checked(c) for c in nb.cells), f"{_name(path)} checks none of its outputs"


def test_storing_keeps_checked_outputs_only():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {WIDGET_VIEW: {"state": {}}}
    shown = nbformat.v4.new_output("execute_result", {"text/plain": "3"}, execution_count=7)
    nb.cells = [
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\n1 + 2", outputs=[shown]),
        nbformat.v4.new_code_cell("app.widget", outputs=[shown], execution_count=8),
        nbformat.v4.new_code_cell("x = 1  # NBVAL_CHECK_OUTPUT is only a marker on its own line"),
    ]
    cleaned = nbformat.reads(nbformat.writes(clean(nb)), as_version=4)
    first, second, third = cleaned.cells
    assert "widgets" not in cleaned.metadata
    assert first.execution_count == 1 and first.outputs[0].data == {"text/plain": "3"}
    assert second.outputs == [] and second.execution_count is None
    assert not checked(third)
