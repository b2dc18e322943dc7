"""Issue #7: `import` brings existing task definitions into specs without losing a field.

- every spec in specs/ (and tests/fixtures/valid/): render -> import -> render gives back the same JSON;
- the seed document's four examples import to the YAML under tests/golden/import/ (what a person would write);
- describe-task-definition output (read-only fields, tags beside it) and AWS (moto) give the same spec.
Hostile strings, shorthands, key order and environments: test_import_spec_form.py; invalid input (findings and
exit code 2, never a traceback): test_import_errors.py; property tests over generated task definitions:
test_import_properties.py.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, NO_CONFIG, REPO, SPECS, ecsform

from generators import pipeline, validation
from generators.importer.command import import_spec
from generators.importer.roundtrip import loaded_tasks
from generators.options import Options
from generators.spec import document as specs
from generators.spec.ecosystem import read_only_fields

IMPORT_FIXTURES = FIXTURES / "import"
GOLDEN = REPO / "tests" / "golden" / "import"
UPDATE = os.environ.get("ECSFORM_UPDATE_GOLDEN") == "1"


def spec_paths() -> list[Path]:
    paths = sorted(p for p in SPECS.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
    valid = FIXTURES / "valid"
    if valid.is_dir():
        paths += sorted(p for p in valid.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
    return paths


def rendered(path: Path, env: str | None = None) -> dict[str, Any]:
    plans = pipeline.render(str(path), Options(env=env))
    assert len(plans) == 1
    return plans[0].register


def environments_of(path: Path) -> list[str | None]:
    return list(specs.read(path).environments) or [None]


def import_file(path: Path, **kwargs: Any) -> str:
    text, _ = import_spec(str(path), **kwargs)
    return text


# --- render -> import -> render -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", spec_paths(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_render_import_render_is_the_same_json(path: Path, tmp_path: Path) -> None:
    for env in environments_of(path):
        first = rendered(path, env)
        native = tmp_path / f"{env or 'base'}.json"
        native.write_text(json.dumps(first, indent=2, ensure_ascii=False))
        imported = tmp_path / f"{env or 'base'}.yaml"
        imported.write_text(import_file(native))
        assert json.dumps(rendered(imported), ensure_ascii=False) == json.dumps(first, ensure_ascii=False)


def specs_with_environments() -> list[Path]:
    """Specs with environments: those in specs/ and fixtures, and the imported seed Example 4."""
    return [p for p in spec_paths() if environments_of(p) != [None]] + [GOLDEN / "seed-example-4.yaml"]


@pytest.mark.parametrize("path", specs_with_environments(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_specs_with_environments_import_back_into_one_spec(path: Path, tmp_path: Path) -> None:
    envs = environments_of(path)
    sources = []
    for env in envs:
        native = tmp_path / f"{env}.json"
        native.write_text(json.dumps(rendered(path, env), indent=2, ensure_ascii=False))
        sources.append(f"{env}={native}")
    out = tmp_path / "imported.yaml"
    out.write_text(import_spec(environments=",".join(sources))[0])
    for env in envs:
        assert rendered(out, env) == rendered(path, env)
    if path.parent == GOLDEN:  # an imported spec is a fixed point: importing its renders gives it back
        from ruamel.yaml import YAML  # (up to the order of environment variables: render sorts them by name)

        imported, golden = YAML(typ="safe").load(out.read_text()), YAML(typ="safe").load(path.read_text())
        for c in imported["containerDefinitions"]:  # render carries the secure default; the golden spec is silent
            if c.get("readonlyRootFilesystem") is True:
                del c["readonlyRootFilesystem"]
        assert imported == golden


def test_the_real_cli_round_trip(tmp_path: Path) -> None:
    spec = IMPORT_FIXTURES / "seed-example-1.json"  # specs/financial-api.json's task, without its x-ecsform block
    first = ecsform("render", str(spec), NO_CONFIG)
    assert first.returncode == 0, first.stderr
    imported = ecsform("import", "-", input=first.stdout)
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr == ""
    out = tmp_path / "financial-api.yaml"
    out.write_text(imported.stdout)
    again = ecsform("render", str(out), NO_CONFIG)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    written = tmp_path / "written.yaml"
    proc = ecsform("import", str(spec), "--out", str(written))
    assert proc.returncode == 0 and proc.stdout == "", proc.stderr
    # render adds nothing to what the spec says: importing the spec or its rendering gives the same spec
    assert written.read_text() == imported.stdout
    assert ecsform("render", str(written), NO_CONFIG).stdout == first.stdout
    assert ecsform("validate", str(written), NO_CONFIG).returncode == 0


def test_the_real_cli_imports_environments(tmp_path: Path) -> None:
    dev, prod = IMPORT_FIXTURES / "seed-example-4-dev.json", IMPORT_FIXTURES / "seed-example-4-prod.json"
    out = tmp_path / "financial-api.yaml"
    proc = ecsform("import", "--environments", f"dev={dev},prod={prod}", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    for env, source in (("dev", dev), ("prod", prod)):
        mine = ecsform("render", str(out), "--env", env, NO_CONFIG)
        theirs = ecsform("render", str(source), NO_CONFIG)
        assert mine.returncode == theirs.returncode == 0, mine.stderr + theirs.stderr
        assert mine.stdout == theirs.stdout
    assert ecsform("validate", str(out), NO_CONFIG).returncode == 0


# --- the seed document's examples: golden YAML ----------------------------------------------------------------

SEED_CASES = {
    "seed-example-1": {"source": IMPORT_FIXTURES / "seed-example-1.json"},
    "seed-example-2": {"source": IMPORT_FIXTURES / "seed-example-2.json"},
    "seed-example-3": {"source": IMPORT_FIXTURES / "seed-example-3.json"},
    "seed-example-4": {
        "environments": f"dev={IMPORT_FIXTURES / 'seed-example-4-dev.json'},"
        f"prod={IMPORT_FIXTURES / 'seed-example-4-prod.json'}"
    },
}


@pytest.mark.parametrize("name", list(SEED_CASES))
def test_seed_examples_import_to_the_golden_yaml(name: str) -> None:
    case = SEED_CASES[name]
    text, warnings = (
        import_spec(str(case["source"])) if "source" in case else import_spec(environments=case["environments"])
    )
    assert not warnings
    golden = GOLDEN / f"{name}.yaml"
    if UPDATE:
        golden.write_text(text)
    assert text == golden.read_text(), f"regenerate with ECSFORM_UPDATE_GOLDEN=1 if the change is intended:\n{text}"
    found = validation.check_text(text, golden.name)
    errors = [f.rule for f in found if f.severity.value == "error"]
    # the seed's Example 3 imports as written, mistakes included: the validator then names them (the HEALTHY
    # dependency on a container without a health check can never start: ECS-F5; see docs/rule-audit.md)
    assert sorted(errors) == (["ECS-D2", "ECS-D6", "ECS-F5"] if name == "seed-example-3" else []), errors


def test_golden_yaml_reads_like_a_hand_written_spec() -> None:
    for golden in sorted(GOLDEN.glob("*.yaml")):
        text = golden.read_text()
        assert "[]" not in text and "{}" not in text, golden.name  # no empty lists or mappings
        assert "- name: ENVIRONMENT" not in text and "valueFrom:" not in text  # environment/secrets as mappings
        assert '"512"' not in text and "'512'" not in text  # sizes as a person writes them
        assert "taskDefinitionArn" not in text and "revision" not in text
        assert text.startswith("family: ")


def test_seed_example_4_inputs_are_example_1_with_example_4_applied() -> None:
    """The seed's Example 4 is two fragments; the inputs are Example 1 with their cpu, memory and environment."""
    example_1 = json.loads((IMPORT_FIXTURES / "seed-example-1.json").read_text())
    for env, family, cpu, memory, values in (
        ("dev", "financial-api-dev", "256", "512", {"ENVIRONMENT": "development", "DEBUG": "true"}),
        ("prod", "financial-api-prod", "1024", "2048", {"ENVIRONMENT": "production", "DEBUG": "false"}),
    ):
        task = json.loads((IMPORT_FIXTURES / f"seed-example-4-{env}.json").read_text())
        want = copy.deepcopy(example_1)
        want.update(family=family, cpu=cpu, memory=memory)
        variables = {e["name"]: e["value"] for e in want["containerDefinitions"][0]["environment"]}
        variables.update(values)
        want["containerDefinitions"][0]["environment"] = [{"name": k, "value": v} for k, v in variables.items()]
        assert task == want


