"""The located node tree every spec file is read into: each key and value with the line and column it was written
at (Node), and, once a tree is turned into plain values, where each field path was written (SourceMap)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import FieldPath, Finding

Mark = tuple[int, int]  # 1-based line and column


class Node:
    """A value from the file with the place it was written. `value` holds plain scalars, or
    dict[str, Node] for mappings and list[Node] for sequences."""

    __slots__ = ("value", "mark", "key_mark")

    def __init__(self, value: Any, mark: Mark, key_mark: Mark | None = None) -> None:
        self.value = value
        self.mark = mark
        self.key_mark = key_mark

    @property
    def is_map(self) -> bool:
        return type(self.value) is dict

    @property
    def is_seq(self) -> bool:
        return type(self.value) is list

    def get(self, key: str) -> "Node | None":
        return self.value.get(key) if type(self.value) is dict else None

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Node({self.value!r}@{self.mark})"


@dataclass
class SourceMap:
    """Where each field path of a plain document was written. Paths not written by the user (defaults,
    derived values) resolve to the nearest written ancestor."""

    file: str
    values: dict[FieldPath, Mark] = field(default_factory=dict)
    keys: dict[FieldPath, Mark] = field(default_factory=dict)

    def locate(self, path: FieldPath, *, key: bool = False) -> Mark:
        if key and path in self.keys:
            return self.keys[path]
        probe = tuple(path)
        while probe:
            if probe in self.values:
                return self.values[probe]
            if probe in self.keys:
                return self.keys[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def finding(self, f: Finding, *, key: bool = False) -> Finding:
        line, col = self.locate(f.path, key=key)
        return f.located(self.file, line, col)


def plain(node: Node, file: str, prefix: FieldPath = ()) -> tuple[Any, SourceMap]:
    """Turn a node tree into plain dicts/lists/scalars plus the SourceMap of every path."""
    smap = SourceMap(file)
    values, keys = smap.values, smap.keys

    def children(v: Any, path: FieldPath) -> Any:
        """The plain value of a mapping's or a sequence's nodes (each child's place noted; a scalar child taken
        as it is, without a call per value)."""
        if type(v) is dict:
            out: dict[str, Any] = {}
            for k, c in v.items():
                p = path + (k,)
                values[p] = c.mark
                if c.key_mark is not None:
                    keys[p] = c.key_mark
                cv = c.value
                out[k] = children(cv, p) if type(cv) is dict or type(cv) is list else cv
            return out
        items = []
        for i, c in enumerate(v):
            p = path + (i,)
            values[p] = c.mark
            if c.key_mark is not None:
                keys[p] = c.key_mark
            cv = c.value
            items.append(children(cv, p) if type(cv) is dict or type(cv) is list else cv)
        return items

    values[prefix] = node.mark
    if node.key_mark is not None:
        keys[prefix] = node.key_mark
    v = node.value
    return (children(v, prefix) if type(v) is dict or type(v) is list else v), smap


def from_plain(value: Any, mark: Mark, key_mark: Mark | None = None) -> Node:
    """Wrap a plain value produced by the project (a normalized shorthand) as nodes carrying one mark."""
    if isinstance(value, dict):
        return Node({k: from_plain(v, mark, mark) for k, v in value.items()}, mark, key_mark)
    if isinstance(value, list):
        return Node([from_plain(v, mark) for v in value], mark, key_mark)
    return Node(value, mark, key_mark)
