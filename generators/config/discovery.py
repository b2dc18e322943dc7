"""Finding and loading ecsform.yaml: discovery from the working folder, --config/--no-config, and the loader (the
spec loader for positions, the model, the checks), raising every located finding at once."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from ..errors import Check, EcsformError, Finding, Severity, errors_in, sorted_findings
from ..locations import display_path
from ..spec.fields import known_keys
from ..spec.loader import SPEC_EMPTY, SPEC_NOT_MAPPING, SPEC_READ, SPEC_TOO_LARGE, load_file
from ..spec.nodes import Node, plain
from ..text import did_you_mean
from .checks import CONFIG_REQUIRED, checks, module_source_checks, section_checks
from .ci_checks import CONFIG_INVALID
from .model import FILE_NAME, ProjectConfig
from .project import Config

# The findings this module raises (collected by the catalog: generators/rules).
CONFIG_READ = Check("CONFIG-READ", Severity.ERROR, "ecsform.yaml (or --config FILE) cannot be read.")
CONFIG_UNKNOWN_FIELD = Check(
    "CONFIG-UNKNOWN-FIELD", Severity.ERROR, "An unknown key in ecsform.yaml (with a did-you-mean)."
)


E = Severity.ERROR


def discover(start: Path | None = None) -> Path | None:
    """The ecsform.yaml that applies in `start` (default: the working folder): the nearest one in the folder or
    its parents, searching no higher than the git repository's root, else up to the filesystem root."""
    folder = (start or Path.cwd()).absolute()
    for candidate in (folder, *folder.parents):
        path = candidate / FILE_NAME
        if path.is_file():
            return path
        if (candidate / ".git").exists():
            return None
    return None


def for_command(config: str | None, no_config: bool) -> Config | None:
    """What a command uses: --config FILE, nothing with --no-config, else the ecsform.yaml `discover` finds."""
    if no_config:
        if config is not None:
            raise EcsformError(
                [
                    CONFIG_READ.finding(
                        "--config and --no-config contradict each other",
                        hint="keep one of them",
                        file="--no-config",
                        mark=(1, 1),
                    )
                ]
            )
        return None
    if config is not None:
        path = Path(config)
        if not path.is_file():
            raise EcsformError(
                [
                    CONFIG_READ.finding(
                        "no such configuration file",
                        hint=f"--config names an {FILE_NAME}; --no-config runs without one",
                        file=config,
                        mark=(1, 1),
                    )
                ]
            )
        return load(path, display_path(path))
    found = discover()
    return load(found, display_path(found)) if found else None


_READ_RULES = {SPEC_READ.id: CONFIG_READ.id, SPEC_TOO_LARGE.id: CONFIG_READ.id, SPEC_NOT_MAPPING.id: CONFIG_INVALID.id}


def load(path: str | os.PathLike[str], display: str | None = None) -> Config:
    """Read and check an ecsform.yaml. Raises EcsformError with every located finding."""
    path = Path(path)
    file = display or str(path)
    try:
        root = load_file(path, file)
    except EcsformError as exc:
        if [f.rule for f in exc.findings] == [SPEC_EMPTY.id]:  # an empty file: every default
            root = Node({}, (1, 1))
        else:
            raise EcsformError([_as_config_finding(f) for f in exc.findings]) from None
    data, smap = plain(root, file)
    model: ProjectConfig | None
    try:
        model = ProjectConfig.model_validate(data)
        config_findings = checks(model)
    except ValidationError as exc:
        model = None
        config_findings = _validation_findings(exc) + section_checks(data)
    config = Config(file, path.absolute().parent, model or ProjectConfig(), root, smap)
    if model is not None:
        config_findings += module_source_checks(model, config.folder)
    located = [config.finding(f.rule, f.severity, f.message, f.path, f.hint, at_key=f.at_key) for f in config_findings]
    if errors_in(located):
        raise EcsformError(sorted_findings(located))
    return config


def _as_config_finding(f: Finding) -> Finding:
    rule = _READ_RULES.get(f.rule, f.rule)
    hint = f.hint
    if f.rule == SPEC_NOT_MAPPING.id:
        hint = "ecsform.yaml is a mapping: defaults, environments, backend, policy"
    elif rule != f.rule:
        hint = None
    message = f.message.replace("a task definition is at most 64 KiB", "").rstrip("; ")
    return Finding(
        rule=rule, severity=f.severity, message=message, path=f.path, hint=hint, file=f.file, line=f.line, col=f.col
    )


def _validation_findings(exc: ValidationError) -> list[Finding]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            known = [k for k in known_keys(ProjectConfig, loc) if k != "$schema"]
            hint = did_you_mean(str(loc[-1]), known) if known else None
            out.append(
                CONFIG_UNKNOWN_FIELD.finding(
                    f"unknown key {loc[-1]!r}",
                    path=loc,
                    hint=hint or (f"known keys: {', '.join(known)}" if known else None),
                    at_key=True,
                )
            )
        elif err["type"] == "missing":
            out.append(
                CONFIG_REQUIRED.finding(f"required key {loc[-1]!r} is missing", path=loc[:-1], hint=f"add `{loc[-1]}`")
            )
        elif loc and loc[-1] == "accountId" and isinstance(err.get("input"), int):
            out.append(
                CONFIG_INVALID.finding(
                    f"accountId is a number ({err['input']}), not a string",
                    path=loc,
                    hint='quote it: accountId: "012345678901" (YAML reads digits as a number and drops leading zeros)',
                )
            )
        else:
            got = repr(err["input"])[:80]
            out.append(CONFIG_INVALID.finding(f"{err['msg']} (got {got})", path=loc))
    return out
