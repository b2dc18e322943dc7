"""From a validated variant to what to declare: the canonical task definition and the module inputs.

The plan is engine-neutral: the HCL engine, the CDK engine and `render` all read the same plan, so the JSON that
`render` prints and the container definitions that Terraform declares come from one code path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Required, Sequence, TypedDict

from . import plan_checks
from .errors import Finding
from .permissions import Permission
from .spec import canonical, references, targets, task_definition
from .spec.document import Variant
from .spec.extensions import ExecutionRole, Extension, ManagedEfs, Statement, TaskRole
from .spec.policy import DEFAULT as DEFAULT_POLICY
from .spec.policy import Policy
from .spec.task_definition import TaskDefinition
from .syntax.tfexpr import Call, Key, Ref, Template
from .target import Backend, Target

ModuleInputs = tuple[tuple[str, object], ...]  # ordered (variable, value): plain data and tfexpr expressions


class SecretSettings(TypedDict, total=False):
    """One secret of modules/secrets' `secrets` input (x-ecsform.secrets.<key>)."""

    name: Required[str]
    description: str
    kms_key_arn: str
    rotation_lambda_arn: str
    rotation_days: int | None
    recovery_window_in_days: int


@dataclass(frozen=True)
class Plan:
    """What one root declares, complete: `build` makes it whole, nothing fills it in later."""

    family: str
    environment: str | None
    file: str
    region: str | None  # the region of the root's provider (None: AWS_REGION)
    # the task definition the root registers, typed; `task.payload` is the canonical RegisterTaskDefinition input
    # (what `render` prints), with the spec's ${target.*} where no target names the value
    task: TaskDefinition
    root: str  # folder of the root under the output folder: <family> or <base family>/<environment>
    module_inputs: ModuleInputs  # the inputs of modules/ecs-task-definition
    images: Mapping[str, str]  # container name -> image: the spec's, or the deployed one
    # partial Secrets Manager ARNs resolved with the aws_secretsmanager_secret data source: ARN -> data name
    secret_lookups: Mapping[str, str]
    # roles the task names by name, read with the aws_iam_role data source: role name -> data name
    role_lookups: Mapping[str, str]
    # modules/secrets input (key -> settings), and modules/efs calls (key -> inputs)
    managed_secrets: Mapping[str, SecretSettings]
    managed_efs: Mapping[str, ModuleInputs]
    tags: Mapping[str, str]  # resource tags (the modules' `tags`)
    target: Target | None  # the deploy target from ecsform.yaml: the provider's account, role, default_tags
    backend: Backend | None  # where the root keeps its state (ecsform.yaml); None: no backend.tf
    # the task definition's skip_destroy: x-ecsform.skipDestroy, else the target's (ecsform.yaml), else None (the
    # module's default, false: a replaced revision is deregistered)
    skip_destroy: bool | None
    # the roles' IAM permissions by ECS role field (generators/permissions.py), for the root's README.md
    permissions: Mapping[str, tuple[Permission, ...]]
    # the hashicorp/aws constraint the root requires: ecsform.yaml's terraform.providerVersion (None: the range the
    # modules are tested with, generators/providers.py)
    provider_version: str | None
    # target values no target names: stand-in -> name. The plan's values hold the stand-ins (the root resolves them
    # with data sources, generators/root.py); `task` shows them as the spec's ${target.*}
    unknown: Mapping[str, str]
    images_file: str | None  # the root's deployed images file (generators/images.py), when there is one

    @property
    def register(self) -> dict[str, Any]:
        """The RegisterTaskDefinition input as plain JSON (a new copy each time): what `render` prints."""
        return self.task.register_input()


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _snake(value: object) -> object:
    if isinstance(value, dict):
        return {_camel_to_snake(k): _snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake(v) for v in value]
    return value


def _volume_input(volume: dict[str, Any]) -> dict[str, object]:
    out: dict[str, object] = {"name": volume["name"]}
    for key, v in volume.items():
        if key == "name":
            continue
        if key == "host":
            if "sourcePath" in v:
                out["host_path"] = v["sourcePath"]
        elif key == "configuredAtLaunch":
            out["configure_at_launch"] = v
        else:
            out[_camel_to_snake(key)] = _snake(v)
    return out


def _tags(task: dict[str, Any], extension_tags: dict[str, str]) -> dict[str, str]:
    tags = dict(extension_tags)
    for t in task.get("tags", []):
        tags[t["key"]] = t.get("value", "")
    return dict(sorted(tags.items()))


