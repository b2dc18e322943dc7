"""Benchmark (not a test): concurrent synths of many specs into one folder, as CI jobs sharing a workspace do.

    python scripts/bench_concurrent.py [--specs 3000] [--runs 8] [--lock-timeout 5] [--keep DIR]

Each run synthesizes its own spec set (the same families with other images, some sets smaller than others) into
one shared --out, all started at once. Then it reports how many runs waited for the lock, how many gave up with
OUT-LOCKED, and checks the folder: the manifest's roots are exactly the folders present, and the folder is byte
for byte a clean synth (into a new folder at the same depth) of the set whose run published last.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts.bench import make_specs  # noqa: E402


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--lock-timeout", default="5")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ecsform-concurrent-"))
    try:
        return run(work, args)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run(work: Path, args: argparse.Namespace) -> int:
    sets = []
    for k in range(args.runs):
        folder = work / f"set-{k}"
        folder.mkdir(parents=True)
        make_specs(folder, args.specs - 25 * k)  # the same families, fewer of them in later sets
        for spec in folder.iterdir():  # and other images in every set
            data = json.loads(spec.read_text())
            for c in data["containerDefinitions"]:
                c["image"] = c["image"].rsplit(":", 1)[0] + f":set-{k}"
            spec.write_text(json.dumps(data))
        sets.append(folder)
    out = work / "shared" / "out"
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(REPO / "main.py"),
                "synth",
                str(s),
                "--out",
                str(out),
                "--lock-timeout",
                args.lock_timeout,
            ],
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in sets
    ]
    results: list[tuple[int, str, float]] = [(0, "", 0.0)] * len(procs)

    def collect(k: int, p: subprocess.Popen[str]) -> None:
        _, err = p.communicate()
        results[k] = (p.returncode, err, time.perf_counter() - start)

    threads = [threading.Thread(target=collect, args=(k, p)) for k, p in enumerate(procs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    waited = sum("waiting for " in err for _, err, _ in results)
    locked = sum(code == 2 and "error OUT-LOCKED" in err for code, err, _ in results)
    ok = sum(code == 0 for code, _, _ in results)
    other = [(code, err[-2000:]) for code, err, _ in results if code != 0 and "error OUT-LOCKED" not in err]
    print(
        f"{args.runs} concurrent synths of {args.specs - 25 * (args.runs - 1)}-{args.specs} specs into one folder "
        f"(--lock-timeout {args.lock_timeout}): {wall:.1f} s wall"
    )
    print(
        f"  exit 0: {ok}; waited for the lock: {waited}; gave up with OUT-LOCKED: {locked}; other failures: "
        f"{len(other)}"
    )
    for k, (code, err, seconds) in enumerate(results):
        state = "waited, " if "waiting for " in err else ""
        print(
            f"  run {k} (set-{k}): exit {code} after {seconds:.1f} s ({state}"
            f"{'OUT-LOCKED' if 'error OUT-LOCKED' in err else 'published' if code == 0 else 'failed'})"
        )
    for code, err in other:
        print(f"  unexpected exit {code}:\n{err}")
    manifest = json.loads((out / "manifest.json").read_text())
    listed = sorted(r["path"] for r in manifest["roots"])
    present = sorted({p.parent.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"."})
    specs = {Path(r["spec"]).parent.name for r in manifest["roots"]}
    print(
        f"  manifest roots: {len(listed)}; folders present: {len(present)}; equal: {listed == present}; "
        f"from {', '.join(sorted(specs))}"
    )
    [winner] = specs
    twin = work / "clean" / "out"
    clean = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "synth", str(work / winner), "--out", str(twin)],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert clean.returncode == 0, clean.stderr[-2000:]
    same = tree(out) == tree(twin)
    debris = sorted(p.name for p in out.iterdir() if p.name.startswith(".")) + sorted(
        p.name for p in out.parent.iterdir() if p.name.startswith(".")
    )
    print(f"  byte-identical to a clean synth of {winner}: {same}; debris: {debris or 'none'}")
    return 0 if (listed == present and same and not debris and not other) else 1


if __name__ == "__main__":
    raise SystemExit(main())
