"""The flow, in one visible place: loader -> model -> rules -> plan -> emitters -> writer.

checked, plans = validation.build_plans(paths, options)   # the first half: specs checked and planned
files  = emit.<engine>.render(plan, source)                # Terraform root
writer.write_tree(out, files, manifest)                    # under the output's lock; only what changed, all or nothing

and, before an apply, aws/: verify, diff and synth --adopt against the target account. The flow calls the parts;
none of them imports it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, cast

from . import cache, images, locations, providers
from . import plan as planner
from .config import CONFIG_REQUIRED
from .declarations import Declared
from .errors import Check, EcsformError, Finding, Severity, sorted_findings
from .locations import display_path
from .options import Options, module_folder, vendors
from .options import module_source as module_source  # changed.py swaps it (REF's module folders)
from .plan_checks import role_names
from .rules import Context
from .spec import document as specs
from .validation import MIN_FILES_PER_JOB as MIN_FILES_PER_VALIDATE_JOB
from .validation import (
    base_policy,
    bound_to,
    build_plans,
    check_file,
    checked_plans,
    collect,
    cross_spec,
    failing,
    in_vendored,
    job_count,
    plan_each,
)

if TYPE_CHECKING:
    from .config import Config
    from .writer.changes import Changes
    from .writer.manifest import ConfigPart, DeploymentPart, ImagesPart, Manifest, ModuleEntry, RootEntry
    from .writer.publication import Publication


# The findings this module raises (collected by the catalog: generators/rules).
LOCK_TERRAFORM = Check(
    "LOCK-TERRAFORM",
    Severity.ERROR,
    ("ecsform lock: terraform providers lock failed (no terraform, no registry or mirror, a platform missing)."),
)
OUT_MODULES = Check(
    "OUT-MODULES",
    Severity.ERROR,
    "synth cannot read a module it copies into the output (an installation without its modules).",
)
DIFF_REVISION = Check("DIFF-REVISION", Severity.ERROR, "diff --revision: the family has no such revision.")


def synth(
    paths: list[str], out: str | Path, options: Options | None = None
) -> tuple[Manifest[RootEntry], list[Finding]]:
    """Write one Terraform root per variant under `out`, plus manifest.json. Returns (manifest, warnings).

    The roots stream to the writer as they are rendered (no one holds them all): the output's lock is taken when
    the first root is ready (a run whose specs all fail takes none and writes nothing), each root is compared with
    the disk and what differs is staged; the publication is all or nothing, after every spec was checked."""
    from .writer import lock
    from .writer import publication as writer

    options = options or Options()
    timeout = lock.DEFAULT_LOCK_TIMEOUT if options.lock_timeout is None else options.lock_timeout
    with contextlib.ExitStack() as stack:
        opened: list[Publication] = []

        def publication() -> Publication:
            if not opened:
                stack.enter_context(lock.output_lock(out, timeout, parents=True, on_wait=options.on_wait))
                opened.append(stack.enter_context(writer.publication(out)))
            return opened[0]

        texts: list[str] = []
        manifest, findings = _synthesize(
            paths, out, options, lambda *root: publication().add(*root), compare=True, texts=texts
        )
        result = publication().finish(manifest, prune=options.prune, force=options.force, texts=texts)
    return result.manifest, sorted_findings(findings + result.findings)


def synth_check(paths: list[str], out: str | Path, options: Options | None = None) -> tuple[Changes, list[Finding]]:
    """`synth --check`: what synth would change in `out` (roots missing, stale, extra), writing nothing; read under
    the output's shared lock, so that a synth at work is never seen half done."""
    from .writer import lock
    from .writer import publication as writer

    options = options or Options()
    timeout = lock.DEFAULT_LOCK_TIMEOUT if options.lock_timeout is None else options.lock_timeout
    with lock.output_lock(out, timeout, shared=True, on_wait=options.on_wait):
        with writer.publication(out, write=False) as pub:
            texts: list[str] = []
            manifest, findings = _synthesize(paths, out, options, pub.add, compare=True, texts=texts)
            return pub.finish(manifest, texts=texts).changes, findings


