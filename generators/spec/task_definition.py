"""The typed task definition: what the flow reads once the rules have passed.

The rules read the loaded document with its positions (a spec is untrusted input: any field may hold anything).
Once they pass, `build` turns the canonical RegisterTaskDefinition input (generators/spec/canonical.py) into one
immutable `TaskDefinition`: the fields the plan, the permissions, the roots and the emitters read, by attribute,
with the types of the ECS API model (each field names its member of botocore's shapes in `ecs`: a unit test holds
them to generators/spec/ecs_model.py), and the input itself, frozen (`payload`): what the user wrote reaches AWS as
it is, and `render` prints it byte for byte.

A value of an unexpected type here is a bug of the rules (they let through what the API model refuses):
`build` raises TypeError rather than guess.
"""

from __future__ import annotations

from collections.abc import Mapping  # (isinstance against typing.Mapping takes a slow detour per call)
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any, TypeVar, Union, cast

# an immutable JSON value: objects are read-only mappings, arrays are tuples
Json = Union[str, int, float, bool, None, tuple["Json", ...], Mapping[str, "Json"]]
JsonObject = Mapping[str, Json]


_SCALARS = frozenset({str, int, float, bool, type(None)})  # kept as they are (checked by type, not by a call each)


def freeze(value: object) -> Json:
    """A plain JSON value (dicts, lists, scalars), deeply copied into an immutable one."""
    if isinstance(value, dict):
        return MappingProxyType({str(k): v if type(v) in _SCALARS else freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple([v if type(v) in _SCALARS else freeze(v) for v in value])
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def thaw(value: Json) -> Any:
    """An immutable JSON value as a plain one (dicts and lists), e.g. for json.dumps: a new copy each time."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Member:
    """Where a field is read from: the ECS API member at `path` (dotted, below the shape its class stands for). A unit
    test holds every path to botocore's model (generators/spec/ecs_model.py)."""

    path: str


T = TypeVar("T")


def _get(obj: JsonObject, key: str, kind: type[T]) -> T | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{key}: {type(value).__name__}, not {kind.__name__}")
    return value


# The readers below take the common case (absent, or exactly the type freeze makes) without a call of their own, and
# leave anything else to `_get`: `build` reads some forty fields of every task.


def _str(obj: JsonObject, key: str) -> str | None:
    value = obj.get(key)
    return value if value is None or type(value) is str else _get(obj, key, str)


def _int(obj: JsonObject, key: str) -> int | None:
    value = obj.get(key)
    return value if value is None or type(value) is int else _get(obj, key, int)


def _bool(obj: JsonObject, key: str) -> bool | None:
    value = obj.get(key)
    return value if value is None or type(value) is bool else _get(obj, key, bool)


def _object(obj: JsonObject, key: str) -> JsonObject | None:
    value = obj.get(key)
    if value is None or type(value) is MappingProxyType:  # what freeze makes of an object
        return value
    return _get(obj, key, Mapping)  # type: ignore[type-abstract]


def _objects(obj: JsonObject, key: str) -> tuple[JsonObject, ...]:
    items = obj.get(key)
    if items is None:
        return ()
    if type(items) is not tuple:
        items = _get(obj, key, tuple) or ()
    for item in items:
        if type(item) is not MappingProxyType and not isinstance(item, Mapping):
            raise TypeError(f"{key}: an item is {type(item).__name__}, not an object")
    return cast("tuple[JsonObject, ...]", tuple(items))  # (the same tuple, when it is one: no copy)


def _strings(obj: JsonObject, key: str) -> tuple[str, ...]:
    items = _get(obj, key, tuple) or ()
    if not all(isinstance(i, str) for i in items):
        raise TypeError(f"{key}: not a list of strings")
    return tuple(str(i) for i in items)


@dataclass(frozen=True, slots=True)
class PortMapping:
    container_port: Annotated[int | None, Member("containerPort")]
    container_port_range: Annotated[str | None, Member("containerPortRange")]
    host_port: Annotated[int | None, Member("hostPort")]
    protocol: Annotated[str | None, Member("protocol")]
    name: Annotated[str | None, Member("name")]


@dataclass(frozen=True, slots=True)
class ContainerDependency:
    container_name: Annotated[str | None, Member("containerName")]
    condition: Annotated[str | None, Member("condition")]


@dataclass(frozen=True, slots=True)
class MountPoint:
    source_volume: Annotated[str | None, Member("sourceVolume")]
    container_path: Annotated[str | None, Member("containerPath")]
    read_only: Annotated[bool | None, Member("readOnly")]


@dataclass(frozen=True, slots=True)
class VolumeFrom:
    source_container: Annotated[str | None, Member("sourceContainer")]
    read_only: Annotated[bool | None, Member("readOnly")]


@dataclass(frozen=True, slots=True)
class Secret:
    name: Annotated[str | None, Member("name")]
    value_from: Annotated[str | None, Member("valueFrom")]


@dataclass(frozen=True, slots=True)
class LogConfiguration:
    log_driver: Annotated[str | None, Member("logDriver")]
    options: Annotated[Mapping[str, str], Member("options")]
    secret_options: Annotated[tuple[Secret, ...], Member("secretOptions")]


@dataclass(frozen=True, slots=True)
class EnvironmentFile:
    value: Annotated[str | None, Member("value")]
    type: Annotated[str | None, Member("type")]


@dataclass(frozen=True, slots=True)
class ContainerDefinition:
    name: Annotated[str, Member("name")]
    image: Annotated[str | None, Member("image")]
    essential: Annotated[bool | None, Member("essential")]
    port_mappings: Annotated[tuple[PortMapping, ...], Member("portMappings")]
    depends_on: Annotated[tuple[ContainerDependency, ...], Member("dependsOn")]
    mount_points: Annotated[tuple[MountPoint, ...], Member("mountPoints")]
    volumes_from: Annotated[tuple[VolumeFrom, ...], Member("volumesFrom")]
    secrets: Annotated[tuple[Secret, ...], Member("secrets")]
    log_configuration: Annotated[LogConfiguration | None, Member("logConfiguration")]
    environment_files: Annotated[tuple[EnvironmentFile, ...], Member("environmentFiles")]
    # the secret holding a private registry's credentials
    credentials_parameter: Annotated[str | None, Member("repositoryCredentials.credentialsParameter")]
    payload: JsonObject  # the container as registered


@dataclass(frozen=True, slots=True)
class EfsVolume:
    file_system_id: Annotated[str | None, Member("fileSystemId")]
    root_directory: Annotated[str | None, Member("rootDirectory")]
    transit_encryption: Annotated[str | None, Member("transitEncryption")]
    iam: Annotated[str | None, Member("authorizationConfig.iam")]
    access_point_id: Annotated[str | None, Member("authorizationConfig.accessPointId")]


@dataclass(frozen=True, slots=True)
class DockerVolume:
    scope: Annotated[str | None, Member("scope")]


@dataclass(frozen=True, slots=True)
class FsxWindowsVolume:
    file_system_id: Annotated[str | None, Member("fileSystemId")]


@dataclass(frozen=True, slots=True)
class Volume:
    name: Annotated[str | None, Member("name")]
    host_source_path: Annotated[str | None, Member("host.sourcePath")]
    docker: Annotated[DockerVolume | None, Member("dockerVolumeConfiguration")]
    efs: Annotated[EfsVolume | None, Member("efsVolumeConfiguration")]
    fsx_windows: Annotated[FsxWindowsVolume | None, Member("fsxWindowsFileServerVolumeConfiguration")]
    configured_at_launch: Annotated[bool | None, Member("configuredAtLaunch")]


@dataclass(frozen=True, slots=True)
class RuntimePlatform:
    operating_system_family: Annotated[str | None, Member("operatingSystemFamily")]
    cpu_architecture: Annotated[str | None, Member("cpuArchitecture")]


@dataclass(frozen=True, slots=True)
class Tag:
    key: Annotated[str, Member("key")]
    value: Annotated[str, Member("value")]


EXECUTION_ROLE, TASK_ROLE = "executionRoleArn", "taskRoleArn"


@dataclass(frozen=True, slots=True)
class TaskDefinition:
    """One task definition as it is registered: its fields typed, and the RegisterTaskDefinition input itself."""

    family: Annotated[str, Member("family")]
    cpu: Annotated[str | None, Member("cpu")]
    memory: Annotated[str | None, Member("memory")]
    network_mode: Annotated[str | None, Member("networkMode")]
    requires_compatibilities: Annotated[tuple[str, ...], Member("requiresCompatibilities")]
    task_role_arn: Annotated[str | None, Member("taskRoleArn")]
    execution_role_arn: Annotated[str | None, Member("executionRoleArn")]
    runtime_platform: Annotated[RuntimePlatform | None, Member("runtimePlatform")]
    containers: Annotated[tuple[ContainerDefinition, ...], Member("containerDefinitions")]
    volumes: Annotated[tuple[Volume, ...], Member("volumes")]
    tags: Annotated[tuple[Tag, ...], Member("tags")]
    payload: JsonObject  # the RegisterTaskDefinition input itself

    @property
    def roles(self) -> dict[str, str]:
        """The roles the task definition names: ECS field (executionRoleArn, taskRoleArn) -> role ARN or name."""
        named = ((EXECUTION_ROLE, self.execution_role_arn), (TASK_ROLE, self.task_role_arn))
        return {f: arn for f, arn in named if arn is not None}

    def register_input(self) -> dict[str, Any]:
        """The RegisterTaskDefinition input as plain JSON (a new copy: for json.dumps and comparisons)."""
        out: dict[str, Any] = thaw(self.payload)
        return out


def _string_map(obj: JsonObject, key: str) -> Mapping[str, str]:
    items = _object(obj, key) or {}
    if not all(isinstance(v, str) for v in items.values()):
        raise TypeError(f"{key}: not a map of strings")
    return MappingProxyType({k: str(v) for k, v in items.items()})


def _secrets(obj: JsonObject, key: str) -> tuple[Secret, ...]:
    return tuple(Secret(_str(s, "name"), _str(s, "valueFrom")) for s in _objects(obj, key))


def _container(c: JsonObject) -> ContainerDefinition:
    log = _object(c, "logConfiguration")
    credentials = _object(c, "repositoryCredentials")
    name = _str(c, "name")
    if name is None:
        raise TypeError("a container without a name")
    return ContainerDefinition(
        name=name,
        image=_str(c, "image"),
        essential=_bool(c, "essential"),
        port_mappings=tuple(
            PortMapping(
                _int(p, "containerPort"),
                _str(p, "containerPortRange"),
                _int(p, "hostPort"),
                _str(p, "protocol"),
                _str(p, "name"),
            )
            for p in _objects(c, "portMappings")
        ),
        depends_on=tuple(
            ContainerDependency(_str(d, "containerName"), _str(d, "condition")) for d in _objects(c, "dependsOn")
        ),
        mount_points=tuple(
            MountPoint(_str(m, "sourceVolume"), _str(m, "containerPath"), _bool(m, "readOnly"))
            for m in _objects(c, "mountPoints")
        ),
        volumes_from=tuple(
            VolumeFrom(_str(v, "sourceContainer"), _bool(v, "readOnly")) for v in _objects(c, "volumesFrom")
        ),
        secrets=_secrets(c, "secrets"),
        log_configuration=None
        if log is None
        else LogConfiguration(
            _str(log, "logDriver"),
            _string_map(log, "options"),
            _secrets(log, "secretOptions"),
        ),
        environment_files=tuple(
            EnvironmentFile(_str(e, "value"), _str(e, "type")) for e in _objects(c, "environmentFiles")
        ),
        credentials_parameter=None if credentials is None else _str(credentials, "credentialsParameter"),
        payload=c,
    )


def _volume(v: JsonObject) -> Volume:
    host = _object(v, "host")
    docker = _object(v, "dockerVolumeConfiguration")
    efs = _object(v, "efsVolumeConfiguration")
    fsx = _object(v, "fsxWindowsFileServerVolumeConfiguration")
    auth = (_object(efs, "authorizationConfig") if efs is not None else None) or MappingProxyType({})
    return Volume(
        name=_str(v, "name"),
        host_source_path=None if host is None else _str(host, "sourcePath"),
        docker=None if docker is None else DockerVolume(_str(docker, "scope")),
        efs=None
        if efs is None
        else EfsVolume(
            _str(efs, "fileSystemId"),
            _str(efs, "rootDirectory"),
            _str(efs, "transitEncryption"),
            _str(auth, "iam"),
            _str(auth, "accessPointId"),
        ),
        fsx_windows=None if fsx is None else FsxWindowsVolume(_str(fsx, "fileSystemId")),
        configured_at_launch=_bool(v, "configuredAtLaunch"),
    )


def build(register: dict[str, Any]) -> TaskDefinition:
    """The typed task definition of a canonical RegisterTaskDefinition input (a validated task: the rules passed)."""
    payload = freeze(register)
    assert isinstance(payload, Mapping)
    family = _str(payload, "family")
    if family is None:
        raise TypeError("a task definition without a family")
    platform = _object(payload, "runtimePlatform")
    return TaskDefinition(
        family=family,
        cpu=_str(payload, "cpu"),
        memory=_str(payload, "memory"),
        network_mode=_str(payload, "networkMode"),
        requires_compatibilities=_strings(payload, "requiresCompatibilities"),
        task_role_arn=_str(payload, "taskRoleArn"),
        execution_role_arn=_str(payload, "executionRoleArn"),
        runtime_platform=None
        if platform is None
        else RuntimePlatform(_str(platform, "operatingSystemFamily"), _str(platform, "cpuArchitecture")),
        containers=tuple(_container(c) for c in _objects(payload, "containerDefinitions")),
        volumes=tuple(_volume(v) for v in _objects(payload, "volumes")),
        tags=tuple(Tag(_str(t, "key") or "", _str(t, "value") or "") for t in _objects(payload, "tags")),
        payload=payload,
    )
