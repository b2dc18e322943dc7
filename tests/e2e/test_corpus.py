"""Proof by apply for the corpus (tests/fixtures/corpus/): every file synthesized, validated by Terraform, applied
against the moto server, read back and compared with `render`, planned clean and destroyed.

Lean on purpose. A generated root costs about 50 s on its own here (five terraform commands, each starting the AWS
provider and reading its schema), which for fifty files would double the whole suite. So the roots of a group are
applied together, as modules of one wrapper root on one worker:

- `ecsform synth` writes the group's roots as it writes any root; each root's files are used exactly as written
  except providers.tf, whose provider block the wrapper declares once per region and passes to the roots of that
  region (the test checks that each providers.tf holds only that block, so a root that configures its provider in
  any other way fails here instead of being applied differently);
- one `terraform init`, `apply` (whose plan runs `terraform validate`'s walk first), second
  `plan -detailed-exitcode` and `destroy` for the whole group.

The full path for a single root (terraform init in the root's own folder, image deploys, the CDK twin, checkov) is
tests/e2e/test_apply.py's, on specs/ and tests/fixtures/valid/.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, NO_CONFIG, ecsform, terraform

from .expect import literal_strings, registered_containers, registered_task, spec_containers
from .test_apply import Case, Deployed, check_execution_role, describe

pytestmark = [pytest.mark.e2e, pytest.mark.terraform]

CORPUS = FIXTURES / "corpus"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".json", ".yaml", ".yml"))
_PROVIDER_LINE = re.compile(r'^  region = "([a-z0-9-]+)"$')


@dataclass(frozen=True)
class Root:
    spec: Path
    family: str
    region: str | None  # the provider block's region; None: the provider reads AWS_REGION

    @property
    def module(self) -> str:
        return self.family.replace("-", "_")


def _roots() -> list[Root]:
    from generators import validation
    from generators.options import Options

    out = []
    for spec in FILES:
        (plan,), _ = validation.build_plans([str(spec)], Options())
        out.append(Root(spec, plan.family, plan.region))
    return out


def _groups(roots: list[Root]) -> dict[str, list[Root]]:
    """Two groups of the same size, one per worker. Each region's roots share one provider process within a group,
    so the roots of the most common region fill the first group and the rest (the other regions) the second: about
    ten provider processes in all instead of one per root (each holds some 550 MB while Terraform runs)."""
    ordered = sorted(roots, key=lambda r: (r.region != "us-east-1", r.region or "", r.family))
    half = (len(ordered) + 1) // 2
    return {"corpus-a": ordered[:half], "corpus-b": ordered[half:]}


ROOTS = _roots()
GROUPS = _groups(ROOTS)


@dataclass
class Applied:
    name: str
    roots: list[Root]
    wrapper: Path
    env: dict[str, str]
    rendered: dict[str, dict[str, Any]] = field(default_factory=dict)  # family -> render's output
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # family -> the root's outputs
    destroyed: bool = False

    def tf(self, *args: str, check: bool = True):  # noqa: ANN201
        return terraform(list(args), self.wrapper, self.env, check=check)

    def deployed(self, root: Root) -> Deployed:
        """What test_apply's checks take: the root's spec, render's output and its outputs after apply."""
        return Deployed(
            Case(root.spec, None, root.family),
            self.wrapper,
            self.env,
            self.rendered[root.family],
            outputs=self.outputs[root.family],
        )