def root_path(variant: Variant) -> str:
    if variant.environment is None:
        return variant.family
    base = variant.spec.task.get("family")
    base_family = base.value if base is not None and isinstance(base.value, str) else variant.family
    return f"{base_family}/{variant.environment}"


def _proxy_input(p: dict[str, Any]) -> dict[str, object]:
    return {
        "container_name": p["containerName"],
        **({"type": p["type"]} if "type" in p else {}),
        **({"properties": {x["name"]: x["value"] for x in p["properties"]}} if "properties" in p else {}),
    }


def _ephemeral_storage_input(e: dict[str, Any]) -> object:
    return e["sizeInGiB"]


def _volumes_input(vs: list[dict[str, Any]]) -> object:
    return [_volume_input(v) for v in vs]


_TASK_INPUTS: tuple[tuple[str, str, Callable[[Any], object] | None], ...] = (
    # (ECS field, module variable, conversion)
    ("cpu", "cpu", None),
    ("memory", "memory", None),
    ("networkMode", "network_mode", None),
    ("requiresCompatibilities", "requires_compatibilities", None),
    ("taskRoleArn", "task_role_arn", None),
    ("executionRoleArn", "execution_role_arn", None),
    ("pidMode", "pid_mode", None),
    ("ipcMode", "ipc_mode", None),
    ("placementConstraints", "placement_constraints", _snake),
    ("proxyConfiguration", "proxy_configuration", _proxy_input),
    ("inferenceAccelerators", "inference_accelerators", _snake),
    ("ephemeralStorage", "ephemeral_storage_gib", _ephemeral_storage_input),
    ("runtimePlatform", "runtime_platform", _snake),
    ("enableFaultInjection", "enable_fault_injection", None),
    ("volumes", "volumes", _volumes_input),
)


def build(
    variant: Variant,
    ext: Extension | None = None,
    *,
    region: str | None = None,
    target: Target | None = None,
    policy: Policy | None = None,
    permissions: Mapping[str, Sequence[Permission]],
    backend: Backend | None = None,
    images_file: str | None = None,
    provider_version: str | None = None,
    read_only: bool = False,
    chosen: plan_checks.Chosen | None = None,
) -> tuple[Plan, list[Finding]]:
    """Plan one variant for its deploy target (already validated and checked, `checks` included; `ext` is its
    parsed x-ecsform block, `policy` the policy that applies to it), complete: the roles' `permissions`
    (generators/permissions.py, derived from what the rules saw), the state `backend`, the `provider_version`
    (ecsform.yaml) and the root's deployed `images_file` are the caller's. `read_only` (synth --plan-role): the
    provider assumes the target's planRoleArn, for a pull request's read-only plan. The findings are those of
    `checks`, run for `region` (the region asked for); where the caller ran them already (validation.check), it
    passes what they chose as `chosen`, and the findings are the caller's (none here)."""
    ext = ext or Extension()
    register = canonical.register_input(variant.task)
    spec_tags = _tags(register, ext.tags)
    # The target's tags are the provider's default_tags: AWS registers them with the spec's tags (the spec's value
    # wins on the same key), so render shows both; the modules' `tags` keep only what default_tags does not
    # already say, so no resource carries a tag twice.
    registered = dict(sorted({**(target.tags if target else {}), **spec_tags}.items()))
    if registered:
        register["tags"] = [{"key": k, "value": v} for k, v in registered.items()]
    tags = {k: v for k, v in spec_tags.items() if target is None or target.tags.get(k) != v}
    used, findings = (chosen.region, []) if chosen is not None else plan_checks.checks(variant, ext, region, target)
    family: str = register["family"]
    secret_lookups = (
        plan_checks.secret_lookups(variant.task, used)[0]
        if plan_checks.creates_execution_role(variant.task, ext)
        else {}
    )
    role_lookups = _role_lookups(list(plan_checks.role_names(register).values()))
    skip_destroy = ext.skip_destroy if ext.skip_destroy is not None else (target.skip_destroy if target else None)
    managed_secrets = _managed_secrets(family, ext)
    unknown = dict(variant.unknown)
    containers: list[dict[str, Any]] = register["containerDefinitions"]
    inputs = module_inputs(
        register, ext, policy, skip_destroy, role_lookups, secret_lookups, bool(managed_secrets), tags
    )
    plan = Plan(
        family=family,
        environment=variant.environment,
        file=variant.file,
        region=used,
        # what render prints: the stand-ins of unknown target values shown as the spec's ${target.*}
        task=task_definition.build(targets.shown(register, unknown) if unknown else register),
        root=root_path(variant),
        module_inputs=inputs,
        images={c["name"]: c["image"] for c in containers},
        secret_lookups=secret_lookups,
        role_lookups=role_lookups,
        managed_secrets=managed_secrets,
        managed_efs={key: _efs_inputs(family, key, fs, tags) for key, fs in ext.efs.items()},
        tags=tags,
        target=replace(target, role_arn=target.plan_role_arn)
        if read_only and target and target.plan_role_arn
        else target,
        backend=backend,
        skip_destroy=skip_destroy,
        permissions={
            role: tuple(replace(n, resources=targets.shown(n.resources, unknown)) for n in found)
            if unknown
            else tuple(found)
            for role, found in permissions.items()
        },
        provider_version=provider_version,
        unknown=unknown,
        images_file=images_file,
    )
    return plan, findings


