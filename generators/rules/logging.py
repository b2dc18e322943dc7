"""I. Logging: drivers per launch type, awslogs options, FireLens, and what the roles need to log."""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Iterator

from ..access.referenced import BOOLEAN_FALSE, BOOLEAN_TRUE, log_options, spec_accounts
from ..access.statements import Need, describe_needs, placeholders_note
from ..access.task_role import firelens_output_needs
from ..access.view import role_account
from ..arns import S3_OBJECT
from ..errors import FieldPath, Finding, Severity
from ..text import did_you_mean
from .registry import Context, Rule, per_task, rule

E, W = Severity.ERROR, Severity.WARNING

FARGATE_DRIVERS = ("awslogs", "splunk", "awsfirelens")
AWSLOGS_OPTIONS = (
    "awslogs-create-group",
    "awslogs-datetime-format",
    "awslogs-group",
    "awslogs-multiline-pattern",
    "awslogs-region",
    "awslogs-stream-prefix",
    "max-buffer-size",
    "mode",
)
FIRELENS_OPTIONS = ("enable-ecs-log-metadata", "config-file-type", "config-file-value")
# Drivers an EC2 instance offers without configuration: the ECS-optimized AMIs start the agent with
# ECS_AVAILABLE_LOGGING_DRIVERS=["json-file","syslog","awslogs","fluentd","none"] (ecs-init/docker/docker.go), and
# the agent registers awsfirelens on its own; on Windows the agent's default is json-file, none and awslogs
# (agent/config/config_windows.go).
EC2_DEFAULT_DRIVERS = ("json-file", "syslog", "awslogs", "fluentd", "none", "awsfirelens")
WINDOWS_DEFAULT_DRIVERS = ("json-file", "none", "awslogs")
_BUFFER_SIZE = re.compile(r"^\d+(\.\d+)?\s*([kKmMgG]([iI]?[bB])?|[bB])?$")


@per_task
def _logging(ctx: Context) -> Iterator[tuple[FieldPath, dict[str, Any], str, dict[str, str]]]:
    """(path of logConfiguration, container, driver, options) for every container that sets a driver."""
    for path, c in ctx.containers():
        driver, options = log_options(c)
        if driver is not None:
            yield path + ("logConfiguration",), c, driver, options


def _name(c: dict[str, Any], path: FieldPath) -> str:
    return repr(c["name"]) if isinstance(c.get("name"), str) else f"#{path[1]}"


