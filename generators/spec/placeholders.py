"""Placeholders of templating tools, found in spec values: one SPEC-PLACEHOLDER finding per placeholder, instead of
the format errors and warnings the values it stands in for would get, and what ecsform offers instead.

Teams keep task definitions as templates that a tool fills in before it registers them. The styles known here:

| style                                  | written                                   | name                 |
|----------------------------------------|-------------------------------------------|----------------------|
| ecspresso, Go and Jinja templates      | `{{ must_env "AWS_ACCOUNT_ID" }}`         | AWS_ACCOUNT_ID       |
| envsubst, CloudFormation Fn::Sub, shell| `${environment}`, `${AWS::Region}`        | environment          |
| a shell variable                       | `$AWS_ACCOUNT_ID`                         | AWS_ACCOUNT_ID       |
| CodePipeline/CodeDeploy, docs, Harness | `<IMAGE1_NAME>`, `<account-id>`, `<+artifacts.primary.image>` | IMAGE1_NAME |
| the ECS agent's test templates         | `$$$TASK_ROLE$$$`                         | TASK_ROLE            |
| batch files and token replacers        | `%CLUSTER_NAME%`, `#{Region}`             | CLUSTER_NAME         |
| a stand-in account or region in an ARN or an ECR registry | `arn:aws:iam::ACCOUNT_ID:role/x`, `XXXXXXXXXXXX.dkr.ecr...` | ACCOUNT_ID |

A placeholder is reported where it makes a value wrong, and only there: `collapse` replaces the findings about the
values that hold it (a family, an ARN, an image, a parameter name) by one finding per placeholder, at the first of
them, as severe as the worst it replaces. Where no check finds anything wrong (`${HOME}` in a shell command, an
environment variable the application expands) the string reaches AWS as written, with nothing said.
`${target.*}` is ecsform's own syntax (generators/spec/targets.py), never a placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Iterable

from ..errors import ECSFORM_INTERNAL, Check, FieldPath, Finding, Severity, format_path

# The findings this module raises (collected by the catalog: generators/rules).
SPEC_PLACEHOLDER = Check(
    "SPEC-PLACEHOLDER",
    Severity.ERROR,
    (
        'A placeholder of a templating tool ({{ must_env "X" }}, ${X}, <X>, $$$X$$$, ACCOUNT_ID in an ARN, '
        "...): one finding per placeholder, as severe as the findings it replaces (an error where AWS "
        "refuses the value, an image included; a warning where ECS registers it and the task cannot use it), "
        "with what ecsform offers instead (for an image, the `ecsform image set` that records a deploy)."
    ),
)


_GO = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
_GO_ARGS = re.compile(r"[`\"']([^`\"']*)[`\"']")
_STYLES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\$\$\$([A-Za-z0-9_]+)\$\$\$"), "the ECS agent's test templates: $$$NAME$$$"),
    (
        re.compile(r"(?<!\$)\$\{(?!target\.)([A-Za-z_][A-Za-z0-9_.:-]*)\}"),
        "envsubst, CloudFormation or a shell: ${NAME}",
    ),
    (re.compile(r"<\+?([A-Za-z_][A-Za-z0-9_.+ -]*)>"), "a template's stand-in: <NAME>"),
    (re.compile(r"%([A-Za-z_][A-Za-z0-9_]*)%"), "a token replacer: %NAME%"),
    (re.compile(r"#\{([A-Za-z_][A-Za-z0-9_.-]*)\}#?"), "a token replacer: #{NAME}"),
    (re.compile(r"(?<![\w$])\$([A-Z_][A-Z0-9_]*)"), "a shell variable: $NAME"),
)
_UNCLOSED = re.compile(r"^<([A-Za-z][^<>]*)$")  # "<image of any app that sends logs to stdout": a stand-in, unclosed
# a stand-in where an ARN or an ECR registry holds an account or a region: ACCOUNT_ID, YOUR_REGION, XXXXXXXXXXXX
_TOKEN = re.compile(r"^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*|[Xx]{4,}|[Xx]{4,}-[Xx]{4,}-[Xx]{4,})$")
_ECR_HOST = re.compile(r"^([^./:]+)\.dkr\.ecr(?:-fips)?\.([^./:]+)\.amazonaws\.com")


@dataclass(frozen=True)
class Placeholder:
    text: str  # as written: {{ must_env `AWS_ACCOUNT_ID` }}
    name: str  # AWS_ACCOUNT_ID
    style: str
    start: int
    end: int

    @property
    def kind(self) -> str:
        return kind(self.name)


def kind(name: str) -> str:
    """What a placeholder's name stands for: account, region, partition, environment, or other."""
    key = re.sub(r"[^a-z]", "", name.lower())
    if "account" in key or re.fullmatch(r"[Xx]{4,}(-[Xx]{4,})*", name):
        return "account"
    if "region" in key:
        return "region"
    if "partition" in key:
        return "partition"
    if key in ("env", "environment", "environmentname", "envname", "stage", "stagename"):
        return "environment"
    return "other"


