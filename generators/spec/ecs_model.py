"""The ECS API model that botocore ships (`botocore/data/ecs/<version>/service-2.json.gz`).

Read straight from botocore's data directory, without importing botocore (whose import pulls in urllib3 and
costs a quarter of a second). Field names, types, enums and required members all come from here, so the
spec language follows the real `RegisterTaskDefinition` input and never a hand-copied list.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import os
from typing import Any

OPERATION = "RegisterTaskDefinition"


@functools.lru_cache(maxsize=1)
def service_model() -> dict[str, Any]:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - botocore is a dependency
        raise RuntimeError("botocore is not installed")
    root = os.path.join(list(spec.submodule_search_locations)[0], "data", "ecs")
    version = sorted(os.listdir(root))[-1]
    folder = os.path.join(root, version)
    for name in ("service-2.json.gz", "service-2.json"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as fh:
                return json.loads(fh.read())
    raise RuntimeError(f"no ECS service model under {folder}")  # pragma: no cover


class Shape:
    """A read-only view of one shape of the model (its parts resolved once: the field checks walk every value of
    every spec through these)."""

    __slots__ = ("name", "raw", "type", "enum", "required", "_members", "_member", "_key", "_value")

    def __init__(self, name: str, raw: dict[str, Any]) -> None:
        self.name = name
        self.raw = raw
        self.type: str = raw["type"]
        self.enum: list[str] | None = raw.get("enum")
        self.required: list[str] = raw.get("required", [])
        self._members: dict[str, Shape] | None = None
        self._member: Shape | None = None
        self._key: Shape | None = None
        self._value: Shape | None = None

    @property
    def doc(self) -> str:
        return self.raw.get("documentation", "")

    @property
    def members(self) -> dict[str, "Shape"]:
        if self._members is None:
            self._members = {k: shape(v["shape"]) for k, v in self.raw.get("members", {}).items()}
        return self._members

    def member_doc(self, name: str) -> str:
        return self.raw["members"][name].get("documentation", "")

    @property
    def member(self) -> "Shape":
        if self._member is None:
            self._member = shape(self.raw["member"]["shape"])
        return self._member

    @property
    def key(self) -> "Shape":
        if self._key is None:
            self._key = shape(self.raw["key"]["shape"])
        return self._key

    @property
    def value(self) -> "Shape":
        if self._value is None:
            self._value = shape(self.raw["value"]["shape"])
        return self._value

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Shape({self.name})"


@functools.lru_cache(maxsize=None)
def shape(name: str) -> "Shape":
    return Shape(name, service_model()["shapes"][name])


def input_shape(operation: str = OPERATION) -> "Shape":
    return shape(service_model()["operations"][operation]["input"]["shape"])


def container_shape() -> "Shape":
    return input_shape().members["containerDefinitions"].member
