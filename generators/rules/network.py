"""D. Network modes: what each mode allows (links, host ports, hostnames, port mappings, sysctls).

The mode a rule sees is `ctx.effective_network_mode`: the one written, else bridge on Linux, awsvpc for a Fargate
task (D2 reports the missing mode once; the other rules then judge the task as the awsvpc task it must be), and
None for Windows without a mode (its default NAT mode).

Not a rule: D1 (the enum) is SPEC-ENUM.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..errors import FieldPath, Finding, Severity
from ..text import did_you_mean
from ._util import fargate_path, integer, label, names_known, port_mappings, shortest_path, strongly_connected
from .registry import Context, Rule, items, rule

E, W = Severity.ERROR, Severity.WARNING

_LINK = re.compile(r"^([A-Za-z0-9_-]{1,255})(?::([A-Za-z0-9_-]{1,255}))?$")
RESERVED_HOST_PORTS = (22, 2375, 2376, 51678, 51679, 51680)
EPHEMERAL = (49153, 65535)
MAX_RESERVED_PORTS = 100  # per container instance, the default reserved ports included


@rule(
    "ECS-D2",
    E,
    "Fargate tasks use networkMode awsvpc (ECS's default, bridge, is not allowed).",
    "docs D2; botocore networkMode; FTS",
)
def fargate_awsvpc(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not ctx.is_fargate:
        return
    hint = 'set "networkMode": "awsvpc" (ECS: "Fargate only supports network mode \'awsvpc\'.")'
    mode = ctx.task.get("networkMode")
    if mode is None and not ctx.written(("networkMode",)):
        yield r.finding(
            "requiresCompatibilities lists FARGATE but networkMode is not set (ECS would use bridge)",
            fargate_path(ctx),
            hint,
        )
    elif isinstance(mode, str) and mode != "awsvpc":
        yield r.finding(f"networkMode {mode!r} with FARGATE: Fargate supports awsvpc only", ("networkMode",), hint)


@rule(
    "ECS-D3",
    W,
    "Windows on EC2: networkMode omitted (the default NAT mode) or awsvpc.",
    "docs D3; botocore networkMode",
    needs=("runtimePlatform",),
)
def windows_modes(r: Rule, ctx: Context) -> Iterator[Finding]:
    mode = ctx.task.get("networkMode")
    if ctx.is_windows and ctx.is_ec2 and not ctx.is_fargate and mode in ("bridge", "host", "none"):
        yield r.finding(
            f"networkMode {mode!r} is not available to Windows containers on EC2",
            ("networkMode",),
            "omit networkMode (Windows' default NAT mode) or use awsvpc",
        )


@rule("ECS-D4", W, "EXTERNAL (ECS Anywhere) tasks use bridge, host or none.", "docs D4; CDK task-definition.ts")
def external_modes(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.is_external and ctx.task.get("networkMode") == "awsvpc":
        yield r.finding(
            "networkMode 'awsvpc' with EXTERNAL: ECS Anywhere runs bridge, host or none",
            ("networkMode",),
            "use bridge (the default), host or none for EXTERNAL tasks",
        )


@rule(
    "ECS-D5",
    W,
    "Managed Instances tasks use awsvpc (the default), host or none.",
    "docs D5; API_ManagedInstancesNetworkConfiguration; catalog 3.11",
)
def managed_instances_modes(r: Rule, ctx: Context) -> Iterator[Finding]:
    if "MANAGED_INSTANCES" in ctx.compatibilities and ctx.task.get("networkMode") == "bridge":
        yield r.finding(
            "networkMode 'bridge' with MANAGED_INSTANCES: Managed Instances run awsvpc, host or none",
            ("networkMode",),
            "use awsvpc (the default for Managed Instances), host or none",
        )


@rule("ECS-D6", E, "awsvpc tasks (every Fargate task) have no links.", "docs D6; botocore links", needs=("links",))
def awsvpc_links(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.effective_network_mode != "awsvpc":
        return
    why = "awsvpc tasks" if ctx.network_mode == "awsvpc" else "Fargate tasks (always awsvpc)"
    for path, c in ctx.containers():
        links = c.get("links")
        if isinstance(links, list) and links:
            yield r.finding(
                f"links {_shown(links)} on container {label(c, path)}: {why} have no links",
                path + ("links",),
                "remove links: containers of an awsvpc task reach each other on localhost:<port> "
                '(ECS: "Links are not supported when networkMode=awsvpc.")',
                at_key=True,
            )


@rule(
    "ECS-D7",
    E,
    "awsvpc: hostPort is omitted or equals containerPort.",
    "docs D7; botocore PortMapping",
    needs=("portMappings",),
)
def awsvpc_host_port(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.effective_network_mode == "awsvpc":
        yield from _static_host_ports(r, ctx, "awsvpc")


@rule(
    "ECS-D8",
    E,
    "awsvpc: containers set no hostname (error) and no extraHosts (warning).",
    "docs D8; botocore hostname/extraHosts; labd/ecs-deplojo#26",
    needs=("hostname", "extraHosts"),
)
def awsvpc_hostname(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.effective_network_mode != "awsvpc":
        return
    for path, c in ctx.containers():
        if isinstance(c.get("hostname"), str):
            yield r.finding(
                f"hostname {c['hostname']!r}: awsvpc tasks take their hostname from the network interface",
                path + ("hostname",),
                'remove hostname (ECS: "hostname is not supported on container when networkMode=awsvpc.")',
                at_key=True,
            )
        extra = c.get("extraHosts")
        if isinstance(extra, list) and extra and not ctx.is_fargate:  # on Fargate K1 reports extraHosts
            yield r.finding(
                "extraHosts is not supported with networkMode awsvpc",
                path + ("extraHosts",),
                "remove extraHosts; use DNS (Route 53 private zone, Cloud Map) for the names",
                at_key=True,
                severity=W,
            )


@rule(
    "ECS-D9",
    E,
    "host: hostPort is omitted or equals containerPort.",
    "docs D9; botocore PortMapping; aws/amazon-ecs-agent#185",
    needs=("portMappings",),
)
def host_host_port(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.effective_network_mode == "host":
        yield from _static_host_ports(r, ctx, "host")


def _static_host_ports(r: Rule, ctx: Context, mode: str) -> Iterator[Finding]:
    for _, _, mpath, m in port_mappings(ctx):
        host, port = integer(m.get("hostPort")), integer(m.get("containerPort"))
        if host is None or port is None or host == port or "containerPortRange" in m:
            continue  # E2 reports a missing containerPort, E5 a hostPort next to a range
        yield r.finding(
            f"hostPort {host} differs from containerPort {port} in {mode} mode",
            mpath + ("hostPort",),
            f'remove hostPort or set it to {port} (ECS: "When networkMode={mode}, the host ports '
            'and container ports in port mappings must match.")',
        )


@rule("ECS-D10", W, "networkMode none: no port mappings.", "docs D10; botocore networkMode", needs=("portMappings",))
def none_ports(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.effective_network_mode != "none":
        return
    for path, c in ctx.containers():
        if isinstance(c.get("portMappings"), list) and c["portMappings"]:
            yield r.finding(
                f"portMappings on container {label(c, path)}: networkMode none has no external connectivity",
                path + ("portMappings",),
                "remove portMappings, or use bridge, host or awsvpc",
                at_key=True,
            )


@rule(
    "ECS-D11",
    W,
    "bridge/host: no static host port that ECS reserves (22, 2375, 2376, 51678-51680) or in the "
    "ephemeral range; at most 100 reserved ports per instance.",
    "docs D11; botocore PortMapping.hostPort",
    needs=("portMappings",),
)
def host_port_choice(r: Rule, ctx: Context) -> Iterator[Finding]:
    mode = ctx.effective_network_mode
    if mode not in ("bridge", "host"):
        return
    static = 0
    for _, _, mpath, m in port_mappings(ctx):
        if "containerPortRange" in m:
            continue
        host = integer(m.get("hostPort"))
        if mode == "host" and host is None:
            host = integer(m.get("containerPort"))
        if not host:
            continue  # bridge without hostPort (or 0): dynamic
        static += 1
        where = mpath + (("hostPort",) if "hostPort" in m else ("containerPort",))
        if host in RESERVED_HOST_PORTS:
            yield r.finding(
                f"host port {host} is reserved on ECS container instances (SSH, Docker, the ECS agent)",
                where,
                "choose another port; in bridge mode omit hostPort for a dynamic one",
            )
        elif mode == "bridge" and EPHEMERAL[0] <= host <= EPHEMERAL[1]:
            yield r.finding(
                f"hostPort {host} is in the ephemeral range {EPHEMERAL[0]}-{EPHEMERAL[1]} that ECS "
                "assigns dynamic ports from",
                where,
                "use a port below 32768, or omit hostPort to get a dynamic one",
            )
    budget = MAX_RESERVED_PORTS - len(RESERVED_HOST_PORTS)
    if static > budget:
        yield r.finding(
            f"the task reserves {static} static host ports; an instance has room for {budget} besides "
            "the default reserved ports",
            ("containerDefinitions",),
            "use dynamic host ports (bridge) or awsvpc",
        )


@rule(
    "ECS-D12",
    E,
    "links (bridge only) are `name` or `name:alias`, name other containers, and form no cycle.",
    "docs D12; botocore links",
    needs=("links",),
)
def links(r: Rule, ctx: Context) -> Iterator[Finding]:
    mode = ctx.effective_network_mode
    if mode in ("awsvpc", None) or ctx.is_windows:
        return  # awsvpc: D6; Windows: no links at all (K14)
    names, known = ctx.container_names(), names_known(ctx)
    graph: dict[str, list[str]] = {}
    where: dict[tuple[str, str], FieldPath] = {}
    for path, c in ctx.containers():
        own = c.get("name")
        if mode != "bridge" and isinstance(c.get("links"), list) and c["links"]:
            yield r.finding(
                f"links on container {label(c, path)} with networkMode {mode!r}: links work in bridge mode only",
                path + ("links",),
                "remove links, or use networkMode bridge",
                at_key=True,
                severity=W,
            )
            continue
        for lpath, link in items(c, "links", path):
            if not isinstance(link, str):
                continue
            m = _LINK.match(link)
            if not m:
                yield r.finding(
                    f"link {link!r} is not `name` or `name:alias` of letters, digits, '-' and '_'",
                    lpath,
                    "write the other container's name, optionally followed by :alias",
                )
                continue
            target = m.group(1)
            if target not in names and known:
                yield r.finding(
                    f"link {link!r} names no container of this task",
                    lpath,
                    did_you_mean(target, names) or f"containers: {', '.join(names)}",
                )
            elif isinstance(own, str) and target in names:
                graph.setdefault(own, []).append(target)
                where.setdefault((own, target), lpath)
    for cycle in _cycles(names, graph):
        yield r.finding(
            f"links form a cycle: {' -> '.join(cycle)}",
            where[(cycle[0], cycle[1])],
            'remove one of these links (ECS: "Container links should not have a cycle")',
        )


def _cycles(names: list[str], graph: dict[str, list[str]]) -> Iterator[list[str]]:
    """One cycle per strongly connected component, from its first container in task order."""
    for comp in strongly_connected(names, graph):
        start = min(comp, key=names.index)
        if len(comp) == 1 and start not in graph.get(start, []):
            continue
        if start in graph.get(start, []):
            yield [start, start]
            continue
        members = set(comp)
        nxt = next(t for t in graph[start] if t in members)
        back = shortest_path(nxt, start, graph, members)
        if back:
            yield [start] + back


@rule(
    "ECS-D13",
    W,
    "proxyConfiguration (App Mesh) needs networkMode awsvpc.",
    "docs D13; CDK task-definition.ts",
    needs=("proxyConfiguration",),
)
def proxy_awsvpc(r: Rule, ctx: Context) -> Iterator[Finding]:
    mode = ctx.effective_network_mode
    if isinstance(ctx.task.get("proxyConfiguration"), dict) and mode not in ("awsvpc", None):
        yield r.finding(
            f"proxyConfiguration with networkMode {mode!r}: the App Mesh proxy needs awsvpc",
            ("proxyConfiguration",),
            'set "networkMode": "awsvpc"',
            at_key=True,
        )


@rule(
    "ECS-D14",
    W,
    "systemControls: no net.* sysctls in host mode; under awsvpc one value per sysctl for the task.",
    "docs D14; botocore SystemControl",
    needs=("systemControls",),
)
def sysctl_scope(r: Rule, ctx: Context) -> Iterator[Finding]:
    mode = ctx.effective_network_mode
    if mode not in ("host", "awsvpc"):
        return
    seen: dict[str, tuple[Any, str]] = {}
    for path, c in ctx.containers():
        for spath, s in items(c, "systemControls", path):
            if not isinstance(s, dict) or not isinstance(s.get("namespace"), str):
                continue
            ns, value = s["namespace"], s.get("value")
            if mode == "host" and ns.startswith("net."):
                yield r.finding(
                    f"sysctl {ns!r} in host network mode: net.* sysctls are not supported there",
                    spath + ("namespace",),
                    "set it on the container instance instead, or use awsvpc",
                )
            elif mode == "awsvpc":
                if ns in seen and seen[ns][0] != value:
                    yield r.finding(
                        f"sysctl {ns!r} is {value!r} here and {seen[ns][0]!r} on container "
                        f"{seen[ns][1]}: under awsvpc it applies to the whole task and the container "
                        "started last wins",
                        spath + ("value",),
                        "set it once, on one container",
                    )
                seen.setdefault(ns, (value, label(c, path)))


def _shown(values: list[Any]) -> str:
    return "[" + ", ".join(repr(v) for v in values if v is not None) + "]"
