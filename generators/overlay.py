"""Per-environment overlays merged onto the base spec.

Mappings merge deeply; `containerDefinitions` merge by container `name`; the other name-keyed lists
(`environment`, `secrets`, `volumes`, `ulimits`, `secretOptions`) merge by `name`; every other list is replaced.
A `null` in an overlay removes the key from the base. The merged result is validated like any spec, and each
value keeps the line and column where it was written (in the base or in the overlay).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import shorthands
from .errors import EcsformError, Finding, Severity
from .loader import Node
from .rules.fields import suggest

if TYPE_CHECKING:
    from .spec import SpecFile, Variant

NAME_KEYED = frozenset({"containerDefinitions", "environment", "secrets", "volumes", "ulimits", "secretOptions"})


def normalize_overlay(node: Node) -> Node:
    """Rewrite shorthands inside an overlay (the same ones as in the base)."""
    if type(node.value) is not dict:
        return node
    from .spec import EXTENSION_KEY

    items = {k: v for k, v in node.value.items() if k != EXTENSION_KEY}
    out = shorthands.normalize_task(Node(items, node.mark, node.key_mark))
    if EXTENSION_KEY in node.value:
        out.value[EXTENSION_KEY] = node.value[EXTENSION_KEY]
    return out


def _name_of(item: Node) -> str | None:
    if type(item.value) is dict:
        name = item.value.get("name")
        if name is not None and isinstance(name.value, str):
            return name.value
    return None


def merge(base: Node | None, over: Node, key: str | None, problems: list[Finding], path: tuple) -> Node | None:
    if over.value is None:
        return None  # `key: null` removes the key
    if base is None:
        return over
    if type(base.value) is dict and type(over.value) is dict:
        out = dict(base.value)
        for k, v in over.value.items():
            merged = merge(out.get(k), v, k, problems, path + (k,))
            if merged is None:
                out.pop(k, None)
            else:
                out[k] = merged
        return Node(out, base.mark, over.key_mark or base.key_mark)
    if key in NAME_KEYED and type(base.value) is list and type(over.value) is list:
        return _merge_named(base, over, key, problems, path)
    return over


def _merge_named(base: Node, over: Node, key: str, problems: list[Finding], path: tuple) -> Node:
    items = list(base.value)
    index = {name: i for i, item in enumerate(items) if (name := _name_of(item)) is not None}
    for j, item in enumerate(over.value):
        name = _name_of(item)
        if name is not None and name in index:
            merged = merge(items[index[name]], item, None, problems, path + (j,))
            if merged is not None:
                items[index[name]] = merged
            continue
        if key == "containerDefinitions":
            known = [n for n in index]
            close = suggest(name, known) if name else None
            problems.append(
                Finding(
                    "ENV-UNKNOWN-CONTAINER",
                    Severity.ERROR,
                    f"the overlay names container {name!r}, which the base spec does not define"
                    if name
                    else "an overlay container needs a `name` that matches a base container",
                    path + (j, "name") if name else path + (j,),
                    f"did you mean {close!r}?" if close else f"base containers: {', '.join(known) or 'none'}",
                )
            )
            continue
        items.append(item)
    return Node(items, base.mark, over.key_mark or base.key_mark)


def unknown_environment(spec: "SpecFile", name: str) -> Finding:
    known = list(spec.environments)
    close = suggest(name, known)
    mark = spec.environments_node.mark if spec.environments_node else spec.root.mark
    return Finding(
        "ENV-UNKNOWN",
        Severity.ERROR,
        f"no environment named {name!r} in this spec",
        ("environments",),
        f"did you mean {close!r}?" if close else f"environments: {', '.join(known)}",
        spec.file,
        *mark,
    )


def merged_variant(spec: "SpecFile", name: str) -> "Variant":
    from .spec import ENVIRONMENTS_KEY, EXTENSION_KEY, make_variant

    over = spec.environments[name]
    prefix = (ENVIRONMENTS_KEY, name)
    if type(over.value) is not dict:
        raise EcsformError(
            [
                Finding(
                    "ENV-SHAPE",
                    Severity.ERROR,
                    "an environment overlay must be a mapping",
                    prefix,
                    "for example: prod: {cpu: '1024', memory: '2048'}",
                    spec.file,
                    *over.mark,
                    name,
                )
            ]
        )
    problems: list[Finding] = []
    for bad in (ENVIRONMENTS_KEY,):
        if bad in over.value:
            problems.append(
                Finding(
                    "ENV-NESTED",
                    Severity.ERROR,
                    "an overlay cannot declare environments",
                    prefix + (bad,),
                    None,
                    spec.file,
                    *over.value[bad].key_mark,
                    name,
                )
            )
    overlay_task = Node({k: v for k, v in over.value.items() if k not in (EXTENSION_KEY, ENVIRONMENTS_KEY)}, over.mark)
    task = merge(spec.task, overlay_task, None, problems, prefix) or Node({}, spec.task.mark)
    if "family" not in over.value and "family" in task.value and isinstance(task.value["family"].value, str):
        fam = task.value["family"]
        task.value["family"] = Node(f"{fam.value}-{name}", fam.mark, fam.key_mark)
    ext_over = over.value.get(EXTENSION_KEY)
    extension = spec.extension
    if ext_over is not None:
        extension = merge(spec.extension, ext_over, EXTENSION_KEY, problems, prefix + (EXTENSION_KEY,))
    if problems:
        located = []
        for f in problems:
            mark = _mark_at(over, f.path[len(prefix) :])
            located.append(Finding(f.rule, f.severity, f.message, f.path, f.hint, spec.file, *mark, name))
        raise EcsformError(located)
    return make_variant(spec, name, task, extension)


def _mark_at(node: Node, path: tuple) -> tuple[int, int]:
    cur = node
    for part in path:
        nxt = None
        if type(cur.value) is dict and isinstance(part, str):
            nxt = cur.value.get(part)
        elif type(cur.value) is list and isinstance(part, int) and part < len(cur.value):
            nxt = cur.value[part]
        if nxt is None:
            break
        cur = nxt
    return cur.mark
