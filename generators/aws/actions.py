"""The IAM actions each command that acts on AWS after the apply calls: the one list of them.

docs/iam.md's table ("What the commands call") is generated from it (`make docs`), the end-to-end tests check that
each command calls nothing else (tests/e2e/test_deploy.py records the calls), and the roles a pipeline assumes to
deploy are derived from it. Each action comes with the resources it is called on, so that a policy can name them
exactly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    action: str  # service:Operation, as IAM names it
    resource: str  # what a policy names for it
    why: str


# Every session (generators/aws/session.py): the caller's identity, and the target's role when ecsform.yaml names one.
SESSION = (
    Action("sts:GetCallerIdentity", "*", "the session checks that it is in the target's account"),
    Action("sts:AssumeRole", "the target's roleArn (ecsform.yaml)", "when the target names a role"),
)
_TD = "arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:*"
_SERVICE = "arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/SERVICE"
_CLUSTER = "arn:aws:ecs:REGION:ACCOUNT:cluster/CLUSTER"
_TASK = "arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/*"
_PASS = "the task definition's task and execution roles (condition iam:PassedToService = ecs-tasks.amazonaws.com)"

COMMANDS: dict[str, tuple[Action, ...]] = {
    "deploy": SESSION
    + (
        Action("ecs:DescribeTaskDefinition", "*", "the revision exists, is ACTIVE, and names its roles"),
        Action("ecs:DescribeServices", _SERVICE, "the bound services, their deployments and rollout states"),
        Action("ecs:ListServices", _CLUSTER, "a did-you-mean when a bound service does not exist"),
        Action("ecs:ListClusters", "*", "a did-you-mean when the bound cluster does not exist"),
        Action("ecs:UpdateService", _SERVICE, "point the service at the revision (and back, with --rollback)"),
        Action("iam:PassRole", _PASS, "UpdateService hands the task definition's roles to ECS"),
        Action("ecs:ListTasks", "*", "the tasks a failed deployment stopped (condition ecs:cluster)"),
        Action("ecs:DescribeTasks", _TASK, "why they stopped: stopped reason, exit codes"),
    ),
    "run": SESSION
    + (
        Action("ecs:DescribeTaskDefinition", "*", "the revision exists, is ACTIVE; its containers and logs"),
        Action("ecs:DescribeClusters", _CLUSTER, "the bound cluster exists; its default capacity provider strategy"),
        Action("ecs:ListClusters", "*", "a did-you-mean when the bound cluster does not exist"),
        Action("ecs:RunTask", _TD, "start the task (condition ecs:cluster)"),
        Action("iam:PassRole", _PASS, "RunTask hands the task definition's roles to ECS"),
        Action("ecs:DescribeTasks", _TASK, "wait until it stops: exit codes, stopped reason"),
    ),
    "revisions prune": SESSION
    + (
        Action("ecs:ListTaskDefinitions", "*", "the family's ACTIVE (and, with --delete, INACTIVE) revisions"),
        Action("ecs:DescribeClusters", _CLUSTER, "the bound clusters exist"),
        Action("ecs:ListClusters", "*", "a did-you-mean when a bound cluster does not exist"),
        Action("ecs:ListServices", _CLUSTER, "the services of the bound clusters"),
        Action("ecs:DescribeServices", _SERVICE, "the revisions their deployments run (never pruned)"),
        Action("ecs:DeregisterTaskDefinition", _TD, "ACTIVE -> INACTIVE (not with --dry-run)"),
        Action("ecs:DeleteTaskDefinitions", _TD, "--delete: INACTIVE -> deleted"),
    ),
    "import --from-aws": (Action("ecs:DescribeTaskDefinition", "*", "the task definition and its tags"),),
    "image set, image promote, image show": (),
}


def actions(command: str) -> set[str]:
    """The IAM actions of one command (`deploy`, `run`, `revisions prune`...)."""
    return {a.action for a in COMMANDS[command]}


def markdown_table() -> str:
    """docs/iam.md's table of what the commands call (`make docs`)."""
    lines = ["| command | IAM action | resource | why |", "|---|---|---|---|"]
    for command, listed in COMMANDS.items():
        if not listed:
            lines.append(f"| `ecsform {command}` | none | | they read and write files in the repository only |")
        for a in listed:
            lines.append(f"| `ecsform {command}` | `{a.action}` | {a.resource} | {a.why} |")
    return "\n".join(lines) + "\n"
