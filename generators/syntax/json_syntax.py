"""Values in Terraform's JSON syntax, as the CDK engine hands them to cdktn/cdktf.

In Terraform's JSON syntax every string (object keys included) is a template, like a quoted HCL string: `${`
and `%{` start an interpolation or a directive, `$${` and `%%{` stand for them literally. So:

- `template(s)`: any Python string -> the JSON string value that Terraform reads back as exactly `s`.
- `expression(expr)`: a typed expression (generators/tfexpr.py) -> `"${module.secrets.arns[\"db\"]}:key::"`: a
  real interpolation, the expression inside `${...}` written in HCL's native syntax by `hcl_syntax.inline`.
- `value(v)`: dicts (keys are templates too), lists, strings, numbers, booleans, None, expressions and `Raw`.

The CDK packages add a second reader before Terraform: their token system looks for its own markers inside
every string (`${TfToken[...]}`, `#{TfToken[...]}`, `&{TfToken[...]}`, numbers that encode tokens, two map
placeholders) and either substitutes a token or fails. A literal that contains such a marker gets an empty
interpolation `${""}` inside the marker: Terraform reads the same string, cdktn/cdktf see no marker.
"""

from __future__ import annotations

import math
import re
import struct
from typing import Any

from .hcl_syntax import inline
from .tfexpr import Template, is_expression

_TEMPLATE = re.compile(r"\$\{|%\{")
_EMPTY = '${""}'  # an interpolation of the empty string: changes nothing for Terraform
# cdktn/cdktf token markers (tokens/private/encoding.js): "${TfToken[", "#{TfToken[", "&{TfToken["
_TOKEN_MARKER = re.compile(r"(?<=\{Tf)(?=Token\[)")
# strings cdktn/cdktf reject as map-token placeholders (tokens/token.js)
_MAP_PLACEHOLDERS = ("String Map Token Value", "Any Map Token Value")
NUMBER_MAP_PLACEHOLDER = -123456789  # Token.NUMBER_MAP_TOKEN_VALUE: a plain number cdktn/cdktf refuse
# numbers inside strings that cdktn/cdktf try to decode as number tokens (NUMBER_TOKEN_REGEX), ASCII digits
_NUMBER_IN_STRING = re.compile(r"[-|0-9.+]+(e[-|0-9.eE+]+)")
_JS_PARSE_FLOAT = re.compile(r"[+-]?(?:Infinity|[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)")
_TOKEN_DOUBLE_BITS = 0xFDFF0000  # top 16 bits of a double that encodes a token (DOUBLE_TOKEN_MARKER_BITS)


class Raw(str):
    """A string already in Terraform's JSON syntax (`${local.images["api"]}`, or a cdktn/cdktf token): kept as is."""


def _js_parse_float(text: str) -> float:
    m = _JS_PARSE_FLOAT.match(text)
    if not m:
        return math.nan
    return float(m.group(0).replace("Infinity", "inf"))


def is_token_double(number: object) -> bool:
    """Whether cdktn/cdktf would read this number as an encoded token."""
    if isinstance(number, bool) or not isinstance(number, (int, float)) or math.isnan(number):
        return False
    try:
        high = struct.unpack("<II", struct.pack("<d", float(number)))[1]
    except OverflowError:
        return False
    return high & 0xFFFF0000 == _TOKEN_DOUBLE_BITS


def _hide_token_numbers(text: str) -> str:
    while True:
        for m in _NUMBER_IN_STRING.finditer(text):
            if is_token_double(_js_parse_float(m.group(0))):
                text = text[: m.start(1)] + _EMPTY + text[m.start(1) :]
                break
        else:
            return text


def hide_cdk_markers(text: str) -> str:
    """Text in Terraform template syntax, with every cdktn/cdktf token marker broken by `${""}`."""
    if text in _MAP_PLACEHOLDERS:
        return text[0] + _EMPTY + text[1:]
    if "Token[" in text:
        text = _TOKEN_MARKER.sub(lambda _: _EMPTY, text)
    if "e" in text:
        text = _hide_token_numbers(text)
    return text


def template(text: str) -> str:
    """The JSON string value Terraform reads back as exactly `text` (and cdktn/cdktf leave alone)."""
    return hide_cdk_markers(_TEMPLATE.sub(lambda m: "$${" if m.group(0) == "${" else "%%{", text))


def expression(expr: Any) -> str:
    """A typed expression: `${...}` alone (its value keeps its type), or a template joining text and `${...}`."""
    if isinstance(expr, Template):
        return hide_cdk_markers(
            "".join("${" + inline(p) + "}" if is_expression(p) else template(p) for p in expr.parts)
        )
    return hide_cdk_markers("${" + inline(expr) + "}")


def number(v: int | float) -> Any:
    if v == NUMBER_MAP_PLACEHOLDER or is_token_double(v):
        return "${" + repr(v) + "}"  # the same number, written as an expression cdktn/cdktf do not decode
    return v


def value(v: Any) -> Any:
    """A plan value in Terraform's JSON syntax (JSON-ready Python objects)."""
    if isinstance(v, Raw):
        return str(v)
    if is_expression(v):
        return expression(v)
    if v is None:
        return "${null}"  # cdktn/cdktf drop None; Terraform reads this as null
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return number(v)
    if isinstance(v, str):
        return template(v)
    if isinstance(v, dict):
        return {template(k): value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [value(x) for x in v]
    raise TypeError(f"cannot write {type(v).__name__} in Terraform's JSON syntax")  # pragma: no cover
