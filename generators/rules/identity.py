"""A. Identity, counts and size: family, containers, names, images, volumes, tags."""

from __future__ import annotations

import re
from typing import Iterator

from ..errors import Finding, Severity
from . import Context, Rule, rule

E, W = Severity.ERROR, Severity.WARNING
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


@rule("ECS-A1", E, "family is 1-255 letters, digits, hyphens and underscores.", "docs A1; botocore family")
def family_format(r: Rule, ctx: Context) -> Iterator[Finding]:
    family = ctx.task.get("family")
    if isinstance(family, str) and not _NAME.match(family):
        bad = sorted({c for c in family if not re.match(r"[A-Za-z0-9_-]", c)})
        detail = f"characters {''.join(bad)!r} are not allowed" if bad else f"length {len(family)} is not 1-255"
        yield r.finding(f"family {family!r}: {detail}", ("family",),
                        "use only A-Z, a-z, 0-9, '-' and '_' (ECS: \"Family contains invalid characters.\")")


@rule("ECS-A2", E, "containerDefinitions holds at least one container.", "docs A2")
def containers_not_empty(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.task.get("containerDefinitions") == []:
        yield r.finding("containerDefinitions is empty", ("containerDefinitions",),
                        "add at least one container (ECS: \"Container list cannot be empty.\")")
