"""`validate` on many files forks one worker per core; its report must be the serial one, byte for byte."""

from __future__ import annotations

import itertools
import json
import os
import threading
from pathlib import Path

from conftest import SPECS, ecsform

from generators import validation


def _specs(folder: Path, count: int) -> None:
    """Copies of the bundled specs with their own families; some broken, and one family declared in the first
    and in the last file, which the two workers see apart."""
    sources = sorted(SPECS.glob("*.json"))
    for i in range(count):
        spec = json.loads(sources[i % len(sources)].read_text())
        spec["family"] = f"{spec['family']}-{i}"
        if i % 17 == 5:
            spec["containerDefinitions"][0]["portMapping"] = [{"containerPort": 80}]  # SPEC-UNKNOWN-FIELD
        if i % 23 == 7:
            spec["containerDefinitions"][0]["memory"] = "lots"  # SPEC-TYPE
        if i == count - 1:
            spec["family"] = f"{json.loads(sources[0].read_text())['family']}-0"  # FAMILY-DUPLICATE across chunks
        (folder / f"spec-{i:03d}.json").write_text(json.dumps(spec, indent=2))
    (folder / "spec-broken.yaml").write_text("family: [unclosed\n")  # YAML-SYNTAX


def test_forked_workers_report_what_one_process_reports(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    count = 3 * validation.MIN_FILES_PER_JOB
    _specs(tmp_path, count)
    runs = {jobs: ecsform("validate", str(tmp_path), env={**os.environ, "ECSFORM_JOBS": jobs}) for jobs in ("1", "3")}
    serial, forked = runs["1"], runs["3"]
    assert serial.returncode == forked.returncode == 2
    assert forked.stderr == serial.stderr and forked.stdout == serial.stdout
    for rule in ("SPEC-UNKNOWN-FIELD", "SPEC-TYPE", "FAMILY-DUPLICATE", "YAML-SYNTAX"):
        assert f"error {rule}:" in serial.stderr, rule
    duplicate = next(line for line in serial.stderr.splitlines() if "FAMILY-DUPLICATE" in line)
    assert duplicate.startswith(f"{tmp_path / f'spec-{count - 1:03d}.json'}:") and "spec-000.json" in duplicate
    # the in-process API gives the same findings as the checked-variants path synth uses (no fork inside pytest)
    monkeypatch.setenv("ECSFORM_JOBS", "1")
    assert validation.validate_findings([str(tmp_path)]) == validation.validate([str(tmp_path)])[1]


def test_the_files_are_read_ahead_in_turn_from_each_workers_chunk(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """The workers check contiguous chunks side by side: the read-ahead asks for their files in that order (the
    first of each chunk, then the second of each, ...), every file once; it skips what it cannot open."""
    _specs(tmp_path, 2 * validation.MIN_FILES_PER_JOB)  # and spec-broken.yaml: an odd count
    real = validation.read_ahead
    asked: list[list[Path]] = []
    monkeypatch.setattr(validation, "read_ahead", asked.append)
    monkeypatch.setenv("ECSFORM_JOBS", "2")
    validation.validate_findings([str(tmp_path)])
    files, _ = validation.collect([str(tmp_path)])
    half = -(-len(files) // 2)
    first, second = files[:half], files[half:]
    assert len(first) == len(second) + 1
    assert asked == [[f for pair in itertools.zip_longest(first, second) for f in pair if f is not None]]

    advised: list[str] = []
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, *_: advised.append(os.readlink(f"/proc/self/fd/{fd}")))
    real([files[0], tmp_path / "missing.json", files[-1]])
    for thread in threading.enumerate():
        if thread.name == "ecsform-read-ahead":
            thread.join(10)
    assert advised == [str(files[0].resolve()), str(files[-1].resolve())]
