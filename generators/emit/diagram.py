"""What a reviewer reads of one root: a diagram model of the task (containers, their dependsOn conditions, ports,
volumes with their file systems and access points, secrets, roles) and two renderers of it, Mermaid and Graphviz
DOT. The generated README.md and `ecsform graph` print the same model.

Every label is user text: node ids are generated (n0, n1, ...), never taken from names, and each renderer escapes
the labels for its own syntax (Mermaid: every character outside a small safe set as an entity code `#NNN;`, so no
quote, pipe, bracket, backtick, `${` or newline can end a label or a fenced Markdown block; DOT: quoted strings with
backslash escapes). Same plan -> byte-identical output: nodes and edges keep the spec's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from ..plan import Plan
from ..spec import references
from ..spec.task_definition import EXECUTION_ROLE, TASK_ROLE, ContainerDefinition, Volume


class Node(NamedTuple):
    id: str
    kind: str  # task, container, volume, filesystem, accesspoint, secret, role
    lines: tuple[str, ...]  # label lines (user text, unescaped)


class Edge(NamedTuple):
    source: str
    target: str
    label: str = ""
    dashed: bool = False


@dataclass
class Diagram:
    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def add(self, kind: str, *lines: str) -> str:
        node = Node(f"n{len(self.nodes)}", kind, tuple(lines))
        self.nodes.append(node)
        return node.id

    def link(self, source: str, target: str, label: str = "", dashed: bool = False) -> None:
        self.edges.append(Edge(source, target, label, dashed))


def _ref_text(value: str) -> str:
    """An `ecsform:` reference as what it stands for; any other value as written."""
    ref = references.parse(value)
    if ref is None:
        return value
    if ref.kind == "secret":
        return f"secret {ref.key} (created by this root)"
    if ref.kind == "access-point":
        return f"access point {ref.access_point} of file system {ref.key} (created by this root)"
    return f"file system {ref.key} (created by this root)"


def _ports(c: ContainerDefinition) -> list[str]:
    out = []
    for p in c.port_mappings:
        text = str(p.container_port) if p.container_port is not None else str(p.container_port_range or "")
        if p.host_port not in (None, p.container_port):
            text = f"{p.host_port}:{text}"
        text += f"/{p.protocol if p.protocol is not None else 'tcp'}"
        if p.name:
            text += f" ({p.name})"
        out.append(text)
    return out


def _volume_lines(v: Volume) -> list[str]:
    lines = [f"volume {v.name}"]
    if v.host_source_path:
        lines.append(f"host path {v.host_source_path}")
    elif v.docker is not None:
        lines.append("docker volume, scope " + str(v.docker.scope if v.docker.scope is not None else "task"))
    elif v.fsx_windows is not None:
        lines.append("FSx for Windows " + str(v.fsx_windows.file_system_id))
    elif v.efs is None and not v.configured_at_launch:
        lines.append("task storage")
    if v.configured_at_launch:
        lines.append("configured at launch")
    return lines


def model(plan: Plan) -> Diagram:
    """The diagram of one plan (one root)."""
    t = plan.task
    d = Diagram(f"{t.family}" + (f" ({plan.environment})" if plan.environment else ""))
    sizes = (("cpu", t.cpu), ("memory", t.memory), ("networkMode", t.network_mode))
    task = d.add("task", f"task definition {t.family}", *(f"{k} {v}" for k, v in sizes if v is not None))
    roles = {}
    named = t.roles
    for ecs_field, what in ((EXECUTION_ROLE, "execution role"), (TASK_ROLE, "task role")):
        if ecs_field in named:
            roles[ecs_field] = d.add("role", what, named[ecs_field])
        elif _role_created(plan, ecs_field):
            roles[ecs_field] = d.add("role", what, "created by the module (least privilege, see the table)")
    for ecs_field, node in roles.items():
        d.link(
            task,
            node,
            "pulls images, reads secrets, writes logs" if ecs_field == EXECUTION_ROLE else "the containers' AWS calls",
            dashed=True,
        )
    containers = {}
    for c in t.containers:
        lines = [f"container {c.name}", c.image if c.image is not None else ""]
        if c.essential is False:
            lines.append("not essential")
        ports = _ports(c)
        if ports:
            lines.append("ports " + ", ".join(ports))
        containers[c.name] = d.add("container", *lines)
        d.link(task, containers[c.name])
    for c in t.containers:
        for dep in c.depends_on:
            if dep.container_name in containers:
                d.link(containers[c.name], containers[dep.container_name], dep.condition if dep.condition else "")
    volumes = {}
    filesystems: dict[str, str] = {}
    for v in t.volumes:
        volumes[v.name] = d.add("volume", *_volume_lines(v))
        efs = v.efs
        if efs is not None:
            fs = _ref_text(str(efs.file_system_id or ""))
            if fs not in filesystems:
                filesystems[fs] = d.add("filesystem", "EFS " + fs)
            encryption = efs.transit_encryption if efs.transit_encryption is not None else "DISABLED"
            label = f"transit encryption {encryption}"
            if efs.iam:
                label += f", IAM {efs.iam}"
            if efs.access_point_id:
                ap_text = _ref_text(efs.access_point_id)
                ap = d.add("accesspoint", ap_text if ap_text.startswith("access point ") else "access point " + ap_text)
                d.link(volumes[v.name], ap, label)
                d.link(ap, filesystems[fs])
            else:
                root = f", root {efs.root_directory}" if efs.root_directory else ""
                d.link(volumes[v.name], filesystems[fs], label + root)
    for c in t.containers:
        for m in c.mount_points:
            if m.source_volume in volumes:
                d.link(
                    containers[c.name],
                    volumes[m.source_volume],
                    str(m.container_path or "") + (" (read-only)" if m.read_only else ""),
                )
        for vf in c.volumes_from:
            if vf.source_container in containers:
                d.link(
                    containers[c.name],
                    containers[vf.source_container],
                    "volumesFrom" + (" (read-only)" if vf.read_only else ""),
                    dashed=True,
                )
    secrets: dict[str, str] = {}
    for c in t.containers:
        sources = [(s.name or "", s.value_from or "") for s in c.secrets]
        log = c.log_configuration
        sources += [(f"log option {s.name or ''}", s.value_from or "") for s in (log.secret_options if log else ())]
        if c.credentials_parameter:
            sources.append(("registry credentials", c.credentials_parameter))
        for name, source in sources:
            text = _ref_text(source)
            if text not in secrets:
                secrets[text] = d.add("secret", "secret", text.removeprefix("secret "))
                if EXECUTION_ROLE in roles:
                    d.link(roles[EXECUTION_ROLE], secrets[text], "reads", dashed=True)
            d.link(containers[c.name], secrets[text], name)
    return d


def _role_created(plan: Plan, ecs_field: str) -> bool:
    """Whether the module creates the role: the plan's module inputs say it (create_*_role), else the module's
    own rule (a role when something needs it) is what the permissions table shows."""
    prefix = "execution" if ecs_field == EXECUTION_ROLE else "task"
    inputs = dict(plan.module_inputs)
    if f"create_{prefix}_role" in inputs:
        return inputs[f"create_{prefix}_role"] is True
    return bool(plan.permissions.get(ecs_field))


# --- Mermaid ---------------------------------------------------------------------------------------------------

_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9 .,:/@=+_-]")
_SHAPES = {
    "task": ("[", "]"),
    "container": ("[", "]"),
    "volume": ("[(", ")]"),
    "filesystem": ("[(", ")]"),
    "accesspoint": ("[/", "/]"),
    "secret": ("{{", "}}"),
    "role": ("([", "])"),
}


_STYLES = {
    "task": "fill:#eef,stroke:#336",
    "container": "fill:#efe,stroke:#363",
    "volume": "fill:#ffe,stroke:#663",
    "filesystem": "fill:#ffe,stroke:#663",
    "accesspoint": "fill:#ffe,stroke:#663",
    "secret": "fill:#fee,stroke:#633",
    "role": "fill:#f5f5f5,stroke:#555",
}


def _entity(m: re.Match[str]) -> str:
    return f"#{ord(m.group())};"


def mermaid_text(text: str) -> str:
    """User text inside a quoted Mermaid label: every character outside a safe set as an entity code (#NNN;)."""
    return _MERMAID_UNSAFE.sub(_entity, text) if _MERMAID_UNSAFE.search(text) else text


def mermaid(d: Diagram) -> str:
    lines = ["flowchart LR"]
    for n in d.nodes:
        left, right = _SHAPES[n.kind]
        label = "<br/>".join(mermaid_text(x) for x in n.lines)
        lines.append(f'  {n.id}{left}"{label}"{right}')
    for e in d.edges:
        arrow = "-.->" if e.dashed else "-->"
        label = f'|"{mermaid_text(e.label)}"|' if e.label else ""
        lines.append(f"  {e.source} {arrow}{label} {e.target}")
    for kind in sorted({n.kind for n in d.nodes}):
        ids = ",".join(n.id for n in d.nodes if n.kind == kind)
        lines.append(f"  classDef {kind} {_STYLES[kind]}")
        lines.append(f"  class {ids} {kind}")
    return "\n".join(lines) + "\n"


# --- Graphviz DOT ----------------------------------------------------------------------------------------------

_DOT_SHAPES = {
    "task": "box",
    "container": "box",
    "volume": "cylinder",
    "filesystem": "cylinder",
    "accesspoint": "parallelogram",
    "secret": "hexagon",
    "role": "ellipse",
}


def dot_text(text: str) -> str:
    """User text as a DOT quoted string's content: backslashes, quotes and line breaks escaped (a backslash
    before a letter would otherwise be an escape such as \\N or \\l)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def dot(d: Diagram) -> str:
    lines = [f'digraph "{dot_text(d.title)}" {{', "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for n in d.nodes:
        label = "\\n".join(dot_text(x) for x in n.lines)
        lines.append(f'  {n.id} [shape={_DOT_SHAPES[n.kind]}, label="{label}"];')
    for e in d.edges:
        attrs = []
        if e.label:
            attrs.append(f'label="{dot_text(e.label)}"')
        if e.dashed:
            attrs.append("style=dashed")
        lines.append(f"  {e.source} -> {e.target}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


RENDERERS = {"mermaid": mermaid, "dot": dot}
