"""libyaml's event stream -> a node tree, built iteratively so that hostile input is refused in bounded time and
memory: a nesting cap and an alias expansion budget, duplicate keys rejected, only the standard tags. Scalars follow
the YAML 1.2 core schema (so `yes` and `on` stay strings). loader.py turns a refusal into its finding."""

from __future__ import annotations

import math
import re
from typing import Any, Iterator

from ..errors import Check, Severity
from .nodes import Mark, Node

# The findings this module raises (collected by the catalog: generators/rules).
YAML_SYNTAX = Check("YAML-SYNTAX", Severity.ERROR, "The file is not valid YAML (or JSON).")
YAML_DUPLICATE_KEY = Check("YAML-DUPLICATE-KEY", Severity.ERROR, "A mapping repeats a key.")
YAML_KEY = Check("YAML-KEY", Severity.ERROR, "A mapping key is not a plain string.")
YAML_TAG = Check(
    "YAML-TAG", Severity.ERROR, "A YAML tag other than the standard ones, or one that does not fit its value."
)
YAML_TOO_DEEP = Check("YAML-TOO-DEEP", Severity.ERROR, "Nesting deeper than 64 levels.")
YAML_TOO_LARGE = Check("YAML-TOO-LARGE", Severity.ERROR, "More than 200,000 values, aliases included (alias bombs).")
YAML_MULTI_DOC = Check("YAML-MULTI-DOC", Severity.ERROR, "More than one YAML document in a spec file.")


MAX_DEPTH = 64
MAX_NODES = 200_000  # after alias expansion

# --- YAML 1.2 core schema for plain scalars ---------------------------------------------------------------
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT10 = re.compile(r"[-+]?[0-9]+\Z")
_INT8 = re.compile(r"0o[0-7]+\Z")
_INT16 = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")

_STD_TAGS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:map": "map",
    "tag:yaml.org,2002:seq": "seq",
}


def resolve_plain(text: str) -> Any:
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT10.match(text):
        return int(text)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


class Refused(Exception):
    """What the tree builder refuses (YAML-TAG, YAML-KEY, YAML-DUPLICATE-KEY, YAML-TOO-DEEP, YAML-TOO-LARGE,
    YAML-MULTI-DOC, YAML-SYNTAX), where, and what to do about it."""

    def __init__(self, rule: Check, message: str, mark: Mark, hint: str | None = None) -> None:
        super().__init__(message)
        self.rule, self.message, self.mark, self.hint = rule, message, mark, hint


def _mark(event: Any) -> Mark:
    m = event.start_mark
    return (m.line + 1, m.column + 1)


_EXPECTED: dict[str, type | tuple[type, ...]] = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}


def _fits(value: object, kind: str | None) -> bool:
    """Whether a standard tag (int, float, bool, null) may be applied to the value its text resolves to."""
    expected = _EXPECTED.get(kind or "")
    return expected is not None and isinstance(value, expected) and not (kind == "int" and isinstance(value, bool))


def _scalar(event: Any) -> Any:
    tag = event.tag
    text = event.value
    if tag in (None, "!"):
        plain_implicit = event.implicit[0] if event.implicit else False
        return resolve_plain(text) if plain_implicit and event.style in (None, "") else text
    kind = _STD_TAGS.get(tag)
    if kind == "str":
        return text
    value = resolve_plain(text)
    if not _fits(value, kind):
        raise Refused(
            YAML_TAG,
            f"tag {tag!r} cannot be applied to {text!r}",
            _mark(event),
            "remove the tag; ecsform reads plain YAML 1.2 values",
        )
    return float(value) if kind == "float" else value


_NO_KEY = object()


