"""The ECS behaviour tests/e2e/moto_server.py patches into moto, shown through boto3 against the session's server.

Each test is one patch: what AWS documents (cited in moto_server.py), asserted on the server every e2e test uses.
Patch 10, the server's transport, is shown on a socket opened by hand.
"""

from __future__ import annotations

import json
import socket
import struct
import uuid
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


# --- patches 4-7: services, deployments, tasks ---------------------------------------------------------------------

FARGATE = {"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512"}


@pytest.fixture(scope="module")
def cluster(aws: Any) -> dict[str, Any]:
    """A cluster and the default VPC's network, for the services and tasks below."""
    ec2, ecs = aws("ec2"), aws("ecs")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s.get("DefaultForAz")][:1]
    group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    ecs.create_cluster(clusterName="fidelity")
    network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group]}}
    return {"ecs": ecs, "network": network}


def _revision(ecs: Any, family: str, **container: Any) -> str:
    td = ecs.register_task_definition(family=family, containerDefinitions=[{**CONTAINER, **container}], **FARGATE)
    return td["taskDefinition"]["taskDefinitionArn"]


def _service(cluster: dict[str, Any], name: str, arn: str, breaker: bool = False) -> dict[str, Any]:
    return cluster["ecs"].create_service(
        cluster="fidelity",
        serviceName=name,
        taskDefinition=arn,
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration=cluster["network"],
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": breaker, "rollback": breaker}},
    )["service"]


def _deployments(ecs: Any, name: str) -> list[tuple[str, str, str, int]]:
    s = ecs.describe_services(cluster="fidelity", services=[name])["services"][0]
    return [
        (d["status"], d["rolloutState"], d["taskDefinition"].rsplit(":", 1)[1], d["failedTasks"])
        for d in s["deployments"]
    ]


def test_update_service_starts_a_deployment_that_completes_and_drains_the_old_one(cluster: dict[str, Any]) -> None:
    """Patch 4: a new PRIMARY deployment, the old one ACTIVE until drained, IN_PROGRESS -> COMPLETED."""
    ecs = cluster["ecs"]
    first, second = (
        _revision(ecs, "fidelity-svc"),
        _revision(ecs, "fidelity-svc", image="public.ecr.aws/nginx/nginx:1.27"),
    )
    created = _service(cluster, "rolling", first)
    assert [(d["status"], d["rolloutState"], d["runningCount"]) for d in created["deployments"]] == [
        ("PRIMARY", "IN_PROGRESS", 0)
    ]
    assert _deployments(ecs, "rolling") == [("PRIMARY", "IN_PROGRESS", "1", 0)]  # its tasks start
    assert _deployments(ecs, "rolling") == [("PRIMARY", "COMPLETED", "1", 0)]
    updated = ecs.update_service(cluster="fidelity", service="rolling", taskDefinition=second)["service"]
    assert [(d["status"], d["taskDefinition"]) for d in updated["deployments"]] == [
        ("PRIMARY", second),
        ("ACTIVE", first),
    ]
    assert updated["taskDefinition"] == second
    assert _deployments(ecs, "rolling") == [("PRIMARY", "IN_PROGRESS", "2", 0), ("ACTIVE", "COMPLETED", "1", 0)]
    assert _deployments(ecs, "rolling") == [("PRIMARY", "COMPLETED", "2", 0)]
    assert (
        ecs.update_service(cluster="fidelity", service="rolling", desiredCount=2)["service"]["deployments"][0][
            "taskDefinition"
        ]
        == second
    )
    assert len(_deployments(ecs, "rolling")) == 1  # no change of task definition, no new deployment


def test_create_service_keeps_its_deployment_configuration(cluster: dict[str, Any]) -> None:
    """Patch 5: what CreateService is sent, with ECS's defaults."""
    ecs = cluster["ecs"]
    created = _service(cluster, "configured", _revision(ecs, "fidelity-conf"), breaker=True)
    plain = ecs.create_service(
        cluster="fidelity", serviceName="plain", desiredCount=0, availabilityZoneRebalancing="DISABLED"
    )["service"]
    assert plain["availabilityZoneRebalancing"] == "DISABLED"
    assert plain["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": False, "rollback": False}
    assert created["deploymentConfiguration"] == {
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    }


def test_failed_tasks_trip_the_circuit_breaker_which_rolls_back(cluster: dict[str, Any]) -> None:
    """Patch 6 (with 7): tasks that exit are stopped and counted; at 3 (0.5 * 2, at least 3) the breaker sets the
    deployment FAILED and ECS deploys the last completed task definition again. The tasks carry the deployment's id."""
    ecs = cluster["ecs"]
    good, bad = _revision(ecs, "fidelity-cb"), _revision(ecs, "fidelity-cb", command=["sh", "-c", "exit 2"])
    _service(cluster, "breaker", good, breaker=True)
    _deployments(ecs, "breaker"), _deployments(ecs, "breaker")
    deployment = ecs.update_service(cluster="fidelity", service="breaker", taskDefinition=bad)["service"][
        "deployments"
    ][0]["id"]
    assert _deployments(ecs, "breaker")[0] == ("PRIMARY", "IN_PROGRESS", "2", 1)
    assert _deployments(ecs, "breaker")[0] == ("PRIMARY", "IN_PROGRESS", "2", 2)
    assert _deployments(ecs, "breaker")[:2] == [("PRIMARY", "IN_PROGRESS", "1", 0), ("ACTIVE", "FAILED", "2", 3)]
    assert _deployments(ecs, "breaker")[:1] == [("PRIMARY", "IN_PROGRESS", "1", 0)]
    assert _deployments(ecs, "breaker") == [("PRIMARY", "COMPLETED", "1", 0)]
    stopped = ecs.list_tasks(cluster="fidelity", startedBy=deployment, desiredStatus="STOPPED")["taskArns"]
    assert len(stopped) == 3
    task = ecs.describe_tasks(cluster="fidelity", tasks=stopped[:1])["tasks"][0]
    assert (task["stopCode"], task["stoppedReason"], task["startedBy"]) == (
        "EssentialContainerExited",
        "Essential container in task exited",
        deployment,
    )
    assert [(c["name"], c["exitCode"]) for c in task["containers"]] == [("app", 2)]


