"""The `x-ecsform` block: what ECS's own JSON cannot say, kept apart from the ECS fields.

Validated with pydantic in strict mode (no coercion: "5" is not 5), unknown keys rejected with a did-you-mean,
every error located at its line and column like any other finding.

```yaml
x-ecsform:
  region: us-east-1
  tags: {team: payments}
  enableExecuteCommand: true             # ECS Exec: ssmmessages channel actions on the task role
  executionRole: {create: auto|true|false, namePrefix: api, path: /ecs/, permissionsBoundary: arn:..., kmsKeyArns: [...]}
  taskRole:      {create: ..., namePrefix: ..., statements: [{actions: [...], resources: [...]}], managedPolicyArns: [...]}
  logs: {create: true, retentionInDays: 365, kmsKeyArn: arn:...}
  secrets:                               # Secrets Manager secrets ecsform creates (never their values)
    db-password: {description: ..., kmsKeyArn: arn:..., rotationLambdaArn: ..., rotationDays: 30}
  efs:                                   # EFS file systems ecsform creates
    data:
      subnetIds: [subnet-...]
      securityGroupIds: [sg-...]          # the task's security groups, allowed to reach NFS
      accessPoints: {app: {posixUser: {uid: 1000, gid: 1000}, rootDirectory: {path: /app}}}
  policy: {readonlyRootFilesystem: require, rules: {ECS-H5: off}}   # see policy.py
  ignore: [{rule: ECS-F9, path: containerDefinitions[0].stopTimeout, reason: ...}]   # see suppressions.py
  deploy:                                # what `ecsform deploy` and `ecsform run` act on (over ecsform.yaml's)
    cluster: apps-prod
    services: [orders-api]               # UpdateService targets; [] for a task that runs as a job
    network: {subnets: [subnet-...], securityGroups: [sg-...], assignPublicIp: DISABLED}   # RunTask (awsvpc)
    launchType: FARGATE                  # or capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT, weight: 1}]
```

ECS fields refer to managed resources explicitly, with references that are never valid ECS values:
`ecsform:secret/db-password` (optionally `:json-key:version-stage:version-id`), `ecsform:efs/data`
(a fileSystemId) and `ecsform:efs/data/access-point/app` (an accessPointId).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from ..errors import Check, Finding, Severity
from ..text import did_you_mean
from . import policy as policies
from .fields import known_keys
from .policy import LOG_RETENTION_DAYS, Policy

# The findings this module raises (collected by the catalog: generators/rules).
X_UNKNOWN_FIELD = Check("X-UNKNOWN-FIELD", Severity.ERROR, "An unknown field in the x-ecsform block.")
X_REQUIRED = Check("X-REQUIRED", Severity.ERROR, "A required field of the x-ecsform block is missing.")
X_INVALID = Check("X-INVALID", Severity.ERROR, "A value of the x-ecsform block is invalid.")


KEY = "x-ecsform"
REF_PREFIX = "ecsform:"

_ARN = r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$"
_KMS_ARN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/.+$"
_ROLE_PREFIX = r"^[A-Za-z0-9+=,.@_-]{1,32}$"
_NAME = r"^[A-Za-z0-9_-]{1,64}$"


# The models of x-ecsform and of ecsform.yaml (generators/config/model.py): strict, frozen, read by their camelCase
# aliases, built when first used (start-up time).
MODEL_CONFIG = ConfigDict(
    extra="forbid",
    strict=True,
    alias_generator=to_camel,
    populate_by_name=False,
    frozen=True,
    defer_build=True,
)


class _Model(BaseModel):
    model_config = MODEL_CONFIG


class Condition(_Model):
    test: str = Field(description="Condition operator, e.g. StringEquals.")
    variable: str = Field(description="Condition key, e.g. aws:SourceVpc.")
    values: list[str] = Field(min_length=1)


class Statement(_Model):
    sid: str | None = Field(None, pattern=r"^[A-Za-z0-9]+$")
    effect: Literal["Allow", "Deny"] = "Allow"
    actions: list[str] = Field(min_length=1, description="IAM actions, e.g. s3:GetObject.")
    resources: list[str] = Field(min_length=1, description="Exact resource ARNs.")
    conditions: list[Condition] = Field(default_factory=list)


class _Role(_Model):
    create: Literal["auto"] | bool = Field(
        "auto",
        description="auto: create the role when the task needs one and the spec names none; "
        "true: always; false: never (the spec must then name one if the task needs it).",
    )
    name_prefix: str | None = Field(None, pattern=_ROLE_PREFIX, description="Role name prefix (default: the family).")
    path: str = Field("/", pattern=r"^/([\x21-\x7e]{0,510}/)?$")
    permissions_boundary: str | None = Field(None, pattern=_ARN)


class ExecutionRole(_Role):
    kms_key_arns: list[str] = Field(
        default_factory=list, description="Customer-managed keys that encrypt referenced secrets/parameters."
    )


class TaskRole(_Role):
    statements: list[Statement] = Field(default_factory=list)
    managed_policy_arns: list[str] = Field(default_factory=list)


class Logs(_Model):
    create: bool = Field(True, description="Create one log group per distinct awslogs-group.")
    retention_in_days: int = Field(365, description="Retention of the created log groups.")
    kms_key_arn: str | None = Field(None, pattern=_KMS_ARN)


class ManagedSecret(_Model):
    name: str | None = Field(
        None, pattern=r"^[A-Za-z0-9/_+=.@-]{1,512}$", description="Secret name (default: <family>/<key>)."
    )
    description: str | None = None
    kms_key_arn: str | None = Field(
        None, pattern=_KMS_ARN, description="Key that encrypts the secret (default: one key ecsform creates)."
    )
    rotation_lambda_arn: str | None = Field(None, pattern=_ARN)
    rotation_days: int | None = Field(None, ge=1, le=1000)
    recovery_window_in_days: int = Field(30, description="0 deletes at once; otherwise 7-30 days.")


class PosixUser(_Model):
    uid: int = Field(ge=0, le=4294967295)
    gid: int = Field(ge=0, le=4294967295)
    secondary_gids: list[int] = Field(default_factory=list)


class CreationInfo(_Model):
    owner_uid: int = Field(ge=0, le=4294967295)
    owner_gid: int = Field(ge=0, le=4294967295)
    permissions: str = Field(pattern=r"^[0-7]{3,4}$")


class RootDirectory(_Model):
    path: str = Field(pattern=r"^/.{1,99}$", description="A directory below / (never / itself).")
    creation_info: CreationInfo | None = None


class AccessPoint(_Model):
    posix_user: PosixUser
    root_directory: RootDirectory


class ManagedEfs(_Model):
    kms_key_arn: str | None = Field(None, pattern=_KMS_ARN)
    performance_mode: Literal["generalPurpose", "maxIO"] = "generalPurpose"
    throughput_mode: Literal["bursting", "elastic", "provisioned"] = "elastic"
    provisioned_throughput_in_mibps: int | None = Field(None, ge=1)
    subnet_ids: list[str] = Field(default_factory=list)
    security_group_ids: list[str] = Field(
        default_factory=list, description="Security groups of the tasks, allowed to reach NFS (2049)."
    )
    vpc_id: str | None = None
    access_points: dict[str, AccessPoint] = Field(default_factory=dict)


class Ignore(_Model):
    """One reasoned suppression (see generators/rules/suppressions.py)."""

    rule: str = Field(description="The rule id, e.g. ECS-F9.")
    path: str = Field(description="The field path as findings print it; a finding at or below it matches.")
    reason: str | None = Field(None, description="Why the finding does not apply here (required).")


class AwsVpc(_Model):
    """RunTask's awsvpc network configuration (ECS API AwsVpcConfiguration: up to 16 subnets, 5 security groups)."""

    subnets: list[str] = Field(min_length=1, max_length=16, description="Subnets the task's network interface uses.")
    security_groups: list[str] = Field(
        default_factory=list, max_length=5, description="Security groups of the task (default: the VPC's default)."
    )
    assign_public_ip: Literal["ENABLED", "DISABLED"] | None = Field(
        None, description="ENABLED gives the task a public IP (Fargate in a public subnet); ECS's default: DISABLED."
    )


