"""Findings: what the loader, the schema check and the rules report, and the project's own error type.

A finding knows *where* (file, line, column, field path) and *what* (rule id, severity, message, hint).
Everything that reports a problem to the user produces findings; nothing else prints.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Iterable

Path = tuple[str | int, ...]


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    path: Path = ()
    hint: str | None = None
    file: str = ""
    line: int = 0
    col: int = 0
    environment: str | None = None
    at_key: bool = field(default=False, compare=False)  # point at the key rather than its value
    # Why the finding is not shown: an x-ecsform.ignore entry's reason, or the policy's `rules: {ID: off}`.
    # A suppressed finding never fails a run; the summary line counts it.
    suppressed: str | None = None

    def located(self, file: str, line: int, col: int) -> "Finding":
        return replace(self, file=file, line=line, col=col)

    def suppress(self, reason: str) -> "Finding":
        return replace(self, suppressed=reason)

    def with_severity(self, severity: Severity) -> "Finding":
        return replace(self, severity=severity)

    def sort_key(self) -> tuple:
        return (self.file, self.environment or "", self.line, self.col, self.rule, self.message)

    def format(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        env = f"[environment {self.environment}] " if self.environment else ""
        field_path = format_path(self.path)
        subject = f"{field_path}: " if field_path else ""
        text = f"{where}: {self.severity.value} {self.rule}: {env}{subject}{self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


def format_path(path: Path) -> str:
    """('containerDefinitions', 0, 'image') -> 'containerDefinitions[0].image'."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(("." if out else "") + str(part))
    return "".join(out)


@dataclass
class EcsformError(Exception):
    """The only exception the public API lets escape: it carries every finding that stopped the run."""

    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.summary())

    def summary(self) -> str:
        errors = len(errors_in(self.findings))
        return f"{errors} error(s)" if errors else "invalid input"

    def __str__(self) -> str:
        return "\n".join(f.format() for f in shown(self.findings)) or self.summary()


def shown(findings: Iterable[Finding]) -> list[Finding]:
    """The findings a user sees: all but the suppressed ones."""
    return [f for f in findings if f.suppressed is None]


def errors_in(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR and f.suppressed is None]


def summary_line(findings: Iterable[Finding]) -> str:
    """ "2 error(s), 1 warning(s)", with ", 3 suppressed" when findings were suppressed."""
    findings = list(findings)
    visible = shown(findings)
    errors = sum(1 for f in visible if f.severity is Severity.ERROR)
    text = f"{errors} error(s), {len(visible) - errors} warning(s)"
    suppressed = len(findings) - len(visible)
    return text + (f", {suppressed} suppressed" if suppressed else "")


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings), key=Finding.sort_key)
