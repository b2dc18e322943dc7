"""The rule catalog: every check ecsform makes, each a small function with an id, a severity and a summary.

A rule receives a `Context` (the task, well-typed: the field checks have already removed badly typed values)
and yields findings. Rules live in one module per area of the catalog (identity, size, network, ports...), each
registering itself with generators/rules/registry.py; this package loads them all and runs them.

It also keeps the catalog: every id a finding can carry, rules and the other checks (the loader's, the field
checks', the configuration's, the writer's, aws/'s...), each a `Check` declared next to the code that raises it
(generators/errors.py). `ecsform rules`, docs/rules.md and SARIF's rules come from the catalog.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import AbstractSet, Iterator

from ..errors import CHECKS, ECSFORM_INTERNAL, Check, Finding
from .registry import REGISTRY, Context, Rule

# The order of the checks that are not rule functions in `ecsform rules` and docs/rules.md (each is
# declared next to the code that raises it; one missing here sorts after these, by id).
ORDER: tuple[str, ...] = tuple(
    """
    YAML-SYNTAX JSON-SYNTAX YAML-ENCODING YAML-DUPLICATE-KEY YAML-KEY YAML-TAG YAML-TOO-DEEP YAML-TOO-LARGE
    YAML-MULTI-DOC SPEC-READ SPEC-NONE SPEC-EMPTY SPEC-NOT-MAPPING SPEC-TOO-LARGE SPEC-UNKNOWN-FIELD SPEC-TYPE
    SPEC-ENUM SPEC-REQUIRED SPEC-LIMIT SPEC-DESCRIBE-OUTPUT SPEC-UNSET SPEC-PLACEHOLDER TARGET-VALUE X-UNKNOWN-FIELD
    X-REQUIRED X-INVALID ENV-SHAPE ENV-NESTED ENV-UNKNOWN ENV-UNKNOWN-CONTAINER FAMILY-DUPLICATE ROOT-NESTED
    REGION-AMBIGUOUS REGION-UNSET LOGS-REGION SECRET-UNRESOLVED OUT-NOT-ECSFORM OUT-LOCKED OUT-NO-SPACE OUT-DENIED
    OUT-READ-ONLY OUT-NOT-DIR OUT-NAME-TOO-LONG OUT-IO OUT-ORPHANED OUT-PRUNE-STATE CLI-FORCE CLI-ENGINE
    CLI-ENV-REQUIRED CLI-ENVIRONMENTS CLI-IMPORT-SOURCE CLI-CHECK CLI-ROLE-ARN CLI-CACHE CHANGED-SINCE
    CHANGED-FORMAT CHANGED-GIT CHANGED-BASE CDK-RUNTIME CDK-PACKAGE CDK-STACK-NAME CDK-ENV-REQUIRED CDK-IMAGES
    CDK-MODULE-SOURCE ECSFORM-INTERNAL IMPORT-INPUT IMPORT-AWS IMPORT-PLACEHOLDER IMPORT-FAMILY CI-KIND CI-CHANGED
    REVIEW-MISSING REVIEW-COMMIT REVIEW-PLAN REVIEW-ROOT REVIEW-STATE REVIEW-STALE REVIEW-PROMOTION REVIEW-APPLIED
    CONFIG-READ CONFIG-UNKNOWN-FIELD CONFIG-REQUIRED CONFIG-INVALID CONFIG-BACKEND CONFIG-PLACEHOLDER
    CONFIG-ACCOUNT-MISMATCH CONFIG-ENV-UNDECLARED CONFIG-STATE-SHARED CONFIG-MODULE-SOURCE CONFIG-LOCK
    BOOTSTRAP-CONFIG LOCK-TERRAFORM OUT-MODULES VERIFY-IMAGE VERIFY-SECRET VERIFY-SECRET-KMS VERIFY-PARAMETER
    VERIFY-KMS VERIFY-ROLE VERIFY-ROLE-TRUST VERIFY-ROLE-POLICY VERIFY-LOG-GROUP VERIFY-ADOPT VERIFY-EFS
    VERIFY-S3-OBJECT VERIFY-NETWORK DIFF-REVISION ADOPT-SECRET-DELETED AWS-CREDENTIALS AWS-REGION AWS-ASSUME-ROLE
    AWS-ACCOUNT AWS-ACCESS-DENIED AWS-THROTTLED AWS-ENDPOINT AWS-ERROR POLICY-UNKNOWN-FIELD POLICY-INVALID
    IGNORE-REASON IGNORE-INVALID IGNORE-UNMATCHED IMAGES-CONFIG IMAGES-READ IMAGES-VALUE IMAGES-CONTAINER
    IMAGES-ACCOUNT IMAGES-ROOT CLI-IMAGE CLI-SPEC CLI-FORMAT CLI-TASK-DEFINITION DEPLOY-ROOT DEPLOY-REVISION
    DEPLOY-FAMILY DEPLOY-CLUSTER DEPLOY-SERVICE DEPLOY-CONTROLLER RUN-OVERRIDE RUN-NETWORK RUN-LAUNCH-TYPE
    PRUNE-CLUSTER
