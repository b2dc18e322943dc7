"""Write a Terraform CLI configuration that installs providers from a local filesystem mirror when one exists.

Offline runners keep providers in a mirror (`<dir>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/...`
unpacked, or the `.zip` packed layout). The mirror is taken from `ECSFORM_TF_PROVIDER_MIRROR`, else found in the
usual places. With no mirror the file only says `direct {}`, which is what plain `terraform init` does anyway.

    python -m generators.tfrc PATH      # write the config; print the mirror it uses (or "none")
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_VAR = "ECSFORM_TF_PROVIDER_MIRROR"
_CANDIDATES = (
    "/opt/tf-plugins",
    "/opt/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
)
_SEARCH_ROOTS = ("/opt", "/usr/local/share", "/usr/share", "/srv", "~")
_MAX_DEPTH = 8


def _is_mirror(path: Path) -> bool:
    aws = path / "registry.terraform.io" / "hashicorp" / "aws"
    return aws.is_dir() and any(aws.iterdir())


def _search(root: Path) -> Path | None:
    """Breadth-first look for a directory holding registry.terraform.io/hashicorp/aws, a few levels deep."""
    frontier = [root]
    for _ in range(_MAX_DEPTH):
        nxt: list[Path] = []
        for d in frontier:
            try:
                entries = sorted(p for p in d.iterdir() if p.is_dir() and not p.is_symlink())
            except OSError:
                continue
            for p in entries:
                if p.name == "registry.terraform.io" and _is_mirror(d):
                    return d
                if not p.name.startswith(".") or p.name == ".terraform.d":
                    nxt.append(p)
        frontier = nxt
    return None


def find_mirror() -> Path | None:
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        path = Path(explicit).expanduser()
        if not _is_mirror(path):
            raise SystemExit(f"{ENV_VAR}={explicit} holds no registry.terraform.io/hashicorp/aws provider")
        return path
    for c in _CANDIDATES:
        path = Path(c).expanduser()
        if _is_mirror(path):
            return path
    for r in _SEARCH_ROOTS:
        root = Path(r).expanduser()
        if root.is_dir():
            found = _search(root)
            if found:
                return found
    return None


def config_text(mirror: Path | None) -> str:
    if mirror is None:
        return "provider_installation {\n  direct {}\n}\n"
    providers = sorted(
        f"registry.terraform.io/{ns.name}/{p.name}"
        for ns in (mirror / "registry.terraform.io").iterdir()
        if ns.is_dir()
        for p in ns.iterdir()
        if p.is_dir()
    )
    include = ", ".join(f'"{p}"' for p in providers)
    return (
        "# Written by `python -m generators.tfrc`: providers found in the local mirror come from it, the rest from\n"
        "# their registries.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        f"    include = [{include}]\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = [{include}]\n"
        "  }\n"
        "}\n"
    )


def write(path: str | Path) -> Path | None:
    """Write the CLI config to `path` (only when its content changes) and return the mirror used."""
    mirror = find_mirror()
    text = config_text(mirror)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text() != text:
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(text)
        tmp.replace(target)
    return mirror


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    mirror = write(argv[0])
    print(mirror if mirror else "none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
