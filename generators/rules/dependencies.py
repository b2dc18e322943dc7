"""F. essential, dependsOn and timeouts: what the ECS agent needs to start and stop the containers in order.

Not rules: F3 (the condition enum) is SPEC-ENUM; F7 (platform version and agent minimums) depends on where the
task runs, which a task definition does not say.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..errors import FieldPath, Finding, Severity
from ..text import did_you_mean
from ._util import integer, label, names_known, shortest_path, strongly_connected
from .registry import Context, Rule, items, per_task, rule

E, W = Severity.ERROR, Severity.WARNING

FARGATE_TIMEOUT = (2, 120)  # seconds, startTimeout and stopTimeout


@per_task
def _dependencies(ctx: Context) -> Iterator[tuple[FieldPath, dict[str, Any], FieldPath, dict[str, Any]]]:
    """(container path, container, dependency path, dependency) for every well-formed dependsOn entry."""
    for cpath, c in ctx.containers():
        for dpath, d in items(c, "dependsOn", cpath):
            if isinstance(d, dict):
                yield cpath, c, dpath, d


def _essential(c: dict[str, Any]) -> bool:
    return c.get("essential") is not False  # omitted means essential


@rule("ECS-F1", E, "At least one container is essential (essential defaults to true).", "docs F1; botocore essential")
def one_essential(r: Rule, ctx: Context) -> Iterator[Finding]:
    containers = [c for _, c in ctx.containers()]
    if len(containers) != len(ctx.task.get("containerDefinitions", [])):
        return  # a container the field checks removed may be the essential one
    if containers and not any(_essential(c) for c in containers):
        which = "the only container sets" if len(containers) == 1 else f"all {len(containers)} containers set"
        yield r.finding(
            f"{which} essential: false",
            ("containerDefinitions",),
            'make the main container essential (remove "essential": false from it) '
            '(ECS: "Task definition doesn\'t have any essential container.")',
        )


@rule("ECS-F2", E, "dependsOn names a container of the task.", "docs F2; AGENT graph.go", needs=("dependsOn",))
def dependency_exists(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not names_known(ctx):
        return  # a container whose name SPEC-TYPE reported may be the one named
    names = ctx.container_names()
    for _, _, dpath, d in _dependencies(ctx):
        target = d.get("containerName")
        if isinstance(target, str) and target not in names:
            yield r.finding(
                f"dependsOn names container {target!r}, which this task does not have",
                dpath + ("containerName",),
                (did_you_mean(target, names) or f"containers: {', '.join(names)}")
                + f" (ECS: \"Cannot depend on container + '{target}' because it does not exist\")",
            )


@rule(
    "ECS-F4",
    E,
    "A COMPLETE or SUCCESS dependency targets a container with essential: false.",
    "docs F4; botocore ContainerDependency.condition",
    needs=("dependsOn",),
)
def complete_not_essential(r: Rule, ctx: Context) -> Iterator[Finding]:
    for _, _, dpath, d in _dependencies(ctx):
        condition, target = d.get("condition"), d.get("containerName")
        if condition not in ("COMPLETE", "SUCCESS") or not isinstance(target, str):
            continue
        found = ctx.container(target)
        if found and _essential(found[1]):
            yield r.finding(
                f"condition {condition} on container {target!r}, which is essential: an essential "
                "container that exits stops the task",
                dpath + ("condition",),
                f'set "essential": false on {target!r}, or depend on START/HEALTHY (ECS: "A '
                "dependency container with SUCCESS or COMPLETE condition cannot be an essential "
                'container")',
            )


@rule(
    "ECS-F5",
    E,
    "A HEALTHY dependency targets a container with a healthCheck (ECS registers it; the ECS agent refuses to "
    "start the task: the dependency can never resolve).",
    "docs F5; BC ContainerDependency.condition; AGENT dependencygraph/graph.go (containerOrderingDependenciesCanResolve, "
    "ValidDependencies), docker_task_engine.go (AddTask)",
    needs=("dependsOn",),
)
def healthy_needs_check(r: Rule, ctx: Context) -> Iterator[Finding]:
    for _, c, dpath, d in _dependencies(ctx):
        target = d.get("containerName")
        if d.get("condition") != "HEALTHY" or not isinstance(target, str):
            continue
        found = ctx.container(target)
        if found and not ctx.written(found[0] + ("healthCheck",)):
            yield r.finding(
                f"container {label(c, dpath[:2])} waits for {target!r} to be HEALTHY, but {target!r} "
                'has no healthCheck: ECS registers it, but HEALTHY "requires that the dependent container has '
                'health checks configured" (AWS), and the ECS agent finds the dependency can never resolve and '
                'stops the task before it starts ("Task has circular dependencies; unable to start")',
                dpath + ("condition",),
                f'add a healthCheck to {target!r}, e.g. {{"command": ["CMD-SHELL", '
                '"curl -f http://localhost/ || exit 1"]}, or depend on START',
            )


_EDGE_FIELDS = ("dependsOn", "links", "volumesFrom")


def _graph(ctx: Context) -> tuple[list[str], dict[str, list[str]], dict[tuple[str, str], tuple[str, FieldPath]]]:
    """Containers, start-order edges (a -> b: a waits for b) and, per edge, its kind and where it is written."""
    names = ctx.container_names()
    known = set(names)
    graph: dict[str, list[str]] = {}
    edges: dict[tuple[str, str], tuple[str, FieldPath]] = {}
    for cpath, c in ctx.containers():
        own = c.get("name")
        if not isinstance(own, str):
            continue
        for field in _EDGE_FIELDS:
            for ipath, entry in items(c, field, cpath):
                target = _target(field, entry)
                if target in known:
                    graph.setdefault(own, []).append(target)
                    key = (own, target)
                    if key not in edges or edges[key][0] == "links":  # prefer a non-link edge
                        edges[key] = (field, ipath)
    return names, graph, edges


def _target(field: str, entry: Any) -> str | None:
    if field == "links":
        return entry.split(":", 1)[0] if isinstance(entry, str) else None
    key = "containerName" if field == "dependsOn" else "sourceContainer"
    value = entry.get(key) if isinstance(entry, dict) else None
    return value if isinstance(value, str) else None


@rule(
    "ECS-F6",
    E,
    "dependsOn, links and volumesFrom form no cycle (ECS registers it; the ECS agent refuses to start the task).",
    "docs F6; AGENT dependencygraph/graph.go (ValidDependencies), docker_task_engine.go (AddTask)",
    needs=_EDGE_FIELDS,
)
def no_cycles(r: Rule, ctx: Context) -> Iterator[Finding]:
    names, graph, edges = _graph(ctx)
    for comp in strongly_connected(names, graph):
        members = set(comp)
        # the first edge inside the component that is not a link (link-only cycles are D12's)
        first = next(
            (
                (a, b)
                for a in sorted(comp, key=names.index)
                for b in graph.get(a, [])
                if b in members and edges[(a, b)][0] != "links"
            ),
            None,
        )
        if first is None:
            continue
        a, b = first
        back = [a] if a == b else shortest_path(b, a, graph, members)
        if back is None:  # pragma: no cover - b reaches a inside a strongly connected component
            continue
        cycle = [a] + back if a != b else [a, a]
        steps = ", ".join(f"{x} {edges[(x, y)][0]} {y}" for x, y in zip(cycle, cycle[1:]))
        field, where = edges[first]
        yield r.finding(
            f"start-order cycle: {' -> '.join(cycle)} ({steps})",
            where,
            "remove one of these dependencies: ECS registers the task definition, but the ECS agent "
            'refuses to start the task ("Task has circular dependencies; unable to start")',
        )


@rule(
    "ECS-F8",
    W,
    "Containers wait for the FireLens log router with START or HEALTHY, not COMPLETE/SUCCESS.",
    "docs F8; DG23 using_firelens.md",
    needs=("dependsOn",),
)
def firelens_dependency(r: Rule, ctx: Context) -> Iterator[Finding]:
    for _, _, dpath, d in _dependencies(ctx):
        condition, target = d.get("condition"), d.get("containerName")
        if condition not in ("COMPLETE", "SUCCESS") or not isinstance(target, str):
            continue
        found = ctx.container(target)
        if found and isinstance(found[1].get("firelensConfiguration"), dict) and not _essential(found[1]):
            yield r.finding(
                f"condition {condition} on the FireLens log router {target!r}: the router runs for the "
                "life of the task, so this container would wait for it to exit",
                dpath + ("condition",),
                "use START (or HEALTHY with a healthCheck on the router)",
            )


@rule(
    "ECS-F9",
    W,
    "startTimeout and stopTimeout: 2-120 seconds on Fargate, never negative.",
    "docs F9; botocore startTimeout/stopTimeout",
    needs=("startTimeout", "stopTimeout"),
)
def timeouts(r: Rule, ctx: Context) -> Iterator[Finding]:
    low, high = FARGATE_TIMEOUT
    for path, c in ctx.containers():
        for field in ("startTimeout", "stopTimeout"):
            value = integer(c.get(field))
            if value is None:
                continue
            if value < 0:
                yield r.finding(f"{field} {value} is negative", path + (field,), "use a number of seconds")
            elif ctx.is_fargate and not low <= value <= high:
                yield r.finding(
                    f"{field} {value} s is outside Fargate's {low}-{high} seconds",
                    path + (field,),
                    f"use {low}-{high} seconds (stopTimeout defaults to 30)",
                )
