"""docs/tutorial.md, run as written against the moto server: its files written and its shell blocks run in order in
one bash session (blocks marked `<!-- not run by the tests: ... -->` left out), with only the AWS endpoint and fake
credentials pointing the commands at moto. Then what the tutorial says happened is checked through boto3."""

from __future__ import annotations

import json
import os
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
        "terraform -chdir=build/hello-web init",
        "terraform -chdir=build/hello-web plan -out tfplan",
        "terraform -chdir=build/hello-web apply tfplan",
        "terraform -chdir=service apply",
        "ecsform image set specs/hello-web.yaml web=",
        "ecsform deploy specs/hello-web.yaml\n",
        "ecsform deploy specs/hello-web.yaml --rollback",
        "terraform -chdir=service destroy",
        "terraform -chdir=build/hello-web destroy",
    ):
        assert step in text, step
    assert (
        "cat > 'specs/hello-web.yaml'" in text and "cat > 'ecsform.yaml'" in text and "cat > 'service/main.tf'" in text
    )
    assert "ignore_changes = [task_definition]" in text
    assert "AWS_PROFILE" not in text  # the reader's credentials block is not run


def test_tutorial_runs_on_moto(aws_env: dict[str, str], aws, tmp_path: Path) -> None:  # noqa: ANN001
    env = {k: v for k, v in aws_env.items() if k not in ("TF_CLI_CONFIG_FILE", "VIRTUAL_ENV")}  # the tutorial writes it
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # ecsform and python of the project
    env["ECSFORM_POLL_INTERVAL"] = "0.1"  # moto's scheduler stand-in moves one step per look: no need to wait 10 s
    work = tmp_path / "tutorial"
    work.mkdir()
    # what the reader's build pushed (the tutorial says so): hello-web 1.0.0 and 1.0.1, never 1.0.2
    ecr = aws("ecr")
    ecr.create_repository(repositoryName="hello-web")
    for tag in ("1.0.0", "1.0.1"):
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}
        ecr.put_image(repositoryName="hello-web", imageTag=tag, imageManifest=json.dumps({**manifest, "tag": tag}))
    proc = subprocess.run(["bash", "-c", script()], cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-8000:]

    assert (work / "terraformrc").is_file()
    ecs = aws("ecs")
    revisions = [ecs.describe_task_definition(taskDefinition=f"hello-web:{n}")["taskDefinition"] for n in (1, 2, 3)]
    assert [r["containerDefinitions"][0]["image"].rsplit(":", 1)[1] for r in revisions] == ["1.0.0", "1.0.1", "1.0.2"]
    assert revisions[1]["containerDefinitions"][0]["environment"] == [{"name": "GREETING", "value": "hello"}]
    out = proc.stdout
    # step 8: the service moved to revision 2 and the rollout completed
    assert "hello-web: hello-web:1 -> hello-web:2" in out
    assert "hello-web: healthy: hello-web:2 COMPLETED: 1/1 running, service stable" in out
    # step 9: revision 3's image was never pushed: the rollout failed, named why, and was rolled back
    assert "CannotPullContainerError" in out and "hello-web:1.0.2: not found" in out
    assert "hello-web: FAILED: rollout FAILED: ECS deployment circuit breaker" in out
    assert "hello-web: rolled back: runs hello-web:2 again, service stable" in out
    assert "the deploy failed (exit code 1)" in out
    assert (work / "images" / "hello-web.yaml").read_text().splitlines()[-1].endswith("/hello-web:1.0.1")
    # the service root's lifecycle block: after the deploy its plan is empty (the tutorial's -detailed-exitcode)
    assert "terraform -chdir=service plan -detailed-exitcode" in script()
    # ecsform.yaml's roots keep replaced revisions for a rollback (skipDestroy), destroy included
    assert [r["status"] for r in revisions] == ["ACTIVE", "ACTIVE", "ACTIVE"]
    groups = aws("logs").describe_log_groups(logGroupNamePrefix="/ecs/hello-web")["logGroups"]
    assert groups == []
