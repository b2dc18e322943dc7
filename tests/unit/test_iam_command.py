"""ECS-M4 says one short line per role a spec brings; `ecsform iam` prints the statements behind it, and they are the
same ones `validate --format json` carries in the finding's data (one derivation: generators/access/roles.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, ecsform

API = str(REPO / "specs" / "financial-api.json")

# a task whose roles ecsform creates: the execution role pulls from ECR, writes a log group and reads a secret
CREATED = """\
family: orders
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
containerDefinitions:
  - name: app
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1.0
    readonlyRootFilesystem: true
    secrets:
      - {name: DB_URL, valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db-AbCdEf"}
    logConfiguration:
      logDriver: awslogs
      options: {awslogs-group: /ecs/orders, awslogs-region: us-east-1, awslogs-stream-prefix: app}
"""


def test_iam_prints_what_the_brought_role_must_allow_and_the_warning_carries_the_same() -> None:
    proc = ecsform("iam", "--no-config", "--format", "json", API)
    assert proc.returncode == 0, proc.stderr
    (root,) = json.loads(proc.stdout)["roots"]
    (role,) = root["roles"]
    assert (role["field"], role["role"], role["brought"]) == (
        "executionRoleArn",
        "arn:aws:iam::123456789012:role/ECSTaskExecutionRole",
        True,
    )
    statements = role["policy"]["Statement"]
    assert [s["Action"] for s in statements] == [
        "ecr:GetAuthorizationToken",
        ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        "secretsmanager:GetSecretValue",
    ]
    findings = json.loads(ecsform("validate", "--no-config", "--format", "json", API).stdout)["findings"]
    (m4,) = [f for f in findings if f["rule"] == "ECS-M4"]
    assert m4["suppressed"] and m4["data"]["role"] == role["role"]
    one = lambda value: value[0] if isinstance(value, list) and len(value) == 1 else value  # noqa: E731
    assert [{k: one(v) for k, v in s.items()} for s in m4["data"]["statements"]] == statements
    text = ecsform("iam", "--no-config", API)
    assert text.returncode == 0
    assert text.stdout.splitlines()[:2] == [
        "specs/financial-api.json: family financial-api",
        "  execution role arn:aws:iam::123456789012:role/ECSTaskExecutionRole (executionRoleArn, brought): its "
        "policies must allow",
    ]
    assert '          "Action": "ecr:GetAuthorizationToken",' in text.stdout.splitlines()


def test_iam_shows_what_a_created_role_is_given_and_validate_says_nothing(tmp_path: Path) -> None:
    spec = tmp_path / "orders.yaml"
    spec.write_text(CREATED)
    proc = ecsform("iam", "--no-config", str(spec))
    assert proc.returncode == 0, proc.stderr
    assert "  execution role (created by the root): it is given" in proc.stdout.splitlines()
    assert '          "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db-AbCdEf"' not in proc.stdout
    assert '      "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db-AbCdEf"' in proc.stdout
    assert "ECS-M4" not in ecsform("validate", "--no-config", "--notes", str(spec)).stderr


def test_brought_roles_get_one_short_line_each(tmp_path: Path) -> None:
    """Secrets, logs, ECR and environment files of the execution role: one warning, one line, no policy dump."""
    spec = tmp_path / "orders.yaml"
    spec.write_text(
        CREATED.replace(
            "containerDefinitions:",
            "executionRoleArn: arn:aws:iam::123456789012:role/exec\n"
            "taskRoleArn: arn:aws:iam::123456789012:role/task\ncontainerDefinitions:",
        )
        + "    environmentFiles: [{type: s3, value: 'arn:aws:s3:::config/orders.env'}]\n"
    )
    proc = ecsform("validate", "--no-config", str(spec))
    lines = [x for x in proc.stderr.splitlines() if "ECS-M4" in x]
    assert lines == [
        f"{spec}:6:19: warning ECS-M4: executionRoleArn: ecsform cannot see the policy of execution role "
        "arn:aws:iam::123456789012:role/exec; the task needs 6 statement(s) from it (ecr, logs, secretsmanager, s3)"
    ], proc.stderr


def test_a_retired_rule_id_says_where_its_findings_went(tmp_path: Path) -> None:
    spec = tmp_path / "orders.yaml"
    spec.write_text(CREATED + "x-ecsform:\n  ignore: [{rule: ECS-H9, path: executionRoleArn, reason: shared}]\n")
    proc = ecsform("validate", "--no-config", str(spec))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[:2] == [
        f"{spec}:16:19: error IGNORE-INVALID: x-ecsform.ignore[0].rule: no rule 'ECS-H9'",
        "    hint: ECS-M4 (one warning per brought role) now says what the execution role must allow for secrets",
    ]
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules: {ECS-H13: 'off'}\n")
    proc = ecsform("validate", "--no-config", "--policy", str(policy), API)
    assert proc.returncode == 2
    assert "    hint: ECS-M4 (one warning per brought role) now says what the execution role must allow for " in (
        proc.stderr
    )
