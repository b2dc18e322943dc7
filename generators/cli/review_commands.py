"""The reviewed plans' commands (generators/ci/review.py): review record, check and applied. The plan reviewers saw is
the plan that is applied."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import Finding
from . import running
from .params import DEFAULT_LOCK_TIMEOUT, ConfigOpt, LockTimeoutOpt
from .running import project_config

review_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The plan reviewers saw is the plan that is applied: record a saved plan's receipt, check it before the apply.",
)


ReviewRootArg = Annotated[str, typer.Argument(metavar="ROOT", help="The root, as manifest.json names it.")]


ReviewOutOpt = Annotated[
    Path,
    typer.Option("--out", "-o", help="The output folder synth wrote (the root's folder holds tfplan and its receipt)."),
]


CommitOpt = Annotated[
    Optional[str],
    typer.Option("--commit", metavar="REV", help="The commit the pipeline planned and applies (default: HEAD)."),
]


@review_app.command("record")
def review_record(
    root: ReviewRootArg,
    out: ReviewOutOpt = Path("build"),
    commit: CommitOpt = None,
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
) -> None:
    """After `terraform plan -out tfplan`: write the plan's receipt (ecsform-plan.json beside it): the commit, the
    plan's sha256, the root's hash and the state it was planned against."""

    def action() -> list[Finding]:
        from generators.ci import review

        receipt = review.record(root, out, commit, lock_timeout)
        state = receipt.state
        print(
            f"{root}: plan {receipt.plan[:19]}... at {receipt.commit[:12]}, against "
            + (f"state serial {state['serial']}" if state else "no state yet"),
            file=sys.stderr,
        )
        return []

    running.run(action)


@review_app.command("check")
def review_check(
    root: ReviewRootArg,
    out: ReviewOutOpt = Path("build"),
    commit: CommitOpt = None,
    changed: Annotated[
        Optional[str],
        typer.Option(
            "--changed",
            metavar="FILE",
            help="The change's roots (`ecsform changed --format json`): the root waits for its earlier environments (ci.promotion).",
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Before `terraform apply tfplan`: print apply (it is the plan reviewed for this commit), applied (applied
    already) or stale (its state changed since the plan: plan again); exit 2 when it is not the reviewed plan."""

    def action() -> list[Finding]:
        from generators.ci import review

        found = project_config.for_command(config, False)
        verdict, warnings = review.check(root, out, found, commit, changed)
        print(verdict)
        return warnings

    running.run(action)


@review_app.command("applied")
def review_applied(
    root: ReviewRootArg,
    out: ReviewOutOpt = Path("build"),
    commit: CommitOpt = None,
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
) -> None:
    """After the apply and the deploy: mark the root's reviewed plan applied at this commit (ecsform-applied.json),
    which the next environment's check reads."""

    def action() -> list[Finding]:
        from generators.ci import review

        review.applied(root, out, commit, lock_timeout)
        return []

    running.run(action)
