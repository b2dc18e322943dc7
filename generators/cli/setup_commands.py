"""The commands that set a project up around its specs: import (a spec from an existing task definition), ci (the
pipelines), bootstrap (what the pipelines need in each account), lock (ecsform.lock.hcl) and modules export."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..errors import Finding
from ..locations import display_path
from ..options import Options
from . import running
from .params import DEFAULT_LOCK_TIMEOUT, ConfigOpt, LockTimeoutOpt, NoConfigOpt, RoleOpt
from .running import project_config

if TYPE_CHECKING:
    from ..config.project import Config

vendoring = running.lazy("generators.vendoring")


def import_command(
    source: Annotated[
        Optional[str],
        typer.Argument(
            metavar="FILE",
            help="Output of `aws ecs describe-task-definition`, or a register-task-definition input (JSON or YAML); - reads standard input.",
        ),
    ] = None,
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Write the spec to this file (default: standard output).")
    ] = None,
    from_aws: Annotated[
        Optional[str],
        typer.Option("--from-aws", help="Read FAMILY[:REVISION] (or an ARN) from the AWS account with boto3."),
    ] = None,
    environments: Annotated[
        Optional[str],
        typer.Option(
            "--environments",
            help="One spec with overlays from several inputs: dev=dev.json,prod=prod.json (an input may be aws:FAMILY[:REVISION]).",
        ),
    ] = None,
    family: Annotated[
        Optional[str],
        typer.Option(
            "--family",
            help="The spec's family: the base family for --environments (default: the families' common prefix), or "
            "the family of FILE (for a template whose family is a placeholder).",
        ),
    ] = None,
    region: Annotated[
        Optional[str],
        typer.Option("--region", help="AWS region for --from-aws and aws: inputs (default: the AWS configuration)."),
    ] = None,
    role_arn: RoleOpt = None,
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Turn an existing task definition into a spec (YAML): read-only fields dropped, shorthands where lossless.
    Read from AWS into --out, with an ecsform.yaml: the images it runs are recorded too (images/<root>.yaml); an
    image a template's tool fills in is reported with the `ecsform image set` that records its deploys."""

    def action() -> list[Finding]:
        from generators.importer import command as importer
        from generators.writer.lock import output_lock
        from generators.writer.single_file import write_file

        found = project_config.for_command(config, no_config)
        text, warnings = importer.import_spec(
            source,
            from_aws=from_aws,
            environments=environments,
            family=family,
            region=region,
            role_arn=role_arn,
            deploys_to=(str(out) if out is not None else "SPEC") if found is not None else None,
        )
        if out is None:
            sys.stdout.write(text)
        else:
            with output_lock(out, lock_timeout, on_wait=running.waiting):
                write_file(out, text.encode())
            print(f"wrote {out}", file=sys.stderr)
            live = from_aws is not None or any(
                part.partition("=")[2].startswith("aws:") for part in (environments or "").split(",")
            )
            if live and found is not None:
                from generators.operations import recording as operations

                options = Options(config=found, on_wait=running.waiting)
                for line in operations.record_imported(text, str(out), options, lock_timeout):
                    print(line, file=sys.stderr)
        return warnings

    running.run(action)


def ci_command(
    kind: Annotated[
        str,
        typer.Argument(
            metavar="github|gitlab|atlantis|gitlab-child|github-matrix",
            help="The CI engine whose configuration to write (gitlab-child and github-matrix: the jobs of a change).",
        ),
    ],
    out: Annotated[
        Optional[str],
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Where to write it (- prints it; default: .github/workflows/ecsform.yml, .gitlab/ecsform.gitlab-ci.yml or atlantis.yaml beside ecsform.yaml; gitlab-child prints).",
        ),
    ] = None,
    changed: Annotated[
        Optional[str],
        typer.Option(
            "--changed",
            metavar="FILE",
            help="gitlab-child, github-matrix: the output of `ecsform changed --format json`.",
        ),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="gitlab-child: add a manual apply job per root (the default branch's pipeline)."),
    ] = False,
    config: ConfigOpt = None,
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
) -> None:
    """Write the pipeline of a CI engine from ecsform.yaml's ci: block: plan what a change touches, apply after approval."""

    def action() -> list[Finding]:
        from generators.ci import command

        found = project_config.for_command(config, False)
        text = command.generate(kind, found, changed=changed, apply=apply)
        target = (None if out == "-" else Path(out)) if out is not None else command.default_out(kind, found)
        if target is None:
            sys.stdout.write(text)
        else:
            command.write(text, target, lock_timeout, running.waiting)
            print(f"wrote {target}", file=sys.stderr)
        return []

    running.run(action)


def _required_config(config: str | None, command: str, needs: str) -> "Config":
    """The ecsform.yaml a command cannot run without (the nearest, or --config FILE), else CONFIG-READ at --config."""
    from ..config.discovery import CONFIG_READ

    found = project_config.for_command(config, False)
    if found is None:
        raise running.flag_error(
            CONFIG_READ,
            f"{command} needs an ecsform.yaml ({needs})",
            "--config",
            "run it where ecsform.yaml is, or give --config FILE",
        )
    return found


def bootstrap_command(
    kind: Annotated[str, typer.Argument(metavar="github|gitlab", help="The CI whose OIDC tokens the roles trust.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the root (OUT/pipeline, with OUT/manifest.json).")
    ] = Path("bootstrap"),
    config: ConfigOpt = None,
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
) -> None:
    """Write the Terraform root that creates what the pipelines need in each account: state bucket, OIDC provider, pipeline, deploy, plan and state roles."""

    def action() -> list[Finding]:
        from generators.bootstrap import files as bootstrap

        found = _required_config(config, "ecsform bootstrap", "its targets, backend and ci: block")
        root = bootstrap.write(found, kind, out, lock_timeout)
        print(f"wrote {display_path(root)}: terraform init && terraform apply there", file=sys.stderr)
        return []

    running.run(action)


def lock_command(
    config: ConfigOpt = None,
    fs_mirror: Annotated[
        Optional[str],
        typer.Option("--fs-mirror", metavar="DIR", help="Read the provider from this filesystem mirror (offline)."),
    ] = None,
    net_mirror: Annotated[
        Optional[str],
        typer.Option("--net-mirror", metavar="URL", help="Read the provider from this network mirror."),
    ] = None,
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
) -> None:
    """Write ecsform.lock.hcl: hashicorp/aws locked for ecsform.yaml's terraform.lockPlatforms (synth copies it into every root)."""

    def action() -> list[Finding]:
        found = _required_config(config, "ecsform lock", "its terraform: block")
        written = vendoring.write_lock(found, fs_mirror=fs_mirror, net_mirror=net_mirror, lock_timeout=lock_timeout)
        print(f"wrote {display_path(written)}", file=sys.stderr)
        return []

    running.run(action)


modules_app = typer.Typer(no_args_is_help=True, help="The Terraform modules the roots call.")


@modules_app.command("export")
def modules_export(
    out: Annotated[
        Path, typer.Argument(metavar="DIR", help="The folder to write them to (new, or written by ecsform).")
    ],
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
) -> None:
    """Write the modules (DIR/<module>/) for a repository that commits them; name DIR with moduleSource in ecsform.yaml."""

    def action() -> list[Finding]:
        names = vendoring.export_modules(out, lock_timeout)
        print(f"wrote {len(names)} module(s) to {out}: {', '.join(names)}", file=sys.stderr)
        return []

    running.run(action)
