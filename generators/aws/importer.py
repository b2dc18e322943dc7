"""Existing task definitions back into specs (`ecsform import`), without losing a field.

    doc    = read_source(file) | fetch_from_aws(ref)    # describe-task-definition output or register input
    task   = extract(doc)                               # read-only fields dropped, nulls and empties dropped,
                                                        # checked against the ECS API model (unknown fields refused)
    spec   = to_spec(task)                              # shorthands where lossless, keys in a readable order
           | to_spec_environments({env: task, ...})     # base = what every input shares, overlays = the rest
    text   = dump_yaml(spec)                            # ruamel.yaml; hostile strings quoted
    verify(text, {env: task})                           # loaded back with the project's loader: same tasks

The functions in the middle are pure (dict -> spec dict -> YAML text). `verify` is the safety net: it loads the
YAML with the same loader, shorthands and overlay merge that `validate`/`synth`/`render` use and compares each
resulting task with its input, so an import that would lose or change anything fails instead of writing a spec.

Readable order: task fields `family`, roles, network mode, compatibilities and size first, then
`containerDefinitions`, then the rest in the order of the ECS API model, `tags` last; inside a container `name`,
`image`, `essential`, then the model's order; every other structure in the model's order; mappings (labels, log
options, environment variables) in the order they came in. Shorthands (generators/spec/shorthands.py) are used only
where loading them gives back exactly the native value.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable

from ..errors import Check, EcsformError, Finding, Path, Severity
from ..rules.fields import SPEC_TYPE, SPEC_UNKNOWN_FIELD, check_structure
from ..spec import document as specs
from ..spec import ecosystem, placeholders
from ..spec.canonical import SORTED_BY_NAME
from ..spec.ecosystem import WRAPPER_EXTRA, WRAPPER_KEY, read_only_fields
from ..spec.ecs_model import Shape, input_shape
from ..spec.loader import (
    JSON_SYNTAX,
    MAX_BYTES,
    SPEC_READ,
    YAML_ENCODING,
    Node,
    SourceMap,
    _resolve_plain,
    from_plain,
    load_text,
    plain,
)
from ..spec.overlay import NAME_KEYED
from ..spec.shorthands import task_size

# The findings this module raises (collected by the catalog: generators/rules).
CLI_ENVIRONMENTS = Check(
    "CLI-ENVIRONMENTS",
    Severity.ERROR,
    "import --environments is not a list of NAME=INPUT (a bad or repeated name, an empty input).",
)
CLI_IMPORT_SOURCE = Check(
    "CLI-IMPORT-SOURCE", Severity.ERROR, "import: not exactly one of FILE, --from-aws and --environments."
)
CLI_ROLE_ARN = Check(
    "CLI-ROLE-ARN", Severity.ERROR, "import --role-arn: not an IAM role ARN, or given without an input read from AWS."
)
IMPORT_INPUT = Check(
    "IMPORT-INPUT", Severity.ERROR, "import: the input is not a task definition (describe output or register input)."
)
IMPORT_AWS = Check("IMPORT-AWS", Severity.ERROR, "import --from-aws: the task definition cannot be read from AWS.")
IMPORT_PLACEHOLDER = Check(
    "IMPORT-PLACEHOLDER",
    Severity.WARNING,
    (
        "import: a placeholder of a templating tool ecsform cannot fill in (an image, a name): imported as "
        "it is, with its lines and what to write instead."
    ),
)
IMPORT_FAMILY = Check(
    "IMPORT-FAMILY", Severity.ERROR, "import --environments: the families share no prefix and --family is not given."
)


E = Severity.ERROR

# Refused: the input does not have the shape of a task definition. Other model findings (a missing required
# field, an enum value this botocore does not know, a value out of range) are imported as they are and reported
# as warnings: `validate` reports them again on the spec, where they can be fixed.
REFUSED = frozenset({SPEC_UNKNOWN_FIELD.id, SPEC_TYPE.id})

TASK_HEAD = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "runtimePlatform",
    "ephemeralStorage",
    "pidMode",
    "ipcMode",
    "enableFaultInjection",
    "containerDefinitions",
)
TASK_TAIL = ("tags",)
CONTAINER_HEAD = ("name", "image", "essential")

_FAMILY = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_REVISION = re.compile(r"^[1-9][0-9]*$")
_INTEGER = re.compile(r"^(0|[1-9][0-9]*)$")


class _Missing:
    """An absent key (None is a value: `null` in an overlay deletes a key)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


# --- reading --------------------------------------------------------------------------------------------------


