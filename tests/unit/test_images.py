"""Deployed images (issue 20, item 1): images/<root>.yaml beside ecsform.yaml, written by `ecsform image set` and
`image promote`, listed by `image show`, applied by synth over the spec's images before the rules run, and treated
by `ecsform changed` like any other change (exactly the root it names). Real git repositories; the commands run
through the CLI's own app."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO

from generators import changed as compare
from generators import config as project_config
from generators import images, pipeline, validation
from generators.options import Options

CONFIG = """\
defaults:
  accountId: "123456789012"
  region: us-east-1
  moduleSource: ./modules
environments:
  dev: {accountId: "111111111111"}
  prod: {accountId: "222222222222"}
"""

WEB = """\
family: web
cpu: 256
memory: 512
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
containerDefinitions:
  - name: app
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0.0
    readonlyRootFilesystem: true
    environment: {LOG_LEVEL: info}
  - name: proxy
    image: public.ecr.aws/nginx/nginx:1.27
    readonlyRootFilesystem: true
environments:
  dev: {}
  prod: {}
"""

JOB = """\
family: job
cpu: 256
memory: 512
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
containerDefinitions:
  - name: etl
    image: public.ecr.aws/docker/library/python:3.12
    readonlyRootFilesystem: true
"""

NEW = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.1.0"


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def ecsform(*args: str, cwd: Path) -> Ran:
    """The CLI's own app in this process (typer's runner: the exit code and both streams as a user sees them)."""
    from typer.testing import CliRunner

    import main

    before = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main.app, list(args), catch_exceptions=False)
    finally:
        os.chdir(before)
    return Ran(result.exit_code, result.stdout, result.stderr)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    (repo / "specs" / "web.yaml").write_text(WEB)
    (repo / "specs" / "job.yaml").write_text(JOB)
    (repo / "ecsform.yaml").write_text(CONFIG)
    shutil.copytree(REPO / "modules", repo / "modules", ignore=shutil.ignore_patterns(".*"))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    monkeypatch.chdir(repo)
    return repo


def config() -> project_config.Config:
    return project_config.load("ecsform.yaml")


def roots() -> dict[str, dict]:
    _, manifest, _ = pipeline.synth_tree(["specs"], "build", Options(config=config()))
    return {r["path"]: r for r in manifest["roots"]}


def render(env: str | None = None) -> dict:
    plans, _ = validation.build_plans(["specs/web.yaml"], Options(env=env, config=config()))
    return plans[0].register


# --- image set ------------------------------------------------------------------------------------------------


def test_image_set_writes_one_sorted_line_per_container_and_synth_applies_it(repo: Path) -> None:
    before = roots()
    proc = ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={NEW}", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        f"images/web/dev.yaml: app: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0.0 -> {NEW}\n"
    )
    assert (repo / "images" / "web" / "dev.yaml").read_text() == (
        "# Deployed images of root web/dev (specs/web.yaml, environment dev).\n"
        "# `ecsform image set` writes this file; synth applies it over the spec's images. Undo a deploy: git revert.\n"
        f"app: {NEW}\n"
    )
    after = roots()
    # exactly that root changes; the manifest says which file it read
    assert after["web/dev"]["hash"] != before["web/dev"]["hash"]
    assert after["web/prod"]["hash"] == before["web/prod"]["hash"] and after["job"] == before["job"]
    assert after["web/dev"]["images"] == "images/web/dev.yaml" and "images" not in after["web/prod"]
    # render shows what the root registers: the deployed image, the other container as the spec says
    images_of = {c["name"]: c["image"] for c in render("dev")["containerDefinitions"]}
    assert images_of == {"app": NEW, "proxy": "public.ecr.aws/nginx/nginx:1.27"}
    assert render("prod")["containerDefinitions"][0]["image"].endswith("web:1.0.0")  # never deployed: the spec's
    # a second container, then the same again: sorted lines, and the second run writes nothing
    proc = ecsform("image", "set", "specs/web.yaml", "--env", "dev", "proxy=public.ecr.aws/nginx/nginx:1.28", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    text = (repo / "images" / "web" / "dev.yaml").read_text()
    assert text.splitlines()[2:] == [f"app: {NEW}", "proxy: public.ecr.aws/nginx/nginx:1.28"]
    mtime = (repo / "images" / "web" / "dev.yaml").stat().st_mtime_ns
    again = ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={NEW}", cwd=repo)
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert (repo / "images" / "web" / "dev.yaml").stat().st_mtime_ns == mtime
    assert not list((repo / "images" / "web").glob(".*"))  # no lock or temporary file left


def test_a_spec_change_keeps_the_deployed_image(repo: Path) -> None:
    assert ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={NEW}", cwd=repo).returncode == 0
    spec = repo / "specs" / "web.yaml"
    spec.write_text(spec.read_text().replace("LOG_LEVEL: info", "LOG_LEVEL: debug"))
    app = render("dev")["containerDefinitions"][0]
    assert app["image"] == NEW and app["environment"] == [{"name": "LOG_LEVEL", "value": "debug"}]
    files, _, _ = pipeline.synth_tree(["specs"], "build", Options(config=config()))
    assert f'app   = "{NEW}"' in files["web/dev/main.tf"].decode()


def test_the_iam_derivation_follows_the_deployed_image(repo: Path) -> None:
    other = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web-next:2.0.0"
    assert ecsform("image", "set", "specs/web.yaml", "--env", "prod", f"app={other}", cwd=repo).returncode == 0
    plans, _ = validation.build_plans(["specs/web.yaml"], Options(env="prod", config=config()))
    permissions = json.dumps(plans[0].permissions, default=str)
    assert "repository/web-next" in permissions and 'repository/web"' not in permissions


def test_image_set_refuses_bad_input_and_writes_nothing(repo: Path) -> None:
    cases = [
        (["specs/web.yaml", "--env", "dev", "apx=x:1"], "apx=x:1:1:1: error IMAGES-CONTAINER", "did you mean 'app'?"),
        (["specs/web.yaml", "--env", "dev", "app"], "app:1:1: error CLI-IMAGE: not CONTAINER=IMAGE", None),
        (["specs/web.yaml", "--env", "dev", "app=a:1", "app=b:1"], "CLI-IMAGE: container 'app' is given twice", None),
        (["specs/web.yaml", "app=x:1"], "CLI-ENV-REQUIRED", "(dev, prod)"),
        (["specs/web.yaml", "--env", "qa", "app=x:1"], "ENV-UNKNOWN", None),
        (["specs/job.yaml", "--env", "dev", "etl=x:1"], "ENV-UNKNOWN: the spec has no environments", "leave out --env"),
        (["specs/nope.yaml", "app=x:1"], "specs/nope.yaml:1:1: error SPEC-READ", None),
        (["specs", "app=x:1"], "CLI-SPEC", None),
    ]
    for args, expected, hint in cases:
        proc = ecsform("image", "set", *args, cwd=repo)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert expected in proc.stderr, (args, proc.stderr)
        assert hint is None or hint in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert not (repo / "images").exists()
    # a spec synth would refuse: nothing is recorded (not even the folder)
    spec = repo / "specs" / "web.yaml"
    spec.write_text(spec.read_text().replace("cpu: 256", "cpu: 300"))
    proc = ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={NEW}", cwd=repo)
    assert proc.returncode == 2 and "specs/web.yaml:2:6: error ECS-C10" in proc.stderr, proc.stderr
    assert not (repo / "images").exists()
    spec.write_text(WEB)
    # without an ecsform.yaml there is no images folder
    (repo / "ecsform.yaml").unlink()
    proc = ecsform("image", "set", "specs/job.yaml", "etl=x:1", cwd=repo)
    assert proc.returncode == 2 and "IMAGES-CONFIG" in proc.stderr and "an empty ecsform.yaml is enough" in proc.stderr
    assert not (repo / "images").exists()


def test_another_accounts_repository_needs_a_reason(repo: Path) -> None:
    foreign = "999999999999.dkr.ecr.us-east-1.amazonaws.com/vendor/web:2.1"
    proc = ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={foreign}", cwd=repo)
    assert proc.returncode == 0, proc.stderr  # AWS pulls it when the repository's policy allows: a warning
    assert f"app={foreign}:1:5: warning IMAGES-ACCOUNT" in proc.stderr
    assert "account 999999999999" in proc.stderr and "reason" in proc.stderr
    found = validation.validate_findings(["specs"], Options(config=config()))
    warning = next(f for f in found if f.rule == "IMAGES-ACCOUNT")
    assert (warning.file, warning.line, warning.col) == ("images/web/dev.yaml", 3, 6)
    # the registry the spec names (the shared account) and the root's own account need no reason
    ok = "111111111111.dkr.ecr.us-east-1.amazonaws.com/web:3"
    proc = ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={ok}", cwd=repo)
    assert proc.returncode == 0 and "IMAGES-ACCOUNT" not in proc.stderr
    proc = ecsform(
        "image",
        "set",
        "specs/web.yaml",
        "--env",
        "dev",
        f"app={foreign}",
        "--reason",
        "the vendor's registry",
        cwd=repo,
    )
    assert proc.returncode == 0 and "IMAGES-ACCOUNT" not in proc.stderr, proc.stderr
    line = (repo / "images" / "web" / "dev.yaml").read_text().splitlines()[2]
    assert line == f'app: {{image: "{foreign}", reason: "the vendor\'s registry"}}'
    assert not [
        f for f in validation.validate_findings(["specs"], Options(config=config())) if f.rule.startswith("IMAGES")
    ]


def test_images_account_compares_the_spec_s_registry_with_its_target_values_bound(repo: Path) -> None:
    """IMAGES-ACCOUNT reads the spec's registry as the checks see it: ${target.region} in the spec's image is bound,
    so a deploy from the spec's own registry account needs no reason; a registry in ${target.accountId} is the
    root's account (dev: 111111111111 from ecsform.yaml)."""
    shared = WEB.replace(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0.0",
        "123456789012.dkr.ecr.${target.region}.amazonaws.com/web:1.0.0",
    )
    (repo / "specs" / "web.yaml").write_text(shared)
    same = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.1.0"
    proc = ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={same}", cwd=repo)
    assert proc.returncode == 0 and "IMAGES-ACCOUNT" not in proc.stderr, proc.stderr
    own = shared.replace("123456789012.dkr.ecr.${target.region}", "${target.accountId}.dkr.ecr.${target.region}")
    (repo / "specs" / "web.yaml").write_text(own)
    proc = ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={same}", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "account 123456789012, which is neither the root's account nor the account of the spec's registry " in (
        proc.stderr
    )
    assert "(111111111111)" in proc.stderr  # the bound value, once: the root's account is the registry's
    home = "111111111111.dkr.ecr.us-east-1.amazonaws.com/web:1.2.0"
    proc = ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={home}", cwd=repo)
    assert proc.returncode == 0 and "IMAGES-ACCOUNT" not in proc.stderr, proc.stderr
    # no account anywhere: the registry is in the account Terraform resolves, which nothing here can compare
    (repo / "ecsform.yaml").write_text("defaults: {region: us-east-1, moduleSource: ./modules}\n")
    (repo / "specs" / "web.yaml").write_text(own.split("environments:")[0])
    proc = ecsform("image", "set", "specs/web.yaml", f"app={same}", cwd=repo)
    assert proc.returncode == 0 and "IMAGES-ACCOUNT" not in proc.stderr, proc.stderr


