"""Roots that do not depend on the machine, and a provider that does not float (issue 22 items 5 and 6).

- Without moduleSource, synth copies the modules its roots call into OUT/modules (their Terraform files and README,
  byte for byte as this ecsform carries them) and the roots call them by a path inside OUT: the output is the same
  bytes wherever ecsform is installed and wherever OUT is (tests/terraform/test_wheel.py shows it with two installs).
- A moduleSource folder that is not there is CONFIG-MODULE-SOURCE at its line; `ecsform modules export DIR` writes it.
- terraform.providerVersion is the constraint every root requires; with terraform.lockPlatforms, ecsform.lock.hcl
  (what `ecsform lock` writes: tests/terraform/test_provider_lock.py) is every root's .terraform.lock.hcl, checked by
  synth and synth --check; the generated workflows then leave TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE out.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, NO_CONFIG, REPO, SPECS, ecsform

from generators import config as project_config
from generators import locations, pipeline, providers
from generators.ci.command import generate
from generators.digests import files_digest
from generators.errors import EcsformError
from generators.options import Options

FEATURES = FIXTURES / "features"  # specs that call the secrets and efs modules too

SPEC = """\
family: shop
cpu: 256
memory: 512
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
environments:
  dev: {}
  prod: {cpu: 512, memory: 1024}
"""

CONFIG = """\
defaults:
  region: us-east-1
environments:
  dev: {}
  prod: {}
terraform:
  lockPlatforms: [linux_amd64]
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def project(folder: Path, config: str | None = CONFIG, lock: bool = True) -> Path:
    (folder / "specs").mkdir(parents=True)
    (folder / "specs" / "shop.yaml").write_text(SPEC)
    (folder / ".git").mkdir()  # ecsform.yaml is searched for no higher
    if config is not None:
        (folder / "ecsform.yaml").write_text(config)
    if lock:  # what `ecsform lock` wrote for the repository's ecsform.yaml (linux_amd64, the default constraint)
        shutil.copy(REPO / providers.PROJECT_LOCK, folder / providers.PROJECT_LOCK)
    return folder


# --- modules copied into the output --------------------------------------------------------------------------


def test_synth_copies_the_modules_its_roots_call_and_calls_them_inside_the_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest, _ = pipeline.synth([str(SPECS), str(FEATURES)], out, Options())
    called = {m.split("/")[-1] for r in manifest["roots"] for m in r["modules"]}
    assert called == {"ecs-task-definition", "secrets", "efs"}
    assert [m["path"] for m in manifest["modules"]] == [f"modules/{name}" for name in sorted(called)]
    for entry in manifest["modules"]:
        source = locations.MODULES / entry["path"].split("/")[1]
        assert entry["files"] == ["README.md", "main.tf", "outputs.tf", "variables.tf", "versions.tf"]
        assert tree(out / entry["path"]) == {name: (source / name).read_bytes() for name in entry["files"]}
        assert entry["hash"] == "sha256:" + files_digest(tree(out / entry["path"])).hex()
    for root in manifest["roots"]:
        up = "../" * (root["path"].count("/") + 1)
        assert all(m.startswith(f"{up}modules/") for m in root["modules"]), root
        main_tf = (out / root["path"] / "main.tf").read_text()
        assert f'source = "{up}modules/ecs-task-definition"' in main_tf
        assert str(locations.MODULES) not in main_tf and "site-packages" not in main_tf