def read_source(source: str, stdin: Callable[[], bytes] | None = None) -> tuple[Any, SourceMap, str]:
    """Read a file (or `-`: standard input) holding JSON or YAML; return the plain document, its source map and
    the name findings use."""
    if source == "-":
        file = "<stdin>"
        data = (stdin or sys.stdin.buffer.read)()
    else:
        file = source
        try:
            with open(source, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise EcsformError(
                [SPEC_READ.finding(f"cannot read the file: {exc.strerror or exc}", file=file, mark=(1, 1))]
            )
    if len(data) > MAX_BYTES:
        raise EcsformError(
            [
                IMPORT_INPUT.finding(
                    f"the input is larger than {MAX_BYTES // 1024} KiB; a task definition is at most 64 KiB",
                    file=file,
                    mark=(1, 1),
                )
            ]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise EcsformError(
            [
                YAML_ENCODING.finding(
                    f"invalid UTF-8 byte 0x{data[exc.start]:02x}",
                    hint="save the file as UTF-8",
                    file=file,
                    mark=(line, 1),
                )
            ]
        )
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise EcsformError([_not_a_task("the input is empty", file)])
    looks_json = text.lstrip()[:1] in ("{", "[") or source.lower().endswith(".json")
    try:
        root = load_text(text, file, strict_json=looks_json)
    except EcsformError as exc:
        raise EcsformError(
            [
                Finding(
                    rule=f.rule,
                    severity=f.severity,
                    message=f.message,
                    path=f.path,
                    hint="the input must be JSON (or YAML), as the AWS CLI prints it",
                    file=f.file,
                    line=f.line,
                    col=f.col,
                )
                if f.rule == JSON_SYNTAX.id
                else f
                for f in exc.findings
            ]
        )
    doc, smap = plain(root, file)
    return doc, smap, file


def fetch_from_aws(ref: str, region: str | None = None, client: Any = None) -> dict[str, Any]:
    """describe_task_definition(include=["TAGS"]) for FAMILY, FAMILY:REVISION or a task definition ARN, with the
    AWS credentials as found and the region from --region, AWS_REGION or AWS_DEFAULT_REGION (generators/aws)."""
    from . import ecs, session

    where = f"aws:{ref}"
    family, _, revision = ref.partition(":")
    if not ref.startswith("arn:") and (not _FAMILY.match(family) or (revision and not _REVISION.match(revision))):
        raise EcsformError(
            [
                IMPORT_AWS.finding(
                    f"{ref!r} is not FAMILY, FAMILY:REVISION or a task definition ARN",
                    hint="for example: --from-aws financial-api:12",
                    file="--from-aws",
                    mark=(1, 1),
                )
            ]
        )
    try:
        if client is None:
            import boto3

            chosen = session.resolve_region(region)
            client = boto3.client("ecs", region_name=chosen) if chosen else boto3.client("ecs")
        return ecs.describe(client, ref)
    except Exception as exc:  # botocore: no credentials, no region, ClientException, endpoint errors...
        if not session.is_aws_error(exc):
            raise
        if session.error_code(exc) in ("ClientException", "InvalidParameterException"):
            finding = IMPORT_AWS.finding(
                f"cannot describe task definition {ref!r}: {exc}",
                hint="check the family and revision: aws ecs list-task-definitions --family-prefix " + family,
            )
        else:
            finding = session.aws_finding(exc, f"ecs:DescribeTaskDefinition on {ref}", (), region=region)
        raise EcsformError([finding.located(where, 1, 1)]) from None


# --- input -> native task -------------------------------------------------------------------------------------


def _not_a_task(message: str, file: str, mark: tuple[int, int] = (1, 1)) -> Finding:
    return IMPORT_INPUT.finding(
        message,
        hint="give the output of `aws ecs describe-task-definition` or a `register-task-definition --cli-input-json` input",
        file=file,
        mark=mark,
    )


def extract(doc: Any, file: str = "<input>", smap: SourceMap | None = None) -> tuple[dict[str, Any], list[Finding]]:
    """The native RegisterTaskDefinition input in a describe/register document: read-only fields, nulls and
    empty lists or mappings dropped; cpu/memory unit strings converted as the spec loader converts them.

    Returns the task and warnings (model findings that do not stop the import). Raises EcsformError when the
    input is not a task definition, has fields the ECS model does not know, or values of the wrong type."""
    smap = smap or SourceMap(file)

    def at(path: Path) -> tuple[int, int]:
        return smap.locate(path)

    if not isinstance(doc, dict):
        raise EcsformError([_not_a_task("the input is not a mapping", file, at(()))])
    prefix: Path = ()
    if WRAPPER_KEY in doc:
        prefix = (WRAPPER_KEY,)
        extra = [k for k in doc if k != WRAPPER_KEY and k not in WRAPPER_EXTRA]
        if extra:
            raise EcsformError(
                [
                    SPEC_UNKNOWN_FIELD.finding(
                        f"unknown field {k!r} beside taskDefinition",
                        path=(k,),
                        hint=f"known fields here: {WRAPPER_KEY}, tags",
                        file=file,
                        mark=smap.locate((k,), key=True),
                    )
                    for k in extra
                ]
            )
        task = doc[WRAPPER_KEY]
        if not isinstance(task, dict):
            raise EcsformError([_not_a_task("taskDefinition is not a mapping", file, at(prefix))])
        task = dict(task)
        tags = doc.get("tags")
        if tags not in (None, []):
            if "tags" in task:
                raise EcsformError(
                    [_not_a_task("tags are given twice: beside and inside taskDefinition", file, at(("tags",)))]
                )
            task["tags"] = tags
    else:
        task = {k: v for k, v in doc.items() if k != specs.SCHEMA_KEY}  # an editor's annotation, not ECS
        if specs.EXTENSION_KEY in task or specs.ENVIRONMENTS_KEY in task:
            raise EcsformError(
                [_not_a_task("this is already an ecsform spec (it has x-ecsform or environments)", file, at(()))]
            )
    read_only = read_only_fields()
    for key in [k for k in task if k in read_only]:
        del task[key]
    # nulls, and the values that mean "not set" ("" in an optional enum), left out as the spec loader leaves them out
    task = plain(ecosystem.drop_unset(from_plain(task, (1, 1)), file)[0], file)[0]
    if "containerDefinitions" not in task:
        raise EcsformError([_not_a_task("not a task definition: there is no containerDefinitions", file, at(prefix))])

    def where(f: Finding) -> Finding:
        path = prefix + f.path if f.path[:1] != ("tags",) or WRAPPER_KEY not in doc else f.path
        line, col = smap.locate(path, key=f.at_key)
        return Finding(
            rule=f.rule,
            severity=f.severity,
            message=f.message,
            path=f.path,
            hint=f.hint,
            file=file,
            line=line,
            col=col,
            environment=None,
            at_key=f.at_key,
        )

    for size in ("cpu", "memory"):  # the spec's units and integers, as the spec loader converts them
        if isinstance(task.get(size), (str, int)) and not isinstance(task.get(size), bool):
            task[size] = task_size(Node(task[size], (1, 1)), size).value
    findings = [f for f in check_structure(task, input_shape(), ()) if not _null_finding(f)]
    refused = [where(f) for f in findings if f.rule in REFUSED]
    if refused:
        raise EcsformError(refused)
    warnings = [
        Finding(
            rule=f.rule,
            severity=Severity.WARNING,
            message=f.message,
            path=f.path,
            hint=f.hint or "imported as it is; `ecsform validate` reports it on the spec",
            file=f.file,
            line=f.line,
            col=f.col,
        )
        for f in map(where, findings)
    ]
    return _prune(task), warnings


def _null_finding(f: Finding) -> bool:
    """A null value (JSON from Terraform and other tools) means unset: dropped, not refused."""
    return f.rule == SPEC_TYPE.id and f.message.endswith("got null")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (list, dict)) and not value)


