"""A spec (plain dict) as YAML text that ecsform's loader and YAML 1.1 tools read back as written: hostile
strings quoted, multi-line strings as literal blocks, short lists of scalars on one line."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from ..spec.loader import _resolve_plain

if TYPE_CHECKING:  # ruamel.yaml is imported when a spec is written, not when ecsform starts
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.representer import BaseRepresenter
    from ruamel.yaml.resolver import VersionedResolver


@functools.lru_cache(maxsize=1)
def _resolvers() -> tuple[VersionedResolver, VersionedResolver]:
    from ruamel.yaml.resolver import VersionedResolver

    return VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2))


def misread(text: str) -> bool:
    """True when `text` written as a plain scalar would not be read back as this string: by ecsform's loader
    (YAML 1.2 core schema) or by a YAML 1.1 tool (yes, on, 0123, 12:30, <<...)."""
    from ruamel.yaml.nodes import ScalarNode

    if not isinstance(_resolve_plain(text), str):
        return True
    return any(not str(r.resolve(ScalarNode, text, (True, False))).endswith(":str") for r in _resolvers())


_SAFE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*\\Z")
_PRINTABLE = re.compile("[\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*\\Z")


def _literal_ok(text: str) -> bool:
    """A multi-line string that reads well as a `|` block and loads back exactly."""
    if "\n" not in text or not _PRINTABLE.match(text) or any(c in text for c in "\t\ufeff\u2028\u2029"):
        return False
    if text[0] in " \n" or text.endswith("\n\n"):
        return False
    return not any(line != line.rstrip(" ") for line in text.split("\n"))


def _scalar(value: object) -> object:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString, SingleQuotedScalarString

    if not isinstance(value, str):
        return value
    if "\n" in value:
        return LiteralScalarString(value) if _literal_ok(value) else DoubleQuotedScalarString(value)
    if not _SAFE.match(value):  # line breaks YAML 1.1 knows (NEL, LS, PS), BOM, controls: escaped
        return DoubleQuotedScalarString(value)
    if misread(value):
        return SingleQuotedScalarString(value)  # the emitter switches to double quotes where single cannot say it
    return value  # the emitter quotes what YAML syntax needs (": ", " #", leading spaces, indicators...)


FLOW_WIDTH = 72


def _flow_ok(items: list[object]) -> bool:
    """Short lists of one-line scalars read best on one line: [FARGATE], [CMD-SHELL, curl ...]."""
    if not all(isinstance(i, (str, int)) for i in items):
        return False
    if any(isinstance(i, str) and ("\n" in i or not i.isprintable()) for i in items):
        return False
    return sum(len(str(i)) + 4 for i in items) <= FLOW_WIDTH


def _flow_scalar(value: object) -> object:
    """A scalar inside [ ... ]: quoted when it holds a flow indicator or a colon (libyaml refuses `a:b` there)."""
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    if isinstance(value, str) and any(c in value for c in ":,[]{}#&*!|>'\"%@`?"):
        return SingleQuotedScalarString(value)
    return _scalar(value)


def _to_yaml_tree(value: object) -> object:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            key = _scalar(k)
            if not isinstance(key, str) or "\n" in k:
                from ruamel.yaml.scalarstring import DoubleQuotedScalarString

                key = DoubleQuotedScalarString(k)
            m[key] = _to_yaml_tree(v)
        return m
    if isinstance(value, list):
        if value and _flow_ok(value):
            seq = CommentedSeq([_flow_scalar(v) for v in value])
            seq.fa.set_flow_style()
            return seq
        return CommentedSeq([_to_yaml_tree(v) for v in value])
    return _scalar(value)


def _represent_null(representer: BaseRepresenter, _: None) -> ScalarNode:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")  # `family: null`, not `family:`


def dump_yaml(spec: dict[str, Any]) -> str:
    """A spec (plain dict) as YAML text: two-space indentation, lists of mappings as `- ` items, no line folding."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 100_000  # never fold a long string over several lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    yaml.default_flow_style = False
    yaml.representer.add_representer(type(None), _represent_null)
    buf = io.StringIO()
    yaml.dump(_to_yaml_tree(spec), buf)
    return buf.getvalue()
