"""Terraform expressions in a plan, written by each engine in its own syntax.

A plan is engine-neutral data; where a value is only known to Terraform (a secret's ARN from the secrets module,
a resolved data source) the plan holds a `TfExpr`: literal text and references. The HCL engine writes
`module.secrets.arns["db"]` or `"${module.secrets.arns["db"]}:password::"`; the CDK engine writes the JSON
syntax `"${module.secrets.arns[\"db\"]}:password::"`. Literal parts are escaped by each engine.
"""

from __future__ import annotations

from dataclasses import dataclass


class Traversal(str):
    """A Terraform reference such as `module.secrets.arns["db"]` (already valid expression syntax)."""


@dataclass(frozen=True)
class TfExpr:
    parts: tuple[str, ...]  # literal strings and Traversal objects, in order

    @staticmethod
    def ref(traversal: str, suffix: str = "") -> "TfExpr":
        parts: tuple[str, ...] = (Traversal(traversal),)
        return TfExpr(parts + ((suffix,) if suffix else ()))

    @property
    def is_single_reference(self) -> bool:
        return len(self.parts) == 1 and isinstance(self.parts[0], Traversal)


def index(key: str) -> str:
    """`["key"]` for a map lookup in a traversal (keys here are plain names, checked by the extension model)."""
    return '["' + key.replace("\\", "\\\\").replace('"', '\\"') + '"]'
