"""TF. What the hashicorp/aws provider cannot keep stable: values that make every plan replace the task."""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding, Severity
from .registry import Context, Rule, items, rule


@rule(
    "TF-EMPTY-ENV",
    Severity.WARNING,
    "An environment variable has an empty or missing value: real ECS drops it, and every plan then replaces "
    "the task definition.",
    "hashicorp/terraform-provider-aws#39533",
    needs=("environment",),
)
def empty_environment_value(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        for env_path, entry in items(c, "environment", path):
            if (
                isinstance(entry, dict) and entry.get("value", "") == "" and env_path + ("value",) not in ctx.reported
            ):  # a badly typed value (SPEC-TYPE), not empty
                yield r.finding(
                    f"environment variable {entry.get('name')!r} has an empty value: ECS does not "
                    "return it, so the provider sees a change and replaces the task definition on "
                    "every plan",
                    env_path,
                    "remove the variable, or give it a value (the application can default it)",
                )
