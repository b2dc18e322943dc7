"""Thousands of mutated specs through validate and synth: nothing but EcsformError ever escapes, and no rule
breaks on odd input (ECSFORM-INTERNAL). The mutations start from every bundled spec and fixture."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from conftest import REPO, spec_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from generators import pipeline, validation
from generators.errors import EcsformError
from generators.spec.ecs_model import container_shape, input_shape
from generators.spec.loader import load_text

SEEDS: list[dict[str, Any]] = []
for _path in spec_files() + sorted((REPO / "tests" / "fixtures" / "features").glob("*.yaml")):
    _text = _path.read_text()
    SEEDS.append(json.loads(_text) if _path.suffix == ".json" else YAML(typ="safe").load(_text))

FIELD_NAMES = sorted(
    set(input_shape().members)
    | set(container_shape().members)
    | {
        "x-ecsform",
        "environments",
        "name",
        "valueFrom",
        "containerPort",
        "hostPort",
        "condition",
        "containerName",
        "sourceVolume",
        "options",
        "logDriver",
        "efsVolumeConfiguration",
        "fileSystemId",
        "authorizationConfig",
        "accessPointId",
        "secrets",
        "region",
    }
)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.floats(allow_nan=False, width=32),
    st.text(max_size=12),
    st.sampled_from(
        [
            "awsvpc",
            "FARGATE",
            "EC2",
            "HEALTHY",
            "awslogs",
            "tcp",
            "ENABLED",
            "ecsform:secret/x",
            "ecsform:efs/x",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
            "256",
            "512",
            "1 vCPU",
            "WINDOWS_SERVER_2022_CORE",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def from_shape(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of the right type for an ECS field (enums, integers, nested structures), so mutations reach the
    rules instead of stopping at the type checks."""
    kind = shape.type
    if kind == "string":
        return st.sampled_from(shape.enum) if shape.enum else SCALARS.filter(lambda v: isinstance(v, str))
    if kind in ("integer", "long"):
        return st.integers(-2, 70000)
    if kind == "boolean":
        return st.booleans()
    if depth > 3:
        return st.just({} if kind in ("structure", "map") else [])
    if kind == "list":
        return st.lists(from_shape(shape.member, depth + 1), max_size=3)
    if kind == "map":
        return st.dictionaries(st.text(max_size=6), from_shape(shape.value, depth + 1), max_size=2)
    if kind == "structure":
        members = shape.members
        return st.fixed_dictionaries({}, optional={k: from_shape(v, depth + 1) for k, v in members.items()})
    return SCALARS


TYPED = {
    **{k: from_shape(v) for k, v in input_shape().members.items()},
    **{k: from_shape(v) for k, v in container_shape().members.items()},
}


def _paths(doc: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, path + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, path + (i,))
    return out


def _get(doc: Any, path: tuple) -> Any:
    for p in path:
        doc = doc[p]
    return doc


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        containers = [p for p in paths if len(p) == 2 and p[0] == "containerDefinitions"]
        path = draw(st.sampled_from(containers if containers and draw(st.booleans()) else paths))
        op = draw(st.sampled_from(["replace", "delete", "insert", "duplicate"]))
        if not path:
            if op == "replace" and draw(st.booleans()):
                doc = draw(VALUES)
            continue
        parent, key = _get(doc, path[:-1]), path[-1]
        if op == "replace":
            parent[key] = draw(VALUES)
        elif op == "delete":
            del parent[key]
        elif op == "insert":
            target = _get(doc, path)
            if isinstance(target, dict):
                name = draw(st.sampled_from(FIELD_NAMES))
                typed = name in TYPED and draw(st.integers(0, 4)) > 0
                target[name] = draw(TYPED[name] if typed else VALUES)
            elif isinstance(target, list):
                target.insert(draw(st.integers(0, len(target))), draw(VALUES))
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return doc


def _check(text: str) -> None:
    findings = validation.check_text(text, "fuzz.yaml")
    internal = [f.format() for f in findings if f.rule == "ECSFORM-INTERNAL"]
    assert not internal, internal


FUZZ = settings(
    max_examples=2000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(mutated())
def test_validate_never_escapes(doc: Any) -> None:
    _check(json.dumps(doc))


@settings(max_examples=1000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([p.read_text() for p in spec_files()]), st.data())
def test_text_mutations_never_escape(text: str, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 5))
        text = (
            text[:at]
            + data.draw(st.text(max_size=4) | st.sampled_from(["{", "[", "&a", "*a", ": ", "\t", "!!", "---", '"']))
            + text[at + cut :]
        )
    try:
        load_text(text, "fuzz.yaml")
    except EcsformError:
        return
    _check(text)


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_synth_never_escapes(doc: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "fuzz.json"
        spec.write_text(json.dumps(doc))
        out = Path(tmp) / "out"
        try:
            manifest, _ = pipeline.synth([str(spec)], out)
        except EcsformError as exc:
            assert exc.findings and not out.exists()
            assert not [f for f in exc.findings if f.rule == "ECSFORM-INTERNAL"], [f.format() for f in exc.findings]
            return
        for root in manifest["roots"]:
            assert (out / root["path"] / "main.tf").is_file()
