"""After the apply: the deployed images (`ecsform image set|promote|show`), the services moved to the revision a root
registered (`ecsform deploy`), jobs run and checked (`ecsform run`), and old revisions deregistered (`ecsform
revisions prune`).

The flow of each command, in one visible place: the specs are validated and planned as for synth
(generators/validation.py), the images files are read and checked (generators/images.py) and written through the
writer (generators/writer.py); what talks to AWS is in generators/aws/ (deploy.py, tasks.py, revisions.py), with
the sessions, targets and AWS-* findings of generators/aws/session.py.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from . import images, validation
from . import plan as planner
from .errors import EcsformError, Finding, Severity, errors_in, sorted_findings
from .locations import display_path
from .options import Options
from .spec import document as specs
from .spec.extensions import Deploy

if TYPE_CHECKING:
    from .config import Config

from .errors import Check
from .images import IMAGES_CONTAINER
from .spec.document import ENV_UNKNOWN

# The findings this module raises (collected by the catalog: generators/rules).
CLI_ENV_REQUIRED = Check(
    "CLI-ENV-REQUIRED", Severity.ERROR, "render: the spec has environments and --env does not choose one."
)
IMAGES_CONFIG = Check(
    "IMAGES-CONFIG",
    Severity.ERROR,
    "image set, promote and show need an ecsform.yaml (the images folder is beside it).",
)
CLI_IMAGE = Check(
    "CLI-IMAGE", Severity.ERROR, "image set: an argument is not CONTAINER=IMAGE, or names a container twice."
)
CLI_SPEC = Check("CLI-SPEC", Severity.ERROR, "A command that takes one spec file was given a folder.")
CLI_TASK_DEFINITION = Check("CLI-TASK-DEFINITION", Severity.ERROR, "deploy --task-definition with more than one root.")
DEPLOY_ROOT = Check("DEPLOY-ROOT", Severity.ERROR, "deploy --root names a root the specs do not produce.")
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
RUN_NETWORK = Check(
    "RUN-NETWORK", Severity.ERROR, "run: an awsvpc task and no network binding (subnets, security groups)."
)
RUN_LAUNCH_TYPE = Check(
    "RUN-LAUNCH-TYPE",
    Severity.ERROR,
    (
        "run: no launch type or capacity provider strategy, the cluster has no default, and the task does "
        "not run on EC2."
    ),
)
PRUNE_CLUSTER = Check(
    "PRUNE-CLUSTER", Severity.ERROR, "revisions prune: the root is bound to no cluster (and no --cluster is given)."
)


E, W = Severity.ERROR, Severity.WARNING


def _cli(check: Check, message: str, where: str, hint: str | None = None) -> Finding:
    """A finding about a command-line argument, located at the argument (no file holds it)."""
    return check.finding(message, hint=hint, file=where, mark=(1, 1), severity=E)


def require_config(options: Options, command: str) -> "Config":
    if options.config is None:
        raise EcsformError(
            [
                _cli(
                    IMAGES_CONFIG,
                    f"{command} needs an ecsform.yaml: the deployed images are kept beside it (images/<root>.yaml)",
                    "ecsform.yaml",
                    "run it in the repository that holds ecsform.yaml, or give --config FILE (an empty ecsform.yaml "
                    "is enough)",
                )
            ]
        )
    return options.config


def variants_of(spec: str, env: str | None = None) -> list[specs.Variant]:
    """The variants of one spec file (only `env` when given). Raises EcsformError on a spec that cannot be read,
    or an environment it does not have."""
    files, problems = validation.collect([spec])
    if problems:
        raise EcsformError(problems)
    if len(files) != 1 or Path(spec).is_dir():
        raise EcsformError([_cli(CLI_SPEC, "name one spec file, not a folder", spec)])
    found, problems = validation.load([spec], env)
    if problems:
        raise EcsformError(sorted_findings(problems))
    if env is not None and found and found[0].environment is None:
        raise EcsformError(
            [
                _cli(
                    ENV_UNKNOWN,
                    f"the spec has no environments, so --env {env} names none of its roots",
                    spec,
                    "leave out --env",
                )
            ]
        )
    return found


def one_variant(spec: str, env: str | None) -> specs.Variant:
    found = variants_of(spec, env)
    if len(found) > 1:
        choices = ", ".join(v.environment or "" for v in found)
        raise EcsformError(
            [
                _cli(
                    CLI_ENV_REQUIRED,
                    f"the spec has {len(found)} environments; choose one with --env ({choices})",
                    spec,
                )
            ]
        )
    return found[0]


# --- ecsform image set | promote | show --------------------------------------------------------------------------


def parse_assignments(values: list[str]) -> dict[str, str]:
    """CONTAINER=IMAGE arguments, as given (each container once)."""
    out: dict[str, str] = {}
    problems = []
    for value in values:
        name, sep, image = value.partition("=")
        if not sep or not name.strip() or not image.strip() or image != image.strip() or name != name.strip():
            problems.append(
                _cli(
                    CLI_IMAGE,
                    "not CONTAINER=IMAGE",
                    value,
                    "for example api=123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.4.3",
                )
            )
        elif name in out:
            problems.append(_cli(CLI_IMAGE, f"container {name!r} is given twice", value))
        else:
            out[name] = image
    if not values:
        problems.append(_cli(CLI_IMAGE, "no CONTAINER=IMAGE given", "image set", "ecsform image set SPEC api=IMAGE"))
    if problems:
        raise EcsformError(problems)
    return out


def _running(variant: specs.Variant, deployed: images.Deployed) -> dict[str, str]:
    """What a root runs per container: its deployed image, else the spec's."""
    out = {c["name"]: c.get("image") for _, c in images.containers(variant.task)}
    out.update({name: e.image for name, e in deployed.entries.items() if name in out})
    return {k: v for k, v in out.items() if isinstance(v, str)}


