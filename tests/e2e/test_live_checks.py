"""`verify`, `diff` and `synth --adopt` against this worker's moto server, through the CLI (issue 14).

Resources are seeded with boto3 exactly as a user's account would hold them; the CLI runs in its own process with
only the environment pointing boto3 and Terraform at moto. The specs here live in eu-west-2 under names of their
own (lcv-*), so the roots the other e2e tests apply in us-east-1 never see them; the seed's Example 1
(specs/financial-api.json) uses its own fixed names in us-east-1, which its test removes again at the end.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from conftest import NO_CONFIG, SPECS, ecsform, terraform

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"  # moto's default account
REGION = "eu-west-2"
FINDING = re.compile(r"^(\S+):(\d+):(\d+): (error|warning) ([A-Z0-9-]+): (?:\[environment \S+\] )?(\S+): (.*)$")
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "digest": "sha256:" + "a" * 64,
            "size": 1,
            "mediaType": "application/vnd.docker.container.image.v1+json",
        },
        "layers": [],
    }
)
ECS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def findings(proc: Any) -> list[tuple[str, str, str, str]]:
    """(rule, severity, field path, message) of every finding in the CLI's output; each must be file:line:col."""
    out = []
    for line in proc.stderr.splitlines():
        m = FINDING.match(line)
        if m:
            assert int(m.group(2)) >= 1 and int(m.group(3)) >= 1, line
            out.append((m.group(5), m.group(4), m.group(6), m.group(7)))
    assert "Traceback" not in proc.stderr + proc.stdout
    return out


def rules_at(proc: Any) -> set[tuple[str, str]]:
    return {(rule, path) for rule, _, path, _ in findings(proc)}


class Cleanup:
    """Deletes what a test seeded, in reverse order, whether the test passed or not."""

    def __init__(self) -> None:
        self.steps: list[Callable[[], Any]] = []

    def add(self, step: Callable[[], Any]) -> None:
        self.steps.append(step)

    def run(self) -> None:
        for step in reversed(self.steps):
            try:
                step()
            except Exception:  # noqa: BLE001 - best effort: the resource may already be gone
                pass


@pytest.fixture
def cleanup() -> Iterator[Cleanup]:
    c = Cleanup()
    yield c
    c.run()


def put_image(aws: Any, repo: str, tag: str, region: str, cleanup: Cleanup) -> None:
    ecr = aws("ecr", region)
    try:
        ecr.create_repository(repositoryName=repo)
        cleanup.add(lambda: ecr.delete_repository(repositoryName=repo, force=True))
    except ecr.exceptions.RepositoryAlreadyExistsException:
        pass
    ecr.put_image(
        repositoryName=repo, imageManifest=MANIFEST.replace("a" * 64, (tag.encode().hex() * 64)[:64]), imageTag=tag
    )


def create_role(aws: Any, name: str, trust: dict, cleanup: Cleanup, statements: list[dict] | None = None) -> str:
    iam = aws("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

    def delete() -> None:
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
        iam.delete_role(RoleName=name)

    cleanup.add(delete)
    if statements is not None:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="task",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
    return arn


def create_secret(aws: Any, name: str, region: str, cleanup: Cleanup, **extra: Any) -> str:
    sm = aws("secretsmanager", region)
    arn = sm.create_secret(Name=name, SecretString="s3cr3t", **extra)["ARN"]
    cleanup.add(lambda: sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True))
    return arn


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


# --- the seed's Example 1: verify, diff, adopt, apply -----------------------------------------------------------

EXAMPLE = SPECS / "financial-api.json"
EXAMPLE_REGION = "us-east-1"


