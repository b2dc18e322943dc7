"""`ecsform bootstrap github` for real (issue 22 item 7), and then the pipeline with nothing but the roles it made.

The repository's ecsform.yaml names three accounts: the shared services account (123456789012: the pipeline's
identities, the state bucket and its role, and the target of specs without environments), development
(111111111111) and production (222222222222, eu-west-1). `ecsform bootstrap github` writes one root; applied on a
moto server of this module's own (an administrator's credentials reach each account through
`-var admin_role_name=...`, as OrganizationAccountAccessRole would), it creates the state bucket (versioned,
encrypted, public access blocked), GitHub's OIDC provider, the pipeline's apply and plan identities, the
state role, and each target account's deploy and plan roles, with the policies generators/aws/actions.py derives.

Then the server checks every request against IAM policies (moto's /moto-api/reset-auth; tests/e2e/moto_server.py's
patches 8 and 9 make its evaluation follow IAM's where the suite relies on it) and the pipeline runs as CI would,
with the credentials of the identities alone (moto's AssumeRoleWithWebIdentity stands in for GitHub's token): as
the default branch's plan and apply jobs, the apply identity synthesizes, initialises (the state through the state
role), plans the dev root through the deploy role, records and checks the plan's receipt (`ecsform review`: the
state read through the state role), applies the plan, runs `verify` (the root's state read through the
state role), then, as the apply job does after the apply, `ecsform deploy` (the bound service moves to the
revision the root registered) and `ecsform revisions prune`; as a pull request's plan job, the plan identity plans
the prod root through the plan role (`synth --plan-role`). Least privilege: the plan role cannot register a task
definition, the deploy role cannot create an IAM user, the state role cannot read outside the state prefix or
delete the bucket, the plan identity cannot assume a deploy role.

moto's limits (reported): it evaluates Resource only for S3, IAM roles and sts:AssumeRole (patch 9 matches the rest
on actions alone), it checks no trust policy across accounts (only within one) and no Condition of a permissions
policy (iam:PassedToService; nor iam:PassRole on UpdateService), and it checks no OIDC token or `sub` (the `sub`
values are checked as written, against GitHub's documented formats, in tests/unit/test_bootstrap.py); `ecsform run`
is granted but not exercised here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.request
from typing import Any, Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import REPO, ecsform, terraform

from generators import config as project_config
from generators.bootstrap import policies

from .conftest import _start, _stop

pytestmark = [pytest.mark.e2e, pytest.mark.terraform, pytest.mark.xdist_group("bootstrap")]

SHARED, DEV, PROD = "123456789012", "111111111111", "222222222222"
SPEC = "specs/financial-api-stages.yaml"


def role(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server for this module alone: the bucket and roles the repository's ecsform.yaml names may exist on
    the worker's shared server (test_deploy_targets.py), and authorization is turned on here."""
    proc, url = _start(tmp_path_factory.mktemp("moto-bootstrap") / "moto_server.log")
    try:
        yield url
    finally:
        _stop(proc)


def enforce(url: str, count: bytes) -> None:
    """moto's authorization: b"0" checks every request from now on, b"inf" none."""
    request = urllib.request.Request(
        url + "/moto-api/reset-auth", data=count, method="POST", headers={"Content-Type": "text/plain"}
    )
    urllib.request.urlopen(request, timeout=10).close()


def clients(url: str, creds: dict[str, str] | None = None) -> Any:
    """boto3 clients on the server: the administrator's (test/test) or the given credentials'."""
    keys = (
        {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
        if creds is None
        else {
            "aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"],
        }
    )
    session = boto3.session.Session(**keys)
    return lambda service, region="us-east-1": session.client(service, region_name=region, endpoint_url=url)


def assumed(url: str, arn: str, creds: dict[str, str] | None = None, *, web: bool = False) -> dict[str, str]:
    sts = clients(url, creds)("sts")
    if web:
        return sts.assume_role_with_web_identity(
            RoleArn=arn, RoleSessionName="github", WebIdentityToken="github-oidc-token"
        )["Credentials"]
    return sts.assume_role(RoleArn=arn, RoleSessionName="e2e-bootstrap")["Credentials"]


