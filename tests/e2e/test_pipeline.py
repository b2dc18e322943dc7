"""The pipeline at a platform's size, for real (issues 13 and 22): a git repository of 150 specs with a dev and a prod
overlay each (300 roots), its ecsform.yaml keeping every root's state in an S3 bucket on moto and locking the provider
(ecsform.lock.hcl, which synth copies into every root: the plan and apply jobs use it), and the commands of
the generated GitHub workflow's jobs (generators/ci/github.py), each job in a checkout of its own as a runner has it, with
only what the workflow hands it as artifacts (the plan job's tfplan and receipt, the changed job's list, the earlier
environments' applied marks):

1. a change to one spec's base touches its dev and prod roots; the plan jobs plan both (each root's plan in the job
   summary, saved with its receipt); prod's apply job, run first, refuses its root: prod waits for dev (nothing
   applied); dev's applies its reviewed plan; someone applies prod in between, so prod's apply job finds its
   reviewed plan stale and applies nothing (the root listed for a re-plan); a re-run of dev's job applies nothing
   again; the apply step at a newer commit refuses the plan of the older one; verify reads the root's state from
   S3 and says the state holds the log group it created;
2. one prod overlay changes: exactly that root is in the jobs, and its plan job plans it alone;
3. a spec is broken on the base and fixed by the change: `changed` still names the spec's roots (a warning);
4. a module changes: all 300 roots, in at most 256 jobs (ci.maxJobs 256: GitHub's matrix limit), the GitLab child
   pipeline too (at most 48 jobs per environment); one chunk's plan job plans its roots for real;
5. a spec is removed: the run fails with its roots' names and plans nothing; synth keeps the applied root's folder,
   and its task definition and state stay.

300 roots are synthesized, never initialized: only the roots of the chunks run here meet terraform. The wall time of
each part is printed (pytest -s shows it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from ruamel.yaml import YAML

from generators import config as project_config
from generators.ci import environments, github, gitlab, shell

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.xdist_group("pipeline")]

SPECS = 150
PREFIX = "pl-svc"  # families no other test registers
BUCKET = "e2e-pipeline-tfstate"
ROOTS = [f"{PREFIX}-{i:03d}/{e}" for i in range(SPECS) for e in ("dev", "prod")]
BIN = Path(sys.executable).parent

CONFIG = f"""\
defaults:
  accountId: "123456789012"
  region: us-east-1
  tags: {{managed-by: ecsform}}
  moduleSource: ./modules
environments:
  dev: {{tags: {{environment: development}}}}
  prod: {{tags: {{environment: production}}}}
backend:
  s3:
    bucket: {BUCKET}
    key: ecsform/{{root}}/terraform.tfstate
    region: us-east-1
    useLockfile: true
terraform:
  lockPlatforms: [linux_amd64]
ci:
  roleArn: arn:aws:iam::123456789012:role/ecsform-ci
  environments:
    default: {{githubEnvironment: shared, gitlabEnvironment: shared}}
    dev: {{githubEnvironment: development}}
    prod: {{githubEnvironment: production}}
  maxJobs: 256
"""

SPEC = """\
family: {family}
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
    essential: true
    readonlyRootFilesystem: true
    environment: {{LOG_LEVEL: info}}
environments:
  dev:
    containerDefinitions:
      - name: app
        environment: {{DEBUG: "true"}}
        logConfiguration:
          logDriver: awslogs
          options: {{awslogs-group: /ecs/{family}-dev, awslogs-region: us-east-1, awslogs-stream-prefix: app}}
  prod:
    cpu: 512
    memory: 1024
    containerDefinitions:
      - name: app
        logConfiguration:
          logDriver: awslogs
          options: {{awslogs-group: /ecs/{family}-prod, awslogs-region: us-east-1, awslogs-stream-prefix: app}}
"""

CI = project_config.CiConfig(maxJobs=256)  # the ci: block above, as the jobs see it (specs/ in, build/ out)


def run(commands: list[str], cwd: Path, env: dict[str, str], *, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """A job's commands in order with bash, as a CI runner runs a step (stop at the first failure), without colours."""
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(commands)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if ok:
        assert proc.returncode == 0, (
            f"{commands} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout),
        re.sub(r"\x1b\[[0-9;]*m", "", proc.stderr),
    )


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


