"""What the API should hold after apply, worked out from `render`'s output alone (never from generator code).

- `registered_containers`: the container definitions ECS returns, minus exactly the defaults the API fills in
  for fields the request left out. Nothing else is dropped, so any other difference fails the test.
- `execution_permissions`: the execution role's permissions, written from the AWS documentation of what the
  ECS agent does for a task (pull private ECR images, write awslogs streams, read secrets and parameters).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
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


def registered_containers(described: list[dict[str, Any]], rendered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The described containers with API defaults dropped where `render` left the field out, in render's order."""
    by_name = {c["name"]: c for c in rendered}
    out = []
    for container in described:
        sent = by_name.get(container["name"], {})
        out.append({k: v for k, v in container.items()
                    if k in sent or k not in API_CONTAINER_DEFAULTS or v != API_CONTAINER_DEFAULTS[k]})
    order = [c["name"] for c in rendered]
    return sorted(out, key=lambda c: order.index(c["name"]) if c["name"] in order else len(order))


# Task-level fields of the response that are not part of the request: the API's bookkeeping.
API_TASK_ADDED = frozenset({"taskDefinitionArn", "revision", "status", "compatibilities", "registeredAt",
                            "registeredBy", "requiresAttributes", "deregisteredAt"})
# Request fields the API returns empty rather than absent when the request left them out.
API_TASK_EMPTY_DEFAULTS: dict[str, Any] = {"volumes": [], "placementConstraints": []}
# Volume fields that come back with a default although `render` left them out. The provider always sends
# `configuredAtLaunch` (its `configure_at_launch` is a plain bool, so unset means false) and ECS echoes it.
VOLUME_DEFAULTS: dict[str, Any] = {"configuredAtLaunch": False}


def registered_task(described: dict[str, Any], rendered: dict[str, Any]) -> dict[str, Any]:
    """The described task definition without the API's bookkeeping and without defaults `render` left out.

    Volumes are put in render's order: the provider keeps `volume` blocks in a set, so they reach ECS in the set's
    order, which is not the spec's (ECS gives volume order no meaning; mount points name volumes).
    """
    task = {k: v for k, v in described.items() if k not in API_TASK_ADDED}
    for key, default in API_TASK_EMPTY_DEFAULTS.items():
        if key not in rendered and task.get(key) == default:
            del task[key]
    constraints = task.get("placementConstraints")
    if constraints and rendered.get("placementConstraints"):
        # a set in the provider too (placement_constraints): render's order
        order = [json.dumps(c, sort_keys=True) for c in rendered["placementConstraints"]]
        task["placementConstraints"] = sorted(constraints, key=lambda c: order.index(json.dumps(c, sort_keys=True))
                                              if json.dumps(c, sort_keys=True) in order else len(order))
    proxy = task.get("proxyConfiguration")
    if proxy and "properties" in proxy and "proxyConfiguration" in rendered:
        # The provider holds proxy properties in a map, so they reach ECS in no particular order (ECS gives the
        # order no meaning): put them in render's order, as the volumes below.
        order = [p["name"] for p in rendered["proxyConfiguration"].get("properties", [])]
        proxy["properties"] = sorted(proxy["properties"],
                                     key=lambda p: order.index(p["name"]) if p["name"] in order else len(order))
    if "volumes" in task:
        sent = {v["name"]: v for v in rendered.get("volumes", [])}
        order = list(sent)
        volumes = [{k: x for k, x in v.items()
                    if k in sent.get(v["name"], {}) or k not in VOLUME_DEFAULTS or x != VOLUME_DEFAULTS[k]}
                   for v in task["volumes"]]
        task["volumes"] = sorted(volumes, key=lambda v: order.index(v["name"]) if v["name"] in order else len(order))
    return task


_ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)")


def _secret_arn(reference: str) -> str:
    """arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-abcdef[:json-key:version-stage:version-id] -> the secret's ARN.

    ECS lets a reference select a JSON key, a staging label or a version after the ARN; IAM names the secret itself,
    which is the first seven colon-separated fields.
    """
    fields = reference.split(":")
    assert len(fields) >= 7 and fields[5] == "secret", reference
    return ":".join(fields[:7])


def _is_secrets_manager(reference: str) -> bool:
    return reference.startswith("arn:") and reference.split(":")[2] == "secretsmanager"


