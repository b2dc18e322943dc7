"""The one canonical form of a task definition: what `render` prints and what every engine declares.

It follows what keeps `terraform plan` clean after `apply` with the hashicorp/aws provider
(see the README, "Why the second plan is empty"):
- keys in the order of the ECS API model; containers, `environment` and `secrets` sorted by name;
- nothing the user did not set: no null, no empty list, no empty mapping, at any depth;
- task cpu/memory as integer strings (the shorthands already did that);
- EFS volumes fully specified (rootDirectory, transitEncryption, authorizationConfig.iam) and Docker volumes with
  their scope and driver, because the API fills these in and the provider would otherwise see a change.
Values are never rewritten: strings, numbers and booleans reach AWS exactly as written.
"""

from __future__ import annotations

from typing import Any

from .ecs_model import Shape, input_shape

SORTED_BY_NAME = frozenset({"containerDefinitions", "environment", "secrets"})

# Secure defaults where the user wrote nothing (ECS's own defaults are DISABLED and false). Rule SEC-READONLY-ROOT
# tells the user when a container gets the read-only root filesystem; writing `false` keeps ECS's default.
EFS_TRANSIT_DEFAULT = "ENABLED"
READONLY_ROOT_DEFAULT = True


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (list, dict)) and not value)


def _canon(value: Any, shp: Shape | None, key: str | None) -> Any:
    if isinstance(value, dict):
        if shp is not None and shp.type == "structure":
            members = shp.members
            out = {}
            for name in members:  # model order
                if name in value:
                    v = _canon(value[name], members[name], name)
                    if not _empty(v):
                        out[name] = v
            return out
        vshape = shp.value if shp is not None and shp.type == "map" else None
        return {k: v for k, v in ((k, _canon(v, vshape, None)) for k, v in value.items()) if not _empty(v)}
    if isinstance(value, list):
        item = shp.member if shp is not None and shp.type == "list" else None
        items = [c for c in (_canon(v, item, None) for v in value) if not _empty(c)]
        if key in SORTED_BY_NAME:
            items.sort(key=lambda d: str(d.get("name", "")) if isinstance(d, dict) else "")
        return items
    return value


def _volume(volume: dict[str, Any]) -> dict[str, Any]:
    efs = volume.get("efsVolumeConfiguration")
    if efs is not None:
        efs = dict(efs)
        auth = dict(efs.get("authorizationConfig", {}))
        efs.setdefault("rootDirectory", "/")
        uses_iam = auth.get("iam") == "ENABLED" or "accessPointId" in auth
        efs.setdefault("transitEncryption", "ENABLED" if uses_iam else EFS_TRANSIT_DEFAULT)
        auth.setdefault("iam", "DISABLED")
        efs["authorizationConfig"] = auth
        volume = {**volume, "efsVolumeConfiguration": efs}
    docker = volume.get("dockerVolumeConfiguration")
    if docker is not None:
        volume = {**volume, "dockerVolumeConfiguration": {"scope": "task", "driver": "local", **docker}}
    return volume


def is_windows(task: dict[str, Any]) -> bool:
    family = (task.get("runtimePlatform") or {}).get("operatingSystemFamily") or "LINUX"
    return isinstance(family, str) and family.startswith("WINDOWS")


def gets_readonly_root(task: dict[str, Any], container: dict[str, Any]) -> bool:
    """True when ecsform adds readonlyRootFilesystem: true (not written, and the task is not Windows)."""
    return "readonlyRootFilesystem" not in container and not is_windows(task)


def register_input(task: dict[str, Any]) -> dict[str, Any]:
    """The canonical RegisterTaskDefinition input for a validated task (native form)."""
    task = dict(task)
    if "volumes" in task and isinstance(task["volumes"], list):
        task["volumes"] = [_volume(v) if isinstance(v, dict) else v for v in task["volumes"]]
    if isinstance(task.get("containerDefinitions"), list):
        task["containerDefinitions"] = [
            {**c, "readonlyRootFilesystem": READONLY_ROOT_DEFAULT} if isinstance(c, dict) and gets_readonly_root(task, c)
            else c for c in task["containerDefinitions"]]
    return _canon(task, input_shape(), None)
