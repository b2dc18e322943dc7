"""The IAM permissions of a root's roles, for reviewers (the root's README.md).

Not a second derivation: the statements come from generators/rules/_brought_roles.py's `brought_role_needs`, the one Python
derivation of what modules/ecs-task-definition grants (ECS-M4's warning carries it for roles a spec brings, `ecsform
iam` prints it, and `verify` checks brought roles against it). For the roles the module creates, the same
derivation runs with the role in the target's account (the module's aws_caller_identity), plus what the module
takes from x-ecsform as given (kmsKeyArns, enableExecuteCommand, taskRole.statements and managedPolicyArns).
tests/e2e checks the table against the policies the applied roots really hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence

from .access.roles import brought_role_needs
from .access.view import TaskView
from .spec.extensions import Extension
from .target import Target

EXECUTION, TASK = "executionRoleArn", "taskRoleArn"


@dataclass(frozen=True)
class Permission:
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    why: str
    condition: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (test, key, values)
    effect: str = "Allow"


MANAGED_POLICY = "(managed policy)"  # the action of a Permission that stands for an attached managed policy


# why a statement is there: the first action names the field of the spec that asks for it
_WHY = (
    (
        "ecr:GetAuthorizationToken",
        "private ECR image (containerDefinitions[].image); the action takes no resource: AWS requires *",
    ),
    ("ecr:", "private ECR image (containerDefinitions[].image)"),
    ("logs:CreateLogGroup", "awslogs-create-group (logConfiguration.options)"),
    ("logs:", "awslogs-group (logConfiguration.options)"),
    ("secretsmanager:", "secrets[].valueFrom, secretOptions or repositoryCredentials"),
    ("ssm:", "secrets[].valueFrom (SSM parameter)"),
    ("s3:GetBucketLocation", "environmentFiles or FireLens config-file-value (the objects' buckets)"),
    ("s3:", "environmentFiles or FireLens config-file-value"),
    ("elasticfilesystem:", "volumes[].efsVolumeConfiguration.authorizationConfig.iam ENABLED"),
)


def _why(actions: tuple[str, ...]) -> str:
    return next((why for prefix, why in _WHY if actions[0].startswith(prefix)), "referenced by the task")


def _synthetic_role(account: str | None) -> str:
    """A role ARN in the target's account, standing for the role the module creates (the derivation reads only its
    account and partition); without an account, a value that is no role ARN (the resources say ACCOUNT)."""
    return f"arn:aws:iam::{account}:role/ecsform-created" if account else "ecsform:created-role"


def derive(
    task: dict[str, Any],
    ext: Extension | None,
    environment: str | None,
    target: Target | None,
    view: TaskView | None = None,
) -> dict[str, list[Permission]]:
    """ECS role field -> the permissions that role needs (a brought role) or is given (a role the module creates).
    A field is absent when the role needs nothing. `view`: the rules' view of this task (of `ext` and `target`),
    whose derivation ECS-M4 made already."""
    ext = ext or Extension()
    account = target.account_id if target is not None else None
    created = {
        EXECUTION: EXECUTION not in task and ext.execution_role.create is not False,
        TASK: TASK not in task and ext.task_role.create is not False,
    }
    shaped = dict(task)
    for ecs_field, is_created in created.items():
        if is_created:
            shaped[ecs_field] = _synthetic_role(account)
    if view is None:
        view = TaskView(shaped, ext, target)  # (what the derivation reads: no rule context)
    elif any(created.values()):
        view = view.with_task(shaped)  # (the roles the module creates stand in)
    needs = brought_role_needs(view)
    out: dict[str, list[Permission]] = {}
    for ecs_field, found in needs.items():
        if created[ecs_field] and ecs_field == TASK:
            # the module derives EFS permissions for the task role; FireLens outputs it leaves to taskRole.statements
            found = [n for n in found if n.actions[0].startswith("elasticfilesystem:")]
        out[ecs_field] = [
            Permission(n.actions, n.resources, _why(n.actions), tuple((t, k, (v,)) for t, k, v in n.condition))
            for n in found
        ]
    if created[EXECUTION]:
        keys = list(ext.execution_role.kms_key_arns) + [
            f"the key of managed secret {k} (created by this root)" for k in sorted(ext.secrets)
        ]
        if keys and out.get(EXECUTION):
            out[EXECUTION].append(
                Permission(
                    ("kms:Decrypt",), tuple(keys), "x-ecsform.executionRole.kmsKeyArns and managed secrets' keys"
                )
            )
    if created[TASK]:
        extra = []
        if ext.enable_execute_command:
            extra.append(
                Permission(
                    (
                        "ssmmessages:CreateControlChannel",
                        "ssmmessages:CreateDataChannel",
                        "ssmmessages:OpenControlChannel",
                        "ssmmessages:OpenDataChannel",
                    ),
                    ("*",),
                    "x-ecsform.enableExecuteCommand (ECS Exec); the actions take no resource: AWS requires *",
                )
            )
        for s in ext.task_role.statements:
            what = f"x-ecsform.taskRole.statements{f' ({s.sid})' if s.sid else ''}"
            if s.effect != "Allow":
                what += f", effect {s.effect}"
            extra.append(
                Permission(
                    tuple(s.actions),
                    tuple(s.resources),
                    what,
                    tuple((c.test, c.variable, tuple(c.values)) for c in s.conditions),
                    s.effect,
                )
            )
        for arn in ext.task_role.managed_policy_arns:
            extra.append(Permission((MANAGED_POLICY,), (arn,), "x-ecsform.taskRole.managedPolicyArns"))
        if extra:
            out[TASK] = out.get(TASK, []) + extra
    return {k: v for k, v in out.items() if v}


def policy_document(perms: Sequence[Permission]) -> dict[str, Any]:
    """The permissions as an IAM policy document (the managed policies, attached rather than written, left out)."""
    statements = []
    for p in perms:
        if p.actions == (MANAGED_POLICY,):
            continue
        statement: dict[str, Any] = {
            "Effect": p.effect,
            "Action": list(p.actions) if len(p.actions) > 1 else p.actions[0],
            "Resource": list(p.resources) if len(p.resources) > 1 else p.resources[0],
        }
        if p.condition:
            condition: dict[str, dict[str, Any]] = {}
            for test, key, values in p.condition:
                condition.setdefault(test, {})[key] = list(values) if len(values) > 1 else values[0]
            statement["Condition"] = condition
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def roles(permissions: Mapping[str, Sequence[Permission]] | None, brought: dict[str, str]) -> list[dict[str, Any]]:
    """What `ecsform iam` shows for one root: per role field that needs something, the role (its ARN when the spec
    brings it, else None: the root creates it), whether it is brought, the policy document it must allow (brought) or
    is given (created), the managed policies attached, and why each statement is there."""
    out = []
    for ecs_field in (EXECUTION, TASK):
        perms = (permissions or {}).get(ecs_field, ())
        if not perms:
            continue
        out.append(
            {
                "field": ecs_field,
                "role": brought.get(ecs_field),
                "brought": ecs_field in brought,
                "policy": policy_document(perms),
                "managedPolicyArns": [r for p in perms if p.actions == (MANAGED_POLICY,) for r in p.resources],
                "why": [p.why for p in perms if p.actions != (MANAGED_POLICY,)],
            }
        )
    return out


class IamRoot(Protocol):
    """A root as `ecsform iam` reads it (a plan): its spec file, environment, family, permissions and roles."""

    @property
    def file(self) -> str: ...

    @property
    def environment(self) -> str | None: ...

    @property
    def family(self) -> str: ...

    @property
    def permissions(self) -> Mapping[str, Sequence[Permission]] | None: ...

    @property
    def register(self) -> Mapping[str, Any]: ...


def iam_report(plans: Sequence[IamRoot], as_json: bool) -> str:
    """What `ecsform iam` prints: each root's roles (`roles`), as one JSON document for every root, or as text (a
    policy document per role, under its spec file and family)."""
    roots = [(p, roles(p.permissions, _brought(p.register))) for p in plans]
    if as_json:
        document = [
            {"file": p.file, "environment": p.environment, "family": p.family, "roles": found} for p, found in roots
        ]
        return json.dumps({"version": 1, "roots": document}, indent=2, ensure_ascii=False) + "\n"
    lines = []
    for p, found in roots:
        where = p.file + (f" (environment {p.environment})" if p.environment else "")
        lines.append(f"{where}: family {p.family}")
        if not found:
            lines.append("  no role needs a permission: the task references nothing that needs one")
        for role in found:
            name = "execution role" if role["field"] == EXECUTION else "task role"
            if role["brought"]:
                lines.append(f"  {name} {role['role']} ({role['field']}, brought): its policies must allow")
            else:
                lines.append(f"  {name} (created by the root): it is given")
            document_text = json.dumps(role["policy"], indent=2, ensure_ascii=False)
            lines += ["    " + line for line in document_text.splitlines()]
            lines += [f"    and the managed policy {arn}" for arn in role["managedPolicyArns"]]
    return "".join(line + "\n" for line in lines)


def _brought(register: Mapping[str, Any]) -> dict[str, str]:
    """The role fields the task definition names (its roles brought), by field."""
    return {f: register[f] for f in (EXECUTION, TASK) if f in register}
