"""Every root synthesized from specs/ and the fixtures is `terraform fmt`-clean as written and passes
`terraform init` + `terraform validate` with the real hashicorp/aws provider.

The roots of specs/ and tests/fixtures/valid/ are initialised and validated by the e2e suite on their way to
`apply` (tests/e2e/test_apply.py); this file validates the others, so no root pays the provider start-up twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, SPECS, ecsform, terraform

SOURCES = [str(SPECS), str(FIXTURES / "valid"), str(FIXTURES / "features")]
APPLIED_BY_E2E = [SPECS, FIXTURES / "valid"]

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("synth") / "out"
    proc = ecsform("synth", *SOURCES, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, json.loads((out / "manifest.json").read_text())["roots"]


def test_every_root_is_fmt_clean(synthesized: tuple[Path, list[dict]], tf_env: dict[str, str]) -> None:
    out, roots = synthesized
    assert len(roots) >= 10
    proc = terraform(["fmt", "-check", "-diff", "-recursive", "."], out, tf_env, check=False)
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout


def test_roots_not_applied_by_the_e2e_suite_validate(synthesized: tuple[Path, list[dict]],
                                                     tf_env: dict[str, str]) -> None:
    out, roots = synthesized
    others = [r for r in roots if not any((REPO / r["spec"]).is_relative_to(d) for d in APPLIED_BY_E2E)]
    assert others, "the fixtures under tests/fixtures/features must be validated here"
    for root in others:
        terraform(["init", "-backend=false", "-input=false"], out / root["path"], tf_env)
        assert "Success" in terraform(["validate"], out / root["path"], tf_env).stdout
