"""Benchmarks (not tests): synth and validate on many specs, beside a peer and beside the disk's floor, in one table.

    python scripts/bench.py [--sizes 1000,4000,10000] [--peer 300] [--warm 3000] [--changed 300] [--repeat 3]
                            [--floor 1000] [--jobs N]

Specs are services made from the bundled ones, each with its own names (families, images, log groups, secrets),
written to a temporary folder as indented JSON. Every figure but the writer's is the real CLI in a fresh process
(Python start-up and imports included): the best wall time of --repeat runs (one run from 4,000 specs on), with
the user and system CPU time of that run and of the worker processes it waited for (wait4), and the peak resident
set size of the whole process tree (sampled every 20 ms and summed over the processes: pages the workers share
with the parent count twice, so it errs high).

- start-up: `ecsform --help`, `validate` of one spec, `synth` of one spec into a new folder.
- --peer N: `synth` of N specs by ecsform into a new folder, cold (with an empty render cache, and with --no-cache),
  and by a hand-written CDK for Terraform app on the prebuilt AWS provider bindings (scripts/peer_cdk_app.py, run
  from .venv-peer, requirements/peer.txt; `make bench` installs it), which also writes a new folder each run. Then
  ecsform into a new folder with the cache of a previous run (a CI job that keeps its cache), warm (one spec
  changed, its render cache present) and unchanged (nothing changed).
- --sizes: cold synths (new folder, with an empty cache and with --no-cache) of that many specs; ms per spec.
- --warm N: one spec of N changed, the cache present (the output as the previous synth left it).
- --floor N: the writer inside a synth of N specs (staging, then the publication: what the writer's calls took,
  timed in this process) beside the floor: the same files written by a plain loop into a new folder, without and
  with one syncfs.
- --changed N: `ecsform changed --since HEAD` in a git repository of N specs with two environments each.

Two things on a machine skew file-writing figures, and the bench removes both before it measures:
- Python modules compiled on every start: where PYTHONDONTWRITEBYTECODE is set, nothing writes the .pyc files an
  install would have (pip and `make setup` compile them), so the bench compiles generators/ first.
- Recently freed inodes: ext4 without a journal (this machine's) will not reuse an inode freed in the last 60 s (360 s
  while its inode table block is dirty) and checks each such inode on every file it creates (fs/ext4/ialloc.c,
  `recently_deleted` in `find_inode_bit`). Writing a tree right after deleting one made creation several times
  slower, for ecsform and the floor alike, and by a different factor each run. So the bench deletes nothing while
  it measures (each run writes a new folder; all go at the end), and before the first figure it syncs and waits
  --settle seconds (61: past the window once the blocks are clean). Files written since dirty those blocks again,
  so deletes in the 6 minutes before the bench (a test run) can still slow it: a line at the end says how long creating
  one of 2,000 empty files took at the start, to compare between runs. The writer and its floor run in turns.
A virtual machine's speed also drifts with its host's load: the last line gives the time of a fixed piece of Python
at the start and at the end, to tell which runs' absolute figures compare (the peer's ratio is measured in one run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
PEER_PYTHON = REPO / ".venv-peer" / "bin" / "python"


def make_specs(folder: Path, count: int) -> None:
    """`count` services made from the bundled specs, each its own: every string value that names the product (the
    first word of the family: images, log groups, secrets, families) names copy i's instead, so that no two specs
    share an ARN or an image (what ecsform parses once per process would otherwise be parsed once per run). Written
    as indented JSON, as people write it (the peer reads JSON)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in (REPO / "specs").iterdir() if p.suffix in (".json", ".yaml"))
    yaml = YAML(typ="safe")
    loaded = [json.loads(src.read_text()) if src.suffix == ".json" else yaml.load(src.read_text()) for src in sources]
    for i in range(count):
        data = loaded[i % len(loaded)]
        word = data["family"].split("-")[0]
        (folder / f"spec-{i:05d}.json").write_text(json.dumps(_renamed(data, word, f"{word}{i}"), indent=2) + "\n")


