"""What the rules read about AWS in a task: where secrets, logs and files are referenced, the task's region and
accounts, and the IAM statements a brought role needs (so that a warning can print a statement to paste).

Not a rule module (the leading underscore keeps it out of the registry); everything here is pure and cheap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator

# The identifiers themselves live in generators/arns.py; the rule modules reach them through this module.
from ..arns import (  # noqa: F401
    _ARN_ACCOUNT,
    ACCOUNT,
    REGION,
    ROLE_ARN,
    ROLE_NAME,
    S3_OBJECT,
    SSM_NAME,
    SecretRef,
    ecr_repository,
    implied_regions,
    parse_arn,
    s3_bucket_arn,
    secret_ref,
    ssm_arn_without_selector,
    ssm_parameter_arn,
)
from ..errors import Path
from ..spec.references import is_reference as is_ref  # noqa: F401

if TYPE_CHECKING:
    from .registry import Context

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
    if ctx.target is not None and ctx.target.region:
        return ctx.target.region  # the deploy target's region wins, as in plan.build
    if ctx.ext.region:
        return ctx.ext.region
    for tier in implied_regions(ctx.task):  # the same choice plan.build makes
        if tier:
            return tier[0] if len(tier) == 1 else None
    return None


def role_account(arn: str | None) -> tuple[str | None, str]:
    """(account, partition) of a role ARN; (None, "aws") when it is not one."""
    m = ROLE_ARN.match(arn or "")
    return (m.group(2), m.group(1)) if m else (None, "aws")


def spec_accounts(ctx: "Context") -> list[str]:
    """Accounts the spec names in ARNs and ECR images, most telling first (the deploy target's, then roles), without
    duplicates."""
    out: list[str] = [ctx.target.account_id] if ctx.target is not None and ctx.target.account_id else []
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


# --- log driver options ----------------------------------------------------------------------------------------

# The awslogs driver reads awslogs-create-group with Go's strconv.ParseBool (moby daemon/logger/awslogs), so these
# spellings all mean true (and false); the managed execution role grants logs:CreateLogGroup for every true one.
BOOLEAN_TRUE = ("1", "t", "T", "TRUE", "true", "True")
BOOLEAN_FALSE = ("0", "f", "F", "FALSE", "false", "False")


# --- where secrets are referenced ---------------------------------------------------------------------------


def secret_values(container: dict[str, Any], path: Path) -> Iterator[tuple[Path, str]]:
    """(path of valueFrom, value) for the container's secrets and its log configuration's secretOptions."""
    for key_path, holder in (
        (("secrets",), container),
        (("logConfiguration", "secretOptions"), container.get("logConfiguration")),
    ):
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
    out: dict[str, Any] = {
        "Effect": "Allow",
        "Action": list(need.actions),
        "Resource": list(need.resources) if len(need.resources) > 1 else need.resources[0],
    }
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
