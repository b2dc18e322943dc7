"""ecsform.yaml in the roots (issue 12): targets resolved defaults < environment, backend.tf and targeted providers,
regions, module sources, and without a configuration the output of before."""

from __future__ import annotations

import json
import re
from pathlib import Path

from config_project import CONFIG, SPEC, project
from conftest import NO_CONFIG, SPECS, ecsform

from generators import config as project_config
from generators import validation
from generators.options import Options
from generators.target import Target

# --- targets ----------------------------------------------------------------------------------------------


def test_the_target_is_the_defaults_with_the_environment_over_them(tmp_path: Path) -> None:
    cfg = project_config.load(project(tmp_path) / "ecsform.yaml")
    assert cfg.target(None) == Target(
        None,
        "123456789012",
        "us-east-1",
        None,
        {"cost-center": "42", "managed-by": "ecsform"},
        skip_destroy=True,
        region_is_default=True,  # the spec's own region wins over it
    )
    assert cfg.target("dev") == Target(
        "dev",
        "111111111111",
        "us-east-1",
        "arn:aws:iam::111111111111:role/deploy",
        {"cost-center": "42", "environment": "development", "managed-by": "ecsform"},
        skip_destroy=True,
        region_is_default=True,
    )  # targeted roots keep replaced revisions ACTIVE
    assert cfg.target("prod").region == "eu-west-1" and cfg.target("prod").tags == cfg.target(None).tags
    assert not cfg.target("prod").region_is_default  # the environment's region wins over the spec's
    assert cfg.target("qa") == cfg.target(None)  # not declared: the defaults (and CONFIG-ENV-UNDECLARED)
    assert cfg.policy_node is not None and cfg.policy_node.mark == (20, 9)
    assert cfg.policy_node.value["readonlyRootFilesystem"].value == "warn"
    assert Target().session_name("shop/prod") == "ecsform-shop-prod"  # STS allows [\w+=,.@-], 2-64 characters
    assert Target().session_name("a b~c") == "ecsform-a-b-c" and len(Target().session_name("x" * 100)) == 64


