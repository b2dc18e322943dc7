"""The one canonical form of a task definition: what `render` prints and what every engine declares.

It follows what keeps `terraform plan` clean after `apply` with the hashicorp/aws provider
(see the README, "Why the second plan is empty"):
- keys in the order of the ECS API model; containers, `environment` and `secrets` sorted by name;
- nothing the user did not set: no null, no empty list, no empty mapping, at any depth;
- task cpu/memory as integer strings (the shorthands already did that);
- EFS volumes fully specified (rootDirectory, transitEncryption, authorizationConfig.iam) and Docker volumes with
  their scope and driver, because the API fills these in and the provider would otherwise see a change. Each is
  written with ECS's own default (rootDirectory "/", transitEncryption DISABLED, iam DISABLED, scope task, driver
  local), so what the container sees is exactly what ECS gives a task definition that leaves them out.
Values are never rewritten: strings, numbers and booleans reach AWS exactly as written. A container field the
spec leaves out stays out (ECS applies its own default); only a policy the user wrote (`default-true`, see
policy.py) adds a value, before this canonical form is made.
"""

from __future__ import annotations

from typing import Any

from .ecs_model import Shape, input_shape

SORTED_BY_NAME = frozenset({"containerDefinitions", "environment", "secrets"})

# ECS's defaults for the EFS and Docker volume fields the API fills in (EFSVolumeConfiguration, EFSAuthorizationConfig,
# DockerVolumeConfiguration in the ECS API reference): written out so that the plan after apply stays clean.
EFS_DEFAULTS = {"rootDirectory": "/", "transitEncryption": "DISABLED"}
EFS_IAM_DEFAULT = "DISABLED"
DOCKER_VOLUME_DEFAULTS = {"scope": "task", "driver": "local"}


# structure shape -> its members' shapes and each member's place in the model (made once per process)
_STRUCTURES: dict[str, tuple[dict[str, Shape], dict[str, int]]] = {}


def _canon(value: Any, shp: Shape | None, key: str | None) -> Any:
    # (a value that is neither a mapping nor a list is kept as it is, None aside: checked here rather than by a call
    # per value, as this walks every value of every task)
    if isinstance(value, dict):
        out = {}
        if shp is not None and shp.type == "structure":
            known = _STRUCTURES.get(shp.name)
            if known is None:
                members = shp.members
                known = _STRUCTURES[shp.name] = (members, {name: i for i, name in enumerate(members)})
            members, order = known
            for name in sorted([k for k in value if k in order], key=order.__getitem__):  # model order
                v = value[name]
                if isinstance(v, (dict, list)):
                    v = _canon(v, members[name], name)
                    if v:
                        out[name] = v
                elif v is not None:
                    out[name] = v
            return out
        vshape = shp.value if shp is not None and shp.type == "map" else None
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                v = _canon(v, vshape, None)
                if v:
                    out[k] = v
            elif v is not None:
                out[k] = v
        return out
    if isinstance(value, list):
        item = shp.member if shp is not None and shp.type == "list" else None
        items = []
        for v in value:
            if isinstance(v, (dict, list)):
                v = _canon(v, item, None)
                if v:
                    items.append(v)
            elif v is not None:
                items.append(v)
        if key in SORTED_BY_NAME:
            items.sort(key=lambda d: str(d.get("name", "")) if isinstance(d, dict) else "")
        return items
    return value


def _volume(volume: dict[str, Any]) -> dict[str, Any]:
    efs = volume.get("efsVolumeConfiguration")
    if efs is not None:
        auth = {"iam": EFS_IAM_DEFAULT, **efs.get("authorizationConfig", {})}
        volume = {**volume, "efsVolumeConfiguration": {**EFS_DEFAULTS, **efs, "authorizationConfig": auth}}
    docker = volume.get("dockerVolumeConfiguration")
    if docker is not None:
        volume = {**volume, "dockerVolumeConfiguration": {**DOCKER_VOLUME_DEFAULTS, **docker}}
    return volume


def is_windows(task: dict[str, Any]) -> bool:
    family = (task.get("runtimePlatform") or {}).get("operatingSystemFamily") or "LINUX"
    return isinstance(family, str) and family.startswith("WINDOWS")


def register_input(task: dict[str, Any]) -> dict[str, Any]:
    """The canonical RegisterTaskDefinition input for a validated task (native form)."""
    task = dict(task)
    if "volumes" in task and isinstance(task["volumes"], list):
        task["volumes"] = [_volume(v) if isinstance(v, dict) else v for v in task["volumes"]]
    return _canon(task, input_shape(), None)
