"""One write of an output, in place, as a transaction: only files whose bytes change are written; new and changed
files are staged in `OUT/.ecsform-staging-<pid>-<random>/` (unique per run) and synced; then the journal of the
publishing steps is written and synced, the steps run, and the journal is removed: that is the commit. A run that
fails before its commit is rolled back at once, or, if it died, by the next run that takes the lock.

An existing output folder that ecsform did not write (no manifest.json) is refused, not overwritten."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Generic, Iterator, Mapping

from ..errors import Check, EcsformError, Finding, Severity
from . import journal
from .changes import Changes, Kinds, file_step, plan_rest
from .compare import Token, same, token
from .disk import Writeback, backup, fs, mkdirs, rmtree, settle, sync, sync_folders, write_new
from .faults import OUT_NOT_DIR, at_path, fault
from .journal import STAGING_PREFIX, Add, Put, Step
from .lock import require_lock
from .manifest import MANIFEST, Manifest, R, ancestors, generated, manifest_text, read_manifest

# files staged together: written in a batch rather than one between two renders (a few hundred KB held)
_BATCH = 256
# files staged since the last early writeback (disk.Writeback) before the next starts
_WRITEBACK = 2048

# The findings this module raises (collected by the catalog: generators/rules).
OUT_NOT_ECSFORM = Check("OUT-NOT-ECSFORM", Severity.ERROR, "--out names a folder ecsform did not write.")


@dataclass
class Result(Generic[R]):
    manifest: Manifest[R]  # as written (with "orphaned" when roots were kept)
    changes: Changes  # what this run changed
    removed: list[str]  # roots removed
    findings: list[Finding]  # warnings: roots kept (OUT-ORPHANED)


class Publication:
    """One write of an output, root by root: `add` compares each file with the disk at once and stages what differs
    in batches of a few hundred files (so no one holds every root's bytes); `finish(manifest)` plans what goes
    (roots no spec produces any more, files a root no longer has), stages the manifest and publishes it all
    together. With `write=False` it writes nothing and only tells what would change (synth --check). Made by
    `publication()`, which removes what was staged when the run stops before `finish` (an error, Ctrl-C): the
    output is then as it was."""

    def __init__(self, out: Path, display: str, *, write: bool = True) -> None:
        self.out, self.base, self.display, self.write = out, str(out), display, write
        self.old = read_manifest(out)
        self.steps: list[Step] = []
        self.changes = Changes()
        self.kinds = Kinds(self.base)
        self.added: set[str] = set()  # new folders, staged whole and renamed in once
        self.touched: set[str] = set()  # roots with a file to write
        self.staging: str | None = None  # OUT/.ecsform-staging-<pid>-<random>, made with the first file staged
        self.created = False  # the output folder did not exist: made for the staging folder
        self.staged = 0  # files and links in the staging folder
        self.pending: list[tuple[str, bytes]] = []  # files to stage with the next batch (`_flush`)
        self.writeback: Writeback | None = None  # made with the staging folder
        self.unsynced = 0  # files staged since the last early writeback started
        self.made: dict[str, set[str]] = {"new": set(), "old": set()}
        self.done = False
        self.restored: bool | None = None  # when publishing failed: whether the previous output is back

    def add(self, root: str | None, files: Mapping[str, bytes], same: Mapping[str, Token] | None = None) -> list[str]:
        """The files of one root (paths relative to the output, under `root`): those whose bytes differ from the
        disk's are staged (in batches of `_BATCH` files); unchanged ones are left alone (bytes, inode and mtime).
        `same`: files found unchanged already (`compare.unchanged`'s tokens), confirmed with a stat each; returns
        those that changed since, whose bytes the caller adds again."""
        stale = []
        try:
            for rel, known in (same or {}).items():
                try:
                    now: Token | None = token(os.stat(f"{self.base}/{rel}"))
                except OSError:
                    now = None
                if now != known:
                    stale.append(rel)
            names = sorted(files)
            first = file_step(self.kinds, names[0], files[names[0]]) if names else None
            if isinstance(first, Add) and root is not None and (root + "/").startswith(first.rel + "/"):
                # a root whose folder (or one above it) is not in the output: every file of it goes in with this
                # one Add step, so the disk is not asked about each of the others
                self._record(root, first)
                if self.write:
                    self.pending += [(rel, files[rel]) for rel in names]
            else:
                for rel in names:
                    step = first if rel == names[0] else file_step(self.kinds, rel, files[rel])
                    if step is not None:
                        self._record(rel if root is None else root, step)
                        if self.write:
                            self._stage(rel, files[rel], keep=isinstance(step, Put) and step.existed)
            if len(self.pending) >= _BATCH:
                self._flush()
        except OSError as exc:
            raise self._failed(exc) from None
        return sorted(stale)

    def _record(self, touched: str, step: Put | Add) -> None:
        """Record a step of the new output (an Add once, however many files it brings) and the root it touches."""
        self.touched.add(touched)
        if isinstance(step, Add):
            if step.rel not in self.added:
                self.added.add(step.rel)
                self.steps.append(step)
        else:
            self.steps.append(step)

    def _folders(self) -> tuple[str, str, str]:
        """The staging folder and its new/ and old/, made on first use (and the output folder, when new)."""
        if self.staging is None:
            self.created = not os.path.lexists(self.base)
            self.staging = f"{self.base}/{STAGING_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
            if self.created:
                fs.mkdir(self.base)
            for folder in (self.staging, f"{self.staging}/new", f"{self.staging}/old"):
                fs.mkdir(folder)
            self.writeback = Writeback(self.staging)
        return self.staging, f"{self.staging}/new", f"{self.staging}/old"

    def _stage(self, rel: str, data: bytes, *, keep: bool) -> None:
        """Stage a file's new bytes (with the next batch), and keep the file it replaces (`keep`) for an undo."""
        self.pending.append((rel, data))
        if keep:
            _, _, old = self._folders()
            parent = rel.rpartition("/")[0]
            if parent:
                mkdirs(old, parent, self.made["old"])
            backup(f"{self.base}/{rel}", f"{old}/{rel}")
            self.staged += 1

    def _flush(self) -> None:
        """Write the files waiting to be staged, one after the other: the file system's code stays warm between
        them, where a file written between two renders finds it cold (on tmpfs, 35% slower per file)."""
        if not self.pending:
            return
        _, new, _ = self._folders()
        made = self.made["new"]
        for rel, data in self.pending:
            parent = rel.rpartition("/")[0]
            if parent and parent not in made:
                mkdirs(new, parent, made)
            write_new(f"{new}/{rel}", data)
            self.staged += 1
        self.unsynced += len(self.pending)
        self.pending = []
        if self.unsynced >= _WRITEBACK and self.writeback is not None:
            self.writeback.start()
            self.unsynced = 0

    def finish(
        self, manifest: Manifest[R], *, prune: bool = False, force: bool = False, texts: list[str] | None = None
    ) -> Result[R]:
        """Plan the removals and the manifest (its "roots" name each root's path and files), then publish
        everything staged, all together or not at all; for a comparison (write=False), only plan. `texts`: each
        root's entry as manifest.json writes it (`manifest.entry_text`), made where the roots were rendered."""
        try:
            rest = plan_rest(
                self.out,
                self.display,
                manifest,
                self.old,
                self.kinds,
                self.touched,
                self.changes,
                prune=prune,
                force=force,
            )
            self.steps += rest.steps
            # the manifest, last; it lists the roots kept for their state so that the next run knows their files
            written = manifest.copy()
            if rest.kept:
                written["orphaned"] = [r.entry for r in sorted(rest.kept, key=lambda r: r.path)]
            self._manifest(manifest_text(written, texts).encode(), stage=not rest.refused)
            if rest.refused:
                raise EcsformError(rest.refused)
            extra = self._publish() if self.write and self.steps else []
        except OSError as exc:
            raise self._failed(exc) from None
        if not self.write:
            self.changes.interrupted = journal.interrupted(self.out)
        self.done = True
        return Result(written, self.changes, rest.removed, rest.findings + extra)

    def _manifest(self, data: bytes, *, stage: bool) -> None:
        found = same(f"{self.base}/{MANIFEST}", data)
        if not found:
            self.changes.manifest = True
            self.steps.append(Put(MANIFEST, found is not None))
            if self.write and stage:
                self._stage(MANIFEST, data, keep=found is not None)

    def _publish(self) -> list[Finding]:
        """Make the staging durable, journal, apply, commit. On any failure before the commit, undo and remove the
        staging folder (`restored`: whether the previous output is back)."""
        self._flush()
        staging, _, old = self._folders()
        steps = self.steps
        if self.writeback is not None:
            self.writeback.join()
        try:
            for step in steps:
                parent = step.rel.rpartition("/")[0]
                if isinstance(step, journal.Remove) and parent:
                    mkdirs(old, parent, self.made["old"])
            settle(self.base, staging, self.staged + len(self.made["new"]) + len(self.made["old"]))
            journal.write(staging, steps)
            for step in steps:  # from here until the journal is gone, a run that dies is undone by the next one
                journal.apply(self.out, Path(staging), step)
            sync_folders(self.base, journal.touched(self.out, steps))
            journal.commit(staging)
        except BaseException:
            self.restored = self.abandon()
            raise
        self.done = True
        try:
            sync(folders=[staging])
            rmtree(Path(staging))
        except OSError as exc:  # published all the same; the next run removes what is left
            name = os.path.basename(staging)
            return [
                replace(
                    fault(exc, os.path.join(self.display, name), "remove this staging folder (the next run will)"),
                    severity=Severity.WARNING,
                )
            ]
        return []

    def abandon(self) -> bool:
        """Undo a publication that stopped before its commit and remove its staging folder. False when that failed
        too (then the next run that takes the lock finishes the job: the journal says what to undo)."""
        self.done = True
        self.pending = []
        if self.staging is None:
            return True
        staging = Path(self.staging)
        try:
            if os.path.lexists(staging / journal.JOURNAL):
                journal.undo(self.out, staging, self.steps)
            if os.path.lexists(staging):
                rmtree(staging)
            if self.created and os.path.isdir(self.out) and not os.listdir(self.out):
                fs.rmdir(self.out)
        except OSError:
            return False
        return True

    def _failed(self, exc: OSError) -> EcsformError:
        """An OSError while comparing, staging or publishing, as the finding the user sees, once what was staged
        is gone (or, when even that failed, saying that the next run puts the previous output back)."""
        where = _where(exc, self.out, self.display)
        if not self.write:
            return EcsformError([fault(exc, where, f"read {self.display}")])
        restored = self.abandon() if self.restored is None else self.restored
        finding = fault(exc, where, "write the output")
        note = (
            f"; {self.display} is as it was"
            if restored
            else f"; {self.display} is half-written: the next ecsform run that writes it puts the previous output back"
        )
        return EcsformError([replace(finding, message=finding.message + note)])


@contextlib.contextmanager
def publication(out: str | Path, *, write: bool = True) -> Iterator[Publication]:
    """A Publication of `out` (the caller holds `output_lock(out)`; for a comparison, `write=False`, it may hold
    the shared lock so that no write is half done while it reads). What runs that died left is undone first. When
    the block ends before `finish` (an error of the specs, of the disk, Ctrl-C), what was staged is removed: the
    output is as it was. Raises EcsformError with OUT-* findings on what the file system refuses."""
    display = str(out)
    out = Path(os.path.abspath(out))
    if write:
        require_lock(out)
    try:
        if write:
            journal.recover(out)
        check_target(out, display)
        pub = Publication(out, display, write=write)
    except OSError as exc:
        where = _where(exc, out, display)
        if not write:
            raise EcsformError([fault(exc, where, f"read {display}")]) from None
        finding = fault(exc, where, "write the output")
        raise EcsformError([replace(finding, message=finding.message + f"; {display} is as it was")]) from None
    try:
        yield pub
    finally:
        if not pub.done:
            pub.abandon()


def write_tree(
    out: str | Path, files: dict[str, bytes], manifest: Manifest[R], *, prune: bool = False, force: bool = False
) -> Result[R]:
    """Make `out` hold the roots in `files` (relative posix path -> content) and `manifest` (its "roots" name each
    root's path and files), changing only what differs, all together or not at all: a Publication given every
    root at once. The caller holds `output_lock(out)`."""
    with publication(out) as pub:
        _add_all(pub, files, manifest)
        return pub.finish(manifest, prune=prune, force=force)


def _add_all(pub: Publication, files: dict[str, bytes], manifest: Manifest[R]) -> None:
    """Every file, in path order, as a file of the root that holds it (the nearest)."""
    current = {r["path"] for r in generated(manifest)}
    for rel in sorted(files):
        root = next((a for a in reversed(ancestors(rel)) if a in current), None)
        pub.add(root, {rel: files[rel]})


def changes(out: str | Path, files: dict[str, bytes], manifest: Manifest[R]) -> Changes:
    """What `write_tree` would change, reading only: the roots missing, stale and extra. For `synth --check`."""
    with publication(out, write=False) as pub:
        _add_all(pub, files, manifest)
        return pub.finish(manifest).changes


def check_target(out: Path, display: str) -> None:
    """Refuse an output that is a file, or a folder ecsform did not write (no manifest.json, not empty)."""
    if os.path.lexists(out) and not out.is_dir():
        raise EcsformError(
            [
                at_path(
                    OUT_NOT_DIR,
                    f"{display} is a file, not a folder",
                    display,
                    "choose a folder (new, empty, or written by ecsform) for --out",
                )
            ]
        )
    if (
        out.is_dir()
        and not (out / MANIFEST).exists()
        and any(not n.startswith(STAGING_PREFIX) for n in os.listdir(out))
    ):
        raise EcsformError(
            [
                at_path(
                    OUT_NOT_ECSFORM,
                    f"{display} exists and was not written by ecsform (it has no {MANIFEST})",
                    display,
                    "choose an empty or new folder for --out",
                )
            ]
        )


def _where(exc: OSError, out: Path, display: str) -> str:
    """The path an OSError names, as the user sees it: a staged file is named where it was going."""
    name = exc.filename
    if not isinstance(name, str):
        return display
    path = Path(name)
    try:
        rel = path.relative_to(out)
    except ValueError:
        return name
    parts = rel.parts
    if parts and parts[0].startswith(STAGING_PREFIX):
        parts = parts[2:] if len(parts) > 2 and parts[1] in ("new", "old") else ()
    return "/".join([display, *parts])
