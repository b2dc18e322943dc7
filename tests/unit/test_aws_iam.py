"""The IAM evaluator verify uses for brought roles (generators/aws/iam.py), against the documented evaluation logic:
an explicit Deny wins, an Allow is needed, wildcards in actions (case-insensitive) and resources, NotAction and
NotResource, conditions it can decide from what it is given, MAYBE (never a definite no) for what it cannot."""

from __future__ import annotations

import pytest

from generators.aws.iam import Decision, Request, combine, covers, evaluate, overlaps, trusts_service

LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api:*"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
AP = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1"


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: object, resource: object = "*", **extra: object) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: object, resource: object = "*", **extra: object) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


@pytest.mark.parametrize(
    "pattern, subject, expected",
    [
        ("*", "anything", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/k.env", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::c/k.env", False),
        ("arn:aws:logs:*:*:log-group:/ecs/api:*", LOGS, True),  # a pattern subject: every stream of the group
        ("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api", LOGS, False),  # the group alone is not its streams
        ("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api:log-stream:*", LOGS, False),  # only some of them
        ("arn:aws:secretsmanager:*:*:secret:db-??????", "arn:aws:secretsmanager:us-east-1:1:secret:db-??????", True),
        ("arn:aws:secretsmanager:*:*:secret:db-?", "arn:aws:secretsmanager:us-east-1:1:secret:db-*", False),
    ],
)
def test_covers_means_every_string_the_subject_stands_for(pattern: str, subject: str, expected: bool) -> None:
    assert covers(pattern, subject) is expected


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/x", True),
        ("arn:aws:s3:::b/*.env", "arn:aws:s3:::b/app.*", True),
        ("arn:aws:s3:::b/a?", "arn:aws:s3:::b/abc", False),
        ("*", "", True),
        ("a*b", "c*", False),
    ],
)
def test_overlaps(a: str, b: str, expected: bool) -> None:
    assert overlaps(a, b) is expected and overlaps(b, a) is expected


