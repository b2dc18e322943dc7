"""The publication's journal: the steps that publish what is staged (renames into place; what they replace or
remove is kept in the staging folder), written and synced before the first step runs and removed after the last
(that is the commit). A run that dies in between is undone by the next run that takes the lock (`recover`): the
previous output comes back byte for byte and the staging folder goes.

The staging folder: OUT/.ecsform-staging-<pid>-<random>/ with new/ (the new bytes), old/ (what the steps replace or
remove) and journal.json ({"ops": [["put", rel, existed], ["add", rel], ["remove", rel], ["rmdir", rel], ...]})."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Iterable

from .disk import fs, rmtree, sync, sync_folders, write_new
from .manifest import MANIFEST

STAGING_PREFIX = ".ecsform-staging-"
JOURNAL = "journal.json"


@dataclass(frozen=True, slots=True)
class Put:
    """The file `rel` takes the staged new/rel; `existed`: it replaces a file (kept as old/rel for an undo)."""

    KIND: ClassVar[str] = "put"

    rel: str
    existed: bool


@dataclass(frozen=True, slots=True)
class Add:
    """The staged folder new/rel, whole, becomes the folder `rel` (nothing was there)."""

    KIND: ClassVar[str] = "add"

    rel: str


@dataclass(frozen=True, slots=True)
class Remove:
    """The file or folder `rel` goes (to old/rel, until the commit)."""

    KIND: ClassVar[str] = "remove"

    rel: str


@dataclass(frozen=True, slots=True)
class Rmdir:
    """The folder `rel`, left empty by the removals, goes."""

    KIND: ClassVar[str] = "rmdir"

    rel: str


Step = Put | Add | Remove | Rmdir


def encode(steps: Iterable[Step]) -> bytes:
    """The journal's bytes."""
    ops: list[list[str | bool]] = []
    for step in steps:
        ops.append([step.KIND, step.rel, step.existed] if isinstance(step, Put) else [step.KIND, step.rel])
    return json.dumps({"ops": ops}).encode()


_BY_KIND: dict[str, type[Add] | type[Remove] | type[Rmdir]] = {c.KIND: c for c in (Add, Remove, Rmdir)}


def decode(data: bytes) -> list[Step]:
    """The steps a journal names (ValueError when it is not one this writer wrote)."""
    ops = json.loads(data)["ops"]
    steps: list[Step] = []
    for op in ops:
        match op:
            case ["put", str(rel), bool(existed)]:
                steps.append(Put(rel, existed))
            case [str(kind), str(rel)] if kind in _BY_KIND:
                steps.append(_BY_KIND[kind](rel))
            case _:
                raise ValueError(f"unknown step {op!r}")
    return steps


def write(staging: str, steps: list[Step]) -> None:
    """Write the journal of `steps` and make it durable: from here until `commit`, a run that dies is undone."""
    write_new(f"{staging}/journal.tmp", encode(steps))
    sync([f"{staging}/journal.tmp"])
    fs.rename(f"{staging}/journal.tmp", f"{staging}/{JOURNAL}")
    sync(folders=[staging])


def apply(out: Path, staging: Path, step: Step) -> None:
    """Run one step."""
    target = f"{out}/{step.rel}"  # (text, not Path: one step per root and file)
    if isinstance(step, Put):
        fs.replace(f"{staging}/new/{step.rel}", target)
    elif isinstance(step, Add):
        fs.rename(f"{staging}/new/{step.rel}", target)
    elif isinstance(step, Remove):
        fs.rename(target, f"{staging}/old/{step.rel}")
    else:
        fs.rmdir(target)


def commit(staging: str) -> None:
    """The journal's removal: what the steps did stays."""
    fs.unlink(f"{staging}/{JOURNAL}")


def undo(out: Path, staging: Path, steps: list[Step]) -> None:
    """Put back what the steps that ran changed, last first. Steps that did not run are left alone, so undoing
    twice (a run that dies while undoing, then the next run) is the same as undoing once."""
    new, old = staging / "new", staging / "old"
    for step in reversed(steps):
        rel = step.rel
        if isinstance(step, Put) and not os.path.lexists(new / rel):
            if step.existed:
                if os.path.lexists(old / rel):
                    fs.replace(old / rel, out / rel)
            elif os.path.lexists(out / rel):
                fs.unlink(out / rel)
        elif isinstance(step, Add) and not os.path.lexists(new / rel) and os.path.lexists(out / rel):
            fs.rename(out / rel, new / rel)
        elif isinstance(step, Remove) and os.path.lexists(old / rel):
            fs.rename(old / rel, out / rel)
        elif isinstance(step, Rmdir) and not os.path.lexists(out / rel):
            fs.mkdir(out / rel)
    sync_folders(str(out), touched(out, steps))


def touched(out: Path, steps: list[Step]) -> set[Path]:
    """The folders whose entries the steps changed (those a later step removed are gone)."""
    return {p for p in {(out / step.rel).parent for step in steps} if os.path.isdir(p)}


def recover(out: str | Path) -> bool:
    """Undo what runs that died left in `out` (the caller holds its lock): a publication begun and not committed
    is rolled back, staging folders are removed. True when there was something to clean."""
    out = Path(os.path.abspath(out))
    found = False
    legacy = out.parent / f".{out.name}.ecsform-old"  # the previous writer's backup of a whole output
    if os.path.isdir(legacy) and not os.path.lexists(out):
        fs.rename(legacy, out)
        found = True
    if os.path.isdir(out.parent / f".{out.name}.ecsform-new"):
        rmtree(out.parent / f".{out.name}.ecsform-new")
        found = True
    if not os.path.isdir(out):
        return found
    for name in sorted(os.listdir(out)):
        staging = out / name
        if not name.startswith(STAGING_PREFIX) or not staging.is_dir() or staging.is_symlink():
            continue
        found = True
        try:
            steps = decode((staging / JOURNAL).read_bytes())
        except FileNotFoundError:
            steps = []
        if steps:
            undo(out, staging, steps)
        rmtree(staging)
    if found and not os.listdir(out) and not os.path.lexists(out / MANIFEST):
        fs.rmdir(out)  # the first run into this folder died: as if it never ran
    return found


def interrupted(out: Path) -> bool:
    """Whether a run died while publishing into `out` (a journal is there: the next run that writes undoes it)."""
    try:
        return any(n.startswith(STAGING_PREFIX) and os.path.lexists(out / n / JOURNAL) for n in os.listdir(out))
    except OSError:
        return False
