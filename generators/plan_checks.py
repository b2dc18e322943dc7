"""The plan's own checks: where a variant deploys, and what that decides before anything is written.

    deploy_target(variant, region, target)  the deploy target with its region settled (--region, ecsform.yaml, the
                                            spec's own region)
    bind_targets(variant, region, target)   the variant with its ${target.*} values bound (TARGET-VALUE findings)
    checks(variant, ext, region, target)    the provider's region and REGION-AMBIGUOUS, REGION-UNSET, LOGS-REGION,
                                            SECRET-UNRESOLVED: what depends on the region, the log groups and the
                                            execution role ecsform creates

`validate` and `synth` both run them (generators/validation.py), so both report the same; the plan
(generators/plan.py) reads the region, the secret lookups and the roles named by name from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from . import arns
from .errors import Check, Finding, Severity
from .spec import references, targets
from .spec.document import Variant
from .spec.extensions import Extension
from .spec.targets import TARGET_VALUE
from .target import Target

# The findings this module raises (collected by the catalog: generators/rules).
REGION_AMBIGUOUS = Check("REGION-AMBIGUOUS", Severity.ERROR, "The spec points at several regions and sets none.")
REGION_UNSET = Check("REGION-UNSET", Severity.NOTE, "No region in the spec; the provider reads AWS_REGION.")
LOGS_REGION = Check(
    "LOGS-REGION", Severity.ERROR, "awslogs writes to another region than the one ecsform creates its log group in."
)
SECRET_UNRESOLVED = Check(
    "SECRET-UNRESOLVED", Severity.ERROR, "A partial secret ARN in another region cannot be resolved to its full ARN."
)


def deploy_target(variant: Variant, override: str | None, target: Target | None) -> Target | None:
    """The deploy target of a variant with its region settled: --region and an environment's region in
    ecsform.yaml win over the spec; the spec's own region (x-ecsform.region, else the one region its values name)
    wins over ecsform.yaml's `defaults` (docs/config.md, "Which value wins")."""
    if target is None or override or not target.region_is_default:
        return target
    own = _own_region(variant)
    return replace(target, region=own, region_is_default=False) if own else target


def _own_region(variant: Variant) -> str | None:
    """The region the spec itself states: x-ecsform.region, else the one region of the strongest tier its values
    name: its awslogs-regions, else its secrets' ARNs (None when that tier names several). Not the region of an ECR
    image: a registry shared across regions is the usual setup, and says nothing of where the task runs."""
    ext_region = _ext_region(variant)
    if ext_region:
        return ext_region
    logs, secrets, _images = _implied_regions(variant)
    tier = logs or secrets
    return tier[0] if len(tier) == 1 else None


def _ext_region(variant: Variant) -> str | None:
    """x-ecsform.region, unless it is a target value (which names the region the root deploys to, not its own)."""
    value = variant.extension.get("region") if isinstance(variant.extension, dict) else None
    if not isinstance(value, str) or not value or targets.uses(value) or value in variant.unknown:
        return None
    return value


def _implied_regions(variant: Variant) -> list[list[str]]:
    """The regions the variant's values name (arns.implied_regions), without the stand-in of an unknown
    ${target.region}: that is the region the root deploys to, not one of its own."""
    return [[r for r in tier if r not in variant.unknown] for tier in arns.implied_regions(variant.task)]


ROLE_FIELDS = ("taskRoleArn", "executionRoleArn")


def role_names(task: dict[str, Any]) -> dict[str, str]:
    """The roles a task names by name (AWS takes "the short name or full ARN of the IAM role"): field -> name."""
    return {f: v for f in ROLE_FIELDS if isinstance(v := task.get(f), str) and arns.ROLE_NAME.match(v)}


def bind_targets(
    variant: Variant, override: str | None, target: Target | None
) -> tuple[Variant, list[Finding], dict[str, str]]:
    """The variant with its target values bound (generators/spec/targets.py) for its deploy target and the region
    its root deploys to; the TARGET-VALUE findings (a name that is no target value, an unknown value where ecsform
    needs the text when it writes the root: the family, a container's name); and what the checks see for each
    role the task names by name: the role's ARN in the target's account (the root reads its real ARN, with its
    path, from the aws_iam_role data source)."""
    names = role_names(variant.task)
    if not (names or targets.uses(variant.task) or targets.uses(variant.extension)):
        return variant, [], {}
    chosen, _ = _region(variant, override, target)
    b = targets.binding(target, chosen, variant.environment, [variant.task, variant.extension])
    problems: list[Finding] = []
    task = targets.bind(variant.task, b, (), problems)
    extension = targets.bind(variant.extension, b, ("x-ecsform",), problems)
    checked_as = {
        f: targets.bind(f"arn:${{target.partition}}:iam::${{target.accountId}}:role/{n}", b) for f, n in names.items()
    }
    unknown = b.unknown
    base = variant.spec.task.get("family")
    if variant.spec.environments and base is not None and targets.uses(base.value):
        problems.append(
            TARGET_VALUE.finding(
                "the base family of a spec with environments names the roots' folder (<family>/<environment>) and "
                "each environment's family (<family>-<environment>): it cannot hold a target value",
                path=("family",),
                hint="write the family without ${target.*}; an overlay may give its environment a family of its own",
            )
        )
    containers = task.get("containerDefinitions")
    named: list[tuple[tuple[str | int, ...], object]] = [(("family",), task.get("family"))]
    if isinstance(containers, list):
        named += [
            (("containerDefinitions", i, "name"), c.get("name") if isinstance(c, dict) else None)
            for i, c in enumerate(containers)
        ]
    for path, value in named:
        needed = targets.data_sources(value, unknown) if isinstance(value, str) else []
        if needed:
            problems.append(
                TARGET_VALUE.finding(
                    f"{targets.shown(value, unknown)!r}: ecsform writes the root with this name, and nothing gives "
                    f"{', '.join('${target.' + n + '}' for n in needed)} before Terraform runs",
                    path=path,
                    hint="; ".join(
                        ["set accountId in ecsform.yaml (defaults or the environment)"] * ("accountId" in needed)
                        + ["name the region (ecsform.yaml, x-ecsform.region or --region)"]
                        * bool(set(needed) - {"accountId"})
                    ),
                )
            )
    return replace(variant, task=task, extension=extension, unknown=unknown), problems, checked_as


