"""The sandbox's data directory: it uses, and ``--reset`` deletes, only a folder it made.

``python -m reconcile sandbox --data-dir DIR --reset`` once deleted DIR whatever it held, and
without ``--reset`` chmod'ed any DIR to 0700. Now a folder the sandbox creates gets a marker
file; a folder holding anything else (no marker, no ``sandbox.sqlite`` of an earlier version)
is refused, untouched, with one line naming it."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TIME_SCALE
from reconcile.errors import ReconcileError
from reconcile.sandbox.runner import (
    MARKER,
    DataDirError,
    is_sandbox_dir,
    prepare_data_dir,
    start_sandbox,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _foreign(tmp_path: Path) -> Path:
    """A person's folder: a file and a subfolder, mode 0755."""
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    (folder / "important.txt").write_text("keep me")
    (folder / "sub" / "notes.txt").write_text("and me")
    folder.chmod(0o755)
    return folder


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text() if p.is_file() else "<dir>"
        for p in sorted(folder.rglob("*"))
    }


def _legacy(tmp_path: Path) -> Path:
    """What an earlier version left: sandbox.sqlite (a real SQLite file) and config.toml."""
    folder = tmp_path / "old"
    folder.mkdir(parents=True)
    with sqlite3.connect(folder / "sandbox.sqlite") as db:
        db.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT)")
    (folder / "config.toml").write_text('profile = "sandbox"\n')
    return folder


# -- prepare_data_dir -------------------------------------------------------------------------


def test_a_new_folder_is_created_private_and_marked(tmp_path):
    folder = prepare_data_dir(tmp_path / "a" / "sandbox")
    assert folder == (tmp_path / "a" / "sandbox").resolve()
    assert _mode(folder) == 0o700
    assert "reconcile local sandbox" in (folder / MARKER).read_text()
    assert is_sandbox_dir(folder)


@pytest.mark.parametrize("reset", [False, True])
def test_an_empty_folder_is_used_private_and_marked(tmp_path, reset):
    folder = tmp_path / "empty"
    folder.mkdir(mode=0o755)
    assert prepare_data_dir(folder, reset=reset) == folder.resolve()
    assert _mode(folder) == 0o700
    assert [p.name for p in folder.iterdir()] == [MARKER]


@pytest.mark.parametrize("reset", [False, True])
def test_a_folder_with_foreign_files_is_refused_and_left_intact(tmp_path, reset):
    folder = _foreign(tmp_path)
    before = _snapshot(folder)
    with pytest.raises(DataDirError) as refused:
        prepare_data_dir(folder, reset=reset)
    message = str(refused.value)
    assert str(folder.resolve()) in message and MARKER in message and "\n" not in message
    assert ("reset" in message) is reset
    assert isinstance(refused.value, ReconcileError)  # the CLI's one-line error
    assert _snapshot(folder) == before  # nothing deleted, nothing written (no marker)
    assert _mode(folder) == 0o755  # not chmod'ed


def test_a_file_named_sandbox_sqlite_that_is_no_database_is_not_a_sandbox(tmp_path):
    folder = tmp_path / "look-alike"
    folder.mkdir()
    (folder / "sandbox.sqlite").write_text("my notes, unluckily named")
    with pytest.raises(DataDirError):
        prepare_data_dir(folder, reset=True)
    assert (folder / "sandbox.sqlite").read_text() == "my notes, unluckily named"


def test_a_file_is_refused(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(DataDirError, match="is not a folder"):
        prepare_data_dir(path, reset=True)
    assert path.read_text() == "x"


def test_a_sandbox_folder_is_kept_and_with_reset_made_anew(tmp_path):
    folder = prepare_data_dir(tmp_path / "sandbox")
    (folder / "sandbox.sqlite").write_bytes(b"state")
    (folder / "qbo-tokens-sandbox.json").write_text("{}")  # the toolkit's files live here too
    assert prepare_data_dir(folder) == folder
    assert (folder / "sandbox.sqlite").read_bytes() == b"state"

    prepare_data_dir(folder, reset=True)
    assert [p.name for p in folder.iterdir()] == [MARKER] and _mode(folder) == 0o700


def test_an_earlier_versions_folder_is_adopted(tmp_path):
    folder = _legacy(tmp_path)
    assert is_sandbox_dir(folder)
    prepare_data_dir(folder)
    assert (folder / MARKER).is_file()
    assert {p.name for p in folder.iterdir()} == {MARKER, "sandbox.sqlite", "config.toml"}

    prepare_data_dir(_legacy(tmp_path / "again"), reset=True)
    assert [p.name for p in (tmp_path / "again" / "old").iterdir()] == [MARKER]


# -- the command line -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["sandbox", "lab"])
@pytest.mark.parametrize("reset", [True, False])
def test_the_command_refuses_a_foreign_folder_in_one_line(tmp_path, command, reset):
    """``python -m reconcile sandbox|lab --data-dir DIR [--reset]``: exit 1, one line naming
    DIR on stderr, DIR as it was; no server is started."""
    folder = _foreign(tmp_path)
    before = _snapshot(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILE_")}
    args = [sys.executable, "-m", "reconcile", command, "--data-dir", str(folder)]
    if command == "lab":
        args += ["--workspace", str(tmp_path / "ws")]
    done = subprocess.run(
        [*args, *(["--reset"] if reset else [])],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: refusing to "), done.stderr
    assert str(folder.resolve()) in lines[0] and done.stdout == ""
    assert _snapshot(folder) == before and _mode(folder) == 0o755
    assert not (tmp_path / "ws").exists()  # lab stopped before its workspace


# -- start_sandbox on the folders it made -------------------------------------------------------


def test_start_sandbox_resets_its_own_folder_and_adopts_an_old_one(servers, tmp_path):
    folder = tmp_path / "sandbox"
    first = start_sandbox(folder, time_scale=TIME_SCALE)
    first.stop()
    (folder / "leftover.txt").write_text("made while it ran")

    again = start_sandbox(folder, time_scale=TIME_SCALE)  # kept: same company
    again.stop()
    assert again.client_id == first.client_id and (folder / "leftover.txt").exists()

    fresh = start_sandbox(folder, time_scale=TIME_SCALE, reset=True)
    fresh.stop()
    assert fresh.client_id != first.client_id and not (folder / "leftover.txt").exists()
    assert (folder / MARKER).is_file() and _mode(folder) == 0o700

    (folder / MARKER).unlink()  # what an earlier version left: sandbox.sqlite, config.toml
    old = start_sandbox(folder, time_scale=TIME_SCALE)
    old.stop()
    assert old.client_id == fresh.client_id and (folder / MARKER).is_file()
