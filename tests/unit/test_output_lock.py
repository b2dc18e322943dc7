"""One writer per output: synth takes an OS lock beside --out; a second run waits (--lock-timeout), then stops with
OUT-LOCKED naming the folder and the holder's pid; a killed holder leaves no stale lock; eight concurrent runs
with different spec sets leave the output of exactly one of them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, NO_CONFIG, REPO, SPECS, ecsform
from output_faults import debris, snapshot, write_spec

from generators import pipeline
from generators.errors import EcsformError
from generators.writer import lock


def test_a_second_run_gives_up_after_its_timeout_naming_the_holder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with lock.output_lock(out):
        proc = ecsform("synth", str(SPECS), "--out", str(out), "--lock-timeout", "0.2")
    assert proc.returncode == 2, proc.stderr
    line = next(line for line in proc.stderr.splitlines() if "OUT-LOCKED" in line)
    assert line == (
        f"{out}:1:1: error OUT-LOCKED: another ecsform run (pid {os.getpid()}) is writing {out}; gave up after 0.2 s"
    )
    assert "--lock-timeout SECONDS" in proc.stderr and "Traceback" not in proc.stderr and "bug" not in proc.stderr
    assert not out.exists() and not debris(out)  # and the lock file went with the lock


def test_a_second_run_waits_for_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with lock.output_lock(out):
        run = subprocess.Popen(
            [
                sys.executable,
                str(REPO / "main.py"),
                "synth",
                str(SPECS / "financial-api.json"),
                "--out",
                str(out),
                "--lock-timeout",
                "120",
            ],
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        assert run.stderr is not None
        first = run.stderr.readline()  # blocks until synth says it waits
        assert first == f"waiting for {out}: another ecsform run (pid {os.getpid()}) is writing it ...\n"
        assert not out.exists()
    rest = run.stderr.read()
    assert run.wait(timeout=300) == 0, rest
    assert (out / "financial-api" / "main.tf").is_file() and not debris(out)


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    pid = os.fork()
    if pid == 0:
        with lock.output_lock(out):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and lock.lock_path(out).exists()  # the file is left, the lock is not
    with lock.output_lock(out, 0):
        pass
    assert not lock.lock_path(out).exists()


def test_import_out_takes_the_lock(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    with lock.output_lock(spec):
        proc = ecsform(
            "import", str(FIXTURES / "import" / "seed-example-1.json"), "--out", str(spec), "--lock-timeout", "0"
        )
    assert proc.returncode == 2 and f"{spec}:1:1: error OUT-LOCKED: " in proc.stderr, proc.stderr
    assert not spec.exists()


def test_eight_concurrent_synths_leave_the_output_of_one(tmp_path: Path) -> None:
    """Issue 15's (a): eight runs with different spec sets into one folder; each exits 0 or with the lock
    message; the folder is then byte for byte a clean synth of one of the sets, manifest and folders alike."""
    sets = []
    for k in range(8):  # overlapping families with different images, and sets of different sizes
        folder = tmp_path / f"specs-{k}"
        for i in range(8 + 2 * k):
            write_spec(folder, f"svc-{i:02d}.json", f"svc-{i:02d}", image=f"registry.example.com/svc:{k}.{i % 3}")
        sets.append(folder)
    out = tmp_path / "shared" / "out"
    runs = [
        subprocess.Popen(
            [sys.executable, str(REPO / "main.py"), "synth", str(s), "--out", str(out), NO_CONFIG],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for s in sets
    ]
    results = [(run.wait(timeout=600), run.stderr.read() if run.stderr else "") for run in runs]
    for code, stderr in results:
        assert code == 0 or (
            code == 2 and "error OUT-LOCKED: another ecsform run (pid " in stderr and stderr.count(" error ") == 1
        ), stderr
        assert "Traceback" not in stderr and "internal error" not in stderr
    assert any(code == 0 for code, _ in results)
    found = snapshot(out, mtimes=False)
    clean = []
    for k, s in enumerate(sets):
        twin = tmp_path / f"clean-{k}" / "out"  # the same depth: the same relative module sources
        pipeline.synth([str(s)], twin)
        clean.append(snapshot(twin, mtimes=False))
    assert found in clean
    manifest = json.loads((out / "manifest.json").read_text())
    expected = sorted([*(r["path"] for r in manifest["roots"]), "modules"])  # and the modules synth copies
    assert expected == sorted(p.name for p in out.iterdir() if p.is_dir())
    assert not debris(out)


def test_the_cli_default_is_the_writers() -> None:
    from main import DEFAULT_LOCK_TIMEOUT

    assert DEFAULT_LOCK_TIMEOUT == lock.DEFAULT_LOCK_TIMEOUT


def test_readers_share_the_lock_and_writers_wait_for_them(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with lock.output_lock(out, shared=True):
        pid = os.fork()
        if pid == 0:  # another reader: at once; a writer: gives up
            code = 0
            try:
                with lock.output_lock(out, 0, shared=True):
                    pass
                try:
                    with lock.output_lock(out, 0):
                        code = 1
                except EcsformError as exc:
                    code = 0 if exc.findings[0].rule == "OUT-LOCKED" else 2
            except BaseException:
                code = 3
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) == 0
    assert not lock.lock_path(out).exists()  # the last reader out removed it
    with lock.output_lock(tmp_path / "missing" / "out", shared=True):  # nothing there to read, no lock needed
        pass
    assert not (tmp_path / "missing").exists()