def _region(variant: Variant, override: str | None, target: Target | None = None) -> tuple[str | None, list[Finding]]:
    if override:
        return override, []
    if target is not None and target.region:
        return target.region, []  # the spec's regions that differ are reported by the TARGET-REGION rule
    ext_region = _ext_region(variant)
    if ext_region:
        return ext_region, []
    for tier in _implied_regions(variant):
        if len(tier) == 1:
            return tier[0], []
        if len(tier) > 1:
            where, first = _second_region(variant.task, tier)
            return None, [
                REGION_AMBIGUOUS.finding(
                    f"the spec points at several regions ({', '.join(tier)}): this value names "
                    f"another one than {first}",
                    path=where,
                    hint="set x-ecsform.region (the region of the provider and of the log groups ecsform "
                    "creates), or pass --region",
                )
            ]
    return None, [
        REGION_UNSET.finding(
            "no region in the spec; the provider will take it from AWS_REGION",
            path=("family",),
            hint="set x-ecsform.region, or pass --region",
        )
    ]


def _second_region(task: dict[str, Any], regions: list[str]) -> tuple[tuple[Any, ...], str]:
    """Where the task first names a second region of `regions` (in document order), and the region named before it."""
    seen: list[str] = []
    for path, value in references.strings(task):
        for region in regions:
            if region not in seen and (value == region or f":{region}:" in value or f".{region}." in value):
                seen.append(region)
                if len(seen) == 2:
                    return path, seen[0]
    return ("family",), regions[0]


def creates_execution_role(task: dict[str, Any], ext: Extension) -> bool:
    return "executionRoleArn" not in task and ext.execution_role.create is not False


@dataclass(frozen=True)
class Chosen:
    """What `checks` chose for a variant: validation.check runs them once, and plan.build plans with this."""

    region: str | None  # the region the root's provider uses


def checks(
    variant: Variant, ext: Extension, region: str | None = None, target: Target | None = None
) -> tuple[str | None, list[Finding]]:
    """The region the root's provider uses, and the findings that depend on what the plan decides (the region, the
    log groups and the execution role ecsform creates): REGION-AMBIGUOUS, REGION-UNSET, LOGS-REGION and
    SECRET-UNRESOLVED. `validate` and `synth` both run this, so both report the same (paths are the spec's)."""
    chosen, findings = _region(variant, region, target)
    findings += _log_regions(variant.task, chosen, ext)
    if creates_execution_role(variant.task, ext):
        findings += secret_lookups(variant.task, chosen)[1]
    return chosen, findings


def _log_regions(task: dict[str, Any], region: str | None, ext: Extension) -> list[Finding]:
    """Log groups ecsform creates live in the provider's region; awslogs must write there."""
    if not ext.logs.create or region is None:
        return []
    out = []
    for i, c in enumerate(task.get("containerDefinitions", [])):
        opts = c.get("logConfiguration", {}).get("options", {})
        if c.get("logConfiguration", {}).get("logDriver") == "awslogs" and opts.get("awslogs-region", region) != region:
            out.append(
                LOGS_REGION.finding(
                    f"awslogs-region {opts['awslogs-region']} is not the region ecsform creates the log group "
                    f"{opts.get('awslogs-group')!r} in ({region})",
                    path=("containerDefinitions", i, "logConfiguration", "options", "awslogs-region"),
                    hint="write to the task's region, or set x-ecsform.logs.create: false and create the group elsewhere",
                )
            )
    return out


def _data_name(arn: str, taken: set[str]) -> str:
    name = arn.split(":secret:", 1)[-1] if ":secret:" in arn else arn
    base = "secret_" + re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_").lower()
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def secret_lookups(task: dict[str, Any], region: str | None) -> tuple[dict[str, str], list[Finding]]:
    """Secrets Manager references without the random suffix, which the execution role policy must name by their
    full ARN: partial ARNs, and repository credentials given by name. Reference -> data source name, and a
    SECRET-UNRESOLVED error at each partial ARN of another region (the data source reads the provider's region)."""
    lookups: dict[str, str] = {}
    findings: list[Finding] = []
    taken: set[str] = set()
    for path, value, by_name_allowed in references.secret_references_at(task):
        base: str | None
        if by_name_allowed and not value.startswith("arn:") and not references.is_reference(value):
            base = value  # repositoryCredentials.credentialsParameter may name a secret of the task's region
        else:
            base = references.secret_base(value)
            if base is None or not references.is_partial_secret_arn(base):
                continue
            if region is not None and references.secret_region(base) != region:
                findings.append(
                    SECRET_UNRESOLVED.finding(
                        f"{base} is a partial ARN (no 6-character suffix) in {references.secret_region(base)}, another "
                        f"region than the provider's ({region}): ecsform cannot look up its full ARN, and an IAM policy "
                        "naming a partial ARN matches nothing",
                        path=path,
                        hint="write the secret's full ARN, with the suffix `aws secretsmanager describe-secret --region "
                        f"{references.secret_region(base)} --secret-id {base.split(':secret:', 1)[-1]}` prints",
                    )
                )
                continue
        if base not in lookups:
            lookups[base] = _data_name(base, taken)
    return dict(sorted(lookups.items())), findings
