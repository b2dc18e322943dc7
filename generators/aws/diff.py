"""`ecsform diff`: the spec's task definition against a registered revision, compared the way the AWS provider
compares container definitions (hashicorp/terraform-provider-aws, internal/service/ecs/container_definitions.go:
containerDefinitionsAreEquivalent), so that what it reports is what `terraform plan` would replace.

Both sides are reduced before they are compared:
- containers, their environment and their secrets are keyed by name (order means nothing to ECS or the provider);
- defaults ECS fills in are ignored where the spec leaves the field out: essential true, health check interval 30,
  retries 3 and timeout 5, port protocol tcp, host port 0 (and, in awsvpc mode, a host port equal to the container
  port), container cpu 0, empty lists; the API's bookkeeping (revision, status, registeredAt...) and the task
  fields it returns empty (generators/aws/ecs.py);
- volumes are keyed by name, requiresCompatibilities and placementConstraints are sets (the provider's view);
- what only exists once the root is applied matches its shape: a managed secret's ARN
  (`ecsform:secret/db` -> arn:...:secret:<family>/db-XXXXXX), a managed file system or access point ID, the roles
  ecsform creates (named after the family, or x-ecsform's namePrefix);
- tags: the spec's (x-ecsform.tags and ECS tags) and the target's, against the revision's (aws:* tags ignored).

The result is a list of changes, each a field path with the registered (old) and the spec's (new) value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..plan import Plan
from ..spec import references
from ..spec.extensions import Extension
from .ecs import API_TASK_ADDED, VOLUME_DEFAULTS

HEALTH_CHECK_DEFAULTS = {"interval": 30, "retries": 3, "timeout": 5}


class _Absent:
    def __repr__(self) -> str:
        return "(none)"


ABSENT: Any = _Absent()


class Keyed(dict):  # type: ignore[type-arg]
    """A list keyed by name (containers, environment, secrets, volumes, tags): paths show `[name]`."""


@dataclass(frozen=True)
class Match:
    """A value known only after apply, by its shape: `text` is what diff prints for it."""

    pattern: str
    text: str
    optional: bool = False  # also equal when the registered revision has no value

    def matches(self, value: Any) -> bool:
        if value is ABSENT:
            return self.optional
        return isinstance(value, str) and re.fullmatch(self.pattern, value) is not None


@dataclass(frozen=True)
class Change:
    path: str
    old: Any  # the registered revision's value (ABSENT when it has none)
    new: Any  # the spec's value

    def format(self) -> str:
        return f"{self.path}: {show(self.old)} -> {show(self.new)}"


def show(value: Any) -> str:
    if value is ABSENT:
        return "(none)"
    if isinstance(value, Match):
        return value.text
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=False, separators=(", ", ": "))


def _plain(value: Any) -> Any:
    if isinstance(value, Keyed):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Match):
        return value.text
    return value


# --- reduction ------------------------------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (list, dict)) and not value)


def _by_name(items: Any, value_key: str) -> Keyed:
    return Keyed(
        sorted(
            ((i.get("name", ""), i.get(value_key, ABSENT)) for i in items if isinstance(i, dict)), key=lambda kv: kv[0]
        )
    )


def reduce_container(container: dict[str, Any], awsvpc: bool) -> dict[str, Any]:
    c = {k: v for k, v in container.items() if not _empty(v)}
    c.setdefault("essential", True)
    if c.get("cpu") == 0:
        del c["cpu"]
    if isinstance(c.get("healthCheck"), dict):
        c["healthCheck"] = {
            **c["healthCheck"],
            **{k: v for k, v in HEALTH_CHECK_DEFAULTS.items() if k not in c["healthCheck"]},
        }
    if isinstance(c.get("portMappings"), list):
        ports = []
        for pm in c["portMappings"]:
            pm = dict(pm)
            if pm.get("protocol") == "tcp":
                del pm["protocol"]
            if pm.get("hostPort") == 0:
                del pm["hostPort"]
            if awsvpc and "hostPort" not in pm and "containerPort" in pm:
                pm["hostPort"] = pm["containerPort"]
            ports.append(pm)
        c["portMappings"] = ports
    for key, value_key in (("environment", "value"), ("secrets", "valueFrom")):
        if key in c:
            c[key] = _by_name(c[key], value_key)
    return c


def reduce_task(task: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    awsvpc = task.get("networkMode") == "awsvpc"
    out = {k: v for k, v in task.items() if k not in API_TASK_ADDED and k != "tags" and not _empty(v)}
    if "requiresCompatibilities" in out:
        out["requiresCompatibilities"] = sorted(out["requiresCompatibilities"])
    if "placementConstraints" in out:
        out["placementConstraints"] = sorted(out["placementConstraints"], key=lambda p: json.dumps(p, sort_keys=True))
    if "volumes" in out:
        out["volumes"] = Keyed(
            sorted(
                (
                    (
                        v.get("name", ""),
                        {
                            k: x
                            for k, x in v.items()
                            if k != "name" and not (k in VOLUME_DEFAULTS and x == VOLUME_DEFAULTS[k])
                        },
                    )
                    for v in out["volumes"]
                ),
                key=lambda kv: kv[0],
            )
        )
    out["containerDefinitions"] = Keyed(
        sorted(
            ((c.get("name", ""), reduce_container(c, awsvpc)) for c in out.get("containerDefinitions", [])),
            key=lambda kv: kv[0],
        )
    )
    out["tags"] = Keyed(sorted((k, v) for k, v in tags.items() if not k.startswith("aws:")))
    if not out["tags"]:
        del out["tags"]
    return out


# --- the spec's side ------------------------------------------------------------------------------------------


def expected(
    plan: Plan, ext: Extension, target_tags: dict[str, str], execution_role_managed: bool, task_role_managed: bool
) -> dict[str, Any]:
    """The spec's task definition, reduced, with what exists only after apply as shapes (`Match`)."""
    task = _resolve(json.loads(json.dumps(plan.register)), plan)
    tags = {**target_tags, **{t["key"]: t.get("value", "") for t in plan.register.get("tags", [])}}
    out = reduce_task(task, tags)
    for field_name, managed, role, kind in (
        ("executionRoleArn", execution_role_managed, ext.execution_role, "exec"),
        ("taskRoleArn", task_role_managed, ext.task_role, "task"),
    ):
        named = out.get(field_name)
        if isinstance(named, str) and named in plan.role_lookups:  # by name: the root registers the role's ARN
            out[field_name] = Match(
                r"arn:aws[a-z-]*:iam::\d{12}:role/(?:[\x21-\x7e]+/)?" + re.escape(named), f"(the ARN of role {named})"
            )
            continue
        if field_name in out or not managed:
            continue
        prefix = f"{role.name_prefix or plan.family[:32]}-{kind}-"
        out[field_name] = Match(
            r"arn:aws[a-z-]*:iam::\d{12}:role" + re.escape(role.path + prefix) + r"[\w+=,.@-]+",
            f"(the {kind} role the root creates: {role.path}{prefix}...)",
            optional=role.create == "auto",
        )
    return out


