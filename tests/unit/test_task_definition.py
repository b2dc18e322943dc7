"""The typed task definition after the rules (generators/spec/task_definition.py): its fields follow botocore's ECS
model, its payload is the canonical RegisterTaskDefinition input and cannot be changed, and the plan reads it."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import pytest

from generators import validation
from generators.options import Options
from generators.spec import task_definition as td
from generators.spec.ecs_model import Shape, container_shape, input_shape, shape

ROOT = Path(__file__).resolve().parents[2]

# each typed class -> the botocore shape it stands for
SHAPES = {
    td.TaskDefinition: lambda: input_shape(),
    td.ContainerDefinition: container_shape,
    td.PortMapping: lambda: shape("PortMapping"),
    td.ContainerDependency: lambda: shape("ContainerDependency"),
    td.MountPoint: lambda: shape("MountPoint"),
    td.VolumeFrom: lambda: shape("VolumeFrom"),
    td.Secret: lambda: shape("Secret"),
    td.LogConfiguration: lambda: shape("LogConfiguration"),
    td.EnvironmentFile: lambda: shape("EnvironmentFile"),
    td.Volume: lambda: shape("Volume"),
    td.EfsVolume: lambda: shape("EFSVolumeConfiguration"),
    td.DockerVolume: lambda: shape("DockerVolumeConfiguration"),
    td.FsxWindowsVolume: lambda: shape("FSxWindowsFileServerVolumeConfiguration"),
    td.RuntimePlatform: lambda: shape("RuntimePlatform"),
    td.Tag: lambda: shape("Tag"),
}
# a Python type -> the botocore shape types it may read
KINDS = {str: {"string"}, int: {"integer", "boxedinteger"}, bool: {"boolean", "boxedboolean"}}


def _walk(start: Shape, path: str) -> Shape:
    current = start
    for part in path.split("."):
        assert current.type == "structure", f"{path}: {current.name} has no members"
        assert part in current.members, f"{path}: {part} is no member of {current.name}"
        current = current.members[part]
    return current


def _kind(annotation: object) -> object:
    """The Python type a field holds, without None and Annotated."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        assert len(args) == 1
        return _kind(args[0])
    return origin or annotation


def test_every_field_names_a_member_of_the_ecs_model_of_its_type() -> None:
    typed = 0
    for cls, shape_of in SHAPES.items():
        hints = typing.get_type_hints(cls, include_extras=True)
        for f in dataclasses.fields(cls):
            if f.name == "payload":
                continue
            hint = hints[f.name]
            members = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, td.Member)]
            assert len(members) == 1, f"{cls.__name__}.{f.name} names no ECS member"
            member = _walk(shape_of(), members[0].path)
            kind = _kind(typing.get_args(hint)[0])
            if kind in KINDS:
                assert member.type in KINDS[kind], f"{cls.__name__}.{f.name}: {member.type}, not {kind}"
            elif kind is tuple:
                assert member.type == "list", f"{cls.__name__}.{f.name}"
            elif kind is typing.Mapping or str(kind) == "<class 'collections.abc.Mapping'>":
                assert member.type == "map", f"{cls.__name__}.{f.name}"
            else:
                assert kind in SHAPES, f"{cls.__name__}.{f.name}: {kind}"
                assert member.type == "structure" and member.name == SHAPES[kind]().name  # type: ignore[index]
            typed += 1
    assert typed > 50


def _plans(spec: str) -> list[typing.Any]:
    return validation.build_plans([str(ROOT / spec)], Options())[0]


def test_the_payload_is_what_render_prints_and_cannot_change() -> None:
    plan = _plans("tests/fixtures/features/all-features.yaml")[0]
    register = plan.register
    assert register == json.loads(json.dumps(td.thaw(plan.task.payload)))
    register["family"] = "changed"  # a copy: the plan is as it was
    assert plan.register["family"] == plan.task.family != "changed"
    with pytest.raises(TypeError):
        plan.task.payload["family"] = "changed"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.task.family = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.region = "eu-west-1"  # type: ignore[misc]
    assert isinstance(plan.task.payload["containerDefinitions"], tuple)


def test_typed_fields_read_the_payload() -> None:
    files = [f"specs/{f.name}" for f in sorted((ROOT / "specs").glob("*"))] + [
        "tests/fixtures/features/all-features.yaml"
    ]
    plans = [p for f in files for p in _plans(f)]
    assert plans
    for plan in plans:
        t, register = plan.task, plan.register
        assert t.family == register["family"] == plan.family
        assert (t.cpu, t.memory, t.network_mode) == tuple(register.get(k) for k in ("cpu", "memory", "networkMode"))
        assert t.roles == {k: register[k] for k in ("executionRoleArn", "taskRoleArn") if k in register}
        assert [c.name for c in t.containers] == [c["name"] for c in register["containerDefinitions"]]
        for c, raw in zip(t.containers, register["containerDefinitions"]):
            assert c.image == raw.get("image")
            assert [s.value_from for s in c.secrets] == [s["valueFrom"] for s in raw.get("secrets", [])]
            assert td.thaw(c.payload) == raw
            log = raw.get("logConfiguration")
            assert (c.log_configuration is None) == (log is None)
            if log is not None and c.log_configuration is not None:
                assert dict(c.log_configuration.options) == log.get("options", {})
        assert [v.name for v in t.volumes] == [v["name"] for v in register.get("volumes", [])]
        for v, raw_volume in zip(t.volumes, register.get("volumes", [])):
            efs = raw_volume.get("efsVolumeConfiguration")
            assert (v.efs is None) == (efs is None)
            if v.efs is not None:  # the canonical form writes ECS's defaults out
                assert (v.efs.root_directory, v.efs.transit_encryption, v.efs.iam) == (
                    efs["rootDirectory"],
                    efs["transitEncryption"],
                    efs["authorizationConfig"]["iam"],
                )
    assert any(v.efs is not None for p in plans for v in p.task.volumes)


def test_a_value_the_model_refuses_is_a_bug_not_a_guess() -> None:
    with pytest.raises(TypeError, match="containerPort"):
        td.build(
            {
                "family": "f",
                "containerDefinitions": [{"name": "a", "image": "i", "portMappings": [{"containerPort": "80"}]}],
            }
        )
    with pytest.raises(TypeError, match="family"):
        td.build({"containerDefinitions": []})
