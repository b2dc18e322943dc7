"""The writer's calls that change the file system (`fs`: every one goes through it, so that a test can fail or
kill the process at any step), and how what it writes is made durable: new files, fsyncs, one syncfs when many."""

from __future__ import annotations

import contextlib
import errno
import os
import types
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .manifest import ancestors

if TYPE_CHECKING:
    import threading

_SYNC_THREADS = 8  # fsyncs of many files overlap: the file system commits them together
_SYNCFS_MIN = 16  # from this many files and folders to make durable, one syncfs instead of an fsync each

# syncfs(2) of the C library: None until asked for, False where there is none (not Linux)
_libc_syncfs: Callable[[int], int] | None | bool = None


def _syncfs(fd: int) -> None:
    """syncfs(2): commit everything written to the file system that holds `fd` (file contents, folder entries,
    renames) at once. Raises OSError(ENOSYS) where the C library has no syncfs (not Linux)."""
    global _libc_syncfs
    import ctypes  # (imported when needed: start-up time)

    if _libc_syncfs is None:
        try:
            _libc_syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        except (AttributeError, OSError):
            _libc_syncfs = False
    if _libc_syncfs is False or _libc_syncfs is True:
        raise OSError(errno.ENOSYS, os.strerror(errno.ENOSYS))
    if _libc_syncfs(fd) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


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


def mkdirs(base: str, rel: str, made: set[str]) -> None:
    """Create base/rel and the folders that lead to it (below base), each once (`made`: those made already)."""
    if rel in made:
        return
    for sub in [*ancestors(rel), rel]:
        if sub not in made:
            try:
                fs.mkdir(f"{base}/{sub}")
            except FileExistsError:
                pass
            made.add(sub)


def write_new(path: str | Path, data: bytes) -> None:
    """Create a file that must not exist yet and write `data` into it."""
    fd = fs.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        done = fs.write(fd, data) if data else 0
        if done < len(data):  # (a regular file takes it all in one write but when interrupted or full)
            view = memoryview(data)[done:]
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


def sync(files: Iterable[str | Path] = (), folders: Iterable[str | Path] = ()) -> None:
    """Make files' contents, then folders' entries, durable, one fsync each (where syncfs is not to be had, many
    fsyncs overlap in threads: the file system commits them together)."""
    for batch, folder in ((list(files), False), (sorted(set(folders), key=str), True)):
        if len(batch) < 2 * _SYNC_THREADS:
            for p in batch:
                _fsync(p, folder)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(_SYNC_THREADS) as pool:
                list(pool.map(lambda p: _fsync(p, folder), batch))


def _syncfs_of(folder: str, syncfs: Callable[[int], None] | None = None) -> bool:
    """One syncfs of the file system that holds `folder` (by `fs.syncfs`, unless `syncfs` is given); False where
    there is no syncfs (then fsync each)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        (syncfs or fs.syncfs)(fd)
    except OSError as exc:
        if exc.errno in (errno.ENOSYS, errno.ENOTSUP, errno.EINVAL):
            return False
        exc.filename = exc.filename or folder
        raise
    finally:
        os.close(fd)
    return True


class Writeback:
    """Writeback of what a run has staged so far, started early in a thread while the run goes on (syncfs waits
    for the disk without holding the GIL), so that the syncfs that makes the staging durable (`settle`) finds most
    of it written already: at 10,000 roots it otherwise waits for some 60,000 files at the end. Only a head start:
    durability still comes from `settle`, and a writeback that fails is ignored (that syncfs reports it)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start a writeback unless one is under way."""
        if self.thread is not None and self.thread.is_alive():
            return
        import threading

        self.thread = threading.Thread(target=self._run, name="ecsform-writeback", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        # (`_syncfs`, not `fs.syncfs`: nothing here changes the file system or decides durability)
        with contextlib.suppress(OSError):
            _syncfs_of(self.folder, _syncfs)

    def join(self) -> None:
        """Wait for the writeback under way, if any."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None


def settle(out: str, staging: str, count: int) -> None:
    """Make what is staged (`count` files, links and folders) durable before the journal names it: one syncfs of
    the output's file system when there is much (the cost of a run, not of a file), else an fsync of each file and
    folder in the staging folder."""
    if count >= _SYNCFS_MIN and _syncfs_of(out):
        return
    files, folders = [], []
    for dirpath, _, filenames in os.walk(staging):
        folders.append(dirpath)
        files += [os.path.join(dirpath, n) for n in filenames]
    sync(files, folders)


def sync_folders(out: str, folders: Iterable[str | Path]) -> None:
    """Make folders' entries durable (the renames of a publication, or of its undo): one syncfs when many."""
    names = sorted({str(f) for f in folders})
    if len(names) >= _SYNCFS_MIN and _syncfs_of(out):
        return
    sync(folders=names)


def backup(src: str | Path, dst: str | Path) -> None:
    """Keep the file a publication replaces: a second link to it (no copy), or a copy where links do not work."""
    try:
        fs.link(src, dst, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EMLINK, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        st = os.lstat(src)
        write_new(dst, Path(src).read_bytes())
        os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))


def rmtree(path: Path) -> None:
    """Remove a staging folder (through `fs`, like every change the writer makes)."""
    if not os.path.isdir(path) or os.path.islink(path):
        fs.unlink(path)
        return
    with os.scandir(path) as it:
        entries = list(it)
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            rmtree(Path(e.path))
        else:
            fs.unlink(e.path)
    fs.rmdir(path)
