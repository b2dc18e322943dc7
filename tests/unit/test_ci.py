"""`ecsform ci github|gitlab|gitlab-child|atlantis` (issue 13 item 4): every generated file is checked by the real
linters (actionlint; check-jsonschema with its vendored GitHub-workflow and GitLab-CI schemas; Atlantis's file
against tests/fixtures/ci/atlantis.schema.json, written from Atlantis's reference), from the bundled ecsform.yaml and
from a configuration with three environments; the ci: block's mistakes are located findings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, MODULES, REPO, ecsform
from ruamel.yaml import YAML

from generators import ci, pipeline, validation
from generators import config as project_config
from generators.errors import EcsformError
from generators.options import Options

BIN = Path(sys.executable).parent
ATLANTIS_SCHEMA = json.loads((FIXTURES / "ci" / "atlantis.schema.json").read_text())

CONFIG = """\
defaults:
  accountId: "123456789012"
  region: us-east-1
  moduleSource: ./modules
environments:
  dev: {accountId: "111111111111", roleArn: "arn:aws:iam::111111111111:role/deploy"}
  staging: {accountId: "111111111111", roleArn: "arn:aws:iam::111111111111:role/deploy"}
  prod: {accountId: "222222222222", region: eu-west-1, roleArn: "arn:aws:iam::222222222222:role/deploy"}
backend:
  s3: {bucket: acme-tfstate, key: "ecsform/{root}/terraform.tfstate", region: us-east-1}
ci:
  roleArn: arn:aws:iam::123456789012:role/ci
  region: us-east-1
  environments:
    default: {githubEnvironment: shared, gitlabEnvironment: shared}
    staging: {githubEnvironment: "Staging (EU)", gitlabEnvironment: review/staging}
    prod:
      roleArn: arn:aws:iam::123456789012:role/ci-prod
      planRoleArn: arn:aws:iam::123456789012:role/ci-prod-plan
      githubEnvironment: production
      gitlabEnvironment: production
  terraformVersion: 1.10.5
  pythonVersion: "3.12"
  defaultBranch: trunk
  specs: [services, platform/worker.yaml]
  out: generated/roots
  install: pip install 'ecsform @ git+https://example.com/ecsform.git@v1'
"""

SPEC = """\
family: {family}
cpu: 256
memory: 512
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
    readonlyRootFilesystem: true
x-ecsform: {{region: us-east-1}}
"""

VAULT = """\
family: vault
cpu: 256
memory: 512
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
    readonlyRootFilesystem: true
    secrets: {TOKEN: "ecsform:secret/token"}
x-ecsform:
  region: us-east-1
  secrets: {token: {description: API token}}
"""

STAGES = (
    SPEC
    + """\
environments:
  dev: {{}}
  staging: {{}}
  prod: {{x-ecsform: {{region: eu-west-1}}}}
"""
)


# the linters must not reach the network: any attempt goes to a closed port and fails the test
OFFLINE = {
    **os.environ,
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "no_proxy": "",
}


def lint(kind: str, path: Path) -> None:
    """The real linters, offline (check-jsonschema reads its vendored schemas with --builtin-schema)."""
    if kind == "github":
        runs = [
            [str(BIN / "actionlint"), "-no-color", str(path)],
            [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        ]
    elif kind in ("gitlab", "gitlab-child"):
        runs = [[str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(path)]]
    else:
        data = YAML(typ="safe").load(path.read_text())
        errors = [e.message for e in jsonschema.Draft202012Validator(ATLANTIS_SCHEMA).iter_errors(data)]
        assert not errors, errors
        return
    for args in runs:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120, env=OFFLINE)
        assert proc.returncode == 0, (args[0], proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with three environments, specs in two places, its own out folder and modules."""
    repo = tmp_path_factory.mktemp("multi")
    (repo / ".git").mkdir()  # the repository's root: ecsform.yaml is searched no higher
    (repo / "ecsform.yaml").write_text(CONFIG)
    (repo / "services").mkdir()
    (repo / "services" / "orders.yaml").write_text(STAGES.format(family="orders"))
    (repo / "services" / "billing.yaml").write_text(STAGES.format(family="billing"))
    (repo / "services" / "vault.yaml").write_text(VAULT)  # calls modules/secrets too
    (repo / "platform").mkdir()
    (repo / "platform" / "worker.yaml").write_text(SPEC.format(family="worker"))
    shutil.copytree(MODULES, repo / "modules")
    return repo


