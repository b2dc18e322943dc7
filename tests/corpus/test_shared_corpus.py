"""Issue 21: the task definitions in ../shared/corpus (published by teams nobody here knows; never copied into the
project) as a new user brings them: `validate` as they are, and `ecsform import` then `validate`.

- aws-accepted/ (registered by AWS): zero errors, as they are and imported;
- real/ and real-yaml/: zero errors, as they are and imported, except the files tests/fixtures/shared-corpus.yaml
  lists, each with its reason and source: those AWS refuses (exactly their listed errors), and the templates whose
  family, container name, task role or image only their tool fills in (after import, exactly SPEC-PLACEHOLDER for those
  placeholders). As they are, a template's only other error is SPEC-PLACEHOLDER, once per placeholder.

`make corpus` runs these (`.ci/run` does when the folder is there); `make test` and `make unit` leave them out, and
on a clone without ../shared/corpus they are not collected (tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, SHARED_CORPUS
from ruamel.yaml import YAML

from generators import validation
from generators.errors import EcsformError, Finding, Severity
from generators.importer.command import import_spec
from generators.options import Options

pytestmark = pytest.mark.corpus

EXPECTED = YAML(typ="safe").load((FIXTURES / "shared-corpus.yaml").read_text(encoding="utf-8"))
FILES = sorted(
    f"{folder}/{p.name}"
    for folder in ("real", "real-yaml", "aws-accepted")
    for p in (SHARED_CORPUS / folder).iterdir()
    if p.suffix in (".json", ".yaml", ".yml")
)
OPTIONS = Options()  # no ecsform.yaml, no --region: as a new user runs it


def errors(path: Path) -> list[Finding]:
    return [f for f in validation.validate_findings([str(path)], OPTIONS) if f.severity is Severity.ERROR]


def placeholders_in(found: list[Finding]) -> list[str]:
    return sorted({f.message.split(" is a placeholder")[0] for f in found if f.rule == "SPEC-PLACEHOLDER"})


def test_every_listed_file_is_there() -> None:
    listed = set(EXPECTED["defective"]) | set(EXPECTED["templates"])
    assert listed <= set(FILES), sorted(listed - set(FILES))
    assert len(FILES) >= 98


@pytest.mark.parametrize("name", FILES)
def test_as_it_is(name: str) -> None:
    found = errors(SHARED_CORPUS / name)
    defect = EXPECTED["defective"].get(name, {})
    assert {f.rule for f in found if f.rule != "SPEC-PLACEHOLDER"} == set(defect.get("rules", [])), [
        f.format() for f in found
    ]
    if name.startswith("aws-accepted/"):
        assert not found


@pytest.mark.parametrize("name", FILES)
def test_imported(name: str, tmp_path: Path) -> None:
    defect = EXPECTED["defective"].get(name, {})
    try:
        text, _ = import_spec(str(SHARED_CORPUS / name))
    except EcsformError as exc:
        assert defect.get("import") == "refused", str(exc)
        return
    assert defect.get("import") != "refused"
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    found = errors(spec)
    assert {f.rule for f in found if f.rule != "SPEC-PLACEHOLDER"} == set(defect.get("rules", [])), [
        f.format() for f in found
    ]
    template = EXPECTED["templates"].get(name, {})
    assert placeholders_in(found) == sorted(template.get("placeholders", [])), [f.format() for f in found]


@pytest.mark.parametrize("name", [f for f in FILES if f.endswith(".json")])
def test_json_fast_path_reads_as_yaml_does(name: str) -> None:
    """The loader's fast path for .json files (tests/unit/test_loader_json.py) on files nobody here wrote: the nodes
    it makes are libyaml's, every line and column, or it leaves the file to the YAML path."""
    from generators.spec import loader

    text = loader._decode((SHARED_CORPUS / name).read_bytes(), name)
    fast = loader._json_tree(text)
    assert fast is not None  # (tabs, CRLF line ends: what these files hold, the fast path reads)
    assert _tree(fast) == _tree(loader.load_yaml(text, name, strict_json=True))


def _tree(node: object) -> object:
    v = node.value  # type: ignore[attr-defined]
    if type(v) is dict:
        v = {k: _tree(c) for k, c in v.items()}
    elif type(v) is list:
        v = [_tree(c) for c in v]
    else:
        v = (type(v).__name__, repr(v))
    return (v, node.mark, node.key_mark)  # type: ignore[attr-defined]
