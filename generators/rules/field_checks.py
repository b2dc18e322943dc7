"""Field checks driven by the ECS API model: names, types, enums, required members and the model's own limits.

Every container field, every nested structure and every enum comes from botocore's model, so a new ECS field
is known to ecsform as soon as botocore knows it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from ..errors import Check, FieldPath, Finding, Severity
from ..spec.ecs_model import Shape, container_shape, input_shape
from ..text import did_you_mean, suggest

# The findings this module raises (collected by the catalog: generators/rules).
SPEC_UNKNOWN_FIELD = Check(
    "SPEC-UNKNOWN-FIELD", Severity.ERROR, "A field the ECS API does not have (with a did-you-mean)."
)
SPEC_TYPE = Check("SPEC-TYPE", Severity.ERROR, "A value of the wrong type for its ECS field.")
SPEC_ENUM = Check("SPEC-ENUM", Severity.ERROR, "A value outside the ECS API's enum for its field.")
SPEC_REQUIRED = Check("SPEC-REQUIRED", Severity.ERROR, "A field the ECS API requires is missing.")
SPEC_LIMIT = Check("SPEC-LIMIT", Severity.ERROR, "A value outside the length or range the ECS API model gives.")


E = Severity.ERROR

_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "long": "an integer",
    "boolean": "true or false",
    "list": "a list",
    "map": "a mapping",
    "structure": "a mapping",
    "double": "a number",
    "float": "a number",
    "timestamp": "a timestamp",
}


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__  # pragma: no cover


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("double", "float"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind in ("map", "structure"):
        return isinstance(value, dict)
    return True  # pragma: no cover - timestamps and blobs are not in the input


def _type_hint(kind: str, value: Any) -> str | None:
    if kind in ("integer", "long") and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return f"write {value.strip()} without quotes"
    if kind == "string" and isinstance(value, (bool, int, float)) and value is not None:
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        return f'quote it: "{shown}" (ECS takes this field as a string)'
    if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
        return "write true or false without quotes"
    if kind == "list" and not isinstance(value, list):
        return "wrap the value in a list: [ ... ]"
    return None


_SECONDS = re.compile(r"^\s*(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?)\s*$", re.IGNORECASE)
_MIB = re.compile(r"^\s*(\d+)\s*(m|mb|mib|g|gb|gib)\s*$", re.IGNORECASE)
# Integer fields ECS counts in seconds, and in MiB (the container's own; the task's cpu/memory take units).
_SECONDS_FIELDS = frozenset(
    {"interval", "timeout", "startPeriod", "stopTimeout", "startTimeout", "restartAttemptPeriod"}
)
_MIB_FIELDS = frozenset({"memory", "memoryReservation", "sharedMemorySize", "maxSwap"})


def _field_hint(path: FieldPath, kind: str, value: Any) -> str | None:
    """A hint for the mistakes people make in particular fields (checked before the generic type hint)."""
    field = next((p for p in reversed(path) if isinstance(p, str)), "")
    in_container = len(path) >= 2 and path[0] == "containerDefinitions"
    if in_container and len(path) == 4 and path[2] == "portMappings" and isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return (
                f"the portMappings shorthand takes integers: write {text} without quotes, or {{containerPort: {text}}}"
            )
        m = re.fullmatch(r"(?:(\d+):)?(\d+)(?:/(tcp|udp))?", text, re.IGNORECASE)
        if m:
            host, container, protocol = m.groups()
            parts = (
                [f"containerPort: {container}"]
                + ([f"hostPort: {host}"] if host else [])
                + ([f"protocol: {protocol.lower()}"] if protocol else [])
            )
            return f'ECS does not read Docker\'s "HOST:CONTAINER/PROTOCOL" form: write {{{", ".join(parts)}}}'
    if in_container and path[-2:] == ("healthCheck", "command") and isinstance(value, str):
        return (
            f"write {json.dumps(['CMD-SHELL', value])}: CMD-SHELL runs the string in the container's shell "
            '(or ["CMD", "executable", "arg", ...] runs it without one)'
        )
    if in_container and len(path) == 3 and field in ("command", "entryPoint") and isinstance(value, str):
        words = value.split()
        return (
            f"write a list: {json.dumps(words)} (ECS does not split a string into arguments; for the shell, "
            f"{json.dumps(['sh', '-c', value])})"
        )
    if kind in ("integer", "long") and isinstance(value, str):
        if field in _SECONDS_FIELDS and (m := _SECONDS.match(value)):
            seconds = int(m.group(1)) * (60 if m.group(2).lower().startswith("m") else 1)
            return f"ECS counts {field} in seconds, as a plain integer: write {seconds}"
        if in_container and field in _MIB_FIELDS and (m := _MIB.match(value)):
            mib = int(m.group(1)) * (1024 if m.group(2).lower().startswith("g") else 1)
            return f"ECS counts a container's {field} in MiB, as a plain integer: write {mib}"
    if (
        in_container
        and path[2:3] == ("environment",)
        and field == "value"
        and not isinstance(value, (list, dict))
        and value is not None
    ):
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        return f'environment values are strings: quote it, "{shown}" (the container reads every variable as text)'
    return None


def _misplaced_hint(name: str, path: FieldPath) -> str | None:
    """Container fields written at the task level, and task fields written inside a container."""
    if len(path) == 0 and name in container_shape().members:
        return f"{name!r} belongs to a container: write it under containerDefinitions[N].{name}"
    if (
        len(path) == 2
        and path[0] == "containerDefinitions"
        and name in input_shape().members
        and name not in container_shape().members
    ):
        return f"{name!r} is a task-level field: move it next to `family`"
    return None


def check_value(value: Any, shp: Shape, path: FieldPath) -> Iterator[Finding]:
    out: list[Finding] = []
    _check_value(value, shp, path, out)
    yield from out


def check_structure(value: dict[str, Any], shp: Shape, path: FieldPath) -> Iterator[Finding]:
    out: list[Finding] = []
    _check_structure(value, shp, path, out)
    yield from out


# The walk below visits every value of every spec: it appends to one list (no generator per value) and takes
# the plain types by their exact type first (what _type_ok says of them, without asking each isinstance).
_EXACT = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "double": (int, float),
    "float": (int, float),
    "list": (list,),
    "map": (dict,),
    "structure": (dict,),
}


_SCALARS = frozenset({"string", "integer", "long", "boolean", "double", "float"})
_UNCHECKED: dict[Shape, tuple[type, ...]] = {}  # (the model's shapes live as long as the process)


def _unchecked(shp: Shape) -> tuple[type, ...]:
    """The exact types of a value `_check_value` has nothing to say about at this shape (a scalar shape without
    enum or bounds, its value of its plain type); () when every value needs the check."""
    found = _UNCHECKED.get(shp)
    if found is None:
        raw = shp.raw
        simple = shp.type in _SCALARS and shp.enum is None and "min" not in raw and "max" not in raw
        found = _UNCHECKED[shp] = _EXACT[shp.type] if simple else ()
    return found


def _check_value(value: Any, shp: Shape, path: FieldPath, out: list[Finding]) -> None:
    kind = shp.type
    if value is None:
        out.append(
            SPEC_TYPE.finding(
                f"expected {_TYPE_WORDS.get(kind, kind)}, got null",
                path=path,
                hint="remove the field to leave it unset",
            )
        )
        return
    if type(value) not in _EXACT.get(kind, ()) and not _type_ok(kind, value):
        out.append(
            SPEC_TYPE.finding(
                f"expected {_TYPE_WORDS.get(kind, kind)}, got {describe(value)}",
                path=path,
                hint=_field_hint(path, kind, value) or _type_hint(kind, value),
            )
        )
        return
    if kind == "structure":
        _check_structure(value, shp, path, out)
        return
    raw = shp.raw
    if kind == "string":
        if shp.enum is not None and value not in shp.enum:
            close = suggest(value, shp.enum)
            out.append(
                SPEC_ENUM.finding(
                    f"{value!r} is not one of: {', '.join(shp.enum)}",
                    path=path,
                    hint=f"did you mean {close!r}?" if close else None,
                )
            )
        if "min" in raw and len(value) < raw["min"]:
            out.append(SPEC_LIMIT.finding(f"must be at least {raw['min']} character(s) long", path=path))
        if "max" in raw and len(value) > raw["max"]:
            out.append(SPEC_LIMIT.finding(f"must be at most {raw['max']} characters long (is {len(value)})", path=path))
    elif kind in ("integer", "long", "double", "float"):
        if "min" in raw and value < raw["min"]:
            out.append(SPEC_LIMIT.finding(f"{value} is below the minimum {raw['min']}", path=path))
        if "max" in raw and value > raw["max"]:
            out.append(SPEC_LIMIT.finding(f"{value} is above the maximum {raw['max']}", path=path))
    elif kind == "list":
        if "max" in raw and len(value) > raw["max"]:
            out.append(SPEC_LIMIT.finding(f"at most {raw['max']} entries are allowed (found {len(value)})", path=path))
        item = shp.member
        fine = _unchecked(item)
        for i, v in enumerate(value):
            if type(v) not in fine:
                _check_value(v, item, path + (i,), out)
    elif kind == "map":
        kshape, vshape = shp.key, shp.value
        for k, v in value.items():
            _check_value(k, kshape, path + (k,), out)
            _check_value(v, vshape, path + (k,), out)


# Members the API needs but the model does not mark required: a tag without a key, a proxy property without a
# name or value. (Container name and image are rules A6 and A8, with their own messages.)
_ALSO_REQUIRED: dict[tuple[str | None, str], tuple[str, ...]] = {
    ("Tag", "tags"): ("key",),
    ("KeyValuePair", "properties"): ("name", "value"),
}
_ALSO_REQUIRED_SHAPES = frozenset(name for name, _ in _ALSO_REQUIRED)  # (the field's name is looked up for these only)


def _check_structure(value: dict[str, Any], shp: Shape, path: FieldPath, out: list[Finding]) -> None:
    members = shp.members
    unchecked = _UNCHECKED
    for name, v in value.items():
        sub = members.get(name)
        if sub is None:
            hint = did_you_mean(name, list(members)) or _misplaced_hint(name, path)
            out.append(
                SPEC_UNKNOWN_FIELD.finding(
                    f"unknown field {name!r}",
                    path=path + (name,),
                    hint=hint or f"known fields here: {', '.join(members)}",
                    at_key=True,
                )
            )
            continue
        fine = unchecked.get(sub)
        if fine is None:
            fine = _unchecked(sub)
        if type(v) not in fine:
            _check_value(v, sub, path + (name,), out)
    required = shp.required
    also = (
        _ALSO_REQUIRED.get((shp.name, next((p for p in reversed(path) if isinstance(p, str)), "")), ())
        if shp.name in _ALSO_REQUIRED_SHAPES
        else ()
    )
    if required or also:
        for name in (*required, *also):
            if name not in value:
                out.append(
                    SPEC_REQUIRED.finding(
                        f"required field {name!r} is missing", path=path, hint=f"add `{name}`", at_key=bool(path)
                    )
                )


def check_task(task: dict[str, Any]) -> tuple[list[Finding], dict[str, Any]]:
    """Check the ECS fields of a spec (plain RegisterTaskDefinition input) against the API model.

    Returns the findings and a copy of the task without the values they name, so that the rules after this
    check only ever see well-typed values."""
    findings = list(check_structure(task, input_shape(), ()))
    bad = [f.path for f in findings if f.rule in _DROPPING]
    return findings, prune(task, bad) if bad else task


_DROPPING = frozenset({SPEC_TYPE.id, SPEC_ENUM.id, SPEC_UNKNOWN_FIELD.id})


def prune(value: Any, paths: list[FieldPath]) -> Any:
    """A copy of `value` without the given paths: keys are deleted, list items become None (so that the
    indices of the other items, and the paths in findings about them, stay right)."""
    drop = {tuple(p) for p in paths}

    def walk(v: Any, path: FieldPath) -> Any:
        if isinstance(v, dict):
            return {k: walk(x, path + (k,)) for k, x in v.items() if path + (k,) not in drop}
        if isinstance(v, list):
            return [None if path + (i,) in drop else walk(x, path + (i,)) for i, x in enumerate(v)]
        return v

    return walk(value, ())
