"""The revision a root registered (its task_definition_arn output, or --task-definition), checked to be the root's
and described in its account: what deploy and run act on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Check, EcsformError, Finding, Severity
from ..options import Options
from .binding import Bound, in_account
from .selection import cli_finding

if TYPE_CHECKING:
    from ..aws.session import Sessions


# The findings this module raises (collected by the catalog: generators/rules).
DEPLOY_REVISION = Check(
    "DEPLOY-REVISION",
    Severity.ERROR,
    (
        "The revision to deploy or run cannot be found: the root is not applied, the ARN is malformed, in "
        "another account or region, does not exist or is INACTIVE."
    ),
)
DEPLOY_FAMILY = Check(
    "DEPLOY-FAMILY", Severity.ERROR, "--task-definition names a revision of another family than the root's."
)


def registered_revision(out: Path, root: str) -> str:
    """The revision a root registered: its task_definition_arn output (`terraform output`, in its folder, after
    the apply). Raises DEPLOY-REVISION when the root is not there or has not been applied."""
    import json
    import subprocess

    folder = out / root
    hint = "apply the root first (terraform apply in its folder), or name the revision: --task-definition ARN"
    if not (folder / "main.tf").is_file() and not (folder / "cdk.tf.json").is_file():
        raise EcsformError([cli_finding(DEPLOY_REVISION, f"no root in {folder.as_posix()}", str(folder), hint)])
    try:
        proc = subprocess.run(
            ["terraform", f"-chdir={folder}", "output", "-json", "-no-color"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EcsformError(
            [cli_finding(DEPLOY_REVISION, f"cannot run terraform output: {exc}", str(folder), hint)]
        ) from None
    if proc.returncode != 0:
        words = [w for w in proc.stderr.strip().splitlines() if w.strip()]
        raise EcsformError(
            [cli_finding(DEPLOY_REVISION, f"terraform output failed: {' '.join(words[-3:])[:400]}", str(folder), hint)]
        )
    try:
        value = json.loads(proc.stdout or "{}").get("task_definition_arn", {}).get("value")
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str) or not value:
        raise EcsformError(
            [
                cli_finding(
                    DEPLOY_REVISION,
                    "the root has no task_definition_arn output: it is not applied",
                    str(folder),
                    hint,
                )
            ]
        )
    return value


def check_revision(arn: str, b: Bound, account: str, region: str, where: str) -> list[Finding]:
    """The revision belongs to the root: its family, in the root's account and region."""
    from .. import arns

    parsed = arns.parse_arn(arn)
    family, _, number = (parsed.resource.split("/", 1)[-1] if parsed else "").rpartition(":")
    if parsed is None or parsed.service != "ecs" or not parsed.resource.startswith("task-definition/") or not number:
        return [
            cli_finding(
                DEPLOY_REVISION,
                f"{arn!r} is not a task definition revision's ARN",
                where,
                "arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION",
            )
        ]
    if family != b.plan.family:
        return [
            cli_finding(
                DEPLOY_FAMILY,
                f"{short(arn)} is a revision of family {family}, not of {b.plan.family} (root {b.root})",
                where,
                f"name a revision of {b.plan.family}, or the root that registers {family}",
            )
        ]
    if parsed.account != account or parsed.region != region:
        return [
            cli_finding(
                DEPLOY_REVISION,
                f"{arn} is in account {parsed.account}, {parsed.region}; root {b.root} deploys to account {account}, "
                f"{region}",
                where,
                "name the revision in the root's account and region",
            )
        ]
    return []


def short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


@dataclass
class Live:
    """A bound root connected to its account: the revision, the ECS client, where it is."""

    bound: Bound
    arn: str
    ecs: Any
    where: str  # "account A, region R"
    task_definition: dict[str, Any]


def connect(b: Bound, options: Options, sessions: Sessions, arn: str, flag: str) -> tuple[Live | None, list[Finding]]:
    """The root's session and its revision described (ACTIVE, of its family, in its account and region)."""
    from ..aws import session

    try:
        aws = sessions.get(session.target_for(b.plan, options), b.root)
    except EcsformError as exc:
        return None, [b.locate(f, options) for f in exc.findings]
    b = in_account(b, aws.account, aws.region, options)
    where = f"account {aws.account}, {aws.region}"
    problems = check_revision(arn, b, aws.account, aws.region, flag)
    if problems:
        return None, problems
    ecs = aws.client("ecs")
    try:
        td = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    except Exception as exc:
        if not session.is_aws_error(exc):
            raise
        if session.error_code(exc) in ("ClientException", "InvalidParameterException"):
            return None, [cli_finding(DEPLOY_REVISION, f"{short(arn)} does not exist in {where} ({exc})", flag)]
        return None, [
            b.locate(session.aws_finding(exc, f"ecs:DescribeTaskDefinition on {arn}", region=aws.region), options)
        ]
    if td.get("status") != "ACTIVE":
        return None, [
            cli_finding(
                DEPLOY_REVISION,
                f"{short(arn)} is {td.get('status')}: ECS starts no task and updates no service with it",
                flag,
                "apply the root again (it registers a new revision), or name an ACTIVE one",
            )
        ]
    return Live(b, arn, ecs, where, td), []


def revision_of(b: Bound, out: Path, task_definition: str | None) -> tuple[str, str]:
    """(ARN, where it came from, for findings)."""
    if task_definition is not None:
        return task_definition, "--task-definition"
    return registered_revision(out, b.root), str(out / b.root)
