"""The one place that writes output: one writer per output, changes published together or not at all.

- One writer per output: `output_lock(out)` takes an exclusive OS lock (flock) on `.<name>.ecsform.lock` beside
  the output and records the holder's pid in it. The OS releases the lock when its process ends, however it ends,
  so a lock is never stale. A second run waits up to its timeout, then stops with OUT-LOCKED.
- In place, as a transaction: only files whose bytes change are written; unchanged files keep their bytes, inode
  and mtime. New and changed files are staged in `OUT/.ecsform-staging-<pid>-<random>/` (unique per run) and
  synced; then a journal of the publishing steps is written and synced, the steps run (renames into place; what
  they replace or remove is kept in the staging folder), and the journal is removed: that is the commit. A run
  that fails before its commit is rolled back at once, or, if it died, by the next run that takes the lock: the
  previous output comes back byte for byte and the staging folder goes.
- Never orphan state: in a root synth still produces, files ecsform did not write (`.terraform/`, state, the lock
  file, your tfvars) are never touched. A root it no longer produces is removed only when it holds nothing but
  generated files; otherwise it is kept whole and reported (OUT-ORPHANED) until `prune` removes it, which a root
  holding Terraform state needs `force` for.
- The file system's faults (full disk, permissions, read-only, a file in the way...) are findings (OUT-*) naming
  the path and the OS's words, never tracebacks.
- An existing output folder that ecsform did not write (no manifest.json) is refused, not overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import time
import types
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from .errors import Check, EcsformError, Finding, Severity

# The findings this module raises (collected by the catalog: generators/rules).
OUT_NOT_ECSFORM = Check("OUT-NOT-ECSFORM", Severity.ERROR, "--out names a folder ecsform did not write.")
OUT_LOCKED = Check(
    "OUT-LOCKED", Severity.ERROR, "Another ecsform run holds the output's lock for longer than --lock-timeout."
)
OUT_NO_SPACE = Check(
    "OUT-NO-SPACE", Severity.ERROR, "The output cannot be written: no space left on the device (or quota)."
)
OUT_DENIED = Check("OUT-DENIED", Severity.ERROR, "The output cannot be written: permission denied.")
OUT_READ_ONLY = Check("OUT-READ-ONLY", Severity.ERROR, "The output cannot be written: read-only file system.")
OUT_NOT_DIR = Check(
    "OUT-NOT-DIR", Severity.ERROR, "--out, or a folder on its path, is a file (or a folder stands where a file goes)."
)
OUT_NAME_TOO_LONG = Check(
    "OUT-NAME-TOO-LONG", Severity.ERROR, "A path of the output is longer than the file system allows."
)
OUT_IO = Check("OUT-IO", Severity.ERROR, "The output cannot be written: another error of the file system (EIO...).")
OUT_ORPHANED = Check(
    "OUT-ORPHANED",
    Severity.WARNING,
    ("A root no spec produces any more holds state or files ecsform did not write: kept (remove it with --prune)."),
)
OUT_PRUNE_STATE = Check(
    "OUT-PRUNE-STATE", Severity.ERROR, "--prune would remove a root that holds Terraform state (needs --force)."
)


MANIFEST = "manifest.json"
DEFAULT_LOCK_TIMEOUT = 5.0  # seconds, like `terraform -lock-timeout`, but waiting a little by default
STAGING_PREFIX = ".ecsform-staging-"
JOURNAL = "journal.json"
_LOCK_POLL = 0.05
_SYNC_THREADS = 8  # fsyncs of many files overlap: the file system commits them together
_SYNCFS_MIN = 16  # from this many files and folders to make durable, one syncfs instead of an fsync each


def _syncfs(fd: int) -> None:
    """syncfs(2): commit everything written to the file system that holds `fd` (file contents, folder entries,
    renames) at once. Raises OSError(ENOSYS) where the C library has no syncfs (not Linux)."""
    global _libc_syncfs
    if _libc_syncfs is None:
        import ctypes

        try:
            _libc_syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        except (AttributeError, OSError):
            _libc_syncfs = False
    if _libc_syncfs is False:
        raise OSError(errno.ENOSYS, os.strerror(errno.ENOSYS))
    if _libc_syncfs(fd) != 0:
        import ctypes

        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


_libc_syncfs: Any = None


# Every call by which the writer changes the file system. Tests replace these to inject a fault at each step.
fs = types.SimpleNamespace(
    mkdir=os.mkdir,
    open=os.open,
    write=os.write,
    fsync=os.fsync,
    close=os.close,
    link=os.link,
    rename=os.rename,
    replace=os.replace,
    unlink=os.unlink,
    rmdir=os.rmdir,
    syncfs=_syncfs,
)


def held_state(folder: Path, entries: Iterable[str]) -> list[str]:
    """What of `entries` (paths in a root's folder) holds Terraform state that may still manage something: local
    state with resources (or that cannot be read: it counts), a workspace's, a state lock (terraform is running
    there), a backend elsewhere (`.terraform/terraform.tfstate` names it; ecsform cannot see that state).
    Backups (`*.tfstate.backup`) are history: after `terraform destroy` the root holds no state."""
    held = []
    for rel in entries:
        name = rel.rsplit("/", 1)[-1]
        if name.endswith(".tfstate") and not _empty_state(folder / rel):
            held.append(rel)
        elif name == "terraform.tfstate.d":
            held += [
                f"{rel}/{p.parent.name}/{p.name}"
                for p in sorted((folder / rel).glob("*/terraform.tfstate"))
                if not _empty_state(p)
            ]
        elif name == ".terraform.tfstate.lock.info":
            held.append(rel)
        elif name == ".terraform" and _remote_backend(folder / rel / "terraform.tfstate"):
            held.append(f"{rel} (backend {_remote_backend(folder / rel / 'terraform.tfstate')})")
    return held


def _empty_state(path: Path) -> bool:
    try:
        state = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(state, dict) and not state.get("resources")


def _remote_backend(path: Path) -> str | None:
    """The type of the backend `terraform init` recorded in .terraform/terraform.tfstate, when not local."""
    try:
        backend = json.loads(path.read_bytes()).get("backend") or {}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError):
        return "unknown"
    kind = backend.get("type") if isinstance(backend, dict) else "unknown"
    return None if kind == "local" else str(kind)


# --- findings ---------------------------------------------------------------------------------------------------

_FAULTS: dict[int, tuple[Check, str]] = {
    errno.ENOSPC: (OUT_NO_SPACE, "free space on the file system that holds it and run again"),
    errno.EDQUOT: (OUT_NO_SPACE, "free space within your disk quota and run again"),
    errno.EACCES: (
        OUT_DENIED,
        "give this user write permission there (ls -ld shows the owner and mode), or choose another --out",
    ),
    errno.EPERM: (
        OUT_DENIED,
        "the file system or a file attribute forbids it (lsattr, mount options); choose another --out",
    ),
    errno.EROFS: (OUT_READ_ONLY, "the file system is mounted read-only; choose an --out on a writable one"),
    errno.ENOTDIR: (OUT_NOT_DIR, "a file stands where a folder is needed: move it, or choose another --out"),
    errno.EEXIST: (OUT_NOT_DIR, "a file stands where a folder is needed: move it, or choose another --out"),
    errno.EISDIR: (OUT_NOT_DIR, "a folder stands where ecsform writes a file: move it, or choose another --out"),
    errno.ENAMETOOLONG: (OUT_NAME_TOO_LONG, "choose a shorter --out (or family name)"),
    errno.ENOENT: (OUT_IO, "a folder on that path does not exist: create it, or choose another path"),
}


def _finding(
    check: Check, message: str, where: str | Path, hint: str | None = None, severity: Severity = Severity.ERROR
) -> Finding:
    return check.finding(message, hint=hint, file=str(where), mark=(1, 1), severity=severity)


def fault(exc: OSError, where: str | Path, doing: str) -> Finding:
    """An OSError of the file system as a finding: the path, the OS's own words and a hint."""
    rule, hint = _FAULTS.get(exc.errno or 0, (OUT_IO, "check the file system (dmesg, df, mount) and run again"))
    words = exc.strerror or str(exc)
    name = errno.errorcode.get(exc.errno or 0)
    return _finding(rule, f"cannot {doing}: {words}" + (f" ({name})" if name else ""), where, hint)


