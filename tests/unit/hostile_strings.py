"""Strings that break naive escaping, shared by the tests of both Terraform syntaxes ecsform writes (HCL and the CDK
engine's JSON): Terraform must read each back exactly as written."""

from __future__ import annotations

from hypothesis import strategies as st

# template sequences, their escapes and near misses, quotes, control characters, heredoc and comment markers
TRICKY = [
    "${x}",
    "%{ if a }b%{ endif }",
    "$${",
    "$$${x}",
    "%%{",
    "a\"b'c",
    "back\\slash",
    "new\nline",
    "tab\there",
    "cr\rlf",
    "ünïcødé 日本 🚀",
    "<<EOF\nx\nEOF",
    "",
    "$",
    "%",
    "\\${x}",
    "\u2028\u2029",
    "\x01\x7f",
    "end$",
    "end%",
    "${",
    "$}{",
    "\\\\${",
    "$$",
    "%%",
    "$%{",
    "%${",
    "{}",
    "#",
    "//",
    "/*",
    "*/",
]

PIECES = ["${", "%{", "$", "%", "{", "}", "\\", '"', "'", "\n", "\t", "<<", "a", "é"]


@st.composite
def hostile(draw: st.DrawFn, extra: tuple[str, ...] = ()) -> str:
    """A string glued from escaping hazards (PIECES and `extra`) and arbitrary short text."""
    pieces = st.sampled_from([*PIECES, *extra])
    return "".join(draw(st.lists(st.one_of(pieces, st.text(max_size=3)), max_size=12)))


def terraform_safe(strings: list[str]) -> list[str]:
    """The strings Terraform can hold at all: no NUL, no lone surrogate (neither is valid in its UTF-8 files)."""
    return [s for s in strings if "\x00" not in s and not any(0xD800 <= ord(c) <= 0xDFFF for c in s)]
