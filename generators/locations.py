"""Where things are: the Terraform modules roots call (the checkout's modules/, or the copy a wheel carries), module
addresses under a --module-source base, and paths as messages show them.

Below everything that names a file or a module: the flow, the emitters, ecsform.yaml and the CDK constructs read
these, never the other way round.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _modules() -> Path:
    """The Terraform modules roots call: the copy an installed wheel carries (generators/modules, written by
    setup.py's build step), else the checkout's modules/ beside generators/."""
    packaged = Path(__file__).resolve().parent / "modules"
    return packaged if packaged.is_dir() else REPO / "modules"


MODULES = _modules()
VENDORED = "modules"  # the folder of an output where synth copies the modules its roots call (by default)


def module_files(folder: Path) -> list[str]:
    """The files of a module that roots need, as synth vendors them and `ecsform modules export` writes them: the
    module folder's own regular files (its .tf files and README.md), not its tests, examples or what Terraform
    leaves there (hidden files such as .terraform/ and .terraform.lock.hcl)."""
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def display_path(path: Path, cwd: str | None = None) -> str:
    """The path as messages and manifest.json show it: relative to the working folder (`cwd`, else asked for) when
    under it."""
    cwd = os.getcwd() if cwd is None else cwd
    absolute = os.path.normpath(os.path.join(cwd, path))  # (os.path.abspath, without asking for the folder again)
    under = cwd.rstrip(os.sep) + os.sep
    if os.sep == "/" and not absolute.startswith("//") and not cwd.startswith("//"):
        # (both normalized already: what relpath and as_posix give, without their work; POSIX keeps a leading //)
        if absolute == cwd:
            return "."
        return absolute[len(under) :] if absolute.startswith(under) else absolute
    if absolute == cwd or absolute.startswith(under):
        return Path(os.path.relpath(absolute, cwd)).as_posix()
    return Path(absolute).as_posix()


def module_address(base: str, module: str) -> str:
    """One module under a --module-source base (a folder, git URL or registry address; a `?query` stays last)."""
    head, sep, query = base.partition("?")
    return head.rstrip("/") + "/" + module + sep + query


def is_local_source(source: str) -> bool:
    """A module source that is a folder on this machine (what Terraform reads as a local path)."""
    return source.startswith("./") or source.startswith("../")
