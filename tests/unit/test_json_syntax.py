"""Terraform's JSON syntax as the CDK engine writes it: every string (keys too) comes back exactly, through
cdktn's token resolution and Terraform's template parser, hostile strings included."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from conftest import terraform
from hostile_strings import TRICKY as COMMON_TRICKY
from hostile_strings import hostile, terraform_safe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generators.syntax.json_syntax import Raw, expression, hide_cdk_markers, is_token_double, template, value
from generators.syntax.tfexpr import Call, For, Key, Ref, Template

TOKEN_DOUBLE = struct.unpack("<d", struct.pack("<Q", (0xFDFF << 48) | 7))[0]  # how cdktn/cdktf encode number token 7

TRICKY = [
    *COMMON_TRICKY,
    # cdktn/cdktf token markers and placeholders: literal text to Terraform
    "${TfToken[TOKEN.1]}",
    "#{TfToken[TOKEN.2]}",
    "&{TfToken[TOKEN.3]}",
    "x${TfToken[A]}y",
    "TfToken[",
    "{TfToken[",
    "String Map Token Value",
    "Any Map Token Value",
    repr(TOKEN_DOUBLE),
    f"v={TOKEN_DOUBLE!r};",
    "1e5",
    "2e-3x",
    "${null}",
    '${""}',
]


def test_template_escapes_interpolations_and_directives() -> None:
    assert template("${x}") == "$${x}"
    assert template("%{x}") == "%%{x}"
    assert template("$${x}") == "$$${x}"
    assert template('say "hi"\n') == 'say "hi"\n'  # JSON escaping is the JSON writer's job


def test_cdk_markers_are_broken_by_an_empty_interpolation() -> None:
    assert template("${TfToken[TOKEN.1]}") == '$${Tf${""}Token[TOKEN.1]}'
    assert template("#{TfToken[X]}") == '#{Tf${""}Token[X]}'
    assert template("String Map Token Value") == 'S${""}tring Map Token Value'
    assert is_token_double(TOKEN_DOUBLE) and not is_token_double(1e5) and not is_token_double(-1.5)
    hidden = template(repr(TOKEN_DOUBLE))
    assert hidden != repr(TOKEN_DOUBLE) and '${""}' in hidden
    assert template("sha256:1e5abc") == "sha256:1e5abc"  # numbers that encode no token stay as they are
    assert hide_cdk_markers("plain") == "plain"


def test_values() -> None:
    assert value(None) == "${null}"
    assert value({"${k}": [1, True, 1.5, "%{v}"]}) == {"$${k}": [1, True, 1.5, "%%{v}"]}
    assert value(-123456789) == "${-123456789}"  # Token.NUMBER_MAP_TOKEN_VALUE
    assert value(Raw('${local.images["a"]}')) == '${local.images["a"]}'
    assert (
        expression(Template(Ref("module", "secrets", "arns", Key("db")), ":key::${x}"))
        == '${module.secrets.arns["db"]}:key::$${x}'
    )
    assert expression(Ref("module", "efs_data", "file_system_id")) == "${module.efs_data.file_system_id}"
    # calls and for expressions: HCL's native syntax inside ${...}, its string literals escaped as HCL templates
    assert (
        expression(Call("merge", {"a": "x:${1}", "b c": "y"}, Ref("var", "images")))
        == '${merge({"a" = "x:$${1}", "b c" = "y"}, var.images)}'
    )
    assert (
        expression(Call("alltrue", For("n", Call("keys", Ref("var", "m")), Call("contains", ["a"], Ref("n")))))
        == '${alltrue([for n in keys(var.m) : contains(["a"], n)])}'
    )


def _roundtrip(strings: list[str], work: Path, tf_env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The strings as list items and as keys, through cdktn's resolution (a real synth) and terraform apply."""
    from generators.emit import constructs as cdk

    app = cdk.cdk.App(outdir=str(work / "cdktf.out"))
    stack = cdk.cdk.TerraformStack(app, "roundtrip")
    cdk.cdk.LocalBackend(stack, path="terraform.tfstate")
    keys = {s: str(i) for i, s in enumerate(strings)}
    cdk.cdk.TerraformOutput(stack, "strs", value=value(strings))
    cdk.cdk.TerraformOutput(stack, "keys", value=value(keys))
    app.synth()
    root = work / "cdktf.out" / "stacks" / "roundtrip"
    terraform(["init", "-input=false"], root, tf_env)
    terraform(["apply", "-auto-approve", "-input=false"], root, tf_env)
    out = json.loads(terraform(["output", "-json"], root, tf_env).stdout)
    return out["strs"]["value"], out["keys"]["value"]


@pytest.mark.cdk
@pytest.mark.terraform
def test_terraform_reads_tricky_strings_back_exactly(tmp_path: Path, tf_env: dict[str, str]) -> None:
    strings, keys = _roundtrip(TRICKY, tmp_path, tf_env)
    assert strings == TRICKY
    assert keys == {s: str(i) for i, s in enumerate(TRICKY)}


@pytest.mark.cdk
@pytest.mark.terraform
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(hostile(("TfToken[", "#{", "&{", "]}", "e", "1", "-", ".", "+")), min_size=300, max_size=300))
def test_terraform_reads_generated_strings_back_exactly(tmp_path_factory, tf_env, strings: list[str]) -> None:
    # One synth and one terraform apply check 300 generated strings at once.
    strings = list(dict.fromkeys(terraform_safe(strings)))
    back, keys = _roundtrip(strings, tmp_path_factory.mktemp("cdk-strings"), tf_env)
    assert back == strings
    assert keys == {s: str(i) for i, s in enumerate(strings)}