# Empty mappings that mean something: `dockerVolumeConfiguration: {}` is a Docker volume with ECS's defaults
# (the canonical form writes them out), `efsVolumeConfiguration: {}` an EFS volume (missing its file system).
MEANINGFUL_EMPTY = frozenset({"dockerVolumeConfiguration", "efsVolumeConfiguration"})


def _keep_empty(key: str, path: Path, shp: Shape | None) -> bool:
    """An empty list or mapping that is not the same as leaving the field out: one the model requires (validation
    tells `command: []` from no command) and the volume configurations above."""
    if shp is not None and key in shp.required:
        return True
    return len(path) == 2 and path[0] == "volumes" and isinstance(path[1], int) and key in MEANINGFUL_EMPTY


def _prune(value: Any, shp: Shape | None = None, path: Path = ()) -> Any:
    """Drop nulls, and fields holding an empty list or mapping, at any depth (what the canonical form drops too),
    but keep the empty values that mean something. An empty item of a list (`portMappings: [{}]`) stays: it is
    still an item (validation counts it, and the positions of the items after it stay the same)."""
    if shp is None and not path:
        shp = input_shape()
    if isinstance(value, dict):
        struct = shp if shp is not None and shp.type == "structure" else None
        out = {}
        for k, v in value.items():
            sub = (
                struct.members.get(k)
                if struct is not None
                else (shp.value if shp is not None and shp.type == "map" else None)
            )
            pruned = _prune(v, sub, path + (k,))
            if pruned is not None and (not _empty(pruned) or _keep_empty(k, path, struct)):
                out[k] = pruned
        return out
    if isinstance(value, list):
        item = shp.member if shp is not None and shp.type == "list" else None
        return [_prune(v, item, path + (i,)) for i, v in enumerate(value) if v is not None]
    return value


# --- native task -> spec --------------------------------------------------------------------------------------


