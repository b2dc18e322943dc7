"""L. Other task-level fields: placement constraints, App Mesh proxy, resource requirements, inference
accelerators and restart policies."""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding, Severity
from ..text import did_you_mean
from .registry import Context, Rule, items, rule

E, W = Severity.ERROR, Severity.WARNING

PROXY_PROPERTIES = (
    "IgnoredUID",
    "IgnoredGID",
    "AppPorts",
    "ProxyIngressPort",
    "ProxyEgressPort",
    "EgressIgnoredPorts",
    "EgressIgnoredIPs",
)


@rule(
    "ECS-L1",
    E,
    "placementConstraints: at most 10, and memberOf has an expression.",
    "docs L1; TF placement_constraints MaxItems 10",
    needs=("placementConstraints",),
)
def placement_constraints(r: Rule, ctx: Context) -> Iterator[Finding]:
    constraints = ctx.task.get("placementConstraints")
    if isinstance(constraints, list) and len(constraints) > 10:
        yield r.finding(
            f"{len(constraints)} placement constraints; ECS and the Terraform provider take at most 10",
            ("placementConstraints",),
            "merge expressions with `and`",
        )
    for p, pc in items(ctx.task, "placementConstraints", ()):
        expression = pc.get("expression")
        if pc.get("type") == "memberOf" and not (isinstance(expression, str) and expression.strip()):
            yield r.finding(
                "memberOf constraint without an expression",
                p,
                "add an expression in the cluster query language, e.g. attribute:ecs.instance-type =~ t3.*",
            )


@rule(
    "ECS-L2",
    E,
    "proxyConfiguration names a container of the task, uses known properties and sets IgnoredUID or IgnoredGID.",
    "docs L2; BC ProxyConfiguration",
    needs=("proxyConfiguration",),
)
def proxy_configuration(r: Rule, ctx: Context) -> Iterator[Finding]:
    proxy = ctx.task.get("proxyConfiguration")
    if not isinstance(proxy, dict):
        return
    name = proxy.get("containerName")
    if isinstance(name, str) and name not in ctx.container_names():
        yield r.finding(
            f"containerName {name!r} is not a container of the task",
            ("proxyConfiguration", "containerName"),
            f"name the Envoy proxy container ({', '.join(ctx.container_names())})",
        )
    seen = set()
    for p, prop in items(proxy, "properties", ("proxyConfiguration",)):
        key = prop.get("name")
        if isinstance(key, str):
            seen.add(key)
            if key not in PROXY_PROPERTIES:
                yield r.finding(
                    f"unknown proxy property {key!r}",
                    p + ("name",),
                    did_you_mean(key, list(PROXY_PROPERTIES)) or f"known: {', '.join(PROXY_PROPERTIES)}",
                )
    if not {"IgnoredUID", "IgnoredGID"} & seen:
        yield r.finding(
            "proxyConfiguration sets neither IgnoredUID nor IgnoredGID",
            ("proxyConfiguration",),
            "add IgnoredUID (the user of the proxy container, e.g. 1337) so the proxy ignores its own traffic",
        )


@rule(
    "ECS-L3",
    E,
    "resourceRequirements: GPU a positive count or ALL (not on Windows), InferenceAccelerator a "
    "task deviceName, NeuronDevice ALL in one container of a MANAGED_INSTANCES task.",
    "docs L3; BC ResourceRequirement",
    needs=("resourceRequirements",),
)
def resource_requirements(r: Rule, ctx: Context) -> Iterator[Finding]:
    devices = [a.get("deviceName") for _, a in items(ctx.task, "inferenceAccelerators", ())]
    neuron = 0
    for path, c in ctx.containers():
        for p, req in items(c, "resourceRequirements", path):
            kind, value = req.get("type"), req.get("value")
            if kind == "GPU":
                if ctx.is_windows:
                    yield r.finding("GPUs are not supported for Windows containers", p + ("type",), "remove it")
                if isinstance(value, str) and value != "ALL" and not (value.isdigit() and int(value) > 0):
                    yield r.finding(
                        f"GPU value {value!r} is not a positive number of GPUs or ALL",
                        p + ("value",),
                        'write "1" (a string)',
                    )
                elif value is None and not req.get("sharingStrategy"):  # an empty strategy names none
                    yield r.finding("GPU requirement without a value", p, 'add value: "1"')
            elif kind == "InferenceAccelerator" and isinstance(value, str) and value not in devices:
                yield r.finding(
                    f"accelerator {value!r} is not a deviceName of the task's inferenceAccelerators",
                    p + ("value",),
                    "declare it under inferenceAccelerators, or fix the name",
                )
            elif kind == "NeuronDevice":
                neuron += 1
                if value != "ALL":
                    yield r.finding(f"NeuronDevice value {value!r} must be ALL", p + ("value",), 'write "ALL"')
                if neuron == 2:
                    yield r.finding(
                        "a second container requests NeuronDevice; only one container in a task may",
                        p,
                        "keep NeuronDevice on one container",
                    )
                if "MANAGED_INSTANCES" not in ctx.compatibilities:
                    yield r.finding(
                        "NeuronDevice is only supported on Managed Instances",
                        p + ("type",),
                        "add MANAGED_INSTANCES to requiresCompatibilities",
                    )


@rule(
    "ECS-L4",
    E,
    "inferenceAccelerators are not used on Fargate or EXTERNAL (Elastic Inference closed to new customers: warning).",
    "docs L4; CDK task-definition.ts, external-task-definition.ts",
    needs=("inferenceAccelerators",),
)
def inference_accelerators(r: Rule, ctx: Context) -> Iterator[Finding]:
    if not ctx.task.get("inferenceAccelerators"):
        return
    for kind, on in (("FARGATE", ctx.is_fargate), ("EXTERNAL", ctx.is_external)):
        if on:
            yield r.finding(
                f"{kind} tasks cannot use inferenceAccelerators",
                ("inferenceAccelerators",),
                "remove them, or run on EC2",
                at_key=True,
            )
    yield r.finding(
        "Elastic Inference has not been offered to new customers since 2023-04-15",
        ("inferenceAccelerators",),
        "use AWS Inferentia (NeuronDevice) or GPU instances",
        severity=W,
        at_key=True,
    )


@rule(
    "ECS-L5",
    E,
    "restartPolicy: at most 50 ignoredExitCodes, restartAttemptPeriod 60-1800 seconds (settings on a "
    "disabled policy: warning).",
    "docs L5; BC ContainerRestartPolicy; CDK validateRestartPolicy",
    needs=("restartPolicy",),
)
def restart_policy(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        rp = c.get("restartPolicy")
        if not isinstance(rp, dict):
            continue
        where = path + ("restartPolicy",)
        codes, period = rp.get("ignoredExitCodes"), rp.get("restartAttemptPeriod")
        if isinstance(codes, list) and len(codes) > 50:
            yield r.finding(
                f"{len(codes)} ignoredExitCodes; ECS takes at most 50",
                where + ("ignoredExitCodes",),
                "keep the 50 that matter",
            )
        if isinstance(period, int) and not 60 <= period <= 1800:
            yield r.finding(
                f"restartAttemptPeriod {period} is outside 60-1800 seconds",
                where + ("restartAttemptPeriod",),
                "use 60-1800 (default 300)",
            )
        if rp.get("enabled") is False and (codes or period is not None):
            yield r.finding(
                "restartPolicy is disabled, so ignoredExitCodes and restartAttemptPeriod do nothing",
                where + ("enabled",),
                "enable the policy or remove the other settings",
                severity=W,
            )
