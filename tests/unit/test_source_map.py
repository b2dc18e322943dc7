"""A variant's source map (nodes.TreeMap) finds each path's place by walking the node tree when a finding asks; it
must say what the map of every path (SourceMap, built by listing the whole tree) says, for every path written and
for the paths findings name beyond them (a missing field, an index past the end, a path under a scalar, a path
outside the prefix)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

from generators.errors import EcsformError
from generators.spec import document, loader, nodes
from generators.spec.nodes import SourceMap, TreeMap

SPECS = sorted(
    p
    for folder in (REPO / "specs", FIXTURES / "valid", FIXTURES / "features", FIXTURES / "invalid")
    for p in folder.rglob("*")
    if p.suffix in (".json", ".yaml", ".yml")
)


def _odd_paths(paths: list[tuple]) -> list[tuple]:
    beyond = [p + extra for p in paths for extra in (("nope",), (999,), (-1,), (True,), (0, "x"))]
    return beyond + [(), ("environments",), ("environments", "prod", "cpu"), ("x-ecsform", "ignore", 0, "rule")]


def _same(tree: TreeMap) -> int:
    listed = SourceMap(tree.file, dict(tree.values), dict(tree.keys))
    paths = list(listed.values)
    for path in paths + _odd_paths(paths):
        for key in (False, True):
            assert tree.locate(path, key=key) == listed.locate(path, key=key), (tree.file, path, key)
    return len(paths)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_each_variant_locates_as_the_listed_map(path: Path) -> None:
    try:
        variants = document.variants(document.read(path))
    except EcsformError:
        return  # (a spec that does not load has no variant to locate in)
    for v in variants:
        assert isinstance(v.smap, TreeMap)
        assert _same(v.smap) > 0


@pytest.mark.parametrize("prefix", [(), ("x-ecsform", "policy"), ("environments", "dev")])
def test_a_prefixed_tree_locates_as_the_listed_map(prefix: tuple) -> None:
    root = loader.load_text('{"a": {"b": [1, {"c": 2}]}, "d": 3}', "t.json", strict_json=True)
    data, tree = nodes.plain(root, "t.json", prefix)
    assert data == {"a": {"b": [1, {"c": 2}]}, "d": 3}
    assert isinstance(tree, TreeMap)
    _same(tree)
    assert tree.locate(("elsewhere",)) == (1, 1)  # (outside the prefix, or the root itself at (1, 1))
    assert tree.locate(prefix + ("a", "b", 1, "c")) == (1, 23)
    assert tree.locate(prefix + ("a", "b", 1, "c"), key=True) == (1, 18)
    assert tree.locate(prefix + ("a", "b", 7)) == (1, 13)  # past the end: the list


def test_equal_maps_compare_equal() -> None:
    text = '{"a": [1, 2]}'
    one = nodes.plain(loader.load_text(text, "t.json", strict_json=True), "t.json")[1]
    two = nodes.plain(loader.load_text(text, "t.json", strict_json=True), "t.json")[1]
    other = nodes.plain(loader.load_text('{"a": [1, 3, 4]}', "t.json", strict_json=True), "t.json")[1]
    assert one == two and one != other
