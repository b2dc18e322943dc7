"""The catalog of finding ids, collected from the checks declared where they are raised (generators/errors.py
`Check`, generators/rules `collect`): one declaration per id, every id a finding carries declared, the reference
order complete. (docs/rules.md and `ecsform rules --markdown` agreeing: tests/unit/test_docs_fresh.py.)
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO

from generators import rules
from generators.errors import CHECKS, Check, Severity
from generators.rules.registry import REGISTRY, Rule


def test_each_id_is_declared_once() -> None:
    ids = [row[0] for row in rules.catalog()]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(rules.collect()) == set(CHECKS)
    before = dict(CHECKS)
    with pytest.raises(RuntimeError, match="YAML-SYNTAX declared twice"):
        Check("YAML-SYNTAX", Severity.ERROR, "again")
    assert CHECKS == before


def test_rules_and_checks_are_one_catalog() -> None:
    """Rules are checks with a function; the other checks come after them, in ORDER, which names only those."""
    rows = rules.catalog()
    kinds = [isinstance(CHECKS[rid], Rule) for rid, *_ in rows]
    assert kinds == sorted(kinds, reverse=True), "the rules first"
    assert {rid for rid, *_ in rows if rid in REGISTRY} == set(REGISTRY)
    others = [rid for rid, *_ in rows if rid not in REGISTRY]
    assert len(rules.ORDER) == len(set(rules.ORDER))
    assert others[: len(rules.ORDER)] == list(rules.ORDER), "ORDER names a check that is not declared, or a rule"
    for rid, severity, summary, source in rows:
        check = CHECKS[rid]
        assert (severity, summary, source) == (check.severity.value, check.summary, check.source)
        assert summary.strip() and source.strip(), rid


def test_known_ids_collects_only_when_asked_for_an_undeclared_id() -> None:
    """An x-ecsform.ignore entry naming a rule is checked without importing every module (start-up time)."""
    code = (
        "import sys; from generators import rules; from generators.errors import CHECKS;"
        "rules._load_all(); assert 'ECS-A1' in rules.known_ids();"
        "assert 'generators.aws.session' not in sys.modules, 'collected for a rule';"
        "assert 'AWS-ERROR' in rules.known_ids() and 'NO-SUCH-ID' not in rules.known_ids();"
        "assert 'generators.aws.session' in sys.modules"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_a_finding_with_an_undeclared_id_fails_the_test_that_raises_it() -> None:
    """tests/conftest.py checks every finding ecsform's code builds while the tests run: each id is declared (the
    helpers that build findings take a `Check`, which mypy checks; this catches what typing cannot see)."""
    from generators.errors import Finding

    scope = {"__name__": "generators.example", "Finding": Finding, "Severity": Severity}
    exec("def raise_one():\n    return Finding('NO-SUCH-CHECK', Severity.ERROR, 'x')\n", scope)
    with pytest.raises(AssertionError, match="finding id NO-SUCH-CHECK is not declared"):
        scope["raise_one"]()
    assert Finding("MADE-UP-BY-A-TEST", Severity.NOTE, "the tests' own ids are theirs").rule == "MADE-UP-BY-A-TEST"
    assert rules.collect()["YAML-SYNTAX"].finding("x").rule == "YAML-SYNTAX"


@pytest.mark.cdk
def test_the_modules_left_out_of_the_collection_declare_nothing() -> None:
    """collect() leaves out the modules that start the CDK runtime; their checks live in emit/cdk_compat.py."""
    code = (
        "import importlib; from generators import rules; from generators.errors import CHECKS;"
        "before = set(rules.collect());"
        "[importlib.import_module(m) for m in sorted(rules.NOT_COLLECTED)];"
        "assert set(CHECKS) == before, sorted(set(CHECKS) - before)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
