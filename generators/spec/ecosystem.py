"""Task definitions as the tools around ECS write them, read as the RegisterTaskDefinition input they stand for.

- describe-task-definition output, bare or wrapped (`{"taskDefinition": {...}, "tags": [...]}`, with boto3's
  `ResponseMetadata`): the wrapper is taken off (the tags beside it become the task's `tags`), and the read-only
  fields (taskDefinitionArn, revision, status, requiresAttributes, compatibilities, registeredAt, ...: what the
  TaskDefinition shape has and the RegisterTaskDefinition input does not) are left out, with one
  SPEC-DESCRIBE-OUTPUT note that names them and the `ecsform import` that writes the spec without them.
- `null`: not set, as the SDKs send an absent member (dropped at any depth of the ECS fields, silently; in an
  overlay `null` keeps its meaning, it removes the base's value).
- `""` in an optional enum member (pidMode, ipcMode, appProtocol, ...) or an optional ARN member (taskRoleArn,
  executionRoleArn), and `networkMode: default`: not set, with a SPEC-UNSET note at each. The Go SDK v2, which
  ecspresso and Copilot register with, leaves an empty enum out of the request (`if len(v.PidMode) > 0`), and the
  Terraform provider sends none of these when they are "" (`d.GetOk`); the ECS documentation calls the mode a task
  gets without networkMode "default" on Windows, and boto3 takes it as leaving networkMode out (docs/rule-audit.md).

Both are notes (the severity doctrine, docs/rule-audit.md): the file works as written, as every tool that registers
it reads it; what the note says is information (`ecsform validate --notes` lists them).

Both the spec loader (generators/spec/document.py) and `ecsform import` (generators/importer/source.py) read input
through these, so a file means the same to validate, synth, render and import.
"""

from __future__ import annotations

import functools
from typing import Any

from ..errors import Check, EcsformError, FieldPath, Finding, Severity
from .ecs_model import Shape, input_shape, shape
from .nodes import Node
from .yaml_tree import YAML_DUPLICATE_KEY

# The findings this module raises (collected by the catalog: generators/rules).
SPEC_DESCRIBE_OUTPUT = Check(
    "SPEC-DESCRIBE-OUTPUT",
    Severity.NOTE,
    (
        "describe-task-definition output: the taskDefinition wrapper and the read-only fields "
        "(taskDefinitionArn, revision, status, ...) are left out, in one note that names them (`ecsform "
        "import` writes the spec)."
    ),
)
SPEC_UNSET = Check(
    "SPEC-UNSET",
    Severity.NOTE,
    (
        'An empty string in an optional enum or ARN field, or networkMode "default": read as not set (a '
        "note: the Go SDK and the provider send nothing for it either)."
    ),
)


WRAPPER_KEY = "taskDefinition"
RESPONSE_METADATA = "ResponseMetadata"  # what boto3 adds to every response
WRAPPER_EXTRA = ("tags", RESPONSE_METADATA)  # beside the wrapper: the tags include=["TAGS"] returns, and boto3's
NETWORK_MODE_DEFAULT = "default"

N = Severity.NOTE  # information: the file works as written (docs/rule-audit.md)


@functools.lru_cache(maxsize=1)
def read_only_fields() -> frozenset[str]:
    """What describe-task-definition returns but RegisterTaskDefinition does not take (revision, status, ...)."""
    return frozenset(shape("TaskDefinition").members) - frozenset(input_shape().members)


def unset_reason(name: str, value: Any, member: Shape, required: bool, top: bool) -> str | None:
    """Why a written value means "not set" (the text of SPEC-UNSET), or None when it is a value."""
    if required or not isinstance(value, str):
        return None
    if value == "" and (member.enum is not None or name.endswith("Arn")):
        kind = "enum" if member.enum is not None else "ARN"
        return (
            f"{name} is empty: an empty optional {kind} field means not set (the Go SDK and the Terraform provider "
            "leave it out of the request), so ecsform leaves it out"
        )
    if top and name == "networkMode" and value == NETWORK_MODE_DEFAULT:
        return (
            "networkMode 'default' is what the ECS documentation calls the mode a task gets without networkMode "
            "(bridge on Linux, the default NAT network on Windows): ecsform leaves networkMode out, as ECS's API "
            "and the Terraform provider take no 'default'"
        )
    return None


