"""The Verifier: one variant's verification in progress. It makes the AWS calls (read-only), records findings and
notes, and holds what one check learns for another: partial secret ARNs resolved, the KMS keys of referenced
secrets, the kms:Decrypt a brought execution role then needs, the managed policies already read."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable

from ...access.statements import Need
from ...access.view import TaskView
from ...arns import parse_arn
from ...errors import Check, FieldPath, Finding, Severity
from ..session import AWS_CREDENTIALS, AWS_ENDPOINT, Aws, aws_finding, error_code, is_aws_error
from ..state import Held

# The findings this module raises (collected by the catalog: generators/rules).
VERIFY_ADOPT = Check(
    "VERIFY-ADOPT",
    Severity.WARNING,
    (
        "Nothing the root creates under a fixed name (log groups, managed secrets) exists already, or `synth "
        "--adopt` imports it (a secret scheduled for deletion: error)."
    ),
)


E, W = Severity.ERROR, Severity.WARNING
ECS_TASKS = "ecs-tasks.amazonaws.com"


@dataclass(frozen=True)
class Note:
    """Something verify checked and found as the spec says (printed as `FILE:LINE:COL: ok: PATH: message`)."""

    path: FieldPath
    message: str


@dataclass
class Verification:
    """What verify found for one variant: findings (at field paths; the flow locates them) and notes."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


class Missing(Exception):
    """The AWS call answered that the thing does not exist (its error code is the argument)."""


class Failed(Exception):
    """The AWS call failed for another reason; a finding has been recorded."""


# the error codes by which each service says that the thing asked for does not exist
NOT_FOUND = {
    "ecr": ("RepositoryNotFoundException", "ImageNotFoundException", "RegistryNotFoundException"),
    "secretsmanager": ("ResourceNotFoundException",),
    "kms": ("NotFoundException",),
    "iam": ("NoSuchEntity", "NoSuchEntityException"),
    "logs": ("ResourceNotFoundException",),
    "efs": ("FileSystemNotFound", "AccessPointNotFound"),
    "s3": ("404", "NoSuchKey", "NotFound", "NoSuchBucket"),
    "ec2": (
        "InvalidSubnetID.NotFound",
        "InvalidGroup.NotFound",
        "InvalidVpcID.NotFound",
        "InvalidGroupId.Malformed",
        "InvalidSubnetID.Malformed",
        "InvalidVpcID.Malformed",
    ),
}


class Verifier:
    def __init__(self, aws: Aws, view: TaskView, region: str, adopt_command: str, held: Held | None = None) -> None:
        self.aws = aws
        self.held = held or Held()  # what the root's state holds already: nothing to adopt there
        self.view = view
        self.region = region  # the task's region: bare parameter and secret names, log groups, EFS
        self.adopt_command = adopt_command
        self.result = Verification()
        self.broken = False  # credentials or endpoint failed: further calls would fail the same way
        self.resolved: dict[str, str] = {}  # partial secret ARN (policy pattern) -> full ARN
        self.secret_keys: list[tuple[FieldPath, str, str]] = []  # (path, secret ARN, KMS key id) of referenced secrets
        self.policies: dict[str, Any] = {}  # managed policy ARN -> its default version's document
        self.extra_needs: list[Need] = []  # kms:Decrypt on the keys of referenced secrets
        self.named_roles: dict[str, str] = {}  # role fields the spec gives by name: field -> name

    def error(
        self, rule: Check, message: str, path: FieldPath, hint: str | None = None, severity: Severity = E
    ) -> None:
        self.result.findings.append(rule.finding(message, path=path, hint=hint, severity=severity))

    def ok(self, path: FieldPath, message: str) -> None:
        self.result.notes.append(Note(path, message))

    def call(self, path: FieldPath, service: str, operation: str, region: str | None = None, **params: Any) -> Any:
        """One AWS call. Raises Missing when AWS answers that the thing does not exist, Failed (with a finding
        recorded) on any other AWS error."""
        if self.broken:
            raise Failed()
        client = self.aws.client(service, region or self.region)
        try:
            return getattr(client, operation)(**params)
        except Exception as exc:
            if not is_aws_error(exc):
                raise
            code = error_code(exc)
            if code in NOT_FOUND.get(service, ()):
                raise Missing(code) from None
            op = "".join(w.title() for w in operation.split("_"))
            subject = next((str(v) for v in params.values() if isinstance(v, str)), "")
            finding = aws_finding(
                exc, f"{service}:{op}" + (f" on {subject}" if subject else ""), path, region=region or self.region
            )
            self.result.findings.append(finding)
            if finding.rule in (AWS_CREDENTIALS.id, AWS_ENDPOINT.id):
                self.broken = True
            raise Failed() from None

    def unread(self) -> str:
        return f" (its state could not be read: {self.held.problem})" if self.held.problem else ""

    def guarded(self, check: Callable[[], object]) -> None:
        try:
            check()
        except (Failed, Missing):
            pass

    def region_of(self, arn: str) -> str:
        parsed = parse_arn(arn)
        return parsed.region if parsed is not None and parsed.region else self.region


def document(value: Any) -> Any:
    """A policy document as IAM returns it: a mapping (boto3 decodes it), or URL-encoded JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(urllib.parse.unquote(value))
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}
