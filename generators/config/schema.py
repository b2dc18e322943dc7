"""docs/config.schema.json: the JSON Schema of ecsform.yaml, from the model (whose fields carry the constraints the
loader checks, declared once in constraints.py)."""

from __future__ import annotations

import json
from typing import Any

from .model import ProjectConfig

SCHEMA_ID = "https://ecsform.dev/schemas/config.schema.json"


def schema() -> dict[str, Any]:
    body = ProjectConfig.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = body.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ecsform.yaml",
        **{k: v for k, v in body.items() if k != "title"},
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"
