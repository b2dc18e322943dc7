"""Each bootstrap role's policies: its permissions (generators/aws/actions.py's actions, scoped to the accounts
and resources they apply to, the roles it chains to, the state it keeps) and its trust (the pipeline's OIDC
subjects, the roles that assume it)."""

from __future__ import annotations

import json
from typing import Any

from ..config import Config
from ..syntax.hcl_syntax import Expr
from . import names
from .model import AUDIENCE, Role, model, oidc_issuer


def _resources_for(action: str, account: str, partition: str) -> list[str]:
    """Where an action applies: scoped to the target account where the action allows it (IAM roles, log groups,
    secrets), else everything (Describe/List/Create actions of ECS, EC2, EFS and KMS that AWS authorizes only on
    "*"), and the reads verify makes in other accounts (images, parameters, managed policies, environment files)."""
    service = action.split(":", 1)[0]
    scoped = {
        "iam": [f"arn:{partition}:iam::{account}:role/*"],
        "logs": [f"arn:{partition}:logs:*:{account}:log-group:*"],
        "ecr": [f"arn:{partition}:ecr:*:*:repository/*"],
        "ssm": [f"arn:{partition}:ssm:*:*:parameter/*"],
        "s3": [f"arn:{partition}:s3:::*"],
    }
    if action in ("iam:GetPolicy", "iam:GetPolicyVersion"):
        return [f"arn:{partition}:iam::*:policy/*"]
    if action == "iam:PassRole":
        return [f"arn:{partition}:iam::{account}:role/*"]
    if action == "secretsmanager:ListSecrets":
        return ["*"]
    if service == "secretsmanager":
        return [f"arn:{partition}:secretsmanager:*:*:secret:*"]
    return scoped.get(service, ["*"])


def permissions(r: Role) -> dict[str, Any]:
    """The role's policy: its actions grouped by the resources they apply to, sts:AssumeRole on the roles it
    chains to, and the state objects it reads and writes."""
    by_resources: dict[tuple[str, ...], list[str]] = {}
    for action in sorted(r.actions):
        if action == "iam:PassRole":
            continue
        by_resources.setdefault(tuple(_resources_for(action, r.account, r.partition)), []).append(action)
    statements: list[dict[str, Any]] = []
    for i, (resources, listed) in enumerate(sorted(by_resources.items())):
        statements.append({"Sid": f"Ecsform{i + 1}", "Effect": "Allow", "Action": listed, "Resource": list(resources)})
    if "iam:PassRole" in r.actions:  # the task definition's roles, to ECS only
        statements.append(
            {
                "Sid": "PassTaskRolesToEcs",
                "Effect": "Allow",
                "Action": ["iam:PassRole"],
                "Resource": [f"arn:{r.partition}:iam::{r.account}:role/*"],
                "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            }
        )
    if r.assumes:
        statements.append(
            {
                "Sid": "AssumeTheRolesItChainsTo",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole"],
                "Resource": sorted(r.assumes),
            }
        )
    for bucket, prefix in r.state:
        statements += [
            {
                "Sid": f"ListState{names.slug(bucket).title().replace('_', '')}",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:{r.partition}:s3:::{bucket}"],
            },
            {
                "Sid": f"ReadWriteState{names.slug(bucket).title().replace('_', '')}",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": [f"arn:{r.partition}:s3:::{bucket}/{prefix}*"],
            },
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def trust(r: Role, kind: str, config: Config) -> dict[str, Any]:
    statements: list[dict[str, Any]] = []
    if r.subjects:
        issuer = oidc_issuer(kind, config)
        statements.append(
            {
                "Sid": "PipelineOidc",
                "Effect": "Allow",
                "Principal": {"Federated": Expr(f"aws_iam_openid_connect_provider.{names.slug(kind)}_{r.account}.arn")},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{issuer}:aud": AUDIENCE},
                    "StringLike": {f"{issuer}:sub": sorted(r.subjects)},
                },
            }
        )
    if r.trusted_by:  # by reference: IAM refuses a principal that does not exist yet, so they are created first
        statements.append(
            {
                "Sid": "PipelineRoles",
                "Effect": "Allow",
                "Principal": {"AWS": [Expr(f"aws_iam_role.{names.ref(arn)}.arn") for arn in sorted(r.trusted_by)]},
                "Action": "sts:AssumeRole",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_documents(config: Config, kind: str) -> dict[str, dict[str, Any]]:
    """Each role's permissions policy as JSON (for tests and for reading): ARN -> document."""
    roles, _, _ = model(config, kind)
    return {arn: json.loads(json.dumps(permissions(r), default=str)) for arn, r in roles.items()}
