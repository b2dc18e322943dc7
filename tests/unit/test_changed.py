"""manifest.json's dependencies (config, modules, hash), `ecsform changed --since REF` and `synth --check` (issue 13
items 1-3), on real git repositories in temporary folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, ecsform

from generators import changed as compare
from generators import config as project_config
from generators import pipeline
from generators.errors import EcsformError
from generators.options import Options
from generators.writer.lock import output_lock

CONFIG = """\
defaults:
  region: us-east-1
  tags: {managed-by: ecsform}
  moduleSource: ./modules
environments:
  dev: {tags: {environment: development}}
  prod: {tags: {environment: production}}
backend:
  s3: {bucket: tfstate-bucket, key: "ecsform/{root}/terraform.tfstate", region: us-east-1}
"""

STAGES = """\
family: web
cpu: 256
memory: 512
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
    readonlyRootFilesystem: false
    environment: {LOG_LEVEL: info}
environments:
  dev:
    containerDefinitions:
      - name: app
        environment: {DEBUG: "true"}
  prod:
    cpu: 512
    memory: 1024
"""

SECRETS = """\
family: vault
cpu: 256
memory: 512
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
    readonlyRootFilesystem: false
    secrets: {DB: "ecsform:secret/db-password"}
x-ecsform:
  secrets:
    db-password: {description: the database password}
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed repository: specs/web.yaml (dev, prod), specs/vault.yaml (calls the secrets module), ecsform.yaml,
    a copy of modules/; the working folder is its root."""
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    (repo / "specs" / "web.yaml").write_text(STAGES)
    (repo / "specs" / "vault.yaml").write_text(SECRETS)
    (repo / "ecsform.yaml").write_text(CONFIG)
    shutil.copytree(REPO / "modules", repo / "modules", ignore=shutil.ignore_patterns(".*"))
    git(repo, "init", "-q")
    commit(repo, "first")
    monkeypatch.chdir(repo)
    return repo


def run_changed(
    paths: list[str] | None = None,
    since: str = "HEAD",
    config: str | None = None,
    no_config: bool = False,
    out: str = "build",
) -> tuple[list[str], list[str]]:
    found = project_config.for_command(config, no_config)
    result = compare.changed(paths or ["specs"], since, out, Options(config=found), config, no_config)
    return [r.root for r in result.changed], [r.root for r in result.removed]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1))


# --- manifest.json --------------------------------------------------------------------------------------------


def test_manifest_names_config_entries_modules_and_hash(repo: Path) -> None:
    files, manifest, _ = pipeline.synth_tree(["specs"], "build", Options(config=project_config.load("ecsform.yaml")))
    roots = {r["path"]: r for r in manifest["roots"]}
    assert sorted(roots) == ["vault", "web/dev", "web/prod"]
    assert roots["web/prod"]["environment"] == "prod"
    assert roots["web/prod"]["config"] == {
        "file": "ecsform.yaml",
        "entries": ["defaults", "environments.prod", "backend"],
    }
    assert roots["vault"]["config"]["entries"] == ["defaults", "backend"]  # no environment: the defaults
    assert roots["web/prod"]["modules"] == ["../../../modules/ecs-task-definition"]
    assert roots["vault"]["modules"] == ["../../modules/ecs-task-definition", "../../modules/secrets"]
    for root in roots.values():  # relative to the root's folder: they name the module folders
        for module in root["modules"]:
            assert Path(os.path.normpath(repo / "build" / root["path"] / module / "main.tf")).is_file()
        assert root["hash"].startswith("sha256:") and len(root["hash"]) == 7 + 64
    assert len({r["hash"] for r in roots.values()}) == 3
    again = pipeline.synth_tree(["specs"], "build", Options(config=project_config.load("ecsform.yaml")))
    assert again[0] == files and again[1] == manifest


def test_the_hash_covers_the_modules_a_root_calls_and_no_other(repo: Path) -> None:
    def hashes() -> dict[str, str]:
        _, manifest, _ = pipeline.synth_tree(["specs"], "build", Options(config=project_config.load("ecsform.yaml")))
        return {r["path"]: r["hash"] for r in manifest["roots"]}

    before = hashes()
    edit(repo / "modules" / "secrets" / "variables.tf", "description", "description  ")
    after = hashes()
    assert after["vault"] != before["vault"]
    assert after["web/dev"] == before["web/dev"] and after["web/prod"] == before["web/prod"]
    (repo / "modules" / "ecs-task-definition" / ".terraform").mkdir()  # hidden: what terraform test leaves
    (repo / "modules" / "ecs-task-definition" / ".terraform" / "x").write_text("x")
    assert hashes() == after


def test_manifest_is_byte_identical_across_runs_and_unchanged_files_keep_their_mtime(repo: Path) -> None:
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 0
    first = {
        p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in (repo / "build").rglob("*") if p.is_file()
    }
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 0
    second = {
        p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in (repo / "build").rglob("*") if p.is_file()
    }
    assert first == second and len(first) > 10


# --- changed ------------------------------------------------------------------------------------------------


def test_nothing_changed(repo: Path) -> None:
    assert run_changed() == ([], [])


def test_an_overlay_change_touches_only_its_environment(repo: Path) -> None:
    edit(repo / "specs" / "web.yaml", "    cpu: 512\n    memory: 1024\n", "    cpu: 1024\n    memory: 2048\n")
    assert run_changed() == (["web/prod"], [])


def test_a_base_change_touches_every_environment_whose_result_changed(repo: Path) -> None:
    edit(repo / "specs" / "web.yaml", "LOG_LEVEL: info", "LOG_LEVEL: warn")
    assert run_changed() == (["web/dev", "web/prod"], [])
    commit(repo)
    # an overlay that sets what the base now says changes nothing in its merged result
    edit(repo / "specs" / "web.yaml", 'environment: {DEBUG: "true"}', 'environment: {DEBUG: "true", LOG_LEVEL: warn}')
    assert run_changed() == ([], [])


def test_a_change_that_does_not_change_the_output_touches_nothing(repo: Path) -> None:
    edit(repo / "specs" / "web.yaml", "family: web\n", "# the web shop\nfamily: web\n")
    assert run_changed() == ([], [])


def test_an_ecsform_yaml_change_touches_only_the_roots_whose_output_changed(repo: Path) -> None:
    edit(repo / "ecsform.yaml", "environment: production", "environment: prod")
    assert run_changed() == (["web/prod"], [])
    edit(repo / "ecsform.yaml", "environment: prod", "environment: production")
    edit(repo / "ecsform.yaml", "defaults:\n", "# targets\ndefaults:\n")  # a comment: no root changes
    assert run_changed() == ([], [])
    edit(repo / "ecsform.yaml", "managed-by: ecsform", "managed-by: platform")
    assert run_changed() == (["vault", "web/dev", "web/prod"], [])


def test_a_module_change_touches_every_root_that_calls_it(repo: Path) -> None:
    edit(repo / "modules" / "secrets" / "main.tf", "\n", "\n# a comment\n")
    assert run_changed() == (["vault"], [])
    git(repo, "checkout", "--", "modules")
    edit(repo / "modules" / "ecs-task-definition" / "variables.tf", "description", "description ")
    assert run_changed() == (["vault", "web/dev", "web/prod"], [])


def test_a_new_lock_file_touches_every_root(repo: Path) -> None:
    """ecsform.lock.hcl is copied into every root (terraform.lockPlatforms): another lock file (`ecsform lock` after
    a provider release) changes them all, although ecsform.yaml, the modules and the specs are the same."""
    edit(repo / "ecsform.yaml", "environments:\n", "terraform: {lockPlatforms: [linux_amd64]}\nenvironments:\n")
    shutil.copy(REPO / "ecsform.lock.hcl", repo / "ecsform.lock.hcl")
    commit(repo, "a lock file")
    assert run_changed() == ([], [])
    lock = repo / "ecsform.lock.hcl"
    lock.write_text(lock.read_text() + "# locked again\n")
    assert run_changed() == (["vault", "web/dev", "web/prod"], [])


def test_removed_roots_new_roots_and_a_dropped_environment(repo: Path) -> None:
    (repo / "specs" / "vault.yaml").unlink()
    (repo / "specs" / "api.yaml").write_text(STAGES.replace("family: web", "family: api"))
    edit(
        repo / "specs" / "web.yaml",
        '  dev:\n    containerDefinitions:\n      - name: app\n        environment: {DEBUG: "true"}\n',
        "",
    )
    assert run_changed() == (["api/dev", "api/prod"], ["vault", "web/dev"])


def test_since_an_older_revision_and_a_subset_of_the_specs(repo: Path) -> None:
    edit(repo / "specs" / "web.yaml", "LOG_LEVEL: info", "LOG_LEVEL: warn")
    commit(repo)
    edit(repo / "specs" / "vault.yaml", "family: vault", "family: vault2")
    commit(repo)
    assert run_changed(since="HEAD~2") == (["vault2", "web/dev", "web/prod"], ["vault"])
    assert run_changed(["specs/web.yaml"], since="HEAD~2") == (["web/dev", "web/prod"], [])
    assert run_changed(since="HEAD~1") == (["vault2"], ["vault"])


def test_without_a_configuration(repo: Path) -> None:
    edit(repo / "specs" / "web.yaml", "    cpu: 512\n", "    cpu: 1024\n    memory: 2048\n    # was:\n")
    edit(repo / "specs" / "web.yaml", "    memory: 1024\n", "")
    assert run_changed(no_config=True) == (["web/prod"], [])
    assert run_changed(config="ecsform.yaml") == (["web/prod"], [])


def test_from_a_subfolder_with_relative_paths(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(repo / "specs" / "web.yaml", "LOG_LEVEL: info", "LOG_LEVEL: warn")
    monkeypatch.chdir(repo / "specs")
    assert run_changed(["."], out="../build") == (["web/dev", "web/prod"], [])


def test_errors_in_the_working_tree_stop_it_and_a_broken_base_makes_its_roots_changed(repo: Path) -> None:
    """Issue 22 item 2: only the working tree's errors fail `changed`; a spec that does not validate in REF counts
    as changed (every environment), with a CHANGED-BASE warning at REF's first error."""
    good = (repo / "specs" / "web.yaml").read_text()
    edit(repo / "specs" / "web.yaml", "cpu: 256", "cpu: 257")
    with pytest.raises(EcsformError) as new:
        run_changed()
    assert [f.file for f in new.value.findings if f.severity.value == "error"] == ["specs/web.yaml"]
    commit(repo)
    (repo / "specs" / "web.yaml").write_text(good)  # the change that fixes the broken base
    found = project_config.for_command(None, False)
    result = compare.changed(["specs"], "HEAD", "build", Options(config=found))
    assert [r.root for r in result.changed] == ["web/dev", "web/prod"] and result.removed == []
    assert [(w.rule, w.severity.value, w.file, w.line, w.col) for w in result.warnings] == [
        ("CHANGED-BASE", "warning", "HEAD:specs/web.yaml", 2, 6)
    ]
    assert "(ECS-C10: " in result.warnings[0].message and "its roots count as changed" in result.warnings[0].message
    proc = ecsform("changed", "--since", "HEAD", "--format", "github-matrix", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert [i["root"] for i in json.loads(proc.stdout)["include"]] == ["web/dev", "web/prod"]
    assert "HEAD:specs/web.yaml:2:6: warning CHANGED-BASE: " in proc.stderr, proc.stderr


def test_a_broken_base_on_the_slow_path_and_a_broken_base_configuration(repo: Path) -> None:
    """The same when ecsform.yaml differs too (every spec synthesized on both sides): the broken spec's roots count
    as changed, the others are compared; a base whose ecsform.yaml does not load makes every root changed."""
    edit(repo / "specs" / "vault.yaml", "cpu: 256", "cpu: 257")
    commit(repo, "a broken vault")
    edit(repo / "specs" / "vault.yaml", "cpu: 257", "cpu: 256")
    edit(repo / "ecsform.yaml", "tags: {managed-by: ecsform}", "tags: {managed-by: ecsform, team: web}")
    found = project_config.for_command(None, False)
    result = compare.changed(["specs"], "HEAD", "build", Options(config=found))
    assert [r.root for r in result.changed] == ["vault", "web/dev", "web/prod"]  # web: the new tag
    assert [w.file for w in result.warnings] == ["HEAD:specs/vault.yaml"]
    commit(repo, "fixed, and a tag")
    assert run_changed() == ([], [])
    (repo / "ecsform.yaml").write_text(CONFIG + "defaults: {}\n")  # a duplicate key: the file does not load
    commit(repo, "a broken configuration")
    (repo / "ecsform.yaml").write_text(CONFIG)
    result = compare.changed(["specs"], "HEAD", "build", Options(config=project_config.for_command(None, False)))
    assert [r.root for r in result.changed] == ["vault", "web/dev", "web/prod"] and result.removed == []
    assert [(w.rule, w.file) for w in result.warnings] == [("CHANGED-BASE", "HEAD:ecsform.yaml")]
    assert "every root counts as changed" in result.warnings[0].message


def test_a_base_an_ecsform_upgrade_made_invalid(repo: Path) -> None:
    """The case item 2 is for: REF was valid for the ecsform that wrote it, and issue 21 made ecsform stricter. A
    dependsOn cycle was a warning and is an error now (ECS-F6); ECS-H13 is retired, so a policy naming it no longer
    loads. The pull request that upgrades and fixes them plans the fixed roots, naming REF's errors."""
    cycle = SECRETS.replace(
        "    secrets:", "    dependsOn: [{containerName: log, condition: START}]\n    secrets:"
    ).replace(
        "x-ecsform:",
        "  - name: log\n    image: public.ecr.aws/nginx/nginx:1.27\n    readonlyRootFilesystem: false\n"
        "    essential: false\n    dependsOn: [{containerName: app, condition: START}]\nx-ecsform:",
    )
    (repo / "specs" / "vault.yaml").write_text(cycle)
    commit(repo, "a start-order cycle: a warning before issue 21")
    edit(repo / "specs" / "vault.yaml", "    dependsOn: [{containerName: app, condition: START}]\n", "")
    result = compare.changed(["specs"], "HEAD", "build", Options(config=project_config.for_command(None, False)))
    assert [r.root for r in result.changed] == ["vault"] and result.removed == []  # web: the same bytes
    assert [(w.rule, w.file) for w in result.warnings] == [("CHANGED-BASE", "HEAD:specs/vault.yaml")]
    assert "(ECS-F6: start-order cycle: app -> log -> app" in result.warnings[0].message
    commit(repo, "no cycle")
    (repo / "ecsform.yaml").write_text(CONFIG + "policy: {rules: {ECS-H13: off}}\n")
    commit(repo, "a policy naming ECS-H13, retired by issue 21")
    (repo / "ecsform.yaml").write_text(CONFIG + "policy: {rules: {ECS-M4: off}}\n")
    result = compare.changed(["specs"], "HEAD", "build", Options(config=project_config.for_command(None, False)))
    assert [r.root for r in result.changed] == ["vault", "web/dev", "web/prod"] and result.removed == []
    assert [(w.rule, w.file) for w in result.warnings] == [("CHANGED-BASE", "HEAD:ecsform.yaml")]
    assert "(POLICY-INVALID: no rule 'ECS-H13')" in result.warnings[0].message
    assert "every root counts as changed" in result.warnings[0].message


def test_git_problems_are_findings(repo: Path, tmp_path: Path) -> None:
    proc = ecsform("changed", "--since", "no-such-ref", cwd=repo)
    assert proc.returncode == 2 and "CHANGED-GIT" in proc.stderr and "no commit 'no-such-ref'" in proc.stderr
    elsewhere = tmp_path / "plain"
    shutil.copytree(repo / "specs", elsewhere / "specs")
    proc = ecsform("changed", "--since", "HEAD", "--no-config", cwd=elsewhere)
    assert proc.returncode == 2 and "CHANGED-GIT" in proc.stderr and "Traceback" not in proc.stderr
    proc = ecsform("changed", cwd=repo)
    assert proc.returncode == 2 and "CHANGED-SINCE" in proc.stderr
    proc = ecsform("changed", "--since", "HEAD", "--format", "yaml", cwd=repo)
    assert proc.returncode == 2 and "CHANGED-FORMAT" in proc.stderr


def test_the_formats(repo: Path) -> None:
    edit(repo / "specs" / "web.yaml", "    cpu: 512\n    memory: 1024\n", "    cpu: 1024\n    memory: 2048\n")
    (repo / "specs" / "vault.yaml").unlink()
    matrix = ecsform("changed", "--since", "HEAD", "--format", "github-matrix", cwd=repo)
    assert matrix.returncode == 0, matrix.stderr
    assert matrix.stdout == ('{"include": [{"root": "web/prod", "environment": "prod", "dir": "build/web/prod"}]}\n')
    assert "removed: vault (specs/vault.yaml)" in matrix.stderr
    listed = ecsform("changed", "specs", "--since", "HEAD", "--format", "json", "--out", "out", cwd=repo)
    assert json.loads(listed.stdout) == {
        "changed": [{"root": "web/prod", "environment": "prod", "dir": "out/web/prod", "spec": "specs/web.yaml"}],
        "removed": [{"root": "vault", "environment": None, "spec": "specs/vault.yaml"}],
    }
    paths = ecsform("changed", "--since", "HEAD", "--format", "paths", cwd=repo)
    assert paths.stdout == "web/prod\n"
    text = ecsform("changed", "--since", "HEAD", cwd=repo)
    assert text.stdout.splitlines()[0] == "changed: web/prod (specs/web.yaml, environment prod)"
    assert text.stdout.splitlines()[1].startswith("removed: vault (specs/vault.yaml)")
    git(repo, "checkout", "--", "specs")
    empty = ecsform("changed", "--since", "HEAD", "--format", "github-matrix", cwd=repo)
    assert (empty.returncode, empty.stdout) == (0, '{"include": []}\n')
    assert ecsform("changed", "--since", "HEAD", cwd=repo).stdout == "no root changed since HEAD\n"


# --- synth --check ---------------------------------------------------------------------------------------------


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()
    }


