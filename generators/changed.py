"""`ecsform changed --since REF`: the roots whose generated content differs between a git revision and the
working tree, and the roots that disappeared.

Both sides are synthesized in memory (`pipeline.synth_tree`, nothing written) by the ecsform code that runs, so
only the inputs differ: the specs, ecsform.yaml and the local modules. REF's tree is extracted with `git archive`
into a temporary folder, and REF's side is synthesized from the same place inside it as the working folder has in
the repository, so every relative path (specs, --out, module sources, the spec names in the generated headers)
reads the same on both sides. The roots are compared by manifest.json's `hash` (their files plus the files of the
local modules they call): an overlay change touches only the environments whose merged result changed, an
ecsform.yaml change only the roots whose output changed, and a module change every root that calls it.

Two ways, the same answer:
- only specs and deployed images differ (the usual pull request: same ecsform.yaml, same module folders): a spec
  with the same bytes and the same images files gives the same roots on both sides, so only the specs that differ,
  and those whose roots' images files differ (generators/images.py), are synthesized, on both sides; every spec of
  the working tree is still validated (in parallel, as `validate` does) for its errors.
- otherwise every spec is synthesized on both sides, REF's in a forked process while this one does the working
  tree's.

REF may be broken (the pull request that fixes a broken main, or an ecsform upgrade that adds a rule REF does not
pass): a spec that does not validate in REF is left out of REF's side, so its roots count as changed, each with a
CHANGED-BASE warning naming REF's first error; when REF fails as a whole (its ecsform.yaml, an images file), every
root counts as changed. Only errors in the working tree fail the command.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

from . import config as project_config
from . import images, locations, pipeline, synth_run, validation
from . import plan as planner
from .digests import module_digest
from .errors import Check, EcsformError, Finding, Severity, errors_in, sorted_findings
from .options import Options, module_source_from

# The findings this module raises (collected by the catalog: generators/rules).
CHANGED_SINCE = Check("CHANGED-SINCE", Severity.ERROR, "ecsform changed without --since REF.")
CHANGED_FORMAT = Check(
    "CHANGED-FORMAT", Severity.ERROR, "ecsform changed --format: not text, json, github-matrix or paths."
)
CHANGED_GIT = Check(
    "CHANGED-GIT", Severity.ERROR, "ecsform changed: not in a git repository, no such revision, or git failed."
)
CHANGED_BASE = Check(
    "CHANGED-BASE",
    Severity.WARNING,
    (
        "ecsform changed: a spec (or, for every root, the configuration) does not validate in the revision "
        "compared with; its roots count as changed."
    ),
)


E = Severity.ERROR


@dataclass(frozen=True)
class ChangedRoot:
    root: str
    environment: str | None
    spec: str
    hash: str


@dataclass
class ChangeSet:
    changed: list[ChangedRoot]
    removed: list[ChangedRoot]
    warnings: list[Finding] = field(default_factory=list)  # CHANGED-BASE: REF's errors, which make roots changed


@dataclass
class _Base:
    """REF's side: the roots it synthesized, the errors of the specs left out of it (their roots count as
    changed), and `whole` when REF could not be synthesized at all (every root counts as changed)."""

    roots: dict[str, ChangedRoot]
    broken: list[Finding] = field(default_factory=list)
    whole: bool = False


def _git(args: list[str], cwd: str, what: str) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True)
    except OSError as exc:
        raise EcsformError(
            [
                CHANGED_GIT.finding(
                    f"cannot run git: {exc.strerror or exc}",
                    hint="install git, or run ecsform changed where git is on PATH",
                    file="--since",
                    mark=(1, 1),
                )
            ]
        )
    if proc.returncode != 0:
        words = proc.stderr.decode(errors="replace").strip().splitlines()
        raise EcsformError(
            [
                CHANGED_GIT.finding(
                    f"{what}: {words[-1] if words else 'git failed'}",
                    hint="run it inside a git repository, with REF a commit it has (a shallow "
                    "clone needs the history: fetch-depth: 0, GIT_DEPTH: 0)",
                    file="--since",
                    mark=(1, 1),
                )
            ]
        )
    return proc.stdout


def _inside(path: Path, folder: Path) -> Path | None:
    """`path` relative to `folder` when it lies inside it, else None."""
    try:
        return path.relative_to(folder)
    except ValueError:
        return None


def roots(paths: list[str], out: str, options: Options) -> dict[str, ChangedRoot]:
    """The roots synth would write, by path, with their hashes (nothing written)."""
    _, manifest, _ = pipeline.synth_tree(paths, out, options)
    return {r["path"]: ChangedRoot(r["path"], r["environment"], r["spec"], r["hash"]) for r in manifest["roots"]}


@dataclass(frozen=True)
class _Tree:
    """REF's tree, extracted at `tree`, standing for the repository at `top`."""

    tree: Path
    top: Path

    def mapped(self, p: str | Path) -> str:
        """A path of the working tree as it reads inside REF's tree (relative ones stay: they are read from the
        working folder's place in it); paths outside the repository stay as they are."""
        path = Path(p)
        rel = _inside(Path(os.path.abspath(path)), self.top) if path.is_absolute() else None
        return str(self.tree / rel) if rel is not None else str(p)

    @contextlib.contextmanager
    def entered(self) -> Iterator[None]:
        """Work from the working folder's place in REF's tree, with REF's version of ecsform's own modules/ when
        they lie in the repository (what roots call without an ecsform.yaml moduleSource)."""
        cwd = Path.cwd()
        here = self.tree / (_inside(cwd, self.top) or Path())
        here.mkdir(parents=True, exist_ok=True)
        ours, source = locations.MODULES, synth_run.module_source
        os.chdir(here)
        try:
            modules = _inside(ours, self.top)
            if modules is not None:
                locations.MODULES = self.tree / modules
            synth_run.module_source = self._module_source
            yield
        finally:
            locations.MODULES, synth_run.module_source = ours, source
            os.chdir(cwd)

    def _back(self, path: Path) -> Path:
        rel = _inside(path, self.tree)
        return self.top / rel if rel is not None else path

    def _module_source(
        self,
        out: Path,
        root: str,
        options: Options,
        module: str = "ecs-task-definition",
        *,
        environment: str | None = None,
    ) -> str:
        """A relative module source as the root at its place in the working tree writes it: the same text on both
        sides for the same module folder, also when that folder lies outside the repository."""
        folder = (Path(out) / root).absolute()
        vendored = (Path(out) / locations.VENDORED).absolute()
        text = module_source_from(folder, options, module, environment, vendored=vendored)
        if not locations.is_local_source(text):
            return text
        target = Path(os.path.normpath(folder / text))
        return Path(os.path.relpath(self._back(target), self._back(folder))).as_posix()

    def config_path(self, config: str | None, no_config: bool) -> Path | None:
        """The ecsform.yaml REF's tree uses (absolute), as the working tree's is found."""
        if no_config:
            return None
        if config is not None:
            path = Path(self.mapped(config))
            with self.entered():
                return path.absolute() if path.is_file() else None
        with self.entered():
            return project_config.discover()

    def config(self, config: str | None, no_config: bool) -> project_config.Config | None:
        path = self.config_path(config, no_config)
        if path is None:
            return None
        with self.entered():
            return project_config.load(path, config if config is not None else locations.display_path(path))


