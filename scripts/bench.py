"""Benchmarks (not tests): how long validate and synth take on many specs.

    python scripts/bench.py [--specs 1000] [--synth 50] [--repeat 3]

Specs are copies of the bundled ones with distinct families, written to a temporary folder. Each figure is the
best of --repeat runs of the real CLI in a fresh process (so Python start-up and imports are included).
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


def best_of(repeat: int, args: list[str]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(REPO / "main.py"), *args], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=1000)
    parser.add_argument("--synth", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        many, few = Path(tmp, "many"), Path(tmp, "few")
        many.mkdir()
        few.mkdir()
        make_specs(many, args.specs)
        make_specs(few, args.synth)
        startup = best_of(args.repeat, ["--help"])
        validate = best_of(args.repeat, ["validate", str(many)])
        synth = best_of(args.repeat, ["synth", str(few), "--out", str(Path(tmp, "out"))])
    print(f"python main.py --help (start-up and imports): {startup:.2f} s")
    print(f"validate {args.specs} specs: {validate:.2f} s ({validate / args.specs * 1000:.2f} ms per spec, start-up included)")
    print(f"synth {args.synth} specs: {synth:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
