"""Findings as the user asked to see them: `--format text|json|sarif|github`.

- text (the default): one `FILE:LINE:COL: SEVERITY RULE: ...` line per error and warning and its hint, then the
  summary line, on standard error, as every ecsform command has printed them. Notes (hardening advice, information)
  are counted in the summary line, which names the command that lists them, and printed one by one with `notes`
  (`ecsform validate --notes`). Colour only when standard error is a terminal; `NO_COLOR` (any non-empty value)
  turns it off, `FORCE_COLOR` (any non-empty value) turns it on elsewhere.
- json: one document on standard output, `{"version": 1, "summary": {...}, "findings": [...]}`, the findings
  sorted by file, environment, line, column, rule and message; notes and suppressed findings are included (a
  suppressed one with its reason), and a finding with structured detail carries it (`data`: the IAM statements a
  brought role needs).
- sarif: a SARIF 2.1.0 log on standard output for GitHub code scanning (and other SARIF consumers), built with
  sarif-om: the rules that have results (summary, help, source, default level) and one result per finding (notes
  at level `note`), its location relative to the repository root (`uriBaseId` %SRCROOT%); suppressed findings carry
  `suppressions`, and structured detail goes into the result's properties.
- github: GitHub Actions workflow commands on standard output (`::error file=F,line=L,col=C,title=RULE::MESSAGE`),
  which the runner turns into annotations on the pull request; suppressed findings are left out, and notes too
  unless they are asked for (`::notice`).

In every format the summary line goes to standard error, so standard output holds only the document.
"""

from __future__ import annotations

import enum
import json
import os
import sys
from pathlib import Path
from typing import IO, Any, Iterable, TypedDict
from urllib.parse import quote

from .errors import Finding, Severity, counts, format_path, listed, sorted_findings, summary_line