def find(text: str) -> list[Placeholder]:
    """The placeholders in a string, in order."""
    found: list[Placeholder] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, name: str, style: str) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(Placeholder(text[start:end], name.strip(), style, start, end))

    for m in _GO.finditer(text):
        args = _GO_ARGS.findall(m.group(1))
        words = m.group(1).split()
        name = (
            args[-1]
            if len(args) >= 1 and words[:1] == ["cfn_output"]
            else (args[0] if args else words[-1] if words else "")
        )
        add(m.start(), m.end(), name.lstrip("."), "ecspresso or a Go/Jinja template: {{ ... }}")
    for pattern, style in _STYLES:
        for m in pattern.finditer(text):
            add(m.start(), m.end(), m.group(1), style)
    unclosed = _UNCLOSED.match(text)
    if unclosed:
        add(0, len(text), unclosed.group(1), "a template's stand-in: <...>")
    if _TOKEN.match(text) and kind(text) in ("account", "region", "partition"):  # awslogs-region: YOUR_REGION
        add(0, len(text), text, "a word standing for an account or a region")
    for start, end in _stand_in_fields(text):
        add(start, end, text[start:end], "a word where an ARN or a registry names its account or region")
    return sorted(found, key=lambda p: p.start)


def _stand_in_fields(text: str) -> Iterable[tuple[int, int]]:
    """Spans of the account and region fields of an ARN or an ECR registry host that hold a stand-in."""
    if text.startswith("arn:"):
        parts = text.split(":", 5)
        if len(parts) == 6:
            at = len(":".join(parts[:3])) + 1  # the region field
            for value in (parts[3], parts[4]):
                if value and _TOKEN.match(value):
                    yield at, at + len(value)
                at += len(value) + 1
    m = _ECR_HOST.match(text)
    if m:
        for group in (1, 2):
            if _TOKEN.match(m.group(group)):
                yield m.start(group), m.end(group)


# --- one finding per placeholder ---------------------------------------------------------------------------------

RULE = SPEC_PLACEHOLDER.id
_ROLE_FIELDS = ("taskRoleArn", "executionRoleArn")


def _value(variant: Any, path: FieldPath) -> Any:
    value: Any = variant.task
    parts = list(path)
    if parts[:1] == ["x-ecsform"]:
        value, parts = variant.extension, parts[1:]
    for part in parts:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return None
    return value


def repository_of(image: str, p: Placeholder) -> str | None:
    """The repository of an image whose placeholder `p` is in its tag alone (`repo:{{ must_env "TAG" }}`), else
    None (the repository itself is not written)."""
    name = image.partition("@")[0]
    slash, colon = name.rfind("/"), name.rfind(":")
    if colon > slash and p.text in name[colon + 1 :] and not find(name[:colon]):
        return name[:colon]
    return None


def image_set_command(spec: str, environment: str | None, repositories: dict[str, str | None]) -> str:
    """The `ecsform image set` that records a deploy of the containers whose images hold a placeholder (container ->
    its repository when the spec writes it), for a root of an ecsform.yaml project (generators/images.py)."""
    images = " ".join(
        f"{name}={repo + ':TAG' if repo and '$' not in repo else 'IMAGE'}" for name, repo in repositories.items()
    )
    return f"ecsform image set {spec}" + (f" --env {environment}" if environment else "") + f" {images}"


