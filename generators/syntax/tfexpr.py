"""Terraform expressions in a plan and in a root's description, as small typed values each engine writes in its own
syntax (generators/emit/hcl_syntax.py for HCL, generators/emit/json_syntax.py for Terraform's JSON syntax).

A plan is engine-neutral data; where a value is only known to Terraform (a secret's ARN from the secrets module,
a resolved data source, the images a pipeline passes in) it holds one of these instead of text:

- `Ref("module", "secrets", "arns", Key("db"))`: a reference (`module.secrets.arns["db"]`);
- `Call("merge", {...}, Ref("var", "images"))`: a function call, its arguments plain values or expressions;
- `For("name", Call("keys", ...), Call("contains", [...], Ref("name")))`: a list `for` expression;
- `Template(Ref(...), ":password::")`: literal text and interpolated expressions (a string with `${...}`).

No engine parses an expression another wrote: the CDK engine renames the references of a construct's modules
(`Ref.renamed`) on these values, not on text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union


@dataclass(frozen=True)
class Key:
    """A map key in a reference: `["db"]`."""

    name: str


@dataclass(frozen=True, init=False)
class Ref:
    """A Terraform reference: its names and map keys in order (`Ref("module", "task_definition", "arn")`)."""

    parts: tuple[Union[str, Key], ...]

    def __init__(self, *parts: Union[str, Key]) -> None:
        object.__setattr__(self, "parts", tuple(parts))

    def renamed(self, prefix: str) -> "Ref":
        """The same reference with `prefix` before the name of the module or data source it points at (the CDK
        construct's names); other references (variables, locals) stay as they are."""
        parts = list(self.parts)
        at = {"module": 1, "data": 2}.get(str(parts[0]))
        if prefix and at is not None and len(parts) > at:
            parts[at] = f"{prefix}{parts[at]}"
        return Ref(*parts)


@dataclass(frozen=True, init=False)
class Call:
    """A call of a Terraform function (`concat(...)`), its arguments plain values or expressions."""

    function: str
    args: tuple[Any, ...]

    def __init__(self, function: str, *args: Any) -> None:
        object.__setattr__(self, "function", function)
        object.__setattr__(self, "args", tuple(args))


@dataclass(frozen=True)
class For:
    """`[for <name> in <collection> : <body>]` (the body refers to the item as `Ref(name)`)."""

    name: str
    collection: Any
    body: Any


@dataclass(frozen=True, init=False)
class Template:
    """A string template: literal text and interpolated expressions, in order."""

    parts: tuple[Any, ...]

    def __init__(self, *parts: Any) -> None:
        object.__setattr__(self, "parts", tuple(p for p in parts if p != ""))


EXPRESSIONS = (Ref, Call, For, Template)


def is_expression(value: Any) -> bool:
    return isinstance(value, EXPRESSIONS)


def renamed(value: Any, prefix: str) -> Any:
    """A value whose references to modules and data sources carry `prefix` in their names (walks plain values and
    expressions alike)."""
    if not prefix:
        return value
    if isinstance(value, Ref):
        return value.renamed(prefix)
    if isinstance(value, Call):
        return Call(value.function, *(renamed(a, prefix) for a in value.args))
    if isinstance(value, For):
        return For(value.name, renamed(value.collection, prefix), renamed(value.body, prefix))
    if isinstance(value, Template):
        return Template(*(renamed(p, prefix) for p in value.parts))
    if isinstance(value, dict):
        return {k: renamed(v, prefix) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [renamed(v, prefix) for v in value]
    return value
