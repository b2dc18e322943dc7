"""The path from a build to a running service, for real (issue 20): a git repository with the bundled ecsform.yaml
(dev in account 111111111111, prod in 222222222222 and eu-west-1, the state in the shared account's S3 bucket, every
role assumed through moto's STS), a service spec bound to a service in each account, and the commands of the
generated GitHub workflow run in order, as its jobs run them (generators/ci/shell.py's commands):

1. a service's CI dispatches an image for dev: the `record` job (ecsform image set, commit, push to the default
   branch of the repository's origin), then `changed` on that commit names exactly the dev root, its `plan` job
   plans it, and its `apply` job applies that reviewed plan and deploys it: the dev service runs the revision with
   the new image once its rollout completed;
2. the spec's environment variable changes: both roots change, and the dev plan changes the variable and keeps the
   deployed image (the plan's JSON says what the task definition becomes);
3. `ecsform image promote --from dev --to prod`: exactly the prod root is planned, applied and deployed, with
   exactly dev's image (a change of prod alone: nothing of it for prod to wait for in dev).

The revision `ecsform deploy` moves the services to is the one each root registered (its task_definition_arn
output, read by `terraform output` in the job).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from generators import config as project_config
from generators.ci import environments, github, shell

from .test_deploy_targets import session_in

# after test_deploy_targets.py on the same worker: its checks count the bundled configuration's resources there
pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.xdist_group("deploy-targets")]

FAMILY = "dp-web"
OLD, NEW = "public.ecr.aws/nginx/nginx:1.27", "public.ecr.aws/nginx/nginx:1.28"
SPEC = f"""\
family: {FAMILY}
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
containerDefinitions:
  - name: web
    image: {OLD}
    readonlyRootFilesystem: true
    environment: {{LOG_LEVEL: INFO}}
x-ecsform:
  deploy: {{cluster: dp-apps, services: [{FAMILY}]}}
environments:
  dev: {{}}
  prod: {{}}
