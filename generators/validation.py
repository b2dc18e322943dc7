"""The flow's first half: specs in, checked variants and their plans out (loader -> model -> rules -> plan).

files   = collect(paths)                      # spec files, sorted
spec    = spec.read(file)                     # loader: nodes with line/column; shorthands rewritten
vars    = spec.variants(spec, env)            # overlays merged: one variant per environment
checked = check(variant, policy, region)      # policy defaults, field checks (botocore model), extension
                                              # model, rules, the plan's own checks; rule settings, ignores
plans   = build_plans(paths, options)         # plan.build(variant) for every variant, when nothing failed

`validate` and `ecsform render` stop here; generators/pipeline.py takes the plans on to the emitters and the writer,
and the CDK constructs (generators/emit/) take one plan each into a CDK app.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from . import arns, declarations, images, permissions, plan_checks, rules
from . import plan as planner
from .declarations import FAMILY_DUPLICATE, Declared
from .errors import Check, EcsformError, Finding, Severity, errors_in, sorted_findings
from .locations import display_path
from .options import Options, vendors
from .rules import Context, suppressions
from .rules import run as run_rules
from .rules.field_checks import check_task
from .spec import document as specs
from .spec import extensions, loader, placeholders, targets
from .spec import policy as policies
from .spec.loader import SPEC_READ, SPEC_SUFFIXES
from .target import Backend, Target

if TYPE_CHECKING:
    from .config import Config


# The findings this module raises (collected by the catalog: generators/rules).
SPEC_NONE = Check("SPEC-NONE", Severity.ERROR, "No spec files were found.")


@dataclass(frozen=True)
class Checked:
    """One variant checked for its deploy target: every finding, and what the plan is built from."""

    variant: specs.Variant
    findings: list[Finding]
    extension: extensions.Extension | None
    # the rules' view of the task (a role named by name as its ARN): what the permissions and verify derive from
    task: dict[str, Any] = field(default_factory=dict)
    target: Target | None = None  # where the variant deploys (ecsform.yaml), None without one
    policy: policies.Policy = policies.DEFAULT  # the policy that applies to this variant (all layers combined)
    # each x-ecsform.ignore entry: its place in the file, and its IGNORE-UNMATCHED warning (None when it matched)
    ignores: list[tuple[tuple[int, int], Finding | None]] = field(default_factory=list)
    chosen: plan_checks.Chosen | None = None  # what the plan's checks chose (None: they did not run, an error)
    source: specs.Variant | None = None  # the variant as written, its target values not bound (verify, diff)
    view: Context | None = None  # the rules' context of `task`, with what it computed (the roles' needs)
    deployed: images.Deployed | None = None  # the root's images file that was applied (with an ecsform.yaml)

    @property
    def region(self) -> str | None:
        """The region the root's provider uses (None until the plan's checks ran)."""
        return self.chosen.region if self.chosen is not None else None


def collect(paths: list[str]) -> tuple[list[Path], list[Finding]]:
    """Spec files named directly, and every .yaml/.yml/.json under named folders, sorted and de-duplicated."""
    files: dict[str, Path] = {}
    problems = []
    cwd = os.getcwd()
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for rel in sorted(_spec_files(os.path.abspath(path))):
                f = path / rel
                files.setdefault(display_path(f, cwd), f)
        elif path.is_file():
            files.setdefault(display_path(path, cwd), path)
        else:
            problems.append(SPEC_READ.finding("no such file or folder", file=p, mark=(1, 1)))
    if not files and not problems:
        problems.append(
            SPEC_NONE.finding("no spec files (.yaml, .yml, .json) found", file=" ".join(paths) or ".", mark=(1, 1))
        )
    return [files[k] for k in sorted(files)], problems


def _spec_files(folder: str, under: str = "") -> Iterator[str]:
    """The spec files below `folder` (paths relative to it), as `Path.rglob("*")` and `is_file` find them: folders
    that are symbolic links are not entered, files that are count, a folder that cannot be read holds none; but
    nothing hidden (a name that starts with a dot, or below one). One scandir per folder, no stat per file: a
    repository of thousands of specs is listed before any of them is read."""
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:  # (unreadable, or gone since it was listed)
        return
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _spec_files(entry.path, f"{under}{name}/")
                continue
            found = os.path.splitext(name)[1].lower() in SPEC_SUFFIXES and entry.is_file()
        except OSError:
            continue
        if found:
            yield f"{under}{name}"


def base_policy(options: Options) -> policies.Policy:
    """The policy below every spec's own x-ecsform.policy: ecsform's defaults < ecsform.yaml's `policy:` <
    --policy FILE. Raises EcsformError on a bad block or file."""
    layers: list[policies.Policy | None] = []
    problems: list[Finding] = []
    config = options.config
    if config is not None and config.policy_node is not None:
        layer, found = policies.from_node(config.policy_node, config.file, ("policy",), catalog=rules)
        layers.append(layer)
        problems += found
    if options.policy:
        layer, found = policies.load_file(options.policy, catalog=rules)
        layers.append(layer)
        problems += found
    if problems:
        raise EcsformError(sorted_findings(problems))
    return policies.combine(*layers)


def check(
    variant: specs.Variant,
    base: policies.Policy | None = None,
    region: str | None = None,
    target: Target | None = None,
    *,
    project: bool = False,
) -> Checked:
    """Every finding about one variant deployed to `target`, in one place for validate and synth: the x-ecsform
    block (its policy layer included), the policy's defaults, the field checks, the rules, and (when those leave no
    error) the checks of what the plan decides; then the policy's rule settings and the spec's suppressions.
    `project`: an ecsform.yaml keeps the root's deployed images (what a placeholder's hint offers)."""
    source = variant
    target = plan_checks.deploy_target(variant, region, target)
    variant, bound, checked_as = plan_checks.bind_targets(variant, region, target)
    ext, ext_findings = extensions.validate(variant.extension, catalog=rules)
    layer = ext.policy if ext is not None else None
    policy = policies.combine(base, layer) if layer is not None or base is None else base
    task = policies.apply_defaults(variant.task, policy)
    if task is not variant.task:  # a default-true level wrote values: the variant is what will be registered
        variant = replace(variant, task=task)
    field_findings, task = check_task(variant.task)
    task = {**task, **checked_as}  # a role named by its name is that role of the target's account (plan: aws_iam_role)
    ctx = Context(
        task, ext, variant.environment, reported=[f.path for f in field_findings], target=target, policy=policy
    )
    found = variant.locate(bound + field_findings + ext_findings)
    found += policies.configure(variant.locate(run_rules(ctx)), policy)
    ignores: list[tuple[tuple[int, int], Finding | None]] = []
    if ext is not None and ext.ignore:
        prefix = (extensions.KEY, suppressions.KEY)
        entries, problems = suppressions.entries(ext.ignore, prefix)
        found, unmatched = suppressions.apply(found + variant.locate(problems), entries, prefix)
        by_index = {f.path[-1]: f for f in variant.locate(unmatched)}
        ignores = [(variant.smap.locate(prefix + (e.index,)), by_index.get(e.index)) for e in entries]
    chosen = None
    if ext is not None and not errors_in(found):  # the plan's checks need a valid task
        chosen_region, more = plan_checks.checks(variant, ext, region, target)
        found += variant.locate(more)
        chosen = plan_checks.Chosen(chosen_region)
    found = placeholders.collapse(found, variant, project)
    written = {targets.shown(a, variant.unknown): variant.task[f] for f, a in checked_as.items()}
    found = [targets.shown_finding(f, variant.unknown, written) for f in found]
    return Checked(variant, found, ext, task, target, policy, ignores, chosen, source, ctx)


def check_deployed(
    variant: specs.Variant,
    base: policies.Policy | None,
    region: str | None,
    target: Target | None,
    config: "Config",
    deployed: images.Deployed | None = None,
) -> Checked:
    """`check` of a variant with the deployed images of its root applied over the spec's (its images file, or
    `deployed` when given: what `image set` is about to write). Findings about a deployed image point at its line
    in the images file."""
    if deployed is None:
        try:
            deployed = images.read(config, planner.root_path(variant))
        except EcsformError as exc:
            c = check(variant, base, region, target, project=True)
            return replace(c, findings=c.findings + [replace(f, environment=variant.environment) for f in exc.findings])
    seen = plan_checks.bind_targets(variant, region, plan_checks.deploy_target(variant, region, target))[0]
    applied, found, replaced = images.apply(variant, deployed, target, seen)
    c = check(applied, base, region, target, project=True)
    return replace(c, findings=images.relocate(c.findings, deployed, replaced) + found, deployed=deployed)


def load(paths: list[str], env: str | None = None) -> tuple[list[specs.Variant], list[Finding]]:
    files, findings = collect(paths)
    variants, more = _load_files(files, env)
    return variants, findings + more


def _load_files(files: list[Path], env: str | None) -> tuple[list[specs.Variant], list[Finding]]:
    variants: list[specs.Variant] = []
    findings: list[Finding] = []
    for f in files:
        more, found = _load_file(f, env)
        variants += more
        findings += found
    return variants, findings


def _load_file(file: Path, env: str | None, data: bytes | None = None) -> tuple[list[specs.Variant], list[Finding]]:
    """One spec file's variants and findings (`data`: its bytes, where the caller has read them)."""
    findings: list[Finding] = []
    try:
        spec = specs.read(file, display_path(file), data)
        findings += spec.notes  # (kept when its variants fail)
        return specs.variants(spec, env), findings
    except EcsformError as exc:
        return [], findings + exc.findings


