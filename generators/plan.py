"""From a validated variant to what to declare: the canonical task definition and the module inputs.

The plan is engine-neutral: the HCL engine, the CDK engine and `render` all read the same plan, so the JSON that
`render` prints and the container definitions that Terraform declares come from one code path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from . import arns
from .errors import Check, Finding, Severity
from .spec import canonical, references, targets
from .spec.document import Variant
from .spec.extensions import Extension
from .spec.policy import DEFAULT as DEFAULT_POLICY
from .spec.policy import Policy
from .spec.targets import TARGET_VALUE
from .syntax.tfexpr import Call, Key, Ref, Template
from .target import Backend, Target

# The findings this module raises (collected by the catalog: generators/rules).
REGION_AMBIGUOUS = Check("REGION-AMBIGUOUS", Severity.ERROR, "The spec points at several regions and sets none.")
REGION_UNSET = Check("REGION-UNSET", Severity.NOTE, "No region in the spec; the provider reads AWS_REGION.")
LOGS_REGION = Check(
    "LOGS-REGION", Severity.ERROR, "awslogs writes to another region than the one ecsform creates its log group in."
)
SECRET_UNRESOLVED = Check(
    "SECRET-UNRESOLVED", Severity.ERROR, "A partial secret ARN in another region cannot be resolved to its full ARN."
)


@dataclass
class Plan:
    family: str
    environment: str | None
    file: str
    region: str | None
    register: dict[str, Any]  # canonical RegisterTaskDefinition input (what `render` prints)
    root: str = ""  # folder of the root under the output folder: <family> or <base family>/<environment>
    module_inputs: list[tuple[str, Any]] = field(default_factory=list)  # ordered (variable, value)
    images: dict[str, str] = field(default_factory=dict)  # container name -> image: the spec's, or the deployed one
    # partial Secrets Manager ARNs resolved with the aws_secretsmanager_secret data source: ARN -> data name
    secret_lookups: dict[str, str] = field(default_factory=dict)
    # roles the task names by name, read with the aws_iam_role data source: role name -> data name
    role_lookups: dict[str, str] = field(default_factory=dict)
    # modules/secrets input (key -> settings), and modules/efs calls (key -> inputs)
    managed_secrets: dict[str, dict[str, Any]] = field(default_factory=dict)
    managed_efs: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)  # resource tags (the modules' `tags`)
    target: Target | None = None  # the deploy target from ecsform.yaml: the provider's account, role, default_tags
    backend: Backend | None = None  # where the root keeps its state (ecsform.yaml); None: no backend.tf
    # the task definition's skip_destroy: x-ecsform.skipDestroy, else the target's (ecsform.yaml), else None (the
    # module's default, false: a replaced revision is deregistered)
    skip_destroy: bool | None = None
    # the roles' IAM permissions by ECS role field (generators/permissions.py), for the root's README.md
    permissions: dict[str, list[Any]] | None = None
    # the hashicorp/aws constraint the root requires: ecsform.yaml's terraform.providerVersion (None: the range the
    # modules are tested with, generators/providers.py)
    provider_version: str | None = None
    # target values no target names: stand-in -> name. The plan's values hold the stand-ins (the root resolves them
    # with data sources, generators/root.py); `register` shows them as the spec's ${target.*}
    unknown: dict[str, str] = field(default_factory=dict)
    images_file: str | None = None  # the root's deployed images file (generators/images.py), when there is one

    @property
    def containers(self) -> list[dict[str, Any]]:
        return self.register["containerDefinitions"]


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _snake(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel_to_snake(k): _snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake(v) for v in value]
    return value


def _volume_input(volume: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": volume["name"]}
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


def deploy_target(variant: Variant, override: str | None, target: Target | None) -> Target | None:
    """The deploy target of a variant with its region settled: --region and an environment's region in
    ecsform.yaml win over the spec; the spec's own region (x-ecsform.region, else the one region its values name)
    wins over ecsform.yaml's `defaults` (docs/config.md, "Which value wins")."""
    if target is None or override or not target.region_is_default:
        return target
    own = _own_region(variant)
    return replace(target, region=own, region_is_default=False) if own else target


