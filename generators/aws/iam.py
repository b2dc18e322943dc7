"""Does a role's policy allow what the task needs? A small evaluator of IAM Allow/Deny statements.

IAM's own simulator (iam:SimulatePrincipalPolicy) would be the reference, but the local AWS emulator the tests run
against does not serve it, so that path could not be tested here; this evaluator is. It follows the documented
evaluation logic for identity policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/
reference_policies_evaluation-logic.html): an explicit Deny wins, else an Allow is needed; Action/NotAction and
Resource/NotResource with `*` and `?` wildcards (actions case-insensitive); a permissions boundary must allow too.

What it cannot see: service control policies, resource policies (a KMS key policy or a secret's resource policy
may grant or deny on their own) and condition keys it is not given. A statement whose conditions it cannot decide
makes the answer `MAYBE`, never a definite no; verify reports a MAYBE as a warning, a definite NO as an error.

A needed resource may itself be a pattern (`log-group:/ecs/api:*`, a partial secret ARN's `-??????`): an Allow
must cover every resource the pattern stands for, and a Deny counts when it overlaps any of them.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from typing import Any, Iterable


class Decision(str, enum.Enum):
    ALLOWED = "allowed"
    DENIED = "denied"  # an explicit Deny applies
    NOT_ALLOWED = "not allowed"  # no Allow covers it (implicit deny)
    MAYBE = "maybe"  # depends on conditions this evaluator cannot decide


@dataclass(frozen=True)
class Request:
    action: str
    resource: str  # an ARN, "*", or a pattern with * and ?
    context: tuple[tuple[str, str], ...] = ()  # condition key -> value (keys case-insensitive, as in IAM)


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """A policy pattern as a regex over a subject that may itself hold wildcards: `*` in the pattern matches any
    run of characters (wildcards of the subject included), `?` one character that is not the subject's `*`."""
    parts = [".*" if ch == "*" else "[^*]" if ch == "?" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def covers(pattern: str, subject: str, *, ignore_case: bool = False) -> bool:
    """True when every string the subject stands for matches the pattern (plain strings: an ordinary match)."""
    return _glob(pattern, ignore_case).fullmatch(subject) is not None


def overlaps(a: str, b: str) -> bool:
    """True when some string matches both patterns (`*` any run, `?` one character)."""

    @functools.lru_cache(maxsize=None)
    def f(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*" and (f(i + 1, j) or (j < len(b) and f(i, j + 1))):
            return True
        if j < len(b) and b[j] == "*" and (f(i, j + 1) or (i < len(a) and f(i + 1, j))):
            return True
        if i < len(a) and j < len(b) and a[i] != "*" and b[j] != "*":
            return (a[i] == "?" or b[j] == "?" or a[i] == b[j]) and f(i + 1, j + 1)
        return False

    return f(0, 0)


def _action_matches(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(covers(p, action, ignore_case=True) for p in _listed(statement["NotAction"]))
    return any(covers(p, action, ignore_case=True) for p in _listed(statement.get("Action")))


def _resource_matches(statement: dict[str, Any], resource: str, allow: bool) -> bool | None:
    """Allow: the statement covers every resource the request names. Deny: it touches any of them. None: a policy
    variable (${aws:username}...) this evaluator cannot expand."""
    negated = "NotResource" in statement
    patterns = _listed(statement["NotResource"] if negated else statement.get("Resource"))
    if any("${" in p for p in patterns):
        return None
    if not negated:
        return any((covers if allow else overlaps)(p, resource) for p in patterns)
    # NotResource: an Allow applies when no listed pattern touches the request; a Deny when some resource of the
    # request is outside every listed pattern
    if allow:
        return not any(overlaps(p, resource) for p in patterns)
    return not any(covers(p, resource) for p in patterns)


_STRING_TESTS = {
    "StringEquals": (False, False),
    "StringEqualsIgnoreCase": (False, True),
    "StringLike": (True, False),
    "ArnEquals": (False, False),
    "ArnLike": (True, False),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _condition(condition: Any, context: dict[str, str]) -> bool | None:
    """True/False when every condition of the block can be decided from the context, None otherwise."""
    if not isinstance(condition, dict):
        return None
    result: bool | None = True
    for operator, tests in condition.items():
        if not isinstance(tests, dict) or not isinstance(operator, str):
            return None
        if_exists = operator.endswith("IfExists")
        base = operator.removesuffix("IfExists")
        negate = base in _NEGATED
        base = _NEGATED.get(base, base)
        if base not in _STRING_TESTS:
            return None  # operators on numbers, dates, IPs, booleans, sets: not needed for these checks
        like, ignore_case = _STRING_TESTS[base]
        for key, values in tests.items():
            value = context.get(str(key).lower())
            if value is None:
                if if_exists:
                    continue
                return None
            hit = _any_match(_listed(values), value, like, ignore_case)
            if hit is None:
                result = None if result is not False else False
            elif hit == negate:
                result = False
    return result


def _any_match(values: list[str], subject: str, like: bool, ignore_case: bool) -> bool | None:
    """True when a value matches every string the subject stands for (a subject may be a pattern, such as the
    source ARNs a service may send), None when it matches only some of them, False when it matches none."""
    s = subject.lower() if ignore_case else subject
    wild = "*" in s or "?" in s
    partly = False
    for v in values:
        v = v.lower() if ignore_case else v
        if like:
            if covers(v, s):
                return True
            partly = partly or overlaps(v, s)
        elif not wild:
            if v == s:
                return True
        else:
            partly = partly or covers(s, v)
    return None if partly else False


def _statements(documents: Iterable[Any]) -> list[dict[str, Any]]:
    out = []
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        body = doc.get("Statement")
        for s in [body] if isinstance(body, dict) else body if isinstance(body, list) else []:
            if isinstance(s, dict):
                out.append(s)
    return out


def evaluate(documents: Iterable[Any], request: Request) -> Decision:
    """The decision of a set of identity policy documents on one request."""
    context = {k.lower(): v for k, v in request.context}
    allowed, maybe_allowed, maybe_denied = False, False, False
    for s in _statements(documents):
        effect = s.get("Effect")
        if effect not in ("Allow", "Deny") or not _action_matches(s, request.action):
            continue
        resource = _resource_matches(s, request.resource, effect == "Allow")
        if resource is False:
            continue
        condition = _condition(s["Condition"], context) if "Condition" in s else True
        if condition is False:
            continue
        certain = resource is True and condition is True
        if effect == "Deny":
            if certain:
                return Decision.DENIED
            maybe_denied = True
        elif certain:
            allowed = True
        else:
            maybe_allowed = True
    if maybe_denied:
        return Decision.MAYBE
    if allowed:
        return Decision.ALLOWED
    return Decision.MAYBE if maybe_allowed else Decision.NOT_ALLOWED


def combine(identity: Decision, boundary: Decision | None) -> Decision:
    """Identity policies within a permissions boundary: both must allow."""
    if boundary is None:
        return identity
    order = [Decision.DENIED, Decision.NOT_ALLOWED, Decision.MAYBE, Decision.ALLOWED]
    return min(identity, boundary, key=order.index)


def trusts_service(document: Any, service: str, context: dict[str, str]) -> Decision:
    """Does a role's trust policy let `service` call sts:AssumeRole? `context` holds what the service sends
    (aws:SourceAccount, aws:SourceArn as a pattern)."""
    allowed, maybe = False, False
    for s in _statements([document]):
        principal = s.get("Principal")
        if principal == "*":
            names = ["*"]
        elif isinstance(principal, dict):
            names = _listed(principal.get("Service")) + [p for p in _listed(principal.get("AWS")) if p == "*"]
        else:
            continue
        if not any(covers(n, service, ignore_case=True) for n in names) or not _action_matches(s, "sts:AssumeRole"):
            continue
        condition = _condition(s["Condition"], {k.lower(): v for k, v in context.items()}) if "Condition" in s else True
        if condition is False:
            continue
        if s.get("Effect") == "Deny":
            if condition is True:
                return Decision.DENIED
            maybe = True
        elif s.get("Effect") == "Allow":
            if condition is True:
                allowed = True
            else:
                maybe = True
    if allowed and not maybe:
        return Decision.ALLOWED
    return Decision.MAYBE if maybe or allowed else Decision.NOT_ALLOWED
