"""Target values: the deploy target's account, region and partition, and the environment's name, inside spec strings.

    ${target.accountId}    the target's AWS account (12 digits)
    ${target.region}       the region the root deploys to
    ${target.partition}    the region's partition (aws, aws-cn, aws-us-gov, ...)
    ${target.environment}  the environment's name (`default` for a spec without environments)
    $${target.region}      the text `${target.region}` itself (the escape)

That is the whole syntax, and nothing else in a string changes: `${FOO}`, `$${FOO}`, `${target}` reach AWS byte
for byte. A name after `${target.` that is none of the four is TARGET-VALUE, an error with a did-you-mean.

So one spec serves dev and prod in different accounts with every ARN written once:
`arn:${target.partition}:secretsmanager:${target.region}:${target.accountId}:secret:db-AbCdEf`.

The values are bound when a variant is checked (generators/validation.py), before anything reads the spec: from
its deploy target (ecsform.yaml), the region the root deploys to, and its environment. What nothing says at synth
(the account without an ecsform.yaml that names one, the region of a spec that names none) Terraform resolves: the
root reads it from the `aws_caller_identity`, `aws_region` and `aws_partition` data sources (`resolve`). Until then
the rules check such a value with a stand-in (`Binding.stand_ins`: twelve digits for an account, a region and a
partition no AWS region has, none of them written anywhere in the spec), and every message shows it as the
`${target.*}` the spec wrote (`shown`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from ..errors import Check, FieldPath, Finding, Severity
from ..syntax.tfexpr import Call, Ref, Template
from ..target import DEFAULT_ENVIRONMENT, Target
from ..text import suggest
from .references import holds_text

# The findings this module raises (collected by the catalog: generators/rules).
TARGET_VALUE = Check(
    "TARGET-VALUE",
    Severity.ERROR,
    (
        "${target.NAME} names no target value (accountId, region, partition, environment), or one nothing "
        "gives before Terraform runs where ecsform needs the text (the family, a container's name)."
    ),
)


NAMES = ("accountId", "region", "partition", "environment")
# `$${target.x}` (the escape), `${target.x}`: group 1 is the extra `$`, group 2 the name
_TOKEN = re.compile(r"(\$?)\$\{target\.([^{}\s]*)\}")

# the Terraform expression of each value no target gives (the root's data sources; the module reads the same ones)
DATA = {
    "accountId": ("aws_caller_identity", "account_id"),
    "region": ("aws_region", "name"),
    "partition": ("aws_partition", "partition"),
}
DATA_NAME = "current"

# regions of the partitions other than aws (botocore's endpoints.json: the partitions' regionRegex)
_PARTITIONS = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-isof-", "aws-iso-f"),
)


def partition_of(region: str) -> str:
    return next((p for prefix, p in _PARTITIONS if region.startswith(prefix)), "aws")


def uses(value: Any) -> bool:
    """True when a plain value holds `${target.` anywhere (in a string)."""
    if isinstance(value, str):
        return "${target." in value
    return holds_text(value, "${target.")


@dataclass(frozen=True)
class Binding:
    """The values of one variant: known ones as text, unknown ones (None) stand-ins the rules check."""

    values: dict[str, str | None]
    stand_ins: dict[str, str] = field(default_factory=dict)  # name -> stand-in, for the unknown values

    @property
    def unknown(self) -> dict[str, str]:
        """stand-in -> name: what Terraform resolves (`resolve`), what messages show as `${target.name}`."""
        return {s: n for n, s in self.stand_ins.items()}


def binding(target: Target | None, region: str | None, environment: str | None, written: Any) -> Binding:
    """The values of a variant deployed to `target` in `region`; `written` is what the spec holds (its task and
    x-ecsform block), which no stand-in may occur in."""
    account = target.account_id if target is not None else None
    values = {
        "accountId": account,
        "region": region,
        "partition": partition_of(region) if region else None,
        "environment": environment or DEFAULT_ENVIRONMENT,
    }
    text = json.dumps(written, default=str)
    candidates = {
        "accountId": (f"{n:012d}" for n in range(1000)),
        "region": (f"zz-target-{n}" for n in range(1, 10)),
        "partition": (f"aws-target{'-' + chr(97 + n) if n else ''}" for n in range(26)),
    }
    stand_ins = {name: next(c for c in candidates[name] if c not in text) for name in DATA if values[name] is None}
    return Binding(values, stand_ins)


def bind(value: Any, b: Binding, path: FieldPath = (), problems: list[Finding] | None = None) -> Any:
    """A plain value with its target values bound: known ones as their text, unknown ones as their stand-ins, the
    escape as the literal text; TARGET-VALUE findings for names that are none of the four (left as written)."""
    if isinstance(value, str):
        if "${target." not in value:
            return value

        def one(m: re.Match[str]) -> str:
            escaped, name = m.group(1), m.group(2)
            if escaped:
                return m.group(0)[1:]
            if name not in NAMES:
                if problems is not None:
                    close = suggest(name, list(NAMES))
                    problems.append(
                        TARGET_VALUE.finding(
                            f"${{target.{name}}} is not a target value",
                            path=path,
                            hint=(f"did you mean ${{target.{close}}}? " if close else "")
                            + "target values: "
                            + ", ".join(f"${{target.{n}}}" for n in NAMES)
                            + f"; write $${{target.{name}}} for the text ${{target.{name}}} itself",
                        )
                    )
                return m.group(0)
            known = b.values.get(name)
            return known if known is not None else b.stand_ins[name]

        return _TOKEN.sub(one, value)
    if isinstance(value, dict):
        return {k: bind(v, b, path + (k,), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [bind(v, b, path + (i,), problems) for i, v in enumerate(value)]
    return value


def shown(value: Any, unknown: Mapping[str, str]) -> Any:
    """A value as messages and `render` show it: each stand-in as the `${target.name}` the spec wrote."""
    if not unknown:
        return value
    if isinstance(value, str):
        for stand_in, name in unknown.items():
            value = value.replace(stand_in, "${target." + name + "}")
        return value
    if isinstance(value, dict):
        return {shown(k, unknown): shown(v, unknown) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(v, unknown) for v in value]
    if isinstance(value, tuple):
        return tuple(shown(v, unknown) for v in value)
    return value


def shown_finding(f: Finding, unknown: Mapping[str, str], written: Mapping[str, str] | None = None) -> Finding:
    """A finding with each stand-in shown as the spec's ${target.*}, and each text of `written` (what the checks
    saw -> what the spec wrote: a role's ARN for the role's name) as written, in its message, hint and data."""
    if not unknown and not written:
        return f
    from dataclasses import replace

    def text(s: str) -> str:
        s = shown(s, unknown)
        for seen, spec in (written or {}).items():
            s = s.replace(seen, spec)
        return s

    def walk(value: Any) -> Any:  # the finding's data (a brought role's statements) as the spec wrote it too
        if isinstance(value, str):
            return text(value)
        if isinstance(value, dict):
            return {walk(k): walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(walk(v) for v in value)
        return value

    return replace(
        f, message=text(f.message), hint=text(f.hint) if f.hint else f.hint, data=walk(f.data) if f.data else f.data
    )


def data_sources(value: Any, unknown: Mapping[str, str]) -> list[str]:
    """The target values a value's stand-ins need from Terraform (names, in NAMES order)."""
    if not unknown:
        return []
    text = json.dumps(value, default=str)
    return [n for n in NAMES if n in unknown.values() and any(s in text for s, m in unknown.items() if m == n)]


