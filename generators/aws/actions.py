"""The AWS actions ecsform's roots and commands call: the one table of them.

    COMMANDS[command]     what each command that talks to AWS calls in the target account (verify, diff,
                          synth --adopt, import --from-aws, deploy, run, revisions prune), each action with the
                          resources it is called on and why
    TERRAFORM[type]       what the hashicorp/aws provider calls for one resource or data source type of the modules
                          and the roots: `read` (plan and refresh), `write` (apply and destroy)
    iam_action(svc, op)   the IAM action of one API call (botocore's service and operation), as the policies name it

Who reads it: aws/session.py holds every command to its row (a botocore hook: a call that is not listed stops the
command with ECSFORM-INTERNAL, so the table cannot fall behind the code that calls AWS); `ecsform bootstrap`
(generators/bootstrap/) builds the plan, deploy and state roles from these rows; `make docs` writes the commands'
tables in docs/verify.md and docs/deploy.md from it. tests/unit/test_bootstrap.py checks that every resource and
data source type the modules and roots declare has a row; tests/e2e/test_deploy.py records what deploy, run and
prune call; tests/e2e/test_bootstrap.py applies a root and runs verify with nothing but the roles made from it, on
a moto server that enforces IAM policies.

The provider's calls per resource are those hashicorp/aws 5.100.0 makes: recorded with TF_LOG=debug (the
`rpc.service` and `rpc.method` of each request) while the feature fixture (every module: secrets, EFS with mount
targets, a partial secret ARN) and a plain root were applied, planned, given a new image and destroyed on moto,
plus the calls that change a resource in place (tags, retention, key policy), which that run does not make. Actions
AWS requires beyond the API call itself are cited where they are listed.
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
_ROLE = "arn:aws:iam::ACCOUNT:role/NAME (the roles the spec brings)"
_SECRET = "arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-*"
_LOG_GROUP = "arn:aws:logs:REGION:ACCOUNT:log-group:NAME"

COMMANDS: dict[str, tuple[Action, ...]] = {
    "verify": SESSION
    + (
        Action("ecr:DescribeImages", "arn:aws:ecr:REGION:ACCOUNT:repository/NAME", "the image's tag or digest exists"),
        Action("secretsmanager:DescribeSecret", _SECRET, "the secrets exist (never their values); their KMS key"),
        Action("secretsmanager:ListSecrets", "*", "a secret named by its name or a partial ARN: exactly one matches"),
        Action("ssm:GetParameters", "arn:aws:ssm:REGION:ACCOUNT:parameter/NAME", "the parameters exist"),
        Action("kms:DescribeKey", "arn:aws:kms:REGION:ACCOUNT:key/ID", "the keys exist and are enabled"),
        Action("iam:GetRole", _ROLE, "the brought roles exist and trust ecs-tasks.amazonaws.com"),
        Action("iam:ListRolePolicies", _ROLE, "their inline policies"),
        Action("iam:GetRolePolicy", _ROLE, "... read, to evaluate what the task needs"),
        Action("iam:ListAttachedRolePolicies", _ROLE, "their managed policies"),
        Action("iam:GetPolicy", "arn:aws:iam::ACCOUNT:policy/NAME", "... and their default version"),
        Action("iam:GetPolicyVersion", "arn:aws:iam::ACCOUNT:policy/NAME", "... read"),
        Action("logs:DescribeLogGroups", _LOG_GROUP, "a log group ecsform creates is not there yet (else adopt it)"),
        Action(
            "elasticfilesystem:DescribeFileSystems",
            "arn:aws:elasticfilesystem:REGION:ACCOUNT:file-system/ID",
            "the file systems the volumes name",
        ),
        Action(
            "elasticfilesystem:DescribeAccessPoints",
            "arn:aws:elasticfilesystem:REGION:ACCOUNT:access-point/ID",
            "their access points",
        ),
        Action("ec2:DescribeVpcs", "*", "the VPC of a file system ecsform creates"),
        Action("ec2:DescribeSubnets", "*", "... its subnets, one per availability zone"),
        Action("ec2:DescribeSecurityGroups", "*", "... its security groups, in that VPC"),
        Action(
            "s3:GetObject",
            "arn:aws:s3:::BUCKET/KEY",
            "environment and FireLens files exist (HeadObject); the root's state object (its backend's roleArn)",
        ),
        Action("s3:ListBucket", "arn:aws:s3:::BUCKET", "a missing file's bucket exists (HeadBucket)"),
    ),
    "diff": SESSION
    + (
        Action("ecs:ListTaskDefinitions", "*", "the family's latest ACTIVE revision"),
        Action("ecs:DescribeTaskDefinition", "*", "what it registers, compared with the spec"),
    ),
    "synth --adopt": SESSION
    + (
        Action("logs:DescribeLogGroups", _LOG_GROUP, "a log group the root would create exists already: import it"),
        Action("secretsmanager:DescribeSecret", _SECRET, "a managed secret exists already: import it"),
    ),
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
    "import --from-aws": (
        Action("ecs:DescribeTaskDefinition", "*", "the task definition and its tags"),
        Action("sts:GetCallerIdentity", "*", "with --role-arn: the session checks the role's account"),
        Action("sts:AssumeRole", "the role --role-arn names", "with --role-arn: read in that role's account"),
    ),
    "image set, image promote, image show": (),
}
READ_COMMANDS = ("verify", "diff", "synth --adopt", "import --from-aws")  # what a plan role may run
WRITE_COMMANDS = ("deploy", "run", "revisions prune")  # what only a deploy role runs
# the tables of docs/verify.md and docs/deploy.md (`make docs`)
BEFORE_APPLY = READ_COMMANDS
AFTER_APPLY = WRITE_COMMANDS + ("image set, image promote, image show",)


def actions(command: str) -> set[str]:
    """The IAM actions of one command (`deploy`, `run`, `revisions prune`...)."""
    return {a.action for a in COMMANDS[command]}


def markdown_table(commands: tuple[str, ...]) -> str:
    """A docs page's table of what these commands call (`make docs`)."""
    lines = ["| command | IAM action | resource | why |", "|---|---|---|---|"]
    for command in commands:
        listed = COMMANDS[command]
        if not listed:
            lines.append(f"| `ecsform {command}` | none | | they read and write files in the repository only |")
        for a in listed:
            lines.append(f"| `ecsform {command}` | `{a.action}` | {a.resource} | {a.why} |")
    return "\n".join(lines) + "\n"


