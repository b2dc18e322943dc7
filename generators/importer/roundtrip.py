"""The importer's safety net: the YAML it wrote, loaded back the way validate/synth/render load specs, must give
each input task again (compared as the rendered form compares them)."""

from __future__ import annotations

import json
from typing import Any

from ..errors import EcsformError
from ..spec import document as specs
from ..spec.canonical import SORTED_BY_NAME
from ..spec.loader import load_text
from .source import prune
from .values import MISSING, same


def comparable(task: object) -> object:
    """A task for comparison: no empties (but the meaningful ones), lists the rendered form sorts (containers,
    environment, secrets) sorted by name. Everything else as it is, order of other lists included."""

    def walk(v: object, key: str | None) -> object:
        if isinstance(v, dict):
            return {k: walk(x, k) for k, x in v.items()}
        if isinstance(v, list):
            items = [walk(x, None) for x in v]
            if key in SORTED_BY_NAME:
                items.sort(key=lambda d: json.dumps(d.get("name") if isinstance(d, dict) else None))
            return items
        return v

    return walk(prune(task), None)


def loaded_tasks(text: str, file: str = "<import>") -> dict[str | None, dict[str, Any]]:
    """The native task of each variant of a spec text, loaded the way validate/synth/render load specs."""
    spec = specs.split(load_text(text, file), file)
    if not spec.environments:
        return {None: specs.variants(spec)[0].task}
    return {name: specs.merged_variant(spec, name).task for name in spec.environments}


def ensure_loads_back(text: str, expected: dict[str | None, dict[str, Any]]) -> None:
    """Raise (an internal error: a bug in the importer) when the YAML does not load back to the expected tasks."""
    try:
        got = loaded_tasks(text)
    except EcsformError as exc:  # pragma: no cover - a bug; reported as an internal error
        raise RuntimeError(f"the imported spec does not load: {exc}") from None
    if list(got) != list(expected):  # pragma: no cover
        raise RuntimeError(f"the imported spec has environments {list(got)}, expected {list(expected)}")
    for env, task in expected.items():
        a, b = comparable(got[env]), comparable(task)
        if not same(a, b):  # pragma: no cover
            where = f" (environment {env})" if env else ""
            raise RuntimeError(f"the imported spec{where} does not give back the task definition: {_first_diff(a, b)}")


def _first_diff(a: object, b: object, path: str = "") -> str:  # pragma: no cover - error reporting
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b or not same(a[k], b[k]):
                return _first_diff(a.get(k, MISSING), b.get(k, MISSING), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if not same(x, y):
                return _first_diff(x, y, f"{path}[{i}]")
    return f"{path or '.'}: {a!r} != {b!r}"
