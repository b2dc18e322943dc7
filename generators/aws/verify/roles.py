"""Roles: a brought role exists (by ARN, or by name in the task's account), trusts ecs-tasks.amazonaws.com, and its
inline, attached and boundary policies allow what the task needs (generators/access/roles.py derives it;
generators/aws/iam.py evaluates the policies)."""

from __future__ import annotations

from typing import Any

from ...access.roles import brought_role_needs
from ...access.statements import Need, describe_needs, merge, policy_json
from ...arns import ROLE_ARN, ROLE_NAME
from ...errors import Check, FieldPath, Severity
from .. import iam
from .verifier import ECS_TASKS, Missing, Verifier, W, document

# The findings this module raises (collected by the catalog: generators/rules).
VERIFY_ROLE = Check(
    "VERIFY-ROLE",
    Severity.ERROR,
    "A brought role exists with exactly the ARN written (a role in another account: warning).",
)
VERIFY_ROLE_TRUST = Check(
    "VERIFY-ROLE-TRUST",
    Severity.ERROR,
    (
        "A brought role's trust policy lets ecs-tasks.amazonaws.com assume it (conditions ecsform cannot "
        "evaluate: warning)."
    ),
)
VERIFY_ROLE_POLICY = Check(
    "VERIFY-ROLE-POLICY",
    Severity.ERROR,
    (
        "A brought role's inline, attached and boundary policies allow what the task needs (conditions "
        "ecsform cannot evaluate: warning)."
    ),
)


def roles(v: Verifier) -> None:
    needed = brought_role_needs(v.view)
    extra = v.extra_needs
    if extra and "executionRoleArn" in needed:
        needed["executionRoleArn"] = merge(needed["executionRoleArn"] + extra)
    elif extra and v.view.execution_role_arn is not None:
        needed["executionRoleArn"] = merge(extra)
    for field_name in ("executionRoleArn", "taskRoleArn"):
        arn = v.named_roles.get(field_name) or v.view.task.get(field_name)
        if isinstance(arn, str):
            v.guarded(lambda: role(v, (field_name,), arn, needed.get(field_name, [])))


def role(v: Verifier, path: FieldPath, arn: str, needs: list[Need]) -> None:
    m = ROLE_ARN.match(arn)
    if not m and ROLE_NAME.match(arn):  # by name: the role of that name in the task's account
        named_role(v, path, arn, needs)
        return
    if not m:
        return  # ECS-M1
    partition, account, _, name = m.groups()
    if account != v.aws.account:
        v.error(
            VERIFY_ROLE,
            f"role {arn} is in account {account}; verify runs in account {v.aws.account} and cannot read it",
            path,
            "run verify with credentials of the role's account (ECS passes roles of the task's account)",
            W,
        )
        return
    try:
        role = v.call(path, "iam", "get_role", RoleName=name)["Role"]
    except Missing:
        v.error(
            VERIFY_ROLE,
            f"role {name!r} does not exist in account {account}",
            path,
            "create it, or remove the field to let ecsform create the role",
        )
        return
    if role.get("Arn") != arn:
        v.error(
            VERIFY_ROLE,
            f"role {name!r} exists as {role.get('Arn')}, not {arn} (its path is {role.get('Path')!r})",
            path,
            f"write {role.get('Arn')}",
        )
        return
    trusted_role(v, path, arn, role, needs, partition, account)


def named_role(v: Verifier, path: FieldPath, name: str, needs: list[Need]) -> None:
    account = v.aws.account
    try:
        role = v.call(path, "iam", "get_role", RoleName=name)["Role"]
    except Missing:
        v.error(
            VERIFY_ROLE,
            f"role {name!r} does not exist in account {account} (the task names it by its name: ECS and the "
            "root's aws_iam_role data source look for it there)",
            path,
            "create it, or remove the field to let ecsform create the role",
        )
        return
    arn = role.get("Arn", "")
    partition = arn.split(":")[1] if arn.count(":") >= 5 else "aws"
    trusted_role(v, path, arn, role, needs, partition, account)