# how many times REF's side is synthesized again without the specs that stopped it (a spec left out can only
# remove findings about the specs it clashed with: two rounds settle every case but a pathological one)
_BASE_ROUNDS = 3


def _old_roots(old: _Tree, paths: list[str], out: str, options: Options, config: str | None, no_config: bool) -> _Base:
    """REF's roots of the specs `paths` (those REF has). A spec with an error in REF is left out (its error kept);
    when REF fails in anything but its specs (its ecsform.yaml, an images file), `whole` says so."""
    try:
        found = old.config(config, no_config)
        with old.entered():
            existing = [p for p in map(old.mapped, paths) if Path(p).exists()]
            files, _ = validation.collect(existing)
            remaining = {locations.display_path(f): str(f) for f in files}
            broken: list[Finding] = []
            for _ in range(_BASE_ROUNDS):
                if not remaining:
                    return _Base({}, broken)
                try:
                    return _Base(
                        roots(list(remaining.values()), old.mapped(out), replace(options, config=found)), broken
                    )
                except EcsformError as exc:
                    errors = errors_in(exc.findings)
                    stopped = {f.file for f in errors}
                    if not errors or not stopped <= set(remaining):
                        return _Base({}, broken + (errors or exc.findings), whole=True)
                    broken += errors
                    remaining = {d: f for d, f in remaining.items() if d not in stopped}
            return _Base({}, broken, whole=True)
    except EcsformError as exc:
        return _Base({}, errors_in(exc.findings) or exc.findings, whole=True)


