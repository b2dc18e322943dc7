"""References from ECS fields to resources ecsform manages, and secrets referenced without their full ARN.

    ecsform:secret/KEY[:json-key:version-stage:version-id]   a secret in x-ecsform.secrets (valueFrom,
                                                              repositoryCredentials.credentialsParameter)
    ecsform:efs/KEY                                          a file system in x-ecsform.efs (fileSystemId)
    ecsform:efs/KEY/access-point/AP                          one of its access points (accessPointId)

`ecsform:` can start neither an ARN nor an SSM parameter name (a colon is not allowed there), so a reference is
never mistaken for a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from .. import arns

PREFIX = "ecsform:"
_SECRET = re.compile(r"^ecsform:secret/([A-Za-z0-9_-]{1,64})((?::[^:]*){3})?$")
_EFS = re.compile(r"^ecsform:efs/([A-Za-z0-9_-]{1,64})$")
_ACCESS_POINT = re.compile(r"^ecsform:efs/([A-Za-z0-9_-]{1,64})/access-point/([A-Za-z0-9_-]{1,64})$")


@dataclass(frozen=True)
class Ref:
    kind: str  # "secret" | "efs" | "access-point"
    key: str  # the x-ecsform.secrets / x-ecsform.efs key
    access_point: str | None = None
    suffix: str = ""  # ":json-key:stage:version" of a secret reference


def parse(value: Any) -> Ref | None:
    """The reference a value stands for, or None when it is an ordinary value (or a malformed reference)."""
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return None
    if m := _SECRET.match(value):
        return Ref("secret", m.group(1), suffix=m.group(2) or "")
    if m := _EFS.match(value):
        return Ref("efs", m.group(1))
    if m := _ACCESS_POINT.match(value):
        return Ref("access-point", m.group(1), m.group(2))
    return None


def is_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


# Where references may appear: (path pattern, kinds). `*` matches any list index.
SECRET_FIELDS = (
    ("containerDefinitions", "*", "secrets", "*", "valueFrom"),
    ("containerDefinitions", "*", "logConfiguration", "secretOptions", "*", "valueFrom"),
    ("containerDefinitions", "*", "repositoryCredentials", "credentialsParameter"),
)
EFS_FIELD = ("volumes", "*", "efsVolumeConfiguration", "fileSystemId")
ACCESS_POINT_FIELD = ("volumes", "*", "efsVolumeConfiguration", "authorizationConfig", "accessPointId")
ALLOWED = {**{p: "secret" for p in SECRET_FIELDS}, EFS_FIELD: "efs", ACCESS_POINT_FIELD: "access-point"}


def _shape(path: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple("*" if isinstance(p, int) else p for p in path)


def strings(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(path, string) for every string in a plain document."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings(v, path + (i,))


def holds_text(value: Any, text: str) -> bool:
    """True when a string anywhere in a plain document contains `text`: `strings` without the paths, and without a
    call per string (most documents have no such string, and this is how every spec is asked)."""
    todo = [value]
    while todo:
        v = todo.pop()
        kind = type(v)
        if kind is str:
            if text in v:
                return True
        elif kind is dict:
            todo.extend(v.values())
        elif kind is list:
            todo.extend(v)
        elif isinstance(v, str):
            if text in v:
                return True
        elif isinstance(v, dict):
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
    return False


def find(task: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str, str | None]]:
    """(path, value, expected kind at that path or None when references are not allowed there) per reference."""
    if not holds_text(task, PREFIX):  # (no string holds it: none starts with it)
        return
    for path, value in strings(task):
        if is_reference(value):
            yield path, value, ALLOWED.get(_shape(path))


def secret_base(value: str) -> str | None:
    """arn:...:secret:NAME[-suffix] without :json-key:stage:version, for a Secrets Manager ARN; else None."""
    ref = arns.secret_ref(value)
    return ref.base if ref is not None and ref.name else None


def is_partial_secret_arn(value: str) -> bool:
    """A Secrets Manager ARN whose name lacks the 6-character suffix Secrets Manager appends."""
    ref = arns.secret_ref(value)
    return ref is not None and bool(ref.name) and ref.partial


def secret_region(value: str) -> str | None:
    ref = arns.secret_ref(value)
    return ref.arn.region if ref is not None else None


def secret_references_at(task: dict[str, Any]) -> list[tuple[tuple[Any, ...], str, bool]]:
    """(path, value, bare name means a Secrets Manager secret) for every value a container reads a secret from:
    secrets[].valueFrom, logConfiguration.secretOptions[].valueFrom and repository credentials, in the task's
    order (paths as findings print them)."""
    out: list[tuple[tuple[Any, ...], str, bool]] = []
    for i, c in enumerate(task.get("containerDefinitions", [])):
        at = ("containerDefinitions", i)
        for j, s in enumerate(c.get("secrets", [])):
            out.append((at + ("secrets", j, "valueFrom"), s["valueFrom"], False))
        for j, s in enumerate(c.get("logConfiguration", {}).get("secretOptions", [])):
            out.append((at + ("logConfiguration", "secretOptions", j, "valueFrom"), s["valueFrom"], False))
        creds = c.get("repositoryCredentials", {}).get("credentialsParameter")
        if creds:
            out.append((at + ("repositoryCredentials", "credentialsParameter"), creds, True))
    return out