def test_the_output_is_the_same_wherever_it_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, a root called `../../../<to wherever ecsform is installed>/modules/...`: its bytes depended on the
    output's place. Now two outputs at different depths are the same bytes (the specs named relatively, as a
    pipeline names them)."""
    monkeypatch.chdir(REPO)
    a, b = tmp_path / "a" / "out", tmp_path / "b" / "deeper" / "still" / "out"
    pipeline.synth(["specs"], a, Options())
    pipeline.synth(["specs"], b, Options())
    assert tree(a) == tree(b)


def test_a_module_change_changes_the_hash_of_every_root_that_calls_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vendored copy is part of each calling root's hash (manifest.json, `ecsform changed`): another ecsform
    whose modules differ gives every root that calls them a new hash, and synth --check says the copy is stale."""
    out = tmp_path / "out"
    manifest, _ = pipeline.synth([str(SPECS), str(FEATURES)], out, Options())
    ours = tmp_path / "modules"
    shutil.copytree(locations.MODULES, ours, ignore=shutil.ignore_patterns(".*"))
    variables = ours / "secrets" / "variables.tf"
    variables.write_text(variables.read_text().replace("description", "description ", 1))
    monkeypatch.setattr(locations, "MODULES", ours)
    _, after, _ = pipeline.synth_tree([str(SPECS), str(FEATURES)], out, Options())
    before = {r["path"]: r for r in manifest["roots"]}
    moved = sorted(r["path"] for r in after["roots"] if r["hash"] != before[r["path"]]["hash"])
    callers = sorted(r["path"] for r in manifest["roots"] if any(m.endswith("/secrets") for m in r["modules"]))
    assert callers and moved == callers
    files, after, _ = pipeline.synth_tree([str(SPECS), str(FEATURES)], out, Options())
    from generators.writer.publication import changes

    found = changes(out, files, after)
    assert found.stale == ["modules/secrets"] and found.manifest and not found.missing


