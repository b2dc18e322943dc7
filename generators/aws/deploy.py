"""`ecsform deploy` against ECS: point services at a revision, wait until ECS says the rollout completed and the
service is stable, and say why when it does not.

    found, problems = services(ecs, cluster, names)      # DescribeServices: each bound service exists, ACTIVE, ECS-
                                                         # controlled (nothing is changed while one is missing)
    watch = start(ecs, service, arn)                     # UpdateService: the new PRIMARY deployment's id, and the
                                                         # revision the service ran before (what --rollback restores)
    outcomes = wait(ecs, [watch, ...], timeout, ...)     # DescribeServices until each deployment is done

Done means: the deployment UpdateService started is the service's PRIMARY one, its rolloutState is COMPLETED, and
the service is stable (that deployment alone, as many tasks running as desired: what the services-stable waiter
checks). A service that becomes stable because ECS rolled the deployment back is a failure, not a success (the GitHub
deploy action reported those as successes: aws-actions/amazon-ecs-deploy-task-definition#191, #494): ecsform
follows the deployment by its id. Failure: rolloutState FAILED (the deployment circuit breaker), the deployment
replaced (a rollback, another deploy), as many failed tasks as the circuit breaker would tolerate when the service
has none (ECS itself would start tasks forever), or the timeout. The stopped tasks' reasons are named: the tasks a
service starts carry the deployment's id in `startedBy` (ECS API reference, Task.startedBy).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import Check, Finding, Severity
from ..text import suggest

# The findings this module raises (collected by the catalog: generators/rules).
DEPLOY_CLUSTER = Check(
    "DEPLOY-CLUSTER", Severity.ERROR, "The bound cluster does not exist in the root's account and region."
)
DEPLOY_SERVICE = Check(
    "DEPLOY-SERVICE", Severity.ERROR, "A bound service does not exist in its cluster, or is not ACTIVE."
)
DEPLOY_CONTROLLER = Check(
    "DEPLOY-CONTROLLER",
    Severity.ERROR,
    ("A bound service is deployed by CodeDeploy or an external controller, which UpdateService cannot move."),
)


E = Severity.ERROR
# ECS API reference, ServiceDeploymentCircuitBreaker.threshold: "a minimum threshold of 3 and a maximum threshold of
# 200", computed as 0.5 * the desired task count (ThresholdConfiguration's default: BOUNDED_PERCENT 50)
THRESHOLD_MIN, THRESHOLD_MAX = 3, 200
DESCRIBE_SERVICES_MAX = 10  # DescribeServices takes at most 10 services per call
DESCRIBE_TASKS_MAX = 100


def failure_threshold(desired: int) -> int:
    """How many failed tasks the deployment circuit breaker tolerates for a desired count."""
    return min(max(math.ceil(0.5 * desired), THRESHOLD_MIN), THRESHOLD_MAX)


def short(arn: str | None) -> str:
    """FAMILY:REVISION of a task definition ARN."""
    return (arn or "?").rsplit("/", 1)[-1]


def _names(arns: list[str]) -> list[str]:
    return [a.rsplit("/", 1)[-1] for a in arns]


def pages(call: Callable[..., dict[str, Any]], key: str, **params: Any) -> list[str]:
    out: list[str] = []
    token = None
    while True:
        page = call(**params, **({"nextToken": token} if token else {}))
        out += page.get(key, [])
        token = page.get("nextToken")
        if not token:
            return out


def services(ecs: Any, cluster: str, names: list[str], where: str) -> tuple[dict[str, dict[str, Any]], list[Finding]]:
    """The bound services as DescribeServices returns them, by name, and a finding for each that cannot be deployed
    to: an unknown cluster or service (with a did-you-mean), a service that is not ACTIVE, one another deployment
    controller (CodeDeploy, external) deploys. `where` says which account and region."""
    found: dict[str, dict[str, Any]] = {}
    problems: list[Finding] = []
    for i in range(0, len(names), DESCRIBE_SERVICES_MAX):
        chunk = names[i : i + DESCRIBE_SERVICES_MAX]
        try:
            response = ecs.describe_services(cluster=cluster, services=chunk)
        except Exception as exc:
            if _code(exc) == "ClusterNotFoundException":
                return {}, [missing_cluster(ecs, cluster, where)]
            raise
        for failure in response.get("failures", []):
            name = failure.get("arn", "").rsplit("/", 1)[-1]
            at = names.index(name) if name in names else None
            known = _names(pages(ecs.list_services, "serviceArns", cluster=cluster))
            close = suggest(name, known)
            problems.append(
                DEPLOY_SERVICE.finding(
                    f"no service {name!r} in cluster {cluster} ({where}): {failure.get('reason', 'MISSING')}",
                    path=("x-ecsform", "deploy", "services") + ((at,) if at is not None else ()),
                    hint=(f"did you mean {close!r}? " if close else "")
                    + (f"the cluster's services: {', '.join(sorted(known)[:20])}" if known else "the cluster has none"),
                )
            )
        for s in response.get("services", []):
            found[s["serviceName"]] = s
    for name, s in found.items():
        controller = (s.get("deploymentController") or {}).get("type", "ECS")
        if s.get("status") != "ACTIVE":
            problems.append(
                DEPLOY_SERVICE.finding(
                    f"service {name} in cluster {cluster} is {s.get('status')}, not ACTIVE",
                    path=("x-ecsform", "deploy", "services"),
                    hint="bind a service that runs, or remove it from the binding",
                )
            )
        elif controller != "ECS":
            problems.append(
                DEPLOY_CONTROLLER.finding(
                    f"service {name} is deployed by the {controller} deployment controller: ecsform deploy updates "
                    "services of ECS's rolling deployments (UpdateService cannot change their task definition)",
                    path=("x-ecsform", "deploy", "services"),
                    hint="deploy it with its controller (CodeDeploy: an AppSpec naming the revision), or bind another service",
                )
            )
    return found, problems


def missing_cluster(ecs: Any, cluster: str, where: str) -> Finding:
    known = _names(pages(ecs.list_clusters, "clusterArns"))
    close = suggest(cluster.rsplit("/", 1)[-1], known)
    return DEPLOY_CLUSTER.finding(
        f"no cluster {cluster!r} ({where})",
        path=("x-ecsform", "deploy", "cluster"),
        hint=(f"did you mean {close!r}? " if close else "")
        + (f"clusters there: {', '.join(sorted(known)[:20])}" if known else "there is no cluster there"),
    )


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def primary(service: dict[str, Any]) -> dict[str, Any] | None:
    return next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), None)


def stable_on(service: dict[str, Any], arn: str) -> bool:
    """The service runs `arn` and nothing else, with the rollout completed: a deploy has nothing to do."""
    deployments = service.get("deployments", [])
    p = primary(service)
    return (
        p is not None
        and len(deployments) == 1
        and p.get("taskDefinition") == arn
        and p.get("rolloutState", "COMPLETED") == "COMPLETED"
        and service.get("runningCount") == service.get("desiredCount")
    )


@dataclass
class Watch:
    """One deployment being followed."""

    cluster: str
    service: str
    deployment: str  # the id of the deployment UpdateService started
    task_definition: str  # the revision it deploys
    previous: str  # the revision the service ran before (what --rollback restores)
    last: str = ""  # the last progress line said
    failed_seen: set[str] = field(default_factory=set)  # stopped tasks already reported
    failed_count: int = 0  # the deployment's failedTasks when its stopped tasks were last listed


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def running_before(service: dict[str, Any], arn: str) -> str:
    """The revision a service runs before a deploy of `arn`: its PRIMARY deployment's, or, while a deployment of
    `arn` is already under way, the older one it replaces."""
    p = primary(service) or {}
    if p.get("taskDefinition") == arn:
        older = [
            d for d in service.get("deployments", []) if d.get("status") == "ACTIVE" and d.get("taskDefinition") != arn
        ]
        if older:
            return str(older[0].get("taskDefinition"))
    return str(p.get("taskDefinition") or service.get("taskDefinition", ""))


def start(ecs: Any, cluster: str, service: dict[str, Any], arn: str, *, previous: str | None = None) -> Watch:
    """UpdateService to `arn`: the watch of the deployment it starts (ECS starts none when the service's
    deployment of `arn` is under way already: that one is watched)."""
    before = previous or running_before(service, arn)
    updated = ecs.update_service(cluster=cluster, service=service["serviceName"], taskDefinition=arn)["service"]
    deployments: list[dict[str, Any]] = updated.get("deployments", [])
    primary_of_arn = next(
        (d for d in deployments if d.get("status") == "PRIMARY" and d.get("taskDefinition") == arn), None
    )
    mine = primary_of_arn or next((d for d in deployments if d.get("taskDefinition") == arn), {})
    return Watch(cluster, service["serviceName"], mine.get("id", ""), arn, before)


def follow(service: dict[str, Any], watch: Watch) -> Watch:
    """A watch of the deployment ECS itself started for `watch.previous` (the circuit breaker's rollback)."""
    back = primary(service) or {}
    return Watch(
        watch.cluster, watch.service, back.get("id", ""), back.get("taskDefinition", ""), watch.task_definition
    )


def circuit_breaker(service: dict[str, Any]) -> tuple[bool, bool]:
    """(enabled, rollback) of the service's deployment circuit breaker."""
    breaker = (service.get("deploymentConfiguration") or {}).get("deploymentCircuitBreaker") or {}
    return bool(breaker.get("enable")), bool(breaker.get("rollback"))


def progress(service: dict[str, Any], watch: Watch) -> str:
    mine = next((d for d in service.get("deployments", []) if d.get("id") == watch.deployment), None)
    if mine is None:
        return "deployment replaced"
    others = len(service.get("deployments", [])) - 1
    return (
        f"{short(watch.task_definition)} {mine.get('rolloutState', 'no rollout state')}: "
        f"{mine.get('runningCount', 0)}/{mine.get('desiredCount', 0)} running, {mine.get('pendingCount', 0)} pending, "
        f"{mine.get('failedTasks', 0)} failed" + (f"; {others} older deployment(s) draining" if others else "")
    )


def evaluate(service: dict[str, Any], watch: Watch) -> Outcome | None:
    """Whether the deployment being watched is done (ok), has failed (not ok), or is still going (None)."""
    deployments = service.get("deployments", [])
    mine = next((d for d in deployments if d.get("id") == watch.deployment), None)
    p = primary(service) or {}
    if mine is None:
        back = p.get("taskDefinition") == watch.previous
        return Outcome(
            False,
            f"deployment {watch.deployment} is gone: the service's PRIMARY deployment {p.get('id')} runs "
            f"{short(p.get('taskDefinition'))}"
            + (" (ECS rolled back: the deployment circuit breaker)" if back else " (another deploy replaced it)"),
        )
    if mine.get("rolloutState") == "FAILED":
        reason = mine.get("rolloutStateReason") or "no reason given"
        back = p.get("id") != mine.get("id") and p.get("taskDefinition") == watch.previous
        return Outcome(
            False,
            f"rollout FAILED: {reason}" + (f" (ECS is rolling back to {short(watch.previous)})" if back else ""),
        )
    if mine.get("status") != "PRIMARY":
        return Outcome(
            False,
            f"deployment {watch.deployment} is no longer PRIMARY: deployment {p.get('id')} runs "
            f"{short(p.get('taskDefinition'))}",
        )
    enabled, _ = circuit_breaker(service)
    failed, desired = mine.get("failedTasks", 0), mine.get("desiredCount", 0)
    if not enabled and failed >= failure_threshold(desired):
        return Outcome(
            False,
            f"{failed} task(s) failed to start or stay running, as many as the deployment circuit breaker tolerates "
            f"for {desired} desired ({failure_threshold(desired)}); the service has no circuit breaker, so ECS would "
            "keep starting tasks",
        )
    done = (
        mine.get("rolloutState", "COMPLETED") == "COMPLETED"
        and len(deployments) == 1
        and service.get("runningCount") == service.get("desiredCount")
        and mine.get("runningCount") == desired
    )
    if done:
        return Outcome(True, f"{short(watch.task_definition)} COMPLETED: {desired}/{desired} running, service stable")
    return None


def describe(ecs: Any, cluster: str, names: list[str]) -> dict[str, dict[str, Any]]:
    """DescribeServices of `names` (ten at a time), by name."""
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(names), DESCRIBE_SERVICES_MAX):
        response = ecs.describe_services(cluster=cluster, services=names[i : i + DESCRIBE_SERVICES_MAX])
        out.update({s["serviceName"]: s for s in response.get("services", [])})
    return out


