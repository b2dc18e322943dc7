"""`ecsform ci github|gitlab|gitlab-child|atlantis` (issue 13 item 4): every generated file is checked by the real
linters (actionlint; check-jsonschema with its vendored GitHub-workflow and GitLab-CI schemas; Atlantis's file
against tests/fixtures/ci/atlantis.schema.json, written from Atlantis's reference), from the bundled ecsform.yaml and
from a configuration with three environments; the ci: block's mistakes are located findings."""

from __future__ import annotations

import json
import os
import re
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


# the least a ci: block holds: the pipeline's role, and the gate of roots without an environment
GATED = "ci: {roleArn: 'arn:aws:iam::123456789012:role/ci', environments: {default: {githubEnvironment: ops, gitlabEnvironment: ops}}}\n"

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


def _chunk_roots(child: dict, prefix: str) -> dict[str, list[str]]:
    """Job name -> its roots (ECSFORM_ROOTS), for the jobs whose name starts with `prefix`."""
    return {k: v["variables"]["ECSFORM_ROOTS"].split() for k, v in child.items() if k.startswith(prefix)}


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
            continue
        # fewer roots than ci.maxJobs: a job per root, each planned once, each job of one environment
        planned = _chunk_roots(child, "plan ")
        assert sorted(r for roots in planned.values() for r in roots) == sorted(p.root for p in plans)
        assert all(len(roots) == 1 for roots in planned.values())
        if name == "plan":  # a merge request's plans: the plan role, read-only roots (--plan-role in the parent)
            assert {child[k]["variables"]["AWS_ROLE_ARN"] for k in planned} == {
                "arn:aws:iam::123456789012:role/ecsform-ci-plan"
            }
        applied = _chunk_roots(child, "apply ")
        assert applied == ({"apply " + k.removeprefix("plan "): v for k, v in planned.items()} if apply else {})
        if name == "apply":
            assert child["removed roots"]["script"][-1] == "exit 1" and "gone/prod" in str(child["removed roots"])
            (prod,) = [k for k, v in applied.items() if v == ["financial-api-stages/prod"]]
            (dev,) = [k for k, v in applied.items() if v == ["financial-api-stages/dev"]]
            job = child[prod]
            assert job["when"] == "manual" and job["environment"] == {"name": "production"}
            assert job["variables"]["AWS_ROLE_ARN"] == "arn:aws:iam::123456789012:role/ecsform-ci"
            # prod waits for every dev apply of the change (ci.promotion: the declared order, dev then prod)
            assert dev in job["needs"] and all(n.startswith(("apply dev-", "plan prod-")) for n in job["needs"][1:])
            assert child[dev]["needs"][1:] == [dev.replace("apply", "plan")]
            # the default branch's plans are the ones applied: made by the apply's role (its roots, synthesized
            # without --plan-role, assume the deploy roles); a merge request's by the plan role (below)
            assert child[prod.replace("apply", "plan")]["variables"]["AWS_ROLE_ARN"].endswith("role/ecsform-ci")
            # the reviewed plans: the apply job applies the plan job's tfplan once ecsform review check accepts it
            assert child[prod.replace("apply", "plan")]["artifacts"]["paths"] == [
                "build/financial-api-stages/prod/tfplan",
                "build/financial-api-stages/prod/ecsform-plan.json",
            ]
            assert "ecsform review check" in job["script"][0] and "ecsform deploy" in job["script"][0]


