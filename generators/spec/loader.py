"""Read a spec file (YAML or JSON) into a tree of nodes that remember where every key and value was written.

The YAML event stream comes from libyaml (ruamel.yaml's C parser); the tree is built here, iteratively, so that
hostile input is refused in bounded time and memory: a size cap before parsing, a nesting cap and an alias
expansion budget while building, duplicate keys rejected, invalid UTF-8 reported with its line and column.
Scalars follow the YAML 1.2 core schema (so `yes` and `on` stay strings); JSON files must also be strict JSON.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..errors import Check, EcsformError, Finding, Path, Severity

# The findings this module raises (collected by the catalog: generators/rules).
YAML_SYNTAX = Check("YAML-SYNTAX", Severity.ERROR, "The file is not valid YAML (or JSON).")
JSON_SYNTAX = Check("JSON-SYNTAX", Severity.ERROR, "A .json spec is not strict JSON.")
YAML_ENCODING = Check("YAML-ENCODING", Severity.ERROR, "The file is not UTF-8 text.")
YAML_DUPLICATE_KEY = Check("YAML-DUPLICATE-KEY", Severity.ERROR, "A mapping repeats a key.")
YAML_KEY = Check("YAML-KEY", Severity.ERROR, "A mapping key is not a plain string.")
YAML_TAG = Check(
    "YAML-TAG", Severity.ERROR, "A YAML tag other than the standard ones, or one that does not fit its value."
)
YAML_TOO_DEEP = Check("YAML-TOO-DEEP", Severity.ERROR, "Nesting deeper than 64 levels.")
YAML_TOO_LARGE = Check("YAML-TOO-LARGE", Severity.ERROR, "More than 200,000 values, aliases included (alias bombs).")
YAML_MULTI_DOC = Check("YAML-MULTI-DOC", Severity.ERROR, "More than one YAML document in a spec file.")
SPEC_READ = Check("SPEC-READ", Severity.ERROR, "A spec file or folder cannot be read.")
SPEC_EMPTY = Check("SPEC-EMPTY", Severity.ERROR, "The spec file is empty.")
SPEC_NOT_MAPPING = Check("SPEC-NOT-MAPPING", Severity.ERROR, "The top level of the spec is not a mapping.")
SPEC_TOO_LARGE = Check("SPEC-TOO-LARGE", Severity.ERROR, "The spec file is larger than 1 MiB.")


MAX_BYTES = 1024 * 1024  # a registered task definition is at most 64 KiB; overlays multiply that a few times
MAX_DEPTH = 64
MAX_NODES = 200_000  # after alias expansion

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
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> Mark:
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


def plain(node: Node, file: str, prefix: Path = ()) -> tuple[Any, SourceMap]:
    """Turn a node tree into plain dicts/lists/scalars plus the SourceMap of every path."""
    smap = SourceMap(file)
    values, keys = smap.values, smap.keys

    def walk(n: Node, path: Path) -> Any:
        values[path] = n.mark
        if n.key_mark is not None:
            keys[path] = n.key_mark
        v = n.value
        if type(v) is dict:
            return {k: walk(c, path + (k,)) for k, c in v.items()}
        if type(v) is list:
            return [walk(c, path + (i,)) for i, c in enumerate(v)]
        return v

    return walk(node, prefix), smap


def from_plain(value: Any, mark: Mark, key_mark: Mark | None = None) -> Node:
    """Wrap a plain value produced by the project (a normalized shorthand) as nodes carrying one mark."""
    if isinstance(value, dict):
        return Node({k: from_plain(v, mark, mark) for k, v in value.items()}, mark, key_mark)
    if isinstance(value, list):
        return Node([from_plain(v, mark) for v in value], mark, key_mark)
    return Node(value, mark, key_mark)


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


def _resolve_plain(text: str) -> Any:
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


class _Stop(Exception):
    def __init__(self, rule: Check, message: str, mark: Mark, hint: str | None = None) -> None:
        super().__init__(message)
        self.rule, self.message, self.mark, self.hint = rule, message, mark, hint


def _mark(event: Any) -> Mark:
    m = event.start_mark
    return (m.line + 1, m.column + 1)


def _scalar(event: Any) -> Any:
    tag = event.tag
    text = event.value
    if tag in (None, "!"):
        plain_implicit = event.implicit[0] if event.implicit else False
        return _resolve_plain(text) if plain_implicit and event.style in (None, "") else text
    kind = _STD_TAGS.get(tag)
    if kind == "str":
        return text
    value = _resolve_plain(text)
    expected = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}.get(kind or "")
    if expected is None or not isinstance(value, expected) or (kind == "int" and isinstance(value, bool)):
        raise _Stop(
            YAML_TAG,
            f"tag {tag!r} cannot be applied to {text!r}",
            _mark(event),
            "remove the tag; ecsform reads plain YAML 1.2 values",
        )
    return float(value) if kind == "float" else value


def _build(events: Iterator[Any]) -> Node | None:
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
                raise _Stop(YAML_KEY, "a mapping key must be a plain value, not a mapping or a list", node.mark)
            key = node.value
            if not isinstance(key, str):
                raise _Stop(YAML_KEY, f"mapping key {key!r} is not a string", node.mark, "quote the key")
            if key in parent.value:
                first = parent.value[key].key_mark
                raise _Stop(
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
                raise _Stop(YAML_TAG, f"unsupported tag {ev.tag!r}", _mark(ev), "remove the tag")
            if len(stack) >= MAX_DEPTH:
                raise _Stop(
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
                raise _Stop(YAML_SYNTAX, f"unknown alias *{ev.anchor}", _mark(ev))
            size = _size(target, MAX_NODES - count)
            count += size
            if count > MAX_NODES:
                raise _Stop(
                    YAML_TOO_LARGE,
                    f"aliases expand to more than {MAX_NODES} values",
                    _mark(ev),
                    "anchors and aliases may share values, not multiply them",
                )
            add(_copy(target, _mark(ev)), None, ev)
        elif name == "DocumentStartEvent":
            documents += 1
            if documents > 1:
                raise _Stop(
                    YAML_MULTI_DOC,
                    "a spec file holds one document; found a second",
                    _mark(ev),
                    "split the documents into separate files; for one task in several environments, `ecsform "
                    "import --environments dev=dev.yaml,prod=prod.yaml` makes one spec with overlays",
                )
        if count > MAX_NODES:
            raise _Stop(YAML_TOO_LARGE, f"more than {MAX_NODES} values", _mark(ev))
    return root


_NO_KEY = object()


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


_yaml = YAML(typ="safe", pure=False)


def _position(text: str, index: int) -> Mark:
    line = text.count("\n", 0, index) + 1
    return (line, index - (text.rfind("\n", 0, index) + 1) + 1)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indentation_hint(text: str, line: int) -> str | None:
    """What is wrong with the indentation of `line` (1-based), said in columns, or None when it looks right."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    bad = lines[line - 1]
    m = _indent(bad)
    above = [
        (i, text_)
        for i, text_ in enumerate(lines[: line - 1], 1)
        if text_.strip() and not text_.lstrip().startswith("#")
    ]
    if not above:
        return None
    p_no, p = above[-1]
    if p.rstrip().endswith(":") and m <= _indent(p):
        key = p.strip()[:-1].lstrip("- ").strip()
        return (
            f"`{key}:` at line {p_no} has nothing after the colon, so its value goes on the lines below it, "
            f"indented more than it (more than {_indent(p)} spaces; line {line} has {m})"
        )
    keys: dict[int, int] = {}  # column -> line, for the keys of the mappings line `line` may belong to
    dashes: dict[int, int] = {}  # column of a list item's `- ` -> its line
    floor = None
    for no, text_ in reversed(above):
        i = _indent(text_)
        if floor is not None and i > floor:
            continue
        floor = i
        if text_.lstrip().startswith("- "):
            dashes.setdefault(i, no)
            keys.setdefault(i + 2, no)
        else:
            keys.setdefault(i, no)
    if m in dashes and not bad.lstrip().startswith("-"):
        return (
            f"line {line} starts at column {m + 1}, where the `- ` of the list item at line {dashes[m]} is: a "
            f"field of that item lines up with its first key, at column {m + 3}"
        )
    if m not in keys:
        columns = ", ".join(str(c + 1) for c in sorted(keys))
        return (
            f"line {line} starts at column {m + 1}, but the keys around it start at columns {columns}: line it up "
            "with the keys of the mapping it belongs to (YAML reads the structure from the indentation)"
        )
    return None


