"""The keys the pydantic models of ecsform's own input blocks accept (x-ecsform, its policy, ecsform.yaml), for the
hints of unknown-key findings: the model that holds a key at a validation error's location, and its keys as the
user writes them (the camelCase aliases)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def aliases(model: type[BaseModel]) -> list[str]:
    """The keys `model` accepts, as written in a file."""
    return [f.alias or name for name, f in model.model_fields.items()]


def model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model under `root` that holds the key at `loc`; keys of dict[str, Model] fields are stepped over. None when
    `loc` leads out of the models (into a list of strings, say)."""
    model: Any = root
    for part in loc:
        if not _is_model(model):
            return None
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        if field is None:  # a key of a dict[str, Model] field
            continue
        model = _inner_model(field.annotation)
    return model if _is_model(model) else None


def known_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys accepted beside the unknown key at `loc` (empty when no model holds it)."""
    parent = model_at(root, loc[:-1])
    return aliases(parent) if parent else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _inner_model(annotation: Any) -> Any:
    """The model inside Optional[M], list[M], dict[str, M]... or the annotation itself."""
    if _is_model(annotation):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        inner = _inner_model(arg)
        if _is_model(inner):
            return inner
    return annotation