def test_three_environments_every_pipeline_passes_its_linter(multi: Path, tmp_path: Path) -> None:
    cfg = project_config.load(multi / "ecsform.yaml")
    for kind in ("github", "gitlab", "atlantis"):
        proc = ecsform("ci", kind, cwd=multi)  # the default places, beside ecsform.yaml
        assert proc.returncode == 0, proc.stderr
        lint(kind, ci.default_out(kind, cfg))
    assert (multi / ".github" / "workflows" / "ecsform.yml").is_file()
    assert (multi / ".gitlab" / "ecsform.gitlab-ci.yml").is_file() and (multi / "atlantis.yaml").is_file()

    workflow = YAML(typ="safe").load((multi / ".github" / "workflows" / "ecsform.yml").read_text())
    assert {k: v for k, v in workflow["on"].items() if k in ("pull_request", "push")} == {
        "pull_request": {"branches": ["trunk"]},
        "push": {"branches": ["trunk"]},
    }
    # a service's CI deploys through workflow_dispatch or repository_dispatch: spec, environment, container, image
    assert sorted(workflow["on"]["workflow_dispatch"]["inputs"]) == [
        "container",
        "environment",
        "image",
        "replan",
        "spec",
    ]
    assert workflow["on"]["repository_dispatch"] == {"types": [ci.DISPATCH_EVENT]}
    record = workflow["jobs"]["record"]
    script = "\n".join(s.get("run", "") for s in record["steps"])
    assert "${{" not in script  # untrusted inputs reach the shell only through env: (actionlint: script injection)
    assert record["steps"][-1]["env"]["ECSFORM_IMAGE"] == (
        "${{ github.event.inputs.image || github.event.client_payload.image }}"
    )
    assert record["permissions"] == {"contents": "write"} and "git push" in script and "ecsform image set" in script
    jobs = workflow["jobs"]
    # one apply job per environment of ci.promotion (the declared order: dev, staging, prod), each after the one
    # before, behind its environment's gate; roots without an environment in `apply`, behind the named gate
    assert [j for j in jobs if j.startswith("apply")] == ["apply-dev", "apply-staging", "apply-prod", "apply"]
    assert jobs["apply-dev"]["needs"] == ["record", "changed", "plan"]
    assert jobs["apply-staging"]["needs"] == ["record", "changed", "plan", "apply-dev"]
    assert jobs["apply-prod"]["needs"] == ["record", "changed", "plan", "apply-staging"]
    assert jobs["apply"]["needs"] == ["record", "changed", "plan"]
    assert [jobs[j]["environment"] for j in ("apply-dev", "apply-staging", "apply-prod")] == [
        "dev",
        "Staging (EU)",
        "production",
    ]
    apply = jobs["apply"]
    gates = json.loads(apply["environment"].split("fromJSON('")[1].split("')")[0])
    assert gates == {"default": "shared", "dev": "dev", "prod": "production", "staging": "Staging (EU)"}
    script = next(s["run"] for s in apply["steps"] if "ecsform review check" in s.get("run", ""))
    for command in ci.commands("deploy", ci.settings(cfg)):  # after each root's apply, behind the same gate
        assert command in script and script.index(command) > script.index("apply -input=false")
    roles = next(s["with"] for s in apply["steps"] if s.get("uses") == ci.AWS_CREDENTIALS)
    apply_roles = json.loads(roles["role-to-assume"].split("fromJSON('")[1].split("')")[0])
    assert apply_roles["prod"].endswith("role/ci-prod") and apply_roles["staging"].endswith("role/ci")
    plan = workflow["jobs"]["plan"]
    plan_roles = next(s["with"] for s in plan["steps"] if s.get("uses") == ci.AWS_CREDENTIALS)
    assert "ci-prod-plan" in plan_roles["role-to-assume"]
    terraform = next(s["with"] for s in plan["steps"] if s.get("uses") == ci.SETUP_TERRAFORM)
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
    by_root = {v["variables"]["ECSFORM_ROOTS"]: k for k, v in jobs.items() if k.startswith("apply ")}
    assert jobs[by_root["orders/staging"]]["environment"] == {"name": "review/staging"}
    assert jobs[by_root["worker"]]["environment"] == {"name": "shared"}
    # staging waits for dev, prod for staging (not for dev directly: staging waited for it)
    assert set(jobs[by_root["orders/staging"]]["needs"][2:]) == {by_root["orders/dev"], by_root["billing/dev"]}
    assert set(jobs[by_root["orders/prod"]]["needs"][2:]) == {by_root["orders/staging"], by_root["billing/staging"]}
    assert jobs[by_root["worker"]]["needs"][2:] == []
    assert jobs[by_root["orders/prod"]]["variables"]["ECSFORM_ROOTS"] == "orders/prod"
    # each root's services move right after its apply, in the same job, behind the same GitLab environment
    assert jobs[by_root["orders/staging"]]["script"] == ci.commands("apply", ci.settings(cfg), synth=False)
    gitlab = YAML(typ="safe").load((multi / ".gitlab" / "ecsform.gitlab-ci.yml").read_text())
    assert gitlab["ecsform-record"]["rules"][0]["if"].endswith("&& $ECSFORM_IMAGE")
    assert gitlab["ecsform-record"]["script"][-1].startswith("for attempt in 1 2 3 4 5; do git push")


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
        # its deployed images, whether or not the file exists yet: a pull request that deploys changes only it
        assert (folder / watched[3]).resolve() == (multi / "images" / f"{project['name']}.yaml").resolve()
        watched = watched[:3] + watched[4:]
        for pattern in watched[3:]:  # every module folder the root's main.tf calls, and only those
            assert (folder / pattern.removesuffix("/**/*.tf")).resolve().is_dir()
        called = {
            line.split('"')[1]
            for line in (folder / "main.tf").read_text().splitlines()
            if line.strip().startswith("source")
        }
        assert {w.removesuffix("/**/*.tf") for w in watched[3:]} == called
    vault = next(p for p in data["projects"] if p["name"] == "vault")["autoplan"]["when_modified"]
    assert vault[4:] == ["../../../modules/secrets/**/*.tf", "../../../modules/ecs-task-definition/**/*.tf"]


def test_every_job_runs_the_commands_of_commands(multi: Path, tmp_path: Path) -> None:
    """One place: the GitHub steps and the GitLab scripts are commands(kind) in order."""
    cfg = project_config.load(multi / "ecsform.yaml")
    settings = ci.settings(cfg)
    workflow = YAML(typ="safe").load(ci.github(cfg))
    for job, kind in (("plan", "plan"), ("apply-prod", "apply"), ("apply", "apply")):
        runs = [s["run"] for s in workflow["jobs"][job]["steps"] if "run" in s][2:]  # after install and the cache
        assert runs == ci.commands(kind, settings), job
    changed = workflow["jobs"]["changed"]["steps"][-2]["run"]
    assert changed.startswith(ci.commands("changed", settings)[0] + "\n")
    assert "ecsform ci github-matrix --changed ecsform-changed.json" in changed
    synth = "ecsform synth services platform/worker.yaml --out generated/roots"
    # a pull request's plan adds --plan-role (ECSFORM_SYNTH_ARGS); the default branch's, applied, adds nothing
    assert ci.commands("plan", settings)[0] == synth + " ${ECSFORM_SYNTH_ARGS:-}"
    assert ci.commands("apply", settings)[0] == synth
    assert workflow["jobs"]["plan"]["env"]["ECSFORM_SYNTH_ARGS"] == (
        "${{ github.event_name == 'pull_request' && '--plan-role' || '' }}"
    )
    assert "ECSFORM_SYNTH_ARGS" not in workflow["jobs"]["apply-prod"]["env"]

    def assumed(job: str) -> str:
        step = next(s for s in workflow["jobs"][job]["steps"] if "role-to-assume" in s.get("with", {}))
        return step["with"]["role-to-assume"]

    # the plan job: the plan role on a pull request, else (the default branch's plans, applied) the apply's role
    plans, applies = ci.role(settings, "prod", plan=True), ci.role(settings, "prod", plan=False)
    assert plans != applies
    assert assumed("plan").startswith("${{ github.event_name == 'pull_request' && fromJSON(")
    assert re.findall(r'"prod":"([^"]+)"', assumed("plan")) == [plans, applies]  # PR's map, then the others'
    assert re.findall(r'"prod":"([^"]+)"', assumed("apply-prod")) == [applies]
    gitlab = YAML(typ="safe").load(ci.gitlab(cfg))["ecsform-changed"]
    assert synth + " ${ECSFORM_SYNTH_ARGS:-}" in gitlab["script"]
    assert [r["variables"]["ECSFORM_SYNTH_ARGS"] for r in gitlab["rules"]] == ["--plan-role", "", ""]
    for kind in ("plan", "apply"):  # each root of the job runs the per-root commands, in its own subshell
        assert all(c in ci.commands(kind, settings)[1] for c in ci.root_commands(kind, settings))
    changed_file = tmp_path / "changed.json"
    changed_file.write_text(json.dumps({"changed": [{"root": "orders/prod", "environment": "prod"}], "removed": []}))
    child = YAML(typ="safe").load(ci.gitlab_child(cfg, str(changed_file), apply=True))
    assert child["plan prod-1"]["script"] == ci.commands("plan", settings, synth=False)
    assert child["apply prod-1"]["script"] == ci.commands("apply", settings, synth=False)
    assert ci.job_environment(settings, ["orders/prod", "billing/prod"], "prod") == {
        "ECSFORM_ROOTS": "orders/prod billing/prod",
        "ECSFORM_ENVIRONMENT": "prod",
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
    (repo / "ecsform.yaml").write_text(GATED)
    (repo / "specs").mkdir()
    (repo / "specs" / "web.yaml").write_text(SPEC.format(family="web"))
    settings = ci.settings(project_config.load(repo / "ecsform.yaml"))
    env = {**tf_env, "ECSFORM_ROOT": "web", "ECSFORM_DIR": "build/web", "PATH": f"{BIN}:{tf_env['PATH']}"}
    for command in ci.commands("plan", settings)[:1] + ci.root_commands("plan", settings)[:1]:
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
    (tmp_path / "ecsform.yaml").write_text(GATED)
    cases = [
        (["ci", "circle"], "CI-KIND: unknown pipeline 'circle'"),
        (["ci", "github", "--apply"], "CI-KIND: --changed and --apply are for gitlab-child"),
        (["ci", "github-matrix"], "CI-CHANGED: github-matrix needs --changed FILE"),
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
    (tmp_path / "ecsform.yaml").write_text(GATED)
    target = tmp_path / ".github" / "workflows" / "ecsform.yml"
    target.parent.mkdir(parents=True)
    target.write_text("old\n")
    target.chmod(0o640)
    proc = ecsform("ci", "github", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert target.read_text().startswith("# Generated by `ecsform ci github`")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["ecsform.yml"]  # no temporary file left


# --- issue 22: chunks, promotion, gates, removed roots ---------------------------------------------------------


def _entries(services: int, environments: tuple[str | None, ...] = ("dev", "prod")) -> list[dict]:
    return [
        {"root": f"svc-{i:03d}" + (f"/{e}" if e else ""), "environment": e, "spec": f"specs/svc-{i:03d}.yaml"}
        for i in range(services)
        for e in environments
    ]


@pytest.mark.parametrize(
    "services, environments, limit, per_environment",
    [
        (150, ("dev", "prod"), 20, None),
        (150, ("dev", "prod"), 256, None),  # 300 roots in at most 256 jobs: GitHub's limit per matrix
        (150, ("dev", "prod"), 256, ci.GITLAB_CHUNKS_PER_ENVIRONMENT),
        (3, ("dev", "prod"), 20, None),  # fewer roots than jobs: one root per job
        (100, ("dev", "staging", "prod", None), 4, None),  # as few jobs as environments
        (1, (None,), 1, None),
    ],
)
def test_chunks_name_every_root_once_within_the_limits(
    services: int, environments: tuple, limit: int, per_environment: int | None
) -> None:
    entries = _entries(services, environments)
    made = ci.chunks(entries, limit, per_environment)
    assert made == ci.chunks(list(reversed(entries)), limit, per_environment)  # the same roots, the same chunks
    assert len(made) == min(limit, len(entries), len(environments) * (per_environment or limit))
    assert sorted(r for c in made for r in c.roots) == sorted(e["root"] for e in entries)  # each once
    assert len({c.id for c in made}) == len(made)
    by_root = {e["root"]: e["environment"] for e in entries}
    for chunk in made:
        assert {by_root[r] for r in chunk.roots} == {chunk.environment}  # one environment per job
    for environment in environments:
        sizes = [len(c.roots) for c in made if c.environment == environment]
        assert sizes and max(sizes) - min(sizes) <= 1  # balanced
        if per_environment:
            assert len(sizes) <= per_environment
    widest = max(len(c.roots) for c in made)
    assert widest == max(
        -(-sum(1 for e in entries if e["environment"] == env) // sum(1 for c in made if c.environment == env))
        for env in environments
    )
    if len(environments) > 1:  # fewer jobs than environments: config.py refuses such a maxJobs
        with pytest.raises(ValueError):
            ci.chunks(entries, len(environments) - 1)


def test_github_matrix_300_roots_in_chunks_per_promotion_stage(multi: Path, tmp_path: Path) -> None:
    """`ecsform ci github-matrix`: the plan matrix within ci.maxJobs (20 by default) naming every root, one matrix
    per apply job of the workflow (ci.promotion's environments, then the rest), the removed roots; every output the
    workflow reads, also when empty."""
    cfg = project_config.load(multi / "ecsform.yaml")
    entries = _entries(100, ("dev", "staging", "prod")) + [{"root": "worker", "environment": None, "spec": "w.yaml"}]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({"changed": entries, "removed": [{"root": "old/dev", "environment": "dev"}]}))
    proc = ecsform("ci", "github-matrix", "--changed", str(changed), cwd=multi)
    assert proc.returncode == 0, proc.stderr
    outputs = dict(line.split("=", 1) for line in proc.stdout.splitlines())
    workflow = YAML(typ="safe").load(ci.github(cfg))
    read = {k for k, v in workflow["jobs"]["changed"]["outputs"].items()} - {"since"}
    assert set(outputs) == read  # every output the workflow reads, no other
    plan = json.loads(outputs["plan"])["include"]
    assert len(plan) == 20 and sorted(r for c in plan for r in c["roots"].split()) == sorted(e["root"] for e in entries)
    stages = {k: json.loads(v)["include"] for k, v in outputs.items() if k.startswith("apply")}
    assert sorted(c["chunk"] for items in stages.values() for c in items) == sorted(c["chunk"] for c in plan)
    assert {c["environment"] for c in stages["apply_staging"]} == {"staging"}
    assert [c["roots"] for c in stages["apply"]] == ["worker"]
    assert outputs["removed"] == "old/dev"
    for job in ("apply-dev", "apply-staging", "apply-prod", "apply"):
        output = job.replace("-", "_")
        assert workflow["jobs"][job]["strategy"]["matrix"] == "${{ fromJSON(needs.changed.outputs." + output + ") }}"
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"changed": [], "removed": []}))
    proc = ecsform("ci", "github-matrix", "--changed", str(empty), cwd=multi)
    assert proc.stdout.splitlines() == [
        'plan={"include":[]}',
        'apply_dev={"include":[]}',
        'apply_staging={"include":[]}',
        'apply_prod={"include":[]}',
        'apply={"include":[]}',
        "removed=",
    ]


def test_removed_roots_stop_the_github_run_with_their_names(multi: Path) -> None:
    workflow = YAML(typ="safe").load(ci.github(project_config.load(multi / "ecsform.yaml")))
    removed = workflow["jobs"]["removed"]
    assert removed["if"] == "needs.changed.outputs.removed != ''"
    script = removed["steps"][0]["run"]
    assert "$ECSFORM_REMOVED" in script and "::error" in script and script.rstrip().endswith("exit 1")
    assert "${{" not in script  # the names reach the shell through env


def test_a_changed_state_plans_again_and_asks_again(multi: Path) -> None:
    """A root whose state changed between its plan and its apply is not applied: the run's `replan` job dispatches
    the workflow again (input `replan`: the same `since`), which plans at the branch head and asks again."""
    workflow = YAML(typ="safe").load(ci.github(project_config.load(multi / "ecsform.yaml")))
    jobs = workflow["jobs"]
    replan = jobs["replan"]
    assert replan["needs"] == ["changed", "apply-dev", "apply-staging", "apply-prod", "apply"]
    assert replan["permissions"] == {"actions": "write", "contents": "read"}
    assert (
        'gh workflow run "${workflow##*/}"' in replan["steps"][-1]["run"]
        and "--ref trunk" in replan["steps"][-1]["run"]
    )
    assert workflow["on"]["workflow_dispatch"]["inputs"]["replan"]["default"] == ""
    assert "github.event.inputs.replan" in jobs["changed"]["steps"][-2]["env"]["ECSFORM_SINCE"]
    assert "github.event.inputs.replan == ''" in jobs["record"]["if"]  # a replan records no image
    stale = [s for s in jobs["apply-prod"]["steps"] if s.get("name") == "Roots to plan again"]
    assert stale[0]["if"] == "failure()" and stale[0]["with"]["path"] == ci.STALE_FILE
    gitlab = YAML(typ="safe").load(ci.gitlab(project_config.load(multi / "ecsform.yaml")))
    assert {
        "if": '$ECSFORM_REPLAN && $CI_COMMIT_BRANCH == "trunk"',
        "variables": {"ECSFORM_SINCE": "$ECSFORM_REPLAN", "ECSFORM_CHILD_ARGS": "--apply", "ECSFORM_SYNTH_ARGS": ""},
    } in gitlab["ecsform-changed"]["rules"]


@pytest.mark.parametrize("engine", ["github", "gitlab"])
def test_no_unprotected_apply_for_roots_without_an_environment(tmp_path: Path, engine: str) -> None:
    """Roots of specs without environments apply behind the gate ci.environments.default names; without it, no
    workflow (a CONFIG-REQUIRED finding at the ci block), never one that applies in an environment nobody
    protects."""
    (tmp_path / "ecsform.yaml").write_text(
        "environments: {dev: {}}\nci:\n  roleArn: arn:aws:iam::123456789012:role/ci\n  environments:\n    dev: {}\n"
    )
    with pytest.raises(EcsformError) as exc:
        ci.generate(engine, project_config.load(tmp_path / "ecsform.yaml", "ecsform.yaml"))
    (finding,) = exc.value.findings
    field = "githubEnvironment" if engine == "github" else "gitlabEnvironment"
    assert finding.format().startswith("ecsform.yaml:4:3: error CONFIG-REQUIRED: ci.environments: no ")
    assert f"ci.environments.default.{field}" in (finding.hint or "")
    (tmp_path / "ecsform.yaml").write_text(GATED)
    generated = ci.generate(engine, project_config.load(tmp_path / "ecsform.yaml", "ecsform.yaml"))
    if engine == "github":  # (GitLab's gates are in the child pipeline: test_three_environments_...)
        assert 'environment: ${{ fromJSON(\'{"default":"ops"}\')' in generated


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "environments: {dev: {}, prod: {}}\nci: {promotion: [dev, prd]}",
            "ecsform.yaml:2:23: error CONFIG-ENV-UNDECLARED: ci.promotion[1]: ci.promotion names 'prd'",
        ),
        (
            "environments: {dev: {}, prod: {}}\nci: {promotion: [dev, dev]}",
            "ecsform.yaml:2:23: error CONFIG-INVALID: ci.promotion[1]: ci.promotion names 'dev' twice",
        ),
        (
            "environments: {dev: {}, prod: {}}\nci: {maxJobs: 2}",
            "ecsform.yaml:2:15: error CONFIG-INVALID: ci.maxJobs: maxJobs 2 is less than the 3 environments",
        ),
        ("ci: {maxJobs: 257}", "ecsform.yaml:1:15: error CONFIG-INVALID: ci.maxJobs"),
        ("ci: {maxJobs: 0}", "ecsform.yaml:1:15: error CONFIG-INVALID: ci.maxJobs"),
    ],
)
def test_promotion_and_max_jobs_mistakes_are_located(tmp_path: Path, body: str, expected: str) -> None:
    (tmp_path / "ecsform.yaml").write_text(body + "\n")
    with pytest.raises(EcsformError) as exc:
        project_config.load(tmp_path / "ecsform.yaml", "ecsform.yaml")
    assert expected in "\n".join(f.format() for f in exc.value.findings)


def test_promotion_order_and_none(tmp_path: Path) -> None:
    """ci.promotion orders the apply jobs (prod after staging after dev, whatever the declaration order); [] applies
    every environment at once, in one job."""
    base = (
        "environments: {prod: {}, dev: {}, staging: {}}\n"
        "ci:\n  roleArn: arn:aws:iam::123456789012:role/ci\n"
        "  environments: {default: {githubEnvironment: ops, gitlabEnvironment: ops}}\n"
    )
    (tmp_path / "ecsform.yaml").write_text(base + "  promotion: [dev, staging, prod]\n")
    jobs = YAML(typ="safe").load(ci.github(project_config.load(tmp_path / "ecsform.yaml")))["jobs"]
    assert [j for j in jobs if j.startswith("apply")] == ["apply-dev", "apply-staging", "apply-prod", "apply"]
    assert jobs["apply-prod"]["needs"][-1] == "apply-staging"
    (tmp_path / "ecsform.yaml").write_text(base)  # default: the declared order
    jobs = YAML(typ="safe").load(ci.github(project_config.load(tmp_path / "ecsform.yaml")))["jobs"]
    assert [j for j in jobs if j.startswith("apply")] == ["apply-prod", "apply-dev", "apply-staging", "apply"]
    (tmp_path / "ecsform.yaml").write_text(base + "  promotion: []\n")
    out = tmp_path / "gh.yml"
    out.write_text(ci.github(project_config.load(tmp_path / "ecsform.yaml")))
    lint("github", out)
    jobs = YAML(typ="safe").load(out.read_text())["jobs"]
    assert [j for j in jobs if j.startswith("apply")] == ["apply"]
