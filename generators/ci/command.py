"""`ecsform ci github|gitlab|gitlab-child|github-matrix|atlantis`: which engine's file, where it goes by default, and
its writing, all at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal, get_args

from ..config import Config
from ..errors import Check, EcsformError, Finding, Severity
from .atlantis import atlantis
from .chunks import CI_CHANGED
from .environments import settings
from .github import github, github_matrix
from .gitlab import gitlab, gitlab_child

# The findings this module raises (collected by the catalog: generators/rules).
CI_KIND = Check("CI-KIND", Severity.ERROR, "ecsform ci: an unknown CI engine, or options of another one.")


Kind = Literal["github", "gitlab", "gitlab-child", "github-matrix", "atlantis"]
KINDS: tuple[Kind, ...] = get_args(Kind)
# where each file goes by default, relative to the folder of ecsform.yaml (the repository's root); "-": standard output
DEFAULT_OUT: dict[str, str] = {
    "github": ".github/workflows/ecsform.yml",
    "gitlab": ".gitlab/ecsform.gitlab-ci.yml",
    "atlantis": "atlantis.yaml",
    "gitlab-child": "-",
    "github-matrix": "-",
}


def _mistake(
    message: str, *, file: str = "ecsform ci", hint: str | None = None, rule: str = CI_KIND.id
) -> EcsformError:
    return EcsformError(
        [Finding(rule=rule, severity=Severity.ERROR, message=message, file=file, line=1, col=1, hint=hint)]
    )


def generate(kind: str, config: Config | None, *, changed: str | None = None, apply: bool = False) -> str:
    """The text of the file `ecsform ci KIND` writes. gitlab-child and github-matrix read the roots of a change
    (`changed`, what `ecsform changed --format json` wrote); `apply` adds gitlab-child's apply jobs."""
    if kind not in KINDS:
        raise _mistake(f"unknown pipeline {kind!r}", hint=f"one of: {', '.join(KINDS)}")
    settings(config)
    assert config is not None
    if kind in ("gitlab-child", "github-matrix"):
        if changed is None:
            raise _mistake(
                f"{kind} needs --changed FILE",
                file="--changed",
                hint="the output of `ecsform changed --format json`",
                rule=CI_CHANGED.id,
            )
        if kind == "github-matrix":
            if apply:
                raise _mistake("--apply is for gitlab-child")
            return github_matrix(config, changed)
        return gitlab_child(config, changed, apply)
    if changed is not None or apply:
        raise _mistake("--changed and --apply are for gitlab-child (and --changed for github-matrix)")
    engines: dict[str, Callable[[Config], str]] = {"github": github, "gitlab": gitlab, "atlantis": atlantis}
    return engines[kind](config)


def default_out(kind: str, config: Config) -> Path | None:
    """Where `ecsform ci KIND` writes without --out (None: standard output)."""
    name = DEFAULT_OUT[kind]
    return None if name == "-" else config.folder / name


def write(text: str, out: Path, lock_timeout: float, on_wait: Callable[[str], None] | None = None) -> None:
    """Write one file all at once through the project's writer (its lock, a file beside it, then a rename); the
    folders leading to it are made first."""
    from ..writer.lock import output_lock
    from ..writer.single_file import write_file

    with output_lock(out, lock_timeout, parents=True, on_wait=on_wait):
        write_file(out, text.encode())
