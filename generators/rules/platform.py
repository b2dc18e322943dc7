"""B. Compatibility and platform: CPU architecture and operating system family.

Not rules: B1 and B3 (enums) are SPEC-ENUM; B2 (Fargate rules apply when FARGATE is listed, even with EC2) is how
`Context.is_fargate` works; B6 (one platform across a service's revisions) needs the service, not a spec.
"""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding, Severity
from .registry import Context, Rule, rule

E, W = Severity.ERROR, Severity.WARNING

FARGATE_WINDOWS = (
    "WINDOWS_SERVER_2019_FULL",
    "WINDOWS_SERVER_2019_CORE",
    "WINDOWS_SERVER_2022_FULL",
    "WINDOWS_SERVER_2022_CORE",
)
# Offered on Windows, but whether Fargate runs them is unconfirmed (catalog catalog 3.7): a warning, not an error.
FARGATE_WINDOWS_UNCONFIRMED = ("WINDOWS_SERVER_2025_FULL", "WINDOWS_SERVER_2025_CORE")


@rule(
    "ECS-B4",
    E,
    "cpuArchitecture ARM64 runs Linux only.",
    "docs B4; botocore RuntimePlatform.cpuArchitecture",
    needs=("runtimePlatform",),
)
def arm64_is_linux(r: Rule, ctx: Context) -> Iterator[Finding]:
    platform = ctx.task.get("runtimePlatform")
    if isinstance(platform, dict) and platform.get("cpuArchitecture") == "ARM64" and ctx.is_windows:
        yield r.finding(
            f"cpuArchitecture 'ARM64' with operatingSystemFamily {ctx.os_family!r}: ARM64 tasks run "
            "Linux only (EC2, Managed Instances or Fargate)",
            ("runtimePlatform", "cpuArchitecture"),
            "use X86_64 for Windows containers, or LINUX for ARM64; no capacity runs this task",
        )


@rule(
    "ECS-B5",
    E,
    "Windows on Fargate: WINDOWS_SERVER_2019_FULL/CORE or 2022_FULL/CORE.",
    "docs B5; DG23 AWS_Fargate.md; catalog 3.7",
    needs=("runtimePlatform",),
)
def fargate_windows_family(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not (ctx.is_fargate and ctx.is_windows):
        return
    family = ctx.os_family
    if family in FARGATE_WINDOWS:
        return
    path = ("runtimePlatform", "operatingSystemFamily")
    hint = f"use one of {', '.join(FARGATE_WINDOWS)} on Fargate, or run this family on EC2"
    if family in FARGATE_WINDOWS_UNCONFIRMED:
        yield r.finding(
            f"operatingSystemFamily {family!r} is not confirmed to be offered on Fargate", path, hint, severity=W
        )
    else:
        yield r.finding(f"operatingSystemFamily {family!r} is not offered on Fargate", path, hint)
