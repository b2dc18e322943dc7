"""The file system's faults (full disk, permissions, read-only, a file in the way...) as findings (OUT-*) naming
the path and the OS's own words, never tracebacks."""

from __future__ import annotations

import errno
from pathlib import Path

from ..errors import Check, Finding, Severity

# The findings this module raises (collected by the catalog: generators/rules).
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


def at_path(
    rule: Check, message: str, where: str | Path, hint: str | None = None, severity: Severity = Severity.ERROR
) -> Finding:
    """A finding of the writer: about a path (line 1, column 1 of it)."""
    return rule.finding(message, hint=hint, file=str(where), mark=(1, 1), severity=severity)


def fault(exc: OSError, where: str | Path, doing: str) -> Finding:
    """An OSError of the file system as a finding: the path, the OS's own words and a hint."""
    rule, hint = _FAULTS.get(exc.errno or 0, (OUT_IO, "check the file system (dmesg, df, mount) and run again"))
    words = exc.strerror or str(exc)
    name = errno.errorcode.get(exc.errno or 0)
    return at_path(rule, f"cannot {doing}: {words}" + (f" ({name})" if name else ""), where, hint)
