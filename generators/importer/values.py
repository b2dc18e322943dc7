"""Plain values (what JSON and YAML load to) as the importer compares them: absent, empty, the same."""

from __future__ import annotations

import json
from typing import Any


class _Missing:
    """An absent key (None is a value: `null` in an overlay deletes a key)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def same(a: object, b: object) -> bool:
    """Equal values of equal types (True is not 1, 1.0 is not 1)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def empty(value: object) -> bool:
    return value is None or (isinstance(value, (list, dict)) and not value)
