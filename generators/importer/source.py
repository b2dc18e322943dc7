"""The input of `ecsform import` (a file, or standard input) -> the native RegisterTaskDefinition input: read,
unwrapped from describe output, read-only fields, nulls and empties dropped, checked against the ECS API model."""

from __future__ import annotations

import sys
from typing import Any, Callable

from ..errors import Check, EcsformError, FieldPath, Finding, Severity
from ..rules.field_checks import SPEC_TYPE, SPEC_UNKNOWN_FIELD, check_structure
from ..spec import document as specs
from ..spec import ecosystem
from ..spec.ecosystem import WRAPPER_EXTRA, WRAPPER_KEY, read_only_fields
from ..spec.ecs_model import Shape, input_shape
from ..spec.loader import JSON_SYNTAX, MAX_BYTES, SPEC_READ, YAML_ENCODING, load_text
from ..spec.nodes import Node, SourceMap, from_plain, plain
from ..spec.shorthands import task_size
from .values import empty

# The findings this module raises (collected by the catalog: generators/rules).
IMPORT_INPUT = Check(
    "IMPORT-INPUT", Severity.ERROR, "import: the input is not a task definition (describe output or register input)."
)


E = Severity.ERROR

# Refused: the input does not have the shape of a task definition. Other model findings (a missing required
# field, an enum value this botocore does not know, a value out of range) are imported as they are and reported
# as warnings: `validate` reports them again on the spec, where they can be fixed.
REFUSED = frozenset({SPEC_UNKNOWN_FIELD.id, SPEC_TYPE.id})