def stopped_tasks(ecs: Any, cluster: str, deployment: str, seen: set[str]) -> list[str]:
    """What the tasks a deployment started and ECS stopped say (not those in `seen`, which get added)."""
    if not deployment:
        return []
    arns = [
        a
        for a in pages(ecs.list_tasks, "taskArns", cluster=cluster, startedBy=deployment, desiredStatus="STOPPED")
        if a not in seen
    ]
    lines = []
    for i in range(0, len(arns), DESCRIBE_TASKS_MAX):
        for task in ecs.describe_tasks(cluster=cluster, tasks=arns[i : i + DESCRIBE_TASKS_MAX]).get("tasks", []):
            seen.add(task["taskArn"])
            lines += task_lines(task)
    return lines


def task_lines(task: dict[str, Any]) -> list[str]:
    """A stopped task as people read it: its stopped reason, then each container's exit code and reason."""
    tid = task.get("taskArn", "").rsplit("/", 1)[-1]
    code = f" ({task['stopCode']})" if task.get("stopCode") else ""
    lines = [f"task {tid} stopped{code}: {task.get('stoppedReason') or 'no reason given'}"]
    for c in task.get("containers", []):
        parts = []
        if c.get("exitCode") is not None:
            parts.append(f"exit code {c['exitCode']}")
        if c.get("reason"):
            parts.append(c["reason"])
        if parts:
            lines.append(f"  container {c.get('name')}: {', '.join(parts)}")
    return lines


