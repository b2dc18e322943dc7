"""README.md of a root, for reviewers: what the task is (a Mermaid diagram, rendered by GitHub and GitLab in a pull
request), the IAM permissions its roles get, where it deploys and whether a deploy keeps the old revision.

Written for both engines (beside main.tf or cdk.tf.json). Every user-written value is escaped for Markdown here
(`md`) and for Mermaid in generators/emit/diagram.py; the file is byte-identical for the same plan.
"""

from __future__ import annotations

import re

from ..permissions import EXECUTION, TASK
from ..plan import Plan
from . import diagram

FILE = "README.md"

# CommonMark lets a backslash escape any ASCII punctuation; these are the ones that can start markup inline or
# in a table cell (| ends a cell; $ starts math on GitHub; < starts HTML; & an entity).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>!|&~$])")
_MD_CHANGED = re.compile(r"[\\`*_\[\]<>!|&~$\r\n]")  # what md changes: the specials and line breaks


def _backslashed(m: re.Match[str]) -> str:
    return "\\" + m.group(1)


def md(text: object) -> str:
    """User text in Markdown (a table cell or a line): special characters escaped, line breaks as <br>."""
    plain = str(text)
    if _MD_CHANGED.search(plain) is None:  # (most text: nothing to escape)
        return plain
    escaped = _MD_SPECIAL.sub(_backslashed, plain)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def _target_rows(plan: Plan) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    t = plan.target
    if t is not None:
        rows.append(("environment", md(t.environment or "defaults")))
        if t.account_id:
            rows.append(("account", md(t.account_id)))
    if plan.region:
        rows.append(("region", md(plan.region)))
    if t is not None and t.role_arn:
        rows.append(("deploy role", md(t.role_arn)))
    b = plan.backend
    if b is not None:
        args = dict(b.arguments)
        if b.type == "s3":
            where = f"s3://{args.get('bucket', '(from -backend-config)')}/{args.get('key', '(from -backend-config)')}"
            rows.append(
                ("state", md(where) + (" (partial: completed by terraform init -backend-config)" if b.partial else ""))
            )
        else:
            rows.append(("state", "local terraform.tfstate"))
    return rows


def _permission_rows(plan: Plan) -> list[str]:
    rows = []
    brought = plan.task.roles
    for ecs_field, role in ((EXECUTION, "execution role"), (TASK, "task role")):
        for p in plan.permissions.get(ecs_field, ()):
            whose = role if ecs_field not in brought else f"{role} (brought: needs)"
            condition = "".join(f"<br>if {md(t)} {md(k)} = {md(', '.join(v))}" for t, k, v in p.condition)
            rows.append(
                f"| {whose} | {'<br>'.join(md(a) for a in p.actions)} | "
                f"{'<br>'.join(md(r) for r in p.resources)}{condition} | {md(p.why)} |"
            )
    return rows


def render(plan: Plan, header: str) -> str:
    title = plan.family + (f" ({plan.environment})" if plan.environment else "")
    out = [
        f"<!-- {header.strip().lstrip('#').strip()} -->",
        "",
        f"# {md(title)}",
        "",
        f"Task definition family {md(plan.family)}, from {md(plan.file)}"
        + (f", environment {md(plan.environment)}" if plan.environment else "")
        + ".",
        "",
    ]
    rows = _target_rows(plan)
    if rows:
        out += ["## Target", "", "| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows] + [""]
    out += ["## Task", "", "```mermaid", diagram.mermaid(diagram.model(plan)).rstrip("\n"), "```", ""]
    permissions = _permission_rows(plan)
    out += ["## IAM permissions", ""]
    if permissions:
        out += (
            [
                "Derived from what the task references (ACCOUNT and REGION: the account and region Terraform runs in; "
                "a brought role is not changed, the rows say what it must allow).",
                "",
                "| role | action | resource | why |",
                "|---|---|---|---|",
            ]
            + permissions
            + [""]
        )
    else:
        out += ["None: the task references nothing that needs a role.", ""]
    out += ["## Deploys", ""]
    if plan.skip_destroy:
        out.append(
            "A deploy registers a new revision and keeps the old one ACTIVE (skip\\_destroy): roll back by "
            "pointing the service at it. `terraform destroy` leaves the revisions registered."
        )
    else:
        out.append(
            "A deploy registers a new revision and deregisters the old one (INACTIVE: running tasks go on, "
            "no new task or service update can use it)."
        )
    return "\n".join(out) + "\n"
