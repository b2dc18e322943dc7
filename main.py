"""ecsform: ECS task definition specs in, Terraform out.

The typer app. Each command parses its flags, calls one function of the room that does the work (the flow in
`generators.pipeline` and `generators.validation`, the account in `generators.account`, ...) and maps the result to
an exit code: 0 success, 2 invalid input (or a usage error), 70 an internal error (a bug: please report it). The
commands that set a project up, those after the apply and the reviewed plans' are in generators/cli/; this module
registers every command in the order `ecsform --help` lists them.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

# pydantic looks for plugins (every installed package's entry points, ~14 ms) before it builds its first model; ecsform's
# models are its own input's schema and use none (pydantic's documented switch; a value the user set is kept)
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer

from generators import about, report
from generators.cli import account_commands, after_apply, review_commands, running, setup_commands
from generators.cli.params import (
    DEFAULT_LOCK_TIMEOUT,
    ConfigOpt,
    EnvOpt,
    FormatOpt,
    JobsOpt,
    LockTimeoutOpt,
    NoConfigOpt,
    PathsArg,
    PolicyOpt,
    RegionOpt,
    RoleOpt,
    StrictOpt,
)
from generators.cli.running import EXIT_DIFFERENT, flag_error, project_config, waiting
from generators.errors import EcsformError, Finding
from generators.options import ENGINES, Options

if TYPE_CHECKING:
    from generators.change_report import Printed
    from generators.config import Config
    from generators.plan import Plan

pipeline = running.lazy("generators.pipeline")
validation = running.lazy("generators.validation")
cache = running.lazy("generators.cache")

__all__ = ["DEFAULT_LOCK_TIMEOUT", "app"]  # DEFAULT_LOCK_TIMEOUT: generators.writer's (tests/unit/test_output_lock.py)

# What the imports built lives as long as the process: keep it out of the cyclic collector's passes (a run over
# many specs allocates a lot and triggers many), and out of copy-on-write in validate's forked workers.
gc.freeze()

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: a flag reads as a flag (`--strict`, not `--strict <bool>`)
    help="Turn ECS task definition specs into Terraform: task definitions, least-privilege IAM, secrets, EFS, logs.",
)


def _one_plan(spec: str, options: Options) -> tuple[Plan, list[Finding]]:
    """The one root a single-spec command (render, graph) shows: a spec with environments needs --env."""
    from generators.operations.selection import CLI_ENV_REQUIRED

    plans, findings = validation.build_plans([spec], options)
    if len(plans) > 1:
        choices = ", ".join(p.environment or "" for p in plans)
        message = f"the spec has {len(plans)} environments; choose one with --env ({choices})"
        raise EcsformError([CLI_ENV_REQUIRED.finding(message, file=spec, mark=(1, 1))])
    return plans[0], findings


def _failing_raises(findings: list[Finding], strict: bool) -> list[Finding]:
    """The findings of a command that fails on errors (and on warnings with --strict): raised when they fail it."""
    if validation.failing(findings, strict):
        raise EcsformError(findings)
    return findings


def _print(printed: Printed) -> None:
    for line in printed.out:
        print(line)
    for line in printed.err:
        print(line, file=sys.stderr)


def _print_version(value: bool) -> None:
    if value:
        print(f"{about.NAME} {about.version()}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print ecsform's version and exit."),
    ] = False,
) -> None:
    pass


@app.command()
def validate(
    paths: PathsArg,
    env: EnvOpt = None,
    strict: StrictOpt = False,
    region: RegionOpt = None,
    policy: PolicyOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    output_format: FormatOpt = report.Format.text,
    notes: Annotated[
        bool,
        typer.Option(
            "--notes",
            help="Also print the notes (hardening advice such as a writable root filesystem, and information), "
            "which are otherwise only counted; json and sarif always hold them.",
        ),
    ] = False,
    jobs: JobsOpt = None,
) -> None:
    """Check specs against the ECS API model and every rule; print each problem as FILE:LINE:COL."""

    def action() -> list[Finding]:
        options = Options(
            env=env, region=region, strict=strict, policy=policy, config=_config(config, no_config), jobs=jobs
        )
        return _failing_raises(validation.validate_findings(paths, options), strict)

    running.run(action, output_format.value, notes)


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
    output_format: FormatOpt = report.Format.text,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing: exit 1 listing the roots that are stale, missing or extra when OUT is not what synth would write, 0 when it is.",
        ),
    ] = False,
    plan_role: Annotated[
        bool,
        typer.Option(
            "--plan-role",
            help="Roots assume each target's planRoleArn (read-only) instead of roleArn: for pull-request plans, never applied.",
        ),
    ] = False,
    jobs: JobsOpt = None,
    cache_dir: Annotated[
        Optional[Path],
        typer.Option(
            "--cache-dir",
            metavar="DIR",
            help="The render cache: a spec whose inputs did not change is not rendered again (default: ECSFORM_CACHE_DIR, else $XDG_CACHE_HOME/ecsform or ~/.cache/ecsform; never inside --out).",
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Render every spec, and neither read nor write the render cache.")
    ] = False,
) -> None:
    """Validate every spec, then write Terraform roots and OUT/manifest.json (nothing is written on error)."""
    stale = False

    def action() -> list[Finding]:
        from generators.options import CLI_CHECK, CLI_ENGINE, CLI_FORCE

        nonlocal stale
        if engine not in ENGINES:
            raise flag_error(CLI_ENGINE, f"unknown engine {engine!r}", "--engine", "use --engine hcl or --engine cdk")
        if force and not prune:
            raise flag_error(
                CLI_FORCE, "--force only goes with --prune", "--force", "add --prune, or leave out --force"
            )
        if check and prune:
            raise flag_error(
                CLI_CHECK, "--check writes nothing: it cannot --prune", "--check", "leave out --prune (and --force)"
            )
        options = Options(
            jobs=jobs,
            cache=cache.folder_for(cache_dir, no_cache, out),
            env=env,
            region=region,
            engine=engine,
            module_source=module_source,
            strict=strict,
            config=_config(config, no_config),
            policy=policy,
            adopt=adopt,
            role_arn=role_arn,
            lock_timeout=lock_timeout,
            prune=prune,
            force=force,
            on_wait=waiting,
            plan_role=plan_role,
        )
        if check:
            from generators import change_report

            changes, findings = pipeline.synth_check(paths, out, options)
            report, stale = change_report.check_lines(changes, str(out))
            _print(report)
            return findings
        manifest, findings = pipeline.synth(paths, out, options)
        print(f"wrote {len(manifest['roots'])} root(s) to {out}", file=sys.stderr)
        return findings

    running.run(action, output_format.value)
    if stale:
        raise typer.Exit(EXIT_DIFFERENT)


def _config(config: str | None, no_config: bool) -> Config | None:
    """The ecsform.yaml a command uses: --config, none with --no-config, else the nearest one."""
    if no_config and config is None:
        return None  # (without loading generators.config: its models and checks)
    return project_config.for_command(config, no_config)


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

        options = Options(
            env=env,
            region=region,
            engine="cdk",
            module_source=module_source,
            strict=strict,
            config=_config(config, no_config),
            policy=policy,
        )
        return cdk.app(paths, options)

    running.run(action)


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
        plan, findings = _one_plan(
            spec, Options(env=env, region=region, config=_config(config, no_config), policy=policy)
        )
        sys.stdout.write(json.dumps(plan.register, indent=2, ensure_ascii=False) + "\n")
        return findings

    running.run(action)


class GraphFormat(str, Enum):
    mermaid = "mermaid"
    dot = "dot"


@app.command()
def graph(
    spec: Annotated[str, typer.Argument(help="One spec file.")],
    env: EnvOpt = None,
    region: RegionOpt = None,
    policy: PolicyOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    format: Annotated[
        GraphFormat, typer.Option("--format", help="mermaid (as in each root's README.md) or dot (Graphviz).")
    ] = GraphFormat.mermaid,
) -> None:
    """Print the diagram of a root's task (containers, dependsOn, ports, volumes, secrets, roles), as README.md shows it."""
    from generators.emit import diagram

    def action() -> list[Finding]:
        plan, findings = _one_plan(
            spec, Options(env=env, region=region, config=_config(config, no_config), policy=policy)
        )
        sys.stdout.write(diagram.RENDERERS[format.value](diagram.model(plan)))
        return findings

    running.run(action)


