"""What a root's Terraform state already holds, read where its backend keeps it: `verify` stays silent about a
resource the root created (or imported) before, which only a first apply would trip over.

- local backend (or none): `<out>/<root>/terraform.tfstate`, the file Terraform writes in the root's folder;
- s3 backend: the state object (`bucket`, `key`, `region` of backend.tf, the backend's `assume_role` when set), with
  one s3:GetObject. A root that has never been applied has no object: it holds nothing.

Only the resources' types and names are read (`resources[].type`, `instances[].attributes.name`); nothing of the
state is kept or printed. Terraform's state format: https://developer.hashicorp.com/terraform/internals/json-format
(the state file itself has the same `resources` list, version 4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EcsformError
from ..plan import Plan
from ..target import Target
from .session import Sessions, error_code, is_aws_error

STATE_FILE = "terraform.tfstate"


@dataclass(frozen=True)
class Held:
    """The (resource type, name) pairs the root's state holds; `problem` says why it could not be read."""

    names: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    problem: str | None = None

    def holds(self, resource_type: str, name: str) -> bool:
        return (resource_type, name) in self.names


def names_in(state: Any) -> frozenset[tuple[str, str]]:
    """(type, attributes.name) of every managed resource instance in a state document."""
    out: set[tuple[str, str]] = set()
    resources = state.get("resources") if isinstance(state, dict) else None
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict) or resource.get("mode") != "managed":
            continue
        for instance in resource.get("instances") or []:
            attributes = instance.get("attributes") if isinstance(instance, dict) else None
            name = attributes.get("name") if isinstance(attributes, dict) else None
            if isinstance(resource.get("type"), str) and isinstance(name, str):
                out.add((resource["type"], name))
    return frozenset(out)


def _parse(text: bytes, where: str) -> Held:
    if not text.strip():
        return Held()
    try:
        return Held(names_in(json.loads(text)))
    except ValueError:
        return Held(problem=f"{where} is not a Terraform state")


def held(plan: Plan, out: Path, sessions: Sessions) -> Held:
    """What the root's state holds (empty when it has none yet)."""
    backend = plan.backend
    if backend is None or backend.type == "local":
        path = out / plan.root / STATE_FILE
        try:
            return _parse(path.read_bytes(), path.as_posix())
        except FileNotFoundError:
            return Held()
        except OSError as exc:
            return Held(problem=f"cannot read {path.as_posix()}: {exc.strerror or exc}")
    if backend.type != "s3":
        return Held(problem=f"ecsform reads no {backend.type} backend")
    arguments = dict(backend.arguments)
    bucket, key = arguments.get("bucket"), arguments.get("key")
    if not isinstance(bucket, str) or not isinstance(key, str):
        return Held(problem="the backend names no bucket and key (a partial backend without them)")
    region = arguments.get("region")
    role = dict(backend.assume_role).get("role_arn")
    where = f"s3://{bucket}/{key}"
    try:
        aws = sessions.get(Target(region=region if isinstance(region, str) else None, role_arn=role), plan.root)
        body = aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except EcsformError as exc:
        return Held(problem=f"cannot reach {where}: {exc.findings[0].message}")
    except Exception as exc:
        if not is_aws_error(exc):
            raise
        if error_code(exc) in ("NoSuchKey", "404"):
            return Held()  # never applied
        return Held(problem=f"cannot read {where}: {error_code(exc) or exc}")
    return _parse(body, where)
