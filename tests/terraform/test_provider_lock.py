"""Pinned providers for real (issue 22 item 5): `ecsform lock` runs `terraform providers lock` against the local
provider mirror and writes exactly the ecsform.lock.hcl the repository commits; a platform the mirror lacks is a
finding with Terraform's words and writes nothing; the modules are tested on every hashicorp/aws release the
constraint allows that the mirror holds (test_modules.py; here 5.100.0, the only release in the mirror: no other
5.x, and 6.x is outside the range).

The roots of `make synth` carry the lock file into `terraform init` in tests/e2e/test_deploy_targets.py (the lock
file stays byte for byte as synth wrote it, and the plugin cache serves both roots without
TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import MODULES, REPO, ecsform
from test_modules import TESTED_RELEASES, mirror_versions, version_key

from generators import tfrc

pytestmark = pytest.mark.terraform


def test_the_mirror_holds_every_major_the_constraint_allows() -> None:
    """The constraint allows one major (5); the mirror must hold a release of it, or the modules go untested.
    test_modules.py runs each module's validate and `terraform test` on every release listed here."""
    assert TESTED_RELEASES == ["5.100.0"], mirror_versions()
    assert {version_key(v)[0] for v in TESTED_RELEASES} == {5}


def test_lock_writes_the_committed_lock_file_and_refuses_a_platform_it_cannot_hash(
    tmp_path: Path, tf_env: dict[str, str]
) -> None:
    mirror = str(tfrc.find_mirror())
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    shutil.copy(REPO / "ecsform.yaml", project / "ecsform.yaml")
    shutil.copytree(MODULES, project / "modules", ignore=shutil.ignore_patterns(".*"))
    proc = ecsform("lock", "--fs-mirror", mirror, cwd=project, env=tf_env)
    assert proc.returncode == 0 and proc.stderr == "wrote ecsform.lock.hcl\n", proc.stderr
    assert (project / "ecsform.lock.hcl").read_bytes() == (REPO / "ecsform.lock.hcl").read_bytes()

    config = project / "ecsform.yaml"
    config.write_text(config.read_text().replace("lockPlatforms: [linux_amd64]", "lockPlatforms: [darwin_arm64]"))
    before = (project / "ecsform.lock.hcl").read_bytes()
    failed = ecsform("lock", "--fs-mirror", mirror, cwd=project, env=tf_env)
    assert failed.returncode == 2 and "error LOCK-TERRAFORM: terraform providers lock failed" in failed.stderr
    assert "darwin_arm64" in failed.stderr and "--fs-mirror DIR" in failed.stderr
    assert (project / "ecsform.lock.hcl").read_bytes() == before