class CapacityProviderItem(_Model):
    """One item of a capacity provider strategy (ECS API CapacityProviderStrategyItem)."""

    capacity_provider: str = Field(min_length=1, max_length=255, description="FARGATE, FARGATE_SPOT or a provider.")
    weight: int | None = Field(None, ge=0, le=1000)
    base: int | None = Field(None, ge=0, le=100000)


class Deploy(_Model):
    """What a root is deployed to after the apply: the cluster, the services `ecsform deploy` updates, and how
    `ecsform run` starts the task. ecsform.yaml gives it per environment (defaults < environment); a spec's
    x-ecsform.deploy (base < overlay) wins over it, field by field."""

    cluster: str | None = Field(
        None, min_length=1, max_length=2048, description="The cluster's name or ARN (ECS's default: default)."
    )
    services: list[str] | None = Field(
        None,
        description="The services that run this root's task definition: `ecsform deploy` points them at the "
        "revision the root registered. [] for a task run as a job (`ecsform run`).",
    )
    network: AwsVpc | None = Field(None, description="RunTask's awsvpcConfiguration (tasks in awsvpc mode).")
    launch_type: Literal["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"] | None = Field(
        None, description="RunTask's launch type (not with capacityProviderStrategy; default: the cluster's)."
    )
    capacity_provider_strategy: list[CapacityProviderItem] | None = Field(
        None, min_length=1, max_length=20, description="RunTask's capacity provider strategy (not with launchType)."
    )
    platform_version: str | None = Field(None, min_length=1, description="Fargate platform version (RunTask).")