def _own_region(variant: Variant) -> str | None:
    """The region the spec itself states: x-ecsform.region, else the one region of the strongest tier its values
    name: its awslogs-regions, else its secrets' ARNs (None when that tier names several). Not the region of an ECR
    image: a registry shared across regions is the usual setup, and says nothing of where the task runs."""
    ext_region = _ext_region(variant)
    if ext_region:
        return ext_region
    logs, secrets, _images = _implied_regions(variant)
    tier = logs or secrets
    return tier[0] if len(tier) == 1 else None


def _ext_region(variant: Variant) -> str | None:
    """x-ecsform.region, unless it is a target value (which names the region the root deploys to, not its own)."""
    value = variant.extension.get("region") if isinstance(variant.extension, dict) else None
    if not isinstance(value, str) or not value or targets.uses(value) or value in variant.unknown:
        return None
    return value


def _implied_regions(variant: Variant) -> list[list[str]]:
    """The regions the variant's values name (arns.implied_regions), without the stand-in of an unknown
    ${target.region}: that is the region the root deploys to, not one of its own."""
    return [[r for r in tier if r not in variant.unknown] for tier in arns.implied_regions(variant.task)]


ROLE_FIELDS = ("taskRoleArn", "executionRoleArn")


def role_names(task: dict[str, Any]) -> dict[str, str]:
    """The roles a task names by name (AWS takes "the short name or full ARN of the IAM role"): field -> name."""
    return {f: v for f in ROLE_FIELDS if isinstance(v := task.get(f), str) and arns.ROLE_NAME.match(v)}


def bind_targets(
    variant: Variant, override: str | None, target: Target | None
) -> tuple[Variant, list[Finding], dict[str, str]]:
    """The variant with its target values bound (generators/spec/targets.py) for its deploy target and the region
    its root deploys to; the TARGET-VALUE findings (a name that is no target value, an unknown value where ecsform
    needs the text when it writes the root: the family, a container's name); and what the checks see for each
    role the task names by name: the role's ARN in the target's account (the root reads its real ARN, with its
    path, from the aws_iam_role data source)."""
    names = role_names(variant.task)
    if not (names or targets.uses(variant.task) or targets.uses(variant.extension)):
        return variant, [], {}
    chosen, _ = _region(variant, override, target)
    b = targets.binding(target, chosen, variant.environment, [variant.task, variant.extension])
    problems: list[Finding] = []
    task = targets.bind(variant.task, b, (), problems)
    extension = targets.bind(variant.extension, b, ("x-ecsform",), problems)
    checked_as = {
        f: targets.bind(f"arn:${{target.partition}}:iam::${{target.accountId}}:role/{n}", b) for f, n in names.items()
    }
    unknown = b.unknown
    base = variant.spec.task.get("family")
    if variant.spec.environments and base is not None and targets.uses(base.value):
        problems.append(
            TARGET_VALUE.finding(
                "the base family of a spec with environments names the roots' folder (<family>/<environment>) and "
                "each environment's family (<family>-<environment>): it cannot hold a target value",
                path=("family",),
                hint="write the family without ${target.*}; an overlay may give its environment a family of its own",
            )
        )
    containers = task.get("containerDefinitions")
    named = [("family",)] + [
        ("containerDefinitions", i, "name") for i in range(len(containers) if isinstance(containers, list) else 0)
    ]
    for path in named:
        value: Any = task
        for part in path:
            value = value.get(part) if isinstance(value, dict) else value[part] if isinstance(value, list) else None
        needed = targets.data_sources(value, unknown) if isinstance(value, str) else []
        if needed:
            problems.append(
                TARGET_VALUE.finding(
                    f"{targets.shown(value, unknown)!r}: ecsform writes the root with this name, and nothing gives "
                    f"{', '.join('${target.' + n + '}' for n in needed)} before Terraform runs",
                    path=path,
                    hint="; ".join(
                        ["set accountId in ecsform.yaml (defaults or the environment)"] * ("accountId" in needed)
                        + ["name the region (ecsform.yaml, x-ecsform.region or --region)"]
                        * bool(set(needed) - {"accountId"})
                    ),
                )
            )
    return replace(variant, task=task, extension=extension, unknown=unknown), problems, checked_as


