"""Small helpers shared by the rule modules (not rules themselves: the registry skips modules named `_*`)."""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from ..errors import FieldPath
from .registry import Context, items, per_task

NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")  # container, volume and link names


def integer(value: Any) -> int | None:
    """An int (not a bool), or None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def int_string(value: Any) -> int | None:
    """The integer an ECS task cpu/memory string holds ("512" -> 512), or None for anything else."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def label(container: dict[str, Any], path: FieldPath) -> str:
    """How messages name a container: its name, else its position."""
    name = container.get("name")
    return repr(name) if isinstance(name, str) and name else f"#{path[-1]}"


def fargate_path(ctx: Context) -> FieldPath:
    """Where FARGATE is written in requiresCompatibilities (the reason Fargate rules apply)."""
    compat = ctx.task.get("requiresCompatibilities")
    if isinstance(compat, list) and "FARGATE" in compat:
        return ("requiresCompatibilities", compat.index("FARGATE"))
    return ("requiresCompatibilities",)


def names_known(ctx: Context) -> bool:
    """True when the task's container names are all known: no container, and no name, was removed as badly typed
    (so a name missing from `ctx.container_names()` really is not in the task)."""
    for i, c in enumerate(ctx.task.get("containerDefinitions", [])):
        if not isinstance(c, dict) or (
            not isinstance(c.get("name"), str) and ctx.written(("containerDefinitions", i, "name"))
        ):
            return False
    return True


@per_task
def port_mappings(ctx: Context) -> Iterator[tuple[FieldPath, dict[str, Any], FieldPath, dict[str, Any]]]:
    """(container path, container, mapping path, mapping) for every well-formed port mapping."""
    for cpath, c in ctx.containers():
        for mpath, m in items(c, "portMappings", cpath):
            if isinstance(m, dict):
                yield cpath, c, mpath, m


def words(values: Iterable[Any], conj: str = "or") -> str:
    """[a, b, c] -> 'a, b or c'."""
    vals = [str(v) for v in values]
    if len(vals) <= 1:
        return "".join(vals)
    return f"{', '.join(vals[:-1])} {conj} {vals[-1]}"


def nearest(value: int, candidates: Iterable[int]) -> int:
    return min(candidates, key=lambda c: (abs(c - value), c))


def strongly_connected(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iterative; each component in discovery order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = edges.get(node, [])
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                out.append(comp[::-1])
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def shortest_path(start: str, goal: str, edges: dict[str, list[str]], allowed: set[str]) -> list[str] | None:
    """Nodes from start to goal (both included) through `allowed` nodes, breadth first; None if unreachable."""
    prev: dict[str, str | None] = {start: None}
    queue = [start]
    for node in queue:
        for nxt in edges.get(node, []):
            if nxt not in allowed or nxt in prev:
                continue
            prev[nxt] = node
            if nxt == goal:
                path = [nxt]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])  # type: ignore[arg-type]
                return path[::-1]
            queue.append(nxt)
    return None
