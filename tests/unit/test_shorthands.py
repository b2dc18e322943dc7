"""Shorthands for hand-written YAML are rewritten into the native form in every output; the native form works."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators import validation
from generators.options import Options

NATIVE = """\
family: app
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: "512"
memory: "1024"
containerDefinitions:
  - name: app
    image: nginx:1.27
    readonlyRootFilesystem: true
    portMappings: [{containerPort: 80}, {containerPort: 443}]
    environment: [{name: B, value: "2"}, {name: A, value: "1"}]
    secrets: [{name: S, valueFrom: /app/s}]
"""

SHORT = """\
family: app
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 0.5 vCPU
memory: 1 GB
containerDefinitions:
  - name: app
    image: nginx:1.27
    readonlyRootFilesystem: true
    portMappings: [80, 443]
    environment: {B: "2", A: "1"}
    secrets: {S: /app/s}
"""


def register(text: str, tmp_path: Path) -> dict:
    spec = tmp_path / "app.yaml"
    spec.write_text(text)
    plans, _ = validation.build_plans([str(spec)], Options())
    return plans[0].register


def test_shorthand_and_native_give_the_same_task(tmp_path: Path) -> None:
    assert register(SHORT, tmp_path) == register(NATIVE, tmp_path)


@pytest.mark.parametrize(
    "cpu,memory,want",
    [
        ("512", "1024", ("512", "1024")),
        ("256", "0.5 GB", ("256", "512")),
        (".25 vCPU", "512", ("256", "512")),
        ("1 vcpu", "2GB", ("1024", "2048")),
        ("2 vCPU", "4096 MiB", ("2048", "4096")),
        (1024, 3072, ("1024", "3072")),
    ],
)
def test_task_size_forms(cpu, memory, want, tmp_path: Path) -> None:
    text = NATIVE.replace('cpu: "512"', f"cpu: {cpu!r}" if isinstance(cpu, str) else f"cpu: {cpu}")
    text = text.replace('memory: "1024"', f"memory: {memory!r}" if isinstance(memory, str) else f"memory: {memory}")
    got = register(text, tmp_path)
    assert (got["cpu"], got["memory"]) == want


def test_values_are_never_coerced(tmp_path: Path) -> None:
    text = SHORT.replace('environment: {B: "2", A: "1"}', "environment: {DEBUG: true, COUNT: 3}")
    findings = validation.check_text(text, "app.yaml")
    types = [f for f in findings if f.rule == "SPEC-TYPE"]
    assert len(types) == 2
    assert all("quote it" in (f.hint or "") for f in types)
