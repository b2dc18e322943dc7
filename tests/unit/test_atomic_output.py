"""synth publishes in place and all at once: only files whose bytes change are written, and a run that fails or is
killed at any step of a write (create, write, fsync, link, rename, unlink...) leaves the previous output byte for
byte (mtimes included) once the next run has taken the lock, with no staging folder or lock file left behind."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SPECS
from output_faults import at_steps, debris, fail_at, killed_child, no_sync, snapshot, write_spec

from generators import pipeline
from generators.errors import EcsformError
from generators.writer.disk import fs
from generators.writer.journal import JOURNAL, recover
from generators.writer.lock import output_lock
from generators.writer.manifest import Manifest
from generators.writer.publication import Result, changes, write_tree


@dataclass
class Case:
    name: str
    pristine: Path  # the previous output (absent: none), copied before every run
    files: dict[str, bytes]  # what the run writes
    manifest: Manifest
    prune: bool = False
    force: bool = False


def _previous(base: Path, *, state_in: tuple[str, ...]) -> Path:
    """specs/ synthesized into base/out, then applied roots (state, .terraform/) and a file of the user's."""
    out = base / "out"
    pipeline.synth([str(SPECS)], out)
    for root in state_in:
        (out / root / "terraform.tfstate").write_text('{"serial": 7}')
        (out / root / ".terraform" / "providers").mkdir(parents=True)
        (out / root / ".terraform" / "providers" / "marker").write_text("provider")
    (out / "financial-app-suite" / "images.auto.tfvars.json").write_text('{"images": {}}')
    return out


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    base = tmp_path_factory.mktemp("cases")
    specs = base / "specs"
    specs.mkdir()
    changed = json.loads((SPECS / "financial-api.json").read_text())
    changed["containerDefinitions"][0]["image"] = changed["containerDefinitions"][0]["image"].replace("1.4.2", "1.4.3")
    (specs / "financial-api.json").write_text(json.dumps(changed))
    shutil.copy(SPECS / "financial-etl.json", specs / "financial-etl.json")
    write_spec(specs, "extra.json", "extra-svc")
    out = base / "render" / "out"  # every case's output sits at the same depth: the same module sources
    files, manifest, _ = pipeline.synth_tree([str(specs)], out)
    first, first_manifest, _ = pipeline.synth_tree(
        [str(SPECS / "financial-api.json"), str(SPECS / "financial-api-stages.yaml")], out
    )
    one, one_manifest, _ = pipeline.synth_tree([str(SPECS / "financial-api.json")], out)
    return {
        # financial-api changes (it holds state), extra-svc is new, the stages go, the suite is kept (a user file)
        "update": Case("update", _previous(base / "update", state_in=("financial-api",)), files, manifest),
        "first": Case("first", base / "first" / "out", first, first_manifest),  # into a new folder
        # --prune --force: the etl root and its state go, the suite and its user file, the stages
        "prune": Case(
            "prune",
            _previous(base / "prune", state_in=("financial-api", "financial-etl")),
            one,
            one_manifest,
            prune=True,
            force=True,
        ),
    }


def _fresh(case: Case, tmp_path: Path) -> Path:
    out = tmp_path / "x" / "out"
    if out.parent.exists():
        shutil.rmtree(out.parent)
    out.parent.mkdir(parents=True)
    if case.pristine.exists():
        shutil.copytree(case.pristine, out, symlinks=True)  # copy2: mtimes kept
    return out


def _write(case: Case, out: Path) -> Result:
    with output_lock(out, 0):
        return write_tree(out, case.files, case.manifest, prune=case.prune, force=case.force)


def _expected(case: Case, tmp_path: Path) -> tuple[dict[str, Any], list[tuple[str, str]], int]:
    """The output a clean run leaves (bytes), the steps it takes, and the index of the commit among them."""
    out = _fresh(case, tmp_path)
    with at_steps(lambda *_: None) as trace:
        _write(case, out)
    steps = list(trace)
    commit = next(i for i, (step, path) in enumerate(steps) if step == "unlink" and path.endswith(JOURNAL))
    return snapshot(out, mtimes=False), steps, commit


