"""The house: no import circle among ecsform's modules, and the flow's layers (pyproject.toml's
[tool.importlinter] contracts, checked by `lint-imports`, import-linter's command)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
from conftest import REPO

from scripts.import_contracts import circles

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_import_contracts_kept() -> None:
    proc = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout, proc.stdout


def _package(tmp_path: Path, files: dict[str, str]) -> grimp.ImportGraph:
    for name, text in files.items():
        path = tmp_path / "house_probe" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    sys.path.insert(0, str(tmp_path))
    try:
        return grimp.build_graph("house_probe", cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))


def test_a_lazy_import_closes_a_circle(tmp_path: Path) -> None:
    graph = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from . import b\n",
            "b.py": "def late():\n    from . import a\n    return a\n",
            "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import d\n",
            "d.py": "from . import c\n",
            "e.py": "from . import a\n",
        },
    )
    assert circles(graph, {"house_probe"}) == [
        ["house_probe.a", "house_probe.b"],
        ["house_probe.c", "house_probe.d"],
    ]


def test_a_circle_through_a_package_init(tmp_path: Path) -> None:
    graph = _package(
        tmp_path,
        {
            "__init__.py": "",
            "rules/__init__.py": "def load():\n    from . import one\n    return one\n",
            "rules/one.py": "from . import load\n",
            "rules/two.py": "from .one import load\n",
        },
    )
    assert circles(graph, {"house_probe"}) == [["house_probe.rules", "house_probe.rules.one"]]