def test_a_task_lists_its_containers_and_ends_as_they_do(cluster: dict[str, Any], aws: Any) -> None:
    """Patch 7: every container; `exit N` exits with N; an image a private repository of the server lacks cannot be
    pulled; any other container of a task run alone exits 0. (Patch 1: RunTask of a task whose containers the
    task's memory sizes.)"""
    ecs = cluster["ecs"]
    registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fidelity-missing"
    arn = ecs.register_task_definition(
        family="fidelity-task",
        containerDefinitions=[
            {**CONTAINER, "name": "main", "command": ["sh", "-c", "exit 4"]},
            {**CONTAINER, "name": "side", "essential": False},
        ],
        **FARGATE,
    )["taskDefinition"]["taskDefinitionArn"]

    def ran(task_definition: str, **overrides: Any) -> dict[str, Any]:
        started = ecs.run_task(
            cluster="fidelity",
            taskDefinition=task_definition,
            launchType="FARGATE",
            networkConfiguration=cluster["network"],
            **overrides,
        )["tasks"][0]
        assert [c["name"] for c in started["containers"]] == [
            c["name"]
            for c in ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"][
                "containerDefinitions"
            ]
        ]
        for _ in range(10):
            task = ecs.describe_tasks(cluster="fidelity", tasks=[started["taskArn"]])["tasks"][0]
            if task["lastStatus"] == "STOPPED":
                return task
        raise AssertionError(task)

    task = ran(arn)
    assert task["desiredStatus"] == "STOPPED" and task["stopCode"] == "EssentialContainerExited"
    assert {c["name"]: c.get("exitCode") for c in task["containers"]} == {"main": 4, "side": 0}
    task = ran(arn, overrides={"containerOverrides": [{"name": "main", "command": ["true"]}]})
    assert {c["name"]: c.get("exitCode") for c in task["containers"]} == {"main": 0, "side": 0}
    missing = _revision(ecs, "fidelity-pull", image=f"{registry}:1")
    task = ran(missing)
    assert task["stopCode"] == "TaskFailedToStart"
    assert (
        task["stoppedReason"].startswith("CannotPullContainerError:")
        and f"{registry}:1: not found" in task["stoppedReason"]
    )
    assert "exitCode" not in task["containers"][0]
    aws("ecr").create_repository(repositoryName="fidelity-missing")
    aws("ecr").put_image(
        repositoryName="fidelity-missing",
        imageTag="1",
        imageManifest='{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}',
    )
    assert ran(missing)["containers"][0]["exitCode"] == 0  # pushed: it runs


# --- IAM policy evaluation (patches 8 and 9), with moto's authorization turned on for the test's duration ---------


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
    """Patch 8: a trust policy naming a role (or the account) admits the role's sessions; another role's do not."""
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
    """Patch 9: logs:CreateLogGroup scoped to the account's log groups is allowed (moto passes "*" for logs
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


# --- patch 10: the transport ---------------------------------------------------------------------------------------

_TCP_INFO_DATA_SEGS_IN = 152  # struct tcp_info (linux/tcp.h, since Linux 4.6): tcpi_data_segs_in, a __u32


def _raw_request(url: str, headers: dict[str, str]) -> tuple[bytes, int]:
    """An ECS ListClusters sent by hand on a new connection: the whole answer, and the number of TCP segments with
    data in which it arrived (the kernel's count for the client's socket, read once the server has closed)."""
    host, port = url.removeprefix("http://").split(":")
    body = b"{}"
    head = {
        "Host": f"{host}:{port}",
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecs/aws4_request, "
        "SignedHeaders=host, Signature=0",
        "Content-Length": str(len(body)),
        **headers,
    }
    request = "POST / HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n"
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request.encode() + body)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        info = conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    (segments,) = struct.unpack_from("I", info, _TCP_INFO_DATA_SEGS_IN)
    return answer, segments


def test_an_answer_leaves_the_server_in_one_segment(moto_server: Any) -> None:
    """Patch 10: status line, headers and body arrive together (werkzeug sent the headers, then the body)."""
    answers = [_raw_request(moto_server.url, {}) for _ in range(5)]
    for answer, segments in answers:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ") and "clusterArns" in json.loads(body), answer
        assert segments == 1, answer


def test_a_request_sent_again_is_written_to_the_log(moto_server: Any) -> None:
    """Patch 10: the server's log names each request whose attempt count is above 1."""
    invocation = str(uuid.uuid4())
    _raw_request(moto_server.url, {"amz-sdk-request": "attempt=1; max=3", "amz-sdk-invocation-id": invocation})
    _raw_request(moto_server.url, {"amz-sdk-request": "attempt=2; max=3", "amz-sdk-invocation-id": invocation})
    logged = [line for line in moto_server.log.read_text(errors="replace").splitlines() if invocation in line]
    assert logged == [
        f"retried request: AmazonEC2ContainerServiceV20141113.ListClusters, attempt 2, invocation {invocation}"
    ]
