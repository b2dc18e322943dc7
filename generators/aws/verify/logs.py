"""Log groups: one ecsform will not create exists (else the task cannot start, unless the driver creates it); one it
would create does not, or the root's state holds it (else: synth --adopt)."""

from __future__ import annotations

from ...access.referenced import log_options
from ...errors import Check, FieldPath, Severity
from .verifier import VERIFY_ADOPT, Verifier, W

# The findings this module raises (collected by the catalog: generators/rules).
VERIFY_LOG_GROUP = Check(
    "VERIFY-LOG-GROUP",
    Severity.ERROR,
    (
        "An awslogs log group that ecsform does not create (x-ecsform.logs.create: false) exists, or "
        "awslogs-create-group is true."
    ),
)


def log_groups(v: Verifier, created: bool) -> None:
    seen: set[tuple[str, str]] = set()
    for path, c in v.view.containers():
        driver, options = log_options(c)
        group = options.get("awslogs-group")
        if driver != "awslogs" or not group:
            continue
        region = options.get("awslogs-region") or v.region
        if (group, region) in seen:
            continue
        seen.add((group, region))
        p = path + ("logConfiguration", "options", "awslogs-group")
        exists = log_group_exists(v, p, group, region)
        if created and exists and v.held.holds("aws_cloudwatch_log_group", group):
            v.ok(p, f"log group {group!r} exists; the root's state holds it")
        elif created and exists:
            v.error(
                VERIFY_ADOPT,
                f"log group {group!r} exists already in {region}: ecsform creates it, and "
                "the root's first apply stops with ResourceAlreadyExistsException unless the root's state "
                "holds it" + v.unread(),
                p,
                f"adopt it: {v.adopt_command} (the first apply imports it)",
                W,
            )
        elif not created and not exists:
            if options.get("awslogs-create-group") == "true":
                v.ok(p, f"log group {group!r} does not exist; ECS creates it (awslogs-create-group)")
            else:
                v.error(
                    VERIFY_LOG_GROUP,
                    f"log group {group!r} does not exist in account "
                    f"{v.aws.account}, {region}, and ecsform does not create it "
                    "(x-ecsform.logs.create: false): the task fails to start",
                    p,
                    f"aws logs create-log-group --log-group-name {group} --region {region}; or remove "
                    "x-ecsform.logs.create: false",
                )
        else:
            v.ok(p, f"log group {group!r} " + ("will be created" if created else "exists"))


def log_group_exists(v: Verifier, path: FieldPath, group: str, region: str) -> bool:
    page = v.call(path, "logs", "describe_log_groups", region, logGroupNamePrefix=group, limit=50)
    return any(g.get("logGroupName") == group for g in page.get("logGroups", []))