def _renamed(value: object, old: str, new: str) -> object:
    """A copy of a JSON value with `old` replaced by `new` in every string value (keys as they are)."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _renamed(v, old, new) for k, v in value.items()}
    return value


def change_one(folder: Path, count: int) -> None:
    """Change the image of the spec in the middle of the folder (a new release of one service)."""
    spec = folder / f"spec-{count // 2:05d}.json"
    data = json.loads(spec.read_text())
    container = data["containerDefinitions"][0]
    container["image"] = container["image"].rsplit(":", 1)[0] + f":bench-{time.monotonic_ns()}"
    spec.write_text(json.dumps(data))


@dataclass(frozen=True)
class Run:
    wall: float
    user: float
    sys: float
    peak_mib: float


def _tree_rss(pid: int) -> int:
    """Resident set size (KiB) of a process and its descendants, summed."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def measure(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode(errors='replace')[-2000:]}")
    return Run(wall, usage.ru_utime, usage.ru_stime, max(peak[0], usage.ru_maxrss) / 1024)


def best_of(repeat: int, make: Callable[[int], list[str]], env: dict[str, str] | None = None) -> Run:
    """The run with the best wall time of `repeat` (the command for run i is make(i)), with the largest peak."""
    runs = [measure(make(i), env) for i in range(repeat)]
    best = min(runs, key=lambda r: r.wall)
    return Run(best.wall, best.user, best.sys, max(r.peak_mib for r in runs))


def settle(seconds: float = 1) -> None:
    """Let the disk finish what earlier runs wrote before the next figure."""
    os.sync()
    time.sleep(seconds)


_CPU_PROBE = """
import time
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    data = {str(i): (i, str(i * 7)) for i in range(200_000)}
    sorted(data.items(), key=lambda item: item[1][1])
    best = min(best, time.perf_counter() - start)
print(best * 1e3)
"""


def cpu_probe() -> float:
    """Milliseconds for a fixed piece of pure Python (the best of three): how fast this machine runs Python just then.
    A virtual machine's speed drifts with its host; absolute figures compare between runs only where this does. (In
    a process of its own: a child's ru_maxrss starts from its parent's size at the fork, so the memory the probe
    takes would count in every figure after it.)"""
    done = subprocess.run([sys.executable, "-c", _CPU_PROBE], capture_output=True, text=True, check=True)
    return float(done.stdout)


# creating an empty file on a settled disk took 18-49 us here; within minutes of deleting a tree, 70-240 us
_SETTLED_CREATION_US = 60


def creation_probe(folder: Path, count: int = 2000) -> float:
    """Microseconds to create one empty file, over `count` (kept until the end: see the module's note)."""
    folder.mkdir()
    start = time.perf_counter()
    for i in range(count):
        os.close(os.open(folder / f"f{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    return (time.perf_counter() - start) / count * 1e6


def compile_ecsform() -> None:
    """Write the .pyc files of ecsform that an install writes (see the module's note)."""
    import compileall

    if not compileall.compile_dir(REPO / "generators", quiet=1):
        raise SystemExit("compileall failed on generators/")


def ecsform(*args: str) -> list[str]:
    return [sys.executable, str(REPO / "main.py"), *args]


class Table:
    HEAD = ("what", "specs", "wall s", "user s", "sys s", "peak MiB", "ms/spec")

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(self, what: str, run: Run | None = None, specs: int | None = None, note: str = "") -> None:
        if run is None:
            self.rows.append((what, "", "", "", "", "", note))
            return
        per = f"{run.wall / specs * 1000:.2f}" if specs else ""
        self.rows.append(
            (
                what,
                f"{specs:,}" if specs else "",
                f"{run.wall:.2f}",
                f"{run.user:.2f}",
                f"{run.sys:.2f}",
                f"{run.peak_mib:.0f}",
                per + (f"  {note}" if note else ""),
            )
        )

    def text(self) -> str:
        rows = [self.HEAD, *self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.HEAD))]
        lines = []
        for n, row in enumerate(rows):
            cells = [row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1])), row[-1]]
            lines.append("| " + " | ".join(cells) + " |")
            if n == 0:
                lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        return "\n".join(lines)


