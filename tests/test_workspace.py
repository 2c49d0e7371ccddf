"""``make lab`` serves a working copy of the notebooks: made on first run, kept after,
made afresh with --reset; saved without widget state; the URL printed opens the app
notebook; the tracked notebooks never change."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

import nbformat
import pytest
import requests

from reconcile.errors import ReconcileError
from reconcile.workspace import (
    APP_NOTEBOOK,
    SOURCE_NOTEBOOKS,
    WIDGET_VIEW,
    drop_widget_state,
    lab_arguments,
    prepare_workspace,
    workspace_files,
)


def _digests() -> dict[str, str]:
    """The tracked notebooks' contents, to prove nothing wrote into them."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(SOURCE_NOTEBOOKS.rglob("*.ipynb"))
    }


def _widget_output() -> dict:
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/plain": "App(...)", WIDGET_VIEW: {"model_id": "abc", "version_major": 2}},
    }


def test_first_run_copies_every_notebook_and_later_runs_keep_edits(tmp_path):
    folder = prepare_workspace(tmp_path / "ws")
    names = set(workspace_files())
    assert {APP_NOTEBOOK, "payment_import.ipynb", "reports/sync_status.ipynb"} <= names
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*.ipynb")} == names

    app = folder / APP_NOTEBOOK
    app.write_text(app.read_text() + " ")  # a person's edit
    (folder / "payment_import.ipynb").unlink()  # and one they deleted, or a new one
    prepare_workspace(folder)
    assert app.read_text().endswith(" ")
    assert (folder / "payment_import.ipynb").exists()

    prepare_workspace(folder, reset=True)
    assert app.read_bytes() == (SOURCE_NOTEBOOKS / APP_NOTEBOOK).read_bytes()


def test_reset_copies_the_notebooks_afresh_and_deletes_nothing_else(tmp_path):
    """``lab --reset --workspace DIR`` must not wipe DIR: only the copies are replaced."""
    folder = tmp_path / "ws"
    (folder / "sub").mkdir(parents=True)
    (folder / "important.txt").write_text("mine")
    (folder / "sub" / "notes.ipynb").write_text("{}")
    app = prepare_workspace(folder) / APP_NOTEBOOK
    app.write_text("edited")

    prepare_workspace(folder, reset=True)

    assert app.read_bytes() == (SOURCE_NOTEBOOKS / APP_NOTEBOOK).read_bytes()
    assert (folder / "important.txt").read_text() == "mine"
    assert (folder / "sub" / "notes.ipynb").read_text() == "{}"


def test_without_the_source_notebooks_lab_says_where_to_run_it(tmp_path):
    with pytest.raises(ReconcileError, match=r"run `make lab`.* from a clone"):
        prepare_workspace(tmp_path / "ws", source=tmp_path / "site-packages" / "notebooks")
    assert not (tmp_path / "ws").exists()


def test_saving_drops_widget_views_and_state_only():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {WIDGET_VIEW: {"state": {}}}
    text = nbformat.v4.new_output("stream", text="loaded 3 customers\n")
    widget = nbformat.from_dict(_widget_output())
    nb.cells = [nbformat.v4.new_code_cell("app.widget", outputs=[widget, text])]
    model = {"type": "notebook", "content": json.loads(nbformat.writes(nb))}
    drop_widget_state(model=model, path="x.ipynb", contents_manager=None)
    assert "widgets" not in model["content"]["metadata"]
    (kept,) = model["content"]["cells"][0]["outputs"]
    assert kept["output_type"] == "stream" and "loaded 3 customers" in "".join(kept["text"])
    plain = {"type": "file", "content": "x"}
    drop_widget_state(model=plain, path="x.txt", contents_manager=None)
    assert plain == {"type": "file", "content": "x"}


def test_lab_opens_the_app_notebook_of_the_folder(tmp_path):
    args = lab_arguments(tmp_path)
    assert f"--ServerApp.root_dir={tmp_path}" in args
    assert f"--LabApp.default_url=/lab/tree/{APP_NOTEBOOK}" in args


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_serves_the_copy_and_saves_without_widgets(servers, tmp_path):
    before = _digests()
    port = _free_port()
    workspace = tmp_path / "workspace"
    log = tmp_path / "lab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reconcile",
                "lab",
                "--data-dir",
                str(tmp_path / "sandbox"),
                "--workspace",
                str(workspace),
                "--",
                "--no-browser",
                f"--ServerApp.port={port}",
                "--ServerApp.ip=127.0.0.1",
                "--IdentityProvider.token=",
                "--ServerApp.disable_check_xsrf=True",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=tmp_path,
            env={**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings")},
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while f"{base}/lab/tree/{APP_NOTEBOOK}" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"no URL of the app notebook:\n{log.read_text()}"
            time.sleep(0.5)
        assert requests.get(f"{base}/lab/tree/{APP_NOTEBOOK}", timeout=10).ok

        url = f"{base}/api/contents/{APP_NOTEBOOK}"
        model = requests.get(url, timeout=10).json()
        assert model["type"] == "notebook"
        content = model["content"]
        content["metadata"]["widgets"] = {WIDGET_VIEW: {"state": {}}}
        app_cell = next(c for c in content["cells"] if c["cell_type"] == "code")
        app_cell["outputs"] = [_widget_output()]
        saved = requests.put(
            url, json={"type": "notebook", "format": "json", "content": content}, timeout=10
        )
        assert saved.ok, saved.text
        on_disk = nbformat.read(workspace / APP_NOTEBOOK, as_version=4)
        assert "widgets" not in on_disk.metadata
        assert all(not c.get("outputs") for c in on_disk.cells if c.cell_type == "code")
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C: JupyterLab, then the sandbox, stop
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    assert _digests() == before, "the tracked notebooks changed"
