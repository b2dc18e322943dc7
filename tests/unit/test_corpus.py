"""The corpus of task definitions teams run (tests/fixtures/corpus/): every file validates and plans with zero errors.

Fast (no terraform): the same checks `validate` and `synth` make before they write anything. The e2e suite applies
every file against the moto server (tests/e2e/test_corpus.py). A rule that fires an error here is wrong until proved
otherwise: fix the rule with a cited source, never the spec.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

from generators import validation
from generators.errors import EcsformError, Severity
from generators.options import Options

CORPUS = FIXTURES / "corpus"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".json", ".yaml", ".yml"))


def test_the_corpus_has_forty_patterns_or_more() -> None:
    assert len(FILES) >= 40, [p.name for p in FILES]
    families = [validation.load([str(p)])[0][0].task["family"] for p in FILES]
    assert len(set(families)) == len(families), "every corpus file registers its own family"
    assert all(f.startswith("corpus-") for f in families), families


def test_every_file_is_described() -> None:
    """YAML files open with a comment; every file has a row in the corpus README (the JSON files' only description)."""
    index = (CORPUS / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `([^`]+)` \|", index, flags=re.MULTILINE)
    assert listed == [p.name for p in FILES], "README rows must list exactly the corpus files, in order"
    for p in FILES:
        if p.suffix != ".json":
            assert p.read_text(encoding="utf-8").startswith("# "), f"{p.name}: start with a one-line description"


def test_no_file_uses_x_ecsform() -> None:
    """The corpus is native task definitions (shorthands allowed): nothing ecsform-specific decides the result."""
    for p in FILES:
        assert "x-ecsform" not in p.read_text(encoding="utf-8"), p.name


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_validates_and_plans_with_zero_errors(path: Path) -> None:
    findings = validation.validate_findings([str(path)])
    errors = [f.format() for f in findings if f.severity is Severity.ERROR]
    assert not errors, "\n".join(errors)
    try:  # what synth checks on top of validate (regions, secrets to resolve), without writing anything
        plans, _ = validation.build_plans([str(path)], Options())
    except EcsformError as exc:
        pytest.fail("\n".join(f.format() for f in exc.findings))
    assert len(plans) == 1


@functools.cache
def _schema_validator():  # noqa: ANN202
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads((REPO / "docs" / "spec.schema.json").read_text()))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_satisfies_the_editor_schema(path: Path) -> None:
    """An editor using docs/spec.schema.json flags nothing in a file `validate` accepts."""
    from ruamel.yaml import YAML

    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else YAML(typ="safe").load(text)
    errors = [f"{list(e.path)}: {e.message[:200]}" for e in _schema_validator().iter_errors(data)]
    assert not errors, errors


def test_issue_11_gpu_task_is_accepted_as_written() -> None:
    """memlock -1 (unlimited), devices, sharedMemorySize and GPUs on EC2: no finding about any of them, and the
    registered form keeps -1."""
    path = CORPUS / "gpu-training-ec2.json"
    findings = validation.validate_findings([str(path)])
    assert not [f.format() for f in findings if f.rule in ("ECS-K7", "ECS-K2", "ECS-K5", "ECS-L3")]
    (plan,), _ = validation.build_plans([str(path)], Options())
    container = plan.register["containerDefinitions"][0]
    assert {"name": "memlock", "softLimit": -1, "hardLimit": -1} in container["ulimits"]
    written = json.loads(path.read_text(encoding="utf-8"))["containerDefinitions"][0]
    for key in ("ulimits", "linuxParameters", "resourceRequirements"):
        assert container[key] == written[key], key


ANSWERS = FIXTURES / "corpus-answers.yaml"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_strict_passes_once_each_warning_is_answered(path: Path, tmp_path: Path) -> None:
    """Issue 11: `validate --strict` passes on every corpus file once each remaining warning is answered in the spec
    or suppressed with a reason (tests/fixtures/corpus-answers.yaml: the x-ecsform block added here to the file; the
    corpus itself stays native). Every suppression must match a finding (IGNORE-UNMATCHED is a warning, so strict
    fails on a stale one)."""
    from ruamel.yaml import YAML

    block = YAML(typ="safe").load(ANSWERS.read_text(encoding="utf-8")).get(path.name, {})
    answers = block.get("ignore", [])
    assert all(a.get("reason") for a in answers), path.name
    text = path.read_text(encoding="utf-8")
    answered = tmp_path / path.name
    if path.suffix == ".json":
        answered.write_text(json.dumps({**json.loads(text), "x-ecsform": block}, indent=2))
    else:  # appended as a top-level key, so every line of the file keeps its number
        answered.write_text(text + "x-ecsform: " + json.dumps(block) + "\n", encoding="utf-8")
    findings = validation.validate_findings([str(answered)], Options(strict=True))
    # notes (hardening advice) need no answer: they never fail --strict
    shown = [f.format() for f in findings if f.suppressed is None and f.severity is not Severity.NOTE]
    assert not shown, "\n".join(shown)
    assert sum(1 for f in findings if f.suppressed is not None) >= len(answers)


def test_every_answer_names_a_corpus_file() -> None:
    from ruamel.yaml import YAML

    names = set(YAML(typ="safe").load(ANSWERS.read_text(encoding="utf-8")))
    assert names <= {p.name for p in FILES}, names - {p.name for p in FILES}
