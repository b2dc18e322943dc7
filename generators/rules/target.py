"""TARGET. A spec variant against its deploy target (the account and region ecsform.yaml gives its environment).

The provider of a root runs in the target's account and region (allowed_account_ids, assume_role, region), and
the roles ecsform creates grant what the task references there (the module names the caller's account). An ARN
the spec writes for another account or region is often a copy from another environment; sometimes it is meant (a
KMS key in a security account, a secret shared across accounts or replicated across regions). So these are
warnings that name both sides. Not checked: ECR images (a registry in a shared account, pulled across regions,
is the usual setup), IAM statements the spec writes for the task role (cross-account resources there are the
application's business), and anything without a target (no ecsform.yaml).

Sources: ECS reads a secret or parameter of another region or account only by its full ARN, and the task's roles
must be able to reach it (docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html,
specifying-sensitive-data-parameters.html); ARN layout arn:partition:service:region:account:resource
(docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
"""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding, Path, Severity
from . import _needs as aws
from .registry import Context, Rule, items, rule

W = Severity.WARNING
_CREDENTIAL_SPEC_PREFIXES = ("credentialspec:", "credentialspecdomainless:")


def _ext(ctx: Context) -> Iterator[tuple[Path, str, str]]:
    """(path, ARN, what it is) in the x-ecsform block."""
    x = ("x-ecsform",)
    ext = ctx.ext
    for prefix, role in (("executionRole", ext.execution_role), ("taskRole", ext.task_role)):
        if role.permissions_boundary:
            yield x + (prefix, "permissionsBoundary"), role.permissions_boundary, "permissions boundary"
    for i, arn in enumerate(ext.execution_role.kms_key_arns):
        yield x + ("executionRole", "kmsKeyArns", i), arn, "KMS key"
    for i, arn in enumerate(ext.task_role.managed_policy_arns):
        yield x + ("taskRole", "managedPolicyArns", i), arn, "managed policy"
    if ext.logs.kms_key_arn:
        yield x + ("logs", "kmsKeyArn"), ext.logs.kms_key_arn, "KMS key"
    for key, secret in ext.secrets.items():
        if secret.kms_key_arn:
            yield x + ("secrets", key, "kmsKeyArn"), secret.kms_key_arn, "KMS key"
        if secret.rotation_lambda_arn:
            yield x + ("secrets", key, "rotationLambdaArn"), secret.rotation_lambda_arn, "rotation function"
    for key, fs in ext.efs.items():
        if fs.kms_key_arn:
            yield x + ("efs", key, "kmsKeyArn"), fs.kms_key_arn, "KMS key"


def _secret_kind(value: str) -> str:
    arn = aws.parse_arn(value)
    return "secret" if arn is not None and arn.service == "secretsmanager" else "parameter"


def target_arns(ctx: Context) -> Iterator[tuple[Path, str, str]]:
    """(path, ARN, what it is) of every ARN the task depends on in its own account: roles, secrets, parameters,
    credential specs, KMS keys, policies, the secrets and file systems ecsform creates."""
    for field, what in (("taskRoleArn", "task role"), ("executionRoleArn", "execution role")):
        value = ctx.task.get(field)
        if isinstance(value, str):
            yield (field,), value, what
    for path, c in ctx.containers():
        for p, value in aws.secret_values(c, path):
            yield p, value, _secret_kind(value)
        for p, value in aws.repository_credentials(c, path):
            yield p, value, "registry credentials secret"
        for p, spec in items(c, "credentialSpecs", path):
            if isinstance(spec, str):
                for prefix in _CREDENTIAL_SPEC_PREFIXES:
                    if spec.startswith(prefix):
                        yield p, spec[len(prefix) :], "credential spec"
    for path, v in ctx.volumes():
        fsx = v.get("fsxWindowsFileServerVolumeConfiguration")
        auth = fsx.get("authorizationConfig") if isinstance(fsx, dict) else None
        if isinstance(auth, dict) and isinstance(auth.get("credentialsParameter"), str):
            yield (
                path + ("fsxWindowsFileServerVolumeConfiguration", "authorizationConfig", "credentialsParameter"),
                auth["credentialsParameter"],
                "FSx credentials",
            )
    yield from _ext(ctx)


def _where(ctx: Context) -> str:
    """The deploy target, as messages name it: `its target (environment prod in ecsform.yaml)`."""
    t = ctx.target
    return (
        f"its target (environment {t.environment} in ecsform.yaml)"
        if t is not None and t.environment
        else "its target (the defaults of ecsform.yaml)"
    )


@rule(
    "TARGET-ACCOUNT",
    W,
    "An ARN the task depends on (role, secret, SSM parameter, KMS key, policy, credentials) "
    "names another account than its deploy target's in ecsform.yaml (ECR images are not checked).",
    "ecsform.yaml; IAM reference-arns; ECS secrets-envvar-secrets-manager",
)
def other_account(r: Rule, ctx: Context) -> Iterator[Finding]:
    target = ctx.target
    if target is None or not target.account_id:
        return
    for path, value, what in target_arns(ctx):
        arn = aws.parse_arn(value)
        if arn is None or not aws.ACCOUNT.match(arn.account) or arn.account == target.account_id:
            continue
        yield r.finding(
            f"the {what} {value} is in account {arn.account}, but {_where(ctx)} is account {target.account_id}",
            path,
            f"name the one in account {target.account_id} (per environment: in its overlay), or keep it if it is "
            f"shared from account {arn.account} on purpose (its policies must then let account "
            f"{target.account_id} use it)",
        )


@rule(
    "TARGET-REGION",
    W,
    "x-ecsform.region, an awslogs-region (when ecsform creates no log group) or a regional ARN "
    "the task depends on names another region than its deploy target's in ecsform.yaml.",
    "ecsform.yaml; IAM reference-arns; ECS secrets-envvar-secrets-manager",
)
def other_region(r: Rule, ctx: Context) -> Iterator[Finding]:
    target = ctx.target
    if target is None or not target.region:
        return
    region, where = target.region, _where(ctx)
    if ctx.ext.region and ctx.ext.region != region:
        yield r.finding(
            f"x-ecsform.region is {ctx.ext.region}, but {where} is {region}: the provider uses {region}",
            ("x-ecsform", "region"),
            "remove x-ecsform.region (ecsform.yaml sets the region), or give the environment this region",
        )
    if not ctx.ext.logs.create:  # otherwise LOGS-REGION refuses it: ecsform creates the group in the target region
        for path, c in ctx.containers():
            driver, options = aws.log_options(c)
            logs_region = options.get("awslogs-region")
            if driver == "awslogs" and isinstance(logs_region, str) and logs_region != region:
                yield r.finding(
                    f"awslogs-region is {logs_region}, but {where} is {region}",
                    path + ("logConfiguration", "options", "awslogs-region"),
                    f"write the logs to {region}, or keep {logs_region} if the group lives there on purpose",
                )
    for path, value, what in target_arns(ctx):
        arn = aws.parse_arn(value)
        if arn is None or not arn.region or arn.region == region or not aws.REGION.match(arn.region):
            continue
        yield r.finding(
            f"the {what} {value} is in region {arn.region}, but {where} is {region}",
            path,
            f"name the one in {region} (per environment: in its overlay), or keep it if it is "
            f"replicated or read across regions on purpose",
        )
