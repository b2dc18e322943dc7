"""One description of a root (generators/root.py), two renderings: what the description holds is what the HCL engine
writes and what the CDK engine synthesizes, so a change made once in the description reaches both. (That the two
roots plan the same against Terraform is tests/e2e/test_apply.py::TestApplyCdk.)"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, SPECS, terraform

from generators import pipeline, root
from generators.emit import hcl
from generators.plan import Plan
from generators.syntax.tfexpr import Call, Key, Ref, Template

pytestmark = pytest.mark.cdk

ALL_FEATURES = FIXTURES / "features" / "all-features.yaml"  # secrets, EFS, a partial secret ARN, two containers


def _plan(path: Path) -> Plan:
    plans, _ = pipeline.build_plans([str(path)], pipeline.Options())
    [plan] = plans
    return plan


def _source(module: str) -> str:
    return f"../modules/{module}"


def _cdk(plan: Plan) -> dict[str, Any]:
    from generators.emit import cdk

    return json.loads(cdk.render(plan, _source)[cdk.STACK_FILE])


@pytest.mark.terraform
def test_an_output_added_to_the_description_appears_in_both_engines(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tf_env: dict[str, str]
) -> None:
    described_outputs = root.outputs

    def more_outputs(plan: Plan) -> list[root.Output]:
        return [
            *described_outputs(plan),
            root.Output(
                "container_names", "The containers, by name (${not a template}).", Call("keys", root.LOCAL_IMAGES)
            ),
            root.Output(
                "db_password",
                "A key of a managed secret, as ECS reads it.",
                Template(Ref("module", "secrets", "arns", Key("db")), ":password::"),
            ),
        ]

    monkeypatch.setattr(root, "outputs", more_outputs)
    plan = _plan(ALL_FEATURES)

    files = hcl.render(plan, _source)
    assert (
        'output "container_names" {\n'
        '  description = "The containers, by name ($${not a template})."\n'
        "  value       = keys(local.images)\n"
        "}\n" in files["outputs.tf"]
    )
    assert '  value       = "${module.secrets.arns["db"]}:password::"\n}\n' in files["outputs.tf"]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    terraform(["fmt", "-check", "-diff", "."], tmp_path, tf_env)

    outputs = _cdk(plan)["output"]
    assert outputs["container_names"] == {
        "description": "The containers, by name ($${not a template}).",
        "value": "${keys(local.images)}",
    }
    assert outputs["db_password"]["value"] == '${module.secrets.arns["db"]}:password::'
    assert list(outputs) == sorted(o.name for o in more_outputs(plan))


@pytest.mark.parametrize("spec", [ALL_FEATURES, SPECS / "financial-api.json"], ids=lambda p: p.stem)
def test_both_engines_write_what_the_description_holds(spec: Path) -> None:
    """Every block of the description is in both roots, with the same names and module sources, and nothing else."""
    plan = _plan(spec)
    described = root.describe(plan)
    config = _cdk(plan)
    tf = "".join(hcl.render(plan, _source).values())

    assert list(config["output"]) == sorted(o.name for o in described.outputs)
    assert list(config["variable"]) == [v.name for v in described.variables]
    assert list(config["locals"]) == [x.name for x in described.locals]
    assert sorted(config["module"]) == sorted(m.name for m in described.modules)
    assert sorted(config.get("data", {}).get("aws_secretsmanager_secret", {})) == sorted(d.name for d in described.data)
    assert config["terraform"]["required_version"] == described.required_version
    assert config["terraform"]["required_providers"] == {
        p.name: {"source": p.source, "version": p.version} for p in described.required_providers
    }
    assert config["//"]["ecsform"] == described.header and tf.count(f"# {described.header}\n") == 5
    for m in described.modules:
        assert config["module"][m.name]["source"] == _source(m.module)
        assert f'module "{m.name}" {{\n  source = "{_source(m.module)}"\n' in tf
    for kind, names in (
        ("output", [o.name for o in described.outputs]),
        ("variable", [v.name for v in described.variables]),
        ("data", [f'{d.type}" "{d.name}' for d in described.data]),
    ):
        assert tf.count(f'\n{kind} "') == len(names)
        assert all(f'\n{kind} "{name}" {{\n' in tf for name in names)
    assert tf.count('\nmodule "') == len(described.modules)
    # the images the task definition runs are the description's: local.images["<container>"] in both
    [task] = [m for m in described.modules if m.name == "task_definition"]
    images = [c["image"] for c in dict(task.inputs)["container_definitions"]]
    assert images == [root.image_ref(name) for name in plan.images]
    assert [c["image"] for c in config["module"]["task_definition"]["container_definitions"]] == [
        f'${{local.images["{name}"]}}' for name in plan.images
    ]


@pytest.mark.terraform
def test_a_module_call_and_a_local_added_to_the_description_appear_in_both_engines(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tf_env: dict[str, str]
) -> None:
    """The CDK stack declares the description's own module calls and locals (not a second derivation of them)."""
    describe = root.describe

    def more(plan: Plan) -> root.Root:
        described = describe(plan)
        return dataclasses.replace(
            described,
            locals=described.locals
            + (root.Local("first_image", Call("lookup", root.LOCAL_IMAGES, "api", None)), root.Local("n", 1)),
            modules=described.modules + (root.ModuleCall("extra", "efs", (("name", "x"), ("tags", {"a${b}": "c"}))),),
        )

    monkeypatch.setattr(root, "describe", more)
    plan = _plan(SPECS / "financial-api.json")
    files = hcl.render(plan, _source)
    main = files["main.tf"]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    terraform(["fmt", "-check", "-diff", "."], tmp_path, tf_env)
    assert '  first_image = lookup(local.images, "api", null)\n  n           = 1\n}\n' in main
    assert main.endswith(
        'module "extra" {\n  source = "../modules/efs"\n\n  name = "x"\n  tags = {\n    "a$${b}" = "c"\n  }\n}\n'
    )
    config = _cdk(plan)
    assert config["locals"]["first_image"] == '${lookup(local.images, "api", null)}' and config["locals"]["n"] == 1
    extra = {k: v for k, v in config["module"]["extra"].items() if k != "//"}
    assert extra == {"source": "../modules/efs", "name": "x", "tags": {"a$${b}": "c"}}
