"""The declared dependencies: pyproject.toml's [project] dependencies cover every package the
code under reconcile/ imports, and environment.yml (what an accountant installs with conda)
lists exactly those — same names, same version specs — and none of the test/dev extras."""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reconcile"

# PyPI name → conda-forge name, where they differ. conda-forge's "nbconvert" and "matplotlib"
# are bundles (nbconvert + pandoc; matplotlib + a Qt backend); the "-core"/"-base" packages
# are what PyPI's nbconvert and matplotlib install.
CONDA_FORGE_NAMES = {"nbconvert": "nbconvert-core", "matplotlib": "matplotlib-base"}


def _split(requirement: str) -> tuple[str, str]:
    """``"jupyter_client >= 8"`` → ``("jupyter_client", ">=8")``: the name as written and the
    rest (extras, version specifiers, markers) without spaces."""
    name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]
    return name, requirement[len(name) :].replace(" ", "")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _is_type_checking(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (or ``if typing.TYPE_CHECKING:``)."""
    return isinstance(node, ast.If) and ast.unparse(node.test) in (
        "TYPE_CHECKING",
        "typing.TYPE_CHECKING",
    )


def _imports(tree: ast.AST) -> set[str]:
    """Top-level names of the modules a file imports when it runs: at module level and in
    functions (the package imports pandas, papermill, nbconvert… lazily, when used; those are
    still runtime imports a normal install must satisfy), but not under ``if TYPE_CHECKING:``,
    which never runs (its names are for type checkers; the ``else:`` branch does run).
    Relative imports are the package's own."""
    found: set[str] = set()
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
        if _is_type_checking(node):
            for child in node.orelse:
                found |= _imports(ast.Module(body=[child], type_ignores=[]))
            continue
        found |= _imports(node)
    return found


def test_every_imported_package_is_declared():
    imported: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for module in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if module in sys.stdlib_module_names or module in ("reconcile", "__future__"):
                continue
            imported.setdefault(module, set()).add(str(path.relative_to(ROOT)))
    assert {"pandas", "papermill", "nbconvert", "numpy"} <= set(imported)  # the walk works
    assert "TYPE_CHECKING" not in imported
    declared = {_normal(_split(r)[0]) for r in _pyproject()["project"]["dependencies"]}
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for module, files in sorted(imported.items()):
        dists = {_normal(d) for d in distributions.get(module, [])}
        if not dists & declared:  # not installed at all counts as undeclared too
            missing[module] = (sorted(dists) or "not installed", sorted(files)[:3])
    assert not missing, f"imported by reconcile/ but not in [project].dependencies: {missing}"


def test_type_checking_imports_are_not_runtime_imports():
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import only_typed\nelse:\n    import at_runtime\n"
        "def f():\n    import lazily\n"
    )
    assert _imports(tree) == {"typing", "at_runtime", "lazily"}


def test_environment_lists_exactly_the_runtime_dependencies():
    """Names compared as written, not normalised: conda does not treat ``-`` and ``_`` as the
    same (conda-forge has ``jupyter_client``, ``tomli-w``), so pyproject.toml spells each
    name as conda-forge does, or CONDA_FORGE_NAMES maps it."""
    project = _pyproject()["project"]
    wanted = {CONDA_FORGE_NAMES.get(n, n): spec for n, spec in map(_split, project["dependencies"])}
    conda = [d for d in _environment()["dependencies"] if isinstance(d, str)]
    listed = dict(_split(d) for d in conda if _split(d)[0] not in ("python", "pip"))
    assert set(listed) == set(wanted), (
        f"only in pyproject: {sorted(set(wanted) - set(listed))}; "
        f"only in environment.yml: {sorted(set(listed) - set(wanted))}"
    )
    assert listed == wanted  # the same version specs
    extras = {
        CONDA_FORGE_NAMES.get(n, n)
        for extra in project["optional-dependencies"].values()
        for n, _ in map(_split, extra)
        if n != "reconcile"
    }
    assert {"pytest", "nbval", "ruff"} <= extras
    assert not extras & set(listed), f"test/dev packages in environment.yml: {extras & set(listed)}"


def test_environment_python_and_editable_install_match():
    env = _environment()
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace("python", "") == _pyproject()["project"]["requires-python"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-e ."]
    assert env["channels"] == ["conda-forge"]