def _region(variant: Variant, override: str | None, target: Target | None = None) -> tuple[str | None, list[Finding]]:
    if override:
        return override, []
    if target is not None and target.region:
        return target.region, []  # the spec's regions that differ are reported by the TARGET-REGION rule
    ext_region = _ext_region(variant)
    if ext_region:
        return ext_region, []
    for tier in _implied_regions(variant):
        if len(tier) == 1:
            return tier[0], []
        if len(tier) > 1:
            where, first = _second_region(variant.task, tier)
            return None, [
                REGION_AMBIGUOUS.finding(
                    f"the spec points at several regions ({', '.join(tier)}): this value names "
                    f"another one than {first}",
                    path=where,
                    hint="set x-ecsform.region (the region of the provider and of the log groups ecsform "
                    "creates), or pass --region",
                )
            ]
    return None, [
        REGION_UNSET.finding(
            "no region in the spec; the provider will take it from AWS_REGION",
            path=("family",),
            hint="set x-ecsform.region, or pass --region",
        )
    ]


def _second_region(task: dict[str, Any], regions: list[str]) -> tuple[tuple[Any, ...], str]:
    """Where the task first names a second region of `regions` (in document order), and the region named before it."""
    seen: list[str] = []
    for path, value in references.strings(task):
        for region in regions:
            if region not in seen and (value == region or f":{region}:" in value or f".{region}." in value):
                seen.append(region)
                if len(seen) == 2:
                    return path, seen[0]
    return ("family",), regions[0]


def root_path(variant: Variant) -> str:
    if variant.environment is None:
        return variant.family
    base = variant.spec.task.get("family")
    base_family = base.value if base is not None and isinstance(base.value, str) else variant.family
    return f"{base_family}/{variant.environment}"


_TASK_INPUTS = (
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
    (
        "proxyConfiguration",
        "proxy_configuration",
        lambda p: {
            "container_name": p["containerName"],
            **({"type": p["type"]} if "type" in p else {}),
            **({"properties": {x["name"]: x["value"] for x in p["properties"]}} if "properties" in p else {}),
        },
    ),
    ("inferenceAccelerators", "inference_accelerators", _snake),
    ("ephemeralStorage", "ephemeral_storage_gib", lambda e: e["sizeInGiB"]),
    ("runtimePlatform", "runtime_platform", _snake),
    ("enableFaultInjection", "enable_fault_injection", None),
    ("volumes", "volumes", lambda vs: [_volume_input(v) for v in vs]),
)


def build(
    variant: Variant,
    ext: Extension | None = None,
    *,
    region: str | None = None,
    target: Target | None = None,
    policy: Policy | None = None,
) -> tuple[Plan, list[Finding]]:
    """Plan one variant for its deploy target (already validated and checked, `checks` included; `ext` is its
    parsed x-ecsform block, `policy` the policy that applies to it). The findings are those of `checks`."""
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
    chosen, findings = checks(variant, ext, region, target)
    plan = Plan(register["family"], variant.environment, variant.file, chosen, register, root_path(variant))
    plan.tags = tags
    plan.target = target
    plan.skip_destroy = ext.skip_destroy if ext.skip_destroy is not None else (target.skip_destroy if target else None)
    plan.images = {c["name"]: c["image"] for c in register["containerDefinitions"]}
    plan.managed_secrets = _managed_secrets(register["family"], ext)
    plan.managed_efs = {key: _efs_inputs(register["family"], key, fs, tags) for key, fs in ext.efs.items()}
    if creates_execution_role(variant.task, ext):
        plan.secret_lookups, _ = _secret_lookups(variant.task, chosen)
    plan.role_lookups = _role_lookups(list(role_names(register).values()))
    plan.module_inputs = module_inputs(plan, ext, policy)
    if variant.unknown:  # what render prints: Terraform fills these in
        plan.unknown = dict(variant.unknown)
        plan.register = targets.shown(register, plan.unknown)
    return plan, findings


