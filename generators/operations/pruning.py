"""`ecsform revisions prune`: the ACTIVE revisions of each root's family deregistered but the newest and those a
service of the bound clusters runs; with --delete, the INACTIVE ones no service runs deleted."""

from __future__ import annotations

from typing import Callable

from ..errors import Check, EcsformError, Finding, Severity, sorted_findings
from ..options import Options
from .binding import bound, in_account
from .registered import short

# The findings this module raises (collected by the catalog: generators/rules).
PRUNE_CLUSTER = Check(
    "PRUNE-CLUSTER", Severity.ERROR, "revisions prune: the root is bound to no cluster (and no --cluster is given)."
)


E = Severity.ERROR


def prune(
    paths: list[str],
    options: Options,
    say: Callable[[str], None],
    *,
    keep: int,
    delete: bool = False,
    dry_run: bool = False,
    clusters: list[str] | None = None,
    root: str | None = None,
) -> None:
    """`ecsform revisions prune`: deregister the ACTIVE revisions of each root's family but the newest `keep` and
    those a service of the bound clusters runs; with `delete`, delete the INACTIVE ones no service runs."""
    from ..aws import revisions, session

    roots = bound(paths, options, root)
    sessions = session.Sessions(options.region, "revisions prune")
    problems: list[Finding] = []
    work = []
    for b in roots:
        if not (b.binding.cluster or clusters):
            problems.append(
                b.locate(
                    PRUNE_CLUSTER.finding(
                        f"root {b.root} is bound to no cluster: prune cannot see which revisions services run",
                        path=("x-ecsform", "deploy", "cluster"),
                        hint="bind the cluster (deploy: {cluster: NAME} in ecsform.yaml or x-ecsform), or name it: "
                        "--cluster NAME",
                    ),
                    options,
                )
            )
            continue
        try:
            aws = sessions.get(session.target_for(b.plan, options), b.root)
        except EcsformError as exc:
            problems += [b.locate(f, options) for f in exc.findings]
            continue
        b = in_account(b, aws.account, aws.region, options)  # its target values bound in the session's account
        work.append((b, aws, [c for c in [b.binding.cluster, *(clusters or [])] if c]))
    if problems:
        raise EcsformError(sorted_findings(problems))
    for b, aws, watched in work:
        ecs = aws.client("ecs")
        head = f"{b.root}: family {b.plan.family} (account {aws.account}, {aws.region})"
        try:
            for cluster in watched:
                if not any(c.get("status") == "ACTIVE" for c in ecs.describe_clusters(clusters=[cluster])["clusters"]):
                    from ..aws import deploy as ecs_deploy

                    where = f"account {aws.account}, {aws.region}"
                    raise EcsformError([b.locate(ecs_deploy.missing_cluster(ecs, cluster, where), options)])
            used = revisions.in_use(ecs, watched)
            active = revisions.listed(ecs, b.plan.family, "ACTIVE")
            drop = revisions.to_deregister(active, used, keep)
            for arn in sorted(set(active) - set(drop), key=lambda a: revisions.revision(a)[1]):
                why = f"runs in {', '.join(used[arn])}" if arn in used else f"one of the newest {keep}"
                say(f"{head}: keeps {short(arn)} ({why})")
            verb = "would deregister" if dry_run else "deregisters"
            if not drop:
                say(f"{head}: nothing to deregister ({len(active)} ACTIVE)")
            for arn in drop:
                say(f"{head}: {verb} {short(arn)}")
                if not dry_run:
                    ecs.deregister_task_definition(taskDefinition=arn)
            if delete:
                inactive = [a for a in revisions.listed(ecs, b.plan.family, "INACTIVE") if a not in used]
                if dry_run:
                    inactive = sorted(set(inactive) | set(drop), key=lambda a: revisions.revision(a)[1])
                for arn in inactive:
                    say(f"{head}: {'would delete' if dry_run else 'deletes'} {short(arn)}")
                if not inactive:
                    say(f"{head}: nothing to delete (no INACTIVE revision that no service runs)")
                if inactive and not dry_run:
                    for arn, reason in revisions.delete(ecs, inactive):
                        say(f"{head}: ECS did not delete {short(arn)}: {reason}")
        except EcsformError:
            raise
        except Exception as exc:
            if not session.is_aws_error(exc):
                raise
            raise EcsformError([b.locate(session.aws_finding(exc, f"pruning {b.plan.family}"), options)])