def env_of(base: dict[str, str], url: str, creds: dict[str, str] | None = None) -> dict[str, str]:
    env = {**base, "AWS_ENDPOINT_URL": url}
    if creds is not None:
        env.update(
            {
                "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                "AWS_SESSION_TOKEN": creds["SessionToken"],
            }
        )
    return env


@pytest.fixture(scope="module")
def bootstrapped(server: str, aws_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A copy of the repository's project (specs, ecsform.yaml, its lock file and modules/), `ecsform bootstrap
    github`, and the root applied by an administrator."""
    work = tmp_path_factory.mktemp("bootstrap")
    project = work / "project"
    (project / "specs").mkdir(parents=True)
    shutil.copy(REPO / SPEC, project / SPEC)
    for name in ("ecsform.yaml", "ecsform.lock.hcl"):
        shutil.copy(REPO / name, project / name)
    config_file = project / "ecsform.yaml"  # dev's root deploys to a service (ecsform deploy after its apply)
    text = config_file.read_text()
    assert text.count("    tags: {environment: development}\n") == 1
    config_file.write_text(
        text.replace(
            "    tags: {environment: development}\n",
            '    tags: {environment: development}\n    deploy: {cluster: apps-dev, services: ["{family}"]}\n',
        )
    )
    shutil.copytree(REPO / "modules", project / "modules", ignore=shutil.ignore_patterns(".*"))
    (project / ".gitignore").write_text("bootstrap/\nbuild/\nbuild-pr/\n")
    git = ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "the platform"]):  # what the jobs check out
        subprocess.run([*git, *args], cwd=project, check=True, capture_output=True)
    proc = ecsform("bootstrap", "github", cwd=project)
    assert proc.returncode == 0, proc.stderr
    root = project / "bootstrap" / "pipeline"
    terraform(["fmt", "-check", "-diff", "."], root, aws_env)
    cache = work / "plugin-cache"
    cache.mkdir()
    env = {**env_of(aws_env, server), "TF_PLUGIN_CACHE_DIR": str(cache)}
    terraform(["init", "-input=false"], root, env)
    terraform(
        ["apply", "-auto-approve", "-input=false", "-var", "admin_role_name=OrganizationAccountAccessRole"], root, env
    )
    config = project_config.load(project / "ecsform.yaml", "ecsform.yaml")
    return {"project": project, "root": root, "env": env, "config": config, "url": server, "cache": cache}


def test_bootstrap_creates_the_state_bucket_the_oidc_provider_and_the_roles_in_each_account(
    bootstrapped: dict[str, Any],
) -> None:
    url, config = bootstrapped["url"], bootstrapped["config"]
    bucket = "ecsform-tfstate-123456789012"
    s3 = clients(url, assumed(url, role(SHARED, "OrganizationAccountAccessRole")))("s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())

    expected = policies.policy_documents(config, "github")
    assert set(expected) == {
        role(DEV, "ecsform-deploy"),
        role(DEV, "ecsform-plan"),
        role(PROD, "ecsform-deploy"),
        role(PROD, "ecsform-plan"),
        role(SHARED, "ecsform-deploy"),
        role(SHARED, "ecsform-plan"),
        role(SHARED, "ecsform-ci"),
        role(SHARED, "ecsform-ci-plan"),
        role(SHARED, "ecsform-state"),
    }
    for arn, document in expected.items():
        account, name = arn.split(":")[4], arn.rsplit("/", 1)[1]
        iam = clients(url, assumed(url, role(account, "OrganizationAccountAccessRole")))("iam")
        written = iam.get_role_policy(RoleName=name, PolicyName="ecsform")["PolicyDocument"]
        assert (json.loads(written) if isinstance(written, str) else written) == document, arn
    iam = clients(url, assumed(url, role(SHARED, "OrganizationAccountAccessRole")))("iam")
    providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert [p["Arn"] for p in providers] == [f"arn:aws:iam::{SHARED}:oidc-provider/token.actions.githubusercontent.com"]
    trust = iam.get_role(RoleName="ecsform-ci")["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Condition"]["StringLike"] == {
        "token.actions.githubusercontent.com:sub": [  # the apply jobs' gates; the default branch's plans
            "repo:acme/platform:environment:development",
            "repo:acme/platform:environment:production",
            "repo:acme/platform:environment:shared-services",
            "repo:acme/platform:ref:refs/heads/main",
        ]
    }
    # the second plan of the bootstrap root is clean
    proc = terraform(
        ["plan", "-detailed-exitcode", "-input=false", "-var", "admin_role_name=OrganizationAccountAccessRole"],
        bootstrapped["root"],
        bootstrapped["env"],
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_pipeline_runs_with_only_the_roles_bootstrap_created(bootstrapped: dict[str, Any]) -> None:
    url, project, base = bootstrapped["url"], bootstrapped["project"], bootstrapped["env"]
    apply_identity = assumed(url, role(SHARED, "ecsform-ci"), web=True)
    plan_identity = assumed(url, role(SHARED, "ecsform-ci-plan"), web=True)
    apply_env = {**env_of(base, url, apply_identity), "ECSFORM_POLL_INTERVAL": "0.1"}
    plan_env = env_of(base, url, plan_identity)
    # the service dev's root deploys to, running a revision registered before the root's
    admin = clients(url, assumed(url, role(DEV, "OrganizationAccountAccessRole")))
    subnets = [s["SubnetId"] for s in admin("ec2").describe_subnets()["Subnets"] if s.get("DefaultForAz")][:1]
    group = admin("ec2").describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    first = admin("ecs").register_task_definition(
        family="financial-api-dev",
        containerDefinitions=[{"name": "api", "image": "public.ecr.aws/nginx/nginx:1.27"}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )["taskDefinition"]["taskDefinitionArn"]
    admin("ecs").create_cluster(clusterName="apps-dev")
    admin("ecs").create_service(
        cluster="apps-dev",
        serviceName="financial-api-dev",
        taskDefinition=first,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group]}},
    )
    enforce(url, b"0")
    try:
        # the apply job: synth, init (the state through the state role), plan, apply through the deploy role
        assert ecsform("synth", SPEC, "--out", "build", cwd=project, env=apply_env).returncode == 0
        dev = project / "build" / "financial-api-stages" / "dev"
        terraform(["init", "-input=false"], dev, apply_env)
        terraform(["plan", "-input=false", "-out=tfplan"], dev, apply_env)
        # the plan's receipt and the apply job's check read the state (terraform state pull) through the state role
        root = "financial-api-stages/dev"
        recorded = ecsform("review", "record", root, "--out", "build", cwd=project, env=apply_env)
        assert recorded.returncode == 0, recorded.stderr
        verdict = ecsform("review", "check", root, "--out", "build", cwd=project, env=apply_env)
        assert (verdict.returncode, verdict.stdout.strip()) == (0, "apply"), verdict.stderr
        applied = terraform(["apply", "-input=false", "tfplan"], dev, apply_env)
        assert "Apply complete! Resources: 4 added" in applied.stdout, applied.stdout
        # verify, through the deploy role: every check runs (what it finds missing is the fixture's, not a denial)
        # (the log group the root created is no VERIFY-ADOPT: verify read the root's state through the state role)
        checked = ecsform("verify", SPEC, "--env", "dev", cwd=project, env=apply_env)
        rules = set(re.findall(r" (?:error|warning) ([A-Z0-9-]+): ", checked.stderr))
        assert rules == {"VERIFY-IMAGE", "VERIFY-SECRET"}, checked.stderr
        assert f"no secret named 'financial/db-connection-Xy12Ab' in account {DEV}" in checked.stderr
        assert "log group '/ecs/financial-api-dev' exists; the root's state holds it" in checked.stdout, checked.stdout

        # the apply job deploys and prunes after the apply, through the deploy role (the image is pushed now: the
        # service's new tasks pull it)
        enforce(url, b"inf")
        ecr = clients(url, assumed(url, role(SHARED, "OrganizationAccountAccessRole")))("ecr")
        ecr.create_repository(repositoryName="financial-api")
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": "sha256:financial-api-1.8.0"},
        }
        ecr.put_image(repositoryName="financial-api", imageManifest=json.dumps(manifest), imageTag="1.8.0")
        enforce(url, b"0")
        deployed = ecsform("deploy", SPEC, "--env", "dev", "--out", "build", cwd=project, env=apply_env)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert "financial-api-dev: financial-api-dev:1 -> financial-api-dev:2" in deployed.stdout, deployed.stdout
        assert "healthy: financial-api-dev:2 COMPLETED" in deployed.stdout, deployed.stdout
        pruned = ecsform("revisions", "prune", SPEC, "--env", "dev", "--keep", "1", cwd=project, env=apply_env)
        assert pruned.returncode == 0, pruned.stdout + pruned.stderr

        # a pull request's plan: the plan identity, the roots assuming the plan role
        proc = ecsform("synth", SPEC, "--out", "build-pr", "--plan-role", cwd=project, env=plan_env)
        assert proc.returncode == 0, proc.stderr
        prod = project / "build-pr" / "financial-api-stages" / "prod"
        assert role(PROD, "ecsform-plan") in (prod / "providers.tf").read_text()
        terraform(["init", "-input=false"], prod, plan_env)
        planned = terraform(["plan", "-input=false"], prod, plan_env)
        assert "Plan: 4 to add" in planned.stdout, planned.stdout

        # least privilege: what each role is not for, AWS refuses
        def denied(call: Any) -> None:
            with pytest.raises(ClientError) as err:
                call()
            assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403, err.value.response

        plan_role = clients(url, assumed(url, role(PROD, "ecsform-plan"), plan_identity))
        registered = {"family": "not-by-a-plan", "containerDefinitions": [{"name": "a", "image": "b", "memory": 64}]}
        denied(lambda: plan_role("ecs", "eu-west-1").register_task_definition(**registered))
        deploy = clients(url, assumed(url, role(DEV, "ecsform-deploy"), apply_identity))
        denied(lambda: deploy("iam").create_user(UserName="not-by-a-deploy"))
        state = clients(url, assumed(url, role(SHARED, "ecsform-state"), apply_identity))
        bucket = "ecsform-tfstate-123456789012"
        assert state("s3").get_object(Bucket=bucket, Key="ecsform/financial-api-stages/dev/terraform.tfstate")
        denied(lambda: state("s3").put_object(Bucket=bucket, Key="elsewhere/x", Body=b"x"))
        denied(lambda: state("s3").delete_bucket(Bucket=bucket))
        denied(
            lambda: clients(url, plan_identity)("sts").assume_role(
                RoleArn=role(DEV, "ecsform-deploy"), RoleSessionName="pr"
            )
        )
        denied(lambda: clients(url, apply_identity)("ecs").list_task_definitions())  # the identity only chains
    finally:
        enforce(url, b"inf")
    described = admin("ecs").describe_task_definition(taskDefinition="financial-api-dev")
    assert described["taskDefinition"]["taskDefinitionArn"].startswith(f"arn:aws:ecs:us-east-1:{DEV}:")
    assert described["taskDefinition"]["revision"] == 2
    service = admin("ecs").describe_services(cluster="apps-dev", services=["financial-api-dev"])["services"][0]
    assert service["taskDefinition"].endswith("financial-api-dev:2")
    old = admin("ecs").describe_task_definition(taskDefinition=first)["taskDefinition"]
    assert old["status"] == "INACTIVE"  # pruned: the newest kept, what the service runs kept
