"""The wheel carries the Terraform modules: modules/ is copied into the package as generators/modules, where
generators.locations.MODULES finds it once installed (in a checkout it uses modules/ itself). Everything else is in
pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# what Terraform leaves in a module folder after init/test: never part of the package
_IGNORE = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.*", "__pycache__")


class BuildPyWithModules(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):  # an editable install uses the checkout's modules/
            return
        target = Path(self.build_lib) / "generators" / "modules"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(HERE / "modules", target, ignore=_IGNORE)


setup(cmdclass={"build_py": BuildPyWithModules})
