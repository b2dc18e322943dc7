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
   memoryReservation, which ECS accepts (bridge-dynamic-ports.yaml, firelens-s3-config-ec2.yaml), and fails RunTask
   (an internal error) for a task whose containers are sized by the task's memory alone (the seed's ETL job).
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

The services and tasks `ecsform deploy`, `run` and `revisions prune` act on (moto runs no container and no
scheduler: its services keep one deployment whatever UpdateService asks, and its tasks have one container that
exits 0):

4. A deployment per change. "When you update a service's task definition, Amazon ECS starts a new deployment";
   the service's `deployments` then hold the new PRIMARY deployment and the previous one as ACTIVE until its tasks
   are stopped, and the deployment's rolloutState goes IN_PROGRESS -> COMPLETED (API reference, UpdateService;
   Deployment.status, rolloutState; developer guide, "Deploy Amazon ECS services by replacing tasks"). moto changes
   the service's taskDefinition and keeps the first deployment, whose task definition never changes. Patched:
   CreateService and UpdateService (a new task definition, or forceNewDeployment) start a deployment IN_PROGRESS,
   and each DescribeServices moves the scheduler one step (the new tasks run, the old deployment drains, then
   COMPLETED). MOTO_ECS_SERVICE_RUNNING no longer applies.
5. What CreateService is sent, DescribeServices returns: deploymentConfiguration (the circuit breaker among it),
   with ECS's defaults when none is sent (maximumPercent 200, minimumHealthyPercent 100, the circuit breaker off:
   API reference, DeploymentConfiguration), and availabilityZoneRebalancing (API reference, CreateService); moto
   drops both, so a service's second plan is never clean.
6. Failed tasks and the circuit breaker. A service's task whose essential container cannot start or exits is
   stopped and counted in the deployment's failedTasks; its startedBy is the deployment's id (API reference,
   Task.startedBy). With the circuit breaker on, the deployment goes FAILED once failedTasks reaches
   0.5 * desiredCount, at least 3 and at most 200 (API reference, ServiceDeploymentCircuitBreaker.threshold), and
   with rollback on, ECS starts a deployment of the last completed one's task definition (developer guide, "How
   the Amazon ECS deployment circuit breaker detects failures"). One task fails per DescribeServices here.
7. Containers that run. DescribeTasks lists every container of the task definition (moto: the first only). What
   stands in for a container runtime: an image of a private ECR repository the server holds (an account and
   region of the server) must exist with its tag or digest, else the task stops with stopCode TaskFailedToStart
   and "CannotPullContainerError: ... not found" (developer guide, "CannotPullContainer task errors"); a container
   whose command ends in `exit N` (as `sh -c "exit N"`) exits with N at once; any other container of a service
   keeps running, and of a task run alone exits 0 when moto's task reaches STOPPED. A stopped task has
   desiredStatus STOPPED, stopCode EssentialContainerExited and "Essential container in task exited" when an
   essential container exited (API reference, Task.stopCode, stoppedReason).

