"""The policy block: what a platform team decides once for every service, said out loud.

```yaml
policy:                               # x-ecsform.policy in a spec, or the whole of a --policy FILE
  readonlyRootFilesystem: note        # off | note | warn | require | default-true
  nonRootUser: note                   # off | note | warn | require
  efsTransitEncryption: note          # off | note | warn | require | default-true
  logRetentionDays: 365               # retention of the log groups ecsform creates (CloudWatch's allowed values)
  rules: {ECS-H5: off, ECS-F9: error} # off | note | warning | error, per rule id
```

Levels (the rules SEC-READONLY-ROOT, SEC-NON-ROOT and SEC-EFS-TRANSIT read them):
- `off`: no finding;
- `note` (the default): hardening advice, counted in the summary and listed by `ecsform validate --notes`, where
  `warn` would warn;
- `warn`: a warning where the spec leaves the setting to ECS's default (readonlyRootFilesystem not written; an EFS
  volume without transitEncryption), or, for nonRootUser, where the spec runs a container as root (`user` root or
  0): ecsform cannot see an image's USER, so a container without `user` is not known to run as root;
- `require`: an error at the container (or volume) unless it says true / ENABLED / a non-root `user`;
- `default-true`: ecsform writes `readonlyRootFilesystem: true` / `transitEncryption: ENABLED` where the spec is
  silent, and render and Terraform show it. nonRootUser has no such level: which user an image can run as is the
  image's business (nginx: 101, distroless: 65532), so ecsform has no value to write.

Layers combine field by field, later layers winning (`rules` entry by entry): ecsform's defaults < the project
file's `policy:` (ecsform.yaml) < `--policy FILE` < the spec's `x-ecsform.policy`. A platform team writes its
policy once; a command line can tighten or relax it for one run; a spec that needs an exception says so in the
spec itself, where reviewers of that service see it.

The model is strict pydantic (no coercion, unknown keys rejected with a did-you-mean); every finding is located at
its file, line and column.
"""

from __future__ import annotations

from typing import AbstractSet, Any, Iterable, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from ..errors import Check, EcsformError, FieldPath, Finding, Severity
from ..text import did_you_mean
from .fields import aliases
from .loader import SPEC_EMPTY

# The findings this module raises (collected by the catalog: generators/rules).
POLICY_UNKNOWN_FIELD = Check(
    "POLICY-UNKNOWN-FIELD", Severity.ERROR, "An unknown field in a policy block (x-ecsform.policy or --policy FILE)."
)
POLICY_INVALID = Check(
    "POLICY-INVALID",
    Severity.ERROR,
    ("A policy value is invalid: a level, a retention, or a rule that does not exist or cannot be configured."),
)


Level = Literal["off", "note", "warn", "require", "default-true"]
UserLevel = Literal["off", "note", "warn", "require"]
RuleSetting = Literal["off", "note", "warning", "error"]

# CloudWatch Logs' allowed retention periods (PutRetentionPolicy, retentionInDays).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

# The rules each policy level drives (configured with the level, not under `rules:`).
LEVEL_RULES = {
    "SEC-READONLY-ROOT": "readonlyRootFilesystem",
    "SEC-NON-ROOT": "nonRootUser",
    "SEC-EFS-TRANSIT": "efsTransitEncryption",
}


class Policy(BaseModel):
    """One layer of policy: None (or an absent rule) means "this layer says nothing"."""

    model_config = ConfigDict(
        extra="forbid", strict=True, alias_generator=to_camel, populate_by_name=False, frozen=True
    )

    readonly_root_filesystem: Level | None = Field(
        None,
        description="Containers that do not write readonlyRootFilesystem (SEC-READONLY-ROOT): off | note "
        "(default) | warn | require | default-true.",
    )
    non_root_user: UserLevel | None = Field(
        None,
        description="Containers that run as root (SEC-NON-ROOT): off | note (the default) | warn (a `user` of "
        "root or 0) | require (every Linux container writes a non-root `user`).",
    )
    efs_transit_encryption: Level | None = Field(
        None,
        description="EFS volumes without transitEncryption ENABLED (SEC-EFS-TRANSIT): off | note (default) | "
        "warn | require | default-true.",
    )
    log_retention_days: int | None = Field(
        None,
        description="Retention of the log groups ecsform creates, unless x-ecsform.logs.retentionInDays says "
        "otherwise (default 365).",
    )
    rules: dict[str, RuleSetting] = Field(default_factory=dict, description="Rule id -> off | note | warning | error.")


