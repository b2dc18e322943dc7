"""A complete Plan for the tests that need one root's plan without a spec: every field given, the rest neutral."""

from __future__ import annotations

from typing import Any

from generators.plan import Plan
from generators.spec import task_definition


def plan(family: str = "api", task: dict[str, Any] | None = None, **fields: Any) -> Plan:
    register = task if task is not None else {"family": family, "containerDefinitions": []}
    values: dict[str, Any] = {
        "family": family,
        "environment": None,
        "file": f"{family}.yaml",
        "region": "us-east-1",
        "task": task_definition.build(register),
        "root": family,
        "module_inputs": (),
        "images": {},
        "secret_lookups": {},
        "role_lookups": {},
        "managed_secrets": {},
        "managed_efs": {},
        "tags": {},
        "target": None,
        "backend": None,
        "skip_destroy": None,
        "permissions": {},
        "provider_version": None,
        "unknown": {},
        "images_file": None,
    }
    return Plan(**{**values, **fields})
