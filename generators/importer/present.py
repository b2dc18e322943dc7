"""A native task (or a part of one: an overlay) in the form a person writes: keys in a readable order, the spec
language's shorthands where loading them gives back exactly the native value (generators/spec/shorthands.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Iterable

from ..spec.ecs_model import Shape, input_shape
from ..spec.loader import Node
from ..spec.shorthands import task_size

TASK_HEAD = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "runtimePlatform",
    "ephemeralStorage",
    "pidMode",
    "ipcMode",
    "enableFaultInjection",
    "containerDefinitions",
)
TASK_TAIL = ("tags",)
CONTAINER_HEAD = ("name", "image", "essential")

_INTEGER = re.compile(r"^(0|[1-9][0-9]*)$")


def _ordered_keys(
    keys: Iterable[str], shp: Shape | None, head: tuple[str, ...] = (), tail: tuple[str, ...] = ()
) -> list[str]:
    keys = list(keys)
    model = list(shp.members) if shp is not None and shp.type == "structure" else []
    rank = {k: i for i, k in enumerate(head)}
    rank.update({k: len(head) + i for i, k in enumerate(m for m in model if m not in rank)})
    big = len(rank) + 1
    for i, k in enumerate(tail):
        rank[k] = big + len(keys) + i
    return sorted(keys, key=lambda k: (rank.get(k, big), keys.index(k)))


def _pairs_shorthand(items: object, value_key: str) -> dict[str, str] | None:
    """[{name: A, value: x}, ...] -> {A: x}, when every item is exactly a name and a string and names are unique."""
    if not isinstance(items, list) or not items:
        return None
    out: dict[str, str] = {}
    for item in items:
        if not (
            isinstance(item, dict)
            and set(item) == {"name", value_key}
            and isinstance(item["name"], str)
            and isinstance(item[value_key], str)
            and item["name"] not in out
        ):
            return None
        out[item["name"]] = item[value_key]
    return out


def _port_shorthand(item: object) -> object:
    if isinstance(item, dict) and set(item) == {"containerPort"} and type(item["containerPort"]) is int:
        return item["containerPort"]
    return item


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def size_shorthand(value: object, field: str) -> object:
    """Task cpu/memory as a person writes them ("0.5 vCPU", "2 GB", or a plain number), when loading the
    shorthand gives back exactly the same string; anything else is kept as it is."""
    if not isinstance(value, str) or not _INTEGER.match(value):
        return value
    n = int(value)
    candidates: list[Any] = []
    if field == "cpu" and n and n % 256 == 0:
        candidates.append(f"{_decimal_text(Decimal(n) / 1024)} vCPU")
    if field == "memory" and n and n % 512 == 0:
        candidates.append(f"{_decimal_text(Decimal(n) / 1024)} GB")
    candidates.append(n)
    for form in candidates:
        if task_size(Node(form, (1, 1)), field).value == value:
            return form
    return value  # pragma: no cover - the integer form always converts back


def present(value: Any, shp: Shape | None = None, level: str = "task") -> Any:
    """A native task (or a partial one: an overlay) in the form a person writes: readable key order, shorthands.
    `level` is "task", "container" or "" (any other value)."""
    if level == "task":
        shp = input_shape()
    if isinstance(value, dict):
        struct = shp if shp is not None and shp.type == "structure" else None
        if struct is None:  # a map: keys as they came, values by the map's value shape
            vshape = shp.value if shp is not None and shp.type == "map" else None
            return {k: present(v, vshape, "") for k, v in value.items()}
        if level == "task":
            keys = _ordered_keys(value, struct, TASK_HEAD, TASK_TAIL)
        elif level == "container":
            keys = _ordered_keys(value, struct, CONTAINER_HEAD)
        else:
            keys = _ordered_keys(value, struct)
        out: dict[str, Any] = {}
        for k in keys:
            v = value[k]
            sub = struct.members.get(k)
            if level == "task" and k in ("cpu", "memory"):
                out[k] = size_shorthand(v, k)
            elif level == "task" and k == "containerDefinitions" and isinstance(v, list):
                out[k] = [present(c, sub.member if sub else None, "container") for c in v]
            elif (
                level == "container"
                and k in ("environment", "secrets")
                and (pairs := _pairs_shorthand(v, "value" if k == "environment" else "valueFrom")) is not None
            ):
                out[k] = pairs
            elif level == "container" and k == "portMappings" and isinstance(v, list):
                out[k] = [_port_shorthand(present(p, sub.member if sub else None, "")) for p in v]
            else:
                out[k] = present(v, sub, "")
        return out
    if isinstance(value, list):
        item = shp.member if shp is not None and shp.type == "list" else None
        return [present(v, item, "") for v in value]
    return value


def to_spec(task: dict[str, Any]) -> dict[str, Any]:
    """One native task -> one spec (plain dict, keys in output order)."""
    return present(task)
