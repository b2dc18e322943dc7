"""Registered task definitions: reading one (diff, import --from-aws), and what ECS adds to what was registered.

The defaults below are documented API behaviour, not generator logic: `diff` ignores them where the spec left
the field out, and the end-to-end oracle (tests/e2e/expect.py) drops them the same way when it compares what was
applied with `render`.
"""

from __future__ import annotations

import json
from typing import Any

# Container fields the API fills in when the request leaves them out, with the value it fills in. Each is dropped
# from the described container only when `render` did not set the field and the API returned exactly this value.
API_CONTAINER_DEFAULTS: dict[str, Any] = {
    "cpu": 0,  # container cpu units: RegisterTaskDefinition stores 0 ("no reservation") when unset
    "essential": True,  # a container is essential unless it says otherwise
    "portMappings": [],  # DescribeTaskDefinition returns these lists empty rather than absent
    "environment": [],
    "mountPoints": [],
    "volumesFrom": [],
}

# Task-level fields of the response that are not part of the request: the API's bookkeeping.
API_TASK_ADDED = frozenset(
    {
        "taskDefinitionArn",
        "revision",
        "status",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "requiresAttributes",
        "deregisteredAt",
    }
)
# Request fields the API returns empty rather than absent when the request left them out.
API_TASK_EMPTY_DEFAULTS: dict[str, Any] = {"volumes": [], "placementConstraints": []}
# Volume fields that come back with a default although the request left them out. The provider always sends
# `configuredAtLaunch` (its `configure_at_launch` is a plain bool, so unset means false) and ECS echoes it.
VOLUME_DEFAULTS: dict[str, Any] = {"configuredAtLaunch": False}


def registered_containers(described: list[dict[str, Any]], rendered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The described containers with API defaults dropped where `render` left the field out, in render's order."""
    by_name = {c["name"]: c for c in rendered}
    out = []
    for container in described:
        sent = by_name.get(container["name"], {})
        out.append(
            {
                k: v
                for k, v in container.items()
                if k in sent or k not in API_CONTAINER_DEFAULTS or v != API_CONTAINER_DEFAULTS[k]
            }
        )
    order = [c["name"] for c in rendered]
    return sorted(out, key=lambda c: order.index(c["name"]) if c["name"] in order else len(order))


def _in_order(items: list[Any], sent: list[Any], key: Any) -> list[Any]:
    """`items` in the order `sent` lists them (by `key`); items `sent` lacks go last."""
    order = [key(x) for x in sent]
    return sorted(items, key=lambda x: order.index(key(x)) if key(x) in order else len(order))


def registered_task(described: dict[str, Any], rendered: dict[str, Any]) -> dict[str, Any]:
    """The described task definition without the API's bookkeeping and without defaults `render` left out.

    Lists the provider keeps in a set or a map reach ECS in no particular order, which ECS gives no meaning: volumes
    (mount points name them), placement constraints and proxy properties are put in render's order.
    """
    task = {k: v for k, v in described.items() if k not in API_TASK_ADDED}
    for key, default in API_TASK_EMPTY_DEFAULTS.items():
        if key not in rendered and task.get(key) == default:
            del task[key]
    if task.get("placementConstraints") and rendered.get("placementConstraints"):
        task["placementConstraints"] = _in_order(
            task["placementConstraints"], rendered["placementConstraints"], lambda c: json.dumps(c, sort_keys=True)
        )
    proxy = task.get("proxyConfiguration")
    if proxy and "properties" in proxy and "proxyConfiguration" in rendered:
        proxy["properties"] = _in_order(
            proxy["properties"], rendered["proxyConfiguration"].get("properties", []), lambda p: p["name"]
        )
    if "volumes" in task:
        sent = {v["name"]: v for v in rendered.get("volumes", [])}
        volumes = [
            {
                k: x
                for k, x in v.items()
                if k in sent.get(v["name"], {}) or k not in VOLUME_DEFAULTS or x != VOLUME_DEFAULTS[k]
            }
            for v in task["volumes"]
        ]
        task["volumes"] = _in_order(volumes, list(sent.values()), lambda v: v["name"])
    return task


def describe(client: Any, ref: str) -> dict[str, Any]:
    """describe_task_definition(include=["TAGS"]) for FAMILY (its latest ACTIVE revision), FAMILY:REVISION or an
    ARN: the response as boto3 returns it (`taskDefinition`, `tags`). AWS errors propagate."""
    return dict(client.describe_task_definition(taskDefinition=ref, include=["TAGS"]))


def latest_active(client: Any, family: str) -> str | None:
    """FAMILY:REVISION of the family's latest ACTIVE revision, None when it has none. Listed rather than asked of
    describe_task_definition(FAMILY), which AWS documents to answer with the latest ACTIVE revision but which
    emulators answer with the latest of any status."""
    best = 0
    token = None
    while True:
        params: dict[str, Any] = {"familyPrefix": family, "status": "ACTIVE", "sort": "DESC"}
        if token:
            params["nextToken"] = token
        page = client.list_task_definitions(**params)
        for arn in page.get("taskDefinitionArns", []):
            name, _, revision = arn.rsplit("/", 1)[-1].rpartition(":")
            if name == family and revision.isdigit():
                best = max(best, int(revision))
        token = page.get("nextToken")
        if not token:
            return f"{family}:{best}" if best else None
