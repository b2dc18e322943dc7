"""`ecsform revisions prune` against ECS: the family's revisions, which of them services run, and what to drop.

    active = listed(ecs, family, "ACTIVE")            # ListTaskDefinitions, exactly this family, by revision
    used   = in_use(ecs, clusters)                    # every revision a deployment of a service of these clusters runs
    drop   = to_deregister(active, used, keep)        # ACTIVE but the newest `keep` and those in use

A revision a service runs is never deregistered nor deleted: a deregistered (INACTIVE) revision keeps its running
tasks, but no new task, service or service update can use it (ECS API reference, DeregisterTaskDefinition). ECS deletes at most 10 revisions per DeleteTaskDefinitions call, and only INACTIVE ones.
"""

from __future__ import annotations

from typing import Any

from .deploy import DESCRIBE_SERVICES_MAX, pages

DELETE_MAX = 10  # DeleteTaskDefinitions: at most 10 task definitions per call (ECS API reference)


def revision(arn: str) -> tuple[str, int]:
    """(family, revision) of a task definition ARN."""
    name, _, number = arn.rsplit("/", 1)[-1].rpartition(":")
    return name, int(number) if number.isdigit() else 0


def listed(ecs: Any, family: str, status: str) -> list[str]:
    """The family's revisions of one status, oldest first (ListTaskDefinitions' familyPrefix, then exactly `family`)."""
    arns = pages(ecs.list_task_definitions, "taskDefinitionArns", familyPrefix=family, status=status)
    return sorted((a for a in arns if revision(a)[0] == family), key=lambda a: revision(a)[1])


def in_use(ecs: Any, clusters: list[str]) -> dict[str, list[str]]:
    """Revision ARN -> the services (cluster/service) whose deployments run it, in the given clusters."""
    used: dict[str, list[str]] = {}
    for cluster in clusters:
        names = pages(ecs.list_services, "serviceArns", cluster=cluster)
        for i in range(0, len(names), DESCRIBE_SERVICES_MAX):
            response = ecs.describe_services(cluster=cluster, services=names[i : i + DESCRIBE_SERVICES_MAX])
            for s in response.get("services", []):
                arns = {d.get("taskDefinition") for d in s.get("deployments", [])} | {s.get("taskDefinition")}
                for arn in arns - {None}:
                    used.setdefault(arn, []).append(f"{cluster.rsplit('/', 1)[-1]}/{s['serviceName']}")
    return used


def to_deregister(active: list[str], used: dict[str, list[str]], keep: int) -> list[str]:
    """The ACTIVE revisions to deregister: all but the newest `keep` and those a service runs, oldest first."""
    newest = set(sorted(active, key=lambda a: revision(a)[1])[-keep:]) if keep > 0 else set()
    return [a for a in active if a not in newest and a not in used]


def delete(ecs: Any, arns: list[str]) -> list[tuple[str, str]]:
    """DeleteTaskDefinitions in calls of 10: the (ARN, reason) of each ECS refused."""
    failures = []
    for i in range(0, len(arns), DELETE_MAX):
        response = ecs.delete_task_definitions(taskDefinitions=arns[i : i + DELETE_MAX])
        failures += [(f.get("arn", "?"), f.get("reason", "?")) for f in response.get("failures", [])]
    return failures