def synth_tree(
    paths: list[str], out: str | Path, options: Options | None = None
) -> tuple[dict[str, bytes], Manifest[RootEntry], list[Finding]]:
    """What synth writes under `out`, without writing it: the roots' files (relative path -> bytes), the manifest
    ("roots") and the warnings. `writer.publication.changes(out, files, manifest)` compares them with the disk."""
    files: dict[str, bytes] = {}

    def keep(_root: str, rendered: dict[str, bytes], _same: dict[str, Any]) -> list[str]:
        files.update(rendered)
        return []

    manifest, findings = _synthesize(paths, out, options or Options(), keep)
    return files, manifest, findings


Sink = Callable[[str, dict[str, bytes], dict[str, Any]], list[str]]


def _synthesize(
    paths: list[str],
    out: str | Path,
    options: Options,
    sink: Sink,
    *,
    compare: bool = False,
    texts: list[str] | None = None,
) -> tuple[Manifest[RootEntry], list[Finding]]:
    """Every spec loaded, checked, planned and rendered (by worker processes when there are many; from the render
    cache when it has them), each root handed to `sink(root, files, same)` in the order of the manifest, which is
    returned with the findings. With `compare`, the processes that render compare each file with the output
    already: `same` holds those found unchanged (writer.compare.unchanged's tokens), `files` the others; the sink returns
    those that changed since, and gets their bytes; `texts` gets each root's entry as manifest.json writes it.
    Raises EcsformError, once every spec was checked, when anything fails (the checks across specs included); the
    roots of a spec with errors are not rendered, and once any spec failed no root goes to `sink` any more."""
    run = _Run(paths, Path(out), options, compare=compare)
    findings = list(run.findings)
    declared: list[Declared] = []
    entries: list[RootEntry] = []
    stopped = failing(findings, options.strict)
    stored: list[tuple[str, bytes]] = []
    used: list[str] = []
    try:
        with contextlib.closing(run.outcomes()) as outcomes:  # closed (its workers stopped) when the sink fails
            for file, outcome, key, blob in outcomes:
                findings += outcome.findings
                declared += outcome.declared
                if key is not None:
                    (stored.append((key, blob)) if blob is not None else used.append(key))
                    if len(stored) >= _STORE_BATCH:
                        run.keep(stored)
                stopped = stopped or failing(outcome.findings, options.strict)
                if stopped:
                    continue
                for root in outcome.roots:
                    stale = sink(root.path, root.files, root.same)
                    if stale:  # changed between the worker's look and the lock: its bytes, from this process
                        again = next(r for r in run.outcome(file, compare=False)[0].roots if r.path == root.path)
                        sink(root.path, {rel: again.files[rel] for rel in stale}, {})
                    entries.append(_entry(root))
                    if texts is not None:
                        texts.append(root.text)
    finally:
        run.keep(stored, used, last=True)
    findings = sorted_findings(
        findings + cross_spec(declared, options.config, options.env) + in_vendored(declared, options)
    )
    if failing(findings, options.strict):
        raise EcsformError(findings)
    if options.adopt:
        entries = _adopted(run, sink)
        if texts is not None:
            texts[:] = []  # (the writer encodes the manifest)
    manifest: Manifest[RootEntry] = {"roots": entries}
    vendored = _vendored(entries, options)
    if vendored:  # after the roots, through the same sink: one publication (a root in OUT/modules is ROOT-NESTED)
        manifest["modules"] = []
        for module in vendored:
            path = f"{locations.VENDORED}/{module}"
            content = _vendor(locations.MODULES / module)
            sink(path, {f"{path}/{name}": data for name, data in content.items()}, {})
            manifest["modules"].append(_module_entry(path, content))
    return manifest, findings


def _module_entry(path: str, content: dict[str, bytes]) -> ModuleEntry:
    """manifest.json's entry of a module folder ecsform writes (`content`: its files by name)."""
    return {"path": path, "files": sorted(content), "hash": "sha256:" + _files_digest(content).hex()}


