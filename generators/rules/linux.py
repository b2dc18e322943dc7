"""K. Linux parameters, security options, and the parameters Fargate and Windows do not support."""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..errors import FieldPath, Finding, Severity
from ..text import suggest
from ._linux_names import CAPABILITIES, IPC_SYSCTLS, TMPFS_OPTIONS
from .registry import Context, Rule, items, rule

E, W = Severity.ERROR, Severity.WARNING

# Container fields Fargate rejects (ECS-K1); booleans only when true, lists only when not empty.
FARGATE_CONTAINER_BANS = (
    "disableNetworking",
    "dnsSearchDomains",
    "dnsServers",
    "dockerSecurityOptions",
    "extraHosts",
    "links",
    "privileged",
)
WINDOWS_CONTAINER_BANS = (
    "disableNetworking",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "links",
    "linuxParameters",
    "privileged",
    "readonlyRootFilesystem",
    "user",
    "ulimits",
)
_SECURITY_OPTION = re.compile(r"^(no-new-privileges|apparmor:.+|label:.+|credentialspec:.+)$")
_CREDENTIAL_SPEC = re.compile(r"^(credentialspec|credentialspecdomainless):(arn:aws[a-z-]*:(ssm|s3):.+)$")
_USER_PART = re.compile(r"^[^:\s]+$")


