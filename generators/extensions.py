"""The `x-ecsform` block: what ECS's own JSON cannot say, kept apart from the ECS fields.

Validated with pydantic in strict mode (no coercion: "5" is not 5), unknown keys rejected with a did-you-mean,
every error located at its line and column like any other finding.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from .errors import Finding, Severity

KEY = "x-ecsform"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, alias_generator=to_camel, populate_by_name=False,
                              frozen=True)


class Extension(_Model):
    """Top level of `x-ecsform`."""

    region: str | None = Field(None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$",
                               description="AWS region of the provider (default: derived from the spec).")
    tags: dict[str, str] = Field(default_factory=dict, description="Tags for every resource ecsform creates.")


def _aliases(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: Any = Extension
    for part in loc:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        inner = _inner_model(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


def validate(raw: Any) -> tuple[Extension | None, list[Finding]]:
    """The parsed extension block (None when invalid) and the findings, with paths under `x-ecsform`."""
    from .rules.fields import did_you_mean

    try:
        return Extension.model_validate(raw if raw is not None else {}), []
    except ValidationError as exc:
        findings = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            path = (KEY,) + loc
            if err["type"] == "extra_forbidden":
                parent = _model_at(loc[:-1])
                hint = did_you_mean(str(loc[-1]), _aliases(parent)) if parent else None
                findings.append(Finding("X-UNKNOWN-FIELD", Severity.ERROR, f"unknown field {loc[-1]!r}", path,
                                        hint or (f"known fields: {', '.join(_aliases(parent))}" if parent else None),
                                        at_key=True))
            elif err["type"] == "missing":
                findings.append(Finding("X-REQUIRED", Severity.ERROR, f"required field {loc[-1]!r} is missing",
                                        path[:-1], f"add `{loc[-1]}`"))
            else:
                findings.append(Finding("X-INVALID", Severity.ERROR, err["msg"], path))
        return None, findings
