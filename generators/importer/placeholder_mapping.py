"""The placeholders of templating tools (generators/spec/placeholders.py) in an imported task, mapped to what
ecsform offers: target values, the environment's name, the execution role ecsform creates; the rest kept, each
with a warning that says what to write instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import Check, FieldPath, Finding, Severity
from ..spec import placeholders
from ..spec.nodes import SourceMap

# The findings this module raises (collected by the catalog: generators/rules).
IMPORT_PLACEHOLDER = Check(
    "IMPORT-PLACEHOLDER",
    Severity.WARNING,
    (
        "import: a placeholder of a templating tool ecsform cannot fill in (an image, a name): imported as "
        "it is, with its lines and what to write instead."
    ),
)


# where a string is a shell's or a program's to expand when the container runs: its placeholders are left alone
_RUN_TIME = ("command", "entryPoint")
_TARGET = {"account": "${target.accountId}", "region": "${target.region}", "partition": "${target.partition}"}


def _run_time(path: FieldPath) -> bool:
    return any(part in _RUN_TIME for part in path if isinstance(part, str)) or path[-3:-1] == ("healthCheck", "command")


@dataclass(frozen=True)
class Deploys:
    """Where the deploys of an imported spec's images are recorded: an ecsform.yaml keeps each root's deployed
    images (generators/images.py), so an image the template's tool fills in maps to the `ecsform image set` that
    records it. `spec`: the spec file as the command names it; `environment`: the input's (--environments)."""

    spec: str
    environment: str | None = None


def map_placeholders(
    task: dict[str, Any],
    file: str,
    smap: SourceMap,
    warnings: list[Finding],
    prefix: FieldPath = (),
    deploys: Deploys | None = None,
    environment: str | None = None,
) -> tuple[dict[str, Any], list[Finding]]:
    """The task with the placeholders of templating tools (generators/spec/placeholders.py) mapped to what ecsform
    offers: an account, region or partition to its target value, an environment's name to ${target.environment}
    (and out of the end of the family, which each environment's overlay gives; with `environment`, the input of one
    environment of --environments, the family's placeholder is that environment's name, so that the families tell
    the environments apart as the template's did), an execution role that is a
    placeholder left out (ecsform creates the role). What it cannot map it keeps, with an IMPORT-PLACEHOLDER
    warning per placeholder naming its lines and what to write instead: for an image, a tag of the repository the
    spec writes (the image a root runs until its first deploy) and, with `deploys` (an ecsform.yaml), the `ecsform
    image set` that records each deploy's image. Text that reads as a target value is escaped ($${target...}), so
    that it stays text. Commands and entry points are the container's to expand."""
    unmapped: dict[str, tuple[placeholders.Placeholder, list[tuple[FieldPath, tuple[int, int]]]]] = {}

    def walk(value: Any, path: FieldPath) -> Any:
        if isinstance(value, dict):
            kept = {}
            for k, v in value.items():
                mapped = walk(v, path + (k,))
                if mapped is not _DROP:
                    kept[k] = mapped
            return kept
        if isinstance(value, list):
            return [walk(v, path + (i,)) for i, v in enumerate(value)]
        if not isinstance(value, str):
            return value
        text = value.replace("${target.", "$${target.")
        if _run_time(path):
            return text
        found = placeholders.find(value)
        if path in (("executionRoleArn",),) and len(found) == 1 and found[0].text == value:
            return _DROP  # a role the template fills in: ecsform creates the execution role from what the task uses
        out, at = "", 0
        for p in found:
            out += value[at : p.start].replace("${target.", "$${target.")
            at = p.end
            if p.kind in _TARGET:
                out += _TARGET[p.kind]
            elif p.kind == "environment":
                if path == ("family",) and environment is not None:
                    out += environment
                    continue
                if path == ("family",) and (p.start == 0 or p.end == len(value)):
                    out = out.rstrip("-_") if p.end == len(value) else out
                    if p.start == 0:  # leading: drop the separator after it
                        at = p.end + (1 if value[p.end : p.end + 1] in ("-", "_") else 0)
                    continue
                out += "${target.environment}"
            else:
                out += p.text
                where = unmapped.setdefault(p.text, (p, []))
                where[1].append((path, smap.locate(prefix + path)))
        return out + value[at:].replace("${target.", "$${target.")

    mapped = walk(task, ())

    def at(path: FieldPath) -> Any:
        value: Any = mapped
        for part in path:
            value = (
                value.get(part)
                if isinstance(value, dict)
                else value[part]
                if isinstance(value, list) and isinstance(part, int)
                else None
            )
        return value

    for text, (p, where) in unmapped.items():
        path, (line, col) = where[0]
        lines = sorted({mark[0] for _, mark in where})
        repositories = {
            at(q[:2])["name"]: placeholders.repository_of(at(q), p)
            for q, _ in where
            if len(q) == 3
            and q[0] == "containerDefinitions"
            and q[2] == "image"
            and isinstance(at(q[:2]), dict)
            and isinstance(at(q[:2]).get("name"), str)
            and isinstance(at(q), str)
        }
        deploy = (
            placeholders.image_set_command(deploys.spec, deploys.environment, repositories)
            if deploys is not None and repositories
            else None
        )
        first = at(path)
        warnings.append(
            IMPORT_PLACEHOLDER.finding(
                f"{text} is a placeholder ({p.style}) ecsform cannot fill in: imported as it is, at line"
                f"{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}",
                path=path,
                hint=placeholders.offer(p, path, first if isinstance(first, str) else None, deploy),
                file=file,
                mark=(line, col),
            )
        )
    return mapped, warnings


_DROP: Any = object()