class Extension(_Model):
    """Top level of `x-ecsform`."""

    region: str | None = Field(
        None,
        pattern=r"^[a-z]{2}(-[a-z]+)+-\d$",
        description="AWS region of the provider (default: derived from the spec).",
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Tags for every resource ecsform creates.")
    enable_execute_command: bool = Field(False, description="Let ECS Exec reach the containers.")
    skip_destroy: bool | None = Field(
        None,
        description="Keep the replaced revision ACTIVE when a deploy registers "
        "a new one (the provider's skip_destroy), so there is a revision to roll back "
        "to; wins over ecsform.yaml's skipDestroy. Default: true for roots an "
        "ecsform.yaml targets, false without one.",
    )
    execution_role: ExecutionRole = Field(default_factory=ExecutionRole)
    task_role: TaskRole = Field(default_factory=TaskRole)
    logs: Logs = Field(default_factory=Logs)
    secrets: dict[str, ManagedSecret] = Field(default_factory=dict)
    efs: dict[str, ManagedEfs] = Field(default_factory=dict)
    policy: Policy | None = Field(None, description="This spec's policy layer (over the project's and --policy).")
    ignore: list[Ignore] = Field(default_factory=list, description="Reasoned suppressions of single findings.")
    deploy: Deploy | None = Field(
        None, description="The cluster, services and RunTask settings of `ecsform deploy` and `ecsform run`."
    )


def _extra_checks(ext: Extension) -> list[Finding]:
    out = []
    if ext.logs.retention_in_days not in LOG_RETENTION_DAYS:
        out.append(
            X_INVALID.finding(
                f"CloudWatch Logs does not accept a retention of {ext.logs.retention_in_days} days",
                path=(KEY, "logs", "retentionInDays"),
                hint=f"use one of {', '.join(map(str, LOG_RETENTION_DAYS))}",
            )
        )
    for name, secret in ext.secrets.items():
        if secret.recovery_window_in_days != 0 and not 7 <= secret.recovery_window_in_days <= 30:
            out.append(
                X_INVALID.finding(
                    "recoveryWindowInDays must be 0 or 7-30", path=(KEY, "secrets", name, "recoveryWindowInDays")
                )
            )
        if (secret.rotation_lambda_arn is None) != (secret.rotation_days is None):
            out.append(
                X_INVALID.finding("rotation needs both rotationLambdaArn and rotationDays", path=(KEY, "secrets", name))
            )
    for name in list(ext.secrets) + list(ext.efs):
        if not re.match(_NAME, name):
            section = "secrets" if name in ext.secrets else "efs"
            out.append(
                X_INVALID.finding(
                    f"{name!r}: names of managed resources are 1-64 letters, digits, '-' and '_'",
                    path=(KEY, section, name),
                    at_key=True,
                )
            )
    if ext.deploy is not None:
        out += deploy_checks(ext.deploy, (KEY, "deploy"))
    for name, fs in ext.efs.items():
        if fs.throughput_mode == "provisioned" and fs.provisioned_throughput_in_mibps is None:
            out.append(
                X_INVALID.finding(
                    "provisioned throughput needs provisionedThroughputInMibps",
                    path=(KEY, "efs", name, "throughputMode"),
                )
            )
        if fs.security_group_ids and not fs.subnet_ids:
            out.append(
                X_INVALID.finding(
                    "securityGroupIds without subnetIds: no mount target would use them",
                    path=(KEY, "efs", name, "securityGroupIds"),
                    hint="add subnetIds (one per availability zone)",
                )
            )
        if fs.subnet_ids and not fs.vpc_id:
            out.append(
                X_REQUIRED.finding(
                    "mount targets need the VPC of their subnets", path=(KEY, "efs", name), hint="add vpcId"
                )
            )
    return out


def deploy_checks(deploy: Deploy, path: tuple, rule: Check = X_INVALID) -> list[Finding]:
    """What the types of a deploy block cannot say (x-ecsform.deploy; ecsform.yaml's deploy with CONFIG-INVALID)."""
    out = []
    if deploy.launch_type is not None and deploy.capacity_provider_strategy is not None:
        out.append(
            rule.finding(
                "launchType and capacityProviderStrategy exclude each other (RunTask takes one of them)",
                path=path + ("capacityProviderStrategy",),
                hint="keep one of them",
                at_key=True,
                severity=Severity.ERROR,
            )
        )
    for i, name in enumerate(deploy.services or []):
        if not name.strip():
            out.append(rule.finding("a service name is empty", path=path + ("services", i), severity=Severity.ERROR))
    return out


def validate(raw: Any, *, catalog: policies.RuleCatalog) -> tuple[Extension | None, list[Finding]]:
    """The parsed extension block (None when invalid) and the findings, with paths under `x-ecsform`; `catalog`
    (generators.rules) names the rule ids its policy block may set."""
    layer: policies.Policy | None = None
    policy_findings: list[Finding] = []
    if isinstance(raw, dict) and "policy" in raw:  # its own findings (POLICY-*), the same as a --policy FILE's
        raw = dict(raw)
        layer, policy_findings = policies.parse(raw.pop("policy"), (KEY, "policy"), catalog=catalog)
    ext, findings = _validate(raw)
    if ext is not None and layer is not None:
        ext = ext.model_copy(update={"policy": layer})
    return (None if policy_findings else ext), policy_findings + findings


def _validate(raw: Any) -> tuple[Extension | None, list[Finding]]:
    try:
        ext = Extension.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        findings = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            path = (KEY,) + loc
            if err["type"] == "extra_forbidden":
                known = known_keys(Extension, loc)
                hint = did_you_mean(str(loc[-1]), known) if known else None
                findings.append(
                    X_UNKNOWN_FIELD.finding(
                        f"unknown field {loc[-1]!r}",
                        path=path,
                        hint=hint or (f"known fields: {', '.join(known)}" if known else None),
                        at_key=True,
                    )
                )
            elif err["type"] == "missing":
                findings.append(
                    X_REQUIRED.finding(
                        f"required field {loc[-1]!r} is missing", path=path[:-1], hint=f"add `{loc[-1]}`"
                    )
                )
            else:
                findings.append(X_INVALID.finding(f"{err['msg']} (got {err['input']!r})"[:300], path=path))
        return None, findings
    extra = _extra_checks(ext)
    return (None if extra else ext), extra
