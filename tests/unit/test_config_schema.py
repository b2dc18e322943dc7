"""docs/config.schema.json (what editors check ecsform.yaml against) and the loader accept and reject the same values.

Every key the published schema constrains (a pattern, a length, a bound, an enum, a count of items, the names of a
mapping) gets valid and invalid cases; each case is one small ecsform.yaml that jsonschema validates against the
committed schema and `ecsform`'s loader reads. Both must give the verdict the case states: an editor that flags what
ecsform accepts, or passes what it refuses, misleads the user. test_every_constrained_key_has_cases walks the schema,
so a constraint added to it without cases here fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from generators import config as project_config
from generators.errors import EcsformError

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "config.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

ROLE = "arn:aws:iam::123456789012:role/deploy"
ROLE_CASES = [
    (ROLE, True),
    ("arn:aws-us-gov:iam::123456789012:role/deploy", True),
    ("arn:aws-cn:iam::123456789012:role/teams/apps/deploy", True),
    ("arn:aws:iam::123456789012:role/a+b=c,d.e@f-g_h", True),
    ("arn:aws:iam::123456789012:role/" + "r" * 64, True),
    ("arn:aws:iam::123456789012:role/" + "r" * 65, False),  # IAM role names are at most 64 characters
    ("arn:aws:iam::123456789012:role/has space", False),  # the old schema pattern (role/.+) accepted these
    ("arn:aws:iam::123456789012:role/a*b", False),
    ("arn:aws:iam::123456789012:role/", False),
    ("arn:aws:iam::12345678901:role/deploy", False),
    ("arn:aws:iam::123456789012:user/deploy", False),
    ("arn:aws:sts::123456789012:assumed-role/deploy/x", False),
    ("deploy", False),
    (ROLE + "\n", False),  # Python's $ matches before a final newline, ECMA-262's does not
]
REGION_CASES = [
    ("us-east-1", True),
    ("eu-central-2", True),
    ("us-gov-west-1", True),
    ("US-EAST-1", False),
    ("us-east", False),
    ("useast1", False),
    ("us-east-1\n", False),
    ("", False),
]
CASES: dict[str, list[tuple[Any, bool]]] = {
    "defaults.accountId": [
        ("123456789012", True),
        ("000000000000", True),
        ("12345678901", False),
        ("1234567890123", False),
        ("12345678901a", False),
        ("123456789012\n", False),
        ("", False),
    ],
    "defaults.region": REGION_CASES,
    "defaults.roleArn": ROLE_CASES,
    "defaults.planRoleArn": ROLE_CASES,
    "defaults.tags": [  # the keys of the mapping
        ({"team": "x"}, True),
        ({"k" * 128: "x"}, True),
        ({"Team:aws:x": "x"}, True),
        ({"k" * 129: "x"}, False),
        ({"": "x"}, False),
        ({"aws:team": "x"}, False),
        ({"AWS:team": "x"}, False),
    ],
    "defaults.tags.*": [("v" * 256, True), ("", True), ("v" * 257, False)],
    "defaults.deploy.cluster": [("apps", True), ("c" * 2048, True), ("c" * 2049, False), ("", False)],
    "defaults.deploy.network.subnets": [
        (["subnet-1"], True),
        (["subnet-1"] * 16, True),
        ([], False),
        (["s"] * 17, False),
    ],
    "defaults.deploy.network.securityGroups": [(["sg-1"] * 5, True), (["sg-1"] * 6, False)],
    "defaults.deploy.network.assignPublicIp": [("ENABLED", True), ("DISABLED", True), ("enabled", False)],
    "defaults.deploy.launchType": [("FARGATE", True), ("EC2", True), ("fargate", False), ("LAMBDA", False)],
    "defaults.deploy.capacityProviderStrategy": [
        ([{"capacityProvider": "FARGATE"}], True),
        ([], False),
        ([{"capacityProvider": f"cp{i}"} for i in range(21)], False),
    ],
    "defaults.deploy.capacityProviderStrategy.[].capacityProvider": [("FARGATE_SPOT", True), ("", False)],
    "defaults.deploy.capacityProviderStrategy.[].weight": [(0, True), (1000, True), (-1, False), (1001, False)],
    "defaults.deploy.capacityProviderStrategy.[].base": [(0, True), (100000, True), (-1, False), (100001, False)],
    "defaults.deploy.platformVersion": [("LATEST", True), ("1.4.0", True), ("", False)],
    "ci.roleArn": ROLE_CASES,
    "ci.planRoleArn": ROLE_CASES,
    "ci.region": REGION_CASES,
    "ci.environments.*.roleArn": ROLE_CASES,
    "ci.environments.*.planRoleArn": ROLE_CASES,
    "ci.environments.*.githubEnvironment": [
        ("production", True),
        ("Prod (EU) / 1", True),
        ("é" * 255, True),
        ("p" * 256, False),
        ("", False),
        ("prod\n", False),
        ("a\tb", False),
    ],
    "ci.environments.*.gitlabEnvironment": [
        ("production", True),
        ("review/$CI_COMMIT_REF_SLUG", True),
        ("env ${X}", True),
        ("prod!", False),
        ("", False),
        ("é", False),
    ],
    "ci.terraformVersion": [
        ("1.11.4", True),
        ("10.0.12", True),
        ("1.11", False),
        ("v1.11.4", False),
        ("1.11.x", False),
    ],
    "ci.pythonVersion": [("3.11", True), ("3.9", True), ("2.7", False), ("3", False), ("3.11.1", False)],
    "ci.defaultBranch": [
        ("main", True),
        ("release/1.x", True),
        ("-main", False),
        ("a..b", False),
        ("a//b", False),
        ("/main", False),
        ("main/", False),
        ("main.lock", False),
        ("main\n", False),
        ("has space", False),
    ],
    "ci.specs": [(["specs"], True), (["a", "b/c.yaml"], True), ([], False)],
    "ci.repository": [
        ("acme/platform", True),
        ("group/sub/project", True),
        ("acme", False),
        ("acme/", False),
        ("acme/plat form", False),
    ],
    "ci.gitlabUrl": [
        ("https://gitlab.com", True),
        ("https://git.acme.io:8443", True),
        ("http://gitlab.com", False),
        ("https://gitlab.com/", False),
        ("gitlab.com", False),
    ],
    "ci.imageDeploys": [("commit", True), ("pull-request", True), ("push", False)],
    "ci.pruneKeep": [(1, True), (50, True), (0, False), (-3, False)],
    "ci.maxJobs": [(1, True), (256, True), (0, False), (257, False)],
    "terraform.lockPlatforms": [(["linux_amd64"], True), ([], False)],
    "terraform.lockPlatforms.[]": [
        ("linux_amd64", True),
        ("darwin_arm64", True),
        ("windows_386", True),
        ("linux", False),
        ("linux_x86_64", False),
        ("Linux_amd64", False),
        ("linux_amd64\n", False),
    ],
}
# what a value needs beside it to be read at all (the required keys of the mapping it is in)
SIBLINGS = {
    "deploy.network": {"subnets": ["subnet-1"]},
    "deploy.capacityProviderStrategy.[]": {"capacityProvider": "FARGATE"},
}
KEYWORDS = {"pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
KEYWORDS |= {"minItems", "maxItems", "uniqueItems", "propertyNames", "enum", "const", "format", "multipleOf"}


def _constrained(node: dict[str, Any], path: list[str], seen: frozenset[str]) -> set[str]:
    """The paths of every constrained value of the schema, `*` for any key of a mapping, `[]` for any item."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return set() if name in seen else _constrained(SCHEMA["$defs"][name], path, seen | {name})
    out = {".".join(path)} if KEYWORDS & set(node) else set()
    for key, sub in node.get("properties", {}).items():
        out |= _constrained(sub, [*path, key], seen)
    for sub in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
        out |= _constrained(sub, path, seen)
    if isinstance(node.get("additionalProperties"), dict):
        out |= _constrained(node["additionalProperties"], [*path, "*"], seen)
    if isinstance(node.get("items"), dict):
        out |= _constrained(node["items"], [*path, "[]"], seen)
    return out


