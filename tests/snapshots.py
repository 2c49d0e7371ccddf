"""Snapshot tests of the reports' files, as datacompy tests its reports: the CSV tables and
``summary.json`` a report writes are compared with reviewed copies under
``tests/snapshots/<report>/``, so a change to a report shows as a diff in review.

Values that differ from run to run (run ids, time stamps, the process that ran) are masked
as ``<varies>`` first. After an intended change, regenerate and review the diff::

    RECONCILE_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_reports.py -k snapshot
    git diff tests/snapshots
"""

from __future__ import annotations

import difflib
import io
import json
import os
import shutil
from pathlib import Path

import pandas as pd

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("RECONCILE_UPDATE_SNAPSHOTS") == "1"
VARIES = "<varies>"
# Columns and summary keys that are new on every run (the log's and the runs' own) or name
# the machine's user.
VOLATILE = {"run_id", "started_at", "finished_at", "at", "owner", "user", "generated_at"}


def normalised(out_dir: Path) -> dict[str, str]:
    """A report's files (CSV and JSON) as text, with what varies between runs masked."""
    found = {}
    for path in sorted(out_dir.iterdir()):
        if path.suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            for column in VOLATILE & set(frame.columns):
                frame[column] = frame[column].where(frame[column] == "", VARIES)
            buffer = io.StringIO()
            frame.to_csv(buffer, index=False, lineterminator="\n")
            found[path.name] = buffer.getvalue()
        elif path.suffix == ".json":
            summary = json.loads(path.read_text(encoding="utf-8"))
            summary.update({k: VARIES for k in VOLATILE & set(summary)})
            found[path.name] = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    return found


def assert_matches_snapshot(name: str, out_dir: Path) -> None:
    """The report files in ``out_dir`` equal the snapshot ``name`` (or, with
    ``RECONCILE_UPDATE_SNAPSHOTS=1``, become it)."""
    found = normalised(out_dir)
    assert found, f"{out_dir} holds no report files"
    folder = SNAPSHOTS / name
    if UPDATE:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for file, text in found.items():
            (folder / file).write_text(text, encoding="utf-8")
        assert normalised(folder) == found
        return
    assert folder.is_dir(), (
        f"no snapshot {folder}: make it with RECONCILE_UPDATE_SNAPSHOTS=1 and review it"
    )
    expected = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}
    assert sorted(found) == sorted(expected), "the report writes other files than its snapshot"
    for file, text in found.items():
        if text != expected[file]:
            diff = difflib.unified_diff(
                expected[file].splitlines(),
                text.splitlines(),
                f"snapshot/{file}",
                f"now/{file}",
                lineterm="",
                n=1,
            )
            shown = "\n".join(list(diff)[:60])
            raise AssertionError(
                f"{name}/{file} differs from its snapshot (RECONCILE_UPDATE_SNAPSHOTS=1 "
                f"regenerates it after an intended change):\n{shown}"
            )
