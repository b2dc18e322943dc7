"""Words for people: the name a user most likely meant, for hints ("did you mean 'memory'?").

Below everything that reads user input (the spec model, ecsform.yaml, the rules), which all suggest names.
"""

from __future__ import annotations

import difflib


def _normalized(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def _distance(a: str, b: str) -> int:
    """Edit distance with transpositions (optimal string alignment), for short names."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def suggest(name: str, candidates: list[str]) -> str | None:
    """The candidate the user most likely meant, or None."""
    norm = _normalized(name)
    for c in candidates:
        if _normalized(c) == norm:
            return c
    limit = 1 if len(name) <= 5 else 2
    near = sorted((d, c) for c in candidates if (d := _distance(name.lower(), c.lower())) <= limit)
    if near:
        return near[0][1]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    if close:
        return close[0]
    close = difflib.get_close_matches(norm, {_normalized(c): c for c in candidates}, n=1, cutoff=0.75)
    if close:
        return {_normalized(c): c for c in candidates}[close[0]]
    return None


def did_you_mean(name: str, candidates: list[str]) -> str | None:
    match = suggest(name, candidates)
    return f"did you mean {match!r}?" if match else None
