"""The documentation: the site builds with MkDocs in strict mode (a broken link, a missing page or a page left out
of the nav fails), every spec in the docs validates, the README stays short, and the docs say `ecsform`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO, ecsform
from markdown_blocks import blocks

PAGES = sorted([REPO / "README.md", REPO / "CHANGELOG.md", *(REPO / "docs").glob("*.md")])


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "site" / "tutorial" / "index.html").is_file()
    assert "ECS-A1" in (tmp_path / "site" / "rules" / "index.html").read_text()


def test_every_spec_in_the_docs_validates(tmp_path: Path) -> None:
    specs = [b for page in PAGES for b in blocks(page) if b.marker == "spec"]
    assert len(specs) >= 5, [f"{b.source.name}:{b.line}" for b in specs]
    files = []
    for n, block in enumerate(specs):
        assert block.lang in ("yaml", "json"), f"{block.source.name}:{block.line}: a spec block is yaml or json"
        path = tmp_path / f"{n:02d}-{Path(block.argument).name}"
        assert path.suffix == f".{block.lang}" or (path.suffix == ".yml" and block.lang == "yaml"), block
        path.write_text(block.text, encoding="utf-8")
        files.append(str(path))
    proc = ecsform("validate", *files, "--no-config", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_is_short_and_links_to_pages_that_exist() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 150
    for target in re.findall(r"\]\(((?:docs/)?[\w./-]+\.md)(?:#[\w-]+)?\)", readme):
        assert (REPO / target).is_file(), target


def test_docs_name_the_ecsform_command() -> None:
    for page in PAGES:
        assert "python main.py" not in page.read_text(encoding="utf-8"), page.name


def test_module_examples_pin_a_version() -> None:
    """A module called from outside the checkout is pinned to a release tag (docs/modules.md)."""
    for readme in sorted((REPO / "modules").glob("*/README.md")):
        sources = re.findall(r'^\s*source\s*=\s*"([^"]+)"', readme.read_text(encoding="utf-8"), re.M)
        assert sources and all(re.search(r"\?ref=v\d+\.\d+\.\d+$", s) for s in sources), (readme, sources)
