"""moto's server with the ECS behaviour the e2e suite relies on made to match what AWS documents.

tests/e2e/conftest.py starts this file instead of the plain `moto_server` console script: it patches moto's ECS
backend in this process, then runs moto's own server entry point with the same arguments (`-H HOST -p PORT`).
Each patch fixes one place where moto 5.2.5 departs from documented ECS behaviour for a task definition the suite
applies (the corpus in tests/fixtures/corpus/ among them), cites the AWS source for the behaviour, and is shown
through boto3 in tests/e2e/test_moto_fidelity.py. A valid spec is never changed to please the emulator.

1. Container memory. ECS: "If a task-level memory value is not specified, you must specify a non-zero integer for
   one or both of memory or memoryReservation in a container definition" (API reference, ContainerDefinition.
   memoryReservation); the error when neither is set reads "Invalid setting for container 'X'. At least one of
   'memory' or 'memoryReservation' must be specified." moto also refuses an EC2 container that sets only
   memoryReservation, which ECS accepts (bridge-dynamic-ports.yaml, firelens-s3-config-ec2.yaml).
2. networkMode as sent. ECS keeps the mode the request names and, when it names none, applies bridge (Linux) or the
   Windows default mode without writing a mode into the task definition: DescribeTaskDefinition returns no
   networkMode (aws/amazon-cloudwatch-agent#330 and #335, which had to read a missing NetworkMode as bridge;
   sil-org/ecs-deploy#61). moto fills in "bridge" when none is sent (minimal-ec2.json, windows-ec2-fsx-gmsa.json),
   and for requiresCompatibilities EXTERNAL it lists FARGATE among the compatibilities and then replaces the mode
   with awsvpc, although ECS Anywhere tasks run bridge, host or none (API reference, RegisterTaskDefinition
   networkMode; external-ecs-anywhere.yaml plans a replacement forever).
3. enableFaultInjection. A RegisterTaskDefinition member since 2024 (API reference, RegisterTaskDefinition
   enableFaultInjection: "Enables fault injection and allows for fault injection requests to be accepted from the
   task's containers"), returned by DescribeTaskDefinition. moto drops it, so the provider reads false after
   applying true and plans a replacement forever (fault-injection-fargate.yaml).

Two more patch moto's IAM policy evaluation, which the bootstrap test (tests/e2e/test_bootstrap.py) turns on
(moto's /moto-api/reset-auth) to run a pipeline with nothing but the roles `ecsform bootstrap` creates:

4. Role principals match their sessions. IAM: a role ARN in a trust policy's Principal grants the role's sessions
   (the caller of AssumeRole is `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`), and an account principal
   (`ACCOUNT` or `arn:aws:iam::ACCOUNT:root`) delegates to the account's own policies ("AWS JSON policy elements:
   Principal", IAM User Guide: IAM role principals, role session principals, AWS account principals). moto compares
   the session ARN with the role ARN as strings, so a role could never assume another role of its account.
5. Resources moto cannot name. IAM evaluates a statement's Resource against the ARN of what the request acts on
   ("Policy evaluation logic", IAM User Guide). moto names that ARN only for S3 (bucket, object), IAM roles and
   sts:AssumeRole, and passes "*" for every other request, which no scoped Resource pattern matches: a policy that
   scopes logs:CreateLogGroup to `arn:aws:logs:*:ACCOUNT:log-group:*` was denied. Where moto has no ARN, a
   statement is matched on its actions alone (so the resource scoping of those services is not tested on moto).
"""

from __future__ import annotations

import re
import sys
from typing import Any

from moto.ecs import models, responses
from moto.ecs.exceptions import TaskDefinitionMemoryError, TaskDefinitionMissingPropertyError
from moto.iam import access_control


def _validate_container_defs(
    memory: str | None, container_definitions: list[dict[str, Any]], requires_compatibilities: list[str] | None
) -> None:
    """Patch 1: moto's own checks, with ECS's memory rule (one of memory or memoryReservation, non-zero, when the
    task sets no memory, whatever the launch type)."""
    for cd in container_definitions:
        if "name" not in cd and "Name" not in cd:
            raise TaskDefinitionMissingPropertyError("name")
        if "image" not in cd and "Image" not in cd:
            raise TaskDefinitionMissingPropertyError("image")
        sizes = [cd.get(k) for k in ("memory", "Memory", "memoryReservation", "MemoryReservation")]
        if not memory and not any(sizes):
            raise TaskDefinitionMemoryError(cd.get("name", cd.get("Name")))


_task_definition_init = models.TaskDefinition.__init__


def _task_definition(self: models.TaskDefinition, *args: Any, network_mode: str | None = None, **kwargs: Any) -> None:
    """Patch 2: the networkMode the request names, or none (moto keeps forcing awsvpc when FARGATE is required,
    which is what ECS requires of such a task anyway)."""
    _task_definition_init(self, *args, network_mode=network_mode, **kwargs)
    if "FARGATE" not in (kwargs.get("requires_compatibilities") or []):
        self.network_mode = network_mode


_register_task_definition = responses.EC2ContainerServiceResponse.register_task_definition


def _register(self: responses.EC2ContainerServiceResponse) -> Any:
    """Patch 3: store enableFaultInjection as sent, so DescribeTaskDefinition returns it."""
    result = _register_task_definition(self)
    value = self._get_param("enableFaultInjection")
    if value is not None:
        result.result["taskDefinition"].enable_fault_injection = value  # serialized as enableFaultInjection
    return result


def _check_principal(self: Any, principal: str) -> bool:
    """Patch 4: a role ARN (any path) or the account matches the role's sessions, as IAM reads a trust policy."""
    if _original_check_principal(self, principal):
        return True
    expected = (self._statement.get("Principal") or {}).get("AWS")
    if expected is None:
        return False
    listed = [expected] if isinstance(expected, str) else list(expected)
    session = re.match(r"^arn:([\w-]+):sts::(\d{12}):assumed-role/([^/]+)/", principal)
    if not session:
        return False
    partition, account, role = session.groups()
    for name in listed:
        if name in (account, f"arn:{partition}:iam::{account}:root"):
            return True
        if re.match(rf"^arn:{partition}:iam::{account}:role/(?:.*/)?{re.escape(role)}$", name):
            return True
    return False


def _is_action_permitted(self: Any, action: str, resource: str = "*", *args: Any, **kwargs: Any) -> Any:
    """Patch 5: where moto passes "*" (it has no ARN for the request), a statement matches on its actions."""
    if resource == "*" and self._statement.get("Resource") not in (None, "*", ["*"]):
        statement = {**self._statement, "Resource": "*"}
        return _original_is_action_permitted(type(self)(statement), action, resource, *args, **kwargs)
    return _original_is_action_permitted(self, action, resource, *args, **kwargs)


_original_check_principal = access_control.IAMPolicyStatement._check_principal
_original_is_action_permitted = access_control.IAMPolicyStatement.is_action_permitted


def patch() -> None:
    access_control.IAMPolicyStatement._check_principal = _check_principal  # type: ignore[method-assign]
    access_control.IAMPolicyStatement.is_action_permitted = _is_action_permitted  # type: ignore[method-assign]
    models.EC2ContainerServiceBackend._validate_container_defs = staticmethod(_validate_container_defs)
    models.TaskDefinition.__init__ = _task_definition  # type: ignore[method-assign]
    responses.EC2ContainerServiceResponse.register_task_definition = _register  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    patch()
    from moto.server import main as moto_server_main

    moto_server_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
