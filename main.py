"""ecsform: ECS task definition specs in, Terraform out.

Thin commands over `generators.pipeline`; each maps the project's own error type to an exit code:
0 success, 2 invalid input (or a usage error), 70 an internal error (a bug: please report it).
"""

from __future__ import annotations

import gc
import importlib.util
import json
import sys
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Callable, Optional, TextIO

import typer

from generators import about, report
from generators.errors import Check, EcsformError, Finding, Severity
from generators.locations import display_path
from generators.options import ENGINES, Options

if TYPE_CHECKING:
    from generators.plan import Plan


def _lazy(name: str) -> ModuleType:
    """The module `name`, imported when a command first uses it (importlib's LazyLoader): `ecsform --help` and the
    commands that need neither never load the flow, the rules, the pydantic models or the botocore model."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)  # `from generators import pipeline` finds it, as after an import
    spec.loader.exec_module(module)
    return module


pipeline = _lazy("generators.pipeline")
validation = _lazy("generators.validation")
project_config = _lazy("generators.config")

# What the imports built lives as long as the process: keep it out of the cyclic collector's passes (a run over
# many specs allocates a lot and triggers many), and out of copy-on-write in validate's forked workers.
gc.freeze()

EXIT_INVALID = 2
EXIT_INTERNAL = 70
EXIT_DIFFERENT = 1  # diff: different; synth --check: not fresh

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: a flag reads as a flag (`--strict`, not `--strict <bool>`)
    help="Turn ECS task definition specs into Terraform: task definitions, least-privilege IAM, secrets, EFS, logs.",
)

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


def _report(findings: list[Finding], fmt: str = "text", notes: bool = False) -> None:
    report.emit(findings, fmt, notes=notes)


def _notes_stream(fmt: str) -> TextIO:
    """Where a command's own lines go: standard output, unless it holds a --format document."""
    return sys.stdout if fmt == "text" else sys.stderr


def _run(action: Callable[[], list[Finding]], fmt: str = "text", notes: bool = False) -> None:
    """Run a command body: report findings, map EcsformError to exit 2 and anything else to exit 70."""
    try:
        warnings = action()
    except EcsformError as exc:
        _report(exc.findings, fmt, notes)
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
    _report(warnings, fmt, notes)


def _flag_error(rule: Check, message: str, flag: str, hint: str | None) -> EcsformError:
    """A finding about a command-line flag, located at the flag (no file holds it)."""
    return EcsformError([rule.finding(message, hint=hint, file=flag, mark=(1, 1), severity=Severity.ERROR)])


def _one_plan(spec: str, options: Options) -> tuple[Plan, list[Finding]]:
    """The one root a single-spec command (render, graph) shows: a spec with environments needs --env."""
    from generators.operations.selection import CLI_ENV_REQUIRED

    plans, findings = validation.build_plans([spec], options)
    if len(plans) > 1:
        choices = ", ".join(p.environment or "" for p in plans)
        message = f"the spec has {len(plans)} environments; choose one with --env ({choices})"
        raise EcsformError([CLI_ENV_REQUIRED.finding(message, file=spec, mark=(1, 1))])
    return plans[0], findings


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
        found = project_config.for_command(config, no_config)
        findings = validation.validate_findings(
            paths, Options(env=env, region=region, strict=strict, policy=policy, config=found, jobs=jobs)
        )
        if validation.failing(findings, strict):
            raise EcsformError(findings)
        return findings

    _run(action, output_format.value, notes)


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
            raise _flag_error(CLI_ENGINE, f"unknown engine {engine!r}", "--engine", "use --engine hcl or --engine cdk")
        if force and not prune:
            raise _flag_error(
                CLI_FORCE, "--force only goes with --prune", "--force", "add --prune, or leave out --force"
            )
        if check and prune:
            raise _flag_error(
                CLI_CHECK, "--check writes nothing: it cannot --prune", "--check", "leave out --prune (and --force)"
            )
        found = project_config.for_command(config, no_config)
        options = Options(
            jobs=jobs,
            cache=_cache_folder(cache_dir, no_cache, out),
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
            plan_role=plan_role,
        )
        if check:
            changes, findings = pipeline.synth_check(paths, out, options)
            stale = _print_check(changes, str(out))
            return findings
        manifest, findings = pipeline.synth(paths, out, options)
        print(f"wrote {len(manifest['roots'])} root(s) to {out}", file=sys.stderr)
        return findings

    _run(action, output_format.value)
    if stale:
        raise typer.Exit(EXIT_DIFFERENT)


