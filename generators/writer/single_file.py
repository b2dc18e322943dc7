"""One file replaced all at once (a spec `import --out` writes, a CI file, a lock file, a deployed images file):
a file beside it, synced, renamed over it; it keeps the mode of the file it replaces."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from ..errors import EcsformError
from .disk import fs, sync, write_new
from .faults import fault
from .lock import require_lock, short_name


def write_file(out: str | Path, data: bytes) -> None:
    """Replace the file `out` with `data` all at once. The caller holds `output_lock(out)`."""
    display = str(out)
    path = Path(os.path.abspath(out))
    require_lock(path)
    prefix = short_name(path.name, ".ecsform-")
    tmp = path.parent / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}"
    try:
        for name in os.listdir(path.parent):  # what runs that died left
            if name.startswith(prefix) and not os.path.isdir(path.parent / name):
                fs.unlink(path.parent / name)
        if path.is_dir():
            raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        mode = os.stat(path).st_mode & 0o7777 if os.path.lexists(path) else None
        write_new(tmp, data)
        if mode is not None:
            os.chmod(tmp, mode)
        sync([tmp])
        fs.replace(tmp, path)
        sync(folders=[path.parent])
    except OSError as exc:
        with contextlib.suppress(OSError):
            if os.path.lexists(tmp):
                os.unlink(tmp)
        raise EcsformError(
            [fault(exc, exc.filename if exc.filename and exc.filename != str(tmp) else display, f"write {display}")]
        ) from None
