"""What synth puts beside the roots besides their own files: the modules it copies into OUT/modules (vendored, for
roots without a module source; `ecsform modules export` writes the same copies elsewhere), and the provider lock
file every root gets (`ecsform lock` writes ecsform.lock.hcl)."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from . import locations, providers
from .digests import files_digest
from .errors import Check, EcsformError, Severity
from .options import Options, vendors

if TYPE_CHECKING:
    from .config import Config
    from .writer.manifest import Manifest, ModuleEntry, RootEntry


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


def module_entry(path: str, content: dict[str, bytes]) -> ModuleEntry:
    """manifest.json's entry of a module folder ecsform writes (`content`: its files by name)."""
    return {"path": path, "files": sorted(content), "hash": "sha256:" + files_digest(content).hex()}


def vendored_modules(entries: list[RootEntry], options: Options) -> list[str]:
    """The modules synth copies into OUT/modules: those the roots call there (a root's `modules` as it writes them,
    read from its folder), for roots that vendor (no --module-source, no moduleSource for their environment). Read
    from the manifest's entries, so that a root from the render cache or a worker counts as one rendered here."""
    found = set()
    for entry in entries:
        if not vendors(options, entry["environment"]):
            continue
        for text in entry["modules"]:
            where = posixpath.normpath(posixpath.join(entry["path"], text)).split("/")
            if len(where) == 2 and where[0] == locations.VENDORED:
                found.add(where[1])
    return sorted(found)


def vendor_files(folder: Path) -> dict[str, bytes]:
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


def write_lock(
    config: "Config", *, fs_mirror: str | None = None, net_mirror: str | None = None, lock_timeout: float | None = None
) -> Path:
    """`ecsform lock`: ecsform.lock.hcl beside ecsform.yaml, for the platforms terraform.lockPlatforms names, from
    `terraform providers lock` (the registry, or a mirror). Returns where it was written."""
    from .config.checks import CONFIG_REQUIRED  # (here: a synth without ecsform.yaml never loads the config models)
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
        content = vendor_files(locations.MODULES / name)
        files.update({f"{name}/{rel}": data for rel, data in content.items()})
        entries.append(module_entry(name, content))
    timeout = DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
    with output_lock(out, timeout, parents=True):
        manifest: Manifest[RootEntry] = {"roots": [], "modules": entries}
        write_tree(out, files, manifest)
    return names