def test_roots_carry_backend_and_targeted_provider(tmp_path: Path) -> None:
    repo = project(tmp_path)
    proc = ecsform("synth", "specs", "--out", "build", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    prod = repo / "build" / "shop" / "prod"
    assert (
        (prod / "providers.tf").read_text().split("\n", 2)[2]
        == """\
provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["222222222222"]

  assume_role {
    role_arn     = "arn:aws:iam::222222222222:role/deploy"
    session_name = "ecsform-shop-prod"
  }

  default_tags {
    tags = {
      "cost-center" = "42"
      "managed-by"  = "ecsform"
    }
  }
}
"""
    )
    assert (
        (prod / "backend.tf").read_text().split("\n", 2)[2]
        == """\
terraform {
  backend "s3" {
    bucket       = "tfstate-222222222222"
    key          = "ecsform/shop/prod/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
    assume_role = {
      role_arn     = "arn:aws:iam::222222222222:role/state"
      session_name = "ecsform-shop-prod"
    }
  }
}
"""
    )
    manifest = json.loads((repo / "build" / "manifest.json").read_text())
    dev = manifest["roots"][0]
    assert dev["target"] == {
        "environment": "dev",
        "accountId": "111111111111",
        "region": "us-east-1",
        "roleArn": "arn:aws:iam::111111111111:role/deploy",
    }
    assert dev["state"] == {
        "backend": "s3",
        "bucket": "tfstate-111111111111",
        "key": "ecsform/shop/dev/terraform.tfstate",
        "region": "us-east-1",
        "encrypt": True,
        "use_lockfile": True,
        "assume_role": {"role_arn": "arn:aws:iam::111111111111:role/state", "session_name": "ecsform-shop-dev"},
    }
    # the dev secret is in the dev account; prod's overlay names its own: no TARGET-* warning
    assert "TARGET-" not in proc.stderr


def test_tags_are_default_tags_once_and_render_shows_what_aws_registers(tmp_path: Path) -> None:
    repo = project(tmp_path)
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 0
    main = (repo / "build" / "shop" / "dev" / "main.tf").read_text()
    tags = re.search(r"\n  tags = \{\n(.*?)\n  \}\n", main, re.S)
    assert tags and tags.group(1) == '    team = "shop"'  # managed-by: ecsform is already a default tag
    rendered = json.loads(ecsform("render", "specs/shop.yaml", "--env", "dev", cwd=repo).stdout)
    assert rendered["tags"] == [
        {"key": "cost-center", "value": "42"},
        {"key": "environment", "value": "development"},
        {"key": "managed-by", "value": "ecsform"},
        {"key": "team", "value": "shop"},
    ]


def test_regions_precedence_and_the_target_rules(tmp_path: Path) -> None:
    spec = SPEC.replace(
        "          options: {awslogs-region: eu-west-1}\n",
        "          options: {awslogs-region: eu-west-1}\n    x-ecsform: {region: us-west-2}\n",
    )
    repo = project(tmp_path, spec=spec)
    proc = ecsform("validate", "specs", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("warning TARGET-REGION") == 1  # prod's x-ecsform.region: the environment's region wins
    assert (
        "x-ecsform.region is us-west-2, but its target (environment prod in ecsform.yaml) is eu-west-1" in proc.stderr
    )
    render = lambda *a: json.loads(ecsform("render", "specs/shop.yaml", "--env", "prod", *a, cwd=repo).stdout)  # noqa: E731
    assert render("--region", "eu-west-1")["family"] == "shop-prod"
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 0
    assert 'region              = "eu-west-1"' in (repo / "build/shop/prod/providers.tf").read_text()
    assert ecsform("synth", "specs", "--out", "b2", "--region", "us-east-1", "--env", "dev", cwd=repo).returncode == 0
    assert 'region              = "us-east-1"' in (repo / "b2/shop/dev/providers.tf").read_text()
    crossed = SPEC.replace("111111111111:secret:shop/db-AbCdEf", "333333333333:secret:shop/db-AbCdEf")
    proc = ecsform("validate", "specs", cwd=project(tmp_path / "b", spec=crossed))
    assert (
        "warning TARGET-ACCOUNT: [environment dev] containerDefinitions[0].secrets[0].valueFrom: the secret "
        "arn:aws:secretsmanager:us-east-1:333333333333:secret:shop/db-AbCdEf is in account 333333333333, but "
        "its target (environment dev in ecsform.yaml) is account 111111111111" in proc.stderr
    )
    assert "123456789012.dkr.ecr" not in proc.stderr  # the shared registry's image: silent


WHICH_REGION = """\
family: {family}
containerDefinitions:
  - name: app
    image: nginx
    memory: 128
    readonlyRootFilesystem: true
    logConfiguration:
      logDriver: awslogs
      options: {{awslogs-group: /ecs/{family}, awslogs-region: {logs}, awslogs-stream-prefix: app}}
"""


def test_the_spec_s_own_region_wins_over_the_defaults_and_an_environment_s_over_the_spec(tmp_path: Path) -> None:
    """docs/config.md, "Which value wins": --region > the environment's region > the spec's own region
    (x-ecsform.region, else the one region its values name) > defaults.region. A repository of single-region specs
    in several regions takes an ecsform.yaml with a default region without a LOGS-REGION error on each."""
    repo = project(tmp_path, "defaults: {region: us-east-1}\nenvironments:\n  prod: {region: ap-south-1}\n")
    specs = repo / "specs"
    (specs / "shop.yaml").unlink()
    (specs / "eu.yaml").write_text(WHICH_REGION.format(family="eu", logs="eu-west-1"))
    (specs / "x.yaml").write_text(
        WHICH_REGION.format(family="x", logs="eu-west-1") + "x-ecsform: {region: eu-west-1}\n"
    )
    no_region = WHICH_REGION.format(family="none", logs="us-east-1").split("    logConfiguration:")[0]
    (specs / "none.yaml").write_text(no_region)  # names no region: the defaults' region
    (specs / "prod.yaml").write_text(WHICH_REGION.format(family="p", logs="ap-south-1") + "environments: {prod: {}}\n")
    proc = ecsform("synth", "specs", "--out", "build", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "LOGS-REGION" not in proc.stderr and "TARGET-REGION" not in proc.stderr
    roots = {r["path"]: r["target"]["region"] for r in json.loads((repo / "build/manifest.json").read_text())["roots"]}
    assert roots == {"eu": "eu-west-1", "x": "eu-west-1", "none": "us-east-1", "p/prod": "ap-south-1"}
    assert 'region = "eu-west-1"' in (repo / "build/eu/providers.tf").read_text()
    (specs / "prod.yaml").write_text(WHICH_REGION.format(family="p", logs="eu-west-1") + "environments: {prod: {}}\n")
    proc = ecsform("validate", "specs/prod.yaml", cwd=repo)  # the environment's region wins over the spec's
    assert "error LOGS-REGION: [environment prod]" in proc.stderr and "(ap-south-1)" in proc.stderr, proc.stderr
    proc = ecsform("validate", "--region", "eu-west-1", "specs/prod.yaml", cwd=repo)  # --region over everything
    assert proc.returncode == 0, proc.stderr


def test_account_placeholders_resolve_for_specs_without_environments(tmp_path: Path) -> None:
    """{accountId} in the backend of a root whose target names no account: the one account the spec's roles and
    secrets name; several or none is a CONFIG-PLACEHOLDER with a hint that says where to set it."""
    config = (
        "defaults: {region: us-east-1}\nenvironments:\n  dev: {accountId: '111111111111'}\n"
        "backend:\n  s3: {bucket: 'tfstate-{accountId}', key: 'ecsform/{root}/terraform.tfstate', region: us-east-1}\n"
    )
    spec = WHICH_REGION.format(family="a", logs="us-east-1") + "executionRoleArn: arn:aws:iam::333333333333:role/exec\n"
    repo = project(tmp_path, config, spec)
    proc = ecsform("synth", "specs", "--out", "build", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert 'bucket       = "tfstate-333333333333"' in (repo / "build/a/backend.tf").read_text()
    # a role named by its name is in the account the root deploys to: it names none ecsform knows
    (repo / "specs" / "shop.yaml").write_text(spec.replace("arn:aws:iam::333333333333:role/exec", "exec"))
    proc = ecsform("validate", "specs", cwd=repo)
    assert proc.returncode == 2
    assert (
        "error CONFIG-PLACEHOLDER: backend.s3.bucket: root a: {accountId} has no value (its target has no "
        "accountId, and the spec's roles and secrets name none)\n    hint: set accountId under defaults in "
        "ecsform.yaml, or drop the placeholder" in proc.stderr
    ), proc.stderr


def test_module_source_from_the_configuration(tmp_path: Path) -> None:
    repo = project(tmp_path)
    (repo / "ecsform.yaml").write_text(
        CONFIG.replace("defaults:\n", "defaults:\n  moduleSource: ./vendor/modules\n").replace(
            "    tags: {environment: development}\n",
            "    tags: {environment: development}\n"
            "    moduleSource: git::https://git.example.com/m.git//modules?ref=v2\n",
        )
    )
    missing = ecsform("synth", "specs", "--out", "out/roots", cwd=repo)  # the folder is not there yet
    assert missing.returncode == 2 and not (repo / "out").exists()
    assert (
        "ecsform.yaml:2:17: error CONFIG-MODULE-SOURCE: defaults.moduleSource: moduleSource './vendor/modules' "
        "names a folder that does not exist" in missing.stderr
    )
    assert "hint: write the modules there with `ecsform modules export ./vendor/modules`" in missing.stderr
    assert ecsform("modules", "export", "vendor/modules", cwd=repo).returncode == 0
    assert ecsform("synth", "specs", "--out", "out/roots", cwd=repo).returncode == 0
    prod = (repo / "out/roots/shop/prod/main.tf").read_text()
    assert 'source = "../../../../vendor/modules/ecs-task-definition"' in prod
    assert (
        'source = "git::https://git.example.com/m.git//modules/ecs-task-definition?ref=v2"'
        in (repo / "out/roots/shop/dev/main.tf").read_text()
    )
    assert ecsform("synth", "specs", "--out", "o2", "--module-source", "git::https://x//m", cwd=repo).returncode == 0
    assert 'source = "git::https://x//m/ecs-task-definition"' in (repo / "o2/shop/prod/main.tf").read_text()


def test_partial_backend_and_local_backend(tmp_path: Path) -> None:
    text = CONFIG.replace("    region: us-east-1\n    roleArn", "    region: us-east-1\n    partial: true\n    roleArn")
    repo = project(tmp_path, text)
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 0
    backend = (repo / "build/shop/dev/backend.tf").read_text()
    assert backend.endswith('  backend "s3" {}\n}\n') and "-backend-config" in backend
    state = json.loads((repo / "build/manifest.json").read_text())["roots"][0]["state"]
    assert state["partial"] is True and state["key"] == "ecsform/shop/dev/terraform.tfstate"
    repo = project(tmp_path / "local", "backend: {local: {}}\n")
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 0
    assert (repo / "build/shop/dev/backend.tf").read_text().endswith('terraform {\n  backend "local" {}\n}\n')
    assert 'provider "aws" {\n  region = "us-east-1"\n}\n' in (repo / "build/shop/dev/providers.tf").read_text()
    empty = project(tmp_path / "empty", "")
    assert ecsform("synth", "specs", "--out", "build", cwd=empty).returncode == 0
    assert 'backend "local" {}' in (empty / "build/shop/prod/backend.tf").read_text()


# --- without a configuration: the output of before -----------------------------------------------------


def test_without_a_configuration_nothing_changes(tmp_path: Path) -> None:
    """--no-config in a project with an ecsform.yaml writes exactly what a project without one writes: no
    backend.tf, the provider with its region only, manifest entries without target or state."""
    with_file = project(tmp_path / "a")
    without = project(tmp_path / "b", None)
    outs = []
    for repo, args in ((with_file, [NO_CONFIG]), (without, [])):
        assert ecsform("synth", "specs", "--out", "build", *args, cwd=repo).returncode == 0
        outs.append(
            {
                p.relative_to(repo / "build").as_posix(): p.read_bytes()
                for p in sorted((repo / "build").rglob("*"))
                if p.is_file()
            }
        )
    assert outs[0] == outs[1]
    assert not [name for name in outs[0] if name.endswith("backend.tf")]
    roots = json.loads(outs[0]["manifest.json"])["roots"]
    assert all(set(r) == {"family", "environment", "path", "engine", "spec", "files", "modules", "hash"} for r in roots)
    assert outs[0]["shop/prod/providers.tf"].decode().endswith('provider "aws" {\n  region = "eu-west-1"\n}\n')


def test_in_process_callers_get_no_configuration(tmp_path: Path) -> None:
    """The library (tests, the CDK construct) reads no ecsform.yaml unless given one in Options."""
    plans, _ = validation.build_plans([str(SPECS / "financial-api-stages.yaml")], Options())
    assert {p.target for p in plans} == {None} and {p.backend for p in plans} == {None}
