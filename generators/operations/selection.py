"""What a command names: one spec file, its variants (or the one of --env), the ecsform.yaml it needs; findings
about command-line arguments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import validation
from ..errors import Check, EcsformError, Finding, Severity, sorted_findings
from ..options import Options
from ..spec import document as specs
from ..spec.document import ENV_UNKNOWN

if TYPE_CHECKING:
    from ..config import Config


# The findings this module raises (collected by the catalog: generators/rules).
CLI_ENV_REQUIRED = Check(
    "CLI-ENV-REQUIRED", Severity.ERROR, "render: the spec has environments and --env does not choose one."
)
IMAGES_CONFIG = Check(
    "IMAGES-CONFIG",
    Severity.ERROR,
    "image set, promote and show need an ecsform.yaml (the images folder is beside it).",
)
CLI_SPEC = Check("CLI-SPEC", Severity.ERROR, "A command that takes one spec file was given a folder.")


E = Severity.ERROR


def cli_finding(rule: Check, message: str, where: str, hint: str | None = None) -> Finding:
    """A finding about a command-line argument, located at the argument (no file holds it)."""
    return rule.finding(message, hint=hint, file=where, mark=(1, 1), severity=E)


def require_config(options: Options, command: str) -> "Config":
    if options.config is None:
        raise EcsformError(
            [
                cli_finding(
                    IMAGES_CONFIG,
                    f"{command} needs an ecsform.yaml: the deployed images are kept beside it (images/<root>.yaml)",
                    "ecsform.yaml",
                    "run it in the repository that holds ecsform.yaml, or give --config FILE (an empty ecsform.yaml "
                    "is enough)",
                )
            ]
        )
    return options.config


def variants_of(spec: str, env: str | None = None) -> list[specs.Variant]:
    """The variants of one spec file (only `env` when given). Raises EcsformError on a spec that cannot be read,
    or an environment it does not have."""
    files, problems = validation.collect([spec])
    if problems:
        raise EcsformError(problems)
    if len(files) != 1 or Path(spec).is_dir():
        raise EcsformError([cli_finding(CLI_SPEC, "name one spec file, not a folder", spec)])
    found, problems = validation.load([spec], env)
    if problems:
        raise EcsformError(sorted_findings(problems))
    if env is not None and found and found[0].environment is None:
        raise EcsformError(
            [
                cli_finding(
                    ENV_UNKNOWN,
                    f"the spec has no environments, so --env {env} names none of its roots",
                    spec,
                    "leave out --env",
                )
            ]
        )
    return found


def one_variant(spec: str, env: str | None) -> specs.Variant:
    found = variants_of(spec, env)
    if len(found) > 1:
        choices = ", ".join(v.environment or "" for v in found)
        raise EcsformError(
            [
                cli_finding(
                    CLI_ENV_REQUIRED,
                    f"the spec has {len(found)} environments; choose one with --env ({choices})",
                    spec,
                )
            ]
        )
    return found[0]