def test_synth_check_names_a_hand_edited_module_copy(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert ecsform("synth", str(SPECS), "--out", str(out), NO_CONFIG).returncode == 0
    main_tf = out / "modules" / "ecs-task-definition" / "main.tf"
    main_tf.write_text(main_tf.read_text() + "# edited\n")
    check = ecsform("synth", str(SPECS), "--out", str(out), "--check", NO_CONFIG)
    assert check.returncode == 1 and f"stale: {out}/modules/ecs-task-definition" in check.stdout
    assert ecsform("synth", str(SPECS), "--out", str(out), NO_CONFIG).returncode == 0
    assert main_tf.read_bytes() == (locations.MODULES / "ecs-task-definition" / "main.tf").read_bytes()


def test_a_family_named_modules_cannot_take_the_modules_folder(tmp_path: Path) -> None:
    spec = tmp_path / "modules.yaml"
    spec.write_text(SPEC.replace("family: shop", "family: modules"))
    proc = ecsform("synth", str(spec), "--out", str(tmp_path / "out"), NO_CONFIG)
    assert proc.returncode == 2 and not (tmp_path / "out").exists()
    assert "error ROOT-NESTED: [environment dev] family: root modules/dev (" in proc.stderr
    assert ", environment dev) would sit in modules/, where synth copies the modules" in proc.stderr
    validate = ecsform("validate", str(spec), NO_CONFIG)  # validate says what synth refuses (issue 21)
    assert validate.returncode == 2 and "would sit in modules/, where synth copies" in validate.stderr
    with_source = ecsform("synth", str(spec), "--out", str(tmp_path / "o2"), "--module-source", "git::https://x//m")
    assert with_source.returncode == 0, with_source.stderr  # no copy: the name is free


def test_moduleSource_wins_and_nothing_is_copied(tmp_path: Path) -> None:
    repo = project(tmp_path / "p", "defaults: {region: us-east-1, moduleSource: ./vendor/modules}\n", lock=False)
    assert ecsform("modules", "export", "vendor/modules", cwd=repo).returncode == 0
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 0
    manifest = json.loads((repo / "build" / "manifest.json").read_text())
    assert "modules" not in manifest and not (repo / "build" / "modules").exists()
    assert manifest["roots"][0]["modules"] == ["../../../vendor/modules/ecs-task-definition"]


def test_each_environments_module_source_is_resolved_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every root asks for its moduleSource several times (its module calls, the vendoring, ROOT-NESTED): the folder
    is resolved once per environment, and each answer stays the environment's own."""
    repo = project(
        tmp_path / "p", "defaults: {moduleSource: ./a}\nenvironments:\n  dev: {moduleSource: ./b}\n  prod: {}\n"
    )
    for name in ("a", "b"):
        shutil.copytree(locations.MODULES, repo / name)
    config = project_config.load(repo / "ecsform.yaml")
    expected = {"dev": (repo / "b").resolve(), "prod": (repo / "a").resolve(), None: (repo / "a").resolve()}
    resolved: list[Path] = []
    real = Path.resolve
    monkeypatch.setattr(Path, "resolve", lambda self, strict=False: resolved.append(self) or real(self, strict))
    for _ in range(3):
        assert {env: config.module_source(env) for env in expected} == expected
    assert len(resolved) == 3


def test_module_source_that_holds_no_modules_is_a_finding_at_its_line(tmp_path: Path) -> None:
    repo = project(tmp_path / "p", "environments:\n  dev:\n    moduleSource: ../elsewhere\n  prod: {}\n", lock=False)
    (tmp_path / "elsewhere").mkdir()
    proc = ecsform("validate", "specs", cwd=repo)
    assert proc.returncode == 2
    assert (
        "ecsform.yaml:3:19: error CONFIG-MODULE-SOURCE: environments.dev.moduleSource: moduleSource '../elsewhere' "
        "holds no ecs-task-definition module (relative to ecsform.yaml)" in proc.stderr
    )
    remote = project(tmp_path / "r", "defaults: {moduleSource: 'git::https://x//m?ref=v1'}\n", lock=False)
    assert ecsform("validate", "specs", cwd=remote).returncode == 0  # an address is Terraform's to fetch


def test_modules_export_writes_every_module_once_and_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "modules"
    first = ecsform("modules", "export", str(out))
    assert first.returncode == 0 and "wrote 3 module(s)" in first.stderr
    names = sorted(p.name for p in locations.MODULES.iterdir() if (p / "versions.tf").is_file())
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == names
    for name in names:
        files = locations.module_files(locations.MODULES / name)
        assert tree(out / name) == {f: (locations.MODULES / name / f).read_bytes() for f in files}
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    assert ecsform("modules", "export", str(out)).returncode == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stamps  # nothing to write: nothing touched
    foreign = tmp_path / "theirs"
    foreign.mkdir()
    (foreign / "main.tf").write_text("# mine\n")
    refused = ecsform("modules", "export", str(foreign))
    assert refused.returncode == 2 and "OUT-NOT-ECSFORM" in refused.stderr
    assert (foreign / "main.tf").read_text() == "# mine\n"


# --- the provider constraint and the lock file ----------------------------------------------------------------


def test_the_modules_declare_the_range_they_are_tested_with() -> None:
    for versions in sorted(REPO.glob("modules/**/versions.tf")):
        assert f'version = "{providers.TESTED}"' in versions.read_text(), versions
    assert providers.constraint_problem(providers.TESTED) is None


def test_roots_require_the_configured_constraint_and_carry_the_lock_file(tmp_path: Path) -> None:
    repo = project(tmp_path / "p", CONFIG + '  providerVersion: "~> 5.100"\n', lock=False)
    (repo / providers.PROJECT_LOCK).write_text(
        (REPO / providers.PROJECT_LOCK)
        .read_text()
        .replace(f"providerVersion {providers.TESTED}", "providerVersion ~> 5.100")
    )
    proc = ecsform("synth", "specs", "--out", "build", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((repo / "build" / "manifest.json").read_text())
    for root in manifest["roots"]:
        folder = repo / "build" / root["path"]
        assert '      version = "~> 5.100"\n' in (folder / "versions.tf").read_text()
        assert (folder / ".terraform.lock.hcl").read_bytes() == (repo / providers.PROJECT_LOCK).read_bytes()
        assert ".terraform.lock.hcl" in root["files"] and "terraform" in root["config"]["entries"]
    without = project(tmp_path / "n", None, lock=False)
    assert ecsform("synth", "specs", "--out", "build", cwd=without).returncode == 0
    assert not list((without / "build").rglob(".terraform.lock.hcl"))  # no lock asked for: terraform init writes one
    assert f'version = "{providers.TESTED}"' in (without / "build/shop/dev/versions.tf").read_text()


@pytest.mark.parametrize(
    "change, words",
    [
        (None, "ecsform.lock.hcl does not exist"),
        (
            'providerVersion: "~> 5.100"\n',
            "it was written for providerVersion '>= 5.100.0, < 6.0.0', ecsform.yaml says '~> 5.100'",
        ),
        (
            "lockPlatforms: [linux_amd64, darwin_arm64]\n",
            "it was written for the platforms linux_amd64, ecsform.yaml names darwin_arm64, linux_amd64",
        ),
    ],
)
def test_a_missing_or_stale_lock_file_stops_synth_at_lockPlatforms(
    tmp_path: Path, change: str | None, words: str
) -> None:
    config = (
        CONFIG
        if change is None or change.startswith("provider")
        else CONFIG.replace("lockPlatforms: [linux_amd64]\n", change)
    )
    if change is not None and change.startswith("provider"):
        config += "  " + change
    repo = project(tmp_path / "p", config, lock=change is not None)
    for command in (["synth", "specs", "--out", "build"], ["synth", "specs", "--out", "build", "--check"]):
        proc = ecsform(*command, cwd=repo)
        assert proc.returncode == 2 and not (repo / "build").exists(), proc.stderr
        line = config.splitlines().index(next(line for line in config.splitlines() if "lockPlatforms" in line)) + 1
        assert f"ecsform.yaml:{line}:" in proc.stderr and "error CONFIG-LOCK: terraform.lockPlatforms" in proc.stderr
        assert words in proc.stderr and "hint: run `ecsform lock`" in proc.stderr
    assert ecsform("validate", "specs", cwd=repo).returncode == 0  # validate checks specs, not the lock


def test_synth_check_sees_a_root_lock_file_terraform_rewrote(tmp_path: Path) -> None:
    """`terraform init -upgrade` (or a new platform's hashes) rewrites a root's lock file: synth --check says the
    root is stale, and synth puts the project's lock back."""
    repo = project(tmp_path / "p")
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 0
    lock = repo / "build" / "shop" / "prod" / ".terraform.lock.hcl"
    lock.write_text(lock.read_text().replace('"5.100.0"', '"5.99.1"'))
    check = ecsform("synth", "specs", "--out", "build", "--check", cwd=repo)
    assert check.returncode == 1 and check.stdout.splitlines() == ["stale: build/shop/prod"]
    assert ecsform("synth", "specs", "--out", "build", cwd=repo).returncode == 0
    assert lock.read_bytes() == (repo / providers.PROJECT_LOCK).read_bytes()


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            'terraform: {providerVersion: "5.x"}',
            "1:30: error CONFIG-INVALID: terraform.providerVersion: providerVersion '5.x' is not a Terraform version constraint",
        ),
        (
            "terraform: {lockPlatforms: [linux-amd64]}",
            "1:29: error CONFIG-INVALID: terraform.lockPlatforms[0]: lockPlatforms entry 'linux-amd64' is not a Terraform platform",
        ),
        ("terraform: {lockPlatforms: []}", "error CONFIG-INVALID: terraform.lockPlatforms"),
    ],
)
def test_terraform_block_mistakes_are_located(tmp_path: Path, body: str, expected: str) -> None:
    (tmp_path / "ecsform.yaml").write_text(body + "\n")
    with pytest.raises(EcsformError) as caught:
        project_config.load(tmp_path / "ecsform.yaml", "ecsform.yaml")
    assert any(expected in f.format() for f in caught.value.findings), [f.format() for f in caught.value.findings]


