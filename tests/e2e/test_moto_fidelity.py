"""The ECS behaviour tests/e2e/moto_server.py patches into moto, shown through boto3 against the session's server.

Each test is one patch: what AWS documents (cited in moto_server.py), asserted on the server every e2e test uses.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Iterator

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.e2e

CONTAINER = {"name": "app", "image": "public.ecr.aws/docker/library/busybox:1.36"}


def _registered(ecs: Any, **request: Any) -> dict[str, Any]:
    arn = ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
    try:
        return ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    finally:
        ecs.deregister_task_definition(taskDefinition=arn)


def test_ec2_container_with_only_a_memory_reservation_is_registered(aws: Any) -> None:
    """Patch 1: task memory unset, the container sets memoryReservation only (moto 5.2.5 refused this)."""
    td = _registered(
        aws("ecs"),
        family="fidelity-reservation",
        requiresCompatibilities=["EC2"],
        containerDefinitions=[{**CONTAINER, "memoryReservation": 128}],
    )
    assert td["containerDefinitions"][0]["memoryReservation"] == 128
    assert "memory" not in td["containerDefinitions"][0] and "memory" not in td


def test_container_without_any_memory_is_refused_with_the_ecs_message(aws: Any) -> None:
    """Patch 1 keeps the refusal ECS makes when neither is set (and no task memory), with ECS's text."""
    with pytest.raises(ClientError) as err:
        aws("ecs").register_task_definition(
            family="fidelity-no-memory", requiresCompatibilities=["EC2"], containerDefinitions=[CONTAINER]
        )
    assert err.value.response["Error"]["Message"] == (
        "Invalid setting for container 'app'. At least one of 'memory' or 'memoryReservation' must be specified."
    )
    with pytest.raises(ClientError):  # a zero reservation is no reservation
        aws("ecs").register_task_definition(
            family="fidelity-zero", containerDefinitions=[{**CONTAINER, "memoryReservation": 0}]
        )


def test_task_memory_covers_containers_without_their_own(aws: Any) -> None:
    td = _registered(
        aws("ecs"),
        family="fidelity-task-memory",
        requiresCompatibilities=["EC2"],
        memory="512",
        containerDefinitions=[CONTAINER],
    )
    assert td["memory"] == "512"


def test_network_mode_left_out_is_not_written_into_the_task_definition(aws: Any) -> None:
    """Patch 2: no networkMode in the request, none in DescribeTaskDefinition (moto returned "bridge")."""
    td = _registered(aws("ecs"), family="fidelity-no-mode", containerDefinitions=[{**CONTAINER, "memory": 64}])
    assert "networkMode" not in td
    td = _registered(
        aws("ecs"), family="fidelity-bridge", networkMode="bridge", containerDefinitions=[{**CONTAINER, "memory": 64}]
    )
    assert td["networkMode"] == "bridge"


def test_external_task_keeps_its_network_mode(aws: Any) -> None:
    """Patch 2: ECS Anywhere tasks run bridge (moto replaced the mode with awsvpc)."""
    td = _registered(
        aws("ecs"),
        family="fidelity-external",
        requiresCompatibilities=["EXTERNAL"],
        networkMode="bridge",
        containerDefinitions=[{**CONTAINER, "memory": 64}],
    )
    assert td["networkMode"] == "bridge"
    assert td["requiresCompatibilities"] == ["EXTERNAL"]


def test_fargate_task_keeps_awsvpc(aws: Any) -> None:
    td = _registered(
        aws("ecs"),
        family="fidelity-fargate",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[CONTAINER],
    )
    assert td["networkMode"] == "awsvpc"


def test_enable_fault_injection_is_returned_as_registered(aws: Any) -> None:
    """Patch 3: enableFaultInjection is stored and described (moto dropped it)."""
    ecs = aws("ecs")
    on = _registered(
        ecs,
        family="fidelity-fis",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        enableFaultInjection=True,
        containerDefinitions=[CONTAINER],
    )
    assert on["enableFaultInjection"] is True
    off = _registered(
        ecs,
        family="fidelity-fis-off",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        enableFaultInjection=False,
        containerDefinitions=[CONTAINER],
    )
    assert off["enableFaultInjection"] is False


# --- IAM policy evaluation (patches 4 and 5), with moto's authorization turned on for the test's duration ---------


@contextmanager
def enforced(aws: Any) -> Iterator[None]:
    """moto checks every request against the caller's IAM policies (POST /moto-api/reset-auth 0) until the block
    ends, whatever happens in it (then nothing is checked again, as the rest of the suite expects)."""
    import urllib.request

    url = aws("sts").meta.endpoint_url + "/moto-api/reset-auth"

    def count(value: bytes) -> None:  # a plain body: moto reads the number from the request's raw data
        request = urllib.request.Request(url, data=value, method="POST", headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request, timeout=10).close()

    count(b"0")
    try:
        yield
    finally:
        count(b"inf")


def _role(aws: Any, name: str, trusted: Any, actions: list[str], resource: str = "*") -> str:
    iam = aws("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if actions:
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    return arn


def _as(aws: Any, creds: dict[str, str]) -> Any:
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    return lambda service: session.client(service, region_name="us-east-1", endpoint_url=aws("sts").meta.endpoint_url)


def test_a_role_arn_in_a_trust_policy_lets_that_roles_sessions_assume_it(aws: Any) -> None:
    """Patch 4: a trust policy naming a role (or the account) admits the role's sessions; another role's do not."""
    account = "123456789012"
    caller = _role(aws, "fidelity-caller", f"arn:aws:iam::{account}:root", ["sts:AssumeRole"])
    by_role = _role(aws, "fidelity-by-role", caller, [])
    by_account = _role(aws, "fidelity-by-account", account, [])
    other = _role(aws, "fidelity-other", f"arn:aws:iam::{account}:role/fidelity-someone-else", [])
    creds = aws("sts").assume_role(RoleArn=caller, RoleSessionName="fidelity")["Credentials"]
    sts = _as(aws, creds)("sts")
    with enforced(aws):
        for arn in (by_role, by_account):
            assert sts.assume_role(RoleArn=arn, RoleSessionName="fidelity")["AssumedRoleUser"]["Arn"].endswith(
                "/fidelity"
            )
        with pytest.raises(ClientError) as err:
            sts.assume_role(RoleArn=other, RoleSessionName="fidelity")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_a_statement_scoped_to_arns_allows_its_actions_where_moto_names_no_resource(aws: Any) -> None:
    """Patch 5: logs:CreateLogGroup scoped to the account's log groups is allowed (moto passes "*" for logs
    requests), and an action the policy does not list is still denied."""
    arn = _role(
        aws,
        "fidelity-scoped",
        "arn:aws:iam::123456789012:root",
        ["logs:CreateLogGroup"],
        "arn:aws:logs:*:123456789012:log-group:*",
    )
    logs = _as(aws, aws("sts").assume_role(RoleArn=arn, RoleSessionName="fidelity")["Credentials"])("logs")
    with enforced(aws):
        logs.create_log_group(logGroupName="/fidelity/scoped")
        with pytest.raises(ClientError) as err:
            logs.delete_log_group(logGroupName="/fidelity/scoped")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403, err.value.response
    assert "logs:DeleteLogGroup" in str(err.value)
    aws("logs").delete_log_group(logGroupName="/fidelity/scoped")
