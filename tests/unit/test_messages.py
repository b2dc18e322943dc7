"""Messages for the mistakes people make (issue 11, item 8): each tried through the CLI, as a new user would, with
the exact message and hint it gets."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, ecsform

SEED = Path("/work/shared/seed/aws-ecs-task-definitions.md")

# The seed's Example 4 as a reader pastes it into one .json file: two objects, each after a `//` comment.
EXAMPLE_4 = """\
// Development
{
    "family": "financial-api-dev",
    "cpu": "256",
    "memory": "512",
    "environment": [
        {"name": "ENVIRONMENT", "value": "development"},
        {"name": "DEBUG", "value": "true"}
    ]
}

// Production
{
    "family": "financial-api-prod", 
    "cpu": "1024",
    "memory": "2048",
    "environment": [
        {"name": "ENVIRONMENT", "value": "production"},
        {"name": "DEBUG", "value": "false"}
    ]
}
"""

CONTAINER = """\
family: orders
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256
memory: 512
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
    readonlyRootFilesystem: true
"""


def run(tmp_path: Path, name: str, text: str) -> tuple[str, list[str]]:
    spec = tmp_path / name
    spec.write_text(text)
    proc = ecsform("validate", str(spec))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    return str(spec), proc.stderr.splitlines()


def finding(lines: list[str], rule: str) -> tuple[str, str | None]:
    """The first line of `rule`'s finding and its hint line (without the `hint: ` prefix)."""
    for i, line in enumerate(lines):
        if f" {rule}: " in line:
            hint = lines[i + 1].strip() if i + 1 < len(lines) and lines[i + 1].startswith("    hint: ") else None
            return line, hint[len("hint: ") :] if hint else None
    raise AssertionError(f"{rule} not reported:\n" + "\n".join(lines))


def test_example_4_pasted_into_a_json_file(tmp_path: Path) -> None:
    assert "// Development" in SEED.read_text() and "// Production" in SEED.read_text()
    spec, lines = run(tmp_path, "financial-api.json", EXAMPLE_4)
    assert lines[0] == (
        f"{spec}:1:1: error JSON-SYNTAX: line 1 holds a comment, which JSON does not allow; a second "
        "JSON document starts at line 13"
    )
    assert lines[1] == (
        "    hint: a spec file holds one task definition: put each document in a file of its own (dev.json, prod.json) "
        "and run `ecsform import --environments dev=dev.json,prod=prod.json --out spec.yaml` for one spec "
        "with an overlay per environment, and leave the comments out (JSON has none; YAML specs take # comments)"
    )
    assert lines[2:] == ["1 error(s), 0 warning(s)"]


def test_a_comment_alone_and_a_second_document_alone(tmp_path: Path) -> None:
    spec, lines = run(tmp_path, "a.json", '{"family": "a"}  // the API\n')
    assert lines[0] == f"{spec}:1:18: error JSON-SYNTAX: line 1 holds a comment, which JSON does not allow"
    assert lines[1] == "    hint: remove the comments, or write the spec as YAML (.yaml), where # starts a comment"
    spec, lines = run(tmp_path, "b.json", '{"family": "a"}\n\n{"family": "b"}\n')
    assert lines[0] == f"{spec}:3:1: error JSON-SYNTAX: a second JSON document starts at line 3"
    # `//` inside a string is no comment
    spec, lines = run(tmp_path, "c.json", '{"family": "a", "x": "http://example.com"')
    assert lines[0].startswith(f"{spec}:1:42: error JSON-SYNTAX: Expecting ',' delimiter"), lines[0]


def test_port_mappings_as_strings(tmp_path: Path) -> None:
    spec, lines = run(tmp_path, "ports.yaml", CONTAINER + '    portMappings: ["8080", "8443:443/udp"]\n')
    line, hint = finding(lines, "SPEC-TYPE")
    assert line == (
        f"{spec}:10:20: error SPEC-TYPE: containerDefinitions[0].portMappings[0]: expected a mapping, "
        "got the string '8080'"
    )
    assert hint == "the portMappings shorthand takes integers: write 8080 without quotes, or {containerPort: 8080}"
    assert lines[2] == (
        f"{spec}:10:28: error SPEC-TYPE: containerDefinitions[0].portMappings[1]: expected a mapping, "
        "got the string '8443:443/udp'"
    )
    assert lines[3] == (
        '    hint: ECS does not read Docker\'s "HOST:CONTAINER/PROTOCOL" form: write {containerPort: 443, '
        "hostPort: 8443, protocol: udp}"
    )


def test_environment_value_as_an_integer_is_a_type_error_not_an_empty_value(tmp_path: Path) -> None:
    spec, lines = run(tmp_path, "env.yaml", CONTAINER + "    environment: {PORT: 8080}\n")
    line, hint = finding(lines, "SPEC-TYPE")
    assert line == (
        f"{spec}:10:25: error SPEC-TYPE: containerDefinitions[0].environment[0].value: expected a string, "
        "got the integer 8080"
    )
    assert hint == 'environment values are strings: quote it, "8080" (the container reads every variable as text)'
    assert not [x for x in lines if "TF-EMPTY-ENV" in x]
    assert lines[-1] == "1 error(s), 0 warning(s)"


