"""A rule's `needs` (generators/rules/registry.py) is a promise: in a task that sets none of those fields, the rule
finds nothing, so `run` may leave it out. Held here on every task the rule cases, the fixtures and the specs give the
rules: with the needed fields taken out of the task and its containers (as never written, and as written with a bad
type: the field checks removed them and reported where), every rule that needs them finds nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, REPO

from generators import validation
from generators.errors import FieldPath
from generators.rules import Context, all_rules

from .test_rule_cases import CASES

NEEDING = [r for r in all_rules() if r.needs is not None]
SPEC_FILES = sorted(
    p
    for folder in (FIXTURES / "valid", FIXTURES / "features", FIXTURES / "corpus", REPO / "specs")
    for p in folder.iterdir()
    if p.suffix in (".json", ".yaml", ".yml")
)


def _contexts(monkeypatch: pytest.MonkeyPatch) -> list[Context]:
    """The context of every task the rule cases and the spec files give `rules.run`."""
    seen: list[Context] = []
    real = validation.run_rules

    def keep(ctx: Context) -> Any:
        seen.append(ctx)
        return real(ctx)

    monkeypatch.setattr(validation, "run_rules", keep)
    for case in CASES:
        for spec in (case.good, case.bad):
            doc = {**spec, **({"x-ecsform": case.extension} if case.extension is not None else {})}
            validation.check_text(json.dumps(doc), "case.json", target=case.target)
    validation.validate([str(p) for p in SPEC_FILES])
    return seen


def _without(ctx: Context, fields: frozenset[str], reported: bool) -> Context:
    """`ctx` with `fields` taken out of the task and its containers; `reported`: as the field checks take out a
    badly typed value (its path reported), else as never written."""
    removed: list[FieldPath] = [(f,) for f in ctx.task if f in fields]
    task = {k: v for k, v in ctx.task.items() if k not in fields}
    containers = task.get("containerDefinitions")
    if isinstance(containers, list):
        task["containerDefinitions"] = [
            {k: v for k, v in c.items() if k not in fields} if isinstance(c, dict) else c for c in containers
        ]
        removed += [
            ("containerDefinitions", i, f)
            for i, c in enumerate(containers)
            if isinstance(c, dict)
            for f in c
            if f in fields
        ]
    return Context(
        task,
        ctx.ext,
        ctx.environment,
        reported=[*ctx.reported, *(removed if reported else [])],
        target=ctx.target,
        policy=ctx.policy,
    )


def test_rules_declare_needs() -> None:
    assert len(NEEDING) >= 40, "the rules that read one part of a task say which"


def test_a_rule_finds_nothing_without_what_it_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    contexts = _contexts(monkeypatch)
    assert len(contexts) > 500
    broken = []
    for ctx in contexts:
        for r in NEEDING:
            assert r.needs is not None
            for reported in (False, True):
                found = list(r.check(_without(ctx, r.needs, reported)))
                if found:
                    broken.append((r.id, reported, found[0].message))
    assert not broken, broken[:10]


def test_every_rule_with_needs_is_run_on_its_bad_case() -> None:
    """Each bad case of a rule that needs fields sets one of them (else `run` would leave the rule out there)."""
    for case in CASES:
        r = next((r for r in NEEDING if r.id == case.rule), None)
        if r is None or r.needs is None:
            continue
        containers = [c for c in case.bad.get("containerDefinitions", []) if isinstance(c, dict)]
        written = set(case.bad).union(*containers)
        assert written & r.needs, case.label()


def test_spec_files_are_found() -> None:
    assert len(SPEC_FILES) > 40 and all(isinstance(p, Path) for p in SPEC_FILES)
