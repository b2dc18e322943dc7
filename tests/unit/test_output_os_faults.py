"""The environment's faults are findings, not bugs: a full disk, permission denied, a read-only file system, an --out
that is a file or lies under one, a name too long. Each gives an OUT-* error naming the path with the OS's words
and a hint, exit code 2, no traceback, the previous output byte for byte, and nothing left behind.

The full disk and the read-only file system are real (a small tmpfs) where this machine lets the test mount one
(root, as in CI here); elsewhere the same error is injected at the writer's first write."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from conftest import FIXTURES, REPO, SPECS
from output_faults import at_steps, debris, fail_at, snapshot, write_spec

from generators import pipeline


def cli(*args: str) -> Any:
    """The typer app in this process (exit code and stderr as a user sees them)."""
    from typer.testing import CliRunner

    from main import app

    return CliRunner().invoke(app, list(args))


def assert_finding(result: Any, rule: str, path: Path | str, words: str) -> None:
    assert result.exit_code == 2, result.output
    line = next((line for line in result.stderr.splitlines() if f" error {rule}: " in line), None)
    assert line is not None, result.stderr
    assert line.startswith(str(path)) and f":1:1: error {rule}: " in line and words in line, line
    assert "hint: " in result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.stderr and "bug" not in result.stderr


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[bool]:
    """A tmpfs of `size` mounted on `folder` when this process may mount one (True), else a plain folder (False)."""
    folder.mkdir(parents=True)
    mount = shutil.which("mount")
    proc = (
        subprocess.run(
            [mount, "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
            capture_output=True,
            timeout=30,
        )
        if mount and os.geteuid() == 0
        else None
    )
    mounted = proc is not None and proc.returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=True, timeout=30)


@contextlib.contextmanager
def injected(err: int, really: bool) -> Iterator[None]:
    """Where the fault is not real, inject it at the writer's first write."""
    if really:
        yield
        return
    with at_steps(fail_at(0, err) if err != errno.ENOSPC else _first_write(err)):
        yield


def _first_write(err: int) -> Any:
    def before(index: int, name: str, path: str) -> None:
        if name == "write":
            raise OSError(err, os.strerror(err))

    return before


def test_a_full_disk(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    with tmpfs(disk, "256k") as real:
        out = disk / "out"
        pipeline.synth([str(SPECS / "financial-api.json")], out)
        (out / "financial-api" / "terraform.tfstate").write_text('{"serial": 7}')
        before = snapshot(out)
        many = tmp_path / "many"
        for i in range(80):
            write_spec(many, f"svc-{i:02d}.json", f"svc-{i:02d}")
        with injected(errno.ENOSPC, real):
            result = cli("synth", str(many), "--out", str(out))
        assert_finding(result, "OUT-NO-SPACE", f"{out}/svc-" if real else out, "No space left on device (ENOSPC)")
        assert f"; {out} is as it was" in result.stderr
        assert snapshot(out) == before and not debris(out)
        assert not list(disk.glob("**/.ecsform*"))


def test_a_read_only_file_system(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    with tmpfs(disk, "1m") as real:
        out = disk / "out"
        pipeline.synth([str(SPECS / "financial-api.json")], out)
        before = snapshot(out)
        if real:
            subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, timeout=30)
        with injected(errno.EROFS, real):
            result = cli("synth", str(SPECS / "financial-etl.json"), "--out", str(out))
        assert_finding(result, "OUT-READ-ONLY", disk / ".out.ecsform.lock", "Read-only file system (EROFS)")
        assert snapshot(out) == before and not debris(out)


def _unprivileged() -> list[str]:
    """A command prefix under which file permissions apply (root ignores them unless it drops CAP_DAC_OVERRIDE)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root without setpriv (util-linux): cannot test permissions")
    return [setpriv, "--bounding-set=-dac_override", "--"]


@pytest.mark.parametrize("where", ["parent", "out"])
def test_permission_denied(tmp_path: Path, where: str) -> None:
    parent = tmp_path / "locked"
    out = parent / "out"
    pipeline.synth([str(SPECS / "financial-api.json")], out)
    before = snapshot(out)
    folder = parent if where == "parent" else out
    folder.chmod(0o555)
    try:
        proc = subprocess.run(
            [
                *_unprivileged(),
                sys.executable,
                str(REPO / "main.py"),
                "synth",
                str(SPECS / "financial-etl.json"),
                "--out",
                str(out),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=300,
        )
    finally:
        folder.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    blamed = parent / ".out.ecsform.lock" if where == "parent" else out  # (it cannot create its staging folder)
    assert f"{blamed}:1:1: error OUT-DENIED: " in proc.stderr and "Permission denied (EACCES)" in proc.stderr, (
        proc.stderr
    )
    assert "Traceback" not in proc.stderr and "bug" not in proc.stderr
    assert snapshot(out) == before and not debris(out)


def test_out_is_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("mine")
    result = cli("synth", str(SPECS / "financial-api.json"), "--out", str(out))
    assert_finding(result, "OUT-NOT-DIR", out, f"{out} is a file, not a folder")
    assert out.read_text() == "mine" and not debris(out)


def test_out_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("mine")
    result = cli("synth", str(SPECS / "financial-api.json"), "--out", str(tmp_path / "file" / "out"))
    assert_finding(result, "OUT-NOT-DIR", tmp_path / "file" / "out", "(EEXIST)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_name_too_long(tmp_path: Path) -> None:
    out = tmp_path / ("o" * 300)
    result = cli("synth", str(SPECS / "financial-api.json"), "--out", str(out))
    assert_finding(result, "OUT-NAME-TOO-LONG", out, "File name too long (ENAMETOOLONG)")
    assert not [p for p in tmp_path.iterdir()]


def test_import_out_into_a_folder_that_is_missing_or_denied(tmp_path: Path) -> None:
    result = cli(
        "import", str(FIXTURES / "import" / "seed-example-1.json"), "--out", str(tmp_path / "missing" / "x.yaml")
    )
    assert_finding(result, "OUT-IO", tmp_path / "missing" / ".x.yaml.ecsform.lock", "No such file or directory")
    assert "create it" in result.stderr
    result = cli("import", str(FIXTURES / "import" / "seed-example-1.json"), "--out", str(tmp_path))
    assert_finding(result, "OUT-NOT-DIR", tmp_path, "Is a directory (EISDIR)")
    assert not list(tmp_path.iterdir())
