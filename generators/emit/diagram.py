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
from typing import Any, NamedTuple

from ..plan import Plan
from ..spec import references


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


def _ports(c: dict[str, Any]) -> list[str]:
    out = []
    for p in c.get("portMappings", []):
        text = str(p.get("containerPort", "")) if "containerPort" in p else str(p.get("containerPortRange", ""))
        if p.get("hostPort") not in (None, p.get("containerPort")):
            text = f"{p['hostPort']}:{text}"
        text += f"/{p.get('protocol', 'tcp')}"
        if p.get("name"):
            text += f" ({p['name']})"
        out.append(text)
    return out


def model(plan: Plan) -> Diagram:
    """The diagram of one plan (one root)."""
    register = plan.register
    d = Diagram(f"{register['family']}" + (f" ({plan.environment})" if plan.environment else ""))
    task = d.add(
        "task",
        f"task definition {register['family']}",
        *(f"{k} {register[k]}" for k in ("cpu", "memory", "networkMode") if k in register),
    )
    roles = {}
    for ecs_field, what in (("executionRoleArn", "execution role"), ("taskRoleArn", "task role")):
        if ecs_field in register:
            roles[ecs_field] = d.add("role", what, register[ecs_field])
        elif _role_created(plan, ecs_field):
            roles[ecs_field] = d.add("role", what, "created by the module (least privilege, see the table)")
    for ecs_field, node in roles.items():
        d.link(
            task,
            node,
            "pulls images, reads secrets, writes logs"
            if ecs_field == "executionRoleArn"
            else "the containers' AWS calls",
            dashed=True,
        )
    containers = {}
    for c in register["containerDefinitions"]:
        lines = [f"container {c['name']}", c.get("image", "")]
        if c.get("essential", True) is False:
            lines.append("not essential")
        ports = _ports(c)
        if ports:
            lines.append("ports " + ", ".join(ports))
        containers[c["name"]] = d.add("container", *lines)
        d.link(task, containers[c["name"]])
    for c in register["containerDefinitions"]:
        for dep in c.get("dependsOn", []):
            if dep.get("containerName") in containers:
                d.link(containers[c["name"]], containers[dep["containerName"]], dep.get("condition", ""))
    volumes = {}
    filesystems: dict[str, str] = {}
    for v in register.get("volumes", []):
        lines = [f"volume {v['name']}"]
        efs = v.get("efsVolumeConfiguration")
        if "host" in v and v["host"].get("sourcePath"):
            lines.append(f"host path {v['host']['sourcePath']}")
        elif "dockerVolumeConfiguration" in v:
            lines.append("docker volume, scope " + str(v["dockerVolumeConfiguration"].get("scope", "task")))
        elif "fsxWindowsFileServerVolumeConfiguration" in v:
            lines.append("FSx for Windows " + str(v["fsxWindowsFileServerVolumeConfiguration"].get("fileSystemId")))
        elif efs is None and not v.get("configuredAtLaunch"):
            lines.append("task storage")
        if v.get("configuredAtLaunch"):
            lines.append("configured at launch")
        volumes[v["name"]] = d.add("volume", *lines)
        if efs:
            fs = _ref_text(str(efs.get("fileSystemId", "")))
            if fs not in filesystems:
                filesystems[fs] = d.add("filesystem", "EFS " + fs)
            auth = efs.get("authorizationConfig", {})
            label = f"transit encryption {efs.get('transitEncryption', 'DISABLED')}"
            if auth.get("iam"):
                label += f", IAM {auth['iam']}"
            if auth.get("accessPointId"):
                ap_text = _ref_text(str(auth["accessPointId"]))
                ap = d.add("accesspoint", ap_text if ap_text.startswith("access point ") else "access point " + ap_text)
                d.link(volumes[v["name"]], ap, label)
                d.link(ap, filesystems[fs])
            else:
                d.link(
                    volumes[v["name"]],
                    filesystems[fs],
                    label + (f", root {efs['rootDirectory']}" if efs.get("rootDirectory") else ""),
                )
    for c in register["containerDefinitions"]:
        for m in c.get("mountPoints", []):
            if m.get("sourceVolume") in volumes:
                d.link(
                    containers[c["name"]],
                    volumes[m["sourceVolume"]],
                    str(m.get("containerPath", "")) + (" (read-only)" if m.get("readOnly") else ""),
                )
        for vf in c.get("volumesFrom", []):
            if vf.get("sourceContainer") in containers:
                d.link(
                    containers[c["name"]],
                    containers[vf["sourceContainer"]],
                    "volumesFrom" + (" (read-only)" if vf.get("readOnly") else ""),
                    dashed=True,
                )
    secrets: dict[str, str] = {}
    for c in register["containerDefinitions"]:
        sources = [(s.get("name", ""), s.get("valueFrom", "")) for s in c.get("secrets", [])]
        sources += [
            (f"log option {s.get('name', '')}", s.get("valueFrom", ""))
            for s in c.get("logConfiguration", {}).get("secretOptions", [])
        ]
        creds = c.get("repositoryCredentials", {}).get("credentialsParameter")
        if creds:
            sources.append(("registry credentials", creds))
        for name, source in sources:
            text = _ref_text(str(source))
            if text not in secrets:
                secrets[text] = d.add("secret", "secret", text.removeprefix("secret "))
                if "executionRoleArn" in roles:
                    d.link(roles["executionRoleArn"], secrets[text], "reads", dashed=True)
            d.link(containers[c["name"]], secrets[text], name)
    return d


def _role_created(plan: Plan, ecs_field: str) -> bool:
    """Whether the module creates the role: the plan's module inputs say it (create_*_role), else the module's
    own rule (a role when something needs it) is what the permissions table shows."""
    prefix = "execution" if ecs_field == "executionRoleArn" else "task"
    inputs = dict(plan.module_inputs)
    if f"create_{prefix}_role" in inputs:
        return inputs[f"create_{prefix}_role"] is True
    return bool(plan.permissions.get(ecs_field)) if plan.permissions is not None else False


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


def mermaid_text(text: str) -> str:
    """User text inside a quoted Mermaid label: every character outside a safe set as an entity code (#NNN;)."""
    return _MERMAID_UNSAFE.sub(lambda m: f"#{ord(m.group())};", text)


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
