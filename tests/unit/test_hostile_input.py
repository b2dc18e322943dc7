"""Hostile input: every kind gets one clean located error, exit code 2, in bounded time and memory, and no
traceback. Each case runs the real CLI in a process capped at 1 GiB of address space and 60 s of CPU."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

LIMIT_BYTES = 1024**3


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def run_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), "validate", str(path)],
        capture_output=True,
        text=True,
        preexec_fn=_limits,
        timeout=120,
        cwd=REPO,
    )


BILLION_LAUGHS = (
    "\n".join(
        ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
        + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]" for i in range(8)]
        + ["family: *i"]
    )
    + "\n"
)

CASES: dict[str, tuple[bytes, str, int]] = {
    # name: (content, rule, line)
    "syntax": (b"family: x\ncontainerDefinitions: [\n  {name: a\n", "YAML-SYNTAX", 4),
    "duplicate-key": (b"family: a\ncpu: '256'\nfamily: b\n", "YAML-DUPLICATE-KEY", 3),
    "empty": (b"", "SPEC-EMPTY", 1),
    "only-comments": (b"# nothing here\n", "SPEC-EMPTY", 1),
    "top-level-list": (b"- family: x\n", "SPEC-NOT-MAPPING", 1),
    "scalar": (b"just a string\n", "SPEC-NOT-MAPPING", 1),
    "invalid-utf8": (b'family: ok\nimage: "caf\xe9"\n', "YAML-ENCODING", 2),
    "nul-byte": (b"family: a\x00b\n", "YAML-ENCODING", 1),
    "alias-bomb": (BILLION_LAUGHS.encode(), "YAML-TOO-LARGE", 6),
    "deep-flow": (b"family: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "YAML-TOO-DEEP", 1),
    "deep-block": ("".join("  " * i + f"k{i}:\n" for i in range(200)).encode(), "YAML-TOO-DEEP", 65),
    "two-documents": (b"family: a\n---\nfamily: b\n", "YAML-MULTI-DOC", 2),
    "unknown-tag": (b"family: !!python/object:os.system echo\n", "YAML-TAG", 1),
    "tab-indent": (b"family: x\ncontainerDefinitions:\n\t- name: a\n", "YAML-SYNTAX", 3),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_yaml(name: str, tmp_path: Path) -> None:
    content, rule, line = CASES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(content)
    proc = run_validate(path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith(f"{path}:{line}:"), first
    assert f" error {rule}: " in first, first


@pytest.mark.timeout(120)
def test_tens_of_megabytes_are_refused_without_reading_them(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:
        fh.write(b'{"family": "x", "containerDefinitions": [')
        chunk = b'{"name": "a", "image": "b"},' * 10_000
        while fh.tell() < 40 * 1024 * 1024:
            fh.write(chunk)
        fh.write(b'{"name": "z", "image": "b"}]}')
    proc = run_validate(path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{path}:1:1: error SPEC-TOO-LARGE: ")


@pytest.mark.timeout(120)
def test_json_must_be_strict(tmp_path: Path) -> None:
    path = tmp_path / "loose.json"
    path.write_text('{\n  "family": "x",\n  containerDefinitions: []\n}\n')
    proc = run_validate(path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{path}:3:3: error JSON-SYNTAX: "), proc.stderr


def test_missing_file_and_folder_without_specs(tmp_path: Path) -> None:
    proc = run_validate(tmp_path / "nope.yaml")
    assert proc.returncode == 2 and "SPEC-READ" in proc.stderr
    proc = run_validate(tmp_path)
    assert proc.returncode == 2 and "SPEC-NONE" in proc.stderr
