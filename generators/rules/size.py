"""C. Task and container size: Fargate's cpu/memory table, EC2 ranges, container memory.

Task cpu/memory reach the rules as integer strings: the shorthands already turned 512, "0.5 vCPU" and "1 GB"
into "512" and "1024". Anything else is still a string here, and C11 reports it.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..errors import Finding, Severity
from ._util import fargate_path, int_string, integer, label, nearest, words
from .registry import Context, Rule, rule

E, W = Severity.ERROR, Severity.WARNING

ECS_BAD_SIZE = (
    'ECS: "Invalid \'cpu\' setting for task."; Terraform: "No Fargate configuration exists for given values."'
)


def _steps(low: int, high: int, step: int) -> tuple[int, ...]:
    return tuple(range(low, high + 1, step))


# Fargate task sizes (catalog C2-C8; CPUERR, botocore memory): cpu units -> (row, vCPU, memory MiB, Linux only)
FARGATE: dict[int, tuple[str, str, tuple[int, ...], bool]] = {
    256: ("ECS-C2", "0.25 vCPU", (512, 1024, 2048), True),
    512: ("ECS-C3", "0.5 vCPU", (1024, 2048, 3072, 4096), True),
    1024: ("ECS-C4", "1 vCPU", _steps(2048, 8192, 1024), False),
    2048: ("ECS-C5", "2 vCPU", _steps(4096, 16384, 1024), False),
    4096: ("ECS-C6", "4 vCPU", _steps(8192, 30720, 1024), False),
    8192: ("ECS-C7", "8 vCPU", _steps(16384, 61440, 4096), True),
    16384: ("ECS-C8", "16 vCPU", _steps(32768, 122880, 8192), True),
}
FARGATE_WINDOWS_CPU = tuple(cpu for cpu, row in FARGATE.items() if not row[3])
# AWS's table says 2-8 GB for 1 vCPU on Windows, CDK's Windows check accepts 1 GB (catalog 3.8): a warning.
WINDOWS_CONFLICT = (1024, 1024)
EC2_CPU = (128, 196608)
DOCKER_MIN_MEMORY = 6  # MiB, Docker 20.10 and later (4 MiB before)
FIRELENS_BUFFER = (0, 536870912)  # log-driver-buffer-limit, bytes


def _memory_text(memories: tuple[int, ...]) -> str:
    if len(memories) <= 4:
        return words(memories)
    return f"{memories[0]}-{memories[-1]} in steps of {memories[1] - memories[0]}"


def _fargate_cpus(ctx: Context) -> tuple[int, ...]:
    return FARGATE_WINDOWS_CPU if ctx.is_windows else tuple(FARGATE)


def _size(ctx: Context, field: str) -> int | None:
    return int_string(ctx.task.get(field))


def _memory_row(cpu: int) -> None:
    row, vcpu, memories, linux_only = FARGATE[cpu]
    summary = (
        f"Fargate cpu {cpu} ({vcpu}) takes memory {_memory_text(memories)} MiB{' (Linux only)' if linux_only else ''}."
    )

    @rule(row, E, summary, f"docs {row[4:]}; CPUERR; botocore memory")
    def fargate_memory(r: Rule, ctx: Context) -> Iterator[Finding]:
        if not ctx.is_fargate or _size(ctx, "cpu") != cpu or (ctx.is_windows and linux_only):
            return  # C9 reports a Linux-only size on Windows
        memory = _size(ctx, "memory")
        if memory is None or memory in memories:
            return
        fits = [c for c in _fargate_cpus(ctx) if memory in FARGATE[c][2]]
        other = f"; memory {memory} fits cpu {words(fits)}" if fits else ""
        hint = (
            f"with cpu {cpu} use memory {_memory_text(memories)} (nearest: {nearest(memory, memories)})"
            f"{other} ({ECS_BAD_SIZE})"
        )
        if ctx.is_windows and (cpu, memory) == WINDOWS_CONFLICT:
            yield r.finding(
                f"memory {memory} MiB with cpu {cpu} ({vcpu}) for Windows on Fargate: AWS documents "
                f"{_memory_text(memories)}, CDK accepts {memory}",
                ("memory",),
                hint,
                severity=W,
            )
            return
        yield r.finding(f"memory {memory} MiB is not offered with cpu {cpu} ({vcpu}) on Fargate", ("memory",), hint)


for _cpu in FARGATE:
    _memory_row(_cpu)


@rule("ECS-C1", E, "Fargate tasks set task-level cpu and memory.", "docs C1; botocore cpu/memory")
def fargate_size_required(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not ctx.is_fargate:
        return
    missing = [f for f in ("cpu", "memory") if not ctx.written((f,))]
    if missing:
        yield r.finding(
            f"requiresCompatibilities lists FARGATE but task-level {words(missing, 'and')} "
            f"{'is' if len(missing) == 1 else 'are'} not set",
            fargate_path(ctx),
            'add a Fargate size, e.g. "cpu": "256", "memory": "512" (botocore: "This field is required for Fargate")',
        )


@rule("ECS-C9", E, "Windows on Fargate: task cpu 1024, 2048 or 4096.", "docs C9; FTS", needs=("runtimePlatform",))
def fargate_windows_cpu(r: Rule, ctx: Context) -> Iterator[Finding]:
    cpu = _size(ctx, "cpu")
    if ctx.is_fargate and ctx.is_windows and cpu in FARGATE and cpu not in FARGATE_WINDOWS_CPU:
        yield r.finding(
            f"cpu {cpu} ({FARGATE[cpu][1]}) is not offered for Windows containers on Fargate",
            ("cpu",),
            f"use cpu {words(FARGATE_WINDOWS_CPU)} (nearest: "
            f"{nearest(cpu, FARGATE_WINDOWS_CPU)}): Windows on Fargate needs at least 1 vCPU "
            f"({ECS_BAD_SIZE})",
        )


@rule(
    "ECS-C10", E, "Fargate task cpu is a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384.", "docs C10; CPUERR"
)
def fargate_cpu(r: Rule, ctx: Context) -> Iterator[Finding]:
    cpu = _size(ctx, "cpu")
    if ctx.is_fargate and cpu is not None and cpu not in FARGATE:
        sizes = _fargate_cpus(ctx)
        yield r.finding(
            f"cpu {cpu} is not a Fargate task size",
            ("cpu",),
            f"use cpu {words(sizes)} (nearest: {nearest(cpu, sizes)}) ({ECS_BAD_SIZE})",
        )


@rule(
    "ECS-C11",
    E,
    'Task cpu and memory are integer strings, or unit strings such as "0.5 vCPU" and "2 GB".',
    "docs C11; botocore cpu/memory",
)
def size_units(r: Rule, ctx: Context) -> Iterator[Finding]:
    for field, hint in (
        ("cpu", 'CPU units as a whole number ("512"), or vCPUs ("0.5 vCPU", "2 vCPU"); 1 vCPU = 1024 units'),
        ("memory", 'MiB as a whole number ("1024"), or GB ("1 GB", "0.5GB"); 1 GB = 1024 MiB'),
    ):
        value = ctx.task.get(field)
        if isinstance(value, str) and int_string(value) is None:
            yield r.finding(
                f"task {field} {value!r} is neither a whole number of "
                f"{'CPU units' if field == 'cpu' else 'MiB'} nor a unit string ecsform converts",
                (field,),
                f"write {hint}",
            )


@rule("ECS-C12", E, "Task cpu outside Fargate is 128-196608 units (0.125-192 vCPU).", "docs C12; botocore cpu")
def ec2_cpu(r: Rule, ctx: Context) -> Iterator[Finding]:
    cpu = _size(ctx, "cpu")
    if not ctx.is_fargate and cpu is not None and not EC2_CPU[0] <= cpu <= EC2_CPU[1]:
        yield r.finding(
            f"cpu {cpu} is outside {EC2_CPU[0]}-{EC2_CPU[1]} CPU units",
            ("cpu",),
            f"use {EC2_CPU[0]} (0.125 vCPU) to {EC2_CPU[1]} (192 vCPU), or leave task cpu unset "
            "(ECS: \"Invalid 'cpu' setting for task.\")",
        )


@rule(
    "ECS-C13",
    E,
    "EC2 tasks without task memory give every container memory or memoryReservation.",
    "docs C13; botocore memory/memoryReservation",
)
def ec2_container_memory(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not ctx.is_ec2 or ctx.is_fargate or ctx.written(("memory",)):
        return  # Fargate: C1 asks for task memory
    for path, c in ctx.containers():
        if ctx.written(path + ("memory",)):
            continue  # a set memory, even 0, is C17's
        reservation = integer(c.get("memoryReservation"))
        if (reservation or 0) > 0 or (reservation is None and ctx.written(path + ("memoryReservation",))):
            continue
        name = c.get("name") if isinstance(c.get("name"), str) else "X"
        yield r.finding(
            f"container {label(c, path)} sets neither memory nor memoryReservation, and the task sets no memory",
            path,
            "set the container's memoryReservation (soft) and/or memory (hard limit) in MiB, or task "
            f"memory (ECS: \"Invalid setting for container '{name}'. At least one of 'memory' or "
            "'memoryReservation' must be specified.\")",
        )


def _docker(ctx: Context) -> bool:
    """True when the task may run on an instance's Docker daemon (EC2, EXTERNAL), whose checks are known; Fargate's
    runtime is not Docker, and what it refuses is not documented."""
    return ctx.is_ec2 or ctx.is_external


@rule(
    "ECS-C14",
    E,
    "A container's memory (hard limit) is not below its memoryReservation (Docker refuses to create the "
    "container on EC2 and EXTERNAL; on Fargate alone: warning).",
    "docs C14; botocore memory; moby daemon/daemon_unix.go verifyPlatformContainerResources",
    needs=("memoryReservation",),
)
def memory_above_reservation(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        memory, reservation = integer(c.get("memory")), integer(c.get("memoryReservation"))
        if memory is not None and reservation is not None and 0 < memory < reservation:
            yield r.finding(
                f"memoryReservation {reservation} MiB is above memory {memory} MiB: Docker refuses to create the "
                'container ("Minimum memory limit can not be less than memory reservation limit")',
                path + ("memoryReservation",),
                "raise memory (the hard limit) or lower memoryReservation (the soft limit)",
                severity=E if _docker(ctx) else W,
            )


@rule("ECS-C15", E, "A container's memory is not above the task memory.", "docs C15")
def container_memory_in_task(r: Rule, ctx: Context) -> Iterator[Finding]:
    task_memory = _size(ctx, "memory")
    if task_memory is None:
        return
    for path, c in ctx.containers():
        memory = integer(c.get("memory"))
        if memory is not None and memory > task_memory:
            name = c.get("name") if isinstance(c.get("name"), str) else "X"
            yield r.finding(
                f"memory {memory} MiB of container {label(c, path)} is above the task memory {task_memory} MiB",
                path + ("memory",),
                f"lower it to at most {task_memory}, or raise the task memory (ECS: \"The 'memory' "
                f"setting for container '{name}' is greater than for the task.\")",
            )


@rule(
    "ECS-C16",
    W,
    "Container cpu and reserved memory add up to at most the task's cpu and memory.",
    "docs C16; botocore ContainerDefinition.cpu/memory; CDK task-definition.ts; catalog 3.3",
)
def container_totals(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.is_windows and not ctx.is_fargate:
        return  # C18: task size is ignored there
    containers = [c for _, c in ctx.containers()]
    task_cpu, task_memory = _size(ctx, "cpu"), _size(ctx, "memory")
    if task_cpu is not None:
        total = sum(integer(c.get("cpu")) or 0 for c in containers)
        if total > task_cpu:
            yield r.finding(
                f"the containers reserve {total} CPU units in all, more than the task cpu {task_cpu}",
                ("cpu",),
                "lower the containers' cpu or raise the task cpu",
            )
    if task_memory is not None:
        if any((integer(c.get("memory")) or 0) > task_memory for c in containers):
            return  # C15 reports the container
        total = sum(_reserved(c) for c in containers)
        if total > task_memory:
            yield r.finding(
                f"the containers reserve {total} MiB in all (memoryReservation, else memory), more "
                f"than the task memory {task_memory} MiB",
                ("memory",),
                "lower the containers' memoryReservation/memory or raise the task memory",
            )


def _reserved(c: dict[str, Any]) -> int:
    reservation = integer(c.get("memoryReservation"))
    return reservation if reservation else integer(c.get("memory")) or 0


@rule(
    "ECS-C17",
    E,
    "Container memory and memoryReservation are at least 6 MiB: ECS registers less, and Docker 20.10 and later "
    "refuses to create the container (EC2, EXTERNAL); on Fargate alone, and a memory of 0 (no limit to the agent): "
    "warning.",
    "docs C17; BC ContainerDefinition.memory/memoryReservation; AGENT api/task/task.go getDockerResources (raises "
    "memory below 4 MiB to 4 MiB); moby daemon/daemon_unix.go verifyPlatformContainerResources",
)
def container_memory_floor(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        for field in ("memory", "memoryReservation"):
            value = integer(c.get(field))
            if value is None or (field == "memoryReservation" and value == 0):
                continue  # a 0 reservation means none
            if value < DOCKER_MIN_MEMORY:
                # the agent passes a memory of 0 as no limit, and raises 1-3 MiB to 4 MiB, still under Docker's 6
                certain = _docker(ctx) and value > 0
                yield r.finding(
                    f"{field} {value} MiB is below the {DOCKER_MIN_MEMORY} MiB Docker reserves for a "
                    "container: ECS registers it, but Docker 20.10 and later refuses to create the "
                    'container (AWS: "don\'t specify less than 6 MiB of memory for your containers")',
                    path + (field,),
                    f"use at least {DOCKER_MIN_MEMORY} MiB (Docker 20.10 and later refuses less; "
                    "the value is in MiB, not GB)",
                    severity=E if certain else W,
                )


@rule(
    "ECS-C18",
    W,
    "Windows on EC2 ignores task-level cpu and memory: size the containers.",
    "docs C18; botocore cpu/memory",
    needs=("runtimePlatform",),
)
def windows_ec2_task_size(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not ctx.is_windows or ctx.is_fargate or not ctx.is_ec2:
        return
    containers = [c for _, c in ctx.containers()]
    for field, container_fields in (("cpu", ("cpu",)), ("memory", ("memory", "memoryReservation"))):
        if field not in ctx.task:
            continue
        unsized = [c for c in containers if not any(integer(c.get(f)) for f in container_fields)]
        if unsized:
            yield r.finding(
                f"task {field} is ignored for Windows containers on EC2, and "
                f"{len(unsized)} container(s) set no {' or '.join(container_fields)}",
                (field,),
                f"set {container_fields[0]} on each container (Windows container cpu is a hard quota: "
                "0 means 1% of one CPU)",
            )


@rule(
    "ECS-C19",
    W,
    "FireLens log-driver-buffer-limit is 0-536870912 bytes and fits in the task memory.",
    "docs C19; DG23 using_firelens.md",
    needs=("logConfiguration",),
)
def firelens_buffer(r: Rule, ctx: Context) -> Iterator[Finding]:
    buffers = 0
    for path, c in ctx.containers():
        log = c.get("logConfiguration")
        if not isinstance(log, dict) or log.get("logDriver") != "awsfirelens":
            continue
        options = log.get("options")
        raw = options.get("log-driver-buffer-limit") if isinstance(options, dict) else None
        if raw is None:
            continue
        opath = path + ("logConfiguration", "options", "log-driver-buffer-limit")
        value = int_string(raw)
        if value is None or value > FIRELENS_BUFFER[1]:
            yield r.finding(
                f"log-driver-buffer-limit {raw!r} is not a byte count of {FIRELENS_BUFFER[0]}-{FIRELENS_BUFFER[1]}",
                opath,
                'write bytes as a string, e.g. "2097152" (2 MiB); the default is 1 MiB',
            )
            continue
        buffers += value
    task_memory = _size(ctx, "memory")
    if buffers and task_memory is not None:
        reserved = sum(_reserved(c) for _, c in ctx.containers())
        need = reserved + -(-buffers // (1024 * 1024))
        if need > task_memory:
            yield r.finding(
                f"the containers reserve {reserved} MiB and the FireLens buffers take "
                f"{buffers:,} bytes: more than the task memory {task_memory} MiB",
                ("memory",),
                "raise the task memory or lower log-driver-buffer-limit",
            )
