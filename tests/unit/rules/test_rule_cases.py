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

# The bad cases whose findings do not all have their rule's default severity, and the severities they have.
# Every other bad case reports its rule at the rule's severity only (`python main.py rules` shows it).
NOT_THE_DEFAULT_SEVERITY: dict[str, set[str]] = {
    # the warning half of a rule that is an error elsewhere (its summary says which half warns)
    "ECS-A9": {"warning"},  # a digest of another form: what AWS does with it is not known
    "ECS-A10-duplicate": {"warning"},
    "ECS-A11-characters": {"warning"},
    "ECS-B5-unconfirmed": {"warning"},
    "ECS-C4-windows-1gb": {"warning"},
    "ECS-D8-extra-hosts": {"warning"},
    "ECS-D12-host-mode": {"warning"},
    "ECS-E5-both": {"warning"},
    "ECS-H5-partial": {"warning"},
    "ECS-H5-partial-resolved": {"warning"},
    "ECS-H12-extension": {"warning"},
    "ECS-I10": {"warning"},
    "ECS-I10-s3-arn": {"warning"},
    "ECS-I10-unknown-option": {"warning"},
    "ECS-J5-autoprovision": {"warning"},
    "ECS-J10-unmounted": {"warning"},
    "ECS-J12-ec2": {"warning"},
    "ECS-L5-disabled": {"warning"},
    # a ulimit below -1: the kernel reads it as about 2^64 (may work); soft above hard never starts (error)
    "ECS-K7-below-unlimited": {"warning"},
    # Docker's mode and max-buffer-size checks are known for EC2 and EXTERNAL; these cases run on Fargate alone
    "ECS-I5-buffer": {"warning"},
    "ECS-C14-fargate": {"warning"},
    # Fargate cannot use inferenceAccelerators (error), and Elastic Inference is closed to new customers (warning)
    "ECS-L4": {"error", "warning"},
    # the policy's `require` level makes a note an error, and `warn` a warning
    "SEC-READONLY-ROOT-require": {"error"},
    "SEC-NON-ROOT-require": {"error"},
    "SEC-EFS-TRANSIT-require": {"error"},
    "SEC-READONLY-ROOT-warn": {"warning"},
}


@pytest.mark.parametrize("case", CASES, ids=[c.label() for c in CASES])
def test_bad_case_reports_the_rule(case: Case) -> None:
    got = findings(case.bad, case.extension, case.target)
    mine = [f for f in got if f.rule == case.rule]
    assert mine, f"{case.rule} not reported; got: {[f.format() for f in got]}"
    rule = REGISTRY[case.rule]
    if case.path is not None:
        assert format_path(case.path) in [format_path(f.path) for f in mine], [f.format() for f in mine]
        mine = [f for f in mine if format_path(f.path) == format_path(case.path)]
    severities = {f.severity.value for f in mine}
    assert severities == NOT_THE_DEFAULT_SEVERITY.get(case.label(), {rule.severity.value}), [f.format() for f in mine]
    if case.severity is not None:
        assert severities == {case.severity}, [f.format() for f in mine]
    assert not [f for f in got if f.rule == "ECSFORM-INTERNAL"], [f.format() for f in got]


@pytest.mark.parametrize("case", CASES, ids=[c.label() for c in CASES])
def test_good_case_does_not_report_the_rule(case: Case) -> None:
    got = findings(case.good, case.extension, case.target)
    assert not [f for f in got if f.rule == case.rule], [f.format() for f in got if f.rule == case.rule]
    assert not [f for f in got if f.rule == "ECSFORM-INTERNAL"], [f.format() for f in got]


def test_the_severity_exceptions_name_cases_that_exist() -> None:
    labels = [c.label() for c in CASES]
    assert not sorted(set(NOT_THE_DEFAULT_SEVERITY) - set(labels))
    assert all(labels.count(label) == 1 for label in NOT_THE_DEFAULT_SEVERITY), "an exception names two cases"


def test_every_rule_has_a_good_and_a_bad_case() -> None:
    covered = {c.rule for c in CASES}
    missing = sorted(r.id for r in all_rules() if r.id not in covered)
    assert not missing, f"rules without cases: {missing}"


def test_bases_are_clean() -> None:
    for base in (cases_module.BASE_FARGATE, cases_module.BASE_EC2):
        got = [f for f in findings(base) if f.rule != "REGION-UNSET"]
        assert not got, [f.format() for f in got]
