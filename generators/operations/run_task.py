"""`ecsform run`: a one-off task of a root's registered revision started with the root's binding (RunTask), waited
for, and its essential container's exit code returned."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from ..errors import Check, EcsformError, Severity, sorted_findings
from ..options import Options
from .binding import bound
from .registered import connect, revision_of, short
from .selection import one_variant

# The findings this module raises (collected by the catalog: generators/rules).
RUN_NETWORK = Check(
    "RUN-NETWORK", Severity.ERROR, "run: an awsvpc task and no network binding (subnets, security groups)."
)
RUN_LAUNCH_TYPE = Check(
    "RUN-LAUNCH-TYPE",
    Severity.ERROR,
    (
        "run: no launch type or capacity provider strategy, the cluster has no default, and the task does "
        "not run on EC2."
    ),
)


E = Severity.ERROR


def run(
    spec: str,
    env: str | None,
    options: Options,
    say: Callable[[str], None],
    *,
    out: Path = Path("build"),
    task_definition: str | None = None,
    overrides: list[str] | None = None,
    wait: bool = True,
    timeout: float | None = None,
    interval: float = 10.0,
) -> int:
    """`ecsform run`: RunTask with the root's binding, then wait until the task stops; returns the exit code of its
    essential container (0 when started without waiting). Raises EcsformError, starting nothing, on bad input."""
    from ..aws import deploy as ecs_deploy
    from ..aws import session, tasks

    variant = one_variant(spec, env)
    roots = bound([spec], replace(options, env=variant.environment))
    b = roots[0]
    arn, flag = revision_of(b, out, task_definition)
    live, problems = connect(b, options, session.Sessions(options.region, "run"), arn, flag)
    if live is None:
        raise EcsformError(sorted_findings(problems))
    b = live.bound  # its target values bound in the session's account
    td = live.task_definition
    names = [c["name"] for c in td.get("containerDefinitions", [])]
    essential = tasks.essential(td)
    chosen = tasks.parse_overrides(overrides or [], names, essential)
    binding = b.binding
    cluster = binding.cluster or "default"
    problems = []
    try:
        clusters = live.ecs.describe_clusters(clusters=[cluster]).get("clusters", [])
        active = [c for c in clusters if c.get("status") == "ACTIVE"]
        if not active:
            problems.append(b.locate(ecs_deploy.missing_cluster(live.ecs, cluster, live.where), options))
    except Exception as exc:
        if not session.is_aws_error(exc):
            raise
        raise EcsformError([b.locate(session.aws_finding(exc, f"ecs:DescribeClusters on {cluster}"), options)])
    request: dict[str, Any] = {"cluster": cluster, "taskDefinition": arn, "count": 1, "startedBy": tasks.STARTED_BY}
    if binding.launch_type:
        request["launchType"] = binding.launch_type
    elif binding.capacity_provider_strategy:
        request["capacityProviderStrategy"] = [
            {
                k: v
                for k, v in (("capacityProvider", i.capacity_provider), ("weight", i.weight), ("base", i.base))
                if v is not None
            }
            for i in binding.capacity_provider_strategy
        ]
    elif active and not active[0].get("defaultCapacityProviderStrategy"):
        compatible = td.get("requiresCompatibilities") or td.get("compatibilities") or []
        if compatible and "EC2" not in compatible:
            problems.append(
                b.locate(
                    RUN_LAUNCH_TYPE.finding(
                        f"cluster {cluster} has no default capacity provider strategy, so RunTask would use the EC2 "
                        f"launch type, which the task does not support ({', '.join(compatible)})",
                        path=("x-ecsform", "deploy", "launchType"),
                        hint=f"bind a launch type: deploy: {{launchType: {compatible[0]}}} (ecsform.yaml or x-ecsform)",
                    ),
                    options,
                )
            )
    if binding.platform_version:
        request["platformVersion"] = binding.platform_version
    if binding.network is not None:
        awsvpc: dict[str, Any] = {"subnets": list(binding.network.subnets)}
        if binding.network.security_groups:
            awsvpc["securityGroups"] = list(binding.network.security_groups)
        if binding.network.assign_public_ip:
            awsvpc["assignPublicIp"] = binding.network.assign_public_ip
        request["networkConfiguration"] = {"awsvpcConfiguration": awsvpc}
    elif td.get("networkMode") == "awsvpc":
        problems.append(
            b.locate(
                RUN_NETWORK.finding(
                    "the task uses the awsvpc network mode: RunTask needs its subnets (and security groups)",
                    path=("x-ecsform", "deploy", "network"),
                    hint="bind them: deploy: {network: {subnets: [subnet-...], securityGroups: [sg-...]}} (ecsform.yaml "
                    "per environment, or x-ecsform)",
                ),
                options,
            )
        )
    if problems:
        raise EcsformError(sorted_findings(problems))
    given = tasks.overrides_input(chosen)
    if given:
        request["overrides"] = given
    head = f"{b.root}: cluster {cluster} ({live.where})"
    try:
        response = live.ecs.run_task(**request)
        failures = response.get("failures", [])
        started = response.get("tasks", [])
        if failures or not started:
            for f in failures:
                say(f"{head}: RunTask failed: {f.get('reason')}" + (f" ({f.get('detail')})" if f.get("detail") else ""))
            return 1
        task_arn = started[0]["taskArn"]
        say(f"{head}: started {short(arn)} as task {task_arn.rsplit('/', 1)[-1]}")
        for line in tasks.log_locations(td, task_arn, live.where.rsplit(", ", 1)[-1]):
            say(f"{head}: {line}")
        if not wait:
            return 0
        task = tasks.wait(live.ecs, cluster, task_arn, timeout, interval, lambda t: say(f"{head}: {t}"))
    except Exception as exc:
        if not session.is_aws_error(exc):
            raise
        raise EcsformError([b.locate(session.aws_finding(exc, f"ecs:RunTask in {cluster}"), options)])
    if task is None:
        say(
            f"{head}: the task is still running after {timeout:g} s; it goes on: aws ecs stop-task --cluster "
            f"{cluster} --task {task_arn}"
        )
        return 1
    for line in ecs_deploy.task_lines(task):
        say(f"{head}: {line}")
    code, why = tasks.exit_code(task, essential)
    say(f"{head}: exit code {code}: {why}")
    return code
