"""The HCL engine: one Terraform root per plan, calling modules/ecs-task-definition.

Files are rendered from jinja2 templates (emit/templates/hcl); every value goes through `hcl_syntax`, so strings
reach AWS literally and the output is `terraform fmt`-clean as written.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, Sequence

import jinja2

from .. import root
from ..plan import Plan
from ..syntax import hcl_syntax
from ..syntax.hcl_syntax import Expr

TEMPLATES = Path(__file__).parent / "templates" / "hcl"
FILES = ("main.tf", "variables.tf", "versions.tf", "providers.tf", "outputs.tf")
BACKEND_FILE = "backend.tf"  # only for a plan with a backend (an ecsform.yaml is in use)


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        auto_reload=False,  # the templates are the package's: no stat of each template at each root
    )
    env.globals.clear()  # (the templates use none of jinja's: a context without them is made in a third the time)
    env.filters["hcl"] = hcl_syntax.quote
    env.filters["hcl_value"] = lambda v, indent=0: hcl_syntax.value(v, indent)
    return env


@functools.lru_cache(maxsize=1)
def _templates() -> dict[str, jinja2.Template]:
    """Each file's template, compiled once per process."""
    return {name: _env().get_template(name + ".j2") for name in (*FILES, BACKEND_FILE)}


def header(plan: Plan) -> str:
    return f"# {root.header(plan)}\n"


def render(plan: Plan, source: Callable[[str], str]) -> dict[str, str]:
    """File name -> content for one root. `source(module)` is where the root finds modules/<module>."""
    templates = _templates()
    described = root.describe(plan)
    fixed = _task_output_bodies()
    context = {
        "header": f"# {described.header}\n",
        "root": described,
        "locals_body": _locals_body(described.locals),
        "variables": [(v, _variable_body(v)) for v in described.variables],
        "data": [(d, hcl_syntax.body(d.arguments, 1)) for d in described.data],
        "modules": [(m.name, _module_body(source(m.module), list(m.inputs))) for m in described.modules],
        "outputs": [(o.name, fixed.get(id(o)) or _output_body(o)) for o in described.outputs],
        "provider_body": provider_body(plan, described.provider),
    }
    names: tuple[str, ...] = FILES
    if described.backend is not None:
        names += (BACKEND_FILE,)
        context |= {
            "backend_type": described.backend.type,
            "backend_partial": described.backend.partial,
            "backend_body": hcl_syntax.body(described.backend.arguments, 2),
        }
    return {name: templates[name].render(context) for name in names}


def _output_body(o: root.Output) -> str:
    return hcl_syntax.body([("description", o.description), ("value", o.value)], 1)


@functools.lru_cache(maxsize=1)
def _task_output_bodies() -> dict[int, str]:
    """The bodies of the outputs every root has (root.TASK_OUTPUTS, constants), written once per process; by the
    identity of each constant."""
    return {id(o): _output_body(o) for o in root.TASK_OUTPUTS}


def _locals_body(locals_: Sequence[root.Local]) -> str:
    """The locals, aligned as terraform fmt aligns them (a comment line starts a new group)."""
    text, group = "", list[tuple[str, object]]()
    for local in locals_:
        if local.comment:
            text += hcl_syntax.body(group, 1) + f"  # {local.comment}\n"
            group = []
        group.append((local.name, local.value))
    return text + hcl_syntax.body(group, 1)


def _variable_body(v: root.Variable) -> str:
    text = hcl_syntax.body([("description", v.description), ("type", Expr(v.type)), ("default", v.default)], 1)
    for check in v.validations:
        text += "\n  validation {\n"
        text += hcl_syntax.body([("condition", check.condition), ("error_message", check.error_message)], 2)
        text += "  }\n"
    return text


def provider_body(plan: Plan, provider: root.Provider) -> str:
    """The provider's arguments and blocks (region, allowed_account_ids, assume_role, default_tags), or a comment
    when there are none."""
    if not provider.arguments and not provider.blocks:
        return "  # No region in the spec: the provider reads AWS_REGION (or AWS_DEFAULT_REGION).\n"
    parts = [hcl_syntax.body(provider.arguments, 1)] if provider.arguments else []
    parts += [f"  {name} {{\n" + hcl_syntax.body(args, 2) + "  }\n" for name, args in provider.blocks]
    if not plan.region:
        parts.insert(
            0, "  # No region in ecsform.yaml or the spec: the provider reads AWS_REGION (or AWS_DEFAULT_REGION).\n"
        )
    return "\n".join(parts)


def _module_body(source: str, args: list[tuple[str, object]]) -> str:
    # `source` stands alone, as terraform-aws-modules examples write it; the inputs follow after a blank line.
    return hcl_syntax.body([("source", source)], 1) + "\n" + hcl_syntax.body(args, 1)
