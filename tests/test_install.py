"""A normal install works without the source tree: the project's wheel, installed into a fresh
virtual environment outside the checkout, starts the sandbox, connects and writes a report
from a working directory outside the checkout, its notebook kernel running the wheel's code.

The new environment borrows the dev environment's already-installed dependencies (no index,
no network) through a ``.pth`` file naming the dev site-packages. Python adds a directory
named in a ``.pth`` file to ``sys.path`` without processing the ``.pth`` files inside it, so
setuptools' editable finder for this checkout (``__editable__.reconcile-*.pth`` there) stays
inactive: the test asserts that ``reconcile`` is imported from the new environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT = "payment_reconciliation"
REPORT_CSVS = {
    "invoices.csv",
    "customers.csv",
    "payments.csv",
    "payment_lines.csv",
    "payment_changes.csv",
}

# The whole test takes about 20 s here (wheel ~2 s, report ~11 s); the limit leaves room for
# a slow CI machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

# Run in the new environment by the kernel papermill starts for the reports (KERNEL): which
# interpreter it is and where it imports reconcile from.
PROBE = """
import json, nbformat, papermill
from reconcile.reports import KERNEL
code = "import sys, reconcile; print(sys.executable); print(reconcile.__file__)"
nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), "probe.ipynb")
papermill.execute_notebook("probe.ipynb", "probe-run.ipynb", kernel_name=KERNEL,
                           progress_bar=False)
cell = nbformat.read("probe-run.ipynb", as_version=4).cells[0]
print(json.dumps("".join(o.get("text", "") for o in cell.outputs).split()))
"""


def _run(command: list[str], **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, **kw)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stderr}"
    return done


def _build_wheel(tmp: Path) -> Path:
    """The project's wheel, built from a copy of its sources (so that the build's ``build/``
    and ``*.egg-info`` never land in the checkout), without build isolation or an index."""
    src = tmp / "src"
    shutil.copytree(
        ROOT / "reconcile",
        src / "reconcile",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"),
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    wheels = tmp / "wheels"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            "--wheel-dir",
            str(wheels),
            str(src),
        ]
    )
    (wheel,) = wheels.glob("reconcile-*.whl")
    return wheel


def _new_venv(tmp: Path, wheel: Path) -> Path:
    """A fresh virtual environment with the wheel installed (no dependencies), then the dev
    environment's site-packages made importable; returns its python."""
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    # Installed before the .pth exists: pip must not see the dev environment's reconcile.
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ]
    )
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([str(python), "-c", purelib]).stdout.strip())
    dev = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_dev_dependencies.pth").write_text("\n".join(sorted(dev)) + "\n")
    # nbconvert's HTML templates are data files in its environment's prefix
    # (share/jupyter/nbconvert), which the .pth does not bring: link them where an install of
    # nbconvert into the new environment would have put them.
    share = venv / "share" / "jupyter"
    share.mkdir(parents=True)
    (share / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    return python


def _env(venv: Path, **extra: str) -> dict[str, str]:
    """The environment of a person who activated the new venv: none of this test session's
    reconcile settings or Python paths."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILE_") and k not in drop}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return {**env, "VIRTUAL_ENV": str(venv), **extra}


def test_the_wheel_installed_elsewhere_runs_sandbox_connect_and_a_report(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for report in ("payment_reconciliation", "sync_status"):
        assert f"reconcile/report_notebooks/{report}.ipynb" in names, names
    python = _new_venv(tmp_path, wheel)
    venv = python.parent.parent
    work = tmp_path / "elsewhere"
    work.mkdir()
    assert not work.is_relative_to(ROOT) and not venv.is_relative_to(ROOT)
    env = _env(venv)

    files = (
        "import json, reconcile, reconcile.reports as r; "
        "print(json.dumps([reconcile.__file__, *map(str, r.REPORTS.values())]))"
    )
    where = json.loads(_run([str(python), "-c", files], cwd=work, env=env).stdout)
    for path in map(Path, where):
        assert path.is_relative_to(venv) and path.exists(), where

    listed = _run([str(python), "-m", "reconcile", "report", "--list"], cwd=work, env=env)
    for report in ("payment_reconciliation", "sync_status"):
        assert any(line.split()[0] == report for line in listed.stdout.splitlines()), listed
    assert (venv / "bin" / "reconcile").exists()  # the console script

    data = work / "D"
    sandbox = subprocess.Popen(
        [str(python), "-m", "reconcile", "sandbox", "--data-dir", str(data)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        info = json.loads(sandbox.stdout.readline())
        assert Path(info["config"]) == data / "config.toml"
        env = _env(venv, RECONCILE_CONFIG=str(data / "config.toml"))
        connected = _run(
            [str(python), "-m", "reconcile", "connect", "--auto-consent"], cwd=work, env=env
        )
        assert f"company {info['qbo_realm_id']}" in connected.stdout

        executable, imported = json.loads(
            _run([str(python), "-c", PROBE], cwd=work, env=env).stdout.splitlines()[-1]
        )
        assert Path(executable) == python, executable  # "python3" is this venv's python …
        assert Path(imported).is_relative_to(venv), imported  # … importing the wheel's code

        out = work / "OUT"
        done = _run(
            [str(python), "-m", "reconcile", "report", REPORT, "--out", str(out)], cwd=work, env=env
        )
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    assert f"Report {REPORT} written to {out.resolve()}" in done.stdout
    html = (out / f"{REPORT}.html").read_text(encoding="utf-8")
    assert "Payment reconciliation" in html and "from reconcile" not in html
    executed = json.loads((out / f"{REPORT}.ipynb").read_text(encoding="utf-8"))
    outputs = [o for c in executed["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert outputs and not [o for o in outputs if o["output_type"] == "error"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["report"] == REPORT
    assert set(summary["files"]) == REPORT_CSVS
    for name in REPORT_CSVS:
        header = (out / name).read_text(encoding="utf-8").splitlines()[0]
        assert "," in header, (name, header)
