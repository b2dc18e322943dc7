"""Proof by apply: every root from specs/ and tests/fixtures/valid/ against a real moto server, from both engines.

For each root, in order and in one xdist worker: `ecsform synth` -> `terraform init` -> `plan` (which runs
`terraform validate`'s walk first) -> `apply` of that plan (the class fixture), then read everything back with
boto3 and compare it with `ecsform render`, check that a second `terraform plan` has nothing to do, deploy a new
image the way a pipeline does, and `destroy`. The roots are ecsform's output as written: no override files, only
environment variables point at moto.
They are synthesized without ecsform.yaml (`--no-config`: the spec's own meaning, local state, the provider in
moto's default account); tests/e2e/test_deploy_targets.py applies the repository's configuration.

Then, on the same worker, the CDK engine's root of the same spec (`synth --engine cdk`, cdk.tf.json, synthesized
once per worker): its plan must equal the HCL root's, resource by resource and value by value (checkov, which read
the HCL plan, needs no second run on an equal plan), and then it goes through every step above too (TestApplyCdk),
but for the new image, which one CDK root deploys (the variable's path is the same in every CDK root).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import NO_CONFIG, REPO, checkov, ecsform, failed, fixture_specs, spec_files, terraform, user_choices

from .expect import (
    execution_permissions,
    literal_strings,
    policy_permissions,
    registered_containers,
    registered_task,
    spec_containers,
)

pytestmark = [pytest.mark.e2e, pytest.mark.terraform]

NEW_IMAGE_TAG = "1.4.3"
CDK_IMAGE_ROOT = "financial-app-suite"  # the CDK root that also deploys a new image (see TestApplyCdk)
ROOT_FILE = {"hcl": "main.tf", "cdk": "cdk.tf.json"}


@dataclass(frozen=True)
class Case:
    spec: Path
    environment: str | None
    root: str  # folder under synth's --out

    @property
    def id(self) -> str:
        return self.root.replace("/", "-")  # <family>/<environment> for a spec with environments


def cases() -> list[Case]:
    """One case per root ecsform writes: every spec and fixture, every environment it declares."""
    from generators import plan, validation

    out = []
    for spec in [*spec_files(), *fixture_specs()]:
        variants, findings = validation.load([str(spec)])
        assert not findings, findings
        out.extend(Case(spec, v.environment, plan.root_path(v)) for v in variants)
    return out


CASES = cases()


def _case(case: Case) -> Any:
    """A root's HCL and CDK steps share one xdist group: they run in order on one worker against its moto server."""
    return pytest.param(case, id=case.id, marks=pytest.mark.xdist_group(f"e2e-{case.id}"))


@dataclass
class Deployed:
    case: Case
    root: Path
    env: dict[str, Any]
    rendered: dict[str, Any]  # `ecsform render` output: what the root must register
    engine: str = "hcl"
    outputs: dict[str, Any] = field(default_factory=dict)
    destroyed: bool = False

    @property
    def plan(self) -> dict[str, Any]:
        """`terraform show -json` of the plan the fixture applied."""
        return json.loads((self.root / "plan.json").read_text())

    @property
    def region(self) -> str:
        return self.outputs["task_definition_arn"].split(":")[3]

    @property
    def family(self) -> str:
        return self.rendered["family"]

    def tf(self, *args: str, check: bool = True):  # noqa: ANN201
        return terraform(list(args), self.root, self.env, check=check)

    def read_outputs(self) -> None:
        # The local state holds the outputs as `terraform output -json` prints them; reading the file saves a
        # terraform process (several seconds of provider start-up) per read.
        state = json.loads((self.root / "terraform.tfstate").read_text())
        self.outputs = {k: v["value"] for k, v in state["outputs"].items()}


def render(case: Case) -> dict[str, Any]:
    proc = ecsform("render", str(case.spec), *(["--env", case.environment] if case.environment else []), NO_CONFIG)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    basetemp = tmp_path_factory.getbasetemp()
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp  # shared by the workers


def _deploy(request: pytest.FixtureRequest, d: Deployed) -> Deployed:
    """init -> plan (validate's walk included) -> apply that plan; destroyed at the end of the class even when a test
    fails."""
    assert (d.root / ROOT_FILE[d.engine]).is_file()
    assert not list(d.root.glob("*override*")), "the roots must apply as generated"

    d.tf("init", "-input=false")

    def destroy_if_left() -> None:
        if not d.destroyed and (d.root / "terraform.tfstate").exists():
            d.tf("destroy", "-auto-approve", "-input=false")

    request.addfinalizer(destroy_if_left)
    # As a pipeline does: plan, review (checkov), apply that plan. The plan is also the root's `terraform validate`:
    # Terraform runs validate's own walk before it plans (TF_LOG=trace: "backend/local: running validation
    # operation", then walkValidate), and a root that fails it fails the plan with the same diagnostics.
    d.tf("plan", "-input=false", "-out=tfplan")
    (d.root / "plan.json").write_text(d.tf("show", "-json", "tfplan").stdout)
    d.tf("apply", "-input=false", "tfplan")
    d.read_outputs()
    return d


