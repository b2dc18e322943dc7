"""Per-environment overlays merged onto the base spec.

Mappings merge deeply; `containerDefinitions` merge by container `name`; the other name-keyed lists
(`environment`, `secrets`, `volumes`, `ulimits`, `secretOptions`) merge by `name`; every other list is replaced.
A `null` in an overlay removes the key from the base. The merged result is validated like any spec, and each
value keeps the line and column where it was written (in the base or in the overlay).

Only the merging of nodes: generators/spec/document.py makes the variant of each environment with it.
"""

from __future__ import annotations

from ..errors import Check, Finding, Severity
from ..text import suggest
from .nodes import Node

# The findings this module raises (collected by the catalog: generators/rules).
ENV_UNKNOWN_CONTAINER = Check(
    "ENV-UNKNOWN-CONTAINER", Severity.ERROR, "An overlay names a container the base spec lacks."
)


NAME_KEYED = frozenset({"containerDefinitions", "environment", "secrets", "volumes", "ulimits", "secretOptions"})


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
                ENV_UNKNOWN_CONTAINER.finding(
                    f"the overlay names container {name!r}, which the base spec does not define"
                    if name
                    else "an overlay container needs a `name` that matches a base container",
                    path=path + (j, "name") if name else path + (j,),
                    hint=f"did you mean {close!r}?" if close else f"base containers: {', '.join(known) or 'none'}",
                )
            )
            continue
        items.append(item)
    return Node(items, base.mark, over.key_mark or base.key_mark)
