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


def _plain(text: str) -> bool:
    """True when `text` has nothing `_SPECIAL` matches (most strings: checked without running the regex)."""
    return (
        text.isprintable()  # (no control character, no U+2028/U+2029; a false here only takes the long way)
        and '"' not in text
        and "\\" not in text
        and "${" not in text
        and "%{" not in text
    )


def quote(text: str) -> str:
    """The HCL string literal for `text`. Terraform reads it back as exactly `text`."""
    return '"' + (text if _plain(text) else _SPECIAL.sub(_escape, text)) + '"'


def reference(ref: Ref) -> str:
    """`module.secrets.arns["db"]`."""
    out = ""
    for part in ref.parts:
        out += "[" + quote(part.name) + "]" if isinstance(part, Key) else ("." if out else "") + part
    return out


def expression(expr: Any, indent: int = 0, one_line: bool = False) -> str:
    """A typed expression (generators/tfexpr.py) in HCL; `one_line` writes its plain values on one line."""
    if isinstance(expr, Ref):
        return reference(expr)
    if isinstance(expr, Call):
        args = [inline(a) if one_line else value(a, indent) for a in expr.args]
        return expr.function + "(" + ", ".join(args) + ")"
    if isinstance(expr, For):
        collection, each = (
            (inline(expr.collection), inline(expr.body))
            if one_line
            else (value(expr.collection, indent), value(expr.body, indent))
        )
        return f"[for {expr.name} in {collection} : {each}]"
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
    if name.isidentifier() and name.isascii() and name not in _KEYWORDS:  # [A-Za-z_][A-Za-z0-9_]*
        return name
    return quote(name)


def value(v: Any, indent: int = 0) -> str:
    kind = type(v)  # the plain types first, by their exact type (subclasses such as Expr and bool take the long way)
    if kind is str:
        return '"' + (v if _plain(v) else _SPECIAL.sub(_escape, v)) + '"'
    if kind is dict:
        if not v:
            return "{}"
        return "{\n" + body([(key(k), x) for k, x in v.items()], indent + 1) + "  " * indent + "}"
    if kind is list or kind is tuple:
        return _list(v, indent)
    if kind is int:
        return str(v)
    if v is None:
        return "null"
    if kind is bool:
        return "true" if v else "false"
    if kind is Ref:
        return reference(v)
    return _value(v, indent)


def _value(v: Any, indent: int) -> str:
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
        return _list(v, indent)
    raise TypeError(f"cannot write {type(v).__name__} as HCL")  # pragma: no cover


def _list(v: Any, indent: int) -> str:
    if not v:
        return "[]"
    pad = "  " * indent
    items = [value(x, indent + 1) for x in v]
    for x in v:
        if isinstance(x, (dict, list)):
            break
    else:  # one line when no item is an object or a list, none spans lines, and the line is short enough
        text = "[" + ", ".join(items) + "]"
        if "\n" not in text and len(text) + len(pad) <= 100:
            return text
    inner = "  " * (indent + 1)
    return "[\n" + "".join(f"{inner}{s},\n" for s in items) + pad + "]"


def body(pairs: Iterable[tuple[str, Any]], indent: int = 1) -> str:
    """Attribute lines (`key = value`), aligned like terraform fmt. Keys must already be written as HCL."""
    pad = "  " * indent
    lines: list[str] = []
    group: list[tuple[str, str]] = []  # consecutive one-line attributes, aligned on the longest key
    for k, v in pairs:
        kind = type(v)
        if kind is str:  # (the most common value: a string literal is always one line)
            group.append((k, '"' + v + '"' if _plain(v) else quote(v)))
            continue
        if kind is dict and v:  # an object always spans lines
            s = "{\n" + body([(key(name), x) for name, x in v.items()], indent + 1) + pad + "}"
        else:
            s = value(v, indent)
            if "\n" not in s:
                group.append((k, s))
                continue
        if group:
            _aligned(pad, group, lines)
            group = []
        lines.append(f"{pad}{k} = {s}\n")
    if group:
        _aligned(pad, group, lines)
    return "".join(lines)


def _aligned(pad: str, group: list[tuple[str, str]], lines: list[str]) -> None:
    if len(group) == 1:
        lines.append(f"{pad}{group[0][0]} = {group[0][1]}\n")
        return
    width = max([len(k) for k, _ in group])
    lines += [f"{pad}{k.ljust(width)} = {s}\n" for k, s in group]