def start_up(tmp: Path, table: Table, repeat: int) -> None:
    spec = str(REPO / "specs" / "financial-api.json")
    table.add("ecsform --help", best_of(repeat, lambda i: ecsform("--help")))
    table.add("validate 1 spec", best_of(repeat, lambda i: ecsform("validate", spec, "--no-config")), 1)
    cache = str(tmp / "cache-one")
    out = str(tmp / "out-one")
    synth = best_of(
        repeat, lambda i: ecsform("synth", spec, "--no-config", "--out", f"{out}-{i}", "--cache-dir", cache)
    )
    table.add("synth 1 spec (new folder)", synth, 1)


def peer(tmp: Path, table: Table, count: int, repeat: int, jobs: list[str]) -> None:
    """ecsform and the hand-written CDK app on the same specs, each into a new folder every run; then warm and
    unchanged."""
    if not PEER_PYTHON.exists():
        raise SystemExit(f"{PEER_PYTHON} is missing: `make bench` installs the peer (requirements/peer.txt)")
    folder = tmp / "peer-specs"
    make_specs(folder, count)
    caches = tmp / "peer-caches"

    def ours(i: int) -> list[str]:
        return ecsform(
            "synth",
            str(folder),
            "--no-config",
            "--out",
            str(tmp / f"out-ours-{i}"),
            "--cache-dir",
            f"{caches}/{i}",
            *jobs,
        )

    cold = best_of(repeat, ours)
    uncached = best_of(
        repeat,
        lambda i: ecsform(
            "synth", str(folder), "--no-config", "--out", str(tmp / f"out-nocache-{i}"), "--no-cache", *jobs
        ),
    )
    env = dict(os.environ, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1")
    theirs = best_of(
        repeat,
        lambda i: [
            str(PEER_PYTHON),
            str(REPO / "scripts" / "peer_cdk_app.py"),
            str(folder),
            str(tmp / f"out-peer-{i}"),
        ],
        env,
    )
    cached = best_of(
        repeat,
        lambda i: ecsform(
            "synth",
            str(folder),
            "--no-config",
            "--out",
            str(tmp / f"out-cached-{i}"),
            "--cache-dir",
            f"{caches}/0",
            *jobs,
        ),
    )
    table.add("peer: hand-written CDK for Terraform, new folder", theirs, count)
    table.add(
        "ecsform cold: new folder, empty cache", cold, count, f"{theirs.wall / cold.wall:.0f}x faster than the peer"
    )
    table.add(
        "ecsform cold: new folder, --no-cache",
        uncached,
        count,
        f"{theirs.wall / uncached.wall:.0f}x faster than the peer",
    )
    table.add(
        "ecsform new folder, cache present (a CI job)",
        cached,
        count,
        f"{theirs.wall / cached.wall:.0f}x faster than the peer",
    )
    warm, unchanged = warm_runs(folder, count, tmp / "out-ours-0", caches / "0", repeat, jobs)
    table.add("ecsform warm: 1 spec changed, cache present", warm, count)
    table.add("ecsform unchanged: nothing changed", unchanged, count)


def warm_runs(folder: Path, count: int, out: Path, cache: Path, repeat: int, jobs: list[str]) -> tuple[Run, Run]:
    """One spec changed before each run (the output and the cache as the previous synth left them); then again
    with nothing changed."""
    command = ecsform("synth", str(folder), "--no-config", "--out", str(out), "--cache-dir", str(cache), *jobs)

    def changed(i: int) -> list[str]:
        change_one(folder, count)
        return command

    return best_of(repeat, changed), best_of(repeat, lambda i: command)


def sizes(tmp: Path, table: Table, counts: list[int], repeat: int, jobs: list[str]) -> None:
    for count in counts:
        folder = tmp / f"specs-{count}"
        make_specs(folder, count)
        runs = repeat if count < 4000 else 1

        def cold(i: int, count: int = count, folder: Path = folder) -> list[str]:
            out, cache = tmp / f"out-{count}-{i}", tmp / f"cache-{count}-{i}"
            return ecsform("synth", str(folder), "--no-config", "--out", str(out), "--cache-dir", str(cache), *jobs)

        def uncached(i: int, count: int = count, folder: Path = folder) -> list[str]:
            return ecsform(
                "synth", str(folder), "--no-config", "--out", str(tmp / f"out-{count}-n{i}"), "--no-cache", *jobs
            )

        table.add("ecsform cold: new folder, empty cache", best_of(runs, cold), count)
        table.add("ecsform cold: new folder, --no-cache", best_of(runs, uncached), count)
        settle()  # (nothing is deleted before the end: see the module's note on freed inodes)
    if counts:
        specs = str(tmp / f"specs-{counts[0]}")
        table.add("validate", best_of(repeat, lambda i: ecsform("validate", specs, "--no-config", *jobs)), counts[0])


def warm(tmp: Path, table: Table, count: int, repeat: int, jobs: list[str]) -> None:
    folder = tmp / f"warm-specs-{count}"
    make_specs(folder, count)
    out, cache = tmp / f"warm-out-{count}", tmp / f"warm-cache-{count}"
    measure(ecsform("synth", str(folder), "--no-config", "--out", str(out), "--cache-dir", str(cache), *jobs))
    changed, unchanged = warm_runs(folder, count, out, cache, repeat, jobs)
    table.add("ecsform warm: 1 spec changed, cache present", changed, count)
    table.add("ecsform unchanged: nothing changed", unchanged, count)


def floor(tmp: Path, table: Table, count: int, repeat: int) -> None:
    """The writer's calls inside a synth of `count` specs (this process, cache off, one process: the writer's
    share, not the render's), beside the same files written by a plain loop."""
    sys.path.insert(0, str(REPO))
    from generators import pipeline
    from generators.options import Options
    from generators.writer.publication import Publication

    folder = tmp / f"floor-specs-{count}"
    make_specs(folder, count)
    spent = [0.0]

    def timed(real):
        def call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start

        return call

    ours: list[float] = []
    plain: list[float] = []
    synced: list[float] = []
    files: list[tuple[str, bytes]] = []
    patched = {name: getattr(Publication, name) for name in ("add", "finish")}
    for name, real in patched.items():
        setattr(Publication, name, timed(real))
    try:
        # each round: ecsform, then the plain loop without and with syncfs, so that all three meet the disk in the
        # same state (file creation here costs what the last minutes' deletes left: see the module's note)
        for i in range(repeat):
            spent[0] = 0.0
            pipeline.synth([str(folder)], tmp / f"floor-ours-{i}" / "out", Options(jobs=1))
            ours.append(spent[0])
            if not files:
                written = tmp / "floor-ours-0" / "out"
                found = sorted(p for p in written.rglob("*") if p.is_file())
                files = [(p.relative_to(written).as_posix(), p.read_bytes()) for p in found]
            for sync, results in ((False, plain), (True, synced)):
                results.append(_plain_loop(tmp / f"floor-plain-{i}-{sync}", files, sync))
    finally:
        for name, real in patched.items():
            setattr(Publication, name, real)
    best, floor_synced = min(ours), min(synced)
    table.add(f"writer inside a synth of {count:,} specs ({len(files):,} files)", note=f"{best:.2f} s")
    table.add("floor: a plain loop writes the same files", note=f"{min(plain):.2f} s")
    table.add(
        "floor: the same, then one syncfs", note=f"{floor_synced:.2f} s (the writer: {best / floor_synced:.2f}x this)"
    )


def _plain_loop(out: Path, files: list[tuple[str, bytes]], sync: bool) -> float:
    """Create the folders and write the files (open, write, close), then one syncfs of the file system."""
    start = time.perf_counter()
    made: set[str] = set()
    os.mkdir(out)
    for rel, data in files:
        parent = rel.rpartition("/")[0]
        if parent and parent not in made:
            os.makedirs(out / parent, exist_ok=True)
            made.add(parent)
        fd = os.open(out / rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        os.write(fd, data)
        os.close(fd)
    if sync:
        import ctypes

        fd = os.open(out, os.O_RDONLY)
        ctypes.CDLL(None, use_errno=True).syncfs(fd)
        os.close(fd)
    return time.perf_counter() - start


def stage_specs(folder: Path, count: int) -> None:
    """`count` copies of specs/financial-api-stages.yaml (a dev and a prod overlay each) with distinct families."""
    yaml = YAML(typ="safe")
    data = yaml.load((REPO / "specs" / "financial-api-stages.yaml").read_text())
    for i in range(count):
        copy = json.loads(json.dumps(data))
        copy["family"] = f"{data['family']}-{i}"
        for env in copy["environments"].values():
            if "family" in env:
                env["family"] = f"{env['family']}-{i}"
        (folder / f"svc-{i:04d}.json").write_text(json.dumps(copy, indent=2) + "\n")


def changed(tmp: Path, table: Table, count: int, repeat: int) -> None:
    """`ecsform changed --since HEAD` in a git repository of `count` specs with two environments each (the bundled
    ecsform.yaml, its lock file and modules/ beside them), after one change to one prod overlay."""
    repo = tmp / "changed-repo"
    (repo / "specs").mkdir(parents=True)
    stage_specs(repo / "specs", count)
    shutil.copy(REPO / "ecsform.yaml", repo / "ecsform.yaml")
    shutil.copy(REPO / "ecsform.lock.hcl", repo / "ecsform.lock.hcl")  # the lock file ecsform.yaml asks for
    shutil.copytree(REPO / "modules", repo / "modules", ignore=shutil.ignore_patterns(".*"))
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "specs"]):
        subprocess.run(git + args, cwd=repo, check=True)
    spec = repo / "specs" / "svc-0007.json"
    data = json.loads(spec.read_text())
    data["environments"]["prod"]["cpu"] = "0.5 vCPU"
    spec.write_text(json.dumps(data, indent=2) + "\n")
    command = [sys.executable, str(REPO / "main.py"), "changed", "specs", "--since", "HEAD", "--format", "paths"]
    proc = subprocess.run(command, cwd=repo, capture_output=True, text=True)
    if proc.returncode != 0 or proc.stdout.split() != ["financial-api-stages-7/prod"]:
        raise SystemExit(f"changed failed or found the wrong roots:\n{proc.stdout}{proc.stderr[-2000:]}")
    runs = [measure(command, cwd=repo) for _ in range(repeat)]
    table.add(f"changed --since HEAD ({2 * count} roots, 1 changed)", min(runs, key=lambda r: r.wall), count)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000,10000", help="spec counts for cold synths ('' skips)")
    parser.add_argument("--peer", type=int, default=300, help="specs for synth beside the CDK peer (0 skips)")
    parser.add_argument("--warm", type=int, default=3000, help="specs for the warm synth (0 skips)")
    parser.add_argument("--floor", type=int, default=1000, help="specs for the writer beside the floor (0 skips)")
    parser.add_argument("--changed", type=int, default=300, help="specs (two environments each) for `changed`")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", help="synth's and validate's --jobs (default: theirs)")
    parser.add_argument("--settle", type=float, default=61, help="seconds to wait after a sync before measuring")
    args = parser.parse_args()
    jobs = ["--jobs", args.jobs] if args.jobs else []
    table = Table()
    compile_ecsform()
    settle(args.settle)
    load, speed = os.getloadavg(), cpu_probe()
    with tempfile.TemporaryDirectory(prefix="ecsform-bench-") as tmp_name:
        tmp = Path(tmp_name)
        probe = creation_probe(tmp / "probe")
        start_up(tmp, table, args.repeat)
        if args.peer:
            peer(tmp, table, args.peer, args.repeat, jobs)
        counts = [int(n) for n in args.sizes.split(",") if n]
        sizes(tmp, table, counts, args.repeat, jobs)
        if args.warm:
            warm(tmp, table, args.warm, args.repeat, jobs)
        if args.floor:
            floor(tmp, table, args.floor, args.repeat)
        if args.changed:
            changed(tmp, table, args.changed, args.repeat)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(table.text())
    print(
        f"\n{cores} cores; load average {load[0]:.2f} before, {os.getloadavg()[0]:.2f} after "
        "(figures mean something on an idle machine)"
    )
    slow = f" (over {_SETTLED_CREATION_US} us: recent deletes are likely slowing the disk)"
    slow = slow if probe > _SETTLED_CREATION_US else ""
    print(f"creating an empty file took {probe:.0f} us at the start{slow}")
    print(
        f"a fixed piece of Python took {speed:.0f} ms at the start and {cpu_probe():.0f} ms at the end "
        "(the machine's speed: compare absolute figures between runs only where these agree)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