def check_text(
    text: str,
    file: str = "<spec>",
    env: str | None = None,
    options: Options | None = None,
    target: Target | None = None,
) -> list[Finding]:
    """Every finding for one spec given as text (YAML or JSON), deployed to `target` (else to ecsform.yaml's
    target in `options`), suppressed ones included; for tests and editors."""
    options = options or Options(env=env)
    try:
        variants, notes = _from_text(text, file, options.env)
    except EcsformError as exc:
        return exc.findings
    return _validate_variants(variants, notes, base_policy(options), options, target)[1]


def _from_text(text: str, file: str, env: str | None) -> tuple[list[specs.Variant], list[Finding]]:
    """The variants of one spec given as text, and what reading it noticed (describe output, unset values)."""
    from .spec.loader import load_text

    spec = specs.split(load_text(text, file), file)
    return specs.variants(spec, env), spec.notes


def validate(paths: list[str], options: Options | None = None) -> tuple[list[Checked], list[Finding]]:
    """Load and check every spec; return the checked variants and every finding (sorted)."""
    options = options or Options()
    base = base_policy(options)
    variants, findings = load(paths, options.env)
    return _validate_variants(variants, findings, base, options)


def _validate_variants(
    variants: list[specs.Variant],
    findings: list[Finding],
    base: policies.Policy,
    options: Options,
    target: Target | None = None,
) -> tuple[list[Checked], list[Finding]]:
    checked, found, declared = _check_variants(variants, base, options.region, options.config, target)
    return checked, sorted_findings(
        findings + found + cross_spec(declared, options.config, options.env) + in_vendored(declared, options)
    )


