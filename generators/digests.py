"""Digests of generated files and module folders: manifest.json's `hash` of a root and of a vendored module, and
what `ecsform changed` compares a module folder by."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def files_digest(files: dict[str, bytes]) -> bytes:
    """sha256 over files (path relative to their folder -> bytes): each as its path, length and bytes, in sorted
    order."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        data = files[rel]
        digest.update(f"{rel}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.digest()


def module_digest(folder: Path, cache: dict[Path, bytes]) -> bytes:
    """sha256 over a module folder's files (every file below it, hidden ones such as .terraform/ aside), each as its
    path relative to the folder and its bytes, in sorted order; computed once per folder and `cache` (one run)."""
    if folder not in cache:
        found = {}
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in filenames:
                if not name.startswith("."):
                    path = Path(dirpath) / name
                    found[path.relative_to(folder).as_posix()] = path.read_bytes()
        cache[folder] = files_digest(found)
    return cache[folder]


def root_hash(files: dict[str, bytes], modules: list[tuple[str, bytes]]) -> str:
    """manifest.json's `hash` of a root: sha256 over its files (name, length, bytes, in sorted order), then each
    local module it calls (its source as the root writes it, and the digest of the module's files: those vendored
    into OUT/modules, or every file of a moduleSource folder; b"missing" for a folder that is not there)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"file\0{name}\0{len(files[name])}\0".encode())
        digest.update(files[name])
    for source, module_digest in sorted(modules):
        digest.update(f"module\0{source}\0".encode())
        digest.update(module_digest)
    return "sha256:" + digest.hexdigest()
