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
RegionOpt = Annotated[Optional[str], typer.Option("--region", help="AWS region for the provider (default: from the spec).")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")]
PolicyOpt = Annotated[Optional[str], typer.Option("--policy", metavar="FILE", help="A policy file (YAML/JSON): readonlyRootFilesystem, nonRootUser, efsTransitEncryption, logRetentionDays, rules; a spec's x-ecsform.policy overrides it.")]


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
        print(f"ecsform: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in ecsform; please report it with the command and the spec.", file=sys.stderr)
        raise typer.Exit(EXIT_INTERNAL)
    _report(warnings)


@app.command()
def validate(paths: PathsArg, env: EnvOpt = None, strict: StrictOpt = False, region: RegionOpt = None,
             policy: PolicyOpt = None) -> None:
    """Check specs against the ECS API model and every rule; print each problem as FILE:LINE:COL."""

    def action() -> list[Finding]:
        findings = pipeline.validate_findings(paths, pipeline.Options(env=env, region=region, strict=strict,
                                                                      policy=policy))
        if pipeline.failing(findings, strict):
            raise EcsformError(findings)
        return findings

    _run(action)


@app.command()
def synth(
    paths: PathsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: one root per spec in OUT/<family>/.")] = Path("build"),
    env: EnvOpt = None,
    region: RegionOpt = None,
    engine: Annotated[str, typer.Option("--engine", help="hcl (Terraform files calling modules/) or cdk (CDK for Terraform, cdk.tf.json).")] = "hcl",
    module_source: Annotated[Optional[str], typer.Option("--module-source", help="Where roots find the modules, e.g. git::https://example.com/ecsform.git//modules?ref=v1 (default: relative path to modules/).")] = None,
    strict: StrictOpt = False,
    policy: PolicyOpt = None,
) -> None:
    """Validate every spec, then write Terraform roots and OUT/manifest.json (nothing is written on error)."""

    def action() -> list[Finding]:
        if engine not in pipeline.ENGINES:
            raise EcsformError([Finding("CLI-ENGINE", Severity.ERROR, f"unknown engine {engine!r}",
                                        hint="use --engine hcl or --engine cdk", file="--engine", line=1, col=1)])
        manifest, findings = pipeline.synth(paths, out, pipeline.Options(env=env, region=region, engine=engine,
                                                                         module_source=module_source, strict=strict,
                                                                         policy=policy))
        print(f"wrote {len(manifest['roots'])} root(s) to {out}", file=sys.stderr)
        return findings

    _run(action)


@app.command("cdk-app")
def cdk_app(
    paths: PathsArg,
    env: EnvOpt = None,
    region: RegionOpt = None,
    module_source: Annotated[Optional[str], typer.Option("--module-source", help="Where stacks find the modules (default: relative path from each stack's folder to modules/).")] = None,
    strict: StrictOpt = False,
    policy: PolicyOpt = None,
) -> None:
    """The CDK app cdktf.json runs (`cdktf synth`): one stack per root in CDKTF_OUTDIR (default cdktf.out)."""

    def action() -> list[Finding]:
        from generators.emit import cdk

        return cdk.app(paths, pipeline.Options(env=env, region=region, engine="cdk", module_source=module_source,
                                               strict=strict, policy=policy))

    _run(action)


@app.command()
def render(
    spec: Annotated[str, typer.Argument(help="One spec file.")],
    env: EnvOpt = None,
    region: RegionOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Print the RegisterTaskDefinition JSON a root registers (input for aws ecs register-task-definition --cli-input-json)."""

    def action() -> list[Finding]:
        plans, findings = pipeline.build_plans([spec], pipeline.Options(env=env, region=region, policy=policy))
        if len(plans) > 1:
            raise EcsformError([Finding("CLI-ENV-REQUIRED", Severity.ERROR,
                                        f"the spec has {len(plans)} environments; choose one with --env "
                                        f"({', '.join(p.environment or '' for p in plans)})", file=spec, line=1, col=1)])
        sys.stdout.write(json.dumps(plans[0].register, indent=2, ensure_ascii=False) + "\n")
        return findings

    _run(action)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the spec language (ECS fields, shorthands, x-ecsform, environments)."""
    from generators import schema as spec_schema

    sys.stdout.write(spec_schema.text())


@app.command("import")
def import_command(
    source: Annotated[Optional[str], typer.Argument(metavar="FILE", help="Output of `aws ecs describe-task-definition`, or a register-task-definition input (JSON or YAML); - reads standard input.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the spec to this file (default: standard output).")] = None,
    from_aws: Annotated[Optional[str], typer.Option("--from-aws", help="Read FAMILY[:REVISION] (or an ARN) from the AWS account with boto3.")] = None,
    environments: Annotated[Optional[str], typer.Option("--environments", help="One spec with overlays from several inputs: dev=dev.json,prod=prod.json (an input may be aws:FAMILY[:REVISION]).")] = None,
    family: Annotated[Optional[str], typer.Option("--family", help="Base family for --environments (default: the families' common prefix).")] = None,
    region: Annotated[Optional[str], typer.Option("--region", help="AWS region for --from-aws and aws: inputs (default: the AWS configuration).")] = None,
) -> None:
    """Turn an existing task definition into a spec (YAML): read-only fields dropped, shorthands where lossless."""

    def action() -> list[Finding]:
        from generators import importer

        text, warnings = importer.import_spec(source, from_aws=from_aws, environments=environments, family=family,
                                              region=region)
        if out is None:
            sys.stdout.write(text)
        else:
            importer.write_output(text, out)
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
