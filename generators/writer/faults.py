"""The file system's faults (full disk, permissions, read-only, a file in the way...) as findings (OUT-*) naming
the path and the OS's own words, never tracebacks."""

from __future__ import annotations

import errno
from pathlib import Path

from ..errors import Finding, Severity

_FAULTS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("OUT-NO-SPACE", "free space on the file system that holds it and run again"),
    errno.EDQUOT: ("OUT-NO-SPACE", "free space within your disk quota and run again"),
    errno.EACCES: (
        "OUT-DENIED",
        "give this user write permission there (ls -ld shows the owner and mode), or choose another --out",
    ),
    errno.EPERM: (
        "OUT-DENIED",
        "the file system or a file attribute forbids it (lsattr, mount options); choose another --out",
    ),
    errno.EROFS: ("OUT-READ-ONLY", "the file system is mounted read-only; choose an --out on a writable one"),
    errno.ENOTDIR: ("OUT-NOT-DIR", "a file stands where a folder is needed: move it, or choose another --out"),
    errno.EEXIST: ("OUT-NOT-DIR", "a file stands where a folder is needed: move it, or choose another --out"),
    errno.EISDIR: ("OUT-NOT-DIR", "a folder stands where ecsform writes a file: move it, or choose another --out"),
    errno.ENAMETOOLONG: ("OUT-NAME-TOO-LONG", "choose a shorter --out (or family name)"),
    errno.ENOENT: ("OUT-IO", "a folder on that path does not exist: create it, or choose another path"),
}


def at_path(
    rule: str, message: str, where: str | Path, hint: str | None = None, severity: Severity = Severity.ERROR
) -> Finding:
    """A finding of the writer: about a path (line 1, column 1 of it)."""
    return Finding(rule, severity, message, hint=hint, file=str(where), line=1, col=1)


def fault(exc: OSError, where: str | Path, doing: str) -> Finding:
    """An OSError of the file system as a finding: the path, the OS's own words and a hint."""
    rule, hint = _FAULTS.get(exc.errno or 0, ("OUT-IO", "check the file system (dmesg, df, mount) and run again"))
    words = exc.strerror or str(exc)
    name = errno.errorcode.get(exc.errno or 0)
    return at_path(rule, f"cannot {doing}: {words}" + (f" ({name})" if name else ""), where, hint)
