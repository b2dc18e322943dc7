"""The pipeline run for real (issue 13 item 5): a git repository of 20 specs with a dev and a prod overlay each, its
ecsform.yaml keeping every root's state in an S3 bucket on moto, and the commands the generated GitHub workflow
runs, in order, as its jobs run them (shell commands reading ECSFORM_SINCE and ECSFORM_DIR from the environment):

1. one prod overlay changes: `ecsform changed --since HEAD~1 --format github-matrix` names exactly that root, and
   its job (synth, init, plan -out, apply) plans and applies it: the account then holds that task definition and
   the bucket that state object, nothing else;
2. a module changes (a variable's description in the repository's copy of modules/): every root is in the matrix,
   and every root plans;
3. the spec of the applied root is removed: `changed` reports both its roots as `removed` and none as changed, so
   the workflow plans nothing; synth keeps the applied root's folder, and the task definition and its state stay.

The wall time of the one-root job and of planning all 40 roots is printed (pytest -s shows it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from generators import ci
from generators.config import CiConfig

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.xdist_group("pipeline")]

SPECS = 20
PREFIX = "pl-svc"  # families no other test registers
BUCKET = "e2e-pipeline-tfstate"
CHANGED_ROOT = f"{PREFIX}-07/prod"
PLAN_JOBS = 4

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
    environment: {{LOG_LEVEL: info}}
environments:
  dev:
    containerDefinitions:
      - name: app
        environment: {{DEBUG: "true"}}
  prod:
    cpu: 512
    memory: 1024
"""

# The commands of the workflow's jobs, from the one place the generated pipelines take them (generators/ci.py), with
# the ci: block's defaults (specs/ in, build/ out): the `changed` job, then per root of its matrix the plan job and,
# on the default branch, the apply job. APPLY synthesizes first, as a job does; the 40 plans run after one synth
# (in CI each job synthesizes in its own checkout; here they share one folder).
CI = CiConfig()
CHANGED = ci.commands("changed", CI)
SYNTH = [c for c in ci.commands("plan", CI) if c not in ci.commands("plan", CI, synth=False)]
PLAN = ci.commands("plan", CI, synth=False)
APPLY = ci.commands("apply", CI)