class IamFormat(str, Enum):
    text = "text"
    json = "json"


@app.command("iam")
def iam_command(
    paths: PathsArg,
    env: EnvOpt = None,
    region: RegionOpt = None,
    policy: PolicyOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
    format: Annotated[
        IamFormat,
        typer.Option("--format", help="text (a policy document per role) or json (one document for every root)."),
    ] = IamFormat.text,
) -> None:
    """Print the IAM permissions of each root's roles: what a role the spec brings must allow (ECS-M4's warning
    counts them), what a role ecsform creates is given. Nothing is asked of AWS: `ecsform verify` checks brought
    roles there."""
    from generators import permissions

    def action() -> list[Finding]:
        options = Options(env=env, region=region, config=_config(config, no_config), policy=policy)
        plans, findings = validation.build_plans(paths, options)
        sys.stdout.write(permissions.iam_report(plans, as_json=format is IamFormat.json))
        return findings

    running.run(action)


app.command()(account_commands.verify)
app.command()(account_commands.diff)


ChangedFormat = Annotated[
    str,
    typer.Option(
        "--format",
        help="text, json ({changed, removed}), github-matrix ({include}, one line) or paths (one root per line).",
    ),
]


@app.command()
def changed(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Spec files, or folders (default: specs).")] = None,
    since: Annotated[
        str,
        typer.Option(
            "--since",
            metavar="REF",
            help="The git revision to compare the working tree with, e.g. origin/main or HEAD~1.",
        ),
    ] = "",
    format: ChangedFormat = "text",
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="The output folder synth writes (the roots' dir; relative module sources depend on it)."
        ),
    ] = Path("build"),
    env: EnvOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """The roots whose generated content differs between git revision REF and the working tree, and the roots gone."""

    def action() -> list[Finding]:
        from generators import change_report
        from generators import changed as compare
        from generators.changed import CHANGED_FORMAT, CHANGED_SINCE

        if format not in change_report.FORMATS:
            raise flag_error(
                CHANGED_FORMAT, f"unknown format {format!r}", "--format", "one of: text, json, github-matrix, paths"
            )
        if not since:
            raise flag_error(
                CHANGED_SINCE,
                "changed needs --since REF",
                "--since",
                "the git revision to compare with, e.g. --since origin/main",
            )
        options = Options(env=env, config=_config(config, no_config))
        result = compare.changed(paths or ["specs"], since, out.as_posix(), options, config, no_config)
        _print(change_report.lines(result, format, since, out.as_posix()))
        return result.warnings

    running.run(action)


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
    from generators.spec import schema as spec_schema

    sys.stdout.write(spec_schema.text())


# the commands that set a project up (generators/cli/setup_commands.py), and those after the apply
app.command("import")(setup_commands.import_command)
app.command("ci")(setup_commands.ci_command)
app.command("bootstrap")(setup_commands.bootstrap_command)
app.command("lock")(setup_commands.lock_command)
app.command()(after_apply.deploy)
app.command("run")(after_apply.run_command)


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


app.add_typer(setup_commands.modules_app, name="modules")
app.add_typer(after_apply.image_app, name="image")
app.add_typer(after_apply.revisions_app, name="revisions")
app.add_typer(review_commands.review_app, name="review")


if __name__ == "__main__":
    app()
