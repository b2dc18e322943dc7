"""ecsform.yaml (issue 12): found from the working folder, checked with located CONFIG-* findings (nothing written on a
mistake), its schema published (test_config_roots.py: what it does to the roots; test_config_schema.py: the schema
and the loader agree)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from config_project import CONFIG, SPEC, project, where
from conftest import NO_CONFIG, REPO, ecsform
from ruamel.yaml import YAML

from generators import config as project_config
from generators.errors import EcsformError

# --- finding the file ------------------------------------------------------------------------------------


def test_found_from_a_subfolder_up_to_the_repository_root(tmp_path: Path) -> None:
    repo = project(tmp_path / "repo")
    (tmp_path / "ecsform.yaml").write_text("defaults: {region: ap-south-1}\n")  # above the repository: ignored
    nested = repo / "specs" / "team"
    nested.mkdir()
    assert project_config.discover(nested) == repo / "ecsform.yaml"
    (repo / "ecsform.yaml").unlink()
    assert project_config.discover(nested) is None  # the search stops at the folder with .git
    assert project_config.discover(tmp_path) == tmp_path / "ecsform.yaml"


def test_the_cli_reads_the_nearest_and_flags_choose_another_or_none(tmp_path: Path) -> None:
    repo = project(tmp_path)
    proc = ecsform("render", "specs/shop.yaml", "--env", "prod", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert {"key": "cost-center", "value": "42"} in json.loads(proc.stdout)["tags"]
    proc = ecsform("render", "specs/shop.yaml", "--env", "prod", NO_CONFIG, cwd=repo)
    assert proc.returncode == 0 and "cost-center" not in proc.stdout
    other = tmp_path / "other.yaml"
    other.write_text("defaults: {tags: {owner: platform}}\n")
    proc = ecsform("render", str(repo / "specs/shop.yaml"), "--env", "dev", "--config", str(other))
    assert proc.returncode == 0 and {"key": "owner", "value": "platform"} in json.loads(proc.stdout)["tags"]
    for args in (["--config", str(tmp_path / "missing.yaml")], ["--config", str(other), NO_CONFIG]):
        proc = ecsform("validate", str(repo / "specs"), *args)
        assert proc.returncode == 2 and "error CONFIG-READ" in proc.stderr and "Traceback" not in proc.stderr


# --- mistakes: located, with a rule id, and nothing written ----------------------------------------------

MISTAKES = [
    # (what to change in CONFIG, rule, text of the place the finding points at, offset, words of the message)
    (
        ("  region: us-east-1\n  tags", "  regoin: us-east-1\n  tags"),
        "CONFIG-UNKNOWN-FIELD",
        "regoin",
        0,
        "did you mean 'region'?",
    ),
    (('accountId: "111111111111"', "accountId: 111111111111"), "CONFIG-INVALID", "111111111111", 0, "quote it"),
    (('accountId: "222222222222"', 'accountId: "2222"'), "CONFIG-INVALID", '"2222"', 0, "not an AWS account id"),
    (("backend:\n  s3:", "backend:\n  local: {}\n  s3:"), "CONFIG-BACKEND", "s3:", 0, "two backends"),
    (
        ("bucket: tfstate-{accountId}", "bucket: tfstate-{acountId}"),
        "CONFIG-PLACEHOLDER",
        "tfstate-",
        0,
        "did you mean {accountId}?",
    ),
    (
        ("key: ecsform/{root}/terraform.tfstate", "key: ecsform/{root/terraform.tfstate"),
        "CONFIG-PLACEHOLDER",
        "ecsform/{root",
        0,
        "a brace that opens or closes no placeholder",
    ),
    (
        ("key: ecsform/{root}/terraform.tfstate", "key: /ecsform/{root}/terraform.tfstate"),
        "CONFIG-INVALID",
        "/ecsform/",
        0,
        "starts or ends with '/'",
    ),
    (("bucket: tfstate-{accountId}", "bucket: TFState"), "CONFIG-INVALID", "TFState", 0, "not an S3 bucket name"),
    (
        ("roleArn: arn:aws:iam::222222222222:role/deploy", "roleArn: arn:aws:iam::111111111111:role/deploy"),
        "CONFIG-ACCOUNT-MISMATCH",
        "arn:aws:iam::111111111111:role/deploy\nbackend",
        0,
        "allowed_account_ids",
    ),
    (("    bucket: tfstate-{accountId}\n", ""), "CONFIG-REQUIRED", "    key:", 4, "needs bucket"),
]


@pytest.mark.parametrize("change,rule,at,offset,words", MISTAKES, ids=[m[1] + "-" + m[4][:20] for m in MISTAKES])
def test_each_mistake_is_located(tmp_path: Path, change, rule, at, offset, words) -> None:
    text = CONFIG.replace(*change)
    assert text != CONFIG
    path = project(tmp_path, text) / "ecsform.yaml"
    with pytest.raises(EcsformError) as err:
        project_config.load(path, "ecsform.yaml")
    report = "\n".join(f.format() for f in err.value.findings)
    assert f"ecsform.yaml:{where(text, at, offset)}: error {rule}: " in report, report
    assert words in report


def test_a_mistake_stops_every_command_and_nothing_is_written(tmp_path: Path) -> None:
    text = CONFIG.replace(*MISTAKES[0][0])
    repo = project(tmp_path, text)
    for command in (
        ["synth", "specs", "--out", "build"],
        ["synth", "--engine", "cdk", "specs", "--out", "build"],
        ["validate", "specs"],
        ["render", "specs/shop.yaml", "--env", "dev"],
    ):
        proc = ecsform(*command, cwd=repo)
        assert proc.returncode == 2, proc.stderr
        assert (
            f"ecsform.yaml:{where(text, 'regoin')}: error CONFIG-UNKNOWN-FIELD: defaults.regoin: unknown key "
            "'regoin'\n    hint: did you mean 'region'?" in proc.stderr
        )
        assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert sorted(p.name for p in repo.iterdir()) == [".git", "ecsform.yaml", "specs"]


def test_every_mistake_at_once(tmp_path: Path) -> None:
    text = (
        CONFIG.replace("  region: us-east-1\n  tags", "  regoin: us-east-1\n  tags")
        .replace('accountId: "222222222222"', 'accountId: "2222"')
        .replace("{accountId}", "{acount}")
    )
    with pytest.raises(EcsformError) as err:
        project_config.load(project(tmp_path, text) / "ecsform.yaml")
    assert sorted({f.rule for f in err.value.findings}) == [
        "CONFIG-INVALID",
        "CONFIG-PLACEHOLDER",
        "CONFIG-UNKNOWN-FIELD",
    ]
    assert len([f for f in err.value.findings if f.rule == "CONFIG-PLACEHOLDER"]) == 2  # bucket and roleArn


def test_an_overlay_must_name_a_declared_environment(tmp_path: Path) -> None:
    spec = SPEC.replace("  prod:\n", "  prd:\n")
    repo = project(tmp_path, spec=spec)
    proc = ecsform("synth", "specs", "--out", "build", cwd=repo)
    assert proc.returncode == 2
    assert (
        f"specs/shop.yaml:{where(spec, 'prd:')}: error CONFIG-ENV-UNDECLARED: [environment prd] environments.prd: "
        "environment 'prd' is not declared in ecsform.yaml" in proc.stderr
    )
    assert "did you mean 'prod'?" in proc.stderr
    assert not (repo / "build").exists()
    # a configuration that declares no environments accepts any overlay (the defaults target them all)
    assert (
        ecsform("validate", "specs", cwd=project(tmp_path / "b", "defaults: {tags: {team: shop}}\n", spec)).returncode
        == 0
    )


def test_a_placeholder_the_root_cannot_fill_and_shared_state(tmp_path: Path) -> None:
    no_account = CONFIG.replace('  accountId: "123456789012"\n', "").replace(
        '    accountId: "111111111111"\n    roleArn: arn:aws:iam::111111111111:role/deploy\n', ""
    )
    repo = project(tmp_path, no_account)  # dev's account: the one its secret's ARN names
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 0
    assert "tfstate-111111111111" in (repo / "build/shop/dev/backend.tf").read_text()
    by_name = SPEC.replace("arn:aws:secretsmanager:us-east-1:111111111111:secret:shop/db-AbCdEf", "/shop/db")
    repo = project(tmp_path / "a", no_account, by_name)
    proc = ecsform("synth", "specs", "--out", "build", cwd=repo)
    assert proc.returncode == 2
    assert (
        f"ecsform.yaml:{where(no_account, 'tfstate-')}: error CONFIG-PLACEHOLDER: [environment dev] "
        "backend.s3.bucket: root shop/dev: {accountId} has no value" in proc.stderr
    )
    shared = (
        CONFIG.replace("key: ecsform/{root}/terraform.tfstate", "key: ecsform/terraform.tfstate")
        .replace("tfstate-{accountId}", "tfstate")
        .replace("{accountId}:role/state", "123456789012:role/state")
    )
    repo = project(tmp_path / "b", shared)
    proc = ecsform("synth", "specs", "--out", "build", cwd=repo)
    assert proc.returncode == 2 and not (repo / "build").exists()
    assert (
        "error CONFIG-STATE-SHARED: [environment prod] backend.s3.key: roots shop/dev and shop/prod would keep "
        "their state in the same object s3://tfstate/ecsform/terraform.tfstate" in proc.stderr
    )
    checked = ecsform("validate", "specs", cwd=repo)  # validate says what synth says, before any output
    assert (
        checked.returncode == 2
        and "error CONFIG-STATE-SHARED: [environment prod] backend.s3.key: roots shop/dev "
        "and shop/prod would keep their state in the same object"
        in checked.stderr
    ), checked.stderr


# --- the repository's own configuration and the schema ------------------------------------------------------


def test_schema_command_prints_the_committed_schema_and_the_bundled_file_satisfies_it() -> None:
    proc = ecsform("schema", "--config")
    assert proc.returncode == 0
    schema = json.loads((REPO / "docs" / "config.schema.json").read_text())
    assert json.loads(proc.stdout) == schema
    validator = jsonschema.Draft202012Validator(schema)
    bundled = YAML(typ="safe").load((REPO / "ecsform.yaml").read_text())
    assert not list(validator.iter_errors(bundled))
    assert list(validator.iter_errors({"defaults": {"acountId": "123456789012"}}))
    assert list(validator.iter_errors({"backend": {"s3": {"useLockfile": "yes"}}}))
    assert (REPO / "ecsform.yaml").read_text().startswith("# yaml-language-server: $schema=docs/config.schema.json")


def test_the_bundled_configuration_targets_two_accounts() -> None:
    cfg = project_config.load(REPO / "ecsform.yaml")
    dev, prod = cfg.target("dev"), cfg.target("prod")
    assert dev.account_id != prod.account_id and prod.region == "eu-west-1"
    proc = subprocess.run(["git", "check-ignore", "-q", "ecsform.yaml"], cwd=REPO)
    assert proc.returncode == 1  # committed, not ignored
    proc = ecsform("validate", "specs")  # the bundled specs against their targets: no TARGET-* warning
    assert proc.returncode == 0 and "TARGET-" not in proc.stderr, proc.stderr
