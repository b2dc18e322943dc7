"""M. The roles a spec brings (executionRoleArn, taskRoleArn): ecsform cannot see their policies, so it says, in one
short warning per role, that the role must allow what the task needs. The statements themselves are the finding's
data (--format json and sarif), `ecsform iam SPEC` prints them, and `ecsform verify` checks them against the role's
real policies; all three read the one derivation in generators/access/roles.py.

ECS-M4 took in what ECS-H9 (secrets, parameters, repository credentials) and ECS-H13 (environment files) said
separately, and the brought-role halves of ECS-I11 (FireLens) and ECS-J8 (EFS): a role is one cause, one finding
(rules/__init__.py's RETIRED sends a policy or suppression that names the old ids here).
"""

from __future__ import annotations

from typing import Iterator

from ..access.roles import brought_role_needs
from ..access.statements import aws_services, statement
from ..arns import ROLE_ARN, ROLE_NAME
from ..errors import Finding, Severity
from .registry import Context, Rule, rule

_ROLE = {"executionRoleArn": "execution role", "taskRoleArn": "task role"}


@rule(
    "ECS-M4",
    Severity.WARNING,
    "A role the spec brings (executionRoleArn, taskRoleArn) must allow what the task needs: ECR pulls, awslogs, "
    "secrets, parameters, environment files, FireLens, EFS. One warning per role; `ecsform iam SPEC`, --format json "
    "and sarif give the statements, `ecsform verify` checks them.",
    "docs M4, H9, H13, I11, J8; DG23 task_execution_IAM_role.md, task-iam-roles.md",
)
def brought_role_permissions(r: Rule, ctx: Context) -> Iterator[Finding]:
    for field, needs in brought_role_needs(ctx).items():
        role = ctx.task[field]
        if not (ROLE_ARN.match(role) or ROLE_NAME.match(role)):
            continue  # not a role: ECS-M1 reports the value, one finding for one cause
        statements = [statement(n) for n in needs]
        yield r.finding(
            f"ecsform cannot see the policy of {_ROLE[field]} {role}; the task needs {len(statements)} "
            f"statement(s) from it ({', '.join(aws_services(needs))})",
            (field,),
            f"`ecsform iam` on this spec prints them and `ecsform verify` checks the role in AWS; or remove {field} "
            "to let ecsform create the role",
            data={"field": field, "role": role, "statements": statements},
        )
