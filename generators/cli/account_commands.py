"""The commands against the AWS account before an apply (generators/account.py): verify and diff."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import report
from ..errors import EcsformError, Finding
from ..options import Options
from . import running
from .params import AwsRegionOpt, ConfigOpt, EnvOpt, FormatOpt, NoConfigOpt, PathsArg, RoleOpt, StrictOpt
from .running import EXIT_DIFFERENT, project_config

account = running.lazy("generators.account")
validation = running.lazy("generators.validation")


def verify(
    paths: PathsArg,
    env: EnvOpt = None,
    region: AwsRegionOpt = None,
    role_arn: RoleOpt = None,
    strict: StrictOpt = False,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    output_format: FormatOpt = report.Format.text,
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Where synth writes the roots (a root's local state is read there; default build)."
        ),
    ] = Path("build"),
) -> None:
    """Check what specs reference against the AWS account (read-only); exit 0 when all is there, 2 when not."""

    def action() -> list[Finding]:
        options = Options(
            env=env, region=region, role_arn=role_arn, config=project_config.for_command(config, no_config)
        )
        notes, findings = account.verify_roots(paths, options, out)
        for line in notes:
            print(line, file=running.notes_stream(output_format.value))
        if validation.failing(findings, strict):
            raise EcsformError(findings)
        return findings

    running.run(action, output_format.value)


def diff(
    paths: PathsArg,
    env: EnvOpt = None,
    region: AwsRegionOpt = None,
    role_arn: RoleOpt = None,
    revision: Annotated[
        Optional[int],
        typer.Option("--revision", min=1, help="Compare with this revision (default: the family's latest ACTIVE one)."),
    ] = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    output_format: FormatOpt = report.Format.text,
) -> None:
    """Compare each spec's task definition with the registered one; exit 0 equal, 1 different, 2 error."""
    differ = False

    def action() -> list[Finding]:
        nonlocal differ
        options = Options(
            env=env, region=region, role_arn=role_arn, config=project_config.for_command(config, no_config)
        )
        lines, differ, findings = account.diff_roots(paths, options, revision)
        for line in lines:
            print(line, file=running.notes_stream(output_format.value))
        if findings:
            raise EcsformError(findings)
        return []

    running.run(action, output_format.value)
    if differ:
        raise typer.Exit(EXIT_DIFFERENT)
