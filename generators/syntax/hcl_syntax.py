"""HCL values written the way `terraform fmt` writes them, and the one string-escaping function.

- `quote(s)`: any Python string -> an HCL string literal that Terraform reads back as exactly `s`
  (`${` and `%{` are escaped so they stay literal; control characters become escapes).
- `value(v, indent)`: dicts, lists, strings, numbers, booleans and `Expr` as HCL expressions.
- `body(pairs, indent)`: attribute lines with `=` aligned as `terraform fmt` aligns them: consecutive
  single-line attributes form a group aligned on the longest key; a multi-line value ends the group.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from .tfexpr import TfExpr, Traversal

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


def expression(expr: TfExpr) -> str:
    """A plan's Terraform expression in HCL: a bare reference, or a template joining references and text."""
    if expr.is_single_reference:
        return str(expr.parts[0])
    return (
        '"'
        + "".join("${" + p + "}" if isinstance(p, Traversal) else _SPECIAL.sub(_escape, p) for p in expr.parts)
        + '"'
    )


def key(name: str) -> str:
    """An object key: bare when it is a plain identifier, quoted otherwise."""
    if _IDENT.match(name) and name not in _KEYWORDS:
        return name
    return quote(name)


def value(v: Any, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(v, Expr):
        return str(v)
    if isinstance(v, TfExpr):
        return expression(v)
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