# What applies where no layer says anything: hardening advice is a note (docs/rule-audit.md, the doctrine).
DEFAULT = Policy.model_validate(
    {"readonlyRootFilesystem": "note", "nonRootUser": "note", "efsTransitEncryption": "note", "logRetentionDays": 365}
)

_FIELDS = ("readonly_root_filesystem", "non_root_user", "efs_transit_encryption", "log_retention_days")


def combine(*layers: Policy | None) -> Policy:
    """Layers from the weakest to the strongest, field by field (`rules` entry by entry), over DEFAULT."""
    values: dict[str, Any] = {name: getattr(DEFAULT, name) for name in _FIELDS}
    rules: dict[str, RuleSetting] = {}
    for layer in layers:
        if layer is None:
            continue
        for name in _FIELDS:
            value = getattr(layer, name)
            if value is not None:
                values[name] = value
        rules.update(layer.rules)
    return Policy.model_construct(**values, rules=dict(sorted(rules.items())))


class RuleCatalog(Protocol):
    """The rule ids the policy's `rules:` (and x-ecsform.ignore) may name: generators.rules itself, handed in by the
    flow (the rules read the policy, so the policy does not import them)."""

    def known_ids(self) -> AbstractSet[str]: ...

    def configurable(self, rule_id: str) -> str | None: ...

    def retired(self, rule_id: str) -> str | None: ...


def parse(raw: Any, prefix: FieldPath = (), *, catalog: RuleCatalog) -> tuple[Policy | None, list[Finding]]:
    """One policy layer from a plain mapping; findings carry paths under `prefix` (not yet located)."""
    if raw is None:
        return None, []
    if not isinstance(raw, dict):
        return None, [
            POLICY_INVALID.finding(
                "the policy must be a mapping",
                path=prefix,
                hint="for example: {readonlyRootFilesystem: require, rules: {ECS-H5: off}}",
            )
        ]
    try:
        layer = Policy.model_validate(raw)
    except ValidationError as exc:
        findings = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            path = prefix + loc
            if err["type"] == "extra_forbidden":
                names = aliases(Policy)
                hint = did_you_mean(str(loc[-1]), names) or f"known fields: {', '.join(names)}"
                if loc == ("policy",) and not prefix:
                    hint = "a policy file holds the policy block itself: remove the `policy:` level"
                findings.append(
                    POLICY_UNKNOWN_FIELD.finding(f"unknown field {loc[-1]!r}", path=path, hint=hint, at_key=True)
                )
            else:
                findings.append(POLICY_INVALID.finding(_message(err), path=path, hint=_hint(err, loc)))
        return None, findings
    findings = []
    days = layer.log_retention_days
    if days is not None and days not in LOG_RETENTION_DAYS:
        findings.append(
            POLICY_INVALID.finding(
                f"CloudWatch Logs does not accept a retention of {days} days",
                path=prefix + ("logRetentionDays",),
                hint=f"use one of {', '.join(map(str, LOG_RETENTION_DAYS))}",
            )
        )
    rule_ids = catalog.known_ids()
    for rule_id in layer.rules:
        where = prefix + ("rules", rule_id)
        if rule_id in LEVEL_RULES:
            findings.append(
                POLICY_INVALID.finding(
                    f"{rule_id} is set by the policy's {LEVEL_RULES[rule_id]} level",
                    path=where,
                    hint=f"write {LEVEL_RULES[rule_id]}: off, note, warn or require instead",
                    at_key=True,
                )
            )
        elif rule_id not in rule_ids:
            findings.append(
                POLICY_INVALID.finding(
                    f"no rule {rule_id!r}",
                    path=where,
                    hint=catalog.retired(rule_id)
                    or did_you_mean(rule_id, sorted(rule_ids))
                    or "`ecsform rules` lists every rule",
                    at_key=True,
                )
            )
        elif (reason := catalog.configurable(rule_id)) is not None:
            findings.append(
                POLICY_INVALID.finding(
                    f"{rule_id} cannot be configured: {reason}", path=where, hint="fix what it reports", at_key=True
                )
            )
    return (None if findings else layer), findings


