"""`diff` and `synth --adopt` against this worker's moto server, through the CLI (issue 14), and the seed's Example 1
(specs/financial-api.json) verified, diffed, adopted and applied; `import --from-aws` reads AWS_REGION.

Resources are seeded with boto3 exactly as a user's account would hold them (live_aws.py). The seed's Example 1 uses
its own fixed names in us-east-1, which its test removes again at the end.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import NO_CONFIG, SPECS, ecsform, terraform

from .live_aws import ECS_TRUST, FINDING, REGION, Cleanup, create_role, create_secret, findings, put_image

pytestmark = pytest.mark.e2e


# --- the seed's Example 1: verify, diff, adopt, apply -----------------------------------------------------------

EXAMPLE = SPECS / "financial-api.json"
EXAMPLE_REGION = "us-east-1"


def test_example_1_verify_diff_adopt_apply(aws: Any, aws_env: dict[str, str], tmp_path: Path, cleanup: Cleanup) -> None:
    """specs/financial-api.json as the seed document wrote it, in an account that has its roles (trusting ECS,
    with the permissions the task needs) but not its secrets, image or log group."""
    for name in ("ECSTaskRole", "ECSTaskExecutionRole"):
        create_role(
            aws,
            name,
            ECS_TRUST,
            cleanup,
            [
                {
                    "Effect": "Allow",
                    "Action": [
                        "ecr:GetAuthorizationToken",
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "secretsmanager:GetSecretValue",
                    ],
                    "Resource": "*",
                }
            ],
        )
    run = lambda *args: ecsform(*args, NO_CONFIG, env=aws_env)  # noqa: E731 - the spec alone, as the seed wrote it
    missing = run("verify", str(EXAMPLE))
    assert missing.returncode == 2
    lines = [line for line in missing.stderr.splitlines() if FINDING.match(line)]
    assert lines == [
        "specs/financial-api.json:13:22: error VERIFY-IMAGE: containerDefinitions[0].image: ECR repository "
        "financial-api (account 123456789012, us-east-1) does not exist",
        "specs/financial-api.json:28:34: error VERIFY-SECRET: containerDefinitions[0].secrets[0].valueFrom: no secret "
        "named 'db-connection' in account 123456789012, us-east-1",
        "specs/financial-api.json:32:34: error VERIFY-SECRET: containerDefinitions[0].secrets[1].valueFrom: no secret "
        "named 'openai-key' in account 123456789012, us-east-1",
    ], missing.stderr
    # ecsform creates the log group: missing is as it should be, and verify says so
    assert (
        "specs/financial-api.json:38:38: ok: containerDefinitions[0].logConfiguration.options.awslogs-group: "
        "log group '/ecs/financial-api' will be created" in missing.stdout
    )
    # --format json: the same findings as one document on standard output, verify's own lines on standard error
    as_json = run("verify", str(EXAMPLE), "--format", "json")
    assert as_json.returncode == 2
    assert [(f["rule"], f["line"], f["column"]) for f in json.loads(as_json.stdout)["findings"]] == [
        ("VERIFY-IMAGE", 13, 22),
        ("VERIFY-SECRET", 28, 34),
        ("VERIFY-SECRET", 32, 34),
    ], as_json.stdout
    assert "ok: containerDefinitions[0].logConfiguration" in as_json.stderr

    put_image(aws, "financial-api", "latest", EXAMPLE_REGION, cleanup)
    secrets = {name: create_secret(aws, name, EXAMPLE_REGION, cleanup) for name in ("db-connection", "openai-key")}
    logs = aws("logs", EXAMPLE_REGION)
    logs.create_log_group(logGroupName="/ecs/financial-api")  # made by hand before ecsform
    cleanup.add(lambda: logs.delete_log_group(logGroupName="/ecs/financial-api"))
    seeded = run("verify", str(EXAMPLE))
    assert seeded.returncode == 0, seeded.stderr
    assert [(r, s, p) for r, s, p, _ in findings(seeded)] == [
        ("VERIFY-ADOPT", "warning", "containerDefinitions[0].logConfiguration.options.awslogs-group")
    ]
    assert (
        "hint: adopt it: ecsform synth specs/financial-api.json --adopt --no-config (the first apply" in seeded.stderr
    )
    for name, arn in secrets.items():
        assert (
            f"partial ARN arn:aws:secretsmanager:us-east-1:123456789012:secret:{name} resolves to exactly one "
            f"secret: {arn}" in seeded.stdout
        )

    # an older revision runs: another log level and image, and a sidecar the spec no longer has
    ecs = aws("ecs", EXAMPLE_REGION)
    rendered = json.loads(run("render", str(EXAMPLE)).stdout)
    old = json.loads(json.dumps(rendered))
    api = old["containerDefinitions"][0]
    api["environment"] = [{"name": "LOG_LEVEL", "value": "DEBUG"}, {"name": "ENVIRONMENT", "value": "production"}]
    api["image"] = api["image"].replace(":latest", ":1.3.0")
    old["containerDefinitions"].append({"name": "sidecar", "image": "busybox", "essential": False})
    registered = ecs.register_task_definition(**old)["taskDefinition"]
    cleanup.add(lambda: ecs.deregister_task_definition(taskDefinition=registered["taskDefinitionArn"]))
    before = run("diff", str(EXAMPLE))
    assert before.returncode == 1, before.stderr
    as_sarif = run("diff", str(EXAMPLE), "--format", "sarif")  # the differences on standard error, the log alone
    assert as_sarif.returncode == 1 and json.loads(as_sarif.stdout)["runs"][0]["results"] == []
    assert as_sarif.stderr == before.stdout
    changed = [line.strip().split(":", 1)[0] for line in before.stdout.splitlines()[1:]]
    assert changed == [
        "containerDefinitions[api].image",
        "containerDefinitions[api].environment[LOG_LEVEL]",
        "containerDefinitions[sidecar]",
    ], before.stdout
    assert 'containerDefinitions[api].environment[LOG_LEVEL]: "DEBUG" -> "INFO"' in before.stdout

    out = tmp_path / "build"
    synth = run("synth", str(EXAMPLE), "--adopt", "--out", str(out))
    assert synth.returncode == 0, synth.stderr
    root = out / "financial-api"
    assert (
        'module.task_definition.aws_cloudwatch_log_group.this["/ecs/financial-api"]'
        in (root / "imports.tf").read_text()
    )
    tf = lambda *args, check=True: terraform(list(args), root, aws_env, check=check)  # noqa: E731
    tf("init", "-input=false")
    cleanup.add(lambda: tf("destroy", "-auto-approve", "-input=false"))
    tf("apply", "-auto-approve", "-input=false")
    after = run("diff", str(EXAMPLE))
    assert after.returncode == 0, after.stdout + after.stderr
    assert re.fullmatch(
        r"specs/financial-api.json: no changes from financial-api:\d+ \(account 123456789012, "
        r"us-east-1\)\n",
        after.stdout,
    ), after.stdout
    assert tf("plan", "-detailed-exitcode", "-input=false", check=False).returncode == 0


# --- diff on its own family ---------------------------------------------------------------------------------


def test_diff_equal_changed_removed_and_revisions(
    aws: Any, aws_env: dict[str, str], tmp_path: Path, cleanup: Cleanup
) -> None:
    spec = tmp_path / "lcv-diff.yaml"
    spec.write_text(f"""\
