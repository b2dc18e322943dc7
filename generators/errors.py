"""Findings: what the loader, the schema check and the rules report, and the project's own error type.

A finding knows *where* (file, line, column, field path) and *what* (rule id, severity, message, hint).
Everything that reports a problem to the user produces findings; nothing else prints.
"""

from __future__ import annotations

import enum
import operator
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Iterable

FieldPath = tuple[str | int, ...]


class Severity(str, enum.Enum):
    """The doctrine (docs/rule-audit.md): an error is what AWS refuses to register or what can never start; a
    warning is what may fail depending on what ecsform cannot see; a note is what works as written (hardening
    advice, information): counted in the summary, listed by `ecsform validate --notes`, raised by the policy."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    path: FieldPath = ()
    hint: str | None = None
    file: str = ""
    line: int = 0
    col: int = 0
    environment: str | None = None
    at_key: bool = field(default=False, compare=False)  # point at the key rather than its value
    # Why the finding is not shown: an x-ecsform.ignore entry's reason, or the policy's `rules: {ID: off}`.
    # A suppressed finding never fails a run; the summary line counts it.
    suppressed: str | None = None
    # Structured detail that --format json and sarif carry beside the message (the IAM statements a brought role
    # needs); not part of a finding's identity.
    data: Any = field(default=None, compare=False)

    def __reduce__(self) -> tuple[type["Finding"], tuple[Any, ...]]:
        # (synth's workers send every finding to the main process: pickled as a call with the fields, not through
        # the slots' state that dataclasses pickles with fields() and one setattr per field, at 20x the cost)
        return Finding, _FIELD_VALUES(self)

    def located(self, file: str, line: int, col: int) -> "Finding":
        return self.at(file, line, col, self.environment)

    def at(self, file: str, line: int, col: int, environment: str | None) -> "Finding":
        """The finding at a place of a file (and of an environment of it). What dataclasses.replace would give,
        built directly: every spec's findings are located, in a third of replace's time (every field is listed:
        tests/unit/test_findings_copy.py compares these copies with replace's)."""
        return Finding(
            self.rule,
            self.severity,
            self.message,
            self.path,
            self.hint,
            file,
            line,
            col,
            environment,
            self.at_key,
            self.suppressed,
            self.data,
        )

    def suppress(self, reason: str) -> "Finding":
        return Finding(
            self.rule,
            self.severity,
            self.message,
            self.path,
            self.hint,
            self.file,
            self.line,
            self.col,
            self.environment,
            self.at_key,
            reason,
            self.data,
        )

    def with_severity(self, severity: Severity) -> "Finding":
        return replace(self, severity=severity)

    def sort_key(self) -> tuple:
        return (self.file, self.environment or "", self.line, self.col, self.rule, self.message)

    def format(self, style: Callable[[str, str], str] | None = None) -> str:
        """FILE:LINE:COL: SEVERITY RULE: [environment ENV] PATH: MESSAGE, and the hint on the next line.
        `style(part, text)` may decorate the parts "where", "error"/"warning", "rule" and "hint" (colour)."""
        s = style or (lambda _part, text: text)
        where = s("where", f"{self.file}:{self.line}:{self.col}")
        env = f"[environment {self.environment}] " if self.environment else ""
        field_path = format_path(self.path)
        subject = f"{field_path}: " if field_path else ""
        text = (
            f"{where}: {s(self.severity.value, self.severity.value)} {s('rule', self.rule)}: "
            f"{env}{subject}{self.message}"
        )
        if self.hint:
            text += f"\n    {s('hint', 'hint:')} {self.hint}"
        return text


_FIELD_VALUES = operator.attrgetter(*(f.name for f in fields(Finding)))  # a finding's fields, in order (C code)


@dataclass(frozen=True, slots=True)
class Check:
    """One id a finding can carry, declared next to the code that raises it: the id, its severity, the summary that
    `ecsform rules`, docs/rules.md and SARIF's rules show, and the source of the bound it checks. Declaring one
    registers it (an id declared twice is a bug, reported at import); the catalog (generators/rules) collects them.
    The rule functions are checks too (generators/rules/registry.py: `Rule`)."""

    id: str
    severity: Severity
    summary: str
    source: str = "ecsform"

    def __post_init__(self) -> None:
        declared = CHECKS.setdefault(self.id, self)
        # (a module executed twice, as main.py's lazy imports may, declares the same check again: that is no bug)
        if declared is not self and declared != self:
            raise RuntimeError(f"finding id {self.id} declared twice")

    def finding(
        self,
        message: str,
        path: FieldPath = (),
        hint: str | None = None,
        *,
        severity: Severity | None = None,
        file: str = "",
        mark: tuple[int, int] = (0, 0),
        environment: str | None = None,
        at_key: bool = False,
        data: object = None,
    ) -> Finding:
        """A finding of this id (of its declared severity unless `severity` says otherwise), at `mark` (line, column)
        of `file` when the place is known as it is raised."""
        return Finding(
            rule=self.id,
            severity=severity or self.severity,
            message=message,
            path=path,
            hint=hint,
            file=file,
            line=mark[0],
            col=mark[1],
            environment=environment,
            at_key=at_key,
            data=data,
        )


# Every check declared so far, by id (the modules that raise them declare them as they are imported).
CHECKS: dict[str, Check] = {}


def format_path(path: FieldPath) -> str:
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
        return "\n".join(f.format() for f in listed(self.findings)) or self.summary()


def shown(findings: Iterable[Finding]) -> list[Finding]:
    """The findings a user sees: all but the suppressed ones (notes included: they are counted)."""
    return [f for f in findings if f.suppressed is None]


def listed(findings: Iterable[Finding], notes: bool = False) -> list[Finding]:
    """The findings printed one by one: the shown errors and warnings, and the notes only when asked (--notes)."""
    return [f for f in shown(findings) if notes or f.severity is not Severity.NOTE]


def errors_in(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR and f.suppressed is None]


# What the summary line says when notes were counted but not printed: the command that lists them.
NOTES_COMMAND = "ecsform validate --notes"


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """errors, warnings and notes shown, and the findings suppressed."""
    findings = list(findings)
    visible = shown(findings)
    out = {s.value: 0 for s in Severity}
    for f in visible:
        out[f.severity.value] += 1
    return {
        "errors": out["error"],
        "warnings": out["warning"],
        "notes": out["note"],
        "suppressed": len(findings) - len(visible),
    }


def summary_line(findings: Iterable[Finding], notes: bool = False) -> str:
    """ "2 error(s), 1 warning(s)", with ", 3 suppressed" when findings were suppressed, and the notes: counted, and
    when they were not printed (`notes` false), the command that lists them."""
    n = counts(findings)
    text = f"{n['errors']} error(s), {n['warnings']} warning(s)"
    if n["notes"]:
        text += f", {n['notes']} note(s)" + ("" if notes else f" not shown ({NOTES_COMMAND} lists them)")
    return text + (f", {n['suppressed']} suppressed" if n["suppressed"] else "")


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Each finding once, by file, environment, line, column, rule and message; findings equal in all of those keep
    the order they came in (not a set's, which differs from one process to the next). Sorted before the duplicates
    go: what the workers report comes in order already, which the sort then only confirms."""
    return list(dict.fromkeys(sorted(findings, key=Finding.sort_key)))


# The findings this module raises (collected by the catalog: generators/rules).
ECSFORM_INTERNAL = Check("ECSFORM-INTERNAL", Severity.ERROR, "A rule failed on the input (a bug in ecsform).")