def test_synth_check(repo: Path) -> None:
    proc = ecsform("synth", "specs", "--check", cwd=repo)
    assert proc.returncode == 1 and proc.stdout.splitlines() == [
        "missing: build/vault",
        "missing: build/web/dev",
        "missing: build/web/prod",
    ], proc.stdout
    assert not (repo / "build").exists()  # nothing written
    assert ecsform("synth", "specs", cwd=repo).returncode == 0
    fresh = snapshot(repo / "build")
    proc = ecsform("synth", "specs", "--check", cwd=repo)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr
    assert "build is up to date" in proc.stderr
    edit(repo / "specs" / "web.yaml", "    cpu: 512\n    memory: 1024\n", "    cpu: 1024\n    memory: 2048\n")
    (repo / "specs" / "vault.yaml").unlink()
    (repo / "specs" / "api.yaml").write_text(STAGES.replace("family: web", "family: api"))
    proc = ecsform("synth", "specs", "--check", cwd=repo)
    assert proc.returncode == 1 and proc.stdout.splitlines() == [
        "missing: build/api/dev",
        "missing: build/api/prod",
        "stale: build/web/prod",
        "extra: build/vault",
    ]
    assert snapshot(repo / "build") == fresh  # still nothing written
    (repo / "build" / "vault" / "terraform.tfstate").write_text('{"resources": [{"type": "x"}]}')
    proc = ecsform("synth", "specs", "--check", "--out", "build", cwd=repo)
    assert "extra: build/vault (kept by synth: it holds state or files ecsform did not write)" in proc.stdout
    proc = ecsform("synth", "specs", "--check", "--prune", cwd=repo)
    assert proc.returncode == 2 and "CLI-CHECK" in proc.stderr


