"""AWS identifiers as ecsform reads them: ARNs, Secrets Manager and SSM references, ECR images, S3 objects, and
the regions a task definition implies. One place for these facts, shared by the rules, the planner and the
references to managed resources. Everything here is pure and cheap.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Iterator

ACCOUNT = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# Secrets Manager appends "-" and 6 random characters to a secret's name in its ARN.
SECRET_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")
SSM_NAME = re.compile(r"^/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*(:[A-Za-z0-9_.-]+)?$")
ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/([^:@]+)")
S3_OBJECT = re.compile(r"^arn:(aws[a-z-]*):s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.+)$")
ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/((?:[\x21-\x7e]+/)?)([\w+=,.@-]{1,64})$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:(?:secretsmanager|ssm|kms|elasticfilesystem|logs):([a-z0-9-]+):\d{12}:")
_ARN_ACCOUNT = re.compile(r"^arn:(aws[a-z-]*):[a-z0-9-]+:[a-z0-9-]*:(\d{12}):")


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str  # everything after the fifth colon


@functools.lru_cache(maxsize=4096)
def parse_arn(value: str) -> Arn | None:
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


@dataclass(frozen=True)
class SecretRef:
    """A Secrets Manager ARN as ECS reads it: the secret, then optionally :json-key:version-stage:version-id."""

    arn: Arn
    fields: int  # colon-separated fields of the resource part: 2 (whole secret) or 5 (with selectors)
    name: str
    json_key: str = ""
    version_stage: str = ""
    version_id: str = ""

    @functools.cached_property
    def base(self) -> str:
        """The secret's own ARN, without the selectors: what IAM names."""
        a = self.arn
        return f"arn:{a.partition}:secretsmanager:{a.region}:{a.account}:secret:{self.name}"

    @functools.cached_property
    def partial(self) -> bool:
        return not SECRET_SUFFIX.search(self.name)

    @functools.cached_property
    def policy_resource(self) -> str:
        """What a policy must name: the full ARN, or the partial one with the 6 wildcard characters of the suffix."""
        return self.base + "-??????" if self.partial else self.base


@functools.lru_cache(maxsize=4096)
def secret_ref(value: str) -> SecretRef | None:
    """The parts of a Secrets Manager ARN, or None when `value` is not one (any field count is kept for rules)."""
    arn = parse_arn(value)
    if arn is None or arn.service != "secretsmanager":
        return None
    parts = arn.resource.split(":")
    fields = len(parts)
    name = parts[1] if fields > 1 else ""
    extra = parts[2:5] + [""] * (3 - len(parts[2:5]))
    return SecretRef(arn, fields, name, *extra)


def ssm_parameter_arn(name: str, partition: str, region: str | None, account: str | None) -> str:
    """The ARN of an SSM parameter given by name (selectors such as `:3` dropped), with placeholders when unknown."""
    name = name.split(":", 1)[0]
    path = name if name.startswith("/") else "/" + name
    return f"arn:{partition}:ssm:{region or 'REGION'}:{account or 'ACCOUNT'}:parameter{path}"


def ssm_arn_without_selector(value: str) -> str:
    arn = parse_arn(value)
    if arn is None:
        return value
    resource = arn.resource.split(":", 1)[0]
    return f"arn:{arn.partition}:{arn.service}:{arn.region}:{arn.account}:{resource}"


@functools.lru_cache(maxsize=4096)
def ecr_repository(image: str) -> tuple[str, str, str, str] | None:
    """(account, region, partition, repository) of a private ECR image, else None."""
    m = ECR_IMAGE.match(image)
    if not m:
        return None
    return m.group(1), m.group(2), "aws-cn" if m.group(3) else "aws", m.group(4)


def s3_bucket_arn(object_arn: str) -> str:
    return object_arn.split("/", 1)[0]


def implied_regions(task: dict[str, Any]) -> list[list[str]]:
    """Regions a task implies, in tiers from strongest to weakest: the awslogs-region of its log configurations,
    then the regions in the ARNs of its secrets, then the regions of its private ECR images."""
    logs: set[str] = set()
    arns: set[str] = set()
    ecr: set[str] = set()
    for c, log in _containers(task):
        options: dict[str, Any] = log["options"] if isinstance(log.get("options"), dict) else {}
        if isinstance(options.get("awslogs-region"), str) and "${" not in options["awslogs-region"]:
            logs.add(options["awslogs-region"])  # a target value (${target.region}) names no region of its own
        for value in _value_froms(c, log):
            m = _ARN_REGION.match(value)
            if m:
                arns.add(m.group(1))
        repo = ecr_repository(c["image"]) if isinstance(c.get("image"), str) else None
        if repo:
            ecr.add(repo[1])
    return [sorted(tier) for tier in (logs, arns, ecr)]


def _containers(task: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(container, its logConfiguration or {}) for each container that is a mapping."""
    containers = task.get("containerDefinitions")
    for c in containers if isinstance(containers, list) else []:
        if isinstance(c, dict):
            yield c, c["logConfiguration"] if isinstance(c.get("logConfiguration"), dict) else {}


def _value_froms(container: dict[str, Any], log: dict[str, Any]) -> Iterator[str]:
    """The valueFrom of a container's secrets and of its log configuration's secretOptions."""
    for holder in (container.get("secrets"), log.get("secretOptions")):
        for item in holder if isinstance(holder, list) else []:
            value = item.get("valueFrom") if isinstance(item, dict) else None
            if isinstance(value, str):
                yield value


def implied_accounts(task: dict[str, Any]) -> list[str]:
    """Accounts the task's roles and its secrets' and parameters' ARNs name, sorted (ECR images aside: a registry
    often lives in a shared account, not where the task runs)."""
    found: set[str] = set()
    for field in ("taskRoleArn", "executionRoleArn"):
        m = ROLE_ARN.match(task.get(field) or "") if isinstance(task.get(field), str) else None
        if m:
            found.add(m.group(2))
    for c, log in _containers(task):
        for value in _value_froms(c, log):
            m = _ARN_ACCOUNT.match(value)
            if m:
                found.add(m.group(2))
    return sorted(found)
