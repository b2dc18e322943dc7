"""Every root synthesized from specs/ and the fixtures is `terraform fmt`-clean as written and passes
`terraform init` + `terraform validate` with the real hashicorp/aws provider.

specs/ is synthesized twice: with the repository's ecsform.yaml (what `make synth` writes: backend.tf and targeted
providers) and without one (what the e2e suite applies); the fixtures without one. The roots the e2e suites plan on
their way to `apply` (tests/e2e/test_apply.py without a configuration, the two financial-api-stages roots in
tests/e2e/test_deploy_targets.py with it) are not validated again here: `terraform plan` runs validate's walk
before it plans (TF_LOG=trace: "backend/local: running validation operation") and fails on what validate reports,
so no root pays the provider start-up twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, NO_CONFIG, REPO, SPECS, ecsform, terraform

SOURCES = [str(SPECS), str(FIXTURES / "valid"), str(FIXTURES / "features")]
APPLIED_BY_E2E = [SPECS, FIXTURES / "valid"]
APPLIED_WITH_CONFIG = {"financial-api-stages/dev", "financial-api-stages/prod"}  # test_deploy_targets.py

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("synth") / "out"
    proc = ecsform("synth", *SOURCES, "--out", str(out), NO_CONFIG)
    assert proc.returncode == 0, proc.stderr
    return out, json.loads((out / "manifest.json").read_text())["roots"]


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """`make synth`: specs/ with the repository's ecsform.yaml."""
    out = tmp_path_factory.mktemp("synth-config") / "out"
    proc = ecsform("synth", str(SPECS), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, json.loads((out / "manifest.json").read_text())["roots"]


def test_every_root_is_fmt_clean(
    synthesized: tuple[Path, list[dict]], configured: tuple[Path, list[dict]], tf_env: dict[str, str]
) -> None:
    for out, roots in (synthesized, configured):
        assert len(roots) >= (10 if out == synthesized[0] else 5)
        proc = terraform(["fmt", "-check", "-diff", "-recursive", "."], out, tf_env, check=False)
        assert proc.returncode == 0 and proc.stdout == "", proc.stdout


def test_roots_not_applied_by_the_e2e_suite_validate(
    synthesized: tuple[Path, list[dict]], tf_env: dict[str, str]
) -> None:
    out, roots = synthesized
    others = [r for r in roots if not any((REPO / r["spec"]).is_relative_to(d) for d in APPLIED_BY_E2E)]
    assert others, "the fixtures under tests/fixtures/features must be validated here"
    for root in others:
        terraform(["init", "-backend=false", "-input=false"], out / root["path"], tf_env)
        assert "Success" in terraform(["validate"], out / root["path"], tf_env).stdout


def test_configured_roots_validate(configured: tuple[Path, list[dict]], tf_env: dict[str, str]) -> None:
    """`make synth`'s roots carry backend.tf and a targeted provider, and validate (the backend is not contacted:
    its bucket is in the example's accounts). A root of the defaults differs from its root without configuration
    (validated by the e2e suite) by backend.tf and providers.tf alone, which are the same for every root of the
    defaults but for the root's name: one of them is validated here, the environments' roots by the e2e test."""
    out, roots = configured
    of_the_defaults = [r for r in roots if r["environment"] is None]
    assert len(of_the_defaults) >= 3 and {r["path"] for r in roots} >= APPLIED_WITH_CONFIG
    for root in roots:
        folder = out / root["path"]
        assert 'backend "s3"' in (folder / "backend.tf").read_text()
        assert "allowed_account_ids" in (folder / "providers.tf").read_text()
        if root is of_the_defaults[0]:
            terraform(["init", "-backend=false", "-input=false"], folder, tf_env)
            assert "Success" in terraform(["validate"], folder, tf_env).stdout


INVALID_ROOT = """\
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "not-used"
  secret_key                  = "not-used"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/validated"
  retention_in_days = 2
}
"""


def test_plan_fails_on_what_validate_reports(tmp_path: Path, tf_env: dict[str, str]) -> None:
    """What lets the e2e suites skip a separate `terraform validate` before their plans: a root that validate rejects
    (here for a value only the provider's own validation knows) fails `terraform plan` with the same diagnostic,
    before anything is asked of AWS."""
    (tmp_path / "main.tf").write_text(INVALID_ROOT)
    terraform(["init", "-backend=false", "-input=false"], tmp_path, tf_env)
    validate = terraform(["validate"], tmp_path, tf_env, check=False)
    plan = terraform(["plan", "-input=false"], tmp_path, tf_env, check=False)
    assert validate.returncode == 1 and plan.returncode == 1
    diagnostic = "Error: expected retention_in_days to be one of"
    assert diagnostic in validate.stderr and diagnostic in plan.stderr, (validate.stderr, plan.stderr)
