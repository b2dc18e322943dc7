"""`ecsform deploy`: every bound service of each root pointed at the revision the root registered, the rollout
waited for, and rolled back on failure when asked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import Check, EcsformError, Finding, Severity, sorted_findings
from ..options import Options
from .binding import bound
from .registered import Live, connect, revision_of, short
from .selection import cli_finding

if TYPE_CHECKING:
    from ..aws.deploy import Watch


# The findings this module raises (collected by the catalog: generators/rules).
CLI_TASK_DEFINITION = Check("CLI-TASK-DEFINITION", Severity.ERROR, "deploy --task-definition with more than one root.")


def deploy(
    paths: list[str],
    options: Options,
    say: Callable[[str], None],
    *,
    root: str | None = None,
    out: Path = Path("build"),
    task_definition: str | None = None,
    dry_run: bool = False,
    rollback: bool = False,
    wait: bool = True,
    timeout: float = 600.0,
    interval: float = 10.0,
) -> bool:
    """`ecsform deploy`: every bound service of each root moved to the revision the root registered, waited for
    until ECS says it is done. Returns False when a rollout failed (rolled back with `rollback`). Raises
    EcsformError, changing nothing, when anything is wrong before the first UpdateService."""
    from ..aws import deploy as ecs_deploy
    from ..aws import session

    roots = bound(paths, options, root)
    if task_definition is not None and len(roots) != 1:
        raise EcsformError(
            [
                cli_finding(
                    CLI_TASK_DEFINITION,
                    f"--task-definition names one revision, for one root; these specs have {len(roots)}",
                    "--task-definition",
                    "choose the root with --root ROOT (or --env, or one spec)",
                )
            ]
        )
    sessions = session.Sessions(options.region, "deploy")
    problems: list[Finding] = []
    ready: list[tuple[Live, str, dict[str, dict[str, Any]]]] = []
    for b in roots:
        services = list(b.binding.services or [])
        if not services:
            say(
                f"{b.root}: no service is bound to it: nothing to deploy (bind services with x-ecsform.deploy.services "
                "or ecsform.yaml's deploy)"
            )
            continue
        try:
            arn, flag = revision_of(b, out, task_definition)
        except EcsformError as exc:
            problems += exc.findings
            continue
        live, found = connect(b, options, sessions, arn, flag)
        problems += found
        if live is None:
            continue
        b = live.bound  # its target values bound in the session's account
        services = list(b.binding.services or [])
        cluster = b.binding.cluster or "default"
        try:
            described, found = ecs_deploy.services(live.ecs, cluster, services, live.where)
        except Exception as exc:
            if not session.is_aws_error(exc):
                raise
            problems.append(b.locate(session.aws_finding(exc, f"ecs:DescribeServices in {cluster}"), options))
            continue
        problems += [b.locate(f, options) for f in found]
        ready.append((live, cluster, described))
    if problems:
        raise EcsformError(sorted_findings(problems))
    ok = True
    for live, cluster, described in ready:
        b = live.bound
        head = f"{b.root}: cluster {cluster} ({live.where})"
        todo = {}
        for name, service in described.items():
            before = ecs_deploy.short((ecs_deploy.primary(service) or {}).get("taskDefinition"))
            if ecs_deploy.stable_on(service, live.arn):
                say(f"{head}: {name} already runs {short(live.arn)}, rollout completed: nothing to do")
            elif dry_run:
                say(f"{head}: would point {name} at {short(live.arn)} (it runs {before}), then wait for the rollout")
            else:
                todo[name] = service
        if dry_run or not todo:
            continue
        try:
            watches = []
            for name, service in todo.items():
                watch = ecs_deploy.start(live.ecs, cluster, service, live.arn)
                say(f"{head}: {name}: {short(watch.previous)} -> {short(live.arn)} (deployment {watch.deployment})")
                watches.append(watch)
            if not wait:
                say(f"{head}: not waiting (--no-wait): the deployments go on in ECS")
                continue
            outcomes = ecs_deploy.wait(live.ecs, watches, timeout, interval, lambda t: say(f"{head}: {t}"))
        except Exception as exc:
            if not session.is_aws_error(exc):
                raise
            raise EcsformError([b.locate(session.aws_finding(exc, f"deploying {b.root} in {cluster}"), options)])
        failed = [w for w in watches if not outcomes[(w.cluster, w.service)].ok]
        for w in watches:
            outcome = outcomes[(w.cluster, w.service)]
            say(f"{head}: {w.service}: {'healthy' if outcome.ok else 'FAILED'}: {outcome.message}")
        if not failed:
            continue
        ok = False
        if rollback:
            _roll_back(live, cluster, watches, head, say, timeout, interval)
        else:
            say(
                f"{head}: the services keep what ECS does now; `ecsform deploy --rollback` points them back at the "
                "revision they ran before"
            )
    return ok


def _roll_back(
    live: Live,
    cluster: str,
    watches: list[Watch],
    head: str,
    say: Callable[[str], None],
    timeout: float,
    interval: float,
) -> None:
    """Point every service of the root this run updated back at the revision it ran before (or follow the rollback
    ECS's circuit breaker started), and wait for that."""
    from ..aws import deploy as ecs_deploy

    described = ecs_deploy.describe(live.ecs, cluster, [w.service for w in watches])
    back = []
    for w in watches:
        service = described[w.service]
        p = ecs_deploy.primary(service) or {}
        if p.get("taskDefinition") == w.previous and p.get("id") != w.deployment:
            say(
                f"{head}: {w.service}: ECS is rolling back to {short(w.previous)} (deployment {p.get('id')}): waiting for it"
            )
            back.append(ecs_deploy.follow(service, w))
        else:
            watch = ecs_deploy.start(live.ecs, cluster, service, w.previous, previous=w.task_definition)
            say(
                f"{head}: {w.service}: rolling back: {short(w.task_definition)} -> {short(w.previous)} (deployment {watch.deployment})"
            )
            back.append(watch)
    outcomes = ecs_deploy.wait(live.ecs, back, timeout, interval, lambda t: say(f"{head}: {t}"))
    for w in back:
        outcome = outcomes[(w.cluster, w.service)]
        if outcome.ok:
            say(f"{head}: {w.service}: rolled back: runs {short(w.task_definition)} again, service stable")
        else:
            say(f"{head}: {w.service}: the rollback FAILED too: {outcome.message}")
