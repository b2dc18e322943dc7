from .cases import Case, container, with_containers

EFS = {"fileSystemId": "fs-0123456789abcdef0"}
MOUNT = [{"sourceVolume": "data", "containerPath": "/data"}]


def efs(**fields):
    return with_containers(
        container(mountPoints=MOUNT, readonlyRootFilesystem=True),
        volumes=[{"name": "data", "efsVolumeConfiguration": {**EFS, **fields}}],
    )


def policy(**levels):
    return {"policy": levels}


CASES = [
    # warn (the default): a container that leaves the setting to ECS's default; writing it either way answers it
    Case(
        "SEC-READONLY-ROOT",
        good=with_containers(container(readonlyRootFilesystem=False)),
        bad=with_containers(container()),
        path=("containerDefinitions", 0),
    ),
    Case(
        "SEC-READONLY-ROOT",
        good=with_containers(container(readonlyRootFilesystem=True)),
        bad=with_containers(container(), container("b", essential=False)),
        path=("containerDefinitions", 1),
        id="second",
    ),
    # require: an error unless true, at the value when it says false
    Case(
        "SEC-READONLY-ROOT",
        good=with_containers(container(readonlyRootFilesystem=True)),
        bad=with_containers(container(readonlyRootFilesystem=False)),
        path=("containerDefinitions", 0, "readonlyRootFilesystem"),
        extension=policy(readonlyRootFilesystem="require"),
        id="require",
    ),
    Case(
        "SEC-NON-ROOT",
        good=with_containers(container(user="1000:1000", readonlyRootFilesystem=True)),
        bad=with_containers(container(user="root", readonlyRootFilesystem=True)),
        path=("containerDefinitions", 0, "user"),
    ),
    Case(
        "SEC-NON-ROOT",
        good=with_containers(container(readonlyRootFilesystem=True)),
        bad=with_containers(container(user="0:0", readonlyRootFilesystem=True)),
        id="uid-0",
    ),
    Case(
        "SEC-NON-ROOT",
        good=with_containers(container(user="nginx", readonlyRootFilesystem=True)),
        bad=with_containers(container(readonlyRootFilesystem=True)),
        path=("containerDefinitions", 0),
        extension=policy(nonRootUser="require"),
        id="require",
    ),
    Case(
        "SEC-EFS-TRANSIT",
        good=efs(transitEncryption="DISABLED"),
        bad=efs(),
        path=("volumes", 0, "efsVolumeConfiguration"),
    ),
    Case(
        "SEC-EFS-TRANSIT",
        good=efs(transitEncryption="ENABLED"),
        bad=efs(transitEncryption="DISABLED"),
        path=("volumes", 0, "efsVolumeConfiguration", "transitEncryption"),
        extension=policy(efsTransitEncryption="require"),
        id="require",
    ),
]
