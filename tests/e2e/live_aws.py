"""What the live-check e2e tests share (test_live_verify.py, test_live_diff_adopt.py): reading the findings the
CLI prints, deleting what a test seeded (Cleanup; conftest.py's `cleanup` fixture) and seeding an account with boto3 exactly as a user's account would hold it (images, roles, secrets).

The specs of those tests live in eu-west-2 under names of their own (lcv-*), so the roots the other e2e tests apply
in us-east-1 never see them.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

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
