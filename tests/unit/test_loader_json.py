"""The loader's fast path for .json specs (json's decoder and a token regex instead of libyaml's events) gives the
very nodes the YAML path gives: the same values of the same types, every line and column of every key and value;
and where the two might differ it steps aside, so that the YAML path reads the file and words its error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from generators.errors import EcsformError
from generators.spec import loader
from generators.spec.json_tree import json_tree
from generators.spec.nodes import Node


def tree(node: Node) -> Any:
    """A node tree as plain data: each value with its type, its mark and its key's mark."""
    v = node.value
    if type(v) is dict:
        v = {k: tree(c) for k, c in v.items()}
    elif type(v) is list:
        v = [tree(c) for c in v]
    else:
        v = (type(v).__name__, repr(v))
    return (v, node.mark, node.key_mark)


def outcome(read: Any, text: str) -> Any:
    try:
        return tree(read(text, "x.json", strict_json=True))
    except EcsformError as exc:
        return [(f.rule, f.message, f.line, f.col) for f in exc.findings]


def same_as_yaml(text: str) -> bool:
    """Asserts the fast path equals the YAML path on `text` when it reads it; True when it did."""
    fast = json_tree(text)
    if fast is not None:
        assert tree(fast) == outcome(loader.load_yaml, text), text
    assert outcome(loader.load_text, text) == outcome(loader.load_yaml, text)
    return fast is not None


JSON_FILES = sorted([*REPO.joinpath("specs").glob("*.json"), *FIXTURES.rglob("*.json")], key=lambda p: p.as_posix())


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_bundled_json_reads_the_same_and_fast(path: Path) -> None:
    text = loader._decode(path.read_bytes(), str(path))
    try:
        json.loads(text)
    except ValueError:
        assert not same_as_yaml(text)  # not JSON: the YAML path words the error
        return
    assert same_as_yaml(text)


EDGES = {
    "tabs inside": '{\n\t"family": "a",\n\t"cpu": [1,\t2]\n}\n',
    "tab before": '\t{"family": "a"}',
    "tab after": '{"family": "a"}\n\t\n',
    "crlf": '{\r\n  "family": "a",\r\n  "x": {"y": [true, null, -0.5e3]}\r\n}\r\n',
    "lone cr": '{"family": "a",\r"x": 1}',
    "non-ascii": '{"é": "ü😀", "b": "x\ufeffy", "c": ["\\u00e9", "\\u2028"]}',
    "nel": '{"family": "a\x85b"}',
    "line separator": '{"family": "a\u2028b"}',
    "surrogate escape": '{"family": "\\ud83d\\ude00"}',
    "escaped backslash before u": '{"family": "\\\\ud83d"}',
    "nul escape": '{"family": "a\\u0000b"}',
    "escapes": '{"family": "\\" \\\\ \\/ \\b \\f \\n \\r \\t"}',
    "colon on the next line": '{"family"\n: "a"}',
    "value on the next line": '{"family":\n "a"}',
    "long key": '{"' + "k" * 1500 + '": 1}',
    "a key of 190": '{"' + "k" * 190 + '": 1}',
    "duplicate key": '{"family": "a", "family": "b"}',
    "numbers": '{"a": [0, -0, 1e5, 1E+5, 1.5e-3, -12.25, 123456789012345678901234567890, 1E400]}',
    "too many digits": '{"a": ' + "9" * 5000 + "}",
    "nan": '{"a": NaN}',
    "infinity": '{"a": -Infinity}',
    "trailing comma": '{"a": [1, 2,]}',
    "trailing garbage": '{"a": 1} x',
    "two documents": '{"a": 1}\n{"b": 2}',
    "comment": '{"a": 1 // one\n}',
    "top-level list": "[1, 2]",
    "top-level string": '"family"',
    "empty": "",
    "empty object": "{}",
    "empty collections": '{"a": {}, "b": [], "c": [{}, []]}',
    "deep": '{"a": ' + "[" * 63 + "]" * 63 + "}",
    "too deep": '{"a": ' + "[" * 64 + "]" * 64 + "}",
    "control character": '{"a": "x\x01y"}',
    "del in an ascii text": '{"\x7f": null}',  # (ASCII, yet the YAML path escapes it: columns move)
    "single quotes": "{'a': 1}",
    "bare key": "{a: 1}",
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_read_the_same(name: str) -> None:
    same_as_yaml(EDGES[name])


def test_the_fast_path_takes_what_it_can_and_leaves_the_rest() -> None:
    """It reads what both parsers read alike, and steps aside wherever they could differ (each case: the YAML
    path refuses it, reads it otherwise, or JSON does not allow it)."""
    taken = {name for name, text in EDGES.items() if json_tree(text) is not None}
    assert taken == {
        "tabs inside",
        "crlf",
        "non-ascii",
        "nul escape",
        "escapes",
        "value on the next line",
        "a key of 190",
        "numbers",
        "empty object",
        "empty collections",
        "deep",
    }  # ("escaped backslash before u": it gives up on any `\u` + D8-DF, escaped backslash or not)


SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text(max_size=6), VALUE, max_size=6),
    st.sampled_from([None, 0, 2, "\t", " \n "]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_any_json_object_reads_the_same(
    data: dict[str, Any], indent: Any, compact: bool, ascii: bool, crlf: bool
) -> None:
    separators = (",", ":") if compact else None
    text = json.dumps(data, indent=indent, separators=separators, ensure_ascii=ascii)
    if crlf:
        text = text.replace("\n", "\r\n")
    same_as_yaml(text)
