"""HCL values written the way `terraform fmt` writes them, and the one string-escaping function.

- `quote(s)`: any Python string -> an HCL string literal that Terraform reads back as exactly `s`
  (`${` and `%{` are escaped so they stay literal; control characters become escapes).
- `value(v, indent)`: dicts, lists, strings, numbers, booleans, `Expr` and the typed expressions of
  generators/tfexpr.py (`Ref`, `Call`, `For`, `Template`) as HCL expressions.
- `inline(v)`: the same on one line (what goes inside `${...}` in Terraform's JSON syntax).
- `body(pairs, indent)`: attribute lines with `=` aligned as `terraform fmt` aligns them: consecutive
  single-line attributes form a group aligned on the longest key; a multi-line value ends the group.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from .tfexpr import Call, For, Key, Ref, Template, is_expression

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SPECIAL = re.compile(r'[\\"\n\r\t\x00-\x1f\x7f\u2028\u2029]|\$\{|%\{')
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_KEYWORDS = frozenset({"for", "in", "if", "true", "false", "null", "endfor", "endif", "else"})


class Expr(str):
    """A Terraform expression written as is (a reference such as `local.images["api"]`)."""


def _escape(match: re.Match[str]) -> str:
    text = match.group(0)
    if text == "${":
        return "$${"
    if text == "%{":
        return "%%{"
    if text in _ESCAPES:
        return _ESCAPES[text]
    return f"\\u{ord(text):04X}"


def quote(text: str) -> str:
    """The HCL string literal for `text`. Terraform reads it back as exactly `text`."""
    return '"' + _SPECIAL.sub(_escape, text) + '"'


def reference(ref: Ref) -> str:
    """`module.secrets.arns["db"]`."""
    out = ""
    for part in ref.parts:
        out += "[" + quote(part.name) + "]" if isinstance(part, Key) else ("." if out else "") + part
    return out


def expression(expr: Any, indent: int = 0, one_line: bool = False) -> str:
    """A typed expression (generators/tfexpr.py) in HCL; `one_line` writes its plain values on one line."""
    write = (lambda v: inline(v)) if one_line else (lambda v: value(v, indent))
    if isinstance(expr, Ref):
        return reference(expr)
    if isinstance(expr, Call):
        return expr.function + "(" + ", ".join(write(a) for a in expr.args) + ")"
    if isinstance(expr, For):
        return f"[for {expr.name} in {write(expr.collection)} : {write(expr.body)}]"
    if isinstance(expr, Template):
        return (
            '"'
            + "".join(
                "${" + expression(p, one_line=True) + "}" if is_expression(p) else _SPECIAL.sub(_escape, p)
                for p in expr.parts
            )
            + '"'
        )
    raise TypeError(f"not an expression: {type(expr).__name__}")  # pragma: no cover


def inline(v: Any) -> str:
    """A value as a one-line HCL expression (object keys always quoted)."""
    if is_expression(v):
        return expression(v, one_line=True)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{quote(k)} = {inline(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(inline(x) for x in v) + "]"
    return value(v)


def key(name: str) -> str:
    """An object key: bare when it is a plain identifier, quoted otherwise."""
    if _IDENT.match(name) and name not in _KEYWORDS:
        return name
    return quote(name)


def value(v: Any, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(v, Expr):
        return str(v)
    if is_expression(v):
        return expression(v, indent)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return quote(v)
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{\n" + body(((key(k), x) for k, x in v.items()), indent + 1) + pad + "}"
    if isinstance(v, (list, tuple)):
        if not v:
            return "[]"
        items = [value(x, indent + 1) for x in v]
        if all("\n" not in s for s in items) and all(not isinstance(x, (dict, list)) for x in v):
            one_line = "[" + ", ".join(items) + "]"
            if len(one_line) + len(pad) <= 100:
                return one_line
        inner = "  " * (indent + 1)
        return "[\n" + "".join(f"{inner}{s},\n" for s in items) + pad + "]"
    raise TypeError(f"cannot write {type(v).__name__} as HCL")  # pragma: no cover


def body(pairs: Iterable[tuple[str, Any]], indent: int = 1) -> str:
    """Attribute lines (`key = value`), aligned like terraform fmt. Keys must already be written as HCL."""
    pad = "  " * indent
    rendered = [(k, value(v, indent)) for k, v in pairs]
    lines: list[str] = []
    group: list[tuple[str, str]] = []

    def flush() -> None:
        if group:
            width = max(len(k) for k, _ in group)
            lines.extend(f"{pad}{k.ljust(width)} = {s}\n" for k, s in group)
            group.clear()

    for k, s in rendered:
        if "\n" in s:
            flush()
            lines.append(f"{pad}{k} = {s}\n")
        else:
            group.append((k, s))
    flush()
    return "".join(lines)
