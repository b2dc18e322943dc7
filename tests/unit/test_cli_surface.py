"""The command line as a user meets it: --version, help that reads well, shell completion, colour only on a
terminal (NO_COLOR, FORCE_COLOR), `make help` listing every target, and jsii's Node.js notice printed as text."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO, ecsform

COMMANDS = [
    "validate",
    "synth",
    "cdk-app",
    "render",
    "verify",
    "diff",
    "schema",
    "import",
    "rules",
    "image",
    "deploy",
    "run",
    "revisions",
]
BAD = "family: web\ncontainerDefinitions:\n  - name: web\n    image: nginx:1.27\n    memry: 5\n"


def test_version_is_the_pyproject_version() -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    proc = ecsform("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"ecsform {version}\n"


def test_shell_completion_options_are_available() -> None:
    proc = ecsform("--help")
    assert proc.returncode == 0
    assert "--install-completion" in proc.stdout and "--show-completion" in proc.stdout
    assert "--version" in proc.stdout


def test_completion_completes_a_command() -> None:
    """The installed `ecsform` command: the bash script --show-completion prints, and the completion it asks for."""
    command = str(Path(sys.executable).with_name("ecsform"))
    script = subprocess.run([command, "--show-completion", "bash"], capture_output=True, text=True, timeout=60)
    assert script.returncode == 0 and "complete -o default -F _ecsform_completion ecsform" in script.stdout
    env = {**os.environ, "_ECSFORM_COMPLETE": "complete_bash", "COMP_WORDS": "ecsform val", "COMP_CWORD": "1"}
    completed = subprocess.run([command], capture_output=True, text=True, env=env, timeout=60)
    assert completed.stdout.split() == ["validate"], completed


def _commands_in_help() -> list[str]:
    text = ecsform("--help").stdout
    section = text.split("Commands:", 1)[1]
    return [line.split()[0] for line in section.splitlines() if line.startswith("  ") and line.split()]


def test_every_command_is_listed() -> None:
    assert set(COMMANDS) <= set(_commands_in_help())


def test_help_shows_flags_as_flags() -> None:
    """Every command's help, in one process (typer's runner calls the real app; the other tests start processes)."""
    from typer.testing import CliRunner

    import main

    runner = CliRunner()
    for command in COMMANDS:
        result = runner.invoke(main.app, [command, "--help"], env={"COLUMNS": "120"})
        assert result.exit_code == 0, (command, result.output)
        text = result.output
        assert "<bool>" not in text, text
        assert re.search(r"^  --help\s+Show this message and exit\.$", text, re.M), text
        assert "\x1b[" not in text  # not on a terminal: no colour


def test_synth_help_flags_and_values() -> None:
    text = ecsform("synth", "--help", env={**os.environ, "COLUMNS": "200"}).stdout
    assert re.search(r"^  --strict\s+Treat warnings as errors\.", text, re.M), text
    assert re.search(r"^  --prune\s+Remove roots", text, re.M), text
    assert re.search(r"^  --env NAME\s", text, re.M), text
    assert re.search(r"^  --format <text\|json\|sarif\|github>\s", text, re.M), text
    assert "Usage: main.py synth [OPTIONS] {PATH}..." in text


# --- colour ---------------------------------------------------------------------------------------------------


def _on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run the CLI with its standard error on a pseudo-terminal (a real TTY); return what it wrote there."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, str(REPO / "main.py"), *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=follower,
            timeout=120,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 2
    return b"".join(chunks).decode()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm"
    return {**env, **extra}


@pytest.fixture
def bad_spec(tmp_path: Path) -> Path:
    spec = tmp_path / "bad.yaml"
    spec.write_text(BAD)
    return spec


def test_colour_on_a_terminal(bad_spec: Path) -> None:
    out = _on_a_terminal(["validate", str(bad_spec), "--no-config"], _env(), bad_spec.parent)
    assert "\x1b[31m\x1b[1merror\x1b[0m" in out, out
    assert "SPEC-UNKNOWN-FIELD" in out


def test_no_color_turns_it_off_on_a_terminal(bad_spec: Path) -> None:
    out = _on_a_terminal(["validate", str(bad_spec), "--no-config"], _env(NO_COLOR="1"), bad_spec.parent)
    assert "\x1b[" not in out and "error SPEC-UNKNOWN-FIELD" in out, out


def test_no_colour_in_a_pipe_unless_forced(bad_spec: Path) -> None:
    plain = ecsform("validate", str(bad_spec), "--no-config", env=_env(), cwd=bad_spec.parent)
    assert plain.returncode == 2 and "\x1b[" not in plain.stderr and "error SPEC-UNKNOWN-FIELD" in plain.stderr
    forced = ecsform("validate", str(bad_spec), "--no-config", env=_env(FORCE_COLOR="1"), cwd=bad_spec.parent)
    assert "\x1b[31m\x1b[1merror\x1b[0m" in forced.stderr
    both = ecsform(
        "validate", str(bad_spec), "--no-config", env=_env(FORCE_COLOR="1", NO_COLOR="1"), cwd=bad_spec.parent
    )
    assert "\x1b[" not in both.stderr
    # colour never reaches a machine format
    sarif = ecsform(
        "validate", str(bad_spec), "--no-config", "--format", "sarif", env=_env(FORCE_COLOR="1"), cwd=bad_spec.parent
    )
    assert "\x1b[" not in sarif.stdout


# --- make help ------------------------------------------------------------------------------------------------


def test_make_help_lists_every_target() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([A-Za-z0-9][A-Za-z0-9_.-]*):(?!=)", makefile, re.M))
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M)
    assert phony is not None
    targets |= set(phony.group(1).split())
    assert {"help", "e2e", "unit", "test", "bench-concurrent"} <= targets
    proc = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    listed = {line.split()[1] for line in proc.stdout.splitlines() if line.startswith("  make ")}
    assert targets <= listed, sorted(targets - listed)


# --- the CDK engine's Node.js notice --------------------------------------------------------------------------


def test_node_notice_is_printed_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    import base64
    import json

    from generators.emit import cdk_compat

    class Stream(io.StringIO):
        buffer: io.BytesIO

    err, out = Stream(), Stream()
    err.buffer, out.buffer = io.BytesIO(), io.BytesIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", out)
    pipe = io.BytesIO(
        b"!!  Node 20 is end-of-life  !!\n"
        + json.dumps({"stderr": base64.b64encode(b"from console.error\n").decode()}).encode()
        + b"\n"
        + json.dumps({"stdout": base64.b64encode(b"from console.log\n").decode()}).encode()
        + b"\n"
        + b"\xff not utf-8\n"
    )
    cdk_compat._stderr_sink(pipe)
    assert err.getvalue() == "!!  Node 20 is end-of-life  !!\n\ufffd not utf-8\n"
    assert err.buffer.getvalue() == b"from console.error\n"
    assert out.buffer.getvalue() == b"from console.log\n"


def test_the_sink_replaces_jsiis() -> None:
    """jsii still names the thread's function `stderr_sink` (an upgrade that moves it fails here)."""
    from jsii._kernel.providers import process

    from generators.emit import cdk_compat

    assert callable(process.stderr_sink)
    cdk_compat._decode_node_stderr()
    assert process.stderr_sink is cdk_compat._stderr_sink
