"""What a root's state holds (generators/aws/state.py), for verify's VERIFY-ADOPT: read from the local state file
Terraform writes in the root's folder (the S3 backend's object is read in tests/e2e/test_pipeline.py)."""

from __future__ import annotations

import json
from pathlib import Path

import plan_values

from generators.aws import state
from generators.aws.session import Sessions
from generators.plan import Plan
from generators.target import Backend

STATE = {
    "version": 4,
    "serial": 3,
    "lineage": "x",
    "resources": [
        {
            "module": "module.task_definition",
            "mode": "managed",
            "type": "aws_cloudwatch_log_group",
            "name": "this",
            "instances": [{"index_key": "/ecs/web", "attributes": {"name": "/ecs/web", "retention_in_days": 30}}],
        },
        {
            "mode": "data",
            "type": "aws_secretsmanager_secret",
            "name": "looked_up",
            "instances": [{"attributes": {"name": "read-only"}}],
        },
        {
            "module": "module.secrets",
            "mode": "managed",
            "type": "aws_secretsmanager_secret",
            "name": "this",
            "instances": [{"index_key": "token", "attributes": {"name": "web/token"}}],
        },
    ],
}


def plan(root: str, backend: Backend | None = None) -> Plan:
    return plan_values.plan("web", file="specs/web.yaml", root=root, backend=backend)


def test_managed_resources_by_type_and_name_and_nothing_else() -> None:
    assert state.names_in(STATE) == {
        ("aws_cloudwatch_log_group", "/ecs/web"),
        ("aws_secretsmanager_secret", "web/token"),
    }  # a data source is read, not held
    assert state.names_in({"resources": "nonsense"}) == frozenset() and state.names_in([]) == frozenset()


def test_the_local_state_in_the_roots_folder(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    assert state.held(plan("web"), tmp_path, Sessions()) == state.Held()  # never applied: holds nothing
    (tmp_path / "web" / "terraform.tfstate").write_text(json.dumps(STATE))
    held = state.held(plan("web", Backend("local")), tmp_path, Sessions())
    assert held.holds("aws_cloudwatch_log_group", "/ecs/web") and not held.holds("aws_cloudwatch_log_group", "/x")
    (tmp_path / "web" / "terraform.tfstate").write_text("{not json")
    broken = state.held(plan("web"), tmp_path, Sessions())
    assert (
        broken.names == frozenset()
        and broken.problem == f"{(tmp_path / 'web' / 'terraform.tfstate').as_posix()} is not a Terraform state"
    )
    partial = state.held(plan("web", Backend("s3", partial=True)), tmp_path, Sessions())
    assert partial.problem is not None and "partial" in partial.problem