def _decode(data: bytes, file: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")
        line, col = _position(good, len(good))
        raise EcsformError(
            [
                YAML_ENCODING.finding(
                    f"invalid UTF-8 byte 0x{data[exc.start]:02x}",
                    hint="save the file as UTF-8",
                    file=file,
                    mark=(line, col),
                )
            ]
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _check_json(text: str, file: str) -> None:
    def reject(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    try:
        json.loads(text, parse_constant=reject)
    except json.JSONDecodeError as exc:
        known = _json_problem(text)
        if known is not None:
            message, (line, col), hint = known
            raise EcsformError([JSON_SYNTAX.finding(message, hint=hint, file=file, mark=(line, col))])
        raise EcsformError(
            [
                JSON_SYNTAX.finding(
                    exc.msg,
                    hint="a .json spec must be strict JSON; rename it to .yaml for YAML syntax",
                    file=file,
                    mark=(exc.lineno, exc.colno),
                )
            ]
        )
    except ValueError as exc:
        raise EcsformError([JSON_SYNTAX.finding(str(exc), file=file, mark=(1, 1))])


def _without_comments(text: str) -> tuple[str, int | None]:
    """The text with `//` and `/* */` comments outside strings blanked (newlines kept, so positions stay), and the
    index of the first comment (None when there is none)."""
    out = list(text)
    first = None
    i, n, in_string = 0, len(text), False
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif text.startswith("//", i) or text.startswith("/*", i):
            if text[i + 1] == "/":  # to the end of the line
                end = text.find("\n", i)
                end = n if end == -1 else end
            else:  # to the closing */
                close = text.find("*/", i + 2)
                end = n if close == -1 else close + 2
            first = i if first is None else first
            for j in range(i, end):
                if out[j] != "\n":
                    out[j] = " "
            i = end
            continue
        i += 1
    return "".join(out), first


def _json_problem(text: str) -> tuple[str, Mark, str] | None:
    """What a person pasted into a .json file that JSON does not allow, said plainly: comments, and several
    documents one after the other (the seed's Example 4). None when it is some other syntax error."""
    clean, comment = _without_comments(text)
    starts = []
    decoder = json.JSONDecoder()
    i = 0
    while True:
        while i < len(clean) and clean[i] in " \t\r\n":
            i += 1
        if i >= len(clean):
            break
        try:
            _, end = decoder.raw_decode(clean, i)
        except json.JSONDecodeError:
            break
        starts.append(i)
        i = end
    several = len(starts) > 1
    if comment is None and not several:
        return None
    parts, where = [], []
    if comment is not None:
        line, col = _position(text, comment)
        parts.append(f"line {line} holds a comment, which JSON does not allow")
        where.append((line, col))
    if several:
        line, col = _position(text, starts[1])
        parts.append(
            f"a second JSON document starts at line {line}" + (f" (there are {len(starts)})" if len(starts) > 2 else "")
        )
        where.append((line, col))
    message = "; ".join(parts)
    if several:
        hint = (
            "a spec file holds one task definition: put each document in a file of its own (dev.json, prod.json) "
            "and run `ecsform import --environments dev=dev.json,prod=prod.json --out spec.yaml` for one "
            "spec with an overlay per environment"
        )
        if comment is not None:
            hint += ", and leave the comments out (JSON has none; YAML specs take # comments)"
    else:
        hint = "remove the comments, or write the spec as YAML (.yaml), where # starts a comment"
    return message, min(where), hint


# Characters JSON allows raw inside strings but YAML does not keep as they are (DEL, C1 controls, non-characters,
# and NEL, LS, PS, which YAML folds as line breaks): a strict JSON
# file is re-written with them escaped (they can only be inside strings) before the YAML parser reads it.
_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")


# --- strict JSON without the YAML parser ----------------------------------------------------------------------
# A .json spec is decoded by json (C) and its tokens found by one regex, into the very nodes (values, lines and
# columns) that libyaml's events give `_build` for the same text: most specs are JSON (describe output, generated
# files), and this reads them in a fraction of the time. Wherever the two could differ, or the file is anything but
# an ordinary JSON object, `_json_tree` gives up (None) and the YAML path reads the file and words any error.
# It gives up on: the characters YAML does not keep as they are (_NOT_YAML_PRINTABLE, which the YAML path escapes
# first), surrogate escapes (libyaml refuses them), a carriage return not followed by a line feed (a line break of
# its own in YAML), tabs outside the top-level object (YAML's block context refuses them; inside, in its flow
# context, they separate tokens as in JSON), a key whose colon is on a later line or far from it (libyaml's simple
# keys span one line of at most 1024 characters), duplicate keys, nesting beyond MAX_DEPTH.
_NOT_YAML_PRINTABLE_OR_BREAK = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # (or a backslash escaped before `u`: giving up is safe)
_LONE_CR = re.compile("\r(?!\n)")
_KEY_BREAK = re.compile('"[ \t\r]*\n[ \t\r\n]*:')  # a key's closing quote, a line break, its colon
# each key and value of a valid JSON text, in order: the start of an object or array, a string, a number or literal
_JSON_TOKEN = re.compile(r'[{\[]|"[^"\\]*(?:\\.[^"\\]*)*"|[-+.\w]+')
_JSON_BREAK = re.compile("\n")
_JSON_KEY_SPAN = 200  # characters from a key's quote to its value (a simple key's limit is 1024, in bytes or not)


class _GiveUp(Exception):
    pass


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_awkward(text: str) -> bool:
    """True where libyaml might read this JSON text otherwise than JSON does (see above)."""
    head = text.lstrip(" \n\r")
    return (
        not head.startswith("{")
        or "\t" in text[text.rfind("}") :]
        or (not text.isascii() and _NOT_YAML_PRINTABLE_OR_BREAK.search(text) is not None)
        or ("\\u" in text and _SURROGATE_ESCAPE.search(text) is not None)
        or ("\r" in text and _LONE_CR.search(text) is not None)
        or ("\n" in text and _KEY_BREAK.search(text) is not None)
    )


def _json_tree(text: str) -> Node | None:
    """The node tree of a strict JSON object, exactly as `_build(_yaml.parse(text))` makes it; None when the
    text is anything else, or where the YAML path might read it differently (that path then decides)."""
    if _json_awkward(text):
        return None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    if type(data) is not dict:
        return None
    starts = [m.start() for m in _JSON_TOKEN.finditer(text)]
    if len(starts) > MAX_NODES:
        return None
    breaks = [m.start() for m in _JSON_BREAK.finditer(text)]
    if breaks:
        marks = []
        for i in starts:
            line = bisect_right(breaks, i)
            marks.append((line + 1, i - breaks[line - 1]) if line else (1, i + 1))
    else:
        marks = [(1, i + 1) for i in starts]
    at = 0  # the next token

    def node(value: Any, key_mark: Mark | None, depth: int) -> Node:
        nonlocal at
        mark = marks[at]
        at += 1
        kind = type(value)
        if kind is dict:
            if depth >= MAX_DEPTH:
                raise _GiveUp
            items = {}
            for k, v in value.items():
                if starts[at + 1] - starts[at] > _JSON_KEY_SPAN:
                    raise _GiveUp
                at += 1
                items[k] = node(v, marks[at - 1], depth + 1)
            return Node(items, mark, key_mark)
        if kind is list:
            if depth >= MAX_DEPTH:
                raise _GiveUp
            return Node([node(v, None, depth + 1) for v in value], mark, key_mark)
        return Node(value, mark, key_mark)

    try:
        root = node(data, None, 0)
    except (_GiveUp, IndexError):  # (IndexError: fewer tokens than values, which JSON never has)
        return None
    return root if at == len(starts) else None  # (more tokens than values: a key written twice)


def load_text(text: str, file: str, *, strict_json: bool = False) -> Node:
    """Parse text into a node tree; raise EcsformError with one located finding on failure."""
    if strict_json:
        fast = _json_tree(text)
        if fast is not None:
            return fast
    return load_yaml(text, file, strict_json=strict_json)


def load_yaml(text: str, file: str, *, strict_json: bool = False) -> Node:
    """`load_text` through libyaml's events, whatever the text (what a .json file's fast path must equal)."""
    if strict_json:
        _check_json(text, file)
        text = _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    try:
        root = _build(_yaml.parse(text))
    except _Stop as stop:
        raise EcsformError([stop.rule.finding(stop.message, hint=stop.hint, file=file, mark=stop.mark)])
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        hint = None
        if "unexpected ':'" in message:
            hint = "inside [ ] or { }, quote values that contain ':' (ARNs, for example)"
        elif "mapping values are not allowed" in message:
            hint = "quote a value that contains ': ', or check the indentation of the line before"
        elif "found character '\\t'" in message or "found character '\t'" in message:
            hint = "YAML indents with spaces, not tabs"
        elif any(s in message for s in ("expected '-' indicator", "did not find expected key", "expected <block end>")):
            hint = _indentation_hint(text, line)
            if hint is not None:
                message = f"the indentation of line {line} does not fit the lines above it (YAML parser: {message})"
        raise EcsformError([YAML_SYNTAX.finding(message, hint=hint, file=file, mark=(line, col))])
    except YAMLError as exc:  # reader errors: control characters and the like
        line, col = 1, 1
        pos = getattr(exc, "position", None)
        if isinstance(pos, int):
            line, col = _position(text, min(pos, len(text)))
        raise EcsformError([YAML_SYNTAX.finding(str(exc).splitlines()[0], file=file, mark=(line, col))])
    if root is None or root.value is None:
        raise EcsformError(
            [
                SPEC_EMPTY.finding(
                    "the file holds no spec",
                    hint="a spec is a mapping with at least `family` and `containerDefinitions`",
                    file=file,
                    mark=(1, 1),
                )
            ]
        )
    if type(root.value) is not dict:
        kind = "a list" if type(root.value) is list else f"a {type(root.value).__name__}"
        raise EcsformError(
            [
                SPEC_NOT_MAPPING.finding(
                    f"the top level is {kind}, not a mapping",
                    hint="write the task definition's fields at the top level: family, containerDefinitions, ...",
                    file=file,
                    mark=(root.mark[0], root.mark[1]),
                )
            ]
        )
    return root


def load_file(path: str | FsPath, display: str | None = None) -> Node:
    """Read and parse one spec file. `display` is the name used in messages (defaults to the path as given)."""
    path = FsPath(path)
    file = display or str(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise EcsformError([SPEC_READ.finding(f"cannot read the file: {exc.strerror or exc}", file=file, mark=(1, 1))])
    if len(data) > MAX_BYTES:
        raise EcsformError(
            [
                SPEC_TOO_LARGE.finding(
                    f"the file is larger than {MAX_BYTES // 1024} KiB; a task definition is at most 64 KiB",
                    hint="split it into one spec per service",
                    file=file,
                    mark=(1, 1),
                )
            ]
        )
    text = _decode(data, file)
    if "\x00" in text:
        line, col = _position(text, text.index("\x00"))
        raise EcsformError(
            [YAML_ENCODING.finding("the file contains a NUL byte; it is not text", file=file, mark=(line, col))]
        )
    return load_text(text, file, strict_json=path.suffix.lower() == ".json")


SPEC_SUFFIXES = (".yaml", ".yml", ".json")