def _points(steps: list[tuple[str, str]], commit: int) -> list[int]:
    """Every step up to the commit; after it (syncing and removing the staging folder, one file like the next),
    the first two, one in the middle and the last."""
    cleanup = range(commit + 1, len(steps))
    return sorted(
        set(range(commit + 1))
        | {i for i in (commit + 1, commit + 2, (commit + len(steps)) // 2, len(steps) - 1) if i in cleanup}
    )


@pytest.fixture()
def unsynced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hundreds of runs below: fsync does nothing (a killed process loses nothing the OS holds; other tests sync)."""
    monkeypatch.setattr(fs, "fsync", no_sync)


@pytest.mark.usefixtures("unsynced")
@pytest.mark.parametrize("name", ["update", "first", "prune"])
def test_an_error_at_any_step_changes_nothing(cases: dict[str, Case], name: str, tmp_path: Path) -> None:
    case = cases[name]
    after, steps, commit = _expected(case, tmp_path)
    assert {s for s, _ in steps[:commit]} >= {"open", "write", "fsync", "close", "rename", "mkdir"}
    out = _fresh(case, tmp_path)
    before = snapshot(out)
    for i in _points(steps, commit):
        step, path = steps[i]
        with at_steps(fail_at(i, errno.EIO)):
            if i <= commit:
                with pytest.raises(EcsformError) as caught:
                    _write(case, out)
                [finding] = caught.value.findings
                assert finding.rule == "OUT-IO" and "Input/output error (EIO)" in finding.message, finding.format()
                assert snapshot(out) == before, f"step {i} ({step} {path}) changed the output"
                assert not debris(out), f"step {i} ({step} {path}) left {debris(out)}"
                continue  # the output is the previous one: the next run is a run like any other
            result = _write(case, out)  # after the commit: published; a staging folder left is a warning
        assert "OUT-IO" in [f.rule for f in result.findings]
        assert {k: v for k, v in snapshot(out, mtimes=False).items() if not k.startswith(".ecsform")} == after
        _write(case, out)  # the next run removes what is left
        assert snapshot(out, mtimes=False) == after and not debris(out), f"after a fault at step {i} ({step})"
        out = _fresh(case, tmp_path)
        before = snapshot(out)


@pytest.mark.usefixtures("unsynced")
@pytest.mark.parametrize("name", ["update", "first", "prune"])
def test_a_kill_at_any_step_is_undone_by_the_next_run(cases: dict[str, Case], name: str, tmp_path: Path) -> None:
    case = cases[name]
    after, steps, commit = _expected(case, tmp_path)
    out = _fresh(case, tmp_path)
    before = snapshot(out)
    for i in [*_points(steps, commit), len(steps)]:
        assert killed_child(i, lambda: _write(case, out)) == (i < len(steps))
        with output_lock(out, 0):  # the OS released the dead run's lock; the next run starts with:
            recover(out)
        where = f"killed before step {i} {steps[i] if i < len(steps) else '(the end)'}"
        assert not debris(out), where
        if i <= commit:
            assert snapshot(out) == before, where
            continue
        assert snapshot(out, mtimes=False) == after, where
        _write(case, out)
        assert snapshot(out, mtimes=False) == after and not debris(out), where
        out = _fresh(case, tmp_path)
        before = snapshot(out)


def test_a_killed_cli_synth_is_undone_by_the_next_synth(tmp_path: Path) -> None:
    """The real command, killed in the middle of publishing (after it moved the first root into place)."""
    out = tmp_path / "out"
    pipeline.synth([str(SPECS / "financial-api.json")], out)
    (out / "financial-api" / "terraform.tfstate").write_text('{"serial": 7}')
    before = snapshot(out)
    driver = (
        "import os, signal, sys; sys.path.insert(0, sys.argv[1]); from generators.writer.disk import fs\n"
        "real = fs.rename\n"
        "def rename(src, dst, *a, **k):\n"
        "    if '/.ecsform-staging-' in str(src) and '/.ecsform-staging-' not in str(dst):\n"
        "        real(src, dst, *a, **k); os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(src, dst, *a, **k)\n"
        "fs.rename = rename\n"
        "sys.argv = ['main.py'] + sys.argv[2:]\n"
        "import main; main.app()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", driver, str(REPO), "synth", str(SPECS), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == -9, proc.stderr
    assert snapshot(out) != before  # half published: a root moved in, the manifest not yet
    with output_lock(out, 0):
        recover(out)
    assert snapshot(out) == before and not debris(out)
    pipeline.synth([str(SPECS)], out)
    assert (out / "financial-api" / "terraform.tfstate").read_text() == '{"serial": 7}'
    assert (out / "financial-etl" / "main.tf").is_file() and not debris(out)


def test_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    """Tools that watch files see only real changes: same bytes, same inode, same mtime."""
    specs, out = tmp_path / "specs", tmp_path / "out"
    shutil.copytree(SPECS, specs)
    pipeline.synth([str(specs)], out)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")}
    pipeline.synth([str(specs)], out)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")} == before
    etl = specs / "financial-etl.json"
    etl.write_text(etl.read_text().replace('"memory": "2048"', '"memory": "4096"'))
    pipeline.synth([str(specs)], out)
    changed = sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and (p.stat().st_ino, p.stat().st_mtime_ns) != before[p]
    )
    # (and the mtime of the folder it was renamed into); README.md's diagram shows the task's memory and the
    # manifest holds the root's hash
    assert changed == ["financial-etl/README.md", "financial-etl/main.tf", "manifest.json"]


def test_changes_lists_missing_stale_and_extra_roots(tmp_path: Path) -> None:
    """What `synth --check` needs: a comparison that reads only."""
    out = tmp_path / "out"
    files, manifest, _ = pipeline.synth_tree([str(SPECS)], out)
    missing = [r["path"] for r in manifest["roots"]] + [m["path"] for m in manifest["modules"]]
    assert missing[-1] == "modules/ecs-task-definition"  # the modules synth copies beside the roots
    assert changes(out, files, manifest).missing == missing
    pipeline.synth([str(SPECS)], out)
    assert changes(out, files, manifest).clean
    (out / "financial-api" / "main.tf").write_text("# edited\n")
    shutil.rmtree(out / "financial-etl")
    (out / "financial-api-stages" / "dev" / "terraform.tfstate").write_text("{}")
    before = snapshot(out)
    files, manifest, _ = pipeline.synth_tree(
        [str(SPECS / "financial-api.json"), str(SPECS / "financial-etl.json")], out
    )
    found = changes(out, files, manifest)
    assert (found.missing, found.stale, found.manifest) == (["financial-etl"], ["financial-api"], True)
    assert found.extra == ["financial-api-stages/dev", "financial-api-stages/prod", "financial-app-suite"]
    assert found.kept == ["financial-api-stages/dev"] and not found.clean
    assert snapshot(out) == before and not debris(out)


def test_ctrl_c_while_publishing_puts_the_previous_output_back(cases: dict[str, Case], tmp_path: Path) -> None:
    case = cases["update"]
    _, steps, commit = _expected(case, tmp_path)
    out = _fresh(case, tmp_path)
    before = snapshot(out)

    last = max(i for i, (step, _) in enumerate(steps[:commit]) if step in ("rename", "replace"))

    def interrupt(index: int, name: str, path: str) -> None:
        if index == last:  # the manifest's move into place: every root has been moved already
            raise KeyboardInterrupt

    with at_steps(interrupt), pytest.raises(KeyboardInterrupt):
        _write(case, out)
    assert snapshot(out) == before and not debris(out)