Say = Callable[[str], None]


def wait(
    ecs: Any,
    watches: list[Watch],
    timeout: float,
    interval: float,
    say: Say,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[tuple[str, str], Outcome]:
    """Poll DescribeServices until every watched deployment is done or failed, or `timeout` seconds pass; say each
    step (a progress line when it changes, the stopped tasks as they appear)."""
    outcomes: dict[tuple[str, str], Outcome] = {}
    deadline = clock() + timeout
    pending = list(watches)
    while pending:
        by_cluster: dict[str, list[Watch]] = {}
        for w in pending:
            by_cluster.setdefault(w.cluster, []).append(w)
        for cluster, group in by_cluster.items():
            described = describe(ecs, cluster, [w.service for w in group])
            for w in group:
                service = described.get(w.service, {"deployments": []})
                line = progress(service, w)
                if line != w.last:
                    say(f"{w.service}: {line}")
                    w.last = line
                outcome = evaluate(service, w)
                mine: dict[str, Any] = next(
                    (d for d in service.get("deployments", []) if d.get("id") == w.deployment), {}
                )
                failed = int(mine.get("failedTasks", 0))
                if failed > w.failed_count or (outcome is not None and not outcome.ok):  # ListTasks only then
                    w.failed_count = failed
                    for text in stopped_tasks(ecs, cluster, w.deployment, w.failed_seen):
                        say(f"{w.service}: {text}")
                if outcome is not None:
                    outcomes[(w.cluster, w.service)] = outcome
        pending = [w for w in pending if (w.cluster, w.service) not in outcomes]
        if not pending:
            break
        if clock() >= deadline:
            for w in pending:
                outcomes[(w.cluster, w.service)] = Outcome(
                    False,
                    f"not done after {timeout:g} s (last: {w.last or 'no deployment seen'}); the deployment goes on "
                    "in ECS: --timeout SECONDS waits longer",
                )
            break
        sleep(max(0.0, min(interval, deadline - clock())))
    return outcomes