_job: tuple[Any, ...] = ()


def _run_old() -> _Base:
    return _old_roots(*_job)


def _base_warnings(base: _Base, since: str) -> list[Finding]:
    """One CHANGED-BASE warning per file of REF with errors, at its first error, naming it."""
    by_file: dict[str, list[Finding]] = {}
    for f in sorted_findings(base.broken):
        by_file.setdefault(f.file or "", []).append(f)
    out = []
    for file, found in by_file.items():
        first = found[0]
        more = f", and {len(found) - 1} more error{'s' if len(found) > 2 else ''}" if len(found) > 1 else ""
        where = "every root counts as changed" if base.whole else "its roots count as changed"
        out.append(
            CHANGED_BASE.finding(
                f"{since} does not validate here ({first.rule}: {first.message}{more}): {where}",
                path=first.path,
                hint=f"the working tree is compared with what {since} would be if it were valid: fix it on {since}'s "
                "branch, or let this change fix it",
                file=f"{since}:{file}",
                mark=(first.line, first.col),
                environment=first.environment,
                at_key=first.at_key,
            )
        )
    return out


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _digest(folder: Path) -> bytes:
    return module_digest(folder, {}) if folder.is_dir() else b"missing"


def _same_inputs(old: _Tree, options: Options, config: str | None, no_config: bool) -> bool:
    """True when REF and the working tree differ in their specs at most: the same ecsform.yaml (at the same place)
    and its lock file (ecsform.lock.hcl, which synth copies into every root), and the same module folders. Then a
    spec whose bytes are the same in both gives the same roots in both."""
    new = options.config
    new_path = Path(os.path.abspath(new.file)) if new is not None else None
    old_path = old.config_path(config, no_config)
    if (new_path is None) != (old_path is None):
        return False
    folders = {locations.MODULES}
    if new is not None and new_path is not None and old_path is not None:
        if old.mapped(new_path) != str(old_path) or new_path.read_bytes() != old_path.read_bytes():
            return False
        if _bytes(new.lock_path) != _bytes(old_path.parent / new.lock_path.name):
            return False
        for environment in [None, *new.environments]:
            source = new.module_source(environment)
            if isinstance(source, Path):
                folders.add(source)
    for folder in folders:
        rel = _inside(folder, old.top)
        if rel is not None and _digest(folder) != _digest(old.tree / rel):
            return False
    return True


def _spec_bytes(paths: list[str]) -> dict[str, bytes]:
    """The spec files `paths` name (display path -> bytes), from the working folder."""
    files, _ = validation.collect(paths)
    return {locations.display_path(f): f.read_bytes() for f in files}


