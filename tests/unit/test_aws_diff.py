"""`diff`'s comparison (generators/aws/diff.py): the reductions the AWS provider makes before it compares container
definitions (internal/service/ecs/container_definitions.go), and changes printed as field paths."""

from __future__ import annotations

import plan_values

from generators.aws.diff import ABSENT, Match, compare, expected, reduce_task, registered
from generators.spec.extensions import Extension


def task(*containers: dict, **fields: object) -> dict:
    return {"family": "api", "networkMode": "awsvpc", "containerDefinitions": list(containers), **fields}


SPEC = {
    "name": "api",
    "image": "repo:1",
    "portMappings": [{"containerPort": 8000}],
    "environment": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}],
    "healthCheck": {"command": ["CMD", "true"]},
}
# What ECS answers for SPEC: defaults filled in, lists in another order, empty lists, bookkeeping fields.
REGISTERED = {
    "name": "api",
    "image": "repo:1",
    "cpu": 0,
    "essential": True,
    "portMappings": [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}],
    "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
    "mountPoints": [],
    "volumesFrom": [],
    "systemControls": [],
    "healthCheck": {"command": ["CMD", "true"], "interval": 30, "timeout": 5, "retries": 3},
}


def described(*containers: dict, tags: list | None = None, **fields: object) -> dict:
    return {
        "taskDefinition": {
            **task(*containers, **fields),
            "revision": 3,
            "status": "ACTIVE",
            "taskDefinitionArn": "arn:aws:ecs:us-east-1:1:task-definition/api:3",
            "volumes": [],
            "placementConstraints": [],
            "compatibilities": ["EC2", "FARGATE"],
            "registeredAt": "2026-01-01T00:00:00Z",
            "requiresAttributes": [{"name": "x"}],
        },
        "tags": tags or [],
    }


def test_the_defaults_ecs_fills_in_are_no_change() -> None:
    assert compare(registered(described(REGISTERED)), reduce_task(task(SPEC), {})) == []


def test_host_port_defaults_to_the_container_port_only_in_awsvpc_mode() -> None:
    bridge = {**REGISTERED, "portMappings": [{"containerPort": 8000, "hostPort": 0, "protocol": "tcp"}]}
    spec = {**SPEC, "portMappings": [{"containerPort": 8000}]}
    assert (
        compare(registered(described(bridge, networkMode="bridge")), reduce_task(task(spec, networkMode="bridge"), {}))
        == []
    )
    changes = compare(
        registered(described(REGISTERED, networkMode="bridge")), reduce_task(task(spec, networkMode="bridge"), {})
    )
    assert [(c.path, c.old, c.new) for c in changes] == [
        ("containerDefinitions[api].portMappings[0].hostPort", 8000, ABSENT)
    ]


def test_changes_are_field_paths_keyed_by_name() -> None:
    old = {**REGISTERED, "environment": [{"name": "A", "value": "0"}, {"name": "C", "value": "3"}]}
    worker = {"name": "worker", "image": "w:1", "essential": True}
    changes = compare(registered(described(old, worker)), reduce_task(task({**SPEC, "image": "repo:2"}), {}))
    assert [c.format() for c in changes] == [
        'containerDefinitions[api].image: "repo:1" -> "repo:2"',
        'containerDefinitions[api].environment[A]: "0" -> "1"',
        'containerDefinitions[api].environment[B]: (none) -> "2"',
        'containerDefinitions[api].environment[C]: "3" -> (none)',
        'containerDefinitions[worker]: {"name": "worker", "image": "w:1", "essential": true} -> (none)',
    ]


def test_tags_compared_without_aws_tags() -> None:
    old = registered(
        described(REGISTERED, tags=[{"key": "team", "value": "a"}, {"key": "aws:cloudformation:x", "value": "y"}])
    )
    assert compare(old, reduce_task(task(SPEC), {"team": "a"})) == []
    assert [c.format() for c in compare(old, reduce_task(task(SPEC), {"team": "b"}))] == ['tags[team]: "a" -> "b"']


def test_what_exists_only_after_apply_matches_its_shape() -> None:
    spec = {**SPEC, "secrets": [{"name": "DB", "valueFrom": "ecsform:secret/db:password::"}]}
    plan = plan_values.plan(
        task=task(spec), file="api.yaml", images={"api": "repo:1"}, managed_secrets={"db": {"name": "api/db"}}
    )
    want = expected(plan, Extension(), {}, execution_role_managed=True, task_role_managed=False)
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:api/db-AbCdEf:password::"
    role = "arn:aws:iam::123456789012:role/api-exec-20260101000000000000000001"
    good = {**REGISTERED, "secrets": [{"name": "DB", "valueFrom": secret}]}
    assert compare(registered(described(good, executionRoleArn=role)), want) == []
    assert compare(registered(described(good)), want) == []  # create: auto may need no role
    other = {**good, "secrets": [{"name": "DB", "valueFrom": secret.replace("api/db-", "api/other-")}]}
    [change] = compare(registered(described(other, executionRoleArn=role)), want)
    assert change.path == "containerDefinitions[api].secrets[DB]" and isinstance(change.new, Match)
    assert change.format().endswith("-> (the ARN of secret api/db:password::)")
    foreign = compare(registered(described(good, executionRoleArn="arn:aws:iam::123456789012:role/mine")), want)
    assert [c.path for c in foreign] == ["executionRoleArn"]