class Pipeline:
    """The repository and the runners of one workflow run: each job a fresh checkout of the run's commit, with only
    the artifacts the workflow hands it."""

    def __init__(self, repo: Path, work: Path, env: dict[str, str]) -> None:
        self.repo, self.work, self.env = repo, work, env
        self.runners = 0
        self.applied: Path | None = None  # the runner of the apply job that applied a root (its .terraform, state)

    def runner(self) -> Path:
        self.runners += 1
        folder = self.work / f"runner-{self.runners}"
        subprocess.run(["git", "clone", "-q", str(self.repo), str(folder)], check=True, capture_output=True)
        return folder

    def changed(self, since: str = "HEAD~1") -> dict[str, Any]:
        """The changed job: `ecsform changed` and `ecsform ci github-matrix`, its outputs as the workflow reads them."""
        run(shell.commands("changed", CI), self.repo, {**self.env, "ECSFORM_SINCE": since})
        proc = run([f"ecsform ci github-matrix --changed {shell.CHANGED_FILE}"], self.repo, self.env)
        outputs: dict[str, Any] = {}
        for line in proc.stdout.splitlines():
            key, value = line.split("=", 1)
            outputs[key] = value if key == "removed" else json.loads(value)["include"]
        return outputs

    def job_env(self, chunk: dict[str, Any], **more: str) -> dict[str, str]:
        return {**self.env, **shell.job_environment(CI, chunk["roots"].split(), chunk["environment"]), **more}

    def plan(self, chunk: dict[str, Any]) -> tuple[Path, str]:
        """A plan job in a runner of its own: synth, then each root's init, plan, receipt and summary. Returns the
        runner (its build/ holds the artifact) and the job summary."""
        folder = self.runner()
        summary = folder / "summary.md"
        run(shell.commands("plan", CI), folder, self.job_env(chunk, GITHUB_STEP_SUMMARY=str(summary)))
        return folder, summary.read_text()

    def apply(self, chunk: dict[str, Any], planned: Path, earlier: list[Path], *, ok: bool = True) -> Any:
        """An apply job (after its approval) in a runner of its own: synth, then the artifacts (the chunk's plans and
        receipts, the change's roots, what earlier apply jobs marked applied), then the job's script."""
        folder = self.runner()
        run(shell.commands("apply", CI)[:1], folder, self.env)  # the job's first step: synth
        for root in chunk["roots"].split():  # download-artifact: ecsform-plan-<chunk>
            for name in (shell.PLAN_FILE, shell.RECEIPT_FILE):
                shutil.copy2(planned / "build" / root / name, folder / "build" / root / name)
        shutil.copy2(self.repo / shell.CHANGED_FILE, folder / shell.CHANGED_FILE)  # download-artifact: ecsform-changed
        for other in earlier:  # download-artifact: ecsform-applied-*
            for mark in (other / "build").rglob(shell.APPLIED_FILE):
                shutil.copy2(mark, folder / mark.relative_to(other))
        proc = run(shell.commands("apply", CI)[1:], folder, self.job_env(chunk), ok=ok)
        return folder, proc


def revisions(aws: Any, family: str) -> list[str]:
    return aws("ecs").list_task_definitions(familyPrefix=family)["taskDefinitionArns"]


def families(aws: Any) -> list[str]:
    return sorted(aws("ecs").list_task_definition_families(familyPrefix=PREFIX, status="ACTIVE")["families"])


