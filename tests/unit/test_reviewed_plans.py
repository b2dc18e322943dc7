"""`ecsform review record|check|applied` (issue 22 item 3): the plan reviewers saw is the plan that is applied, or the
apply stops. On a real git repository, with roots synth writes and their state as Terraform reads it (`terraform
state pull` of the local backend); the plan file is any bytes here (ecsform only hashes it): the pipeline's e2e
test (tests/e2e/test_pipeline.py) plans and applies for real on moto, with the state in S3."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, ecsform

from generators import config as project_config
from generators.ci import review, shell
from generators.errors import EcsformError

pytestmark = pytest.mark.terraform  # terraform state pull (no provider: a tenth of a second)

CONFIG = """\
defaults: {region: us-east-1}
environments: {dev: {}, prod: {}}
terraform: {lockPlatforms: [linux_amd64]}
"""  # no moduleSource: the roots call the modules synth copies into build/modules; the provider locked
SPEC = """\
family: web
cpu: 256
memory: 512
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
    readonlyRootFilesystem: true
environments:
  dev: {}
  prod: {cpu: 512, memory: 1024}
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture(scope="module")
def plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("plugin-cache")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tf_env: dict[str, str], plugins: Path) -> Path:
    """A committed repository with dev and prod roots synthesized into build/, initialized (the provider from the
    mirror, through a plugin cache), and a "plan" in each; the working folder is its root."""
    for name, value in tf_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TF_PLUGIN_CACHE_DIR", str(plugins))
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    (repo / "specs" / "web.yaml").write_text(SPEC)
    (repo / "ecsform.yaml").write_text(CONFIG)
    shutil.copy(REPO / "ecsform.lock.hcl", repo / "ecsform.lock.hcl")  # what `ecsform lock` wrote for linux_amd64
    (repo / ".gitignore").write_text("build/\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "web")
    monkeypatch.chdir(repo)
    proc = ecsform("synth", "specs", "--out", "build", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    for env in ("dev", "prod"):
        init = subprocess.run(
            ["terraform", f"-chdir=build/web/{env}", "init", "-input=false", "-no-color"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert init.returncode == 0, init.stderr
        (repo / "build" / "web" / env / "tfplan").write_bytes(f"the plan of web/{env}".encode())
    return repo


def config(repo: Path) -> Any:
    return project_config.load(repo / "ecsform.yaml")


def refused(call: Any) -> str:
    with pytest.raises(EcsformError) as exc:
        call()
    (finding,) = exc.value.findings
    return f"{finding.rule}: {finding.message}"


def test_the_reviewed_plan_is_applied_once_and_nothing_else(repo: Path) -> None:
    out = Path("build")
    receipt = review.record("web/dev", out)
    assert receipt.commit == git(repo, "rev-parse", "HEAD") and receipt.state is None  # never applied
    data = json.loads((repo / "build" / "web" / "dev" / shell.RECEIPT_FILE).read_text())
    assert data["plan"] == review.digest(repo / "build" / "web" / "dev" / "tfplan") and data["rootHash"].startswith(
        "sha256:"
    )
    # the root's hash covers the lock file synth copied into it (untouched by init) and the modules it calls in
    # build/modules: what the receipt ties the plan to
    manifest = json.loads((repo / "build" / "manifest.json").read_text())
    (root,) = [r for r in manifest["roots"] if r["path"] == "web/dev"]
    assert data["rootHash"] == root["hash"] and ".terraform.lock.hcl" in root["files"]
    assert root["modules"] == ["../../modules/ecs-task-definition"] and manifest["modules"]
    lock = repo / "build" / "web" / "dev" / ".terraform.lock.hcl"
    assert lock.read_bytes() == (repo / "ecsform.lock.hcl").read_bytes()
    assert review.check("web/dev", out, config(repo)) == ("apply", [])
    review.applied("web/dev", out)
    assert review.check("web/dev", out, config(repo)) == ("applied", [])  # a re-run applies nothing again

    # another plan file than the one reviewed
    review.record("web/prod", out)
    (repo / "build" / "web" / "prod" / "tfplan").write_bytes(b"another plan")
    assert refused(lambda: review.check("web/prod", out, config(repo))).startswith(
        "REVIEW-PLAN: build/web/prod/tfplan is not the plan file that was reviewed"
    )
    # a plan of another commit than the one checked out (the reviewed plan of an older run)
    review.record("web/prod", out)
    (repo / "README.md").write_text("the platform\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a readme")
    assert refused(lambda: review.check("web/prod", out, config(repo))).startswith(
        "REVIEW-COMMIT: the plan of web/prod was made at commit "
    )
    assert review.check("web/prod", out, config(repo), commit="HEAD~1")[0] == "apply"
    # the same commit, but a root synthesized differently (another ecsform.yaml than the commit's)
    (repo / "ecsform.yaml").write_text(CONFIG.replace("{region: us-east-1}", "{region: us-east-1, tags: {a: b}}"))
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 0
    assert refused(lambda: review.check("web/prod", out, config(repo), commit="HEAD~1")).startswith(
        "REVIEW-ROOT: the root synthesized here"
    )
    (repo / "build" / "web" / "prod" / shell.RECEIPT_FILE).unlink()
    assert refused(lambda: review.check("web/prod", out, config(repo))).startswith("REVIEW-MISSING: ")


def test_a_state_that_changed_since_the_plan_is_stale(repo: Path) -> None:
    """Someone applied in between: the state's serial (or lineage) is not the one the plan was made against.
    Terraform would refuse such a plan itself, except for a root that had no state at all when it was planned."""
    out = Path("build")
    review.record("web/dev", out)
    state = {"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "l-1", "outputs": {}, "resources": []}
    (repo / "build" / "web" / "dev" / "terraform.tfstate").write_text(json.dumps(state))
    verdict, warnings = review.check("web/dev", out, config(repo))
    assert verdict == "stale"
    assert [w.format() for w in warnings] == [
        "build/web/dev/ecsform-plan.json:1:1: warning REVIEW-STALE: the state of web/dev changed since its plan "
        "(serial none -> 1): someone applied in between; the reviewed plan is not applied\n"
        "    hint: the pipeline plans the root again at the default branch's head and asks for approval again"
    ]
    review.record("web/dev", out)  # planned again, against serial 1
    assert review.check("web/dev", out, config(repo))[0] == "apply"
    (repo / "build" / "web" / "dev" / "terraform.tfstate").write_text(json.dumps({**state, "serial": 2}))
    assert review.check("web/dev", out, config(repo))[0] == "stale"


def test_prod_waits_for_dev_of_the_same_change(repo: Path) -> None:
    """With the change's roots (`--changed`), a root's apply waits for the same spec's roots of the environments
    before its own in ci.promotion (default: the declared order), applied and deployed at this commit."""
    out = Path("build")
    changed = repo / "ecsform-changed.json"
    changed.write_text(
        json.dumps(
            {
                "changed": [
                    {"root": "web/dev", "environment": "dev", "spec": "specs/web.yaml"},
                    {"root": "web/prod", "environment": "prod", "spec": "specs/web.yaml"},
                ],
                "removed": [],
            }
        )
    )
    for env in ("dev", "prod"):
        review.record(f"web/{env}", out)
    message = refused(lambda: review.check("web/prod", out, config(repo), changed=str(changed)))
    assert message.startswith("REVIEW-PROMOTION: web/prod waits for web/dev: the same change is applied and deployed")
    assert "(ci.promotion: dev -> prod)" in message
    assert review.check("web/dev", out, config(repo), changed=str(changed))[0] == "apply"  # dev waits for none
    review.applied("web/dev", out)
    assert review.check("web/prod", out, config(repo), changed=str(changed))[0] == "apply"
    # a dev apply of another commit is not this change's
    (repo / "build" / "web" / "dev" / shell.APPLIED_FILE).write_text(
        json.dumps({"root": "web/dev", "commit": "0" * 40})
    )
    assert refused(lambda: review.check("web/prod", out, config(repo), changed=str(changed))).startswith(
        "REVIEW-PROMOTION"
    )
    # a change that touches only prod waits for nothing
    changed.write_text(
        json.dumps({"changed": [{"root": "web/prod", "environment": "prod", "spec": "specs/web.yaml"}], "removed": []})
    )
    assert review.check("web/prod", out, config(repo), changed=str(changed))[0] == "apply"
    # promotion: [] applies every environment at once
    (repo / "ecsform.yaml").write_text(CONFIG + "ci: {promotion: []}\n")
    assert review.earlier_environments(config(repo), "prod") == []


def test_the_commands_as_a_job_runs_them(repo: Path) -> None:
    """The CLI: check prints its verdict alone on standard output (the job's `verdict="$(...)"`), a refusal is a
    located finding and exit 2, never a traceback."""
    assert ecsform("review", "record", "web/dev", cwd=repo).returncode == 0
    ok = ecsform("review", "check", "web/dev", cwd=repo)
    assert (ok.returncode, ok.stdout) == (0, "apply\n"), ok.stderr
    missing = ecsform("review", "check", "web/prod", cwd=repo)
    assert missing.returncode == 2 and missing.stdout == ""
    assert "build/web/prod/ecsform-plan.json:1:1: error REVIEW-MISSING: " in missing.stderr
    unknown = ecsform("review", "record", "web/qa", cwd=repo)
    assert unknown.returncode == 2 and "REVIEW-ROOT: no root in build/web/qa" in unknown.stderr
    nothing = ecsform("review", "record", "web/prod", "--commit", "no-such-commit", cwd=repo)
    assert nothing.returncode == 2 and "REVIEW-COMMIT: no commit 'no-such-commit' here" in nothing.stderr
    assert "Traceback" not in ok.stderr + missing.stderr + unknown.stderr + nothing.stderr
    assert ecsform("review", "applied", "web/dev", cwd=repo).returncode == 0
    again = ecsform("review", "check", "web/dev", cwd=repo)
    assert (again.returncode, again.stdout) == (0, "applied\n")