def read_source(source: str, stdin: Callable[[], bytes] | None = None) -> tuple[object, SourceMap, str]:
    """Read a file (or `-`: standard input) holding JSON or YAML; return the plain document, its source map and
    the name findings use."""
    if source == "-":
        file = "<stdin>"
        data = (stdin or sys.stdin.buffer.read)()
    else:
        file = source
        try:
            with open(source, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise EcsformError(
                [SPEC_READ.finding(f"cannot read the file: {exc.strerror or exc}", file=file, mark=(1, 1))]
            )
    if len(data) > MAX_BYTES:
        raise EcsformError(
            [
                IMPORT_INPUT.finding(
                    f"the input is larger than {MAX_BYTES // 1024} KiB; a task definition is at most 64 KiB",
                    file=file,
                    mark=(1, 1),
                )
            ]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise EcsformError(
            [
                YAML_ENCODING.finding(
                    f"invalid UTF-8 byte 0x{data[exc.start]:02x}",
                    hint="save the file as UTF-8",
                    file=file,
                    mark=(line, 1),
                )
            ]
        )
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise EcsformError([_not_a_task("the input is empty", file)])
    looks_json = text.lstrip()[:1] in ("{", "[") or source.lower().endswith(".json")
    try:
        root = load_text(text, file, strict_json=looks_json)
    except EcsformError as exc:
        raise EcsformError(
            [
                Finding(
                    rule=f.rule,
                    severity=f.severity,
                    message=f.message,
                    path=f.path,
                    hint="the input must be JSON (or YAML), as the AWS CLI prints it",
                    file=f.file,
                    line=f.line,
                    col=f.col,
                )
                if f.rule == JSON_SYNTAX.id
                else f
                for f in exc.findings
            ]
        )
    doc, smap = plain(root, file)
    return doc, smap, file


def _not_a_task(message: str, file: str, mark: tuple[int, int] = (1, 1)) -> Finding:
    return IMPORT_INPUT.finding(
        message,
        hint="give the output of `aws ecs describe-task-definition` or a `register-task-definition --cli-input-json` input",
        file=file,
        mark=mark,
    )


def extract(doc: object, file: str = "<input>", smap: SourceMap | None = None) -> tuple[dict[str, Any], list[Finding]]:
    """The native RegisterTaskDefinition input in a describe/register document: read-only fields, nulls and
    empty lists or mappings dropped; cpu/memory unit strings converted as the spec loader converts them.

    Returns the task and warnings (model findings that do not stop the import). Raises EcsformError when the
    input is not a task definition, has fields the ECS model does not know, or values of the wrong type."""
    smap = smap or SourceMap(file)

    def at(path: FieldPath) -> tuple[int, int]:
        return smap.locate(path)

    if not isinstance(doc, dict):
        raise EcsformError([_not_a_task("the input is not a mapping", file, at(()))])
    prefix: FieldPath = ()
    if WRAPPER_KEY in doc:
        prefix = (WRAPPER_KEY,)
        extra = [k for k in doc if k != WRAPPER_KEY and k not in WRAPPER_EXTRA]
        if extra:
            raise EcsformError(
                [
                    SPEC_UNKNOWN_FIELD.finding(
                        f"unknown field {k!r} beside taskDefinition",
                        path=(k,),
                        hint=f"known fields here: {WRAPPER_KEY}, tags",
                        file=file,
                        mark=smap.locate((k,), key=True),
                    )
                    for k in extra
                ]
            )
        task = doc[WRAPPER_KEY]
        if not isinstance(task, dict):
            raise EcsformError([_not_a_task("taskDefinition is not a mapping", file, at(prefix))])
        task = dict(task)
        tags = doc.get("tags")
        if tags not in (None, []):
            if "tags" in task:
                raise EcsformError(
                    [_not_a_task("tags are given twice: beside and inside taskDefinition", file, at(("tags",)))]
                )
            task["tags"] = tags
    else:
        task = {k: v for k, v in doc.items() if k != specs.SCHEMA_KEY}  # an editor's annotation, not ECS
        if specs.EXTENSION_KEY in task or specs.ENVIRONMENTS_KEY in task:
            raise EcsformError(
                [_not_a_task("this is already an ecsform spec (it has x-ecsform or environments)", file, at(()))]
            )
    read_only = read_only_fields()
    for key in [k for k in task if k in read_only]:
        del task[key]
    # nulls, and the values that mean "not set" ("" in an optional enum), left out as the spec loader leaves them out
    task = plain(ecosystem.drop_unset(from_plain(task, (1, 1)), file)[0], file)[0]
    if "containerDefinitions" not in task:
        raise EcsformError([_not_a_task("not a task definition: there is no containerDefinitions", file, at(prefix))])

    def where(f: Finding) -> Finding:
        path = prefix + f.path if f.path[:1] != ("tags",) or WRAPPER_KEY not in doc else f.path
        line, col = smap.locate(path, key=f.at_key)
        return Finding(
            rule=f.rule,
            severity=f.severity,
            message=f.message,
            path=f.path,
            hint=f.hint,
            file=file,
            line=line,
            col=col,
            environment=None,
            at_key=f.at_key,
        )

    for size in ("cpu", "memory"):  # the spec's units and integers, as the spec loader converts them
        if isinstance(task.get(size), (str, int)) and not isinstance(task.get(size), bool):
            task[size] = task_size(Node(task[size], (1, 1)), size).value
    findings = [f for f in check_structure(task, input_shape(), ()) if not _null_finding(f)]
    refused = [where(f) for f in findings if f.rule in REFUSED]
    if refused:
        raise EcsformError(refused)
    warnings = [
        Finding(
            rule=f.rule,
            severity=Severity.WARNING,
            message=f.message,
            path=f.path,
            hint=f.hint or "imported as it is; `ecsform validate` reports it on the spec",
            file=f.file,
            line=f.line,
            col=f.col,
        )
        for f in map(where, findings)
    ]
    return prune(task), warnings


def _null_finding(f: Finding) -> bool:
    """A null value (JSON from Terraform and other tools) means unset: dropped, not refused."""
    return f.rule == SPEC_TYPE.id and f.message.endswith("got null")


# Empty mappings that mean something: `dockerVolumeConfiguration: {}` is a Docker volume with ECS's defaults
# (the canonical form writes them out), `efsVolumeConfiguration: {}` an EFS volume (missing its file system).
MEANINGFUL_EMPTY = frozenset({"dockerVolumeConfiguration", "efsVolumeConfiguration"})


def _keep_empty(key: str, path: FieldPath, shp: Shape | None) -> bool:
    """An empty list or mapping that is not the same as leaving the field out: one the model requires (validation
    tells `command: []` from no command) and the volume configurations above."""
    if shp is not None and key in shp.required:
        return True
    return len(path) == 2 and path[0] == "volumes" and isinstance(path[1], int) and key in MEANINGFUL_EMPTY


def prune(value: Any, shp: Shape | None = None, path: FieldPath = ()) -> Any:
    """Drop nulls, and fields holding an empty list or mapping, at any depth (what the canonical form drops too),
    but keep the empty values that mean something. An empty item of a list (`portMappings: [{}]`) stays: it is
    still an item (validation counts it, and the positions of the items after it stay the same)."""
    if shp is None and not path:
        shp = input_shape()
    if isinstance(value, dict):
        struct = shp if shp is not None and shp.type == "structure" else None
        out = {}
        for k, v in value.items():
            sub = (
                struct.members.get(k)
                if struct is not None
                else (shp.value if shp is not None and shp.type == "map" else None)
            )
            pruned = prune(v, sub, path + (k,))
            if pruned is not None and (not empty(pruned) or _keep_empty(k, path, struct)):
                out[k] = pruned
        return out
    if isinstance(value, list):
        item = shp.member if shp is not None and shp.type == "list" else None
        return [prune(v, item, path + (i,)) for i, v in enumerate(value) if v is not None]
    return value
