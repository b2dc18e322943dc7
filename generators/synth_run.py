"""One synth's work on its spec files: each file's outcome (findings, and the roots rendered: their files and
manifest.json entries) from the render cache, or made by this process or by forked workers; the digests of what
cache entries depend on. generators/pipeline.py takes the outcomes in order to the writer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Generator, Iterable, cast

from . import cache, images, locations, providers
from . import plan as planner
from .digests import files_digest, module_digest, root_hash
from .locations import VENDORED, display_path
from .options import Options, module_folder, vendors
from .options import module_source as module_source  # changed.py swaps it (REF's module folders)
from .spec import document as specs
from .spec import loader
from .validation import MIN_FILES_PER_JOB as MIN_FILES_PER_VALIDATE_JOB
from .validation import base_policy, check_file, collect, failing, job_count, plan_each, read_ahead
from .vendoring import vendor_files

if TYPE_CHECKING:
    from .config import Config
    from .writer.manifest import ConfigPart, DeploymentPart, ImagesPart, RootEntry


def root_inputs(options: Options, root: str) -> list[Path]:
    """The files besides the spec, ecsform.yaml and the modules whose bytes decide a root's (the root as
    manifest.json names it). Each is a dependency of its spec's render-cache entry: changing, adding or removing one
    renders the spec again. The root's deployed images file (generators/images.py), with an ecsform.yaml."""
    return [images.path_for(options.config, root)] if options.config is not None else []


# Below this many spec files per process, forking costs more than it saves (as for validate).
MIN_FILES_PER_JOB = MIN_FILES_PER_VALIDATE_JOB


STORE_BATCH = 256  # cache entries written at a time (no one holds them all)


_CHUNK = 32  # spec files a worker takes at a time: small enough that roots stream in order, large enough to be cheap


_run_in_worker: "SynthRun | None" = None  # the run a forked worker serves (set before the fork, inherited)


