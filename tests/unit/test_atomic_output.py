"""synth writes atomically: a run that dies before the swap leaves the previous output untouched; one that dies
between its two renames is repaired by the next run; nothing half-written is ever visible as the output."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import SPECS
from generators import pipeline, writer


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def previous(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "out"
    pipeline.synth([str(SPECS / "financial-api.json")], out)
    (out / "financial-api" / "terraform.tfstate").write_text('{"serial": 7}')
    return out, tree(out)


def test_crash_while_staging_keeps_the_previous_output(previous, monkeypatch) -> None:
    out, before = previous
    real = Path.write_bytes
    calls = {"n": 0}

    def dying_write(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", dying_write)
    with pytest.raises(OSError):
        pipeline.synth([str(SPECS)], out)
    monkeypatch.undo()
    assert tree(out) == before  # untouched, state file included
    pipeline.synth([str(SPECS)], out)  # the next run cleans the staging folder and succeeds
    assert not list(out.parent.glob(".out.ecsform-*"))
    assert (out / "financial-api" / "terraform.tfstate").read_text() == '{"serial": 7}'
    assert (out / "financial-etl" / "main.tf").is_file()


def _synth_dying_after_rename(out, monkeypatch, rename: int) -> None:
    """Run synth and interrupt it right after its `rename`-th os.replace (1: the old output moved aside, 2: the
    new one moved in, before the working files are carried over)."""
    real = os.replace
    calls = {"n": 0}

    def dying_replace(src, dst):
        calls["n"] += 1
        real(src, dst)
        if calls["n"] == rename:
            raise KeyboardInterrupt

    monkeypatch.setattr(writer.os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        pipeline.synth([str(SPECS / "financial-api.json")], out)
    monkeypatch.undo()


def test_crash_between_the_renames_is_repaired(previous, monkeypatch) -> None:
    out, before = previous
    _synth_dying_after_rename(out, monkeypatch, 1)
    assert not out.exists() and (out.parent / ".out.ecsform-old").is_dir()
    writer.recover(out.absolute())  # what the next run does first
    assert tree(out) == before


def test_next_run_after_the_swap_finishes_the_carry_over(previous, monkeypatch) -> None:
    out, _ = previous
    _synth_dying_after_rename(out, monkeypatch, 2)
    assert not (out / "financial-api" / "terraform.tfstate").exists()
    pipeline.synth([str(SPECS / "financial-api.json")], out)
    assert (out / "financial-api" / "terraform.tfstate").read_text() == '{"serial": 7}'
    assert not list(out.parent.glob(".out.ecsform-*"))