# --- the file, edited by hand ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("apx: x:1\n", "images/web/dev.yaml:1:1: error IMAGES-CONTAINER: [environment dev] 'apx' is not a container"),
        ("app: 3\n", "images/web/dev.yaml:1:6: error IMAGES-VALUE: [environment dev] app: the image is not a string"),
        (
            'app: {image: "x:1", why: y}\n',
            "images/web/dev.yaml:1:21: error IMAGES-VALUE: [environment dev] app: unknown key 'why'",
        ),
        ("app: {reason: y}\n", "images/web/dev.yaml:1:6: error IMAGES-VALUE: [environment dev] app: no image"),
        ("- app\n", "images/web/dev.yaml:1:1: error IMAGES-VALUE"),
        ("app: [\n", "images/web/dev.yaml:2:1: error YAML-SYNTAX"),
        (
            "app: 'bad image'\n",
            "images/web/dev.yaml:1:6: error ECS-A9: [environment dev] containerDefinitions[0].image",
        ),
    ],
)
def test_findings_about_the_file_are_at_its_line_and_column(repo: Path, text: str, expected: str) -> None:
    (repo / "images" / "web").mkdir(parents=True)
    (repo / "images" / "web" / "dev.yaml").write_text(text)
    proc = ecsform("validate", "specs", cwd=repo)
    assert expected in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_file_no_root_claims_is_an_error_when_every_spec_is_read(repo: Path) -> None:
    (repo / "images" / "web").mkdir(parents=True)
    (repo / "images" / "web" / "prd.yaml").write_text("app: x:1\n")
    proc = ecsform("validate", "specs", cwd=repo)
    assert proc.returncode == 2
    assert "images/web/prd.yaml:1:1: error IMAGES-ROOT: no spec produces root web/prd" in proc.stderr
    assert "did you mean 'web/prod'?" in proc.stderr
    # a run over one spec, or one environment, cannot tell: the file may belong to a root it did not read
    assert ecsform("validate", "specs/job.yaml", cwd=repo).returncode == 0
    (repo / "images" / "web" / "prd.yaml").rename(repo / "images" / "web" / "prod.yaml")
    assert ecsform("validate", "specs", "--env", "dev", cwd=repo).returncode == 0
    (repo / "images" / "web" / "prod.yaml").rename(repo / "images" / "web" / "prd.yaml")
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 2
    assert not (repo / "build").exists()


