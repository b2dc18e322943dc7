"""The hooks of .pre-commit-hooks.yaml, run by the real `pre-commit try-repo` on a fixture repository: pre-commit
installs ecsform from a git repository of the project's files into its own environment (from the package index),
as it does for a team that adds the hooks; a bad spec fails the hook with its finding. pre-commit-uv (a dev
dependency) has pre-commit make that environment with uv instead of virtualenv and pip: the same packages, a quarter
of the time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SPECS, ecsform
from project_copy import project_files

pytestmark = pytest.mark.install

GIT = [
    "git",
    "-c",
    "user.name=ecsform tests",
    "-c",
    "user.email=tests@ecsform.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "init.defaultBranch=main",
]

MODULE_PIN = "defaults:\n  moduleSource: git::https://example.com/platform/ecsform.git//modules?ref=v0.1.0\n"

BAD_SPEC = """\
family: orders
cpu: 256
memory: 512
containerDefinitions:
  - name: app
    image: nginx:1.27
    essentail: true
"""


def git(*args: str, cwd: Path) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True)


def commit_all(repo: Path, message: str) -> None:
    git("add", "-A", cwd=repo)
    git("commit", "-q", "--allow-empty", "-m", message, cwd=repo)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding the project's files at one commit, as `rev:` would name it."""
    repo = project_files(tmp_path_factory.mktemp("hooks") / "ecsform")
    git("init", "-q", cwd=repo)
    commit_all(repo, "ecsform")
    return repo


def try_repo(hook_repo: Path, hook: str, fixture: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update({"PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "GIT_CONFIG_NOSYSTEM": "1"})
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--all-files", "--show-diff-on-failure"],
        cwd=fixture,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_hooks_on_a_fixture_repository(hook_repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "pre-commit-home"  # pre-commit installs ecsform here once; every run below reuses it
    fixture = tmp_path / "team-repo"
    (fixture / "specs").mkdir(parents=True)
    for name in ("financial-api.json", "financial-etl.json"):
        shutil.copy2(SPECS / name, fixture / "specs" / name)
    git("init", "-q", cwd=fixture)
    commit_all(fixture, "specs")

    ok = try_repo(hook_repo, "ecsform-validate", fixture, home)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "ecsform validate" in ok.stdout and "Passed" in ok.stdout, ok.stdout

    (fixture / "specs" / "orders.yaml").write_text(BAD_SPEC)
    git("add", "-A", cwd=fixture)
    bad = try_repo(hook_repo, "ecsform-validate", fixture, home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    # the finding as ecsform prints it: file, line and column, rule id, field path, and the did-you-mean
    assert "specs/orders.yaml:7:5: error" in bad.stdout, bad.stdout
    assert "essentail" in bad.stdout and "essential" in bad.stdout.split("essentail", 1)[1], bad.stdout
    (fixture / "specs" / "orders.yaml").unlink()

    # committed roots, written with a moduleSource that does not depend on where ecsform is installed
    (fixture / "ecsform.yaml").write_text(MODULE_PIN)
    proc = ecsform("synth", "specs", "--out", "build", cwd=fixture)
    assert proc.returncode == 0, proc.stderr
    commit_all(fixture, "roots")
    fresh = try_repo(hook_repo, "ecsform-synth-check", fixture, home)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr

    spec = fixture / "specs" / "financial-etl.json"
    text = spec.read_text()
    assert '{"name": "BATCH_SIZE", "value": "1000"}' in text
    spec.write_text(text.replace('{"name": "BATCH_SIZE", "value": "1000"}', '{"name": "BATCH_SIZE", "value": "2000"}'))
    git("add", "-A", cwd=fixture)
    stale = try_repo(hook_repo, "ecsform-synth-check", fixture, home)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "Failed" in stale.stdout and "stale: build/financial-etl" in stale.stdout, stale.stdout
    # --check wrote nothing: the committed roots are as they were
    status = subprocess.run([*GIT, "status", "--porcelain", "build"], cwd=fixture, capture_output=True, text=True)
    assert status.returncode == 0 and status.stdout == "", status.stdout + status.stderr