def _by_spec(
    old: _Tree, paths: list[str], out: str, options: Options, config: str | None, no_config: bool, since: str
) -> tuple[_Base, dict[str, ChangedRoot]]:
    """Only the specs that differ are synthesized, on both sides; every spec of the working tree is validated
    (in parallel, as validate does), so its errors are reported as validate reports them."""
    new_specs = _spec_bytes(paths)
    with old.entered():
        old_specs = _spec_bytes([p for p in map(old.mapped, paths) if Path(p).exists()])
    differ = sorted(d for d in set(new_specs) | set(old_specs) if new_specs.get(d) != old_specs.get(d))
    deployed = _images_differ(old, options, config, no_config)
    if deployed:  # a deploy (an images file) changes the roots of a spec whose bytes are the same
        variants, _ = validation.load(paths, options.env)
        producing = {planner.root_path(v): v.file for v in variants if v.family}
        differ = sorted(set(differ) | {producing[r] for r in deployed if producing.get(r) in old_specs})
    findings = validation.validate_findings(paths, options)
    if errors_in(findings):
        raise EcsformError(findings)
    theirs = [d for d in differ if d in old_specs]
    before = _old_roots(old, theirs, out, options, config, no_config) if theirs else _Base({})
    if before.whole:  # every root counts as changed: all of the working tree's
        return before, roots(paths, out, options)
    ours = [d for d in differ if d in new_specs]
    return before, roots(ours, out, options) if ours else {}


def _images_differ(old: _Tree, options: Options, config: str | None, no_config: bool) -> set[str]:
    """The roots whose images file (generators/images.py) differs between REF and the working tree."""
    ours = {root: path.read_bytes() for root, path in images.files(options.config)} if options.config else {}
    theirs: dict[str, bytes] = {}
    old_config = old.config(config, no_config)
    if old_config is not None:
        with old.entered():
            theirs = {root: path.read_bytes() for root, path in images.files(old_config)}
    return {root for root in set(ours) | set(theirs) if ours.get(root) != theirs.get(root)}


def _everything(
    old: _Tree, paths: list[str], out: str, options: Options, config: str | None, no_config: bool, since: str
) -> tuple[_Base, dict[str, ChangedRoot]]:
    """Every spec synthesized on both sides: REF's in a forked process while this one does the working tree's."""
    global _job
    _job = (old, paths, out, options, config, no_config)
    new_findings: list[Finding] = []
    try:
        if "fork" in multiprocessing.get_all_start_methods() and validation.job_count(options) > 1:
            with multiprocessing.get_context("fork").Pool(1) as pool:
                pending = pool.apply_async(_run_old)
                try:
                    new = roots(paths, out, options)
                except EcsformError as exc:
                    new, new_findings = {}, exc.findings
                before = pending.get()
        else:
            before = _run_old()
            try:
                new = roots(paths, out, options)
            except EcsformError as exc:
                new, new_findings = {}, exc.findings
    finally:
        _job = ()
    if new_findings:  # only the working tree's errors stop the command
        raise EcsformError(sorted_findings(new_findings))
    return before, new


def changed(
    paths: list[str],
    since: str,
    out: str,
    options: Options,
    config: str | None = None,
    no_config: bool = False,
) -> ChangeSet:
    """Compare the roots of the working tree with those of the git revision `since`. Raises EcsformError with the
    working tree's errors; REF's errors are CHANGED-BASE warnings (named `REF:FILE`) and make roots changed."""
    cwd = os.getcwd()
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd, "not a git repository").decode().strip())
    sha = (
        _git(["rev-parse", "--verify", "--end-of-options", f"{since}^{{commit}}"], cwd, f"no commit {since!r}")
        .decode()
        .strip()
    )
    archive = _git(["archive", "--format=tar", sha], str(top), f"cannot read {since}")
    with tempfile.TemporaryDirectory(prefix="ecsform-changed-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        try:
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(tree, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise EcsformError(
                [
                    CHANGED_GIT.finding(
                        f"cannot extract {since} into {tmp}: {exc}",
                        hint="a link that leaves the repository, or no space in the temporary folder (TMPDIR)",
                        file="--since",
                        mark=(1, 1),
                    )
                ]
            ) from None
        (tree / ".git").mkdir(exist_ok=True)  # ecsform.yaml is searched for no higher than the repository's root
        old = _Tree(tree, top)
        compare = _by_spec if _same_inputs(old, options, config, no_config) else _everything
        before, new = compare(old, paths, out, options, config, no_config, since)
    old_roots = before.roots
    return ChangeSet(
        [r for path, r in sorted(new.items()) if path not in old_roots or old_roots[path].hash != r.hash],
        [r for path, r in sorted(old_roots.items()) if path not in new],
        _base_warnings(before, since),
    )
