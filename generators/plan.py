"""From a validated variant to what to declare: the canonical task definition and the module inputs.

The plan is engine-neutral: the HCL engine, the CDK engine and `render` all read the same plan, so the JSON that
`render` prints and the container definitions that Terraform declares come from one code path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import canonical
from .errors import Finding, Severity
from .spec import Variant

_ECR = re.compile(r"^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/")
_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:(?:secretsmanager|ssm|kms|elasticfilesystem|logs):([a-z0-9-]+):\d{12}:")


@dataclass
class Plan:
    family: str
    environment: str | None
    file: str
    region: str | None
    register: dict[str, Any]  # canonical RegisterTaskDefinition input (what `render` prints)
    root: str = ""  # folder of the root under the output folder: <family> or <base family>/<environment>
    module_inputs: list[tuple[str, Any]] = field(default_factory=list)  # ordered (variable, value)
    images: dict[str, str] = field(default_factory=dict)  # container name -> image from the spec

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


def _tags(task: dict[str, Any], extension: dict[str, Any]) -> dict[str, str]:
    tags = dict(extension.get("tags") or {})
    for t in task.get("tags", []):
        tags[t["key"]] = t.get("value", "")
    return dict(sorted(tags.items()))


def region_candidates(register: dict[str, Any]) -> list[list[str]]:
    """Regions the spec implies, strongest first: awslogs-region, then ARNs of secrets and the like, then ECR."""
    logs, arns, ecr = [], [], []
    for c in register.get("containerDefinitions", []):
        opts = c.get("logConfiguration", {}).get("options", {})
        if "awslogs-region" in opts:
            logs.append(opts["awslogs-region"])
        for s in c.get("secrets", []) + c.get("logConfiguration", {}).get("secretOptions", []):
            m = _ARN_REGION.match(s.get("valueFrom", ""))
            if m:
                arns.append(m.group(1))
        m = _ECR.match(c.get("image", ""))
        if m:
            ecr.append(m.group(2))
    return [sorted(set(tier)) for tier in (logs, arns, ecr)]


def _region(variant: Variant, register: dict[str, Any], override: str | None) -> tuple[str | None, list[Finding]]:
    if override:
        return override, []
    ext_region = variant.extension.get("region") if isinstance(variant.extension, dict) else None
    if ext_region:
        return ext_region, []
    for tier in region_candidates(register):
        if len(tier) == 1:
            return tier[0], []
        if len(tier) > 1:
            return None, [Finding("REGION-AMBIGUOUS", Severity.ERROR,
                                  f"the spec points at several regions ({', '.join(tier)})", ("x-ecsform",),
                                  "set x-ecsform.region, or pass --region")]
    return None, [Finding("REGION-UNSET", Severity.WARNING,
                          "no region in the spec; the provider will take it from AWS_REGION", ("family",),
                          "set x-ecsform.region, or pass --region")]


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
    ("proxyConfiguration", "proxy_configuration",
     lambda p: {"container_name": p["containerName"], **({"type": p["type"]} if "type" in p else {}),
                **({"properties": {x["name"]: x["value"] for x in p["properties"]}} if "properties" in p else {})}),
    ("inferenceAccelerators", "inference_accelerators", _snake),
    ("ephemeralStorage", "ephemeral_storage_gib", lambda e: e["sizeInGiB"]),
    ("runtimePlatform", "runtime_platform", _snake),
    ("enableFaultInjection", "enable_fault_injection", None),
    ("volumes", "volumes", lambda vs: [_volume_input(v) for v in vs]),
)


def build(variant: Variant, *, region: str | None = None) -> tuple[Plan, list[Finding]]:
    """Plan one variant (already validated)."""
    register = canonical.register_input(variant.task)
    extension = variant.extension if isinstance(variant.extension, dict) else {}
    tags = _tags(register, extension)
    if tags:
        register["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
    chosen, findings = _region(variant, register, region)
    plan = Plan(register["family"], variant.environment, variant.file, chosen, register, root_path(variant))
    plan.images = {c["name"]: c["image"] for c in register["containerDefinitions"]}
    plan.module_inputs = module_inputs(register, tags)
    return plan, findings


def module_inputs(register: dict[str, Any], tags: dict[str, str]) -> list[tuple[str, Any]]:
    """Inputs of modules/ecs-task-definition, in the order the generated code lists them."""
    inputs: list[tuple[str, Any]] = [("family", register["family"])]
    for ecs_field, variable, convert in _TASK_INPUTS:
        if ecs_field in register:
            value = register[ecs_field]
            inputs.append((variable, convert(value) if convert else value))
    if tags:
        inputs.append(("tags", tags))
    inputs.append(("container_definitions", register["containerDefinitions"]))
    return inputs