def test_example_1_verify_diff_adopt_apply(aws: Any, aws_env: dict[str, str], tmp_path: Path, cleanup: Cleanup) -> None:
    """specs/financial-api.json as the seed document wrote it, in an account that has its roles (trusting ECS,
    with the permissions the task needs) but not its secrets, image or log group."""
    for name in ("ECSTaskRole", "ECSTaskExecutionRole"):
        create_role(
            aws,
            name,
            ECS_TRUST,
            cleanup,
            [
                {
                    "Effect": "Allow",
                    "Action": [
                        "ecr:GetAuthorizationToken",
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "secretsmanager:GetSecretValue",
                    ],
                    "Resource": "*",
                }
            ],
        )
    run = lambda *args: ecsform(*args, NO_CONFIG, env=aws_env)  # noqa: E731 - the spec alone, as the seed wrote it
    missing = run("verify", str(EXAMPLE))
    assert missing.returncode == 2
    lines = [line for line in missing.stderr.splitlines() if FINDING.match(line)]
    assert lines == [
        "specs/financial-api.json:13:22: error VERIFY-IMAGE: containerDefinitions[0].image: ECR repository "
        "financial-api (account 123456789012, us-east-1) does not exist",
        "specs/financial-api.json:28:34: error VERIFY-SECRET: containerDefinitions[0].secrets[0].valueFrom: no secret "
        "named 'db-connection' in account 123456789012, us-east-1",
        "specs/financial-api.json:32:34: error VERIFY-SECRET: containerDefinitions[0].secrets[1].valueFrom: no secret "
        "named 'openai-key' in account 123456789012, us-east-1",
    ], missing.stderr
    # ecsform creates the log group: missing is as it should be, and verify says so
    assert (
        "specs/financial-api.json:38:38: ok: containerDefinitions[0].logConfiguration.options.awslogs-group: "
        "log group '/ecs/financial-api' will be created" in missing.stdout
    )
    # --format json: the same findings as one document on standard output, verify's own lines on standard error
    as_json = run("verify", str(EXAMPLE), "--format", "json")
    assert as_json.returncode == 2
    assert [(f["rule"], f["line"], f["column"]) for f in json.loads(as_json.stdout)["findings"]] == [
        ("VERIFY-IMAGE", 13, 22),
        ("VERIFY-SECRET", 28, 34),
        ("VERIFY-SECRET", 32, 34),
    ], as_json.stdout
    assert "ok: containerDefinitions[0].logConfiguration" in as_json.stderr

    put_image(aws, "financial-api", "latest", EXAMPLE_REGION, cleanup)
    secrets = {name: create_secret(aws, name, EXAMPLE_REGION, cleanup) for name in ("db-connection", "openai-key")}
    logs = aws("logs", EXAMPLE_REGION)
    logs.create_log_group(logGroupName="/ecs/financial-api")  # made by hand before ecsform
    cleanup.add(lambda: logs.delete_log_group(logGroupName="/ecs/financial-api"))
    seeded = run("verify", str(EXAMPLE))
    assert seeded.returncode == 0, seeded.stderr
    assert [(r, s, p) for r, s, p, _ in findings(seeded)] == [
        ("VERIFY-ADOPT", "warning", "containerDefinitions[0].logConfiguration.options.awslogs-group")
    ]
    assert (
        "hint: adopt it: ecsform synth specs/financial-api.json --adopt --no-config (the first apply" in seeded.stderr
    )
    for name, arn in secrets.items():
        assert (
            f"partial ARN arn:aws:secretsmanager:us-east-1:123456789012:secret:{name} resolves to exactly one "
            f"secret: {arn}" in seeded.stdout
        )

    # an older revision runs: another log level and image, and a sidecar the spec no longer has
    ecs = aws("ecs", EXAMPLE_REGION)
    rendered = json.loads(run("render", str(EXAMPLE)).stdout)
    old = json.loads(json.dumps(rendered))
    api = old["containerDefinitions"][0]
    api["environment"] = [{"name": "LOG_LEVEL", "value": "DEBUG"}, {"name": "ENVIRONMENT", "value": "production"}]
    api["image"] = api["image"].replace(":latest", ":1.3.0")
    old["containerDefinitions"].append({"name": "sidecar", "image": "busybox", "essential": False})
    registered = ecs.register_task_definition(**old)["taskDefinition"]
    cleanup.add(lambda: ecs.deregister_task_definition(taskDefinition=registered["taskDefinitionArn"]))
    before = run("diff", str(EXAMPLE))
    assert before.returncode == 1, before.stderr
    as_sarif = run("diff", str(EXAMPLE), "--format", "sarif")  # the differences on standard error, the log alone
    assert as_sarif.returncode == 1 and json.loads(as_sarif.stdout)["runs"][0]["results"] == []
    assert as_sarif.stderr == before.stdout
    changed = [line.strip().split(":", 1)[0] for line in before.stdout.splitlines()[1:]]
    assert changed == [
        "containerDefinitions[api].image",
        "containerDefinitions[api].environment[LOG_LEVEL]",
        "containerDefinitions[sidecar]",
    ], before.stdout
    assert 'containerDefinitions[api].environment[LOG_LEVEL]: "DEBUG" -> "INFO"' in before.stdout

    out = tmp_path / "build"
    synth = run("synth", str(EXAMPLE), "--adopt", "--out", str(out))
    assert synth.returncode == 0, synth.stderr
    root = out / "financial-api"
    assert (
        'module.task_definition.aws_cloudwatch_log_group.this["/ecs/financial-api"]'
        in (root / "imports.tf").read_text()
    )
    tf = lambda *args, check=True: terraform(list(args), root, aws_env, check=check)  # noqa: E731
    tf("init", "-input=false")
    cleanup.add(lambda: tf("destroy", "-auto-approve", "-input=false"))
    tf("apply", "-auto-approve", "-input=false")
    after = run("diff", str(EXAMPLE))
    assert after.returncode == 0, after.stdout + after.stderr
    assert re.fullmatch(
        r"specs/financial-api.json: no changes from financial-api:\d+ \(account 123456789012, "
        r"us-east-1\)\n",
        after.stdout,
    ), after.stdout
    assert tf("plan", "-detailed-exitcode", "-input=false", check=False).returncode == 0


