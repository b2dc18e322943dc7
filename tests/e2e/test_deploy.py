"""`ecsform deploy`, `ecsform run` and `ecsform revisions prune` against this worker's moto server (issue 20,
items 3-5); only the environment points boto3 at moto.

Each command runs through the CLI's own app (typer's runner, in the test's process: exit codes and streams as a
user sees them). The project is the repository's ecsform.yaml with a deploy block for the shared account (the cluster `dt-apps`,
the services named after the family, RunTask on Fargate in the default VPC's subnets) and two specs: the seed's
ETL job (specs/financial-etl.json, as it is) and a web service. The revisions are registered from `ecsform render`
(the same input the roots' task definitions are made of) and named with --task-definition; the path through
Terraform's task_definition_arn output runs in test_pipeline_deploys.py. Two services run the web family: one
without a circuit breaker (ecsform stops waiting at the breaker's threshold, then rolls back), one with the
breaker and its rollback (ECS rolls back; ecsform follows the deployment by its id and reports the failure).
moto_server.py stands in for ECS's scheduler and for the containers (patches 4-7).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from generators.aws import actions

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("deploy")]

FAMILY = "dt-web"
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
WEB = f"""\
family: {FAMILY}
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
containerDefinitions:
  - name: web
    image: {REGISTRY}/dt-web:1.0.0
    readonlyRootFilesystem: true
x-ecsform:
  deploy: {{services: [{FAMILY}, {FAMILY}-cb]}}
