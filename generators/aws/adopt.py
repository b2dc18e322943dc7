"""`synth --adopt`: Terraform `import` blocks for what a root would create under a fixed name but the account has.

Everything the modules create under a name the spec fixes (read from modules/):
- modules/ecs-task-definition: one `aws_cloudwatch_log_group.this[NAME]` per distinct awslogs-group, when
  x-ecsform.logs.create is on (imported by name);
- modules/secrets: `aws_secretsmanager_secret.this[KEY]` named x-ecsform.secrets.KEY.name or <family>/KEY
  (imported by ARN; a secret scheduled for deletion cannot be imported: ADOPT-SECRET-DELETED).
Roles, security groups and KMS keys get generated names (name_prefix, no alias) and EFS file systems a generated
creation token, so they never collide with what exists.

The imports go to `imports.tf` in the root, sorted by address, nothing else in it: the same account gives the same
bytes. Terraform imports each on the next apply and ignores the blocks once the state holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Check, EcsformError, Finding, Severity
from ..plan import Plan
from ..syntax.hcl_syntax import quote
from .session import Aws, aws_finding, error_code, is_aws_error

# The findings this module raises (collected by the catalog: generators/rules).
ADOPT_SECRET_DELETED = Check(
    "ADOPT-SECRET-DELETED",
    Severity.ERROR,
    ("synth --adopt: a managed secret is scheduled for deletion, so it can be neither imported nor created."),
)


FILE = "imports.tf"


@dataclass(frozen=True, order=True)
class Import:
    address: str
    id: str
    what: str


def log_group_names(plan: Plan) -> list[str]:
    """The log groups modules/ecs-task-definition creates for this plan (its local.log_group_names)."""
    if ("create_log_groups", False) in plan.module_inputs:
        return []
    logs = [c.log_configuration for c in plan.task.containers if c.log_configuration is not None]
    names = {
        log.options["awslogs-group"] for log in logs if log.log_driver == "awslogs" and "awslogs-group" in log.options
    }
    return sorted(names)


def existing(aws: Aws, plan: Plan) -> list[Import]:
    """What the root would create that the account already has. Raises EcsformError on AWS errors and on a
    managed secret that is scheduled for deletion."""
    found: list[Import] = []
    problems: list[Finding] = []
    logs = aws.client("logs")
    for name in log_group_names(plan):
        try:
            groups = logs.describe_log_groups(logGroupNamePrefix=name, limit=50).get("logGroups", [])
        except Exception as exc:
            if not is_aws_error(exc):
                raise
            raise EcsformError([aws_finding(exc, f"logs:DescribeLogGroups on {name}", region=aws.region)]) from None
        if any(g.get("logGroupName") == name for g in groups):
            found.append(
                Import(
                    f"module.task_definition.aws_cloudwatch_log_group.this[{quote(name)}]", name, f"log group {name}"
                )
            )
    secrets = aws.client("secretsmanager")
    for key, settings in sorted(plan.managed_secrets.items()):
        name = settings["name"]
        try:
            described = secrets.describe_secret(SecretId=name)
        except Exception as exc:
            if not is_aws_error(exc):
                raise
            if error_code(exc) == "ResourceNotFoundException":
                continue
            raise EcsformError(
                [
                    aws_finding(
                        exc,
                        f"secretsmanager:DescribeSecret on {name}",
                        ("x-ecsform", "secrets", key),
                        region=aws.region,
                    )
                ]
            ) from None
        if described.get("DeletedDate"):
            problems.append(
                ADOPT_SECRET_DELETED.finding(
                    f"secret {name!r} is scheduled for deletion: Terraform cannot import it, and "
                    "AWS refuses to create a secret of that name",
                    path=("x-ecsform", "secrets", key),
                    hint=f"restore it first (aws secretsmanager restore-secret --secret-id {name} "
                    f"--region {aws.region}), or name the secret differently",
                )
            )
            continue
        found.append(
            Import(f"module.secrets.aws_secretsmanager_secret.this[{quote(key)}]", described["ARN"], f"secret {name}")
        )
    if problems:
        raise EcsformError(problems)
    return sorted(found)


def imports_tf(found: list[Import], header: str, account: str, region: str) -> str:
    """The imports.tf text (`header`: the root's generated-by line)."""
    blocks = [
        f"# {i.what} exists already: the next apply imports it instead of creating it\n"
        f"import {{\n  to = {i.address}\n  id = {quote(i.id)}\n}}\n"
        for i in found
    ]
    intro = f"# `synth --adopt` found these in account {account}, {region}.\n"
    return header + intro + "\n" + "\n".join(blocks)
