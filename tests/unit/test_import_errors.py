"""`ecsform import` on invalid input and bad arguments (issue #7): one finding per cause, located in the input,
exit code 2, nothing on standard output, never a traceback; --out replaces a file atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ecsform

IMPORT_FIXTURES = FIXTURES / "import"


def cli(*args: str, input: str | None = None) -> Any:
    """Run the typer app in this process (exit code, stdout and stderr apart); `ecsform` runs a real process."""
    from typer.testing import CliRunner

    from main import app

    return CliRunner().invoke(app, list(args), input=input)


# --- invalid input: findings, exit code 2, no traceback ---------------------------------------------------------


@pytest.mark.parametrize(
    "content, rule",
    [
        ('{"family": "x", ', "JSON-SYNTAX"),
        ("family: x\ncontainerDefinitions: [unclosed", "YAML-SYNTAX"),
        ("[1, 2]", "SPEC-NOT-MAPPING"),
        ('"just a string"', "SPEC-NOT-MAPPING"),
        ("", "IMPORT-INPUT"),
        ('{"foo": 1}', "IMPORT-INPUT"),
        ('{"taskDefinition": [1]}', "IMPORT-INPUT"),
        ('{"taskDefinition": {"family": "x", "containerDefinitions": []}, "nextToken": "x"}', "SPEC-UNKNOWN-FIELD"),
        (
            '{"family": "x", "containerDefinitions": [{"name": "a", "image": "b", "portMapping": []}]}',
            "SPEC-UNKNOWN-FIELD",
        ),
        ('{"family": "x", "containerDefinitions": [{"name": "a", "image": "b", "essential": "true"}]}', "SPEC-TYPE"),
        ('{"family": "x", "cpu": true, "containerDefinitions": [{"name": "a", "image": "b"}]}', "SPEC-TYPE"),
        ('{"family": "x", "containerDefinitions": [], "x-ecsform": {}}', "IMPORT-INPUT"),
        ("\xff", "YAML-ENCODING"),
    ],
)
def test_invalid_input_gives_findings_and_exit_2(content: str, rule: str, tmp_path: Path) -> None:
    source = tmp_path / ("input.yaml" if rule == "YAML-SYNTAX" else "input.json")
    source.write_bytes(content.encode("latin-1") if content == "\xff" else content.encode())
    result = cli("import", str(source))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert f": error {rule}: " in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[0].startswith(f"{source}:")


def test_invalid_input_in_a_real_process() -> None:
    proc = ecsform("import", "-", input="not: [json")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("<stdin>:") and " error YAML-SYNTAX: " in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_fields_are_located_in_the_input() -> None:
    text = (
        '{\n  "taskDefinition": {\n    "family": "x",\n    "containerDefinitions": [\n'
        '      {"name": "a", "image": "b", "hostname": "h", "portMapping": [80]}\n    ]\n  }\n}\n'
    )
    result = cli("import", "-", input=text)
    assert result.exit_code == 2
    line = text.splitlines()[4]
    col = line.index('"portMapping"') + 1
    assert result.stderr.startswith(f"<stdin>:5:{col}: error SPEC-UNKNOWN-FIELD: containerDefinitions[0].portMapping: ")
    assert "hint: did you mean 'portMappings'?" in result.stderr


def test_other_model_findings_are_warnings_and_the_spec_is_written() -> None:
    result = cli("import", "-", input='{"family": "x", "pidMode": "hots", "containerDefinitions": [{"image": "b"}]}')
    assert result.exit_code == 0, result.output
    assert "warning SPEC-ENUM: pidMode: 'hots' is not one of: host, task" in result.stderr
    assert "hint: did you mean 'host'?" in result.stderr
    assert result.stdout == "family: x\npidMode: hots\ncontainerDefinitions:\n  - image: b\n"


@pytest.mark.parametrize(
    "args, rule",
    [
        ([], "CLI-IMPORT-SOURCE"),
        (["a.json", "--from-aws", "x"], "CLI-IMPORT-SOURCE"),
        (["a.json", "--family", "x"], "SPEC-READ"),  # --family names FILE's family (a template's placeholder)
        (["--environments", "dev"], "CLI-ENVIRONMENTS"),
        (["--environments", "dev=a.json,dev=b.json"], "CLI-ENVIRONMENTS"),
        (["--environments", "d e v=a.json"], "CLI-ENVIRONMENTS"),
        (["--environments", "dev=missing.json"], "SPEC-READ"),
        (["--from-aws", "not a family"], "IMPORT-AWS"),
        (["--from-aws", "api:0"], "IMPORT-AWS"),
        (["missing.json"], "SPEC-READ"),
        (
            [str(IMPORT_FIXTURES / "seed-example-1.json"), "--role-arn", "arn:aws:iam::123456789012:role/r"],
            "CLI-ROLE-ARN",
        ),
        (["--from-aws", "api", "--role-arn", "arn:aws:iam::123456789012:user/u"], "CLI-ROLE-ARN"),
        (["--environments", "dev=a.json", "--role-arn", "arn:aws:iam::123456789012:role/r"], "CLI-ROLE-ARN"),
        ([str(IMPORT_FIXTURES / "seed-example-1.json"), "--out", "/nonexistent/folder/x.yaml"], "OUT-IO"),
    ],
)
def test_usage_errors(args: list[str], rule: str) -> None:
    result = cli("import", *args)
    assert result.exit_code == 2, result.output
    assert f"error {rule}: " in result.stderr and "Traceback" not in result.output


def test_out_replaces_a_file_atomically_and_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "api.yaml"
    out.write_text("old")
    out.chmod(0o640)
    assert cli("import", str(IMPORT_FIXTURES / "seed-example-1.json"), "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("family: financial-api\n")
    assert out.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["api.yaml"]