def run(commands: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a job's commands in order with bash, as a CI runner does (stop at the first failure); the output without
    terminal colours."""
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(commands)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"{commands} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def matrix(repo: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    out = run(CHANGED, repo, {**env, "ECSFORM_SINCE": "HEAD~1"})
    assert len(out.splitlines()) == 1, out  # one line: what $GITHUB_OUTPUT takes
    return json.loads(out)["include"]


def families(aws: Any) -> list[str]:
    found = aws("ecs").list_task_definition_families(familyPrefix=PREFIX, status="ACTIVE")["families"]
    return sorted(found)


def state_keys(aws: Any) -> list[str]:
    return sorted(o["Key"] for o in aws("s3").list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.fixture(scope="module")
def repo(aws_env: dict[str, str], aws: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The committed repository: specs/, ecsform.yaml, a copy of modules/; the state bucket on moto; the job's
    environment (ecsform and terraform on PATH, the plugin cache, moto's endpoint and credentials)."""
    work = tmp_path_factory.mktemp("pipeline")
    repo = work / "repo"
    (repo / "specs").mkdir(parents=True)
    for i in range(SPECS):
        (repo / "specs" / f"{PREFIX}-{i:02d}.yaml").write_text(SPEC.format(family=f"{PREFIX}-{i:02d}"))
    (repo / "ecsform.yaml").write_text(CONFIG)
    shutil.copytree(REPO / "modules", repo / "modules", ignore=shutil.ignore_patterns(".*"))
    (repo / ".gitignore").write_text("build/\n")
    git(repo, "init", "-q")
    commit(repo, "20 services, dev and prod")
    aws("s3").create_bucket(Bucket=BUCKET)
    cache = work / "plugin-cache"
    cache.mkdir()
    # moto serves every bucket on one host: the S3 backend must address it by path (on AWS it needs nothing); the
    # environment adds the flag to the job's own `terraform init`, as a runner's environment would
    env = {
        **aws_env,
        "TF_PLUGIN_CACHE_DIR": str(cache),
        "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE": "true",
        "TF_CLI_ARGS_init": "-backend-config=use_path_style=true",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{aws_env['PATH']}",
    }
    assert shutil.which("ecsform", path=env["PATH"]) == str(Path(sys.executable).parent / "ecsform")
    return repo, env


def job_env(env: dict[str, str], item: dict[str, Any]) -> dict[str, str]:
    """What the workflow sets from a matrix item: the variables ci.job_environment names, for the dir the matrix says."""
    job = ci.job_environment(CI, item["root"], item["environment"])
    assert job["ECSFORM_DIR"] == item["dir"], (job, item)
    return {**env, **job}


def test_a_change_plans_what_it_touches_and_a_removal_destroys_nothing(
    repo: tuple[Path, dict[str, str]], aws: Any
) -> None:
    repo_dir, env = repo

    # 1. one prod overlay: exactly that root is planned and applied
    spec = repo_dir / "specs" / f"{PREFIX}-07.yaml"
    spec.write_text(
        spec.read_text() + "    containerDefinitions:\n      - name: app\n"
        "        environment: {FEATURE_FLAGS: checkout-v2}\n"
    )
    commit(repo_dir, "prod of pl-svc-07: a feature flag")
    items = matrix(repo_dir, env)
    assert items == [{"root": CHANGED_ROOT, "environment": "prod", "dir": f"build/{CHANGED_ROOT}"}]
    start = time.perf_counter()
    applied = run(APPLY, repo_dir, job_env(env, items[0]))
    one_root = time.perf_counter() - start
    assert "Apply complete! Resources:" in applied
    assert families(aws) == [f"{PREFIX}-07-prod"]
    assert state_keys(aws) == [f"ecsform/{CHANGED_ROOT}/terraform.tfstate"]
    registered = aws("ecs").describe_task_definition(taskDefinition=f"{PREFIX}-07-prod")["taskDefinition"]
    assert {"name": "FEATURE_FLAGS", "value": "checkout-v2"} in registered["containerDefinitions"][0]["environment"]
    state_before = aws("s3").get_object(Bucket=BUCKET, Key=f"ecsform/{CHANGED_ROOT}/terraform.tfstate")["Body"].read()

    # 2. a module change: every root is in the matrix, and every root plans
    variables = repo_dir / "modules" / "ecs-task-definition" / "variables.tf"
    text = variables.read_text()
    assert 'variable "family" {\n  description = "' in text
    variables.write_text(
        text.replace(
            'variable "family" {\n  description = "',
            'variable "family" {\n  description = "Task definition family. ',
            1,
        )
    )
    commit(repo_dir, "modules: a variable's description")
    items = matrix(repo_dir, env)
    every = [f"{PREFIX}-{i:02d}/{e}" for i in range(SPECS) for e in ("dev", "prod")]
    assert [i["root"] for i in items] == every
    start = time.perf_counter()
    run(SYNTH, repo_dir, env)
    with ThreadPoolExecutor(PLAN_JOBS) as pool:  # the matrix's jobs run side by side
        plans = list(pool.map(lambda item: run(PLAN, repo_dir, job_env(env, item)), items))
    all_roots = time.perf_counter() - start
    for item, out in zip(items, plans):
        if item["root"] == CHANGED_ROOT:  # applied: a description is no change to AWS
            assert "No changes." in out, out[-2000:]
        else:
            assert "Plan: " in out and " to add, 0 to change, 0 to destroy." in out, out[-2000:]
    assert families(aws) == [f"{PREFIX}-07-prod"]  # planned, nothing applied
    print(
        f"\npipeline timings: the one-root job (synth, init, plan, apply) {one_root:.1f} s; planning all "
        f"{len(items)} roots (synth, then init and plan, {PLAN_JOBS} jobs at a time) {all_roots:.1f} s"
    )

    # 3. the applied root's spec is removed: reported as removed, nothing planned, nothing destroyed
    git(repo_dir, "rm", "-q", f"specs/{PREFIX}-07.yaml")
    commit(repo_dir, "pl-svc-07 retired")
    assert matrix(repo_dir, env) == []
    proc = subprocess.run(
        ["ecsform", "changed", "specs", "--since", "HEAD~1", "--format", "json"],
        cwd=repo_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "changed": [],
        "removed": [
            {"root": f"{PREFIX}-07/dev", "environment": "dev", "spec": f"specs/{PREFIX}-07.yaml"},
            {"root": f"{PREFIX}-07/prod", "environment": "prod", "spec": f"specs/{PREFIX}-07.yaml"},
        ],
    }
    synth = subprocess.run(
        ["ecsform", "synth", "specs", "--out", "build"], cwd=repo_dir, env=env, capture_output=True, text=True
    )
    assert synth.returncode == 0, synth.stderr
    assert f"build/{CHANGED_ROOT}:1:1: warning OUT-ORPHANED" in synth.stderr
    assert (repo_dir / "build" / CHANGED_ROOT / "main.tf").is_file()
    assert families(aws) == [f"{PREFIX}-07-prod"]
    assert f"ecsform/{CHANGED_ROOT}/terraform.tfstate" in state_keys(aws)
    after = aws("s3").get_object(Bucket=BUCKET, Key=f"ecsform/{CHANGED_ROOT}/terraform.tfstate")["Body"].read()
    assert after == state_before
