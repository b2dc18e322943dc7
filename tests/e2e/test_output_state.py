"""Never orphan state, with real Terraform against moto: a root applied and then left out of a synth keeps its
configuration and state (the next plan has nothing to do), --prune refuses it while its state manages something,
and removes it once `terraform destroy` has emptied that state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import NO_CONFIG, ecsform, terraform

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.xdist_group("e2e-output-state")]


def _spec(folder: Path, family: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{family}.json"
    path.write_text(
        json.dumps(
            {
                "family": family,
                "networkMode": "awsvpc",
                "requiresCompatibilities": ["FARGATE"],
                "cpu": "256",
                "memory": "512",
                "x-ecsform": {"region": "us-east-1"},
                "containerDefinitions": [
                    {"name": "app", "image": "registry.example.com/app:1.0", "readonlyRootFilesystem": True}
                ],
            }
        )
    )
    return path


def test_an_applied_root_outlives_a_subset_synth_until_destroyed_and_pruned(
    aws_env: dict[str, str], tmp_path: Path
) -> None:
    specs, out = tmp_path / "specs", tmp_path / "build"
    keep = _spec(specs, "kept-svc")
    _spec(specs, "left-svc")
    assert ecsform("synth", str(specs), "--out", str(out), NO_CONFIG).returncode == 0
    root = out / "left-svc"
    terraform(["init", "-input=false"], root, aws_env)
    terraform(["apply", "-auto-approve", "-input=false"], root, aws_env)

    proc = ecsform("synth", str(keep), "--out", str(out), NO_CONFIG)  # a subset: left-svc is not among the inputs
    assert proc.returncode == 0, proc.stderr
    assert f"{root}:1:1: warning OUT-ORPHANED: kept: this run does not produce it" in proc.stderr
    plan = terraform(["plan", "-input=false", "-detailed-exitcode"], root, aws_env, check=False)
    assert plan.returncode == 0, plan.stdout + plan.stderr  # configuration and state intact: nothing to do

    proc = ecsform("synth", str(keep), "--out", str(out), "--prune", NO_CONFIG)
    assert proc.returncode == 2 and f"{root}:1:1: error OUT-PRUNE-STATE: " in proc.stderr, proc.stderr
    assert (root / "main.tf").is_file() and (root / "terraform.tfstate").is_file()

    terraform(["destroy", "-auto-approve", "-input=false"], root, aws_env)
    proc = ecsform("synth", str(keep), "--out", str(out), "--prune", NO_CONFIG)
    assert proc.returncode == 0, proc.stderr
    assert not root.exists() and sorted(p.name for p in out.iterdir()) == ["kept-svc", "manifest.json", "modules"]
