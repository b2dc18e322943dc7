"""Issue #7: `import` brings existing task definitions into specs without losing a field.

- every spec in specs/ (and tests/fixtures/valid/): render -> import -> render gives back the same JSON;
- the seed document's four examples import to the YAML under tests/golden/import/ (what a person would write);
- describe-task-definition output (read-only fields, tags beside it) and AWS (moto) give the same spec;
- hostile strings survive; invalid input gives findings and exit code 2, never a traceback.
The property tests over generated task definitions are in test_import_properties.py.
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
from generators.aws import importer
from generators.errors import EcsformError
from generators.options import Options
from generators.spec import document as specs
from generators.spec.loader import load_text

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


def cli(*args: str, input: str | None = None) -> Any:
    """Run the typer app in this process (exit code, stdout and stderr apart); `ecsform` runs a real process."""
    from typer.testing import CliRunner

    from main import app

    return CliRunner().invoke(app, list(args), input=input)


def import_file(path: Path, **kwargs: Any) -> str:
    text, _ = importer.import_spec(str(path), **kwargs)
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
    out.write_text(importer.import_spec(environments=",".join(sources))[0])
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
        importer.import_spec(str(case["source"]))
        if "source" in case
        else importer.import_spec(environments=case["environments"])
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
    spec = importer.loaded_tasks(text)[None]
    assert spec["containerDefinitions"][0]["cpu"] == 0
    assert spec["containerDefinitions"][0]["portMappings"] == [
        {"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}
    ]
    assert spec["tags"] == [{"key": "team", "value": "payments"}, {"key": "on", "value": ""}]
    assert text.endswith("tags:\n  - key: team\n    value: payments\n  - key: 'on'\n    value: ''\n")
    for field in importer.read_only_fields():
        assert field not in text
    assert "compatibilities:" not in text.replace("requiresCompatibilities:", "")


def test_read_only_fields_come_from_the_model() -> None:
    assert importer.read_only_fields() >= {
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
    }
    assert not importer.read_only_fields() & {"family", "containerDefinitions", "cpu", "requiresCompatibilities"}


# --- strings YAML would misread -------------------------------------------------------------------------------

HOSTILE = [
    "yes",
    "no",
    "on",
    "off",
    "Y",
    "null",
    "Null",
    "~",
    "",
    "0123",
    "0o17",
    "0x1F",
    "1e3",
    ".5",
    "-.5",
    "+1",
    "1_000",
    "12:30",
    ".inf",
    ".NaN",
    "<<",
    "=",
    "true",
    "FALSE",
    " lead",
    "trail ",
    "a: b",
    "a:b",
    "#x",
    "a #b",
    "- x",
    "-",
    "? x",
    "[x]",
    "{x}",
    "x, y",
    "*a",
    "&a",
    "!a",
    "%a",
    "@a",
    "`a",
    "'a'",
    '"a"',
    "|",
    ">",
    "${x}",
    "%{x}",
    "a\\nb",
    "multi\nline",
    "multi\nline\n",
    "two\n\n",
    "\nlead",
    "  indented\nx",
    "trail \nx",
    "tab\tx",
    "\tx",
    "cr\r\nlf",
    "nel\x85x",
    "ls\u2028x",
    "bom\ufeffx",
    "nul\x00x",
    "del\x7f",
    "é ✓ 😀",
    "---",
    "...",
    "x" * 300,
    "0",
    "1.0",
    "0.5 vCPU",
    "1 GB",
]


def test_hostile_strings_round_trip_in_every_position(tmp_path: Path) -> None:
    task = {
        "family": "hostile",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "nginx",
                "command": HOSTILE,
                "entryPoint": ["a: b", "c"],
                "environment": [{"name": f"V{i}", "value": s} for i, s in enumerate(HOSTILE)]
                + [{"name": s, "value": s} for s in HOSTILE if s],
                "dockerLabels": {s: s for s in HOSTILE},
                "logConfiguration": {"logDriver": "awslogs", "options": {s or "k": s for s in HOSTILE}},
                "healthCheck": {"command": ["CMD-SHELL", "curl -f http://x:8000/ || exit 1"]},
            }
        ],
        "tags": [{"key": s or "k", "value": s} for s in HOSTILE],
    }
    text = importer.dump_yaml(importer.to_spec(importer.extract(task)[0]))
    got = importer.loaded_tasks(text)[None]
    assert got["containerDefinitions"][0]["command"] == HOSTILE
    assert got["containerDefinitions"][0]["dockerLabels"] == task["containerDefinitions"][0]["dockerLabels"]
    assert importer.comparable(got) == importer.comparable(task)
    assert "ENVIRONMENT" not in text and "\n      V0: 'yes'\n" in text  # the environment shorthand, quoted


@pytest.mark.parametrize("value", HOSTILE)
def test_a_misread_string_is_quoted(value: str) -> None:
    text = importer.dump_yaml({"family": value})
    assert load_text(text, "x").value["family"].value == value
    from ruamel.yaml import YAML

    assert YAML(typ="safe", pure=True).load(text)["family"] == value  # and by other YAML tools (ruamel, 1.2)
    if value in ("yes", "no", "on", "off", "Y", "12:30", "0123"):  # what YAML 1.1 tools read as booleans/numbers
        assert text.startswith("family: '")


def test_multi_line_strings_are_literal_blocks() -> None:
    text = importer.dump_yaml({"command": ["set -e\necho one\necho two\n", "x"]})
    assert "|\n" in text and "echo one\n" in text
    assert load_text(text, "x").value["command"].value[0].value == "set -e\necho one\necho two\n"


# --- shorthands, order ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value, written",
    [
        ("cpu", "256", "0.25 vCPU"),
        ("cpu", "512", "0.5 vCPU"),
        ("cpu", "1024", "1 vCPU"),
        ("cpu", "4096", "4 vCPU"),
        ("cpu", "100", 100),
        ("cpu", "0", 0),
        ("cpu", "0512", "0512"),
        ("cpu", " 512", " 512"),
        ("cpu", "1 vCPU", "1 vCPU"),
        ("memory", "512", "0.5 GB"),
        ("memory", "2048", "2 GB"),
        ("memory", "3584", "3.5 GB"),
        ("memory", "700", 700),
        ("memory", "30720", "30 GB"),
        ("memory", "abc", "abc"),
    ],
)
def test_task_size_shorthand_only_when_it_loads_back_the_same(field: str, value: str, written: Any) -> None:
    assert importer.size_shorthand(value, field) == written


def test_shorthands_only_where_lossless() -> None:
    task = {
        "family": "x",
        "containerDefinitions": [
            {
                "name": "a",
                "image": "i",
                "portMappings": [{"containerPort": 80}, {"containerPort": 81, "protocol": "udp"}],
                "environment": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}],  # repeated: stays a list
                "secrets": [{"name": "S", "valueFrom": "arn:x"}],
            },
            {"name": "b", "image": "i", "environment": [{"name": "B"}]},  # no value: stays a list
        ],
    }
    spec = importer.to_spec(task)
    a, b = spec["containerDefinitions"]
    assert a["portMappings"] == [80, {"containerPort": 81, "protocol": "udp"}]
    assert a["environment"] == [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]
    assert a["secrets"] == {"S": "arn:x"}
    assert b["environment"] == [{"name": "B"}]


def test_keys_in_a_readable_order() -> None:
    task = {
        "tags": [{"key": "a", "value": "b"}],
        "volumes": [{"name": "v"}],
        "memory": "512",
        "containerDefinitions": [
            {
                "logConfiguration": {"options": {"z": "1", "a": "2"}, "logDriver": "awslogs"},
                "essential": True,
                "image": "i",
                "name": "c",
                "cpu": 10,
            }
        ],
        "cpu": "256",
        "networkMode": "awsvpc",
        "family": "f",
    }
    spec = importer.to_spec(task)
    assert list(spec) == ["family", "networkMode", "cpu", "memory", "containerDefinitions", "volumes", "tags"]
    container = spec["containerDefinitions"][0]
    assert list(container) == ["name", "image", "essential", "cpu", "logConfiguration"]
    assert list(container["logConfiguration"]) == ["logDriver", "options"]
    assert list(container["logConfiguration"]["options"]) == ["z", "a"]  # a mapping keeps its order


def test_nulls_and_empties_are_dropped_but_meaningful_empties_kept() -> None:
    task = {
        "family": "x",
        "containerDefinitions": [
            {"name": "a", "image": "i", "cpu": None, "mountPoints": [], "portMappings": [{}], "dockerLabels": {}}
        ],
        "volumes": [{"name": "docker", "dockerVolumeConfiguration": {}}, {"name": "bind", "host": {}}],
        "placementConstraints": [],
    }
    got, warnings = importer.extract(task)
    # an empty item of a list stays (it is an item); fields holding nothing go; `command: []` is kept because
    # healthCheck requires a command and validation tells an empty one from none
    assert got == {
        "family": "x",
        "containerDefinitions": [{"name": "a", "image": "i", "portMappings": [{}]}],
        "volumes": [{"name": "docker", "dockerVolumeConfiguration": {}}, {"name": "bind"}],
    }
    assert not warnings
    kept, _ = importer.extract(
        {
            "family": "x",
            "containerDefinitions": [{"name": "a", "image": "i", "healthCheck": {"command": [], "interval": 5}}],
        }
    )
    assert kept["containerDefinitions"][0]["healthCheck"] == {"command": [], "interval": 5}


# --- environments ---------------------------------------------------------------------------------------------


def base_task(**changes: Any) -> dict[str, Any]:
    task = json.loads((IMPORT_FIXTURES / "seed-example-1.json").read_text())
    task.update(changes)
    return task


def spec_for(tasks: dict[str, dict[str, Any]], family: str | None = None) -> tuple[dict[str, Any], str]:
    spec = importer.to_spec_environments({e: importer.extract(t)[0] for e, t in tasks.items()}, family)
    text = importer.dump_yaml(spec)
    importer.verify(text, {e: importer.extract(t)[0] for e, t in tasks.items()})
    return spec, text


def test_environment_family_rules() -> None:
    spec, _ = spec_for({"dev": base_task(family="api-dev"), "prod": base_task(family="api-prod")})
    assert spec["family"] == "api" and "family" not in spec["environments"]["dev"]
    spec, _ = spec_for({"dev": base_task(family="api-development"), "prod": base_task(family="api-prod")})
    assert spec["family"] == "api" and spec["environments"]["dev"] == {"family": "api-development"}
    spec, _ = spec_for({"dev": base_task(family="api"), "prod": base_task(family="api")})
    assert spec["environments"] == {"dev": {"family": "api"}, "prod": {"family": "api"}}
    spec, _ = spec_for({"dev": base_task(family="svc-dev"), "prod": base_task(family="svc-prod")}, family="web")
    assert spec["family"] == "web" and spec["environments"]["dev"] == {"family": "svc-dev"}
    no_family = base_task()
    del no_family["family"]
    spec, _ = spec_for({"dev": base_task(family="api-dev"), "prod": no_family})
    assert spec["environments"]["prod"] == {"family": None}  # null: the base family would otherwise apply
    with pytest.raises(EcsformError) as exc:
        spec_for({"dev": base_task(family="alpha"), "prod": base_task(family="beta")})
    assert exc.value.findings[0].rule == "IMPORT-FAMILY"
    assert importer.base_family({"dev": "api-dev", "dev2": "api-dev2"}) == "api"
    assert importer.base_family({"a": "shop_api_a", "b": "shop_api_b"}) == "shop_api"


def test_overlays_hold_only_the_differences() -> None:
    dev = base_task(family="api-dev", cpu="256")
    prod = base_task(family="api-prod", cpu="1024")
    prod["containerDefinitions"][0]["healthCheck"]["retries"] = 5
    prod["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-group"] = "/ecs/prod"
    prod["volumes"] = [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]
    spec, _ = spec_for({"dev": dev, "prod": prod})
    assert "cpu" not in spec and "volumes" not in spec
    # the base holds only what both share; each overlay says its own value of what differs
    assert spec["environments"]["dev"] == {
        "cpu": "0.25 vCPU",
        "containerDefinitions": [
            {
                "name": "api",
                "logConfiguration": {"options": {"awslogs-group": "/ecs/financial-api"}},
                "healthCheck": {"retries": 3},
            }
        ],
    }
    assert spec["environments"]["prod"] == {
        "cpu": "1 vCPU",
        "containerDefinitions": [
            {
                "name": "api",
                "logConfiguration": {"options": {"awslogs-group": "/ecs/prod"}},
                "healthCheck": {"retries": 5},
            }
        ],
        "volumes": [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}],
    }
    base = spec["containerDefinitions"][0]
    assert base["healthCheck"]["interval"] == 30 and "retries" not in base["healthCheck"]
    assert base["logConfiguration"]["options"] == {"awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}


def test_ordered_name_keyed_lists_share_their_common_prefix() -> None:
    dev, prod = base_task(family="api-dev"), base_task(family="api-prod")
    dev["volumes"] = [{"name": "a", "host": {"sourcePath": "/a"}}, {"name": "b"}]
    prod["volumes"] = [{"name": "a", "host": {"sourcePath": "/prod/a"}}, {"name": "c"}, {"name": "b"}]
    spec, _ = spec_for({"dev": dev, "prod": prod})
    assert spec["volumes"] == [{"name": "a"}]
    assert spec["environments"]["dev"]["volumes"] == [{"name": "a", "host": {"sourcePath": "/a"}}, {"name": "b"}]
    assert spec["environments"]["prod"]["volumes"][1:] == [{"name": "c"}, {"name": "b"}]


def test_different_containers_go_whole_into_each_overlay() -> None:
    dev, prod = base_task(family="api-dev"), base_task(family="api-prod")
    prod["containerDefinitions"].append({"name": "xray", "image": "amazon/aws-xray-daemon", "essential": False})
    spec, text = spec_for({"dev": dev, "prod": prod})
    assert "containerDefinitions" not in spec
    assert [c["name"] for c in spec["environments"]["prod"]["containerDefinitions"]] == ["api", "xray"]
    assert not [f for f in validation.check_text(text) if f.severity.value == "error"]


def test_identical_inputs_give_empty_overlays() -> None:
    spec, text = spec_for({"dev": base_task(family="api-dev"), "prod": base_task(family="api-prod")})
    assert spec["environments"] == {"dev": {}, "prod": {}}
    assert text.endswith("environments:\n  dev: {}\n  prod: {}\n")


# --- invalid input: findings, exit code 2, no traceback ---------------------------------------------------------


@pytest.mark.parametrize(
    "content, rule",
    [
        ('{"family": "x", ', "JSON-SYNTAX"),
        ("family: x\ncontainerDefinitions: [unclosed", "YAML-SYNTAX"),
        ("[1, 2]", "SPEC-NOT-MAPPING"),
        ('"just a string"', "SPEC-NOT-MAPPING"),
        ("", "IMPORT-INPUT"),
        ('{"foo": 1}', "IMPORT-INPUT"),
        ('{"taskDefinition": [1]}', "IMPORT-INPUT"),
        ('{"taskDefinition": {"family": "x", "containerDefinitions": []}, "nextToken": "x"}', "SPEC-UNKNOWN-FIELD"),
        (
            '{"family": "x", "containerDefinitions": [{"name": "a", "image": "b", "portMapping": []}]}',
            "SPEC-UNKNOWN-FIELD",
        ),
        ('{"family": "x", "containerDefinitions": [{"name": "a", "image": "b", "essential": "true"}]}', "SPEC-TYPE"),
        ('{"family": "x", "cpu": true, "containerDefinitions": [{"name": "a", "image": "b"}]}', "SPEC-TYPE"),
        ('{"family": "x", "containerDefinitions": [], "x-ecsform": {}}', "IMPORT-INPUT"),
        ("\xff", "YAML-ENCODING"),
    ],
)
def test_invalid_input_gives_findings_and_exit_2(content: str, rule: str, tmp_path: Path) -> None:
    source = tmp_path / ("input.yaml" if rule == "YAML-SYNTAX" else "input.json")
    source.write_bytes(content.encode("latin-1") if content == "\xff" else content.encode())
    result = cli("import", str(source))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert f": error {rule}: " in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[0].startswith(f"{source}:")


def test_invalid_input_in_a_real_process() -> None:
    proc = ecsform("import", "-", input="not: [json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("<stdin>:") and " error YAML-SYNTAX: " in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_fields_are_located_in_the_input() -> None:
    text = (
        '{\n  "taskDefinition": {\n    "family": "x",\n    "containerDefinitions": [\n'
        '      {"name": "a", "image": "b", "hostname": "h", "portMapping": [80]}\n    ]\n  }\n}\n'
    )
    result = cli("import", "-", input=text)
    assert result.exit_code == 2
    line = text.splitlines()[4]
    col = line.index('"portMapping"') + 1
    assert result.stderr.startswith(f"<stdin>:5:{col}: error SPEC-UNKNOWN-FIELD: containerDefinitions[0].portMapping: ")
    assert "hint: did you mean 'portMappings'?" in result.stderr


def test_other_model_findings_are_warnings_and_the_spec_is_written() -> None:
    result = cli("import", "-", input='{"family": "x", "pidMode": "hots", "containerDefinitions": [{"image": "b"}]}')
    assert result.exit_code == 0, result.output
    assert "warning SPEC-ENUM: pidMode: 'hots' is not one of: host, task" in result.stderr
    assert "hint: did you mean 'host'?" in result.stderr
    assert result.stdout == "family: x\npidMode: hots\ncontainerDefinitions:\n  - image: b\n"


@pytest.mark.parametrize(
    "args, rule",
    [
        ([], "CLI-IMPORT-SOURCE"),
        (["a.json", "--from-aws", "x"], "CLI-IMPORT-SOURCE"),
        (["a.json", "--family", "x"], "SPEC-READ"),  # --family names FILE's family (a template's placeholder)
        (["--environments", "dev"], "CLI-ENVIRONMENTS"),
        (["--environments", "dev=a.json,dev=b.json"], "CLI-ENVIRONMENTS"),
        (["--environments", "d e v=a.json"], "CLI-ENVIRONMENTS"),
        (["--environments", "dev=missing.json"], "SPEC-READ"),
        (["--from-aws", "not a family"], "IMPORT-AWS"),
        (["--from-aws", "api:0"], "IMPORT-AWS"),
        (["missing.json"], "SPEC-READ"),
        (
            [str(IMPORT_FIXTURES / "seed-example-1.json"), "--role-arn", "arn:aws:iam::123456789012:role/r"],
            "CLI-ROLE-ARN",
        ),
        (["--from-aws", "api", "--role-arn", "arn:aws:iam::123456789012:user/u"], "CLI-ROLE-ARN"),
        (["--environments", "dev=a.json", "--role-arn", "arn:aws:iam::123456789012:role/r"], "CLI-ROLE-ARN"),
        ([str(IMPORT_FIXTURES / "seed-example-1.json"), "--out", "/nonexistent/folder/x.yaml"], "OUT-IO"),
    ],
)
def test_usage_errors(args: list[str], rule: str) -> None:
    result = cli("import", *args)
    assert result.exit_code == 2, result.output
    assert f"error {rule}: " in result.stderr and "Traceback" not in result.output


def test_out_replaces_a_file_atomically_and_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "api.yaml"
    out.write_text("old")
    out.chmod(0o640)
    assert cli("import", str(IMPORT_FIXTURES / "seed-example-1.json"), "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("family: financial-api\n")
    assert out.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["api.yaml"]
