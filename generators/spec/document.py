"""A spec file split into its three parts, and the variants (one per environment) it stands for.

Top level of a spec:
- the ECS `RegisterTaskDefinition` fields (camelCase, exactly what `--cli-input-json` takes);
- `x-ecsform`: the project's extensions (managed log groups, EFS, secrets, roles...), kept apart from ECS fields;
- `environments`: overlays merged onto the base, one root per environment;
- `$schema`: ignored (editors use it to find the JSON Schema).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from ..errors import Check, EcsformError, Finding, Severity
from ..text import suggest
from . import ecosystem, overlay, shorthands
from .loader import load_file
from .nodes import Node, SourceMap, plain

# The findings this module raises (collected by the catalog: generators/rules).
ENV_SHAPE = Check("ENV-SHAPE", Severity.ERROR, "`environments` or an overlay is not a mapping.")
ENV_NESTED = Check("ENV-NESTED", Severity.ERROR, "An overlay declares environments of its own.")
ENV_UNKNOWN = Check("ENV-UNKNOWN", Severity.ERROR, "--env names an environment the spec does not have.")


EXTENSION_KEY = "x-ecsform"
ENVIRONMENTS_KEY = "environments"
SCHEMA_KEY = "$schema"
NON_ECS_KEYS = (EXTENSION_KEY, ENVIRONMENTS_KEY, SCHEMA_KEY)


@dataclass
class SpecFile:
    file: str  # as shown in messages and recorded in manifest.json
    root: Node
    task: Node  # ECS fields only, shorthands rewritten
    extension: Node | None
    environments: dict[str, Node] = field(default_factory=dict)  # overlays, shorthands rewritten
    environments_node: Node | None = None
    # what reading the file as a spec noticed (generators/spec/ecosystem.py): describe output, values meaning unset
    notes: list[Finding] = field(default_factory=list)


@dataclass
class Variant:
    """One task definition to declare: the base spec, or the base with one environment merged on."""

    spec: SpecFile
    environment: str | None
    task: dict[str, Any]  # plain RegisterTaskDefinition input (native form)
    extension: Any  # plain `x-ecsform` block ({} when absent; checked by the extension model)
    smap: SourceMap
    # the target values no target names, which Terraform resolves: stand-in -> name (generators/spec/targets.py)
    unknown: dict[str, str] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return self.spec.file

    @property
    def family(self) -> str:
        family = self.task.get("family")
        return family if isinstance(family, str) else ""

    def locate(self, findings: list[Finding]) -> list[Finding]:
        out = []
        for f in findings:
            line, col = self.smap.locate(f.path, key=f.at_key)
            out.append(f.at(self.file, line, col, self.environment))
        return out


def split(root: Node, file: str) -> SpecFile:
    root, notes = ecosystem.unwrap(root, file)
    task_items: dict[str, Node] = {}
    extension = environments_node = None
    for key, node in root.value.items():
        if key == EXTENSION_KEY:
            extension = node
        elif key == ENVIRONMENTS_KEY:
            environments_node = node
        elif key == SCHEMA_KEY:
            continue
        else:
            task_items[key] = node
    native, unset = ecosystem.drop_unset(Node(task_items, root.mark), file)
    notes += unset
    task = shorthands.normalize_task(native)
    environments: dict[str, Node] = {}
    if environments_node is not None:
        if type(environments_node.value) is not dict:
            raise EcsformError(
                [
                    ENV_SHAPE.finding(
                        "`environments` must map environment names to overlays",
                        path=(ENVIRONMENTS_KEY,),
                        hint="environments: {dev: {cpu: '256'}, prod: {cpu: '1024'}}",
                        file=file,
                        mark=environments_node.mark,
                    )
                ]
            )
        for name, node in environments_node.value.items():
            over, unset = ecosystem.drop_unset(node, file, name)
            notes += unset
            environments[name] = normalize_overlay(over)
    return SpecFile(file, root, task, extension, environments, environments_node, notes)


def read(path: str | FsPath, display: str | None = None, data: bytes | None = None) -> SpecFile:
    file = display or str(path)
    return split(load_file(path, file, data), file)


def make_variant(spec: SpecFile, environment: str | None, task: Node, extension: Node | None) -> Variant:
    items = dict(task.value)
    if extension is not None:
        items[EXTENSION_KEY] = extension
    data, smap = plain(Node(items, task.mark), spec.file)
    ext = data.pop(EXTENSION_KEY, {})
    return Variant(spec, environment, data, ext, smap)


def variants(spec: SpecFile, only: str | None = None) -> list[Variant]:
    """The variants of one spec: the base alone, or one per environment (only `only` when given)."""
    if not spec.environments:
        return [make_variant(spec, None, spec.task, spec.extension)]
    names = list(spec.environments)
    if only is not None:
        if only not in spec.environments:
            raise EcsformError([unknown_environment(spec, only)])
        names = [only]
    return [merged_variant(spec, name) for name in names]


def normalize_overlay(node: Node) -> Node:
    """Rewrite shorthands inside an overlay (the same ones as in the base)."""
    if type(node.value) is not dict:
        return node
    items = {k: v for k, v in node.value.items() if k != EXTENSION_KEY}
    out = shorthands.normalize_task(Node(items, node.mark, node.key_mark))
    if EXTENSION_KEY in node.value:
        out.value[EXTENSION_KEY] = node.value[EXTENSION_KEY]
    return out


def unknown_environment(spec: SpecFile, name: str) -> Finding:
    known = list(spec.environments)
    close = suggest(name, known)
    mark = spec.environments_node.mark if spec.environments_node else spec.root.mark
    return ENV_UNKNOWN.finding(
        f"no environment named {name!r} in this spec",
        path=("environments",),
        hint=f"did you mean {close!r}?" if close else f"environments: {', '.join(known)}",
        file=spec.file,
        mark=mark,
    )


def merged_variant(spec: SpecFile, name: str) -> Variant:
    over = spec.environments[name]
    prefix = (ENVIRONMENTS_KEY, name)
    if type(over.value) is not dict:
        raise EcsformError(
            [
                ENV_SHAPE.finding(
                    "an environment overlay must be a mapping",
                    path=prefix,
                    hint="for example: prod: {cpu: '1024', memory: '2048'}",
                    file=spec.file,
                    mark=over.mark,
                    environment=name,
                )
            ]
        )
    problems: list[Finding] = []
    for bad in (ENVIRONMENTS_KEY,):
        if bad in over.value:
            problems.append(
                ENV_NESTED.finding(
                    "an overlay cannot declare environments",
                    path=prefix + (bad,),
                    file=spec.file,
                    mark=(over.value[bad].key_mark[0], over.value[bad].key_mark[1]),
                    environment=name,
                )
            )
    overlay_task = Node({k: v for k, v in over.value.items() if k not in (EXTENSION_KEY, ENVIRONMENTS_KEY)}, over.mark)
    task = overlay.merge(spec.task, overlay_task, None, problems, prefix) or Node({}, spec.task.mark)
    if "family" not in over.value and "family" in task.value and isinstance(task.value["family"].value, str):
        fam = task.value["family"]
        task.value["family"] = Node(f"{fam.value}-{name}", fam.mark, fam.key_mark)
    ext_over = over.value.get(EXTENSION_KEY)
    extension = spec.extension
    if ext_over is not None:
        extension = overlay.merge(spec.extension, ext_over, EXTENSION_KEY, problems, prefix + (EXTENSION_KEY,))
    if problems:
        located = []
        for f in problems:
            mark = _mark_at(over, f.path[len(prefix) :])
            located.append(
                Finding(
                    rule=f.rule,
                    severity=f.severity,
                    message=f.message,
                    path=f.path,
                    hint=f.hint,
                    file=spec.file,
                    line=mark[0],
                    col=mark[1],
                    environment=name,
                )
            )
        raise EcsformError(located)
    return make_variant(spec, name, task, extension)


def _mark_at(node: Node, path: tuple) -> tuple[int, int]:
    cur = node
    for part in path:
        nxt = None
        if type(cur.value) is dict and isinstance(part, str):
            nxt = cur.value.get(part)
        elif type(cur.value) is list and isinstance(part, int) and part < len(cur.value):
            nxt = cur.value[part]
        if nxt is None:
            break
        cur = nxt
    return cur.mark
