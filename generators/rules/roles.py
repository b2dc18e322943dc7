"""M. Roles: their ARNs, whether ECS can assume them, and when the task needs them (what brought roles must allow:
brought.py, ECS-M4, from generators/access/)."""

from __future__ import annotations

from typing import Iterator

from ..access.referenced import firelens_s3_config, log_options, private_images
from ..arns import ROLE_ARN, ROLE_NAME, parse_arn
from ..errors import FieldPath, Finding, Severity
from .registry import Context, Rule, items, rule

E, W = Severity.ERROR, Severity.WARNING

ROLE_FIELDS = ("taskRoleArn", "executionRoleArn")


def _roles(ctx: Context) -> Iterator[tuple[str, str]]:
    for field in ROLE_FIELDS:
        value = ctx.task.get(field)
        if isinstance(value, str):
            yield field, value


@rule(
    "ECS-M1",
    E,
    "taskRoleArn and executionRoleArn are IAM role ARNs or role names (AWS takes either; the root reads a named "
    "role's ARN with the aws_iam_role data source, so the checks see a name as that role of the target's account).",
    "docs M1; BC RegisterTaskDefinition taskRoleArn; TF verify.ValidARN",
    needs=ROLE_FIELDS,
)
def role_arn_format(r: Rule, ctx: Context) -> Iterator[Finding]:
    for field, value in _roles(ctx):
        if ROLE_ARN.match(value) or ROLE_NAME.match(value):
            continue
        arn = parse_arn(value)
        what = f"an ARN of {arn.service}:{arn.resource.split('/', 1)[0]}" if arn else "neither an ARN nor a role name"
        yield r.finding(
            f"{value!r} is {what}, not an IAM role",
            (field,),
            "write the role's name, or arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME (with the role's path, if any, "
            "before the name)",
        )


@rule(
    "ECS-M2",
    E,
    "A brought role can be assumed by ecs-tasks.amazonaws.com: never a service-linked role (ECS registers it; "
    'the task never launches: "ECS was unable to assume the role").',
    "docs M2; DG23 task_execution_IAM_role.md; IAM service-linked roles; aws-samples/aws-modern-application-workshop#88",
    needs=ROLE_FIELDS,
)
def role_trust(r: Rule, ctx: Context) -> Iterator[Finding]:
    for field, value in _roles(ctx):
        m = ROLE_ARN.match(value)
        if m and m.group(3).startswith("aws-service-role/"):
            yield r.finding(
                f"{value!r} is a service-linked role; it trusts only its own service and its trust "
                "policy cannot be edited, so ECS registers the task definition but the task cannot "
                "assume the role",
                (field,),
                "use a role whose trust policy allows ecs-tasks.amazonaws.com to sts:AssumeRole, or "
                f"remove {field} to let ecsform create one",
            )


def _execution_uses(ctx: Context) -> Iterator[tuple[FieldPath, str, str]]:
    """(path, what, ECS error text) for what needs an execution role, except secrets (ECS-H4) and awslogs (ECS-I6)."""
    if ctx.is_fargate or ctx.is_external:
        for path, image, _ in private_images(ctx):
            yield (
                path,
                f"private ECR image {image}",
                ("Fargate requires task definition to have execution role ARN to support ECR images."),
            )
    for path, c in ctx.containers():
        log = c.get("logConfiguration")
        if isinstance(log, dict) and any(True for _ in items(log, "secretOptions", ())):
            yield path + ("logConfiguration", "secretOptions"), "log driver secretOptions", ""
        if isinstance(c.get("repositoryCredentials"), dict):
            yield path + ("repositoryCredentials",), "repositoryCredentials", ""
        if any(True for _ in items(c, "environmentFiles", ())):
            yield path + ("environmentFiles",), "environmentFiles", ""
        if firelens_s3_config(c) is not None:
            yield path + ("firelensConfiguration", "options"), "a FireLens configuration file in S3", ""


@rule(
    "ECS-M3",
    E,
    "The task has an execution role when it pulls private ECR images on Fargate/EXTERNAL or uses "
    "secretOptions, repositoryCredentials, environmentFiles or a FireLens S3 configuration.",
    "docs M3; jenkinsci/amazon-ecs-plugin#53",
)
def execution_role_required(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.execution_role_possible:
        return
    for path, what, ecs_text in _execution_uses(ctx):
        quote = f' (ECS: "{ecs_text}")' if ecs_text else ""
        yield r.finding(
            f"{what} needs an execution role, and the task has none",
            path,
            "remove `x-ecsform.executionRole.create: false` so that ecsform creates the role, or set "
            f"executionRoleArn{quote}",
        )


@rule(
    "ECS-M5",
    W,
    "On EC2 without an execution role, ECR pulls and awslogs use the instance role; Windows "
    "instances use it for awslogs unless ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE is set.",
    "docs M5; DG23 using_awslogs.md",
)
def ec2_role_fallback(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.is_fargate or not ctx.is_ec2:
        return
    awslogs = [path for path, c in ctx.containers() if log_options(c)[0] == "awslogs"]
    if not ctx.execution_role_possible:
        images = [p for p, _, _ in private_images(ctx)]
        uses = [what for what, on in (("pulls the ECR images", images), ("sends the awslogs logs", awslogs)) if on]
        grants = [
            what for what, on in (("ECR pull", images), ("logs:CreateLogStream and logs:PutLogEvents", awslogs)) if on
        ]
        if uses:
            yield r.finding(
                f"the task has no execution role, so ECS {' and '.join(uses)} with the container instance's role",
                (images or [p + ("logConfiguration",) for p in awslogs])[0],
                f"give the instance role {' and '.join(grants)}, or let ecsform create an execution role",
            )
    elif ctx.is_windows and awslogs:
        yield r.finding(
            "on Windows instances awslogs uses the instance role, not the execution role, unless the "
            "agent runs with ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE=true",
            awslogs[0] + ("logConfiguration",),
            "set the variable in the instance's agent configuration, or give the instance role "
            "logs:CreateLogStream and logs:PutLogEvents",
        )


@rule(
    "ECS-M6",
    E,
    "EFS volumes with IAM authorization and S3 Files volumes need a task role (one is named, or ecsform creates it).",
    "docs M6; BC EFSAuthorizationConfig.iam, S3FilesVolumeConfiguration",
    needs=("volumes",),
)
def task_role_required(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.task_role_possible:
        return
    for path, v in ctx.volumes():
        efs = v.get("efsVolumeConfiguration")
        auth = efs.get("authorizationConfig") if isinstance(efs, dict) else None
        if isinstance(auth, dict) and auth.get("iam") == "ENABLED":
            yield r.finding(
                f"volume {v.get('name', '')!r} mounts EFS with IAM authorization, which uses the task "
                "role, and the task has none",
                path + ("efsVolumeConfiguration", "authorizationConfig", "iam"),
                "remove `x-ecsform.taskRole.create: false` so that ecsform creates the role, or set taskRoleArn",
            )
        elif "s3filesVolumeConfiguration" in v:
            yield r.finding(
                f"volume {v.get('name', '')!r} is an S3 Files volume, which needs a task role, and the task has none",
                path + ("s3filesVolumeConfiguration",),
                "set taskRoleArn",
                at_key=True,
            )
