"""SEC. Secure defaults ecsform applies where the spec is silent, made visible."""

from __future__ import annotations

from typing import Iterator

from ..canonical import gets_readonly_root
from ..errors import Finding, Severity
from . import Context, Rule, rule


@rule("SEC-READONLY-ROOT", Severity.WARNING,
      "A container that does not set readonlyRootFilesystem gets a read-only root filesystem.",
      "ecsform secure default; checkov CKV_AWS_336")
def readonly_root(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        if gets_readonly_root(ctx.task, c):
            name = c.get("name", "?")
            yield r.finding(f"container {name!r} does not set readonlyRootFilesystem: ecsform registers it with a "
                            "read-only root filesystem", path,
                            "if the image writes outside its mounted volumes, mount a volume there, or write "
                            "readonlyRootFilesystem: false to keep ECS's writable default")