def _parts(text: str, unknown: Mapping[str, str]) -> Iterator[Any]:
    pattern = re.compile("|".join(re.escape(s) for s in sorted(unknown, key=len, reverse=True)))
    at = 0
    for m in pattern.finditer(text):
        yield text[at : m.start()]
        data, attribute = DATA[unknown[m.group(0)]]
        yield Ref("data", data, DATA_NAME, attribute)
        at = m.end()
    yield text[at:]


def resolve(value: Any, unknown: Mapping[str, str]) -> Any:
    """A value for the root: each string with a stand-in becomes a Terraform template of the data sources that
    resolve it (a mapping with such keys, `zipmap` of the resolved keys and values). Expressions stay as they are."""
    if not unknown:
        return value
    if isinstance(value, str):
        if not any(s in value for s in unknown):
            return value
        parts = list(_parts(value, unknown))
        return Template(*parts)
    if isinstance(value, dict):
        items = [(resolve(k, unknown), resolve(v, unknown)) for k, v in value.items()]
        if any(not isinstance(k, str) for k, _ in items):
            return Call("zipmap", [k for k, _ in items], [v for _, v in items])
        return dict(items)
    if isinstance(value, (list, tuple)):
        return [resolve(v, unknown) for v in value]
    if isinstance(value, Call):
        return Call(value.function, *(resolve(a, unknown) for a in value.args))
    return value
