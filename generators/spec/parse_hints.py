"""What a syntax error in a spec file means, said plainly: an indentation that does not fit the lines above it,
comments or several documents in a .json file. loader.py adds these to the YAML-SYNTAX and JSON-SYNTAX findings."""

from __future__ import annotations

import json

from .nodes import Mark


def position(text: str, index: int) -> Mark:
    line = text.count("\n", 0, index) + 1
    return (line, index - (text.rfind("\n", 0, index) + 1) + 1)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def indentation_hint(text: str, line: int) -> str | None:
    """What is wrong with the indentation of `line` (1-based), said in columns, or None when it looks right."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    bad = lines[line - 1]
    m = _indent(bad)
    above = [
        (i, text_)
        for i, text_ in enumerate(lines[: line - 1], 1)
        if text_.strip() and not text_.lstrip().startswith("#")
    ]
    if not above:
        return None
    p_no, p = above[-1]
    if p.rstrip().endswith(":") and m <= _indent(p):
        key = p.strip()[:-1].lstrip("- ").strip()
        return (
            f"`{key}:` at line {p_no} has nothing after the colon, so its value goes on the lines below it, "
            f"indented more than it (more than {_indent(p)} spaces; line {line} has {m})"
        )
    keys: dict[int, int] = {}  # column -> line, for the keys of the mappings line `line` may belong to
    dashes: dict[int, int] = {}  # column of a list item's `- ` -> its line
    floor = None
    for no, text_ in reversed(above):
        i = _indent(text_)
        if floor is not None and i > floor:
            continue
        floor = i
        if text_.lstrip().startswith("- "):
            dashes.setdefault(i, no)
            keys.setdefault(i + 2, no)
        else:
            keys.setdefault(i, no)
    if m in dashes and not bad.lstrip().startswith("-"):
        return (
            f"line {line} starts at column {m + 1}, where the `- ` of the list item at line {dashes[m]} is: a "
            f"field of that item lines up with its first key, at column {m + 3}"
        )
    if m not in keys:
        columns = ", ".join(str(c + 1) for c in sorted(keys))
        return (
            f"line {line} starts at column {m + 1}, but the keys around it start at columns {columns}: line it up "
            "with the keys of the mapping it belongs to (YAML reads the structure from the indentation)"
        )
    return None


def _without_comments(text: str) -> tuple[str, int | None]:
    """The text with `//` and `/* */` comments outside strings blanked (newlines kept, so positions stay), and the
    index of the first comment (None when there is none)."""
    out = list(text)
    first = None
    i, n, in_string = 0, len(text), False
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif text.startswith("//", i) or text.startswith("/*", i):
            if text[i + 1] == "/":  # to the end of the line
                end = text.find("\n", i)
                end = n if end == -1 else end
            else:  # to the closing */
                close = text.find("*/", i + 2)
                end = n if close == -1 else close + 2
            first = i if first is None else first
            for j in range(i, end):
                if out[j] != "\n":
                    out[j] = " "
            i = end
            continue
        i += 1
    return "".join(out), first


def json_problem(text: str) -> tuple[str, Mark, str] | None:
    """What a person pasted into a .json file that JSON does not allow, said plainly: comments, and several
    documents one after the other (the seed's Example 4). None when it is some other syntax error."""
    clean, comment = _without_comments(text)
    starts = []
    decoder = json.JSONDecoder()
    i = 0
    while True:
        while i < len(clean) and clean[i] in " \t\r\n":
            i += 1
        if i >= len(clean):
            break
        try:
            _, end = decoder.raw_decode(clean, i)
        except json.JSONDecodeError:
            break
        starts.append(i)
        i = end
    several = len(starts) > 1
    if comment is None and not several:
        return None
    parts, where = [], []
    if comment is not None:
        line, col = position(text, comment)
        parts.append(f"line {line} holds a comment, which JSON does not allow")
        where.append((line, col))
    if several:
        line, col = position(text, starts[1])
        parts.append(
            f"a second JSON document starts at line {line}" + (f" (there are {len(starts)})" if len(starts) > 2 else "")
        )
        where.append((line, col))
    message = "; ".join(parts)
    if several:
        hint = (
            "a spec file holds one task definition: put each document in a file of its own (dev.json, prod.json) "
            "and run `ecsform import --environments dev=dev.json,prod=prod.json --out spec.yaml` for one "
            "spec with an overlay per environment"
        )
        if comment is not None:
            hint += ", and leave the comments out (JSON has none; YAML specs take # comments)"
    else:
        hint = "remove the comments, or write the spec as YAML (.yaml), where # starts a comment"
    return message, min(where), hint


# Characters JSON allows raw inside strings but YAML does not keep as they are (DEL, C1 controls, non-characters,
