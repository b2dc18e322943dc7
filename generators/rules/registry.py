"""The rule registry: `@rule` registers a check (id, severity, summary, source) as the rule modules are imported,
and `Context` is what a rule sees. The rule modules import this module; generators/rules/__init__.py imports the
rule modules (and runs what they registered), so the registry never imports a rule.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterable, TypeVar, overload

from ..access.view import TaskView
from ..errors import Check, FieldPath, Finding, Severity

if TYPE_CHECKING:
    from ..spec.extensions import Extension
    from ..spec.policy import Policy
    from ..target import Target


@dataclass(frozen=True)
class Rule(Check):
    """A check that runs on every task: `fn(rule, ctx)` yields its findings, made with `rule.finding(...)`.
    `needs`, when given, are the fields without which the rule can find nothing: it reads only what is under one of
    them (at the top of the task or of a container), so a task that sets none of them is not given to it."""

    fn: Callable[..., Iterable[Finding]] = field(kw_only=True)
    needs: frozenset[str] | None = field(default=None, kw_only=True)

    def check(self, ctx: "Context") -> Iterable[Finding]:
        return self.fn(self, ctx)


REGISTRY: dict[str, Rule] = {}


def rule(
    id: str, severity: Severity, summary: str, source: str = "", *, needs: Iterable[str] | None = None
) -> Callable[[Callable[..., Any]], Rule]:
    """Register a check. The function takes (rule, ctx) and yields findings made with `rule.finding(...)`. `needs`:
    the task or container fields the rule reads its findings from (it finds nothing in a task that sets none of
    them, and is not run there); None: it may find something in any task."""

    def wrap(fn: Callable[..., Iterable[Finding]]) -> Rule:
        if id in REGISTRY:
            raise RuntimeError(f"rule {id} registered twice")
        r = Rule(id, severity, summary, source, fn=fn, needs=frozenset(needs) if needs is not None else None)
        REGISTRY[id] = r
        return r

    return wrap


_T = TypeVar("_T")


class task_fact(Generic[_T]):
    """A fact of the task a context computes when a rule first asks, then keeps (in the context's __dict__, which
    later reads find first): functools.cached_property without the lock Python 3.11 takes at each first read, which
    cost more than most facts (every task is asked a dozen; rules run in one thread)."""

    def __init__(self, fn: Callable[[Any], _T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    @overload
    def __get__(self, ctx: None, owner: type | None = None) -> "task_fact[_T]": ...

    @overload
    def __get__(self, ctx: object, owner: type | None = None) -> _T: ...

    def __get__(self, ctx: object, owner: type | None = None) -> "_T | task_fact[_T]":
        if ctx is None:
            return self
        value = ctx.__dict__[self.name] = self.fn(ctx)
        return value


class Context(TaskView):
    """What a rule sees: the task (well-typed), the extension block, and helpers for the common questions. The
    questions about the task's roles, containers, volumes and region are the IAM derivation's (TaskView)."""

    def __init__(
        self,
        task: dict[str, Any],
        ext: "Extension | None" = None,
        environment: str | None = None,
        reported: Iterable[FieldPath] = (),
        target: "Target | None" = None,
        policy: "Policy | None" = None,
    ) -> None:
        super().__init__(task, ext, target)
        if policy is None:
            from ..spec.policy import DEFAULT

            policy = DEFAULT
        self.policy: Policy = policy
        self.environment = environment
        # paths the field checks already reported (a badly typed value there was removed from `task`)
        self.reported: frozenset[FieldPath] = frozenset(tuple(p) for p in reported)

    def written(self, path: FieldPath) -> bool:
        """True when the spec sets `path`, even to a value the field checks removed (so that a rule does not
        report as missing what SPEC-TYPE already reported as badly typed)."""
        if path in self.reported:
            return True
        value: Any = self.task
        for part in path:
            if isinstance(part, int):
                if not isinstance(value, list) or not -len(value) <= part < len(value):
                    return False
            elif not isinstance(value, dict) or part not in value:
                return False
            value = value[part]
        return True

    # --- task-level facts (each computed once per task: many rules ask, and no rule changes the task) ------
    @task_fact
    def fields(self) -> frozenset[str]:
        """Every field the task sets, at its top level or at the top level of one of its containers (what a rule's
        `needs` is matched against)."""
        return frozenset(self.task).union(*(c for _, c in self.containers()))

    @task_fact
    def compatibilities(self) -> list[str]:
        return [c for c in self.task.get("requiresCompatibilities", []) if isinstance(c, str)]

    @task_fact
    def is_fargate(self) -> bool:
        return "FARGATE" in self.compatibilities

    @task_fact
    def is_ec2(self) -> bool:
        return "EC2" in self.compatibilities or not self.compatibilities

    @task_fact
    def is_external(self) -> bool:
        return "EXTERNAL" in self.compatibilities

    @task_fact
    def network_mode(self) -> str | None:
        """The mode written, else the one ECS applies: awsvpc when Fargate requires it, else bridge on Linux."""
        mode = self.task.get("networkMode")
        if isinstance(mode, str):
            return mode
        if self.is_fargate:
            return None  # rule D2 reports the missing mode; other rules treat the task as awsvpc
        return None if self.is_windows else "bridge"

    @task_fact
    def effective_network_mode(self) -> str | None:
        return self.network_mode or ("awsvpc" if self.is_fargate else None)

    @task_fact
    def os_family(self) -> str:
        platform = self.task.get("runtimePlatform") or {}
        return platform.get("operatingSystemFamily") or "LINUX"

    @task_fact
    def is_windows(self) -> bool:
        return self.os_family.startswith("WINDOWS")

    # --- containers --------------------------------------------------------------------------------------
    def references(self) -> list[tuple[FieldPath, str, str | None]]:
        """Every `ecsform:` reference in the task (see generators/spec/references.py), computed once per task."""
        cached = self.__dict__.get("_references")
        if cached is None:
            from ..spec import references

            cached = list(references.find(self.task))
            self.__dict__["_references"] = cached
        return cached

    def container_names(self) -> list[str]:
        return [c["name"] for _, c in self.containers() if isinstance(c.get("name"), str)]

    def container(self, name: str) -> tuple[FieldPath, dict[str, Any]] | None:
        for path, c in self.containers():
            if c.get("name") == name:
                return path, c
        return None


def items(obj: dict[str, Any], key: str, path: FieldPath) -> list[tuple[FieldPath, Any]] | tuple[()]:
    """(path, item) for the non-null items of the list obj[key] (a list, not a generator: rules ask this of every
    container many times, and most containers lack most keys)."""
    value = obj.get(key)
    if not isinstance(value, list):
        return ()
    return [(path + (key, i), item) for i, item in enumerate(value) if item is not None]


def per_task(helper: Callable[[Context], Iterable[_T]]) -> Callable[[Context], list[_T]]:
    """A helper of the rules that lists something of the task (its port mappings, its log configurations...),
    listed once per task: many rules ask, and no rule changes the task. The list is shared: iterate, never change."""
    key = f"_{helper.__module__}.{helper.__qualname__}"

    @functools.wraps(helper)
    def once(ctx: Context) -> list[_T]:
        found: list[_T] | None = ctx.__dict__.get(key)
        if found is None:
            found = ctx.__dict__[key] = list(helper(ctx))
        return found

    return once
