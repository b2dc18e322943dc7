"""`ecsform image set | promote | show`: the images a root runs, recorded (recording.py) and shown."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .. import images, validation
from .. import plan as planner
from ..errors import Check, EcsformError, Finding, Severity, sorted_findings
from ..images import IMAGES_CONTAINER
from ..options import Options
from ..spec.document import ENV_UNKNOWN
from .recording import Recorded, record, running
from .selection import cli_finding, one_variant, require_config, variants_of

# The findings this module raises (collected by the catalog: generators/rules).
CLI_IMAGE = Check(
    "CLI-IMAGE", Severity.ERROR, "image set: an argument is not CONTAINER=IMAGE, or names a container twice."
)


def parse_assignments(values: list[str]) -> dict[str, str]:
    """CONTAINER=IMAGE arguments, as given (each container once)."""
    out: dict[str, str] = {}
    problems = []
    for value in values:
        name, sep, image = value.partition("=")
        if not sep or not name.strip() or not image.strip() or image != image.strip() or name != name.strip():
            problems.append(
                cli_finding(
                    CLI_IMAGE,
                    "not CONTAINER=IMAGE",
                    value,
                    "for example api=123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.4.3",
                )
            )
        elif name in out:
            problems.append(cli_finding(CLI_IMAGE, f"container {name!r} is given twice", value))
        else:
            out[name] = image
    if not values:
        problems.append(
            cli_finding(CLI_IMAGE, "no CONTAINER=IMAGE given", "image set", "ecsform image set SPEC api=IMAGE")
        )
    if problems:
        raise EcsformError(problems)
    return out


def image_set(
    spec: str,
    env: str | None,
    assignments: list[str],
    options: Options,
    reason: str | None = None,
    lock_timeout: float = 5.0,
) -> tuple[list[str], list[Finding]]:
    """`ecsform image set SPEC [--env E] CONTAINER=IMAGE...`: the lines to print and the warnings."""
    require_config(options, "image set")
    chosen = parse_assignments(assignments)
    where = {name: f"{name}={image}" for name, image in chosen.items()}
    variant = one_variant(spec, env)
    if reason is not None and not reason.strip():
        raise EcsformError([cli_finding(CLI_IMAGE, "--reason is empty", "--reason", "say why, in words")])
    done, warnings = record(
        variant, {k: (v, reason.strip() if reason else None) for k, v in chosen.items()}, options, where, lock_timeout
    )
    return _recorded_lines(done), warnings


def _recorded_lines(done: Recorded) -> list[str]:
    if not done.changes and not done.written:
        return [f"{done.file}: unchanged: root {done.root} already runs these images"]
    lines = [f"{done.file}: {name}: {before or '(none)'} -> {after}" for name, before, after in done.changes]
    if done.written and not done.changes:
        lines.append(f"{done.file}: the images are unchanged; their reasons (or the file's layout) are updated")
    return lines


def image_promote(
    spec: str,
    source: str,
    target: str,
    options: Options,
    containers: list[str] | None = None,
    lock_timeout: float = 5.0,
) -> tuple[list[str], list[Finding]]:
    """`ecsform image promote SPEC --from dev --to prod`: what the `source` root runs (its deployed images, else the
    spec's), recorded for the `target` root, for the containers both have (or `containers`)."""
    config = require_config(options, "image promote")
    if source == target:
        raise EcsformError([cli_finding(CLI_IMAGE, "--from and --to name the same environment", "--to")])
    found = variants_of(spec)
    by_env = {v.environment: v for v in found}
    problems = []
    for flag, name in (("--from", source), ("--to", target)):
        if name not in by_env:
            from ..text import suggest

            known = [e for e in by_env if e]
            close = suggest(name, known)
            problems.append(
                cli_finding(
                    ENV_UNKNOWN,
                    f"{flag} {name}: the spec has no environment of that name",
                    flag,
                    (f"did you mean {close!r}? " if close else "") + f"its environments: {', '.join(known) or 'none'}",
                )
            )
    if problems:
        raise EcsformError(problems)
    origin, destination = by_env[source], by_env[target]
    runs = running(origin, images.read(config, planner.root_path(origin)))
    reasons = {n: e.reason for n, e in images.read(config, planner.root_path(origin)).entries.items()}
    theirs = {c["name"] for _, c in images.containers(destination.task)}
    wanted = containers or sorted(n for n in runs if n in theirs)
    missing = [n for n in wanted if n not in runs or n not in theirs]
    if missing:
        raise EcsformError(
            [
                cli_finding(
                    IMAGES_CONTAINER,
                    f"container {n!r} is not in both environments ({source}: {', '.join(sorted(runs))}; "
                    f"{target}: {', '.join(sorted(theirs))})",
                    "--container",
                )
                for n in missing
            ]
        )
    now = running(destination, images.read(config, planner.root_path(destination)))
    chosen = {n: (runs[n], reasons.get(n)) for n in wanted if now.get(n) != runs[n]}  # what differs
    where = {n: f"--from {source}" for n in wanted}
    done, warnings = record(destination, chosen, options, where, lock_timeout)
    lines = _recorded_lines(done)
    skipped = sorted(n for n in runs if n not in theirs)
    if skipped and not containers:
        lines.append(f"not promoted (no such container in {target}): {', '.join(skipped)}")
    return lines, warnings


@dataclass(frozen=True)
class Shown:
    root: str
    environment: str | None
    spec: str
    container: str
    image: str
    file: str | None  # the images file and line when deployed, else None (the spec's image)
    line: int | None
    reason: str | None


def image_show(paths: list[str], options: Options) -> tuple[list[Shown], list[Finding]]:
    """`ecsform image show [PATHS]`: what each root runs, per container, and where that is written."""
    config = require_config(options, "image show")
    found, problems = validation.load(paths or validation.project_specs(config), options.env)
    rows: list[Shown] = []
    roots: set[str] = set()
    for v in found:
        if not v.family:
            continue
        root = planner.root_path(v)
        roots.add(root)
        try:
            deployed = images.read(config, root)
        except EcsformError as exc:
            problems += exc.findings
            continue
        for _, c in images.containers(v.task):
            entry = deployed.entries.get(c["name"])
            image = entry.image if entry else c.get("image")
            rows.append(
                Shown(
                    root,
                    v.environment,
                    v.file,
                    c["name"],
                    image if isinstance(image, str) else "",
                    deployed.file if entry else None,
                    entry.mark[0] if entry else None,
                    entry.reason if entry else None,
                )
            )
    if validation.covers_project({v.file for v in found}, config):
        problems += images.orphans(config, roots)
    return sorted(rows, key=lambda r: (r.root, r.container)), sorted_findings(problems)


def shown_text(rows: list[Shown], as_json: bool) -> str:
    """What `ecsform image show` prints: a JSON list of the rows, or a line per root and container (its image, and
    where it is written: the images file and line, else the spec)."""
    if as_json:
        document = [
            {
                "root": r.root,
                "environment": r.environment,
                "spec": r.spec,
                "container": r.container,
                "image": r.image,
                "deployed": r.file is not None,
                "file": r.file,
                "line": r.line,
                "reason": r.reason,
            }
            for r in rows
        ]
        return json.dumps(document, indent=2) + "\n"
    lines = []
    for r in rows:
        where = f"{r.file}:{r.line}" if r.file else f"spec ({r.spec})"
        lines.append(f"{r.root}  {r.container}  {r.image}  {where}\n")
    return "".join(lines)