def _cases_key(path: str) -> str:
    """An environment's settings are the defaults' model: the same cases."""
    return "defaults." + path.removeprefix("environments.*.") if path.startswith("environments.*.") else path


def _document(parts: list[str], value: Any, where: str = "") -> Any:
    """The smallest ecsform.yaml (or part of it, at `where`) that holds `value` at `parts`."""
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if head == "[]":
        return [_document(rest, value, f"{where}.[]")]
    key = head if head != "*" else {"environments": "dev", "ci.environments": "default"}.get(where, "team")
    siblings = next((v for k, v in SIBLINGS.items() if where.endswith(k)), {})
    return {**siblings, key: _document(rest, value, f"{where}.{key}".lstrip("."))}


def _loader_accepts(tmp_path: Path, doc: dict[str, Any]) -> bool:
    file = tmp_path / "ecsform.yaml"
    file.write_text(json.dumps(doc), encoding="utf-8")
    try:
        project_config.load(file)
    except EcsformError:
        return False
    return True


def test_every_constrained_key_has_cases() -> None:
    constrained = _constrained(SCHEMA, [], frozenset())
    assert constrained, "the walk found no constraint: it is broken"
    missing = sorted(p for p in constrained if _cases_key(p) not in CASES)
    assert not missing, f"constrained in the schema, no cases here: {missing}"
    stale = sorted(set(CASES) - {_cases_key(p) for p in constrained})
    assert not stale, f"cases for keys the schema does not constrain: {stale}"
    for path in CASES:
        verdicts = {valid for _, valid in CASES[path]}
        assert verdicts == {True, False}, f"{path}: needs valid and invalid cases"


@pytest.mark.parametrize("path", sorted(_constrained(SCHEMA, [], frozenset())))
def test_schema_and_loader_agree(path: str, tmp_path: Path) -> None:
    wrong = []
    for value, valid in CASES[_cases_key(path)]:
        doc = _document(path.split("."), value)
        by_schema = VALIDATOR.is_valid(doc)
        by_loader = _loader_accepts(tmp_path, doc)
        if (by_schema, by_loader) != (valid, valid):
            wrong.append(f"{value!r}: expected {valid}, schema {by_schema}, loader {by_loader} ({json.dumps(doc)})")
    assert not wrong, "\n".join(wrong)
