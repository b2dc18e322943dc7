"""The roots a change touches, in jobs: `ecsform changed --format json` read back, and its roots in chunks (several
roots of one environment per job when a change touches more roots than ci.maxJobs)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..config import DEFAULT_ENVIRONMENT
from ..errors import Check, EcsformError, Severity
from .environments import label

# The findings this module raises (collected by the catalog: generators/rules).
CI_CHANGED = Check(
    "CI-CHANGED",
    Severity.ERROR,
    (
        "ecsform ci gitlab-child, github-matrix: --changed is missing, or not the JSON `ecsform changed "
        "--format json` prints."
    ),
)


@dataclass(frozen=True)
class ChangedRoot:
    """One entry of `ecsform changed --format json`: a root, its environment and the spec that makes it."""

    root: str
    environment: str | None
    spec: str | None = None


@dataclass(frozen=True)
class Change:
    """The roots a change touches and those it removed, each sorted by root."""

    changed: tuple[ChangedRoot, ...]
    removed: tuple[ChangedRoot, ...]


MatrixItem = dict[str, str | None]


@dataclass(frozen=True)
class Chunk:
    """The roots one job plans (and, on the default branch, one job applies): all of one environment."""

    id: str  # e.g. prod-3: unique in a pipeline; a GitHub artifact name and a GitLab job name take it
    environment: str | None
    roots: tuple[str, ...]

    def matrix_item(self) -> MatrixItem:
        return {"chunk": self.id, "environment": self.environment, "roots": " ".join(self.roots)}


def read_changed(path: str) -> Change:
    """The changed and removed roots of `ecsform changed --format json` output."""

    def bad(message: str) -> EcsformError:
        return EcsformError(
            [
                CI_CHANGED.finding(
                    message, hint="give the file `ecsform changed --format json` wrote", file=path, mark=(1, 1)
                )
            ]
        )

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise bad(f"cannot read it: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise bad(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("changed"), list):
        raise bad('not {"changed": [...], "removed": [...]}')
    groups: list[tuple[ChangedRoot, ...]] = []
    for group in ("changed", "removed"):
        entries = []
        for item in data.get(group) or []:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("root"), str)
                or not item["root"]
                or not isinstance(item.get("environment"), (str, type(None)))
            ):
                raise bad(f'an entry of {group} is not {{"root": ..., "environment": ...}}: {item!r}'[:200])
            root: str = item["root"]
            parts = PurePosixPath(root).parts
            if root.startswith("/") or ".." in parts:
                raise bad(f"root {root!r} is not a path under the output folder")
            spec = item.get("spec")
            entries.append(ChangedRoot(root, item.get("environment"), spec if isinstance(spec, str) else None))
        groups.append(tuple(sorted(entries, key=lambda e: e.root)))
    return Change(groups[0], groups[1])


def chunks(entries: Sequence[ChangedRoot], limit: int, per_environment: int | None = None) -> list[Chunk]:
    """The roots of `ecsform changed` in at most `limit` jobs (at most `per_environment` per environment), one
    environment per job, as many jobs as allowed: each environment gets one, then the one whose jobs are largest
    another, until the limit (or one root per job); an environment's roots, sorted, are split into runs whose sizes
    differ by one at most. Deterministic: the same roots give the same chunks."""
    groups: dict[str, list[ChangedRoot]] = {}
    for e in sorted(entries, key=lambda e: e.root):
        groups.setdefault(e.environment or "", []).append(e)
    if not groups:
        return []
    if len(groups) > limit:
        raise ValueError(f"{len(groups)} environments in at most {limit} jobs")
    cap = per_environment or limit
    counts = {name: 1 for name in groups}
    while sum(counts.values()) < limit:
        open_ = [n for n in sorted(groups) if counts[n] < min(len(groups[n]), cap)]
        if not open_:
            break
        widest = max(open_, key=lambda n: (-(-len(groups[n]) // counts[n]), len(groups[n])))
        counts[widest] += 1
    out = []
    for name in sorted(groups):
        items, k = groups[name], counts[name]
        size, extra = divmod(len(items), k)
        start = 0
        for i in range(k):
            end = start + size + (1 if i < extra else 0)
            part = items[start:end]
            start = end
            out.append(
                Chunk(f"{label(name or DEFAULT_ENVIRONMENT)}-{i + 1}", part[0].environment, tuple(r.root for r in part))
            )
    return out
