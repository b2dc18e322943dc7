"""G. Container health checks: the command form and the documented ranges of its timings."""

from __future__ import annotations

import json
from typing import Any, Iterator

from ..errors import FieldPath, Finding, Severity
from .registry import Context, Rule, per_task, rule

E, W = Severity.ERROR, Severity.WARNING

# (field, minimum, maximum, ECS default): the ranges the ECS API reference gives for HealthCheck.
_RANGES = {
    "interval": (5, 300, 30),
    "timeout": (2, 60, 5),
    "retries": (1, 10, 3),
    "startPeriod": (0, 300, None),
}


@per_task
def _health_checks(ctx: Context) -> Iterator[tuple[FieldPath, dict[str, Any]]]:
    for path, c in ctx.containers():
        hc = c.get("healthCheck")
        if isinstance(hc, dict):
            yield path + ("healthCheck",), hc


def _out_of_range(r: Rule, ctx: Context, field: str) -> Iterator[Finding]:
    low, high, default = _RANGES[field]
    for path, hc in _health_checks(ctx):
        value = hc.get(field)
        if isinstance(value, int) and not low <= value <= high:
            default_text = f" (default {default})" if default is not None else " (omit it to turn it off)"
            yield r.finding(
                f"healthCheck {field} {value} is outside {low}-{high} seconds"
                if field != "retries"
                else f"healthCheck retries {value} is outside {low}-{high}",
                path + (field,),
                f"use a value from {low} to {high}{default_text}",
            )


@rule(
    "ECS-G1",
    W,
    "healthCheck.command is a non-empty list that starts with CMD or CMD-SHELL and has a command "
    "(ECS registers other forms; what runs is up to Docker).",
    "docs G1; BC HealthCheck.command; aws-observability/aws-otel-collector examples; aws/aws-cdk#34389",
    needs=("healthCheck",),
)
def health_command(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, hc in _health_checks(ctx):
        cmd = hc.get("command")
        if not isinstance(cmd, list) or not all(isinstance(x, str) for x in cmd):
            continue  # a badly typed item was reported by the field checks
        where = path + ("command",)
        if not cmd:
            yield r.finding(
                "healthCheck.command is empty: Docker then uses the image's own HEALTHCHECK, which "
                "the ECS agent does not report",
                where,
                'write ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], or remove healthCheck',
            )
        elif cmd[0] not in ("CMD", "CMD-SHELL"):
            fixed = ["CMD-SHELL", cmd[0]] if len(cmd) == 1 else ["CMD", *cmd]
            yield r.finding(
                f"healthCheck.command starts with {cmd[0]!r}, not CMD or CMD-SHELL: ECS registers it (the "
                'ADOT collector\'s ECS examples write ["/healthcheck"]), but the ECS API documents only '
                "the CMD and CMD-SHELL forms",
                where + (0,),
                f"write {json.dumps(fixed)} (CMD-SHELL runs one string in the shell; CMD runs an "
                "executable with its arguments)",
            )
        elif len(cmd) == 1:
            yield r.finding(
                f"healthCheck.command is only {cmd[0]!r}: there is no command to run, so every check fails",
                where,
                f"add the command: {json.dumps([cmd[0], 'curl -f http://localhost/ || exit 1'])}",
            )
        elif cmd[0] == "CMD-SHELL" and len(cmd) > 2:
            joined = " ".join(cmd[1:])
            yield r.finding(
                f"CMD-SHELL runs only its first argument {cmd[1]!r} in the shell; the other "
                f"{len(cmd) - 2} become the shell's $0, $1..., so the check is not the command you wrote",
                where,
                f"write one string: {json.dumps(['CMD-SHELL', joined])}, or use {json.dumps(['CMD', *cmd[1:]])}",
            )


@rule(
    "ECS-G2",
    E,
    "healthCheck.interval is 5-300 seconds.",
    "docs G2; BC HealthCheck.interval; aws/amazon-ecs-agent#1344",
    needs=("healthCheck",),
)
def health_interval(r: Rule, ctx: Context) -> Iterator[Finding]:
    yield from _out_of_range(r, ctx, "interval")


@rule("ECS-G3", E, "healthCheck.timeout is 2-60 seconds.", "docs G3; BC HealthCheck.timeout", needs=("healthCheck",))
def health_timeout(r: Rule, ctx: Context) -> Iterator[Finding]:
    yield from _out_of_range(r, ctx, "timeout")


@rule("ECS-G4", E, "healthCheck.retries is 1-10.", "docs G4; BC HealthCheck.retries", needs=("healthCheck",))
def health_retries(r: Rule, ctx: Context) -> Iterator[Finding]:
    yield from _out_of_range(r, ctx, "retries")


@rule(
    "ECS-G5",
    E,
    "healthCheck.startPeriod is 0-300 seconds.",
    "docs G5; BC HealthCheck.startPeriod",
    needs=("healthCheck",),
)
def health_start_period(r: Rule, ctx: Context) -> Iterator[Finding]:
    yield from _out_of_range(r, ctx, "startPeriod")
