"""Issue 21, item 1: what the tools around ECS write is read as the task definition it stands for, by validate,
synth, render and import alike (generators/spec/ecosystem.py).

- describe-task-definition output, bare or wrapped (with the tags beside the wrapper, boto3's ResponseMetadata):
  the read-only fields are left out with ONE SPEC-DESCRIBE-OUTPUT note naming them and `ecsform import`;
- `null` is "not set";
- `""` in an optional enum or ARN field, and `networkMode: default`, are "not set" with a SPEC-UNSET note.
Both are notes (the severity doctrine): the file works as written; they are information.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import NO_CONFIG, ecsform

from generators import validation
from generators.importer.command import import_spec
from generators.options import Options

TASK = {
    "family": "orders",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [
        {
            "name": "app",
            "image": "public.ecr.aws/nginx/nginx:1.27",
            "readonlyRootFilesystem": True,
            "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
        }
    ],
}
READ_ONLY = {
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/orders:3",
    "revision": 3,
    "status": "ACTIVE",
    "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}],
    "compatibilities": ["EC2", "FARGATE"],
    "registeredAt": "2024-05-01T10:00:00.000000+00:00",
    "registeredBy": "arn:aws:sts::123456789012:assumed-role/deploy/ci",
}
OPTIONS = Options(region="us-east-1")


def findings(doc: object) -> list[tuple[str, str, str]]:
    text = json.dumps(doc, indent=2)
    return [(f.rule, f.severity.value, f.message) for f in validation.check_text(text, "task.json", options=OPTIONS)]


def registered(doc: object) -> dict:
    plans, _ = validation.build_plans_from_text(json.dumps(doc, indent=2), "task.json", OPTIONS)
    return plans[0].register


def test_bare_describe_output_is_one_note_naming_the_read_only_fields() -> None:
    found = findings({**TASK, **READ_ONLY})
    assert found == [
        (
            "SPEC-DESCRIBE-OUTPUT",
            "note",
            "this is describe-task-definition output: ecsform reads the task definition in it and leaves out the "
            "read-only fields taskDefinitionArn, revision, status, requiresAttributes, compatibilities, "
            "registeredAt, registeredBy, which RegisterTaskDefinition does not take",
        )
    ]
    assert registered({**TASK, **READ_ONLY}) == registered(TASK)


def test_the_finding_points_at_the_first_read_only_field_and_says_what_import_writes() -> None:
    text = json.dumps({**TASK, **READ_ONLY}, indent=2)
    [f] = validation.check_text(text, "task.json", options=OPTIONS)
    assert (f.line, f.col, f.path) == (
        text.split("\n").index('  "taskDefinitionArn": "' + READ_ONLY["taskDefinitionArn"] + '",') + 1,
        3,
        ("taskDefinitionArn",),
    )
    assert f.hint == "`ecsform import task.json --out SPEC.yaml` writes the spec without them"
    assert "did you mean" not in f.format()  # compatibilities is not taken for a misspelt requiresCompatibilities


def test_wrapped_output_with_the_tags_beside_it_registers_those_tags() -> None:
    tags = [{"key": "team", "value": "orders"}]
    doc = {"taskDefinition": {**TASK, **READ_ONLY}, "tags": tags, "ResponseMetadata": {"HTTPStatusCode": 200}}
    [(rule, severity, message)] = findings(doc)
    assert (rule, severity) == ("SPEC-DESCRIBE-OUTPUT", "note")
    assert message.startswith(
        "this is describe-task-definition output: ecsform reads the task definition in it and "
        "leaves out the taskDefinition wrapper and the read-only fields taskDefinitionArn,"
    )
    assert registered(doc) == {**registered(TASK), "tags": tags}
    assert registered({"taskDefinition": TASK}) == registered(TASK)


def test_what_is_neither_the_task_nor_the_response_beside_the_wrapper_is_an_unknown_field() -> None:
    found = findings({"version": 1, "taskDefinition": TASK})
    assert [(r, s) for r, s, _ in found] == [("SPEC-UNKNOWN-FIELD", "error"), ("SPEC-DESCRIBE-OUTPUT", "note")]
    both = findings({"taskDefinition": {**TASK, "tags": [{"key": "a", "value": "b"}]}, "tags": [{"key": "c"}]})
    assert [(r, s) for r, s, _ in both] == [("YAML-DUPLICATE-KEY", "error")]


def test_null_means_not_set_at_any_depth() -> None:
    doc = {
        **TASK,
        "ipcMode": None,
        "pidMode": None,
        "proxyConfiguration": None,
        "containerDefinitions": [
            {
                **TASK["containerDefinitions"][0],
                "memory": None,
                "environment": None,
                "linuxParameters": None,
                "healthCheck": None,
                "logConfiguration": None,
                "portMappings": [{"containerPort": 80, "protocol": "tcp", "hostPort": None, "name": None}],
            }
        ],
    }
    assert findings(doc) == []
    assert registered(doc) == registered(TASK)


def test_an_empty_optional_enum_or_role_is_not_set_with_a_note_at_each() -> None:
    container = {**TASK["containerDefinitions"][0], "portMappings": [{"containerPort": 80, "appProtocol": ""}]}
    doc = {**TASK, "pidMode": "", "ipcMode": "", "taskRoleArn": "", "containerDefinitions": [container]}
    found = findings(doc)
    assert [(r, s) for r, s, _ in found] == [("SPEC-UNSET", "note")] * 4
    assert [m.split(" ")[0] for _, _, m in found] == ["appProtocol", "pidMode", "ipcMode", "taskRoleArn"]
    assert found[1][2] == (
        "pidMode is empty: an empty optional enum field means not set (the Go SDK and the Terraform provider leave "
        "it out of the request), so ecsform leaves it out"
    )
    assert registered(doc) == registered(
        {**TASK, "containerDefinitions": [{**container, "portMappings": [{"containerPort": 80}]}]}
    )


def test_network_mode_default_is_the_mode_a_task_gets_without_one() -> None:
    ec2 = {k: v for k, v in TASK.items() if k not in ("networkMode", "requiresCompatibilities")}
    found = findings({**ec2, "networkMode": "default"})
    assert [(r, s) for r, s, _ in found] == [("SPEC-UNSET", "note")]
    assert "networkMode 'default'" in found[0][2]
    assert "networkMode" not in registered({**ec2, "networkMode": "default"})


def test_a_required_enum_left_empty_is_still_an_error() -> None:
    container = {**TASK["containerDefinitions"][0], "logConfiguration": {"logDriver": ""}}
    found = findings({**TASK, "containerDefinitions": [container]})
    assert ("SPEC-ENUM", "error") in [(r, s) for r, s, _ in found]


def test_an_empty_enum_in_an_overlay_removes_the_base_value(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "family: orders\ncontainerDefinitions:\n  - {name: app, image: 'nginx:1.27', memory: 128, "
        "readonlyRootFilesystem: true}\npidMode: task\nenvironments:\n  dev: {pidMode: ''}\n  prod: {}\n"
    )
    plans, found = validation.build_plans([str(spec)], OPTIONS)
    assert {p.environment: p.register.get("pidMode") for p in plans} == {"dev": None, "prod": "task"}
    assert [(f.rule, f.environment, f.line) for f in found if f.rule == "SPEC-UNSET"] == [("SPEC-UNSET", "dev", 6)]


def test_import_leaves_out_what_means_not_set(tmp_path: Path) -> None:
    source = tmp_path / "task.json"
    source.write_text(json.dumps({"taskDefinition": {**TASK, **READ_ONLY, "pidMode": "", "ipcMode": None}}))
    text, warnings = import_spec(str(source))
    assert warnings == []
    assert not any(k in text for k in [*READ_ONLY, "pidMode", "ipcMode", "null"])


def test_validate_synth_and_render_accept_describe_output(tmp_path: Path) -> None:
    source = tmp_path / "task.json"
    source.write_text(json.dumps({"taskDefinition": {**TASK, **READ_ONLY}, "tags": []}))
    validate = ecsform("validate", NO_CONFIG, "--region", "us-east-1", str(source))
    assert validate.returncode == 0, validate.stderr
    assert "SPEC-DESCRIBE-OUTPUT" not in validate.stderr and "1 note(s) not shown" in validate.stderr
    notes = ecsform("validate", NO_CONFIG, "--notes", "--region", "us-east-1", str(source))
    assert notes.returncode == 0 and "note SPEC-DESCRIBE-OUTPUT" in notes.stderr, notes.stderr
    render = ecsform("render", NO_CONFIG, "--region", "us-east-1", str(source))
    assert render.returncode == 0 and not set(READ_ONLY) & set(json.loads(render.stdout))
    synth = ecsform("synth", NO_CONFIG, "--region", "us-east-1", str(source), "--out", str(tmp_path / "out"))
    assert synth.returncode == 0, synth.stderr
    assert (tmp_path / "out" / "orders" / "main.tf").is_file()
