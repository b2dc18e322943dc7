"""Atomic output: the whole tree is written in a staging folder and renamed into place.

- Nothing is written until every spec has validated (the caller guarantees it).
- The new tree is written beside the old one, then swapped in with two renames. A run interrupted before the
  swap leaves the previous output untouched; one interrupted between the renames is repaired by the next run.
- Files ecsform did not generate (Terraform's `.terraform/`, `.terraform.lock.hcl`, local state...) are carried
  over from the previous output, so re-synthesizing never loses a pipeline's working files.
- An existing output folder that ecsform did not write (no manifest.json) is refused, not overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from .errors import EcsformError, Finding, Severity

MANIFEST = "manifest.json"


def _staging(out: Path) -> Path:
    return out.parent / f".{out.name}.ecsform-new"


def _backup(out: Path) -> Path:
    return out.parent / f".{out.name}.ecsform-old"


def _generated(out: Path) -> set[Path]:
    """Relative paths of the files the manifest in `out` says ecsform wrote."""
    manifest = out / MANIFEST
    try:
        data = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return set()
    files = {Path(MANIFEST)}
    for root in data.get("roots", []):
        for name in root.get("files", []):
            files.add(Path(root["path"]) / name)
    return files


def _carry_over(old: Path, new: Path) -> None:
    """Move every file and folder of `old` that ecsform did not generate to the same place in `new`."""
    generated = _generated(old)
    ancestors = {p for f in generated for p in f.parents}

    def walk(rel: Path) -> None:
        for entry in sorted((old / rel).iterdir()):
            child = rel / entry.name
            if child in generated:
                continue
            if child in ancestors and entry.is_dir() and not entry.is_symlink():
                walk(child)
                continue
            target = new / child
            if target.exists() or target.is_symlink():
                continue  # the new output owns this name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(entry, target)

    walk(Path("."))


def recover(out: Path) -> None:
    """Finish or undo a run that was interrupted between its two renames."""
    backup = _backup(out)
    if not backup.exists():
        return
    if out.exists():
        _carry_over(backup, out)
        shutil.rmtree(backup)
    else:
        os.replace(backup, out)


def check_target(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).exists())):
        raise EcsformError([Finding("OUT-NOT-ECSFORM", Severity.ERROR,
                                    f"{out} exists and was not written by ecsform (it has no {MANIFEST})",
                                    hint="choose an empty or new folder for --out", file=str(out), line=1, col=1)])


def write_tree(out: Path, files: dict[str, bytes]) -> None:
    """Replace the tree at `out` by `files` (relative posix path -> content), atomically."""
    out = out.absolute()
    recover(out)
    check_target(out)
    staging = _staging(out)
    if staging.exists():
        shutil.rmtree(staging)
    for rel, content in sorted(files.items()):
        path = staging / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    if out.exists():
        backup = _backup(out)
        os.replace(out, backup)
        os.replace(staging, out)
        _carry_over(backup, out)
        shutil.rmtree(backup)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, out)