@dataclass
class Recorded:
    """What `record` did to one root's images file."""

    root: str
    file: str
    changes: list[tuple[str, str, str]]  # (container, before, after)
    written: bool


def record(
    variant: specs.Variant,
    chosen: dict[str, tuple[str, str | None]],
    options: Options,
    where: dict[str, str],
    lock_timeout: float,
) -> tuple[Recorded, list[Finding]]:
    """Record `chosen` (container -> (image, reason)) in the images file of the variant's root: checked as synth
    will check it (nothing written on an error), written through the writer under the file's lock, and only when its
    bytes change. `where` names each container's command-line argument, where findings about it point."""
    from . import writer

    config = require_config(options, "image set")
    root = planner.root_path(variant)
    path = images.path_for(config, root)
    if not chosen:
        return Recorded(root, display_path(path), [], False), []
    names = {c["name"] for _, c in images.containers(variant.task)}
    unknown = [name for name in chosen if name not in names]
    if unknown:
        from .text import suggest

        raise EcsformError(
            [
                _cli(
                    IMAGES_CONTAINER,
                    f"{name!r} is not a container of root {root} ({variant.file}"
                    + (f", environment {variant.environment}" if variant.environment else "")
                    + ")",
                    where.get(name, name),
                    (f"did you mean {close!r}? " if (close := suggest(name, sorted(names))) else "")
                    + f"its containers: {', '.join(sorted(names))}",
                )
                for name in unknown
            ]
        )
    timeout = writer.DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
    made = [d for d in (path.parent, *path.parent.parents) if not d.exists()]  # the folders the lock creates
    try:
        return _record_locked(variant, chosen, options, where, config, root, path, timeout)
    except EcsformError:
        for folder in made:  # nothing is left behind by a refused deploy, empty folders included
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _record_locked(
    variant: specs.Variant,
    chosen: dict[str, tuple[str, str | None]],
    options: Options,
    where: dict[str, str],
    config: "Config",
    root: str,
    path: Path,
    timeout: float,
) -> tuple[Recorded, list[Finding]]:
    from . import writer

    with writer.output_lock(path, timeout, parents=True, on_wait=options.on_wait):
        current = images.read(config, root)
        before = _running(variant, current)
        entries = dict(current.entries)
        for name, (image, reason) in chosen.items():
            old = entries.get(name)
            keep = reason if reason is not None else (old.reason if old is not None and old.image == image else None)
            entries[name] = images.Entry(name, image, keep)
        text = images.render(root, variant.file, variant.environment, entries)
        proposed = images.parse_text(text, root, path, current.file)
        checked = validation.check_deployed(
            variant,
            validation.base_policy(options),
            options.region,
            config.target(variant.environment),
            config,
            proposed,
        )
        about = [f for f in checked.findings if f.file == current.file]
        lines = {e.mark[0]: e.container for e in proposed.entries.values()}
        located = []
        for f in about:  # what is wrong with a new line is said at its argument: the file is not written yet
            name = lines.get(f.line)
            if name is not None and name in chosen:
                located.append(replace(f, file=where.get(name, name), line=1, col=len(name) + 2))
            else:
                located.append(f)
        errors = errors_in(located) or [
            f for f in errors_in(checked.findings) if f.file != current.file
        ]  # a spec with errors: synth would stop on it, so nothing is recorded
        if errors:
            raise EcsformError(sorted_findings(errors + [f for f in located if f not in errors]))
        changes = [
            (name, before.get(name, ""), image)
            for name, (image, _) in sorted(chosen.items())
            if before.get(name) != image
        ]
        old_bytes = path.read_bytes() if current.exists else None
        written = old_bytes != text.encode()
        if written:
            writer.write_file(path, text.encode())
    return Recorded(root, current.file, changes, written), sorted_findings(located)