def _resolve(value: Any, plan: Plan) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, plan) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, plan) for v in value]
    ref = references.parse(value)
    if ref is None:
        return value
    if ref.kind == "secret":
        settings = plan.managed_secrets.get(ref.key)
        name = settings["name"] if settings is not None else f"{plan.family}/{ref.key}"
        return Match(
            r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:"
            + re.escape(name)
            + r"-[A-Za-z0-9]{6}"
            + re.escape(ref.suffix),
            f"(the ARN of secret {name}{ref.suffix})",
        )
    if ref.kind == "efs":
        return Match(r"fs-[0-9a-f]+", f"(the ID of file system {plan.family}-{ref.key})")
    return Match(r"fsap-[0-9a-f]+", f"(the ID of access point {ref.access_point} of {plan.family}-{ref.key})")


def registered(described: dict[str, Any]) -> dict[str, Any]:
    """A describe-task-definition response, reduced."""
    tags = {t["key"]: t.get("value", "") for t in described.get("tags") or [] if "key" in t}
    return reduce_task(described["taskDefinition"], tags)


# --- comparison -----------------------------------------------------------------------------------------------


def compare(old: Any, new: Any, path: str = "") -> list[Change]:
    """Changes from the registered revision (old) to the spec (new), as field paths."""
    if isinstance(new, Match):
        return [] if new.matches(old) else [Change(path, old, new)]
    if isinstance(old, dict) and isinstance(new, dict):
        keyed = isinstance(new, Keyed) or isinstance(old, Keyed)
        changes = []
        for key in sorted(set(old) | set(new), key=str) if keyed else _keys(old, new):
            sub = f"{path}[{key}]" if keyed else (f"{path}.{key}" if path else key)
            changes += compare(old.get(key, ABSENT), new.get(key, ABSENT), sub)
        return changes
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (a, b) in enumerate(zip(old, new)) for c in compare(a, b, f"{path}[{i}]")]
    if old == new and type(old) is type(new):
        return []
    return [Change(path, old, new)]


def _keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The spec's keys in its order, then keys only the registered revision has."""
    return list(new) + sorted(k for k in old if k not in new)
