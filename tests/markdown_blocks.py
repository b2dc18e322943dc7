"""The fenced blocks of the docs' markdown, with the marker comment on the line before a block (a blank line
between them allowed): `<!-- spec: PATH -->` (a spec: the docs test validates it, the tutorial test writes it),
`<!-- file: PATH -->` (another file the tutorial writes), `<!-- not run by the tests: REASON -->` (a shell block the
tutorial test skips)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(\s*)(```+)\s*([\w+-]*)[^\n]*$")
MARKER = re.compile(r"^<!--\s*(spec|file|not run by the tests)\s*:\s*(.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    source: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    marker: str | None = None  # "spec", "file" or "not run by the tests"
    argument: str = ""  # the path (spec, file) or the reason


def blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.groups()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence) and lines[j].strip().strip("`") == ""):
            body.append(lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j])
            j += 1
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        marker = MARKER.match(lines[k].strip()) if k >= 0 and i - k <= 2 else None
        found.append(
            Block(
                path,
                i + 1,
                lang,
                "\n".join(body) + "\n",
                marker.group(1) if marker else None,
                marker.group(2) if marker else "",
            )
        )
        i = j + 1
    return found
