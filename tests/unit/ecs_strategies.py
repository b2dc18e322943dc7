"""Hypothesis strategies for RegisterTaskDefinition inputs, generated from botocore's ECS model.

Every structure, list, map, enum, integer and boolean comes from the model's shapes, so every container field the
model knows can be generated; strings include the ones YAML misreads or cannot write plainly. A few fields get
values that make the interesting cases likely: container names from a small set (so overlays can match them and
duplicates happen), environment variable names that repeat, task cpu/memory as integers or unit strings.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from hypothesis import strategies as st

from generators.spec.ecs_model import Shape, container_shape, input_shape

HOSTILE = [
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Yes",
    "NO",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    "0123",
    "0o17",
    "0x1F",
    "1e3",
    "1E3",
    ".5",
    "-.5",
    "+1",
    "1_000",
    "12:30",
    "1:20:30",
    ".inf",
    "-.Inf",
    ".nan",
    "<<",
    "=",
    "-",
    "- x",
    "? x",
    ": x",
    "a: b",
    "a:b",
    "#x",
    "a #b",
    "a# b",
    " lead",
    "trail ",
    "  ",
    "\t",
    "tab\there",
    "multi\nline",
    "multi\nline\n",
    "trailing\n\n",
    "\nlead",
    "  indented\nx",
    "line  \nx",
    "a\r\nb",
    "${x}",
    "${var.x}",
    "%{if x}",
    "{x}",
    "[x]",
    "x,y",
    "*alias",
    "&anchor",
    "!tag",
    "!!str",
    "%YAML",
    "@x",
    "`x",
    "'q'",
    '"q"',
    "|",
    ">",
    "|-",
    "a\\b",
    "\\n",
    "é✓",
    "\u2028",
    "\x85",
    "\ufeff",
    "\x00",
    "\x7f",
    "\ue000",
    "😀",
    "---",
    "...",
    "--- x",
    "0",
    "-0",
    "1.0",
    "0.5 vCPU",
    "1 GB",
    "x" * 130,
    "a\u2028b\nc",
    "é\nü\n",
    "curl -f http://localhost:8000/health || exit 1",
]

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_WORD = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)


def strings() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE), _TEXT, _WORD)


CONTAINER_NAMES = ["app", "web", "sidecar", "yes", "0123", "log router"]
ENV_NAMES = ["ENVIRONMENT", "DEBUG", "LOG_LEVEL", "on", "null", "A B", ""]
SIZES = ["256", "512", "1024", "2048", "3584", "100", "0", "0512", " 512", "0.5 vCPU", "1 GB", "2 gb", "abc", ""]


def integers(shp: Shape) -> st.SearchStrategy[int]:
    lo, hi = shp.raw.get("min", -(2**31)), shp.raw.get("max", 2**31 - 1)
    return st.one_of(st.integers(lo, hi), st.sampled_from([0, 1, 80, 8080, 65535]))


@functools.lru_cache(maxsize=None)
def for_shape(name: str) -> st.SearchStrategy[Any]:
    from generators.spec.ecs_model import shape

    return _build(shape(name))


def _build(shp: Shape) -> st.SearchStrategy[Any]:
    kind = shp.type
    if kind == "string":
        return st.sampled_from(shp.enum) if shp.enum else strings()
    if kind in ("integer", "long"):
        return integers(shp)
    if kind == "boolean":
        return st.booleans()
    if kind == "list":
        return st.lists(for_shape(shp.member.name), max_size=2)
    if kind == "map":
        return st.dictionaries(strings(), for_shape(shp.value.name), max_size=2)
    if kind == "structure":
        return structure(shp)
    raise AssertionError(f"no strategy for {kind}")  # pragma: no cover


GENERATED: dict[str, list[str]] = {}  # structure shape -> the members its strategy can set


def structure(
    shp: Shape, overrides: dict[str, st.SearchStrategy[Any]] | None = None, always: tuple[str, ...] = (), most: int = 4
) -> st.SearchStrategy[dict[str, Any]]:
    """The required members (and `always`), plus up to `most` other members in a random order."""
    overrides = overrides or {}
    members = shp.members
    required = {k: overrides.get(k, for_shape(members[k].name)) for k in shp.required or () if k in members}
    required.update({k: overrides.get(k, for_shape(members[k].name)) for k in always})
    optional = {k: overrides.get(k, for_shape(v.name)) for k, v in members.items() if k not in required}
    GENERATED[shp.name] = [*required, *optional]

    @st.composite
    def draw_structure(draw: Any) -> dict[str, Any]:
        out = {k: draw(s) for k, s in required.items()}
        if optional:
            for k in draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=most)):
                out[k] = draw(optional[k])
        return out

    return draw_structure()


def _pairs(value_key: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[dict[str, str]]]:
    item = st.fixed_dictionaries({"name": st.sampled_from(ENV_NAMES) | strings(), value_key: values})
    native = for_shape("KeyValuePair" if value_key == "value" else "Secret")
    return st.lists(item, max_size=4) | st.lists(native, max_size=2)


def container_overrides() -> dict[str, st.SearchStrategy[Any]]:
    return {
        "name": st.sampled_from(CONTAINER_NAMES) | strings(),
        "environment": _pairs("value", strings()),
        "secrets": _pairs("valueFrom", strings()),
        "portMappings": st.lists(
            st.fixed_dictionaries({"containerPort": st.integers(0, 65535)}) | for_shape("PortMapping"), max_size=3
        ),
    }


def containers() -> st.SearchStrategy[dict[str, Any]]:
    # ECS requires a name and an image even though botocore's model does not mark them required (and `render`
    # assumes both: a container without an image that passes validation is a separate bug, see the report)
    return structure(container_shape(), container_overrides(), always=("name", "image"), most=6)


def tasks(max_containers: int = 3) -> st.SearchStrategy[dict[str, Any]]:
    """Whole RegisterTaskDefinition inputs: family and at least one container always, every other field maybe."""
    overrides = {
        "family": st.from_regex(r"[a-z][a-z0-9_-]{0,14}", fullmatch=True) | strings(),
        "containerDefinitions": st.lists(containers(), min_size=1, max_size=max_containers),
        "cpu": st.sampled_from(SIZES) | strings(),
        "memory": st.sampled_from(SIZES) | strings(),
    }
    return structure(input_shape(), overrides, most=8)


def generated_container_fields() -> set[str]:
    """The container fields the strategies above can produce (the test checks: all the model has)."""
    containers()
    return set(GENERATED[container_shape().name])


def full_value(shp: Shape, salt: int = 0) -> Any:
    """A value with every member of every structure set: the deterministic example that covers each field."""
    kind = shp.type
    if kind == "string":
        return shp.enum[salt % len(shp.enum)] if shp.enum else HOSTILE[(salt * 7 + len(shp.name)) % len(HOSTILE)]
    if kind in ("integer", "long"):
        return max(shp.raw.get("min", 1), min(shp.raw.get("max", 512), 512))
    if kind == "boolean":
        return salt % 2 == 0
    if kind == "list":
        return [full_value(shp.member, salt + 1)]
    if kind == "map":
        return {HOSTILE[salt % len(HOSTILE)] or "k": full_value(shp.value, salt + 1)}
    return {k: full_value(v, salt + i) for i, (k, v) in enumerate(shp.members.items())}


def full_task() -> dict[str, Any]:
    task = full_value(input_shape())
    task["family"] = "everything"
    task["cpu"], task["memory"] = "1024", "2048"
    for i, c in enumerate(task["containerDefinitions"]):
        c["name"] = f"c{i}"
    return task


_NOT_YAML_PRINTABLE = re.compile(
    "[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def as_json(task: dict[str, Any]) -> str:
    """JSON text the project's loader reads back exactly: characters YAML may not hold raw are \\u-escaped."""
    text = json.dumps(task, indent=2, ensure_ascii=False)
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
