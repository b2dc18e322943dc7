"""Benchmarks (not tests): how long validate and synth take on many specs, and what the writer's durability costs.

    python scripts/bench.py [--specs 1000] [--synth 50] [--repeat 3] [--write 50,1000] [--changed 300]

Specs are copies of the bundled ones with distinct families, written to a temporary folder. Each CLI figure is
the best of --repeat runs of the real CLI in a fresh process (so Python start-up and imports are included). The
writer's figures time `writer.write_tree` alone, in this process, and the part of it spent in fsync.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent


def make_specs(folder: Path, count: int) -> None:
    sources = sorted(p for p in (REPO / "specs").iterdir() if p.suffix in (".json", ".yaml"))
    yaml = YAML(typ="safe")
    for i in range(count):
        src = sources[i % len(sources)]
        data = json.loads(src.read_text()) if src.suffix == ".json" else yaml.load(src.read_text())
        data["family"] = f"{data['family']}-{i}"
        for env in (data.get("environments") or {}).values():
            if "family" in env:
                env["family"] = f"{env['family']}-{i}"
        (folder / f"spec-{i:04d}.json").write_text(json.dumps(data))


def best_of(repeat: int, args: list[str], out: Path | None = None) -> float:
    """The best time of `repeat` runs; each run writes a new folder under `out` when it is given."""
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        more = ["--out", str(out / str(i))] if out else []
        proc = subprocess.run([sys.executable, str(REPO / "main.py"), *args, *more], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return min(times)


def writer_costs(folder: Path, count: int, repeat: int) -> str:
    """Publishing `count` specs' roots into a new folder (and the time spent in fsync, measured inside the same
    runs: two runs apart vary more than what they compare here), then again with nothing changed."""
    import shutil

    sys.path.insert(0, str(REPO))
    from generators import pipeline, writer

    specs = folder / f"write-{count}"
    specs.mkdir()
    make_specs(specs, count)
    out = folder / "w" / "out"
    files, manifest, _ = pipeline.synth_tree([str(specs)], out)
    real_sync = writer._sync
    synced = [0.0]

    def timed_sync(*args: object, **kwargs: object) -> None:
        start = time.perf_counter()
        try:
            real_sync(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            synced[0] += time.perf_counter() - start

    def publish() -> float:
        start = time.perf_counter()
        with writer.output_lock(out, 0, parents=True):
            writer.write_tree(out, files, manifest)
        return time.perf_counter() - start

    runs = []
    writer._sync = timed_sync  # type: ignore[assignment]
    try:
        for _ in range(repeat):
            shutil.rmtree(out.parent, ignore_errors=True)
            synced[0] = 0.0
            total = publish()
            runs.append((total, synced[0], publish()))
    finally:
        writer._sync = real_sync  # type: ignore[assignment]
    total, sync, again = min(runs)
    return (f"write {count} roots ({len(files)} files) into a new folder: {total:.2f} s, of which fsync "
            f"{sync:.2f} s ({sync / total:.0%}); again, nothing changed: {min(r[2] for r in runs):.2f} s")


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


def changed_cost(folder: Path, count: int, repeat: int) -> str:
    """`ecsform changed --since HEAD` in a git repository of `count` specs with two environments each (the bundled
    ecsform.yaml and modules/ beside them), after one change to one prod overlay: the CLI in a fresh process."""
    import shutil

    repo = folder / "changed-repo"
    (repo / "specs").mkdir(parents=True)
    stage_specs(repo / "specs", count)
    shutil.copy(REPO / "ecsform.yaml", repo / "ecsform.yaml")
    shutil.copytree(REPO / "modules", repo / "modules", ignore=shutil.ignore_patterns(".*"))
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "specs"]):
        subprocess.run(git + args, cwd=repo, check=True)
    spec = repo / "specs" / "svc-0007.json"
    data = json.loads(spec.read_text())
    data["environments"]["prod"]["cpu"] = "0.5 vCPU"
    spec.write_text(json.dumps(data, indent=2) + "\n")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(REPO / "main.py"), "changed", "specs", "--since", "HEAD",
                               "--format", "paths"], cwd=repo, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0 or proc.stdout.split() != ["financial-api-stages-7/prod"]:
            raise SystemExit(f"changed failed or found the wrong roots:\n{proc.stdout}{proc.stderr[-2000:]}")
    return f"changed --since HEAD on {count} specs x 2 environments (one prod overlay changed): {min(times):.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=1000)
    parser.add_argument("--synth", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", default="50,1000", help="spec counts for the writer's figures")
    parser.add_argument("--changed", type=int, default=300, help="specs (two environments each) for `changed`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        many, few = Path(tmp, "many"), Path(tmp, "few")
        many.mkdir()
        few.mkdir()
        make_specs(many, args.specs)
        make_specs(few, args.synth)
        startup = best_of(args.repeat, ["--help"])
        validate = best_of(args.repeat, ["validate", str(many)])
        synth = best_of(args.repeat, ["synth", str(few)], Path(tmp, "out"))
        writes = [writer_costs(Path(tmp), int(n), args.repeat) for n in args.write.split(",") if n]
        changed = changed_cost(Path(tmp), args.changed, args.repeat) if args.changed else ""
    print(f"python main.py --help (start-up and imports): {startup:.2f} s")
    print(f"validate {args.specs} specs: {validate:.2f} s ({validate / args.specs * 1000:.2f} ms per spec, start-up included)")
    print(f"synth {args.synth} specs (into a new folder): {synth:.2f} s")
    for line in writes:
        print(line)
    if changed:
        print(changed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