# --- what the provider calls, per resource and data source type --------------------------------------------------


@dataclass(frozen=True)
class Actions:
    read: tuple[str, ...] = ()  # plan, refresh (and what a read-only command needs)
    write: tuple[str, ...] = ()  # apply, destroy


# A data source that calls nothing (computed by Terraform or the provider) has an empty row; sts:GetCallerIdentity
# needs no permission ("No permissions are required to perform this operation", STS API reference).
TERRAFORM: dict[str, Actions] = {
    # data sources
    "data.aws_partition": Actions(),
    "data.aws_region": Actions(),
    "data.aws_caller_identity": Actions(),
    "data.aws_iam_policy_document": Actions(),
    "data.aws_secretsmanager_secret": Actions(
        read=("secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"),
    ),
    # a role the task names by its name: iam:GetRole alone (TF_LOG=debug planning tests/fixtures/targets/orders-api.yaml
    # on moto without ecsform.yaml: GetRole for it, GetCallerIdentity for aws_caller_identity; aws_region and
    # aws_partition call nothing)
    "data.aws_iam_role": Actions(read=("iam:GetRole",)),
    # modules/ecs-task-definition
    "aws_ecs_task_definition": Actions(
        read=("ecs:DescribeTaskDefinition",),
        write=(
            "ecs:RegisterTaskDefinition",
            "ecs:DeregisterTaskDefinition",
            "ecs:TagResource",
            "ecs:UntagResource",
            "iam:PassRole",
        ),
    ),
    "aws_cloudwatch_log_group": Actions(
        read=("logs:DescribeLogGroups", "logs:ListTagsForResource"),
        write=(
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:PutRetentionPolicy",
            "logs:DeleteRetentionPolicy",
            "logs:AssociateKmsKey",
            "logs:DisassociateKmsKey",
            "logs:TagResource",
            "logs:UntagResource",
        ),
    ),
    "aws_iam_role": Actions(
        read=("iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"),
        write=(
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:UpdateRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:PutRolePermissionsBoundary",
            "iam:DeleteRolePermissionsBoundary",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:ListInstanceProfilesForRole",
        ),
    ),
    "aws_iam_role_policy": Actions(read=("iam:GetRolePolicy",), write=("iam:PutRolePolicy", "iam:DeleteRolePolicy")),
    "aws_iam_role_policy_attachment": Actions(
        read=("iam:ListAttachedRolePolicies",), write=("iam:AttachRolePolicy", "iam:DetachRolePolicy")
    ),
    # modules/secrets and modules/efs
    "aws_kms_key": Actions(
        read=("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"),
        write=(
            "kms:CreateKey",
            "kms:PutKeyPolicy",
            "kms:EnableKeyRotation",
            "kms:DisableKeyRotation",
            "kms:UpdateKeyDescription",
            "kms:ScheduleKeyDeletion",
            "kms:TagResource",
            "kms:UntagResource",
        ),
    ),
    "aws_secretsmanager_secret": Actions(
        read=("secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"),
        write=(
            "secretsmanager:CreateSecret",
            "secretsmanager:UpdateSecret",
            "secretsmanager:DeleteSecret",
            "secretsmanager:TagResource",
            "secretsmanager:UntagResource",
        ),
    ),
    "aws_secretsmanager_secret_rotation": Actions(
        read=("secretsmanager:DescribeSecret",),
        write=("secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret", "lambda:InvokeFunction"),
    ),
    "aws_efs_file_system": Actions(
        read=("elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeLifecycleConfiguration"),
        write=(
            "elasticfilesystem:CreateFileSystem",
            "elasticfilesystem:UpdateFileSystem",
            "elasticfilesystem:DeleteFileSystem",
            "elasticfilesystem:PutLifecycleConfiguration",
            "elasticfilesystem:TagResource",
            "elasticfilesystem:UntagResource",
            # an encrypted file system with a customer managed key: the caller needs both (EFS User Guide,
            # "Using AWS KMS keys for Amazon EFS encryption at rest")
            "kms:DescribeKey",
            "kms:CreateGrant",
        ),
    ),
    "aws_efs_file_system_policy": Actions(
        read=("elasticfilesystem:DescribeFileSystemPolicy",),
        write=("elasticfilesystem:PutFileSystemPolicy", "elasticfilesystem:DeleteFileSystemPolicy"),
    ),
    "aws_efs_access_point": Actions(
        read=("elasticfilesystem:DescribeAccessPoints",),
        write=(
            "elasticfilesystem:CreateAccessPoint",
            "elasticfilesystem:DeleteAccessPoint",
            "elasticfilesystem:TagResource",
            "elasticfilesystem:UntagResource",
        ),
    ),
    "aws_efs_mount_target": Actions(
        read=(
            "elasticfilesystem:DescribeMountTargets",
            "elasticfilesystem:DescribeMountTargetSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeNetworkInterfaces",
        ),
        write=(
            "elasticfilesystem:CreateMountTarget",
            "elasticfilesystem:DeleteMountTarget",
            "elasticfilesystem:ModifyMountTargetSecurityGroups",
            # the mount target's network interface (EFS API reference, CreateMountTarget and DeleteMountTarget)
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
        ),
    ),
    "aws_security_group": Actions(
        read=("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"),
        write=(
            "ec2:CreateSecurityGroup",
            "ec2:DeleteSecurityGroup",
            "ec2:RevokeSecurityGroupEgress",  # the default allow-all egress rule the provider removes
            "ec2:CreateTags",  # tags on create (TagSpecifications) need it too (EC2 API reference, CreateTags)
            "ec2:DeleteTags",
        ),
    ),
    "aws_security_group_rule": Actions(
        read=("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"),
        write=("ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"),
    ),
}

