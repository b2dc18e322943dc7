"""Deployed images recorded in a root's images file (images/<root>.yaml): checked as synth will check them, written
through the writer under the file's lock, only when its bytes change; and the images an imported spec's roots run.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .. import images, validation
from .. import plan as planner
from ..errors import EcsformError, Finding, errors_in, sorted_findings
from ..images import IMAGES_CONTAINER
from ..locations import display_path
from ..options import Options
from ..spec import document as specs
from .selection import cli_finding, require_config

if TYPE_CHECKING:
    from ..config import Config


def running(variant: specs.Variant, deployed: images.Deployed) -> dict[str, str]:
    """What a root runs per container: its deployed image, else the spec's."""
    out = {c["name"]: c.get("image") for _, c in images.containers(variant.task)}
    out.update({name: e.image for name, e in deployed.entries.items() if name in out})
    return {k: v for k, v in out.items() if isinstance(v, str)}


@dataclass
class Recorded:
    """What `record` did to one root's images file."""

    root: str
    file: str
    changes: list[tuple[str, str, str]]  # (container, before, after)
    written: bool


def record(
    variant: specs.Variant,
    chosen: dict[str, tuple[str, str | None]],
    options: Options,
    where: dict[str, str],
    lock_timeout: float,
) -> tuple[Recorded, list[Finding]]:
    """Record `chosen` (container -> (image, reason)) in the images file of the variant's root: checked as synth
    will check it (nothing written on an error), written through the writer under the file's lock, and only when its
    bytes change. `where` names each container's command-line argument, where findings about it point."""
    config = require_config(options, "image set")
    root = planner.root_path(variant)
    path = images.path_for(config, root)
    if not chosen:
        return Recorded(root, display_path(path), [], False), []
    names = {c["name"] for _, c in images.containers(variant.task)}
    unknown = [name for name in chosen if name not in names]
    if unknown:
        from ..text import suggest

        raise EcsformError(
            [
                cli_finding(
                    IMAGES_CONTAINER,
                    f"{name!r} is not a container of root {root} ({variant.file}"
                    + (f", environment {variant.environment}" if variant.environment else "")
                    + ")",
                    where.get(name, name),
                    (f"did you mean {close!r}? " if (close := suggest(name, sorted(names))) else "")
                    + f"its containers: {', '.join(sorted(names))}",
                )
                for name in unknown
            ]
        )
    made = [d for d in (path.parent, *path.parent.parents) if not d.exists()]  # the folders the lock creates
    try:
        return _record_locked(variant, chosen, options, where, config, root, path, lock_timeout)
    except EcsformError:
        for folder in made:  # nothing is left behind by a refused deploy, empty folders included
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _record_locked(
    variant: specs.Variant,
    chosen: dict[str, tuple[str, str | None]],
    options: Options,
    where: dict[str, str],
    config: "Config",
    root: str,
    path: Path,
    timeout: float,
) -> tuple[Recorded, list[Finding]]:
    from ..writer.lock import output_lock
    from ..writer.single_file import write_file

    with output_lock(path, timeout, parents=True, on_wait=options.on_wait):
        current = images.read(config, root)
        before = running(variant, current)
        entries = dict(current.entries)
        for name, (image, reason) in chosen.items():
            old = entries.get(name)
            keep = reason if reason is not None else (old.reason if old is not None and old.image == image else None)
            entries[name] = images.Entry(name, image, keep)
        text = images.render(root, variant.file, variant.environment, entries)
        proposed = images.parse_text(text, root, path, current.file)
        checked = validation.check_deployed(
            variant,
            validation.base_policy(options),
            options.region,
            config.target(variant.environment),
            config,
            proposed,
        )
        about = [f for f in checked.findings if f.file == current.file]
        lines = {e.mark[0]: e.container for e in proposed.entries.values()}
        located = []
        for f in about:  # what is wrong with a new line is said at its argument: the file is not written yet
            container = lines.get(f.line)
            if container is not None and container in chosen:
                located.append(replace(f, file=where.get(container, container), line=1, col=len(container) + 2))
            else:
                located.append(f)
        errors = errors_in(located) or [
            f for f in errors_in(checked.findings) if f.file != current.file
        ]  # a spec with errors: synth would stop on it, so nothing is recorded
        if errors:
            raise EcsformError(sorted_findings(errors + [f for f in located if f not in errors]))
        changes = [
            (name, before.get(name, ""), image)
            for name, (image, _) in sorted(chosen.items())
            if before.get(name) != image
        ]
        old_bytes = path.read_bytes() if current.exists else None
        written = old_bytes != text.encode()
        if written:
            write_file(path, text.encode())
    return Recorded(root, current.file, changes, written), sorted_findings(located)


def record_imported(text: str, spec_file: str, options: Options, lock_timeout: float) -> list[str]:
    """`import --from-aws --out FILE` with an ecsform.yaml: the live images of each root the imported spec makes,
    recorded in their images files, so that adopting a running service keeps what it runs when the spec's image
    is edited later."""
    from ..spec.loader import load_text

    lines = []
    spec = specs.split(load_text(text, spec_file), spec_file)
    for variant in specs.variants(spec):
        chosen: dict[str, tuple[str, str | None]] = {
            c["name"]: (c["image"], None) for _, c in images.containers(variant.task) if c.get("image")
        }
        where = {n: spec_file for n in chosen}
        try:
            done, _ = record(variant, chosen, options, where, lock_timeout)
        except EcsformError as exc:
            root = planner.root_path(variant)
            lines.append(
                f"not recorded: the images root {root} runs ({len(errors_in(exc.findings))} error(s): `ecsform "
                f"validate {spec_file}` shows them; then `ecsform image set {spec_file}"
                + (f" --env {variant.environment}" if variant.environment else "")
                + " CONTAINER=IMAGE...`)"
            )
            continue
        if done.written:
            lines.append(f"wrote {done.file}: the images root {done.root} runs")
    return lines
