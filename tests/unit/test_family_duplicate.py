"""FAMILY-DUPLICATE: two roots registering one family is an error where they would collide (the same folder, or two
specs in one account and region); between two environments of one spec it is a warning (ECS accepts it, and the
roots are apart), and targets in different accounts or regions keep them apart entirely."""

from __future__ import annotations

from pathlib import Path

from generators import validation
from generators.config import load as load_config
from generators.errors import Severity
from generators.options import Options

CONTAINER = "containerDefinitions:\n  - {name: app, image: nginx, memory: 128}\n"


def _duplicates(paths: list[Path], config: Path | None = None) -> list[tuple[Severity, str | None]]:
    options = Options(region="us-east-1", config=load_config(str(config)) if config else None)
    return [
        (f.severity, f.environment)
        for f in validation.validate_findings([str(p) for p in paths], options)
        if f.rule == "FAMILY-DUPLICATE"
    ]


def test_two_specs_of_one_family_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("family: api\n" + CONTAINER)
    (tmp_path / "b.yaml").write_text("family: api\n" + CONTAINER)
    assert _duplicates([tmp_path]) == [(Severity.ERROR, None)]


def test_two_environments_of_one_family_warn(tmp_path: Path) -> None:
    spec = tmp_path / "a.yaml"
    spec.write_text("family: api\n" + CONTAINER + "environments:\n  dev: {family: api}\n  staging: {family: api}\n")
    assert _duplicates([spec]) == [(Severity.WARNING, "staging")]


def test_environments_in_different_accounts_may_share_a_family(tmp_path: Path) -> None:
    spec = tmp_path / "a.yaml"
    spec.write_text("family: api\n" + CONTAINER + "environments:\n  dev: {family: api}\n  prod: {family: api}\n")
    config = tmp_path / "ecsform.yaml"
    config.write_text(
        'defaults: {region: us-east-1}\nenvironments:\n  dev: {accountId: "111111111111"}\n'
        '  prod: {accountId: "222222222222"}\n'
    )
    assert _duplicates([spec], config) == []
