"""A JSON Schema of the spec language, for editors (yaml-language-server, VS Code) and other tools.

Built from the same sources as the checks: the ECS fields from botocore's model, the shorthands from
shorthands.py, the x-ecsform block from the pydantic model, and `environments` as partial specs. The checks
remain the authority (they know cross-field rules a schema cannot say); the schema is there to help typing.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from .document import ENVIRONMENTS_KEY, SCHEMA_KEY
from .ecs_model import Shape, input_shape
from .extensions import KEY, Extension

SCHEMA_ID = "https://ecsform.dev/schemas/spec.schema.json"
_TAGS = re.compile(r"<[^>]+>")


def _doc(text: str) -> str | None:
    if not text:
        return None
    plain = html.unescape(_TAGS.sub("", text)).strip()
    first = re.split(r"(?<=[.!?])\s", plain, maxsplit=1)[0]
    return first[:300] or None


# Shorthands (see shorthands.py): where a hand-written form is accepted beside the native one.
def _shorthand(path: tuple[str, ...], native: dict[str, Any]) -> dict[str, Any]:
    if path in (("cpu",), ("memory",)):
        unit = "vCPU" if path == ("cpu",) else "GB"
        return {
            "anyOf": [
                native,
                {"type": "integer", "minimum": 0},
                {"type": "string", "description": f'units such as "1 {unit}"'},
            ]
        }
    if path in (("containerDefinitions", "*", "environment"), ("containerDefinitions", "*", "secrets")):
        return {
            "anyOf": [
                native,
                {"type": "object", "additionalProperties": {"type": "string"}, "description": "NAME: value shorthand"},
            ]
        }
    if path == ("containerDefinitions", "*", "portMappings", "*"):
        return {
            "anyOf": [native, {"type": "integer", "minimum": 0, "maximum": 65535, "description": "a container port"}]
        }
    return native


def _schema(shape: Shape, path: tuple[str, ...], partial: bool) -> dict[str, Any]:
    kind = shape.type
    if kind == "structure":
        props = {}
        for name, member in shape.members.items():
            sub = _schema(member, path + (name,), partial)
            doc = _doc(shape.member_doc(name))
            if doc:
                sub = {**sub, "description": doc}
            props[name] = sub
        out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
        if shape.required and not partial:
            out["required"] = list(shape.required)
        native = out
    elif kind == "list":
        native = {"type": "array", "items": _schema(shape.member, path + ("*",), partial)}
        if "max" in shape.raw:
            native["maxItems"] = shape.raw["max"]
    elif kind == "map":
        native = {"type": "object", "additionalProperties": _schema(shape.value, path + ("*",), partial)}
    elif kind == "string":
        native = {"type": "string"}
        if shape.enum:
            native["enum"] = list(shape.enum)
        for key, word in (("min", "minLength"), ("max", "maxLength")):
            if key in shape.raw:
                native[word] = shape.raw[key]
    elif kind in ("integer", "long"):
        native = {"type": "integer"}
        for key, word in (("min", "minimum"), ("max", "maximum")):
            if key in shape.raw:
                native[word] = shape.raw[key]
    elif kind == "boolean":
        native = {"type": "boolean"}
    elif kind in ("double", "float"):
        native = {"type": "number"}
    else:  # pragma: no cover - timestamps and blobs are not part of the input
        native = {}
    return _shorthand(path, native)


def build() -> dict[str, Any]:
    task = _schema(input_shape(), (), partial=False)
    overlay = _schema(input_shape(), (), partial=True)
    ext = Extension.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = ext.pop("$defs", {})
    defs["Extension"] = ext
    extra = {
        KEY: {"$ref": "#/$defs/Extension", "description": "ecsform's extensions (not ECS fields)."},
        SCHEMA_KEY: {"type": "string", "description": "The JSON Schema of this file (ignored by ecsform)."},
    }
    overlay["properties"] = {**overlay["properties"], KEY: extra[KEY]}
    defs["Overlay"] = overlay
    task["properties"] = {
        **task["properties"],
        **extra,
        ENVIRONMENTS_KEY: {
            "type": "object",
            "additionalProperties": {"$ref": "#/$defs/Overlay"},
            "description": "Overlays by environment name, merged onto the base.",
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ecsform spec",
        "description": "An ECS RegisterTaskDefinition input, with ecsform's shorthands, x-ecsform and environments.",
        **task,
        "$defs": dict(sorted(defs.items())),
    }


def text() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