# --- describe-task-definition output and AWS ------------------------------------------------------------------


def described(task: dict[str, Any], tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """What `aws ecs describe-task-definition --include TAGS` prints for a registered task (the read-only
    fields and the empty lists AWS adds)."""
    td = copy.deepcopy(task)
    td.update(
        {
            "taskDefinitionArn": f"arn:aws:ecs:us-east-1:123456789012:task-definition/{task['family']}:7",
            "revision": 7,
            "status": "ACTIVE",
            "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.task-iam-role"}],
            "compatibilities": ["EC2", "FARGATE"],
            "registeredAt": "2025-06-01T10:00:00.000000+00:00",
            "registeredBy": "arn:aws:sts::123456789012:assumed-role/deployer/ci",
            "placementConstraints": [],
            "volumes": task.get("volumes", []),
        }
    )
    for c in td["containerDefinitions"]:
        for key in ("mountPoints", "volumesFrom", "systemControls"):
            c.setdefault(key, [])
    return {"taskDefinition": td, "tags": tags or []}


def test_describe_output_imports_like_the_register_input(tmp_path: Path) -> None:
    source = IMPORT_FIXTURES / "seed-example-1.json"
    doc = tmp_path / "described.json"
    doc.write_text(json.dumps(described(json.loads(source.read_text()))))
    assert import_file(doc) == (GOLDEN / "seed-example-1.yaml").read_text()


def test_describe_output_keeps_what_aws_filled_in_and_the_tags(tmp_path: Path) -> None:
    task = json.loads((IMPORT_FIXTURES / "seed-example-1.json").read_text())
    task["containerDefinitions"][0]["cpu"] = 0
    task["containerDefinitions"][0]["portMappings"][0]["hostPort"] = 8000
    doc = tmp_path / "described.json"
    doc.write_text(json.dumps(described(task, [{"key": "team", "value": "payments"}, {"key": "on", "value": ""}])))
    text = import_file(doc)
    spec = loaded_tasks(text)[None]
    assert spec["containerDefinitions"][0]["cpu"] == 0
    assert spec["containerDefinitions"][0]["portMappings"] == [
        {"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}
    ]
    assert spec["tags"] == [{"key": "team", "value": "payments"}, {"key": "on", "value": ""}]
    assert text.endswith("tags:\n  - key: team\n    value: payments\n  - key: 'on'\n    value: ''\n")
    for field in read_only_fields():
        assert field not in text
    assert "compatibilities:" not in text.replace("requiresCompatibilities:", "")


def test_read_only_fields_come_from_the_model() -> None:
    assert read_only_fields() >= {
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
    }
    assert not read_only_fields() & {"family", "containerDefinitions", "cpu", "requiresCompatibilities"}
