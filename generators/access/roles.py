"""What each role a task has needs, in one place: role field -> the statements it needs. ECS-M4's one warning per
brought role carries them (generators/rules/brought.py), `ecsform iam` prints them and each root's README.md shows
them (generators/permissions.py, which runs this with a stand-in ARN for the roles the module creates), and
`verify` checks a brought role's real policies against them (generators/aws/verify/roles.py).
"""

from __future__ import annotations

from .execution_role import environment_file_needs, firelens_config_needs, image_and_log_needs, secret_needs
from .statements import Need, merge
from .task_role import efs_needs, firelens_output_needs
from .view import TaskView, role_account


def brought_role_needs(view: TaskView) -> dict[str, list[Need]]:
    """ECS field of each role the task names -> the statements it needs (a field is absent when its role needs
    nothing): the derivation ECS-M4's warning carries, and what the module grants a role ecsform creates. Made
    once per view (the rule's context, then the plan's permissions, ask for the same task's)."""
    known: dict[str, list[Need]] | None = view.__dict__.get("_role_needs")
    if known is None:
        known = view.__dict__["_role_needs"] = _role_needs(view)
    return known


def _role_needs(view: TaskView) -> dict[str, list[Need]]:
    out: dict[str, list[Need]] = {}
    execution = view.execution_role_arn
    if execution is not None:
        out["executionRoleArn"] = merge(
            image_and_log_needs(view, execution)
            + secret_needs(view)
            + environment_file_needs(view)
            + firelens_config_needs(view)
        )
    task = view.task_role_arn
    if task is not None:
        account, partition = role_account(task)
        out["taskRoleArn"] = merge(efs_needs(view, task) + firelens_output_needs(view, account, partition).needs)
    return {field: needs for field, needs in out.items() if needs}