def state_keys(aws: Any) -> list[str]:
    return sorted(o["Key"] for o in aws("s3").list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.fixture(scope="module")
def pipeline(aws_env: dict[str, str], aws: Any, tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """The committed repository (specs/, ecsform.yaml, a copy of modules/), the state bucket on moto, and the jobs'
    environment (ecsform and terraform on PATH, the plugin cache, moto's endpoint and credentials)."""
    work = tmp_path_factory.mktemp("pipeline")
    repo = work / "repo"
    (repo / "specs").mkdir(parents=True)
    for i in range(SPECS):
        (repo / "specs" / f"{PREFIX}-{i:03d}.yaml").write_text(SPEC.format(family=f"{PREFIX}-{i:03d}"))
    (repo / "ecsform.yaml").write_text(CONFIG)
    shutil.copytree(REPO / "modules", repo / "modules", ignore=shutil.ignore_patterns(".*"))
    shutil.copy(REPO / "ecsform.lock.hcl", repo / "ecsform.lock.hcl")  # what `ecsform lock` wrote for linux_amd64
    (repo / ".gitignore").write_text(f"build/\n{shell.CHANGED_FILE}\n")
    git(repo, "init", "-q")
    commit(repo, "150 services, dev and prod")
    aws("s3").create_bucket(Bucket=BUCKET)
    cache = work / "plugin-cache"
    cache.mkdir()
    # moto serves every bucket on one host: the S3 backend must address it by path (on AWS it needs nothing); the
    # environment adds the flag to the job's own `terraform init`, as a runner's environment would. With lock files
    # the workflow's jobs leave TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE out: so do these
    workflow = YAML(typ="safe").load(github.github(project_config.load(repo / "ecsform.yaml")))
    for job in ("plan", "apply-dev", "apply-prod"):
        assert "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE" not in workflow["jobs"][job]["env"]
    env = {
        **aws_env,
        "TF_PLUGIN_CACHE_DIR": str(cache),
        "TF_CLI_ARGS_init": "-backend-config=use_path_style=true",
        "PATH": f"{BIN}{os.pathsep}{aws_env['PATH']}",
    }
    assert shutil.which("ecsform", path=env["PATH"]) == str(BIN / "ecsform")
    block = environments.settings(project_config.load(repo / "ecsform.yaml"))  # the jobs below read CI: the same block
    assert (block.max_jobs, block.specs, block.out) == (CI.max_jobs, CI.specs, CI.out)
    return Pipeline(repo, work, env)


def timed(label: str, started: float) -> None:
    print(f"\npipeline: {label}: {time.perf_counter() - started:.1f} s")


def test_reviewed_plans_promotion_and_a_stale_state(pipeline: Pipeline, aws: Any) -> None:
    started = time.perf_counter()
    repo = pipeline.repo
    spec = repo / "specs" / f"{PREFIX}-007.yaml"
    spec.write_text(spec.read_text().replace("LOG_LEVEL: info", "LOG_LEVEL: warn"))
    commit(repo, "pl-svc-007: log level warn")
    outputs = pipeline.changed()
    assert [c["roots"] for c in outputs["plan"]] == [f"{PREFIX}-007/dev", f"{PREFIX}-007/prod"]
    (dev,), (prod,) = outputs["apply_dev"], outputs["apply_prod"]
    assert (dev["chunk"], prod["chunk"], outputs["apply"], outputs["removed"]) == ("dev-1", "prod-1", [], "")

    # the plan jobs: each root planned, its plan in the job summary, saved with its receipt; the root's lock file
    # is the project's, untouched by terraform init (the provider as locked, from the plugin cache)
    planned = {}
    lock = (repo / "ecsform.lock.hcl").read_bytes()
    for chunk in outputs["plan"]:
        folder, summary = pipeline.plan(chunk)
        planned[chunk["chunk"]] = folder
        assert summary.startswith(f"### ecsform plan: {chunk['roots']}\n") and "Plan: " in summary, summary
        receipt = json.loads((folder / "build" / chunk["roots"] / shell.RECEIPT_FILE).read_text())
        assert receipt["commit"] == git(repo, "rev-parse", "HEAD").strip() and receipt["state"] is None
        assert (folder / "build" / chunk["roots"] / ".terraform.lock.hcl").read_bytes() == lock

    # prod approved first: it waits for dev (the same change), nothing applied
    _, refused = pipeline.apply(prod, planned["prod-1"], [], ok=False)
    assert refused.returncode == 1 and "REVIEW-PROMOTION: " in refused.stderr, refused.stderr
    assert f"{PREFIX}-007/prod waits for {PREFIX}-007/dev" in refused.stderr
    assert families(aws) == [] and state_keys(aws) == []

    # dev: exactly its reviewed plan applied, then deployed (nothing bound: a no-op that says so), and marked
    dev_runner, applied = pipeline.apply(dev, planned["dev-1"], [])
    pipeline.applied = dev_runner
    assert "Apply complete! Resources:" in applied.stdout and "no service is bound to it" in applied.stdout
    assert (dev_runner / "build" / f"{PREFIX}-007" / "dev" / ".terraform.lock.hcl").read_bytes() == lock
    assert families(aws) == [f"{PREFIX}-007-dev"]
    assert state_keys(aws) == [f"ecsform/{PREFIX}-007/dev/terraform.tfstate"]
    registered = aws("ecs").describe_task_definition(taskDefinition=f"{PREFIX}-007-dev")["taskDefinition"]
    assert {"name": "LOG_LEVEL", "value": "warn"} in registered["containerDefinitions"][0]["environment"]

    # someone applies prod in between (its own plan): prod's reviewed plan is stale, not applied, planned again
    other = pipeline.runner()
    run(shell.commands("plan", CI)[:1], other, pipeline.env)
    root = f'terraform -chdir="build/{PREFIX}-007/prod"'
    run([f"{root} init -input=false", f"{root} apply -input=false -auto-approve"], other, pipeline.env)
    assert len(revisions(aws, f"{PREFIX}-007-prod")) == 1
    stale_runner, stale = pipeline.apply(prod, planned["prod-1"], [dev_runner], ok=False)
    assert stale.returncode == 1 and "REVIEW-STALE" in stale.stderr, stale.stderr
    assert "the state of these roots changed since their plan" in stale.stderr
    assert (stale_runner / shell.STALE_FILE).read_text() == f"{PREFIX}-007/prod\n"  # the replan job's artifact
    assert "Apply complete" not in stale.stdout and len(revisions(aws, f"{PREFIX}-007-prod")) == 1

    # a re-run of dev's job (its applied mark among the run's artifacts): nothing applied twice
    _, again = pipeline.apply(dev, planned["dev-1"], [dev_runner])
    assert "its reviewed plan is applied already" in again.stdout and len(revisions(aws, f"{PREFIX}-007-dev")) == 1

    # a newer commit: its apply step refuses the plan reviewed for the older one
    (repo / "README.md").write_text("The platform's services.\n")
    commit(repo, "a readme")
    _, newer = pipeline.apply(dev, planned["dev-1"], [], ok=False)
    assert newer.returncode == 1 and "REVIEW-COMMIT: the plan of pl-svc-007/dev was made at commit" in newer.stderr
    assert len(revisions(aws, f"{PREFIX}-007-dev")) == 1

    # verify reads the root's state from S3: the log group it created is no VERIFY-ADOPT
    verify = subprocess.run(
        ["ecsform", "verify", f"specs/{PREFIX}-007.yaml", "--env", "dev"],
        cwd=repo,
        env=pipeline.env,
        capture_output=True,
        text=True,
    )
    assert "VERIFY-ADOPT" not in verify.stderr, verify.stderr
    assert f"log group '/ecs/{PREFIX}-007-dev' exists; the root's state holds it" in verify.stdout, verify.stdout
    timed("reviewed plans (2 plans, 1 apply, 1 apply in between, 5 checks)", started)


def test_one_overlay_a_broken_base_300_roots_in_chunks_and_a_removal(pipeline: Pipeline, aws: Any) -> None:
    repo = pipeline.repo
    started = time.perf_counter()

    # 1. one prod overlay: one root, in one job, planned alone
    spec = repo / "specs" / f"{PREFIX}-008.yaml"
    spec.write_text(spec.read_text().replace("    memory: 1024\n", "    memory: 2048\n", 1))
    commit(repo, "prod of pl-svc-008: more memory")
    outputs = pipeline.changed()
    assert outputs["plan"] == [{"chunk": "prod-1", "environment": "prod", "roots": f"{PREFIX}-008/prod"}]
    assert outputs["apply_prod"] == outputs["plan"] and outputs["apply_dev"] == []
    _, summary = pipeline.plan(outputs["plan"][0])
    assert summary.count("### ecsform plan: ") == 1 and f"### ecsform plan: {PREFIX}-008/prod" in summary
    timed("one overlay (1 plan)", started)

    # 2. a base with a broken spec, fixed by the change: its roots still count as changed
    started = time.perf_counter()
    spec = repo / "specs" / f"{PREFIX}-009.yaml"
    good = spec.read_text()
    spec.write_text(good.replace("cpu: 256", "cpu: 257", 1))
    commit(repo, "pl-svc-009: a broken cpu on main")
    spec.write_text(good.replace("LOG_LEVEL: info", "LOG_LEVEL: debug"))
    commit(repo, "pl-svc-009: fixed")
    run(shell.commands("changed", CI), repo, {**pipeline.env, "ECSFORM_SINCE": "HEAD~1"})
    listed = json.loads((repo / shell.CHANGED_FILE).read_text())
    assert [c["root"] for c in listed["changed"]] == [f"{PREFIX}-009/dev", f"{PREFIX}-009/prod"]
    proc = run(shell.commands("changed", CI), repo, {**pipeline.env, "ECSFORM_SINCE": "HEAD~1"})
    assert f"HEAD~1:specs/{PREFIX}-009.yaml:4:6: warning CHANGED-BASE: " in proc.stderr, proc.stderr
    timed("a broken base (changed, twice)", started)

    # 3. a module change: every root, in at most 256 jobs (GitHub's matrix limit), one environment per job
    started = time.perf_counter()
    variables = repo / "modules" / "ecs-task-definition" / "variables.tf"
    text = variables.read_text()
    assert 'variable "family" {\n  description = "' in text
    variables.write_text(
        text.replace('variable "family" {\n  description = "', 'variable "family" {\n  description = "Family. ', 1)
    )
    commit(repo, "modules: a variable's description")
    outputs = pipeline.changed()
    plan = outputs["plan"]
    assert len(plan) == 256 <= github.GITHUB_MATRIX_MAX
    assert sorted(r for c in plan for r in c["roots"].split()) == ROOTS  # every root, once
    assert {len(c["roots"].split()) for c in plan} == {1, 2}
    assert sorted(c["chunk"] for c in outputs["apply_dev"] + outputs["apply_prod"]) == sorted(c["chunk"] for c in plan)
    assert all(c["environment"] == "dev" for c in outputs["apply_dev"]) and outputs["apply"] == []
    timed("changed of a module change (300 roots on both sides) and github-matrix", started)
    # the GitLab child pipeline of the same change: at most 48 jobs per environment, valid for GitLab
    started = time.perf_counter()
    child = repo / "child.yml"
    run([f"ecsform ci gitlab-child --changed {shell.CHANGED_FILE} --apply --out {child}"], repo, pipeline.env)
    check = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(child)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    jobs = YAML(typ="safe").load(child.read_text())
    planned = {k: v["variables"]["ECSFORM_ROOTS"].split() for k, v in jobs.items() if k.startswith("plan ")}
    assert sorted(r for roots in planned.values() for r in roots) == ROOTS
    assert len([k for k in planned if k.startswith("plan dev-")]) == gitlab.GITLAB_CHUNKS_PER_ENVIRONMENT
    assert all(len(v["needs"]) <= gitlab.GITLAB_NEEDS_MAX for k, v in jobs.items() if k.startswith("apply "))
    timed("the GitLab child of 300 roots, checked by check-jsonschema", started)
    # one chunk's job, for real: its two roots planned (never applied: they plan their resources)
    started = time.perf_counter()
    chunk = next(c for c in reversed(plan) if len(c["roots"].split()) == 2)
    _, summary = pipeline.plan(chunk)
    for root in chunk["roots"].split():
        section = summary.split(f"### ecsform plan: {root}\n")[1].split("### ecsform plan: ")[0]
        assert "Plan: " in section and " to add, 0 to change, 0 to destroy." in section, section[-2000:]
    assert families(aws) == [f"{PREFIX}-007-dev", f"{PREFIX}-007-prod"]  # planned, nothing applied
    timed(f"one chunk of the module change ({chunk['roots']}) planned", started)

    # 4. the applied spec is removed: the run fails with its roots' names, plans nothing, destroys nothing
    started = time.perf_counter()
    state_before = aws("s3").get_object(Bucket=BUCKET, Key=f"ecsform/{PREFIX}-007/dev/terraform.tfstate")["Body"].read()
    git(repo, "rm", "-q", f"specs/{PREFIX}-007.yaml")
    commit(repo, "pl-svc-007 retired")
    outputs = pipeline.changed()
    assert outputs["plan"] == [] and outputs["removed"] == f"{PREFIX}-007/dev {PREFIX}-007/prod"
    workflow = YAML(typ="safe").load(github.github(project_config.load(repo / "ecsform.yaml")))
    removed = run(
        [workflow["jobs"]["removed"]["steps"][0]["run"]],
        repo,
        {**pipeline.env, "ECSFORM_REMOVED": outputs["removed"]},
        ok=False,
    )
    assert removed.returncode == 1
    assert [line.split("::")[2].split(":")[0] for line in removed.stdout.splitlines()] == [
        f"{PREFIX}-007/dev",
        f"{PREFIX}-007/prod",
    ]
    assert pipeline.applied is not None  # where pl-svc-007/dev was applied: synth there keeps its folder
    git(pipeline.applied, "pull", "-q")
    synth = run(shell.commands("plan", CI)[:1], pipeline.applied, pipeline.env)
    assert f"build/{PREFIX}-007/dev:1:1: warning OUT-ORPHANED" in synth.stderr, synth.stderr
    assert (pipeline.applied / "build" / f"{PREFIX}-007" / "dev" / "main.tf").is_file()
    assert families(aws) == [f"{PREFIX}-007-dev", f"{PREFIX}-007-prod"]
    after = aws("s3").get_object(Bucket=BUCKET, Key=f"ecsform/{PREFIX}-007/dev/terraform.tfstate")["Body"].read()
    assert after == state_before
    timed("a removal", started)
