"""What a root's folder holds besides what ecsform wrote, and whether that is Terraform state that may still
manage something: what decides whether a root no spec produces any more is removed or kept (OUT-ORPHANED)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable


def held_state(folder: Path, entries: Iterable[str]) -> list[str]:
    """What of `entries` (paths in a root's folder) holds Terraform state that may still manage something: local
    state with resources (or that cannot be read: it counts), a workspace's, a state lock (terraform is running
    there), a backend elsewhere (`.terraform/terraform.tfstate` names it; ecsform cannot see that state).
    Backups (`*.tfstate.backup`) are history: after `terraform destroy` the root holds no state."""
    held = []
    for rel in entries:
        name = rel.rsplit("/", 1)[-1]
        if name.endswith(".tfstate") and not _empty_state(folder / rel):
            held.append(rel)
        elif name == "terraform.tfstate.d":
            held += [
                f"{rel}/{p.parent.name}/{p.name}"
                for p in sorted((folder / rel).glob("*/terraform.tfstate"))
                if not _empty_state(p)
            ]
        elif name == ".terraform.tfstate.lock.info":
            held.append(rel)
        elif name == ".terraform":
            backend = _remote_backend(folder / rel / "terraform.tfstate")
            if backend:
                held.append(f"{rel} (backend {backend})")
    return held


def remote(state: list[str]) -> bool:
    """Whether `held_state` found a backend elsewhere (whose state ecsform cannot see)."""
    return any(s.startswith(".terraform (backend") for s in state)


def _empty_state(path: Path) -> bool:
    try:
        state = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(state, dict) and not state.get("resources")


def _remote_backend(path: Path) -> str | None:
    """The type of the backend `terraform init` recorded in .terraform/terraform.tfstate, when not local."""
    try:
        backend = json.loads(path.read_bytes()).get("backend") or {}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError):
        return "unknown"
    kind = backend.get("type") if isinstance(backend, dict) else "unknown"
    return None if kind == "local" else str(kind)


def foreign(folder: Path, generated: frozenset[str], roots: set[str], leading: set[str]) -> list[str]:
    """What a root's folder holds besides its `generated` files (paths relative to it), without looking into
    the `roots` inside it; a folder nothing generated lies in counts as one entry."""
    found: list[str] = []

    def visit(rel: str) -> None:
        with os.scandir(folder / rel if rel else folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            child = f"{rel}/{e.name}" if rel else e.name
            if child in roots:
                continue
            if e.is_dir(follow_symlinks=False):
                if child in leading or any(g.startswith(child + "/") for g in generated):
                    visit(child)
                else:
                    found.append(child)
            elif child not in generated:
                found.append(child)

    visit("")
    return found
