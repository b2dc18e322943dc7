"""Every root synthesized from specs/ and the fixtures passes terraform fmt -check, init and validate
with the real hashicorp/aws provider; so does every module."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, MODULES, REPO, SPECS, ecsform, terraform

SOURCES = [str(SPECS), str(FIXTURES / "valid"), str(FIXTURES / "features")]

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "out"
    proc = ecsform("synth", *SOURCES, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def _roots() -> list[str]:
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        proc = ecsform("synth", *SOURCES, "--out", f"{tmp}/o")
        assert proc.returncode == 0, proc.stderr
        manifest = json.loads(Path(f"{tmp}/o/manifest.json").read_text())
    return [r["path"] for r in manifest["roots"]]


@pytest.mark.parametrize("root", _roots())
def test_root_fmt_init_validate(synthesized: Path, root: str, tf_env: dict[str, str]) -> None:
    path = synthesized / root
    terraform(["fmt", "-check", "-diff", "."], path, tf_env)
    terraform(["init", "-backend=false", "-input=false"], path, tf_env)
    proc = terraform(["validate"], path, tf_env)
    assert "Success" in proc.stdout


@pytest.mark.parametrize("module", sorted(p.name for p in MODULES.iterdir() if p.is_dir()))
def test_module_fmt_init_validate(module: str, tmp_path: Path, tf_env: dict[str, str]) -> None:
    src = MODULES / module
    terraform(["fmt", "-check", "-diff", "-recursive", "."], src, tf_env)
    work = tmp_path / module
    shutil.copytree(src, work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    terraform(["init", "-backend=false", "-input=false"], work, tf_env)
    terraform(["validate"], work, tf_env)


def test_repo_is_clean_of_terraform_state() -> None:
    assert not list(REPO.glob("modules/**/*.tfstate"))
