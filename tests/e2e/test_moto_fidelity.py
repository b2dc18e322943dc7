"""The ECS behaviour tests/e2e/moto_server.py patches into moto, shown through boto3 against the session's server.

Each test is one patch: what AWS documents (cited in moto_server.py), asserted on the server every e2e test uses.
"""

from __future__ import annotations

from typing import Any

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
