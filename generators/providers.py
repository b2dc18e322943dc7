"""The AWS provider every root and module requires, and the lock file that pins it.

    TESTED                         the range of hashicorp/aws the modules are tested with (modules/*/versions.tf
                                   declare exactly this; tests/terraform checks every version of it available here)
    constraint_problem(text)       what Terraform would refuse in a version constraint (ecsform.yaml's
                                   terraform.providerVersion)
    LockFile.parse(text)           ecsform.lock.hcl: what `ecsform lock` wrote (the constraint and platforms it was
                                   written for, in its header) and the provider's locked version
    lock(...)                      `ecsform lock`: `terraform providers lock` for the platforms ecsform.yaml names,
                                   in a scratch configuration that requires what the roots require

Why the range is `>= 5.100.0, < 6.0.0`: the modules use arguments of the 5.x series's later releases
(`aws_ecs_task_definition.track_latest`, added in 5.37.0, hashicorp/terraform-provider-aws#30154;
`enable_fault_injection`, added in early 2025, #41078) and Terraform reads `data.aws_region.name`, which 6.0
deprecates; 5.100.0 is the one release they are tested with here (the local provider mirror holds no other), so the
lower bound claims no release nobody ran. The upper bound keeps the next major (6.x) out until the modules are tested
with it: a major may rename or remove what the modules use.

The lock file of every root is one file: every root requires the same provider under the same constraints, so
`ecsform lock` writes it once beside ecsform.yaml (commit it) and synth copies it into each root as
`.terraform.lock.hcl`. Terraform then installs exactly the locked version, checks its hashes, and may take it from
TF_PLUGIN_CACHE_DIR without TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SOURCE = "hashicorp/aws"
ADDRESS = "registry.terraform.io/hashicorp/aws"
TESTED = ">= 5.100.0, < 6.0.0"
LOCK_FILE = ".terraform.lock.hcl"  # what Terraform reads in a root
PROJECT_LOCK = "ecsform.lock.hcl"  # what `ecsform lock` writes beside ecsform.yaml
# Terraform's provider platforms: OS_ARCH (developer.hashicorp.com/terraform/cli/commands/providers/lock)
PLATFORM = re.compile(r"^(linux|darwin|windows|freebsd|openbsd|solaris)_(amd64|arm64|386|arm)$")
# one version constraint: an operator and a version of one to three numbers (a pre-release only with =), as
# Terraform's version constraint syntax allows (developer.hashicorp.com/terraform/language/expressions/version-constraints)
_ONE = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*v?(\d+)(\.\d+){0,2}(-[0-9A-Za-z.-]+)?\s*$")
_HEADER_CONSTRAINT = "# ecsform: providerVersion "
_HEADER_PLATFORMS = "# ecsform: platforms "


def constraint_problem(text: str) -> str | None:
    """What is wrong with a provider version constraint (None when Terraform reads it)."""
    parts = text.split(",")
    if not text.strip() or any(not _ONE.match(p) for p in parts):
        return (
            f"{text!r} is not a Terraform version constraint (one or more of = != > >= < <= ~> and a version, "
            "separated by commas)"
        )
    return None


@dataclass(frozen=True)
class LockFile:
    text: str  # as `ecsform lock` wrote it (synth copies it into each root byte for byte)
    constraint: str | None  # the providerVersion it was written for (its header)
    platforms: tuple[str, ...]  # the platforms it was written for (its header)
    version: str | None  # the locked version of hashicorp/aws

    @classmethod
    def parse(cls, text: str) -> "LockFile":
        constraint, platforms = None, ()
        for line in text.splitlines():
            if line.startswith(_HEADER_CONSTRAINT):
                constraint = line[len(_HEADER_CONSTRAINT) :].strip()
            elif line.startswith(_HEADER_PLATFORMS):
                platforms = tuple(line[len(_HEADER_PLATFORMS) :].split())
        block = re.search(r'^provider "' + re.escape(ADDRESS) + r'" \{(.*?)^\}', text, re.M | re.S)
        version = re.search(r'^\s*version\s*=\s*"([^"]+)"', block.group(1), re.M) if block else None
        return cls(text, constraint, platforms, version.group(1) if version else None)

    def problem(self, constraint: str, platforms: list[str]) -> str | None:
        """Why this lock file does not fit ecsform.yaml's terraform block (None when it does)."""
        if self.version is None:
            return f"it locks no {SOURCE}"
        if self.constraint != constraint:
            return f"it was written for providerVersion {self.constraint!r}, ecsform.yaml says {constraint!r}"
        if sorted(self.platforms) != sorted(platforms):
            return (
                f"it was written for the platforms {', '.join(sorted(self.platforms)) or 'none'}, ecsform.yaml names "
                f"{', '.join(sorted(platforms))}"
            )
        return None


class LockError(Exception):
    """`terraform providers lock` failed: its own words."""


def lock(
    constraint: str,
    platforms: list[str],
    module_versions: str,
    *,
    fs_mirror: str | None = None,
    net_mirror: str | None = None,
    terraform: str = "terraform",
) -> str:
    """The text of ecsform.lock.hcl: `terraform providers lock -platform=...` run in a scratch configuration whose
    root requires `constraint` and whose one module declares `module_versions` (the modules' versions.tf), so
    that the lock records the constraints a generated root has; from the registry, or from a mirror
    (`-fs-mirror`, `-net-mirror`). Raises LockError with Terraform's output when it fails."""
    with tempfile.TemporaryDirectory(prefix="ecsform-lock-") as tmp:
        work = Path(tmp)
        (work / "module").mkdir()
        (work / "module" / "versions.tf").write_text(module_versions)
        (work / "main.tf").write_text(
            "terraform {\n  required_providers {\n    aws = {\n"
            f'      source  = "{SOURCE}"\n      version = "{constraint}"\n'
            '    }\n  }\n}\n\nmodule "modules" {\n  source = "./module"\n}\n'
        )
        args = [terraform, "providers", "lock", *(f"-platform={p}" for p in platforms)]
        if fs_mirror:
            args.append(f"-fs-mirror={fs_mirror}")
        if net_mirror:
            args.append(f"-net-mirror={net_mirror}")
        env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
        for command in ([terraform, "get"], args):  # `get` installs the (local) module: `providers lock` reads it
            try:
                proc = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=600)
            except OSError as exc:
                raise LockError(f"cannot run {terraform}: {exc.strerror or exc}") from None
            except subprocess.TimeoutExpired:
                raise LockError(f"{' '.join(command[:3])} did not finish within 10 minutes") from None
            if proc.returncode != 0:
                words = re.sub(r"\x1b\[[0-9;]*m", "", proc.stderr or proc.stdout).strip()
                raise LockError(words or f"{' '.join(command[:3])} exited {proc.returncode}")
        text = (work / LOCK_FILE).read_text()
    header = (
        "# Written by `ecsform lock`: the provider every root of this project installs, for the platforms\n"
        "# ecsform.yaml names (terraform.lockPlatforms). Commit it; synth copies it into each root.\n"
        f"{_HEADER_CONSTRAINT}{constraint}\n"
        f"{_HEADER_PLATFORMS}{' '.join(sorted(platforms))}\n"
    )
    # Terraform's own header says it maintains the file: this one is ecsform's, and `ecsform lock` rewrites it
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#")).lstrip("\n")
    return header + "\n" + body + ("" if body.endswith("\n") else "\n")