def _message(err: ErrorDetails) -> str:
    shown = err.get("input")
    if err["type"] == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{shown!r} is not one of {expected}"[:300]
    return f"{err['msg']} (got {shown!r})"[:300]


def _hint(err: ErrorDetails, loc: tuple[Any, ...]) -> str | None:
    value = err.get("input")
    if loc and loc[0] == "rules" and value in ("warn", "warnings"):
        return "write warning"
    if loc and loc[0] != "rules" and value in ("warning", "error", "on", "true", True, False):
        return "the levels are off, note, warn, require and default-true"
    return None


def from_node(
    node: Any, file: str, prefix: FieldPath = (), *, catalog: RuleCatalog
) -> tuple[Policy | None, list[Finding]]:
    """One policy layer from a located node as the loader gives it (a --policy FILE, or the project file's
    `policy:` entry with prefix ("policy",)): (the layer, or None when it is invalid, and the located findings)."""
    from .nodes import plain

    data, smap = plain(node, file, prefix)
    layer, findings = parse(data, prefix, catalog=catalog)
    return layer, [_locate(smap, f, file) for f in findings]


def _locate(smap: Any, f: Finding, file: str) -> Finding:
    line, col = smap.locate(f.path, key=f.at_key)
    return f.located(file, line, col)


def load_file(path: str, *, catalog: RuleCatalog) -> tuple[Policy | None, list[Finding]]:
    """A --policy FILE (YAML or JSON holding the policy block itself). Errors come back as findings."""
    from .loader import load_file as load

    try:
        node = load(path, path)
    except EcsformError as exc:
        return None, [
            f
            if f.rule != SPEC_EMPTY.id
            else POLICY_INVALID.finding(
                "the policy file is empty",
                hint="write the policy block, e.g. readonlyRootFilesystem: require",
                file=path,
                mark=(1, 1),
            )
            for f in exc.findings
        ]
    return from_node(node, path, catalog=catalog)


_LEVEL_FIELDS = {
    "SEC-READONLY-ROOT": "readonly_root_filesystem",
    "SEC-NON-ROOT": "non_root_user",
    "SEC-EFS-TRANSIT": "efs_transit_encryption",
}


def level(policy: Policy, rule_id: str) -> str:
    """The level (off | note | warn | require | default-true) the policy gives one of the LEVEL_RULES."""
    return getattr(policy, _LEVEL_FIELDS[rule_id])


# --- what default-true writes ----------------------------------------------------------------------------------


def apply_defaults(task: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """The task with the values a `default-true` level writes where the spec is silent (else the task itself)."""
    from .canonical import is_windows

    out = task
    if (
        policy.readonly_root_filesystem == "default-true"
        and not is_windows(task)
        and isinstance(task.get("containerDefinitions"), list)
    ):
        containers = [
            {**c, "readonlyRootFilesystem": True} if isinstance(c, dict) and "readonlyRootFilesystem" not in c else c
            for c in task["containerDefinitions"]
        ]
        out = {**out, "containerDefinitions": containers}
    if policy.efs_transit_encryption == "default-true" and isinstance(task.get("volumes"), list):
        volumes = []
        for v in task["volumes"]:
            efs = v.get("efsVolumeConfiguration") if isinstance(v, dict) else None
            if isinstance(efs, dict) and "transitEncryption" not in efs:
                v = {**v, "efsVolumeConfiguration": {**efs, "transitEncryption": "ENABLED"}}
            volumes.append(v)
        out = {**out, "volumes": volumes}
    return out


# --- rule settings and suppressions -----------------------------------------------------------------------------


def configure(findings: Iterable[Finding], policy: Policy) -> list[Finding]:
    """Findings after the policy's `rules:` settings: `off` marks a finding suppressed, `warning`/`error` set its
    severity."""
    if not policy.rules:
        return list(findings)
    out = []
    for f in findings:
        setting = policy.rules.get(f.rule)
        if setting == "off":
            f = f.suppress(f"rules: {{{f.rule}: off}} in the policy")
        elif setting is not None:
            f = f.with_severity(Severity(setting))
        out.append(f)
    return out