def offer(p: Placeholder, path: FieldPath, value: str | None = None, deploy: str | None = None) -> str:
    """What ecsform offers instead of a placeholder found at `path` in `value`. In an image: the spec's image is
    the one a root runs until a deploy records another in its images file (issue 20): `deploy` is the `ecsform
    image set` command that does, when an ecsform.yaml keeps those files (else the hint says it takes one)."""
    field = path[-1] if path else ""
    if p.kind in ("account", "region", "partition"):
        target = {"account": "accountId", "region": "region", "partition": "partition"}[p.kind]
        return (
            f"write ${{target.{target}}}: ecsform fills in the {p.kind} of each root's target (ecsform.yaml), "
            "or Terraform does where no target names it (`ecsform import` writes it for you)"
        )
    if p.kind == "environment":
        return (
            "write ${target.environment} (the environment's name), and give what differs per environment in its "
            "overlay under `environments:` (`ecsform import --environments dev=dev.json,prod=prod.json` builds "
            "them from each environment's rendered file)"
        )
    if field == "image":
        repo = repository_of(value, p) if value else None
        what = f"a tag of {repo}" if repo else "the image's repository and tag"
        text = f"write {what} in the spec (the image the root runs until a deploy records another)"
        if deploy:
            return text + f"; a deploy records its image in the root's images file, not the spec: `{deploy}`"
        return (
            text + "; with an ecsform.yaml, `ecsform image set` records each deploy's image beside it (docs/deploy.md)"
        )
    if path == ("family",):
        return "write the family's name (`ecsform import FILE --family NAME` writes it)"
    if field in _ROLE_FIELDS:
        return (
            f"write the role's name or ARN, or leave {field} out and ecsform creates the role with exactly what the "
            "task needs"
        )
    return "write the value, or the value of each environment in its overlay under `environments:`"


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}
_CONSEQUENCE = {
    Severity.ERROR: "as written, AWS refuses it or the task never starts",
    Severity.WARNING: "as written, ECS registers it and the task cannot use it",
    Severity.NOTE: "as written, AWS registers it",
}


def _image_deploy(items: list[tuple[Finding, Placeholder]], variant: Any) -> str | None:
    """The `ecsform image set` for the containers whose image holds the placeholder (None: in no image)."""
    repositories: dict[str, str | None] = {}
    for f, p in items:
        if len(f.path) == 3 and f.path[0] == "containerDefinitions" and f.path[2] == "image":
            container = _value(variant, f.path[:2])
            image = _value(variant, f.path)
            if isinstance(container, dict) and isinstance(container.get("name"), str):
                repo = repository_of(image, p) if isinstance(image, str) else None
                stand_ins = getattr(variant, "unknown", {})  # a value Terraform resolves: not one a shell can take
                repositories[container["name"]] = None if repo and any(s in repo for s in stand_ins) else repo
    return image_set_command(variant.file, variant.environment, repositories) if repositories else None


def collapse(findings: list[Finding], variant: Any, project: bool = False) -> list[Finding]:
    """The findings with those about values that hold placeholders replaced by one SPEC-PLACEHOLDER per placeholder
    (as severe as the worst it replaces, a note when it replaces notes alone; located at the first), naming it and
    what ecsform offers instead. `project`: an ecsform.yaml keeps the deployed images (the hint of an image names
    the `ecsform image set` that records one)."""
    groups: dict[str, list[tuple[Finding, Placeholder]]] = {}
    kept: list[Finding] = []
    for f in findings:
        value = _value(variant, f.path) if f.path and f.suppressed is None and f.rule != ECSFORM_INTERNAL.id else None
        found = find(value) if isinstance(value, str) else []
        if not found:
            kept.append(f)
            continue
        for p in found:
            groups.setdefault(p.text, []).append((f, p))
    for text, items in groups.items():
        items.sort(key=lambda item: (item[0].line, item[0].col))
        first, p = items[0]
        severity = min((f.severity for f, _ in items), key=_RANK.__getitem__)
        others = [format_path(q) for q in dict.fromkeys(f.path for f, _ in items) if q != first.path]
        more = ""
        if others:
            listed = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            more = f"; also in {listed}"
        rules = ", ".join(sorted({f.rule for f, _ in items}))
        value = _value(variant, first.path)
        kept.append(
            replace(
                first,
                rule=RULE,
                severity=severity,
                message=f"{text} is a placeholder ({p.style}), not a value: {_CONSEQUENCE[severity]} ({rules}){more}",
                hint=offer(
                    p,
                    first.path,
                    value if isinstance(value, str) else None,
                    _image_deploy(items, variant) if project else None,
                ),
                at_key=False,
                data=None,
            )
        )
    return kept