def test_an_empty_file_deploys_nothing_and_the_folder_may_move(repo: Path) -> None:
    (repo / "images" / "web").mkdir(parents=True)
    (repo / "images" / "web" / "dev.yaml").write_text("# nothing deployed yet\n")
    assert render("dev")["containerDefinitions"][0]["image"].endswith("web:1.0.0")
    (repo / "ecsform.yaml").write_text(CONFIG + "images: {folder: deploys}\n")
    assert ecsform("image", "set", "specs/job.yaml", "etl=python:3.13", cwd=repo).returncode == 0
    assert (repo / "deploys" / "job.yaml").is_file()
    (repo / "ecsform.yaml").write_text(CONFIG + "images: {folder: specs/images}\n")
    proc = ecsform("validate", "specs", cwd=repo)
    assert proc.returncode == 2 and "CONFIG-INVALID" in proc.stderr and "overlap" in proc.stderr


def test_render_and_yaml_scalars_read_back_the_same() -> None:
    for text in ["nginx:1.27", "a/b@sha256:" + "0" * 64, "123", "true", "null", "x: y", "1e3", "-x", "café:1"]:
        node = images.load_text(f"k: {images.render_scalar(text)}\n", "<t>")
        assert node.value["k"].value == text, text


# --- image promote, image show ---------------------------------------------------------------------------------


