"""The type checker gates: mypy, as pyproject.toml configures it (basic everywhere, strict after the rules, the
pydantic plugin), reports no error on main.py, generators/ and scripts/; and that configuration has teeth: an
ignore that silences nothing, an ignore without its error code and an untyped function in a strict module are
errors, not notes."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import REPO

CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]
STRICT = {"disallow_untyped_defs", "disallow_incomplete_defs", "disallow_any_generics", "warn_return_any"}


def mypy(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args], cwd=cwd, capture_output=True, text=True, timeout=900, check=False
    )


def test_mypy_reports_no_error_on_the_tree() -> None:
    proc = mypy()  # the files and the settings of pyproject.toml's [tool.mypy]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("Success: no issues found"), proc.stdout


def test_the_configuration_covers_the_tree_and_is_strict_after_the_rules() -> None:
    assert CONFIG["files"] == ["main.py", "generators", "scripts"]
    assert CONFIG["warn_unused_ignores"] is True and "ignore-without-code" in CONFIG["enable_error_code"]
    assert "pydantic.mypy" in CONFIG["plugins"]
    [strict] = [o for o in CONFIG["overrides"] if STRICT <= o.keys()]
    assert all(strict[flag] is True for flag in STRICT)
    after_the_rules = ("plan", "root", "emit", "writer", "changed", "pipeline", "ci")
    for name in after_the_rules:  # the module and its package, whichever it is
        assert {f"generators.{name}", f"generators.{name}.*"} <= set(strict["module"]), name
    # nothing is excused wholesale: only packages without type information are allowed to be missing
    assert not [o for o in CONFIG["overrides"] if o.get("ignore_errors")]


def test_the_configuration_has_teeth(tmp_path: Path) -> None:
    """The project's settings on a probe: each kind of mistake the gate must catch is reported as an error."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def half(n: int) -> int:\n"
        "    return n // 2  # type: ignore[operator]\n"  # silences nothing
        "\n"
        "\n"
        "x: int = half('4')  # type: ignore\n"  # no error code
        "y: str = half(4)\n"  # a plain type error
    )
    proc = mypy("--config-file", str(REPO / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache"), str(probe))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert 'probe.py:2: error: Unused "type: ignore" comment  [unused-ignore]' in out, out
    assert 'probe.py:5: error: "type: ignore" comment without error code' in out, out
    assert "probe.py:6: error: Incompatible types in assignment" in out, out


def test_the_strict_modules_refuse_an_untyped_function(tmp_path: Path) -> None:
    """A function without annotations in a module after the rules is an error there and passes elsewhere."""
    for name in ("generators/plan", "generators/rules"):
        folder = tmp_path / name
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("def untyped(x):\n    return x\n")
    (tmp_path / "generators" / "__init__.py").write_text("")
    proc = mypy(
        "--config-file",
        str(REPO / "pyproject.toml"),
        "--cache-dir",
        str(tmp_path / "cache"),
        "generators",
        cwd=tmp_path,
    )
    lines = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert lines == ["generators/plan/__init__.py:1: error: Function is missing a type annotation  [no-untyped-def]"], (
        proc.stdout + proc.stderr
    )
