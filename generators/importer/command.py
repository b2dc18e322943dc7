"""What `ecsform import` does, in one visible place: the sources read (a file, standard input, `aws:` references,
one per environment with --environments), their tasks made into one spec, its YAML checked to load back."""

from __future__ import annotations

from typing import Any, Callable

from ..aws import fetch
from ..errors import Check, EcsformError, FieldPath, Finding, Severity
from ..spec.ecosystem import WRAPPER_KEY
from ..spec.nodes import SourceMap
from .environments import to_spec_environments
from .placeholder_mapping import Deploys, map_placeholders
from .present import to_spec
from .roundtrip import ensure_loads_back
from .source import extract, read_source
from .yaml_text import dump_yaml

# The findings this module raises (collected by the catalog: generators/rules).
CLI_ENVIRONMENTS = Check(
    "CLI-ENVIRONMENTS",
    Severity.ERROR,
    "import --environments is not a list of NAME=INPUT (a bad or repeated name, an empty input).",
)
CLI_IMPORT_SOURCE = Check(
    "CLI-IMPORT-SOURCE", Severity.ERROR, "import: not exactly one of FILE, --from-aws and --environments."
)


E = Severity.ERROR


def parse_environments(value: str) -> dict[str, str]:
    """`dev=a.json,prod=b.json` -> {"dev": "a.json", "prod": "b.json"}, in the order given."""
    out: dict[str, str] = {}
    problems = []
    for part in value.split(","):
        name, sep, source = part.strip().partition("=")
        name, source = name.strip(), source.strip()
        if not sep or not name or not source:
            problems.append(f"{part.strip()!r} is not ENV=FILE")
        elif not fetch.FAMILY.match(name):  # an environment is named as a family is: letters, digits, - and _
            problems.append(f"environment name {name!r}: use letters, digits, hyphens and underscores")
        elif name in out:
            problems.append(f"environment {name!r} is given twice")
        else:
            out[name] = source
    if problems or not out:
        raise EcsformError(
            [
                CLI_ENVIRONMENTS.finding(
                    p if problems else "no environments given",
                    hint="--environments dev=dev.json,prod=prod.json (or prod=aws:FAMILY[:REVISION])",
                    file="--environments",
                    mark=(1, 1),
                )
                for p in (problems or [""])
            ]
        )
    return out


def load_task(
    source: str,
    region: str | None = None,
    client: fetch.EcsClient | None = None,
    stdin: Callable[[], bytes] | None = None,
    deploys: Deploys | None = None,
    environment: str | None = None,
) -> tuple[dict[str, Any], list[Finding]]:
    """A native task from a file, `-` (standard input) or `aws:FAMILY[:REVISION]`, its placeholders mapped to what
    ecsform offers (`map_placeholders`); `environment`: the environment this input is imported as (--environments)."""
    if source.startswith("aws:"):
        task, warnings = extract(fetch.task_definition(source[4:], region, client), source)
        return map_placeholders(task, source, SourceMap(source), warnings, deploys=deploys, environment=environment)
    doc, smap, file = read_source(source, stdin)
    task, warnings = extract(doc, file, smap)
    prefix: FieldPath = (WRAPPER_KEY,) if isinstance(doc, dict) and WRAPPER_KEY in doc else ()
    return map_placeholders(task, file, smap, warnings, prefix, deploys, environment)


def import_spec(
    source: str | None = None,
    *,
    from_aws: str | None = None,
    environments: str | None = None,
    family: str | None = None,
    region: str | None = None,
    client: fetch.EcsClient | None = None,
    stdin: Callable[[], bytes] | None = None,
    role_arn: str | None = None,
    deploys_to: str | None = None,
) -> tuple[str, list[Finding]]:
    """What `ecsform import` does: the spec's YAML text and the warnings. Exactly one of `source`,
    `from_aws` and `environments` is given; `role_arn` is assumed for what is read from AWS (as verify's
    --role-arn). `deploys_to`: the spec file the `ecsform image set` of a templated image names, when an
    ecsform.yaml keeps the deployed images (`Deploys`)."""
    given = [
        name
        for name, v in (("FILE", source), ("--from-aws", from_aws), ("--environments", environments))
        if v is not None
    ]
    if len(given) != 1:
        raise EcsformError(
            [
                CLI_IMPORT_SOURCE.finding(
                    "give exactly one of FILE (or -), --from-aws and "
                    f"--environments{' (got ' + ', '.join(given) + ')' if given else ''}",
                    hint="ecsform import task.json",
                    file="import",
                    mark=(1, 1),
                )
            ]
        )
    if role_arn is not None and client is None:
        reads_aws = from_aws is not None or (
            environments is not None and any(v.startswith("aws:") for v in parse_environments(environments).values())
        )
        client = fetch.assumed_client(role_arn, region, reads_aws)
    if environments is not None:
        tasks: dict[str, dict[str, Any]] = {}
        warnings: list[Finding] = []
        problems: list[Finding] = []
        for env, src in parse_environments(environments).items():
            try:
                task, found = load_task(
                    src, region, client, stdin, Deploys(deploys_to, env) if deploys_to is not None else None, env
                )
            except EcsformError as exc:
                problems.extend(exc.findings)
                continue
            tasks[env] = task
            warnings.extend(found)
        if problems:
            raise EcsformError(problems)
        result = to_spec_environments(tasks, family)
        expected: dict[str | None, dict[str, Any]] = {env: t for env, t in tasks.items()}
    else:
        single = f"aws:{from_aws}" if from_aws is not None else str(source)
        task, warnings = load_task(
            single, region, client, stdin, Deploys(deploys_to) if deploys_to is not None else None
        )
        if family is not None:  # the family a template leaves to its tool (IMPORT-PLACEHOLDER says so)
            task["family"] = family
            warnings = [w for w in warnings if w.path != ("family",)]
        result = to_spec(task)
        expected = {None: task}
    text = dump_yaml(result)
    ensure_loads_back(text, expected)
    return text, warnings
