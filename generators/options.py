"""What a run is asked for (`Options`: environment, region, engine, module source, ecsform.yaml, ...), and where
the roots it writes find the Terraform modules.

Read by the flow (generators/pipeline.py and generators/validation.py), the engines and constructs in emit/, and
aws/; it reads only generators/locations.py (modules/ and module addresses) and, for its type, ecsform.yaml's Config.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import locations
from .errors import Check, Severity

if TYPE_CHECKING:
    from .config import Config


# The findings this module raises (collected by the catalog: generators/rules).
CLI_FORCE = Check("CLI-FORCE", Severity.ERROR, "synth --force without --prune.")
CLI_ENGINE = Check("CLI-ENGINE", Severity.ERROR, "synth --engine names an engine other than hcl and cdk.")
CLI_CHECK = Check("CLI-CHECK", Severity.ERROR, "synth --check with --prune: --check writes nothing.")
CLI_CACHE = Check(
    "CLI-CACHE",
    Severity.ERROR,
    "synth: the render cache folder lies inside --out, or --cache-dir comes with --no-cache.",
)


ENGINES = ("hcl", "cdk")


@dataclass
class Options:
    env: str | None = None
    region: str | None = None
    engine: str = "hcl"
    module_source: str | None = None  # default: ecsform.yaml's moduleSource, else the copy in OUT/modules
    strict: bool = False
    config: "Config | None" = None  # ecsform.yaml (generators/config.py): targets and state of the roots
    role_arn: str | None = None  # verify, diff, synth --adopt: assume this role (until ecsform.yaml names one)
    adopt: bool = False  # synth --adopt: imports.tf for what the account already has
    lock_timeout: float | None = None  # seconds synth waits for another run's lock on --out (None: the default)
    prune: bool = False  # remove roots no spec produces any more even when they hold files ecsform did not write
    force: bool = False  # ... and even when they hold Terraform state
    on_wait: Callable[[str], None] | None = None  # told once when synth waits for another run's lock
    policy: str | None = None  # --policy FILE
    plan_role: bool = False  # synth --plan-role: roots assume each target's planRoleArn (read-only plans)
    jobs: int | None = None  # --jobs: processes that load, check and render (None: ECSFORM_JOBS, else the cores)
    cache: Path | None = None  # synth's render cache folder (generators/cache.py); None: no cache


def module_source(
    out: Path, root: str, options: Options, module: str = "ecs-task-definition", *, environment: str | None = None
) -> str:
    """Where a root at OUT/root finds one of the modules: under --module-source, else ecsform.yaml's moduleSource,
    else the copy synth vendors into OUT/modules (the same text wherever ecsform is installed)."""
    return module_source_from(
        (out / root).absolute(), options, module, environment, vendored=(out / locations.VENDORED).absolute()
    )


def module_source_from(
    folder: Path, options: Options, module: str, environment: str | None = None, *, vendored: Path | None = None
) -> str:
    """Where a root in `folder` finds one of the modules: under --module-source, else under ecsform.yaml's
    moduleSource (of the root's environment, else the defaults), else the relative path to `vendored`/module (the
    modules synth copies into its output), or, without `vendored` (cdk-app), to this installation's modules/."""
    if options.module_source:
        return locations.module_address(options.module_source, module)
    configured = options.config.module_source(environment) if options.config is not None else None
    if isinstance(configured, str):
        return locations.module_address(configured, module)
    from .root import relative_source  # (root.py reads the plans: not for what only builds Options)

    return relative_source((configured or vendored or locations.MODULES) / module, folder)


def vendors(options: Options, environment: str | None = None) -> bool:
    """True when a root of `environment` calls the modules synth copies into its output (no --module-source, no
    moduleSource in ecsform.yaml for it)."""
    if options.module_source:
        return False
    return options.config is None or options.config.module_source(environment) is None


def module_folder(
    folder: Path, source: str, options: Options, module: str, environment: str | None = None
) -> Path | None:
    """The folder on this machine of a module a root in `folder` calls by `source` (None for a module address); for
    the vendored modules, the installation's folder they are copied from."""
    if not locations.is_local_source(source):
        return None
    if vendors(options, environment):
        return locations.MODULES / module
    configured = options.config.module_source(environment) if options.config is not None else None
    if options.module_source or isinstance(configured, str):
        return Path(os.path.normpath(folder.absolute() / source))
    return (configured or locations.MODULES) / module
