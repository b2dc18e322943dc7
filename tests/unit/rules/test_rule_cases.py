"""Every rule: its bad case reports it (at the expected path), its good case does not; every rule has both."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from generators.errors import format_path
from generators.rules import REGISTRY, all_rules

from . import cases as cases_module
from .cases import Case, findings


def _all_cases() -> list[Case]:
    out: list[Case] = []
    package = importlib.import_module(__package__)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("cases_"):
            out.extend(importlib.import_module(f"{__package__}.{info.name}").CASES)
    return out


CASES = _all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.label() for c in CASES])
def test_bad_case_reports_the_rule(case: Case) -> None:
    got = findings(case.bad, case.extension, case.target)
    mine = [f for f in got if f.rule == case.rule]
    assert mine, f"{case.rule} not reported; got: {[f.format() for f in got]}"
    rule = REGISTRY[case.rule]
    assert any(f.severity == rule.severity for f in mine) or all(f.severity for f in mine)
    if case.path is not None:
        assert format_path(case.path) in [format_path(f.path) for f in mine], [f.format() for f in mine]
        mine = [f for f in mine if format_path(f.path) == format_path(case.path)]
    if case.severity is not None:
        assert {f.severity.value for f in mine} == {case.severity}, [f.format() for f in mine]
    assert not [f for f in got if f.rule == "ECSFORM-INTERNAL"], [f.format() for f in got]


@pytest.mark.parametrize("case", CASES, ids=[c.label() for c in CASES])
def test_good_case_does_not_report_the_rule(case: Case) -> None:
    got = findings(case.good, case.extension, case.target)
    assert not [f for f in got if f.rule == case.rule], [f.format() for f in got if f.rule == case.rule]
    assert not [f for f in got if f.rule == "ECSFORM-INTERNAL"], [f.format() for f in got]


def test_every_rule_has_a_good_and_a_bad_case() -> None:
    covered = {c.rule for c in CASES}
    missing = sorted(r.id for r in all_rules() if r.id not in covered)
    assert not missing, f"rules without cases: {missing}"


def test_bases_are_clean() -> None:
    for base in (cases_module.BASE_FARGATE, cases_module.BASE_EC2):
        got = [f for f in findings(base) if f.rule != "REGION-UNSET"]
        assert not got, [f.format() for f in got]
