"""Deploy targets for real (issue 12): the repository's ecsform.yaml applies specs/financial-api-stages.yaml's dev
and prod roots into two AWS accounts of the moto server, through the generated assume_role, with their state in
an S3 bucket on moto under the generated keys and S3 native locking.

The roots are `make synth`'s output as written; as a pipeline runs them: plain `terraform init` (the backend
needs no flags), `plan -out`, `apply`, with TF_PLUGIN_CACHE_DIR shared by the roots. Only the environment points
at moto: AWS_ENDPOINT_URL (read by the provider and by the S3 backend, STS included) and the credentials of the
pipeline's identity in the shared services account. moto's STS hands out credentials in the account of the role
ARN it is asked for, so each provider lands in its target's account.

Checked: the state objects and their keys; the task definitions, execution roles and log groups in the right
account and region and nowhere else (found by the provider's default tag, which only these roots carry); the
execution role's policy names the target's account (the module's aws_caller_identity under assume_role); the
second plan is clean; a held lock stops a plan with Terraform's lock error and leaves the state as it was; a prod
root run with dev credentials stops on allowed_account_ids and changes nothing; a partial backend initialises
from -backend-config. The resources stay on the worker's moto server (it stops with the session).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, ecsform, terraform

from .expect import execution_permissions, policy_permissions

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.xdist_group("deploy-targets")]

SPEC = REPO / "specs" / "financial-api-stages.yaml"
SHARED, DEV, PROD = "123456789012", "111111111111", "222222222222"
REGIONS = ("us-east-1", "eu-west-1")
ROOTS = {"dev": "financial-api-stages/dev", "prod": "financial-api-stages/prod"}
WHERE = {"dev": (DEV, "us-east-1"), "prod": (PROD, "eu-west-1")}
MARK = ("managed-by", "ecsform")  # a default tag of the repository's ecsform.yaml: only these roots carry it


def session_in(aws: Any, account: str) -> Any:
    """boto3 clients with credentials in `account` (moto: assume any role ARN of that account)."""
    import boto3

    creds = aws("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/e2e-inspector", RoleSessionName="e2e-inspector"
    )["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    endpoint = aws("sts").meta.endpoint_url
    return lambda service, region="us-east-1": session.client(service, region_name=region, endpoint_url=endpoint)


@pytest.fixture(scope="module")
def deployed(aws_env: dict[str, str], aws: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`make synth` (the repository's ecsform.yaml) -> init -> validate -> plan -> apply of the dev and prod roots."""
    work = tmp_path_factory.mktemp("deploy-targets")
    out = work / "build"
    proc = ecsform("synth", str(SPEC), "--out", str(out))  # from the repository: its ecsform.yaml applies
    assert proc.returncode == 0, proc.stderr
    manifest = {r["environment"]: r for r in json.loads((out / "manifest.json").read_text())["roots"]}
    state = manifest["prod"]["state"]
    assert {r["state"]["bucket"] for r in manifest.values()} == {state["bucket"]}
    aws("s3").create_bucket(Bucket=state["bucket"])  # the state bucket of the shared services account
    cache = work / "plugin-cache"
    cache.mkdir()
    env = {**aws_env, "TF_PLUGIN_CACHE_DIR": str(cache)}
    for path in ROOTS.values():
        root = out / path
        assert not list(root.glob("*override*"))
        terraform(["init", "-input=false"], root, env)
        terraform(["plan", "-input=false", "-out=tfplan"], root, env)  # validate's walk, then the plan
        terraform(["apply", "-input=false", "tfplan"], root, env)
    return {"out": out, "env": env, "cache": cache, "manifest": manifest, "bucket": state["bucket"], "work": work}


def _state(aws: Any, bucket: str, key: str) -> tuple[str, bytes]:
    obj = aws("s3").get_object(Bucket=bucket, Key=key)
    return obj["ETag"], obj["Body"].read()