def _parameter_arn(reference: str, region: str, account: str) -> str:
    """An SSM parameter given by ARN, or by name (with or without a leading slash) in the task's region and account."""
    if reference.startswith("arn:"):
        return reference
    return f"arn:aws:ssm:{region}:{account}:parameter/{reference.lstrip('/')}"


def execution_permissions(rendered: dict[str, Any], region: str, account: str) -> dict[str, set[str]]:
    """IAM action -> the resources the execution role must allow it on, for the containers `render` printed."""
    secrets: set[str] = set()
    parameters: set[str] = set()
    log_groups: set[str] = set()
    log_groups_created: set[str] = set()
    repositories: set[str] = set()
    s3_objects: set[str] = set()
    for c in rendered["containerDefinitions"]:
        # environment files and a FireLens configuration file in S3: the agent reads them with the execution role
        # (developer guide: s3:GetObject on the object, s3:GetBucketLocation on its bucket)
        s3_objects.update(f["value"] for f in c.get("environmentFiles", []))
        firelens = c.get("firelensConfiguration", {}).get("options", {})
        if firelens.get("config-file-type") == "s3":
            s3_objects.add(firelens["config-file-value"])
        log = c.get("logConfiguration", {})
        for ref in [s["valueFrom"] for s in c.get("secrets", []) + log.get("secretOptions", [])]:
            if _is_secrets_manager(ref):
                secrets.add(_secret_arn(ref))
            else:
                parameters.add(_parameter_arn(ref, region, account))
        if "repositoryCredentials" in c:
            secrets.add(_secret_arn(c["repositoryCredentials"]["credentialsParameter"]))
        options = log.get("options", {})
        if log.get("logDriver") == "awslogs" and "awslogs-group" in options:
            arn = f"arn:aws:logs:{options.get('awslogs-region', region)}:{account}:log-group:{options['awslogs-group']}:*"
            log_groups.add(arn)
            if options.get("awslogs-create-group") in ("1", "t", "T", "TRUE", "true", "True"):  # strconv.ParseBool
                log_groups_created.add(arn)
        m = _ECR_IMAGE.match(c["image"])
        if m:
            repositories.add(f"arn:aws:ecr:{m[2]}:{m[1]}:repository/{m[3]}")
    expected: dict[str, set[str]] = {}
    if repositories:
        expected["ecr:GetAuthorizationToken"] = {"*"}  # the one action IAM cannot scope to a resource
        for action in ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"):
            expected[action] = repositories
    if log_groups:
        expected["logs:CreateLogStream"] = expected["logs:PutLogEvents"] = log_groups
    if log_groups_created:
        expected["logs:CreateLogGroup"] = log_groups_created
    if s3_objects:
        expected["s3:GetObject"] = s3_objects
        expected["s3:GetBucketLocation"] = {o.split("/", 1)[0] for o in s3_objects}
    if secrets:
        expected["secretsmanager:GetSecretValue"] = secrets
    if parameters:
        expected["ssm:GetParameters"] = parameters
    return expected


def policy_permissions(document: dict[str, Any]) -> dict[str, set[str]]:
    """IAM action -> resources, from a policy document of plain Allow statements (anything else fails)."""
    out: dict[str, set[str]] = {}
    for statement in document["Statement"]:
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource"}, statement
        assert statement["Effect"] == "Allow", statement
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            out.setdefault(action, set()).update(resources)
    return out


def _pairs(value: Any, key: str) -> dict[str, Any]:
    """environment/secrets in either form a spec may use: [{name, value}] or {NAME: value}."""
    if isinstance(value, dict):
        return dict(value)
    return {item["name"]: item.get(key) for item in value or []}


def literal_strings(containers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per container: the free-text values a user writes (environment, secrets, command, entryPoint, dockerLabels),
    in one shape whatever form they were written in. Missing and empty are the same: ECS returns empty lists."""
    return {c["name"]: {"environment": _pairs(c.get("environment"), "value"),
                        "secrets": _pairs(c.get("secrets"), "valueFrom"),
                        "command": list(c.get("command") or []),
                        "entryPoint": list(c.get("entryPoint") or []),
                        "dockerLabels": dict(c.get("dockerLabels") or {})}
            for c in containers}


def spec_containers(path: Path) -> list[dict[str, Any]]:
    """The containers of a spec file as written, read with a plain YAML/JSON parser (not ecsform's loader)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
    else:
        from ruamel.yaml import YAML

        data = YAML(typ="safe", pure=True).load(text)
    return data["containerDefinitions"]
