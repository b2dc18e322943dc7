"""`render` prints a valid RegisterTaskDefinition input, and it is what the generated root declares.

- botocore's own parameter validation (the check boto3 runs before it sends a request) accepts `render`'s output
  for every spec in specs/ and every fixture in tests/fixtures/valid/, environment by environment;
- the container definitions in the generated main.tf, read back with python-hcl2, equal `render`'s except for
  `image`, which the root takes from `local.images[NAME]` so pipelines can override it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import hcl2
import pytest
from botocore.validate import ParamValidator
from conftest import REPO, config_args, ecsform, fixture_specs, spec_files
from hcl2.utils import SerializationOptions

SPECS_AND_FIXTURES = [*spec_files(), *fixture_specs()]


def _ids(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def environments(spec: Path) -> list[str | None]:
    """The environments a spec declares (None when it has none), read with the project's own loader."""
    from generators import validation

    variants, findings = validation.load([str(spec)])
    assert not findings, findings
    return [v.environment for v in variants]


def render(spec: Path, env: str | None) -> dict[str, Any]:
    proc = ecsform("render", str(spec), *(["--env", env] if env else []), *config_args(spec))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def register_shape() -> Any:
    model = botocore.session.get_session().get_service_model("ecs")
    return model.operation_model("RegisterTaskDefinition").input_shape


def test_every_spec_and_fixture_is_covered() -> None:
    names = {p.name for p in SPECS_AND_FIXTURES}
    assert {
        "financial-api.json",
        "financial-etl.json",
        "literal-strings.yaml",
        "execution-role.yaml",
        "ec2-bridge.yaml",
        "multi-container.yaml",
    } <= names


@pytest.mark.parametrize("spec", SPECS_AND_FIXTURES, ids=_ids)
def test_render_passes_botocore_validation(spec: Path, register_shape: Any) -> None:
    for env in environments(spec):
        rendered = render(spec, env)
        report = ParamValidator().validate(rendered, register_shape)
        assert not report.has_errors(), f"{spec} ({env}): {report.generate_report()}"


def test_botocore_validation_is_not_vacuous(register_shape: Any) -> None:
    # The same check rejects what ECS would: a missing required member, a wrong type, an unknown field.
    bad = {"family": "x", "containerDefinitions": [{"name": "a", "image": "i", "memory": "512", "colour": "red"}]}
    report = ParamValidator().validate(bad, register_shape).generate_report()
    assert "memory" in report and "colour" in report


_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def hcl_literal(source: str) -> str:
    """The value Terraform reads from a quoted HCL string that holds no template sequence.

    Written from the HCL native syntax spec (quoted templates): backslash escapes, and `$${` / `%%{` for a
    literal `${` / `%{`. An unescaped `${` or `%{` would be an interpolation or a directive: the generator must
    never emit one for a value from a spec, so it is an error here. (python-hcl2 resolves the backslash escapes
    itself but not inside what looks like an escaped interpolation, so the tests decode the source text.)
    """
    assert len(source) >= 2 and source[0] == source[-1] == '"', f"not a quoted string: {source!r}"
    text, out, i = source[1:-1], [], 0
    while i < len(text):
        if text[i] == "\\":
            marker = text[i + 1]
            if marker in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[marker])
                i += 2
            elif marker in "uU":
                width = 4 if marker == "u" else 8
                out.append(chr(int(text[i + 2 : i + 2 + width], 16)))
                i += 2 + width
            else:
                raise AssertionError(f"invalid escape {text[i : i + 2]!r} in {source!r}")
        elif text.startswith(("$${", "%%{"), i):
            out.append(text[i + 1 : i + 3])
            i += 3
        elif text.startswith(("${", "%{"), i):
            raise AssertionError(f"template sequence at {i} in {source!r}: the value would not reach AWS literally")
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _literal(value: Any) -> Any:
    """Decode every quoted string (values and keys); expressions such as `${local.images["api"]}` stay as they are."""
    if isinstance(value, str):
        return hcl_literal(value) if value.startswith('"') else value
    if isinstance(value, list):
        return [_literal(v) for v in value]
    if isinstance(value, dict):
        return {_literal(k): _literal(v) for k, v in value.items()}
    return value


def test_hcl_literal_decoder() -> None:
    assert hcl_literal(r'"a\"b\\c\nd\u00e9\U0001F680"') == 'a"b\\c\nd\u00e9\U0001f680'
    assert hcl_literal('"$$${x} $${y} %%{z} $$ { a$"') == "$${x} ${y} %{z} $$ { a$"
    with pytest.raises(AssertionError):
        hcl_literal('"${x}"')


def declared_containers(root: Path) -> list[dict[str, Any]]:
    options = SerializationOptions(with_comments=False, explicit_blocks=False)  # strings as written, quotes kept
    with open(root / "main.tf", encoding="utf-8") as fh:
        parsed = hcl2.load(fh, serialization_options=options)
    modules = [m for block in parsed["module"] for m in block.items()]
    assert [name for name, _ in modules] == ['"task_definition"']
    return _literal(modules[0][1]["container_definitions"])


@pytest.mark.parametrize("spec", SPECS_AND_FIXTURES, ids=_ids)
def test_root_declares_what_render_prints(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = ecsform("synth", str(spec), "--out", str(out), *config_args(spec))
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["roots"], manifest
    for root in manifest["roots"]:
        rendered = render(spec, root["environment"])["containerDefinitions"]
        declared = declared_containers(out / root["path"])
        assert [c["name"] for c in declared] == [c["name"] for c in rendered]
        for c in declared:
            assert c["image"] == '${local.images["%s"]}' % c["name"]
        strip = lambda cs: [{k: v for k, v in c.items() if k != "image"} for c in cs]  # noqa: E731
        assert strip(declared) == strip(rendered)
