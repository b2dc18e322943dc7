"""What `ecsform deploy`, `run` and `revisions prune` decide from what ECS says (issue 20, items 3-5), as pure
functions of DescribeServices / DescribeTasks data; the bindings of ecsform.yaml and x-ecsform; the CI commands.
Against ECS (moto, patched where it departs from AWS) in tests/e2e/test_deploy.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ecsform

from generators import config as project_config
from generators.aws import actions, revisions, tasks
from generators.aws import deploy as ecs_deploy
from generators.ci import shell
from generators.config import CiConfig
from generators.errors import EcsformError

OLD = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"
NEW = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:4"


def deployment(id: str, td: str, status: str = "PRIMARY", state: str = "IN_PROGRESS", **counts: int) -> dict:
    return {
        "id": id,
        "status": status,
        "taskDefinition": td,
        "rolloutState": state,
        "desiredCount": counts.get("desired", 2),
        "runningCount": counts.get("running", 0),
        "pendingCount": counts.get("pending", 0),
        "failedTasks": counts.get("failed", 0),
    }


def service(*deployments: dict, running: int = 2, breaker: bool = False) -> dict:
    return {
        "serviceName": "web",
        "desiredCount": 2,
        "runningCount": running,
        "deployments": list(deployments),
        "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": breaker, "rollback": breaker}},
    }


WATCH = ecs_deploy.Watch("apps", "web", "ecs-svc/new", NEW, OLD)


def test_the_circuit_breakers_threshold() -> None:
    assert [ecs_deploy.failure_threshold(d) for d in (0, 1, 6, 7, 10, 399, 400, 10000)] == [
        3,
        3,
        3,
        4,
        5,
        200,
        200,
        200,
    ]


def test_done_means_our_deployment_completed_alone_and_the_service_is_stable() -> None:
    going = service(deployment("ecs-svc/new", NEW, running=2), deployment("ecs-svc/old", OLD, "ACTIVE", "COMPLETED"))
    assert ecs_deploy.evaluate(going, WATCH) is None  # the old deployment still drains
    done = service(deployment("ecs-svc/new", NEW, state="COMPLETED", running=2))
    outcome = ecs_deploy.evaluate(done, WATCH)
    assert outcome is not None and outcome.ok and "COMPLETED" in outcome.message
    short = service(deployment("ecs-svc/new", NEW, state="COMPLETED", running=2), running=1)
    assert ecs_deploy.evaluate(short, WATCH) is None  # the services-stable criterion too


def test_a_rollback_that_makes_the_service_stable_is_a_failure() -> None:
    """aws-actions/amazon-ecs-deploy-task-definition#191: stable again, on the old revision, is not a success."""
    rolled = service(deployment("ecs-svc/back", OLD, state="COMPLETED", running=2))
    outcome = ecs_deploy.evaluate(rolled, WATCH)
    assert outcome is not None and not outcome.ok and "ECS rolled back" in outcome.message
    failed = service(
        deployment("ecs-svc/back", OLD, running=2),
        deployment("ecs-svc/new", NEW, "ACTIVE", "FAILED", failed=3),
        breaker=True,
    )
    failed["deployments"][1]["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
    outcome = ecs_deploy.evaluate(failed, WATCH)
    assert outcome is not None and not outcome.ok
    assert (
        "rollout FAILED: ECS deployment circuit breaker" in outcome.message
        and "rolling back to web:3" in outcome.message
    )


def test_failed_tasks_without_a_circuit_breaker_stop_the_wait_at_its_threshold() -> None:
    failing = service(deployment("ecs-svc/new", NEW, failed=2), deployment("ecs-svc/old", OLD, "ACTIVE", "COMPLETED"))
    assert ecs_deploy.evaluate(failing, WATCH) is None
    failing["deployments"][0]["failedTasks"] = 3
    outcome = ecs_deploy.evaluate(failing, WATCH)
    assert outcome is not None and not outcome.ok and "no circuit breaker" in outcome.message
    # with the breaker on, ECS decides: failed tasks alone do not end the wait
    assert ecs_deploy.evaluate({**failing, **service(*failing["deployments"], breaker=True)}, WATCH) is None


def test_stopped_tasks_read_as_people_read_them() -> None:
    lines = ecs_deploy.task_lines(
        {
            "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/apps/abc",
            "stopCode": "TaskFailedToStart",
            "stoppedReason": "CannotPullContainerError: x: not found",
            "containers": [
                {"name": "app", "reason": "CannotPullContainerError: x: not found"},
                {"name": "log", "exitCode": 0},
            ],
        }
    )
    assert lines == [
        "task abc stopped (TaskFailedToStart): CannotPullContainerError: x: not found",
        "  container app: CannotPullContainerError: x: not found",
        "  container log: exit code 0",
    ]


# --- run ---------------------------------------------------------------------------------------------------------


def test_overrides() -> None:
    got = tasks.parse_overrides(
        ['command=["python", "etl.py", "--date", "2024-06-01"]', "environment.BATCH_SIZE=10", "environment.X=a=b"],
        ["etl"],
        ["etl"],
    )
    assert tasks.overrides_input(got) == {
        "containerOverrides": [
            {
                "name": "etl",
                "command": ["python", "etl.py", "--date", "2024-06-01"],
                "environment": [{"name": "BATCH_SIZE", "value": "10"}, {"name": "X", "value": "a=b"}],
            }
        ]
    }
    assert tasks.parse_overrides(["app.command=sh -c 'exit 3'"], ["app", "log"], ["app"])["app"].command == [
        "sh",
        "-c",
        "exit 3",
    ]
    with pytest.raises(EcsformError) as err:
        tasks.parse_overrides(["command=x", "apx.command=y", "app.cpu=2", "nothing"], ["app", "log"], ["app", "log"])
    rules = [(f.file, f.rule) for f in err.value.findings]
    assert rules == [(v, "RUN-OVERRIDE") for v in ("command=x", "apx.command=y", "app.cpu=2", "nothing")]
    assert "did you mean 'app'?" in (err.value.findings[1].hint or "")


def test_exit_code_of_the_essential_containers() -> None:
    def task(*containers: dict) -> dict:
        return {"stoppedReason": "Essential container in task exited", "containers": list(containers)}

    assert tasks.exit_code(task({"name": "etl", "exitCode": 0}), ["etl"]) == (
        0,
        "every essential container exited with 0",
    )
    assert tasks.exit_code(task({"name": "etl", "exitCode": 3}, {"name": "log", "exitCode": 1}), ["etl"])[0] == 3
    code, why = tasks.exit_code(task({"name": "etl", "reason": "CannotPullContainerError: nope"}), ["etl"])
    assert code == 1 and "did not run (CannotPullContainerError: nope)" in why
    assert tasks.exit_code(task({"name": "etl", "exitCode": 0}, {"name": "side", "exitCode": 9}), ["etl"])[0] == 0


def test_where_the_logs_are() -> None:
    td = {
        "containerDefinitions": [
            {
                "name": "etl",
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/etl",
                        "awslogs-stream-prefix": "ecs",
                        "awslogs-region": "us-east-1",
                    },
                },
            },
            {"name": "side"},
        ]
    }
    assert tasks.log_locations(td, "arn:aws:ecs:us-east-1:1:task/jobs/0a1b", "eu-west-1") == [
        "logs of etl: group /ecs/etl, stream ecs/etl/0a1b (us-east-1): aws logs tail /ecs/etl "
        "--log-stream-names ecs/etl/0a1b --region us-east-1"
    ]