"""
WHERE = {"dev": ("111111111111", "us-east-1"), "prod": ("222222222222", "eu-west-1")}


def run(commands: list[str], cwd: Path, env: dict[str, str]) -> str:
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


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="module")
def repo(aws_env: dict[str, str], aws: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("deploys")
    repo, origin = work / "repo", work / "origin.git"
    (repo / "specs").mkdir(parents=True)
    shutil.copy(REPO / "ecsform.yaml", repo / "ecsform.yaml")  # the bundled configuration, as it is
    shutil.copy(REPO / "ecsform.lock.hcl", repo / "ecsform.lock.hcl")  # and its lock file (terraform.lockPlatforms)
    (repo / "specs" / f"{FAMILY}.yaml").write_text(SPEC)
    shutil.copytree(REPO / "modules", repo / "modules", ignore=shutil.ignore_patterns(".*"))
    (repo / ".gitignore").write_text(f"build/\n{shell.CHANGED_FILE}\nsummary.md\n")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "the web service, dev and prod")
    git(repo, "remote", "add", "origin", str(origin))
    git(repo, "push", "-q", "origin", "main")
    config = project_config.load(repo / "ecsform.yaml")
    bucket = config.model.backend.s3.bucket  # type: ignore[union-attr]
    if bucket not in [b["Name"] for b in aws("s3").list_buckets()["Buckets"]]:  # test_deploy_targets.py may have
        aws("s3").create_bucket(Bucket=bucket)
    # the services another root owns, in each environment's account, on a revision of their own
    for env, (account, region) in WHERE.items():
        clients = session_in(aws, account)
        ec2, ecs = clients("ec2", region), clients("ecs", region)
        subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s.get("DefaultForAz")][:1]
        group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
        first = ecs.register_task_definition(
            family=f"{FAMILY}-{env}",
            containerDefinitions=[{"name": "web", "image": OLD}],
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_cluster(clusterName="dp-apps")
        ecs.create_service(
            cluster="dp-apps",
            serviceName=FAMILY,
            taskDefinition=first,
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group]}},
        )
    cache = work / "plugin-cache"
    cache.mkdir()
    env = {
        **aws_env,
        "TF_PLUGIN_CACHE_DIR": str(cache),  # with lock files, as the workflow: no TF_PLUGIN_CACHE_MAY_BREAK_...
        "TF_CLI_ARGS_init": "-backend-config=use_path_style=true",  # moto serves every bucket on one host
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{aws_env['PATH']}",
        "ECSFORM_POLL_INTERVAL": "0.1",
    }
    return {"repo": repo, "origin": origin, "env": env, "ci": environments.settings(config), "config": config}


def job(env: dict[str, str], settings: Any, item: dict[str, Any]) -> dict[str, str]:
    return {**env, **shell.job_environment(settings, item["roots"].split(), item["environment"])}


def matrix(repo: Path, env: dict[str, str], settings: Any, since: str) -> list[dict[str, Any]]:
    """The changed job: its plan matrix (the apply jobs take the same chunks, by environment)."""
    run(shell.commands("changed", settings), repo, {**env, "ECSFORM_SINCE": since})
    outputs = run([f"ecsform ci github-matrix --changed {shell.CHANGED_FILE}"], repo, env)
    return json.loads(outputs.splitlines()[0].removeprefix("plan="))["include"]


def plan_and_apply(repo: Path, env: dict[str, str], settings: Any, item: dict[str, Any]) -> str:
    """The plan job (the plan saved with its receipt), then, after the approval, the apply job: exactly that plan
    applied, then deployed (one checkout here: the plan is where the artifact would bring it)."""
    run(shell.commands("plan", settings), repo, job(env, settings, item))
    return run(shell.commands("apply", settings), repo, job(env, settings, item))


def service(aws: Any, env: str) -> tuple[str, dict[str, Any]]:
    """The revision the environment's service runs, and that revision's container."""
    account, region = WHERE[env]
    ecs = session_in(aws, account)("ecs", region)
    for _ in range(3):  # the scheduler stand-in moves one step per look (a service created here starts its tasks)
        described = ecs.describe_services(cluster="dp-apps", services=[FAMILY])["services"][0]
        if len(described["deployments"]) == 1 and described["deployments"][0]["rolloutState"] == "COMPLETED":
            break
    assert [d["rolloutState"] for d in described["deployments"]] == ["COMPLETED"]
    arn = described["taskDefinition"]
    return arn, ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][0]


def test_dispatch_apply_deploy_then_a_spec_change_keeps_the_image_and_promote_moves_it(
    repo: dict[str, Any], aws: Any
) -> None:
    path, env, settings = repo["repo"], repo["env"], repo["ci"]

    # 1. the dispatch path: record (ecsform image set, commit, push), changed, apply and deploy on that commit
    since = git(path, "rev-parse", "HEAD").strip()
    inputs = {
        "ECSFORM_SPEC": f"specs/{FAMILY}.yaml",
        "ECSFORM_DEPLOY_ENVIRONMENT": "dev",
        "ECSFORM_CONTAINER": "web",
        "ECSFORM_IMAGE": NEW,
        "ECSFORM_BRANCH": "main",
        "GIT_AUTHOR_NAME": github.BOT[0],
        "GIT_AUTHOR_EMAIL": github.BOT[1],
        "GIT_COMMITTER_NAME": github.BOT[0],
        "GIT_COMMITTER_EMAIL": github.BOT[1],
    }
    images = repo["config"].model.images.folder
    run(shell.commands("record", settings, images=images) + shell.commands("push", settings), path, {**env, **inputs})
    head = git(path, "rev-parse", "HEAD").strip()
    assert git(repo["origin"], "rev-parse", "main").strip() == head != since  # pushed to the default branch
    assert git(path, "show", "--stat", "--format=%s", "HEAD").splitlines()[0] == (
        f"ecsform: deploy web={NEW} to specs/{FAMILY}.yaml (dev)"
    )
    assert (path / "images" / FAMILY / "dev.yaml").read_text().splitlines()[-1] == f"web: {NEW}"
    items = matrix(path, env, settings, since)
    assert items == [{"chunk": "dev-1", "environment": "dev", "roots": f"{FAMILY}/dev"}]
    out = plan_and_apply(path, env, settings, items[0])
    assert "Apply complete!" in out
    assert f"{FAMILY}: healthy: {FAMILY}-dev:2 COMPLETED: 1/1 running, service stable" in out
    arn, container = service(aws, "dev")
    assert arn.startswith("arn:aws:ecs:us-east-1:111111111111:task-definition/dp-web-dev:2")
    assert container["image"] == NEW and {"name": "LOG_LEVEL", "value": "INFO"} in container["environment"]
    assert service(aws, "prod")[0].endswith(f"{FAMILY}-prod:1")  # nothing deployed there

    # 2. a spec change: the plan changes the variable and keeps the deployed image
    spec = path / "specs" / f"{FAMILY}.yaml"
    spec.write_text(spec.read_text().replace("LOG_LEVEL: INFO", "LOG_LEVEL: DEBUG"))
    git(path, "commit", "-qam", "log level debug")
    items = matrix(path, env, settings, "HEAD~1")
    assert [i["roots"] for i in items] == [f"{FAMILY}/dev", f"{FAMILY}/prod"]
    dev = job(env, settings, items[0])
    summary = path / "summary.md"
    run(shell.commands("plan", settings), path, {**dev, "GITHUB_STEP_SUMMARY": str(summary)})
    planned_text = summary.read_text()
    assert "Plan: 1 to add" in planned_text  # a new revision (the replaced one stays ACTIVE: skipDestroy)
    plan = json.loads(run([f'terraform -chdir="build/{FAMILY}/dev" show -json tfplan'], path, dev))
    registered = [c["change"]["after"] for c in plan["resource_changes"] if c["type"] == "aws_ecs_task_definition"]
    assert len(registered) == 1
    planned = json.loads(registered[0]["container_definitions"])[0]
    assert planned["image"] == NEW and {"name": "LOG_LEVEL", "value": "DEBUG"} in planned["environment"]

    # 3. promote: exactly dev's image to prod, one root planned, applied and deployed
    proc = subprocess.run(
        ["ecsform", "image", "promote", f"specs/{FAMILY}.yaml", "--from", "dev", "--to", "prod"],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"images/{FAMILY}/prod.yaml: web: {OLD} -> {NEW}\n"
    git(path, "add", "-A")
    git(path, "commit", "-qm", "promote dev to prod")
    assert git(path, "show", "--format=", "--name-only", "HEAD").split() == [f"images/{FAMILY}/prod.yaml"]
    items = matrix(path, env, settings, "HEAD~1")
    assert items == [{"chunk": "prod-1", "environment": "prod", "roots": f"{FAMILY}/prod"}]
    out = plan_and_apply(path, env, settings, items[0])  # promoted: prod's change alone, nothing to wait for
    assert f"{FAMILY}: healthy: {FAMILY}-prod:2 COMPLETED" in out
    arn, container = service(aws, "prod")
    assert arn.startswith("arn:aws:ecs:eu-west-1:222222222222:task-definition/dp-web-prod:2")
    assert container["image"] == NEW and {"name": "LOG_LEVEL", "value": "DEBUG"} in container["environment"]
