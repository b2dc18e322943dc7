"""The flow, in one visible place: loader -> model -> rules -> plan -> emitters -> writer.

files  = collect(paths)                       # spec files, sorted
spec   = spec.read(file)                      # loader: nodes with line/column; shorthands rewritten
vars   = spec.variants(spec, env)             # overlays merged: one variant per environment
found  = check(variant, policy, region)       # policy defaults, field checks (botocore model), extension
                                              # model, rules, the plan's own checks; rule settings, ignores
plan   = plan.build(variant)                  # canonical task definition + module inputs
files  = emit.<engine>.render(plan, source)   # Terraform root
writer.write_tree(out, files, manifest)       # under the output's lock; only what changed, all or nothing
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from . import extensions, permissions, suppressions
from . import plan as planner
from . import policy as policies
from . import spec as specs
from .errors import EcsformError, Finding, Severity, errors_in, sorted_findings
from .loader import SPEC_SUFFIXES
from .root import relative_source
from .rules import Context
from .rules import run as run_rules
from .rules.fields import check_task
from .target import Backend, Target

if TYPE_CHECKING:
    from .config import Config

REPO = Path(__file__).resolve().parent.parent


def _modules() -> Path:
    """The Terraform modules roots call: the copy an installed wheel carries (generators/modules, written by
    setup.py's build step), else the checkout's modules/ beside generators/."""
    packaged = Path(__file__).resolve().parent / "modules"
    return packaged if packaged.is_dir() else REPO / "modules"


MODULES = _modules()
ENGINES = ("hcl", "cdk")


@dataclass
class Options:
    env: str | None = None
    region: str | None = None
    engine: str = "hcl"
    module_source: str | None = None  # default: relative path from each root to modules/
    strict: bool = False
    config: "Config | None" = None  # ecsform.yaml (generators/config.py): targets and state of the roots
    role_arn: str | None = None  # verify, diff, synth --adopt: assume this role (until ecsform.yaml names one)
    adopt: bool = False  # synth --adopt: imports.tf for what the account already has
    lock_timeout: float | None = None  # seconds synth waits for another run's lock on --out (None: the default)
    prune: bool = False  # remove roots no spec produces any more even when they hold files ecsform did not write
    force: bool = False  # ... and even when they hold Terraform state
    on_wait: Callable[[str], None] | None = None  # told once when synth waits for another run's lock
    policy: str | None = None  # --policy FILE


@dataclass
class Checked:
    variant: specs.Variant
    findings: list[Finding]
    extension: extensions.Extension | None
    task: dict[str, Any] = field(default_factory=dict)  # well-typed task the rules saw
    target: Target | None = None  # where the variant deploys (ecsform.yaml), None without one
    policy: policies.Policy = policies.DEFAULT  # the policy that applies to this variant (all layers combined)
    # each x-ecsform.ignore entry: its place in the file, and its IGNORE-UNMATCHED warning (None when it matched)
    ignores: list[tuple[tuple[int, int], Finding | None]] = field(default_factory=list)
    region: str | None = None  # the region the root's provider uses (None until the plan's checks ran)


def display_path(path: Path) -> str:
    """The path as messages and manifest.json show it: relative to the working folder when under it."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return Path(os.path.relpath(absolute, cwd)).as_posix()
    return Path(absolute).as_posix()


def collect(paths: list[str]) -> tuple[list[Path], list[Finding]]:
    """Spec files named directly, and every .yaml/.yml/.json under named folders, sorted and de-duplicated."""
    files: dict[str, Path] = {}
    problems = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if (
                    f.is_file()
                    and f.suffix.lower() in SPEC_SUFFIXES
                    and not any(part.startswith(".") for part in f.relative_to(path).parts)
                ):
                    files.setdefault(display_path(f), f)
        elif path.is_file():
            files.setdefault(display_path(path), path)
        else:
            problems.append(Finding("SPEC-READ", Severity.ERROR, "no such file or folder", file=p, line=1, col=1))
    if not files and not problems:
        problems.append(
            Finding(
                "SPEC-NONE",
                Severity.ERROR,
                "no spec files (.yaml, .yml, .json) found",
                file=" ".join(paths) or ".",
                line=1,
                col=1,
            )
        )
    return [files[k] for k in sorted(files)], problems


def base_policy(options: Options) -> policies.Policy:
    """The policy below every spec's own x-ecsform.policy: ecsform's defaults < ecsform.yaml's `policy:` <
    --policy FILE. Raises EcsformError on a bad block or file."""
    layers: list[policies.Policy | None] = []
    problems: list[Finding] = []
    config = options.config
    if config is not None and config.policy_node is not None:
        layer, found = policies.from_node(config.policy_node, config.file, ("policy",))
        layers.append(layer)
        problems += found
    if options.policy:
        layer, found = policies.load_file(options.policy)
        layers.append(layer)
        problems += found
    if problems:
        raise EcsformError(sorted_findings(problems))
    return policies.combine(*layers)


def check(
    variant: specs.Variant, base: policies.Policy | None = None, region: str | None = None, target: Target | None = None
) -> Checked:
    """Every finding about one variant deployed to `target`, in one place for validate and synth: the x-ecsform
    block (its policy layer included), the policy's defaults, the field checks, the rules, and (when those leave no
    error) the checks of what the plan decides; then the policy's rule settings and the spec's suppressions."""
    ext, ext_findings = extensions.validate(variant.extension)
    layer = ext.policy if ext is not None else None
    policy = policies.combine(base, layer) if layer is not None or base is None else base
    task = policies.apply_defaults(variant.task, policy)
    if task is not variant.task:  # a default-true level wrote values: the variant is what will be registered
        variant = replace(variant, task=task)
    field_findings, task = check_task(variant.task)
    ctx = Context(
        task, ext, variant.environment, reported=[f.path for f in field_findings], target=target, policy=policy
    )
    found = variant.locate(field_findings + ext_findings)
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
        chosen, more = planner.checks(variant, ext, region, target)
        found += variant.locate(more)
    return Checked(variant, found, ext, task, target, policy, ignores, chosen)


def load(paths: list[str], env: str | None = None) -> tuple[list[specs.Variant], list[Finding]]:
    files, findings = collect(paths)
    variants, more = _load_files(files, env)
    return variants, findings + more


def _load_files(files: list[Path], env: str | None) -> tuple[list[specs.Variant], list[Finding]]:
    variants: list[specs.Variant] = []
    findings: list[Finding] = []
    for f in files:
        try:
            spec = specs.read(f, display_path(f))
            variants.extend(specs.variants(spec, env))
        except EcsformError as exc:
            findings.extend(exc.findings)
    return variants, findings


def check_text(
    text: str,
    file: str = "<spec>",
    env: str | None = None,
    options: Options | None = None,
    target: Target | None = None,
) -> list[Finding]:
    """Every finding for one spec given as text (YAML or JSON), deployed to `target` (else to ecsform.yaml's
    target in `options`), suppressed ones included; for tests and editors."""
    from .loader import load_text

    options = options or Options(env=env)
    try:
        spec = specs.split(load_text(text, file), file)
        variants = specs.variants(spec, options.env)
    except EcsformError as exc:
        return exc.findings
    return _validate_variants(variants, [], base_policy(options), options, target)[1]


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
    return checked, sorted_findings(findings + found + _cross_spec(declared, options.config))


def _check_variants(
    variants: list[specs.Variant],
    base: policies.Policy,
    region: str | None,
    config: "Config | None" = None,
    target: Target | None = None,
) -> tuple[list[Checked], list[Finding], list[Declared]]:
    """Check each variant for its deploy target: ecsform.yaml's for its environment, else `target`."""
    checked = [check(v, base, region, config.target(v.environment) if config else target) for v in variants]
    found = [f for c in checked for f in c.findings] + _unmatched_ignores(checked)
    declared = [d for c in checked if (d := _declared(c))]
    if config is not None:
        found += [f for v in variants for f in config.undeclared(v)]
        for i, d in enumerate(declared):
            c = next(c for c in checked if c.variant.file == d.file and c.variant.environment == d.environment)
            if not errors_in(c.findings):
                backend, more = config.backend(
                    root=planner.root_path(c.variant),
                    family=c.variant.family,
                    environment=c.variant.environment,
                    target=c.target,
                    region=c.region,
                )
                found += more
                declared[i] = replace(d, state=(planner.root_path(c.variant), c.variant.environment, backend))
    return checked, found, declared


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
    jobs = min(_jobs(), len(files) // MIN_FILES_PER_JOB)
    if jobs < 2:
        parts = [_check_files(files, options.env, base, options.region, options.config)]
    else:
        size = -(-len(files) // jobs)  # contiguous chunks keep the files' order for the check across specs
        chunks = [
            (files[i : i + size], options.env, base, options.region, options.config) for i in range(0, len(files), size)
        ]
        with multiprocessing.get_context("fork").Pool(len(chunks)) as pool:
            parts = pool.starmap(_check_files, chunks)
    declared: list[Declared] = []
    for found, roots in parts:
        findings.extend(found)
        declared.extend(roots)
    return sorted_findings(findings + _cross_spec(declared, options.config))


def _jobs() -> int:
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
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


@dataclass(frozen=True)
class Declared:
    """A family a root registers, where it is written, and the finding that reports it declared twice."""

    family: str
    where: str
    duplicate: Finding  # located at the variant's family; the message is written when a second one turns up
    file: str = ""
    environment: str | None = None
    state: "tuple[str, str | None, Backend] | None" = None  # (root, environment, backend) with an ecsform.yaml


def _declared(c: Checked) -> Declared | None:
    v = c.variant
    if not v.family:
        return None
    where = f"{v.file}" + (f" (environment {v.environment})" if v.environment else "")
    duplicate = Finding(
        "FAMILY-DUPLICATE", Severity.ERROR, "", ("family",), "each root registers its own family; rename one of them"
    )
    return Declared(v.family, where, v.locate([duplicate])[0], v.file, v.environment)


def _cross_spec(declared: list[Declared], config: "Config | None" = None) -> list[Finding]:
    """Two roots may not register the same family, nor keep their state in the same place."""
    seen: dict[str, Declared] = {}
    problems = []
    for d in declared:
        if d.family in seen:
            message = f"family {d.family!r} is also declared by {seen[d.family].where}"
            problems.append(replace(d.duplicate, message=message))
        else:
            seen[d.family] = d
    if config is not None:
        problems += config.shared_state(d.state for d in declared if d.state is not None)
    return problems


def failing(findings: list[Finding], strict: bool) -> bool:
    """True when a run stops: an error, or with --strict any finding (suppressed ones never count)."""
    return bool(errors_in(findings)) or (strict and any(f.suppressed is None for f in findings))


def build_plans(paths: list[str], options: Options) -> tuple[list[planner.Plan], list[Finding]]:
    """Validate everything, then plan every variant. Raises EcsformError when anything fails."""
    checked, findings = validate(paths, options)
    return _plan_checked(checked, findings, options)


def build_plans_from_text(text: str, file: str, options: Options) -> tuple[list[planner.Plan], list[Finding]]:
    """`build_plans` for one spec given as text (YAML or JSON), e.g. a spec mapping a CDK app builds in code."""
    from .loader import load_text

    base = base_policy(options)
    try:
        variants = specs.variants(specs.split(load_text(text, file), file), options.env)
    except EcsformError as exc:
        raise EcsformError(sorted_findings(exc.findings)) from None
    checked, findings = _validate_variants(variants, [], base, options)
    return _plan_checked(checked, findings, options)


def _plan_checked(
    checked: list[Checked], findings: list[Finding], options: Options
) -> tuple[list[planner.Plan], list[Finding]]:
    if failing(findings, options.strict):
        raise EcsformError(findings)
    # check() ran the plan's own checks (planner.checks) already: what build finds again is the same
    plans = [
        planner.build(c.variant, c.extension, region=options.region, target=c.target, policy=c.policy)[0]
        for c in checked
    ]
    for c, p in zip(checked, plans):  # the roles' permissions, for each root's README.md
        p.permissions = permissions.derive(c.task, c.extension, c.variant.environment, c.target)
    if options.config is not None:  # validate reported the backends' problems (CONFIG-PLACEHOLDER, -STATE-SHARED)
        for p in plans:
            p.backend = options.config.backend(
                root=p.root, family=p.family, environment=p.environment, target=p.target, region=p.region
            )[0]
    return plans, findings


def module_address(base: str, module: str) -> str:
    """One module under a --module-source base (a folder, git URL or registry address; a `?query` stays last)."""
    head, sep, query = base.partition("?")
    return head.rstrip("/") + "/" + module + sep + query


def module_source(
    out: Path, root: str, options: Options, module: str = "ecs-task-definition", *, environment: str | None = None
) -> str:
    """Where a root at OUT/root finds one of the modules: a relative path, or under --module-source."""
    return module_source_from((out / root).absolute(), options, module, environment)


def module_source_from(folder: Path, options: Options, module: str, environment: str | None = None) -> str:
    """Where a root in `folder` finds one of the modules: under --module-source, else under ecsform.yaml's
    moduleSource (of the root's environment, else the defaults), else the relative path to this checkout's modules/."""
    if options.module_source:
        return module_address(options.module_source, module)
    configured = options.config.module_source(environment) if options.config is not None else None
    if isinstance(configured, str):
        return module_address(configured, module)
    return relative_source((configured or MODULES) / module, folder)


def synth(paths: list[str], out: str | Path, options: Options | None = None) -> tuple[dict[str, Any], list[Finding]]:
    """Write one Terraform root per variant under `out`, plus manifest.json. Returns (manifest, warnings)."""
    from . import writer

    options = options or Options()
    files, manifest, findings = synth_tree(paths, out, options)
    timeout = writer.DEFAULT_LOCK_TIMEOUT if options.lock_timeout is None else options.lock_timeout
    with writer.output_lock(out, timeout, parents=True, on_wait=options.on_wait):
        result = writer.write_tree(out, files, manifest, prune=options.prune, force=options.force)
    return result.manifest, sorted_findings(findings + result.findings)


def synth_check(paths: list[str], out: str | Path, options: Options | None = None) -> tuple[Any, list[Finding]]:
    """`synth --check`: what synth would change in `out` (writer.Changes: roots missing, stale, extra), writing
    nothing; read under the output's shared lock, so that a synth at work is never seen half done."""
    from . import writer

    options = options or Options()
    files, manifest, findings = synth_tree(paths, out, options)
    timeout = writer.DEFAULT_LOCK_TIMEOUT if options.lock_timeout is None else options.lock_timeout
    with writer.output_lock(out, timeout, shared=True, on_wait=options.on_wait):
        return writer.changes(out, files, manifest), findings


def synth_tree(
    paths: list[str], out: str | Path, options: Options | None = None
) -> tuple[dict[str, bytes], dict[str, Any], list[Finding]]:
    """What synth writes under `out`, without writing it: the roots' files (relative path -> bytes), the manifest
    ("roots") and the warnings. `writer.changes(out, files, manifest)` compares them with the disk."""
    options = options or Options()
    out = Path(out)
    validated, found = validate(paths, options)
    plans, findings = _plan_checked(validated, found, options)
    checked = {(p.file, p.environment): p for p in plans}
    adopted = _adopt(plans, [c.variant for c in validated], options) if options.adopt else {}
    files: dict[str, bytes] = {}
    roots = []
    digests: dict[Path, bytes] = {}  # each module folder's files, read once per run
    for key in sorted(checked, key=lambda k: (k[0], k[1] or "")):
        p = checked[key]
        variant_root = p.root
        called: dict[str, tuple[str, Path | None]] = {}  # module -> its source and folder, as the emitter asks

        def source(
            module: str,
            root: str = variant_root,
            environment: str | None = p.target.environment if p.target else None,
            called: dict[str, tuple[str, Path | None]] = called,
        ) -> str:
            text = module_source(out, root, options, module, environment=environment)
            called[module] = (text, module_folder(out / root, text, options, module, environment))
            return text

        rendered = _render(p, source, options.engine)
        if key in adopted:
            rendered["imports.tf"] = adopted[key]
        encoded = {name: rendered[name].encode() for name in sorted(rendered)}
        for name, content in encoded.items():
            files[f"{variant_root}/{name}"] = content
        local = sorted((text, folder) for text, folder in called.values() if folder is not None)
        modules = [text for text, _ in local]
        roots.append(
            {
                "family": p.family,
                "environment": p.environment,
                "path": variant_root,
                "engine": options.engine,
                "spec": p.file,
                "files": sorted(rendered),
                **_config_used(options.config, p),
                "modules": modules,
                "hash": root_hash(encoded, local, digests),
                **_deployment(p),
            }
        )
    _check_nesting(roots)
    return files, {"roots": roots}, findings


def _is_local_source(source: str) -> bool:
    """A module source that is a folder on this machine (what Terraform reads as a local path)."""
    return source.startswith("./") or source.startswith("../")


def module_folder(
    folder: Path, source: str, options: Options, module: str, environment: str | None = None
) -> Path | None:
    """The folder on this machine of a module a root in `folder` calls by `source` (None for a module address)."""
    if not _is_local_source(source):
        return None
    configured = options.config.module_source(environment) if options.config is not None else None
    if options.module_source or isinstance(configured, str):
        return Path(os.path.normpath(folder.absolute() / source))
    return (configured or MODULES) / module


def _config_used(config: "Config | None", p: planner.Plan) -> dict[str, Any]:
    """manifest.json's `config` of a root: the ecsform.yaml and the entries of it that shaped the root (only with
    an ecsform.yaml, like `target` and `state`)."""
    if config is None:
        return {}
    present = set(config.root.value) if config.root.is_map else set()
    entries = [key for key in ("defaults",) if key in present]
    environment = p.target.environment if p.target else None
    if environment is not None and environment in config.model.environments:
        entries.append(f"environments.{environment}")
    entries += [key for key in ("backend", "policy") if key in present]
    return {"config": {"file": config.file, "entries": entries}}


def _module_digest(folder: Path, cache: dict[Path, bytes]) -> bytes:
    """sha256 over a module folder's files (every file below it, hidden ones such as .terraform/ aside), each as its
    path relative to the folder and its bytes, in sorted order; computed once per folder and `cache` (one run)."""
    if folder not in cache:
        import hashlib

        digest = hashlib.sha256()
        found = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in filenames:
                if not name.startswith("."):
                    path = Path(dirpath) / name
                    found.append((path.relative_to(folder).as_posix(), path))
        for rel, path in sorted(found):
            data = path.read_bytes()
            digest.update(f"{rel}\0{len(data)}\0".encode())
            digest.update(data)
        cache[folder] = digest.digest()
    return cache[folder]


def root_hash(files: dict[str, bytes], modules: list[tuple[str, Path]], cache: dict[Path, bytes] | None = None) -> str:
    """manifest.json's `hash` of a root: sha256 over its files (name, length, bytes, in sorted order), then each
    local module it calls (its source as the root writes it, and the digest of the module folder's files)."""
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"file\0{name}\0{len(files[name])}\0".encode())
        digest.update(files[name])
    for source, folder in sorted(modules):
        digest.update(f"module\0{source}\0".encode())
        digest.update(_module_digest(folder, {} if cache is None else cache) if folder.is_dir() else b"missing")
    return "sha256:" + digest.hexdigest()


def _deployment(p: planner.Plan) -> dict[str, Any]:
    """What manifest.json says of a root's target and state (only with an ecsform.yaml: otherwise nothing, so the
    manifest stays as it was)."""
    if p.target is None:
        return {}
    t = p.target
    target = {"environment": t.environment, "accountId": t.account_id, "region": p.region, "roleArn": t.role_arn}
    out: dict[str, Any] = {"target": {k: v for k, v in target.items() if v is not None}}
    if p.backend is not None:  # the backend's arguments by their Terraform names: what -backend-config takes
        state: dict[str, Any] = {"backend": p.backend.type, **dict(p.backend.arguments)}
        if p.backend.assume_role:
            state["assume_role"] = dict(p.backend.assume_role)
        if p.backend.partial:
            state["partial"] = True
        out["state"] = state
    return out


def _adopt(
    plans: list[planner.Plan], variants: list[specs.Variant], options: Options
) -> dict[tuple[str, str | None], str]:
    """synth --adopt: imports.tf text per root that would create what its target account already has."""
    from .aws import adopt, session
    from .emit.hcl import header

    sessions = session.Sessions(options.region)
    out: dict[tuple[str, str | None], str] = {}
    problems: list[Finding] = []
    located = {(v.file, v.environment): v for v in variants}
    for p in plans:
        try:
            aws = sessions.get(session.target_for(p, options), p.root)
            found = adopt.existing(aws, p)
        except EcsformError as exc:
            problems += located[(p.file, p.environment)].locate(exc.findings)
            continue
        if found:
            out[(p.file, p.environment)] = adopt.imports_tf(found, header(p), aws.account, aws.region)
    if problems:
        raise EcsformError(sorted_findings(problems))
    return out


def checked_plans(paths: list[str], options: Options) -> list[tuple[Checked, planner.Plan]]:
    """Validate and plan every variant, keeping each plan with what it was checked from. Raises EcsformError
    when a spec has errors; the spec's warnings are validate's to report."""
    checked, findings = validate(paths, options)
    plans, _ = _plan_checked(checked, findings, replace(options, strict=False))
    return list(zip(checked, plans))


def adopt_command(p: planner.Plan, options: Options) -> str:
    """The exact `synth --adopt` command for one root (what verify prints when something exists already)."""
    import shlex

    from . import config

    args = ["python", "main.py", "synth", p.file, "--adopt"]
    for flag, value in (("--env", p.environment), ("--region", options.region), ("--role-arn", options.role_arn)):
        if value:
            args += [flag, value]
    found = config.discover()  # the command names the configuration this run used when discovery would not find it
    if options.config is None and found is not None:
        args.append("--no-config")
    elif options.config is not None and (
        found is None or found.resolve() != (options.config.folder / config.FILE_NAME).resolve()
    ):
        args += ["--config", options.config.file]
    return " ".join(shlex.quote(a) for a in args)


def verify(paths: list[str], options: Options) -> tuple[list[str], list[Finding]]:
    """`verify`: every variant checked against its target account. Returns (notes, findings): notes say what was
    found as the spec says, `FILE:LINE:COL: ok: PATH: message`."""
    from .aws import session
    from .aws import verify as live
    from .errors import format_path
    from .rules import Context

    sessions = session.Sessions(options.region)
    notes: list[tuple[tuple, str]] = []
    findings: list[Finding] = []
    for c, p in checked_plans(paths, options):
        v = c.variant
        try:
            aws = sessions.get(session.target_for(p, options), p.root)
        except EcsformError as exc:
            findings += v.locate(exc.findings)
            continue
        ctx = Context(c.task, c.extension, v.environment)
        result = live.verify(aws, ctx, aws.region, p.managed_secrets, adopt_command(p, options))
        findings += v.locate(result.findings)
        for note in result.notes:
            line, col = v.smap.locate(note.path)
            env = f"[environment {v.environment}] " if v.environment else ""
            notes.append(
                (
                    (v.file, v.environment or "", line, col),
                    f"{v.file}:{line}:{col}: ok: {env}{format_path(note.path)}: {note.message}",
                )
            )
    return [text for _, text in sorted(notes)], sorted_findings(findings)


class _NoActiveRevision(Exception):
    pass


def diff(paths: list[str], options: Options, revision: int | None = None) -> tuple[list[str], bool, list[Finding]]:
    """`diff`: each variant's task definition against its family's latest ACTIVE revision (or `revision`).
    Returns (report lines, whether anything differs, findings that stop it)."""
    from .aws import diff as compare
    from .aws import ecs, session
    from .rules import Context

    sessions = session.Sessions(options.region)
    lines: list[str] = []
    differ = False
    findings: list[Finding] = []
    for c, p in checked_plans(paths, options):
        v = c.variant
        target = session.target_for(p, options)
        ref = f"{p.family}:{revision}" if revision is not None else p.family
        title = f"{p.file}" + (f" [environment {p.environment}]" if p.environment else "")
        try:
            aws = sessions.get(target, p.root)
            if revision is None:
                ref = ecs.latest_active(aws.client("ecs"), p.family) or ""
                if not ref:
                    raise _NoActiveRevision()
            described = ecs.describe(aws.client("ecs"), ref)
        except _NoActiveRevision:
            differ = True
            lines.append(
                f"{title}: family {p.family} has no ACTIVE revision in account {aws.account}, "
                f"{aws.region}: the root registers its first"
            )
            continue
        except EcsformError as exc:
            findings += v.locate(exc.findings)
            continue
        except Exception as exc:
            if not session.is_aws_error(exc):
                raise
            if session.error_code(exc) not in ("ClientException", "InvalidParameterException"):
                findings += v.locate(
                    [session.aws_finding(exc, f"ecs:DescribeTaskDefinition on {ref}", region=aws.region)]
                )
            else:
                findings += v.locate(
                    [
                        Finding(
                            "DIFF-REVISION",
                            Severity.ERROR,
                            f"task definition {ref} does not exist in account {aws.account}, {aws.region} ({exc})",
                            ("family",),
                            f"list the revisions: aws ecs list-task-definitions --family-prefix "
                            f"{p.family} --region {aws.region}",
                        )
                    ]
                )
            continue
        ctx = Context(c.task, c.extension, v.environment)
        expected = compare.expected(p, ctx.ext, target.tags, ctx.execution_role_managed, ctx.task_role_managed)
        changes = compare.compare(compare.registered(described), expected)
        td = described["taskDefinition"]
        against = f"{td.get('family')}:{td.get('revision')}" + (
            "" if td.get("status") == "ACTIVE" else f" ({td.get('status')})"
        )
        where = f"account {aws.account}, {aws.region}"
        if changes:
            differ = True
            lines.append(f"{title}: {len(changes)} change(s) from {against} ({where}) to the spec:")
            lines += [f"  {change.format()}" for change in changes]
        else:
            lines.append(f"{title}: no changes from {against} ({where})")
    return lines, differ, sorted_findings(findings)


def _render(p: planner.Plan, source: Callable[[str], str], engine: str) -> dict[str, str]:
    from .emit import hcl, readme

    if engine == "cdk":
        from .emit import cdk

        files = cdk.render(p, source)
    else:
        files = hcl.render(p, source)
    return {**files, readme.FILE: readme.render(p, hcl.header(p))}


def _check_nesting(roots: list[dict[str, Any]]) -> None:
    """ROOT-NESTED for the first root (in path order) that another root's folder would hold; linear in the roots."""
    paths = {r["path"] for r in roots}
    nested = sorted(
        (parent, path)
        for path in paths
        for parent in ("/".join(path.split("/")[:i]) for i in range(1, path.count("/") + 1))
        if parent in paths
    )
    if nested:
        a, b = nested[0]
        owner = next(r for r in roots if r["path"] == b)
        finding = Finding(
            "ROOT-NESTED",
            Severity.ERROR,
            f"root {b} would sit inside root {a}",
            ("family",),
            "give the spec with environments a family of its own",
            owner["spec"],
            1,
            1,
            owner["environment"],
        )
        raise EcsformError([finding])


def render(path: str, options: Options | None = None) -> list[planner.Plan]:
    options = options or Options()
    plans, _ = build_plans([path], options)
    return plans
