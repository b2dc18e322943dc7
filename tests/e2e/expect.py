"""What the API should hold after apply, worked out from `render`'s output alone (never from generator code; the
API's own defaults, generators/aws/ecs.py, are documented AWS behaviour shared with `ecsform diff`).

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

# What the API adds to a registered task definition (its bookkeeping, the defaults it fills in) is documented API
# behaviour that `ecsform diff` needs at run time too: it lives in generators/aws/ecs.py, read from here.
from generators.aws.ecs import (  # noqa: F401
    API_CONTAINER_DEFAULTS,
    API_TASK_ADDED,
    API_TASK_EMPTY_DEFAULTS,
    VOLUME_DEFAULTS,
    registered_containers,
    registered_task,
)

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
            arn = (
                f"arn:aws:logs:{options.get('awslogs-region', region)}:{account}:log-group:{options['awslogs-group']}:*"
            )
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
    return {
        c["name"]: {
            "environment": _pairs(c.get("environment"), "value"),
            "secrets": _pairs(c.get("secrets"), "valueFrom"),
            "command": list(c.get("command") or []),
            "entryPoint": list(c.get("entryPoint") or []),
            "dockerLabels": dict(c.get("dockerLabels") or {}),
        }
        for c in containers
    }


def spec_containers(path: Path) -> list[dict[str, Any]]:
    """The containers of a spec file as written, read with a plain YAML/JSON parser (not ecsform's loader)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
    else:
        from ruamel.yaml import YAML

        data = YAML(typ="safe", pure=True).load(text)
    return data["containerDefinitions"]