def image_set(
    spec: str,
    env: str | None,
    assignments: list[str],
    options: Options,
    reason: str | None = None,
    lock_timeout: float = 5.0,
) -> tuple[list[str], list[Finding]]:
    """`ecsform image set SPEC [--env E] CONTAINER=IMAGE...`: the lines to print and the warnings."""
    require_config(options, "image set")
    chosen = parse_assignments(assignments)
    where = {name: f"{name}={image}" for name, image in chosen.items()}
    variant = one_variant(spec, env)
    if reason is not None and not reason.strip():
        raise EcsformError([_cli(CLI_IMAGE, "--reason is empty", "--reason", "say why, in words")])
    done, warnings = record(
        variant, {k: (v, reason.strip() if reason else None) for k, v in chosen.items()}, options, where, lock_timeout
    )
    return _recorded_lines(done), warnings


def _recorded_lines(done: Recorded) -> list[str]:
    if not done.changes and not done.written:
        return [f"{done.file}: unchanged: root {done.root} already runs these images"]
    lines = [f"{done.file}: {name}: {before or '(none)'} -> {after}" for name, before, after in done.changes]
    if done.written and not done.changes:
        lines.append(f"{done.file}: the images are unchanged; their reasons (or the file's layout) are updated")
    return lines


def image_promote(
    spec: str,
    source: str,
    target: str,
    options: Options,
    containers: list[str] | None = None,
    lock_timeout: float = 5.0,
) -> tuple[list[str], list[Finding]]:
    """`ecsform image promote SPEC --from dev --to prod`: what the `source` root runs (its deployed images, else the
    spec's), recorded for the `target` root, for the containers both have (or `containers`)."""
    config = require_config(options, "image promote")
    if source == target:
        raise EcsformError([_cli(CLI_IMAGE, "--from and --to name the same environment", "--to")])
    found = variants_of(spec)
    by_env = {v.environment: v for v in found}
    problems = []
    for flag, name in (("--from", source), ("--to", target)):
        if name not in by_env:
            from .text import suggest

            known = [e for e in by_env if e]
            close = suggest(name, known)
            problems.append(
                _cli(
                    ENV_UNKNOWN,
                    f"{flag} {name}: the spec has no environment of that name",
                    flag,
                    (f"did you mean {close!r}? " if close else "") + f"its environments: {', '.join(known) or 'none'}",
                )
            )
    if problems:
        raise EcsformError(problems)
    origin, destination = by_env[source], by_env[target]
    runs = _running(origin, images.read(config, planner.root_path(origin)))
    reasons = {n: e.reason for n, e in images.read(config, planner.root_path(origin)).entries.items()}
    theirs = {c["name"] for _, c in images.containers(destination.task)}
    wanted = containers or sorted(n for n in runs if n in theirs)
    missing = [n for n in wanted if n not in runs or n not in theirs]
    if missing:
        raise EcsformError(
            [
                _cli(
                    IMAGES_CONTAINER,
                    f"container {n!r} is not in both environments ({source}: {', '.join(sorted(runs))}; "
                    f"{target}: {', '.join(sorted(theirs))})",
                    "--container",
                )
                for n in missing
            ]
        )
    now = _running(destination, images.read(config, planner.root_path(destination)))
    chosen = {n: (runs[n], reasons.get(n)) for n in wanted if now.get(n) != runs[n]}  # what differs
    where = {n: f"--from {source}" for n in wanted}
    done, warnings = record(destination, chosen, options, where, lock_timeout)
    lines = _recorded_lines(done)
    skipped = sorted(n for n in runs if n not in theirs)
    if skipped and not containers:
        lines.append(f"not promoted (no such container in {target}): {', '.join(skipped)}")
    return lines, warnings


@dataclass(frozen=True)
class Shown:
    root: str
    environment: str | None
    spec: str
    container: str
    image: str
    file: str | None  # the images file and line when deployed, else None (the spec's image)
    line: int | None
    reason: str | None


def image_show(paths: list[str], options: Options) -> tuple[list[Shown], list[Finding]]:
    """`ecsform image show [PATHS]`: what each root runs, per container, and where that is written."""
    config = require_config(options, "image show")
    found, problems = validation.load(paths or validation.project_specs(config), options.env)
    rows: list[Shown] = []
    roots: set[str] = set()
    for v in found:
        if not v.family:
            continue
        root = planner.root_path(v)
        roots.add(root)
        try:
            deployed = images.read(config, root)
        except EcsformError as exc:
            problems += exc.findings
            continue
        for _, c in images.containers(v.task):
            entry = deployed.entries.get(c["name"])
            image = entry.image if entry else c.get("image")
            rows.append(
                Shown(
                    root,
                    v.environment,
                    v.file,
                    c["name"],
                    image if isinstance(image, str) else "",
                    deployed.file if entry else None,
                    entry.mark[0] if entry else None,
                    entry.reason if entry else None,
                )
            )
    if validation.covers_project({v.file for v in found}, config):
        problems += images.orphans(config, roots)
    return sorted(rows, key=lambda r: (r.root, r.container)), sorted_findings(problems)


