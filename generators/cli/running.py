"""Running a command's body: the findings it returns reported (`--format`), the project's own error mapped to
exit 2 and anything else to exit 70 (never a traceback), and the flow's modules loaded when a command first
uses them, so that `ecsform --help` loads none of them."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Callable, TextIO

import typer

from .. import report
from ..errors import Check, EcsformError, Finding, Severity
from ..options import Options


def lazy(name: str) -> ModuleType:
    """The module `name`, imported when a command first uses it (importlib's LazyLoader): `ecsform --help` and the
    commands that need neither never load the flow, the rules, the pydantic models or the botocore model."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)  # `from generators import pipeline` finds it, as after an import
    spec.loader.exec_module(module)
    return module


project_config = lazy("generators.config")

EXIT_INVALID = 2


EXIT_INTERNAL = 70


EXIT_DIFFERENT = 1  # diff: different; synth --check: not fresh


def waiting(message: str) -> None:
    print(f"{message} ...", file=sys.stderr, flush=True)


def report_findings(findings: list[Finding], fmt: str = "text", notes: bool = False) -> None:
    report.emit(findings, fmt, notes=notes)


def notes_stream(fmt: str) -> TextIO:
    """Where a command's own lines go: standard output, unless it holds a --format document."""
    return sys.stdout if fmt == "text" else sys.stderr


def run(action: Callable[[], list[Finding]], fmt: str = "text", notes: bool = False) -> None:
    """Run a command body: report findings, map EcsformError to exit 2 and anything else to exit 70."""
    try:
        warnings = action()
    except EcsformError as exc:
        report_findings(exc.findings, fmt, notes)
        raise typer.Exit(EXIT_INVALID)
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise typer.Exit(130)
    except Exception as exc:  # never a traceback for the user
        print(
            f"ecsform: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in ecsform; please report it with the command and the spec.",
            file=sys.stderr,
        )
        raise typer.Exit(EXIT_INTERNAL)
    report_findings(warnings, fmt, notes)


def flag_error(rule: Check, message: str, flag: str, hint: str | None) -> EcsformError:
    """A finding about a command-line flag, located at the flag (no file holds it)."""
    return EcsformError([rule.finding(message, hint=hint, file=flag, mark=(1, 1), severity=Severity.ERROR)])


def options(
    config: str | None,
    no_config: bool,
    env: str | None = None,
    *,
    region: str | None = None,
    role_arn: str | None = None,
) -> Options:
    """Options of a command after the apply: ecsform.yaml as --config/--no-config say, waits for the lock said."""
    return Options(
        env=env,
        config=project_config.for_command(config, no_config),
        on_wait=waiting,
        region=region,
        role_arn=role_arn,
    )