def _check_variants(
    variants: list[specs.Variant],
    base: policies.Policy,
    region: str | None,
    config: "Config | None" = None,
    target: Target | None = None,
) -> tuple[list[Checked], list[Finding], list[Declared]]:
    """Check each variant for its deploy target: ecsform.yaml's for its environment, else `target`; with an
    ecsform.yaml, with the deployed images of its root applied (generators/images.py)."""
    checked = [
        check_deployed(v, base, region, config.target(v.environment), config)
        if config
        else check(v, base, region, target)
        for v in variants
    ]
    found = [f for c in checked for f in c.findings] + _unmatched_ignores(checked)
    declared = [d for c in checked if (d := _declared(c))]
    if config is not None:
        found += [f for v in variants for f in config.undeclared(v)]
        for i, d in enumerate(declared):
            c = next(c for c in checked if c.variant.file == d.file and c.variant.environment == d.environment)
            if not errors_in(c.findings):
                backend, more = _backend(c, config)
                found += more
                declared[i] = replace(d, state=(planner.root_path(c.variant), c.variant.environment, backend))
    return checked, found, declared


def _backend(c: Checked, config: "Config") -> tuple[Backend, list[Finding]]:
    """The state backend of a checked variant's root (ecsform.yaml), and its problems."""
    v, accounts = c.variant, [a for a in arns.implied_accounts(c.task) if a not in c.variant.unknown]
    return config.backend(
        root=planner.root_path(v),
        family=v.family,
        environment=v.environment,
        target=c.target,
        region=c.region,
        accounts=accounts,
    )


def _unmatched_ignores(checked: list[Checked]) -> list[Finding]:
    """IGNORE-UNMATCHED for each x-ecsform.ignore entry that matched nothing in every variant that has it. When only
    some environments of a spec were checked (--env), an entry may be meant for another one: nothing is said."""
    by_file: dict[str, list[Checked]] = {}
    for c in checked:
        by_file.setdefault(c.variant.file, []).append(c)
    out = []
    for group in by_file.values():
        if len(group) != max(1, len(group[0].variant.spec.environments)):
            continue
        states: dict[tuple[int, int], list[Finding | None]] = {}
        for c in group:
            for where, unmatched in c.ignores:
                states.setdefault(where, []).append(unmatched)
        for found in states.values():
            if all(f is not None for f in found):
                first = found[0]
                assert first is not None
                out.append(replace(first, environment=None) if len(found) > 1 else first)
    return out


# Below this many files per process, forking costs more than it saves.
MIN_FILES_PER_JOB = 50