def _changed(plans: list, removed: tuple[str, ...] = ()) -> dict:
    return {
        "changed": [{"root": p.root, "environment": p.environment, "dir": f"build/{p.root}"} for p in plans],
        "removed": [{"root": r, "environment": None, "dir": f"build/{r}"} for r in removed],
    }


@pytest.mark.parametrize("kind", ["github", "gitlab", "atlantis"])
def test_bundled_configuration_pipelines_pass_their_linters(kind: str, tmp_path: Path) -> None:
    out = tmp_path / f"{kind}.yml"
    proc = ecsform("ci", kind, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    lint(kind, out)
    again = ecsform("ci", kind, "--out", "-")
    assert again.returncode == 0 and again.stdout == out.read_text()  # byte-identical, and --out - prints it


def test_bundled_gitlab_child_pipelines_pass_the_gitlab_schema(tmp_path: Path) -> None:
    cfg = project_config.load(REPO / "ecsform.yaml")
    plans, _ = validation.build_plans([str(REPO / "specs")], Options(config=cfg))
    cases = {
        "plan": (_changed(plans), False),
        "apply": (_changed(plans, ("gone/prod",)), True),
        "nothing": ({"changed": [], "removed": []}, False),
    }
    for name, (data, apply) in cases.items():
        changed = tmp_path / f"{name}.json"
        changed.write_text(json.dumps(data))
        out = tmp_path / f"{name}.yml"
        args = ["ci", "gitlab-child", "--changed", str(changed), "--out", str(out)] + (["--apply"] if apply else [])
        proc = ecsform(*args)
        assert proc.returncode == 0, proc.stderr
        lint("gitlab-child", out)
        child = YAML(typ="safe").load(out.read_text())
        jobs = {k for k in child if not k.startswith(".") and k != "stages"}
        if name == "nothing":
            assert jobs == {"nothing changed"}
        else:
            roots = {p.root for p in plans}
            assert {j for j in jobs if j.startswith("plan ")} == {f"plan {r}" for r in roots}
            assert {j for j in jobs if j.startswith("apply ")} == ({f"apply {r}" for r in roots} if apply else set())
        if name == "apply":
            assert child["removed roots"]["script"][-1] == "exit 1" and "gone/prod" in str(child["removed roots"])
            prod = child["apply financial-api-stages/prod"]
            assert prod["when"] == "manual" and prod["environment"] == {"name": "production"}
            assert prod["variables"]["AWS_ROLE_ARN"] == "arn:aws:iam::123456789012:role/ecsform-ci"
            assert child["plan financial-api-stages/prod"]["variables"]["AWS_ROLE_ARN"].endswith("ecsform-ci-plan")


def test_three_environments_every_pipeline_passes_its_linter(multi: Path, tmp_path: Path) -> None:
    cfg = project_config.load(multi / "ecsform.yaml")
    for kind in ("github", "gitlab", "atlantis"):
        proc = ecsform("ci", kind, cwd=multi)  # the default places, beside ecsform.yaml
        assert proc.returncode == 0, proc.stderr
        lint(kind, ci.default_out(kind, cfg))
    assert (multi / ".github" / "workflows" / "ecsform.yml").is_file()
    assert (multi / ".gitlab" / "ecsform.gitlab-ci.yml").is_file() and (multi / "atlantis.yaml").is_file()

    workflow = YAML(typ="safe").load((multi / ".github" / "workflows" / "ecsform.yml").read_text())
    assert workflow["on"] == {"pull_request": {"branches": ["trunk"]}, "push": {"branches": ["trunk"]}}
    apply = workflow["jobs"]["apply"]
    gates = json.loads(apply["environment"].split("fromJSON('")[1].split("')")[0])
    assert gates == {"default": "shared", "dev": "dev", "prod": "production", "staging": "Staging (EU)"}
    roles = {s["uses"]: s.get("with") for s in apply["steps"] if "uses" in s}[ci.AWS_CREDENTIALS]
    apply_roles = json.loads(roles["role-to-assume"].split("fromJSON('")[1].split("')")[0])
    assert apply_roles["prod"].endswith("role/ci-prod") and apply_roles["staging"].endswith("role/ci")
    plan = workflow["jobs"]["plan"]
    plan_roles = {s["uses"]: s.get("with") for s in plan["steps"] if "uses" in s}[ci.AWS_CREDENTIALS]
    assert "ci-prod-plan" in plan_roles["role-to-assume"]
    terraform = {s["uses"]: s.get("with") for s in plan["steps"] if "uses" in s}[ci.SETUP_TERRAFORM]
    assert terraform["terraform_version"] == "1.10.5"

    plans, _ = validation.build_plans([str(multi / "services"), str(multi / "platform")], Options(config=cfg))
    assert len(plans) == 8  # 2 specs x 3 environments, vault and worker
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(_changed(plans, ("old/dev",))))
    child = tmp_path / "child.yml"
    proc = ecsform("ci", "gitlab-child", "--changed", str(changed), "--apply", "--out", str(child), cwd=multi)
    assert proc.returncode == 0, proc.stderr
    lint("gitlab-child", child)
    jobs = YAML(typ="safe").load(child.read_text())
    assert jobs["apply orders/staging"]["environment"] == {"name": "review/staging"}
    assert jobs["apply worker"]["environment"] == {"name": "shared"}
    assert jobs["plan orders/prod"]["variables"]["ECSFORM_DIR"] == "generated/roots/orders/prod"


