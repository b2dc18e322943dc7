"""The flow, in one visible place: loader -> model -> rules -> plan -> emitters -> writer.

checked, plans = validation.build_plans(paths, options)   # the first half: specs checked and planned
files  = emit.<engine>.render(plan, source)                # Terraform root
writer.write_tree(out, files, manifest)                    # under the output's lock; only what changed, all or nothing

and, before an apply, aws/: verify, diff and synth --adopt against the target account. The flow calls the parts;
none of them imports it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from . import locations, providers
from . import plan as planner
from .errors import EcsformError, Finding, Severity, sorted_findings
from .options import Options, module_folder, module_source, vendors
from .rules import Context
from .spec import document as specs
from .validation import bound_to, build_plans, checked_plans, plan_checked, validate

if TYPE_CHECKING:
    from .config import Config


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
    plans, findings = plan_checked(validated, found, options)
    checked = {(p.file, p.environment): p for p in plans}
    adopted = _adopt(plans, [c.variant for c in validated], options) if options.adopt else {}
    files: dict[str, bytes] = {}
    roots = []
    digests: dict[Path, bytes] = {}  # each module folder's files, read once per run
    vendored: dict[str, dict[str, bytes]] = {}  # the modules roots call from OUT/modules: name -> file -> bytes
    lock = options.config.lock() if options.config is not None else None  # every root's .terraform.lock.hcl
    for key in sorted(checked, key=lambda k: (k[0], k[1] or "")):
        p = checked[key]
        variant_root = p.root
        environment = p.target.environment if p.target else None
        called: dict[str, tuple[str, Path | None]] = {}  # module -> its source and folder, as the emitter asks

        def source(
            module: str,
            root: str = variant_root,
            environment: str | None = environment,
            called: dict[str, tuple[str, Path | None]] = called,
        ) -> str:
            text = module_source(out, root, options, module, environment=environment)
            called[module] = (text, module_folder(out / root, text, options, module, environment))
            return text

        rendered = _render(p, source, options.engine)
        if key in adopted:
            rendered["imports.tf"] = adopted[key]
        if lock is not None:
            rendered[providers.LOCK_FILE] = lock.text
        encoded = {name: rendered[name].encode() for name in sorted(rendered)}
        for name, content in encoded.items():
            files[f"{variant_root}/{name}"] = content
        local: list[tuple[str, bytes]] = []
        for module, (text, folder) in sorted(called.items()):
            if folder is None:
                continue
            if vendors(options, environment):
                if module not in vendored:
                    vendored[module] = _vendor(folder)
                local.append((text, _files_digest(vendored[module])))
            else:
                local.append((text, _module_digest(folder, digests) if folder.is_dir() else b"missing"))
        roots.append(
            {
                "family": p.family,
                "environment": p.environment,
                "path": variant_root,
                "engine": options.engine,
                "spec": p.file,
                "files": sorted(rendered),
                **_config_used(options.config, p),
                **({"images": p.images_file} if p.images_file else {}),
                "modules": sorted(text for text, _ in local),
                "hash": root_hash(encoded, local),
                **_deployment(p),
            }
        )
    manifest: dict[str, Any] = {"roots": roots}
    if vendored:  # a root in OUT/modules is ROOT-NESTED (validation)
        manifest["modules"] = []
        for module, content in sorted(vendored.items()):
            path = f"{locations.VENDORED}/{module}"
            for name, data in content.items():
                files[f"{path}/{name}"] = data
            manifest["modules"].append(
                {"path": path, "files": sorted(content), "hash": "sha256:" + _files_digest(content).hex()}
            )
    return files, manifest, findings


def _vendor(folder: Path) -> dict[str, bytes]:
    """The files of one module synth copies into OUT/modules (locations.module_files), by name."""
    try:
        return {name: (folder / name).read_bytes() for name in locations.module_files(folder)}
    except OSError as exc:  # an installation without its modules: say which folder
        raise EcsformError(
            [
                Finding(
                    "OUT-MODULES",
                    Severity.ERROR,
                    f"cannot read the module {folder.name} that roots call: {exc.strerror or exc}",
                    hint="reinstall ecsform (the package carries its modules), or name them with --module-source",
                    file=locations.display_path(folder),
                    line=1,
                    col=1,
                )
            ]
        ) from None


def write_lock(
    config: "Config", *, fs_mirror: str | None = None, net_mirror: str | None = None, lock_timeout: float | None = None
) -> Path:
    """`ecsform lock`: ecsform.lock.hcl beside ecsform.yaml, for the platforms terraform.lockPlatforms names, from
    `terraform providers lock` (the registry, or a mirror). Returns where it was written."""
    from . import writer

    platforms = config.model.terraform.lock_platforms
    if not platforms:
        raise EcsformError(
            [
                config.finding(
                    "CONFIG-REQUIRED",
                    Severity.ERROR,
                    "ecsform lock needs terraform.lockPlatforms: the platforms the lock file covers",
                    ("terraform",) if config.model.model_fields_set & {"terraform"} else (),
                    "terraform: {lockPlatforms: [linux_amd64, darwin_arm64]} (the machines that run terraform)",
                )
            ]
        )
    configured = config.module_source(None)
    folder = (configured if isinstance(configured, Path) else locations.MODULES) / "ecs-task-definition"
    try:
        text = providers.lock(
            config.provider_version,
            platforms,
            (folder / "versions.tf").read_text(encoding="utf-8"),
            fs_mirror=fs_mirror,
            net_mirror=net_mirror,
        )
    except (providers.LockError, OSError) as exc:
        raise EcsformError(
            [
                Finding(
                    "LOCK-TERRAFORM",
                    Severity.ERROR,
                    f"terraform providers lock failed: {exc}",
                    hint="terraform must be on PATH and reach the registry; offline, give a provider mirror "
                    "(--fs-mirror DIR or --net-mirror URL) that holds every platform of terraform.lockPlatforms",
                    file=locations.display_path(config.lock_path),
                    line=1,
                    col=1,
                )
            ]
        ) from None
    timeout = writer.DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
    with writer.output_lock(config.lock_path, timeout):
        writer.write_file(config.lock_path, text.encode())
    return config.lock_path


def export_modules(out: str | Path, lock_timeout: float | None = None) -> list[str]:
    """`ecsform modules export DIR`: the modules this ecsform's roots call, as synth copies them (DIR/<module>/...,
    and DIR/manifest.json), for teams that commit them and name them with moduleSource. Returns the modules."""
    from . import writer

    files: dict[str, bytes] = {}
    entries = []
    names = sorted(p.name for p in locations.MODULES.iterdir() if (p / "versions.tf").is_file())
    for name in names:
        content = _vendor(locations.MODULES / name)
        files.update({f"{name}/{rel}": data for rel, data in content.items()})
        entries.append({"path": name, "files": sorted(content), "hash": "sha256:" + _files_digest(content).hex()})
    timeout = writer.DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
    with writer.output_lock(out, timeout, parents=True):
        writer.write_tree(out, files, {"roots": [], "modules": entries})
    return names


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
    entries += [key for key in ("backend", "policy", "terraform") if key in present]
    return {"config": {"file": config.file, "entries": entries}}


def _files_digest(files: dict[str, bytes]) -> bytes:
    """sha256 over files (path relative to their folder -> bytes): each as its path, length and bytes, in sorted
    order."""
    import hashlib

    digest = hashlib.sha256()
    for rel in sorted(files):
        data = files[rel]
        digest.update(f"{rel}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.digest()


def _module_digest(folder: Path, cache: dict[Path, bytes]) -> bytes:
    """sha256 over a module folder's files (every file below it, hidden ones such as .terraform/ aside), each as its
    path relative to the folder and its bytes, in sorted order; computed once per folder and `cache` (one run)."""
    if folder not in cache:
        found = {}
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in filenames:
                if not name.startswith("."):
                    path = Path(dirpath) / name
                    found[path.relative_to(folder).as_posix()] = path.read_bytes()
        cache[folder] = _files_digest(found)
    return cache[folder]


def root_hash(files: dict[str, bytes], modules: list[tuple[str, bytes]]) -> str:
    """manifest.json's `hash` of a root: sha256 over its files (name, length, bytes, in sorted order), then each
    local module it calls (its source as the root writes it, and the digest of the module's files: those vendored
    into OUT/modules, or every file of a moduleSource folder; b"missing" for a folder that is not there)."""
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"file\0{name}\0{len(files[name])}\0".encode())
        digest.update(files[name])
    for source, module_digest in sorted(modules):
        digest.update(f"module\0{source}\0".encode())
        digest.update(module_digest)
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

    sessions = session.Sessions(options.region, "synth --adopt")
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


def adopt_command(p: planner.Plan, options: Options) -> str:
    """The exact `synth --adopt` command for one root (what verify prints when something exists already)."""
    import shlex

    from . import config

    args = ["ecsform", "synth", p.file, "--adopt"]
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


def verify(paths: list[str], options: Options, out: Path = Path("build")) -> tuple[list[str], list[Finding]]:
    """`verify`: every variant checked against its target account. Returns (notes, findings): notes say what was
    found as the spec says, `FILE:LINE:COL: ok: PATH: message`. What a root's state (its backend's, or
    `<out>/<root>/terraform.tfstate`) holds is no VERIFY-ADOPT."""
    from .aws import session, state
    from .aws import verify as live
    from .errors import format_path

    sessions = session.Sessions(options.region, "verify")
    backends = session.Sessions(command="verify")  # the state's region is the backend's, whatever --region says
    notes: list[tuple[tuple, str]] = []
    findings: list[Finding] = []
    for c, p in checked_plans(paths, options):
        v = c.variant
        try:
            aws = sessions.get(session.target_for(p, options), p.root)
        except EcsformError as exc:
            findings += v.locate(exc.findings)
            continue
        c, p = bound_to(c, p, aws.account, aws.region)  # ${target.*} no target named: the session's account
        ctx = Context(c.task, c.extension, v.environment)
        held = state.held(p, out, backends) if p.managed_secrets or ctx.ext.logs.create else None
        named = planner.role_names(c.variant.task)
        result = live.verify(aws, ctx, aws.region, p.managed_secrets, adopt_command(p, options), held, named)
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

    sessions = session.Sessions(options.region, "diff")
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
            c, p = bound_to(c, p, aws.account, aws.region)  # ${target.*} no target named: the session's account
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


def render(path: str, options: Options | None = None) -> list[planner.Plan]:
    options = options or Options()
    plans, _ = build_plans([path], options)
    return plans
