"""`ecsform run` against ECS: start one task with the root's binding, wait until it stops, and say how it ended.

    overrides = parse_overrides(["etl.command=[...]", "environment.DATE=2024-06-01"], containers)
    request   = run_request(cluster, arn, binding, overrides)     # RunTask's input, as the binding says
    task      = start(ecs, request)                               # RunTask (its failures are the run's failure)
    task      = wait(ecs, cluster, task_arn, ...)                 # DescribeTasks until lastStatus STOPPED
    code      = exit_code(task, essential)                        # the essential container's exit code

The exit code is the first non-zero exit code of an essential container (in the task definition's order), else 0;
an essential container without an exit code never ran (an image that cannot be pulled, a task that could not be
placed): 1, with the stopped reason. Where the logs are: the awslogs group and stream of each container, named as
the awslogs driver names them (prefix/container/task id: ECS developer guide, "Using the awslogs log driver").
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import Check, EcsformError, Severity
from ..text import suggest

# The findings this module raises (collected by the catalog: generators/rules).
RUN_OVERRIDE = Check(
    "RUN-OVERRIDE",
    Severity.ERROR,
    "run --override: not [CONTAINER.]command=VALUE or [CONTAINER.]environment.NAME=VALUE.",
)


E = Severity.ERROR
STARTED_BY = "ecsform-run"  # RunTask's startedBy: the tasks `ecsform run` started (ListTasks --started-by)


@dataclass
class Override:
    container: str
    command: list[str] | None = None
    environment: dict[str, str] | None = None


def parse_overrides(values: list[str], containers: list[str], essential: list[str]) -> dict[str, Override]:
    """`--override` values: `[CONTAINER.]command=VALUE` (a JSON list of strings, or words as a shell splits them)
    and `[CONTAINER.]environment.NAME=VALUE`. Without CONTAINER: the task's only container, else its only
    essential one."""
    out: dict[str, Override] = {}
    problems = []

    def bad(value: str, message: str, hint: str | None = None) -> None:
        problems.append(RUN_OVERRIDE.finding(message, hint=hint, file=value, mark=(1, 1)))

    default = containers[0] if len(containers) == 1 else (essential[0] if len(essential) == 1 else None)
    for value in values:
        key, sep, text = value.partition("=")
        if not sep:
            bad(value, "not [CONTAINER.]command=VALUE or [CONTAINER.]environment.NAME=VALUE")
            continue
        parts = key.split(".")
        if parts[0] not in ("command", "environment"):
            name, parts = parts[0], parts[1:]
        else:
            name = default or ""
            if not name:
                bad(
                    value,
                    f"which container? the task has {len(containers)} ({', '.join(containers)}) and "
                    f"{len(essential)} essential",
                    f"name it: {containers[0]}.{key}=...",
                )
                continue
        if name not in containers:
            close = suggest(name, containers)
            bad(
                value,
                f"{name!r} is not a container of the task",
                (f"did you mean {close!r}? " if close else "") + f"its containers: {', '.join(containers)}",
            )
            continue
        item = out.setdefault(name, Override(name))
        if parts == ["command"]:
            try:
                command = json.loads(text) if text.lstrip().startswith("[") else shlex.split(text)
            except ValueError as exc:
                bad(value, f"the command is neither a JSON list nor shell words: {exc}")
                continue
            if not isinstance(command, list) or not all(isinstance(w, str) for w in command):
                bad(value, "the command is not a list of strings", '["python", "job.py", "--date", "2024-06-01"]')
                continue
            item.command = command
        elif len(parts) == 2 and parts[0] == "environment" and parts[1]:
            item.environment = {**(item.environment or {}), parts[1]: text}
        else:
            bad(
                value,
                f"{'.'.join(parts) or key!r}: RunTask overrides a container's command and environment here",
                "[CONTAINER.]command=VALUE or [CONTAINER.]environment.NAME=VALUE",
            )
    if problems:
        raise EcsformError(problems)
    return out


def overrides_input(overrides: dict[str, Override]) -> dict[str, Any] | None:
    """RunTask's `overrides` (TaskOverride.containerOverrides)."""
    items = []
    for name in sorted(overrides):
        o = overrides[name]
        item: dict[str, Any] = {"name": name}
        if o.command is not None:
            item["command"] = o.command
        if o.environment:
            item["environment"] = [{"name": k, "value": v} for k, v in sorted(o.environment.items())]
        items.append(item)
    return {"containerOverrides": items} if items else None


def essential(task_definition: dict[str, Any]) -> list[str]:
    """The essential containers of a described task definition, in its order (essential unless it says false)."""
    return [c["name"] for c in task_definition.get("containerDefinitions", []) if c.get("essential", True)]


def log_locations(task_definition: dict[str, Any], task_arn: str, region: str) -> list[str]:
    """Where each container's awslogs output is: its group and stream (prefix/container/task id)."""
    task_id = task_arn.rsplit("/", 1)[-1]
    lines = []
    for c in task_definition.get("containerDefinitions", []):
        log = c.get("logConfiguration") or {}
        if log.get("logDriver") != "awslogs":
            continue
        options = log.get("options") or {}
        group = options.get("awslogs-group", "?")
        where = options.get("awslogs-region", region)
        prefix = options.get("awslogs-stream-prefix")
        if prefix:
            stream = f"{prefix}/{c['name']}/{task_id}"
            lines.append(
                f"logs of {c['name']}: group {group}, stream {stream} ({where}): aws logs tail {shlex.quote(group)} "
                f"--log-stream-names {shlex.quote(stream)} --region {where}"
            )
        else:
            lines.append(f"logs of {c['name']}: group {group} ({where}), a stream named by the container's id")
    return lines


def exit_code(task: dict[str, Any], essential_names: list[str]) -> tuple[int, str]:
    """The process's exit code for a stopped task, and why."""
    by_name = {c.get("name"): c for c in task.get("containers", [])}
    for name in essential_names:
        code = by_name.get(name, {}).get("exitCode")
        if code is not None and code != 0:
            return int(code) % 256 or 1, f"essential container {name} exited with {code}"
    for name in essential_names:
        c = by_name.get(name, {})
        if c.get("exitCode") is None:
            why = c.get("reason") or task.get("stoppedReason") or "no reason given"
            return 1, f"essential container {name} has no exit code: it did not run ({why})"
    return 0, "every essential container exited with 0"


def wait(
    ecs: Any,
    cluster: str,
    task_arn: str,
    timeout: float | None,
    interval: float,
    say: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any] | None:
    """DescribeTasks until the task's lastStatus is STOPPED (its description), or None after `timeout` seconds;
    each status it passes through is said once."""
    deadline = None if timeout is None else clock() + timeout
    last = ""
    while True:
        found = ecs.describe_tasks(cluster=cluster, tasks=[task_arn]).get("tasks", [])
        task = found[0] if found else {}
        status = task.get("lastStatus", "UNKNOWN")
        if status != last:
            say(f"task {task_arn.rsplit('/', 1)[-1]}: {status}")
            last = status
        if status == "STOPPED":
            return task
        if deadline is not None and clock() >= deadline:
            return None
        sleep(interval if deadline is None else max(0.0, min(interval, deadline - clock())))
