"""Field checks from the ECS model: members the API needs that the model does not mark required."""

from __future__ import annotations

import json

import pytest

from generators import validation

BASE = {
    "family": "a",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "x", "image": "y", "readonlyRootFilesystem": True}],
}


@pytest.mark.parametrize(
    "extra,path",
    [
        ({"tags": [{"value": "v"}]}, "tags[0]"),
        (
            {"proxyConfiguration": {"containerName": "x", "properties": [{"value": "1"}]}},
            "proxyConfiguration.properties[0]",
        ),
        (
            {"proxyConfiguration": {"containerName": "x", "properties": [{"name": "IgnoredUID"}]}},
            "proxyConfiguration.properties[0]",
        ),
    ],
)
def test_required_beyond_the_model(extra: dict, path: str) -> None:
    findings = validation.check_text(json.dumps({**BASE, **extra}))
    assert any(f.rule == "SPEC-REQUIRED" and f.format().split(": ")[2] == path for f in findings), [
        f.format() for f in findings
    ]


def test_environment_entries_need_no_value_field() -> None:
    spec = {**BASE, "containerDefinitions": [{**BASE["containerDefinitions"][0], "environment": [{"name": "A"}]}]}
    assert not [f for f in validation.check_text(json.dumps(spec)) if f.rule == "SPEC-REQUIRED"]
