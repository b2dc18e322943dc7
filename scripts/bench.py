"""Benchmarks (not tests): how long validate and synth take on many specs, and synth beside a peer.

    python scripts/bench.py [--specs 1000] [--synth 50] [--large 10000] [--peer 300] [--repeat 3] [--write 50,1000]

Specs are copies of the bundled ones with distinct families, written to a temporary folder as JSON. Each figure is
the best of --repeat runs of the real CLI in a fresh process (Python start-up and imports included), with the
largest resident set size any run reached (the process and the children it waited for, as wait4 reports it).

--peer N compares `synth` of N specs with a hand-written CDK for Terraform app on the prebuilt AWS provider
bindings (scripts/peer_cdk_app.py), run from .venv-peer (requirements/peer.txt; `make bench` installs it). 0 skips.

The writer's figures time `writer.write_tree` alone, in this process, and the part of it spent in fsync.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
PEER_PYTHON = REPO / ".venv-peer" / "bin" / "python"


def make_specs(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in (REPO / "specs").iterdir() if p.suffix in (".json", ".yaml"))
    yaml = YAML(typ="safe")
    loaded = [json.loads(src.read_text()) if src.suffix == ".json" else yaml.load(src.read_text()) for src in sources]
    for i in range(count):
        data = json.loads(json.dumps(loaded[i % len(loaded)]))
        data["family"] = f"{data['family']}-{i}"
        for env in (data.get("environments") or {}).values():
            if "family" in env:
                env["family"] = f"{env['family']}-{i}"
        (folder / f"spec-{i:05d}.json").write_text(json.dumps(data))


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float


def measure(command: list[str], env: dict[str, str] | None = None) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode(errors='replace')[-2000:]}")
    return Run(seconds, usage.ru_maxrss / 1024)


def best_of(repeat: int, command: list[str], env: dict[str, str] | None = None) -> Run:
    """The best time of `repeat` runs and the largest peak. A `{run}` in an argument is replaced by the run's
    number, so that each synth writes a new folder (a second synth into the same folder finds nothing to write)."""
    runs = [measure([a.replace("{run}", str(i)) for a in command], env) for i in range(repeat)]
    return Run(min(r.seconds for r in runs), max(r.peak_mib for r in runs))


def ecsform(*args: str) -> list[str]:
    return [sys.executable, str(REPO / "main.py"), *args]


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
    return (
        f"write {count} roots ({len(files)} files) into a new folder: {total:.2f} s, of which fsync "
        f"{sync:.2f} s ({sync / total:.0%}); again, nothing changed: {min(r[2] for r in runs):.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=1000, help="specs for validate")
    parser.add_argument("--synth", type=int, default=50, help="specs for the small synth")
    parser.add_argument("--large", type=int, default=10000, help="specs for the large synth (0 skips)")
    parser.add_argument("--peer", type=int, default=300, help="specs for synth beside the CDK peer (0 skips)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", default="50,1000", help="spec counts for the writer's figures")
    args = parser.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        startup = best_of(args.repeat, ecsform("--help"))
        rows.append(f"ecsform --help (start-up and imports): {startup.seconds:.2f} s, {startup.peak_mib:.0f} MiB")
        make_specs(tmp / "many", args.specs)
        run = best_of(args.repeat, ecsform("validate", str(tmp / "many")))
        rows.append(
            f"validate {args.specs} specs: {run.seconds:.2f} s "
            f"({run.seconds / args.specs * 1000:.2f} ms per spec), {run.peak_mib:.0f} MiB"
        )
        make_specs(tmp / "few", args.synth)
        run = best_of(args.repeat, ecsform("synth", str(tmp / "few"), "--out", str(tmp / "out-few-{run}")))
        rows.append(f"synth {args.synth} specs (into a new folder): {run.seconds:.2f} s, {run.peak_mib:.0f} MiB")
        if args.large:
            make_specs(tmp / "large", args.large)
            run = best_of(1, ecsform("synth", str(tmp / "large"), "--out", str(tmp / "out-large-{run}")))
            rows.append(f"synth {args.large} specs: {run.seconds:.2f} s, {run.peak_mib:.0f} MiB peak")
        if args.peer:
            rows += peer(tmp, args.peer, args.repeat)
        rows += [writer_costs(tmp, int(n), args.repeat) for n in args.write.split(",") if n]
    print("\n".join(rows))
    return 0


def peer(tmp: Path, count: int, repeat: int) -> list[str]:
    """synth of `count` specs by ecsform and by the hand-written CDK app, one after the other in this run."""
    if not PEER_PYTHON.exists():
        raise SystemExit(f"{PEER_PYTHON} is missing: `make bench` installs the peer (requirements/peer.txt)")
    folder = tmp / "peer-specs"
    make_specs(folder, count)
    ours = best_of(repeat, ecsform("synth", str(folder), "--out", str(tmp / "out-ours-{run}")))
    env = dict(os.environ, JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1")
    theirs = best_of(
        repeat,
        [str(PEER_PYTHON), str(REPO / "scripts" / "peer_cdk_app.py"), str(folder), str(tmp / "out-peer-{run}")],
        env,
    )
    return [
        f"synth {count} specs, ecsform: {ours.seconds:.2f} s, {ours.peak_mib:.0f} MiB peak",
        f"synth {count} specs, hand-written CDK for Terraform (cdktf-cdktf-provider-aws): "
        f"{theirs.seconds:.2f} s, {theirs.peak_mib:.0f} MiB peak",
        f"ecsform is {theirs.seconds / ours.seconds:.1f} times faster",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