@pytest.fixture(scope="class", params=[_case(c) for c in CASES])
def deployed(
    request: pytest.FixtureRequest, aws_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Deployed:
    """synth -> init -> plan -> apply for one root (HCL engine)."""
    case: Case = request.param
    _claim(case.id, tmp_path_factory)
    out = tmp_path_factory.mktemp("e2e") / "out"
    proc = ecsform("synth", str(case.spec), "--out", str(out), NO_CONFIG)
    assert proc.returncode == 0, proc.stderr
    d = _deploy(request, Deployed(case, out / case.root, aws_env, render(case)))
    plans = _session_dir(tmp_path_factory) / "e2e-plans"  # for TestApplyCdk, which runs next on this worker
    plans.mkdir(exist_ok=True)
    shutil.copyfile(d.root / "plan.json", plans / f"{case.id}.json")
    return d


@pytest.fixture(scope="session")
def cdk_roots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case's root from the CDK engine, in one ecsform process (the CDK runtime starts once per worker)."""
    out = tmp_path_factory.mktemp("e2e-cdk") / "out"
    specs = sorted({str(c.spec) for c in CASES})
    proc = ecsform("synth", "--engine", "cdk", *specs, "--out", str(out), NO_CONFIG)
    assert proc.returncode == 0, proc.stderr
    return out


def _claim(key: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fail when a root is applied twice in one run: its steps must share one worker (xdist_group) and one apply."""
    claims = _session_dir(tmp_path_factory) / "e2e-applied"
    claims.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    try:
        with open(claims / key, "x") as fh:
            fh.write(worker)
    except FileExistsError:
        pytest.fail(
            f"root {key} was already applied in this run (by {(claims / key).read_text()}, now by "
            f"{worker}): its tests are not kept together; run with --dist loadgroup"
        )


def server_errors(log: Path) -> list[str]:
    """The moto server's answers of 5xx, its tracebacks, and the requests a client sent again (moto_server.py, patch
    10): what leaves a revision no state holds."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [
        line
        for line in lines
        if re.search(r'" 5\d\d ', line) or "Traceback" in line or "Error" in line or "retried request" in line
    ][-20:]


def describe(aws: Any, d: Deployed, task_definition: str | None = None) -> dict[str, Any]:
    resp = aws("ecs", d.region).describe_task_definition(
        taskDefinition=task_definition or d.outputs["task_definition_arn"], include=["TAGS"]
    )
    return {**resp["taskDefinition"], "tags": resp.get("tags", [])}


