"""AWS identifiers the rules read: ARNs, Secrets Manager and SSM references, ECR images, S3 objects, and the IAM
statements a brought role needs (so that a warning can print a statement to paste into its policy).

Not a rule module (the leading underscore keeps it out of the registry); everything here is pure and cheap.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from ..errors import Path
from ..extensions import REF_PREFIX

if TYPE_CHECKING:
    from . import Context

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


def is_ref(value: Any) -> bool:
    """An ecsform reference (`ecsform:secret/...`, `ecsform:efs/...`): validated elsewhere, never a format error."""
    return isinstance(value, str) and value.startswith(REF_PREFIX)


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


# --- region and account of the task ----------------------------------------------------------------------------

def task_region(ctx: "Context") -> str | None:
    """The region ecsform would choose without --region: x-ecsform.region, else the one the spec implies.
    Computed once per task (kept on the context, which lives for one check)."""
    cached = ctx.__dict__.get("_aws_task_region", _UNSET)
    if cached is _UNSET:
        cached = ctx.__dict__["_aws_task_region"] = _task_region(ctx)
    return cached


_UNSET = object()


def _task_region(ctx: "Context") -> str | None:
    if ctx.ext.region:
        return ctx.ext.region
    logs, arns, ecr = set(), set(), set()  # the tiers of plan.region_candidates, strongest first
    for path, c in ctx.containers():
        _, options = log_options(c)
        if "awslogs-region" in options:
            logs.add(options["awslogs-region"])
        for _, value in secret_values(c, path):
            m = _ARN_REGION.match(value)
            if m:
                arns.add(m.group(1))
        repo = ecr_repository(c["image"]) if isinstance(c.get("image"), str) else None
        if repo:
            ecr.add(repo[1])
    for tier in (logs, arns, ecr):
        if tier:
            return next(iter(tier)) if len(tier) == 1 else None
    return None


def role_account(arn: str | None) -> tuple[str | None, str]:
    """(account, partition) of a role ARN; (None, "aws") when it is not one."""
    m = ROLE_ARN.match(arn or "")
    return (m.group(2), m.group(1)) if m else (None, "aws")


def spec_accounts(ctx: "Context") -> list[str]:
    """Accounts the spec names in ARNs and ECR images, most telling first (roles), without duplicates."""
    out: list[str] = []
    for arn in (ctx.execution_role_arn, ctx.task_role_arn):
        account, _ = role_account(arn)
        if account:
            out.append(account)
    for _, c in ctx.containers():
        image = c.get("image")
        repo = ecr_repository(image) if isinstance(image, str) else None
        if repo:
            out.append(repo[0])
        for _, value in secret_values(c, ()):
            m = _ARN_ACCOUNT.match(value)
            if m:
                out.append(m.group(2))
    return list(dict.fromkeys(out))


# --- where secrets are referenced ---------------------------------------------------------------------------

def secret_values(container: dict[str, Any], path: Path) -> Iterator[tuple[Path, str]]:
    """(path of valueFrom, value) for the container's secrets and its log configuration's secretOptions."""
    for key_path, holder in ((("secrets",), container),
                             (("logConfiguration", "secretOptions"), container.get("logConfiguration"))):
        if not isinstance(holder, dict):
            continue
        items = holder.get(key_path[-1])
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("valueFrom"), str):
                yield path + key_path + (i, "valueFrom"), item["valueFrom"]


def repository_credentials(container: dict[str, Any], path: Path) -> Iterator[tuple[Path, str]]:
    creds = container.get("repositoryCredentials")
    if isinstance(creds, dict) and isinstance(creds.get("credentialsParameter"), str):
        yield path + ("repositoryCredentials", "credentialsParameter"), creds["credentialsParameter"]


def log_options(container: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    """(logDriver, options) of a container's log configuration."""
    log = container.get("logConfiguration")
    if not isinstance(log, dict):
        return None, {}
    driver = log.get("logDriver") if isinstance(log.get("logDriver"), str) else None
    options = log.get("options") if isinstance(log.get("options"), dict) else {}
    return driver, {k: v for k, v in options.items() if isinstance(v, str)}


def firelens_s3_config(container: dict[str, Any]) -> str | None:
    fl = container.get("firelensConfiguration")
    options = fl.get("options") if isinstance(fl, dict) else None
    if isinstance(options, dict) and options.get("config-file-type") == "s3":
        value = options.get("config-file-value")
        return value if isinstance(value, str) else None
    return None


def environment_files(container: dict[str, Any], path: Path) -> Iterator[tuple[Path, str]]:
    files = container.get("environmentFiles")
    if isinstance(files, list):
        for i, f in enumerate(files):
            if isinstance(f, dict) and isinstance(f.get("value"), str):
                yield path + ("environmentFiles", i, "value"), f["value"]


# --- IAM statements for warnings ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Need:
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: tuple[tuple[str, str, str], ...] = ()  # (test, key, value)


def merge(needs: Iterable[Need]) -> list[Need]:
    """Needs with the same actions and condition share one statement; resources sorted and de-duplicated."""
    grouped: dict[tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]], set[str]] = {}
    for n in needs:
        grouped.setdefault((n.actions, n.condition), set()).update(n.resources)
    return [Need(actions, tuple(sorted(res)), cond) for (actions, cond), res in grouped.items()]


def statement(need: Need) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": "Allow", "Action": list(need.actions),
                           "Resource": list(need.resources) if len(need.resources) > 1 else need.resources[0]}
    if need.condition:
        cond: dict[str, dict[str, str]] = {}
        for test, key, value in need.condition:
            cond.setdefault(test, {})[key] = value
        out["Condition"] = cond
    return out


def describe_needs(needs: list[Need]) -> str:
    """'a, b on X, Y; c on Z' for the message."""
    return "; ".join(f"{', '.join(n.actions)} on {', '.join(n.resources)}" for n in needs)


def policy_json(needs: list[Need]) -> str:
    return json.dumps([statement(n) for n in needs], separators=(", ", ": "))


def placeholders_note(needs: list[Need]) -> str:
    text = " ".join(r for n in needs for r in n.resources)
    unknown = [w for w in ("REGION", "ACCOUNT") if f":{w}:" in text]
    if not unknown:
        return ""
    return f" ({' and '.join(unknown)}: the task's {' and '.join(u.lower() for u in unknown)})"
