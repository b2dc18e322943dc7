"""Several environments' native tasks -> one spec: the base holds what they all share, each overlay under
`environments:` what its environment adds or changes (the merge of generators/spec/overlay.py gives each back)."""

from __future__ import annotations

from typing import Any

from ..errors import Check, EcsformError, Severity
from ..spec import document as specs
from ..spec.canonical import SORTED_BY_NAME
from ..spec.overlay import NAME_KEYED
from .present import present
from .values import MISSING, same

# The findings this module raises (collected by the catalog: generators/rules).
IMPORT_FAMILY = Check(
    "IMPORT-FAMILY", Severity.ERROR, "import --environments: the families share no prefix and --family is not given."
)


E = Severity.ERROR


def _names(items: list[object]) -> list[str] | None:
    """The names of a name-keyed list, or None when an item has no string name or a name repeats."""
    names = [i.get("name") if isinstance(i, dict) else None for i in items]
    if any(not isinstance(n, str) for n in names) or len(set(names)) != len(names):
        return None
    return [n for n in names if isinstance(n, str)]


def _split(values: list[Any], key: str | None) -> tuple[Any, list[Any]]:
    """What `values` (one per environment; MISSING where absent) share, and what each overlay must say so that
    overlay.merge(base, overlay) gives back each value. Overlay entries: MISSING (say nothing), None (delete)
    or a value."""
    n = len(values)
    present_values = [v for v in values if v is not MISSING]
    if not present_values:
        return MISSING, [MISSING] * n
    if len(present_values) == n and all(same(v, values[0]) for v in values[1:]):
        return values[0], [MISSING] * n
    if len(present_values) == n and all(isinstance(v, dict) for v in values):
        base, overlays = _split_dicts(values)
        if base:
            return base, overlays
    elif len(present_values) == n and key in NAME_KEYED and all(isinstance(v, list) for v in values):
        split = _split_named(values, key)
        if split is not None:
            return split
    return MISSING, list(values)  # not shared: each overlay carries its own value (or nothing)


def _split_dicts(dicts: list[dict[str, Any]], skip: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[Any]]:
    keys: list[str] = []
    for d in dicts:
        keys.extend(k for k in d if k not in keys and k not in skip)
    base: dict[str, Any] = {}
    overlays: list[dict[str, Any]] = [{} for _ in dicts]
    for k in keys:
        b, overs = _split([d.get(k, MISSING) for d in dicts], k)
        if b is not MISSING:
            base[k] = b
        for o, v in zip(overlays, overs):
            if v is not MISSING:
                o[k] = v
    return base, [o if o else MISSING for o in overlays]


def _split_named(lists: list[list[Any]], key: str) -> tuple[list[Any], list[Any]] | None:
    """Name-keyed lists: overlay items merge into base items of the same name, other items are appended, and
    nothing can be removed. None when the lists cannot share a base (the caller gives each overlay its list)."""
    maybe = [_names(items) for items in lists]
    if any(n is None for n in maybe):
        return None
    names: list[list[str]] = [n for n in maybe if n is not None]
    by_name = [dict(zip(n, items)) for n, items in zip(names, lists)]
    if key in SORTED_BY_NAME and key != "containerDefinitions":
        # environment, secrets: the rendered form sorts them by name, so the base holds the items every
        # environment has unchanged and each overlay appends its own
        shared = [nm for nm in names[0] if all(nm in m and same(m[nm], by_name[0][nm]) for m in by_name)]
        if not shared:
            return None
        overlays: list[Any] = [[i for i in items if i["name"] not in shared] or MISSING for items in lists]
        return [by_name[0][nm] for nm in shared], overlays
    if key == "containerDefinitions":
        # overlays cannot add containers: the base has them all, so every environment must have the same ones
        if any(set(n) != set(names[0]) for n in names[1:]):
            return None
        common = names[0]
        rest: list[list[Any]] = [[] for _ in lists]
    else:
        # volumes, ulimits, secretOptions: order matters, so the base is the longest common prefix of names
        # (items in it merge deeply) and the rest of each list is appended in its own order
        length = 0
        while all(len(n) > length and n[length] == names[0][length] for n in names):
            length += 1
        if not length:
            return None
        common = names[0][:length]
        rest = [items[length:] for items in lists]
    base = []
    per_env: list[list[Any]] = [[] for _ in lists]
    for name in common:
        b, overs = _split_dicts([m[name] for m in by_name], skip=("name",))
        base.append({"name": name, **b})
        for o, v in zip(per_env, overs):
            if v is not MISSING:
                o.append({"name": name, **v})
    return base, [(o + r) or MISSING for o, r in zip(per_env, rest)]


def base_family(families: dict[str, str | None]) -> str | None:
    """The family the environments share: F when every family is F-<environment>, else their common prefix cut
    at a hyphen or underscore."""
    named = {env: f for env, f in families.items() if isinstance(f, str)}
    if not named:
        return None
    stems = {f[: -len(env) - 1] for env, f in named.items() if f.endswith("-" + env) and len(f) > len(env) + 1}
    if len(stems) == 1 and all(f.endswith("-" + env) for env, f in named.items()):
        return stems.pop()
    values = list(named.values())
    lcp = values[0]
    for f in values[1:]:
        while not f.startswith(lcp):
            lcp = lcp[:-1]
    if not all(f == lcp or f[len(lcp)] in "-_" for f in values):
        cut = max(lcp.rfind("-"), lcp.rfind("_"))
        lcp = lcp[: max(cut, 0)]
    return lcp.rstrip("-_") or None


def to_spec_environments(tasks: dict[str, dict[str, Any]], family: str | None = None) -> dict[str, Any]:
    """Several native tasks, one per environment -> one spec: the base holds what they all share, each overlay
    under `environments:` what its environment adds or changes (generators/spec/overlay.py semantics)."""
    envs = list(tasks)
    fam = family if family is not None else base_family({e: tasks[e].get("family") for e in envs})
    if fam is None:
        raise EcsformError(
            [
                IMPORT_FAMILY.finding(
                    "the environments' families share no prefix",
                    path=("family",),
                    hint="name the base family with --family",
                    file="--environments",
                    mark=(1, 1),
                )
            ]
        )
    base, overlays = _split_dicts([tasks[e] for e in envs], skip=("family",))
    spec = present({"family": fam, **base})
    environments: dict[str, Any] = {}
    for env, over in zip(envs, overlays):
        over = dict(over) if over is not MISSING else {}
        own = tasks[env].get("family", MISSING)
        if own is MISSING:
            over["family"] = None  # the base family would otherwise give it `<family>-<env>`
        elif own != f"{fam}-{env}":
            over["family"] = own
        environments[env] = present(over)
    spec[specs.ENVIRONMENTS_KEY] = environments
    return spec