def test_atlantis_projects_are_the_roots_synth_writes_and_watch_what_they_are_made_of(multi: Path) -> None:
    proc = ecsform("ci", "atlantis", "--out", "-", cwd=multi)
    assert proc.returncode == 0, proc.stderr
    data = YAML(typ="safe").load(proc.stdout)
    cfg = project_config.load(multi / "ecsform.yaml")
    out = multi / "generated" / "roots"
    manifest, _ = pipeline.synth([str(multi / "services"), str(multi / "platform")], out, Options(config=cfg))
    roots = {r["path"]: r for r in manifest["roots"]}
    assert [p["dir"] for p in data["projects"]] == [f"generated/roots/{r}" for r in sorted(roots)]
    assert len({(p["dir"], p["workspace"]) for p in data["projects"]}) == len(data["projects"])
    for project in data["projects"]:
        assert project["name"] == project["dir"].removeprefix("generated/roots/")
        assert project["workspace"] == "default" and project["terraform_version"] == "v1.10.5"
        folder = multi / project["dir"]
        watched = project["autoplan"]["when_modified"]
        assert watched[0] == "*.tf*" and list(folder.glob("*.tf"))  # the root's own files
        spec = (folder / watched[1]).resolve()
        assert spec == (multi / roots[project["name"]]["spec"]).resolve() and spec.is_file()
        assert (folder / watched[2]).resolve() == (multi / "ecsform.yaml").resolve()
        for pattern in watched[3:]:  # every module folder the root's main.tf calls, and only those
            assert (folder / pattern.removesuffix("/**/*.tf")).resolve().is_dir()
        called = {
            line.split('"')[1]
            for line in (folder / "main.tf").read_text().splitlines()
            if line.strip().startswith("source")
        }
        assert {w.removesuffix("/**/*.tf") for w in watched[3:]} == called
    vault = next(p for p in data["projects"] if p["name"] == "vault")["autoplan"]["when_modified"]
    assert vault[3:] == ["../../../modules/secrets/**/*.tf", "../../../modules/ecs-task-definition/**/*.tf"]


