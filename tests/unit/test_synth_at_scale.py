"""synth at scale: the same output and findings whatever the worker processes and the render cache; the cache
renders only what changed and trusts nothing it cannot check; roots stream to the writer; start-up loads only what
a command uses; durability costs the same for 30 files as for 120."""

from __future__ import annotations

import gc
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SPECS
from hypothesis import given, settings
from hypothesis import strategies as st
from output_faults import at_steps, snapshot, write_spec

from generators import cache, locations, pipeline, synth_run
from generators import config as project_config
from generators.errors import EcsformError
from generators.options import Options
from generators.writer.manifest import entry_text, manifest_text
from generators.writer.publication import Publication


def _specs(folder: Path, count: int) -> list[Path]:
    """Copies of the bundled specs with families of their own, and one spec with two environments."""
    sources = sorted(p for p in SPECS.glob("*.json"))
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(count):
        data = json.loads(sources[i % len(sources)].read_text())
        data["family"] = f"{data['family']}-{i}"
        made.append(folder / f"spec-{i:03d}.json")
        made[-1].write_text(json.dumps(data, indent=2))
    twins = json.loads((SPECS / "financial-api.json").read_text())
    twins.update(family="twins", environments={"dev": {}, "prod": {}})
    made.append(folder / "twins.json")
    made[-1].write_text(json.dumps(twins, indent=2))
    return made


class Spy:
    """Where `SynthRun.make` ran (the processes) and for which spec files."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
        self.log = log
        real = synth_run.SynthRun.make

        def make(run: Any, file: Path, data: bytes | None = None) -> Any:
            with open(log, "a") as fh:  # appends from forked workers too
                fh.write(f"{os.getpid()} {file.name}\n")
            return real(run, file, data)

        monkeypatch.setattr(synth_run.SynthRun, "make", make)

    def take(self) -> list[tuple[int, str]]:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        self.log.unlink(missing_ok=True)
        return [(int(pid), name) for pid, name in (line.split() for line in lines)]


@pytest.fixture()
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers from 2 files each, taking 3 at a time: a few dozen specs spread over every worker."""
    monkeypatch.setattr(synth_run, "MIN_FILES_PER_JOB", 2)
    monkeypatch.setattr(synth_run, "_CHUNK", 3)


@pytest.mark.usefixtures("small_chunks")
def test_output_and_findings_are_the_same_whatever_the_workers_and_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = tmp_path / "specs"
    _specs(specs, 20)
    spy = Spy(monkeypatch, tmp_path / "made.log")
    store = tmp_path / "cache"
    runs = {
        "serial": Options(jobs=1),
        "2 workers": Options(jobs=2),
        "3 workers, cache cold": Options(jobs=3, cache=store),
        "serial, cache warm": Options(jobs=1, cache=store),
        "2 workers, cache warm": Options(jobs=2, cache=store),
    }
    seen = {}
    for name, options in runs.items():
        out = tmp_path / name.replace(" ", "-").replace(",", "") / "out"  # the same depth for every run
        seen[name] = pipeline.synth_tree([str(specs)], out, options)
        made = spy.take()
        pids = {pid for pid, _ in made}
        if "warm" in name:
            assert made == [], name  # nothing rendered again
        elif options.jobs == 1:
            assert len(made) == 21 and pids == {os.getpid()}, name
        else:  # the first here, before the fork (what it loads, the workers inherit); the others in the workers
            # only (each takes 3 files at a time: most likely all of them)
            here = [file for pid, file in made if pid == os.getpid()]
            assert len(made) == 21 and here == ["spec-000.json"] and len(pids - {os.getpid()}) >= 2, (name, made)
        written, _ = pipeline.synth([str(specs)], out, options)
        assert written == seen[name][1]
        files = {rel: data for rel, data in snapshot(out, mtimes=False).items() if data != ("dir",)}
        assert files == {**seen[name][0], "manifest.json": (json.dumps(written, indent=2) + "\n").encode()}
        spy.take()
    first = seen["serial"]
    assert "modules/ecs-task-definition/main.tf" in first[0]  # the modules the roots call, copied: by every run
    for name, result in seen.items():
        assert result == first, name
        assert [f.data for f in result[2]] == [f.data for f in first[2]], name  # (not part of a finding's ==)
    assert any(f.data for f in first[2])  # ECS-M4's statements
    assert first[2] and len(first[1]["roots"]) == 22  # (the specs' findings are suppressed by their ignores)

    # the same errors, in the same order, from every run (the one across specs between two cached entries too)
    broken = json.loads((specs / "spec-007.json").read_text())
    broken["containerDefinitions"][0]["memory"] = "lots"
    (specs / "spec-007.json").write_text(json.dumps(broken))
    (specs / "spec-019.json").write_text((specs / "spec-001.json").read_text())  # FAMILY-DUPLICATE, both cached
    errors = {}
    for name, options in runs.items():
        with pytest.raises(EcsformError) as caught:
            pipeline.synth_tree([str(specs)], tmp_path / "e" / "out", options)
        errors[name] = caught.value.findings
        spy.take()
    for name, found in errors.items():
        assert found == errors["serial"], name
    shown = [(f.rule, Path(f.file).name) for f in errors["serial"] if f.severity.value == "error"]
    assert shown == [("SPEC-TYPE", "spec-007.json"), ("FAMILY-DUPLICATE", "spec-019.json")]


