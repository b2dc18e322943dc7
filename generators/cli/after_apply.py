"""The commands after the apply (generators/operations/): the deployed images (image set, promote, show),
deploy, run and revisions prune."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import EcsformError, Finding
from . import running
from .params import DEFAULT_LOCK_TIMEOUT, AwsRegionOpt, ConfigOpt, EnvOpt, LockTimeoutOpt, NoConfigOpt, RoleOpt

validation = running.lazy("generators.validation")

image_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The deployed images: one committed file per root beside ecsform.yaml (images/<root>.yaml) that synth applies.",
)


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
            spec, env, assignments, running.options(config, False), reason=reason, lock_timeout=lock_timeout
        )
        for line in lines:
            print(line)
        return warnings

    running.run(action)


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
            spec, source, target, running.options(config, False), containers=container, lock_timeout=lock_timeout
        )
        for line in lines:
            print(line)
        return warnings

    running.run(action)


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
        from generators.operations import image_commands as operations

        from ..images import CLI_FORMAT

        if format not in ("text", "json"):
            raise running.flag_error(CLI_FORMAT, f"unknown format {format!r}", "--format", "text or json")
        rows, problems = operations.image_show(paths or [], running.options(config, False, env))
        sys.stdout.write(operations.shown_text(rows, as_json=format == "json"))
        if problems:
            raise EcsformError(problems)
        return []

    running.run(action)


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

        options = running.options(config, no_config, env, region=region, role_arn=role_arn)
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

    running.run(action)
    if failed:
        print("deploy failed: a rollout did not complete (see above)", file=sys.stderr)
        raise typer.Exit(running.EXIT_DIFFERENT)


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
            running.options(config, no_config, env, region=region, role_arn=role_arn),
            lambda line: print(line, flush=True),
            out=out,
            task_definition=task_definition,
            overrides=override or [],
            wait=wait,
            timeout=timeout,
            interval=poll_interval,
        )
        return []

    running.run(action)
    if code:
        raise typer.Exit(code)


revisions_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None, help="The task definition revisions of a root's family."
)


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
            running.options(config, no_config, env, region=region, role_arn=role_arn),
            lambda line: print(line, flush=True),
            root=root,
            keep=keep,
            delete=delete,
            dry_run=dry_run,
            clusters=cluster or [],
        )
        return []

    running.run(action)
