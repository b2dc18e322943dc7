"""Atlantis: atlantis.yaml (version 3), one project per root, planned when what the root is made of changes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .. import images, locations
from ..config import Config
from .environments import settings
from .output import Node, dump

if TYPE_CHECKING:
    from ..plan import Plan


def atlantis(config: Config) -> str:
    """atlantis.yaml (version 3): one project per root, planned when the root's files, its spec, ecsform.yaml, its
    images file or a local module it calls change (paths relative to the project's folder)."""
    from .. import validation
    from ..options import Options, module_source_from

    ci = settings(config)
    repo = config.folder
    options = Options(config=config)
    paths = [str(repo / s) for s in ci.specs]
    plans, _ = validation.build_plans(paths, options)
    config_file = repo / "ecsform.yaml"
    projects: list[Node] = []
    for p in sorted(plans, key=lambda p: p.root):
        folder = (repo / ci.out / p.root).absolute()

        def rel(path: Path | str) -> str:
            return Path(os.path.relpath(os.path.abspath(path), folder)).as_posix()

        # the root's deployed images too: a pull request that deploys an image changes only that file
        watched = ["*.tf*", rel(p.file), rel(config_file), rel(images.path_for(config, p.root))]
        if config.model.terraform.lock_platforms:  # the provider's lock: the root's copy, and ecsform.lock.hcl
            watched += [".terraform.lock.hcl", rel(config.lock_path)]
        environment = p.target.environment if p.target else None
        vendored = (repo / ci.out / locations.VENDORED).absolute()  # the copy synth writes without moduleSource
        for source in module_sources(
            p, lambda m: module_source_from(folder, options, m, environment, vendored=vendored)
        ):
            if not is_address(source):
                watched.append(source.rstrip("/") + "/**/*.tf")
        projects.append(
            {
                "name": p.root,
                "dir": (PurePosixPath(ci.out) / p.root).as_posix(),
                "workspace": "default",
                "terraform_version": "v" + ci.terraform_version,
                "autoplan": {"enabled": True, "when_modified": watched},
            }
        )
    return dump({"version": 3, "parallel_plan": True, "parallel_apply": True, "projects": projects}, "ci atlantis")


def module_sources(plan: Plan, source: Callable[[str], str]) -> list[str]:
    """The `source` of every module block the root's main.tf holds, in order: the emitter renders the root and says
    which modules it calls (the one place that knows)."""
    from ..emit import hcl

    called: list[str] = []

    def record(module: str) -> str:
        found = source(module)
        if found not in called:
            called.append(found)
        return found

    hcl.render(plan, record)
    return called


def is_address(source: str) -> bool:
    """A module source that is not a local path (a registry or git address): nothing in the repository to watch."""
    return not (source.startswith("./") or source.startswith("../"))
