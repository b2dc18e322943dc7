"""The flags several commands share (typer parameter types, with their help texts)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import report

PathsArg = Annotated[
    list[str], typer.Argument(metavar="PATH", help="Spec files, or folders searched for *.yaml, *.yml, *.json.")
]


EnvOpt = Annotated[
    Optional[str], typer.Option("--env", metavar="NAME", help="Only this environment of specs that have environments.")
]


RegionOpt = Annotated[
    Optional[str],
    typer.Option("--region", metavar="REGION", help="AWS region for the provider (default: from the spec)."),
]


StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")]


ConfigOpt = Annotated[
    Optional[str],
    typer.Option(
        "--config",
        metavar="FILE",
        help="The ecsform.yaml to use (default: the nearest one from the working folder up to the git repository's root).",
    ),
]


NoConfigOpt = Annotated[
    bool, typer.Option("--no-config", help="Use no ecsform.yaml: roots without a deploy target or backend.tf.")
]


RoleOpt = Annotated[
    Optional[str],
    typer.Option(
        "--role-arn",
        metavar="ARN",
        help="Assume this IAM role for the AWS calls (default: the AWS credentials as found).",
    ),
]


AwsRegionOpt = Annotated[
    Optional[str],
    typer.Option(
        "--region", metavar="REGION", help="AWS region (default: the spec's, else AWS_REGION, else AWS_DEFAULT_REGION)."
    ),
]


DEFAULT_LOCK_TIMEOUT = 5.0  # generators.writer.lock.DEFAULT_LOCK_TIMEOUT (only commands that write import the writer)


LockTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--lock-timeout",
        metavar="SECONDS",
        min=0,
        help="How long to wait for another ecsform run writing the same output.",
    ),
]


PolicyOpt = Annotated[
    Optional[str],
    typer.Option(
        "--policy",
        metavar="FILE",
        help="A policy file (YAML/JSON): readonlyRootFilesystem, nonRootUser, efsTransitEncryption, logRetentionDays, rules; a spec's x-ecsform.policy overrides it.",
    ),
]


JobsOpt = Annotated[
    Optional[int],
    typer.Option(
        "--jobs",
        "-j",
        metavar="N",
        min=1,
        help="Processes that load, check and render specs (default: ECSFORM_JOBS, else one per core; one process below 50 spec files each).",
    ),
]


FormatOpt = Annotated[
    report.Format,
    typer.Option(
        "--format",
        case_sensitive=False,
        help="How findings are printed: text (standard error, colour on a terminal unless NO_COLOR is set), json, "
        "sarif (SARIF 2.1.0 for GitHub code scanning) or github (workflow-command annotations); json, sarif and "
        "github go to standard output.",
    ),
]
