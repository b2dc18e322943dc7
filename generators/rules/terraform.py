"""What the pinned Terraform AWS provider cannot declare.

Checked against `terraform providers schema -json` and `terraform validate` with hashicorp/aws 5.100.0:
`aws_ecs_task_definition` has no `trusted_execution_configuration` argument and no `s3files_volume_configuration`
block under `volume`; its validation accepts requires_compatibilities EC2, FARGATE and EXTERNAL only (not
MANAGED_INSTANCES), and runtime_platform.operating_system_family without the WINDOWS_SERVER_2025_* values. Every
network mode, pid/ipc mode and the other enums of the ECS model are accepted. Container fields travel inside
the container_definitions JSON, so the provider passes them all through.
"""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding, Severity
from .registry import Context, Rule, items, rule

E = Severity.ERROR

PROVIDER = "hashicorp/aws 5.100.0"
TASK_FIELDS = ("trustedExecutionConfiguration",)
VOLUME_FIELDS = ("s3filesVolumeConfiguration",)
COMPATIBILITIES = ("EC2", "FARGATE", "EXTERNAL")
OS_FAMILIES = (
    "WINDOWS_SERVER_2019_FULL",
    "WINDOWS_SERVER_2019_CORE",
    "WINDOWS_SERVER_2016_FULL",
    "WINDOWS_SERVER_2004_CORE",
    "WINDOWS_SERVER_2022_CORE",
    "WINDOWS_SERVER_2022_FULL",
    "WINDOWS_SERVER_20H2_CORE",
    "LINUX",
)


@rule(
    "TF-UNSUPPORTED",
    E,
    f"A field or value the ECS API has but the pinned provider ({PROVIDER}) cannot declare: "
    "trustedExecutionConfiguration, S3 Files volumes, MANAGED_INSTANCES, Windows Server 2025.",
    "terraform providers schema -json; terraform validate",
)
def provider_unsupported(r: Rule, ctx: Context) -> Iterator[Finding]:
    for field in TASK_FIELDS:
        if field in ctx.task:
            yield r.finding(
                f"{PROVIDER} has no argument for {field}",
                (field,),
                "remove it, or register this task definition outside Terraform",
                at_key=True,
            )
    for path, v in ctx.volumes():
        for field in VOLUME_FIELDS:
            if field in v:
                yield r.finding(
                    f"{PROVIDER} cannot declare {field} volumes",
                    path + (field,),
                    "use an EFS volume, or register this task definition outside Terraform",
                    at_key=True,
                )
    for p, c in items(ctx.task, "requiresCompatibilities", ()):
        if isinstance(c, str) and c not in COMPATIBILITIES:
            yield r.finding(
                f"{PROVIDER} rejects requires_compatibilities {c!r} (it takes {', '.join(COMPATIBILITIES)})",
                p,
                "remove it until the provider supports it",
            )
    platform = ctx.task.get("runtimePlatform")
    family = platform.get("operatingSystemFamily") if isinstance(platform, dict) else None
    if isinstance(family, str) and family not in OS_FAMILIES:
        yield r.finding(
            f"{PROVIDER} rejects operating_system_family {family!r}",
            ("runtimePlatform", "operatingSystemFamily"),
            "use WINDOWS_SERVER_2022_CORE or _FULL",
        )
