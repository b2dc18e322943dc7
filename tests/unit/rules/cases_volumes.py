from .cases import BASE_EC2, TASK_ROLE, Case, container, task, with_containers

EFS = {"fileSystemId": "fs-0123456789abcdef0"}
MOUNT = [{"sourceVolume": "data", "containerPath": "/data"}]
WINDOWS_EC2 = task(BASE_EC2, networkMode=None, runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"})


def vol(config=None, mounts=MOUNT, base=None, name="data", **fields):
    volume = {"name": name, **(config or {})}
    c = container(mountPoints=mounts, **({"memory": 256} if base in (BASE_EC2, WINDOWS_EC2) else {}))
    return with_containers(c, base=base, volumes=[volume], **fields)


def efs(auth=None, **efs_fields):
    config = dict(EFS, **efs_fields)
    if auth is not None:
        config["authorizationConfig"] = auth
    return {"efsVolumeConfiguration": config}


CASES = [
    Case("ECS-J1", good=vol(efs()), bad=vol({"host": {}, **efs()}), path=("volumes", 0, "efsVolumeConfiguration")),
    Case(
        "ECS-J1",
        good=vol({"configuredAtLaunch": False, **efs()}),
        bad=vol({"configuredAtLaunch": True, **efs()}),
        id="at-launch",
    ),
    Case(
        "ECS-J2",
        good=vol(),
        bad=vol(mounts=[{"sourceVolume": "date", "containerPath": "/data"}]),
        path=("containerDefinitions", 0, "mountPoints", 0, "sourceVolume"),
    ),
    Case(
        "ECS-J2",
        good=vol(),
        bad=vol(mounts=[{"containerPath": "/data"}]),
        path=("containerDefinitions", 0, "mountPoints", 0),
        id="no-source",
    ),
    Case(
        "ECS-J3",
        good=vol(),
        bad=vol(mounts=[{"sourceVolume": "data", "containerPath": "data"}]),
        path=("containerDefinitions", 0, "mountPoints", 0, "containerPath"),
    ),
    Case(
        "ECS-J3",
        good=vol(mounts=[{"sourceVolume": "data", "containerPath": "C:\\data"}], base=WINDOWS_EC2),
        bad=vol(base=WINDOWS_EC2),
        id="windows",
    ),
    Case(
        "ECS-J4",
        good=with_containers(container("a"), container("b", volumesFrom=[{"sourceContainer": "a"}])),
        bad=with_containers(container("a"), container("b", volumesFrom=[{"sourceContainer": "c"}])),
        path=("containerDefinitions", 1, "volumesFrom", 0, "sourceContainer"),
    ),
    Case(
        "ECS-J4",
        good=with_containers(container("a"), container("b", volumesFrom=[{"sourceContainer": "a"}])),
        bad=with_containers(container("a"), container("b", volumesFrom=[{"sourceContainer": "b"}])),
        id="self",
    ),
    Case(
        "ECS-J5",
        good=vol({"dockerVolumeConfiguration": {"scope": "task"}}, base=BASE_EC2),
        bad=vol({"dockerVolumeConfiguration": {"scope": "task"}}),
        path=("volumes", 0, "dockerVolumeConfiguration"),
    ),
    Case(
        "ECS-J5",
        good=vol({"dockerVolumeConfiguration": {"scope": "shared", "autoprovision": True}}, base=BASE_EC2),
        bad=vol({"dockerVolumeConfiguration": {"autoprovision": True}}, base=BASE_EC2),
        id="autoprovision",
    ),
    Case(
        "ECS-J6",
        good=vol({"host": {"sourcePath": "/srv/data"}}, base=BASE_EC2),
        bad=vol({"host": {"sourcePath": "/srv/data"}}),
        path=("volumes", 0, "host", "sourcePath"),
    ),
    Case(
        "ECS-J6",
        good=vol({"host": {}}, base=BASE_EC2),
        bad=vol({"host": {"sourcePath": ""}}, base=BASE_EC2),
        id="blank",
    ),
    Case(
        "ECS-J7",
        good=vol(efs({"accessPointId": "fsap-0123456789abcdef0"}, rootDirectory="/", transitEncryption="ENABLED")),
        bad=vol(efs({"accessPointId": "fsap-0123456789abcdef0"}, rootDirectory="/data")),
        path=("volumes", 0, "efsVolumeConfiguration", "rootDirectory"),
    ),
    Case(
        "ECS-J7",
        good=vol(efs({"iam": "ENABLED"}, transitEncryption="ENABLED")),
        bad=vol(efs({"iam": "ENABLED"}, transitEncryption="DISABLED")),
        path=("volumes", 0, "efsVolumeConfiguration", "transitEncryption"),
        id="tls",
    ),
    # left out, transitEncryption is DISABLED (ECS's default), which ECS refuses with an access point or IAM
    Case(
        "ECS-J7",
        good=vol(efs({"accessPointId": "fsap-0123456789abcdef0"}, transitEncryption="ENABLED")),
        bad=vol(efs({"accessPointId": "fsap-0123456789abcdef0"})),
        path=("volumes", 0, "efsVolumeConfiguration"),
        id="tls-left-out",
    ),
    Case("ECS-J7", good=vol(efs(transitEncryptionPort=2049)), bad=vol(efs(transitEncryptionPort=70000)), id="port"),
    Case(
        "ECS-J7",
        good=vol({"efsVolumeConfiguration": {"fileSystemId": "ecsform:efs/shared"}}),
        bad=vol({"efsVolumeConfiguration": {"fileSystemId": "my-efs"}}),
        path=("volumes", 0, "efsVolumeConfiguration", "fileSystemId"),
        id="id",
        extension={"efs": {"shared": {}}},
    ),
    Case(
        "ECS-M4",
        good=vol(efs({"iam": "ENABLED"})),
        bad=vol(efs({"iam": "ENABLED"}), taskRoleArn=TASK_ROLE),
        path=("taskRoleArn",),
        id="efs-iam",
    ),
    Case(
        "ECS-J8",
        good=vol(efs(), base=BASE_EC2),
        bad=vol(efs(), base=task(BASE_EC2, requiresCompatibilities=["EXTERNAL"])),
        path=("volumes", 0, "efsVolumeConfiguration"),
        id="external",
    ),
    Case(
        "ECS-J9",
        good=vol(
            {
                "fsxWindowsFileServerVolumeConfiguration": {
                    "fileSystemId": "fs-0123456789abcdef0",
                    "rootDirectory": "share",
                    "authorizationConfig": {
                        "credentialsParameter": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ad-AbCdEf",
                        "domain": "corp.example.com",
                    },
                }
            },
            mounts=[{"sourceVolume": "data", "containerPath": "C:\\data"}],
            base=WINDOWS_EC2,
        ),
        bad=vol(
            {
                "fsxWindowsFileServerVolumeConfiguration": {
                    "fileSystemId": "fs-0123456789abcdef0",
                    "rootDirectory": "share",
                    "authorizationConfig": {"credentialsParameter": "ad-credentials", "domain": "corp.example.com"},
                }
            },
            mounts=[{"sourceVolume": "data", "containerPath": "C:\\data"}],
            base=WINDOWS_EC2,
        ),
        path=("volumes", 0, "fsxWindowsFileServerVolumeConfiguration", "authorizationConfig", "credentialsParameter"),
    ),
    Case(
        "ECS-J10",
        good=vol({"configuredAtLaunch": True}),
        bad=with_containers(
            container(mountPoints=MOUNT + [{"sourceVolume": "more", "containerPath": "/more"}]),
            volumes=[{"name": "data", "configuredAtLaunch": True}, {"name": "more", "configuredAtLaunch": True}],
        ),
        path=("volumes", 1, "configuredAtLaunch"),
    ),
    Case(
        "ECS-J10",
        good=vol({"configuredAtLaunch": True}),
        bad=vol({"configuredAtLaunch": True}, mounts=None),
        id="unmounted",
    ),
    Case(
        "ECS-J11",
        good=vol(
            {
                "s3filesVolumeConfiguration": {
                    "fileSystemArn": "arn:aws:s3files:us-east-1:123456789012:file-system/fs-1",
                    "rootDirectory": "/",
                }
            }
        ),
        bad=vol(
            {
                "s3filesVolumeConfiguration": {
                    "fileSystemArn": "arn:aws:s3files:us-east-1:123456789012:file-system/fs-1",
                    "rootDirectory": "/data",
                    "accessPointArn": "arn:aws:s3files:us-east-1:123456789012:access-point/ap-1",
                }
            }
        ),
        path=("volumes", 0, "s3filesVolumeConfiguration", "rootDirectory"),
    ),
    Case(
        "ECS-J12",
        good=task(ephemeralStorage={"sizeInGiB": 21}),
        bad=task(ephemeralStorage={"sizeInGiB": 20}),
        path=("ephemeralStorage", "sizeInGiB"),
    ),
    Case(
        "ECS-J12",
        good=task(ephemeralStorage={"sizeInGiB": 200}),
        bad=task(BASE_EC2, ephemeralStorage={"sizeInGiB": 50}),
        path=("ephemeralStorage",),
        id="ec2",
    ),
    Case(
        "ECS-J3",
        good=vol(),
        bad=vol(mounts=[{"sourceVolume": "data", "containerPath": "data"}]),
        path=("containerDefinitions", 0, "mountPoints", 0, "containerPath"),
        severity="error",
        id="registered",
    ),
    # the ID formats are run time (a warning); rootDirectory with an access point is refused at registration
    Case(
        "ECS-J7",
        good=vol({"efsVolumeConfiguration": EFS}),
        bad=vol({"efsVolumeConfiguration": {"fileSystemId": "my-file-system"}}),
        path=("volumes", 0, "efsVolumeConfiguration", "fileSystemId"),
        severity="error",
        id="id-format",
    ),
    Case(
        "ECS-J7",
        good=vol(
            {
                "efsVolumeConfiguration": dict(
                    EFS, transitEncryption="ENABLED", authorizationConfig={"accessPointId": "fsap-0123456789abcdef0"}
                )
            }
        ),
        bad=vol(
            {
                "efsVolumeConfiguration": dict(
                    EFS,
                    rootDirectory="/data",
                    transitEncryption="ENABLED",
                    authorizationConfig={"accessPointId": "fsap-0123456789abcdef0"},
                )
            }
        ),
        path=("volumes", 0, "efsVolumeConfiguration", "rootDirectory"),
        severity="error",
        id="access-point-root",
    ),
]
