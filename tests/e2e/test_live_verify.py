"""`verify` against this worker's moto server, through the CLI (issue 14): every check fails on an empty account,
then on resources that exist but are wrong, then passes; the KMS key of a secret for the role ecsform creates; AWS
errors as findings; the target's account and role; a role named by its name.

Resources are seeded with boto3 exactly as a user's account would hold them (live_aws.py); the CLI runs in its own
process with only the environment pointing boto3 and Terraform at moto.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import NO_CONFIG, SPECS, ecsform

from .live_aws import ACCOUNT, ECS_TRUST, REGION, Cleanup, create_role, create_secret, findings, put_image, rules_at

pytestmark = pytest.mark.e2e


# --- one spec that references everything verify checks --------------------------------------------------------

FAKE = {
    "full": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:lcv-full-AbCdEf:password:AWSCURRENT:",
    "fs": "fs-0123456789abcdef0",
    "ap": "fsap-0123456789abcdef0",
    "vpc": "vpc-0123456789abcdef0",
    "subnet1": "subnet-0123456789abcdef0",
    "subnet2": "subnet-0123456789abcdef1",
    "sg": "sg-0123456789abcdef0",
    "kms": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000",
}


def everything_spec(ids: dict[str, str]) -> str:
    return f"""\
family: lcv-app
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
executionRoleArn: arn:aws:iam::{ACCOUNT}:role/lcv-exec
taskRoleArn: arn:aws:iam::{ACCOUNT}:role/lcv-task
containerDefinitions:
  - name: app
    image: {ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/lcv-app:1.0
    readonlyRootFilesystem: true
    secrets:
      FULL: "{ids["full"]}"
      PARTIAL: arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:lcv-partial
      PARAM: arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/lcv/param
      BARE: lcv-bare
      MANAGED: ecsform:secret/managed
    environmentFiles:
      - {{value: "arn:aws:s3:::lcv-bucket/app.env", type: s3}}
    mountPoints:
      - {{sourceVolume: shared, containerPath: /shared}}
      - {{sourceVolume: data, containerPath: /data}}
    logConfiguration:
      logDriver: awslogs
      options: {{awslogs-group: /lcv/app, awslogs-region: {REGION}, awslogs-stream-prefix: app}}
volumes:
  - name: shared
    efsVolumeConfiguration:
      fileSystemId: {ids["fs"]}
      transitEncryption: ENABLED
      authorizationConfig: {{accessPointId: {ids["ap"]}, iam: ENABLED}}
  - name: data
    efsVolumeConfiguration: {{fileSystemId: "ecsform:efs/data", transitEncryption: ENABLED}}
x-ecsform:
  region: {REGION}
  logs: {{create: false}}
  secrets:
    managed: {{name: lcv/managed, kmsKeyArn: "{ids["kms"]}"}}
  efs:
    data: {{vpcId: {ids["vpc"]}, subnetIds: [{ids["subnet1"]}, {ids["subnet2"]}], securityGroupIds: [{ids["sg"]}]}}
"""


SECRETS = "containerDefinitions[0].secrets"
WHERE = {
    "image": "containerDefinitions[0].image",
    "full": f"{SECRETS}[0].valueFrom",
    "partial": f"{SECRETS}[1].valueFrom",
    "param": f"{SECRETS}[2].valueFrom",
    "bare": f"{SECRETS}[3].valueFrom",
    "env_file": "containerDefinitions[0].environmentFiles[0].value",
    "log_group": "containerDefinitions[0].logConfiguration.options.awslogs-group",
    "fs": "volumes[0].efsVolumeConfiguration.fileSystemId",
    "ap": "volumes[0].efsVolumeConfiguration.authorizationConfig.accessPointId",
    "vpc": "x-ecsform.efs.data.vpcId",
    "subnet1": "x-ecsform.efs.data.subnetIds[0]",
    "subnet2": "x-ecsform.efs.data.subnetIds[1]",
    "sg": "x-ecsform.efs.data.securityGroupIds[0]",
    "kms": "x-ecsform.secrets.managed.kmsKeyArn",
    "managed": "x-ecsform.secrets.managed",
}


def test_verify_every_check_fails_then_passes(
    aws: Any, aws_env: dict[str, str], tmp_path: Path, cleanup: Cleanup
) -> None:
    spec = tmp_path / "lcv-app.yaml"

    def verify(ids: dict[str, str], *extra: str) -> Any:
        spec.write_text(everything_spec(ids))
        return ecsform("verify", str(spec), *extra, env=aws_env, cwd=tmp_path)

    # 1. an empty account: every reference is missing
    empty = verify(FAKE)
    assert empty.returncode == 2, empty.stderr
    assert rules_at(empty) == {
        ("VERIFY-IMAGE", WHERE["image"]),
        ("VERIFY-SECRET", WHERE["full"]),
        ("VERIFY-SECRET", WHERE["partial"]),
        ("VERIFY-PARAMETER", WHERE["param"]),
        ("VERIFY-PARAMETER", WHERE["bare"]),
        ("VERIFY-S3-OBJECT", WHERE["env_file"]),
        ("VERIFY-LOG-GROUP", WHERE["log_group"]),
        ("VERIFY-EFS", WHERE["fs"]),
        ("VERIFY-EFS", WHERE["ap"]),
        ("VERIFY-NETWORK", WHERE["vpc"]),
        ("VERIFY-NETWORK", WHERE["subnet1"]),
        ("VERIFY-NETWORK", WHERE["subnet2"]),
        ("VERIFY-NETWORK", WHERE["sg"]),
        ("VERIFY-KMS", WHERE["kms"]),
        ("VERIFY-ROLE", "executionRoleArn"),
        ("VERIFY-ROLE", "taskRoleArn"),
    }, empty.stderr

    # 2. everything exists, but wrong: a missing tag, a secret where a parameter belongs, a disabled key, roles
    #    that ECS cannot assume or that lack permissions, an access point of another file system, subnets in one
    #    zone, a security group of another VPC, a managed secret that exists already
    ec2, efs, kms = aws("ec2", REGION), aws("efs", REGION), aws("kms", REGION)
    put_image(aws, "lcv-app", "0.9", REGION, cleanup)
    key = kms.create_key()["KeyMetadata"]
    full = create_secret(aws, "lcv-full", REGION, cleanup, KmsKeyId=key["Arn"])  # the brought role needs the key
    ids = dict(FAKE, full=f"{full}:password:AWSPENDING:")  # a version label the secret does not have
    create_secret(aws, "lcv-partial", REGION, cleanup)
    ssm = aws("ssm", REGION)
    ssm.put_parameter(Name="/lcv/param", Value="v", Type="SecureString")
    cleanup.add(lambda: ssm.delete_parameter(Name="/lcv/param"))
    bare_secret = create_secret(aws, "lcv-bare", REGION, cleanup)
    kms.disable_key(KeyId=key["KeyId"])
    ids["kms"] = key["Arn"]
    managed = create_secret(aws, "lcv/managed", REGION, cleanup)
    s3 = aws("s3", REGION)
    s3.create_bucket(Bucket="lcv-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
    cleanup.add(lambda: s3.delete_bucket(Bucket="lcv-bucket"))
    ids["fs"] = efs.create_file_system(CreationToken="lcv-shared")["FileSystemId"]
    other_fs = efs.create_file_system(CreationToken="lcv-other")["FileSystemId"]
    cleanup.add(lambda: efs.delete_file_system(FileSystemId=ids["fs"]))
    cleanup.add(lambda: efs.delete_file_system(FileSystemId=other_fs))
    wrong_ap = efs.create_access_point(FileSystemId=other_fs)["AccessPointId"]
    cleanup.add(lambda: efs.delete_access_point(AccessPointId=wrong_ap))
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in ((1, "a"), (2, "a"), (3, "b"))
    ]
    sg_other = ec2.create_security_group(GroupName="lcv-other", Description="x", VpcId=other_vpc)["GroupId"]
    sg = ec2.create_security_group(GroupName="lcv-tasks", Description="x", VpcId=vpc)["GroupId"]
    for subnet in subnets:
        cleanup.add(lambda s=subnet: ec2.delete_subnet(SubnetId=s))
    for group in (sg, sg_other):
        cleanup.add(lambda g=group: ec2.delete_security_group(GroupId=g))
    cleanup.add(lambda: ec2.delete_vpc(VpcId=vpc))
    cleanup.add(lambda: ec2.delete_vpc(VpcId=other_vpc))
    create_role(
        aws,
        "lcv-exec",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        },
        cleanup,
        [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}],
    )
    create_role(aws, "lcv-task", ECS_TRUST, cleanup, [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
    broken = verify(dict(ids, ap=wrong_ap, vpc=vpc, subnet1=subnets[0], subnet2=subnets[1], sg=sg_other))
    assert broken.returncode == 2, broken.stderr
    assert rules_at(broken) == {
        ("VERIFY-IMAGE", WHERE["image"]),
        ("VERIFY-PARAMETER", WHERE["bare"]),
        ("VERIFY-SECRET", WHERE["full"]),
        ("VERIFY-KMS", WHERE["full"]),
        ("VERIFY-S3-OBJECT", WHERE["env_file"]),
        ("VERIFY-LOG-GROUP", WHERE["log_group"]),
        ("VERIFY-EFS", WHERE["ap"]),
        ("VERIFY-NETWORK", WHERE["subnet2"]),
        ("VERIFY-NETWORK", WHERE["sg"]),
        ("VERIFY-KMS", WHERE["kms"]),
        ("VERIFY-ADOPT", WHERE["managed"]),
        ("VERIFY-ROLE-TRUST", "executionRoleArn"),
        ("VERIFY-ROLE-POLICY", "executionRoleArn"),
        ("VERIFY-ROLE-POLICY", "taskRoleArn"),
    }, broken.stderr
    text = {(rule, path): (severity, message) for rule, severity, path, message in findings(broken)}
    assert "tags it holds: 0.9" in broken.stderr
    assert text[("VERIFY-PARAMETER", WHERE["bare"])][1].endswith("Secrets Manager has a secret named 'lcv-bare'")
    assert f"valueFrom: {bare_secret}" in broken.stderr  # the ARN to write
    assert "is Disabled" in text[("VERIFY-KMS", WHERE["kms"])][1]
    assert text[("VERIFY-SECRET", WHERE["full"])][1] == f"secret {full} has no version labelled 'AWSPENDING'"
    assert f"encrypted with KMS key {key['Arn']}, which is Disabled" in text[("VERIFY-KMS", WHERE["full"])][1]
    assert f"belongs to file system {other_fs}" in text[("VERIFY-EFS", WHERE["ap"])][1]
    assert "both in eu-west-2a" in text[("VERIFY-NETWORK", WHERE["subnet2"])][1]
    assert text[("VERIFY-ADOPT", WHERE["managed"])] == (
        "warning",
        f"secret 'lcv/managed' exists already ({managed}): ecsform creates it, and the root's first apply "
        "stops with ResourceExistsException unless the root's state holds it",
    )
    assert "hint: adopt it: ecsform synth lcv-app.yaml --adopt (the first apply imports it)" in broken.stderr
    execution_missing = text[("VERIFY-ROLE-POLICY", "executionRoleArn")][1]
    for needed in (
        "secretsmanager:GetSecretValue",
        "ssm:GetParameters",
        "s3:GetObject",
        "logs:CreateLogStream",
        full,
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/lcv/param",
        "arn:aws:s3:::lcv-bucket/app.env",
    ):
        assert needed in execution_missing, needed
    assert "ecr:" not in execution_missing  # ecr:* allows the pulls
    assert (
        "elasticfilesystem:ClientMount, elasticfilesystem:ClientWrite" in text[("VERIFY-ROLE-POLICY", "taskRoleArn")][1]
    )

    # 3. fixed: verify passes (exit 0, no finding), and says what it found, through an assumed role
    put_image(aws, "lcv-app", "1.0", REGION, cleanup)
    ssm.put_parameter(Name="lcv-bare", Value="v", Type="SecureString")
    cleanup.add(lambda: ssm.delete_parameter(Name="lcv-bare"))
    kms.enable_key(KeyId=key["KeyId"])
    aws("secretsmanager", REGION).delete_secret(SecretId=managed, ForceDeleteWithoutRecovery=True)
    s3.put_object(Bucket="lcv-bucket", Key="app.env", Body=b"A=1\n")
    cleanup.add(lambda: s3.delete_object(Bucket="lcv-bucket", Key="app.env"))
    logs = aws("logs", REGION)
    logs.create_log_group(logGroupName="/lcv/app")
    cleanup.add(lambda: logs.delete_log_group(logGroupName="/lcv/app"))
    ap = efs.create_access_point(FileSystemId=ids["fs"])["AccessPointId"]
    cleanup.add(lambda: efs.delete_access_point(AccessPointId=ap))
    iam = aws("iam")
    iam.update_assume_role_policy(RoleName="lcv-exec", PolicyDocument=json.dumps(ECS_TRUST))
    iam.put_role_policy(
        RoleName="lcv-exec",
        PolicyName="task",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["ecr:*", "logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": "*",
                    },
                    {
                        "Effect": "Allow",
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:lcv*",
                    },
                    {
                        "Effect": "Allow",
                        "Action": "ssm:GetParameters",
                        "Resource": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/*",
                    },
                    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key["Arn"]},
                    {
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:GetBucketLocation"],
                        "Resource": ["arn:aws:s3:::lcv-bucket", "arn:aws:s3:::lcv-bucket/*"],
                    },
                ],
            }
        ),
    )
    policy = iam.create_policy(
        PolicyName="lcv-efs",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "elasticfilesystem:Client*",
                        "Resource": "*",
                        "Condition": {
                            "StringEquals": {
                                "elasticfilesystem:AccessPointArn": f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:access-point/{ap}"
                            }
                        },
                    }
                ],
            }
        ),
    )["Policy"]
    iam.attach_role_policy(RoleName="lcv-task", PolicyArn=policy["Arn"])
    cleanup.add(lambda: iam.delete_policy(PolicyArn=policy["Arn"]))
    cleanup.add(lambda: iam.detach_role_policy(RoleName="lcv-task", PolicyArn=policy["Arn"]))
    deploy = create_role(
        aws,
        "lcv-deploy",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
            ],
        },
        cleanup,
    )
    good = verify(
        dict(ids, full=f"{full}:password:AWSCURRENT:", ap=ap, vpc=vpc, subnet1=subnets[0], subnet2=subnets[2], sg=sg),
        "--role-arn",
        deploy,
    )
    assert good.returncode == 0, good.stderr
    assert findings(good) == [] and good.stderr == "", good.stderr
    partial = next(line for line in good.stdout.splitlines() if f"{WHERE['partial']}: partial ARN" in line)
    assert re.search(r":secret:lcv-partial-[A-Za-z0-9]{6}$", partial), partial
    for path in set(WHERE.values()) - {WHERE["managed"]} | {"executionRoleArn", "taskRoleArn"}:
        assert re.search(rf"^lcv-app.yaml:\d+:\d+: ok: {re.escape(path)}: ", good.stdout, re.M), path


def test_verify_secret_key_for_the_role_ecsform_creates(
    aws: Any, aws_env: dict[str, str], tmp_path: Path, cleanup: Cleanup
) -> None:
    """A secret encrypted with a customer-managed key: the created execution role needs the key in kmsKeyArns."""
    key = aws("kms", REGION).create_key()["KeyMetadata"]["Arn"]
    secret = create_secret(aws, "lcv-kms-secret", REGION, cleanup, KmsKeyId=key)
    spec = tmp_path / "lcv-kms.yaml"

    def verify(keys: list[str]) -> Any:
        spec.write_text(f"""\
family: lcv-kms
containerDefinitions:
  - name: app
    image: public.ecr.aws/docker/library/busybox:1.36
    memory: 128
    readonlyRootFilesystem: true
    secrets: {{TOKEN: "{secret}"}}
x-ecsform: {{region: {REGION}, executionRole: {{kmsKeyArns: {json.dumps(keys)}}}}}
""")
        return ecsform("verify", str(spec), env=aws_env, cwd=tmp_path)

    missing = verify([])
    assert missing.returncode == 0, missing.stderr  # a warning: the key policy may grant the role on its own
    assert [(r, s, p) for r, s, p, _ in findings(missing)] == [
        ("VERIFY-SECRET-KMS", "warning", "containerDefinitions[0].secrets[0].valueFrom")
    ]
    assert f"add {key} to x-ecsform.executionRole.kmsKeyArns" in missing.stderr
    granted = verify([key])
    assert granted.returncode == 0 and findings(granted) == [], granted.stderr


def test_aws_errors_are_findings(aws_env: dict[str, str], tmp_path: Path) -> None:
    spec = str(SPECS / "financial-api.json")
    closed = dict(aws_env, AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_MAX_ATTEMPTS="1")
    unreachable = ecsform("verify", spec, env=closed)
    assert unreachable.returncode == 2
    assert [(r, p) for r, _, p, _ in findings(unreachable)] == [("AWS-ENDPOINT", "family")], unreachable.stderr
    anonymous = {k: v for k, v in aws_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    no_credentials = ecsform("diff", spec, env=anonymous)
    assert no_credentials.returncode == 2
    assert [r for r, _, _, _ in findings(no_credentials)] == ["AWS-CREDENTIALS"], no_credentials.stderr
    nowhere = {k: v for k, v in aws_env.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION")}
    (tmp_path / "no-region.yaml").write_text(
        "family: lcv-nowhere\ncontainerDefinitions:\n"
        "  - {name: a, image: busybox, memory: 64, readonlyRootFilesystem: true}\n"
    )
    no_region = ecsform("verify", str(tmp_path / "no-region.yaml"), NO_CONFIG, env=nowhere)
    assert no_region.returncode == 2 and [r for r, _, _, _ in findings(no_region)] == ["AWS-REGION"], no_region.stderr


def test_the_target_account_and_role(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A target names its account (ecsform.yaml): credentials of another account stop before any check; the
    target's role is assumed with STS (moto gives credentials in the role's account)."""
    from generators.aws.session import connect
    from generators.errors import EcsformError
    from generators.target import Target

    for name, value in aws_env.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    with pytest.raises(EcsformError) as refused:
        connect(Target(account_id="210987654321", region=REGION))
    assert [f.rule for f in refused.value.findings] == ["AWS-ACCOUNT"]
    assert "the credentials are for account 123456789012, the target is account 210987654321" in str(refused.value)
    other = connect(
        Target(account_id="210987654321", region=REGION, role_arn="arn:aws:iam::210987654321:role/deploy"), "api/prod"
    )
    assert other.account == "210987654321" and other.region == REGION
    assert other.identity()["arn"].endswith(":assumed-role/deploy/ecsform-api-prod")


def test_verify_a_role_named_by_its_name(aws: Any, aws_env: dict[str, str], tmp_path: Path, cleanup: Cleanup) -> None:
    """Issue 21: a role the spec names by its name (as AWS allows) is that role of the account verify runs in: its
    existence, trust and policies are checked as for an ARN, whatever its path."""
    spec = tmp_path / "named.yaml"
    spec.write_text(
        f"""\
family: lcv-named
executionRoleArn: lcv-named-exec
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
    memory: 128
    readonlyRootFilesystem: true
    logConfiguration:
      logDriver: awslogs
      options: {{awslogs-group: /lcv/named, awslogs-region: {REGION}, awslogs-stream-prefix: app}}
x-ecsform: {{region: {REGION}, logs: {{create: false}}}}
"""
    )
    missing = ecsform("verify", NO_CONFIG, str(spec), env=aws_env, cwd=tmp_path)
    assert ("VERIFY-ROLE", "executionRoleArn") in rules_at(missing), missing.stderr
    assert f"role 'lcv-named-exec' does not exist in account {ACCOUNT} (the task names it by its name" in missing.stderr
    iam = aws("iam")
    arn = iam.create_role(RoleName="lcv-named-exec", Path="/svc/", AssumeRolePolicyDocument=json.dumps(ECS_TRUST))
    cleanup.add(lambda: iam.delete_role(RoleName="lcv-named-exec"))
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/lcv/named:*"
    allow = {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": group}
    iam.put_role_policy(
        RoleName="lcv-named-exec",
        PolicyName="logs",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow]}),
    )
    cleanup.add(lambda: iam.delete_role_policy(RoleName="lcv-named-exec", PolicyName="logs"))
    logs = aws("logs", REGION)
    logs.create_log_group(logGroupName="/lcv/named")
    cleanup.add(lambda: logs.delete_log_group(logGroupName="/lcv/named"))
    passed = ecsform("verify", NO_CONFIG, str(spec), env=aws_env, cwd=tmp_path)
    assert passed.returncode == 0, passed.stderr
    assert arn["Role"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/svc/lcv-named-exec"
    assert f"ok: executionRoleArn: role {arn['Role']['Arn']}" in passed.stdout, passed.stdout
