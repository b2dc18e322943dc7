"""ecsform: ECS task definition specs in, Terraform out.

Thin commands over `generators.pipeline`; each maps the project's own error type to an exit code:
0 success, 2 invalid input (or a usage error), 70 an internal error (a bug: please report it).
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from generators import config as project_config
from generators import pipeline
from generators.errors import EcsformError, Finding, Severity, shown, summary_line

# What the imports built lives as long as the process: keep it out of the cyclic collector's passes (a run over
# many specs allocates a lot and triggers many), and out of copy-on-write in validate's forked workers.
gc.freeze()

EXIT_INVALID = 2
EXIT_INTERNAL = 70

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Turn ECS task definition specs into Terraform: task definitions, least-privilege IAM, secrets, EFS, logs.",
)

PathsArg = Annotated[list[str], typer.Argument(help="Spec files, or folders searched for *.yaml, *.yml, *.json.")]
EnvOpt = Annotated[Optional[str], typer.Option("--env", help="Only this environment of specs that have environments.")]
RegionOpt = Annotated[
    Optional[str], typer.Option("--region", help="AWS region for the provider (default: from the spec).")
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
    typer.Option("--role-arn", help="Assume this IAM role for the AWS calls (default: the AWS credentials as found)."),
]
AwsRegionOpt = Annotated[
    Optional[str],
    typer.Option("--region", help="AWS region (default: the spec's, else AWS_REGION, else AWS_DEFAULT_REGION)."),
]

DEFAULT_LOCK_TIMEOUT = 5.0  # generators.writer.DEFAULT_LOCK_TIMEOUT (only commands that write import the writer)
LockTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--lock-timeout",
        metavar="SECONDS",
        min=0,
        help="How long to wait for another ecsform run writing the same output.",
    ),
]


def _waiting(message: str) -> None:
    print(f"{message} ...", file=sys.stderr, flush=True)


PolicyOpt = Annotated[
    Optional[str],
    typer.Option(
        "--policy",
        metavar="FILE",
        help="A policy file (YAML/JSON): readonlyRootFilesystem, nonRootUser, efsTransitEncryption, logRetentionDays, rules; a spec's x-ecsform.policy overrides it.",
    ),
]


def _report(findings: list[Finding]) -> None:
    for f in shown(findings):
        print(f.format(), file=sys.stderr)
    if findings:
        print(summary_line(findings), file=sys.stderr)


def _run(action: Callable[[], list[Finding]]) -> None:
    """Run a command body: report findings, map EcsformError to exit 2 and anything else to exit 70."""
    try:
        warnings = action()
    except EcsformError as exc:
        _report(exc.findings)
        raise typer.Exit(EXIT_INVALID)
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise typer.Exit(130)
    except Exception as exc:  # never a traceback for the user
        print(
            f"ecsform: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in ecsform; please report it with the command and the spec.",
            file=sys.stderr,
        )
        raise typer.Exit(EXIT_INTERNAL)
    _report(warnings)


@app.command()
def validate(
    paths: PathsArg,
    env: EnvOpt = None,
    strict: StrictOpt = False,
    region: RegionOpt = None,
    policy: PolicyOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Check specs against the ECS API model and every rule; print each problem as FILE:LINE:COL."""

    def action() -> list[Finding]:
        found = project_config.for_command(config, no_config)
        findings = pipeline.validate_findings(
            paths, pipeline.Options(env=env, region=region, strict=strict, policy=policy, config=found)
        )
        if pipeline.failing(findings, strict):
            raise EcsformError(findings)
        return findings

    _run(action)


@app.command()
def synth(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: one root per spec in OUT/<family>/.")] = Path(
        "build"
    ),
    env: EnvOpt = None,
    region: RegionOpt = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine", help="hcl (Terraform files calling modules/) or cdk (CDK for Terraform, cdk.tf.json)."
        ),
    ] = "hcl",
    module_source: Annotated[
        Optional[str],
        typer.Option(
            "--module-source",
            help="Where roots find the modules, e.g. git::https://example.com/ecsform.git//modules?ref=v1 (default: ecsform.yaml's moduleSource, else the relative path to modules/).",
        ),
    ] = None,
    strict: StrictOpt = False,
    policy: PolicyOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    adopt: Annotated[
        bool,
        typer.Option(
            "--adopt",
            help="Write imports.tf: Terraform imports what the root would create but the AWS account already has (log groups, managed secrets).",
        ),
    ] = False,
    role_arn: RoleOpt = None,
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Remove roots no spec produces any more, even those holding files ecsform did not write (not Terraform state: see --force).",
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --prune: remove such roots even when they hold Terraform state.")
    ] = False,
) -> None:
    """Validate every spec, then write Terraform roots and OUT/manifest.json (nothing is written on error)."""

    def action() -> list[Finding]:
        if engine not in pipeline.ENGINES:
            raise EcsformError(
                [
                    Finding(
                        "CLI-ENGINE",
                        Severity.ERROR,
                        f"unknown engine {engine!r}",
                        hint="use --engine hcl or --engine cdk",
                        file="--engine",
                        line=1,
                        col=1,
                    )
                ]
            )
        if force and not prune:
            raise EcsformError(
                [
                    Finding(
                        "CLI-FORCE",
                        Severity.ERROR,
                        "--force only goes with --prune",
                        hint="add --prune, or leave out --force",
                        file="--force",
                        line=1,
                        col=1,
                    )
                ]
            )
        found = project_config.for_command(config, no_config)
        manifest, findings = pipeline.synth(
            paths,
            out,
            pipeline.Options(
                env=env,
                region=region,
                engine=engine,
                module_source=module_source,
                strict=strict,
                config=found,
                policy=policy,
                adopt=adopt,
                role_arn=role_arn,
                lock_timeout=lock_timeout,
                prune=prune,
                force=force,
                on_wait=_waiting,
            ),
        )
        print(f"wrote {len(manifest['roots'])} root(s) to {out}", file=sys.stderr)
        return findings

    _run(action)


