"""`python main.py schema`: a valid JSON Schema that every bundled spec satisfies and that refuses unknown keys."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import REPO, SPECS, ecsform, spec_files
from ruamel.yaml import YAML

SCHEMA = json.loads((REPO / "docs" / "spec.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _load(path):
    return json.loads(path.read_text()) if path.suffix == ".json" else YAML(typ="safe").load(path.read_text())


def test_schema_command_prints_the_committed_schema() -> None:
    proc = ecsform("schema")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == SCHEMA
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    "path", spec_files() + sorted((REPO / "tests/fixtures/features").glob("*.yaml")), ids=lambda p: p.name
)
def test_every_spec_satisfies_the_schema(path) -> None:
    errors = sorted(VALIDATOR.iter_errors(_load(path)), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors]


@pytest.mark.parametrize("path", spec_files(), ids=lambda p: p.name)
def test_every_spec_names_the_schema(path) -> None:
    text = path.read_text()
    if path.suffix == ".json":
        assert json.loads(text)["$schema"] == "../docs/spec.schema.json"
    else:
        assert text.splitlines()[0] == "# yaml-language-server: $schema=../docs/spec.schema.json"


@pytest.mark.parametrize(
    "bad",
    [
        {"family": "x", "containerDefinitions": [{"name": "a", "image": "b", "portMapping": [80]}]},
        {"family": "x", "containerDefinitions": [{"name": "a", "image": "b", "portMappings": [{"protocol": "tcpx"}]}]},
        {"family": "x", "containerDefinitions": []} | {"x-ecsform": {"regoin": "us-east-1"}},
        {"containerDefinitions": [{"name": "a", "image": "b"}]},
        {"family": "x", "containerDefinitions": [{"name": "a", "image": "b"}], "environments": {"dev": {"cpu": [1]}}},
    ],
)
def test_schema_refuses_what_the_checks_refuse(bad) -> None:
    assert list(VALIDATOR.iter_errors(bad))


def test_schema_accepts_shorthands_and_overlays() -> None:
    good = {
        "family": "x",
        "cpu": 512,
        "memory": "1 GB",
        "containerDefinitions": [
            {
                "name": "a",
                "image": "b",
                "portMappings": [80, {"containerPort": 81}],
                "environment": {"A": "1"},
                "secrets": {"B": "/param"},
            }
        ],
        "environments": {"prod": {"cpu": "1 vCPU", "containerDefinitions": [{"name": "a", "environment": {"A": "2"}}]}},
        "x-ecsform": {"region": "eu-west-1", "logs": {"retentionInDays": 30}},
    }
    assert not list(VALIDATOR.iter_errors(good))
    assert SPECS.is_dir()
