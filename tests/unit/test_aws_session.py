"""generators/aws/session.py: the region a new user expects, and AWS errors as findings with a rule id."""

from __future__ import annotations

import botocore.exceptions as bx
import plan_values
import pytest

from generators.aws.session import aws_finding, resolve_region, target_for
from generators.options import Options
from generators.rules import catalog


def test_region_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert resolve_region(None, None) is None  # boto3 then reads the profile
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert resolve_region(None, None) == "eu-west-1"
    monkeypatch.setenv("AWS_REGION", "eu-central-1")  # what boto3 alone ignores
    assert resolve_region(None, None) == "eu-central-1"
    assert resolve_region(None, "us-west-2") == "us-west-2"  # the target
    assert resolve_region("ap-south-1", "us-west-2") == "ap-south-1"  # --region


def test_target_from_the_command_line() -> None:
    plan = plan_values.plan("api", environment="prod", root="api/prod")
    target = target_for(plan, Options(role_arn="arn:aws:iam::123456789012:role/deploy"))
    assert (target.environment, target.region, target.role_arn) == (
        "prod",
        "us-east-1",
        "arn:aws:iam::123456789012:role/deploy",
    )
    assert target_for(plan, Options(region="eu-west-1")).region == "eu-west-1"
    assert target.session_name(plan.root) == "ecsform-api-prod"


def client_error(code: str) -> bx.ClientError:
    return bx.ClientError({"Error": {"Code": code, "Message": "m"}}, "DescribeSecret")


@pytest.mark.parametrize(
    "exc, rule",
    [
        (bx.NoCredentialsError(), "AWS-CREDENTIALS"),
        (client_error("ExpiredTokenException"), "AWS-CREDENTIALS"),
        (client_error("InvalidClientTokenId"), "AWS-CREDENTIALS"),
        (bx.NoRegionError(), "AWS-REGION"),
        (client_error("AccessDeniedException"), "AWS-ACCESS-DENIED"),
        (client_error("AccessDenied"), "AWS-ACCESS-DENIED"),
        (client_error("ThrottlingException"), "AWS-THROTTLED"),
        (client_error("RequestLimitExceeded"), "AWS-THROTTLED"),
        (bx.EndpointConnectionError(endpoint_url="https://sts.example"), "AWS-ENDPOINT"),
        (client_error("InternalFailure"), "AWS-ERROR"),
    ],
)
def test_aws_errors_are_findings_with_a_rule_and_a_hint(exc: Exception, rule: str) -> None:
    f = aws_finding(exc, "secretsmanager:DescribeSecret on db", ("containerDefinitions", 0, "secrets", 0, "valueFrom"))
    assert f.rule == rule and f.hint and f.message.startswith("secretsmanager:DescribeSecret on db: ")
    assert f.path == ("containerDefinitions", 0, "secrets", 0, "valueFrom")
    assert rule in {row[0] for row in catalog()}
