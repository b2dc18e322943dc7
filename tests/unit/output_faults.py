"""Helpers for the output tests: snapshots of a folder, spec sets, and faults injected at the writer's steps.

Every change the writer makes to the file system goes through `generators.writer.disk.fs` (mkdir, open, write, fsync,
close, link, rename, replace, unlink, rmdir), so a test can fail or kill the process at any one of them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from generators.writer.disk import fs
from generators.writer.journal import JOURNAL

STEPS = tuple(vars(fs))


def snapshot(root: Path, *, mtimes: bool = True) -> dict[str, Any]:
    """Everything under `root` (hidden entries included): files by content (and mtime), links, folders."""
    found: dict[str, Any] = {}
    if not root.exists():
        return found
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            found[rel] = ("link", os.readlink(p))
        elif p.is_dir():
            found[rel] = ("dir",)
        else:
            found[rel] = (p.read_bytes(), p.stat().st_mtime_ns) if mtimes else p.read_bytes()
    return found


def debris(out: Path) -> list[str]:
    """What a run may leave beside or in the output and must not: staging folders, lock and temporary files."""
    near = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.ecsform")]
    inside = [p.name for p in out.iterdir() if p.name.startswith(".ecsform")] if out.is_dir() else []
    return sorted(near + inside)


def write_spec(
    folder: Path, name: str, family: str, image: str = "registry.example.com/app:1.0", region: str = "us-east-1"
) -> Path:
    """A small valid Fargate spec (JSON)."""
    spec = {
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "app", "image": image, "essential": True, "readonlyRootFilesystem": True}],
        "x-ecsform": {"region": region},
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(spec, indent=2))
    return path


@dataclass
class Trace:
    steps: list[tuple[str, str]]  # (step, first path argument)

    @property
    def commit(self) -> int:
        """Index of the step that commits a publication (the journal's removal)."""
        return next(i for i, (name, path) in enumerate(self.steps) if name == "unlink" and path.endswith("/" + JOURNAL))


def no_sync(fd: int) -> None:
    """fsync's stand-in where durability is not what a test checks: a killed process loses nothing that the
    operating system holds, synced or not (and thousands of real fsyncs would make the tests slow)."""


@contextlib.contextmanager
def at_steps(before: Callable[[int, str, str], None]) -> Iterator[list[tuple[str, str]]]:
    """Call `before(index, step, path)` ahead of every step the writer takes (threads included); yield the trace."""
    trace: list[tuple[str, str]] = []
    lock = threading.Lock()
    saved = dict(vars(fs))

    def wrap(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kwargs: Any) -> Any:
            path = str(args[0]) if args and isinstance(args[0], (str, os.PathLike)) else ""
            with lock:
                index = len(trace)
                trace.append((name, path))
            before(index, name, path)
            return real(*args, **kwargs)

        return step

    for name, call in saved.items():
        setattr(fs, name, wrap(name, call))
    try:
        yield trace
    finally:
        for name, call in saved.items():
            setattr(fs, name, call)


def fail_at(n: int, err: int) -> Callable[[int, str, str], None]:
    def before(index: int, name: str, path: str) -> None:
        if index == n:
            raise OSError(err, os.strerror(err), path or None)

    return before


def kill_at(n: int) -> Callable[[int, str, str], None]:
    def before(index: int, name: str, path: str) -> None:
        if index == n:
            os.kill(os.getpid(), signal.SIGKILL)

    return before


def killed_child(n: int, body: Callable[[], Any]) -> bool:
    """Run `body` in a forked child that is killed (SIGKILL) just before the writer's step `n`. True when it was;
    False when the child finished first (fewer steps than `n`)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            with at_steps(kill_at(n)):
                body()
        except BaseException:
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, f"the child failed before step {n}"
    return False
