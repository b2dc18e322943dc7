"""What publishing into an output changes, planned before anything moves: for each file, whether it is new, changed
or the same (unchanged files keep their bytes, inode and mtime); then the files a root no longer has, the roots no
spec produces any more (removed when they hold only what ecsform wrote; else kept and reported, OUT-ORPHANED, until
`prune` removes them, which a root holding Terraform state needs `force` for), and the folders that leaves empty."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..errors import Check, Finding, Severity
from .compare import same
from .faults import at_path
from .journal import Add, Put, Remove, Rmdir, Step
from .manifest import Manifest, R, Written, ancestors, generated, is_inside, written_entries
from .state import foreign, held_state, remote

# The findings this module raises (collected by the catalog: generators/rules).
OUT_ORPHANED = Check(
    "OUT-ORPHANED",
    Severity.WARNING,
    ("A root no spec produces any more holds state or files ecsform did not write: kept (remove it with --prune)."),
)
OUT_PRUNE_STATE = Check(
    "OUT-PRUNE-STATE", Severity.ERROR, "--prune would remove a root that holds Terraform state (needs --force)."
)


@dataclass
class Changes:
    """What publishing `files` into an output would change (root paths as manifest.json writes them)."""

    missing: list[str] = field(default_factory=list)  # roots to write that are not on disk at all
    stale: list[str] = field(default_factory=list)  # roots on disk whose generated files differ
    extra: list[str] = field(default_factory=list)  # roots on disk the specs no longer produce
    kept: list[str] = field(default_factory=list)  # ... of those, kept (they hold state or your files)
    manifest: bool = False  # manifest.json would change
    interrupted: bool = False  # a run died while publishing (the next run undoes it)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra or self.manifest or self.interrupted)


class Kinds:
    """What stands at each path of an output: True a folder, False something else, None nothing (each path is
    read once)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._known: dict[str, bool | None] = {}

    def __call__(self, rel: str) -> bool | None:
        if rel not in self._known:
            p = f"{self.base}/{rel}"
            self._known[rel] = os.path.isdir(p) if os.path.lexists(p) else None
        return self._known[rel]


def file_step(kinds: Kinds, rel: str, data: bytes) -> Put | Add | None:
    """How a file of the new output gets there: None when the disk holds it already, `Add` of the first folder on
    its way that does not exist (then neither does the file), else `Put`. OSError when something else than a
    folder stands on its way (ENOTDIR), or a folder where it goes (EISDIR)."""
    for a in ancestors(rel):
        k = kinds(a)
        if k is None:
            return Add(a)
        if k is False:
            raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), f"{kinds.base}/{a}")
    found = same(f"{kinds.base}/{rel}", data)
    if found:
        return None
    if kinds(rel) is True:
        raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), f"{kinds.base}/{rel}")
    return Put(rel, found is not None)


@dataclass
class Rest:
    """What publishing removes besides what it writes: the steps (files a root no longer has, roots no spec
    produces, then the folders that leaves empty), and the roots no spec produces: kept (their entries, and an
    OUT-ORPHANED warning each), refused (OUT-PRUNE-STATE: --prune without --force where state is), removed."""

    steps: list[Step] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    refused: list[Finding] = field(default_factory=list)
    kept: list[Written] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def plan_rest(
    out: Path,
    display: str,
    manifest: Manifest[R],
    old: Mapping[str, object],
    kinds: Kinds,
    touched: set[str],
    changes: Changes,
    *,
    prune: bool,
    force: bool,
) -> Rest:
    """Once every file is planned (`touched`: the roots with a file to write): what else changes, given the new
    `manifest` and the `old` one on disk; `changes` gets the roots missing, stale, extra and kept."""
    names = {r["path"]: r["files"] for r in generated(manifest)}
    below: dict[str, list[str]] = {}  # folder -> the roots under it
    for r in names:
        for a in ancestors(r):
            below.setdefault(a, []).append(r)
    previous = {r.path: r for key in ("orphaned", "roots", "modules") for r in written_entries(old, key)}
    rest = Rest()
    for path in sorted(names.keys() & previous.keys()):  # files a root no longer has (e.g. another --engine)
        for name in sorted(previous[path].files - set(names[path])):
            rel = f"{path}/{name}"
            if is_inside(rel) and kinds(rel) is False:
                touched.add(path)
                rest.steps.append(Remove(rel))
    for r, files in names.items():
        if r in touched:
            present = kinds(r) is True and any(os.path.lexists(f"{kinds.base}/{r}/{n}") for n in files)
            (changes.stale if present else changes.missing).append(r)
    specs = _specs(manifest["roots"])
    _orphans(out, display, previous, set(names), below, specs, kinds, changes, rest, prune=prune, force=force)
    rest.steps += _emptied(out, rest.steps, names.keys() | below.keys(), previous)
    return rest