def test_the_cache_renders_only_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One spec changed renders one; an ecsform.yaml environment renders the specs that have it; a module, the
    policy file or a root's deployed images file renders the specs that use it; the checks across specs still see
    all."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "modules", project / "modules", ignore=shutil.ignore_patterns(".*"))
    (project / "ecsform.yaml").write_text(
        "defaults:\n  region: us-east-1\n  moduleSource: ./modules\n"
        "environments:\n  dev:\n    tags: {environment: development}\n  prod:\n    tags: {environment: production}\n"
    )
    specs = project / "specs"
    for i in range(4):
        write_spec(specs, f"svc-{i}.json", f"svc-{i}", region="us-east-1")
        data = json.loads((specs / f"svc-{i}.json").read_text())
        del data["x-ecsform"]
        if i >= 2:
            data["environments"] = {"dev": {"family": f"svc-{i}-dev"}, "prod": {"family": f"svc-{i}-prod"}}
        (specs / f"svc-{i}.json").write_text(json.dumps(data, indent=2))
    policy = tmp_path / "policy.yaml"
    policy.write_text("logRetentionDays: 30\n")
    spy = Spy(monkeypatch, tmp_path / "made.log")
    monkeypatch.chdir(project)

    def synth() -> list[str]:
        options = Options(config=project_config.load("ecsform.yaml"), policy=str(policy), cache=tmp_path / "cache")
        pipeline.synth(["specs"], "build", options)
        return sorted(name for _, name in spy.take())

    everything = [f"svc-{i}.json" for i in range(4)]
    assert synth() == everything
    assert synth() == []
    spec = specs / "svc-1.json"
    spec.write_text(spec.read_text().replace('"512"', '"1024"'))
    assert synth() == ["svc-1.json"]
    assert 'memory                   = "1024"' in (project / "build" / "svc-1" / "main.tf").read_text()
    config = project / "ecsform.yaml"
    config.write_text(config.read_text().replace("environment: production", "environment: live"))
    assert synth() == ["svc-2.json", "svc-3.json"]  # the specs with a prod overlay
    assert "live" in (project / "build" / "svc-3" / "prod" / "providers.tf").read_text()
    config.write_text(config.read_text() + "ci:\n  specs: [specs]\n")  # no root uses the ci block
    assert synth() == []
    variables = project / "modules" / "ecs-task-definition" / "variables.tf"
    variables.write_text(variables.read_text() + "\n")
    assert synth() == everything  # every root calls it (manifest.json's hash names its files)
    policy.write_text("logRetentionDays: 90\n")
    assert synth() == everything
    deployed = project / "images" / "svc-3" / "dev.yaml"  # the root's deployed images (ecsform image set)
    deployed.parent.mkdir(parents=True)
    deployed.write_text("app: registry.example.com/app:2.0\n")  # a file that was missing
    assert synth() == ["svc-3.json"]
    assert "registry.example.com/app:2.0" in (project / "build" / "svc-3" / "dev" / "README.md").read_text()
    deployed.write_text("app: registry.example.com/app:2.1\n")
    assert synth() == ["svc-3.json"]
    assert synth() == []
    # a new spec with the family of a cached one: the check across specs sees both
    shutil.copy(specs / "svc-0.json", specs / "svc-9.json")
    with pytest.raises(EcsformError) as caught:
        synth()
    errors = [(f.rule, Path(f.file).name) for f in caught.value.findings if f.severity.value == "error"]
    assert errors == [("FAMILY-DUPLICATE", "svc-9.json")]


