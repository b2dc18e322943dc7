"""One writer per output: `output_lock(out)` takes an exclusive OS lock (flock) on `.<name>.ecsform.lock` beside
the output and records the holder's pid in it. The OS releases the lock when its process ends, however it ends,
so a lock is never stale. A second run waits up to its timeout, then stops with OUT-LOCKED."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from pathlib import Path
from typing import Callable, Iterator

from ..errors import Check, EcsformError, Severity
from .disk import fs
from .faults import at_path, fault

# The findings this module raises (collected by the catalog: generators/rules).
OUT_LOCKED = Check(
    "OUT-LOCKED", Severity.ERROR, "Another ecsform run holds the output's lock for longer than --lock-timeout."
)


DEFAULT_LOCK_TIMEOUT = 5.0  # seconds, like `terraform -lock-timeout`, but waiting a little by default
_LOCK_POLL = 0.05

_held: dict[str, int] = {}  # lock files this process holds exclusively -> how many times (output_lock nests)


def short_name(name: str, suffix: str) -> str:
    """`.<name><suffix>`, or a digest of the name where that would be longer than a file name may be."""
    if len(os.fsencode(f".{name}{suffix}")) <= 255 - 16:
        return f".{name}{suffix}"
    import hashlib  # (imported when needed: start-up time)

    return f".{hashlib.sha256(os.fsencode(name)).hexdigest()[:16]}{suffix}"


def lock_path(out: str | Path) -> Path:
    """The lock file of an output (a folder or a file): `.<name>.ecsform.lock` beside it."""
    out = Path(os.path.abspath(out))
    return out.parent / short_name(out.name, ".ecsform.lock")


def _host() -> str:
    import socket  # (imported when needed: start-up time)

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
                        at_path(
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


def require_lock(out: Path) -> None:
    """Refuse to write `out` unless this process holds its lock (a programming error, not the user's)."""
    if str(lock_path(out)) not in _held:
        raise RuntimeError(f"write to {out} without holding its lock (writer.lock.output_lock)")