def _ordered_keys(
    keys: Iterable[str], shp: Shape | None, head: tuple[str, ...] = (), tail: tuple[str, ...] = ()
) -> list[str]:
    keys = list(keys)
    model = list(shp.members) if shp is not None and shp.type == "structure" else []
    rank = {k: i for i, k in enumerate(head)}
    rank.update({k: len(head) + i for i, k in enumerate(m for m in model if m not in rank)})
    big = len(rank) + 1
    for i, k in enumerate(tail):
        rank[k] = big + len(keys) + i
    return sorted(keys, key=lambda k: (rank.get(k, big), keys.index(k)))


def _pairs_shorthand(items: Any, value_key: str) -> dict[str, str] | None:
    """[{name: A, value: x}, ...] -> {A: x}, when every item is exactly a name and a string and names are unique."""
    if not isinstance(items, list) or not items:
        return None
    out: dict[str, str] = {}
    for item in items:
        if not (
            isinstance(item, dict)
            and set(item) == {"name", value_key}
            and isinstance(item["name"], str)
            and isinstance(item[value_key], str)
            and item["name"] not in out
        ):
            return None
        out[item["name"]] = item[value_key]
    return out


def _port_shorthand(item: Any) -> Any:
    if isinstance(item, dict) and set(item) == {"containerPort"} and type(item["containerPort"]) is int:
        return item["containerPort"]
    return item


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def size_shorthand(value: Any, field: str) -> Any:
    """Task cpu/memory as a person writes them ("0.5 vCPU", "2 GB", or a plain number), when loading the
    shorthand gives back exactly the same string; anything else is kept as it is."""
    if not isinstance(value, str) or not _INTEGER.match(value):
        return value
    n = int(value)
    candidates: list[Any] = []
    if field == "cpu" and n and n % 256 == 0:
        candidates.append(f"{_decimal_text(Decimal(n) / 1024)} vCPU")
    if field == "memory" and n and n % 512 == 0:
        candidates.append(f"{_decimal_text(Decimal(n) / 1024)} GB")
    candidates.append(n)
    for form in candidates:
        if task_size(Node(form, (1, 1)), field).value == value:
            return form
    return value  # pragma: no cover - the integer form always converts back


def present(value: Any, shp: Shape | None = None, level: str = "task") -> Any:
    """A native task (or a partial one: an overlay) in the form a person writes: readable key order, shorthands.
    `level` is "task", "container" or "" (any other value)."""
    if level == "task":
        shp = input_shape()
    if isinstance(value, dict):
        struct = shp if shp is not None and shp.type == "structure" else None
        if struct is None:  # a map: keys as they came, values by the map's value shape
            vshape = shp.value if shp is not None and shp.type == "map" else None
            return {k: present(v, vshape, "") for k, v in value.items()}
        if level == "task":
            keys = _ordered_keys(value, struct, TASK_HEAD, TASK_TAIL)
        elif level == "container":
            keys = _ordered_keys(value, struct, CONTAINER_HEAD)
        else:
            keys = _ordered_keys(value, struct)
        out: dict[str, Any] = {}
        for k in keys:
            v = value[k]
            sub = struct.members.get(k)
            if level == "task" and k in ("cpu", "memory"):
                out[k] = size_shorthand(v, k)
            elif level == "task" and k == "containerDefinitions" and isinstance(v, list):
                out[k] = [present(c, sub.member if sub else None, "container") for c in v]
            elif (
                level == "container"
                and k in ("environment", "secrets")
                and (pairs := _pairs_shorthand(v, "value" if k == "environment" else "valueFrom")) is not None
            ):
                out[k] = pairs
            elif level == "container" and k == "portMappings" and isinstance(v, list):
                out[k] = [_port_shorthand(present(p, sub.member if sub else None, "")) for p in v]
            else:
                out[k] = present(v, sub, "")
        return out
    if isinstance(value, list):
        item = shp.member if shp is not None and shp.type == "list" else None
        return [present(v, item, "") for v in value]
    return value


def to_spec(task: dict[str, Any]) -> dict[str, Any]:
    """One native task -> one spec (plain dict, keys in output order)."""
    return present(task)


# --- several environments -> base + overlays ------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types (True is not 1, 1.0 is not 1)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _names(items: list[Any]) -> list[str] | None:
    """The names of a name-keyed list, or None when an item has no string name or a name repeats."""
    names = [i.get("name") if isinstance(i, dict) else None for i in items]
    if any(not isinstance(n, str) for n in names) or len(set(names)) != len(names):
        return None
    return [n for n in names if isinstance(n, str)]