def _cache_folder(cache_dir: Optional[Path], no_cache: bool, out: Path) -> Optional[Path]:
    """synth's render cache: --cache-dir, else the default (None with --no-cache); never inside the output."""
    from generators import cache
    from generators.options import CLI_CACHE

    if no_cache:
        if cache_dir is not None:
            raise _flag_error(CLI_CACHE, "--cache-dir and --no-cache contradict each other", "--no-cache", "keep one")
        return None
    folder = cache_dir if cache_dir is not None else cache.default_folder()
    if cache.inside(folder, out):
        raise _flag_error(
            CLI_CACHE,
            f"the render cache {folder} lies inside the output {out}",
            "--cache-dir" if cache_dir is not None else cache.ENV_VAR,
            "choose a cache folder outside --out (--cache-dir DIR or ECSFORM_CACHE_DIR), or --no-cache",
        )
    return folder


def _print_check(changes, out: str) -> bool:  # type: ignore[no-untyped-def]
    """synth --check's report on standard output; True when OUT is not what synth would write."""
    from generators.changed import directory

    for kind, roots in (("missing", changes.missing), ("stale", changes.stale), ("extra", changes.extra)):
        for root in roots:
            kept = " (kept by synth: it holds state or files ecsform did not write)" if root in changes.kept else ""
            print(f"{kind}: {directory(out, root)}{kept}")
    if changes.manifest and not (changes.missing or changes.stale or changes.extra):
        print(f"stale: {directory(out, 'manifest.json')}")
    if changes.interrupted:
        print(f"interrupted: {out}: a synth died while publishing (the next synth puts the previous output back)")
    if changes.clean:
        print(f"{out} is up to date", file=sys.stderr)
        return False
    print(f"{out} is not what synth would write: run `ecsform synth`", file=sys.stderr)
    return True


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
            Options(
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
        plan, findings = _one_plan(spec, Options(env=env, region=region, config=found, policy=policy))
        sys.stdout.write(json.dumps(plan.register, indent=2, ensure_ascii=False) + "\n")
        return findings

    _run(action)


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
        found = project_config.for_command(config, no_config)
        plan, findings = _one_plan(spec, Options(env=env, region=region, config=found, policy=policy))
        sys.stdout.write(diagram.RENDERERS[format.value](diagram.model(plan)))
        return findings

    _run(action)


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
        found = project_config.for_command(config, no_config)
        options = Options(env=env, region=region, config=found, policy=policy)
        plans, findings = validation.build_plans(paths, options)
        roots = [
            {
                "file": p.file,
                "environment": p.environment,
                "family": p.family,
                "roles": permissions.roles(
                    p.permissions,
                    {f: p.register[f] for f in (permissions.EXECUTION, permissions.TASK) if f in p.register},
                ),
            }
            for p in plans
        ]
        if format is IamFormat.json:
            sys.stdout.write(json.dumps({"version": 1, "roots": roots}, indent=2, ensure_ascii=False) + "\n")
            return findings
        for root in roots:
            where = root["file"] + (f" (environment {root['environment']})" if root["environment"] else "")
            print(f"{where}: family {root['family']}")
            if not root["roles"]:
                print("  no role needs a permission: the task references nothing that needs one")
            for role in root["roles"]:
                name = "execution role" if role["field"] == permissions.EXECUTION else "task role"
                if role["brought"]:
                    print(f"  {name} {role['role']} ({role['field']}, brought): its policies must allow")
                else:
                    print(f"  {name} (created by the root): it is given")
                document = json.dumps(role["policy"], indent=2, ensure_ascii=False)
                print("\n".join("    " + line for line in document.splitlines()))
                for arn in role["managedPolicyArns"]:
                    print(f"    and the managed policy {arn}")
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
        found = project_config.for_command(config, no_config)
        notes, findings = pipeline.verify(paths, Options(env=env, region=region, role_arn=role_arn, config=found), out)
        for line in notes:
            print(line, file=_notes_stream(output_format.value))
        if validation.failing(findings, strict):
            raise EcsformError(findings)
        return findings

    _run(action, output_format.value)


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
    output_format: FormatOpt = report.Format.text,
) -> None:
    """Compare each spec's task definition with the registered one; exit 0 equal, 1 different, 2 error."""
    differ = False

    def action() -> list[Finding]:
        nonlocal differ
        found = project_config.for_command(config, no_config)
        lines, differ, findings = pipeline.diff(
            paths, Options(env=env, region=region, role_arn=role_arn, config=found), revision
        )
        for line in lines:
            print(line, file=_notes_stream(output_format.value))
        if findings:
            raise EcsformError(findings)
        return []

    _run(action, output_format.value)
    if differ:
        raise typer.Exit(EXIT_DIFFERENT)


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
        from generators import changed as compare
        from generators.changed import CHANGED_FORMAT, CHANGED_SINCE

        if format not in ("text", "json", "github-matrix", "paths"):
            raise _flag_error(
                CHANGED_FORMAT, f"unknown format {format!r}", "--format", "one of: text, json, github-matrix, paths"
            )
        if not since:
            raise _flag_error(
                CHANGED_SINCE,
                "changed needs --since REF",
                "--since",
                "the git revision to compare with, e.g. --since origin/main",
            )
        found = project_config.for_command(config, no_config)
        outs = out.as_posix()
        result = compare.changed(paths or ["specs"], since, outs, Options(env=env, config=found), config, no_config)
        if format == "json":
            print(json.dumps(compare.as_json(result, outs), indent=2))
        elif format == "github-matrix":
            print(json.dumps(compare.as_matrix(result, outs)))
        elif format == "paths":
            for r in result.changed:
                print(r.root)
        else:
            for line in compare.as_text(result, since):
                print(line)
        if format in ("github-matrix", "paths"):
            for r in result.removed:
                print(
                    f"removed: {r.root} ({r.spec}): no spec produces it any more; destroy what it manages "
                    f"(terraform destroy in its folder, from {since}'s synth) before its state is forgotten",
                    file=sys.stderr,
                )
        return result.warnings

    _run(action)


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
            with output_lock(out, lock_timeout, on_wait=_waiting):
                write_file(out, text.encode())
            print(f"wrote {out}", file=sys.stderr)
            live = from_aws is not None or any(
                part.partition("=")[2].startswith("aws:") for part in (environments or "").split(",")
            )
            if live and found is not None:
                from generators.operations import recording as operations

                options = Options(config=found, on_wait=_waiting)
                for line in operations.record_imported(text, str(out), options, lock_timeout):
                    print(line, file=sys.stderr)
        return warnings

    _run(action)