# --- references to managed resources and partial secret ARNs ------------------------------------------------


# the names of the module calls of a root: generators/root.py declares them, the plan's references point at them
SECRETS_MODULE = "secrets"
TASK_MODULE = "task_definition"
SECRET_DATA = "aws_secretsmanager_secret"  # the data sources that look up partial secret ARNs (plan.secret_lookups)
ROLE_DATA = "aws_iam_role"  # the data sources that read the ARN of a role named by its name (plan.role_lookups)


def _role_lookups(names: list[str]) -> dict[str, str]:
    """Role name -> the name of its data source: role_<name> in Terraform's characters (IAM role names are unique
    regardless of case; two that differ only in +=,.@- get a number)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for role in sorted(set(names)):
        base = "role_" + re.sub(r"[^a-z0-9_]", "_", role.lower())
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        taken.add(candidate)
        out[role] = candidate
    return out


def efs_module(key: str) -> str:
    return f"efs_{key}"


def module_ref(name: str, *attributes: str | Key) -> Ref:
    """A reference to an output of one of the root's module calls: `module.<name>.<attribute>...`."""
    return Ref("module", name, *attributes)


def secret_expr(ref: references.Ref) -> Ref | Template:
    arn = module_ref(SECRETS_MODULE, "arns", Key(ref.key))
    return Template(arn, ref.suffix) if ref.suffix else arn


def efs_expr(ref: references.Ref) -> Ref:
    if ref.kind == "access-point":
        return module_ref(efs_module(ref.key), "access_point_ids", Key(ref.access_point or ""))
    return module_ref(efs_module(ref.key), "file_system_id")


def resolve(value: object) -> object:
    """Replace every `ecsform:` reference in a plain value by the Terraform expression it stands for."""
    if isinstance(value, str):
        if not value.startswith(references.PREFIX):  # (most strings: no call to parse)
            return value
        ref = references.parse(value)
        if ref is None:
            return value
        return secret_expr(ref) if ref.kind == "secret" else efs_expr(ref)
    # (a string without the prefix and a number stay as they are without a call each)
    prefix = references.PREFIX
    if isinstance(value, dict):
        return {
            k: resolve(v) if isinstance(v, (dict, list)) or (isinstance(v, str) and v.startswith(prefix)) else v
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            resolve(v) if isinstance(v, (dict, list)) or (isinstance(v, str) and v.startswith(prefix)) else v
            for v in value
        ]
    return value


def _managed_secrets(family: str, ext: Extension) -> dict[str, SecretSettings]:
    out = {}
    for key, s in sorted(ext.secrets.items()):
        item = SecretSettings(name=s.name or f"{family}/{key}")  # the keys in this order: the root writes them so
        if s.description is not None:
            item["description"] = s.description
        if s.kms_key_arn:
            item["kms_key_arn"] = s.kms_key_arn
        if s.rotation_lambda_arn:
            item["rotation_lambda_arn"] = s.rotation_lambda_arn
            item["rotation_days"] = s.rotation_days
        item["recovery_window_in_days"] = s.recovery_window_in_days
        out[key] = item
    return out


def _efs_inputs(family: str, key: str, fs: ManagedEfs, tags: dict[str, str]) -> ModuleInputs:
    inputs: list[tuple[str, object]] = [("name", f"{family}-{key}")]
    if fs.kms_key_arn:
        inputs.append(("kms_key_arn", fs.kms_key_arn))
    inputs.append(("performance_mode", fs.performance_mode))
    inputs.append(("throughput_mode", fs.throughput_mode))
    if fs.provisioned_throughput_in_mibps is not None:
        inputs.append(("provisioned_throughput_in_mibps", fs.provisioned_throughput_in_mibps))
    if fs.access_points:
        inputs.append(
            (
                "access_points",
                {
                    name: _snake(ap.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True))
                    for name, ap in sorted(fs.access_points.items())
                },
            )
        )
    if fs.subnet_ids:
        inputs.append(("vpc_id", fs.vpc_id))
        inputs.append(("subnet_ids", list(fs.subnet_ids)))
        inputs.append(("client_security_group_ids", list(fs.security_group_ids)))
    if tags:
        inputs.append(("tags", tags))
    return tuple(inputs)