def unwrap(root: Node, file: str) -> tuple[Node, list[Finding]]:
    """The task mapping of a spec file's top level: describe output's wrapper taken off and its read-only fields
    left out (one SPEC-DESCRIBE-OUTPUT note). Anything else is returned as it is."""
    items = dict(root.value)
    wrapped = items.get(WRAPPER_KEY)
    is_wrapped = wrapped is not None and wrapped.is_map and "containerDefinitions" not in items
    prefix: FieldPath = ()
    if is_wrapped:
        assert wrapped is not None
        prefix = (WRAPPER_KEY,)
        inner = dict(wrapped.value)
        beside = {k: v for k, v in items.items() if k not in (WRAPPER_KEY, RESPONSE_METADATA)}
        tags = beside.pop("tags", None)
        if tags is not None and tags.value not in (None, []):
            if "tags" in inner:
                raise EcsformError(
                    [
                        YAML_DUPLICATE_KEY.finding(
                            "tags are given twice: beside taskDefinition and inside it",
                            path=("tags",),
                            hint="keep one of them",
                            file=file,
                            mark=((tags.key_mark or tags.mark)[0], (tags.key_mark or tags.mark)[1]),
                            at_key=True,
                        )
                    ]
                )
            inner["tags"] = tags
        items = {**inner, **beside}
        root = Node(items, wrapped.mark, wrapped.key_mark)
    read_only = [k for k in items if k in read_only_fields()]
    if not is_wrapped and not read_only:
        return root, []
    parts = (["the taskDefinition wrapper"] if is_wrapped else []) + (
        [f"the read-only fields {', '.join(read_only)}"] if read_only else []
    )
    first = min((items[k].key_mark or items[k].mark for k in read_only), default=None)
    if first is None and wrapped is not None:
        first = wrapped.key_mark or wrapped.mark
    notice = SPEC_DESCRIBE_OUTPUT.finding(
        "this is describe-task-definition output: ecsform reads the task definition in it and leaves out "
        f"{' and '.join(parts)}, which RegisterTaskDefinition does not take",
        path=prefix + ((read_only[0],) if read_only else ()),
        hint=f"`ecsform import {file} --out SPEC.yaml` writes the spec without them",
        file=file,
        mark=((first or root.mark)[0], (first or root.mark)[1]),
        at_key=True,
    )
    return Node({k: v for k, v in items.items() if k not in read_only}, root.mark, root.key_mark), [notice]


def drop_unset(node: Node, file: str, environment: str | None = None) -> tuple[Node, list[Finding]]:
    """The ECS fields of a task (or of an overlay, `environment` given) without what means not set: nulls (in the
    base only: in an overlay a null removes the base's value) and the values `unset_reason` names (in an overlay
    they become nulls, so that they remove the base's value too)."""
    found: list[Finding] = []
    prefix: FieldPath = ("environments", environment) if environment is not None else ()
    out = _Unset(file, environment, found).walk(node, input_shape(), prefix, top=True) if node.is_map else node
    return out, found


class _Unset:
    """drop_unset's walk over one document. (A class, not a nested function: a recursive closure holds itself
    through its cell, a cycle left for the collector to find, with each spec.)"""

    __slots__ = ("environment", "file", "found")

    def __init__(self, file: str, environment: str | None, found: list[Finding]) -> None:
        self.file, self.environment, self.found = file, environment, found

    def walk(self, n: Node, shp: Shape | None, path: FieldPath, top: bool = False) -> Node:
        walk, environment = self.walk, self.environment
        v = n.value
        if type(v) is dict and shp is not None and shp.type == "structure":
            out: dict[str, Node] = {}
            members = shp.members
            for k, child in v.items():
                member = members.get(k)
                if member is None:
                    out[k] = child
                    continue
                value = child.value
                kind = type(value)
                if kind is dict or kind is list:
                    out[k] = walk(child, member, path + (k,))
                    continue
                if value is None:
                    if environment is None:
                        continue
                    out[k] = child
                    continue
                # (unset_reason names only "" and "default": any other scalar is a value, kept as it is)
                reason = (
                    unset_reason(k, value, member, k in shp.required, top)
                    if isinstance(value, str) and (not value or value == NETWORK_MODE_DEFAULT)
                    else None
                )
                if reason is None:
                    out[k] = child
                    continue
                self.found.append(
                    SPEC_UNSET.finding(
                        reason,
                        path=path + (k,),
                        hint=f"remove `{k}` from the spec",
                        file=self.file,
                        mark=(child.mark[0], child.mark[1]),
                        environment=environment,
                    )
                )
                if environment is not None:
                    out[k] = Node(None, child.mark, child.key_mark)
            return Node(out, n.mark, n.key_mark)
        if type(v) is dict and shp is not None and shp.type == "map":
            return Node({k: walk(c, shp.value, path + (k,)) for k, c in v.items()}, n.mark, n.key_mark)
        if type(v) is list and shp is not None and shp.type == "list":
            return Node([walk(c, shp.member, path + (i,)) for i, c in enumerate(v)], n.mark, n.key_mark)
        return n
