"""Read a spec file (YAML or JSON) into a tree of nodes that remember where every key and value was written.

The YAML event stream comes from libyaml (ruamel.yaml's C parser) and yaml_tree.py builds the nodes (nodes.py) from
it, bounded; a .json file takes json_tree.py's fast path where it gives the same tree. Here: the size cap before
parsing, invalid UTF-8 reported with its line and column, strict JSON for .json files, and every refusal or parser
error turned into one located finding (with parse_hints.py's plain words where it knows the mistake).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path as FsPath
from typing import Any, Iterable, Iterator

from ..errors import Check, EcsformError, Severity
from .json_tree import json_tree
from .nodes import Node
from .parse_hints import indentation_hint, json_problem, position
from .yaml_tree import YAML_SYNTAX, Refused, build

# The findings this module raises (collected by the catalog: generators/rules).
JSON_SYNTAX = Check("JSON-SYNTAX", Severity.ERROR, "A .json spec is not strict JSON.")
YAML_ENCODING = Check("YAML-ENCODING", Severity.ERROR, "The file is not UTF-8 text.")
SPEC_READ = Check("SPEC-READ", Severity.ERROR, "A spec file or folder cannot be read.")
SPEC_EMPTY = Check("SPEC-EMPTY", Severity.ERROR, "The spec file is empty.")
SPEC_NOT_MAPPING = Check("SPEC-NOT-MAPPING", Severity.ERROR, "The top level of the spec is not a mapping.")
SPEC_TOO_LARGE = Check("SPEC-TOO-LARGE", Severity.ERROR, "The spec file is larger than 1 MiB.")


MAX_BYTES = 1024 * 1024  # a registered task definition is at most 64 KiB; overlays multiply that a few times


@functools.cache
def _yaml() -> Any:
    """libyaml's parser (ruamel.yaml.clib's CParser), imported when a file first needs it: a run of .json specs that
    json_tree reads never imports ruamel.yaml (a fifth of a .json synth's start-up)."""
    from ruamel.yaml.cyaml import CParser

    return CParser


def _events(text: str) -> Iterator[Any]:
    """libyaml's events for a text. (Not ruamel.yaml's YAML.parse, which takes them from the same parser: it makes a
    loader class for every text, 0.16 ms and a reference cycle each, and keeps a record of every text it read.)"""
    parser = _yaml()(text)
    try:
        while parser.check_event():
            yield parser.get_event()
    finally:
        parser.dispose()


def _decode(data: bytes, file: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")
        line, col = position(good, len(good))
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
        known = json_problem(text)
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


# Characters JSON allows raw inside strings but YAML does not keep as they are (DEL, C1 controls, non-characters,
# and NEL, LS, PS, which YAML folds as line breaks): a strict JSON
# file is re-written with them escaped (they can only be inside strings) before the YAML parser reads it.
_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def before_fork(files: Iterable[FsPath]) -> None:
    """Make the YAML parser before worker processes fork, where any of `files` is not .json: they then inherit it
    instead of each importing ruamel.yaml."""
    if any(f.suffix.lower() != ".json" for f in files):
        _yaml()


def load_text(text: str, file: str, *, strict_json: bool = False) -> Node:
    """Parse text into a node tree; raise EcsformError with one located finding on failure."""
    if strict_json:
        fast = json_tree(text)
        if fast is not None:
            return fast
    return load_yaml(text, file, strict_json=strict_json)


def load_yaml(text: str, file: str, *, strict_json: bool = False) -> Node:
    """`load_text` through libyaml's events, whatever the text (what a .json file's fast path must equal)."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if strict_json:
        _check_json(text, file)
        text = _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    try:
        root = build(_events(text))
    except Refused as stop:
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
            hint = indentation_hint(text, line)
            if hint is not None:
                message = f"the indentation of line {line} does not fit the lines above it (YAML parser: {message})"
        raise EcsformError([YAML_SYNTAX.finding(message, hint=hint, file=file, mark=(line, col))])
    except YAMLError as exc:  # reader errors: control characters and the like
        line, col = 1, 1
        pos = getattr(exc, "position", None)
        if isinstance(pos, int):
            line, col = position(text, min(pos, len(text)))
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


def load_file(path: str | FsPath, display: str | None = None, data: bytes | None = None) -> Node:
    """Read and parse one spec file. `display` is the name used in messages (defaults to the path as given);
    `data`, the file's bytes where the caller has read them already."""
    path = FsPath(path)
    file = display or str(path)
    if data is None:
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise EcsformError(
                [SPEC_READ.finding(f"cannot read the file: {exc.strerror or exc}", file=file, mark=(1, 1))]
            )
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
        line, col = position(text, text.index("\x00"))
        raise EcsformError(
            [YAML_ENCODING.finding("the file contains a NUL byte; it is not text", file=file, mark=(line, col))]
        )
    return load_text(text, file, strict_json=path.suffix.lower() == ".json")


SPEC_SUFFIXES = (".yaml", ".yml", ".json")