""".split()
)

# Rules whose findings ecsform itself relies on to write a root that Terraform accepts: they cannot be turned off
# or suppressed (the policy's `rules:` and x-ecsform.ignore refuse them).
NOT_CONFIGURABLE = frozenset(
    {
        "ECS-A1",
        "ECS-A2",
        "ECS-A3",
        "ECS-A6",
        "ECS-A7",
        "ECS-A8",
        "ECS-A10",
        "ECS-M1",
        "TF-UNSUPPORTED",
        "X-REF-FORMAT",
        "X-REF-UNKNOWN",
        "X-REF-VOLUME",
    }
)


# Ids that are no longer rules, and what reports their findings now: a policy's `rules:` or an x-ecsform.ignore entry
# that names one is an error whose hint says where to go (POLICY-INVALID, IGNORE-INVALID).
RETIRED = {
    "ECS-H9": "ECS-M4 (one warning per brought role) now says what the execution role must allow for secrets",
    "ECS-H13": "ECS-M4 (one warning per brought role) now says what the execution role must allow for environment files",
}


def retired(rule_id: str) -> str | None:
    """Where the findings of a retired rule id went (None for an id that was never retired)."""
    return RETIRED.get(rule_id)


# the modules of this package that hold no rules
NOT_RULE_MODULES = frozenset({"field_checks", "registry", "suppressions"})
_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:  # once per process: `run` calls this for every task
        return
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_") and info.name not in NOT_RULE_MODULES:
            importlib.import_module(f"{__name__}.{info.name}")
    _loaded = True


def all_rules() -> list[Rule]:
    _load_all()
    return sorted(REGISTRY.values(), key=lambda r: _sort_key(r.id))


# The modules that start the CDK runtime when imported: collecting the catalog leaves them out (their checks are
# declared in emit/cdk_compat.py, which they import; tests/unit/test_catalog.py checks that they declare none).
NOT_COLLECTED = frozenset({"generators.emit.constructs"})
_collected = False


def collect() -> dict[str, Check]:
    """Every check of ecsform, by id. The checks are declared where they are raised, in every layer of the flow, so
    the catalog imports every module of generators/ (by name: this package does not depend on them)."""
    global _collected
    if not _collected:
        import generators

        _load_all()
        for info in pkgutil.walk_packages(generators.__path__, "generators."):
            if info.name not in NOT_COLLECTED:
                importlib.import_module(info.name)
        _collected = True
    return CHECKS


def catalog() -> list[tuple[str, str, str, str]]:
    """(id, severity, summary, source) of every id ecsform can report: rules first (by section and row), then the
    other checks (in ORDER)."""
    checks = collect()
    rank = {rid: i for i, rid in enumerate(ORDER)}
    others = sorted(
        (c for c in checks.values() if not isinstance(c, Rule)), key=lambda c: (rank.get(c.id, len(rank)), c.id)
    )
    return [(c.id, c.severity.value, c.summary, c.source) for c in [*all_rules(), *others]]


def lookup(rule_id: str) -> Check | None:
    """The check of an id: those declared so far, else the whole catalog (a finding read from the render cache may
    carry the id of a module this process has not imported)."""
    return CHECKS.get(rule_id) or collect().get(rule_id)


class KnownIds(AbstractSet[str]):
    """Every id `ecsform rules` lists, as a set that collects the catalog only when asked for an id not declared so
    far (an x-ecsform.ignore entry naming a rule is checked without importing every module)."""

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in CHECKS or rule_id in collect()

    def __iter__(self) -> Iterator[str]:
        return iter(collect())

    def __len__(self) -> int:
        return len(collect())


def known_ids() -> KnownIds:
    """Every id `ecsform rules` lists."""
    return KnownIds()


def configurable(rule_id: str) -> str | None:
    """None when the policy's `rules:` and x-ecsform.ignore may set or suppress this id; else why not."""
    _load_all()
    if rule_id not in REGISTRY:
        return "it reports input ecsform cannot read, check or plan, not a rule"
    if rule_id in NOT_CONFIGURABLE:
        return "ecsform relies on it to write a root that Terraform accepts"
    return None


def markdown_table() -> str:
    lines = ["| id | severity | rule | source |", "|---|---|---|---|"]
    for rid, sev, summary, source in catalog():
        # each row anchored by its id: SARIF's helpUri and links point at it (about.rule_uri)
        cells = [rid, sev, f'<a id="{rid}"></a>{summary}', source]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _sort_key(rule_id: str) -> tuple:
    head, _, tail = rule_id.rpartition("-")  # ECS-C10: by section letter, then row number
    return (head, tail[:1], int(tail[1:]) if tail[1:].isdigit() else 0, tail)


# the rules to run on a task that sets these fields, in the registry's order: tasks share a few sets of fields, and
# a rule is registered only when its module is imported (the lists are made again when the registry grew)
_FOR_FIELDS: dict[frozenset[str], list[Rule]] = {}
_FOR_FIELDS_MAX = 4096  # sets of fields kept (a repository of specs has tens)
_for_registry_size = 0


def _rules_for(fields: frozenset[str]) -> list[Rule]:
    global _for_registry_size
    if _for_registry_size != len(REGISTRY) or len(_FOR_FIELDS) >= _FOR_FIELDS_MAX:
        _FOR_FIELDS.clear()
        _for_registry_size = len(REGISTRY)
    chosen = _FOR_FIELDS.get(fields)
    if chosen is None:
        chosen = _FOR_FIELDS[fields] = [
            r for r in REGISTRY.values() if r.needs is None or not fields.isdisjoint(r.needs)
        ]
    return chosen


def run(ctx: Context) -> list[Finding]:
    """Every registered rule on one task, but those that need fields the task does not set (`Rule.needs`: they
    would find nothing). A rule that breaks on odd input reports it instead of crashing."""
    _load_all()
    findings: list[Finding] = []
    extend = findings.extend
    for r in _rules_for(ctx.fields):
        try:
            extend(r.fn(r, ctx))  # (r.check(ctx), without a call per rule per task)
        except Exception as exc:  # a bug in a rule must not hide the user's findings
            findings.append(
                ECSFORM_INTERNAL.finding(
                    f"rule {r.id} failed on this input ({type(exc).__name__}: {exc})",
                    hint="please report this with the spec that caused it",
                )
            )
    return findings