def check_execution_role(d: Deployed, aws: Any, rendered: dict[str, Any]) -> None:
    """The spec's own role when it names one; else a role ecsform created exactly when the task needs one, trusted
    by ECS tasks only, whose one inline policy allows exactly what the containers reference (see expect.py)."""
    account = aws("sts").get_caller_identity()["Account"]
    expected = execution_permissions(rendered, d.region, account)
    uses_awslogs = any(
        c.get("logConfiguration", {}).get("logDriver") == "awslogs" for c in rendered["containerDefinitions"]
    )
    iam = aws("iam")
    created = [
        r
        for page in iam.get_paginator("list_roles").paginate()
        for r in page["Roles"]
        if r["RoleName"].startswith(f"{d.family[:32]}-exec-")
    ]  # pages of 100: the corpus makes many roles
    registered = describe(aws, d).get("executionRoleArn")
    if "executionRoleArn" in rendered:
        assert registered == rendered["executionRoleArn"]
        assert created == [], "a role was created although the spec names one"
        return
    if not expected and not uses_awslogs:
        assert registered is None and created == [], "the task needs no execution role"
        return
    assert [r["Arn"] for r in created] == [registered] == [d.outputs["execution_role_arn"]]
    role = created[0]["RoleName"]
    trust = created[0]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert [(s["Effect"], s["Action"], s["Principal"]) for s in trust["Statement"]] == [
        ("Allow", "sts:AssumeRole", {"Service": "ecs-tasks.amazonaws.com"})
    ]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    names = iam.list_role_policies(RoleName=role)["PolicyNames"]
    if not expected:
        assert names == []
        return
    assert names == ["ecsform-execution"]
    document = iam.get_role_policy(RoleName=role, PolicyName=names[0])["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    assert policy_permissions(document) == expected


class TestApply:
    """The steps of one root, in order. The class fixture applied it; the last test destroys it."""

    def test_container_definitions_read_back(self, deployed: Deployed, aws: Any) -> None:
        described = describe(aws, deployed)
        rendered = deployed.rendered["containerDefinitions"]
        images = {c["name"]: c["image"] for c in rendered}
        assert deployed.outputs["images"] == images
        assert registered_containers(described["containerDefinitions"], rendered) == rendered

    def test_strings_reach_ecs_byte_for_byte(self, deployed: Deployed, aws: Any) -> None:
        """Every string the spec file wrote comes back from the API as the same Python string (no interpolation,
        escaping, trimming or dropped empty values), read with a plain parser so ecsform's loader is not the judge."""
        described = literal_strings(describe(aws, deployed)["containerDefinitions"])
        # A root of one environment is compared with render (overlays merged); a plain root with the file itself.
        written = (
            literal_strings(spec_containers(deployed.case.spec))
            if deployed.case.environment is None
            else literal_strings(deployed.rendered["containerDefinitions"])
        )
        assert described.keys() == written.keys()
        for name, fields in written.items():
            for field_name, value in fields.items():
                assert described[name][field_name] == value, f"{name}.{field_name}"

    def test_task_fields_read_back(self, deployed: Deployed, aws: Any) -> None:
        task = registered_task(describe(aws, deployed), deployed.rendered)
        task.pop("containerDefinitions")
        expected = {k: v for k, v in deployed.rendered.items() if k != "containerDefinitions"}
        expected.setdefault("tags", [])
        task["tags"] = sorted(task["tags"], key=lambda t: t["key"])  # tags are a map to the provider: no order
        for key, output in (("executionRoleArn", "execution_role_arn"), ("taskRoleArn", "task_role_arn")):
            if key not in expected and deployed.outputs.get(output) is not None:  # a role ecsform created
                expected[key] = deployed.outputs[output]
        assert task == expected

    def test_execution_role_names_exactly_what_the_task_references(self, deployed: Deployed, aws: Any) -> None:
        check_execution_role(deployed, aws, deployed.rendered)

    def test_readme_permissions_are_the_applied_policy(self, deployed: Deployed, aws: Any) -> None:
        """The README's IAM table (generators/permissions.py) says exactly what the module granted the execution
        role it created: the same actions, and each resource the one applied (ACCOUNT and REGION filled in, a
        managed secret's ?????? suffix matching its ARN, a managed key by name)."""
        from generators import validation
        from generators.options import Options
        from generators.permissions import EXECUTION

        if "executionRoleArn" in deployed.rendered:
            return  # a brought role: the table lists what it needs, which verify checks (test_live_verify.py)
        plans, _ = validation.build_plans([str(deployed.case.spec)], Options(env=deployed.case.environment))
        table: dict[str, list[str]] = {}
        for permission in (plans[0].permissions or {}).get(EXECUTION, []):
            for action in permission.actions:
                table.setdefault(action, []).extend(permission.resources)
        arn = deployed.outputs.get("execution_role_arn")
        iam = aws("iam")
        names = iam.list_role_policies(RoleName=arn.rsplit("/", 1)[-1])["PolicyNames"] if arn else []
        if not table:
            assert names == [], "the README lists no permission, and the role has a policy"
            return
        assert names == ["ecsform-execution"]
        document = iam.get_role_policy(RoleName=arn.rsplit("/", 1)[-1], PolicyName=names[0])["PolicyDocument"]
        applied = policy_permissions(json.loads(document) if isinstance(document, str) else document)
        assert table.keys() == applied.keys()
        account = aws("sts").get_caller_identity()["Account"]
        for action, resources in table.items():
            assert len(set(resources)) == len(applied[action]), action
            for resource in resources:
                if not resource.startswith("arn:") and resource != "*":
                    assert resource.startswith("the key of managed secret "), resource
                    continue
                pattern = re.escape(
                    resource.replace(":ACCOUNT:", f":{account}:").replace(":REGION:", f":{deployed.region}:")
                )
                pattern = pattern.replace(r"\?", ".")
                assert any(re.fullmatch(pattern, a) for a in applied[action]), (action, resource, applied[action])

    def test_checkov_passes_on_the_plan(self, deployed: Deployed) -> None:
        """The plan JSON shows what the HCL scan cannot (container definitions, volumes from dynamic blocks)."""
        report = checkov(deployed.root / "plan.json")
        summary = report.get("summary", {})
        if summary.get("parsing_errors"):
            # checkov 3.3's plan parser gives up on the control characters the literal-strings fixture sends on
            # purpose; every other root must be parsed and checked.
            assert deployed.case.spec.name == "literal-strings.yaml", summary
            return
        assert summary.get("passed", 0) > 0, "checkov checked nothing"
        # what ecsform decides passes; the spec author's own choices about a container pass only where made
        assert not failed(report, user_choices(deployed.rendered)), failed(report, user_choices(deployed.rendered))

    def test_second_plan_is_empty(self, deployed: Deployed) -> None:
        proc = deployed.tf("plan", "-detailed-exitcode", "-input=false", check=False)
        assert proc.returncode == 0, f"the second plan is not empty:\n{proc.stdout}\n{proc.stderr}"

    def test_pipeline_deploys_a_new_image_without_drift(self, deployed: Deployed, aws: Any) -> None:
        containers = deployed.rendered["containerDefinitions"]
        name = containers[-1]["name"]
        image = f"repo/{name}:{NEW_IMAGE_TAG}"
        var = "images=" + json.dumps({name: image})
        before, old_arn = deployed.outputs["revision"], deployed.outputs["task_definition_arn"]
        deployed.tf("apply", "-auto-approve", "-input=false", "-var", var)
        deployed.read_outputs()
        assert deployed.outputs["revision"] > before
        # Without ecsform.yaml (and no x-ecsform.skipDestroy) the module keeps the provider's default: the replaced
        # revision is deregistered. test_deploy_targets.py checks the other way (ACTIVE, with skip_destroy).
        old = aws("ecs", deployed.region).describe_task_definition(taskDefinition=old_arn)["taskDefinition"]
        assert old["status"] == "INACTIVE"
        images = {c["name"]: c["image"] for c in describe(aws, deployed)["containerDefinitions"]}
        assert images == {**{c["name"]: c["image"] for c in containers}, name: image}
        assert deployed.outputs["images"] == images
        # The execution role follows the image actually deployed (an ECR repository more or less).
        deployed_spec = {
            **deployed.rendered,
            "containerDefinitions": [{**c, "image": images[c["name"]]} for c in containers],
        }
        check_execution_role(deployed, aws, deployed_spec)
        proc = deployed.tf("plan", "-detailed-exitcode", "-input=false", "-var", var, check=False)
        assert proc.returncode == 0, f"plan with the same image is not empty:\n{proc.stdout}\n{proc.stderr}"
        if deployed.case.spec.name != "financial-api.json":
            return  # the check below is the same for every root: one proves it (each plan costs seconds)
        # Without the variable the root goes back to the spec's image: the same plan command sees that change
        # (exit code 2), which is why a pipeline keeps its images in images.auto.tfvars.json (see the README).
        proc = deployed.tf("plan", "-detailed-exitcode", "-input=false", check=False)
        assert proc.returncode == 2, (
            f"plan without the image variable should replace the task definition:\n{proc.stdout}"
        )
        spec_image = next(c["image"] for c in containers if c["name"] == name)
        assert f'image = "{image}" -> "{spec_image}"' in re.sub(r" +", " ", proc.stdout), proc.stdout

    def test_destroy(self, deployed: Deployed, aws: Any, moto_server: Any) -> None:
        deployed.tf("destroy", "-auto-approve", "-input=false")
        deployed.destroyed = True
        assert json.loads((deployed.root / "terraform.tfstate").read_text())["resources"] == []
        ecs = aws("ecs", deployed.region)
        left = ecs.list_task_definitions(familyPrefix=deployed.family, status="ACTIVE")["taskDefinitionArns"]
        # (said in full when one is left: the revision the state held, and the server's errors and retried requests:
        # a retried RegisterTaskDefinition registers a revision no state holds)
        assert left == [], (left, deployed.outputs.get("task_definition_arn"), server_errors(moto_server.log))
        described = ecs.describe_task_definition(taskDefinition=deployed.outputs["task_definition_arn"])
        assert described["taskDefinition"]["status"] == "INACTIVE"
        roles = [
            r["RoleName"] for r in aws("iam").list_roles()["Roles"] if r["RoleName"].startswith(deployed.family[:32])
        ]
        assert roles == []
        groups = {
            c.get("logConfiguration", {}).get("options", {}).get("awslogs-group")
            for c in deployed.rendered["containerDefinitions"]
        } - {None}
        logs = aws("logs", deployed.region)
        for group in groups:
            assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def planned(plan: dict[str, Any]) -> dict[str, Any]:
    """What a saved plan will do: each resource change (address -> actions, values after, the values known only
    after apply, the sensitive ones), each output change, and the data sources read while planning."""
    changes = {
        rc["address"]: {
            "type": rc["type"],
            "name": rc["name"],
            "module": rc.get("module_address"),
            **{k: rc["change"].get(k) for k in ("actions", "after", "after_unknown", "after_sensitive")},
        }
        for rc in plan.get("resource_changes", [])
    }
    data: dict[str, Any] = {}

    def read(module: dict[str, Any]) -> None:
        data.update({r["address"]: r.get("values") for r in module.get("resources", []) if r.get("mode") == "data"})
        for child in module.get("child_modules", []):
            read(child)

    read(plan.get("prior_state", {}).get("values", {}).get("root_module", {}))
    return {"resources": changes, "outputs": plan.get("output_changes", {}), "data": data}


def hcl_plan(case: Case, env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The HCL root's plan: the one TestApply applied on this worker, or (when it did not run, e.g. with -k) a
    new plan of the HCL root against the same server."""
    saved = _session_dir(tmp_path_factory) / "e2e-plans" / f"{case.id}.json"
    if saved.exists():
        return json.loads(saved.read_text())
    out = tmp_path_factory.mktemp("e2e-hcl-plan") / "out"
    assert ecsform("synth", str(case.spec), "--out", str(out), NO_CONFIG).returncode == 0
    for args in (["init", "-input=false"], ["plan", "-input=false", "-out=tfplan"]):
        terraform(args, out / case.root, env)
    return json.loads(terraform(["show", "-json", "tfplan"], out / case.root, env).stdout)


def assert_same_plan(cdk_plan: dict[str, Any], hcl_plan_: dict[str, Any]) -> None:
    """Same module addresses, resources, values, known-after-apply and sensitive markers, outputs, data sources."""
    cdk, hcl = planned(cdk_plan), planned(hcl_plan_)
    assert cdk["resources"], "the CDK root plans nothing"
    assert sorted(cdk["resources"]) == sorted(hcl["resources"])
    for address, change in hcl["resources"].items():
        assert cdk["resources"][address] == change, address
    assert cdk["outputs"] == hcl["outputs"]
    assert cdk["data"] == hcl["data"]


@pytest.mark.cdk
class TestApplyCdk:
    """Every CDK root: the same plan as the HCL root's (applied just before on this worker), then the same steps as
    TestApply: read back equal to render, strings byte-exact, second plan clean, a new image, destroyed."""

    @pytest.fixture(scope="class", params=[_case(c) for c in CASES])
    @classmethod
    def deployed(
        cls,
        request: pytest.FixtureRequest,
        aws_env: dict[str, str],
        cdk_roots: Path,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> Deployed:
        """init -> plan -> apply for the CDK engine's root (synthesized once per worker by cdk_roots)."""
        case: Case = request.param
        _claim(f"cdk-{case.id}", tmp_path_factory)
        return _deploy(request, Deployed(case, cdk_roots / case.root, aws_env, render(case), engine="cdk"))

    def test_plan_equals_the_hcl_roots_plan(self, deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> None:
        assert_same_plan(deployed.plan, hcl_plan(deployed.case, deployed.env, tmp_path_factory))

    test_container_definitions_read_back = TestApply.test_container_definitions_read_back
    test_strings_reach_ecs_byte_for_byte = TestApply.test_strings_reach_ecs_byte_for_byte
    test_task_fields_read_back = TestApply.test_task_fields_read_back
    test_execution_role_names_exactly_what_the_task_references = (
        TestApply.test_execution_role_names_exactly_what_the_task_references
    )
    test_second_plan_is_empty = TestApply.test_second_plan_is_empty

    def test_pipeline_deploys_a_new_image_without_drift(self, deployed: Deployed, aws: Any) -> None:
        """The images variable reaches the module the same way in every CDK root (the root's TerraformVariable, the
        module's own merge): one root of three containers proves it; each HCL root deploys its own new image."""
        if deployed.case.id != CDK_IMAGE_ROOT:
            return
        TestApply.test_pipeline_deploys_a_new_image_without_drift(self, deployed, aws)

    test_destroy = TestApply.test_destroy


def test_every_spec_and_fixture_has_a_root() -> None:
    covered = {c.spec for c in CASES}
    assert covered == set(spec_files()) | set(fixture_specs())
    assert len(fixture_specs()) >= 4 and all(p.is_relative_to(REPO) for p in covered)
    cdk_image_root = next(c for c in CASES if c.id == CDK_IMAGE_ROOT)  # the CDK new-image deploy has its root
    assert len(json.loads(cdk_image_root.spec.read_text())["containerDefinitions"]) > 1