# --- revisions prune -----------------------------------------------------------------------------------------------


def test_prune_keeps_the_newest_and_what_services_run() -> None:
    active = [f"arn:aws:ecs:us-east-1:1:task-definition/web:{n}" for n in (1, 2, 3, 4, 5, 10)]
    used = {active[2]: ["apps/web"]}
    assert [revisions.revision(a)[1] for a in revisions.to_deregister(active, used, 2)] == [1, 2, 4]


# --- bindings ----------------------------------------------------------------------------------------------------

BOUND = """\
defaults:
  accountId: "123456789012"
  region: us-east-1
  deploy:
    cluster: "apps-{environment}"
    services: ["{family}"]
    launchType: FARGATE
environments:
  dev:
    accountId: "111111111111"
    deploy:
      network: {subnets: [subnet-1], securityGroups: [sg-1]}
  prod:
    accountId: "222222222222"
    deploy:
      capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT, weight: 1}]
"""


def test_bindings_layer_defaults_environment_and_spec(tmp_path: Path) -> None:
    (tmp_path / "ecsform.yaml").write_text(BOUND)
    cfg = project_config.load(tmp_path / "ecsform.yaml")
    dev = cfg.binding("dev", None, family="web-dev", root="web/dev", region="us-east-1")
    assert (dev.cluster, dev.services, dev.launch_type) == ("apps-dev", ["web-dev"], "FARGATE")
    assert dev.network is not None and dev.network.subnets == ["subnet-1"]
    prod = cfg.binding("prod", None, family="web-prod", root="web/prod", region="us-east-1")
    assert prod.launch_type is None and prod.capacity_provider_strategy is not None  # the environment's choice wins
    from generators.spec.extensions import Deploy

    job = cfg.binding(
        "dev", Deploy.model_validate({"services": [], "cluster": "jobs"}), family="j", root="j", region=None
    )
    assert (job.cluster, job.services, job.launch_type) == ("jobs", [], "FARGATE")


TARGETED = """\
family: web
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
containerDefinitions:
  - {name: app, image: "public.ecr.aws/nginx/nginx:1.27", readonlyRootFilesystem: true}
x-ecsform:
  deploy:
    cluster: "arn:${target.partition}:ecs:${target.region}:${target.accountId}:cluster/apps"
    services: ["web-${target.environment}"]
"""


