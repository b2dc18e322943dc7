"""The specs against their target AWS account, before an apply: `verify` (what they reference is there),
`diff` (their task definitions against the registered revisions) and `synth --adopt` (imports.tf for what the
account has already). The flow's side of it: the AWS calls themselves are in aws/."""

from __future__ import annotations

from pathlib import Path

from . import plan as planner
from .errors import Check, EcsformError, Finding, Severity, sorted_findings
from .options import Options
from .plan_checks import role_names
from .rules import Context
from .spec import document as specs
from .validation import bound_to, checked_plans

# The findings this module raises (collected by the catalog: generators/rules).
DIFF_REVISION = Check("DIFF-REVISION", Severity.ERROR, "diff --revision: the family has no such revision.")


def adopt_imports(
    plans: list[planner.Plan], variants: list[specs.Variant], options: Options
) -> dict[tuple[str, str | None], str]:
    """synth --adopt: imports.tf text per root that would create what its target account already has."""
    from .aws import adopt, session
    from .emit.hcl import header

    sessions = session.Sessions(options.region, "synth --adopt")
    out: dict[tuple[str, str | None], str] = {}
    problems: list[Finding] = []
    located = {(v.file, v.environment): v for v in variants}
    for p in plans:
        try:
            aws = sessions.get(session.target_for(p, options), p.root)
            found = adopt.existing(aws, p)
        except EcsformError as exc:
            problems += located[(p.file, p.environment)].locate(exc.findings)
            continue
        if found:
            out[(p.file, p.environment)] = adopt.imports_tf(found, header(p), aws.account, aws.region)
    if problems:
        raise EcsformError(sorted_findings(problems))
    return out


def adopt_command(p: planner.Plan, options: Options) -> str:
    """The exact `synth --adopt` command for one root (what verify prints when something exists already)."""
    import shlex

    from . import config

    args = ["ecsform", "synth", p.file, "--adopt"]
    for flag, value in (("--env", p.environment), ("--region", options.region), ("--role-arn", options.role_arn)):
        if value:
            args += [flag, value]
    found = config.discover()  # the command names the configuration this run used when discovery would not find it
    if options.config is None and found is not None:
        args.append("--no-config")
    elif options.config is not None and (
        found is None or found.resolve() != (options.config.folder / config.FILE_NAME).resolve()
    ):
        args += ["--config", options.config.file]
    return " ".join(shlex.quote(a) for a in args)


def verify_roots(paths: list[str], options: Options, out: Path = Path("build")) -> tuple[list[str], list[Finding]]:
    """`verify`: every variant checked against its target account. Returns (notes, findings): notes say what was
    found as the spec says, `FILE:LINE:COL: ok: PATH: message`. What a root's state (its backend's, or
    `<out>/<root>/terraform.tfstate`) holds is no VERIFY-ADOPT."""
    from .aws import session, state
    from .aws import verify as live
    from .errors import format_path

    sessions = session.Sessions(options.region, "verify")
    backends = session.Sessions(command="verify")  # the state's region is the backend's, whatever --region says
    notes: list[tuple[tuple[str, str, int, int], str]] = []
    findings: list[Finding] = []
    for c, p in checked_plans(paths, options):
        v = c.variant
        try:
            aws = sessions.get(session.target_for(p, options), p.root)
        except EcsformError as exc:
            findings += v.locate(exc.findings)
            continue
        c, p = bound_to(c, p, aws.account, aws.region)  # ${target.*} no target named: the session's account
        ctx = Context(c.task, c.extension, v.environment)
        held = state.held(p, out, backends) if p.managed_secrets or ctx.ext.logs.create else None
        named = role_names(c.variant.task)
        secrets = {key: dict(settings) for key, settings in p.managed_secrets.items()}
        result = live.verify(aws, ctx, aws.region, secrets, adopt_command(p, options), held, named)
        findings += v.locate(result.findings)
        for note in result.notes:
            line, col = v.smap.locate(note.path)
            env = f"[environment {v.environment}] " if v.environment else ""
            notes.append(
                (
                    (v.file, v.environment or "", line, col),
                    f"{v.file}:{line}:{col}: ok: {env}{format_path(note.path)}: {note.message}",
                )
            )
    return [text for _, text in sorted(notes)], sorted_findings(findings)


class _NoActiveRevision(Exception):
    pass


def diff_roots(
    paths: list[str], options: Options, revision: int | None = None
) -> tuple[list[str], bool, list[Finding]]:
    """`diff`: each variant's task definition against its family's latest ACTIVE revision (or `revision`).
    Returns (report lines, whether anything differs, findings that stop it)."""
    from .aws import diff as compare
    from .aws import ecs, session

    sessions = session.Sessions(options.region, "diff")
    lines: list[str] = []
    differ = False
    findings: list[Finding] = []
    for c, p in checked_plans(paths, options):
        v = c.variant
        target = session.target_for(p, options)
        ref = f"{p.family}:{revision}" if revision is not None else p.family
        title = f"{p.file}" + (f" [environment {p.environment}]" if p.environment else "")
        try:
            aws = sessions.get(target, p.root)
        except EcsformError as exc:
            findings += v.locate(exc.findings)
            continue
        try:
            c, p = bound_to(c, p, aws.account, aws.region)  # ${target.*} no target named: the session's account
            if revision is None:
                ref = ecs.latest_active(aws.client("ecs"), p.family) or ""
                if not ref:
                    raise _NoActiveRevision()
            described = ecs.describe(aws.client("ecs"), ref)
        except _NoActiveRevision:
            differ = True
            lines.append(
                f"{title}: family {p.family} has no ACTIVE revision in account {aws.account}, "
                f"{aws.region}: the root registers its first"
            )
            continue
        except EcsformError as exc:
            findings += v.locate(exc.findings)
            continue
        except Exception as exc:
            if not session.is_aws_error(exc):
                raise
            if session.error_code(exc) not in ("ClientException", "InvalidParameterException"):
                findings += v.locate(
                    [session.aws_finding(exc, f"ecs:DescribeTaskDefinition on {ref}", region=aws.region)]
                )
            else:
                findings += v.locate(
                    [
                        DIFF_REVISION.finding(
                            f"task definition {ref} does not exist in account {aws.account}, {aws.region} ({exc})",
                            path=("family",),
                            hint=f"list the revisions: aws ecs list-task-definitions --family-prefix "
                            f"{p.family} --region {aws.region}",
                        )
                    ]
                )
            continue
        ctx = Context(c.task, c.extension, v.environment)
        expected = compare.expected(p, ctx.ext, target.tags, ctx.execution_role_managed, ctx.task_role_managed)
        changes = compare.compare(compare.registered(described), expected)
        td = described["taskDefinition"]
        against = f"{td.get('family')}:{td.get('revision')}" + (
            "" if td.get("status") == "ACTIVE" else f" ({td.get('status')})"
        )
        where = f"account {aws.account}, {aws.region}"
        if changes:
            differ = True
            lines.append(f"{title}: {len(changes)} change(s) from {against} ({where}) to the spec:")
            lines += [f"  {change.format()}" for change in changes]
        else:
            lines.append(f"{title}: no changes from {against} ({where})")
    return lines, differ, sorted_findings(findings)