def test_synth_check_sees_a_hand_edit_and_a_changed_manifest(repo: Path) -> None:
    assert ecsform("synth", "specs", cwd=repo).returncode == 0
    main_tf = repo / "build" / "web" / "dev" / "main.tf"
    main_tf.write_text(main_tf.read_text() + "\n")
    proc = ecsform("synth", "specs", "--check", cwd=repo)
    assert (proc.returncode, proc.stdout) == (1, "stale: build/web/dev\n")
    assert ecsform("synth", "specs", cwd=repo).returncode == 0
    manifest = repo / "build" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"engine": "hcl"', '"engine": "hcl" ', 1))
    proc = ecsform("synth", "specs", "--check", cwd=repo)
    assert (proc.returncode, proc.stdout) == (1, "stale: build/manifest.json\n")


def test_synth_check_waits_for_a_writer(repo: Path) -> None:
    """--check reads under the output's lock: while a synth holds it, a check with no patience stops on it."""
    assert ecsform("synth", "specs", cwd=repo).returncode == 0
    with output_lock(repo / "build", 0):
        proc = ecsform("synth", "specs", "--check", "--lock-timeout", "0", cwd=repo)
    assert proc.returncode == 2 and "OUT-LOCKED" in proc.stderr and f"pid {os.getpid()}" in proc.stderr
    assert ecsform("synth", "specs", "--check", cwd=repo).returncode == 0
