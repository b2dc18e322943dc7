"""Never orphan state: a root that holds Terraform state (or anything ecsform did not write) is never removed or
emptied by synth; a root the specs no longer produce is kept and reported (OUT-ORPHANED) until --prune, which
needs --force for state. `make clean` keeps state too."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import NO_CONFIG, REPO, SPECS, ecsform
from output_faults import debris, snapshot, write_spec

from generators import pipeline
from generators.errors import EcsformError
from generators.options import Options

STATE = '{"version": 4, "serial": 3, "resources": [{"mode": "managed", "type": "aws_ecs_task_definition"}]}'
DESTROYED = '{"version": 4, "serial": 4, "resources": []}'


def apply(root: Path) -> None:
    """What `terraform init` and `apply` leave in a root (local state)."""
    (root / ".terraform" / "providers").mkdir(parents=True)
    (root / ".terraform" / "providers" / "marker").write_text("provider")
    (root / ".terraform.lock.hcl").write_text("# lock\n")
    (root / "terraform.tfstate").write_text(STATE)
    (root / "terraform.tfstate.backup").write_text(STATE)


def roots(out: Path) -> tuple[list[str], list[str]]:
    manifest = json.loads((out / "manifest.json").read_text())
    return [r["path"] for r in manifest["roots"]], [r["path"] for r in manifest.get("orphaned", [])]


def warnings(findings: list, rule: str = "OUT-ORPHANED") -> dict[str, str]:
    return {f.file: f.message for f in findings if f.rule == rule}


@pytest.fixture()
def applied(tmp_path: Path) -> Path:
    """specs/ synthesized into a folder, with two roots applied."""
    out = tmp_path / "build"
    pipeline.synth([str(SPECS)], out)
    apply(out / "financial-etl")
    apply(out / "financial-api-stages" / "prod")
    return out


def test_a_subset_synth_keeps_every_applied_root_and_says_so(applied: Path, tmp_path: Path) -> None:
    etl, prod = snapshot(applied / "financial-etl"), snapshot(applied / "financial-api-stages" / "prod")
    proc = ecsform("synth", "specs/financial-api.json", "--out", str(applied), NO_CONFIG)
    assert proc.returncode == 0, proc.stderr
    assert snapshot(applied / "financial-etl") == etl  # configuration and state, byte for byte
    assert snapshot(applied / "financial-api-stages" / "prod") == prod
    assert not (applied / "financial-app-suite").exists()  # never applied: nothing of the user's, removed
    assert not (applied / "financial-api-stages" / "dev").exists()
    assert roots(applied) == (["financial-api"], ["financial-api-stages/prod", "financial-etl"])
    for root in ("financial-etl", "financial-api-stages/prod"):
        line = next(line for line in proc.stderr.splitlines() if line.startswith(f"{applied}/{root}:1:1: "))
        assert "warning OUT-ORPHANED: kept: this run does not produce it" in line
        assert "is not among this run's inputs" in line and "holds Terraform state (terraform.tfstate)" in line
    assert "terraform destroy), then run synth with --prune\n" in proc.stderr
    # the full synth again: both are roots again, their state untouched, the manifest as from a clean synth
    assert ecsform("synth", "specs", "--out", str(applied), NO_CONFIG).returncode == 0
    clean = tmp_path / "clean"  # as deep as `applied`: the manifest names module folders relative to each root
    pipeline.synth([str(SPECS)], clean)
    assert (applied / "manifest.json").read_bytes() == (clean / "manifest.json").read_bytes()
    assert (applied / "financial-etl" / "terraform.tfstate").read_text() == STATE
    assert not debris(applied)


def test_the_manifest_is_the_same_for_the_same_inputs(applied: Path) -> None:
    pipeline.synth([str(SPECS / "financial-api.json")], applied)
    first = (applied / "manifest.json").read_bytes()
    _, findings = pipeline.synth([str(SPECS / "financial-api.json")], applied)
    assert (applied / "manifest.json").read_bytes() == first
    assert set(warnings(findings)) == {f"{applied}/financial-etl", f"{applied}/financial-api-stages/prod"}


def test_a_removed_spec_is_named_as_gone(applied: Path, tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    pipeline.synth([str(specs)], applied)
    apply(applied / "financial-app-suite")
    (specs / "financial-app-suite.json").unlink()
    _, findings = pipeline.synth([str(specs)], applied)
    assert "its spec " in warnings(findings)[f"{applied}/financial-app-suite"]
    assert "financial-app-suite.json is gone" in warnings(findings)[f"{applied}/financial-app-suite"]


def test_prune_removes_what_holds_no_state_and_refuses_state_without_force(applied: Path) -> None:
    pipeline.synth([str(SPECS / "financial-api.json")], applied)
    (applied / "financial-etl" / "terraform.tfstate").write_text(DESTROYED)  # terraform destroy
    (applied / "financial-etl" / "images.auto.tfvars.json").write_text("{}")
    _, findings = pipeline.synth([str(SPECS / "financial-api.json")], applied)
    assert (
        "files ecsform did not write (.terraform, .terraform.lock.hcl, images.auto.tfvars.json, ...)"
        in warnings(findings)[f"{applied}/financial-etl"]
    )
    before = snapshot(applied)
    with pytest.raises(EcsformError) as refused:
        pipeline.synth([str(SPECS / "financial-api.json")], applied, Options(prune=True))
    [finding] = refused.value.findings  # the one with state; nothing written, not even what could go
    assert (finding.rule, finding.file) == ("OUT-PRUNE-STATE", f"{applied}/financial-api-stages/prod")
    assert "terraform.tfstate" in finding.message and "terraform destroy), then prune again; --force" in finding.hint
    assert snapshot(applied) == before
    _, findings = pipeline.synth([str(SPECS / "financial-api.json")], applied, Options(prune=True, force=True))
    assert not warnings(findings)
    assert sorted(p.name for p in applied.iterdir()) == ["financial-api", "manifest.json", "modules"]
    assert roots(applied) == (["financial-api"], [])


@pytest.mark.parametrize(
    "held, what",
    [
        ({"terraform.tfstate.d/staging/terraform.tfstate": STATE}, "terraform.tfstate.d/staging/terraform.tfstate"),
        ({".terraform/terraform.tfstate": '{"backend": {"type": "s3", "config": {}}}'}, ".terraform (backend s3)"),
        ({".terraform.tfstate.lock.info": "{}", "terraform.tfstate": DESTROYED}, ".terraform.tfstate.lock.info"),
        ({"terraform.tfstate": "{not json"}, "terraform.tfstate"),
    ],
)
def test_what_counts_as_state(tmp_path: Path, held: dict[str, str], what: str) -> None:
    out = tmp_path / "build"
    pipeline.synth([str(SPECS / "financial-api.json"), str(SPECS / "financial-etl.json")], out)
    for rel, text in held.items():
        (out / "financial-etl" / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / "financial-etl" / rel).write_text(text)
    with pytest.raises(EcsformError) as refused:
        pipeline.synth([str(SPECS / "financial-api.json")], out, Options(prune=True))
    assert refused.value.findings[0].message.endswith(f"holds Terraform state ({what})")


def test_a_root_that_gains_environments_keeps_the_old_root_and_its_state(tmp_path: Path) -> None:
    """specs/x.yaml had no environments (root x/, applied); now it has dev and prod (roots x/dev, x/prod)."""
    out, specs = tmp_path / "build", tmp_path / "specs"
    spec = write_spec(specs, "x.json", "x")
    pipeline.synth([str(spec)], out)
    apply(out / "x")
    data = json.loads(spec.read_text())
    data["environments"] = {"dev": {}, "prod": {}}
    spec.write_text(json.dumps(data))
    old = snapshot(out / "x")
    _, findings = pipeline.synth([str(spec)], out)
    assert "no longer produces it" in warnings(findings)[f"{out}/x"]
    assert {k: v for k, v in snapshot(out / "x").items() if not k.startswith(("dev", "prod"))} == old
    assert (out / "x" / "dev" / "main.tf").is_file() and (out / "x" / "prod" / "main.tf").is_file()
    assert roots(out) == (["x/dev", "x/prod"], ["x"])
    pipeline.synth([str(spec)], out, Options(prune=True, force=True))  # destroyed: the old root goes
    assert sorted(p.name for p in (out / "x").iterdir()) == ["dev", "prod"]
    assert roots(out) == (["x/dev", "x/prod"], [])


def test_files_a_root_no_longer_has_are_removed_and_state_kept(tmp_path: Path) -> None:
    out = tmp_path / "build"
    pipeline.synth([str(SPECS / "financial-api.json")], out)
    apply(out / "financial-api")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["roots"][0]["files"].append("old.tf")  # a file an earlier version generated
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "financial-api" / "old.tf").write_text("# stale\n")
    pipeline.synth([str(SPECS / "financial-api.json")], out)
    assert not (out / "financial-api" / "old.tf").exists()
    assert (out / "financial-api" / "terraform.tfstate").read_text() == STATE


def test_make_clean_never_deletes_state(applied: Path, tmp_path: Path) -> None:
    make = [
        "make",
        "--no-print-directory",
        "-f",
        str(REPO / "Makefile"),
        "-C",
        str(tmp_path),
        "clean",
        f"OUT={applied.name}",
    ]
    proc = subprocess.run(make, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert (applied / "financial-etl" / "terraform.tfstate").read_text() == STATE
    assert "financial-etl/terraform.tfstate" in proc.stdout + proc.stderr
    shutil.rmtree(applied / "financial-etl")
    shutil.rmtree(applied / "financial-api-stages" / "prod")
    proc = subprocess.run(make, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and not applied.exists(), proc.stderr
