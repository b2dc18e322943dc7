"""Every rule id the code can report is documented: listed by `ecsform rules` and in the rules table of the docs.

The ids are found as the code writes them: string literals shaped like a rule id (`ECS-A1`, `CLI-ENV-REQUIRED`)
anywhere in generators/ and main.py, whichever helper they are passed to (Finding, rule.finding, _error...).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys

from conftest import REPO

from generators.rules import RETIRED

ID = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$")
# literals shaped like an id that are not one: ECS values the rules compare with
NOT_RULE_IDS = {"CMD-SHELL"}


def ids_in_code() -> dict[str, str]:
    """id -> where it first appears (file:line)."""
    found: dict[str, str] = {}
    files = sorted((REPO / "generators").rglob("*.py")) + [REPO / "main.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and ID.match(node.value):
                found.setdefault(node.value, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def listed_by_rules_command() -> set[str]:
    proc = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "rules"], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return {line.split()[0] for line in proc.stdout.splitlines() if line.strip()}


def docs_text() -> str:
    pages = (
        [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
        if (REPO / "docs").is_dir()
        else [REPO / "README.md"]
    )
    return "\n".join(p.read_text() for p in pages if p.is_file())


def test_the_scan_finds_ids_of_every_kind() -> None:
    found = ids_in_code()
    # a rule function's id, a built-in check's, a CLI check's in main.py and one passed through a helper
    assert {"ECS-A1", "YAML-SYNTAX", "CLI-ENGINE", "CDK-RUNTIME", "OUT-LOCKED"} <= set(found)
    assert NOT_RULE_IDS <= set(found), "a literal listed as not an id is no longer in the code: drop it"


def test_every_id_in_the_code_is_listed_and_documented() -> None:
    found = {rid: where for rid, where in ids_in_code().items() if rid not in NOT_RULE_IDS and rid not in RETIRED}
    listed = listed_by_rules_command()
    missing = sorted(f"{rid} ({where})" for rid, where in found.items() if rid not in listed)
    assert not missing, f"not in `ecsform rules` (add them to BUILTIN in generators/rules/__init__.py): {missing}"
    text = docs_text()
    undocumented = sorted(rid for rid in found if f"| {rid} |" not in text)
    assert not undocumented, f"not in the docs' rules table (run `make docs`): {undocumented}"


def test_not_rule_ids_are_not_rules() -> None:
    assert not NOT_RULE_IDS & listed_by_rules_command()
    assert not set(RETIRED) & listed_by_rules_command(), "a retired id is a rule again: drop it from RETIRED"
