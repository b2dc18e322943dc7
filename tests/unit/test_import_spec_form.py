"""`ecsform import` writes a spec as a person would (issue #7): hostile strings survive the YAML, shorthands only
where lossless, keys in a readable order, nulls and empties dropped but meaningful empties kept, and several
environments as one base and overlays that hold only the differences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from generators import validation
from generators.errors import EcsformError
from generators.importer.environments import base_family, to_spec_environments
from generators.importer.present import size_shorthand, to_spec
from generators.importer.roundtrip import comparable, ensure_loads_back, loaded_tasks
from generators.importer.source import extract
from generators.importer.yaml_text import dump_yaml
from generators.spec.loader import load_text

IMPORT_FIXTURES = FIXTURES / "import"


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
    text = dump_yaml(to_spec(extract(task)[0]))
    got = loaded_tasks(text)[None]
    assert got["containerDefinitions"][0]["command"] == HOSTILE
    assert got["containerDefinitions"][0]["dockerLabels"] == task["containerDefinitions"][0]["dockerLabels"]
    assert comparable(got) == comparable(task)
    assert "ENVIRONMENT" not in text and "\n      V0: 'yes'\n" in text  # the environment shorthand, quoted


@pytest.mark.parametrize("value", HOSTILE)
def test_a_misread_string_is_quoted(value: str) -> None:
    text = dump_yaml({"family": value})
    assert load_text(text, "x").value["family"].value == value
    from ruamel.yaml import YAML

    assert YAML(typ="safe", pure=True).load(text)["family"] == value  # and by other YAML tools (ruamel, 1.2)
    if value in ("yes", "no", "on", "off", "Y", "12:30", "0123"):  # what YAML 1.1 tools read as booleans/numbers
        assert text.startswith("family: '")


def test_multi_line_strings_are_literal_blocks() -> None:
    text = dump_yaml({"command": ["set -e\necho one\necho two\n", "x"]})
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
    assert size_shorthand(value, field) == written


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
    spec = to_spec(task)
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
    spec = to_spec(task)
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
    got, warnings = extract(task)
    # an empty item of a list stays (it is an item); fields holding nothing go; `command: []` is kept because
    # healthCheck requires a command and validation tells an empty one from none
    assert got == {
        "family": "x",
        "containerDefinitions": [{"name": "a", "image": "i", "portMappings": [{}]}],
        "volumes": [{"name": "docker", "dockerVolumeConfiguration": {}}, {"name": "bind"}],
    }
    assert not warnings
    kept, _ = extract(
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
    spec = to_spec_environments({e: extract(t)[0] for e, t in tasks.items()}, family)
    text = dump_yaml(spec)
    ensure_loads_back(text, {e: extract(t)[0] for e, t in tasks.items()})
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
    assert base_family({"dev": "api-dev", "dev2": "api-dev2"}) == "api"
    assert base_family({"a": "shop_api_a", "b": "shop_api_b"}) == "shop_api"


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
