"""Comparing what a synth would write with the output as it is: one open, one fstat and one read per file, and a
token (device, inode, size, mtime, ctime) that lets the writer confirm a worker's comparison with one stat."""

from __future__ import annotations

import errno
import os
import stat
from typing import NamedTuple


class Token(NamedTuple):
    """A file as it is: when none of these changed, neither did its bytes."""

    dev: int
    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int


def token(st: os.stat_result) -> Token:
    return Token(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def same(path: str, data: bytes) -> bool | None:
    """True when the file at `path` holds exactly `data`, False when it differs (or is not a regular file), None
    when there is none. One open, one fstat and one read: a synth compares every file it would write."""
    return _compare(path, data)[0]


def unchanged(base: str, rel: str, data: bytes) -> Token | None:
    """When OUT/rel holds exactly `data` (`base`: OUT as os.path.abspath gives it, worked out once per run), a
    token of the file as it is, which `Publication.add` confirms with one stat instead of reading the file again: a
    worker process compares, the writer confirms under the lock. None when the file differs, is not there or
    cannot be read (the writer then compares it itself, and reports what the file system says)."""
    try:
        found, st = _compare(os.path.join(base, rel), data)
    except OSError:
        return None
    return token(st) if found and st is not None else None


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
