"""What each checked variant declares (its family, its root's folder, its state) and the checks across specs on
them: FAMILY-DUPLICATE (two roots registering one family where they may meet) and ROOT-NESTED (a root inside
another's folder, or in the modules synth copies). generators/validation.py collects them, in one process or from its workers (and the render
cache keeps them, generators/cache.py), and adds the checks that need ecsform.yaml (shared state, orphaned
images files).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .errors import Check, Finding, Severity
from .locations import VENDORED
from .target import Backend

# The findings this module raises (collected by the catalog: generators/rules); validation.py builds each root's
# FAMILY-DUPLICATE finding, which the checks across specs report.
FAMILY_DUPLICATE = Check(
    "FAMILY-DUPLICATE",
    Severity.ERROR,
    (
        "Two roots would register the same family in the same account and region (between two environments "
        "of one spec: a warning)."
    ),
)
ROOT_NESTED = Check("ROOT-NESTED", Severity.ERROR, "One root's folder would sit inside another's.")


@dataclass(frozen=True)
class Declared:
    """A family a root registers, where it is written, and the finding that reports it declared twice."""

    family: str
    where: str
    duplicate: Finding  # located at the variant's family; the message is written when a second one turns up
    file: str = ""
    environment: str | None = None
    state: "tuple[str, str | None, Backend] | None" = None  # (root, environment, backend) with an ecsform.yaml
    account: str | None = None  # the target's account (ecsform.yaml), None when nothing says
    root: str = ""  # the root's folder under OUT
    region: str | None = None


def across(declared: list[Declared]) -> list[Finding]:
    """FAMILY-DUPLICATE and ROOT-NESTED over every declared root (in the order given)."""
    seen: dict[str, list[Declared]] = {}
    problems = []
    for d in declared:
        same = [s for s in seen.get(d.family, []) if s.root == d.root or not _apart(s, d)]
        seen.setdefault(d.family, []).append(d)
        if not same:
            continue
        first = same[0]
        message = f"family {d.family!r} is also declared by {first.where}"
        if first.file == d.file and first.environment != d.environment:
            # two environments of one spec: two roots (two folders), one family in what may be one account and
            # region; ECS accepts it, and each root's applies add revisions the other does not know
            problems.append(
                replace(
                    d.duplicate,
                    severity=Severity.WARNING,
                    message=message + ", possibly in the same account and region",
                    hint="give the environments families of their own, or targets in different accounts or regions "
                    "(ecsform.yaml)",
                )
            )
        else:
            problems.append(replace(d.duplicate, message=message))
    return problems + _nested(declared)


def _nested(declared: list[Declared]) -> list[Finding]:
    """ROOT-NESTED at each root whose folder another root's folder would hold (a spec with environments writes
    <family>/<environment>/, a spec without writes <family>/): linear in the roots, each root's parents looked up."""
    roots: dict[str, Declared] = {}
    for d in declared:
        roots.setdefault(d.root, d)
    problems = []
    for d in declared:
        parts = d.root.split("/")
        outer = next((roots["/".join(parts[:i])] for i in range(1, len(parts)) if "/".join(parts[:i]) in roots), None)
        if outer is None:
            continue
        problems.append(
            replace(
                d.duplicate,
                rule=ROOT_NESTED.id,
                message=f"root {d.root} ({_source(d)}) would sit inside root {outer.root} ({_source(outer)})",
                hint="give the spec with environments a family of its own",
            )
        )
    return problems


def in_vendored(declared: list[Declared], vendoring: bool) -> list[Finding]:
    """ROOT-NESTED at each root whose folder would be (or sit in) OUT/modules, where synth copies the modules the
    roots call when no moduleSource names them (`vendoring`: some root of the run has them copied)."""
    if not vendoring:
        return []
    return [
        replace(
            d.duplicate,
            rule=ROOT_NESTED.id,
            message=f"root {d.root} ({_source(d)}) would sit in {VENDORED}/, where synth copies the modules its roots "
            "call",
            hint="rename the family, or give the modules a folder of their own (`ecsform modules export DIR` and "
            "moduleSource in ecsform.yaml)",
        )
        for d in declared
        if d.root.split("/")[0] == VENDORED
    ]


def _source(d: Declared) -> str:
    return d.file + (f", environment {d.environment}" if d.environment else "")


def _apart(a: Declared, b: Declared) -> bool:
    """True when two roots register in different accounts or regions, as far as anything says."""
    return (a.account is not None and b.account is not None and a.account != b.account) or (
        a.region is not None and b.region is not None and a.region != b.region
    )