def test_allow_with_wildcards_actions_ignore_case() -> None:
    docs = [policy(allow("SecretsManager:Get*", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-*"))]
    assert evaluate(docs, Request("secretsmanager:GetSecretValue", SECRET)) is Decision.ALLOWED
    assert evaluate(docs, Request("secretsmanager:PutSecretValue", SECRET)) is Decision.NOT_ALLOWED
    assert (
        evaluate(docs, Request("secretsmanager:GetSecretValue", SECRET.replace("db-", "other-")))
        is Decision.NOT_ALLOWED
    )


def test_explicit_deny_wins_over_any_allow() -> None:
    docs = [policy(allow("*")), policy(deny("secretsmanager:*", "arn:aws:secretsmanager:*:*:secret:db-*"))]
    assert evaluate(docs, Request("secretsmanager:GetSecretValue", SECRET)) is Decision.DENIED
    assert evaluate(docs, Request("ssm:GetParameters", "arn:aws:ssm:us-east-1:1:parameter/x")) is Decision.ALLOWED


def test_a_deny_that_touches_part_of_a_pattern_resource_counts() -> None:
    docs = [policy(allow("logs:*"), deny("logs:PutLogEvents", "arn:aws:logs:*:*:log-group:/ecs/api:log-stream:x"))]
    assert evaluate(docs, Request("logs:PutLogEvents", LOGS)) is Decision.DENIED


def test_not_action_and_not_resource() -> None:
    docs = [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]
    assert evaluate(docs, Request("ecr:BatchGetImage", "*")) is Decision.ALLOWED
    assert evaluate(docs, Request("iam:PassRole", "*")) is Decision.NOT_ALLOWED
    docs = [policy(allow("s3:GetObject"), {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::ok/*"})]
    assert evaluate(docs, Request("s3:GetObject", "arn:aws:s3:::ok/a.env")) is Decision.ALLOWED
    assert evaluate(docs, Request("s3:GetObject", "arn:aws:s3:::other/a.env")) is Decision.DENIED


def test_conditions_decided_from_the_context_else_maybe() -> None:
    scoped = allow(
        "elasticfilesystem:ClientMount", "*", Condition={"StringEquals": {"elasticfilesystem:AccessPointArn": AP}}
    )
    context = (("elasticfilesystem:AccessPointArn", AP),)
    assert evaluate([policy(scoped)], Request("elasticfilesystem:ClientMount", "fs", context)) is Decision.ALLOWED
    other = (("elasticfilesystem:AccessPointArn", AP + "x"),)
    assert evaluate([policy(scoped)], Request("elasticfilesystem:ClientMount", "fs", other)) is Decision.NOT_ALLOWED
    # a key the evaluator is not given: it cannot tell, so it never says no
    vpc = allow("s3:GetObject", "*", Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}})
    assert evaluate([policy(vpc)], Request("s3:GetObject", "arn:aws:s3:::b/k")) is Decision.MAYBE
    if_exists = allow("s3:GetObject", "*", Condition={"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}})
    assert evaluate([policy(if_exists)], Request("s3:GetObject", "arn:aws:s3:::b/k")) is Decision.ALLOWED
    numeric = allow("s3:GetObject", "*", Condition={"NumericLessThan": {"s3:max-keys": "10"}})
    assert evaluate([policy(numeric)], Request("s3:GetObject", "arn:aws:s3:::b/k")) is Decision.MAYBE
    variable = allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*")
    assert evaluate([policy(variable)], Request("s3:GetObject", "arn:aws:s3:::b/k")) is Decision.MAYBE


def test_permissions_boundary_must_allow_too() -> None:
    request = Request("secretsmanager:GetSecretValue", SECRET)
    identity = evaluate([policy(allow("*"))], request)
    assert combine(identity, evaluate([policy(allow("ssm:*"))], request)) is Decision.NOT_ALLOWED
    assert combine(identity, evaluate([policy(allow("secretsmanager:*"))], request)) is Decision.ALLOWED
    assert combine(identity, None) is Decision.ALLOWED


def test_statement_shapes_iam_returns() -> None:
    single = {"Statement": allow(["ecr:GetAuthorizationToken"])}  # one statement, not a list
    assert evaluate([single], Request("ecr:GetAuthorizationToken", "*")) is Decision.ALLOWED
    scoped = policy(allow("ecr:GetAuthorizationToken", "arn:aws:ecr:us-east-1:1:repository/x"))
    assert evaluate([scoped], Request("ecr:GetAuthorizationToken", "*")) is Decision.NOT_ALLOWED
    assert evaluate([{}, "not a policy", policy()], Request("ecr:GetAuthorizationToken", "*")) is Decision.NOT_ALLOWED


ECS = "ecs-tasks.amazonaws.com"
SOURCE = {"aws:SourceAccount": "123456789012", "aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}


def trust(*statements: dict) -> dict:
    return policy(*statements)


def test_trust_policy_of_ecs_tasks() -> None:
    ecs = {"Effect": "Allow", "Principal": {"Service": [ECS]}, "Action": "sts:AssumeRole"}
    assert trusts_service(trust(ecs), ECS, SOURCE) is Decision.ALLOWED
    ec2 = {**ecs, "Principal": {"Service": "ec2.amazonaws.com"}}
    assert trusts_service(trust(ec2), ECS, SOURCE) is Decision.NOT_ALLOWED
    account = {**ecs, "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}
    assert trusts_service(trust(account), ECS, SOURCE) is Decision.NOT_ALLOWED
    other_action = {**ecs, "Action": "sts:TagSession"}
    assert trusts_service(trust(other_action), ECS, SOURCE) is Decision.NOT_ALLOWED


def test_trust_conditions_ecs_documents() -> None:
    base = {"Effect": "Allow", "Principal": {"Service": ECS}, "Action": "sts:AssumeRole"}
    same = {
        **base,
        "Condition": {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"},
        },
    }
    assert trusts_service(trust(same), ECS, SOURCE) is Decision.ALLOWED
    other = {**base, "Condition": {"StringEquals": {"aws:SourceAccount": "210987654321"}}}
    assert trusts_service(trust(other), ECS, SOURCE) is Decision.NOT_ALLOWED
    # narrower than every source ARN ECS may send: some tasks may be refused, so it cannot say yes or no
    cluster = {**base, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:task/prod/*"}}}
    assert trusts_service(trust(cluster), ECS, SOURCE) is Decision.MAYBE
    denied = {"Effect": "Deny", "Principal": "*", "Action": "sts:*"}
    assert trusts_service(trust(base, denied), ECS, SOURCE) is Decision.DENIED
