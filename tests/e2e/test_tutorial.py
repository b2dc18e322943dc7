"""docs/tutorial.md, run as written against the moto server: its files written and its shell blocks run in order in
one bash session (blocks marked `<!-- not run by the tests: ... -->` left out), with only the AWS endpoint and fake
credentials pointing the commands at moto. Then what the tutorial says happened is checked through boto3."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from markdown_blocks import blocks

pytestmark = [pytest.mark.e2e, pytest.mark.terraform]

TUTORIAL = REPO / "docs" / "tutorial.md"


def script() -> str:
    """The tutorial as one bash script: a spec or file block becomes a here-document, a shell block its commands."""
    lines = ["set -euo pipefail", "set -x"]
    for block in blocks(TUTORIAL):
        if block.marker in ("spec", "file"):
            assert "ECSFORM_EOF" not in block.text
            lines += [
                f"mkdir -p \"$(dirname '{block.argument}')\"",
                f"cat > '{block.argument}' <<'ECSFORM_EOF'",
                block.text.rstrip("\n"),
                "ECSFORM_EOF",
            ]
        elif block.lang == "sh" and block.marker is None:
            lines.append(block.text)
    return "\n".join(lines) + "\n"


def test_tutorial_script_covers_every_step() -> None:
    text = script()
    for step in (
        "ecsform validate specs",
        "ecsform synth specs --out build",
        "python -m generators.tfrc",
        "terraform init",
        "terraform plan -out tfplan",
        "terraform apply tfplan",
        "images.auto.tfvars.json",
        "terraform destroy",
    ):
        assert step in text, step
    assert "cat > 'specs/hello-web.yaml'" in text and "cat > 'ecsform.yaml'" in text
    assert "AWS_PROFILE" not in text  # the reader's credentials block is not run


def test_tutorial_runs_on_moto(aws_env: dict[str, str], aws, tmp_path: Path) -> None:  # noqa: ANN001
    env = {k: v for k, v in aws_env.items() if k not in ("TF_CLI_CONFIG_FILE", "VIRTUAL_ENV")}  # the tutorial writes it
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # ecsform and python of the project
    work = tmp_path / "tutorial"
    work.mkdir()
    proc = subprocess.run(["bash", "-c", script()], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-8000:]

    assert (work / "terraformrc").is_file()
    ecs = aws("ecs")
    first = ecs.describe_task_definition(taskDefinition="hello-web:1")["taskDefinition"]
    second = ecs.describe_task_definition(taskDefinition="hello-web:2")["taskDefinition"]
    assert first["containerDefinitions"][0]["image"].endswith("/hello-web:1.0.0")
    assert second["containerDefinitions"][0]["image"].endswith("/hello-web:1.0.1")
    assert second["containerDefinitions"][0]["environment"] == [{"name": "GREETING", "value": "hello"}]
    assert re.search(r'"web":\s*"123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com/hello-web:1\.0\.1"', proc.stdout)
    # steps 7 and 8: ecsform.yaml's roots keep replaced revisions for a rollback (skipDestroy), destroy included
    assert (first["status"], second["status"]) == ("ACTIVE", "ACTIVE")
    groups = aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/hello-web")["logGroups"]
    assert groups == []
