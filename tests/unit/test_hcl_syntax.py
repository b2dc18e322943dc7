"""The HCL escaping and formatting: Terraform reads every string back exactly, and terraform fmt changes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import terraform
from hostile_strings import TRICKY, hostile, terraform_safe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generators.syntax.hcl_syntax import _KEYWORDS, _SPECIAL, Expr, _escape, body, inline, key, quote, value
from generators.syntax.tfexpr import Call, For, Key, Ref, Template


def test_quote_escapes_templates_and_controls() -> None:
    assert quote("${x}") == '"$${x}"'
    assert quote("%{x}") == '"%%{x}"'
    assert quote('a"b') == '"a\\"b"'
    assert quote("a\\b") == '"a\\\\b"'
    assert quote("a\nb\tc") == '"a\\nb\\tc"'
    assert quote("\x01") == '"\\u0001"'


# what the escaping regex acts on, and characters around them (the shortcut for plain text must write the same)
_AROUND_ESCAPES = st.text(alphabet=st.sampled_from(list('ab_1 -.$%{}"\\\n\r\t\x00\x1f\x7f\u2028\u2029\xa0\u200bé')))


@given(_AROUND_ESCAPES)
def test_plain_text_takes_a_shortcut_that_writes_what_the_escaping_writes(text: str) -> None:
    assert quote(text) == '"' + _SPECIAL.sub(_escape, text) + '"'
    assert value(text) == quote(text)
    assert body([("k", text)]) == f"  k = {quote(text)}\n"
    assert key(text) == (
        text if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) and text not in _KEYWORDS else quote(text)
    )


def test_keys_are_quoted_unless_plain_identifiers() -> None:
    assert key("name") == "name"
    assert key("awslogs-group") == '"awslogs-group"'
    assert key("for") == '"for"'
    assert key("com.example.label") == '"com.example.label"'


def test_alignment_follows_terraform_fmt() -> None:
    text = body([("a", 1), ("long_name", "x"), ("obj", {"k": 1}), ("b", True)], 1)
    assert text == '  a         = 1\n  long_name = "x"\n  obj = {\n    k = 1\n  }\n  b = true\n'
    assert value(Expr('local.images["api"]')) == 'local.images["api"]'


@pytest.mark.terraform
def test_typed_expressions_are_written_as_terraform_fmt_writes_them(tmp_path: Path, tf_env: dict[str, str]) -> None:
    """The plan's and the root description's expressions (generators/tfexpr.py) in HCL: references, calls (a
    multi-line object argument, a list too long for one line), for expressions and templates; fmt-clean."""
    arns = [f"arn:aws:kms:us-east-1:123456789012:key/{i:036d}" for i in range(3)]
    pairs = [
        ("images", Call("merge", {"api": "nginx:1", "side-car": "x:${y}"}, Ref("var", "images"))),
        ("kms", Call("concat", arns, Call("values", Ref("module", "secrets", "kms_key_arns")))),
        (
            "ok",
            Call("alltrue", For("name", Call("keys", Ref("var", "images")), Call("contains", ["api"], Ref("name")))),
        ),
        ("secret", Template(Ref("module", "secrets", "arns", Key('d"b')), ":password::${literal}")),
        ("image", Ref("local", "images", Key("api"))),
    ]
    text = body(pairs, 1)
    assert '  images = merge({\n    api        = "nginx:1"\n    "side-car" = "x:$${y}"\n  }, var.images)\n' in text
    assert '  ok     = alltrue([for name in keys(var.images) : contains(["api"], name)])\n' in text
    assert '  secret = "${module.secrets.arns["d\\"b"]}:password::$${literal}"\n' in text
    assert '  image  = local.images["api"]\n' in text
    assert inline(pairs[0][1]) == 'merge({"api" = "nginx:1", "side-car" = "x:$${y}"}, var.images)'
    (tmp_path / "main.tf").write_text("locals {\n" + text + "}\n")
    terraform(["fmt", "-check", "-diff", "."], tmp_path, tf_env)


def _console_roundtrip(strings: list[str], work: Path, tf_env: dict[str, str]) -> list[str]:
    """Write the strings as HCL, let terraform evaluate them, and read them back as JSON."""
    (work / "main.tf").write_text(
        "locals {\n" + body([("strs", strings)], 1) + '}\n\noutput "strs" {\n  value = local.strs\n}\n'
    )
    terraform(["fmt", "-check", "-diff", "."], work, tf_env)
    terraform(["init", "-input=false"], work, tf_env)
    terraform(["apply", "-auto-approve", "-input=false"], work, tf_env)
    return json.loads(terraform(["output", "-json", "strs"], work, tf_env).stdout)


@pytest.mark.terraform
def test_terraform_reads_tricky_strings_back_exactly(tmp_path: Path, tf_env: dict[str, str]) -> None:
    assert _console_roundtrip(TRICKY, tmp_path, tf_env) == TRICKY


@pytest.mark.terraform
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(hostile(("~", "EOF")), min_size=300, max_size=300))
def test_terraform_reads_generated_strings_back_exactly(tmp_path_factory, tf_env, strings: list[str]) -> None:
    # One terraform process checks 300 generated strings at once (starting terraform per string would be slow).
    strings = terraform_safe(strings)
    work = tmp_path_factory.mktemp("console")
    assert _console_roundtrip(strings, work, tf_env) == strings