def test_a_cached_root_follows_what_synth_copies_and_pins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What issue 22 added to a root's bytes reaches a cached root: terraform.providerVersion, the lock file synth
    copies into every root (its bytes), --plan-role, the modules copied into OUT/modules (their files, and whether
    roots call them: moduleSource, --module-source). After each change the cached synth writes the tree a synth
    without the cache writes beside it, the change shows, and a synth again renders nothing (the cache is used)."""
    installed = tmp_path / "installed"  # the installation's modules, which synth copies into OUT/modules
    shutil.copytree(REPO / "modules", installed, ignore=shutil.ignore_patterns(".*"))
    monkeypatch.setattr(locations, "MODULES", installed)
    project = tmp_path / "project"
    shutil.copytree(REPO / "modules", project / "modules", ignore=shutil.ignore_patterns(".*"))
    config = project / "ecsform.yaml"
    head = (
        'defaults:\n  accountId: "111111111111"\n  region: us-east-1\n'
        "  roleArn: arn:aws:iam::111111111111:role/deploy\n  planRoleArn: arn:aws:iam::111111111111:role/plan\n"
    )
    config.write_text(head + "  moduleSource: ./modules\n")
    for i in range(2):
        write_spec(project / "specs", f"svc-{i}.json", f"svc-{i}")
    spy = Spy(monkeypatch, tmp_path / "made.log")
    monkeypatch.chdir(project)

    def tree(folder: str) -> dict[str, bytes]:
        return {
            p.relative_to(project / folder).as_posix(): p.read_bytes()
            for p in sorted((project / folder).rglob("*"))
            if p.is_file()
        }

    def synth(**more: Any) -> dict[str, bytes]:
        cached = Options(config=project_config.load("ecsform.yaml"), cache=tmp_path / "cache", **more)
        pipeline.synth(["specs"], "build", cached)
        made = spy.take()
        pipeline.synth(["specs"], "fresh", Options(config=project_config.load("ecsform.yaml"), **more))
        spy.take()
        assert tree("build") == tree("fresh")
        pipeline.synth(["specs"], "build", cached)
        assert spy.take() == [] and made != []  # rendered once after the change, then from the cache
        return tree("build")

    def changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
        return {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}

    first = synth()
    assert "modules/ecs-task-definition/main.tf" not in first and ".terraform.lock.hcl" not in str(list(first))
    config.write_text(head + '  moduleSource: ./modules\nterraform:\n  providerVersion: ">= 5.100.0, < 5.200.0"\n')
    pinned = synth()
    assert changed(first, pinned) == {"svc-0/versions.tf", "svc-1/versions.tf", "manifest.json"}
    assert '">= 5.100.0, < 5.200.0"' in pinned["svc-0/versions.tf"].decode()

    lock = (REPO / "ecsform.lock.hcl").read_text().replace("< 6.0.0", "< 5.200.0")
    (project / "ecsform.lock.hcl").write_text(lock)
    config.write_text(config.read_text() + "  lockPlatforms: [linux_amd64]\n")
    locked = synth()
    assert locked["svc-1/.terraform.lock.hcl"] == lock.encode()
    (project / "ecsform.lock.hcl").write_text(lock.replace("h1:edXOJWE4", "h1:EDxojwe4"))
    relocked = synth()
    assert changed(locked, relocked) == {"svc-0/.terraform.lock.hcl", "svc-1/.terraform.lock.hcl", "manifest.json"}

    planning = synth(plan_role=True)
    roles = {f"svc-{i}/{name}" for i in range(2) for name in ("providers.tf", "README.md")}
    assert changed(relocked, planning) == roles | {"manifest.json"}
    assert "role/plan" in planning["svc-0/providers.tf"].decode()

    config.write_text(config.read_text().replace("  moduleSource: ./modules\n", ""))
    vendored = synth()  # the roots call the copy in OUT/modules
    assert 'source = "../modules/ecs-task-definition"' in vendored["svc-0/main.tf"].decode()
    assert vendored["modules/ecs-task-definition/main.tf"] == (installed / "ecs-task-definition/main.tf").read_bytes()
    variables = installed / "ecs-task-definition" / "variables.tf"
    variables.write_text(variables.read_text() + "\n")
    revised = synth()
    assert changed(vendored, revised) == {"modules/ecs-task-definition/variables.tf", "manifest.json"}
    hashes = [[r["hash"] for r in json.loads(t["manifest.json"])["roots"]] for t in (vendored, revised)]
    assert hashes[0][0] != hashes[1][0] and hashes[0][1] != hashes[1][1]  # each root's hash names the copy's files

    addressed = synth(module_source="git::https://example.com/modules.git?ref=v1")
    assert not any(rel.startswith("modules/") for rel in addressed)
    assert "git::https://example.com/modules.git/ecs-task-definition?ref=v1" in addressed["svc-0/main.tf"].decode()


def _rows(store: Path) -> list[tuple[str, str, bytes]]:
    with sqlite3.connect(store / cache.FILE_NAME) as db:
        return db.execute("SELECT key, sha, blob FROM entries ORDER BY key").fetchall()


def test_a_corrupt_foreign_or_tampered_cache_is_never_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = tmp_path / "specs"
    for i in range(3):
        write_spec(specs, f"svc-{i}.json", f"svc-{i}")
    store = tmp_path / "cache"
    spy = Spy(monkeypatch, tmp_path / "made.log")
    out = tmp_path / "build"

    def synth() -> list[str]:
        pipeline.synth([str(specs)], out, Options(cache=store))
        return sorted(name for _, name in spy.take())

    everything = ["svc-0.json", "svc-1.json", "svc-2.json"]
    assert synth() == everything
    clean = snapshot(out, mtimes=False)
    (key0, sha0, blob0), (key1, _, _), _ = _rows(store)
    found = cache.decode(key0, blob0)
    assert found is not None and found.roots
    for root in found.roots:
        root.files = {name: b"# not what ecsform renders\n" for name in root.files}
    forged = cache.encode(key0, found)
    with sqlite3.connect(store / cache.FILE_NAME) as db:
        # one entry's bytes changed under its checksum; another's bytes and checksum moved to a third key
        db.execute("UPDATE entries SET blob = ? WHERE key = ?", (forged, key0))
        db.execute("DELETE FROM entries WHERE key = ?", (key1,))
        db.execute("INSERT INTO entries VALUES (?, ?, ?, 0)", (key1, sha0, blob0))
    made = synth()
    assert len(made) == 2 and snapshot(out, mtimes=False) == clean
    assert synth() == []  # both made again and stored
    for garbage in (b"SQLite format 3\x00" + os.urandom(4000), b"not a database at all\n" * 100):
        (store / cache.FILE_NAME).write_bytes(garbage)
        for suffix in ("-wal", "-shm"):
            Path(f"{store / cache.FILE_NAME}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(out)
        assert synth() == everything
        assert snapshot(out, mtimes=False) == clean
        assert synth() == []  # the database was made again
    assert (store / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_entries_are_marked_used_once_a_day_and_removed_after_keep_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run marks the entries it used that were not marked that day (and rewrites nothing when all were); the
    entries no run used for KEEP_DAYS days are removed, by the first run of a day only."""
    specs = tmp_path / "specs"
    for i in range(3):
        write_spec(specs, f"svc-{i}.json", f"svc-{i}")
    store, day = tmp_path / "cache", [20_000]
    monkeypatch.setattr(cache, "_today", lambda: day[0])
    written: list[str] = []
    real_write = cache.Store._write

    def spy_write(self: Any, statement: str, rows: list, then: str | None = None) -> None:
        if rows:
            written.append(statement.split()[0])
        real_write(self, statement, rows, then)

    monkeypatch.setattr(cache.Store, "_write", spy_write)

    def synth(*names: str) -> dict[str, int]:
        pipeline.synth([str(specs / n) for n in names], tmp_path / "build", Options(cache=store))
        with sqlite3.connect(store / cache.FILE_NAME) as db:
            rows = dict(db.execute("SELECT key, used FROM entries").fetchall())
            swept = db.execute("PRAGMA user_version").fetchone()[0]
        return {"entries": len(rows), "oldest": min(rows.values()), "newest": max(rows.values()), "swept": swept}

    everything = ("svc-0.json", "svc-1.json", "svc-2.json")
    assert synth(*everything) == {"entries": 3, "oldest": 20_000, "newest": 20_000, "swept": 20_000}
    written.clear()
    assert synth(*everything)["newest"] == 20_000
    assert written == []  # every entry marked today already, the day's removal done: nothing written
    day[0] = 20_005
    assert synth("svc-0.json") == {"entries": 3, "oldest": 20_000, "newest": 20_005, "swept": 20_005}
    assert written == ["UPDATE", "DELETE"]
    day[0] = 20_000 + cache.KEEP_DAYS
    assert synth("svc-1.json")["entries"] == 3  # svc-2's entry unused for KEEP_DAYS - 1 days: kept
    day[0] = 20_001 + cache.KEEP_DAYS
    left = synth("svc-1.json")
    assert left == {"entries": 2, "oldest": 20_005, "newest": 20_001 + cache.KEEP_DAYS, "swept": day[0]}