@app.command("ci")
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
            command.write(text, target, lock_timeout, _waiting)
            print(f"wrote {target}", file=sys.stderr)
        return []

    _run(action)


@app.command("bootstrap")
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
        from generators import bootstrap
        from generators.config import CONFIG_READ

        found = project_config.for_command(config, False)
        if found is None:
            raise _flag_error(
                CONFIG_READ,
                "ecsform bootstrap needs an ecsform.yaml (its targets, backend and ci: block)",
                "--config",
                "run it where ecsform.yaml is, or give --config FILE",
            )
        root = bootstrap.write(found, kind, out, lock_timeout)
        print(f"wrote {display_path(root)}: terraform init && terraform apply there", file=sys.stderr)
        return []

    _run(action)


@app.command("lock")
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
        from generators.config import CONFIG_READ

        found = project_config.for_command(config, False)
        if found is None:
            raise _flag_error(
                CONFIG_READ,
                "ecsform lock needs an ecsform.yaml (its terraform: block)",
                "--config",
                "run it where ecsform.yaml is, or give --config FILE",
            )
        written = pipeline.write_lock(found, fs_mirror=fs_mirror, net_mirror=net_mirror, lock_timeout=lock_timeout)
        print(f"wrote {display_path(written)}", file=sys.stderr)
        return []

    _run(action)


