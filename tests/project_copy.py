"""The project's own files as a clean clone has them (tracked, or new and not ignored: no .venv, no build/), for the
tests that build or install ecsform from its sources."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import REPO


def project_files(dest: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in sorted(set(filter(None, listed.split("\0")))):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest
