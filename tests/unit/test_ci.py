"""`ecsform ci github|gitlab|gitlab-child|atlantis` (issue 13 item 4): every generated file is checked by the real
linters (actionlint; check-jsonschema with its vendored GitHub-workflow and GitLab-CI schemas; Atlantis's file
against tests/fixtures/ci/atlantis.schema.json, written from Atlantis's reference), from the bundled ecsform.yaml and
from a configuration with three environments; every job runs the commands of `shell.commands`. The ci: block's
mistakes: test_ci_config.py; a change's roots in jobs: test_ci_changes.py."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from ci_repo import BIN, GATED, SPEC, changed_data, lint, make_multi
from conftest import REPO, ecsform
from ruamel.yaml import YAML

from generators import config as project_config
from generators import pipeline, validation
from generators.ci import command, environments, github, gitlab, shell
from generators.options import Options


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_multi(tmp_path_factory.mktemp("multi"))


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
        "plan": (changed_data(plans), False),
        "apply": (changed_data(plans, ("gone/prod",)), True),
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
        lint(kind, command.default_out(kind, cfg))
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
    assert workflow["on"]["repository_dispatch"] == {"types": [github.DISPATCH_EVENT]}
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
    for line in shell.commands("deploy", environments.settings(cfg)):  # after each root's apply, behind the same gate
        assert line in script and script.index(line) > script.index("apply -input=false")
    roles = next(s["with"] for s in apply["steps"] if s.get("uses") == github.AWS_CREDENTIALS)
    apply_roles = json.loads(roles["role-to-assume"].split("fromJSON('")[1].split("')")[0])
    assert apply_roles["prod"].endswith("role/ci-prod") and apply_roles["staging"].endswith("role/ci")
    plan = workflow["jobs"]["plan"]
    plan_roles = next(s["with"] for s in plan["steps"] if s.get("uses") == github.AWS_CREDENTIALS)
    assert "ci-prod-plan" in plan_roles["role-to-assume"]
    terraform = next(s["with"] for s in plan["steps"] if s.get("uses") == github.SETUP_TERRAFORM)
    assert terraform["terraform_version"] == "1.10.5"

    plans, _ = validation.build_plans([str(multi / "services"), str(multi / "platform")], Options(config=cfg))
    assert len(plans) == 8  # 2 specs x 3 environments, vault and worker
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(changed_data(plans, ("old/dev",))))
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
    assert jobs[by_root["orders/staging"]]["script"] == shell.commands("apply", environments.settings(cfg), synth=False)
    parent = YAML(typ="safe").load((multi / ".gitlab" / "ecsform.gitlab-ci.yml").read_text())
    assert parent["ecsform-record"]["rules"][0]["if"].endswith("&& $ECSFORM_IMAGE")
    assert parent["ecsform-record"]["script"][-1].startswith("for attempt in 1 2 3 4 5; do git push")


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
    settings = environments.settings(cfg)
    workflow = YAML(typ="safe").load(github.github(cfg))
    for job, kind in (("plan", "plan"), ("apply-prod", "apply"), ("apply", "apply")):
        runs = [s["run"] for s in workflow["jobs"][job]["steps"] if "run" in s][2:]  # after install and the cache
        assert runs == shell.commands(kind, settings), job
    changed = workflow["jobs"]["changed"]["steps"][-2]["run"]
    assert changed.startswith(shell.commands("changed", settings)[0] + "\n")
    assert "ecsform ci github-matrix --changed ecsform-changed.json" in changed
    synth = "ecsform synth services platform/worker.yaml --out generated/roots"
    # a pull request's plan adds --plan-role (ECSFORM_SYNTH_ARGS); the default branch's, applied, adds nothing
    assert shell.commands("plan", settings)[0] == synth + " ${ECSFORM_SYNTH_ARGS:-}"
    assert shell.commands("apply", settings)[0] == synth
    assert workflow["jobs"]["plan"]["env"]["ECSFORM_SYNTH_ARGS"] == (
        "${{ github.event_name == 'pull_request' && '--plan-role' || '' }}"
    )
    assert "ECSFORM_SYNTH_ARGS" not in workflow["jobs"]["apply-prod"]["env"]

    def assumed(job: str) -> str:
        step = next(s for s in workflow["jobs"][job]["steps"] if "role-to-assume" in s.get("with", {}))
        return step["with"]["role-to-assume"]

    # the plan job: the plan role on a pull request, else (the default branch's plans, applied) the apply's role
    plans, applies = environments.role(settings, "prod", plan=True), environments.role(settings, "prod", plan=False)
    assert plans != applies
    assert assumed("plan").startswith("${{ github.event_name == 'pull_request' && fromJSON(")
    assert re.findall(r'"prod":"([^"]+)"', assumed("plan")) == [plans, applies]  # PR's map, then the others'
    assert re.findall(r'"prod":"([^"]+)"', assumed("apply-prod")) == [applies]
    parent = YAML(typ="safe").load(gitlab.gitlab(cfg))["ecsform-changed"]
    assert synth + " ${ECSFORM_SYNTH_ARGS:-}" in parent["script"]
    assert [r["variables"]["ECSFORM_SYNTH_ARGS"] for r in parent["rules"]] == ["--plan-role", "", ""]
    for kind in ("plan", "apply"):  # each root of the job runs the per-root commands, in its own subshell
        assert all(c in shell.commands(kind, settings)[1] for c in shell.root_commands(kind, settings))
    changed_file = tmp_path / "changed.json"
    changed_file.write_text(json.dumps({"changed": [{"root": "orders/prod", "environment": "prod"}], "removed": []}))
    child = YAML(typ="safe").load(gitlab.gitlab_child(cfg, str(changed_file), apply=True))
    assert child["plan prod-1"]["script"] == shell.commands("plan", settings, synth=False)
    assert child["apply prod-1"]["script"] == shell.commands("apply", settings, synth=False)
    assert shell.job_environment(settings, ["orders/prod", "billing/prod"], "prod") == {
        "ECSFORM_ROOTS": "orders/prod billing/prod",
        "ECSFORM_ENVIRONMENT": "prod",
    }
    with pytest.raises(ValueError):
        shell.commands("destroy", settings)


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
    settings = environments.settings(project_config.load(repo / "ecsform.yaml"))
    env = {**tf_env, "ECSFORM_ROOT": "web", "ECSFORM_DIR": "build/web", "PATH": f"{BIN}:{tf_env['PATH']}"}
    for line in shell.commands("plan", settings)[:1] + shell.root_commands("plan", settings)[:1]:
        proc = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", line], cwd=repo, env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, (line, proc.stdout, proc.stderr)
    assert (repo / "build" / "web" / "main.tf").is_file() and (repo / "build" / "web" / ".terraform").is_dir()