def creates_execution_role(task: dict[str, Any], ext: Extension) -> bool:
    return "executionRoleArn" not in task and ext.execution_role.create is not False


def checks(
    variant: Variant, ext: Extension, region: str | None = None, target: Target | None = None
) -> tuple[str | None, list[Finding]]:
    """The region the root's provider uses, and the findings that depend on what the plan decides (the region, the
    log groups and the execution role ecsform creates): REGION-AMBIGUOUS, REGION-UNSET, LOGS-REGION and
    SECRET-UNRESOLVED. `validate` and `synth` both run this, so both report the same (paths are the spec's)."""
    chosen, findings = _region(variant, region, target)
    findings += _log_regions(variant.task, chosen, ext)
    if creates_execution_role(variant.task, ext):
        findings += _secret_lookups(variant.task, chosen)[1]
    return chosen, findings


def _log_regions(task: dict[str, Any], region: str | None, ext: Extension) -> list[Finding]:
    """Log groups ecsform creates live in the provider's region; awslogs must write there."""
    if not ext.logs.create or region is None:
        return []
    out = []
    for i, c in enumerate(task.get("containerDefinitions", [])):
        opts = c.get("logConfiguration", {}).get("options", {})
        if c.get("logConfiguration", {}).get("logDriver") == "awslogs" and opts.get("awslogs-region", region) != region:
            out.append(
                LOGS_REGION.finding(
                    f"awslogs-region {opts['awslogs-region']} is not the region ecsform creates the log group "
                    f"{opts.get('awslogs-group')!r} in ({region})",
                    path=("containerDefinitions", i, "logConfiguration", "options", "awslogs-region"),
                    hint="write to the task's region, or set x-ecsform.logs.create: false and create the group elsewhere",
                )
            )
    return out


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


def resolve(value: Any) -> Any:
    """Replace every `ecsform:` reference in a plain value by the Terraform expression it stands for."""
    if isinstance(value, str):
        ref = references.parse(value)
        if ref is None:
            return value
        return secret_expr(ref) if ref.kind == "secret" else efs_expr(ref)
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v) for v in value]
    return value


def _data_name(arn: str, taken: set[str]) -> str:
    name = arn.split(":secret:", 1)[-1] if ":secret:" in arn else arn
    base = "secret_" + re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_").lower()
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _secret_lookups(task: dict[str, Any], region: str | None) -> tuple[dict[str, str], list[Finding]]:
    """Secrets Manager references without the random suffix, which the execution role policy must name by their
    full ARN: partial ARNs, and repository credentials given by name. Reference -> data source name, and a
    SECRET-UNRESOLVED error at each partial ARN of another region (the data source reads the provider's region)."""
    lookups: dict[str, str] = {}
    findings: list[Finding] = []
    taken: set[str] = set()
    for path, value, by_name_allowed in references.secret_references_at(task):
        if by_name_allowed and not value.startswith("arn:") and not references.is_reference(value):
            base = value  # repositoryCredentials.credentialsParameter may name a secret of the task's region
        else:
            base = references.secret_base(value)
            if base is None or not references.is_partial_secret_arn(base):
                continue
            if region is not None and references.secret_region(base) != region:
                findings.append(
                    SECRET_UNRESOLVED.finding(
                        f"{base} is a partial ARN (no 6-character suffix) in {references.secret_region(base)}, another "
                        f"region than the provider's ({region}): ecsform cannot look up its full ARN, and an IAM policy "
                        "naming a partial ARN matches nothing",
                        path=path,
                        hint="write the secret's full ARN, with the suffix `aws secretsmanager describe-secret --region "
                        f"{references.secret_region(base)} --secret-id {base.split(':secret:', 1)[-1]}` prints",
                    )
                )
                continue
        if base not in lookups:
            lookups[base] = _data_name(base, taken)
    return dict(sorted(lookups.items())), findings


