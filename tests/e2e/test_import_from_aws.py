"""`ecsform import --from-aws` and `aws:` environment inputs, against this worker's moto server (issue #7).

The CLI runs as a user runs it, in its own process; only the environment points boto3 at moto. The families are
this test's own, so the roots the other e2e tests apply on the same server never see them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, NO_CONFIG, REPO, ecsform

pytestmark = pytest.mark.e2e

FAMILY = "ecsform-import-api"
SEED = FIXTURES / "import" / "seed-example-1.json"
GOLDEN = REPO / "tests" / "golden" / "import" / "seed-example-1.yaml"


def test_import_from_aws_reads_the_registered_revision(aws: Any, aws_env: dict[str, str]) -> None:
    task = {**json.loads(SEED.read_text()), "family": FAMILY}
    ecs = aws("ecs", "us-east-1")
    ecs.register_task_definition(**task, tags=[{"key": "team", "value": "payments"}])
    second = json.loads(json.dumps(task))
    second["containerDefinitions"][0]["image"] += "-2"
    ecs.register_task_definition(**second)

    def run(*args: str) -> Any:
        return ecsform("import", *args, "--region", "us-east-1", env=aws_env)

    first, latest, missing = run("--from-aws", f"{FAMILY}:1"), run("--from-aws", FAMILY), run("--from-aws", "nope:3")
    golden = GOLDEN.read_text().replace("family: financial-api\n", f"family: {FAMILY}\n", 1)
    # ECS (and moto) answer with the container's cpu set to 0: kept, as everything the task definition holds
    assert first.returncode == 0, first.stderr
    assert (
        first.stdout
        == golden.replace("    essential: true\n", "    essential: true\n    cpu: 0\n")
        + "tags:\n  - key: team\n    value: payments\n"
    )
    assert latest.returncode == 0 and "financial-api:latest-2" in latest.stdout and "tags:" not in latest.stdout
    assert missing.returncode == 2 and "IMPORT-AWS" in missing.stderr + missing.stdout
    assert "Traceback" not in missing.stderr + missing.stdout

    envs = run("--environments", f"dev=aws:{FAMILY}:1,prod=aws:{FAMILY}:2", "--family", FAMILY)
    assert envs.returncode == 0, envs.stderr
    base, overlays = envs.stdout.split("environments:\n")
    assert base.startswith(f"family: {FAMILY}\n")
    assert "financial-api:latest-2" in overlays and "financial-api:latest-2" not in base
    for ecs_task in ecs.list_task_definitions(familyPrefix=FAMILY)["taskDefinitionArns"]:
        ecs.deregister_task_definition(taskDefinition=ecs_task)


def test_import_from_aws_with_a_role_reads_the_roles_account(aws: Any, aws_env: dict[str, str]) -> None:
    """`import --from-aws --role-arn` (issue 22), as verify's --role-arn: the role is assumed through
    generators/aws/session.py, and the task definition is read in the role's account, not the caller's (moto's STS
    hands out credentials in the account of the role asked for)."""
    import boto3

    account, family = "111111111111", "ecsform-import-role"
    role = f"arn:aws:iam::{account}:role/ecsform-import"
    creds = aws("sts").assume_role(RoleArn=role, RoleSessionName="e2e")["Credentials"]
    theirs = boto3.client(
        "ecs",
        region_name="us-east-1",
        endpoint_url=aws("sts").meta.endpoint_url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    task = {**json.loads(SEED.read_text()), "family": family}
    arn = theirs.register_task_definition(**task)["taskDefinition"]["taskDefinitionArn"]
    try:
        assert f":{account}:" in arn
        mine = ecsform("import", "--from-aws", family, "--region", "us-east-1", env=aws_env)
        assert mine.returncode == 2 and "IMPORT-AWS" in mine.stderr  # not in the caller's own account
        imported = ecsform("import", "--from-aws", family, "--region", "us-east-1", "--role-arn", role, env=aws_env)
        assert imported.returncode == 0, imported.stderr
        assert imported.stdout.startswith(f"family: {family}\n")
        envs = ecsform(
            "import", "--environments", f"dev=aws:{family}:1", "--region", "us-east-1", "--role-arn", role, env=aws_env
        )
        assert envs.returncode == 0 and envs.stdout.startswith(f"family: {family}\n"), envs.stderr
    finally:
        theirs.deregister_task_definition(taskDefinition=arn)


# What DescribeTaskDefinition returns that RegisterTaskDefinition does not take (the API's bookkeeping).
READ_ONLY = (
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
)


def _without_empty(value: Any) -> Any:
    """DescribeTaskDefinition lists empty fields ([] and {}) that a task definition without them means alike."""
    if isinstance(value, dict):
        return {k: _without_empty(v) for k, v in value.items() if v not in ([], {}, None)}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def _by_name(task: dict[str, Any]) -> dict[str, Any]:
    """Containers (and their environment and secrets) in name order: ECS gives that order no meaning."""
    task = dict(task)
    task["containerDefinitions"] = sorted(
        (
            {**c, **{k: sorted(c[k], key=lambda i: i["name"]) for k in ("environment", "secrets") if k in c}}
            for c in task["containerDefinitions"]
        ),
        key=lambda c: c["name"],
    )
    return task


@pytest.mark.parametrize("spec", ["financial-app-suite.json", "financial-api.json"])
def test_import_from_aws_then_render_gives_back_what_is_registered(
    spec: str, aws: Any, aws_env: dict[str, str], tmp_path: Path
) -> None:
    """The seed's Example 3 (corrected) and Example 1, registered as written: `import --from-aws` and `render` of
    the imported spec give back exactly the registered task definition (no readonlyRootFilesystem or any other
    value added, nothing lost)."""
    task = json.loads((REPO / "specs" / spec).read_text())
    for key in ("$schema", "x-ecsform"):
        task.pop(key)
    family = f"ecsform-roundtrip-{spec.split('.')[0]}"
    ecs = aws("ecs", "us-east-1")
    registered = ecs.register_task_definition(**{**task, "family": family})["taskDefinition"]
    try:
        imported = ecsform("import", "--from-aws", family, "--region", "us-east-1", env=aws_env)
        assert imported.returncode == 0, imported.stderr
        (tmp_path / "spec.yaml").write_text(imported.stdout)
        rendered = ecsform("render", str(tmp_path / "spec.yaml"), NO_CONFIG, env=aws_env)
        assert rendered.returncode == 0, rendered.stderr
        expected = _without_empty({k: v for k, v in registered.items() if k not in READ_ONLY})
        assert _by_name(json.loads(rendered.stdout)) == _by_name(expected)
        assert "readonlyRootFilesystem" not in rendered.stdout
    finally:
        ecs.deregister_task_definition(taskDefinition=registered["taskDefinitionArn"])


def test_import_from_aws_records_the_images_the_service_runs(aws: Any, aws_env: dict[str, str], tmp_path: Path) -> None:
    """Adopting a running service (issue 20): with an ecsform.yaml, `import --from-aws --out` also records the images
    the live revision runs in images/<root>.yaml, so a later edit of the spec's image does not redeploy it."""
    family = "ecsform-import-web"
    live = "public.ecr.aws/nginx/nginx:1.27.3"
    ecs = aws("ecs", "us-east-1")
    ecs.register_task_definition(
        family=family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "web", "image": live, "readonlyRootFilesystem": True}],
    )
    (tmp_path / ".git").mkdir()
    (tmp_path / "specs").mkdir()
    (tmp_path / "ecsform.yaml").write_text('defaults: {accountId: "123456789012", region: us-east-1}\n')
    proc = ecsform(
        "import", "--from-aws", family, "--region", "us-east-1", "--out", "specs/web.yaml", env=aws_env, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert f"wrote images/{family}.yaml: the images root {family} runs" in proc.stderr
    assert (tmp_path / "images" / f"{family}.yaml").read_text().splitlines()[-1] == f"web: {live}"
    spec = tmp_path / "specs" / "web.yaml"
    spec.write_text(spec.read_text().replace(live, "public.ecr.aws/nginx/nginx:latest"))  # a later hand edit
    rendered = ecsform("render", "specs/web.yaml", env=aws_env, cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    assert json.loads(rendered.stdout)["containerDefinitions"][0]["image"] == live  # what runs stays
    for arn in ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]:
        ecs.deregister_task_definition(taskDefinition=arn)
