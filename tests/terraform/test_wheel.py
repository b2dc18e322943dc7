"""`pip install .` (not editable) gives a working tool: the wheel is built from the project's files, installed into
a fresh virtual environment with the pinned dependencies, and run outside the checkout. It carries the Terraform
modules (generators/modules, copied by setup.py), so the roots it synthesizes from the bundled specs call modules that
exist and pass `terraform validate`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import REPO, SPECS, terraform
from project_copy import project_files

pytestmark = [pytest.mark.terraform, pytest.mark.install]


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(args)} ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built by pip with the project's pinned setuptools (no isolated build environment to download)."""
    work = tmp_path_factory.mktemp("wheel")
    src = project_files(work / "src")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run(
        [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(work / "dist"), str(src)],
        work,
    )
    wheels = sorted((work / "dist").glob("ecsform-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def install(wheel: Path, venv: Path) -> Path:
    """A fresh virtual environment at `venv` with the wheel and its pinned dependencies; its bin/ folder. The
    project's uv installs it (`uv pip install --python`, as make setup installs), so the environment holds only the
    wheel and what it depends on, as the index serves them."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], venv.parent)
    uv = str(Path(sys.executable).with_name("uv"))  # the project's installer (make setup), pinned in constraints.txt
    run(
        [
            uv,
            "pip",
            "install",
            "--python",
            str(venv / "bin" / "python"),
            "--quiet",
            "-c",
            str(REPO / "requirements" / "constraints.txt"),
            str(wheel),
        ],
        venv.parent,
    )
    return venv / "bin"


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install(wheel, tmp_path_factory.mktemp("install-a") / "venv")


def project_of_its_own(folder: Path) -> Path:
    """A project outside the checkout: the bundled specs, ecsform.yaml without the line that points at the
    checkout's ./modules (an installed ecsform copies the modules its wheel carries into the output), and the lock
    file ecsform.yaml's terraform.lockPlatforms asks for."""
    shutil.copytree(SPECS, folder / "specs")
    config = (REPO / "ecsform.yaml").read_text()
    assert "moduleSource: ./modules" in config and "lockPlatforms:" in config
    (folder / "ecsform.yaml").write_text(
        "\n".join(line for line in config.splitlines() if "moduleSource: ./modules" not in line) + "\n"
    )
    shutil.copy(REPO / "ecsform.lock.hcl", folder / "ecsform.lock.hcl")
    return folder


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_installed_wheel_synthesizes_the_bundled_specs(installed: Path, tf_env: dict[str, str], tmp_path: Path) -> None:
    ecsform = str(installed / "ecsform")
    env = clean_env()
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert run([ecsform, "--version"], tmp_path, env).stdout.split() == ["ecsform", version]

    project = project_of_its_own(tmp_path / "project")
    run([ecsform, "validate", "specs"], project, env)
    run([ecsform, "synth", "specs", "--out", "build"], project, env)
    manifest = json.loads((project / "build" / "manifest.json").read_text())
    roots = manifest["roots"]
    assert len(roots) >= 5, roots

    # the roots call the copy synth vendors into build/modules (the bytes the wheel carries), never the installation
    packaged = next(installed.parent.glob("lib/python*/site-packages/generators/modules"))
    assert sorted(p.name for p in packaged.iterdir()) == sorted(p.name for p in (REPO / "modules").iterdir())
    assert [m["path"] for m in manifest["modules"]] == ["modules/ecs-task-definition"]
    vendored = project / "build" / "modules" / "ecs-task-definition"
    for name in manifest["modules"][0]["files"]:
        assert (vendored / name).read_bytes() == (packaged / "ecs-task-definition" / name).read_bytes()
    for root in roots:
        main_tf = (project / "build" / root["path"] / "main.tf").read_text()
        up = "../" * (root["path"].count("/") + 1)
        assert f'source = "{up}modules/ecs-task-definition"' in main_tf and "site-packages" not in main_tf, main_tf
        lock = (project / "build" / root["path"] / ".terraform.lock.hcl").read_bytes()
        assert lock == (REPO / "ecsform.lock.hcl").read_bytes()

    # every root validated at once (one provider start): a wrapper root calls each as a module, with the root's own
    # provider block; Terraform reads a child module's backend block as nothing
    wrapper = project / "validate-all"
    wrapper.mkdir()
    calls = [f'module "r{i}" {{\n  source = "../build/{root["path"]}"\n}}\n' for i, root in enumerate(roots)]
    (wrapper / "main.tf").write_text("\n".join(calls))
    terraform(["init", "-backend=false", "-input=false"], wrapper, tf_env)
    assert "Success" in terraform(["validate"], wrapper, tf_env).stdout


def test_two_installs_write_the_same_roots(installed: Path, wheel: Path, tmp_path: Path) -> None:
    """Issue 22: the roots do not depend on where ecsform is installed. Two virtual environments at different paths
    (and depths) synthesize the same project into byte-identical outputs, and `synth --check` of one install passes on
    the other's output (the CI runner's install against the roots a laptop committed)."""
    other = install(wheel, tmp_path / "elsewhere" / "much" / "deeper" / "venv")
    assert other.parent.parent != installed.parent.parent
    env = clean_env()
    project = project_of_its_own(tmp_path / "project")
    run([str(installed / "ecsform"), "synth", "specs", "--out", "build"], project, env)
    run([str(other / "ecsform"), "synth", "specs", "--out", "build-b"], project, env)
    assert tree(project / "build") == tree(project / "build-b")
    assert "site-packages" not in "".join(p.decode() for p in tree(project / "build").values())
    checked = run([str(other / "ecsform"), "synth", "specs", "--out", "build", "--check"], project, env)
    assert "build is up to date" in checked.stderr