def test_a_dedented_secrets_block(tmp_path: Path) -> None:
    spec, lines = run(
        tmp_path,
        "secrets.yaml",
        CONTAINER + "    secrets:\n  DB_URL: arn:aws:ssm:us-east-1:123456789012:parameter/db\n",
    )
    assert lines[0] == (
        f"{spec}:11:3: error YAML-SYNTAX: the indentation of line 11 does not fit the lines above it "
        "(YAML parser: while parsing a block collection did not find expected '-' indicator)"
    )
    assert lines[1] == (
        "    hint: `secrets:` at line 10 has nothing after the colon, so its value goes on the lines "
        "below it, indented more than it (more than 4 spaces; line 11 has 2)"
    )
    # a container field written at the indentation of the list's `- `
    spec, lines = run(tmp_path, "field.yaml", CONTAINER + "  secrets:\n    DB_URL: /app/db\n")
    assert lines[1] == (
        "    hint: line 10 starts at column 3, where the `- ` of the list item at line 7 is: a field "
        "of that item lines up with its first key, at column 5"
    )


def test_health_check_command_as_a_string(tmp_path: Path) -> None:
    text = CONTAINER + "    healthCheck:\n      command: curl -f http://localhost/ || exit 1\n"
    spec, lines = run(tmp_path, "hc.yaml", text)
    line, hint = finding(lines, "SPEC-TYPE")
    assert line == (
        f"{spec}:11:16: error SPEC-TYPE: containerDefinitions[0].healthCheck.command: expected a list, got "
        "the string 'curl -f http://localhost/ || exit 1'"
    )
    assert hint == (
        'write ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]: CMD-SHELL runs the string in the '
        'container\'s shell (or ["CMD", "executable", "arg", ...] runs it without one)'
    )
    # the hint is a fix: written as it says, the spec is valid
    fixed = CONTAINER + '    healthCheck:\n      command: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]\n'
    (tmp_path / "fixed.yaml").write_text(fixed)
    assert ecsform("validate", "--strict", "--region", "us-east-1", str(tmp_path / "fixed.yaml")).returncode == 0


@pytest.mark.parametrize(
    "field, value, hint",
    [
        ("interval", "30s", "ECS counts interval in seconds, as a plain integer: write 30"),
        ("timeout", "1m", "ECS counts timeout in seconds, as a plain integer: write 60"),
    ],
)
def test_seconds_with_a_unit(tmp_path: Path, field: str, value: str, hint: str) -> None:
    text = CONTAINER + f'    healthCheck:\n      command: ["CMD", "true"]\n      {field}: {value}\n'
    spec, lines = run(tmp_path, "hc.yaml", text)
    line, got = finding(lines, "SPEC-TYPE")
    assert line == (
        f"{spec}:12:{9 + len(field)}: error SPEC-TYPE: containerDefinitions[0].healthCheck.{field}: "
        f"expected an integer, got the string '{value}'"
    )
    assert got == hint


def test_command_as_a_string(tmp_path: Path) -> None:
    spec, lines = run(tmp_path, "cmd.yaml", CONTAINER + "    command: npm run start\n")
    _, hint = finding(lines, "SPEC-TYPE")
    assert hint == (
        'write a list: ["npm", "run", "start"] (ECS does not split a string into arguments; for the shell, '
        '["sh", "-c", "npm run start"])'
    )


def test_a_misspelt_key_in_x_ecsform_names_the_key_it_meant(tmp_path: Path) -> None:
    # the hint comes from the model that holds the key, also under a dict of models (x-ecsform.secrets.<name>)
    text = CONTAINER + "x-ecsform:\n  logs:\n    retentionDay: 30\n  secrets:\n    db:\n      nmae: orders-db\n"
    spec, lines = run(tmp_path, "x.yaml", text)
    line, hint = finding(lines, "X-UNKNOWN-FIELD")
    assert line == f"{spec}:12:5: error X-UNKNOWN-FIELD: x-ecsform.logs.retentionDay: unknown field 'retentionDay'"
    assert hint == "did you mean 'retentionInDays'?"
    second = lines.index(line) + 2
    assert lines[second] == f"{spec}:15:7: error X-UNKNOWN-FIELD: x-ecsform.secrets.db.nmae: unknown field 'nmae'"
    assert lines[second + 1] == "    hint: did you mean 'name'?"


def test_hints_and_headers_speak_to_the_installed_command() -> None:
    """A user of the installed `ecsform` has no main.py and no Makefile: no message, hint or generated header says
    `python main.py` or `make synth` (issue 21)."""
    from generators import root

    for path in sorted((REPO / "generators").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "python main.py" not in text and "make synth" not in text, path
    assert "run `ecsform synth`" in root.header(type("P", (), {"file": "a.yaml", "environment": None})())
