"""The seed document's examples bring their own roles and name secrets by partial ARN: they validate with
warnings only, the warnings say exactly what the brought execution role must allow, and each is answered in the
spec by a reasoned x-ecsform.ignore entry (so `validate --strict` passes)."""

from __future__ import annotations

from pathlib import Path

from generators import validation
from generators.errors import Severity, format_path

REPO = Path(__file__).resolve().parents[3]
ROLE = "arn:aws:iam::123456789012:role/ECSTaskExecutionRole"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"


def _findings(name: str) -> list[tuple]:
    _, findings = validation.validate([str(REPO / "specs" / name)])
    assert all(f.suppressed for f in findings), [f.format() for f in findings if not f.suppressed]
    return [(f.rule, f.severity, f.line, f.col, f.path, f.message, f.hint) for f in findings]


def _partial(name: str, index: int, line: int) -> tuple:
    return (
        "ECS-H5",
        Severity.WARNING,
        line,
        34,
        ("containerDefinitions", 0, "secrets", index, "valueFrom"),
        f"'{SECRET}{name}' is a partial ARN: the secret name '{name}' lacks the '-' and 6 characters Secrets "
        "Manager appends; ECS resolves it, but an IAM policy that names this ARN matches nothing",
        f"the policy of {ROLE} must allow {SECRET}{name}-?????? (the '??????' match the suffix), or write the "
        f"full ARN that `aws secretsmanager describe-secret --secret-id {name}` prints",
    )


def _readonly(name: str, line: int) -> tuple:
    return (
        "SEC-READONLY-ROOT",
        Severity.NOTE,
        line,
        9,
        ("containerDefinitions", 0),
        f"container '{name}' does not set readonlyRootFilesystem: ECS gives it a writable root filesystem",
        "set readonlyRootFilesystem: true and mount a task volume at each path the image writes (a volume with "
        "only a `name` is task storage that lives as long as the task); most programs also write /tmp. Or write "
        "readonlyRootFilesystem: false to keep ECS's writable root (checkov: CKV_AWS_336)",
    )


def _brought() -> tuple:
    """ECS-M4: one short line for the brought execution role; the statements are the finding's data."""
    return (
        "ECS-M4",
        Severity.WARNING,
        5,
        25,
        ("executionRoleArn",),
        f"ecsform cannot see the policy of execution role {ROLE}; the task needs 4 statement(s) from it (ecr, logs, "
        "secretsmanager)",
        "`ecsform iam` on this spec prints them and `ecsform verify` checks the role in AWS; or remove "
        "executionRoleArn to let ecsform create the role",
    )


def _statements(name: str) -> list:
    (m4,) = [f for f in validation.validate([str(REPO / "specs" / name)])[1] if f.rule == "ECS-M4"]
    assert m4.data["field"] == "executionRoleArn" and m4.data["role"] == ROLE
    return m4.data["statements"]


def _image(app: str) -> tuple:
    return (
        "SEC-IMAGE-TAG",
        Severity.NOTE,
        13,
        22,
        ("containerDefinitions", 0, "image"),
        f"image '123456789012.dkr.ecr.us-east-1.amazonaws.com/financial-{app}:latest' is tagged latest: each start "
        "may pull a different image",
        "pin a release tag or a digest (name@sha256:...); ecsform's deployed images (var.images) let CI move it "
        "without drift",
    )


def _expected(app: str, *secrets: str) -> list:
    """What the shared execution role must allow: the ECR pull and awslogs writes, and the secrets by partial ARN."""
    resources = [f"{SECRET}{s}-??????" for s in secrets]
    return [
        {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": f"arn:aws:ecr:us-east-1:123456789012:repository/financial-{app}",
        },
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:us-east-1:123456789012:log-group:/ecs/financial-{app}:*",
        },
        {
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": resources if len(resources) > 1 else resources[0],
        },
    ]


def test_example_1_exact_warnings() -> None:
    assert _findings("financial-api.json") == [
        _brought(),
        _readonly("api", 11),
        _image("api"),
        _partial("db-connection", 0, 28),
        _partial("openai-key", 1, 32),
    ]
    assert _statements("financial-api.json") == _expected("api", "db-connection", "openai-key")


def test_example_2_warnings_only() -> None:
    found = _findings("financial-etl.json")
    assert [(f[0], f[1]) for f in found] == [
        ("ECS-M4", Severity.WARNING),
        ("SEC-READONLY-ROOT", Severity.NOTE),
        ("SEC-IMAGE-TAG", Severity.NOTE),
        ("ECS-H5", Severity.WARNING),
        ("SEC-EFS-TRANSIT", Severity.NOTE),
    ]
    assert found[0] == _brought()
    assert found[2] == _image("etl")
    assert found[3] == _partial("db-connection", 0, 22)
    assert found[1] == _readonly("etl", 11)
    assert _statements("financial-etl.json") == _expected("etl", "db-connection")


def test_a_managed_role_gets_no_permission_warnings(tmp_path: Path) -> None:
    """Without executionRoleArn, ecsform creates the role with exactly these grants and resolves the partial ARNs
    itself: no M4 or H5 remains, and the spec's suppressions written for them are reported as unmatched."""
    text = (REPO / "specs" / "financial-api.json").read_text()
    text = text.replace(f'"executionRoleArn": "{ROLE}",', "")
    found = validation.check_text(text, "api.json")
    assert [(f.rule, bool(f.suppressed)) for f in found] == [
        ("SEC-READONLY-ROOT", True),
        ("SEC-IMAGE-TAG", True),
        ("IGNORE-UNMATCHED", False),
        ("IGNORE-UNMATCHED", False),
    ]
    assert [f.message for f in found[2:]] == [
        "the suppression of ECS-M4 at executionRoleArn matches no finding",
        "the suppression of ECS-H5 at containerDefinitions[0].secrets matches no finding",
    ]
    assert [format_path(f.path) for f in found[2:]] == [f"x-ecsform.ignore[{i}]" for i in range(2)]
