"""Every module: fmt-clean, validates, `terraform test` (mocked provider) passes, its examples validate, its README tables are fresh
(test_docs_fresh.py), and checkov finds nothing in its examples or in the roots synthesized from specs/."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import MODULES, SPECS, checkov, ecsform, failed, terraform, user_choices

from generators import providers, tfrc

pytestmark = pytest.mark.terraform

MODULE_NAMES = sorted(p.name for p in MODULES.iterdir() if p.is_dir())
EXAMPLES = sorted(p.relative_to(MODULES).as_posix() for p in MODULES.glob("*/examples/*") if p.is_dir())


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return dst


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_module_has_the_five_files_and_tests(module: str) -> None:
    path = MODULES / module
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (path / name).is_file(), f"{module} lacks {name}"
    assert list((path / "tests").glob("*.tftest.hcl")), f"{module} has no terraform test"
    assert list((path / "examples").iterdir()), f"{module} has no example"
    readme = (path / "README.md").read_text()
    assert "<!-- BEGIN_TF_DOCS -->\n## Inputs" in readme


def mirror_versions() -> list[str]:
    """The hashicorp/aws releases the local provider mirror holds (generators/tfrc.py finds it)."""
    mirror = tfrc.find_mirror()
    assert mirror is not None, "the terraform tests need the provider mirror (generators/tfrc.py finds it)"
    folder = mirror / "registry.terraform.io" / "hashicorp" / "aws"
    return sorted((p.name for p in folder.iterdir() if re.match(r"^\d+\.\d+\.\d+$", p.name)), key=version_key)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in version.split("."))


def in_tested_range(version: str) -> bool:
    """Within the range the modules declare (providers.TESTED, `>= LOW, < HIGH`)."""
    low, high = re.findall(r"\d+\.\d+\.\d+", providers.TESTED)
    assert providers.TESTED == f">= {low}, < {high}"
    return version_key(low) <= version_key(version) < version_key(high)


TESTED_RELEASES = [v for v in mirror_versions() if in_tested_range(v)]


@pytest.mark.parametrize("version", TESTED_RELEASES)
@pytest.mark.parametrize("module", MODULE_NAMES)
def test_module_validates_and_terraform_test_passes(
    module: str, version: str, tmp_path: Path, tf_env: dict[str, str]
) -> None:
    """On every release of the tested range the mirror holds (issue 22: today 5.100.0 alone): an override file
    narrows the module's constraint to that release, so init installs exactly it."""
    terraform(["fmt", "-check", "-diff", "-recursive", "."], MODULES / module, tf_env)
    work = _copy(MODULES / module, tmp_path / module)
    (work / "versions_override.tf").write_text(
        f'terraform {{\n  required_providers {{\n    aws = {{\n      source  = "{providers.SOURCE}"\n'
        f'      version = "= {version}"\n    }}\n  }}\n}}\n'
    )
    terraform(["init", "-backend=false", "-input=false"], work, tf_env)
    assert f'version     = "{version}"' in (work / ".terraform.lock.hcl").read_text()
    assert "Success" in terraform(["validate"], work, tf_env).stdout
    proc = terraform(["test"], work, tf_env)
    assert "0 failed" in proc.stdout and " passed" in proc.stdout, proc.stdout


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_validates(example: str, tmp_path: Path, tf_env: dict[str, str]) -> None:
    # Keep the example's place relative to its module so that `source = "../.."` resolves.
    module = example.split("/")[0]
    work = _copy(MODULES / module, tmp_path / module) / Path(example).relative_to(module)
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (work / name).is_file(), f"{example} lacks {name}"
    terraform(["fmt", "-check", "-diff", "."], work, tf_env)
    terraform(["init", "-backend=false", "-input=false"], work, tf_env)
    terraform(["validate"], work, tf_env)


def test_checkov_passes_on_module_examples(tmp_path: Path) -> None:
    work = _copy(MODULES, tmp_path / "modules")
    for example in EXAMPLES:
        report = checkov(work / example)
        assert report.get("summary", {}).get("passed", 0) > 0, f"checkov checked nothing in {example}"
        assert not failed(report), f"{example}: {failed(report)}"


def test_checkov_passes_on_synthesized_roots(tmp_path: Path) -> None:
    """Everything ecsform decides passes; a check that judges the spec author's own choice about a container
    (conftest.USER_CHOICES) is let through only for a root whose task makes that choice."""
    out = tmp_path / "out"
    assert ecsform("synth", str(SPECS), "--out", str(out)).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    for root in manifest["roots"]:
        env = ["--env", root["environment"]] if root["environment"] else []
        rendered = json.loads(ecsform("render", root["spec"], *env).stdout)
        report = checkov(out / root["path"])
        assert report.get("summary", {}).get("passed", 0) > 0
        assert not failed(report, user_choices(rendered)), f"{root['path']}: {failed(report, user_choices(rendered))}"
