"""E. Port mappings: valid and distinct ports, port ranges, names and application protocols.

Not a rule: E1 (the protocol enum) is SPEC-ENUM; an appProtocol outside http/http2/grpc is SPEC-ENUM too.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..errors import FieldPath, Finding, Severity
from ._util import integer, label, port_mappings
from .registry import Context, Rule, items, rule

E, W = Severity.ERROR, Severity.WARNING

_RANGE = re.compile(r"^(\d{1,5})-(\d{1,5})$")
_PORT_NAME = re.compile(r"^[a-z0-9_][a-z0-9_-]{0,63}$")
MAX_RANGES = 100
WINDOWS_FARGATE_RESERVED = 3150
FIRELENS_PORT = 24224


def _host_port(mode: str | None, m: dict[str, Any]) -> int | None:
    """The host port a mapping holds for the whole task, or None when it is dynamic (or there is none)."""
    if "containerPortRange" in m or mode == "none":
        return None
    host = integer(m.get("hostPort"))
    if mode in ("awsvpc", "host"):
        return host if host is not None else integer(m.get("containerPort"))
    return host or None  # bridge (and Windows' default mode): omitted or 0 is a dynamic port


@rule(
    "ECS-E2",
    E,
    "A port mapping without containerPortRange has a containerPort of 1-65535; hostPort is 0-65535.",
    "docs E2; botocore PortMapping",
    needs=("portMappings",),
)
def container_port(r: Rule, ctx: Context) -> Iterator[Finding]:
    for cpath, c, mpath, m in port_mappings(ctx):
        name = c.get("name") if isinstance(c.get("name"), str) else "X"
        ecs = f"(ECS: \"Invalid 'containerPort' setting for container '{name}'.\")"
        port = m.get("containerPort")
        if port is None:
            if not (ctx.written(mpath + ("containerPort",)) or ctx.written(mpath + ("containerPortRange",))):
                yield r.finding(
                    f"a port mapping of container {label(c, cpath)} has no containerPort",
                    mpath,
                    f'add "containerPort" (or "containerPortRange": "8000-8010") {ecs}',
                )
        elif integer(port) is not None and not 1 <= port <= 65535:
            yield r.finding(
                f"containerPort {port} is not a port number (1-65535)",
                mpath + ("containerPort",),
                f"use the port the container listens on {ecs}",
            )
        host = integer(m.get("hostPort"))
        if host is not None and not 0 <= host <= 65535:
            yield r.finding(
                f"hostPort {host} is not a port number (0-65535)",
                mpath + ("hostPort",),
                "use 1-65535, or 0 / no hostPort for a dynamic port in bridge mode",
            )


@rule(
    "ECS-E3",
    E,
    "A container maps each containerPort once (one protocol per port).",
    "docs E3; botocore PortMapping",
    needs=("portMappings",),
)
def container_port_once(r: Rule, ctx: Context) -> Iterator[Finding]:
    for cpath, c in ctx.containers():
        seen: dict[int, FieldPath] = {}
        for mpath, m in items(c, "portMappings", cpath):
            port = integer(m.get("containerPort")) if isinstance(m, dict) else None
            if port is None:
                continue
            if port in seen:
                name = c.get("name") if isinstance(c.get("name"), str) else "X"
                yield r.finding(
                    f"containerPort {port} is already mapped by portMappings[{seen[port][-1]}] of "
                    f"container {label(c, cpath)}",
                    mpath + ("containerPort",),
                    "map each container port once: ECS exposes one protocol per container port (ECS: "
                    f'"Container port {port} is used in more than one port mapping for container '
                    f'{name}")',
                )
            else:
                seen[port] = mpath


@rule("ECS-E4", E, "A host port (per protocol) is mapped once in the whole task.", "docs E4", needs=("portMappings",))
def host_port_once(r: Rule, ctx: Context) -> Iterator[Finding]:
    mode = ctx.effective_network_mode
    seen: dict[tuple[str, int], tuple[FieldPath, FieldPath, int | None]] = {}
    for cpath, _, mpath, m in port_mappings(ctx):
        host = _host_port(mode, m)
        if host is None:
            continue
        protocol: str = m["protocol"] if isinstance(m.get("protocol"), str) else "tcp"
        port = integer(m.get("containerPort"))
        first = seen.get((protocol, host))
        if first is None:
            seen[(protocol, host)] = (cpath, mpath, port)
            continue
        if first[0] == cpath and first[2] == port:
            continue  # the same container port twice: E3
        where = mpath + (("hostPort",) if "hostPort" in m else ("containerPort",))
        yield r.finding(
            f"{protocol.upper()} host port {host} is also mapped by "
            f"containerDefinitions[{first[1][1]}].portMappings[{first[1][-1]}]",
            where,
            "give each mapping its own host port"
            + (" or omit hostPort for a dynamic one" if mode in ("bridge", None) else "")
            + f" (ECS: \"{protocol.upper()} host port '{host}' is mapped multiple times in task.\")",
        )


@rule(
    "ECS-E5",
    E,
    "containerPortRange: `start-end` within 1-65535, bridge or awsvpc, no hostPort, no overlaps, at "
    "most 100 per container.",
    "docs E5; botocore PortMapping.containerPortRange",
    needs=("portMappings",),
)
def port_ranges(r: Rule, ctx: Context) -> Iterator[Finding]:
    mode = ctx.effective_network_mode
    for cpath, c in ctx.containers():
        spans: list[tuple[int, int, FieldPath]] = []  # (first, last, where)
        count = 0
        for mpath, m in items(c, "portMappings", cpath):
            if not isinstance(m, dict):
                continue
            text = m.get("containerPortRange")
            if not isinstance(text, str):
                port = integer(m.get("containerPort"))
                if port is not None:
                    spans.append((port, port, mpath + ("containerPort",)))
                continue
            count += 1
            rpath = mpath + ("containerPortRange",)
            bounds = _range(text)
            if bounds is None:
                yield r.finding(
                    f"containerPortRange {text!r} is not `start-end` with 1 <= start < end <= 65535",
                    rpath,
                    'write e.g. "8000-8010"',
                )
                continue
            if mode not in ("bridge", "awsvpc"):
                shown = repr(mode) if mode else "the Windows default"
                yield r.finding(
                    f"containerPortRange with networkMode {shown}: ranges need bridge or awsvpc",
                    rpath,
                    "use networkMode bridge or awsvpc, or map single ports",
                )
            if "hostPort" in m:
                yield r.finding(
                    "hostPort next to containerPortRange: ECS chooses the host ports of a range",
                    mpath + ("hostPort",),
                    "remove hostPort",
                    at_key=True,
                )
            if "containerPort" in m:
                yield r.finding(
                    "containerPort next to containerPortRange",
                    mpath + ("containerPort",),
                    "keep one of them",
                    at_key=True,
                    severity=W,
                )
            spans.append((*bounds, rpath))
        yield from _overlaps(r, spans)
        if count > MAX_RANGES:
            yield r.finding(
                f"container {label(c, cpath)} has {count} port ranges; at most {MAX_RANGES} are allowed",
                cpath + ("portMappings",),
                "merge adjacent ranges",
                at_key=True,
            )


def _range(text: str) -> tuple[int, int] | None:
    m = _RANGE.match(text)
    if not m:
        return None
    first, last = int(m.group(1)), int(m.group(2))
    return (first, last) if 1 <= first < last <= 65535 else None


def _overlaps(r: Rule, spans: list[tuple[int, int, FieldPath]]) -> Iterator[Finding]:
    if not any(first != last for first, last, _ in spans):
        return  # single ports only: E3
    for i, (first, last, where) in enumerate(spans):
        for other_first, other_last, other in spans[:i]:
            if first == last and other_first == other_last:
                continue  # E3
            if first <= other_last and other_first <= last:
                shown = f"port {first} falls in" if first == last else f"ports {first}-{last} overlap"
                theirs = f"{other_first}" if other_first == other_last else f"{other_first}-{other_last}"
                yield r.finding(
                    f"{shown} {theirs} of portMappings[{other[-2]}] of the same container",
                    where,
                    "a port belongs to one mapping per container: split or shrink the ranges",
                )
                break


@rule(
    "ECS-E6",
    W,
    "A port mapping name is 1-64 of a-z 0-9 _ -, not starting with '-'.",
    "docs E6; botocore PortMapping.name",
    needs=("portMappings",),
)
def port_name(r: Rule, ctx: Context) -> Iterator[Finding]:
    for _, _, mpath, m in port_mappings(ctx):
        name = m.get("name")
        if isinstance(name, str) and not _PORT_NAME.match(name):
            yield r.finding(
                f"port mapping name {name!r} is not 1-64 of a-z, 0-9, '_' and '-' (no leading '-')",
                mpath + ("name",),
                f"e.g. {_port_name_fix(name)!r}; Service Connect and VPC Lattice refer to the mapping by this name",
            )


def _port_name_fix(name: str) -> str:
    fixed = re.sub(r"[^a-z0-9_-]", "-", name.lower()).lstrip("-")[:64]
    return fixed or "http"


@rule(
    "ECS-E7",
    W,
    "Port mapping names are unique across the task.",
    "docs E7; CDK task-definition.ts; catalog 3.5",
    needs=("portMappings",),
)
def port_name_unique(r: Rule, ctx: Context) -> Iterator[Finding]:
    seen: dict[str, FieldPath] = {}
    for _, _, mpath, m in port_mappings(ctx):
        name = m.get("name")
        if not isinstance(name, str) or not name:
            continue
        if name in seen:
            first = seen[name]
            yield r.finding(
                f"port mapping name {name!r} is also used by "
                f"containerDefinitions[{first[1]}].portMappings[{first[-1]}]",
                mpath + ("name",),
                "give each mapping its own name: Service Connect resolves services by it",
            )
        else:
            seen[name] = mpath


@rule(
    "ECS-E8",
    W,
    "appProtocol (Service Connect) needs a port mapping name and bridge or awsvpc.",
    "docs E8; CDK ServiceConnect.validate",
    needs=("portMappings",),
)
def app_protocol(r: Rule, ctx: Context) -> Iterator[Finding]:
    mode = ctx.effective_network_mode
    for _, _, mpath, m in port_mappings(ctx):
        proto = m.get("appProtocol")
        if not isinstance(proto, str):
            continue
        if not isinstance(m.get("name"), str):
            yield r.finding(
                f"appProtocol {proto!r} on a port mapping without a name",
                mpath + ("appProtocol",),
                'add "name": Service Connect, the only user of appProtocol, refers to the mapping by name',
            )
        if mode not in ("bridge", "awsvpc"):
            shown = repr(mode) if mode else "the Windows default"
            yield r.finding(
                f"appProtocol {proto!r} with networkMode {shown}: Service Connect needs bridge or awsvpc",
                mpath + ("appProtocol",),
                "use networkMode awsvpc or bridge, or remove appProtocol",
            )


@rule(
    "ECS-E9",
    W,
    "An appProtocol (http, http2, grpc: Service Connect) mapping uses protocol tcp.",
    "docs E9; botocore PortMapping.protocol",
    needs=("portMappings",),
)
def app_protocol_tcp(r: Rule, ctx: Context) -> Iterator[Finding]:
    for _, _, mpath, m in port_mappings(ctx):
        if isinstance(m.get("appProtocol"), str) and m.get("protocol") == "udp":
            yield r.finding(
                f"protocol 'udp' with appProtocol {m['appProtocol']!r}: Service Connect carries TCP only",
                mpath + ("protocol",),
                "use protocol tcp (the default), or remove appProtocol",
            )


@rule(
    "ECS-E10",
    W,
    "Reserved ports: 3150 on Windows Fargate; 24224 (FireLens) in bridge mode.",
    "docs E10; DG23 task_definition_parameters.md, using_firelens.md",
    needs=("portMappings",),
)
def reserved_ports(r: Rule, ctx: Context) -> Iterator[Finding]:
    windows_fargate = ctx.is_fargate and ctx.is_windows
    firelens_bridge = ctx.effective_network_mode == "bridge" and any(
        isinstance(c.get("firelensConfiguration"), dict) for _, c in ctx.containers()
    )
    if not (windows_fargate or firelens_bridge):
        return
    for _, _, mpath, m in port_mappings(ctx):
        port, host = integer(m.get("containerPort")), integer(m.get("hostPort"))
        if windows_fargate and port == WINDOWS_FARGATE_RESERVED:
            yield r.finding(
                f"containerPort {port} is reserved on Windows Fargate",
                mpath + ("containerPort",),
                "listen on another port",
            )
        if firelens_bridge and FIRELENS_PORT in (port, host):
            field = "hostPort" if host == FIRELENS_PORT else "containerPort"
            yield r.finding(
                f"{field} {FIRELENS_PORT} is the FireLens log router's port; in bridge mode mapping it "
                "exposes the router to the host",
                mpath + (field,),
                "do not map port 24224: the containers reach the router without a port mapping",
            )