def test_one_provider_install_serves_both_roots(deployed: dict[str, Any]) -> None:
    """The roots carry the repository's ecsform.lock.hcl (ecsform.yaml's terraform.lockPlatforms): init installs the
    locked release once into the plugin cache, without TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE, and leaves
    each root's lock file as synth wrote it (so synth --check stays clean after init)."""
    cache = deployed["cache"]
    assert "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE" not in deployed["env"]
    installed = sorted(p.relative_to(cache).as_posix() for p in cache.glob("*/*/*/*/*"))
    assert installed == ["registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64"]
    for path in ROOTS.values():
        provider = deployed["out"] / path / ".terraform/providers/registry.terraform.io/hashicorp/aws/5.100.0"
        assert (provider / "linux_amd64").resolve() == (cache / installed[0]).resolve()
        lock = deployed["out"] / path / ".terraform.lock.hcl"
        assert lock.read_bytes() == (REPO / "ecsform.lock.hcl").read_bytes()
    check = ecsform("synth", str(SPEC), "--out", str(deployed["out"]), "--check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_state_lives_in_the_bucket_under_the_generated_keys(deployed: dict[str, Any], aws: Any) -> None:
    # the bucket is the bundled config's, which other tests on this server share: these roots' keys, .tflock included
    listed = aws("s3").list_objects_v2(Bucket=deployed["bucket"], Prefix="ecsform/financial-api-stages/")
    keys = sorted(o["Key"] for o in listed["Contents"])
    expected = sorted(f"ecsform/{path}/terraform.tfstate" for path in ROOTS.values())
    assert keys == expected  # no .tflock left behind: every lock was released
    assert [deployed["manifest"][env]["state"]["key"] for env in ROOTS] == [
        f"ecsform/{p}/terraform.tfstate" for p in ROOTS.values()
    ]
    for env in ROOTS:
        state = json.loads(_state(aws, deployed["bucket"], deployed["manifest"][env]["state"]["key"])[1])
        account, region = WHERE[env]
        assert state["outputs"]["task_definition_arn"]["value"].startswith(f"arn:aws:ecs:{region}:{account}:")
        assert not (deployed["out"] / ROOTS[env] / "terraform.tfstate").exists()  # nothing kept locally


def _ours(clients: Any, region: str) -> dict[str, set[str]]:
    """What these roots created in one account and region, found by their default tag: task definition families,
    log groups, and (global) execution roles."""
    ecs, logs, iam = clients("ecs", region), clients("logs", region), clients("iam", region)
    families = set()
    for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]:  # familyPrefix is a whole family
        described = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
        # other tests on this server apply roots of the same config (same tag): these roots' families only
        if {"key": MARK[0], "value": MARK[1]} in described.get("tags", []) and described["taskDefinition"][
            "family"
        ].startswith("financial-api"):
            families.add(described["taskDefinition"]["family"])
    groups = {
        g["logGroupName"]
        for g in logs.describe_log_groups(logGroupNamePrefix="/ecs/financial-api")["logGroups"]
        if logs.list_tags_log_group(logGroupName=g["logGroupName"]).get("tags", {}).get(MARK[0]) == MARK[1]
    }
    roles = {
        r["RoleName"].split("-exec-")[0]
        for r in iam.list_roles()["Roles"]
        if r["RoleName"].startswith("financial-api")
        and {"Key": MARK[0], "Value": MARK[1]} in iam.list_role_tags(RoleName=r["RoleName"])["Tags"]
    }
    return {"task definitions": families, "log groups": groups, "roles": roles}


def test_resources_are_in_their_targets_account_and_region_and_nowhere_else(deployed: dict[str, Any], aws: Any) -> None:
    found = {}
    for account in (SHARED, DEV, PROD):
        clients = session_in(aws, account)
        for region in REGIONS:
            found[(account, region)] = _ours(clients, region)
    expected = {key: {"task definitions": set(), "log groups": set(), "roles": set()} for key in found}
    for env, (account, region) in WHERE.items():
        family = f"financial-api-{env}"
        expected[(account, region)]["task definitions"] = {family}
        expected[(account, region)]["log groups"] = {f"/ecs/{family}"}
        for r in REGIONS:  # IAM is global to the account
            expected[(account, r)]["roles"] = {family}
    assert found == expected


