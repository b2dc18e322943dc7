"""What the roles a spec brings need, in one place: the statements ECS-M4's one warning per brought role carries
(brought.py), gathered from the rule modules that derive them (roles, secrets, logging, volumes). `verify` checks a
brought role's real policies against these, `ecsform iam` prints them, and each root's README.md shows them
(generators/permissions.py).

Not a rule module (the leading underscore keeps it out of the registry); it sits above the rule modules it reads,
which read generators/rules/_needs.py below them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import logging, roles, secrets, volumes
from ._needs import Need, merge, role_account

if TYPE_CHECKING:
    from .registry import Context


def brought_role_needs(ctx: "Context") -> dict[str, list[Need]]:
    """ECS field of each role the spec brings -> the statements it needs: the derivation ECS-M4's warning carries
    (and the module grants a role ecsform creates).
    `verify` checks the role's real policies against these."""
    out: dict[str, list[Need]] = {}
    execution = ctx.execution_role_arn
    if execution is not None:
        out["executionRoleArn"] = merge(
            roles._execution_needs(ctx, execution)
            + secrets._execution_needs(ctx)
            + secrets._environment_file_needs(ctx)
            + logging._firelens_config_needs(ctx)
        )
    task = ctx.task_role_arn
    if task is not None:
        account, partition = role_account(task)
        out["taskRoleArn"] = merge(
            volumes._efs_needs(ctx, task) + logging._destination_needs(ctx, account, partition)[0]
        )
    return {field: needs for field, needs in out.items() if needs}