family: lcv-diff
x-ecsform: {{region: {REGION}, tags: {{team: orders}}}}
networkMode: awsvpc
containerDefinitions:
  - name: web
    image: nginx:1.27
    memory: 128
    readonlyRootFilesystem: true
    portMappings: [80]
    environment: {{MODE: web, LEVEL: info}}
""")
    run = lambda *args: ecsform("diff", str(spec), NO_CONFIG, *args, env=aws_env)  # noqa: E731
    nothing = run()
    assert nothing.returncode == 1
    assert "family lcv-diff has no ACTIVE revision in account 123456789012, eu-west-2" in nothing.stdout
    ecs = aws("ecs", REGION)
    rendered = json.loads(ecsform("render", str(spec), NO_CONFIG, env=aws_env).stdout)

    def register(task: dict) -> int:
        td = ecs.register_task_definition(**task)["taskDefinition"]
        cleanup.add(lambda: ecs.deregister_task_definition(taskDefinition=td["taskDefinitionArn"]))
        return td["revision"]

    equal = register(rendered)
    same = run()
    assert same.returncode == 0, same.stdout + same.stderr
    assert same.stdout == f"{spec}: no changes from lcv-diff:{equal} (account 123456789012, eu-west-2)\n"
    changed = json.loads(json.dumps(rendered))
    changed["containerDefinitions"][0]["environment"][0]["value"] = "debug"  # LEVEL (render sorts by name)
    changed["containerDefinitions"][0]["image"] = "nginx:1.26"
    changed["containerDefinitions"].append({"name": "old", "image": "busybox", "memory": 64})
    changed["tags"] = [{"key": "team", "value": "payments"}]
    register(changed)
    differ = run()
    assert differ.returncode == 1
    assert differ.stdout.splitlines()[1:] == [  # containers by name, then each container's fields in the spec's order
        '  containerDefinitions[old]: {"name": "old", "image": "busybox", "memory": 64, "essential": true} -> (none)',
        '  containerDefinitions[web].image: "nginx:1.26" -> "nginx:1.27"',
        '  containerDefinitions[web].environment[LEVEL]: "debug" -> "info"',
        '  tags[team]: "payments" -> "orders"',
    ], differ.stdout
    pinned = run("--revision", str(equal))
    assert pinned.returncode == 0 and f"lcv-diff:{equal}" in pinned.stdout
    absent = run("--revision", "999")
    assert absent.returncode == 2
    assert [(r, p) for r, _, p, _ in findings(absent)] == [("DIFF-REVISION", "family")]
    # the latest ACTIVE revision: once the changed one is deregistered, the equal one is compared again
    ecs.deregister_task_definition(taskDefinition=f"lcv-diff:{equal + 1}")
    assert run().returncode == 0


# --- adopt: a pre-existing log group and secret ------------------------------------------------------------


def test_adopt_pre_existing_log_group_and_secret(
    aws: Any, aws_env: dict[str, str], tmp_path: Path, cleanup: Cleanup
) -> None:
    spec = tmp_path / "lcv-adopt.yaml"
    spec.write_text(f"""\
