"""The generated parts of the docs match the code (`make docs` regenerates them)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_generated_docs_are_fresh() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "docs.py"), "--check"], capture_output=True, text=True, cwd=REPO
    )
    assert proc.returncode == 0, proc.stderr


def test_rules_command_matches_rules_reference() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "rules", "--markdown"], capture_output=True, text=True, cwd=REPO
    )
    assert proc.returncode == 0
    reference = (REPO / "docs" / "rules.md").read_text()
    assert proc.stdout in reference
    plain = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "rules"], capture_output=True, text=True, cwd=REPO
    ).stdout
    ids = [line.split()[0] for line in plain.splitlines()]
    assert ids and all(f"| {rid} |" in reference for rid in ids)