def _split(values: list[Any], key: str | None) -> tuple[Any, list[Any]]:
    """What `values` (one per environment; MISSING where absent) share, and what each overlay must say so that
    overlay.merge(base, overlay) gives back each value. Overlay entries: MISSING (say nothing), None (delete)
    or a value."""
    n = len(values)
    present_values = [v for v in values if v is not MISSING]
    if not present_values:
        return MISSING, [MISSING] * n
    if len(present_values) == n and all(_same(v, values[0]) for v in values[1:]):
        return values[0], [MISSING] * n
    if len(present_values) == n and all(isinstance(v, dict) for v in values):
        base, overlays = _split_dicts(values)
        if base:
            return base, overlays
    elif len(present_values) == n and key in NAME_KEYED and all(isinstance(v, list) for v in values):
        split = _split_named(values, key)
        if split is not None:
            return split
    return MISSING, list(values)  # not shared: each overlay carries its own value (or nothing)


def _split_dicts(dicts: list[dict[str, Any]], skip: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[Any]]:
    keys: list[str] = []
    for d in dicts:
        keys.extend(k for k in d if k not in keys and k not in skip)
    base: dict[str, Any] = {}
    overlays: list[dict[str, Any]] = [{} for _ in dicts]
    for k in keys:
        b, overs = _split([d.get(k, MISSING) for d in dicts], k)
        if b is not MISSING:
            base[k] = b
        for o, v in zip(overlays, overs):
            if v is not MISSING:
                o[k] = v
    return base, [o if o else MISSING for o in overlays]


def _split_named(lists: list[list[Any]], key: str) -> tuple[list[Any], list[Any]] | None:
    """Name-keyed lists: overlay items merge into base items of the same name, other items are appended, and
    nothing can be removed. None when the lists cannot share a base (the caller gives each overlay its list)."""
    maybe = [_names(items) for items in lists]
    if any(n is None for n in maybe):
        return None
    names: list[list[str]] = [n for n in maybe if n is not None]
    by_name = [dict(zip(n, items)) for n, items in zip(names, lists)]
    if key in SORTED_BY_NAME and key != "containerDefinitions":
        # environment, secrets: the rendered form sorts them by name, so the base holds the items every
        # environment has unchanged and each overlay appends its own
        shared = [nm for nm in names[0] if all(nm in m and _same(m[nm], by_name[0][nm]) for m in by_name)]
        if not shared:
            return None
        overlays: list[Any] = [[i for i in items if i["name"] not in shared] or MISSING for items in lists]
        return [by_name[0][nm] for nm in shared], overlays
    if key == "containerDefinitions":
        # overlays cannot add containers: the base has them all, so every environment must have the same ones
        if any(set(n) != set(names[0]) for n in names[1:]):
            return None
        common = names[0]
        rest: list[list[Any]] = [[] for _ in lists]
    else:
        # volumes, ulimits, secretOptions: order matters, so the base is the longest common prefix of names
        # (items in it merge deeply) and the rest of each list is appended in its own order
        length = 0
        while all(len(n) > length and n[length] == names[0][length] for n in names):
            length += 1
        if not length:
            return None
        common = names[0][:length]
        rest = [items[length:] for items in lists]
    base = []
    per_env: list[list[Any]] = [[] for _ in lists]
    for name in common:
        b, overs = _split_dicts([m[name] for m in by_name], skip=("name",))
        base.append({"name": name, **b})
        for o, v in zip(per_env, overs):
            if v is not MISSING:
                o.append({"name": name, **v})
    return base, [(o + r) or MISSING for o, r in zip(per_env, rest)]


def base_family(families: dict[str, str | None]) -> str | None:
    """The family the environments share: F when every family is F-<environment>, else their common prefix cut
    at a hyphen or underscore."""
    named = {env: f for env, f in families.items() if isinstance(f, str)}
    if not named:
        return None
    stems = {f[: -len(env) - 1] for env, f in named.items() if f.endswith("-" + env) and len(f) > len(env) + 1}
    if len(stems) == 1 and all(f.endswith("-" + env) for env, f in named.items()):
        return stems.pop()
    values = list(named.values())
    lcp = values[0]
    for f in values[1:]:
        while not f.startswith(lcp):
            lcp = lcp[:-1]
    if not all(f == lcp or f[len(lcp)] in "-_" for f in values):
        cut = max(lcp.rfind("-"), lcp.rfind("_"))
        lcp = lcp[: max(cut, 0)]
    return lcp.rstrip("-_") or None


def to_spec_environments(tasks: dict[str, dict[str, Any]], family: str | None = None) -> dict[str, Any]:
    """Several native tasks, one per environment -> one spec: the base holds what they all share, each overlay
    under `environments:` what its environment adds or changes (generators/spec/overlay.py semantics)."""
    envs = list(tasks)
    fam = family if family is not None else base_family({e: tasks[e].get("family") for e in envs})
    if fam is None:
        raise EcsformError(
            [
                IMPORT_FAMILY.finding(
                    "the environments' families share no prefix",
                    path=("family",),
                    hint="name the base family with --family",
                    file="--environments",
                    mark=(1, 1),
                )
            ]
        )
    base, overlays = _split_dicts([tasks[e] for e in envs], skip=("family",))
    spec = present({"family": fam, **base})
    environments: dict[str, Any] = {}
    for env, over in zip(envs, overlays):
        over = dict(over) if over is not MISSING else {}
        own = tasks[env].get("family", MISSING)
        if own is MISSING:
            over["family"] = None  # the base family would otherwise give it `<family>-<env>`
        elif own != f"{fam}-{env}":
            over["family"] = own
        environments[env] = present(over)
    spec[specs.ENVIRONMENTS_KEY] = environments
    return spec