def record_imported(text: str, spec_file: str, options: Options, lock_timeout: float) -> list[str]:
    """`import --from-aws --out FILE` with an ecsform.yaml: the live images of each root the imported spec makes,
    recorded in their images files, so that adopting a running service keeps what it runs when the spec's image
    is edited later."""
    from .spec.loader import load_text

    lines = []
    spec = specs.split(load_text(text, spec_file), spec_file)
    for variant in specs.variants(spec):
        chosen = {c["name"]: (c["image"], None) for _, c in images.containers(variant.task) if c.get("image")}
        where = {n: spec_file for n in chosen}
        try:
            done, _ = record(variant, chosen, options, where, lock_timeout)
        except EcsformError as exc:
            root = planner.root_path(variant)
            lines.append(
                f"not recorded: the images root {root} runs ({len(errors_in(exc.findings))} error(s): `ecsform "
                f"validate {spec_file}` shows them; then `ecsform image set {spec_file}"
                + (f" --env {variant.environment}" if variant.environment else "")
                + " CONTAINER=IMAGE...`)"
            )
            continue
        if done.written:
            lines.append(f"wrote {done.file}: the images root {done.root} runs")
    return lines


# --- what a root is bound to, and the revision it registered ------------------------------------------------------


@dataclass
class Bound:
    """A root, checked and planned, with its deploy binding (ecsform.yaml's deploy < x-ecsform.deploy)."""

    checked: validation.Checked
    plan: planner.Plan
    binding: Deploy

    @property
    def root(self) -> str:
        return self.plan.root

    def locate(self, f: Finding, options: Options) -> Finding:
        """A finding about the binding (path x-ecsform.deploy.FIELD...) at the place that set FIELD: the spec's
        x-ecsform.deploy, else the environment's deploy block of ecsform.yaml, else its defaults'; any other
        finding at the spec's root (its family)."""
        v = self.checked.variant
        path = f.path
        if len(path) >= 3 and path[:2] == ("x-ecsform", "deploy"):
            field = str(path[2])
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()  # launchType -> launch_type, as the model names it
            ext = self.checked.extension
            spec_sets = ext is not None and ext.deploy is not None and snake in ext.deploy.model_fields_set
            config = options.config
            if not spec_sets and config is not None:
                env = v.environment if v.environment in config.model.environments else None
                layer = config.model.environments[env].deploy if env else None
                base = ("environments", env) if layer is not None and snake in layer.model_fields_set else ("defaults",)
                located = config.finding(f.rule, f.severity, f.message, base + ("deploy",) + tuple(path[2:]), f.hint)
                return replace(located, environment=v.environment)
        return v.locate([f if f.path else replace(f, path=("family",))])[0]


def bound(paths: list[str], options: Options, root: str | None = None) -> list[Bound]:
    """The roots of `paths` (only `root` when given), validated and planned as synth does, with their bindings."""
    pairs = validation.checked_plans(paths, options)
    if options.env is not None:  # a spec without environments has no root in one: it is not chosen
        pairs = [(c, p) for c, p in pairs if p.environment == options.env]
        if not pairs:
            raise EcsformError(
                [
                    _cli(
                        ENV_UNKNOWN,
                        f"no root of these specs is in environment {options.env!r}",
                        "--env",
                        "name an environment the specs' overlays have, or leave out --env",
                    )
                ]
            )
    if root is not None:
        chosen = [(c, p) for c, p in pairs if p.root == root]
        if not chosen:
            from .text import suggest

            known = sorted(p.root for _, p in pairs)
            close = suggest(root, known)
            raise EcsformError(
                [
                    _cli(
                        DEPLOY_ROOT,
                        f"no root {root!r} in these specs",
                        "--root",
                        (f"did you mean {close!r}? " if close else "") + f"roots: {', '.join(known)}",
                    )
                ]
            )
        pairs = chosen
    return [Bound(c, p, _binding(c, p, options)) for c, p in pairs]


def _binding(c: validation.Checked, p: planner.Plan, options: Options, account: str | None = None) -> Deploy:
    """ecsform.yaml's deploy blocks < the spec's x-ecsform.deploy; `account` fills in {accountId} where no target
    names one (the session's)."""
    spec = c.extension.deploy if c.extension is not None else None
    if options.config is None:
        return spec or Deploy()
    return options.config.binding(p.environment, spec, family=p.family, root=p.root, region=p.region, account=account)