def _provider_region(providers_tf: Path) -> str | None:
    """The region of the one provider block a generated providers.tf holds; anything else fails the test."""
    lines = [
        line for line in providers_tf.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    if lines[:1] == ['provider "aws" {'] and lines[-1:] == ["}"]:
        body = lines[1:-1]
        if not body:
            return None
        if len(body) == 1 and (m := _PROVIDER_LINE.match(body[0])):
            return m.group(1)
    raise AssertionError(
        f"{providers_tf} configures the provider beyond its region; the corpus wrapper would apply "
        f"it differently, so declare the same settings in _wrapper():\n{providers_tf.read_text()}"
    )


def _wrapper(roots: list[Root], out: Path, mods: Path, wrapper: Path) -> None:
    """Copy each root (its files as written, except providers.tf) to mods/ at the same depth as out/, with the modules
    synth copied into out/modules, so the relative module sources synth wrote still resolve, and write the wrapper
    that calls them with their region's provider."""
    shutil.copytree(out / "modules", mods / "modules")
    blocks: list[str] = []
    aliases: dict[str | None, str] = {}
    for root in roots:
        src = out / root.family
        region = _provider_region(src / "providers.tf")
        assert region == root.region, (root.family, region, root.region)
        (mods / root.family).mkdir(parents=True)
        for f in sorted(src.glob("*.tf")):
            if f.name != "providers.tf":
                shutil.copyfile(f, mods / root.family / f.name)
        alias = aliases.setdefault(region, (region or "from_environment").replace("-", "_"))
        blocks.append(
            f'module "{root.module}" {{\n  source = "../{mods.name}/{root.family}"\n'
            f"  providers = {{\n    aws = aws.{alias}\n  }}\n}}\n\n"
            f'output "{root.module}" {{\n  value = module.{root.module}\n}}\n'
        )
    providers = [
        f'provider "aws" {{\n  alias  = "{alias}"\n' + (f'  region = "{region}"\n' if region else "") + "}\n"
        for region, alias in aliases.items()
    ]
    wrapper.mkdir()
    (wrapper / "main.tf").write_text("\n".join(providers + blocks))


@pytest.fixture(
    scope="class", params=[pytest.param(name, id=name, marks=pytest.mark.xdist_group(name)) for name in GROUPS]
)
def applied(
    request: pytest.FixtureRequest, aws_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Applied:
    """synth -> wrapper -> init -> apply (validate's walk included), for one group of corpus roots on this worker's
    moto server."""
    from generators import validation
    from generators.options import Options

    roots = GROUPS[request.param]
    base = tmp_path_factory.mktemp(request.param)
    out, mods, wrapper = base / "out", base / "mods", base / "wrapper"
    proc = ecsform("synth", *[str(r.spec) for r in roots], "--out", str(out), NO_CONFIG)
    assert proc.returncode == 0, proc.stderr
    _wrapper(roots, out, mods, wrapper)
    group = Applied(request.param, roots, wrapper, aws_env)
    for root in roots:  # render's output, in process (what `ecsform render` prints)
        (plan,), _ = validation.build_plans([str(root.spec)], Options())
        group.rendered[root.family] = plan.register

    def destroy_if_left() -> None:
        if not group.destroyed and (wrapper / "terraform.tfstate").exists():
            group.tf("destroy", "-auto-approve", "-input=false")

    group.tf("init", "-input=false")
    request.addfinalizer(destroy_if_left)
    group.tf("apply", "-auto-approve", "-input=false")
    state = json.loads((wrapper / "terraform.tfstate").read_text())
    group.outputs = {r.family: state["outputs"][r.module]["value"] for r in roots}
    return group


class TestCorpus:
    """The steps for one group of roots, in order; the class fixture applied them, the last test destroys them."""

    def test_every_root_reads_back_as_rendered(self, applied: Applied, aws: Any) -> None:
        """Per root: containers and task fields as `render` prints them (only the API's own defaults dropped, see
        expect.py), every string byte for byte as the spec file wrote it, the execution role exactly as needed."""
        failures: dict[str, str] = {}
        for root in applied.roots:
            d = applied.deployed(root)
            try:
                described = describe(aws, d)
                rendered = d.rendered
                assert (
                    registered_containers(described["containerDefinitions"], rendered["containerDefinitions"])
                    == rendered["containerDefinitions"]
                )
                assert literal_strings(described["containerDefinitions"]) == literal_strings(spec_containers(root.spec))
                task = registered_task(described, rendered)
                task.pop("containerDefinitions")
                task["tags"] = sorted(task.get("tags", []), key=lambda t: t["key"])
                expected = {k: v for k, v in rendered.items() if k != "containerDefinitions"}
                expected.setdefault("tags", [])
                for key, output in (("executionRoleArn", "execution_role_arn"), ("taskRoleArn", "task_role_arn")):
                    if key not in expected and d.outputs.get(output) is not None:  # a role ecsform created
                        expected[key] = d.outputs[output]
                assert task == expected
                check_execution_role(d, aws, rendered)
            except AssertionError as exc:
                failures[root.spec.name] = str(exc) or repr(exc)
        assert not failures, "\n\n".join(f"{name}:\n{why}" for name, why in failures.items())

    def test_second_plan_is_empty(self, applied: Applied) -> None:
        proc = applied.tf("plan", "-detailed-exitcode", "-input=false", check=False)
        assert proc.returncode == 0, f"the second plan is not empty:\n{proc.stdout}\n{proc.stderr}"

    def test_destroy(self, applied: Applied, aws: Any) -> None:
        # the second plan has just refreshed every resource (and found no change): no second refresh
        applied.tf("destroy", "-auto-approve", "-input=false", "-refresh=false")
        applied.destroyed = True
        assert json.loads((applied.wrapper / "terraform.tfstate").read_text())["resources"] == []
        iam = aws("iam")
        roles = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate() for r in page["Roles"]]
        for root in applied.roots:
            d = applied.deployed(root)
            ecs = aws("ecs", d.region)
            assert (
                ecs.describe_task_definition(taskDefinition=d.outputs["task_definition_arn"])["taskDefinition"][
                    "status"
                ]
                == "INACTIVE"
            ), root.family
            assert not [r for r in roles if r.startswith(f"{root.family[:32]}-")], root.family
            groups = {
                c.get("logConfiguration", {}).get("options", {}).get("awslogs-group")
                for c in d.rendered["containerDefinitions"]
            } - {None}
            for group in groups:
                assert aws("logs", d.region).describe_log_groups(logGroupNamePrefix=group)["logGroups"] == [], group


def test_every_corpus_file_is_applied() -> None:
    assert sorted(r.spec for g in GROUPS.values() for r in g) == FILES
    assert len(FILES) >= 40