"""
# the images of the five revisions: pushed to the registry, except 1.0.3 (never pushed: its tasks cannot pull it)
TAGS = ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.1"]
CRASH = 5  # revision 5 runs a pushed image whose command exits at once


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _run(*args: str, env: dict[str, str], cwd: Path) -> Ran:
    """The CLI's own app, run in this process with typer's runner (the exit code and the two streams as a user
    sees them, without a process start per command): in `cwd`, with exactly the AWS variables of `env`."""
    from typer.testing import CliRunner

    import main

    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("AWS_") and k not in env}
    before = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main.app, list(args), env={**unset, **env}, catch_exceptions=False)
    finally:
        os.chdir(before)
    ran = Ran(result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in ran.stdout + ran.stderr, ran.stderr
    return ran


@pytest.fixture(scope="module")
def project(aws: Any, aws_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("deploy")
    (work / ".git").mkdir()  # the repository's root: ecsform.yaml is searched no higher
    (work / "specs").mkdir()
    shutil.copy(REPO / "specs" / "financial-etl.json", work / "specs")
    (work / "specs" / "web.yaml").write_text(WEB)
    # the bundled ecsform.yaml's moduleSource and lock file, beside it as in the repository
    shutil.copytree(REPO / "modules", work / "modules", ignore=shutil.ignore_patterns(".*"))
    shutil.copy(REPO / "ecsform.lock.hcl", work / "ecsform.lock.hcl")
    ecs, ec2, ecr = aws("ecs"), aws("ec2"), aws("ecr")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s.get("DefaultForAz")][:2]
    group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    bundled = (REPO / "ecsform.yaml").read_text()
    binding = (
        "  deploy:\n"
        "    cluster: dt-apps\n"
        '    services: ["{family}"]\n'
        "    launchType: FARGATE\n"
        f"    network: {{subnets: [{', '.join(subnets)}], securityGroups: [{group}], assignPublicIp: DISABLED}}\n"
    )
    assert "  moduleSource: ./modules\n" in bundled
    config = bundled.replace("  moduleSource: ./modules\n", "  moduleSource: ./modules\n" + binding, 1)
    (work / "ecsform.yaml").write_text(config)
    env = {**aws_env, "ECSFORM_POLL_INTERVAL": "0.1"}
    # the images the builds pushed
    for repository, tags in (("dt-web", {"1.0.0", "1.0.1", "1.0.2"}), ("financial-etl", {"latest"})):
        ecr.create_repository(repositoryName=repository)
        for tag in sorted(tags):
            manifest = json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                    "config": {"digest": f"sha256:{repository}{tag}"},
                }
            )
            ecr.put_image(repositoryName=repository, imageManifest=manifest, imageTag=tag)
    rendered = _run("render", "specs/web.yaml", env=env, cwd=work)
    assert rendered.returncode == 0, rendered.stderr
    task = json.loads(rendered.stdout)
    # without the bundled configuration's default tag, which test_deploy_targets.py looks for on this server
    task.pop("tags", None)
    arns = []
    for number, tag in enumerate(TAGS, 1):
        container = {**task["containerDefinitions"][0], "image": f"{REGISTRY}/dt-web:{tag}"}
        if number == CRASH:
            container["command"] = ["sh", "-c", "exit 1"]
        arns.append(
            ecs.register_task_definition(**{**task, "containerDefinitions": [container]})["taskDefinition"][
                "taskDefinitionArn"
            ]
        )
    ecs.create_cluster(clusterName="dt-apps")
    network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group], "assignPublicIp": "DISABLED"}}
    for name, breaker in ((FAMILY, False), (f"{FAMILY}-cb", True)):
        ecs.create_service(
            cluster="dt-apps",
            serviceName=name,
            taskDefinition=arns[0],
            desiredCount=2,
            launchType="FARGATE",
            networkConfiguration=network,
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": breaker, "rollback": breaker}},
        )
    return {"work": work, "env": env, "arns": arns, "ecs": ecs, "subnets": subnets}


def running(ecs: Any) -> dict[str, tuple[str, ...]]:
    """Each service's deployments' revisions (PRIMARY first), once ECS has settled (a rollback ECS started goes on
    after the command returned: a few looks, as the scheduler stand-in moves one step per look)."""
    for _ in range(5):
        out = {}
        for s in ecs.describe_services(cluster="dt-apps", services=[FAMILY, f"{FAMILY}-cb"])["services"]:
            out[s["serviceName"]] = tuple(d["taskDefinition"].rsplit("/", 1)[-1] for d in s["deployments"])
        if all(len(v) == 1 for v in out.values()):
            break
    return out


def test_deploy_rolls_out_fails_rolls_back_and_prune_keeps_what_runs(project: dict[str, Any]) -> None:
    work, env, arns, ecs = project["work"], project["env"], project["arns"], project["ecs"]

    def deploy(revision: int, *more: str) -> Any:
        return _run("deploy", "specs/web.yaml", "--task-definition", arns[revision - 1], *more, env=env, cwd=work)

    # a dry run says what would change and changes nothing
    dry = deploy(2, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"would point {FAMILY} at {FAMILY}:2 (it runs {FAMILY}:1)" in dry.stdout
    assert running(ecs) == {FAMILY: (f"{FAMILY}:1",), f"{FAMILY}-cb": (f"{FAMILY}:1",)}

    # the services move to revision 2; the command returns once both rollouts completed
    ok = deploy(2)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    for name in (FAMILY, f"{FAMILY}-cb"):
        assert f"{name}: {FAMILY}:1 -> {FAMILY}:2 (deployment ecs-svc/" in ok.stdout
        assert f"{name}: {FAMILY}:2 IN_PROGRESS" in ok.stdout  # each step, as it happens
        assert f"{name}: healthy: {FAMILY}:2 COMPLETED: 2/2 running, service stable" in ok.stdout
    assert running(ecs) == {FAMILY: (f"{FAMILY}:2",), f"{FAMILY}-cb": (f"{FAMILY}:2",)}
    assert "already runs" in deploy(2).stdout  # again: nothing to do, no new deployment

    # a rollout that does not finish in time fails too (and is rolled back): the deployment goes on in ECS otherwise
    late = deploy(4, "--timeout", "1", "--poll-interval", "2", "--rollback")
    assert late.returncode == 1 and f"{FAMILY}: FAILED: not done after 1 s (last: {FAMILY}:4 IN_PROGRESS" in late.stdout
    assert running(ecs) == {FAMILY: (f"{FAMILY}:2",), f"{FAMILY}-cb": (f"{FAMILY}:2",)}

    # revision 4's image was never pushed: the tasks cannot start, the rollout fails, --rollback restores revision 2
    failed = deploy(4, "--rollback")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    out = failed.stdout
    assert "CannotPullContainerError" in out and f"{REGISTRY}/dt-web:1.0.3: not found" in out
    assert f"{FAMILY}: FAILED: 3 task(s) failed to start or stay running" in out  # no breaker: ecsform stops
    assert f"{FAMILY}-cb: FAILED: rollout FAILED: ECS deployment circuit breaker" in out  # the breaker's verdict
    assert f"{FAMILY}: rolling back: {FAMILY}:4 -> {FAMILY}:2" in out
    assert f"{FAMILY}-cb: ECS is rolling back to {FAMILY}:2" in out  # followed, not started again
    assert f"{FAMILY}: rolled back: runs {FAMILY}:2 again, service stable" in out
    assert f"{FAMILY}-cb: rolled back: runs {FAMILY}:2 again, service stable" in out
    assert "deploy failed" in failed.stderr
    assert running(ecs) == {FAMILY: (f"{FAMILY}:2",), f"{FAMILY}-cb": (f"{FAMILY}:2",)}

    assert deploy(3).returncode == 0
    # revision 5's container exits: the stopped tasks' exit code is named; without --rollback it stays failed
    crashed = deploy(5)
    assert crashed.returncode == 1
    assert "stopped (EssentialContainerExited): Essential container in task exited" in crashed.stdout
    assert "container web: exit code 1" in crashed.stdout and "`ecsform deploy --rollback`" in crashed.stdout
    assert running(ecs)[f"{FAMILY}-cb"] == (f"{FAMILY}:3",)  # ECS's breaker rolled it back by itself
    assert deploy(3).returncode == 0  # the service without a breaker is pointed back by hand

    # five revisions, four deploys: prune keeps the two newest and the one the services run
    def active() -> list[int]:
        listed = ecs.list_task_definitions(familyPrefix=FAMILY, status="ACTIVE")["taskDefinitionArns"]
        return sorted(int(a.rsplit(":", 1)[1]) for a in listed)

    dry = _run("revisions", "prune", "specs/web.yaml", "--keep", "2", "--dry-run", env=env, cwd=work)
    assert dry.returncode == 0, dry.stderr
    assert f"would deregister {FAMILY}:1" in dry.stdout and f"keeps {FAMILY}:3 (runs in dt-apps/{FAMILY}" in dry.stdout
    assert active() == [1, 2, 3, 4, 5]
    pruned = _run("revisions", "prune", "specs/web.yaml", "--keep", "2", "--delete", env=env, cwd=work)
    assert pruned.returncode == 0, pruned.stderr
    assert active() == [3, 4, 5]
    assert f"deletes {FAMILY}:1" in pruned.stdout and f"deletes {FAMILY}:2" in pruned.stdout
    inactive = ecs.list_task_definitions(familyPrefix=FAMILY, status="INACTIVE")["taskDefinitionArns"]
    assert inactive == []  # deleted, not only deregistered
    assert running(ecs) == {FAMILY: (f"{FAMILY}:3",), f"{FAMILY}-cb": (f"{FAMILY}:3",)}


def test_run_the_seeds_etl_job_and_exit_with_its_code(project: dict[str, Any], aws: Any) -> None:
    work, env = project["work"], project["env"]
    rendered = _run("render", "specs/financial-etl.json", env=env, cwd=work)
    assert rendered.returncode == 0, rendered.stderr
    task = {k: v for k, v in json.loads(rendered.stdout).items() if k != "tags"}  # see `project`
    arn = aws("ecs").register_task_definition(**task)["taskDefinition"]["taskDefinitionArn"]
    job = _run("run", "specs/financial-etl.json", "--task-definition", arn, env=env, cwd=work)
    assert job.returncode == 0, job.stdout + job.stderr
    assert "exit code 0: every essential container exited with 0" in job.stdout
    task_id = job.stdout.split("as task ", 1)[1].split()[0]
    assert f"logs of etl: group /ecs/financial-etl, stream ecs/etl/{task_id} (us-east-1)" in job.stdout
    failing = _run(
        "run",
        "specs/financial-etl.json",
        "--task-definition",
        arn,
        "--override",
        'etl.command=["sh", "-c", "exit 3"]',
        "--override",
        "environment.BATCH_SIZE=10",
        env=env,
        cwd=work,
    )
    assert failing.returncode == 3, failing.stdout + failing.stderr
    assert "Essential container in task exited" in failing.stdout and "container etl: exit code 3" in failing.stdout
    started = aws("ecs").list_tasks(cluster="dt-apps", startedBy="ecsform-run", desiredStatus="STOPPED")["taskArns"]
    overrides = aws("ecs").describe_tasks(cluster="dt-apps", tasks=started)["tasks"]
    sent = [t["overrides"]["containerOverrides"] for t in overrides if t.get("overrides", {}).get("containerOverrides")]
    assert sent == [
        [
            {
                "name": "etl",
                "command": ["sh", "-c", "exit 3"],
                "environment": [{"name": "BATCH_SIZE", "value": "10"}],
            }
        ]
    ]


def test_bad_input_is_a_finding_and_changes_nothing(project: dict[str, Any], aws: Any) -> None:
    work, env, arns, ecs = project["work"], project["env"], project["arns"], project["ecs"]

    for name, text in (
        ("cluster.yaml", "defaults: {accountId: '123456789012', region: us-east-1, deploy: {cluster: dt-aps}}\n"),
        ("service.yaml", "defaults: {accountId: '123456789012', region: us-east-1, deploy: {cluster: dt-apps}}\n"),
    ):
        (work / name).write_text(text)
    web = (work / "specs" / "web.yaml").read_text()
    (work / "specs" / "typo.yaml").write_text(
        web.replace("family: dt-web", "family: dt-wb").replace(f"[{FAMILY}, {FAMILY}-cb]", "[dt-wbe]")
    )
    before = (running(ecs), sorted(ecs.list_task_definitions(familyPrefix=FAMILY)["taskDefinitionArns"]))
    files_before = sorted(p for p in work.rglob("*") if p.is_file())
    no_credentials = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    other = arns[0].replace(f"/{FAMILY}:", "/financial-etl:")
    cases = [
        (
            ["deploy", "specs/web.yaml", "--config", "cluster.yaml", "--task-definition", arns[2]],
            env,
            "cluster.yaml:1:76: error DEPLOY-CLUSTER: defaults.deploy.cluster: no cluster 'dt-aps'",
            "did you mean 'dt-apps'?",
        ),
        (
            [
                "deploy",
                "specs/typo.yaml",
                "--config",
                "service.yaml",
                "--task-definition",
                arns[2].replace(FAMILY, "dt-wb"),
            ],
            env,
            "DEPLOY-REVISION",
            None,
        ),  # a revision of its family that was never registered
        (
            ["deploy", "specs/web.yaml", "--task-definition", other],
            env,
            "--task-definition:1:1: error DEPLOY-FAMILY: financial-etl:1 is a revision of family financial-etl",
            "name a revision of dt-web",
        ),
        (
            ["deploy", "specs/web.yaml", "--task-definition", arns[2]],
            no_credentials,
            "error AWS-CREDENTIALS",
            "credentials",
        ),
        (["deploy", "specs/web.yaml", "--env", "prod"], env, "--env:1:1: error ENV-UNKNOWN", None),
        (["deploy", "specs/nope.yaml"], env, "specs/nope.yaml:1:1: error SPEC-READ", None),
        (
            ["deploy", "specs/web.yaml"],
            env,
            "build/dt-web:1:1: error DEPLOY-REVISION: no root in build/dt-web",
            "--task-definition",
        ),
        (["run", "specs/financial-etl.json", "--task-definition", arns[0]], env, "DEPLOY-FAMILY", None),
        (
            ["run", "specs/web.yaml", "--task-definition", arns[2], "--override", "wbe.command=x"],
            env,
            "wbe.command=x:1:1: error RUN-OVERRIDE: 'wbe' is not a container of the task",
            "did you mean 'web'?",
        ),
        (
            ["revisions", "prune", "specs/web.yaml", "--keep", "1", "--config", "cluster.yaml"],
            env,
            "DEPLOY-CLUSTER",
            None,
        ),
    ]
    for args, run_env, expected, hint in cases:
        proc = _run(*args, env={**run_env, "AWS_MAX_ATTEMPTS": "1"}, cwd=work)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert expected in proc.stderr, (args, proc.stderr)
        assert hint is None or hint in proc.stderr, (args, proc.stderr)
    # a root no service is bound to: a no-op that says so (the job's binding has a cluster, no services)
    idle = _run("deploy", "specs/financial-etl.json", "--config", "service.yaml", env=env, cwd=work)
    assert idle.returncode == 0, idle.stderr
    assert "financial-etl: no service is bound to it: nothing to deploy" in idle.stdout
    # an unknown service, with the cluster's services as the hint
    typo = _run(
        "deploy", "specs/typo.yaml", "--config", "service.yaml", "--task-definition", arns[2], env=env, cwd=work
    )
    assert typo.returncode == 2 and "DEPLOY-FAMILY" in typo.stderr  # dt-web's revision for dt-wb's root: refused first
    registered = aws("ecs").register_task_definition(
        family="dt-wb", containerDefinitions=[{"name": "web", "image": "x", "memory": 64}]
    )
    arn = registered["taskDefinition"]["taskDefinitionArn"]
    typo = _run("deploy", "specs/typo.yaml", "--config", "service.yaml", "--task-definition", arn, env=env, cwd=work)
    assert (
        typo.returncode == 2
        and "specs/typo.yaml:11:23: error DEPLOY-SERVICE: x-ecsform.deploy.services[0]: no service 'dt-wbe'"
        in typo.stderr
    ), typo.stderr
    assert "did you mean 'dt-web'?" in typo.stderr
    aws("ecs").deregister_task_definition(taskDefinition=registered["taskDefinition"]["taskDefinitionArn"])
    (work / "specs" / "typo.yaml").unlink()
    assert (running(ecs), sorted(ecs.list_task_definitions(familyPrefix=FAMILY)["taskDefinitionArns"])) == before
    for name in ("cluster.yaml", "service.yaml"):
        (work / name).unlink()
    assert sorted(p for p in work.rglob("*") if p.is_file()) == [
        p for p in files_before if p.name not in ("cluster.yaml", "service.yaml", "typo.yaml")
    ]


def test_each_command_calls_only_the_actions_it_documents(
    project: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """generators/aws/actions.py is the list of what each command calls (docs/deploy.md's table): the calls the
    commands make, recorded as botocore makes them, are in it."""
    import botocore.client

    from generators import config as project_config
    from generators.operations import pruning, rollout, run_task
    from generators.options import Options

    work, env, arns = project["work"], project["env"], project["arns"]
    for key, value in env.items():
        if key.startswith("AWS_") or key == "ECSFORM_POLL_INTERVAL":
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(work)
    called: list[str] = []
    make = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation: str, params: dict[str, Any]) -> Any:
        called.append(f"{self.meta.service_model.signing_name}:{operation}")
        return make(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    options = Options(config=project_config.load(work / "ecsform.yaml"))
    lines: list[str] = []
    for command, call in (
        (
            "deploy",
            lambda: rollout.deploy(
                ["specs/web.yaml"], options, lines.append, task_definition=arns[3], rollback=True, interval=0.05
            ),
        ),
        (
            "run",
            lambda: run_task.run("specs/web.yaml", None, options, lines.append, task_definition=arns[2], interval=0.05),
        ),
        (
            "revisions prune",
            lambda: pruning.prune(["specs/web.yaml"], options, lines.append, keep=5, delete=True, dry_run=True),
        ),
    ):
        called.clear()
        call()
        names = set(called)
        assert names and names <= actions.actions(command), (command, names - actions.actions(command))
    assert any("rolled back" in line for line in lines)
    os.environ.pop("ECSFORM_POLL_INTERVAL", None)