@rule(
    "ECS-I2",
    E,
    "Fargate tasks log with awslogs, splunk or awsfirelens only.",
    "docs I2; FTS; CFNLINT E3048",
    needs=("logConfiguration",),
)
def fargate_log_driver(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not ctx.is_fargate:
        return
    for path, _, driver, _ in _logging(ctx):
        if driver not in FARGATE_DRIVERS:
            yield r.finding(
                f"log driver {driver!r} is not available on Fargate",
                path + ("logDriver",),
                "use awslogs, splunk or awsfirelens",
            )


@rule(
    "ECS-I3",
    E,
    "awslogs needs awslogs-group and awslogs-region, and on Fargate awslogs-stream-prefix.",
    "docs I3; CFNLINT E3046",
    needs=("logConfiguration",),
)
def awslogs_required_options(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, _, driver, options in _logging(ctx):
        if driver != "awslogs":
            continue
        missing = [o for o in ("awslogs-group", "awslogs-region") if o not in options]
        if ctx.is_fargate and "awslogs-stream-prefix" not in options:
            missing.append("awslogs-stream-prefix")
        for option in missing:
            quote = (
                ' (ECS: "Fargate requires log configuration options to include awslogs-stream-prefix to '
                'support log driver awslogs.")'
                if option == "awslogs-stream-prefix"
                else ""
            )
            yield r.finding(
                f"awslogs needs the option {option!r}",
                path + ("options",),
                f"add `{option}` to logConfiguration.options{quote}",
            )


@rule(
    "ECS-I4",
    E,
    "awslogs takes only its documented options (secretOptions included).",
    "docs I4; CFNLINT logging_configuration.json",
    needs=("logConfiguration",),
)
def awslogs_allowed_options(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c, driver, options in _logging(ctx):
        if driver != "awslogs":
            continue
        for option in options:
            if option not in AWSLOGS_OPTIONS:
                yield r.finding(
                    f"awslogs has no option {option!r}",
                    path + ("options", option),
                    (did_you_mean(option, list(AWSLOGS_OPTIONS)) or f"known: {', '.join(AWSLOGS_OPTIONS)}")
                    + f' (ECS: "Log driver awslogs disallows options: {option}")',
                    at_key=True,
                )
        secret_options = c["logConfiguration"].get("secretOptions")
        for i, item in enumerate(secret_options if isinstance(secret_options, list) else []):
            name = item.get("name") if isinstance(item, dict) else None
            if isinstance(name, str) and name not in AWSLOGS_OPTIONS:
                yield r.finding(
                    f"awslogs has no option {name!r}",
                    path + ("secretOptions", i, "name"),
                    "awslogs takes no secret options; remove it",
                )


@rule(
    "ECS-I5",
    E,
    "awslogs option values: create-group a boolean, not both datetime-format and multiline-pattern (ECS "
    "registers them; the log driver refuses them and the container never starts); mode blocking/non-blocking and "
    "a buffer size only with non-blocking (Docker refuses them on EC2 and EXTERNAL; on Fargate alone: warning).",
    "docs I5; BC LogConfiguration.options; moby daemon/logger/awslogs New (strconv.ParseBool, "
    "parseMultilineOptions), daemon/logger/factory.go ValidateLogOpts; shim-loggers-for-containerd logger/awslogs "
    "(Fargate: the same New)",
    needs=("logConfiguration",),
)
def awslogs_option_values(r: Rule, ctx: Context) -> Iterator[Finding]:
    docker = E if ctx.is_ec2 or ctx.is_external else W  # Docker's ValidateLogOpts: mode and max-buffer-size
    for path, _, driver, options in _logging(ctx):
        if driver != "awslogs":
            continue
        where = path + ("options",)
        create = options.get("awslogs-create-group")
        if create is not None and create not in BOOLEAN_TRUE + BOOLEAN_FALSE:
            yield r.finding(
                f"awslogs-create-group is {create!r}: ECS registers it, but the awslogs driver reads the "
                "option as a boolean (Go's strconv.ParseBool) and refuses to start the container",
                where + ("awslogs-create-group",),
                'write "true" or "false" (the driver also reads 1, t, T, TRUE, True and their false forms)',
            )
        mode = options.get("mode")
        if mode is not None and mode not in ("blocking", "non-blocking"):
            yield r.finding(
                f"mode {mode!r} is not blocking or non-blocking: ECS registers it, but the container does not start",
                where + ("mode",),
                'write "non-blocking" (ECS\'s default) or "blocking"',
                severity=docker,
            )
        size = options.get("max-buffer-size")
        if size is not None:
            if mode == "blocking":
                yield r.finding(
                    "max-buffer-size applies only with mode non-blocking: ECS registers the pair, but Docker "
                    "refuses it (\"max-buffer-size option is only supported with 'mode=non-blocking'\")",
                    where + ("max-buffer-size",),
                    "remove max-buffer-size, or set mode to non-blocking",
                    severity=docker,
                )
            elif not _BUFFER_SIZE.match(size):
                yield r.finding(
                    f"max-buffer-size {size!r} is not a size: ECS registers it, but the container does not start",
                    where + ("max-buffer-size",),
                    'write a size such as "25m" (default 10m)',
                    severity=docker,
                )
        if "awslogs-datetime-format" in options and "awslogs-multiline-pattern" in options:
            yield r.finding(
                "awslogs-datetime-format and awslogs-multiline-pattern are both set: ECS registers it, "
                'but the awslogs driver refuses the pair and the container does not start (AWS: "You '
                'cannot configure both")',
                where + ("awslogs-multiline-pattern",),
                "keep one of them",
            )


@rule(
    "ECS-I6",
    E,
    "awslogs on Fargate or EXTERNAL needs an execution role (one is named, or ecsform creates it).",
    "docs I6",
    needs=("logConfiguration",),
)
def awslogs_needs_execution_role(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.execution_role_possible or not (ctx.is_fargate or ctx.is_external):
        return
    for path, c, driver, _ in _logging(ctx):
        if driver == "awslogs":
            yield r.finding(
                f"container {_name(c, path)} logs with awslogs but the task has no execution role",
                path + ("logDriver",),
                "remove `x-ecsform.executionRole.create: false` or set "
                'executionRoleArn (ECS: "Fargate requires task definition to have execution role ARN to '
                'support log driver awslogs.")',
            )


@rule(
    "ECS-I7",
    E,
    "splunk needs splunk-url and splunk-token (the token may come from secretOptions): ECS registers the task, "
    "and the splunk driver refuses to start the container without them.",
    'docs I7; BC LogConfiguration.options; moby daemon/logger/splunk New ("splunk-url is expected")',
    needs=("logConfiguration",),
)
def splunk_options(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c, driver, options in _logging(ctx):
        if driver != "splunk":
            continue
        secret_options = c["logConfiguration"].get("secretOptions")
        secret_names = {i.get("name") for i in secret_options or [] if isinstance(i, dict)}
        for option in ("splunk-url", "splunk-token"):
            if option not in options and option not in secret_names:
                where = "logConfiguration.secretOptions" if option == "splunk-token" else "logConfiguration.options"
                yield r.finding(
                    f"splunk needs the option {option!r}; the container would fail to start",
                    path + ("options",),
                    f"add `{option}` to {where}",
                )


def _firelens_routers(ctx: Context) -> list[tuple[FieldPath, dict[str, Any]]]:
    return [(path, c) for path, c in ctx.containers() if isinstance(c.get("firelensConfiguration"), dict)]


@rule(
    "ECS-I8",
    E,
    "A container logging with awsfirelens needs a FireLens router in the task.",
    "docs I8",
    needs=("logConfiguration",),
)
def firelens_needs_router(r: Rule, ctx: Context) -> Iterator[Finding]:
    if _firelens_routers(ctx):
        return
    for path, c, driver, _ in _logging(ctx):
        if driver == "awsfirelens":
            yield r.finding(
                f"container {_name(c, path)} logs with awsfirelens but no container has a firelensConfiguration",
                path + ("logDriver",),
                'add a log router container with firelensConfiguration {type: fluentbit} (ECS: "When '
                "awsfirelens log driver is specified in log configuration, a firelens configuration object "
                'must be configured in one of the containers.")',
            )


@rule(
    "ECS-I9",
    E,
    "A FireLens router needs a container that logs with awsfirelens.",
    "docs I9",
    needs=("firelensConfiguration",),
)
def router_needs_user(r: Rule, ctx: Context) -> Iterator[Finding]:
    if any(driver == "awsfirelens" for _, _, driver, _ in _logging(ctx)):
        return
    for path, _ in _firelens_routers(ctx):
        yield r.finding(
            "firelensConfiguration is set but no container logs with awsfirelens",
            path + ("firelensConfiguration",),
            "set logConfiguration.logDriver to awsfirelens on the containers to route, or remove "
            'firelensConfiguration (ECS: "When a firelensConfiguration object is specified, at least one '
            'container has to be configured with the awsfirelens log driver.")',
        )


@rule(
    "ECS-I10",
    E,
    "firelensConfiguration: config-file-type s3 (an S3 object ARN) or file, s3 not on Fargate, Linux "
    "only (errors); known option names, enable-ecs-log-metadata true/false, an S3 ARN or absolute "
    "path as config-file-value, one router (warnings: run time).",
    "docs I10; BC FirelensConfiguration; DG23 using_firelens.md",
    needs=("firelensConfiguration",),
)
def firelens_configuration(r: Rule, ctx: Context) -> Iterator[Finding]:
    routers = _firelens_routers(ctx)
    for n, (path, c) in enumerate(routers):
        where = path + ("firelensConfiguration",)
        if ctx.is_windows and not ctx.is_fargate:  # Windows on Fargate: ECS-K15
            yield r.finding("FireLens is not supported for Windows containers", where, "log with awslogs")
        if n == 1:
            yield r.finding(
                f"{len(routers)} containers have a firelensConfiguration; a task has one log router",
                where,
                "keep one router",
                severity=W,
            )
        options = c["firelensConfiguration"].get("options")
        if not isinstance(options, dict):
            continue
        for key in options:
            if key not in FIRELENS_OPTIONS:
                yield r.finding(
                    f"firelensConfiguration has no option {key!r}: ECS documents "
                    f"{', '.join(FIRELENS_OPTIONS)}, and the log router does not see the others",
                    where + ("options", key),
                    did_you_mean(key, list(FIRELENS_OPTIONS)) or f"known: {', '.join(FIRELENS_OPTIONS)}",
                    at_key=True,
                    severity=W,
                )
        meta = options.get("enable-ecs-log-metadata")
        if meta is not None and meta not in ("true", "false"):
            yield r.finding(
                f'enable-ecs-log-metadata is {meta!r}: ECS documents "true" and "false"',
                where + ("options", "enable-ecs-log-metadata"),
                'write "true" or "false"',
                severity=W,
            )
        kind, value = options.get("config-file-type"), options.get("config-file-value")
        if kind is None and value is None:
            continue
        if kind not in ("s3", "file"):
            yield r.finding(
                f"config-file-type {kind!r} is not s3 or file"
                if kind is not None
                else "config-file-value needs config-file-type",
                where + ("options",),
                "set config-file-type to s3 (an S3 object ARN) or file (a path in the router image)",
            )
        elif not isinstance(value, str):
            yield r.finding(
                f"config-file-type {kind!r} needs config-file-value", where + ("options",), "add config-file-value"
            )
        elif kind == "s3" and ctx.is_fargate:
            yield r.finding(
                "Fargate reads FireLens configuration from a file in the image only, not from S3",
                where + ("options", "config-file-type"),
                "bake the file into the router image and use config-file-type file",
            )
        elif kind == "s3" and not S3_OBJECT.match(value):
            yield r.finding(
                f"config-file-value {value!r} is not an S3 object ARN: ECS registers it, and the task "
                "fails to start when the agent fetches it",
                where + ("options", "config-file-value"),
                "write arn:aws:s3:::BUCKET/KEY.conf",
                severity=W,
            )
        elif kind == "file" and not value.startswith("/"):
            yield r.finding(
                f"config-file-value {value!r} is not an absolute path: ECS registers it, and the "
                "router does not find the file",
                where + ("options", "config-file-value"),
                "give the file's full path in the router image",
                severity=W,
            )


def _granted(ctx: Context, needs: list[Need]) -> bool:
    actions = [a for s in ctx.ext.task_role.statements if s.effect == "Allow" for a in s.actions]
    return all(any(fnmatch.fnmatchcase(need, a) for a in actions) for n in needs for need in n.actions)


@rule(
    "ECS-I11",
    W,
    "FireLens writes to the AWS outputs the awsfirelens options name with the task role: the task has one, and "
    "a role ecsform creates is given those permissions in x-ecsform.taskRole.statements (a brought role: ECS-M4).",
    "docs I11; DG23 using_firelens.md",
    needs=("logConfiguration",),
)
def firelens_permissions(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.task_role_arn is not None:
        return  # a brought task role: ECS-M4 says what it must allow
    account, partition = role_account(ctx.execution_role_arn)
    outputs = firelens_output_needs(ctx, account or next(iter(spec_accounts(ctx)), None), partition)
    needs, where = outputs.needs, outputs.where
    if not needs:
        return
    what = f"{describe_needs(needs)}{placeholders_note(needs)}"
    if not ctx.task_role_possible:
        yield r.finding(
            f"the task has no task role (x-ecsform.taskRole.create is false), so FireLens cannot write "
            f"the logs; it needs {what}",
            where,
            "set taskRoleArn to a role that allows them",
        )
    elif not _granted(ctx, needs):
        yield r.finding(
            f"FireLens writes the logs with the task role, which needs {what}; ecsform does not derive "
            "log output permissions",
            where,
            "add them to x-ecsform.taskRole.statements: "
            + "; ".join(f"{{actions: {list(n.actions)}, resources: {list(n.resources)}}}" for n in needs),
        )


@rule(
    "ECS-I12",
    W,
    "On EC2, a log driver the instance does not offer by default (journald, gelf, splunk; on Windows "
    "anything but json-file, none and awslogs) needs ECS_AVAILABLE_LOGGING_DRIVERS.",
    "docs I12; AGENT ecs-init/docker/docker.go, agent/config/config_windows.go",
    needs=("logConfiguration",),
)
def ec2_log_driver_available(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not (ctx.is_ec2 or ctx.is_external):
        return
    offered = WINDOWS_DEFAULT_DRIVERS if ctx.is_windows else EC2_DEFAULT_DRIVERS
    for path, _, driver, _ in _logging(ctx):
        if (
            driver in offered
            or (ctx.is_fargate and driver not in FARGATE_DRIVERS)
            or (ctx.is_windows and driver == "awsfirelens")
        ):
            continue  # reported by ECS-I2 (Fargate) and ECS-I10 (FireLens on Windows)
        yield r.finding(
            f"log driver {driver!r} is not enabled on ECS instances by default (the ECS-optimized AMI "
            f"offers {', '.join(offered)}); ECS places the task only on instances that offer it",
            path + ("logDriver",),
            f"add {driver} to ECS_AVAILABLE_LOGGING_DRIVERS in /etc/ecs/ecs.config on the instances, or use awslogs",
        )
