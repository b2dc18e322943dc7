"""What `ecsform changed` and `synth --check` print: the roots a change touches (text, json, github-matrix, paths)
and, for `synth --check`, the roots of an output that are not what synth would write."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .changed import ChangedRoot, ChangeSet

if TYPE_CHECKING:
    from .writer.changes import Changes

FORMATS = ("text", "json", "github-matrix", "paths")


@dataclass(frozen=True)
class Printed:
    """A command's report: lines for standard output, lines for standard error."""

    out: list[str]
    err: list[str]


def directory(out: str, root: str) -> str:
    return (PurePosixPath(Path(out).as_posix()) / root).as_posix()


def as_json(result: ChangeSet, out: str) -> dict[str, Any]:
    return {
        "changed": [
            {"root": r.root, "environment": r.environment, "dir": directory(out, r.root), "spec": r.spec}
            for r in result.changed
        ],
        "removed": [{"root": r.root, "environment": r.environment, "spec": r.spec} for r in result.removed],
    }


def as_matrix(result: ChangeSet, out: str) -> dict[str, Any]:
    return {
        "include": [
            {"root": r.root, "environment": r.environment, "dir": directory(out, r.root)} for r in result.changed
        ]
    }


def as_text(result: ChangeSet, since: str) -> list[str]:
    def env(r: ChangedRoot) -> str:
        return f", environment {r.environment}" if r.environment else ""

    lines = [f"changed: {r.root} ({r.spec}{env(r)})" for r in result.changed]
    lines += [
        f"removed: {r.root} ({r.spec}{env(r)}): its spec no longer produces it; destroy what it manages "
        f"before its state is forgotten"
        for r in result.removed
    ]
    if not lines:
        lines.append(f"no root changed since {since}")
    return lines


def lines(result: ChangeSet, format: str, since: str, out: str) -> Printed:
    """`ecsform changed --format FORMAT`'s lines: those for standard output, and the notes for standard error
    (github-matrix and paths name no removed root on standard output: each gets a note there)."""
    printed: list[str]
    if format == "json":
        printed = [json.dumps(as_json(result, out), indent=2)]
    elif format == "github-matrix":
        printed = [json.dumps(as_matrix(result, out))]
    elif format == "paths":
        printed = [r.root for r in result.changed]
    else:
        printed = as_text(result, since)
    notes = []
    if format in ("github-matrix", "paths"):
        notes = [
            f"removed: {r.root} ({r.spec}): no spec produces it any more; destroy what it manages "
            f"(terraform destroy in its folder, from {since}'s synth) before its state is forgotten"
            for r in result.removed
        ]
    return Printed(printed, notes)


def check_lines(changes: Changes, out: str) -> tuple[Printed, bool]:
    """`synth --check`'s report (the roots on standard output, the verdict on standard error), and True when OUT is
    not what synth would write."""
    printed = []
    for kind, roots in (("missing", changes.missing), ("stale", changes.stale), ("extra", changes.extra)):
        for root in roots:
            kept = " (kept by synth: it holds state or files ecsform did not write)" if root in changes.kept else ""
            printed.append(f"{kind}: {directory(out, root)}{kept}")
    if changes.manifest and not (changes.missing or changes.stale or changes.extra):
        printed.append(f"stale: {directory(out, 'manifest.json')}")
    if changes.interrupted:
        printed.append(
            f"interrupted: {out}: a synth died while publishing (the next synth puts the previous output back)"
        )
    if changes.clean:
        return Printed(printed, [f"{out} is up to date"]), False
    return Printed(printed, [f"{out} is not what synth would write: run `ecsform synth`"]), True
