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
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and its pinned dependencies installed; its bin/ folder.

    The wheel is built by pip with the project's pinned setuptools (no isolated build environment to download), and
    the project's uv installs it into the new environment (`uv pip install --python`, as make setup installs), so the
    environment holds only the wheel and what it depends on, as the index serves them."""
    work = tmp_path_factory.mktemp("wheel")
    src = project_files(work / "src")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run(
        [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(work / "dist"), str(src)],
        work,
    )
    wheels = sorted((work / "dist").glob("ecsform-*.whl"))
    assert len(wheels) == 1, wheels
    run([sys.executable, "-m", "venv", "--without-pip", str(work / "venv")], work)
    uv = str(Path(sys.executable).with_name("uv"))  # the project's installer (make setup), pinned in constraints.txt
    run(
        [
            uv,
            "pip",
            "install",
            "--python",
            str(work / "venv" / "bin" / "python"),
            "--quiet",
            "-c",
            str(REPO / "requirements" / "constraints.txt"),
            str(wheels[0]),
        ],
        work,
    )
    return work / "venv" / "bin"


def test_installed_wheel_synthesizes_the_bundled_specs(installed: Path, tf_env: dict[str, str], tmp_path: Path) -> None:
    ecsform = str(installed / "ecsform")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert run([ecsform, "--version"], tmp_path, env).stdout.split() == ["ecsform", version]

    # a project of its own, outside the checkout: the bundled specs and ecsform.yaml, without the line that points
    # at the checkout's ./modules (an installed ecsform calls the modules its wheel carries)
    project = tmp_path / "project"
    shutil.copytree(SPECS, project / "specs")
    config = (REPO / "ecsform.yaml").read_text()
    assert "moduleSource: ./modules" in config
    (project / "ecsform.yaml").write_text(
        "\n".join(line for line in config.splitlines() if "moduleSource: ./modules" not in line) + "\n"
    )

    run([ecsform, "validate", "specs"], project, env)
    run([ecsform, "synth", "specs", "--out", "build"], project, env)
    roots = json.loads((project / "build" / "manifest.json").read_text())["roots"]
    assert len(roots) >= 5, roots

    packaged = next(installed.parent.glob("lib/python*/site-packages/generators/modules"))
    assert sorted(p.name for p in packaged.iterdir()) == sorted(p.name for p in (REPO / "modules").iterdir())
    for root in roots:
        main_tf = (project / "build" / root["path"] / "main.tf").read_text()
        assert "/site-packages/generators/modules/" in main_tf, main_tf

    # every root validated at once (one provider start): a wrapper root calls each as a module, with the root's own
    # provider block; Terraform reads a child module's backend block as nothing
    wrapper = project / "validate-all"
    wrapper.mkdir()
    calls = [f'module "r{i}" {{\n  source = "../build/{root["path"]}"\n}}\n' for i, root in enumerate(roots)]
    (wrapper / "main.tf").write_text("\n".join(calls))
    terraform(["init", "-backend=false", "-input=false"], wrapper, tf_env)
    assert "Success" in terraform(["validate"], wrapper, tf_env).stdout