@app.command("cdk-app")
def cdk_app(
    paths: PathsArg,
    env: EnvOpt = None,
    region: RegionOpt = None,
    module_source: Annotated[
        Optional[str],
        typer.Option(
            "--module-source",
            help="Where stacks find the modules (default: ecsform.yaml's moduleSource, else the relative path from each stack's folder to modules/).",
        ),
    ] = None,
    strict: StrictOpt = False,
    policy: PolicyOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """The CDK app cdktf.json runs (`cdktf synth`): one stack per root in CDKTF_OUTDIR (default cdktf.out)."""

    def action() -> list[Finding]:
        from generators.emit import cdk

        found = project_config.for_command(config, no_config)
        return cdk.app(
            paths,
            pipeline.Options(
                env=env,
                region=region,
                engine="cdk",
                module_source=module_source,
                strict=strict,
                config=found,
                policy=policy,
            ),
        )

    _run(action)


@app.command()
def render(
    spec: Annotated[str, typer.Argument(help="One spec file.")],
    env: EnvOpt = None,
    region: RegionOpt = None,
    policy: PolicyOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Print the RegisterTaskDefinition JSON a root registers (input for aws ecs register-task-definition --cli-input-json)."""

    def action() -> list[Finding]:
        found = project_config.for_command(config, no_config)
        plans, findings = pipeline.build_plans(
            [spec], pipeline.Options(env=env, region=region, config=found, policy=policy)
        )
        if len(plans) > 1:
            raise EcsformError(
                [
                    Finding(
                        "CLI-ENV-REQUIRED",
                        Severity.ERROR,
                        f"the spec has {len(plans)} environments; choose one with --env "
                        f"({', '.join(p.environment or '' for p in plans)})",
                        file=spec,
                        line=1,
                        col=1,
                    )
                ]
            )
        sys.stdout.write(json.dumps(plans[0].register, indent=2, ensure_ascii=False) + "\n")
        return findings

    _run(action)


@app.command()
def verify(
    paths: PathsArg,
    env: EnvOpt = None,
    region: AwsRegionOpt = None,
    role_arn: RoleOpt = None,
    strict: StrictOpt = False,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Check what specs reference against the AWS account (read-only); exit 0 when all is there, 2 when not."""

    def action() -> list[Finding]:
        found = project_config.for_command(config, no_config)
        notes, findings = pipeline.verify(
            paths, pipeline.Options(env=env, region=region, role_arn=role_arn, config=found)
        )
        for line in notes:
            print(line)
        if pipeline.failing(findings, strict):
            raise EcsformError(findings)
        return findings

    _run(action)


EXIT_DIFFERENT = 1


@app.command()
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
) -> None:
    """Compare each spec's task definition with the registered one; exit 0 equal, 1 different, 2 error."""
    differ = False

    def action() -> list[Finding]:
        nonlocal differ
        found = project_config.for_command(config, no_config)
        lines, differ, findings = pipeline.diff(
            paths, pipeline.Options(env=env, region=region, role_arn=role_arn, config=found), revision
        )
        for line in lines:
            print(line)
        if findings:
            raise EcsformError(findings)
        return []

    _run(action)
    if differ:
        raise typer.Exit(EXIT_DIFFERENT)


@app.command()
def schema(
    config: Annotated[
        bool, typer.Option("--config", help="Print the JSON Schema of ecsform.yaml instead (docs/config.schema.json).")
    ] = False,
) -> None:
    """Print the JSON Schema of the spec language (ECS fields, shorthands, x-ecsform, environments)."""
    if config:
        sys.stdout.write(project_config.schema_text())
        return
    from generators import schema as spec_schema

    sys.stdout.write(spec_schema.text())


@app.command("import")
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
        typer.Option("--family", help="Base family for --environments (default: the families' common prefix)."),
    ] = None,
    region: Annotated[
        Optional[str],
        typer.Option("--region", help="AWS region for --from-aws and aws: inputs (default: the AWS configuration)."),
    ] = None,
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
) -> None:
    """Turn an existing task definition into a spec (YAML): read-only fields dropped, shorthands where lossless."""

    def action() -> list[Finding]:
        from generators import importer, writer

        text, warnings = importer.import_spec(
            source, from_aws=from_aws, environments=environments, family=family, region=region
        )
        if out is None:
            sys.stdout.write(text)
        else:
            with writer.output_lock(out, lock_timeout, on_wait=_waiting):
                writer.write_file(out, text.encode())
            print(f"wrote {out}", file=sys.stderr)
        return warnings

    _run(action)


@app.command("rules")
def rules_command(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the README's table.")] = False,
) -> None:
    """List every rule and check: id, severity, summary."""
    from generators import rules

    if markdown:
        sys.stdout.write(rules.markdown_table())
        return
    rows = rules.catalog()
    width = max(len(r[0]) for r in rows)
    for rid, severity, summary, _source in rows:
        print(f"{rid.ljust(width)}  {severity:<7}  {summary}")


if __name__ == "__main__":
    app()
