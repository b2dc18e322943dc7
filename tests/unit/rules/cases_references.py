from .cases import Case, container, with_containers

EXT = {
    "secrets": {"db": {}},
    "efs": {
        "data": {"accessPoints": {"app": {"posixUser": {"uid": 1000, "gid": 1000}, "rootDirectory": {"path": "/app"}}}}
    },
}


def _task(
    secret: str = "ecsform:secret/db",
    fs: str = "ecsform:efs/data",
    ap: str = "ecsform:efs/data/access-point/app",
    env_value: str = "plain",
) -> dict:
    c = container(
        secrets=[{"name": "DB", "valueFrom": secret}],
        environment=[{"name": "X", "value": env_value}],
        mountPoints=[{"sourceVolume": "data", "containerPath": "/data"}],
    )
    return with_containers(
        c,
        volumes=[
            {
                "name": "data",
                "efsVolumeConfiguration": {
                    "fileSystemId": fs,
                    "transitEncryption": "ENABLED",
                    "authorizationConfig": {"accessPointId": ap, "iam": "ENABLED"},
                },
            }
        ],
    )


CASES = [
    Case(
        "X-REF-FORMAT",
        good=_task(),
        bad=_task(env_value="ecsform:secret/db"),
        extension=EXT,
        path=("containerDefinitions", 0, "environment", 0, "value"),
    ),
    Case(
        "X-REF-FORMAT",
        good=_task(),
        bad=_task(secret="ecsform:efs/data"),
        extension=EXT,
        path=("containerDefinitions", 0, "secrets", 0, "valueFrom"),
        id="kind",
    ),
    Case(
        "X-REF-UNKNOWN",
        good=_task(),
        bad=_task(secret="ecsform:secret/dbb"),
        extension=EXT,
        path=("containerDefinitions", 0, "secrets", 0, "valueFrom"),
    ),
    Case(
        "X-REF-UNKNOWN",
        good=_task(),
        bad=_task(ap="ecsform:efs/data/access-point/ap"),
        extension=EXT,
        path=("volumes", 0, "efsVolumeConfiguration", "authorizationConfig", "accessPointId"),
        id="ap",
    ),
    Case(
        "X-REF-VOLUME",
        good=_task(),
        bad=_task(fs="fs-12345678"),
        extension=EXT,
        path=("volumes", 0, "efsVolumeConfiguration", "authorizationConfig", "accessPointId"),
    ),
    Case(
        "X-UNUSED",
        good=_task(),
        bad=_task(secret="arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"),
        extension=EXT,
        path=("x-ecsform", "secrets", "db"),
    ),
]
