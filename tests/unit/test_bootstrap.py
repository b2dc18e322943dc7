"""`ecsform bootstrap` (issue 22 item 7): the root it writes from ecsform.yaml, the policies it derives from
generators/aws/actions.py, and the table held to the code that calls AWS. tests/e2e/test_bootstrap.py applies the root
on moto and runs the pipeline with nothing but its roles; tests/terraform/test_roots_validate.py checks it is
fmt-clean and valid."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import boto3
import pytest
from conftest import REPO, ecsform

from generators import account as account_checks
from generators import config as project_config
from generators import locations, pipeline
from generators.aws import actions, session
from generators.bootstrap import model as bootstrap_model
from generators.bootstrap import policies
from generators.errors import EcsformError
from generators.options import Options

SHARED, DEV, PROD = "123456789012", "111111111111", "222222222222"


@pytest.fixture(scope="module")
def config() -> project_config.Config:
    return project_config.load(REPO / "ecsform.yaml", "ecsform.yaml")


def test_every_resource_and_data_source_of_the_modules_has_a_row_and_no_row_is_stale() -> None:
    """A resource added to a module without its actions fails here; so does a row no module needs any more."""
    declared = set(bootstrap_model.module_types())
    assert {"aws_ecs_task_definition", "aws_efs_mount_target", "data.aws_secretsmanager_secret"} <= declared
    assert declared == set(actions.TERRAFORM)


def test_every_data_source_a_root_declares_has_a_row(tmp_path: Path) -> None:
    """The roots declare data sources of their own (issue 21: target values no target names, roles named by their
    name; partial secret ARNs): every type the synthesized roots hold is one module_types() lists, and so has a
    row. Roots of the target-values fixture without ecsform.yaml (the account, region and partition unknown) and of
    the feature fixture (partial secret ARNs, every module)."""
    found = set()
    for i, spec in enumerate(("tests/fixtures/targets/orders-api.yaml", "tests/fixtures/features")):
        proc = ecsform("synth", spec, "--no-config", "--out", str(tmp_path / str(i)))
        assert proc.returncode == 0, proc.stderr
    for path in tmp_path.rglob("*.tf"):
        for kind, name in re.findall(r'^(resource|data) "([a-z0-9_]+)"', path.read_text(), re.M):
            found.add(name if kind == "resource" else f"data.{name}")
    roots = {"data.aws_caller_identity", "data.aws_region", "data.aws_partition", "data.aws_iam_role"}
    assert roots | {"data.aws_secretsmanager_secret"} <= found
    assert found <= set(bootstrap_model.module_types()) and found <= set(actions.TERRAFORM)


def test_the_roles_follow_ecsform_yaml(config: project_config.Config) -> None:
    roles, buckets, accounts = bootstrap_model.model(config, "github")
    kinds = {arn: r.kind for arn, r in roles.items()}
    assert kinds == {
        f"arn:aws:iam::{DEV}:role/ecsform-deploy": "deploy",
        f"arn:aws:iam::{DEV}:role/ecsform-plan": "plan",
        f"arn:aws:iam::{PROD}:role/ecsform-deploy": "deploy",
        f"arn:aws:iam::{PROD}:role/ecsform-plan": "plan",
        f"arn:aws:iam::{SHARED}:role/ecsform-deploy": "deploy",
        f"arn:aws:iam::{SHARED}:role/ecsform-plan": "plan",
        f"arn:aws:iam::{SHARED}:role/ecsform-ci": "ci-apply",
        f"arn:aws:iam::{SHARED}:role/ecsform-ci-plan": "ci-plan",
        f"arn:aws:iam::{SHARED}:role/ecsform-state": "state",
    }
    assert [(b.name, b.account, b.region) for b in buckets] == [("ecsform-tfstate-123456789012", SHARED, "us-east-1")]
    assert accounts == {DEV: "us-east-1", SHARED: "us-east-1", PROD: "eu-west-1"}
    ci_role, ci_plan = (
        roles[f"arn:aws:iam::{SHARED}:role/ecsform-ci"],
        roles[f"arn:aws:iam::{SHARED}:role/ecsform-ci-plan"],
    )
    assert ci_role.assumes == {f"arn:aws:iam::{a}:role/ecsform-deploy" for a in (SHARED, DEV, PROD)} | {
        f"arn:aws:iam::{SHARED}:role/ecsform-state"
    }
    assert ci_plan.assumes == {f"arn:aws:iam::{a}:role/ecsform-plan" for a in (SHARED, DEV, PROD)} | {
        f"arn:aws:iam::{SHARED}:role/ecsform-state"
    }
    assert ci_plan.subjects == {"repo:acme/platform:pull_request"}
    # the apply jobs behind each environment's gate, and the default branch's plans (applied as planned)
    assert ci_role.subjects == {
        f"repo:acme/platform:environment:{e}" for e in ("shared-services", "development", "production")
    } | {"repo:acme/platform:ref:refs/heads/main"}
    state = roles[f"arn:aws:iam::{SHARED}:role/ecsform-state"]
    assert state.trusted_by == {ci_role.arn, ci_plan.arn} and state.state == [
        ("ecsform-tfstate-123456789012", "ecsform/")
    ]


def test_least_privilege_by_role(config: project_config.Config) -> None:
    """Plan roles read (what plan and the read-only commands call); deploy roles also write; the pipeline's
    identities only chain; the state role only touches the state prefix and lists its bucket."""
    documents = policies.policy_documents(config, "github")

    def granted(arn: str) -> set[str]:
        return {a for s in documents[arn]["Statement"] for a in s["Action"]}

    plan, deploy = (
        granted(f"arn:aws:iam::{PROD}:role/ecsform-plan"),
        granted(f"arn:aws:iam::{PROD}:role/ecsform-deploy"),
    )
    types = bootstrap_model.module_types()
    assert plan == set(actions.terraform_actions(types, write=False)) | set(
        actions.command_actions(actions.READ_COMMANDS)
    )
    assert plan < deploy and "ecs:RegisterTaskDefinition" in deploy and "ecs:RegisterTaskDefinition" not in plan
    assert not {a for a in plan if re.match(r"^\w+:(Create|Delete|Put|Register|Deregister|Update|Attach)", a)} - {
        "logs:CreateLogGroup"
    }
    assert "logs:CreateLogGroup" not in plan
    assert set(actions.command_actions(actions.WRITE_COMMANDS)) <= deploy  # deploy, run, prune: issue 20's rows
    assert "ecs:UpdateService" in deploy and "ecs:RunTask" in deploy and "ecs:UpdateService" not in plan
    assert not {a for a in deploy | plan if a.startswith("sts:")}  # the pipeline identities chain, not these
    assert granted(f"arn:aws:iam::{SHARED}:role/ecsform-ci") == {"sts:AssumeRole"}
    assert granted(f"arn:aws:iam::{SHARED}:role/ecsform-ci-plan") == {"sts:AssumeRole"}
    state = documents[f"arn:aws:iam::{SHARED}:role/ecsform-state"]["Statement"]
    assert [(s["Action"], s["Resource"]) for s in state] == [
        (["s3:ListBucket"], ["arn:aws:s3:::ecsform-tfstate-123456789012"]),
        (["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], ["arn:aws:s3:::ecsform-tfstate-123456789012/ecsform/*"]),
    ]
    passing = next(
        s
        for s in documents[f"arn:aws:iam::{PROD}:role/ecsform-deploy"]["Statement"]
        if s["Sid"] == "PassTaskRolesToEcs"
    )
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    assert passing["Resource"] == [f"arn:aws:iam::{PROD}:role/*"]


def test_the_root_is_deterministic_and_names_what_it_creates(tmp_path: Path) -> None:
    project = tmp_path / "p"
    (project / ".git").mkdir(parents=True)
    for name in ("ecsform.yaml", "ecsform.lock.hcl"):
        shutil.copy(REPO / name, project / name)
    shutil.copytree(locations.MODULES, project / "modules", ignore=shutil.ignore_patterns(".*"))
    first = ecsform("bootstrap", "github", cwd=project)
    assert first.returncode == 0 and "wrote bootstrap/pipeline" in first.stderr, first.stderr
    files = {p.name: p.read_bytes() for p in (project / "bootstrap" / "pipeline").iterdir()}
    assert sorted(files) == [
        "README.md",
        "oidc.tf",
        "outputs.tf",
        "providers.tf",
        "roles.tf",
        "state.tf",
        "variables.tf",
        "versions.tf",
    ]
    again = ecsform("bootstrap", "github", "--out", "b2", cwd=project)
    assert again.returncode == 0 and {p.name: p.read_bytes() for p in (project / "b2" / "pipeline").iterdir()} == files
    state = files["state.tf"].decode()
    for resource in (
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
    ):
        assert f'resource "{resource}" "state_ecsform_tfstate_123456789012"' in state
    assert 'url            = "https://token.actions.githubusercontent.com"' in files["oidc.tf"].decode()
    gitlab = ecsform("bootstrap", "gitlab", "--out", "b3", cwd=project)
    assert gitlab.returncode == 0
    trust = (project / "b3" / "pipeline" / "roles.tf").read_text()
    assert '"gitlab.com:sub" = ["project_path:acme/platform:ref_type:branch:ref:main"]' in trust


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            lambda t: t.replace("  repository: acme/platform", ""),
            "error BOOTSTRAP-CONFIG: ci: bootstrap needs ci.repository",
        ),
        (
            lambda t: t.replace("  roleArn: arn:aws:iam::123456789012:role/ecsform-deploy\n", ""),
            "error BOOTSTRAP-CONFIG: defaults: defaults: bootstrap needs the target's accountId and roleArn",
        ),
        (
            lambda t: t.replace("bucket: ecsform-tfstate-123456789012", "bucket: tfstate-{root}"),
            "error BOOTSTRAP-CONFIG: backend.s3.bucket: bucket 'tfstate-{root}' names a {family} or {root}",
        ),
        (  # without ci.planRoleArn, pull requests would assume the apply identity
            lambda t: t.replace("  planRoleArn: arn:aws:iam::123456789012:role/ecsform-ci-plan", ""),
            "error BOOTSTRAP-CONFIG: ci: arn:aws:iam::123456789012:role/ecsform-ci would serve both pull requests'",
        ),
    ],
)
def test_what_bootstrap_cannot_make_is_a_finding_at_its_line(tmp_path: Path, change, expected: str) -> None:  # noqa: ANN001
    project = tmp_path / "p"
    (project / ".git").mkdir(parents=True)
    (project / "ecsform.yaml").write_text(change((REPO / "ecsform.yaml").read_text()))
    shutil.copy(REPO / "ecsform.lock.hcl", project / "ecsform.lock.hcl")
    shutil.copytree(locations.MODULES, project / "modules", ignore=shutil.ignore_patterns(".*"))
    proc = ecsform("bootstrap", "github", cwd=project)
    assert proc.returncode == 2 and expected in proc.stderr, proc.stderr
    assert re.search(r"^ecsform\.yaml:\d+:\d+: error BOOTSTRAP-CONFIG", proc.stderr, re.M)
    assert not (project / "bootstrap").exists() and "Traceback" not in proc.stderr
    unknown = ecsform("bootstrap", "bitbucket", cwd=project)
    assert unknown.returncode == 2 and "BOOTSTRAP-CONFIG" in unknown.stderr


def test_synth_plan_role_makes_the_roots_assume_the_plan_roles(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = ecsform("synth", "specs/financial-api-stages.yaml", "--out", str(out), "--plan-role")
    assert proc.returncode == 0, proc.stderr
    for env, account in (("dev", DEV), ("prod", PROD)):
        providers = (out / "financial-api-stages" / env / "providers.tf").read_text()
        assert f'role_arn     = "arn:aws:iam::{account}:role/ecsform-plan"' in providers
        assert "ecsform-deploy" not in providers
    plain = tmp_path / "plain"
    assert ecsform("synth", "specs/financial-api-stages.yaml", "--out", str(plain)).returncode == 0
    assert "role/ecsform-deploy" in (plain / "financial-api-stages" / "dev" / "providers.tf").read_text()


def test_a_plan_role_in_another_account_is_a_config_finding(tmp_path: Path) -> None:
    (tmp_path / "ecsform.yaml").write_text(
        'environments:\n  dev:\n    accountId: "111111111111"\n    planRoleArn: arn:aws:iam::222222222222:role/p\n'
    )
    with pytest.raises(EcsformError) as caught:
        project_config.load(tmp_path / "ecsform.yaml", "ecsform.yaml")
    assert [f.rule for f in caught.value.findings] == ["CONFIG-ACCOUNT-MISMATCH"]
    assert "planRoleArn is in account 222222222222" in caught.value.findings[0].message


def test_each_command_is_held_to_its_row() -> None:
    """aws/session.py's check, on botocore's own models: diff may list and describe task definitions, not run a
    task; verify's S3 reads are the IAM actions HeadObject and HeadBucket need."""
    ecs, s3 = boto3.client("ecs", region_name="us-east-1"), boto3.client("s3", region_name="us-east-1")
    check = session._held_to("diff")
    check(model=ecs.meta.service_model.operation_model("ListTaskDefinitions"))
    with pytest.raises(EcsformError) as caught:
        check(model=ecs.meta.service_model.operation_model("RunTask"))
    assert (
        caught.value.findings[0].rule == "ECSFORM-INTERNAL"
        and "diff called ecs:RunTask" in caught.value.findings[0].message
    )
    verify = session._held_to("verify")
    for operation in ("HeadObject", "HeadBucket"):
        verify(model=s3.meta.service_model.operation_model(operation))
    with pytest.raises(EcsformError):
        verify(model=s3.meta.service_model.operation_model("PutObject"))
    session._held_to("verify")(
        model=boto3.client("sts", region_name="us-east-1").meta.service_model.operation_model("GetCallerIdentity")
    )
    efs = boto3.client("efs", region_name="us-east-1").meta.service_model
    assert actions.iam_action(efs.signing_name, "DescribeFileSystems") in actions.actions("verify")
    # issue 20's commands too: run may start a task, not move a service; prune may not start a task
    session._held_to("run")(model=ecs.meta.service_model.operation_model("RunTask"))
    session._held_to("deploy")(model=ecs.meta.service_model.operation_model("UpdateService"))
    for command, operation in (("run", "UpdateService"), ("revisions prune", "RunTask"), ("deploy", "RunTask")):
        with pytest.raises(EcsformError) as caught:
            session._held_to(command)(model=ecs.meta.service_model.operation_model(operation))
        assert f"{command} called ecs:{operation}" in caught.value.findings[0].message


def test_verify_diff_and_adopt_open_their_sessions_with_their_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flow opens each command's AWS sessions under its row of aws/actions.py: a session opened without it is
    held to nothing (as a merge of issue 23 once left verify, diff and synth --adopt). Each connection is refused
    here once its row is seen, so no AWS is needed."""
    seen: list[str | None] = []

    def connect(target, root, region=None, command=None):  # noqa: ANN001, ANN202
        seen.append(command)
        raise EcsformError([])

    monkeypatch.setattr(session, "connect", connect)
    spec = [str(REPO / "specs" / "financial-api.json")]
    account_checks.verify_roots(spec, Options(), tmp_path)
    account_checks.diff_roots(spec, Options())
    pipeline.synth_tree(spec, tmp_path / "out", Options(adopt=True))
    assert seen == ["verify", "diff", "synth --adopt"]


def test_the_policies_fit_in_an_inline_role_policy(config: project_config.Config) -> None:
    """IAM: an inline role policy is at most 10,240 characters, whitespace aside (IAM quotas)."""
    for arn, document in policies.policy_documents(config, "github").items():
        assert len(json.dumps(document, separators=(",", ":"))) < 10240, arn