# --- diff on its own family ---------------------------------------------------------------------------------


def test_diff_equal_changed_removed_and_revisions(
    aws: Any, aws_env: dict[str, str], tmp_path: Path, cleanup: Cleanup
) -> None:
    spec = tmp_path / "lcv-diff.yaml"
    spec.write_text(f"""\
family: lcv-diff
x-ecsform: {{region: {REGION}, tags: {{team: orders}}}}
networkMode: awsvpc
containerDefinitions:
  - name: web
    image: nginx:1.27
    memory: 128
    readonlyRootFilesystem: true
    portMappings: [80]
    environment: {{MODE: web, LEVEL: info}}
""")
    run = lambda *args: ecsform("diff", str(spec), NO_CONFIG, *args, env=aws_env)  # noqa: E731
    nothing = run()
    assert nothing.returncode == 1
    assert "family lcv-diff has no ACTIVE revision in account 123456789012, eu-west-2" in nothing.stdout
    ecs = aws("ecs", REGION)
    rendered = json.loads(ecsform("render", str(spec), NO_CONFIG, env=aws_env).stdout)

    def register(task: dict) -> int:
        td = ecs.register_task_definition(**task)["taskDefinition"]
        cleanup.add(lambda: ecs.deregister_task_definition(taskDefinition=td["taskDefinitionArn"]))
        return td["revision"]

    equal = register(rendered)
    same = run()
    assert same.returncode == 0, same.stdout + same.stderr
    assert same.stdout == f"{spec}: no changes from lcv-diff:{equal} (account 123456789012, eu-west-2)\n"
    changed = json.loads(json.dumps(rendered))
    changed["containerDefinitions"][0]["environment"][0]["value"] = "debug"  # LEVEL (render sorts by name)
    changed["containerDefinitions"][0]["image"] = "nginx:1.26"
    changed["containerDefinitions"].append({"name": "old", "image": "busybox", "memory": 64})
    changed["tags"] = [{"key": "team", "value": "payments"}]
    register(changed)
    differ = run()
    assert differ.returncode == 1
    assert differ.stdout.splitlines()[1:] == [  # containers by name, then each container's fields in the spec's order
        '  containerDefinitions[old]: {"name": "old", "image": "busybox", "memory": 64, "essential": true} -> (none)',
        '  containerDefinitions[web].image: "nginx:1.26" -> "nginx:1.27"',
        '  containerDefinitions[web].environment[LEVEL]: "debug" -> "info"',
        '  tags[team]: "payments" -> "orders"',
    ], differ.stdout
    pinned = run("--revision", str(equal))
    assert pinned.returncode == 0 and f"lcv-diff:{equal}" in pinned.stdout
    absent = run("--revision", "999")
    assert absent.returncode == 2
    assert [(r, p) for r, _, p, _ in findings(absent)] == [("DIFF-REVISION", "family")]
    # the latest ACTIVE revision: once the changed one is deregistered, the equal one is compared again
    ecs.deregister_task_definition(taskDefinition=f"lcv-diff:{equal + 1}")
    assert run().returncode == 0


# --- adopt: a pre-existing log group and secret ------------------------------------------------------------