def trusted_role(
    v: Verifier, path: FieldPath, arn: str, role: dict[str, Any], needs: list[Need], partition: str, account: str
) -> None:
    trust = document(role.get("AssumeRolePolicyDocument"))
    context = {"aws:SourceAccount": account, "aws:SourceArn": f"arn:{partition}:ecs:{v.region}:{account}:*"}
    decision = iam.trusts_service(trust, ECS_TASKS, context)
    if decision in (iam.Decision.NOT_ALLOWED, iam.Decision.DENIED):
        v.error(
            VERIFY_ROLE_TRUST,
            f"role {arn} does not let {ECS_TASKS} assume it ({decision.value}), so ECS cannot start the task with it",
            path,
            'its trust policy needs {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, '
            '"Action": "sts:AssumeRole"}',
        )
    elif decision is iam.Decision.MAYBE:
        v.error(
            VERIFY_ROLE_TRUST,
            f"role {arn} lets {ECS_TASKS} assume it only under conditions ecsform cannot evaluate",
            path,
            "check that ECS tasks meet the trust policy's conditions",
            W,
        )
    role_policies(v, path, arn, role, needs, account)


def role_policies(
    v: Verifier, path: FieldPath, arn: str, role: dict[str, Any], needs: list[Need], account: str
) -> None:
    if not needs:
        v.ok(path, f"role {arn} exists and trusts {ECS_TASKS}")
        return
    name = role["RoleName"]
    documents = []
    for policy in paged(v, path, "list_role_policies", "PolicyNames", RoleName=name):
        documents.append(
            document(v.call(path, "iam", "get_role_policy", RoleName=name, PolicyName=policy)["PolicyDocument"])
        )
    for attached in paged(v, path, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
        documents.append(managed_policy(v, path, attached["PolicyArn"]))
    boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    boundary = managed_policy(v, path, boundary_arn) if boundary_arn else None
    missing: list[Need] = []
    unsure: list[str] = []
    for need in needs:
        context = tuple((key, value) for _, key, value in need.condition)
        for resource in need.resources:
            concrete = concrete_resource(v, resource, account)
            lacking = []
            for action in need.actions:
                request = iam.Request(action, concrete, context)
                decision = iam.combine(
                    iam.evaluate(documents, request), iam.evaluate([boundary], request) if boundary_arn else None
                )
                if decision in (iam.Decision.NOT_ALLOWED, iam.Decision.DENIED):
                    lacking.append(action)
                elif decision is iam.Decision.MAYBE:
                    unsure.append(f"{action} on {concrete}")
            if lacking:
                missing.append(Need(tuple(lacking), (concrete,), need.condition))
    missing = merge(missing)
    if missing:
        where = " and its permissions boundary" if boundary_arn else ""
        v.error(
            VERIFY_ROLE_POLICY,
            f"role {arn}'s policies{where} do not allow {describe_needs(missing)}",
            path,
            f"add to its policy: {policy_json(missing)}",
        )
    if unsure:
        v.error(
            VERIFY_ROLE_POLICY,
            f"role {arn} allows {', '.join(unsure)} only under conditions or policy variables ecsform cannot evaluate",
            path,
            "check those conditions hold for ECS",
            W,
        )
    if not missing and not unsure:
        v.ok(
            path,
            f"role {arn} exists, trusts {ECS_TASKS} and allows "
            f"{sum(len(n.actions) * len(n.resources) for n in needs)} needed permission(s)",
        )


def concrete_resource(v: Verifier, resource: str, account: str) -> str:
    """A needed resource with what verify knows filled in: the region, the account, a partial secret's ARN."""
    if resource in v.resolved:
        return v.resolved[resource]
    return resource.replace(":REGION:", f":{v.region}:").replace(":ACCOUNT:", f":{account}:")


def paged(v: Verifier, path: FieldPath, operation: str, key: str, **params: Any) -> list[Any]:
    out: list[Any] = []
    marker = None
    while True:
        page = v.call(path, "iam", operation, **params, **({"Marker": marker} if marker else {}))
        out += page.get(key, [])
        if not page.get("IsTruncated"):
            return out
        marker = page.get("Marker")


def managed_policy(v: Verifier, path: FieldPath, arn: str) -> Any:
    if arn not in v.policies:
        try:
            version = v.call(path, "iam", "get_policy", PolicyArn=arn)["Policy"]["DefaultVersionId"]
            v.policies[arn] = document(
                v.call(path, "iam", "get_policy_version", PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
            )
        except Missing:
            v.policies[arn] = {}
    return v.policies[arn]