# API operations whose IAM action has another name (S3 API reference: HeadObject needs s3:GetObject, HeadBucket
# and ListObjectsV2 need s3:ListBucket)
_RENAMED = {
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
}
# calls no IAM policy governs: every identity may make them
UNGOVERNED = frozenset({"sts:GetCallerIdentity"})


def iam_action(service: str, operation: str) -> str:
    """The IAM action of an API call: `service` is the service's signing name (botocore's
    `service_model.signing_name`: ecs, elasticfilesystem, s3...), `operation` the API operation."""
    return _RENAMED.get((service, operation), f"{service}:{operation}")


def terraform_actions(types: list[str], *, write: bool) -> list[str]:
    """The provider's actions for these resource and data source types: reads, and the writes too when `write`."""
    found: set[str] = set()
    for name in types:
        row = TERRAFORM[name]
        found.update(row.read)
        if write:
            found.update(row.write)
    return sorted(found)


def command_actions(commands: tuple[str, ...]) -> list[str]:
    """What a role that runs these commands in the target account is given: their actions, less the session's
    (sts:GetCallerIdentity needs no permission; sts:AssumeRole is the caller's, of the role itself)."""
    session = {a.action for a in SESSION}
    return sorted({a.action for c in commands for a in COMMANDS[c] if a.action not in session})
