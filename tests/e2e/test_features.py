"""Every ecsform feature at once, applied against moto: managed secrets (CMK) and EFS (CMK, access point, mount
target, TLS policy), a partial secret ARN resolved at plan time, SSM by name and ARN, environment files, ECS Exec,
task role statements, a managed policy and a permissions boundary, log groups with retention. Every role's
policy must name exactly the referenced ARNs and nothing more.

Also: the hand-written example root (modules/ecs-task-definition/examples/two-containers-three-secrets) and the
generated root of the same task get the same execution role policy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, MODULES, NO_CONFIG, ecsform, terraform

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.xdist_group("e2e-features")]

ACCOUNT = "123456789012"
REGION = "us-east-1"
FEATURES = FIXTURES / "features" / "all-features.yaml"


def _doc(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else value


def _statements(document: Any) -> dict[str, dict[str, Any]]:
    """Statements by Sid, with Action and Resource as sorted lists (IAM returns one-item lists as strings)."""
    out = {}
    for s in _doc(document)["Statement"]:
        listed = {k: sorted([s[k]] if isinstance(s[k], str) else s[k]) for k in ("Action", "Resource")}
        out[s["Sid"]] = {**s, **listed}
    return out


@pytest.fixture(scope="module")
def prerequisites(aws: Any) -> dict[str, str]:
    """What the spec refers to but does not create: network, an existing secret, a managed policy, a boundary."""
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="orders-tasks", Description="orders tasks", VpcId=vpc)["GroupId"]
    legacy = aws("secretsmanager").create_secret(Name="legacy-key", SecretString="s3cr3t")["ARN"]
    iam = aws("iam")
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::orders-data"}],
        }
    )
    policy = iam.create_policy(PolicyName="orders-extra", PolicyDocument=document)["Policy"]["Arn"]
    boundary = iam.create_policy(PolicyName="orders-boundary", PolicyDocument=document)["Policy"]["Arn"]
    return {"vpc": vpc, "subnet": subnet, "sg": sg, "legacy": legacy, "policy": policy, "boundary": boundary}


@pytest.fixture(scope="module")
def applied(prerequisites: dict[str, str], aws_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    work = tmp_path_factory.mktemp("features")
    text = FEATURES.read_text()
    for placeholder, key in (
        ("vpc-0123456789abcdef0", "vpc"),
        ("subnet-0123456789abcdef0", "subnet"),
        ("sg-0123456789abcdef0", "sg"),
    ):
        text = text.replace(placeholder, prerequisites[key])
    spec = work / "all-features.yaml"
    spec.write_text(text)
    proc = ecsform("synth", str(spec), "--out", str(work / "out"), NO_CONFIG)
    assert proc.returncode == 0, proc.stderr
    root = work / "out" / "orders-worker"
    terraform(["init", "-input=false"], root, aws_env)
    terraform(["plan", "-input=false", "-out=tfplan"], root, aws_env)
    terraform(["apply", "-input=false", "tfplan"], root, aws_env)
    outputs = {k: v["value"] for k, v in json.loads(terraform(["output", "-json"], root, aws_env).stdout).items()}
    rendered = json.loads(ecsform("render", str(spec), NO_CONFIG).stdout)
    yield {"root": root, "outputs": outputs, "rendered": rendered, "spec": spec, **prerequisites}
    # moto 5.2.5 does not implement DeleteFileSystemPolicy (NotImplementedError, retried until timeout); deleting
    # the file system removes its policy in AWS and in moto alike, so the policy leaves the state first.
    terraform(["state", "rm", "module.efs_data.aws_efs_file_system_policy.this[0]"], root, aws_env)
    terraform(["destroy", "-auto-approve", "-input=false"], root, aws_env)


def _role(aws: Any, arn: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    iam = aws("iam")
    name = arn.rsplit("/", 1)[1]
    role = iam.get_role(RoleName=name)["Role"]
    policies = iam.list_role_policies(RoleName=name)["PolicyNames"]
    assert len(policies) == 1
    return role, _statements(iam.get_role_policy(RoleName=name, PolicyName=policies[0])["PolicyDocument"])


def test_task_definition_reads_back_with_references_resolved(applied: dict[str, Any], aws: Any) -> None:
    described = aws("ecs").describe_task_definition(taskDefinition=applied["outputs"]["task_definition_arn"])[
        "taskDefinition"
    ]
    secrets = applied["outputs"]["secret_arns"]
    efs = applied["outputs"]["efs_data"]
    resolved = json.dumps(applied["rendered"])
    resolved = resolved.replace("ecsform:secret/api-token", secrets["api-token"])
    resolved = resolved.replace("ecsform:secret/db-password", secrets["db-password"])
    resolved = resolved.replace("ecsform:efs/data/access-point/worker", efs["access_point_ids"]["worker"])
    resolved = resolved.replace("ecsform:efs/data", efs["file_system_id"])
    expected = json.loads(resolved)
    by_name = {c["name"]: c for c in described["containerDefinitions"]}
    for container in expected["containerDefinitions"]:
        got = {k: v for k, v in by_name[container["name"]].items() if k in container}
        assert got == container
    assert sorted(described["volumes"], key=lambda v: v["name"]) == sorted(
        ({**v, "configuredAtLaunch": False} for v in expected["volumes"]), key=lambda v: v["name"]
    )
    assert (described["cpu"], described["memory"], described["runtimePlatform"]) == (
        "1024",
        "2048",
        expected["runtimePlatform"],
    )


def test_execution_role_names_exactly_the_referenced_arns(applied: dict[str, Any], aws: Any) -> None:
    role, statements = _role(aws, applied["outputs"]["execution_role_arn"])
    assert role["RoleName"].startswith("orders-worker-exec-")
    secrets = applied["outputs"]["secret_arns"]
    kms_keys = {aws("secretsmanager").describe_secret(SecretId=arn)["KmsKeyId"] for arn in secrets.values()}
    assert len(kms_keys) == 1 and next(iter(kms_keys)).startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
    logs = [
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{g}:*" for g in ("/ecs/orders-worker", "/ecs/orders-worker/metrics")
    ]
    assert {sid: (s["Action"], s["Resource"]) for sid, s in statements.items()} == {
        "EcrAuthorizationToken": (["ecr:GetAuthorizationToken"], ["*"]),
        "EcrPull": (
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            [
                f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/orders/worker",
                f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/platform/otel-collector",
            ],
        ),
        "Logs": (["logs:CreateLogStream", "logs:PutLogEvents"], sorted(logs)),
        "SecretsManager": (
            ["secretsmanager:GetSecretValue"],
            sorted(
                [
                    applied["legacy"],  # the partial ARN, resolved to the full one by the data source
                    secrets["api-token"],
                    secrets["db-password"],
                    f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:stripe-AbCdEf",  # :key:: removed
                ]
            ),
        ),
        "SsmParameters": (
            ["ssm:GetParameters"],
            [
                f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/orders/feature-flags",
                f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/orders/smtp-password",
            ],
        ),
        "KmsDecrypt": (
            ["kms:Decrypt"],
            sorted(kms_keys | {f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"}),
        ),
        "S3Objects": (["s3:GetObject"], ["arn:aws:s3:::orders-config/worker.env"]),
        "S3BucketLocation": (["s3:GetBucketLocation"], ["arn:aws:s3:::orders-config"]),
    }
    trust = _doc(role["AssumeRolePolicyDocument"])["Statement"]
    assert [(s["Action"], s["Principal"]) for s in trust] == [
        ("sts:AssumeRole", {"Service": "ecs-tasks.amazonaws.com"})
    ]


def test_task_role_is_scoped_to_the_file_systems_and_access_point(applied: dict[str, Any], aws: Any) -> None:
    role, statements = _role(aws, applied["outputs"]["task_role_arn"])
    efs = applied["outputs"]["efs_data"]
    assert role["Path"] == "/ecs/"
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == applied["boundary"]
    assert statements == {
        "EfsData": {
            "Sid": "EfsData",
            "Effect": "Allow",
            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            "Resource": [f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/{efs['file_system_id']}"],
            "Condition": {
                "StringEquals": {
                    "elasticfilesystem:AccessPointArn": f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:access-point/"
                    f"{efs['access_point_ids']['worker']}"
                }
            },
        },
        "EfsShared": {
            "Sid": "EfsShared",
            "Effect": "Allow",
            "Action": ["elasticfilesystem:ClientMount"],  # read-only
            "Resource": [f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-0abc1234"],
        },
        "EcsExec": {
            "Sid": "EcsExec",
            "Effect": "Allow",
            "Resource": ["*"],
            "Action": [
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ],
        },
        "ReadOrdersExport": {
            "Sid": "ReadOrdersExport",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::orders-data/export.csv"],
        },
    }
    trust = _doc(role["AssumeRolePolicyDocument"])["Statement"][0]
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:*"},
    }
    attached = aws("iam").list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [applied["policy"]]


def test_log_groups_secrets_and_file_system(applied: dict[str, Any], aws: Any) -> None:
    groups = aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/orders-worker")["logGroups"]
    assert {(g["logGroupName"], g["retentionInDays"]) for g in groups} == {
        ("/ecs/orders-worker", 90),
        ("/ecs/orders-worker/metrics", 90),
    }
    sm = aws("secretsmanager")
    for key, arn in applied["outputs"]["secret_arns"].items():
        secret = sm.describe_secret(SecretId=arn)
        assert secret["Name"] == f"orders-worker/{key}"
        assert {t["Key"]: t["Value"] for t in secret["Tags"]} == {"team": "orders"}
        with pytest.raises(sm.exceptions.ResourceNotFoundException):  # a container, never a value
            sm.get_secret_value(SecretId=arn)
    efs_client = aws("efs")
    fs_id = applied["outputs"]["efs_data"]["file_system_id"]
    fs = efs_client.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]
    assert fs["Encrypted"] and fs["KmsKeyId"].startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
    ap = efs_client.describe_access_points(FileSystemId=fs_id)["AccessPoints"][0]
    assert ap["PosixUser"] == {"Uid": 1000, "Gid": 1000}
    assert ap["RootDirectory"] == {
        "Path": "/worker",
        "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "750"},
    }
    targets = efs_client.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]
    assert [t["SubnetId"] for t in targets] == [applied["subnet"]]
    sg_id = applied["outputs"]["efs_data"]["security_group_id"]
    assert efs_client.describe_mount_target_security_groups(MountTargetId=targets[0]["MountTargetId"])[
        "SecurityGroups"
    ] == [sg_id]
    group = aws("ec2").describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    assert [
        (p["FromPort"], p["ToPort"], [g["GroupId"] for g in p["UserIdGroupPairs"]], p["IpRanges"])
        for p in group["IpPermissions"]
    ] == [(2049, 2049, [applied["sg"]], [])]
    policy = _doc(efs_client.describe_file_system_policy(FileSystemId=fs_id)["Policy"])["Statement"][0]
    assert (policy["Effect"], policy["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def test_second_plan_is_empty(applied: dict[str, Any], aws_env: dict[str, str]) -> None:
    proc = terraform(["plan", "-detailed-exitcode", "-input=false"], applied["root"], aws_env, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _planned_execution_policy(root: Path, env: dict[str, str]) -> dict[str, Any]:
    terraform(["init", "-input=false", "-backend=false"], root, env)
    terraform(["plan", "-input=false", "-out=tfplan"], root, env)
    plan = json.loads(terraform(["show", "-json", "tfplan"], root, env).stdout)
    [policy] = [
        r["change"]["after"]["policy"]
        for r in plan["resource_changes"]
        if r["address"] == "module.task_definition.aws_iam_role_policy.execution[0]"
    ]
    return _doc(policy)


def test_hand_written_root_gets_the_generators_policy(aws_env: dict[str, str], tmp_path: Path) -> None:
    """A team calling the module directly gets the same least privilege as a generated root of the same task."""
    modules = shutil.copytree(MODULES, tmp_path / "modules", ignore=shutil.ignore_patterns(".terraform*"))
    by_hand = _planned_execution_policy(modules / "ecs-task-definition/examples/two-containers-three-secrets", aws_env)
    spec = FIXTURES / "features" / "two-containers-three-secrets.yaml"
    assert ecsform("synth", str(spec), "--out", str(tmp_path / "out"), NO_CONFIG).returncode == 0
    generated = _planned_execution_policy(tmp_path / "out" / "payments-api", aws_env)
    assert by_hand == generated
    assert _statements(generated)["SecretsManager"]["Resource"] == [
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:payments/db-Ab12Cd",
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:payments/stripe-Ef34Gh",
    ]
    assert _statements(generated)["SsmParameters"]["Resource"] == [
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/payments/envoy/tls-key"
    ]


@pytest.mark.cdk
def test_cdk_root_plans_what_the_hcl_root_plans(
    applied: dict[str, Any], aws_env: dict[str, str], tmp_path: Path
) -> None:
    """The CDK engine's root of the feature spec plans exactly what the applied HCL root planned: the data source
    of the partial ARN, the secrets and EFS modules and the references between the modules (resource by resource,
    value by value, known-after-apply markers, outputs and data sources included)."""
    from .test_apply import assert_same_plan, planned

    proc = ecsform("synth", "--engine", "cdk", str(applied["spec"]), "--out", str(tmp_path / "cdk"), NO_CONFIG)
    assert proc.returncode == 0, proc.stderr
    root = tmp_path / "cdk" / "orders-worker"
    terraform(["init", "-input=false"], root, aws_env)
    terraform(["plan", "-input=false", "-out=tfplan"], root, aws_env)
    hcl = json.loads(terraform(["show", "-json", "tfplan"], applied["root"], aws_env).stdout)
    covered = planned(hcl)
    assert {
        'module.secrets.aws_secretsmanager_secret.this["db-password"]',
        'module.efs_data.aws_efs_access_point.this["worker"]',
    } <= set(covered["resources"])
    assert covered["data"]["data.aws_secretsmanager_secret.secret_legacy_key"]["arn"] == applied["legacy"]
    assert_same_plan(json.loads(terraform(["show", "-json", "tfplan"], root, aws_env).stdout), hcl)