def in_account(b: Bound, account: str, region: str, options: Options) -> Bound:
    """The root as the session that reached its account sees it: the target values nothing named at synth (the
    plan's `unknown`, which the applied root read from its data sources) bound to that account and region, and
    its binding read again from them (a cluster ARN with ${target.accountId}, ecsform.yaml's {accountId})."""
    c, p = validation.bound_to(b.checked, b.plan, account, region)
    return Bound(c, p, _binding(c, p, options, account))


def registered_revision(out: Path, root: str) -> str:
    """The revision a root registered: its task_definition_arn output (`terraform output`, in its folder, after
    the apply). Raises DEPLOY-REVISION when the root is not there or has not been applied."""
    import json
    import subprocess

    folder = out / root
    hint = "apply the root first (terraform apply in its folder), or name the revision: --task-definition ARN"
    if not (folder / "main.tf").is_file() and not (folder / "cdk.tf.json").is_file():
        raise EcsformError([_cli(DEPLOY_REVISION, f"no root in {folder.as_posix()}", str(folder), hint)])
    try:
        proc = subprocess.run(
            ["terraform", f"-chdir={folder}", "output", "-json", "-no-color"],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise EcsformError([_cli(DEPLOY_REVISION, f"cannot run terraform output: {exc}", str(folder), hint)]) from None
    if proc.returncode != 0:
        words = [w for w in proc.stderr.strip().splitlines() if w.strip()]
        raise EcsformError(
            [_cli(DEPLOY_REVISION, f"terraform output failed: {' '.join(words[-3:])[:400]}", str(folder), hint)]
        )
    try:
        value = json.loads(proc.stdout or "{}").get("task_definition_arn", {}).get("value")
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str) or not value:
        raise EcsformError(
            [
                _cli(
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
    from . import arns

    parsed = arns.parse_arn(arn)
    family, _, number = (parsed.resource.split("/", 1)[-1] if parsed else "").rpartition(":")
    if parsed is None or parsed.service != "ecs" or not parsed.resource.startswith("task-definition/") or not number:
        return [
            _cli(
                DEPLOY_REVISION,
                f"{arn!r} is not a task definition revision's ARN",
                where,
                "arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION",
            )
        ]
    if family != b.plan.family:
        return [
            _cli(
                DEPLOY_FAMILY,
                f"{short(arn)} is a revision of family {family}, not of {b.plan.family} (root {b.root})",
                where,
                f"name a revision of {b.plan.family}, or the root that registers {family}",
            )
        ]
    if parsed.account != account or parsed.region != region:
        return [
            _cli(
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


def _connect(b: Bound, options: Options, sessions: Any, arn: str, flag: str) -> tuple[Live | None, list[Finding]]:
    """The root's session and its revision described (ACTIVE, of its family, in its account and region)."""
    from .aws import session

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
            return None, [_cli(DEPLOY_REVISION, f"{short(arn)} does not exist in {where} ({exc})", flag)]
        return None, [
            b.locate(session.aws_finding(exc, f"ecs:DescribeTaskDefinition on {arn}", region=aws.region), options)
        ]
    if td.get("status") != "ACTIVE":
        return None, [
            _cli(
                DEPLOY_REVISION,
                f"{short(arn)} is {td.get('status')}: ECS starts no task and updates no service with it",
                flag,
                "apply the root again (it registers a new revision), or name an ACTIVE one",
            )
        ]
    return Live(b, arn, ecs, where, td), []


def _revision_of(b: Bound, out: Path, task_definition: str | None) -> tuple[str, str]:
    """(ARN, where it came from, for findings)."""
    if task_definition is not None:
        return task_definition, "--task-definition"
    return registered_revision(out, b.root), str(out / b.root)


# --- ecsform deploy --------------------------------------------------------------------------------------------


def deploy(
    paths: list[str],
    options: Options,
    say: Callable[[str], None],
    *,
    root: str | None = None,
    out: Path = Path("build"),
    task_definition: str | None = None,
    dry_run: bool = False,
    rollback: bool = False,
    wait: bool = True,
    timeout: float = 600.0,
    interval: float = 10.0,
) -> bool:
    """`ecsform deploy`: every bound service of each root moved to the revision the root registered, waited for
    until ECS says it is done. Returns False when a rollout failed (rolled back with `rollback`). Raises
    EcsformError, changing nothing, when anything is wrong before the first UpdateService."""
    from .aws import deploy as ecs_deploy
    from .aws import session

    roots = bound(paths, options, root)
    if task_definition is not None and len(roots) != 1:
        raise EcsformError(
            [
                _cli(
                    CLI_TASK_DEFINITION,
                    f"--task-definition names one revision, for one root; these specs have {len(roots)}",
                    "--task-definition",
                    "choose the root with --root ROOT (or --env, or one spec)",
                )
            ]
        )
    sessions = session.Sessions(options.region, "deploy")
    problems: list[Finding] = []
    ready: list[tuple[Live, str, dict[str, dict[str, Any]]]] = []
    for b in roots:
        services = list(b.binding.services or [])
        if not services:
            say(
                f"{b.root}: no service is bound to it: nothing to deploy (bind services with x-ecsform.deploy.services "
                "or ecsform.yaml's deploy)"
            )
            continue
        try:
            arn, flag = _revision_of(b, out, task_definition)
        except EcsformError as exc:
            problems += exc.findings
            continue
        live, found = _connect(b, options, sessions, arn, flag)
        problems += found
        if live is None:
            continue
        b = live.bound  # its target values bound in the session's account
        services = list(b.binding.services or [])
        cluster = b.binding.cluster or "default"
        try:
            described, found = ecs_deploy.services(live.ecs, cluster, services, live.where)
        except Exception as exc:
            if not session.is_aws_error(exc):
                raise
            problems.append(b.locate(session.aws_finding(exc, f"ecs:DescribeServices in {cluster}"), options))
            continue
        problems += [b.locate(f, options) for f in found]
        ready.append((live, cluster, described))
    if problems:
        raise EcsformError(sorted_findings(problems))
    ok = True
    for live, cluster, described in ready:
        b = live.bound
        head = f"{b.root}: cluster {cluster} ({live.where})"
        todo = {}
        for name, service in described.items():
            before = ecs_deploy.short((ecs_deploy.primary(service) or {}).get("taskDefinition"))
            if ecs_deploy.stable_on(service, live.arn):
                say(f"{head}: {name} already runs {short(live.arn)}, rollout completed: nothing to do")
            elif dry_run:
                say(f"{head}: would point {name} at {short(live.arn)} (it runs {before}), then wait for the rollout")
            else:
                todo[name] = service
        if dry_run or not todo:
            continue
        try:
            watches = []
            for name, service in todo.items():
                watch = ecs_deploy.start(live.ecs, cluster, service, live.arn)
                say(f"{head}: {name}: {short(watch.previous)} -> {short(live.arn)} (deployment {watch.deployment})")
                watches.append(watch)
            if not wait:
                say(f"{head}: not waiting (--no-wait): the deployments go on in ECS")
                continue
            outcomes = ecs_deploy.wait(live.ecs, watches, timeout, interval, lambda t: say(f"{head}: {t}"))
        except Exception as exc:
            if not session.is_aws_error(exc):
                raise
            raise EcsformError([b.locate(session.aws_finding(exc, f"deploying {b.root} in {cluster}"), options)])
        failed = [w for w in watches if not outcomes[(w.cluster, w.service)].ok]
        for w in watches:
            outcome = outcomes[(w.cluster, w.service)]
            say(f"{head}: {w.service}: {'healthy' if outcome.ok else 'FAILED'}: {outcome.message}")
        if not failed:
            continue
        ok = False
        if rollback:
            _roll_back(live, cluster, watches, head, say, timeout, interval)
        else:
            say(
                f"{head}: the services keep what ECS does now; `ecsform deploy --rollback` points them back at the "
                "revision they ran before"
            )
    return ok


def _roll_back(
    live: Live,
    cluster: str,
    watches: list[Any],
    head: str,
    say: Callable[[str], None],
    timeout: float,
    interval: float,
) -> None:
    """Point every service of the root this run updated back at the revision it ran before (or follow the rollback
    ECS's circuit breaker started), and wait for that."""
    from .aws import deploy as ecs_deploy

    described = ecs_deploy.describe(live.ecs, cluster, [w.service for w in watches])
    back = []
    for w in watches:
        service = described[w.service]
        p = ecs_deploy.primary(service) or {}
        if p.get("taskDefinition") == w.previous and p.get("id") != w.deployment:
            say(
                f"{head}: {w.service}: ECS is rolling back to {short(w.previous)} (deployment {p.get('id')}): waiting for it"
            )
            back.append(ecs_deploy.follow(service, w))
        else:
            watch = ecs_deploy.start(live.ecs, cluster, service, w.previous, previous=w.task_definition)
            say(
                f"{head}: {w.service}: rolling back: {short(w.task_definition)} -> {short(w.previous)} (deployment {watch.deployment})"
            )
            back.append(watch)
    outcomes = ecs_deploy.wait(live.ecs, back, timeout, interval, lambda t: say(f"{head}: {t}"))
    for w in back:
        outcome = outcomes[(w.cluster, w.service)]
        if outcome.ok:
            say(f"{head}: {w.service}: rolled back: runs {short(w.task_definition)} again, service stable")
        else:
            say(f"{head}: {w.service}: the rollback FAILED too: {outcome.message}")


# --- ecsform run -------------------------------------------------------------------------------------------------


def run(
    spec: str,
    env: str | None,
    options: Options,
    say: Callable[[str], None],
    *,
    out: Path = Path("build"),
    task_definition: str | None = None,
    overrides: list[str] | None = None,
    wait: bool = True,
    timeout: float | None = None,
    interval: float = 10.0,
) -> int:
    """`ecsform run`: RunTask with the root's binding, then wait until the task stops; returns the exit code of its
    essential container (0 when started without waiting). Raises EcsformError, starting nothing, on bad input."""
    from .aws import deploy as ecs_deploy
    from .aws import session, tasks

    variant = one_variant(spec, env)
    roots = bound([spec], replace(options, env=variant.environment))
    b = roots[0]
    arn, flag = _revision_of(b, out, task_definition)
    live, problems = _connect(b, options, session.Sessions(options.region, "run"), arn, flag)
    if live is None:
        raise EcsformError(sorted_findings(problems))
    b = live.bound  # its target values bound in the session's account
    td = live.task_definition
    names = [c["name"] for c in td.get("containerDefinitions", [])]
    essential = tasks.essential(td)
    chosen = tasks.parse_overrides(overrides or [], names, essential)
    binding = b.binding
    cluster = binding.cluster or "default"
    problems = []
    try:
        clusters = live.ecs.describe_clusters(clusters=[cluster]).get("clusters", [])
        active = [c for c in clusters if c.get("status") == "ACTIVE"]
        if not active:
            problems.append(b.locate(ecs_deploy.missing_cluster(live.ecs, cluster, live.where), options))
    except Exception as exc:
        if not session.is_aws_error(exc):
            raise
        raise EcsformError([b.locate(session.aws_finding(exc, f"ecs:DescribeClusters on {cluster}"), options)])
    request: dict[str, Any] = {"cluster": cluster, "taskDefinition": arn, "count": 1, "startedBy": tasks.STARTED_BY}
    if binding.launch_type:
        request["launchType"] = binding.launch_type
    elif binding.capacity_provider_strategy:
        request["capacityProviderStrategy"] = [
            {
                k: v
                for k, v in (("capacityProvider", i.capacity_provider), ("weight", i.weight), ("base", i.base))
                if v is not None
            }
            for i in binding.capacity_provider_strategy
        ]
    elif active and not active[0].get("defaultCapacityProviderStrategy"):
        compatible = td.get("requiresCompatibilities") or td.get("compatibilities") or []
        if compatible and "EC2" not in compatible:
            problems.append(
                b.locate(
                    RUN_LAUNCH_TYPE.finding(
                        f"cluster {cluster} has no default capacity provider strategy, so RunTask would use the EC2 "
                        f"launch type, which the task does not support ({', '.join(compatible)})",
                        path=("x-ecsform", "deploy", "launchType"),
                        hint=f"bind a launch type: deploy: {{launchType: {compatible[0]}}} (ecsform.yaml or x-ecsform)",
                        severity=E,
                    ),
                    options,
                )
            )
    if binding.platform_version:
        request["platformVersion"] = binding.platform_version
    if binding.network is not None:
        awsvpc: dict[str, Any] = {"subnets": list(binding.network.subnets)}
        if binding.network.security_groups:
            awsvpc["securityGroups"] = list(binding.network.security_groups)
        if binding.network.assign_public_ip:
            awsvpc["assignPublicIp"] = binding.network.assign_public_ip
        request["networkConfiguration"] = {"awsvpcConfiguration": awsvpc}
    elif td.get("networkMode") == "awsvpc":
        problems.append(
            b.locate(
                RUN_NETWORK.finding(
                    "the task uses the awsvpc network mode: RunTask needs its subnets (and security groups)",
                    path=("x-ecsform", "deploy", "network"),
                    hint="bind them: deploy: {network: {subnets: [subnet-...], securityGroups: [sg-...]}} (ecsform.yaml "
                    "per environment, or x-ecsform)",
                    severity=E,
                ),
                options,
            )
        )
    if problems:
        raise EcsformError(sorted_findings(problems))
    given = tasks.overrides_input(chosen)
    if given:
        request["overrides"] = given
    head = f"{b.root}: cluster {cluster} ({live.where})"
    try:
        response = live.ecs.run_task(**request)
        failures = response.get("failures", [])
        started = response.get("tasks", [])
        if failures or not started:
            for f in failures:
                say(f"{head}: RunTask failed: {f.get('reason')}" + (f" ({f.get('detail')})" if f.get("detail") else ""))
            return 1
        task_arn = started[0]["taskArn"]
        say(f"{head}: started {short(arn)} as task {task_arn.rsplit('/', 1)[-1]}")
        for line in tasks.log_locations(td, task_arn, live.where.rsplit(", ", 1)[-1]):
            say(f"{head}: {line}")
        if not wait:
            return 0
        task = tasks.wait(live.ecs, cluster, task_arn, timeout, interval, lambda t: say(f"{head}: {t}"))
    except Exception as exc:
        if not session.is_aws_error(exc):
            raise
        raise EcsformError([b.locate(session.aws_finding(exc, f"ecs:RunTask in {cluster}"), options)])
    if task is None:
        say(
            f"{head}: the task is still running after {timeout:g} s; it goes on: aws ecs stop-task --cluster "
            f"{cluster} --task {task_arn}"
        )
        return 1
    for line in ecs_deploy.task_lines(task):
        say(f"{head}: {line}")
    code, why = tasks.exit_code(task, essential)
    say(f"{head}: exit code {code}: {why}")
    return code


# --- ecsform revisions prune -------------------------------------------------------------------------------------


def prune(
    paths: list[str],
    options: Options,
    say: Callable[[str], None],
    *,
    keep: int,
    delete: bool = False,
    dry_run: bool = False,
    clusters: list[str] | None = None,
    root: str | None = None,
) -> None:
    """`ecsform revisions prune`: deregister the ACTIVE revisions of each root's family but the newest `keep` and
    those a service of the bound clusters runs; with `delete`, delete the INACTIVE ones no service runs."""
    from .aws import revisions, session

    roots = bound(paths, options, root)
    sessions = session.Sessions(options.region, "revisions prune")
    problems: list[Finding] = []
    work = []
    for b in roots:
        if not (b.binding.cluster or clusters):
            problems.append(
                b.locate(
                    PRUNE_CLUSTER.finding(
                        f"root {b.root} is bound to no cluster: prune cannot see which revisions services run",
                        path=("x-ecsform", "deploy", "cluster"),
                        hint="bind the cluster (deploy: {cluster: NAME} in ecsform.yaml or x-ecsform), or name it: "
                        "--cluster NAME",
                        severity=E,
                    ),
                    options,
                )
            )
            continue
        try:
            aws = sessions.get(session.target_for(b.plan, options), b.root)
        except EcsformError as exc:
            problems += [b.locate(f, options) for f in exc.findings]
            continue
        b = in_account(b, aws.account, aws.region, options)  # its target values bound in the session's account
        work.append((b, aws, [c for c in [b.binding.cluster, *(clusters or [])] if c]))
    if problems:
        raise EcsformError(sorted_findings(problems))
    for b, aws, watched in work:
        ecs = aws.client("ecs")
        head = f"{b.root}: family {b.plan.family} (account {aws.account}, {aws.region})"
        try:
            for cluster in watched:
                if not any(c.get("status") == "ACTIVE" for c in ecs.describe_clusters(clusters=[cluster])["clusters"]):
                    from .aws import deploy as ecs_deploy

                    where = f"account {aws.account}, {aws.region}"
                    raise EcsformError([b.locate(ecs_deploy.missing_cluster(ecs, cluster, where), options)])
            used = revisions.in_use(ecs, watched)
            active = revisions.listed(ecs, b.plan.family, "ACTIVE")
            drop = revisions.to_deregister(active, used, keep)
            for arn in sorted(set(active) - set(drop), key=lambda a: revisions.revision(a)[1]):
                why = f"runs in {', '.join(used[arn])}" if arn in used else f"one of the newest {keep}"
                say(f"{head}: keeps {short(arn)} ({why})")
            verb = "would deregister" if dry_run else "deregisters"
            if not drop:
                say(f"{head}: nothing to deregister ({len(active)} ACTIVE)")
            for arn in drop:
                say(f"{head}: {verb} {short(arn)}")
                if not dry_run:
                    ecs.deregister_task_definition(taskDefinition=arn)
            if delete:
                inactive = [a for a in revisions.listed(ecs, b.plan.family, "INACTIVE") if a not in used]
                if dry_run:
                    inactive = sorted(set(inactive) | set(drop), key=lambda a: revisions.revision(a)[1])
                for arn in inactive:
                    say(f"{head}: {'would delete' if dry_run else 'deletes'} {short(arn)}")
                if not inactive:
                    say(f"{head}: nothing to delete (no INACTIVE revision that no service runs)")
                if inactive and not dry_run:
                    for arn, reason in revisions.delete(ecs, inactive):
                        say(f"{head}: ECS did not delete {short(arn)}: {reason}")
        except EcsformError:
            raise
        except Exception as exc:
            if not session.is_aws_error(exc):
                raise
            raise EcsformError([b.locate(session.aws_finding(exc, f"pruning {b.plan.family}"), options)])