Two more patch moto's IAM policy evaluation, which the bootstrap test (tests/e2e/test_bootstrap.py) turns on
(moto's /moto-api/reset-auth) to run a pipeline with nothing but the roles `ecsform bootstrap` creates:

8. Role principals match their sessions. IAM: a role ARN in a trust policy's Principal grants the role's sessions
   (the caller of AssumeRole is `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`), and an account principal
   (`ACCOUNT` or `arn:aws:iam::ACCOUNT:root`) delegates to the account's own policies ("AWS JSON policy elements:
   Principal", IAM User Guide: IAM role principals, role session principals, AWS account principals). moto compares
   the session ARN with the role ARN as strings, so a role could never assume another role of its account.
9. Resources moto cannot name. IAM evaluates a statement's Resource against the ARN of what the request acts on
   ("Policy evaluation logic", IAM User Guide). moto names that ARN only for S3 (bucket, object), IAM roles and
   sts:AssumeRole, and passes "*" for every other request, which no scoped Resource pattern matches: a policy that
   scopes logs:CreateLogGroup to `arn:aws:logs:*:ACCOUNT:log-group:*` was denied. Where moto has no ARN, a
   statement is matched on its actions alone (so the resource scoping of those services is not tested on moto).

One more is not about an API but about how the server sends its answers:

10. One write per answer. moto's server (werkzeug's development server) sends an answer's status line and headers,
    then its body, with a send each, and a busy process can run another thread in between. With only the headers
    arrived, the AWS provider's HTTP client closed the connection (a FIN right after the headers, seen with tcpdump
    on lo while 6 copies of an e2e root were applied at once); the body then drew a reset, and the SDK sent the
    request again (`amz-sdk-request: attempt=2`, the same `amz-sdk-invocation-id`), which the server carried out a
    second time. That happened to 2 to 5 of about 1,670 requests in each of 5 runs: among them a
    RegisterTaskDefinition whose first revision no state held (left ACTIVE after a destroy), and CreateRole calls
    that failed with EntityAlreadyExists. The handler now buffers its writes (socketserver's `wbufsize`), so an
    answer of up to ANSWER_BUFFER bytes leaves in one send; in 4 runs with 6 and 8 roots at once (7,759 requests),
    no request was sent twice.
    A request a client does send again is written to the server's log ("retried request: ..."), which the e2e tests
    quote when a destroy leaves something behind.
"""

from __future__ import annotations

import math
import re
import sys
from datetime import datetime, timezone
from typing import Any

from moto import server
from moto.ecs import models, responses
from moto.ecs.exceptions import TaskDefinitionMemoryError, TaskDefinitionMissingPropertyError
from moto.iam import access_control
from moto.moto_api._internal import mock_random


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


_resources = models.EC2ContainerServiceBackend._calculate_task_resource_requirements


def _task_resources(task_definition: models.TaskDefinition) -> dict[str, Any]:
    """Patch 1: a container without memory of its own (the task's memory sizes it) counts as none."""
    sized = [
        cd
        if any(cd.get(k) for k in ("memory", "Memory", "memoryReservation", "MemoryReservation"))
        else {**cd, "memory": 0}
        for cd in task_definition.container_definitions
    ]
    original = task_definition.container_definitions
    task_definition.container_definitions = sized
    try:
        return _resources(task_definition)
    finally:
        task_definition.container_definitions = original


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


# --- 4-7: services, deployments and tasks --------------------------------------------------------------------

_ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)(?::([^@]+))?(?:@(.+))?$")
_EXIT = re.compile(r"(?:^|[;&|\s])exit\s+(\d+)\s*$")
DEFAULT_DEPLOYMENT_CONFIGURATION = {
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
}
# per service: the task definition of its last completed deployment, and per deployment the scheduler's steps
_completed: dict[int, str] = {}
_steps: dict[str, int] = {}


def _fate(container: dict[str, Any], override: dict[str, Any] | None) -> tuple[int | None, str | None]:
    """Patch 7: (exit code, reason) of a container that stops at once: an image that cannot be pulled (no exit
    code), a command that ends in `exit N`; (None, None) for a container that keeps running."""
    image = container.get("image") or ""
    m = _ECR_IMAGE.match(image)
    if m:
        from moto.ecr.models import ecr_backends

        account, region, name, tag, digest = m.groups()
        repo = ecr_backends[account][region].repositories.get(name)
        found = repo is not None and any(
            (digest and i.get_image_digest() == digest) or (not digest and (tag or "latest") in i.image_tags)
            for i in repo.images
        )
        if not found:
            return None, (
                f"CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref "
                f"{image}: {image}: not found"
            )
    command = (override or {}).get("command") or container.get("command") or []
    if command:
        exited = _EXIT.search(str(command[-1]))
        if exited:
            return int(exited.group(1)), None
    return None, None


def _failing(
    backend: models.EC2ContainerServiceBackend, arn: str
) -> tuple[str, str, list[tuple[str, int | None, str | None]]] | None:
    """Patch 6/7: why a service's task of this task definition stops (stopCode, stoppedReason, containers), None
    when its essential containers keep running."""
    td = backend.describe_task_definition(arn)
    fates = [(c["name"], *_fate(c, None)) for c in td.container_definitions]
    essential = {c["name"] for c in td.container_definitions if c.get("essential", True)}
    pulls = [reason for name, code, reason in fates if reason and name in essential]
    if pulls:
        return "TaskFailedToStart", pulls[0], fates
    if any(code is not None for name, code, _ in fates if name in essential):
        return "EssentialContainerExited", "Essential container in task exited", fates
    return None


def _stopped_task(
    backend: models.EC2ContainerServiceBackend,
    service: models.Service,
    deployment: dict[str, Any],
    why: tuple[Any, ...],
) -> None:
    """Patch 6: a task the deployment started and ECS stopped, as ListTasks and DescribeTasks show it."""
    cluster = backend._get_cluster(service.cluster_name)
    td = backend.describe_task_definition(deployment["taskDefinition"])
    network = service.network_configuration or None
    if td.network_mode == "awsvpc" and not network:
        return
    task = models.Task(
        cluster,
        td,
        None,
        None,  # a stopped task holds no resources
        backend=backend,
        group=f"service:{service.name}",
        launch_type=service.launch_type or "",
        started_by=deployment["id"],
        networking_configuration=network,
    )
    stop_code, reason, fates = why
    _finish(task, stop_code, reason, {name: (code, r) for name, code, r in fates})
    backend.tasks.setdefault(cluster.name, {})[task.task_arn] = task


def _finish(task: models.Task, stop_code: str, reason: str, fates: dict[str, tuple[int | None, str | None]]) -> None:
    task.status = "STOPPED"
    task.desired_status = "STOPPED"
    task.stop_code = stop_code
    task.stopped_reason = reason
    task.stopped_at = datetime.now(timezone.utc)
    for c in task.containers:
        c.last_status = "STOPPED"
        code, why = fates.get(c.name, (0, None))
        c.exitCode = code
        c.reason = why


def _deployment(service: models.Service, arn: str, state: str = "IN_PROGRESS") -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    deployment_id = f"ecs-svc/{mock_random.randint(10**18, 10**19 - 1)}"
    desired = service.desired_count or 0
    return {
        "id": deployment_id,
        "status": "PRIMARY",
        "taskDefinition": arn,
        "desiredCount": desired,
        "pendingCount": desired if state == "IN_PROGRESS" else 0,
        "runningCount": 0 if state == "IN_PROGRESS" else desired,
        "failedTasks": 0,
        "createdAt": now,
        "updatedAt": now,
        "launchType": service.launch_type,
        "platformVersion": service.platform_version,
        "networkConfiguration": service.network_configuration or None,
        "rolloutState": state,
        "rolloutStateReason": f"ECS deployment {deployment_id} {'in progress' if state == 'IN_PROGRESS' else 'completed'}.",
    }


def _new_deployment(service: models.Service, arn: str) -> dict[str, Any]:
    """Patch 4: a new PRIMARY deployment; the previous PRIMARY goes on as ACTIVE until it is drained."""
    for d in service.deployments:
        if d["status"] == "PRIMARY":
            d["status"] = "ACTIVE"
    deployment = _deployment(service, arn, "IN_PROGRESS" if service.desired_count else "COMPLETED")
    service.deployments.insert(0, deployment)
    service.task_definition = arn
    return deployment


def _step(backend: models.EC2ContainerServiceBackend, service: models.Service) -> None:
    """Patches 4 and 6: one step of ECS's service scheduler."""
    if service.deployment_controller.get("type", "ECS") != "ECS" or not service.deployments:
        return
    primary = next((d for d in service.deployments if d["status"] == "PRIMARY"), None)
    if primary is None or primary["rolloutState"] != "IN_PROGRESS":
        return
    now = datetime.now(timezone.utc)
    primary["updatedAt"] = now
    why = _failing(backend, primary["taskDefinition"])
    if why is not None:
        primary["failedTasks"] += 1
        _stopped_task(backend, service, primary, why)
        breaker = (getattr(service, "deployment_configuration", None) or {}).get("deploymentCircuitBreaker") or {}
        threshold = min(max(math.ceil(0.5 * primary["desiredCount"]), 3), 200)
        if breaker.get("enable") and primary["failedTasks"] >= threshold:
            primary["rolloutState"] = "FAILED"
            primary["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
            previous = _completed.get(id(service))
            if breaker.get("rollback") and previous:
                _new_deployment(service, previous)
        return
    steps = _steps[primary["id"]] = _steps.get(primary["id"], 0) + 1
    primary["runningCount"], primary["pendingCount"] = primary["desiredCount"], 0
    service.running_count, service.pending_count = primary["desiredCount"], 0
    for d in service.deployments:
        if d is not primary:
            d["runningCount"], d["pendingCount"] = 0, 0
    if steps >= 2:  # the tasks of the older deployments are stopped: they go, and the rollout is done
        service.deployments[:] = [primary]
        primary["rolloutState"] = "COMPLETED"
        primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
        _completed[id(service)] = primary["taskDefinition"]


_service_init = models.Service.__init__


def _service(self: models.Service, *args: Any, **kwargs: Any) -> None:
    """Patch 4: the first deployment starts IN_PROGRESS (none running yet), as any other."""
    _service_init(self, *args, **kwargs)
    self.deployment_configuration = dict(DEFAULT_DEPLOYMENT_CONFIGURATION)
    if self.deployments and self.task_definition:
        self.deployments[:] = [
            _deployment(self, self.task_definition, "IN_PROGRESS" if self.desired_count else "COMPLETED")
        ]
        self.running_count, self.pending_count = 0, self.desired_count
        if not self.desired_count:
            _completed[id(self)] = self.task_definition


_create_service = responses.EC2ContainerServiceResponse.create_service


def _create(self: responses.EC2ContainerServiceResponse) -> Any:
    """Patch 5: deploymentConfiguration (over ECS's defaults) and availabilityZoneRebalancing as sent."""
    result = _create_service(self)
    sent = self._get_param("deploymentConfiguration")
    if sent:
        result.result["service"].deployment_configuration = {**DEFAULT_DEPLOYMENT_CONFIGURATION, **sent}
    rebalancing = self._get_param("availabilityZoneRebalancing")
    if rebalancing is not None:
        result.result["service"].availability_zone_rebalancing = rebalancing
    return result


_update_service = models.EC2ContainerServiceBackend.update_service


def _update(self: models.EC2ContainerServiceBackend, properties: dict[str, Any]) -> models.Service:
    """Patch 4: a new deployment when the task definition changes (or forceNewDeployment)."""
    cluster = properties.get("cluster", "default")
    name = str(properties.get("service", "")).split("/")[-1]
    wanted = properties.get("task_definition")
    force = properties.get("force_new_deployment", False)
    before = self._get_service(cluster, name)
    previous = before.task_definition
    sent = properties.get("deployment_configuration")
    service = _update_service(self, dict(properties))
    if sent is not None:
        service.deployment_configuration = {**DEFAULT_DEPLOYMENT_CONFIGURATION, **sent}
    arn = self.describe_task_definition(wanted).arn if wanted else previous
    if service.deployment_controller.get("type", "ECS") == "ECS" and arn and (arn != previous or force):
        _new_deployment(service, arn)
    elif arn:
        service.task_definition = arn
    return service


_describe_services = models.EC2ContainerServiceBackend.describe_services


def _describe(self: models.EC2ContainerServiceBackend, cluster: str, names: list[str]) -> Any:
    """Patch 4: the scheduler moves one step each time the services are looked at."""
    found, failures = _describe_services(self, cluster, names)
    for service in found:
        _step(self, service)
    return found, failures


_task_init = models.Task.__init__


def _task(self: models.Task, cluster: Any, task_definition: Any, *args: Any, **kwargs: Any) -> None:
    """Patch 7: every container of the task definition."""
    _task_init(self, cluster, task_definition, *args, **kwargs)
    containers = []
    for definition in task_definition.container_definitions:
        c = models.Container(task_definition)
        c.name, c.image = definition.get("name"), definition.get("image")
        c.cpu, c.memory = definition.get("cpu", 0), definition.get("memory")
        c.environment, c.command = definition.get("environment"), definition.get("command")
        c.reason, c.exitCode = None, None  # no exit code until it stops
        containers.append(c)
    self.containers = containers
    self.stop_code = None
    self._definitions = {d.get("name"): d for d in task_definition.container_definitions}


_describe_tasks = models.EC2ContainerServiceBackend.describe_tasks


def _tasks(self: models.EC2ContainerServiceBackend, cluster: str, tasks: list[str]) -> list[models.Task]:
    """Patch 7: a task run alone that reaches STOPPED ends as its containers say."""
    found = _describe_tasks(self, cluster, tasks)
    for task in found:
        if task.status == "STOPPED" and task.desired_status != "STOPPED":
            overrides = {o.get("name"): o for o in (task.overrides or {}).get("containerOverrides", [])}
            fates = {}
            for name, definition in task._definitions.items():
                code, reason = _fate(definition, overrides.get(name))
                fates[name] = (code if code is not None or reason else 0, reason)
            essential = [n for n, d in task._definitions.items() if d.get("essential", True)]
            pulls = [fates[n][1] for n in essential if fates[n][1]]
            if pulls:
                _finish(task, "TaskFailedToStart", pulls[0], fates)
            else:
                _finish(task, "EssentialContainerExited", "Essential container in task exited", fates)
    return found


def _check_principal(self: Any, principal: str) -> bool:
    """Patch 8: a role ARN (any path) or the account matches the role's sessions, as IAM reads a trust policy."""
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
    """Patch 9: where moto passes "*" (it has no ARN for the request), a statement matches on its actions."""
    if resource == "*" and self._statement.get("Resource") not in (None, "*", ["*"]):
        statement = {**self._statement, "Resource": "*"}
        return _original_is_action_permitted(type(self)(statement), action, resource, *args, **kwargs)
    return _original_is_action_permitted(self, action, resource, *args, **kwargs)


_original_check_principal = access_control.IAMPolicyStatement._check_principal
_original_is_action_permitted = access_control.IAMPolicyStatement.is_action_permitted


# --- 10: the transport -------------------------------------------------------------------------------------------

ANSWER_BUFFER = 1 << 20  # bytes an answer may have and still leave the server in one send (a describe is ~3 KB)
_ATTEMPT = re.compile(r"attempt=(\d+)")
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_dispatch = server.DomainDispatcherApplication.__call__


def _dispatch_noting_retries(
    self: server.DomainDispatcherApplication, environ: dict[str, Any], start_response: Any
) -> Any:
    """Patch 10: a request the client sends again (the SDKs count attempts in `amz-sdk-request`) gets a line in the
    server's log: what it was, its attempt, and the invocation id its attempts share."""
    attempt = _ATTEMPT.match(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
    if attempt and int(attempt.group(1)) > 1:
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        what = environ.get("HTTP_X_AMZ_TARGET") or f"{scope.group(1) if scope else '?'} {environ.get('PATH_INFO')}"
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "?")
        sys.stderr.write(f"retried request: {what}, attempt {attempt.group(1)}, invocation {invocation}\n")
        sys.stderr.flush()
    return _dispatch(self, environ, start_response)


def patch() -> None:
    server.MotoRequestHandler.wbufsize = ANSWER_BUFFER
    server.DomainDispatcherApplication.__call__ = _dispatch_noting_retries  # type: ignore[method-assign]
    access_control.IAMPolicyStatement._check_principal = _check_principal  # type: ignore[method-assign]
    access_control.IAMPolicyStatement.is_action_permitted = _is_action_permitted  # type: ignore[method-assign]
    models.EC2ContainerServiceBackend._validate_container_defs = staticmethod(_validate_container_defs)
    models.EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(_task_resources)
    models.TaskDefinition.__init__ = _task_definition  # type: ignore[method-assign]
    responses.EC2ContainerServiceResponse.register_task_definition = _register  # type: ignore[method-assign]
    models.Service.__init__ = _service  # type: ignore[method-assign]
    responses.EC2ContainerServiceResponse.create_service = _create  # type: ignore[method-assign]
    models.EC2ContainerServiceBackend.update_service = _update  # type: ignore[method-assign]
    models.EC2ContainerServiceBackend.describe_services = _describe  # type: ignore[method-assign]
    models.Task.__init__ = _task  # type: ignore[method-assign]
    models.EC2ContainerServiceBackend.describe_tasks = _tasks  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    patch()
    server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
