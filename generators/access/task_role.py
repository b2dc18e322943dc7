"""What the task role needs (the containers' own AWS calls that ECS makes for them): EFS mounts with IAM
authorization, and the AWS outputs FireLens writes the logs to."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import FieldPath
from ..spec.references import is_reference
from .referenced import efs_volumes, log_options, mount_points
from .statements import Condition, Need, merge
from .view import TaskView, role_account

_EFS_REFERENCE = "ecsform:efs/"


def efs_needs(view: TaskView, role: str) -> list[Need]:
    """elasticfilesystem:ClientMount (and ClientWrite unless every mount is read-only) on each file system mounted
    with IAM authorization, limited to its access point when it names one."""
    account_id, partition = role_account(role)
    region = view.region or "REGION"
    account = account_id or "ACCOUNT"
    needs: list[Need] = []
    for _, v, efs in efs_volumes(view):
        auth = efs.get("authorizationConfig")
        if not isinstance(auth, dict):
            auth = {}
        fs_id, ap = efs.get("fileSystemId"), auth.get("accessPointId")
        if auth.get("iam") != "ENABLED" or not isinstance(fs_id, str):
            continue
        mounts = [m for _, _, m in mount_points(view) if m.get("sourceVolume") == v.get("name")]
        read_only = bool(mounts) and all(m.get("readOnly") is True for m in mounts)
        actions = ("elasticfilesystem:ClientMount",) + (() if read_only else ("elasticfilesystem:ClientWrite",))
        if is_reference(fs_id):
            fs_id = f"ID_OF_{fs_id[len(_EFS_REFERENCE) :]}"
        condition: Condition = ()
        if isinstance(ap, str):
            ap_id = f"ID_OF_{ap[len(_EFS_REFERENCE) :]}" if is_reference(ap) else ap
            condition = (
                (
                    "StringEquals",
                    "elasticfilesystem:AccessPointArn",
                    f"arn:{partition}:elasticfilesystem:{region}:{account}:access-point/{ap_id}",
                ),
            )
        needs.append(
            Need(actions, (f"arn:{partition}:elasticfilesystem:{region}:{account}:file-system/{fs_id}",), condition)
        )
    return merge(needs)


# Fluent Bit outputs that write to AWS: Name -> (IAM actions, ARN template from the options, the options it needs).
OUTPUTS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "cloudwatch_logs": (
        ("logs:CreateLogStream", "logs:PutLogEvents"),
        "arn:{p}:logs:{region}:{account}:log-group:{log_group_name}:*",
        ("log_group_name",),
    ),
    "cloudwatch": (
        ("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
        "arn:{p}:logs:{region}:{account}:log-group:{log_group_name}:*",
        ("log_group_name",),
    ),
    "kinesis_firehose": (
        ("firehose:PutRecordBatch",),
        "arn:{p}:firehose:{region}:{account}:deliverystream/{delivery_stream}",
        ("delivery_stream",),
    ),
    "firehose": (
        ("firehose:PutRecordBatch",),
        "arn:{p}:firehose:{region}:{account}:deliverystream/{delivery_stream}",
        ("delivery_stream",),
    ),
    "kinesis_streams": (("kinesis:PutRecords",), "arn:{p}:kinesis:{region}:{account}:stream/{stream}", ("stream",)),
    "kinesis": (("kinesis:PutRecords",), "arn:{p}:kinesis:{region}:{account}:stream/{stream}", ("stream",)),
    "s3": (("s3:PutObject",), "arn:{p}:s3:::{bucket}/*", ("bucket",)),
}


@dataclass(frozen=True)
class FirelensOutputs:
    """What the awsfirelens outputs need, and where the first of them is named (the path of its options.Name)."""

    needs: list[Need]
    where: FieldPath


def firelens_output_needs(view: TaskView, account: str | None, partition: str) -> FirelensOutputs:
    needs: list[Need] = []
    first: FieldPath = ()
    for path, c in view.containers():
        driver, options = log_options(c)
        output = OUTPUTS.get(options.get("Name", "").lower()) if driver == "awsfirelens" else None
        if output is None:
            continue
        actions, template, required = output
        values = {k: options.get(k) for k in required}
        if any(not v or "$" in v for v in values.values()):
            continue  # templated or missing: nothing exact to name
        region = options.get("region") or view.region
        resource = template.format(p=partition, region=region or "REGION", account=account or "ACCOUNT", **values)
        needs.append(Need(actions, (resource,)))
        if options.get("auto_create_group") == "true" and "log_group_name" in values:
            needs.append(Need(("logs:CreateLogGroup",), (resource,)))
        first = first or path + ("logConfiguration", "options", "Name")
    return FirelensOutputs(merge(needs), first)