class Format(str, enum.Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


FORMATS = tuple(f.value for f in Format)
JSON_VERSION = 1  # the shape of --format json; raised when a field changes meaning or goes away
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"


# --- text ----------------------------------------------------------------------------------------------------


def use_color(stream: IO[str]) -> bool:
    """Colour on a terminal only; NO_COLOR (https://no-color.org) wins over FORCE_COLOR, which wins over the TTY."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


class _Style(TypedDict, total=False):
    """The click.style arguments a part of a finding is shown with."""

    fg: str
    bold: bool


_STYLES: dict[str, _Style] = {
    "where": {"bold": True},
    "error": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow", "bold": True},
    "note": {"fg": "blue"},
    "rule": {"fg": "cyan"},
    "hint": {"fg": "green"},
}


def _style(part: str, text: str) -> str:
    import click

    return click.style(text, **_STYLES.get(part, {}))


def text(findings: Iterable[Finding], *, color: bool = False, notes: bool = False) -> str:
    """What the user sees on a terminal: the listed findings in the order given (notes only with `notes`), then
    the summary line."""
    findings = list(findings)
    lines = [f.format(_style if color else None) for f in listed(findings, notes)]
    if findings:
        lines.append(summary_line(findings, notes))
    return "".join(line + "\n" for line in lines)


# --- json ----------------------------------------------------------------------------------------------------


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "file": f.file,
        "line": f.line,
        "column": f.col,
        "path": format_path(f.path),
        "message": f.message,
        "hint": f.hint,
        "environment": f.environment,
        "suppressed": f.suppressed,
        **({"data": f.data} if f.data is not None else {}),
    }


def json_document(findings: Iterable[Finding]) -> str:
    ordered = sorted_findings(findings)
    doc = {"version": JSON_VERSION, "summary": counts(ordered), "findings": [finding_json(f) for f in ordered]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# --- locations -----------------------------------------------------------------------------------------------


def repository_root(start: Path | None = None) -> Path:
    """The git repository the working folder is in (the folder with `.git`), else the working folder: the root
    GitHub resolves annotation and code scanning paths against."""
    folder = (start or Path.cwd()).absolute()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def _located(f: Finding) -> bool:
    """A finding about a file (not about a command-line option such as `--engine`, or standard input)."""
    return bool(f.file) and f.line >= 1 and not f.file.startswith(("-", "<")) and Path(f.file).is_file()


def _relative(f: Finding, root: Path) -> str | None:
    """The finding's file relative to `root` (POSIX separators), or None when it lies outside."""
    absolute = Path(os.path.abspath(f.file))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return None


def _subject(f: Finding) -> str:
    env = f"[environment {f.environment}] " if f.environment else ""
    field_path = format_path(f.path)
    return env + (f"{field_path}: " if field_path else "") + f.message


# --- sarif ---------------------------------------------------------------------------------------------------

_ALWAYS = frozenset({"level"})  # written even when equal to SARIF's default, for readers that do not apply it


def _plain(obj: Any) -> Any:
    """A sarif-om object as JSON data: its schema property names, without the properties left at their default."""
    import attr

    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if not attr.has(type(obj)):
        return obj
    fields = {a.name: a for a in attr.fields(type(obj))}
    out: dict[str, Any] = {}
    for name, value in vars(obj).items():
        a = fields.get(name)
        if a is not None:
            # (attr.Factory is a class at run time, typed as a function)
            default = a.default.factory() if isinstance(a.default, attr.Factory) else a.default  # type: ignore[arg-type]
            if value is None or (value == default and name not in _ALWAYS):
                continue
            name = a.metadata.get("schema_property_name", name)
        out[name] = _plain(value)
    return out


def _level(severity: Severity) -> str:
    """SARIF's level (error, warning, note), which is also the name of the GitHub workflow command but for notes."""
    return severity.value


def _rule_descriptor(rule_id: str) -> Any:
    """The rule as SARIF describes it: its own summary and source, and its row of the rules reference (helpUri);
    what to do about one finding is in that result's message (its hint), never in the rule."""
    import sarif_om as sarif

    from . import about, rules

    check = rules.lookup(rule_id)
    severity, summary, source = (check.severity.value, check.summary, check.source) if check else ("error", rule_id, "")
    known = check is not None
    text_parts = [summary]
    markdown_parts = [summary]
    if source:
        text_parts.append(f"Source: {source}")
        markdown_parts.append(f"**Source**: {source}")
    help_uri = about.rule_uri(rule_id) if known else None
    if help_uri:
        text_parts.append(f"Rules reference: {help_uri}")
        markdown_parts.append(f"[Rules reference: {rule_id}]({help_uri})")
    return sarif.ReportingDescriptor(
        id=rule_id,
        short_description=sarif.MultiformatMessageString(text=summary),
        full_description=sarif.MultiformatMessageString(text=summary),
        help=sarif.MultiformatMessageString(text="\n\n".join(text_parts), markdown="\n\n".join(markdown_parts)),
        help_uri=help_uri,
        default_configuration=sarif.ReportingConfiguration(level=severity),
    )


def _result(f: Finding, index: int, root: Path) -> Any:
    import sarif_om as sarif

    message = _subject(f) + (f"\nhint: {f.hint}" if f.hint else "")
    locations = None
    if _located(f):
        relative = _relative(f, root)
        artifact = (
            sarif.ArtifactLocation(uri=quote(relative), uri_base_id=SRCROOT)
            if relative is not None
            else sarif.ArtifactLocation(uri=Path(os.path.abspath(f.file)).as_uri())
        )
        region = sarif.Region(start_line=f.line, start_column=f.col if f.col >= 1 else None)
        locations = [
            sarif.Location(physical_location=sarif.PhysicalLocation(artifact_location=artifact, region=region))
        ]
    properties = None
    if f.environment or f.path or f.hint or f.data is not None:
        properties = sarif.PropertyBag()
        if f.environment:
            properties.environment = f.environment
        if f.path:
            properties.path = format_path(f.path)
        if f.hint:
            properties.hint = f.hint
        if f.data is not None:
            properties.data = f.data
    suppressions = (
        [sarif.Suppression(kind="inSource", justification=f.suppressed)] if f.suppressed is not None else None
    )
    return sarif.Result(
        message=sarif.Message(text=message),
        rule_id=f.rule,
        rule_index=index,
        level=_level(f.severity),
        locations=locations,
        properties=properties,
        suppressions=suppressions,
    )


def sarif_log(findings: Iterable[Finding], root: Path | None = None) -> dict[str, Any]:
    """The SARIF 2.1.0 log (as JSON data) of the findings, one run, the rules that have results."""
    import sarif_om as sarif

    from . import about

    root = root if root is not None else repository_root()
    ordered = sorted_findings(findings)
    ids = sorted({f.rule for f in ordered})
    index = {rid: i for i, rid in enumerate(ids)}
    descriptors = [_rule_descriptor(rid) for rid in ids]
    driver = sarif.ToolComponent(
        name=about.NAME,
        version=about.version(),
        semantic_version=about.version(),
        information_uri=about.information_uri(),
        rules=descriptors,
    )
    run = sarif.Run(
        tool=sarif.Tool(driver=driver),
        column_kind="unicodeCodePoints",
        results=[_result(f, index[f.rule], root) for f in ordered],
    )
    log = _plain(sarif.SarifLog(runs=[run], version=SARIF_VERSION, schema_uri=SARIF_SCHEMA))
    return {"$schema": log.pop("$schema"), "version": log.pop("version"), **log}  # the header first, for readers


def sarif_document(findings: Iterable[Finding], root: Path | None = None) -> str:
    return json.dumps(sarif_log(findings, root), indent=2, ensure_ascii=False) + "\n"


# --- github --------------------------------------------------------------------------------------------------


def _escape_data(value: str) -> str:
    """A workflow command's message: %, CR and LF percent-encoded (as @actions/core's escapeData)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    """A workflow command's property value: also `:` and `,`, which separate properties (escapeProperty)."""
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github_commands(findings: Iterable[Finding], root: Path | None = None, *, notes: bool = False) -> str:
    """One `::error` or `::warning` workflow command per listed finding (a `::notice` per note, with `notes`), in
    sorted order."""
    root = root if root is not None else repository_root()
    lines = []
    for f in listed(sorted_findings(findings), notes):
        props: list[tuple[str, str]] = []
        if _located(f):
            relative = _relative(f, root)
            props.append(("file", relative if relative is not None else os.path.abspath(f.file)))
            props.append(("line", str(f.line)))
            if f.col >= 1:
                props.append(("col", str(f.col)))
        props.append(("title", f.rule))
        message = _subject(f) + (f"\nhint: {f.hint}" if f.hint else "")
        if not _located(f) and f.file:
            message = f"{f.file}: {message}"
        head = ",".join(f"{k}={_escape_property(v)}" for k, v in props)
        command = "notice" if f.severity is Severity.NOTE else _level(f.severity)
        lines.append(f"::{command} {head}::{_escape_data(message)}")
    return "".join(line + "\n" for line in lines)


# --- the one entry point the CLI calls -----------------------------------------------------------------------


def emit(
    findings: list[Finding],
    fmt: str,
    *,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    notes: bool = False,
) -> None:
    """Print the findings in `fmt`: text on standard error; the json, sarif and github documents on standard
    output (always, even with no finding: an empty document), and their summary line on standard error. Notes are
    printed one by one in text and github only with `notes`; json and sarif always hold them."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    if fmt == "text":
        err.write(text(findings, color=use_color(err), notes=notes))
        err.flush()
        return
    if fmt == "json":
        out.write(json_document(findings))
    elif fmt == "sarif":
        out.write(sarif_document(findings))
    elif fmt == "github":
        out.write(github_commands(findings, notes=notes))
    else:  # the CLI's option only lets the four through
        raise ValueError(f"unknown format {fmt!r}")
    out.flush()
    if findings:
        err.write(summary_line(findings, notes or fmt in ("json", "sarif")) + "\n")
        err.flush()