def test_an_entry_holds_its_files_bytes_exactly_and_nothing_else() -> None:
    """An entry is a line of JSON, then its files' bytes: they come back byte for byte (newlines, any byte), and an
    entry cut short, with bytes no file claims, a size that cannot be, or another key is no entry."""
    files = {"a/main.tf": b'x = "\\n"\n\n', "a/README.md": b"\xff\x00# a\n", "a/empty": b""}
    outcome = cache.Outcome(
        [], [], [cache.Rendered({"path": "a", "files": sorted(files)}, files)], [["file", "f", "d"]]
    )
    blob = cache.encode("k", outcome)
    back = cache.decode("k", blob)
    assert back is not None and back.roots[0].files == files and list(back.roots[0].files) == list(files)
    assert back.roots[0].entry == outcome.roots[0].entry and back.deps == outcome.deps
    negative = blob.replace(b'["a/main.tf",10]', b'["a/main.tf",-10]')
    assert negative != blob
    for broken in (blob[:-1], blob + b"x", negative, blob.replace(b"\n", b" ", 1)):
        assert cache.decode("k", broken) is None
    assert cache.decode("another key", blob) is None


def test_a_store_that_held_no_entry_when_the_run_began_is_not_read(tmp_path: Path) -> None:
    """A cold run's reads would all miss: it opens no reader, and finds nothing, even an entry stored meanwhile;
    the next run reads what the first stored."""
    outcome = cache.Outcome([], [], [cache.Rendered({"path": "a", "files": ["main.tf"]}, {"main.tf": b"x\n"})])
    first = cache.Store(tmp_path / "cache")
    first.prepare()
    first.put([("k", cache.encode("k", outcome))])
    assert first.get("k") is None and False not in first._db  # no reader opened
    first.close()
    second = cache.Store(tmp_path / "cache")
    second.prepare()
    found = second.get("k")
    assert found is not None and found[0].roots[0].files == {"main.tf": b"x\n"}
    second.close()