def test_every_job_runs_the_commands_of_commands(multi: Path, tmp_path: Path) -> None:
    """One place: the GitHub steps and the GitLab scripts are commands(kind) in order."""
    cfg = project_config.load(multi / "ecsform.yaml")
    settings = ci.settings(cfg)
    workflow = YAML(typ="safe").load(ci.github(cfg))
    for kind in ("plan", "apply"):
        runs = [s["run"] for s in workflow["jobs"][kind]["steps"] if "run" in s][1:]  # after the install
        runs = runs[1:]  # the plugin cache folder
        expected = ci.commands(kind, settings)
        assert len(runs) == len(expected)
        for run, command in zip(runs, expected):
            assert command in run
    assert ci.commands("changed", settings)[0] in workflow["jobs"]["changed"]["steps"][-1]["run"]
    synth = "ecsform synth services platform/worker.yaml --out generated/roots"
    assert ci.commands("plan", settings)[0] == synth + " --plan-role"  # pull requests plan with the plan roles
    assert ci.commands("apply", settings)[0] == synth
    gitlab = YAML(typ="safe").load(ci.gitlab(cfg))["ecsform-changed"]
    assert synth + " $ECSFORM_SYNTH_ARGS" in gitlab["script"]
    assert [r["variables"]["ECSFORM_SYNTH_ARGS"] for r in gitlab["rules"]] == ["--plan-role", ""]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({"changed": [{"root": "orders/prod", "environment": "prod"}], "removed": []}))
    child = YAML(typ="safe").load(ci.gitlab_child(cfg, str(changed), apply=True))
    assert child["plan orders/prod"]["script"] == ci.commands("plan", settings, synth=False)
    assert child["apply orders/prod"]["script"] == ci.commands("apply", settings, synth=False)
    assert ci.job_environment(settings, "orders/prod", "prod") == {
        "ECSFORM_ROOT": "orders/prod",
        "ECSFORM_ENVIRONMENT": "prod",
        "ECSFORM_DIR": "generated/roots/orders/prod",
    }
    with pytest.raises(ValueError):
        ci.commands("destroy", settings)


@pytest.mark.terraform
def test_the_first_commands_of_a_plan_job_run_for_real(tmp_path: Path, tf_env: dict[str, str]) -> None:
    """The commands as a job runs them (bash -e, the variables job_environment gives, from the repository's root):
    synth writes the root and init initializes it where ECSFORM_DIR says. (plan and apply need AWS: the pipeline's
    e2e test runs them against moto.)"""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "ecsform.yaml").write_text("ci: {roleArn: 'arn:aws:iam::123456789012:role/ci'}\n")
    (repo / "specs").mkdir()
    (repo / "specs" / "web.yaml").write_text(SPEC.format(family="web"))
    settings = ci.settings(project_config.load(repo / "ecsform.yaml"))
    env = {**tf_env, **ci.job_environment(settings, "web", None), "PATH": f"{BIN}:{tf_env['PATH']}"}
    for command in ci.commands("plan", settings)[:2]:
        proc = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", command], cwd=repo, env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
    assert (repo / "build" / "web" / "main.tf").is_file() and (repo / "build" / "web" / ".terraform").is_dir()


@pytest.mark.parametrize(
    "body, expected",
    [
        ("ci: {terraformVerison: 1.11.4}", "ecsform.yaml:1:6: error CONFIG-UNKNOWN-FIELD: ci.terraformVerison"),
        ("ci: {roleArn: 'arn:aws:iam::123456789012:user/ci'}", "ecsform.yaml:1:15: error CONFIG-INVALID: ci.roleArn"),
        ("ci: {pythonVersion: 3.11}", "ecsform.yaml:1:21: error CONFIG-INVALID: ci.pythonVersion"),
        ("ci: {terraformVersion: '1.11'}", "ecsform.yaml:1:24: error CONFIG-INVALID: ci.terraformVersion"),
        ("ci: {defaultBranch: 'a..b'}", "ecsform.yaml:1:21: error CONFIG-INVALID: ci.defaultBranch"),
        ("ci: {out: ../build}", "ecsform.yaml:1:11: error CONFIG-INVALID: ci.out"),
        (
            "environments: {dev: {}, prod: {}}\nci: {environments: {prd: {}}}",
            "ecsform.yaml:2:21: error CONFIG-ENV-UNDECLARED: ci.environments.prd",
        ),
        (
            "environments: {dev: {}}\nci: {environments: {dev: {gitlabEnvironment: 'a:b'}}}",
            "ecsform.yaml:2:46: error CONFIG-INVALID: ci.environments.dev.gitlabEnvironment",
        ),
        ("ci: {}", "ecsform.yaml:1:5: error CONFIG-REQUIRED: ci: no role for the pipeline to assume"),
        ("defaults: {region: us-east-1}", "ecsform.yaml:1:1: error CONFIG-REQUIRED: no role for the pipeline"),
    ],
)
def test_ci_block_mistakes_are_located(tmp_path: Path, body: str, expected: str) -> None:
    (tmp_path / "ecsform.yaml").write_text(body + "\n")
    with pytest.raises(EcsformError) as exc:
        ci.generate("github", project_config.load(tmp_path / "ecsform.yaml", "ecsform.yaml"))
    assert expected in "\n".join(f.format() for f in exc.value.findings)


