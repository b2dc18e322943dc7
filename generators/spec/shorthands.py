"""Shorthands for people who write YAML by hand, rewritten into the native RegisterTaskDefinition form.

Each shorthand is one small function on a node; the native form passes through untouched. Values are never
coerced: `DEBUG: true` in an environment mapping stays a boolean and the field check asks for quotes.

| shorthand                                   | native form                                        |
|---------------------------------------------|----------------------------------------------------|
| `environment: {NAME: value}`                | `environment: [{name: NAME, value: value}]`        |
| `secrets: {NAME: valueFrom}`                | `secrets: [{name: NAME, valueFrom: valueFrom}]`    |
| `portMappings: [8080]`                      | `portMappings: [{containerPort: 8080}]`            |
| task `cpu: 512`, `cpu: 0.5 vCPU`            | `cpu: "512"`                                       |
| task `memory: 1024`, `memory: 1 GB`         | `memory: "1024"`                                   |
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .nodes import Node

_CPU = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*vcpus?\s*$", re.IGNORECASE)
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(gb|gib|mb|mib)\s*$", re.IGNORECASE)


def _pairs(node: Node, value_key: str) -> Node:
    items = []
    for name, value in node.value.items():
        key_mark = value.key_mark or node.mark
        entry = {"name": Node(name, key_mark, key_mark), value_key: Node(value.value, value.mark, key_mark)}
        items.append(Node(entry, key_mark))
    return Node(items, node.mark, node.key_mark)


def _port(node: Node) -> Node:
    if type(node.value) is int:
        return Node({"containerPort": Node(node.value, node.mark, node.mark)}, node.mark, node.key_mark)
    return node


def _units(text: str, pattern: re.Pattern[str], scale: dict[str, int]) -> str | None:
    m = pattern.match(text)
    if not m:
        return None
    try:
        amount = Decimal(m.group(1))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None
    unit = m.group(2).lower() if m.lastindex and m.lastindex >= 2 else "vcpu"
    units = amount * scale[unit]
    if units != units.to_integral_value():
        return None
    return str(int(units))


def task_size(node: Node, field: str) -> Node:
    """cpu/memory as integers or unit strings -> integer strings. Anything else is left for the checks."""
    v = node.value
    if type(v) is int:
        return Node(str(v), node.mark, node.key_mark)
    if isinstance(v, str):
        if field == "cpu":
            converted = _units(v, _CPU, {"vcpu": 1024, "vcpus": 1024})
        else:
            converted = _units(v, _MEMORY, {"gb": 1024, "gib": 1024, "mb": 1, "mib": 1})
        if converted is not None:
            return Node(converted, node.mark, node.key_mark)
    return node


def normalize_container(node: Node) -> Node:
    if type(node.value) is not dict:
        return node
    out = dict(node.value)
    for key, value_key in (("environment", "value"), ("secrets", "valueFrom")):
        n = out.get(key)
        if n is not None and type(n.value) is dict:
            out[key] = _pairs(n, value_key)
    ports = out.get("portMappings")
    if ports is not None and type(ports.value) is list:
        out["portMappings"] = Node([_port(p) for p in ports.value], ports.mark, ports.key_mark)
    return Node(out, node.mark, node.key_mark)


def normalize_task(node: Node) -> Node:
    """Rewrite every shorthand in a task (or an overlay of one) into the native form."""
    if type(node.value) is not dict:
        return node
    out = dict(node.value)
    for field in ("cpu", "memory"):
        if field in out:
            out[field] = task_size(out[field], field)
    containers = out.get("containerDefinitions")
    if containers is not None and type(containers.value) is list:
        out["containerDefinitions"] = Node(
            [normalize_container(c) for c in containers.value], containers.mark, containers.key_mark
        )
    return Node(out, node.mark, node.key_mark)
