"""`ecsform import --from-aws`: a registered task definition read from ECS (describe-task-definition, its tags
included; with --role-arn, in the role's account), with AWS errors as IMPORT-AWS, CLI-ROLE-ARN or AWS-* findings.
generators/importer/ makes the spec of it."""

from __future__ import annotations

import re
from typing import Any, Mapping, Protocol

from ..errors import Check, EcsformError, Severity

# The findings this module raises (collected by the catalog: generators/rules).
CLI_ROLE_ARN = Check(
    "CLI-ROLE-ARN", Severity.ERROR, "import --role-arn: not an IAM role ARN, or given without an input read from AWS."
)
IMPORT_AWS = Check("IMPORT-AWS", Severity.ERROR, "import --from-aws: the task definition cannot be read from AWS.")


E = Severity.ERROR

FAMILY = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_REVISION = re.compile(r"^[1-9][0-9]*$")


class EcsClient(Protocol):
    """The one call `import --from-aws` makes on a boto3 ECS client (or a test's stand-in)."""

    def describe_task_definition(self, *, taskDefinition: str, include: list[str]) -> Mapping[str, Any]: ...


def task_definition(ref: str, region: str | None = None, client: EcsClient | None = None) -> dict[str, Any]:
    """describe_task_definition(include=["TAGS"]) for FAMILY, FAMILY:REVISION or a task definition ARN, with the
    AWS credentials as found and the region from --region, AWS_REGION or AWS_DEFAULT_REGION (generators/aws)."""
    from . import ecs, session

    where = f"aws:{ref}"
    family, _, revision = ref.partition(":")
    if not ref.startswith("arn:") and (not FAMILY.match(family) or (revision and not _REVISION.match(revision))):
        raise EcsformError(
            [
                IMPORT_AWS.finding(
                    f"{ref!r} is not FAMILY, FAMILY:REVISION or a task definition ARN",
                    hint="for example: --from-aws financial-api:12",
                    file="--from-aws",
                    mark=(1, 1),
                )
            ]
        )
    try:
        if client is None:
            import boto3

            chosen = session.resolve_region(region)
            client = boto3.client("ecs", region_name=chosen) if chosen else boto3.client("ecs")
        return ecs.describe(client, ref)
    except Exception as exc:  # botocore: no credentials, no region, ClientException, endpoint errors...
        if not session.is_aws_error(exc):
            raise
        if session.error_code(exc) in ("ClientException", "InvalidParameterException"):
            finding = IMPORT_AWS.finding(
                f"cannot describe task definition {ref!r}: {exc}",
                hint="check the family and revision: aws ecs list-task-definitions --family-prefix " + family,
            )
        else:
            finding = session.aws_finding(exc, f"ecs:DescribeTaskDefinition on {ref}", (), region=region)
        raise EcsformError([finding.located(where, 1, 1)]) from None


def assumed_client(role_arn: str, region: str | None, reads_aws: bool) -> EcsClient:
    """The ECS client of `import --role-arn`: the role assumed through aws/session.py (as verify assumes it), its
    problems located at --role-arn."""
    from .. import arns
    from ..target import Target
    from . import session

    def bad(message: str, hint: str) -> EcsformError:
        return EcsformError([CLI_ROLE_ARN.finding(message, hint=hint, file="--role-arn", mark=(1, 1))])

    if not reads_aws:
        raise bad(
            "--role-arn is for what import reads from AWS",
            "use it with --from-aws FAMILY[:REVISION] or an aws:FAMILY input of --environments",
        )
    if not arns.ROLE_ARN.match(role_arn):
        raise bad(f"{role_arn!r} is not an IAM role ARN", "arn:aws:iam::ACCOUNT:role/NAME")
    try:
        aws = session.connect(Target(role_arn=role_arn), "import", region, "import --from-aws")
    except EcsformError as exc:
        raise EcsformError([f.located("--role-arn", 1, 1) for f in exc.findings]) from None
    client: EcsClient = aws.client("ecs")
    return client