def test_a_mistake_stops_the_command_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ecsform.yaml").write_text("ci: {roleArn: 'arn:aws:iam::123456789012:user/ci'}\n")
    proc = ecsform("ci", "github", cwd=tmp_path)
    assert proc.returncode == 2 and "ecsform.yaml:1:15: error CONFIG-INVALID: ci.roleArn" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / ".github").exists()


def test_prd_gets_a_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "ecsform.yaml").write_text("environments: {dev: {}, prod: {}}\nci: {environments: {prd: {}}}\n")
    with pytest.raises(EcsformError) as exc:
        project_config.load(tmp_path / "ecsform.yaml")
    assert exc.value.findings[0].hint.startswith("did you mean 'prod'?")


def test_command_mistakes(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ecsform.yaml").write_text("ci: {roleArn: 'arn:aws:iam::123456789012:role/ci'}\n")
    cases = [
        (["ci", "circle"], "CI-KIND: unknown pipeline 'circle'"),
        (["ci", "github", "--apply"], "CI-KIND: --changed and --apply are for gitlab-child"),
        (["ci", "gitlab-child"], "CI-CHANGED: gitlab-child needs --changed FILE"),
        (["ci", "gitlab-child", "--changed", "missing.json"], "missing.json:1:1: error CI-CHANGED: cannot read it"),
        (["ci", "github", "--config", "nothere.yaml"], "CONFIG-READ"),
    ]
    (tmp_path / "bad.json").write_text('{"changed": [{"root": "../x", "environment": null}]}')
    cases.append((["ci", "gitlab-child", "--changed", "bad.json"], "CI-CHANGED: root '../x' is not a path"))
    (tmp_path / "text.json").write_text("changed")
    cases.append((["ci", "gitlab-child", "--changed", "text.json"], "CI-CHANGED: not JSON"))
    for args, expected in cases:
        proc = ecsform(*args, cwd=tmp_path)
        assert proc.returncode == 2 and expected in proc.stderr, (args, proc.stderr)
    (tmp_path / "other" / ".git").mkdir(parents=True)
    proc = ecsform("ci", "github", cwd=tmp_path / "other")  # no ecsform.yaml up to its repository's root
    assert proc.returncode == 2 and "CONFIG-READ: ecsform ci needs an ecsform.yaml" in proc.stderr, proc.stderr
    blocked = tmp_path / "file"
    blocked.write_text("")
    proc = ecsform("ci", "github", "--out", str(blocked / "x.yml"), cwd=tmp_path)
    assert proc.returncode == 2 and "OUT-NOT-DIR" in proc.stderr and blocked.read_text() == ""


def test_written_at_once_over_the_previous_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ecsform.yaml").write_text("ci: {roleArn: 'arn:aws:iam::123456789012:role/ci'}\n")
    target = tmp_path / ".github" / "workflows" / "ecsform.yml"
    target.parent.mkdir(parents=True)
    target.write_text("old\n")
    target.chmod(0o640)
    proc = ecsform("ci", "github", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert target.read_text().startswith("# Generated by `ecsform ci github`")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["ecsform.yml"]  # no temporary file left