def test_adopt_pre_existing_log_group_and_secret(
    aws: Any, aws_env: dict[str, str], tmp_path: Path, cleanup: Cleanup
) -> None:
    spec = tmp_path / "lcv-adopt.yaml"
    spec.write_text(f"""\
family: lcv-adopt
containerDefinitions:
  - name: app
    image: public.ecr.aws/docker/library/busybox:1.36
    memory: 128
    readonlyRootFilesystem: true
    secrets: {{TOKEN: "ecsform:secret/token"}}
    logConfiguration:
      logDriver: awslogs
      options: {{awslogs-group: /lcv/adopt, awslogs-region: {REGION}, awslogs-stream-prefix: app}}
x-ecsform:
  region: {REGION}
  tags: {{team: orders}}
  logs: {{retentionInDays: 30}}
  secrets: {{token: {{name: lcv/adopt-token, recoveryWindowInDays: 0}}}}
""")
    logs = aws("logs", REGION)
    logs.create_log_group(logGroupName="/lcv/adopt")  # by hand: no retention, no tags
    cleanup.add(lambda: logs.delete_log_group(logGroupName="/lcv/adopt"))
    sm = aws("secretsmanager", REGION)
    cleanup.add(lambda: sm.delete_secret(SecretId="lcv/adopt-token", ForceDeleteWithoutRecovery=True))
    out = tmp_path / "build"
    root = out / "lcv-adopt"
    tf = lambda *args, check=True: terraform(list(args), root, aws_env, check=check)  # noqa: E731

    plain = ecsform("synth", str(spec), "--out", str(out), env=aws_env, cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert not (root / "imports.tf").exists()
    tf("init", "-input=false")
    cleanup.add(lambda: tf("destroy", "-auto-approve", "-input=false"))
    failed = tf("apply", "-auto-approve", "-input=false", check=False)
    assert failed.returncode == 1
    assert "creating CloudWatch Logs Log Group (/lcv/adopt)" in failed.stderr, failed.stderr
    assert "ResourceAlreadyExistsException" in failed.stderr, failed.stderr
    # halfway: the secret (the log group waits for it, through the container definitions) was created
    secret = sm.describe_secret(SecretId="lcv/adopt-token")["ARN"]

    adopted = ecsform("synth", str(spec), "--adopt", "--out", str(out), env=aws_env, cwd=tmp_path)
    assert adopted.returncode == 0, adopted.stderr
    imports = (root / "imports.tf").read_text()
    # the secret exists too (in the state already: Terraform ignores an import block for what the state holds)
    assert imports.count("import {") == 2
    assert f'to = module.secrets.aws_secretsmanager_secret.this["token"]\n  id = "{secret}"' in imports
    assert 'to = module.task_definition.aws_cloudwatch_log_group.this["/lcv/adopt"]\n  id = "/lcv/adopt"' in imports
    manifest = json.loads((out / "manifest.json").read_text())
    assert "imports.tf" in manifest["roots"][0]["files"]
    again = ecsform("synth", str(spec), "--adopt", "--out", str(tmp_path / "again"), env=aws_env, cwd=tmp_path)
    assert (
        again.returncode == 0
        and (tmp_path / "again" / "lcv-adopt" / "imports.tf").read_bytes() == (root / "imports.tf").read_bytes()
    )
    assert terraform(["fmt", "-check", "-diff", str(root)], root, aws_env, check=False).returncode == 0
    tf("apply", "-auto-approve", "-input=false")
    group = next(
        g
        for g in logs.describe_log_groups(logGroupNamePrefix="/lcv/adopt")["logGroups"]
        if g["logGroupName"] == "/lcv/adopt"
    )
    assert group["retentionInDays"] == 30
    assert logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"] == {"team": "orders"}
    described = aws("secretsmanager", REGION).describe_secret(SecretId=secret)
    assert {t["Key"]: t["Value"] for t in described.get("Tags", [])} == {"team": "orders"}
    assert tf("plan", "-detailed-exitcode", "-input=false", check=False).returncode == 0
    # the root's state holds both now: no VERIFY-ADOPT, and verify says why (issue 22 item 8); without the
    # root's folder (no state there) both are warned about again
    applied = ecsform("verify", str(spec), "--out", str(out), env=aws_env, cwd=tmp_path)
    assert "VERIFY-ADOPT" not in applied.stderr, applied.stderr
    assert "log group '/lcv/adopt' exists; the root's state holds it" in applied.stdout
    assert "secret 'lcv/adopt-token' exists; the root's state holds it" in applied.stdout
    elsewhere = ecsform("verify", str(spec), "--out", str(tmp_path / "nothing"), env=aws_env, cwd=tmp_path)
    assert [p for r, _, p, _ in findings(elsewhere) if r == "VERIFY-ADOPT"] == [
        "containerDefinitions[0].logConfiguration.options.awslogs-group",
        "x-ecsform.secrets.token",
    ], elsewhere.stderr

    # a managed secret scheduled for deletion can be neither imported nor created
    sm.delete_secret(SecretId=secret, RecoveryWindowInDays=7)
    refused = ecsform("synth", str(spec), "--adopt", "--out", str(tmp_path / "refused"), env=aws_env, cwd=tmp_path)
    assert refused.returncode == 2 and not (tmp_path / "refused").exists()
    assert [(r, p) for r, _, p, _ in findings(refused)] == [("ADOPT-SECRET-DELETED", "x-ecsform.secrets.token")]


def test_import_from_aws_reads_aws_region(aws: Any, aws_env: dict[str, str], cleanup: Cleanup) -> None:
    """boto3 reads only AWS_DEFAULT_REGION; ecsform reads AWS_REGION too, as the AWS CLI and Terraform do."""
    ecs = aws("ecs", REGION)
    td = ecs.register_task_definition(
        family="lcv-import", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 64}]
    )["taskDefinition"]
    cleanup.add(lambda: ecs.deregister_task_definition(taskDefinition=td["taskDefinitionArn"]))
    env = {k: v for k, v in aws_env.items() if k != "AWS_DEFAULT_REGION"}
    env["AWS_REGION"] = REGION
    proc = ecsform("import", "--from-aws", "lcv-import", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("family: lcv-import\n")


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