def _managed_secrets(family: str, ext: Extension) -> dict[str, dict[str, Any]]:
    out = {}
    for key, s in sorted(ext.secrets.items()):
        item: dict[str, Any] = {"name": s.name or f"{family}/{key}"}
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


def _efs_inputs(family: str, key: str, fs: Any, tags: dict[str, str]) -> list[tuple[str, Any]]:
    inputs: list[tuple[str, Any]] = [("name", f"{family}-{key}")]
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
    return inputs


def _role_inputs(prefix: str, role: Any) -> list[tuple[str, Any]]:
    inputs: list[tuple[str, Any]] = []
    if role.create != "auto":
        inputs.append((f"create_{prefix}_role", role.create))
    if role.name_prefix:
        inputs.append((f"{prefix}_role_name_prefix", role.name_prefix))
    if role.path != "/":
        inputs.append((f"{prefix}_role_path", role.path))
    if role.permissions_boundary:
        inputs.append((f"{prefix}_role_permissions_boundary", role.permissions_boundary))
    return inputs


def _statement(s: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"sid": s.sid} if s.sid else {}
    out |= {"effect": s.effect, "actions": list(s.actions), "resources": list(s.resources)}
    if s.conditions:
        out["conditions"] = [{"test": c.test, "variable": c.variable, "values": list(c.values)} for c in s.conditions]
    return out


def log_retention(ext: Extension, policy: Policy | None) -> int:
    """x-ecsform.logs.retentionInDays when the spec writes it, else the policy's logRetentionDays (default 365)."""
    if "retention_in_days" in ext.logs.model_fields_set:
        return ext.logs.retention_in_days
    return (policy or DEFAULT_POLICY).log_retention_days or DEFAULT_POLICY.log_retention_days or 365


def module_inputs(plan: Plan, ext: Extension, policy: Policy | None = None) -> list[tuple[str, Any]]:
    """Inputs of modules/ecs-task-definition, in the order the generated code lists them."""
    register = plan.register
    inputs: list[tuple[str, Any]] = [("family", register["family"])]
    for ecs_field, variable, convert in _TASK_INPUTS:
        if ecs_field in register:
            value = register[ecs_field]
            if ecs_field in ROLE_FIELDS and value in plan.role_lookups:  # by name: the role's ARN, with its path
                inputs.append((variable, Ref("data", ROLE_DATA, plan.role_lookups[value], "arn")))
                continue
            inputs.append((variable, resolve(convert(value) if convert else value)))
    if plan.skip_destroy is not None:
        inputs.append(("skip_destroy", plan.skip_destroy))
    inputs += _role_inputs("execution", ext.execution_role)
    kms: Any = list(ext.execution_role.kms_key_arns)
    if plan.managed_secrets:
        managed = Call("values", module_ref(SECRETS_MODULE, "kms_key_arns"))
        kms = Call("concat", kms, managed) if kms else managed
    if kms:
        inputs.append(("kms_key_arns", kms))
    if plan.secret_lookups:
        inputs.append(
            (
                "secret_arns",
                {arn: Ref("data", SECRET_DATA, name, "arn") for arn, name in plan.secret_lookups.items()},
            )
        )
    inputs += _role_inputs("task", ext.task_role)
    if ext.enable_execute_command:
        inputs.append(("enable_execute_command", True))
    if ext.task_role.statements:
        inputs.append(("task_role_statements", [_statement(s) for s in ext.task_role.statements]))
    if ext.task_role.managed_policy_arns:
        inputs.append(("task_role_managed_policy_arns", list(ext.task_role.managed_policy_arns)))
    has_awslogs = any(c.get("logConfiguration", {}).get("logDriver") == "awslogs" for c in plan.containers)
    if not ext.logs.create:
        inputs.append(("create_log_groups", False))
    elif has_awslogs:
        inputs.append(("log_retention_in_days", log_retention(ext, policy)))
        if ext.logs.kms_key_arn:
            inputs.append(("log_kms_key_arn", ext.logs.kms_key_arn))
    if plan.tags:
        inputs.append(("tags", plan.tags))
    inputs.append(("container_definitions", resolve(register["containerDefinitions"])))
    return inputs
