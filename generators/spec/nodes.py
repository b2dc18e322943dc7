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
    """Turn a node tree into plain dicts/lists/scalars plus the SourceMap of every path (a TreeMap: the places are
    looked up in the tree when a finding asks, not listed for every value of every spec)."""
    v = node.value
    return (_plain_children(v) if type(v) is dict or type(v) is list else v), TreeMap(file, node, prefix)


def _plain_children(v: Any) -> Any:
    """The plain value of a mapping's or a sequence's nodes (a scalar child taken as it is, without a call)."""
    if type(v) is dict:
        out: dict[str, Any] = {}
        for k, c in v.items():
            cv = c.value
            out[k] = _plain_children(cv) if type(cv) is dict or type(cv) is list else cv
        return out
    items = []
    for c in v:
        cv = c.value
        items.append(_plain_children(cv) if type(cv) is dict or type(cv) is list else cv)
    return items


class TreeMap(SourceMap):
    """The SourceMap of a node tree (its root at `prefix`): `locate` walks down the tree along the path, to the
    deepest node written there, which is what the map of every path would say. `values` and `keys`, that map,
    are listed only when asked (equality, repr)."""

    def __init__(self, file: str, root: Node, prefix: FieldPath = ()) -> None:  # (no dataclass fields set)
        self.file = file
        self._root = root
        self._prefix = tuple(prefix)
        self._maps: tuple[dict[FieldPath, Mark], dict[FieldPath, Mark]] | None = None

    @property
    def values(self) -> dict[FieldPath, Mark]:  # type: ignore[override]
        return self._listed()[0]

    @property
    def keys(self) -> dict[FieldPath, Mark]:  # type: ignore[override]
        return self._listed()[1]

    def _listed(self) -> tuple[dict[FieldPath, Mark], dict[FieldPath, Mark]]:
        if self._maps is None:
            values: dict[FieldPath, Mark] = {}
            keys: dict[FieldPath, Mark] = {}

            def walk(n: Node, path: FieldPath) -> None:
                values[path] = n.mark
                if n.key_mark is not None:
                    keys[path] = n.key_mark
                v = n.value
                if type(v) is dict:
                    for k, c in v.items():
                        walk(c, path + (k,))
                elif type(v) is list:
                    for i, c in enumerate(v):
                        walk(c, path + (i,))

            walk(self._root, self._prefix)
            self._maps = values, keys
        return self._maps

    def locate(self, path: FieldPath, *, key: bool = False) -> Mark:
        prefix = self._prefix
        n = len(prefix)
        if tuple(path[:n]) != prefix:  # (the map holds the paths under the prefix only)
            return (1, 1)
        node = self._root
        for part in path[n:]:
            v = node.value
            child = None
            if type(v) is dict:
                child = v.get(part)
            elif type(v) is list and isinstance(part, int) and 0 <= part < len(v):
                child = v[part]
            if child is None:
                return node.mark  # the deepest place written along the path
            node = child
        if key and node.key_mark is not None:
            return node.key_mark
        return node.mark


def from_plain(value: Any, mark: Mark, key_mark: Mark | None = None) -> Node:
    """Wrap a plain value produced by the project (a normalized shorthand) as nodes carrying one mark."""
    if isinstance(value, dict):
        return Node({k: from_plain(v, mark, mark) for k, v in value.items()}, mark, key_mark)
    if isinstance(value, list):
        return Node([from_plain(v, mark) for v in value], mark, key_mark)
    return Node(value, mark, key_mark)