def _vendored(entries: list[RootEntry], options: Options) -> list[str]:
    """The modules synth copies into OUT/modules: those the roots call there (a root's `modules` as it writes them,
    read from its folder), for roots that vendor (no --module-source, no moduleSource for their environment). Read
    from the manifest's entries, so that a root from the render cache or a worker counts as one rendered here."""
    import posixpath

    found = set()
    for entry in entries:
        if not vendors(options, entry["environment"]):
            continue
        for text in entry["modules"]:
            where = posixpath.normpath(posixpath.join(entry["path"], text)).split("/")
            if len(where) == 2 and where[0] == locations.VENDORED:
                found.add(where[1])
    return sorted(found)


def _vendor(folder: Path) -> dict[str, bytes]:
    """The files of one module synth copies into OUT/modules (locations.module_files), by name."""
    try:
        return {name: (folder / name).read_bytes() for name in locations.module_files(folder)}
    except OSError as exc:  # an installation without its modules: say which folder
        raise EcsformError(
            [
                OUT_MODULES.finding(
                    f"cannot read the module {folder.name} that roots call: {exc.strerror or exc}",
                    hint="reinstall ecsform (the package carries its modules), or name them with --module-source",
                    file=locations.display_path(folder),
                    mark=(1, 1),
                )
            ]
        ) from None


def _adopted(run: "_Run", sink: Sink) -> list[RootEntry]:
    """synth --adopt, once every spec passed: each root rendered with the imports.tf of what its target account
    already has (the specs' plans were kept for it: `_Run.make` renders nothing with --adopt)."""
    plans = [p for plans, _ in run.adopting for p in plans]
    variants = [v for _, variants in run.adopting for v in variants]
    adopted = _adopt(plans, variants, run.options)
    entries: list[RootEntry] = []
    for p in plans:
        root = run.render(p, adopted.get((p.file, p.environment)))
        sink(root.path, root.files, {})
        entries.append(_entry(root))
    return entries


def _entry(root: cache.Rendered) -> RootEntry:
    """A root's manifest.json entry: the render cache holds it as JSON (the one `_Run.render` made, or stored from
    it under a key that names this ecsform's code)."""
    return cast("RootEntry", root.entry)