def _orphans(
    out: Path,
    display: str,
    previous: dict[str, Written],
    current: set[str],
    below: dict[str, list[str]],
    specs: set[str],
    kinds: Kinds,
    changes: Changes,
    rest: Rest,
    *,
    prune: bool,
    force: bool,
) -> None:
    """The roots the specs no longer produce: removed when they hold only what ecsform wrote, else kept."""
    gone: set[str] = set()  # removed as a whole
    for path in sorted(previous):
        entry = previous[path]
        if path in current or kinds(path) is not True or any(a in gone for a in ancestors(path)):
            continue
        changes.extra.append(path)
        inside = [r[len(path) + 1 :] for r in below.get(path, [])]  # new roots within it
        leading = {a for r in inside for a in ancestors(r)}
        others = foreign(out / path, entry.files, set(inside), leading)
        state = held_state(out / path, others)
        where = f"{display}/{path}"
        if others and not prune:
            changes.kept.append(path)
            rest.kept.append(entry)
            rest.findings.append(_kept(where, entry, specs, others, state))
        elif state and not force:
            rest.refused.append(_refused(where, state))
        else:
            rest.removed.append(path)
            if not inside:
                gone.add(path)
                rest.steps.append(Remove(path))
            else:  # new roots live inside it: remove what is its own, keep the way to them
                for name in sorted(os.listdir(out / path)):
                    if name not in inside and name not in leading:
                        rest.steps.append(Remove(f"{path}/{name}"))


def _specs(roots: list[R]) -> set[str]:
    """The specs that produce the roots of this run (roots made from a spec: a bootstrap root is not)."""
    found = set()
    for r in roots:
        entry: Mapping[str, object] = r
        spec = entry.get("spec")
        if isinstance(spec, str):
            found.add(spec)
    return found


def _kept(where: str, entry: Written, specs: set[str], others: list[str], state: list[str]) -> Finding:
    held = (
        f"Terraform state ({', '.join(state)})"
        if state
        else f"files ecsform did not write ({', '.join(others[:3])}{', ...' if len(others) > 3 else ''})"
    )
    return at_path(
        OUT_ORPHANED,
        f"kept: this run does not produce it ({_why(entry, specs)}), and it holds {held}",
        where,
        _orphan_hint(where, state),
        Severity.WARNING,
    )


def _refused(where: str, state: list[str]) -> Finding:
    return at_path(
        OUT_PRUNE_STATE,
        f"--prune would remove a root that holds Terraform state ({', '.join(state)})",
        where,
        f"destroy what it manages first (cd {where} && terraform destroy), then prune again"
        + (" with --force (ecsform cannot see a backend's state)" if remote(state) else "")
        + "; --force removes it and its state as they are; without --prune it is kept",
    )


def _why(entry: Written, specs: set[str]) -> str:
    spec = entry.spec
    if spec is None:
        return "no spec produces it"
    if spec in specs:
        return f"{spec} no longer produces it"
    if os.path.exists(spec):
        return f"its spec {spec} is not among this run's inputs"
    return f"its spec {spec} is gone"


def _orphan_hint(where: str, state: list[str]) -> str:
    if state:
        return (
            f"synth its spec again to keep it; if it is gone for good, destroy what it manages "
            f"(cd {where} && terraform destroy), then run synth with --prune"
            + (" --force (ecsform cannot see a backend's state)" if remote(state) else "")
        )
    return "synth its spec again to keep it, or run synth with --prune to remove it"


def _emptied(out: Path, steps: list[Step], keep: set[str], previous: dict[str, Written]) -> list[Rmdir]:
    """The folders the removals among `steps` leave empty, deepest first; not those that hold or will hold a root
    (`keep`), nor a root of before that stays."""
    going = {step.rel for step in steps if isinstance(step, Remove)}
    emptied = []
    for folder in sorted({a for rel in going for a in ancestors(rel)}, key=lambda a: (-a.count("/"), a)):
        if folder in keep or (folder in previous and folder not in going):
            continue
        if all(f"{folder}/{n}" in going for n in os.listdir(out / folder)):
            going.add(folder)
            emptied.append(Rmdir(folder))
    return emptied
