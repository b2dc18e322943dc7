"""A Need: actions on resources (under a condition) a role must be allowed, as ecsform derives it; merged into as
few statements as possible, and written out as IAM policy statements or as text for a message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, TypedDict

# (test, key, value) of a statement's condition, e.g. ("StringEquals", "elasticfilesystem:AccessPointArn", ARN)
Condition = tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Need:
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: Condition = ()


class _PolicyStatement(TypedDict):
    Effect: str
    Action: list[str]
    Resource: list[str] | str


class PolicyStatement(_PolicyStatement, total=False):
    """An IAM policy statement as `statement` writes it (JSON keys; Condition only when there is one)."""

    Condition: dict[str, dict[str, str]]


def merge(needs: Iterable[Need]) -> list[Need]:
    """Needs with the same actions and condition share one statement; resources sorted and de-duplicated."""
    grouped: dict[tuple[tuple[str, ...], Condition], set[str]] = {}
    for n in needs:
        grouped.setdefault((n.actions, n.condition), set()).update(n.resources)
    return [Need(actions, tuple(sorted(res)), cond) for (actions, cond), res in grouped.items()]


def statement(need: Need) -> PolicyStatement:
    out: PolicyStatement = {
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


def aws_services(needs: list[Need]) -> list[str]:
    """The AWS services the statements name, in the order they come (ecr, logs, secretsmanager...)."""
    return list(dict.fromkeys(a.split(":", 1)[0] for n in needs for a in n.actions))


def describe_needs(needs: list[Need]) -> str:
    """'a, b on X, Y; c on Z' for the message."""
    return "; ".join(f"{', '.join(n.actions)} on {', '.join(n.resources)}" for n in needs)


def policy_json(needs: list[Need]) -> str:
    return json.dumps([statement(n) for n in needs], separators=(", ", ": "))


def placeholders_note(needs: list[Need]) -> str:
    """' (REGION and ACCOUNT: the task's region and account)' when the resources hold those stand-ins."""
    text = " ".join(r for n in needs for r in n.resources)
    unknown = [w for w in ("REGION", "ACCOUNT") if f":{w}:" in text]
    if not unknown:
        return ""
    return f" ({' and '.join(unknown)}: the task's {' and '.join(u.lower() for u in unknown)})"
