"""X. References from ECS fields to what x-ecsform manages (ecsform:secret/..., ecsform:efs/...)."""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding, Severity
from ..spec import references
from ..spec.extensions import KEY
from ..text import did_you_mean
from .registry import Context, Rule, rule

E, W = Severity.ERROR, Severity.WARNING

_FORMS = {
    "secret": "ecsform:secret/NAME (optionally :json-key:version-stage:version-id)",
    "efs": "ecsform:efs/NAME",
    "access-point": "ecsform:efs/NAME/access-point/ACCESS_POINT",
}


@rule(
    "X-REF-FORMAT", E, "An ecsform: reference is well formed and used where a reference of its kind belongs.", "ecsform"
)
def reference_format(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, value, expected in ctx.references():
        ref = references.parse(value)
        if expected is None:
            yield r.finding(
                f"{value!r}: ecsform references are only allowed in secrets valueFrom, "
                "secretOptions valueFrom, repositoryCredentials.credentialsParameter, "
                "efsVolumeConfiguration.fileSystemId and authorizationConfig.accessPointId",
                path,
                "write the literal value here",
            )
        elif ref is None or ref.kind != expected:
            yield r.finding(f"{value!r} is not a reference this field takes", path, f"write {_FORMS[expected]}")


@rule("X-REF-UNKNOWN", E, "A reference names a secret, file system or access point declared in x-ecsform.", "ecsform")
def reference_target(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, value, expected in ctx.references():
        ref = references.parse(value)
        if ref is None or ref.kind != expected:
            continue
        if ref.kind == "secret" and ref.key not in ctx.ext.secrets:
            yield r.finding(
                f"no secret {ref.key!r} in {KEY}.secrets",
                path,
                did_you_mean(ref.key, list(ctx.ext.secrets)) or f"declare it under {KEY}.secrets",
            )
        elif ref.kind in ("efs", "access-point") and ref.key not in ctx.ext.efs:
            yield r.finding(
                f"no file system {ref.key!r} in {KEY}.efs",
                path,
                did_you_mean(ref.key, list(ctx.ext.efs)) or f"declare it under {KEY}.efs",
            )
        elif ref.kind == "access-point" and ref.access_point not in ctx.ext.efs[ref.key].access_points:
            aps = list(ctx.ext.efs[ref.key].access_points)
            yield r.finding(
                f"file system {ref.key!r} has no access point {ref.access_point!r}",
                path,
                did_you_mean(ref.access_point or "", aps) or f"declare it under {KEY}.efs.{ref.key}.accessPoints",
            )


@rule(
    "X-REF-VOLUME",
    E,
    "An access point reference belongs to the file system the volume mounts.",
    "ecsform",
    needs=("volumes",),
)
def access_point_of_volume(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, volume in ctx.volumes():
        efs = volume.get("efsVolumeConfiguration")
        if not isinstance(efs, dict):
            continue
        ap = references.parse((efs.get("authorizationConfig") or {}).get("accessPointId"))
        if ap is None or ap.kind != "access-point":
            continue
        fs = references.parse(efs.get("fileSystemId"))
        if fs is None or fs.kind != "efs" or fs.key != ap.key:
            yield r.finding(
                f"access point of file system {ap.key!r} on a volume that mounts {efs.get('fileSystemId')!r}",
                path + ("efsVolumeConfiguration", "authorizationConfig", "accessPointId"),
                f"set fileSystemId to ecsform:efs/{ap.key}",
            )


@rule("X-UNUSED", W, "Every secret and file system declared in x-ecsform is referenced by the task.", "ecsform")
def unused_managed(r: Rule, ctx: Context) -> Iterator[Finding]:
    used = {
        (ref.kind if ref.kind == "secret" else "efs", ref.key)
        for _, value, _ in ctx.references()
        if (ref := references.parse(value)) is not None
    }
    for key in ctx.ext.secrets:
        if ("secret", key) not in used:
            yield r.finding(
                f"secret {key!r} is declared but no container reads it",
                (KEY, "secrets", key),
                f"reference it as ecsform:secret/{key}, or remove it",
                at_key=True,
            )
    for key in ctx.ext.efs:
        if ("efs", key) not in used:
            yield r.finding(
                f"file system {key!r} is declared but no volume mounts it",
                (KEY, "efs", key),
                f"mount it with fileSystemId: ecsform:efs/{key}, or remove it",
                at_key=True,
            )