def test_the_derived_iam_names_the_targets_account(deployed: dict[str, Any], aws: Any) -> None:
    """The module reads the account from aws_caller_identity: under the provider's assume_role that is the target's
    account, so the execution role of each root allows its own log group and its own environment's secrets."""
    for env, (account, region) in WHERE.items():
        clients = session_in(aws, account)
        iam = clients("iam")
        role = next(
            r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(f"financial-api-{env}-exec-")
        )
        document = iam.get_role_policy(RoleName=role, PolicyName="ecsform-execution")["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        proc = ecsform("render", str(SPEC), "--env", env)
        rendered = json.loads(proc.stdout)
        assert policy_permissions(document) == execution_permissions(rendered, region, account)
        assert (
            f"arn:aws:logs:{region}:{account}:log-group:/ecs/financial-api-{env}:*"
            in policy_permissions(document)["logs:PutLogEvents"]
        )
        described = clients("ecs", region).describe_task_definition(
            taskDefinition=f"financial-api-{env}", include=["TAGS"]
        )
        # default_tags and the spec's tags: what `render` (with ecsform.yaml) prints is what AWS registered
        assert sorted(described["tags"], key=lambda t: t["key"]) == rendered["tags"]
        assert described["taskDefinition"]["executionRoleArn"].startswith(f"arn:aws:iam::{account}:role/")


def test_second_plan_of_each_root_is_clean(deployed: dict[str, Any]) -> None:
    for path in ROOTS.values():
        proc = terraform(
            ["plan", "-detailed-exitcode", "-input=false"], deployed["out"] / path, deployed["env"], check=False
        )
        assert proc.returncode == 0, f"{path}: the second plan is not empty:\n{proc.stdout}\n{proc.stderr}"


def test_an_image_deploy_keeps_the_old_revision_active_for_a_rollback(deployed: dict[str, Any], aws: Any) -> None:
    """Roots an ecsform.yaml targets default to skip_destroy (README: Deploys that can roll back): a pipeline's
    image deploy registers a new revision and leaves the old one ACTIVE, so a failed deployment has a revision to
    go back to. (tests/e2e/test_apply.py checks the other way: without it the old revision is INACTIVE.)"""
    root = deployed["out"] / ROOTS["prod"]
    assert "skip_destroy             = true" in (root / "main.tf").read_text()
    ecs = session_in(aws, PROD)("ecs", "eu-west-1")
    old = ecs.describe_task_definition(taskDefinition="financial-api-prod")["taskDefinition"]["taskDefinitionArn"]
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/financial-api:1.8.1"
    proc = terraform(
        ["apply", "-auto-approve", "-input=false", "-var", "images=" + json.dumps({"api": image})],
        root,
        deployed["env"],
    )
    assert "1 added, 0 changed, 1 destroyed" in proc.stdout  # the plan still says destroy; the provider skips it
    new = ecs.describe_task_definition(taskDefinition="financial-api-prod")["taskDefinition"]
    assert new["taskDefinitionArn"] != old and new["containerDefinitions"][0]["image"] == image
    assert ecs.describe_task_definition(taskDefinition=old)["taskDefinition"]["status"] == "ACTIVE"
    active = ecs.list_task_definitions(familyPrefix="financial-api-prod", status="ACTIVE")["taskDefinitionArns"]
    assert active[-2:] == [old, new["taskDefinitionArn"]]
    # back to the spec's image, as the other tests expect the root: a third revision, the second stays ACTIVE too
    terraform(["apply", "-auto-approve", "-input=false"], root, deployed["env"])
    assert ecs.describe_task_definition(taskDefinition=new["taskDefinitionArn"])["taskDefinition"]["status"] == "ACTIVE"


def test_a_held_lock_stops_a_plan_and_leaves_the_state_as_it_was(deployed: dict[str, Any], aws: Any) -> None:
    key = deployed["manifest"]["prod"]["state"]["key"]
    bucket, s3 = deployed["bucket"], aws("s3")
    before = _state(aws, bucket, key)
    holder = {
        "ID": "6d1f2c3a-0b4e-4c5d-8e9f-0a1b2c3d4e5f",
        "Operation": "OperationTypeApply",
        "Info": "",
        "Who": "runner@pipeline-42",
        "Version": "1.11.4",
        "Created": "2026-01-01T00:00:00Z",
        "Path": f"{bucket}/{key}",
    }
    s3.put_object(Bucket=bucket, Key=f"{key}.tflock", Body=json.dumps(holder).encode())  # what `apply` writes
    try:
        proc = terraform(
            ["plan", "-input=false", "-lock-timeout=0s"], deployed["out"] / ROOTS["prod"], deployed["env"], check=False
        )
        assert proc.returncode == 1
        assert "Error acquiring the state lock" in proc.stderr, proc.stderr
        assert "runner@pipeline-42" in proc.stderr  # Terraform names who holds it
        assert _state(aws, bucket, key) == before
        assert json.loads(s3.get_object(Bucket=bucket, Key=f"{key}.tflock")["Body"].read()) == holder
    finally:
        s3.delete_object(Bucket=bucket, Key=f"{key}.tflock")


def _variant(deployed: dict[str, Any], name: str, change: Any) -> Path:
    """The repository's ecsform.yaml with one change, for the pipeline setups the tests below try (written
    elsewhere, so its moduleSource, relative to the file, names the repository's modules by their path)."""
    text = change((REPO / "ecsform.yaml").read_text()).replace(
        "moduleSource: ./modules", f"moduleSource: {REPO / 'modules'}"
    )
    assert f"moduleSource: {REPO / 'modules'}" in text
    path = deployed["work"] / f"{name}.yaml"
    path.write_text(text)
    shutil.copy(REPO / "ecsform.lock.hcl", path.with_name("ecsform.lock.hcl"))  # the lock file beside it
    return path


def test_a_prod_root_run_with_dev_credentials_stops_on_allowed_account_ids(deployed: dict[str, Any], aws: Any) -> None:
    """The setup where the pipeline gives each job its environment's credentials (no roleArn in ecsform.yaml):
    a prod root planned with the dev account's credentials stops before it plans, and changes nothing."""

    def without_deploy_roles(text: str) -> str:  # the state bucket's role stays
        lines = text.splitlines(keepends=True)
        kept = [line for line in lines if not (line.strip().startswith("roleArn:") and "ecsform-deploy" in line)]
        assert len(lines) - len(kept) == 3
        return "".join(kept)

    config = _variant(deployed, "pipeline-credentials", without_deploy_roles)
    out = deployed["work"] / "pipeline-credentials"
    proc = ecsform("synth", str(SPEC), "--out", str(out), "--config", str(config))
    assert proc.returncode == 0, proc.stderr
    root = out / ROOTS["prod"]
    providers = (root / "providers.tf").read_text()
    assert "assume_role" not in providers and 'allowed_account_ids = ["222222222222"]' in providers
    key = deployed["manifest"]["prod"]["state"]["key"]
    assert json.loads((out / "manifest.json").read_text())["roots"][1]["state"]["key"] == key  # the same state
    creds = aws("sts").assume_role(RoleArn=f"arn:aws:iam::{DEV}:role/pipeline-dev", RoleSessionName="dev-job")[
        "Credentials"
    ]
    dev_env = {
        **deployed["env"],
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
    }
    before = _state(aws, deployed["bucket"], key)
    terraform(["init", "-input=false"], root, dev_env)
    proc = terraform(["plan", "-input=false"], root, dev_env, check=False)
    assert proc.returncode == 1
    assert f"AWS account ID not allowed: {DEV}" in proc.stderr, proc.stderr
    assert _state(aws, deployed["bucket"], key) == before
    keys = [o["Key"] for o in aws("s3").list_objects_v2(Bucket=deployed["bucket"])["Contents"]]
    assert f"{key}.tflock" not in keys  # the lock was released
    clients = session_in(aws, DEV)
    for region in REGIONS:
        assert "financial-api-prod" not in _ours(clients, region)["task definitions"]


def test_a_partial_backend_takes_its_settings_from_backend_config(deployed: dict[str, Any], aws: Any) -> None:
    config = _variant(
        deployed, "partial", lambda t: t.replace("    encrypt: true\n", "    encrypt: true\n    partial: true\n")
    )
    out = deployed["work"] / "partial"
    assert ecsform("synth", str(SPEC), "--out", str(out), "--config", str(config)).returncode == 0
    root = out / ROOTS["dev"]
    assert (root / "backend.tf").read_text().endswith('  backend "s3" {}\n}\n')
    state = json.loads((out / "manifest.json").read_text())["roots"][0]["state"]
    assert state["partial"] is True
    args = [
        f"-backend-config={k}={str(v).lower() if isinstance(v, bool) else v}"
        for k, v in state.items()
        if k in ("bucket", "key", "region", "encrypt", "use_lockfile")
    ]
    terraform(["init", "-input=false", *args], root, deployed["env"])
    # the backend found the dev root's state in the bucket: what `apply` wrote under that key
    listed = terraform(["state", "list"], root, deployed["env"]).stdout.split()
    assert "module.task_definition.aws_ecs_task_definition.this" in listed
    assert os.path.exists(root / ".terraform" / "terraform.tfstate")  # the backend configuration, not the state


# --- target values (issue 21): one spec, every ARN written once, bound per account ----------------------------------

TARGET_VALUES = REPO / "tests" / "fixtures" / "targets" / "orders-api.yaml"
DB_SECRET = "arn:aws:secretsmanager:{region}:{account}:secret:orders/db-AbCdEf"


@pytest.fixture(scope="module")
def bound(deployed: dict[str, Any], aws: Any) -> dict[str, Any]:
    """The target-values spec synthesized with the repository's ecsform.yaml (dev and prod: their accounts and
    regions bound at synth) and without one (Terraform reads the account), each root applied once. After the
    tests above: these roots carry the same default tag, which `_ours` counts."""
    out = deployed["work"] / "target-values"
    assert ecsform("synth", str(TARGET_VALUES), "--out", str(out)).returncode == 0
    bare = deployed["work"] / "target-values-bare"
    proc = ecsform("synth", str(TARGET_VALUES), "--no-config", "--env", "dev", "--out", str(bare))
    assert proc.returncode == 0, proc.stderr
    roots = {env: out / f"orders-api/{env}" for env in ("dev", "prod")}
    roots["bare"] = bare / "orders-api" / "dev"
    for root in roots.values():
        terraform(["init", "-input=false"], root, deployed["env"])
    # the task role, named by its name: a role that does not exist fails the plan, naming it
    missing = terraform(["plan", "-input=false"], roots["bare"], deployed["env"], check=False)
    assert missing.returncode == 1 and 'data "aws_iam_role" "role_orders_api_task"' in missing.stderr, missing.stderr
    assert "orders-api-task" in missing.stderr
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    for account in (SHARED, DEV, PROD):  # with a path: the task definition gets the role's whole ARN
        session_in(aws, account)("iam").create_role(
            RoleName="orders-api-task", Path="/app/", AssumeRolePolicyDocument=json.dumps(trust)
        )
    for root in roots.values():
        terraform(["apply", "-auto-approve", "-input=false"], root, deployed["env"])
    return {"roots": roots, "out": out, "env": deployed["env"]}


def test_target_values_bind_each_arn_to_its_own_account(bound: dict[str, Any], aws: Any) -> None:
    where = {**WHERE, "bare": (SHARED, "us-east-1")}  # without ecsform.yaml: moto's account, the image's region
    for env, (account, region) in where.items():
        clients = session_in(aws, account)
        family = "orders-api-dev" if env == "bare" else f"orders-api-{env}"
        td = clients("ecs", region).describe_task_definition(taskDefinition=family)["taskDefinition"]
        assert td["taskRoleArn"] == f"arn:aws:iam::{account}:role/app/orders-api-task"
        [container] = td["containerDefinitions"]
        assert container["secrets"] == [
            {"name": "DB_URL", "valueFrom": DB_SECRET.format(region=region, account=account)}
        ]
        assert container["logConfiguration"]["options"]["awslogs-region"] == region
        variables = {e["name"]: e["value"] for e in container["environment"]}
        stage = "dev" if env == "bare" else env
        # a `${` that is no target value, and the escape, reach ECS byte for byte
        assert variables == {"STAGE": stage, "LITERAL": "${NOT_A_TARGET}", "ESCAPED": "${target.region}"}
        role = td["executionRoleArn"].rsplit("/", 1)[1]
        assert td["executionRoleArn"].startswith(f"arn:aws:iam::{account}:role/")
        document = clients("iam").get_role_policy(RoleName=role, PolicyName="ecsform-execution")["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        granted = policy_permissions(document)
        assert granted["secretsmanager:GetSecretValue"] == {DB_SECRET.format(region=region, account=account)}
        assert granted["logs:PutLogEvents"] == {f"arn:aws:logs:{region}:{account}:log-group:/ecs/orders-api-{stage}:*"}
    main = (bound["roots"]["bare"] / "main.tf").read_text()
    assert 'data "aws_caller_identity" "current"' in main and "111111111111" not in main
    assert 'data "aws_caller_identity"' not in (bound["roots"]["prod"] / "main.tf").read_text()


def test_target_values_plan_clean_the_second_time(bound: dict[str, Any]) -> None:
    for name, root in bound["roots"].items():
        proc = terraform(["plan", "-detailed-exitcode", "-input=false"], root, bound["env"], check=False)
        assert proc.returncode == 0, f"{name}: the second plan is not empty:\n{proc.stdout}\n{proc.stderr}"
