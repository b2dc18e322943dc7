"""Good and bad cases for the rules: each rule has at least one task it accepts and one it rejects.

Area files (`cases_<area>.py`) define `CASES: list[Case]`; test_rule_cases.py runs them all and checks that
every registered rule has its pair. Build tasks from the bases with `task(...)` / `container(...)`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from generators import validation
from generators.errors import Finding
from generators.target import Target

ACCOUNT = "123456789012"
REGION = "us-east-1"

# A task every rule accepts: the starting point of every case.
BASE_FARGATE: dict[str, Any] = {
    "family": "app",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [
        {"name": "app", "image": "public.ecr.aws/nginx/nginx:1.27", "essential": True, "readonlyRootFilesystem": True},
    ],
}

BASE_EC2: dict[str, Any] = {
    "family": "app",
    "networkMode": "bridge",
    "requiresCompatibilities": ["EC2"],
    "containerDefinitions": [
        {
            "name": "app",
            "image": "public.ecr.aws/nginx/nginx:1.27",
            "essential": True,
            "memory": 256,
            "readonlyRootFilesystem": True,
        },
    ],
}

EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/app-execution"
TASK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/app-task"


def task(base: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A copy of `base` (BASE_FARGATE by default) with task-level fields set; a value of None deletes the field."""
    out = copy.deepcopy(base if base is not None else BASE_FARGATE)
    for k, v in fields.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def container(name: str = "app", **fields: Any) -> dict[str, Any]:
    """A container like the base one, with fields set (None deletes)."""
    out: dict[str, Any] = {"name": name, "image": "public.ecr.aws/nginx/nginx:1.27", "essential": True}
    for k, v in fields.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def with_containers(*containers: dict[str, Any], base: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    return task(base, containerDefinitions=list(containers), **fields)


@dataclass(frozen=True)
class Case:
    rule: str
    good: dict[str, Any]
    bad: dict[str, Any]
    path: tuple[str | int, ...] | None = None  # where the bad finding points, when it matters
    extension: dict[str, Any] | None = None  # x-ecsform block for both tasks
    note: str = ""
    id: str = field(default="", compare=False)
    severity: str | None = None  # "error" or "warning": the severity the bad case's finding must have
    target: Target | None = None  # the deploy target (ecsform.yaml) of both tasks

    def label(self) -> str:
        return f"{self.rule}{'-' + self.id if self.id else ''}"


def findings(
    spec: dict[str, Any], extension: dict[str, Any] | None = None, target: Target | None = None
) -> list[Finding]:
    doc = dict(spec)
    if extension is not None:
        doc["x-ecsform"] = extension
    return validation.check_text(json.dumps(doc, indent=2), "case.json", target=target)