modules_app = typer.Typer(no_args_is_help=True, help="The Terraform modules the roots call.")
app.add_typer(modules_app, name="modules")


@modules_app.command("export")
def modules_export(
    out: Annotated[
        Path, typer.Argument(metavar="DIR", help="The folder to write them to (new, or written by ecsform).")
    ],
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
) -> None:
    """Write the modules (DIR/<module>/) for a repository that commits them; name DIR with moduleSource in ecsform.yaml."""

    def action() -> list[Finding]:
        names = pipeline.export_modules(out, lock_timeout)
        print(f"wrote {len(names)} module(s) to {out}: {', '.join(names)}", file=sys.stderr)
        return []

    _run(action)


# --- deployed images, deploys, jobs, revisions (generators/operations/) -------------------------------------------

image_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The deployed images: one committed file per root beside ecsform.yaml (images/<root>.yaml) that synth applies.",
)
app.add_typer(image_app, name="image")


def _options(config: str | None, no_config: bool, env: str | None = None, **more) -> Options:  # type: ignore[no-untyped-def]
    return Options(env=env, config=project_config.for_command(config, no_config), on_wait=_waiting, **more)


@image_app.command("set")
def image_set(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="The spec file of the root.")],
    assignments: Annotated[
        list[str], typer.Argument(metavar="CONTAINER=IMAGE...", help="The image each container now runs.")
    ],
    env: EnvOpt = None,
    reason: Annotated[
        Optional[str],
        typer.Option("--reason", metavar="TEXT", help="Why an image comes from another account's private repository."),
    ] = None,
    config: ConfigOpt = None,
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
) -> None:
    """Record a deploy: the image of each container of one root, in images/<root>.yaml (checked as synth checks it)."""

    def action() -> list[Finding]:
        from generators.operations import image_commands as operations

        lines, warnings = operations.image_set(
            spec, env, assignments, _options(config, False), reason=reason, lock_timeout=lock_timeout
        )
        for line in lines:
            print(line)
        return warnings

    _run(action)


@image_app.command("promote")
def image_promote(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="The spec file with both environments.")],
    source: Annotated[str, typer.Option("--from", metavar="ENV", help="The environment whose images are copied.")],
    target: Annotated[str, typer.Option("--to", metavar="ENV", help="The environment that gets them.")],
    container: Annotated[
        Optional[list[str]],
        typer.Option("--container", metavar="NAME", help="Only these containers (default: every one both have)."),
    ] = None,
    config: ConfigOpt = None,
    lock_timeout: LockTimeoutOpt = DEFAULT_LOCK_TIMEOUT,
) -> None:
    """Copy what one environment runs (its deployed images, else the spec's) to another: images/<root>.yaml of --to."""

    def action() -> list[Finding]:
        from generators.operations import image_commands as operations

        lines, warnings = operations.image_promote(
            spec, source, target, _options(config, False), containers=container, lock_timeout=lock_timeout
        )
        for line in lines:
            print(line)
        return warnings

    _run(action)


