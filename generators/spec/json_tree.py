"""Strict JSON without the YAML parser: the node tree of a .json spec, decoded by json (C) and its tokens found by
one regex, exactly as libyaml's events give yaml_tree.build for the same text (loader.load_yaml, which
tests/unit/test_loader_json.py compares it with)."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from typing import Any

from .nodes import Mark, Node
from .yaml_tree import MAX_DEPTH, MAX_NODES

# A .json spec is decoded by json (C) and its tokens found by one regex, into the very nodes (values, lines and
# columns) that libyaml's events give `yaml_tree.build` for the same text: most specs are JSON (describe output,
# generated files), and this reads them in a fraction of the time. Wherever the two could differ, or the file is
# anything but an ordinary JSON object, `json_tree` gives up (None) and the YAML path reads the file and words any
# error. It gives up on: the characters YAML does not keep as they are (loader's _NOT_YAML_PRINTABLE, which the YAML
# path escapes first), surrogate escapes (libyaml refuses them), a carriage return not followed by a line feed (a line
# break of its own in YAML), tabs outside the top-level object (YAML's block context refuses them; inside, in its flow
# context, they separate tokens as in JSON), a key whose colon is on a later line or far from it (libyaml's simple
# keys span one line of at most 1024 characters), duplicate keys, nesting beyond MAX_DEPTH.
_NOT_YAML_PRINTABLE_OR_BREAK = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # (or a backslash escaped before `u`: giving up is safe)
_LONE_CR = re.compile("\r(?!\n)")
_KEY_BREAK = re.compile('"[ \t\r]*\n[ \t\r\n]*:')  # a key's closing quote, a line break, its colon
# each key and value of a valid JSON text, in order: the start of an object or array, a string, a number or literal
# (possessive, and ASCII outside strings: json.loads took the text, so a number or literal is nothing else)
_JSON_TOKEN = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"|[{\[]|[-+.0-9A-Za-z_]++')
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
        or ((not text.isascii() or "\x7f" in text) and _NOT_YAML_PRINTABLE_OR_BREAK.search(text) is not None)
        or ("\\u" in text and _SURROGATE_ESCAPE.search(text) is not None)
        or ("\r" in text and _LONE_CR.search(text) is not None)
        or ("\n" in text and _KEY_BREAK.search(text) is not None)
    )


def json_tree(text: str) -> Node | None:
    """The node tree of a strict JSON object, exactly as `yaml_tree.build(_yaml.parse(text))` makes it; None when the
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
    reader = _Reader(starts, marks)
    try:
        root = reader.node(data, None, 0)  # (a dict: json_tree took nothing else)
    except (_GiveUp, IndexError):  # (IndexError: fewer tokens than values, which JSON never has)
        return None
    return root if reader.at == len(starts) else None  # (more tokens than values: a key written twice)


class _Reader:
    """The nodes of a decoded JSON text, each value given the mark of its token in turn (`at`: the next one). A
    class, not a nested function: a recursive closure holds itself through its cell, and so the marks too, until
    the collector finds the cycle (~100 objects of each spec for it to find)."""

    __slots__ = ("at", "marks", "starts")

    def __init__(self, starts: list[int], marks: list[Mark]) -> None:
        self.starts, self.marks, self.at = starts, marks, 0

    def node(self, value: Any, key_mark: Mark | None, depth: int) -> Node:
        # (a scalar child is made here, without a call of its own: most values are scalars)
        marks, starts = self.marks, self.starts
        at = self.at
        mark = marks[at]
        at += 1
        if depth >= MAX_DEPTH:
            raise _GiveUp
        if type(value) is dict:
            items = {}
            for k, v in value.items():
                if starts[at + 1] - starts[at] > _JSON_KEY_SPAN:
                    raise _GiveUp
                kind = type(v)
                if kind is dict or kind is list:
                    self.at = at + 1
                    items[k] = self.node(v, marks[at], depth + 1)
                    at = self.at
                else:
                    items[k] = Node(v, marks[at + 1], marks[at])
                    at += 2
            self.at = at
            return Node(items, mark, key_mark)
        seq = []
        for v in value:
            kind = type(v)
            if kind is dict or kind is list:
                self.at = at
                seq.append(self.node(v, None, depth + 1))
                at = self.at
            else:
                seq.append(Node(v, marks[at], None))
                at += 1
        self.at = at
        return Node(seq, mark, key_mark)