def test_promote_copies_what_dev_runs_to_prod(repo: Path) -> None:
    assert ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={NEW}", cwd=repo).returncode == 0
    before = roots()
    proc = ecsform("image", "promote", "specs/web.yaml", "--from", "dev", "--to", "prod", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"images/web/prod.yaml: app: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0.0 -> {NEW}"
    ]  # proxy runs the same image in both: nothing to say, nothing recorded for it
    assert (repo / "images" / "web" / "prod.yaml").read_text().splitlines()[2:] == [f"app: {NEW}"]
    after = roots()
    assert [r for r in after if after[r]["hash"] != before[r]["hash"]] == ["web/prod"]
    proc = ecsform("image", "promote", "specs/web.yaml", "--from", "dev", "--to", "prd", cwd=repo)
    assert (
        proc.returncode == 2 and "--to:1:1: error ENV-UNKNOWN" in proc.stderr and "did you mean 'prod'?" in proc.stderr
    )


def test_show_lists_what_every_root_runs(repo: Path) -> None:
    assert ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={NEW}", cwd=repo).returncode == 0
    proc = ecsform("image", "show", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "job  etl  public.ecr.aws/docker/library/python:3.12  spec (specs/job.yaml)",
        f"web/dev  app  {NEW}  images/web/dev.yaml:3",
        "web/dev  proxy  public.ecr.aws/nginx/nginx:1.27  spec (specs/web.yaml)",
        "web/prod  app  123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0.0  spec (specs/web.yaml)",
        "web/prod  proxy  public.ecr.aws/nginx/nginx:1.27  spec (specs/web.yaml)",
    ]
    rows = json.loads(ecsform("image", "show", "specs/web.yaml", "--format", "json", cwd=repo).stdout)
    assert rows[0] == {
        "root": "web/dev",
        "environment": "dev",
        "spec": "specs/web.yaml",
        "container": "app",
        "image": NEW,
        "deployed": True,
        "file": "images/web/dev.yaml",
        "line": 3,
        "reason": None,
    }


# --- ecsform changed ---------------------------------------------------------------------------------------------


def test_changed_names_exactly_the_root_whose_images_file_changed(repo: Path) -> None:
    def changed() -> tuple[list[str], list[str]]:
        result = compare.changed(["specs"], "HEAD", "build", Options(config=config()))
        return [r.root for r in result.changed], [r.root for r in result.removed]

    assert ecsform("image", "set", "specs/web.yaml", "--env", "dev", f"app={NEW}", cwd=repo).returncode == 0
    assert changed() == (["web/dev"], [])  # only the images file differs: the spec-by-spec comparison
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "deploy")
    assert changed() == ([], [])
    git(repo, "revert", "--no-edit", "HEAD")  # undo the deploy
    assert compare.changed(["specs"], "HEAD~1", "build", Options(config=config())).changed[0].root == "web/dev"
    assert render("dev")["containerDefinitions"][0]["image"].endswith("web:1.0.0")