family: lcv-adopt
containerDefinitions:
  - name: app
    image: public.ecr.aws/docker/library/busybox:1.36
    memory: 128
    readonlyRootFilesystem: true
    secrets: {{TOKEN: "ecsform:secret/token"}}
    logConfiguration:
      logDriver: awslogs
      options: {{awslogs-group: /lcv/adopt, awslogs-region: {REGION}, awslogs-stream-prefix: app}}
x-ecsform:
  region: {REGION}
  tags: {{team: orders}}
  logs: {{retentionInDays: 30}}
  secrets: {{token: {{name: lcv/adopt-token, recoveryWindowInDays: 0}}}}
""")
    logs = aws("logs", REGION)
    logs.create_log_group(logGroupName="/lcv/adopt")  # by hand: no retention, no tags
    cleanup.add(lambda: logs.delete_log_group(logGroupName="/lcv/adopt"))
    sm = aws("secretsmanager", REGION)
    cleanup.add(lambda: sm.delete_secret(SecretId="lcv/adopt-token", ForceDeleteWithoutRecovery=True))
    out = tmp_path / "build"
    root = out / "lcv-adopt"
    tf = lambda *args, check=True: terraform(list(args), root, aws_env, check=check)  # noqa: E731

    plain = ecsform("synth", str(spec), "--out", str(out), env=aws_env, cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert not (root / "imports.tf").exists()
    tf("init", "-input=false")
    cleanup.add(lambda: tf("destroy", "-auto-approve", "-input=false"))
    failed = tf("apply", "-auto-approve", "-input=false", check=False)
    assert failed.returncode == 1
    assert "creating CloudWatch Logs Log Group (/lcv/adopt)" in failed.stderr, failed.stderr
    assert "ResourceAlreadyExistsException" in failed.stderr, failed.stderr
    # halfway: the secret (the log group waits for it, through the container definitions) was created
    secret = sm.describe_secret(SecretId="lcv/adopt-token")["ARN"]

    adopted = ecsform("synth", str(spec), "--adopt", "--out", str(out), env=aws_env, cwd=tmp_path)
    assert adopted.returncode == 0, adopted.stderr
    imports = (root / "imports.tf").read_text()
    # the secret exists too (in the state already: Terraform ignores an import block for what the state holds)
    assert imports.count("import {") == 2
    assert f'to = module.secrets.aws_secretsmanager_secret.this["token"]\n  id = "{secret}"' in imports
    assert 'to = module.task_definition.aws_cloudwatch_log_group.this["/lcv/adopt"]\n  id = "/lcv/adopt"' in imports
    manifest = json.loads((out / "manifest.json").read_text())
    assert "imports.tf" in manifest["roots"][0]["files"]
    again = ecsform("synth", str(spec), "--adopt", "--out", str(tmp_path / "again"), env=aws_env, cwd=tmp_path)
    assert (
        again.returncode == 0
        and (tmp_path / "again" / "lcv-adopt" / "imports.tf").read_bytes() == (root / "imports.tf").read_bytes()
    )
    assert terraform(["fmt", "-check", "-diff", str(root)], root, aws_env, check=False).returncode == 0
    tf("apply", "-auto-approve", "-input=false")
    group = next(
        g
        for g in logs.describe_log_groups(logGroupNamePrefix="/lcv/adopt")["logGroups"]
        if g["logGroupName"] == "/lcv/adopt"
    )
    assert group["retentionInDays"] == 30
    assert logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"] == {"team": "orders"}
    described = aws("secretsmanager", REGION).describe_secret(SecretId=secret)
    assert {t["Key"]: t["Value"] for t in described.get("Tags", [])} == {"team": "orders"}
    assert tf("plan", "-detailed-exitcode", "-input=false", check=False).returncode == 0
    # the root's state holds both now: no VERIFY-ADOPT, and verify says why (issue 22 item 8); without the
    # root's folder (no state there) both are warned about again
    applied = ecsform("verify", str(spec), "--out", str(out), env=aws_env, cwd=tmp_path)
    assert "VERIFY-ADOPT" not in applied.stderr, applied.stderr
    assert "log group '/lcv/adopt' exists; the root's state holds it" in applied.stdout
    assert "secret 'lcv/adopt-token' exists; the root's state holds it" in applied.stdout
    elsewhere = ecsform("verify", str(spec), "--out", str(tmp_path / "nothing"), env=aws_env, cwd=tmp_path)
    assert [p for r, _, p, _ in findings(elsewhere) if r == "VERIFY-ADOPT"] == [
        "containerDefinitions[0].logConfiguration.options.awslogs-group",
        "x-ecsform.secrets.token",
    ], elsewhere.stderr

    # a managed secret scheduled for deletion can be neither imported nor created
    sm.delete_secret(SecretId=secret, RecoveryWindowInDays=7)
    refused = ecsform("synth", str(spec), "--adopt", "--out", str(tmp_path / "refused"), env=aws_env, cwd=tmp_path)
    assert refused.returncode == 2 and not (tmp_path / "refused").exists()
    assert [(r, p) for r, _, p, _ in findings(refused)] == [("ADOPT-SECRET-DELETED", "x-ecsform.secrets.token")]


def test_import_from_aws_reads_aws_region(aws: Any, aws_env: dict[str, str], cleanup: Cleanup) -> None:
    """boto3 reads only AWS_DEFAULT_REGION; ecsform reads AWS_REGION too, as the AWS CLI and Terraform do."""
    ecs = aws("ecs", REGION)
    td = ecs.register_task_definition(
        family="lcv-import", containerDefinitions=[{"name": "a", "image": "busybox", "memory": 64}]
    )["taskDefinition"]
    cleanup.add(lambda: ecs.deregister_task_definition(taskDefinition=td["taskDefinitionArn"]))
    env = {k: v for k, v in aws_env.items() if k != "AWS_DEFAULT_REGION"}
    env["AWS_REGION"] = REGION
    proc = ecsform("import", "--from-aws", "lcv-import", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("family: lcv-import\n")