def write_lock(
    config: "Config", *, fs_mirror: str | None = None, net_mirror: str | None = None, lock_timeout: float | None = None
) -> Path:
    """`ecsform lock`: ecsform.lock.hcl beside ecsform.yaml, for the platforms terraform.lockPlatforms names, from
    `terraform providers lock` (the registry, or a mirror). Returns where it was written."""
    from .writer.lock import DEFAULT_LOCK_TIMEOUT, output_lock
    from .writer.single_file import write_file

    platforms = config.model.terraform.lock_platforms
    if not platforms:
        raise EcsformError(
            [
                config.finding(
                    CONFIG_REQUIRED.id,
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
                LOCK_TERRAFORM.finding(
                    f"terraform providers lock failed: {exc}",
                    hint="terraform must be on PATH and reach the registry; offline, give a provider mirror "
                    "(--fs-mirror DIR or --net-mirror URL) that holds every platform of terraform.lockPlatforms",
                    file=locations.display_path(config.lock_path),
                    mark=(1, 1),
                )
            ]
        ) from None
    timeout = DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
    with output_lock(config.lock_path, timeout):
        write_file(config.lock_path, text.encode())
    return config.lock_path


def export_modules(out: str | Path, lock_timeout: float | None = None) -> list[str]:
    """`ecsform modules export DIR`: the modules this ecsform's roots call, as synth copies them (DIR/<module>/...,
    and DIR/manifest.json), for teams that commit them and name them with moduleSource. Returns the modules."""
    from .writer.lock import DEFAULT_LOCK_TIMEOUT, output_lock
    from .writer.publication import write_tree

    files: dict[str, bytes] = {}
    entries: list[ModuleEntry] = []
    names = sorted(p.name for p in locations.MODULES.iterdir() if (p / "versions.tf").is_file())
    for name in names:
        content = _vendor(locations.MODULES / name)
        files.update({f"{name}/{rel}": data for rel, data in content.items()})
        entries.append(_module_entry(name, content))
    timeout = DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
    with output_lock(out, timeout, parents=True):
        manifest: Manifest[RootEntry] = {"roots": [], "modules": entries}
        write_tree(out, files, manifest)
    return names


def root_inputs(options: Options, root: str) -> list[Path]:
    """The files besides the spec, ecsform.yaml and the modules whose bytes decide a root's (the root as
    manifest.json names it). Each is a dependency of its spec's render-cache entry: changing, adding or removing one
    renders the spec again. The root's deployed images file (generators/images.py), with an ecsform.yaml."""
    return [images.path_for(options.config, root)] if options.config is not None else []


# Below this many spec files per process, forking costs more than it saves (as for validate).
MIN_FILES_PER_JOB = MIN_FILES_PER_VALIDATE_JOB
_STORE_BATCH = 256  # cache entries written at a time (no one holds them all)
_CHUNK = 32  # spec files a worker takes at a time: small enough that roots stream in order, large enough to be cheap
_run_in_worker: "_Run | None" = None  # the run a forked worker serves (set before the fork, inherited)


class _Run:
    """One synth's inputs and what every process that renders for it needs: the spec files, the base policy, the
    render cache and the parts of its keys, and (per process) the digests of what entries depend on."""

    def __init__(self, paths: list[str], out: Path, options: Options, *, compare: bool = False) -> None:
        self.out, self.options, self.compare = out, options, compare
        self.files, self.findings = collect(paths)
        self.base = base_policy(options)
        # every root's .terraform.lock.hcl: read (and checked, CONFIG-LOCK) once, before any worker starts
        self.lock = options.config.lock() if options.config is not None else None
        self.digests: dict[Path, bytes] = {}  # each module folder's files, read once per process
        self.vendored: dict[Path, bytes] = {}  # the digest of each module as synth copies it into OUT/modules
        self.known: dict[tuple[str, str], str] = {}  # each dependency's digest, computed once per process
        self.adopting: list[tuple[list[planner.Plan], list[specs.Variant]]] = []  # --adopt: plans, for _adopted
        usable = options.cache is not None and not options.adopt
        self.store = cache.Store(options.cache) if usable and options.cache is not None else None
        self.parts = self._parts() if self.store is not None else []
        if self.store is not None:
            self.store.prepare()

    def _parts(self) -> list[str]:
        """What decides every root's bytes besides its spec: ecsform itself, the options, where the modules and
        ecsform.yaml are from the output (the relative module sources), the policy file, which ecsform.yaml. (Not
        the output's own path: a synth into a new folder at the same depth uses the entries of the last one.)"""
        o, out = self.options, os.path.abspath(self.out)
        parts = [
            cache.build_id(o.engine),
            f"env={o.env}",
            f"region={o.region}",
            f"engine={o.engine}",
            f"module-source={o.module_source}",
            f"strict={o.strict}",
            f"plan-role={o.plan_role}",
            f"modules={os.path.relpath(locations.MODULES, out)}",
            f"policy={o.policy}:{cache.file_digest(o.policy) if o.policy else ''}",
        ]
        if o.config is not None:
            parts.append(f"config={o.config.file}:{os.path.relpath(o.config.folder, out)}")
            # the lock file every root gets (its bytes; ecsform.lock.hcl is no ecsform.yaml entry)
            lock = self.lock.text if self.lock is not None else None
            parts.append(f"lock={cache.key([], lock.encode()) if lock is not None else None}")
        if o.engine == "cdk":  # which CDK package renders (cdk_compat.ENV_VAR; cdktn and cdktf write the same roots)
            parts.append(f"cdk-package={os.environ.get('ECSFORM_CDK_PACKAGE', '').strip()}")
        return parts

    def outcomes(self) -> Iterator[tuple[Path, cache.Outcome, str | None, bytes | None]]:
        """Each spec file's outcome in order, with its cache key and, when it was made now, the entry to store."""
        global _run_in_worker
        o = self.options
        jobs = 1
        if len(self.files) >= 2 * MIN_FILES_PER_JOB and not (o.adopt or o.engine == "cdk"):
            import multiprocessing  # (only where there are processes to start)

            if not multiprocessing.current_process().daemon:  # (a worker of `ecsform changed` starts none)
                jobs = min(job_count(o), len(self.files) // MIN_FILES_PER_JOB)
        if jobs < 2:
            for f in self.files:
                yield (f, *self.outcome(f))
            return
        bounds = [(i, min(i + _CHUNK, len(self.files))) for i in range(0, len(self.files), _CHUNK)]
        _run_in_worker = self
        import gc

        gc.freeze()  # what is loaded by now lives as long as the workers: out of their collector's passes
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for part in pool.imap(_work, bounds):
                    yield from part
        finally:
            _run_in_worker = None

    def outcome(self, file: Path, compare: bool | None = None) -> tuple[cache.Outcome, str | None, bytes | None]:
        """One spec file's outcome: from the cache when an entry has its key and its dependencies are unchanged,
        else made (and returned with the entry to store); its files compared with the output (`compare`)."""
        found, key, blob = self._outcome(file)
        if self.compare if compare is None else compare:
            from .writer.compare import unchanged
            from .writer.manifest import entry_text

            for root in found.roots:
                root.text = entry_text(_entry(root))
                if not os.path.isdir(os.path.join(self.out, root.path)):
                    continue  # a new root: nothing to compare
                for rel in list(root.files):
                    token = unchanged(self.out, rel, root.files[rel])
                    if token is not None:
                        root.same[rel] = token
                        del root.files[rel]
        return found, key, blob

    def _outcome(self, file: Path) -> tuple[cache.Outcome, str | None, bytes | None]:
        if self.store is None:
            return self.make(file), None, None
        try:
            data = file.read_bytes()
        except OSError:
            return self.make(file), None, None  # the loader says why
        key = cache.key([*self.parts, display_path(file)], data)
        found = self.store.get(key)
        if found is not None and all(self.digest(kind, name) == digest for kind, name, digest in found.deps):
            return found, key, None
        made = self.make(file)
        return made, key, cache.encode(key, made)

    def make(self, file: Path) -> cache.Outcome:
        """Load, check, plan and render one spec file."""
        o = self.options
        checked, findings, declared = check_file(file, o.env, self.base, o.region, o.config)
        outcome = cache.Outcome(findings, declared)
        if o.config is not None:
            names = ["file", "defaults", "backend", "policy", "images", "terraform"]
            names += sorted({f"environments.{c.variant.environment}" for c in checked if c.variant.environment})
            outcome.deps += [["config", name, self.digest("config", name)] for name in names]
        if failing(findings, o.strict):
            return outcome
        plans = sorted(plan_each(checked, o), key=lambda p: p.environment or "")
        if o.adopt:
            self.adopting.append((plans, [c.variant for c in checked]))
            return outcome
        modules: set[str] = set()
        for p in plans:
            root = self.render(p, None, modules)
            outcome.roots.append(root)
            inputs = [display_path(f) for f in root_inputs(o, p.root)]
            outcome.deps += [["file", f, self.digest("file", f)] for f in inputs]
        outcome.deps += [["module", m, self.digest("module", m)] for m in sorted(modules)]
        return outcome

    def render(self, p: planner.Plan, imports: str | None = None, modules: set[str] | None = None) -> cache.Rendered:
        """One root: its files and its manifest.json entry (`modules`: the module folders it calls are added)."""
        out, options = self.out, self.options
        called: dict[str, tuple[str, Path | None]] = {}  # module -> its source and folder, as the emitter asks
        environment = p.target.environment if p.target else None

        def source(module: str) -> str:
            text = module_source(out, p.root, options, module, environment=environment)
            called[module] = (text, module_folder(out / p.root, text, options, module, environment))
            return text

        rendered = _render(p, source, options.engine)
        if imports is not None:
            rendered["imports.tf"] = imports
        if self.lock is not None:
            rendered[providers.LOCK_FILE] = self.lock.text
        encoded = {name: rendered[name].encode() for name in sorted(rendered)}
        local = sorted((text, folder) for text, folder in called.values() if folder is not None)
        if modules is not None:
            modules.update(display_path(folder) for _, folder in local)
        copied = vendors(options, environment)
        digests = [(text, self._copied(folder) if copied else self._folder(folder)) for text, folder in local]
        entry: RootEntry = {
            "family": p.family,
            "environment": p.environment,
            "path": p.root,
            "engine": options.engine,
            "spec": p.file,
            "files": sorted(rendered),
            **_config_used(options.config, p),
            **_images(p),
            "modules": [text for text, _ in local],
            "hash": root_hash(encoded, digests),
            **_deployment(p),
        }
        return cache.Rendered(dict(entry), {f"{p.root}/{name}": data for name, data in encoded.items()})

    def _copied(self, folder: Path) -> bytes:
        """A vendored module's digest: its files as synth copies them into OUT/modules (the manifest's hash of it)."""
        if folder not in self.vendored:
            self.vendored[folder] = _files_digest(_vendor(folder))
        return self.vendored[folder]

    def _folder(self, folder: Path) -> bytes:
        """A moduleSource folder's digest: every file of it (b"missing" when it is not there)."""
        return _module_digest(folder, self.digests) if folder.is_dir() else b"missing"

    def digest(self, kind: str, name: str) -> str:
        """A dependency's digest now: an ecsform.yaml entry, a module folder, an input file."""
        if (kind, name) not in self.known:
            self.known[(kind, name)] = self._digest(kind, name)
        return self.known[(kind, name)]

    def _digest(self, kind: str, name: str) -> str:
        config = self.options.config
        if kind == "config" and config is not None:
            if name == "file":
                return cache.key([config.file, *config.environments], b"")
            head, _, environment = name.partition(".")
            node = config.root.get(head) if config.root.is_map else None
            if environment and node is not None:
                node = node.get(environment)
            return cache.node_digest(node)
        if kind == "module":
            folder = Path(name)
            return _module_digest(folder, self.digests).hex() if folder.is_dir() else "missing"
        if kind == "file":
            return cache.file_digest(name)
        return "unknown"  # an entry naming what this ecsform does not know: never equal, so made again

    def keep(self, stored: list[tuple[str, bytes]], used: Iterable[str] = (), last: bool = False) -> None:
        """Store the entries made (and empty `stored`); at the end, mark those used. Only this process writes."""
        if self.store is None:
            return
        self.store.put(stored)
        stored.clear()
        if last:
            self.store.used(used)
            self.store.close()


def _work(bounds: tuple[int, int]) -> list[tuple[Path, cache.Outcome, str | None, bytes | None]]:
    """In a forked worker: the outcomes of some spec files of the run it was forked for."""
    run = _run_in_worker
    assert run is not None
    return [(f, *run.outcome(f)) for f in run.files[bounds[0] : bounds[1]]]


def _config_used(config: "Config | None", p: planner.Plan) -> ConfigPart:
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


def _images(p: planner.Plan) -> ImagesPart:
    """manifest.json's `images` of a root: its deployed images file, when its spec has one."""
    return {"images": p.images_file} if p.images_file else {}


def _deployment(p: planner.Plan) -> DeploymentPart:
    """What manifest.json says of a root's target and state (only with an ecsform.yaml: otherwise nothing, so the
    manifest stays as it was)."""
    if p.target is None:
        return {}
    t = p.target
    target = {"environment": t.environment, "accountId": t.account_id, "region": p.region, "roleArn": t.role_arn}
    out: DeploymentPart = {"target": {k: v for k, v in target.items() if v is not None}}
    if p.backend is not None:  # the backend's arguments by their Terraform names: what -backend-config takes
        state: dict[str, object] = {"backend": p.backend.type, **dict(p.backend.arguments)}
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
        named = role_names(c.variant.task)
        secrets = {key: dict(settings) for key, settings in p.managed_secrets.items()}
        result = live.verify(aws, ctx, aws.region, secrets, adopt_command(p, options), held, named)
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
                        DIFF_REVISION.finding(
                            f"task definition {ref} does not exist in account {aws.account}, {aws.region} ({exc})",
                            path=("family",),
                            hint=f"list the revisions: aws ecs list-task-definitions --family-prefix "
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