def _set(value: Any) -> bool:
    """Whether a field counts as used: true booleans, non-empty lists and mappings, any other value."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, dict)):
        return bool(value)
    return value is not None


def _linux(ctx: Context) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    for path, c in ctx.containers():
        lp = c.get("linuxParameters")
        if isinstance(lp, dict):
            yield path + ("linuxParameters",), lp


@rule(
    "ECS-K1",
    E,
    "Fargate tasks use none of disableNetworking, dnsSearchDomains, dnsServers, "
    "dockerSecurityOptions, extraHosts, links, privileged, GPUs or placementConstraints.",
    "docs K1; FTS; CFNLINT E3048",
    needs=("placementConstraints", "resourceRequirements", *FARGATE_CONTAINER_BANS),
)
def fargate_invalid_parameters(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not ctx.is_fargate:
        return
    if _set(ctx.task.get("placementConstraints")):
        yield r.finding(
            "Fargate does not support placementConstraints",
            ("placementConstraints",),
            "remove placementConstraints (they apply to EC2 instances)",
            at_key=True,
        )
    for path, c in ctx.containers():
        for field in FARGATE_CONTAINER_BANS:
            if field == "links" and ctx.effective_network_mode == "awsvpc":
                continue  # reported for awsvpc by ECS-D6
            if _set(c.get(field)):
                yield r.finding(
                    f"Fargate does not support {field}",
                    path + (field,),
                    f"remove {field}, or run the task on EC2",
                    at_key=True,
                )
        for p, req in items(c, "resourceRequirements", path):
            if req.get("type") == "GPU":
                yield r.finding("Fargate does not offer GPUs", p + ("type",), "run GPU containers on EC2")


@rule(
    "ECS-K2",
    E,
    "On Fargate, linuxParameters adds no capability but SYS_PTRACE and sets no devices, "
    "sharedMemorySize, tmpfs, maxSwap or swappiness.",
    "docs K2; FTS; BC KernelCapabilities",
    needs=("linuxParameters",),
)
def fargate_linux_parameters(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not ctx.is_fargate or ctx.is_windows:  # Windows: ECS-K14 rejects linuxParameters as a whole
        return
    for path, lp in _linux(ctx):
        for field in ("devices", "sharedMemorySize", "tmpfs", "maxSwap", "swappiness"):
            if _set(lp.get(field)):
                yield r.finding(
                    f"Fargate does not support linuxParameters.{field}", path + (field,), f"remove {field}", at_key=True
                )
        caps = lp.get("capabilities")
        if isinstance(caps, dict):
            for p, cap in items(caps, "add", path + ("capabilities",)):
                if isinstance(cap, str) and cap != "SYS_PTRACE":
                    yield r.finding(
                        f"Fargate can add only the SYS_PTRACE capability, not {cap!r}", p, "remove it, or run on EC2"
                    )


@rule(
    "ECS-K3",
    E,
    "Capabilities to add or drop are names ECS knows (SYS_ADMIN, NET_ADMIN..., without CAP_).",
    "docs K3; BC KernelCapabilities",
    needs=("linuxParameters",),
)
def capability_names(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, lp in _linux(ctx):
        caps = lp.get("capabilities")
        if not isinstance(caps, dict):
            continue
        for key in ("add", "drop"):
            for p, cap in items(caps, key, path + ("capabilities",)):
                if isinstance(cap, str) and cap not in CAPABILITIES:
                    fixed = cap.upper().removeprefix("CAP_")
                    close = fixed if fixed in CAPABILITIES else suggest(cap, list(CAPABILITIES))
                    yield r.finding(
                        f"{cap!r} is not a capability ECS knows",
                        p,
                        f"did you mean {close!r}?" if close else "see the KernelCapabilities list",
                    )


@rule(
    "ECS-K4",
    E,
    "linuxParameters.maxSwap is 0 or more and swappiness is 0-100.",
    "docs K4; BC LinuxParameters",
    needs=("linuxParameters",),
)
def swap_settings(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, lp in _linux(ctx):
        max_swap, swappiness = lp.get("maxSwap"), lp.get("swappiness")
        if isinstance(max_swap, int) and max_swap < 0:
            yield r.finding(
                f"maxSwap {max_swap} is negative", path + ("maxSwap",), "use 0 (no swap) or a number of MiB"
            )
        if isinstance(swappiness, int) and not 0 <= swappiness <= 100:
            yield r.finding(
                f"swappiness {swappiness} is outside 0-100", path + ("swappiness",), "use 0-100 (default 60)"
            )


@rule(
    "ECS-K5",
    E,
    "sharedMemorySize is 0 or more; tmpfs has a positive size and known mount options.",
    "docs K5; BC Tmpfs; CDK linux-parameters.ts",
    needs=("linuxParameters",),
)
def shm_and_tmpfs(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, lp in _linux(ctx):
        shm = lp.get("sharedMemorySize")
        if isinstance(shm, int) and shm < 0:
            yield r.finding(f"sharedMemorySize {shm} is negative", path + ("sharedMemorySize",), "give MiB, 0 or more")
        for p, t in items(lp, "tmpfs", path):
            size = t.get("size")
            if isinstance(size, int) and size <= 0:
                yield r.finding(f"tmpfs size {size} is not positive", p + ("size",), "give the size in MiB")
            for q, option in items(t, "mountOptions", p):
                key = option.split("=", 1)[0] if isinstance(option, str) else None
                if key is not None and key not in TMPFS_OPTIONS:
                    close = suggest(key, list(TMPFS_OPTIONS))
                    yield r.finding(
                        f"tmpfs mount option {option!r} is not one ECS accepts",
                        q,
                        f"did you mean {close!r}?" if close else "see the Tmpfs mountOptions list",
                    )


@rule(
    "ECS-K7",
    E,
    "ulimits: softLimit not above hardLimit (ECS registers it; setrlimit refuses it and the container never "
    "starts); -1 (unlimited) or 0 and more (a value below -1: warning).",
    "docs K7; BC Ulimit; Docker --ulimit (-1 is unlimited); setrlimit(2) (EINVAL when soft > hard)",
    needs=("ulimits",),
)
def ulimits(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        for p, u in items(c, "ulimits", path):
            soft, hard = u.get("softLimit"), u.get("hardLimit")
            name = u.get("name", "?")
            for field, value in (("softLimit", soft), ("hardLimit", hard)):
                if isinstance(value, int) and value < UNLIMITED:
                    yield r.finding(
                        f"ulimit {name} {field} {value} is below -1: ECS registers it and Docker passes "
                        "it on, but the kernel reads it as an unsigned number (about 2^64, in effect "
                        "unlimited)",
                        p + (field,),
                        "use -1 for unlimited (Docker's convention), or 0 and more",
                        severity=W,
                    )
            if (
                isinstance(soft, int)
                and isinstance(hard, int)
                and UNLIMITED <= soft
                and UNLIMITED <= hard
                and _limit(soft) > _limit(hard)
            ):
                shown = {v: ("-1 (unlimited)" if v == UNLIMITED else str(v)) for v in (soft, hard)}
                yield r.finding(
                    f"ulimit {name}: softLimit {shown[soft]} is above hardLimit {shown[hard]}: ECS "
                    "registers it, but the container cannot start (setrlimit refuses a soft limit above "
                    "the hard one)",
                    p + ("softLimit",),
                    "make softLimit <= hardLimit (-1, unlimited, is the highest)",
                )


UNLIMITED = -1  # Docker's --ulimit convention: -1 is RLIM_INFINITY (AWS Batch and the EFA/GPU guides use memlock -1)


def _limit(value: int) -> float:
    return float("inf") if value == UNLIMITED else value


@rule(
    "ECS-K8",
    W,
    "systemControls set namespaced sysctls only (IPC kernel.* and fs.mqueue.*, net.*), not on "
    "Windows, and no IPC sysctl with ipcMode host (run time: Docker refuses to create the container).",
    "docs K8; BC SystemControl; Docker daemon sysctl validation",
    needs=("systemControls",),
)
def system_controls(r: Rule, ctx: Context) -> Iterator[Finding]:
    ipc_host = ctx.task.get("ipcMode") == "host"
    for path, c in ctx.containers():
        for p, sc in items(c, "systemControls", path):
            ns = sc.get("namespace")
            if ctx.is_windows:
                yield r.finding(
                    "systemControls are not supported for Windows containers: ECS registers them, but Docker on "
                    "Windows has no sysctls",
                    p,
                    "remove them",
                )
                continue
            if not isinstance(ns, str):
                if "namespace" not in sc:
                    yield r.finding(
                        "systemControls entry without a namespace", p, "add namespace, e.g. net.core.somaxconn"
                    )
                continue
            ipc = ns in IPC_SYSCTLS or ns.startswith("fs.mqueue.")
            if not ipc and not ns.startswith("net."):
                yield r.finding(
                    f"{ns!r} is not a namespaced sysctl: ECS registers it, but Docker refuses to create the "
                    f"container; containers may set only the IPC ones ({', '.join(IPC_SYSCTLS)}, "
                    "fs.mqueue.*) and net.*",
                    p + ("namespace",),
                    "set it on the instance instead",
                )
            elif ipc and ipc_host:
                yield r.finding(
                    f"{ns!r} is an IPC sysctl, which cannot be set with ipcMode host: ECS registers it, but "
                    "Docker refuses to create the container",
                    p + ("namespace",),
                    "use ipcMode task, or set it on the instance",
                )
            if "value" not in sc:
                yield r.finding(f"systemControls {ns!r} without a value", p, "add value")


@rule(
    "ECS-K9",
    E,
    "pidMode host is not available on Fargate.",
    "docs K9; BC pidMode; CDK fargate-task-definition.ts",
    needs=("pidMode",),
)
def pid_mode(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.is_fargate and ctx.task.get("pidMode") == "host":
        yield r.finding(
            "Fargate does not support pidMode host",
            ("pidMode",),
            "use pidMode task (Linux platform version 1.4.0 or later), or remove it",
        )


@rule(
    "ECS-K10",
    E,
    "ipcMode is not set on Fargate or Windows.",
    "docs K10; cn-terraform/terraform-aws-ecs-fargate#2",
    needs=("ipcMode",),
)
def ipc_mode(r: Rule, ctx: Context) -> Iterator[Finding]:
    if "ipcMode" not in ctx.task:
        return
    if ctx.is_fargate:
        yield r.finding(
            f"Fargate does not support ipcMode {ctx.task['ipcMode']!r}",
            ("ipcMode",),
            'remove ipcMode (ECS: "Tasks using the Fargate launch type do not support ipcMode.")',
            at_key=True,
        )
    elif ctx.is_windows:
        yield r.finding("ipcMode is not supported for Windows containers", ("ipcMode",), "remove ipcMode", at_key=True)


@rule(
    "ECS-K11",
    W,
    "dockerSecurityOptions are no-new-privileges, apparmor:PROFILE, label:VALUE or "
    "credentialspec:PATH (only credentialspec on Windows); run time: Docker refuses other options.",
    "docs K11; BC dockerSecurityOptions",
    needs=("dockerSecurityOptions",),
)
def docker_security_options(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        for p, option in items(c, "dockerSecurityOptions", path):
            if not isinstance(option, str):
                continue
            if not _SECURITY_OPTION.match(option):
                yield r.finding(
                    f"{option!r} is not a security option ECS documents: ECS registers it, but Docker refuses "
                    "to create a container with an option it does not know",
                    p,
                    "use no-new-privileges, apparmor:PROFILE, label:VALUE or credentialspec:PATH",
                )
            elif ctx.is_windows and not option.startswith("credentialspec:"):
                yield r.finding(
                    f"{option!r} is a Linux security option; Windows containers take only credentialspec: "
                    "(ECS registers it; Docker on Windows rejects it)",
                    p,
                    "remove it",
                )


@rule(
    "ECS-K12",
    E,
    "credentialSpecs holds at most one credentialspec: or credentialspecdomainless: entry with an SSM or S3 ARN.",
    "docs K12; BC credentialSpecs",
    needs=("credentialSpecs",),
)
def credential_specs(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        specs = c.get("credentialSpecs")
        if isinstance(specs, list) and len(specs) > 1:
            yield r.finding(
                f"{len(specs)} credential specs; ECS takes one per container", path + ("credentialSpecs",), "keep one"
            )
        for p, spec in items(c, "credentialSpecs", path):
            if isinstance(spec, str) and not _CREDENTIAL_SPEC.match(spec):
                yield r.finding(
                    f"{spec!r} is not credentialspec:ARN or credentialspecdomainless:ARN",
                    p,
                    "write credentialspec:arn:aws:ssm:REGION:ACCOUNT:parameter/NAME or "
                    "credentialspec:arn:aws:s3:::BUCKET/KEY",
                )


@rule(
    "ECS-K13",
    W,
    "user is user, user:group, uid or uid:gid (run time: the container cannot start as a user it cannot "
    "resolve; root with host networking: SEC-HOST-ROOT).",
    "docs K13; BC user",
    needs=("user",),
)
def user_format(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        user = c.get("user")
        if not isinstance(user, str):
            continue
        parts = user.split(":")
        if len(parts) > 2 or not all(_USER_PART.match(p) for p in parts):
            yield r.finding(
                f"user {user!r} is not user, user:group, uid or uid:gid: ECS registers it, but the "
                "container runtime cannot resolve it and the container does not start",
                path + ("user",),
                "write e.g. 1000:1000 or app",
            )


@rule(
    "ECS-K14",
    E,
    "Windows containers use none of disableNetworking, dnsServers, dnsSearchDomains, extraHosts, "
    "links, linuxParameters, privileged, readonlyRootFilesystem, user, ulimits, pidMode, "
    "proxyConfiguration.",
    "docs K14; DG23 windows_task_definitions.md",
    needs=("pidMode", "proxyConfiguration", *WINDOWS_CONTAINER_BANS),
)
def windows_unsupported(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not ctx.is_windows:
        return
    for path, c in ctx.containers():
        for field in WINDOWS_CONTAINER_BANS:
            if ctx.is_fargate and field in FARGATE_CONTAINER_BANS:
                continue  # ECS-K1
            if _set(c.get(field)):
                yield r.finding(
                    f"{field} is not supported for Windows containers", path + (field,), f"remove {field}", at_key=True
                )
    task_fields = ("pidMode",) if ctx.is_fargate else ("pidMode", "proxyConfiguration")  # Fargate proxy: ECS-K15
    for field in task_fields:
        if _set(ctx.task.get(field)):
            yield r.finding(f"{field} is not supported for Windows tasks", (field,), f"remove {field}", at_key=True)


@rule(
    "ECS-K15",
    E,
    "Windows on Fargate: no gMSA credential specs, FSx or EFS volumes, App Mesh proxy or FireLens.",
    "docs K15; DG23 AWS_Fargate.md",
    needs=("proxyConfiguration", "volumes", "credentialSpecs", "firelensConfiguration", "logConfiguration"),
)
def windows_fargate_unsupported(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not (ctx.is_windows and ctx.is_fargate):
        return
    if _set(ctx.task.get("proxyConfiguration")):
        yield r.finding(
            "Windows on Fargate does not support App Mesh proxyConfiguration",
            ("proxyConfiguration",),
            "remove proxyConfiguration",
            at_key=True,
        )
    for path, v in ctx.volumes():
        for key, what in (("efsVolumeConfiguration", "EFS"), ("fsxWindowsFileServerVolumeConfiguration", "FSx")):
            if key in v:
                yield r.finding(
                    f"Windows on Fargate does not support {what} volumes",
                    path + (key,),
                    "use EC2 Windows instances for this volume",
                    at_key=True,
                )
    for path, c in ctx.containers():
        if _set(c.get("credentialSpecs")):
            yield r.finding(
                "Windows on Fargate does not support gMSA credential specs",
                path + ("credentialSpecs",),
                "use EC2 Windows instances for Active Directory",
                at_key=True,
            )
        log = c.get("logConfiguration")
        if isinstance(c.get("firelensConfiguration"), dict):
            yield r.finding(
                "Windows on Fargate does not support FireLens",
                path + ("firelensConfiguration",),
                "remove the log router; log with awslogs",
                at_key=True,
            )
        elif isinstance(log, dict) and log.get("logDriver") == "awsfirelens":
            yield r.finding(
                "Windows on Fargate does not support FireLens",
                path + ("logConfiguration", "logDriver"),
                "log with awslogs",
            )