@image_app.command("show")
def image_show(
    paths: Annotated[
        Optional[list[str]],
        typer.Argument(
            metavar="[PATH]...", help="Spec files or folders (default: ecsform.yaml's ci.specs, else specs)."
        ),
    ] = None,
    env: EnvOpt = None,
    format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    config: ConfigOpt = None,
) -> None:
    """List what each root runs, per container: the deployed image (and its file and line) or the spec's."""

    def action() -> list[Finding]:
        from generators.images import CLI_FORMAT
        from generators.operations import image_commands as operations

        if format not in ("text", "json"):
            raise _flag_error(CLI_FORMAT, f"unknown format {format!r}", "--format", "text or json")
        rows, problems = operations.image_show(paths or [], _options(config, False, env))
        if format == "json":
            print(
                json.dumps(
                    [
                        {
                            "root": r.root,
                            "environment": r.environment,
                            "spec": r.spec,
                            "container": r.container,
                            "image": r.image,
                            "deployed": r.file is not None,
                            "file": r.file,
                            "line": r.line,
                            "reason": r.reason,
                        }
                        for r in rows
                    ],
                    indent=2,
                )
            )
        else:
            for r in rows:
                where = f"{r.file}:{r.line}" if r.file else f"spec ({r.spec})"
                print(f"{r.root}  {r.container}  {r.image}  {where}")
        if problems:
            raise EcsformError(problems)
        return []

    _run(action)


PollOpt = Annotated[
    float,
    typer.Option(
        "--poll-interval",
        metavar="SECONDS",
        min=0.1,
        envvar="ECSFORM_POLL_INTERVAL",
        help="Seconds between two looks at ECS while waiting.",
    ),
]
OutRootsOpt = Annotated[
    Path,
    typer.Option(
        "--out", "-o", help="The output folder synth wrote: the revision is the root's task_definition_arn output."
    ),
]
TaskDefinitionOpt = Annotated[
    Optional[str],
    typer.Option(
        "--task-definition",
        metavar="ARN",
        help="This revision (of the root's family) instead of the one the root registered (terraform output).",
    ),
]
DeployTaskDefinitionOpt = Annotated[
    Optional[str],
    typer.Option(
        "--task-definition",
        metavar="ARN",
        envvar="ECSFORM_TASK_DEFINITION",
        help="This revision (of the root's family) instead of the one the root registered (terraform output).",
    ),
]


