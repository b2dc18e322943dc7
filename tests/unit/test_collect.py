"""The spec files validate, synth and changed read from the paths they are given: every .yaml, .yml and .json
below a folder (any case), nothing hidden, symbolic links to files followed and links to folders not entered, each
file once, sorted as messages show them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generators import validation


def _tree(root: Path) -> None:
    for rel in (
        "a.json",
        "b/c.YAML",
        "b/d/e.yml",
        "b/notes.txt",
        "b/noext",
        ".hidden.json",
        ".git/config.json",
        "b/.cache/f.json",
        "outside/g.json",
    ):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("{}\n")
    (root / "b" / "x.json").mkdir()  # a folder named like a spec
    (root / "b" / "link.json").symlink_to(root / "a.json")
    (root / "b" / "broken.json").symlink_to(root / "nowhere.json")
    (root / "b" / "folder-link").symlink_to(root / "outside", target_is_directory=True)


def test_the_spec_files_of_folders_and_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    files, problems = validation.collect(["b", "a.json", "./b/d/e.yml", "missing"])
    assert [str(f) for f in files] == ["a.json", "b/c.YAML", "b/d/e.yml", "b/link.json"]
    assert [(f.rule, f.file) for f in problems] == [("SPEC-READ", "missing")]
    files, _ = validation.collect(["."])
    assert [str(f) for f in files] == ["a.json", "b/c.YAML", "b/d/e.yml", "b/link.json", "outside/g.json"]
    # named as given, outside the working folder too (the path each finding shows), sorted as shown
    monkeypatch.chdir(tmp_path / "outside")
    files, _ = validation.collect(["..", "g.json"])
    assert [str(f) for f in files] == [
        "../a.json",
        "../b/c.YAML",
        "../b/d/e.yml",
        "../b/link.json",
        "../outside/g.json",
    ]
    assert [validation.display_path(f) for f in files] == [
        f"{tmp_path}/a.json",
        f"{tmp_path}/b/c.YAML",
        f"{tmp_path}/b/d/e.yml",
        f"{tmp_path}/b/link.json",
        "g.json",
    ]


def test_a_folder_that_cannot_be_listed_holds_no_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path)
    real = os.scandir

    def scandir(path: str) -> object:
        if str(path).endswith("/d"):
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, problems = validation.collect([str(tmp_path / "b")])
    assert [f.name for f in files] == ["c.YAML", "link.json"] and problems == []