def test_a_binding_s_target_values_take_the_session_s_account_and_region(tmp_path: Path) -> None:
    """`deploy`, `run` and `prune` act in the account their session reached: a target value nothing named at synth
    (Terraform read it from its data sources) is that account's and region's in the binding, never a stand-in;
    ecsform.yaml's {accountId} too where no target names one."""
    from generators.operations.binding import bound, in_account
    from generators.options import Options

    spec = tmp_path / "web.yaml"
    spec.write_text(TARGETED)
    [b] = bound([str(spec)], Options(region="eu-west-1"))
    assert b.plan.unknown and "${target" not in (b.binding.cluster or "")  # a stand-in, before a session
    there = in_account(b, "999999999999", "eu-west-1", Options(region="eu-west-1"))
    assert there.binding.cluster == "arn:aws:ecs:eu-west-1:999999999999:cluster/apps"
    assert there.binding.services == ["web-default"]
    assert not there.plan.unknown and there.plan.family == "web"
    (tmp_path / "ecsform.yaml").write_text(
        "defaults: {region: us-east-1, deploy: {cluster: 'arn:aws:ecs:us-east-1:{accountId}:cluster/c'}}\n"
    )
    spec.write_text(TARGETED.split("x-ecsform:")[0])
    options = Options(config=project_config.load(tmp_path / "ecsform.yaml"))
    [b] = bound([str(spec)], options)
    assert b.binding.cluster == "arn:aws:ecs:us-east-1::cluster/c"  # no target names the account
    there = in_account(b, "999999999999", "us-east-1", options)
    assert there.binding.cluster == "arn:aws:ecs:us-east-1:999999999999:cluster/c"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("defaults: {deploy: {cluster: 'a-{env}'}}\n", "ecsform.yaml:1:30: error CONFIG-PLACEHOLDER"),
        (
            "defaults: {deploy: {launchType: FARGATE, capacityProviderStrategy: [{capacityProvider: X}]}}\n",
            "error CONFIG-INVALID: defaults.deploy.capacityProviderStrategy: launchType and capacityProviderStrategy",
        ),
        ("defaults: {deploy: {network: {subnets: []}}}\n", "error CONFIG-INVALID"),
        ("defaults: {deploy: {services: web}}\n", "error CONFIG-INVALID"),
        ("ci: {imageDeploys: merge}\n", "error CONFIG-INVALID"),
        ("ci: {pruneKeep: 0}\n", "error CONFIG-INVALID"),
        ("images: {folder: /abs}\n", "error CONFIG-INVALID: images.folder"),
    ],
)
def test_binding_mistakes_are_located(tmp_path: Path, body: str, expected: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ecsform.yaml").write_text(body)
    proc = ecsform("ci", "github", "--out", "-", cwd=tmp_path)
    assert proc.returncode == 2 and expected in proc.stderr, proc.stderr


def test_x_ecsform_deploy_is_checked() -> None:
    from generators import validation
    from generators.options import Options

    spec = (
        "family: j\ncontainerDefinitions: [{name: a, image: x, memory: 64}]\n"
        "x-ecsform: {region: us-east-1, deploy: {launchType: FARGATE, capacityProviderStrategy: [{capacityProvider: X}], sevices: []}}\n"
    )
    found = validation.check_text(spec, "j.yaml", options=Options())
    rules = sorted((f.rule, f.line, f.col) for f in found if f.rule.startswith("X-"))
    assert rules == [("X-UNKNOWN-FIELD", 3, 113)], found


# --- the CI commands and the IAM actions ----------------------------------------------------------------------------


def test_the_deploy_and_record_commands() -> None:
    settings = CiConfig()
    assert shell.commands("deploy", settings) == ['ecsform deploy specs --root "$ECSFORM_ROOT" --out build']
    pruning = CiConfig(pruneKeep=5)
    assert shell.commands("deploy", pruning)[1] == 'ecsform revisions prune specs --root "$ECSFORM_ROOT" --keep 5'
    record = shell.commands("record", settings, images="deploys")
    assert record[0].startswith('ecsform image set "$ECSFORM_SPEC" ${ECSFORM_DEPLOY_ENVIRONMENT:+--env')
    assert record[1] == "git add -A -- deploys"
    assert 'git push -q origin "HEAD:$ECSFORM_BRANCH"' in shell.commands("push", settings)[0]
    requests = CiConfig(imageDeploys="pull-request")
    assert shell.commands("push", requests)[-1].startswith('gh pr create --base "$ECSFORM_BRANCH"')
    assert "merge_request.create" in shell.commands("push", requests, engine="gitlab")[0]


def test_every_action_a_command_calls_is_listed() -> None:
    assert "ecs:UpdateService" in actions.actions("deploy") and "ecs:RunTask" in actions.actions("run")
    assert "ecs:DeleteTaskDefinitions" in actions.actions("revisions prune")
    assert "ecs:UpdateService" not in actions.actions("run") | actions.actions("revisions prune")
    table = actions.markdown_table(actions.AFTER_APPLY)
    assert (
        "| `ecsform deploy` | `iam:PassRole` |" in table
        and "| `ecsform image set, image promote, image show` | none |" in table
    )