def test_a_spec_is_read_once_whether_the_cache_is_used_or_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The render cache's key and the loader take the same bytes, read once: the file cannot change between them."""
    specs = tmp_path / "specs"
    for i in range(3):
        write_spec(specs, f"svc-{i}.json", f"svc-{i}")
    opened: list[str] = []
    real_open = Path.open

    def spy_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.suffix == ".json" and self.parent.name == "specs":
            opened.append(self.name)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy_open)
    for cache_dir in (tmp_path / "cache", None):
        opened.clear()
        pipeline.synth([str(specs)], tmp_path / f"out-{cache_dir is None}", Options(cache=cache_dir, jobs=1))
        assert sorted(opened) == ["svc-0.json", "svc-1.json", "svc-2.json"], cache_dir


def test_making_a_spec_leaves_no_garbage_for_the_collector(tmp_path: Path) -> None:
    """Each spec (JSON or YAML) is loaded, checked, planned and rendered without making reference cycles: what it
    leaves is freed at once, and the workers' collector passes find nothing. (A recursive closure held itself, and
    the marks, through its cell: ~100 objects a spec, half of the workers' time in the collector; ruamel.yaml's
    YAML.parse made a class for each text.)"""
    specs = tmp_path / "specs"
    _specs(specs, 4)
    for name in ("a-stages.yaml", "b-stages.yaml"):
        shutil.copy(SPECS / "financial-api-stages.yaml", specs / name)
    run = synth_run.SynthRun([str(specs)], tmp_path / "out", Options(jobs=1), compare=True)
    assert [f.name for f in run.files[:3]] == ["a-stages.yaml", "b-stages.yaml", "spec-000.json"]
    for f in run.files[:3:2]:  # (what the first of each kind loads and caches is kept, not garbage)
        run.outcome(f)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for f in run.files[1:2] + run.files[3:]:
            assert run.outcome(f)[0].roots, f
        gc.collect()
        left = [type(o).__qualname__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == [], sorted(set(left))


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("collecting", [True, False])
def test_the_collector_is_off_while_the_workers_results_stream_then_as_it_was(tmp_path: Path, collecting: bool) -> None:
    """What the workers send is kept to the end of the run: no collector pass goes over it while it streams, and
    the collector is left as the caller had it."""
    _specs(tmp_path / "specs", 8)
    (gc.enable if collecting else gc.disable)()
    try:
        run = synth_run.SynthRun([str(tmp_path / "specs")], tmp_path / "out", Options(jobs=2), compare=True)
        seen = [gc.isenabled() for _ in run.outcomes()]
        assert len(seen) == 9 and seen[1:] == [False] * 8, seen  # (the first is made here, before the fork)
        assert gc.isenabled() is collecting
    finally:
        gc.enable()


def test_a_cache_another_run_is_writing_is_waited_for_then_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Busy is not corrupt: a synth that cannot get the cache's write lock in time stores nothing, removes
    nothing, and writes its output all the same."""
    specs = tmp_path / "specs"
    for i in range(3):
        write_spec(specs, f"svc-{i}.json", f"svc-{i}")
    store = tmp_path / "cache"
    pipeline.synth([str(specs)], tmp_path / "first", Options(cache=store))
    before = _rows(store)
    monkeypatch.setattr(cache, "_BUSY_MS", 100)
    write_spec(specs, "svc-9.json", "svc-9")
    other = sqlite3.connect(store / cache.FILE_NAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another ecsform run, writing
    try:
        pipeline.synth([str(specs)], tmp_path / "second", Options(cache=store))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _rows(store) == before  # nothing stored, nothing removed
    assert (tmp_path / "second" / "svc-9" / "main.tf").is_file()
    pipeline.synth([str(specs)], tmp_path / "third", Options(cache=store))
    assert len(_rows(store)) == 4


def test_roots_stream_to_the_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first root is staged before the last spec is loaded: no one holds every root."""
    specs = tmp_path / "specs"
    _specs(specs, 6)
    events: list[str] = []
    real_make, real_add = synth_run.SynthRun.make, Publication.add

    def make(run: Any, file: Path) -> Any:
        events.append(f"make {file.name}")
        return real_make(run, file)

    def add(pub: Publication, root: str | None, *files: Any) -> list[str]:
        events.append(f"stage {root}")
        return real_add(pub, root, *files)

    monkeypatch.setattr(synth_run.SynthRun, "make", make)
    monkeypatch.setattr(Publication, "add", add)
    pipeline.synth([str(specs)], tmp_path / "out", Options(jobs=1))
    assert events.index("stage financial-api-0") < events.index("make twins.json")


def test_a_file_changed_after_a_worker_compared_it_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The processes that render compare files with the output before the writer holds its lock; the writer
    confirms each file they found unchanged (a stat), and writes what changed in between."""
    specs, out = tmp_path / "specs", tmp_path / "out"
    for i in range(3):
        write_spec(specs, f"svc-{i}.json", f"svc-{i}")
    pipeline.synth([str(specs)], out)
    clean = snapshot(out)
    real = synth_run.SynthRun.outcome

    def outcome(run: Any, file: Path, compare: bool | None = None) -> Any:
        found = real(run, file, compare)
        if file.name == "svc-1.json" and run.compare and compare is None:
            assert "svc-1/main.tf" in found[0].roots[0].same
            (out / "svc-1" / "main.tf").write_text("# edited after the comparison\n")
        return found

    monkeypatch.setattr(synth_run.SynthRun, "outcome", outcome)
    pipeline.synth([str(specs)], out)
    after = snapshot(out)
    assert after.pop("svc-1/main.tf")[0] == clean.pop("svc-1/main.tf")[0] and after == clean


def test_a_synth_whose_specs_all_fail_creates_nothing(tmp_path: Path) -> None:
    """The output's lock (and the folders to it) are taken when the first root is ready."""
    spec = write_spec(tmp_path / "specs", "bad.json", "bad")
    spec.write_text(spec.read_text().replace('"cpu": "256"', '"cpu": "lots"'))
    with pytest.raises(EcsformError):
        pipeline.synth([str(spec)], tmp_path / "a" / "b" / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["specs"]


def _publish_steps(tmp_path: Path, roots: int) -> list[tuple[str, str]]:
    specs = tmp_path / f"specs-{roots}"
    for i in range(roots):
        write_spec(specs, f"svc-{i:02d}.json", f"svc-{i:02d}")
    out = tmp_path / f"o{roots}" / "out"
    with at_steps(lambda *_: None) as trace:  # the roots, then the modules they call, streamed to one publication
        pipeline.synth([str(specs)], out, Options(lock_timeout=0))
    assert sorted(os.listdir(out / locations.VENDORED)) == ["ecs-task-definition"]
    return list(trace)


def test_durability_costs_the_same_for_few_files_and_many(tmp_path: Path) -> None:
    """One syncfs makes every staged file durable before the journal names them (then the journal's fsyncs, one
    syncfs for the renames, the commit's fsync): the same number of calls for 30 files as for 120, the modules
    synth copies into OUT/modules staged with the roots."""
    counts = []
    for roots in (5, 20):
        steps = _publish_steps(tmp_path, roots)
        syncs = [i for i, (step, _) in enumerate(steps) if step in ("fsync", "syncfs")]
        counts.append(len(syncs))
        first_sync = syncs[0]
        journal = next(i for i, (step, path) in enumerate(steps) if step == "open" and path.endswith("journal.tmp"))
        last_staged = max(i for i, (step, path) in enumerate(steps[:journal]) if step == "write")
        assert steps[first_sync][0] == "syncfs" and last_staged < first_sync < journal
        # every root's 6 files, the 5 of the module they call (copied into OUT/modules), the manifest, the journal
        assert [s for s, _ in steps].count("write") == 6 * roots + 5 + 2
    assert counts[0] == counts[1] == 5


def _imported(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", str(REPO / "main.py"), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    return {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}


def test_start_up_imports_only_what_the_command_uses(tmp_path: Path) -> None:
    """(main.py loads generators.pipeline, .validation and .config when a command first uses them: what they
    import shows that they were loaded.)"""
    heavy = {"boto3", "botocore.session", "generators.rules", "generators.emit.hcl", "pydantic", "jinja2"}
    assert not _imported("--help") & heavy
    used = _imported("validate", str(SPECS / "financial-api.json"))
    assert {"generators.rules", "pydantic"} <= used and not used & {"boto3", "jinja2", "multiprocessing"}
    used = _imported("synth", str(SPECS / "financial-api.json"), "--out", str(tmp_path / "out"), "--no-cache")
    assert {"generators.emit.hcl", "jinja2"} <= used and not used & {"boto3", "multiprocessing", "sqlite3"}
    # without an ecsform.yaml (--no-config) neither loads the config's models and checks
    config = {"generators.config", "generators.config.model", "generators.config.checks"}
    assert {"generators.config.model", "generators.config.checks"} <= used
    used = _imported("validate", str(SPECS / "financial-api.json"), "--no-config")
    assert "generators.spec.extensions" in used and not used & config
    used = _imported(
        "synth", str(SPECS / "financial-api.json"), "--no-config", "--out", str(tmp_path / "o2"), "--no-cache"
    )
    assert "generators.emit.hcl" in used and not used & config
    assert "ruamel.yaml" not in used  # a .json spec that json_tree reads needs no YAML parser
    assert "ruamel.yaml" in _imported("validate", str(SPECS / "financial-api-stages.yaml"), "--no-config")


def test_the_yaml_parser_is_made_before_the_fork_where_a_spec_needs_it() -> None:
    """Workers inherit the YAML parser where any spec is .yaml or .yml (made once, not once per worker); a run of
    .json specs never imports it."""
    probe = (
        "import sys; from pathlib import Path; from generators.spec import loader; "
        "loader.before_fork([Path(p) for p in sys.argv[1:]]); print('ruamel.yaml' in sys.modules)"
    )

    def made(*files: str) -> bool:
        done = subprocess.run([sys.executable, "-c", probe, *files], cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip() == "True"

    assert not made("a.json", "b.JSON")
    assert made("a.json", "b.yaml") and made("c.YML")


def test_the_cache_and_jobs_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from main import app

    def cli(*args: str) -> Any:
        return CliRunner().invoke(app, [*args, "--no-config"])

    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    spec, out = str(SPECS / "financial-api.json"), tmp_path / "out"
    result = cli("synth", spec, "--out", str(out), "--no-cache", "--jobs", "2")
    assert result.exit_code == 0 and not (tmp_path / "cache").exists(), result.output
    result = cli("synth", spec, "--out", str(out))
    assert result.exit_code == 0 and (tmp_path / "cache" / cache.FILE_NAME).is_file(), result.output
    assert cli("validate", spec, "-j", "3").exit_code == 0
    for args, where in (
        (["--cache-dir", str(out / "cache")], "--cache-dir"),
        (["--cache-dir", str(tmp_path), "--no-cache"], "--no-cache"),
    ):
        result = cli("synth", spec, "--out", str(out), *args)
        assert result.exit_code == 2 and f"{where}:1:1: error CLI-CACHE: " in result.stderr, result.output
    monkeypatch.setenv(cache.ENV_VAR, str(out / "financial-api" / ".cache"))
    result = cli("synth", spec, "--out", str(out))
    assert result.exit_code == 2 and f"{cache.ENV_VAR}:1:1: error CLI-CACHE: the render cache " in result.stderr
    assert not (out / "financial-api" / ".cache").exists()


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
        | st.dictionaries(st.integers(), children, min_size=1, max_size=2)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _JSON, max_size=6))
def test_an_entry_is_written_as_json_writes_it(entry: dict) -> None:
    """entry_text builds the indented JSON itself (json's indented encoder is its Python one): byte for byte what
    json.dumps(indent=2) writes, indented for its place in "roots", whatever the entry holds."""
    expected = "\n".join("    " + line for line in json.dumps(entry, indent=2).split("\n"))
    assert entry_text(entry) == expected  # type: ignore[arg-type]


def test_the_manifest_joined_from_entries_is_what_json_writes(tmp_path: Path) -> None:
    """The writer joins manifest.json from each root's entry text (made where the root was rendered)."""
    specs = tmp_path / "specs"
    _specs(specs, 3)
    _, manifest, _ = pipeline.synth_tree([str(specs)], tmp_path / "out")
    entries = manifest["roots"]
    for written in (
        manifest,
        {"roots": entries, "orphaned": entries[:2]},
        {"roots": []},
        {"roots": [], "orphaned": entries[:1]},
    ):
        texts = [entry_text(e) for e in written["roots"]]
        assert manifest_text(written, texts) == json.dumps(written, indent=2) + "\n"