def test_lock_needs_lockPlatforms(tmp_path: Path) -> None:
    repo = project(tmp_path / "p", "defaults: {region: us-east-1}\n", lock=False)
    proc = ecsform("lock", cwd=repo)
    assert proc.returncode == 2 and "error CONFIG-REQUIRED: ecsform lock needs terraform.lockPlatforms" in proc.stderr
    assert not (repo / providers.PROJECT_LOCK).exists()
    bare = tmp_path / "bare"
    (bare / ".git").mkdir(parents=True)
    assert "error CONFIG-READ: ecsform lock needs an ecsform.yaml" in ecsform("lock", cwd=bare).stderr


def test_workflows_trust_the_plugin_cache_only_without_lock_files(tmp_path: Path) -> None:
    """issue 22a's GitHub job env and GitLab job template: the variable only without lock files; with them, the
    plugin cache is keyed on the lock file too."""
    from ruamel.yaml import YAML

    role = (
        "ci: {roleArn: 'arn:aws:iam::123456789012:role/ci',\n"
        "     environments: {default: {githubEnvironment: shared, gitlabEnvironment: shared}}}\n"
    )
    for body, unlocked in ((role, True), (role + "terraform: {lockPlatforms: [linux_amd64]}\n", False)):
        (tmp_path / "ecsform.yaml").write_text(body)
        config = project_config.load(tmp_path / "ecsform.yaml", "ecsform.yaml")
        changed = tmp_path / "changed.json"
        changed.write_text('{"changed": [{"root": "a", "environment": null}], "removed": []}')
        jobs = YAML(typ="safe").load(generate("github", config))["jobs"]
        child = YAML(typ="safe").load(generate("gitlab-child", config, changed=str(changed), apply=True))
        for env in (jobs["plan"]["env"], jobs["apply"]["env"], child[".ecsform-job"]["variables"]):
            assert ("TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE" in env) is unlocked, (env, body)
            assert "TF_PLUGIN_CACHE_DIR" in env
        cache = next(s for s in jobs["plan"]["steps"] if s.get("uses", "").startswith("actions/cache"))
        assert ("'ecsform.lock.hcl'" in cache["with"]["key"]) is not unlocked