# --- the lock ---------------------------------------------------------------------------------------------------

_held: dict[str, int] = {}  # lock files this process holds exclusively -> how many times (output_lock nests)


def _short(name: str, suffix: str) -> str:
    """`.<name><suffix>`, or a digest of the name where that would be longer than a file name may be."""
    if len(os.fsencode(f".{name}{suffix}")) <= 255 - 16:
        return f".{name}{suffix}"
    import hashlib

    return f".{hashlib.sha256(os.fsencode(name)).hexdigest()[:16]}{suffix}"


def lock_path(out: str | Path) -> Path:
    """The lock file of an output (a folder or a file): `.<name>.ecsform.lock` beside it."""
    out = Path(os.path.abspath(out))
    return out.parent / _short(out.name, ".ecsform.lock")


def _host() -> str:
    import socket

    return socket.gethostname()


def _holder(path: Path) -> str:
    try:
        pid, _, host = path.read_text(encoding="utf-8").strip().partition(" ")
    except (OSError, ValueError):
        return "another process"
    if not pid.isdigit():
        return "another process"
    return f"pid {pid}" + (f" on {host}" if host and host != _host() else "")


@contextlib.contextmanager
def output_lock(
    out: str | Path,
    timeout: float = DEFAULT_LOCK_TIMEOUT,
    *,
    shared: bool = False,
    parents: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the lock of an output (exclusive for writers; `shared` for readers that must not see a write half
    done), creating the folders that lead to it when `parents`. Waits up to `timeout` seconds, telling `on_wait`
    once; then raises OUT-LOCKED. Nests in one process. A reader where no lock file can be made (no folder, a
    read-only file system: no writer can be at work there either) reads without one."""
    path = lock_path(out)
    key = str(path)
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    if parents:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EcsformError([fault(exc, out, f"create the folder that holds {out}")]) from None
    deadline = time.monotonic() + max(timeout, 0.0)
    told = False
    while True:
        try:
            fd = fs.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            if shared and exc.errno in (errno.ENOENT, errno.EROFS, errno.EACCES):
                yield
                return
            shown = os.path.join(os.path.dirname(str(out)), path.name)
            raise EcsformError([fault(exc, shown, f"create the lock file of {out}")]) from None
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise EcsformError(
                    [
                        _finding(
                            OUT_LOCKED,
                            f"another ecsform run ({_holder(path)}) is writing {out}; gave up after {timeout:g} s",
                            out,
                            "let that run finish, or wait longer with --lock-timeout SECONDS "
                            "(the lock is released when that process ends, however it ends)",
                        )
                    ]
                ) from None
            if not told and on_wait is not None:
                on_wait(f"waiting for {out}: another ecsform run ({_holder(path)}) is writing it")
                told = True
            time.sleep(_LOCK_POLL)
            continue
        # The file we locked may have been removed by the holder we waited for: lock the one at `path` then.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        if not shared:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()} {_host()}\n".encode())
            _held[key] = 1
        yield
    finally:
        if not shared:
            del _held[key]
        with contextlib.suppress(OSError):
            if shared:  # the last reader out (no one else holds it) removes the file, as a writer does
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                os.unlink(path)  # while still holding it: a waiter that then locks this file sees it is gone
        os.close(fd)


def _require_lock(out: Path) -> None:
    if str(lock_path(out)) not in _held:
        raise RuntimeError(f"write to {out} without holding its lock (writer.output_lock)")


# --- what is on disk --------------------------------------------------------------------------------------------


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest ecsform wrote in `out` ({} when there is none or it cannot be read)."""
    try:
        data = json.loads((out / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _entries(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    found = data.get(key)
    if not isinstance(found, list):
        return []
    return [
        r
        for r in found
        if isinstance(r, dict)
        and isinstance(r.get("path"), str)
        and _safe(r["path"])
        and isinstance(r.get("files", []), list)
    ]


def generated_entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The folders a manifest says ecsform wrote, each with its `path` and `files`: the roots, then the modules
    synth copies beside them (`modules`: OUT/modules/<name>)."""
    return _entries(data, "roots") + _entries(data, "modules")


def _safe(rel: str) -> bool:
    """A relative path inside the output (a manifest edited by hand could name anything)."""
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _same(path: str, data: bytes) -> bool | None:
    """True when the file at `path` holds exactly `data`, False when it differs (or is not a regular file), None
    when there is none. One open, one fstat and one read: a synth compares every file it would write."""
    return _compare(path, data)[0]


Token = tuple[int, int, int, int, int]


def _token(st: os.stat_result) -> Token:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def unchanged(out: str | Path, rel: str, data: bytes) -> Token | None:
    """When OUT/rel holds exactly `data`, a token of the file as it is (device, inode, size, mtime, ctime), which
    `Publication.add` confirms with one stat instead of reading the file again: a worker process compares, the
    writer confirms under the lock. None when the file differs, is not there or cannot be read (the writer then
    compares it itself, and reports what the file system says)."""
    try:
        same, st = _compare(os.path.join(os.path.abspath(out), rel), data)
    except OSError:
        return None
    return _token(st) if same and st is not None else None


def _compare(path: str, data: bytes) -> tuple[bool | None, os.stat_result | None]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)  # O_NONBLOCK: a FIFO there does not block
    except (FileNotFoundError, NotADirectoryError):
        return None, None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket (or a FIFO without a writer): something, not this file
            return False, None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False, st
        view = memoryview(data)
        while view:
            chunk = os.read(fd, len(view) + 1)
            if not chunk or view[: len(chunk)] != chunk:
                return False, st
            view = view[len(chunk) :]
        return not os.read(fd, 1), st
    finally:
        os.close(fd)


def _ancestors(rel: str) -> list[str]:
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


# --- planning ---------------------------------------------------------------------------------------------------


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


class Publication:
    """One write of an output, root by root: `add` compares each file with the disk at once and stages what differs
    at once (so no one holds every root's bytes); `finish(manifest)` plans what goes (roots no spec produces any
    more, files a root no longer has), stages the manifest and publishes it all together. With `write=False` it
    writes nothing and only tells what would change (synth --check). Made by `publication()`, which removes what
    was staged when the run stops before `finish` (an error, Ctrl-C): the output is then as it was."""

    def __init__(self, out: Path, display: str, *, write: bool = True) -> None:
        self.out, self.base, self.display, self.write = out, str(out), display, write
        self.old = read_manifest(out)
        self.ops: list[tuple[Any, ...]] = []  # ("put", rel, existed) ("add", rel) ("remove", rel) ("rmdir", rel)
        self.changes = Changes()
        self.isdir: dict[str, bool | None] = {}
        self.added: set[str] = set()  # new folders, staged whole and renamed in once
        self.touched: set[str] = set()  # roots with a file to write
        self.staging: str | None = None  # OUT/.ecsform-staging-<pid>-<random>, made with the first file staged
        self.created = False  # the output folder did not exist: made for the staging folder
        self.staged = 0  # files and links in the staging folder
        self.made: dict[str, set[str]] = {"new": set(), "old": set()}
        self.done = False

    def kind(self, rel: str) -> bool | None:
        """True: a folder, False: something else, None: nothing (cached; each path is read once)."""
        if rel not in self.isdir:
            p = f"{self.base}/{rel}"
            self.isdir[rel] = os.path.isdir(p) if os.path.lexists(p) else None
        return self.isdir[rel]

    def add(self, root: str | None, files: Mapping[str, bytes], same: Mapping[str, Token] | None = None) -> list[str]:
        """The files of one root (paths relative to the output, under `root`): those whose bytes differ from the
        disk's are staged now; unchanged ones are left alone (bytes, inode and mtime). `same`: files found
        unchanged already (`unchanged`'s tokens), confirmed with a stat each; returns those that changed since,
        whose bytes the caller adds again."""
        stale = []
        try:
            for rel, token in (same or {}).items():
                try:
                    now: Token | None = _token(os.stat(f"{self.base}/{rel}"))
                except OSError:
                    now = None
                if now != token:
                    stale.append(rel)
            for rel in sorted(files):
                self._file(root, rel, files[rel])
        except OSError as exc:
            raise self._failed(exc) from None
        return sorted(stale)

    def _file(self, root: str | None, rel: str, data: bytes) -> None:
        top = None  # the first folder on the way that does not exist (then neither does the file)
        for a in _ancestors(rel):
            k = self.kind(a)
            if k is None:
                top = a
                break
            if k is False:
                raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), f"{self.base}/{a}")
        same = None if top is not None else _same(f"{self.base}/{rel}", data)
        if same:
            return
        self.touched.add(rel if root is None else root)
        if top is not None:
            if top not in self.added:
                self.added.add(top)
                self.ops.append(("add", top))
        else:
            if self.kind(rel) is True:
                raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), f"{self.base}/{rel}")
            self.ops.append(("put", rel, same is not None))
        if self.write:
            self._stage(rel, data, keep=top is None and same is not None)

    def _folders(self) -> tuple[str, str, str]:
        """The staging folder and its new/ and old/, made on first use (and the output folder, when new)."""
        if self.staging is None:
            self.created = not os.path.lexists(self.base)
            self.staging = f"{self.base}/{STAGING_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
            if self.created:
                fs.mkdir(self.base)
            for folder in (self.staging, f"{self.staging}/new", f"{self.staging}/old"):
                fs.mkdir(folder)
        return self.staging, f"{self.staging}/new", f"{self.staging}/old"

    def _stage(self, rel: str, data: bytes, *, keep: bool) -> None:
        """Stage a file's new bytes, and keep the file it replaces (`keep`) for an undo."""
        _, new, old = self._folders()
        parent = rel.rpartition("/")[0]
        if parent:
            _mkdirs(new, parent, self.made["new"])
        _write_new(f"{new}/{rel}", data)
        self.staged += 1
        if keep:
            if parent:
                _mkdirs(old, parent, self.made["old"])
            _backup(f"{self.base}/{rel}", f"{old}/{rel}")
            self.staged += 1

    def finish(
        self, manifest: dict[str, Any], *, prune: bool = False, force: bool = False, texts: list[str] | None = None
    ) -> Result:
        """Plan the removals and the manifest (its "roots" name each root's path and files), then publish
        everything staged, all together or not at all; for a comparison (write=False), only plan. `texts`: each
        root's entry as manifest.json writes it (`entry_text`), made where the roots were rendered."""
        try:
            findings, refused, written, removed = self._plan_rest(manifest, prune=prune, force=force, texts=texts)
            if refused:
                raise EcsformError(refused)
            extra = self._publish() if self.write and self.ops else []
        except OSError as exc:
            raise self._failed(exc) from None
        if not self.write:
            self.changes.interrupted = _interrupted(self.out)
        self.done = True
        return Result(written, self.changes, removed, findings + extra)

    def _plan_rest(
        self, manifest: dict[str, Any], *, prune: bool, force: bool, texts: list[str] | None
    ) -> tuple[list[Finding], list[Finding], dict[str, Any], list[str]]:
        out, display, changes, kind = self.out, self.display, self.changes, self.kind
        entries = generated_entries(manifest)
        roots = [r["path"] for r in entries]
        names = {r["path"]: list(r.get("files", [])) for r in entries}
        current = set(roots)
        below: dict[str, list[str]] = {}  # folder -> the roots under it
        for r in roots:
            for a in _ancestors(r):
                below.setdefault(a, []).append(r)
        ancestors = set(below)
        old = self.old
        previous = {r["path"]: r for r in _entries(old, "orphaned") + generated_entries(old)}
        removals: list[tuple[Any, ...]] = []
        for path in sorted(current & set(previous)):  # files a root no longer has (e.g. another --engine)
            for name in sorted(_names(previous[path]) - set(names[path])):
                rel = f"{path}/{name}"
                if _safe(rel) and kind(rel) is False:
                    self.touched.add(path)
                    removals.append(("remove", rel))
        for r in roots:
            if r in self.touched:
                present = kind(r) is True and any(os.path.lexists(f"{self.base}/{r}/{n}") for n in names[r])
                (changes.stale if present else changes.missing).append(r)

        # roots the specs no longer produce: removed when they hold only what ecsform wrote, else kept
        findings: list[Finding] = []
        refused: list[Finding] = []
        kept: list[dict[str, Any]] = []
        removed: list[str] = []
        gone: set[str] = set()  # removed as a whole
        new_specs = {r.get("spec") for r in manifest.get("roots", [])}
        for path in sorted(previous):
            entry = previous[path]
            if path in current or kind(path) is not True or any(a in gone for a in _ancestors(path)):
                continue
            changes.extra.append(path)
            generated = _names(entry)
            inside = [r[len(path) + 1 :] for r in below.get(path, [])]  # new roots within it
            leading = {a for r in inside for a in _ancestors(r)}
            others = _foreign(out / path, generated, set(inside), leading)
            state = held_state(out / path, others)
            where = f"{display}/{path}"
            if others and not prune:
                changes.kept.append(path)
                kept.append(entry)
                held = (
                    f"Terraform state ({', '.join(state)})"
                    if state
                    else f"files ecsform did not write ({', '.join(others[:3])}{', ...' if len(others) > 3 else ''})"
                )
                findings.append(
                    _finding(
                        OUT_ORPHANED,
                        f"kept: this run does not produce it ({_why(entry, new_specs)}), and it holds {held}",
                        where,
                        _orphan_hint(where, state),
                        Severity.WARNING,
                    )
                )
                continue
            if state and not force:
                refused.append(
                    _finding(
                        OUT_PRUNE_STATE,
                        f"--prune would remove a root that holds Terraform state ({', '.join(state)})",
                        where,
                        f"destroy what it manages first (cd {where} && terraform destroy), then prune again"
                        + (" with --force (ecsform cannot see a backend's state)" if _remote(state) else "")
                        + "; --force removes it and its state as they are; without --prune it is kept",
                    )
                )
                continue
            removed.append(path)
            if not inside:
                gone.add(path)
                removals.append(("remove", path))
            else:  # new roots live inside it: remove what is its own, keep the way to them
                for name in sorted(os.listdir(out / path)):
                    if name not in inside and name not in leading:
                        removals.append(("remove", f"{path}/{name}"))
        self.ops.extend(removals)
        # folders left empty by the removals go too (not those that hold or will hold a root)
        going = {op[1] for op in removals}
        for folder in sorted({a for rel in going for a in _ancestors(rel)}, key=lambda a: (-a.count("/"), a)):
            if folder in current or folder in ancestors or (folder in previous and folder not in going):
                continue
            if all(f"{folder}/{n}" in going for n in os.listdir(out / folder)):
                going.add(folder)
                self.ops.append(("rmdir", folder))

        # the manifest, last; it lists the roots kept for their state so that the next run knows their files
        written = dict(manifest)
        if kept:
            written["orphaned"] = sorted(kept, key=lambda r: r["path"])
        data = manifest_text(written, texts).encode()
        same = _same(f"{self.base}/{MANIFEST}", data)
        if not same:
            changes.manifest = True
            self.ops.append(("put", MANIFEST, same is not None))
            if self.write and not refused:
                self._stage(MANIFEST, data, keep=same is not None)
        return findings, refused, written, removed

    def _publish(self) -> list[Finding]:
        """Make the staging durable, journal, apply, commit. On any failure before the commit, undo and remove the
        staging folder; an exception raised here has `restored` set to whether the previous output is back."""
        staging, _, old = self._folders()
        ops = self.ops
        try:
            for op in ops:
                parent = op[1].rpartition("/")[0]
                if op[0] == "remove" and parent:
                    _mkdirs(old, parent, self.made["old"])
            _settle(self.base, staging, self.staged + len(self.made["new"]) + len(self.made["old"]))
            journal = f"{staging}/{JOURNAL}"
            _write_new(f"{staging}/journal.tmp", json.dumps({"ops": ops}).encode())
            _sync([f"{staging}/journal.tmp"])
            fs.rename(f"{staging}/journal.tmp", journal)
            _sync(folders=[staging])
            for op in ops:  # from here until the journal is gone, a run that dies is undone by the next one
                _apply(self.out, Path(staging), op)
            _sync_folders(self.base, _touched(self.out, ops))
            fs.unlink(journal)  # the commit
        except BaseException as exc:
            restored = self.abandon()
            if isinstance(exc, OSError):
                exc.restored = restored  # type: ignore[attr-defined]
            raise
        self.done = True
        try:
            _sync(folders=[staging])
            _rmtree(Path(staging))
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
        if self.staging is None:
            return True
        staging = Path(self.staging)
        try:
            if os.path.lexists(staging / JOURNAL):
                _undo(self.out, staging, self.ops)
            if os.path.lexists(staging):
                _rmtree(staging)
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
        restored = getattr(exc, "restored", None)
        if restored is None:
            restored = self.abandon()
        finding = fault(exc, where, "write the output")
        note = (
            f"; {self.display} is as it was"
            if restored
            else f"; {self.display} is half-written: the next ecsform run that writes it puts the previous output back"
        )
        return EcsformError([replace(finding, message=finding.message + note)])


def entry_text(entry: dict[str, Any]) -> str:
    """A root's entry as manifest.json writes it (inside "roots"), made where the root was rendered: a manifest of
    ten thousand roots is then joined, not encoded, by the writer."""
    return "\n".join("    " + line for line in json.dumps(entry, indent=2).split("\n"))


def manifest_text(written: dict[str, Any], texts: list[str] | None = None) -> str:
    """manifest.json: `json.dumps(written, indent=2)` and a newline, its roots joined from their `texts` when given."""
    roots = written.get("roots")
    if (
        texts is None
        or not texts
        or not isinstance(roots, list)
        or len(texts) != len(roots)
        or next(iter(written)) != "roots"
    ):
        return json.dumps(written, indent=2) + "\n"
    rest = json.dumps({k: v for k, v in written.items() if k != "roots"}, indent=2)
    tail = "\n" + rest[2:-2] if len(written) > 1 else ""  # its entries, indented as they are inside the whole
    return '{\n  "roots": [\n' + ",\n".join(texts) + "\n  ]" + ("," + tail if tail else "") + "\n}\n"


def _names(entry: dict[str, Any]) -> set[str]:
    """The files a manifest entry says ecsform wrote in its root."""
    return {n for n in entry.get("files", []) if isinstance(n, str)}


def _foreign(folder: Path, generated: set[str], roots: set[str], leading: set[str]) -> list[str]:
    """What a root's folder holds besides its `generated` files (paths relative to it), without looking into
    the `roots` inside it; a folder nothing generated lies in counts as one entry."""
    found: list[str] = []

    def visit(rel: str) -> None:
        with os.scandir(folder / rel if rel else folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            child = f"{rel}/{e.name}" if rel else e.name
            if child in roots:
                continue
            if e.is_dir(follow_symlinks=False):
                if child in leading or any(g.startswith(child + "/") for g in generated):
                    visit(child)
                else:
                    found.append(child)
            elif child not in generated:
                found.append(child)

    visit("")
    return found


def _why(entry: dict[str, Any], new_specs: set[Any]) -> str:
    spec = entry.get("spec")
    if not isinstance(spec, str):
        return "no spec produces it"
    if spec in new_specs:
        return f"{spec} no longer produces it"
    if os.path.exists(spec):
        return f"its spec {spec} is not among this run's inputs"
    return f"its spec {spec} is gone"


def _orphan_hint(where: str, state: list[str]) -> str:
    if state:
        return (
            f"synth its spec again to keep it; if it is gone for good, destroy what it manages "
            f"(cd {where} && terraform destroy), then run synth with --prune"
            + (" --force (ecsform cannot see a backend's state)" if _remote(state) else "")
        )
    return "synth its spec again to keep it, or run synth with --prune to remove it"


def _remote(state: list[str]) -> bool:
    return any(s.startswith(".terraform (backend") for s in state)


# --- publishing -------------------------------------------------------------------------------------------------


def _mkdirs(base: str, rel: str, made: set[str]) -> None:
    """Create base/rel and the folders that lead to it (below base), each once (`made`: those made already)."""
    if rel in made:
        return
    for sub in [*_ancestors(rel), rel]:
        if sub not in made:
            try:
                fs.mkdir(f"{base}/{sub}")
            except FileExistsError:
                pass
            made.add(sub)


def _write_new(path: str | Path, data: bytes) -> None:
    """Create a file that must not exist yet and write `data` into it."""
    fd = fs.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[fs.write(fd, view) :]
    except BaseException as exc:
        os.close(fd)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)
        raise
    try:
        fs.close(fd)
    except OSError as exc:
        exc.filename = exc.filename or str(path)
        raise


def _fsync(path: str | Path, folder: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | (os.O_DIRECTORY if folder else 0))
    try:
        fs.fsync(fd)
    except OSError as exc:
        if folder and exc.errno in (errno.EINVAL, errno.ENOTSUP):
            return  # this file system does not sync folders (its renames are durable some other way)
        exc.filename = exc.filename or str(path)
        raise
    finally:
        os.close(fd)


def _sync(files: Iterable[str | Path] = (), folders: Iterable[str | Path] = ()) -> None:
    """Make files' contents, then folders' entries, durable, one fsync each (where syncfs is not to be had, many
    fsyncs overlap in threads: the file system commits them together)."""
    for batch, folder in ((list(files), False), (sorted(set(folders)), True)):
        if len(batch) < 2 * _SYNC_THREADS:
            for p in batch:
                _fsync(p, folder)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(_SYNC_THREADS) as pool:
                list(pool.map(lambda p: _fsync(p, folder), batch))


def _syncfs_of(folder: str) -> bool:
    """One syncfs of the file system that holds `folder`; False where there is no syncfs (then fsync each)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fs.syncfs(fd)
    except OSError as exc:
        if exc.errno in (errno.ENOSYS, errno.ENOTSUP, errno.EINVAL):
            return False
        exc.filename = exc.filename or folder
        raise
    finally:
        os.close(fd)
    return True


def _settle(out: str, staging: str, count: int) -> None:
    """Make what is staged (`count` files, links and folders) durable before the journal names it: one syncfs of
    the output's file system when there is much (the cost of a run, not of a file), else an fsync of each file and
    folder in the staging folder."""
    if count >= _SYNCFS_MIN and _syncfs_of(out):
        return
    files, folders = [], []
    for dirpath, _, filenames in os.walk(staging):
        folders.append(dirpath)
        files += [os.path.join(dirpath, n) for n in filenames]
    _sync(files, folders)


def _sync_folders(out: str, folders: Iterable[str | Path]) -> None:
    """Make folders' entries durable (the renames of a publication, or of its undo): one syncfs when many."""
    folders = sorted({str(f) for f in folders})
    if len(folders) >= _SYNCFS_MIN and _syncfs_of(out):
        return
    _sync(folders=folders)


def _backup(src: Path, dst: Path) -> None:
    """Keep the file a publication replaces: a second link to it (no copy), or a copy where links do not work."""
    try:
        fs.link(src, dst, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EMLINK, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        st = os.lstat(src)
        _write_new(dst, Path(src).read_bytes())
        os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))


def _apply(out: Path, staging: Path, op: tuple[Any, ...]) -> None:
    kind, rel = op[0], op[1]
    if kind == "put":
        fs.replace(staging / "new" / rel, out / rel)
    elif kind == "add":
        fs.rename(staging / "new" / rel, out / rel)
    elif kind == "remove":
        fs.rename(out / rel, staging / "old" / rel)
    elif kind == "rmdir":
        fs.rmdir(out / rel)
    else:
        raise ValueError(f"unknown step {op!r}")


def _undo(out: Path, staging: Path, ops: list[tuple[Any, ...]]) -> None:
    """Put back what the steps that ran changed, last first. Steps that did not run are left alone, so undoing
    twice (a run that dies while undoing, then the next run) is the same as undoing once."""
    new, old = staging / "new", staging / "old"
    for op in reversed(ops):
        kind, rel = op[0], op[1]
        if kind == "put" and not os.path.lexists(new / rel):
            if op[2]:
                if os.path.lexists(old / rel):
                    fs.replace(old / rel, out / rel)
            elif os.path.lexists(out / rel):
                fs.unlink(out / rel)
        elif kind == "add" and not os.path.lexists(new / rel) and os.path.lexists(out / rel):
            fs.rename(out / rel, new / rel)
        elif kind == "remove" and os.path.lexists(old / rel):
            fs.rename(old / rel, out / rel)
        elif kind == "rmdir" and not os.path.lexists(out / rel):
            fs.mkdir(out / rel)
    _sync_folders(str(out), _touched(out, ops))


def _touched(out: Path, ops: list[tuple[Any, ...]]) -> set[Path]:
    """The folders whose entries the steps changed (those a later step removed are gone)."""
    return {p for p in {(out / op[1]).parent for op in ops} if os.path.isdir(p)}


def _rmtree(path: Path) -> None:
    """Remove a staging folder (through `fs`, like every change the writer makes)."""
    if not os.path.isdir(path) or os.path.islink(path):
        fs.unlink(path)
        return
    with os.scandir(path) as it:
        entries = list(it)
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            _rmtree(Path(e.path))
        else:
            fs.unlink(e.path)
    fs.rmdir(path)


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
        _rmtree(out.parent / f".{out.name}.ecsform-new")
        found = True
    if not os.path.isdir(out):
        return found
    for name in sorted(os.listdir(out)):
        staging = out / name
        if not name.startswith(STAGING_PREFIX) or not staging.is_dir() or staging.is_symlink():
            continue
        found = True
        try:
            ops = [tuple(op) for op in json.loads((staging / JOURNAL).read_bytes())["ops"]]
        except FileNotFoundError:
            ops = []
        if ops:
            _undo(out, staging, ops)
        _rmtree(staging)
    if found and not os.listdir(out) and not os.path.lexists(out / MANIFEST):
        fs.rmdir(out)  # the first run into this folder died: as if it never ran
    return found


def _interrupted(out: Path) -> bool:
    try:
        return any(n.startswith(STAGING_PREFIX) and os.path.lexists(out / n / JOURNAL) for n in os.listdir(out))
    except OSError:
        return False


def check_target(out: Path, display: str) -> None:
    if os.path.lexists(out) and not out.is_dir():
        raise EcsformError(
            [
                _finding(
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
                _finding(
                    OUT_NOT_ECSFORM,
                    f"{display} exists and was not written by ecsform (it has no {MANIFEST})",
                    display,
                    "choose an empty or new folder for --out",
                )
            ]
        )


# --- the entry points -------------------------------------------------------------------------------------------


@dataclass
class Result:
    manifest: dict[str, Any]  # as written (with "orphaned" when roots were kept)
    changes: Changes  # what this run changed
    removed: list[str]  # roots removed
    findings: list[Finding]  # warnings: roots kept (OUT-ORPHANED)


@contextlib.contextmanager
def publication(out: str | Path, *, write: bool = True) -> Iterator[Publication]:
    """A Publication of `out` (the caller holds `output_lock(out)`; for a comparison, `write=False`, it may hold
    the shared lock so that no write is half done while it reads). What runs that died left is undone first. When
    the block ends before `finish` (an error of the specs, of the disk, Ctrl-C), what was staged is removed: the
    output is as it was. Raises EcsformError with OUT-* findings on what the file system refuses."""
    display = str(out)
    out = Path(os.path.abspath(out))
    if write:
        _require_lock(out)
    try:
        if write:
            recover(out)
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
    out: str | Path, files: dict[str, bytes], manifest: dict[str, Any], *, prune: bool = False, force: bool = False
) -> Result:
    """Make `out` hold the roots in `files` (relative posix path -> content) and `manifest` (its "roots" name each
    root's path and files), changing only what differs, all together or not at all: a Publication given every
    root at once. The caller holds `output_lock(out)`."""
    with publication(out) as pub:
        _add_all(pub, files, manifest)
        return pub.finish(manifest, prune=prune, force=force)


def _add_all(pub: Publication, files: dict[str, bytes], manifest: dict[str, Any]) -> None:
    """Every file, in path order, as a file of the root that holds it (the nearest)."""
    current = {r["path"] for r in generated_entries(manifest)}
    for rel in sorted(files):
        root = next((a for a in reversed(_ancestors(rel)) if a in current), None)
        pub.add(root, {rel: files[rel]})


def changes(out: str | Path, files: dict[str, bytes], manifest: dict[str, Any]) -> Changes:
    """What `write_tree` would change, reading only: the roots missing, stale and extra. For `synth --check`."""
    with publication(out, write=False) as pub:
        _add_all(pub, files, manifest)
        return pub.finish(manifest).changes


def write_file(out: str | Path, data: bytes) -> None:
    """Replace one file (e.g. a spec `import --out` writes) all at once: a file beside it, synced, renamed over it;
    it keeps the mode of the file it replaces. The caller holds `output_lock(out)`."""
    display = str(out)
    path = Path(os.path.abspath(out))
    _require_lock(path)
    prefix = _short(path.name, ".ecsform-")
    tmp = path.parent / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}"
    try:
        for name in os.listdir(path.parent):  # what runs that died left
            if name.startswith(prefix) and not os.path.isdir(path.parent / name):
                fs.unlink(path.parent / name)
        if path.is_dir():
            raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        mode = os.stat(path).st_mode & 0o7777 if os.path.lexists(path) else None
        _write_new(tmp, data)
        if mode is not None:
            os.chmod(tmp, mode)
        _sync([tmp])
        fs.replace(tmp, path)
        _sync(folders=[path.parent])
    except OSError as exc:
        with contextlib.suppress(OSError):
            if os.path.lexists(tmp):
                os.unlink(tmp)
        raise EcsformError(
            [fault(exc, exc.filename if exc.filename and exc.filename != str(tmp) else display, f"write {display}")]
        ) from None


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