# --- spec -> YAML ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _resolvers() -> tuple[Any, ...]:
    from ruamel.yaml.resolver import VersionedResolver

    return VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2))


def misread(text: str) -> bool:
    """True when `text` written as a plain scalar would not be read back as this string: by ecsform's loader
    (YAML 1.2 core schema) or by a YAML 1.1 tool (yes, on, 0123, 12:30, <<...)."""
    from ruamel.yaml.nodes import ScalarNode

    if not isinstance(_resolve_plain(text), str):
        return True
    return any(not str(r.resolve(ScalarNode, text, (True, False))).endswith(":str") for r in _resolvers())


_SAFE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*\\Z")
_PRINTABLE = re.compile("[\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*\\Z")


def _literal_ok(text: str) -> bool:
    """A multi-line string that reads well as a `|` block and loads back exactly."""
    if "\n" not in text or not _PRINTABLE.match(text) or any(c in text for c in "\t\ufeff\u2028\u2029"):
        return False
    if text[0] in " \n" or text.endswith("\n\n"):
        return False
    return not any(line != line.rstrip(" ") for line in text.split("\n"))


def _scalar(value: Any) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString, SingleQuotedScalarString

    if not isinstance(value, str):
        return value
    if "\n" in value:
        return LiteralScalarString(value) if _literal_ok(value) else DoubleQuotedScalarString(value)
    if not _SAFE.match(value):  # line breaks YAML 1.1 knows (NEL, LS, PS), BOM, controls: escaped
        return DoubleQuotedScalarString(value)
    if misread(value):
        return SingleQuotedScalarString(value)  # the emitter switches to double quotes where single cannot say it
    return value  # the emitter quotes what YAML syntax needs (": ", " #", leading spaces, indicators...)


FLOW_WIDTH = 72


def _flow_ok(items: list[Any]) -> bool:
    """Short lists of one-line scalars read best on one line: [FARGATE], [CMD-SHELL, curl ...]."""
    if not all(isinstance(i, (str, int)) for i in items):
        return False
    if any(isinstance(i, str) and ("\n" in i or not i.isprintable()) for i in items):
        return False
    return sum(len(str(i)) + 4 for i in items) <= FLOW_WIDTH


def _flow_scalar(value: Any) -> Any:
    """A scalar inside [ ... ]: quoted when it holds a flow indicator or a colon (libyaml refuses `a:b` there)."""
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    if isinstance(value, str) and any(c in value for c in ":,[]{}#&*!|>'\"%@`?"):
        return SingleQuotedScalarString(value)
    return _scalar(value)


