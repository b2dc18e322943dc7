"""The AWS actions ecsform's roots and commands call: the one table the pipeline's roles are made from.

    TERRAFORM[type]       what the hashicorp/aws provider calls for one resource or data source type of the modules
                          and the roots: `read` (plan and refresh), `write` (apply and destroy)
    COMMANDS[command]     what an ecsform command calls in the target account (verify, diff, synth --adopt, import,
                          and issue 20's deploy, run and revisions prune)
    iam_action(svc, op)   the IAM action of one API call (botocore's service and operation), as the policies name it

`ecsform bootstrap` (generators/emit/bootstrap.py) builds the plan, apply and state roles from these rows, and
aws/session.py holds each command to its row: a call that is not listed stops the command (ECSFORM-INTERNAL), so
the table cannot fall behind the code that calls AWS. tests/unit/test_bootstrap.py checks that every resource and
data source type the modules and roots declare has a row, and tests/e2e/test_bootstrap.py applies a root and runs
verify with nothing but the roles made from it, on a moto server that enforces IAM policies.

The provider's calls per resource are those hashicorp/aws 5.100.0 makes: recorded with TF_LOG=debug (the
`rpc.service` and `rpc.method` of each request) while the feature fixture (every module: secrets, EFS with mount
targets, a partial secret ARN) and a plain root were applied, planned, given a new image and destroyed on moto,
plus the calls that change a resource in place (tags, retention, key policy), which that run does not make. Actions
AWS requires beyond the API call itself are cited where they are listed.
"""

from __future__ import annotations

from dataclasses import dataclass


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

# What each command calls in the target account (through aws/session.py, which holds it to this row).
COMMANDS: dict[str, tuple[str, ...]] = {
    "verify": (
        "ecr:DescribeImages",
        "secretsmanager:DescribeSecret",
        "secretsmanager:ListSecrets",
        "ssm:GetParameters",
        "kms:DescribeKey",
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "logs:DescribeLogGroups",
        "elasticfilesystem:DescribeFileSystems",
        "elasticfilesystem:DescribeAccessPoints",
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "s3:GetObject",  # HeadObject
        "s3:ListBucket",  # HeadBucket
    ),
    "diff": ("ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"),
    "synth --adopt": ("logs:DescribeLogGroups", "secretsmanager:DescribeSecret"),
    "import": ("ecs:DescribeTaskDefinition",),
    # issue 20's commands: the actions its branch lists for them (generators/aws/actions.py there, not merged yet);
    # once merged, bootstrap reads that table for these rows and they go from here
    "deploy": (
        "ecs:DescribeTaskDefinition",
        "ecs:DescribeServices",
        "ecs:ListServices",
        "ecs:ListClusters",
        "ecs:UpdateService",
        "iam:PassRole",
        "ecs:ListTasks",
        "ecs:DescribeTasks",
    ),
    "run": (
        "ecs:DescribeTaskDefinition",
        "ecs:DescribeClusters",
        "ecs:ListClusters",
        "ecs:RunTask",
        "iam:PassRole",
        "ecs:DescribeTasks",
    ),
    "revisions prune": (
        "ecs:ListTaskDefinitions",
        "ecs:DescribeClusters",
        "ecs:ListClusters",
        "ecs:ListServices",
        "ecs:DescribeServices",
        "ecs:DeregisterTaskDefinition",
        "ecs:DeleteTaskDefinitions",
    ),
}
READ_COMMANDS = ("verify", "diff", "synth --adopt", "import")  # what a plan role may run
WRITE_COMMANDS = ("deploy", "run", "revisions prune")  # what only an apply role runs

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
    return sorted({a for c in commands for a in COMMANDS[c]})