@app.command()
def deploy(
    paths: Annotated[
        Optional[list[str]],
        typer.Argument(
            metavar="[PATH]...", help="Spec files or folders (default: ecsform.yaml's ci.specs, else specs)."
        ),
    ] = None,
    env: EnvOpt = None,
    root: Annotated[
        Optional[str], typer.Option("--root", metavar="ROOT", help="Only this root (as manifest.json names it).")
    ] = None,
    out: OutRootsOpt = Path("build"),
    task_definition: DeployTaskDefinitionOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would change; change nothing.")] = False,
    rollback: Annotated[
        bool,
        typer.Option(
            "--rollback", help="When a rollout fails, point the services back at the revision they ran before."
        ),
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait until ECS says each rollout completed (default).")
    ] = True,
    timeout: Annotated[
        float, typer.Option("--timeout", metavar="SECONDS", min=1, help="How long to wait for each rollout.")
    ] = 600.0,
    poll_interval: PollOpt = 10.0,
    region: AwsRegionOpt = None,
    role_arn: RoleOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Point the ECS services bound to each root at the revision it registered, and wait until they are healthy.

    Exit 0 when every rollout completed (or nothing is bound), 1 when one failed (rolled back with --rollback), 2 on
    bad input or an AWS error before anything changed."""
    failed = False

    def action() -> list[Finding]:
        nonlocal failed
        from generators.operations import rollout as operations

        options = _options(config, no_config, env, region=region, role_arn=role_arn)
        specs = paths or (validation.project_specs(options.config) if options.config else ["specs"])
        ok = operations.deploy(
            specs,
            options,
            lambda line: print(line, flush=True),
            root=root,
            out=out,
            task_definition=task_definition,
            dry_run=dry_run,
            rollback=rollback,
            wait=wait,
            timeout=timeout,
            interval=poll_interval,
        )
        failed = not ok
        return []

    _run(action)
    if failed:
        print("deploy failed: a rollout did not complete (see above)", file=sys.stderr)
        raise typer.Exit(EXIT_DIFFERENT)


@app.command("run")
def run_command(
    spec: Annotated[str, typer.Argument(metavar="SPEC", help="The spec file of the task.")],
    env: EnvOpt = None,
    out: OutRootsOpt = Path("build"),
    task_definition: TaskDefinitionOpt = None,
    override: Annotated[
        Optional[list[str]],
        typer.Option(
            "--override",
            metavar="[CONTAINER.]command=VALUE|[CONTAINER.]environment.NAME=VALUE",
            help="Override a container's command (a JSON list, or shell words) or one environment variable.",
        ),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait until the task stops (default).")] = True,
    timeout: Annotated[
        Optional[float],
        typer.Option("--timeout", metavar="SECONDS", min=1, help="Stop waiting after this long (default: no limit)."),
    ] = None,
    poll_interval: PollOpt = 10.0,
    region: AwsRegionOpt = None,
    role_arn: RoleOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Run the root's task once (RunTask with its binding), wait until it stops, and exit with the essential
    container's exit code; print the stopped reason and where the logs are."""
    code = 0

    def action() -> list[Finding]:
        nonlocal code
        from generators.operations import run_task as operations

        code = operations.run(
            spec,
            env,
            _options(config, no_config, env, region=region, role_arn=role_arn),
            lambda line: print(line, flush=True),
            out=out,
            task_definition=task_definition,
            overrides=override or [],
            wait=wait,
            timeout=timeout,
            interval=poll_interval,
        )
        return []

    _run(action)
    if code:
        raise typer.Exit(code)


revisions_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="The task definition revisions of a root's family."
)
app.add_typer(revisions_app, name="revisions")


@revisions_app.command("prune")
def revisions_prune(
    paths: Annotated[
        list[str], typer.Argument(metavar="SPEC...", help="The spec files (or folders) whose roots' families to prune.")
    ],
    keep: Annotated[int, typer.Option("--keep", metavar="N", min=1, help="Keep the newest N ACTIVE revisions.")],
    env: EnvOpt = None,
    root: Annotated[
        Optional[str], typer.Option("--root", metavar="ROOT", help="Only this root (as manifest.json names it).")
    ] = None,
    delete: Annotated[
        bool,
        typer.Option("--delete", help="Then delete the INACTIVE revisions no service runs (DeleteTaskDefinitions)."),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would go; change nothing.")] = False,
    cluster: Annotated[
        Optional[list[str]],
        typer.Option("--cluster", metavar="NAME", help="Another cluster whose services' revisions are kept."),
    ] = None,
    region: AwsRegionOpt = None,
    role_arn: RoleOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Deregister a family's ACTIVE revisions but the newest N and those a service of the bound clusters runs."""

    def action() -> list[Finding]:
        from generators.operations import pruning as operations

        operations.prune(
            paths,
            _options(config, no_config, env, region=region, role_arn=role_arn),
            lambda line: print(line, flush=True),
            root=root,
            keep=keep,
            delete=delete,
            dry_run=dry_run,
            clusters=cluster or [],
        )
        return []

    _run(action)


# --- reviewed plans (generators/ci/review.py) ------------------------------------------------------------------------

review_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The plan reviewers saw is the plan that is applied: record a saved plan's receipt, check it before the apply.",
)
app.add_typer(review_app, name="review")

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

    _run(action)


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

    _run(action)


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
