"""The writer's types: the journal's steps keep the JSON that runs before them left (a journal of a run that died is
undone by the next run, whichever version wrote it), a manifest on disk is read only where it is well formed, and
each file of a publication gets the step its place on disk calls for."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from generators.writer.changes import Kinds, file_step
from generators.writer.journal import Add, Put, Remove, Rmdir, decode, encode
from generators.writer.manifest import Written, written_entries

JOURNAL_TEXT = (  # as runs before the steps were types wrote it: json.dumps({"ops": [tuples]})
    b'{"ops": [["put", "a/main.tf", true], ["put", "manifest.json", false], ["add", "b"], ["remove", "c/x"], '
    b'["rmdir", "c"]]}'
)
STEPS = [Put("a/main.tf", True), Put("manifest.json", False), Add("b"), Remove("c/x"), Rmdir("c")]


def test_steps_keep_the_journal_format() -> None:
    assert encode(STEPS) == JOURNAL_TEXT
    assert decode(JOURNAL_TEXT) == STEPS
    assert Add("x") != Remove("x")  # a step is its kind and its path, not a bare tuple


@pytest.mark.parametrize(
    "text", [b'{"ops": [["move", "a"]]}', b'{"ops": [["put", "a"]]}', b'{"ops": [["add", 3]]}', b'{"ops": [["rmdir"]]}']
)
def test_a_journal_this_writer_did_not_write_is_refused(text: bytes) -> None:
    with pytest.raises(ValueError, match="unknown step"):
        decode(text)


def test_a_manifest_on_disk_is_read_where_it_is_well_formed() -> None:
    good = {"path": "svc/dev", "files": ["main.tf", 7, "README.md"], "spec": "specs/svc.yaml", "hash": "sha256:0"}
    data = {
        "roots": [
            good,
            {"path": "../outside", "files": []},
            {"path": "/abs", "files": []},
            {"path": "a//b", "files": []},
            {"path": "svc/prod", "files": "main.tf"},
            "svc/stage",
            {"files": ["main.tf"]},
            {"path": "bare"},
        ]
    }
    assert written_entries(data, "roots") == [
        Written("svc/dev", frozenset({"main.tf", "README.md"}), "specs/svc.yaml", good),
        Written("bare", frozenset(), None, {"path": "bare"}),
    ]
    assert written_entries({"roots": {"path": "x"}}, "roots") == written_entries(data, "orphaned") == []


def test_each_file_gets_the_step_its_place_calls_for(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "same.tf").write_bytes(b"same")
    (tmp_path / "root" / "old.tf").write_bytes(b"old")
    (tmp_path / "root" / "folder.tf").mkdir()
    (tmp_path / "file").write_bytes(b"")
    kinds = Kinds(str(tmp_path))
    assert file_step(kinds, "root/same.tf", b"same") is None
    assert file_step(kinds, "root/old.tf", b"new") == Put("root/old.tf", True)
    assert file_step(kinds, "root/new.tf", b"new") == Put("root/new.tf", False)
    assert file_step(kinds, "fresh/dev/main.tf", b"new") == Add("fresh")  # the whole folder, renamed in once
    for rel, code in (("file/main.tf", errno.ENOTDIR), ("root/folder.tf", errno.EISDIR)):
        with pytest.raises(OSError) as caught:
            file_step(kinds, rel, b"new")
        assert caught.value.errno == code