def build(events: Iterator[Any]) -> Node | None:
    """Assemble nodes from parser events without recursion."""
    anchors: dict[str, Node] = {}
    count = 0
    root: Node | None = None
    # stack entries: [node, pending_key, pending_key_mark, anchor]
    stack: list[list[Any]] = []
    documents = 0

    def add(node: Node, anchor: str | None, ev: Any) -> None:
        nonlocal root
        if anchor:
            anchors[anchor] = node
        if not stack:
            root = node
            return
        top = stack[-1]
        parent: Node = top[0]
        if type(parent.value) is list:
            parent.value.append(node)
            return
        if top[1] is _NO_KEY:
            if type(node.value) in (dict, list):
                raise Refused(YAML_KEY, "a mapping key must be a plain value, not a mapping or a list", node.mark)
            key = node.value
            if not isinstance(key, str):
                raise Refused(YAML_KEY, f"mapping key {key!r} is not a string", node.mark, "quote the key")
            if key in parent.value:
                first = parent.value[key].key_mark
                raise Refused(
                    YAML_DUPLICATE_KEY,
                    f"duplicate key {key!r} (first written at line {first[0]}, column {first[1]})",
                    node.mark,
                    "remove one of the two entries",
                )
            top[1], top[2] = key, node.mark
            return
        node.key_mark = top[2]
        parent.value[top[1]] = node
        top[1] = _NO_KEY

    for ev in events:
        name = type(ev).__name__
        if name == "ScalarEvent":
            count += 1
            add(Node(_scalar(ev), _mark(ev)), ev.anchor, ev)
        elif name in ("MappingStartEvent", "SequenceStartEvent"):
            count += 1
            if ev.tag not in (None, "!") and _STD_TAGS.get(ev.tag) not in ("map", "seq"):
                raise Refused(YAML_TAG, f"unsupported tag {ev.tag!r}", _mark(ev), "remove the tag")
            if len(stack) >= MAX_DEPTH:
                raise Refused(
                    YAML_TOO_DEEP,
                    f"nesting deeper than {MAX_DEPTH} levels",
                    _mark(ev),
                    "a task definition is never this deep; check the file for runaway brackets or indentation",
                )
            node = Node({} if name == "MappingStartEvent" else [], _mark(ev))
            add(node, ev.anchor, ev)
            stack.append([node, _NO_KEY, None])
        elif name in ("MappingEndEvent", "SequenceEndEvent"):
            stack.pop()
        elif name == "AliasEvent":
            target = anchors.get(ev.anchor)
            if target is None:  # libyaml reports this itself; kept for the pure parser
                raise Refused(YAML_SYNTAX, f"unknown alias *{ev.anchor}", _mark(ev))
            size = _size(target, MAX_NODES - count)
            count += size
            if count > MAX_NODES:
                raise Refused(
                    YAML_TOO_LARGE,
                    f"aliases expand to more than {MAX_NODES} values",
                    _mark(ev),
                    "anchors and aliases may share values, not multiply them",
                )
            add(_copy(target, _mark(ev)), None, ev)
        elif name == "DocumentStartEvent":
            documents += 1
            if documents > 1:
                raise Refused(
                    YAML_MULTI_DOC,
                    "a spec file holds one document; found a second",
                    _mark(ev),
                    "split the documents into separate files; for one task in several environments, `ecsform "
                    "import --environments dev=dev.yaml,prod=prod.yaml` makes one spec with overlays",
                )
        if count > MAX_NODES:
            raise Refused(YAML_TOO_LARGE, f"more than {MAX_NODES} values", _mark(ev))
    return root


def _size(node: Node, budget: int) -> int:
    n, todo = 0, [node]
    while todo and n <= budget:
        cur = todo.pop()
        n += 1
        v = cur.value
        if type(v) is dict:
            todo.extend(v.values())
        elif type(v) is list:
            todo.extend(v)
    return n


def _copy(node: Node, mark: Mark) -> Node:
    v = node.value
    if type(v) is dict:
        return Node({k: _copy_keyed(c, mark) for k, c in v.items()}, mark)
    if type(v) is list:
        return Node([_copy(c, mark) for c in v], mark)
    return Node(v, mark)


def _copy_keyed(node: Node, mark: Mark) -> Node:
    n = _copy(node, mark)
    n.key_mark = mark
    return n