def _to_yaml_tree(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            key = _scalar(k)
            if not isinstance(key, str) or "\n" in k:
                from ruamel.yaml.scalarstring import DoubleQuotedScalarString

                key = DoubleQuotedScalarString(k)
            m[key] = _to_yaml_tree(v)
        return m
    if isinstance(value, list):
        if value and _flow_ok(value):
            seq = CommentedSeq([_flow_scalar(v) for v in value])
            seq.fa.set_flow_style()
            return seq
        return CommentedSeq([_to_yaml_tree(v) for v in value])
    return _scalar(value)


def _represent_null(representer: Any, _: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")  # `family: null`, not `family:`


def dump_yaml(spec: dict[str, Any]) -> str:
    """A spec (plain dict) as YAML text: two-space indentation, lists of mappings as `- ` items, no line folding."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 100_000  # never fold a long string over several lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    yaml.default_flow_style = False
    yaml.representer.add_representer(type(None), _represent_null)
    buf = io.StringIO()
    yaml.dump(_to_yaml_tree(spec), buf)
    return buf.getvalue()


# --- verification ---------------------------------------------------------------------------------------------


def comparable(task: Any) -> Any:
    """A task for comparison: no empties (but the meaningful ones), lists the rendered form sorts (containers,
    environment, secrets) sorted by name. Everything else as it is, order of other lists included."""

    def walk(v: Any, key: str | None) -> Any:
        if isinstance(v, dict):
            return {k: walk(x, k) for k, x in v.items()}
        if isinstance(v, list):
            items = [walk(x, None) for x in v]
            if key in SORTED_BY_NAME:
                items.sort(key=lambda d: json.dumps(d.get("name") if isinstance(d, dict) else None))
            return items
        return v

    return walk(_prune(task), None)


def loaded_tasks(text: str, file: str = "<import>") -> dict[str | None, dict[str, Any]]:
    """The native task of each variant of a spec text, loaded the way validate/synth/render load specs."""
    spec = specs.split(load_text(text, file), file)
    if not spec.environments:
        return {None: specs.variants(spec)[0].task}
    return {name: specs.merged_variant(spec, name).task for name in spec.environments}


def verify(text: str, expected: dict[str | None, dict[str, Any]]) -> None:
    """Raise (an internal error: a bug in the importer) when the YAML does not load back to the expected tasks."""
    try:
        got = loaded_tasks(text)
    except EcsformError as exc:  # pragma: no cover - a bug; reported as an internal error
        raise RuntimeError(f"the imported spec does not load: {exc}") from None
    if list(got) != list(expected):  # pragma: no cover
        raise RuntimeError(f"the imported spec has environments {list(got)}, expected {list(expected)}")
    for env, task in expected.items():
        a, b = comparable(got[env]), comparable(task)
        if not _same(a, b):  # pragma: no cover
            where = f" (environment {env})" if env else ""
            raise RuntimeError(f"the imported spec{where} does not give back the task definition: {_first_diff(a, b)}")


def _first_diff(a: Any, b: Any, path: str = "") -> str:  # pragma: no cover - error reporting
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b or not _same(a[k], b[k]):
                return _first_diff(a.get(k, MISSING), b.get(k, MISSING), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if not _same(x, y):
                return _first_diff(x, y, f"{path}[{i}]")
    return f"{path or '.'}: {a!r} != {b!r}"


# --- the command ----------------------------------------------------------------------------------------------


def parse_environments(value: str) -> dict[str, str]:
    """`dev=a.json,prod=b.json` -> {"dev": "a.json", "prod": "b.json"}, in the order given."""
    out: dict[str, str] = {}
    problems = []
    for part in value.split(","):
        name, sep, source = part.strip().partition("=")
        name, source = name.strip(), source.strip()
        if not sep or not name or not source:
            problems.append(f"{part.strip()!r} is not ENV=FILE")
        elif not _FAMILY.match(name):
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
    client: Any = None,
    stdin: Callable[[], bytes] | None = None,
    deploys: Deploys | None = None,
) -> tuple[dict[str, Any], list[Finding]]:
    """A native task from a file, `-` (standard input) or `aws:FAMILY[:REVISION]`, its placeholders mapped to what
    ecsform offers (`map_placeholders`)."""
    if source.startswith("aws:"):
        task, warnings = extract(fetch_from_aws(source[4:], region, client), source)
        return map_placeholders(task, source, SourceMap(source), warnings, deploys=deploys)
    doc, smap, file = read_source(source, stdin)
    task, warnings = extract(doc, file, smap)
    prefix: Path = (WRAPPER_KEY,) if isinstance(doc, dict) and WRAPPER_KEY in doc else ()
    return map_placeholders(task, file, smap, warnings, prefix, deploys)


# --- placeholders -----------------------------------------------------------------------------------------------

# where a string is a shell's or a program's to expand when the container runs: its placeholders are left alone
_RUN_TIME = ("command", "entryPoint")
_TARGET = {"account": "${target.accountId}", "region": "${target.region}", "partition": "${target.partition}"}


def _run_time(path: Path) -> bool:
    return any(part in _RUN_TIME for part in path if isinstance(part, str)) or path[-3:-1] == ("healthCheck", "command")


@dataclass(frozen=True)
class Deploys:
    """Where the deploys of an imported spec's images are recorded: an ecsform.yaml keeps each root's deployed
    images (generators/images.py), so an image the template's tool fills in maps to the `ecsform image set` that
    records it. `spec`: the spec file as the command names it; `environment`: the input's (--environments)."""

    spec: str
    environment: str | None = None


def map_placeholders(
    task: dict[str, Any],
    file: str,
    smap: SourceMap,
    warnings: list[Finding],
    prefix: Path = (),
    deploys: Deploys | None = None,
) -> tuple[dict[str, Any], list[Finding]]:
    """The task with the placeholders of templating tools (generators/spec/placeholders.py) mapped to what ecsform
    offers: an account, region or partition to its target value, an environment's name to ${target.environment}
    (and out of the end of the family, which each environment's overlay gives), an execution role that is a
    placeholder left out (ecsform creates the role). What it cannot map it keeps, with an IMPORT-PLACEHOLDER
    warning per placeholder naming its lines and what to write instead: for an image, a tag of the repository the
    spec writes (the image a root runs until its first deploy) and, with `deploys` (an ecsform.yaml), the `ecsform
    image set` that records each deploy's image. Text that reads as a target value is escaped ($${target...}), so
    that it stays text. Commands and entry points are the container's to expand."""
    unmapped: dict[str, tuple[placeholders.Placeholder, list[tuple[Path, tuple[int, int]]]]] = {}

    def walk(value: Any, path: Path) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                mapped = walk(v, path + (k,))
                if mapped is not _DROP:
                    out[k] = mapped
            return out
        if isinstance(value, list):
            return [walk(v, path + (i,)) for i, v in enumerate(value)]
        if not isinstance(value, str):
            return value
        text = value.replace("${target.", "$${target.")
        if _run_time(path):
            return text
        found = placeholders.find(value)
        if path in (("executionRoleArn",),) and len(found) == 1 and found[0].text == value:
            return _DROP  # a role the template fills in: ecsform creates the execution role from what the task uses
        out, at = "", 0
        for p in found:
            out += value[at : p.start].replace("${target.", "$${target.")
            at = p.end
            if p.kind in _TARGET:
                out += _TARGET[p.kind]
            elif p.kind == "environment":
                if path == ("family",) and (p.start == 0 or p.end == len(value)):
                    out = out.rstrip("-_") if p.end == len(value) else out
                    if p.start == 0:  # leading: drop the separator after it
                        at = p.end + (1 if value[p.end : p.end + 1] in ("-", "_") else 0)
                    continue
                out += "${target.environment}"
            else:
                out += p.text
                where = unmapped.setdefault(p.text, (p, []))
                where[1].append((path, smap.locate(prefix + path)))
        return out + value[at:].replace("${target.", "$${target.")

    mapped = walk(task, ())

    def at(path: Path) -> Any:
        value: Any = mapped
        for part in path:
            value = value.get(part) if isinstance(value, dict) else value[part] if isinstance(value, list) else None
        return value

    for text, (p, where) in unmapped.items():
        path, (line, col) = where[0]
        lines = sorted({mark[0] for _, mark in where})
        repositories = {
            at(q[:2])["name"]: placeholders.repository_of(at(q), p)
            for q, _ in where
            if len(q) == 3
            and q[0] == "containerDefinitions"
            and q[2] == "image"
            and isinstance(at(q[:2]), dict)
            and isinstance(at(q[:2]).get("name"), str)
            and isinstance(at(q), str)
        }
        deploy = (
            placeholders.image_set_command(deploys.spec, deploys.environment, repositories)
            if deploys is not None and repositories
            else None
        )
        first = at(path)
        warnings.append(
            IMPORT_PLACEHOLDER.finding(
                f"{text} is a placeholder ({p.style}) ecsform cannot fill in: imported as it is, at line"
                f"{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}",
                path=path,
                hint=placeholders.offer(p, path, first if isinstance(first, str) else None, deploy),
                file=file,
                mark=(line, col),
            )
        )
    return mapped, warnings


_DROP: Any = object()


def import_spec(
    source: str | None = None,
    *,
    from_aws: str | None = None,
    environments: str | None = None,
    family: str | None = None,
    region: str | None = None,
    client: Any = None,
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
        client = _assumed_client(role_arn, region, reads_aws)
    if environments is not None:
        tasks: dict[str, dict[str, Any]] = {}
        warnings: list[Finding] = []
        problems: list[Finding] = []
        for env, src in parse_environments(environments).items():
            try:
                task, found = load_task(
                    src, region, client, stdin, Deploys(deploys_to, env) if deploys_to is not None else None
                )
            except EcsformError as exc:
                problems.extend(exc.findings)
                continue
            tasks[env] = task
            warnings.extend(found)
        if problems:
            raise EcsformError(problems)
        result = to_spec_environments(tasks, family)
        expected: dict[str | None, dict[str, Any]] = dict(tasks)
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
    verify(text, expected)
    return text, warnings


def _assumed_client(role_arn: str, region: str | None, reads_aws: bool) -> Any:
    """The ECS client of `import --role-arn`: the role assumed through aws/session.py (as verify assumes it), its
    problems located at --role-arn."""
    from .. import arns
    from ..target import Target
    from . import session

    def bad(message: str, hint: str) -> EcsformError:
        return EcsformError([CLI_ROLE_ARN.finding(message, hint=hint, file="--role-arn", mark=(1, 1))])

    if not reads_aws:
        raise bad(
            "--role-arn is for what import reads from AWS",
            "use it with --from-aws FAMILY[:REVISION] or an aws:FAMILY input of --environments",
        )
    if not arns.ROLE_ARN.match(role_arn):
        raise bad(f"{role_arn!r} is not an IAM role ARN", "arn:aws:iam::ACCOUNT:role/NAME")
    try:
        aws = session.connect(Target(role_arn=role_arn), "import", region, "import --from-aws")
    except EcsformError as exc:
        raise EcsformError([f.located("--role-arn", 1, 1) for f in exc.findings]) from None
    return aws.client("ecs")
