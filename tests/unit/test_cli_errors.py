"""Issue #2: three mistakes in one spec give three located errors in one run, exit code 2, and nothing written."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ecsform

BAD = """\
{
  "family": "web",
  "requiresCompatibilities": ["FARGATE"],
  "networkMode": "awsvpc",
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {
      "name": "web",
      "image": "nginx:1.27",
      "portMapping": [{"containerPort": 80}],
      "essential": true
    },
    {
      "name": "sidecar",
      "image": "busybox:1.36",
      "portMappings": [{"containerPort": "eighty", "protocol": "tcpx"}]
    }
  ]
}
"""


def where(text: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of `text` in BAD."""
    index = BAD.index(text)
    line = BAD.count("\n", 0, index) + 1
    return line, index - BAD.rfind("\n", 0, index)


def test_three_errors_one_run_exit_2_nothing_written(tmp_path: Path) -> None:
    spec = tmp_path / "bad.json"
    spec.write_text(BAD)
    out = tmp_path / "out"
    proc = ecsform("synth", str(spec), "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    assert not out.exists()
    assert not any(p.name.startswith(".out.") for p in tmp_path.iterdir())
    lines = [line for line in proc.stderr.splitlines() if re.match(r"^\S+:\d+:\d+: error ", line)]
    assert len(lines) == 3, proc.stderr
    want = [
        (*where('"portMapping"'), "SPEC-UNKNOWN-FIELD", "containerDefinitions[0].portMapping", "unknown field"),
        (
            *where('"eighty"'),
            "SPEC-TYPE",
            "containerDefinitions[1].portMappings[0].containerPort",
            "expected an integer",
        ),
        (
            *where('"tcpx"'),
            "SPEC-ENUM",
            "containerDefinitions[1].portMappings[0].protocol",
            "'tcpx' is not one of: tcp, udp",
        ),
    ]
    for line, (ln, col, rule, path, text) in zip(lines, want):
        assert line.startswith(f"{spec}:{ln}:{col}: error {rule}: {path}: "), line
        assert text in line
    assert "hint: did you mean 'portMappings'?" in proc.stderr
    assert "hint: did you mean 'tcp'?" in proc.stderr


def test_validate_reports_the_same_and_exits_2(tmp_path: Path) -> None:
    spec = tmp_path / "bad.json"
    spec.write_text(BAD)
    proc = ecsform("validate", str(spec))
    assert proc.returncode == 2
    assert proc.stderr.count(": error ") == 3


def test_valid_specs_exit_0() -> None:
    proc = ecsform("validate", "specs")
    assert proc.returncode == 0, proc.stderr
    assert " error " not in proc.stderr
