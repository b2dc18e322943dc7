"""`validate` is the gate: whatever makes `synth` fail makes `validate` fail, at the same file:line:col (issue 11).

Both run over every bundled spec and every fixture (tests/fixtures/**: valid roots, feature specs, import inputs
and the invalid specs whose errors only the plan can see), one file at a time, in process: the findings, suppressed
ones included, must be the same, and synth writes its roots exactly when validate passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, NO_CONFIG, REPO, SPECS, ecsform

from generators import pipeline, validation
from generators.errors import EcsformError
from generators.options import Options

FILES = sorted(
    p for root in (SPECS, FIXTURES) for p in root.rglob("*") if p.suffix in (".json", ".yaml", ".yml") and p.is_file()
)


def _synth(path: Path, out: Path, options: Options) -> tuple[list, bool]:
    try:
        _, findings = pipeline.synth([str(path)], out, options)
        return findings, True
    except EcsformError as exc:
        return exc.findings, False


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(REPO).as_posix() for p in FILES])
def test_validate_and_synth_agree(path: Path, tmp_path: Path) -> None:
    for options in (Options(), Options(strict=True)):
        validated = validation.validate_findings([str(path)], options)
        synthesized, wrote = _synth(path, tmp_path / f"out-{options.strict}", options)
        assert [(f.format(), f.suppressed) for f in synthesized] == [(f.format(), f.suppressed) for f in validated]
        assert wrote is not validation.failing(validated, options.strict)
        assert (tmp_path / f"out-{options.strict}").exists() is wrote


def test_every_kind_of_fixture_is_compared() -> None:
    kinds = {p.relative_to(FIXTURES).parts[0] for p in FILES if p.is_relative_to(FIXTURES)}
    assert {"valid", "features", "import", "invalid"} <= kinds
    assert len([p for p in FILES if p.is_relative_to(SPECS)]) >= 4


@pytest.mark.parametrize(
    "name, rule, anchor",
    [
        ("secret-in-another-region.yaml", "SECRET-UNRESOLVED", "arn:aws:secretsmanager:eu-west-1"),
        ("logs-in-another-region.yaml", "LOGS-REGION", "eu-west-1"),
        ("regions-ambiguous.yaml", "REGION-AMBIGUOUS", "eu-west-1"),
    ],
)
def test_the_plan_checks_fail_validate_at_the_value(name: str, rule: str, anchor: str, tmp_path: Path) -> None:
    """The errors only the plan can see stop `validate` (exit 2), located at the value that causes them."""
    spec = FIXTURES / "invalid" / name
    text = spec.read_text()
    index = text.index(anchor)
    line, col = text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)
    for proc in (
        ecsform("validate", str(spec), NO_CONFIG),
        ecsform("synth", str(spec), "--out", str(tmp_path / "out"), NO_CONFIG),
    ):
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith(f"{spec.relative_to(REPO)}:{line}:{col}: error {rule}: "), proc.stderr
    assert not (tmp_path / "out").exists()
    # --region answers the ambiguity for both commands, as x-ecsform.region does
    if rule == "REGION-AMBIGUOUS":
        assert (
            ecsform("validate", str(spec), "--region", "us-east-1", NO_CONFIG).returncode == 2
        )  # eu-west-1 logs: LOGS-REGION
        fixed = tmp_path / name
        fixed.write_text(text.replace("awslogs-region: eu-west-1", "awslogs-region: us-east-1"))
        assert ecsform("validate", "--strict", str(fixed), NO_CONFIG).returncode == 0


def test_the_bundled_specs_pass_strict() -> None:
    """Every warning on specs/ is answered in the spec or suppressed with a reason (no rule turned off)."""
    proc = ecsform("validate", "--strict", str(SPECS))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("0 error(s), 0 warning(s), ") and proc.stderr.endswith(" suppressed\n")
    for spec in SPECS.iterdir():
        assert "rules:" not in spec.read_text() and '"rules"' not in spec.read_text()