def validate_findings(paths: list[str], options: Options | None = None) -> list[Finding]:
    """What `validate` finds, without the checked variants (the validate command). Many files are loaded and
    checked by one forked process per core (ECSFORM_JOBS sets how many): the findings are the same, sorted."""
    options = options or Options()
    base = base_policy(options)
    files, findings = collect(paths)
    jobs = min(job_count(options), len(files) // MIN_FILES_PER_JOB) if len(files) >= 2 * MIN_FILES_PER_JOB else 1
    if jobs < 2:
        parts = [_check_files(files, options.env, base, options.region, options.config)]
    else:
        size = -(-len(files) // jobs)  # contiguous chunks keep the files' order for the check across specs
        chunks = [
            (files[i : i + size], options.env, base, options.region, options.config) for i in range(0, len(files), size)
        ]
        import gc
        import multiprocessing  # (only where there are processes to start: start-up is most of a small run)

        loader.before_fork(files)
        gc.freeze()  # what is loaded by now (main.py loads this module lazily) stays out of the workers' collector
        with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
            # (after the fork; the workers read their chunks side by side: the files in turn from each chunk)
            read_ahead([f for row in itertools.zip_longest(*(c[0] for c in chunks)) for f in row if f is not None])
            parts = pool.starmap(_check_files, chunks)
    declared: list[Declared] = []
    for found, roots in parts:
        findings.extend(found)
        declared.extend(roots)
    return sorted_findings(
        findings + cross_spec(declared, options.config, options.env) + in_vendored(declared, options)
    )


def read_ahead(files: list[Path]) -> None:
    """Ask the kernel for the spec files the workers are about to read, in their order, from a thread of this
    process (which mostly waits for the workers' results): where the files' inodes and pages are not cached (a new
    CI runner's disk, a network file system, memory reclaimed), the waits happen here, ahead of the workers, instead
    of in them, one file after another (as git's core.preloadIndex does for its stats)."""
    import threading

    advise = getattr(os, "posix_fadvise", None)  # (not on macOS: there the workers read as they go)
    if advise is None:
        return

    def run() -> None:
        for f in files:
            try:  # (O_NONBLOCK: a FIFO named like a spec does not hold the thread)
                fd = os.open(f, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
            except OSError:
                continue  # (the loader reports it)
            try:
                advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
            except OSError:
                pass
            finally:
                os.close(fd)

    threading.Thread(target=run, name="ecsform-read-ahead", daemon=True).start()


def job_count(options: Options | None = None) -> int:
    """How many processes may check (and synth: render) specs: --jobs, else ECSFORM_JOBS, else the cores this
    process may run on; 1 where processes cannot be forked."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if options is not None and options.jobs:
        return max(1, options.jobs)
    configured = os.environ.get("ECSFORM_JOBS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _check_files(
    files: list[Path], env: str | None, base: policies.Policy, region: str | None, config: "Config | None" = None
) -> tuple[list[Finding], list[Declared]]:
    """Load and check some files: their findings and the families they declare (what a worker sends back)."""
    variants, findings = _load_files(files, env)
    _, found, declared = _check_variants(variants, base, region, config)
    return findings + found, declared


def check_file(
    file: Path,
    env: str | None,
    base: policies.Policy,
    region: str | None,
    config: "Config | None" = None,
    data: bytes | None = None,
) -> tuple[list[Checked], list[Finding], list[Declared]]:
    """Load and check one spec file (what synth does for each file, in whichever process): its checked variants,
    its findings (those of its suppressions included) and the families it declares, for `cross_spec`. `data`: the
    file's bytes, where the caller has read them (the render cache's key is made of them)."""
    variants, findings = _load_file(file, env, data)
    checked, found, declared = _check_variants(variants, base, region, config)
    return checked, findings + found, declared


def _declared(c: Checked) -> Declared | None:
    v = c.variant
    if not v.family:
        return None
    where = f"{v.file}" + (f" (environment {v.environment})" if v.environment else "")
    duplicate = FAMILY_DUPLICATE.finding(
        "", path=("family",), hint="each root registers its own family; rename one of them"
    )
    account = c.target.account_id if c.target else None
    return Declared(
        v.family,
        where,
        v.locate([duplicate])[0],
        v.file,
        v.environment,
        account=account,
        region=c.region,
        root=planner.root_path(v),
    )


def cross_spec(declared: list[Declared], config: "Config | None" = None, env: str | None = None) -> list[Finding]:
    """Across roots: generators/declarations.py's checks, no shared state; with every spec of the project read
    (every environment), no images file naming a root none of them produces."""
    problems = declarations.across(declared)
    if config is not None:
        problems += config.shared_state(d.state for d in declared if d.state is not None)
        if env is None and covers_project({d.file for d in declared}, config):
            problems += images.orphans(config, {d.root for d in declared})
    return problems


def in_vendored(declared: list[Declared], options: Options) -> list[Finding]:
    """ROOT-NESTED at each root in OUT/modules, where synth copies the modules (generators/options.py `vendors`)."""
    return declarations.in_vendored(declared, any(vendors(options, d.environment) for d in declared))


def project_specs(config: "Config") -> list[str]:
    """The specs of the project an ecsform.yaml holds: its ci.specs (default specs/), relative to it."""
    return [str(config.folder / s) for s in (config.model.ci.specs if config.model.ci else ["specs"])]


def covers_project(spec_files: set[str], config: "Config") -> bool:
    """True when a run read every spec of the project (then an images file no root of it claims is an orphan;
    a run over some specs cannot tell)."""
    files, problems = collect(project_specs(config))
    return not problems and bool(files) and {display_path(f) for f in files} <= spec_files


def failing(findings: list[Finding], strict: bool) -> bool:
    """True when a run stops: an error, or with --strict any warning (suppressed findings and notes never count)."""
    return bool(errors_in(findings)) or (
        strict and any(f.suppressed is None and f.severity is not Severity.NOTE for f in findings)
    )


def build_plans(paths: list[str], options: Options) -> tuple[list[planner.Plan], list[Finding]]:
    """Validate everything, then plan every variant. Raises EcsformError when anything fails."""
    checked, findings = validate(paths, options)
    return plan_checked(checked, findings, options)


def build_plans_from_text(text: str, file: str, options: Options) -> tuple[list[planner.Plan], list[Finding]]:
    """`build_plans` for one spec given as text (YAML or JSON), e.g. a spec mapping a CDK app builds in code."""
    base = base_policy(options)
    try:
        variants, notes = _from_text(text, file, options.env)
    except EcsformError as exc:
        raise EcsformError(sorted_findings(exc.findings)) from None
    checked, findings = _validate_variants(variants, notes, base, options)
    return plan_checked(checked, findings, options)


def plan_checked(
    checked: list[Checked], findings: list[Finding], options: Options
) -> tuple[list[planner.Plan], list[Finding]]:
    if failing(findings, options.strict):
        raise EcsformError(findings)
    return plan_each(checked, options), findings


def plan_each(checked: list[Checked], options: Options) -> list[planner.Plan]:
    """The complete plan of each checked variant (none has errors; validate reported the backends' problems)."""
    return [_plan(c, options) for c in checked]  # build's findings: those check() reported (plan_checks.checks)


def _plan(c: Checked, options: Options) -> planner.Plan:
    config = options.config
    return planner.build(
        c.variant,
        c.extension,
        region=options.region,
        target=c.target,
        policy=c.policy,
        permissions=permissions.derive(c.task, c.extension, c.variant.environment, c.target, c.view),
        backend=_backend(c, config)[0] if config is not None else None,
        images_file=c.deployed.file if c.deployed is not None and c.deployed.exists else None,
        provider_version=config.provider_version if config is not None else None,
        read_only=options.plan_role and config is not None,
        chosen=c.chosen,
    )[0]


def bound_to(c: Checked, p: planner.Plan, account: str, region: str) -> tuple[Checked, planner.Plan]:
    """A checked variant and its plan with the target values no target named (Terraform's to resolve: the plan's
    `unknown`) bound to the account and region a session reached (verify, diff); `p`'s target and permissions kept."""
    if not p.unknown or c.source is None:
        return c, p
    target = replace(c.target or Target(environment=c.variant.environment), account_id=account, region=region)
    bound = replace(check(c.source, c.policy, region, target), deployed=c.deployed)  # the source holds the images
    plan = planner.build(
        bound.variant,
        bound.extension,
        region=region,
        target=bound.target,
        policy=bound.policy,
        permissions=p.permissions,
        backend=p.backend,
        images_file=p.images_file,
        provider_version=p.provider_version,
        chosen=bound.chosen,
    )[0]
    return bound, replace(plan, target=p.target, permissions=p.permissions)


def checked_plans(paths: list[str], options: Options) -> list[tuple[Checked, planner.Plan]]:
    """Validate and plan every variant, keeping each plan with what it was checked from. Raises EcsformError
    when a spec has errors; the spec's warnings are validate's to report."""
    checked, findings = validate(paths, options)
    plans, _ = plan_checked(checked, findings, replace(options, strict=False))
    return list(zip(checked, plans))
