"""TARGET. A spec variant against its deploy target (the account and region ecsform.yaml gives its environment).

The provider of a root runs in the target's account and region (allowed_account_ids, assume_role, region), and
the roles ecsform creates grant what the task references there (the module names the caller's account). An ARN
the spec writes for another account or region is often a copy from another environment; sometimes it is meant (a
KMS key in a security account, a secret shared across accounts or replicated across regions). So these are
warnings that name both sides. Not checked: ECR images (a registry in a shared account, pulled across regions,
is the usual setup), IAM statements the spec writes for the task role (cross-account resources there are the
application's business), and anything without a target (no ecsform.yaml).

Sources: ECS reads a secret or parameter of another region or account only by its full ARN, and the task's roles
must be able to reach it (docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html,
specifying-sensitive-data-parameters.html); ARN layout arn:partition:service:region:account:resource
(docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
"""

from __future__ import annotations

from typing import Iterator

from ..access.referenced import depended_arns, log_options
from ..arns import ACCOUNT, REGION, parse_arn
from ..errors import Finding, Severity
from .registry import Context, Rule, rule

W = Severity.WARNING


def _where(ctx: Context) -> str:
    """The deploy target, as messages name it: `its target (environment prod in ecsform.yaml)`."""
    t = ctx.target
    return (
        f"its target (environment {t.environment} in ecsform.yaml)"
        if t is not None and t.environment
        else "its target (the defaults of ecsform.yaml)"
    )


@rule(
    "TARGET-ACCOUNT",
    W,
    "An ARN the task depends on (role, secret, SSM parameter, KMS key, policy, credentials) "
    "names another account than its deploy target's in ecsform.yaml (ECR images are not checked).",
    "ecsform.yaml; IAM reference-arns; ECS secrets-envvar-secrets-manager",
)
def other_account(r: Rule, ctx: Context) -> Iterator[Finding]:
    target = ctx.target
    if target is None or not target.account_id:
        return
    for path, value, what in depended_arns(ctx):
        arn = parse_arn(value)
        if arn is None or not ACCOUNT.match(arn.account) or arn.account == target.account_id:
            continue
        yield r.finding(
            f"the {what} {value} is in account {arn.account}, but {_where(ctx)} is account {target.account_id}",
            path,
            f"name the one in account {target.account_id} (per environment: in its overlay), or keep it if it is "
            f"shared from account {arn.account} on purpose (its policies must then let account "
            f"{target.account_id} use it)",
        )


@rule(
    "TARGET-REGION",
    W,
    "x-ecsform.region, an awslogs-region (when ecsform creates no log group) or a regional ARN "
    "the task depends on names another region than its deploy target's in ecsform.yaml.",
    "ecsform.yaml; IAM reference-arns; ECS secrets-envvar-secrets-manager",
)
def other_region(r: Rule, ctx: Context) -> Iterator[Finding]:
    target = ctx.target
    if target is None or not target.region:
        return
    region, where = target.region, _where(ctx)
    if ctx.ext.region and ctx.ext.region != region:
        yield r.finding(
            f"x-ecsform.region is {ctx.ext.region}, but {where} is {region}: the provider uses {region}",
            ("x-ecsform", "region"),
            "remove x-ecsform.region (ecsform.yaml sets the region), or give the environment this region",
        )
    if not ctx.ext.logs.create:  # otherwise LOGS-REGION refuses it: ecsform creates the group in the target region
        for path, c in ctx.containers():
            driver, options = log_options(c)
            logs_region = options.get("awslogs-region")
            if driver == "awslogs" and isinstance(logs_region, str) and logs_region != region:
                yield r.finding(
                    f"awslogs-region is {logs_region}, but {where} is {region}",
                    path + ("logConfiguration", "options", "awslogs-region"),
                    f"write the logs to {region}, or keep {logs_region} if the group lives there on purpose",
                )
    for path, value, what in depended_arns(ctx):
        arn = parse_arn(value)
        if arn is None or not arn.region or arn.region == region or not REGION.match(arn.region):
            continue
        yield r.finding(
            f"the {what} {value} is in region {arn.region}, but {where} is {region}",
            path,
            f"name the one in {region} (per environment: in its overlay), or keep it if it is "
            f"replicated or read across regions on purpose",
        )
