"""The flow, in one visible place: loader -> model -> rules -> plan -> emitters -> writer.

checked, plans = validation.build_plans(paths, options)   # the first half: specs checked and planned
files  = emit.<engine>.render(plan, source)                # Terraform root
writer.write_tree(out, files, manifest)                    # under the output's lock; only what changed, all or nothing

Each spec file's outcome (checked, planned, rendered, or from the render cache) comes from synth_run.py; what synth
copies beside the roots from vendoring.py; and, before an apply, account.py takes the specs to aws/: verify, diff
and synth --adopt against the target account. The flow calls the parts; none of them imports it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from . import locations
from . import plan as planner
from .account import adopt_imports
from .declarations import Declared
from .errors import EcsformError, Finding, sorted_findings
from .options import Options
from .synth_run import STORE_BATCH, SynthRun, manifest_entry
from .validation import build_plans, cross_spec, failing, in_vendored
from .vendoring import module_entry, vendor_files, vendored_modules

if TYPE_CHECKING:
    from .writer.changes import Changes
    from .writer.manifest import Manifest, RootEntry
    from .writer.publication import Publication


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
    # (_synthesize's findings are sorted already: with nothing to add, not again)
    return result.manifest, sorted_findings(findings + result.findings) if result.findings else findings


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
    run = SynthRun(paths, Path(out), options, compare=compare)
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
                    if len(stored) >= STORE_BATCH:
                        run.keep(stored)
                stopped = stopped or failing(outcome.findings, options.strict)
                if stopped:
                    continue
                for root in outcome.roots:
                    stale = sink(root.path, root.files, root.same)
                    if stale:  # changed between the worker's look and the lock: its bytes, from this process
                        again = next(r for r in run.outcome(file, compare=False)[0].roots if r.path == root.path)
                        sink(root.path, {rel: again.files[rel] for rel in stale}, {})
                    entries.append(manifest_entry(root))
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
    vendored = vendored_modules(entries, options)
    if vendored:  # after the roots, through the same sink: one publication (a root in OUT/modules is ROOT-NESTED)
        manifest["modules"] = []
        for module in vendored:
            path = f"{locations.VENDORED}/{module}"
            content = vendor_files(locations.MODULES / module)
            sink(path, {f"{path}/{name}": data for name, data in content.items()}, {})
            manifest["modules"].append(module_entry(path, content))
    return manifest, findings


def _adopted(run: SynthRun, sink: Sink) -> list[RootEntry]:
    """synth --adopt, once every spec passed: each root rendered with the imports.tf of what its target account
    already has (the specs' plans were kept for it: `SynthRun.make` renders nothing with --adopt)."""
    plans = [p for plans, _ in run.adopting for p in plans]
    variants = [v for _, variants in run.adopting for v in variants]
    adopted = adopt_imports(plans, variants, run.options)
    entries: list[RootEntry] = []
    for p in plans:
        root = run.render(p, adopted.get((p.file, p.environment)))
        sink(root.path, root.files, {})
        entries.append(manifest_entry(root))
    return entries


def render(path: str, options: Options | None = None) -> list[planner.Plan]:
    options = options or Options()
    plans, _ = build_plans([path], options)
    return plans