class SynthRun:
    """One synth's inputs and what every process that renders for it needs: the spec files, the base policy, the
    render cache and the parts of its keys, and (per process) the digests of what entries depend on."""

    def __init__(self, paths: list[str], out: Path, options: Options, *, compare: bool = False) -> None:
        self.out, self.options, self.compare = out, options, compare
        self.where = out.absolute()  # (module sources: the working folder read once, not once per root)
        self.absolute = os.path.abspath(out)  # (what the workers compare: OUT as the writer names it, made once)
        # an output that is not there yet holds no root to compare with (one another run makes meanwhile, the
        # writer compares: writer.changes.file_step)
        self.fresh = compare and not os.path.lexists(out)
        self.files, self.findings = collect(paths)
        self.base = base_policy(options)
        # every root's .terraform.lock.hcl: read (and checked, CONFIG-LOCK) once, before any worker starts
        self.lock = options.config.lock() if options.config is not None else None
        self.digests: dict[Path, bytes] = {}  # each module folder's files, read once per process
        self.vendored: dict[Path, bytes] = {}  # the digest of each module as synth copies it into OUT/modules
        self.known: dict[tuple[str, str], str] = {}  # each dependency's digest, computed once per process
        self.sources: dict[tuple[int, str], tuple[str, Path | None]] = {}  # a vendored module's call, by depth
        self.shown: dict[Path, str] = {}  # each module folder as manifest.json shows it (display_path), once
        self.adopting: list[
            tuple[list[planner.Plan], list[specs.Variant]]
        ] = []  # --adopt: plans, for pipeline._adopted
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

    def outcomes(self) -> Generator[tuple[Path, cache.Outcome, str | None, bytes | None], None, None]:
        """Each spec file's outcome in order, with its cache key where the cache has to keep it (the entry to store,
        made now; or one it holds but has not marked used today), else None."""
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
        # The first spec is made here, before the fork: what making one loads (the rules, the emitters and their
        # templates, the models' validators) is then loaded once, and inherited, instead of once in every worker.
        yield (self.files[0], *self.outcome(self.files[0]))
        bounds = [(i, min(i + _CHUNK, len(self.files))) for i in range(1, len(self.files), _CHUNK)]
        _run_in_worker = self
        loader.before_fork(self.files)
        import gc
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        gc.freeze()  # what is loaded by now lives as long as the workers: out of their collector's passes
        # (not multiprocessing.Pool: its worker-handler thread also waits on the results' pipe, and so spins while a
        # chunk's result is being read, taking CPU and the GIL from this process: ~0.1 s over 1,000 specs)
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
        collecting = gc.isenabled()
        try:
            parts = pool.map(_work, bounds)  # (every chunk submitted: the workers are forked by now)
            # What this process gets from the workers is kept to the end, not garbage: the collector's passes over
            # it would free nothing (at 10,000 specs: 0.26 s, a full pass in the sort after the last outcome).
            gc.disable()
            read_ahead(self.files[1:])  # (a thread: started after the fork, so no worker inherits it)
            for part in parts:
                yield from part
        finally:
            _run_in_worker = None
            pool.shutdown(wait=True, cancel_futures=True)  # closed early (the sink failed): the workers stop
            if collecting:
                gc.freeze()  # (and out of the passes after this: made while it was off, it would be one pass)
                gc.enable()

    def outcome(self, file: Path, compare: bool | None = None) -> tuple[cache.Outcome, str | None, bytes | None]:
        """One spec file's outcome: from the cache when an entry has its key and its dependencies are unchanged,
        else made (and returned with the entry to store); its files compared with the output (`compare`)."""
        found, key, blob = self._outcome(file)
        if self.compare if compare is None else compare:
            from .writer.compare import unchanged
            from .writer.manifest import entry_text

            for root in found.roots:
                root.text = entry_text(manifest_entry(root))
                if self.fresh or not os.path.isdir(os.path.join(self.out, root.path)):
                    continue  # a new root: nothing to compare
                for rel in list(root.files):
                    token = unchanged(self.absolute, rel, root.files[rel])
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
        if found is not None and all(self.digest(kind, name) == digest for kind, name, digest in found[0].deps):
            return found[0], key if found[1] else None, None  # (the key: to mark the entry used, once a day)
        made = self.make(file, data)
        return made, key, cache.encode(key, made)

    def make(self, file: Path, data: bytes | None = None) -> cache.Outcome:
        """Load, check, plan and render one spec file (`data`: its bytes, where they have been read)."""
        o = self.options
        checked, findings, declared = check_file(file, o.env, self.base, o.region, o.config, data)
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
        out, options = self.where, self.options
        called: dict[str, tuple[str, Path | None]] = {}  # module -> its source and folder, as the emitter asks
        environment = p.target.environment if p.target else None
        # a call of the modules synth copies into OUT/modules depends only on how deep the root lies (a root in
        # modules/ is an error of its own: declarations.in_vendored)
        depth = p.root.count("/") if vendors(options, environment) and p.root.split("/")[0] != VENDORED else -1

        def source(module: str) -> str:
            found = self.sources.get((depth, module)) if depth >= 0 else None
            if found is None:
                text = module_source(out, p.root, options, module, environment=environment)
                found = (text, module_folder(out / p.root, text, options, module, environment))
                if depth >= 0:
                    self.sources[(depth, module)] = found
            called[module] = found
            return found[0]

        rendered = _render(p, source, options.engine)
        if imports is not None:
            rendered["imports.tf"] = imports
        if self.lock is not None:
            rendered[providers.LOCK_FILE] = self.lock.text
        encoded = {name: rendered[name].encode() for name in sorted(rendered)}
        local = sorted((text, folder) for text, folder in called.values() if folder is not None)
        if modules is not None:
            for _, folder in local:
                if folder not in self.shown:
                    self.shown[folder] = display_path(folder)
                modules.add(self.shown[folder])
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
            self.vendored[folder] = files_digest(vendor_files(folder))
        return self.vendored[folder]

    def _folder(self, folder: Path) -> bytes:
        """A moduleSource folder's digest: every file of it (b"missing" when it is not there)."""
        return module_digest(folder, self.digests) if folder.is_dir() else b"missing"

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
            return module_digest(folder, self.digests).hex() if folder.is_dir() else "missing"
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


def manifest_entry(root: cache.Rendered) -> RootEntry:
    """A root's manifest.json entry: the render cache holds it as JSON (the one `SynthRun.render` made, or stored from
    it under a key that names this ecsform's code)."""
    return cast("RootEntry", root.entry)


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


def _render(p: planner.Plan, source: Callable[[str], str], engine: str) -> dict[str, str]:
    from .emit import hcl, readme

    if engine == "cdk":
        from .emit import cdk

        files = cdk.render(p, source)
    else:
        files = hcl.render(p, source)
    return {**files, readme.FILE: readme.render(p, hcl.header(p))}