def _role_inputs(prefix: str, role: ExecutionRole | TaskRole) -> list[tuple[str, object]]:
    inputs: list[tuple[str, object]] = []
    if role.create != "auto":
        inputs.append((f"create_{prefix}_role", role.create))
    if role.name_prefix:
        inputs.append((f"{prefix}_role_name_prefix", role.name_prefix))
    if role.path != "/":
        inputs.append((f"{prefix}_role_path", role.path))
    if role.permissions_boundary:
        inputs.append((f"{prefix}_role_permissions_boundary", role.permissions_boundary))
    return inputs


def _statement(s: Statement) -> dict[str, object]:
    out: dict[str, object] = {"sid": s.sid} if s.sid else {}
    out |= {"effect": s.effect, "actions": list(s.actions), "resources": list(s.resources)}
    if s.conditions:
        out["conditions"] = [{"test": c.test, "variable": c.variable, "values": list(c.values)} for c in s.conditions]
    return out


def log_retention(ext: Extension, policy: Policy | None) -> int:
    """x-ecsform.logs.retentionInDays when the spec writes it, else the policy's logRetentionDays (default 365)."""
    if "retention_in_days" in ext.logs.model_fields_set:
        return ext.logs.retention_in_days
    return (policy or DEFAULT_POLICY).log_retention_days or DEFAULT_POLICY.log_retention_days or 365


def module_inputs(
    register: dict[str, Any],
    ext: Extension,
    policy: Policy | None,
    skip_destroy: bool | None,
    role_lookups: Mapping[str, str],
    secret_lookups: Mapping[str, str],
    managed_secrets: bool,
    tags: Mapping[str, str],
) -> ModuleInputs:
    """Inputs of modules/ecs-task-definition, in the order the generated code lists them: from the canonical
    RegisterTaskDefinition input (its values as written, `ecsform:` references resolved) and the x-ecsform block."""
    inputs: list[tuple[str, object]] = [("family", register["family"])]
    for ecs_field, variable, convert in _TASK_INPUTS:
        if ecs_field in register:
            value = register[ecs_field]
            if ecs_field in plan_checks.ROLE_FIELDS and value in role_lookups:  # by name: the role's ARN, with its path
                inputs.append((variable, Ref("data", ROLE_DATA, role_lookups[value], "arn")))
                continue
            inputs.append((variable, resolve(convert(value) if convert else value)))
    if skip_destroy is not None:
        inputs.append(("skip_destroy", skip_destroy))
    inputs += _role_inputs("execution", ext.execution_role)
    kms: object = list(ext.execution_role.kms_key_arns)
    if managed_secrets:
        managed = Call("values", module_ref(SECRETS_MODULE, "kms_key_arns"))
        kms = Call("concat", kms, managed) if kms else managed
    if kms:
        inputs.append(("kms_key_arns", kms))
    if secret_lookups:
        inputs.append(
            (
                "secret_arns",
                {arn: Ref("data", SECRET_DATA, name, "arn") for arn, name in secret_lookups.items()},
            )
        )
    inputs += _role_inputs("task", ext.task_role)
    if ext.enable_execute_command:
        inputs.append(("enable_execute_command", True))
    if ext.task_role.statements:
        inputs.append(("task_role_statements", [_statement(s) for s in ext.task_role.statements]))
    if ext.task_role.managed_policy_arns:
        inputs.append(("task_role_managed_policy_arns", list(ext.task_role.managed_policy_arns)))
    has_awslogs = any(
        c.get("logConfiguration", {}).get("logDriver") == "awslogs" for c in register["containerDefinitions"]
    )
    if not ext.logs.create:
        inputs.append(("create_log_groups", False))
    elif has_awslogs:
        inputs.append(("log_retention_in_days", log_retention(ext, policy)))
        if ext.logs.kms_key_arn:
            inputs.append(("log_kms_key_arn", ext.logs.kms_key_arn))
    if tags:
        inputs.append(("tags", dict(tags)))
    inputs.append(("container_definitions", resolve(register["containerDefinitions"])))
    return tuple(inputs)
