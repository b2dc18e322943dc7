"""Inputs and outputs tables for a module's README, read from its variables.tf and outputs.tf (python-hcl2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hcl2


def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    return value


def _expr(value: Any) -> str:
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return value[2:-1]
    return str(_unquote(value))


def _default(value: Any) -> str:
    value = _plain(value)
    return "`" + json.dumps(value, ensure_ascii=False) + "`"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(_unquote(k)): _plain(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return _unquote(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _blocks(path: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    if not path.exists():
        return []
    with path.open() as fh:
        data = hcl2.load(fh)
    out = []
    for block in data.get(kind, []):
        for name, body in block.items():
            out.append((str(_unquote(name)), body))
    return out


def markdown(module: Path) -> str:
    lines = ["## Inputs", "", "| Name | Description | Type | Default | Required |", "|---|---|---|---|:---:|"]
    inputs = sorted(_blocks(module / "variables.tf", "variable"), key=lambda kv: ("default" in kv[1], kv[0]))
    for name, body in inputs:
        required = "default" not in body
        default = "n/a" if required else _default(body["default"])
        type_ = _expr(body.get("type", "any"))
        lines.append(
            f"| `{name}` | {_cell(str(_unquote(body.get('description', ''))))} | `{_cell(type_)}` | "
            f"{_cell(default)} | {'yes' if required else 'no'} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|---|---|"]
    for name, body in sorted(_blocks(module / "outputs.tf", "output")):
        lines.append(f"| `{name}` | {_cell(str(_unquote(body.get('description', ''))))} |")
    return "\n".join(lines) + "\n"