def test_the_repositorys_lock_file_fits_its_ecsform_yaml() -> None:
    config = project_config.load(REPO / "ecsform.yaml", "ecsform.yaml")
    lock = config.lock()
    assert lock is not None and lock.version == "5.100.0" and lock.platforms == ("linux_amd64",)
    assert os.path.basename(config.lock_path) == providers.PROJECT_LOCK


def test_atlantis_watches_the_copy_the_roots_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without moduleSource, each Atlantis project watches the modules synth copies into the output (committed with
    the roots), by a path relative to the project's folder."""
    from ruamel.yaml import YAML

    repo = project(tmp_path / "p", "ci: {roleArn: 'arn:aws:iam::123456789012:role/ci'}\n", lock=False)
    monkeypatch.chdir(repo)
    config = project_config.load(repo / "ecsform.yaml", "ecsform.yaml")
    projects = YAML(typ="safe").load(generate("atlantis", config))["projects"]
    assert [p["dir"] for p in projects] == ["build/shop/dev", "build/shop/prod"]
    for p in projects:
        assert "../../modules/ecs-task-definition/**/*.tf" in p["autoplan"]["when_modified"], p
        assert ".terraform.lock.hcl" not in p["autoplan"]["when_modified"]
    # with a lock file: the root's copy and ecsform.lock.hcl, which synth copies into it
    locked = project(tmp_path / "q", CONFIG + "ci: {roleArn: 'arn:aws:iam::123456789012:role/ci'}\n")
    monkeypatch.chdir(locked)
    config = project_config.load(locked / "ecsform.yaml", "ecsform.yaml")
    for p in YAML(typ="safe").load(generate("atlantis", config))["projects"]:
        assert {".terraform.lock.hcl", "../../../ecsform.lock.hcl"} <= set(p["autoplan"]["when_modified"]), p
