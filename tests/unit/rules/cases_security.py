from .cases import BASE_EC2, EXECUTION_ROLE, TASK_ROLE, Case, container, task, with_containers

EFS = {"fileSystemId": "fs-0123456789abcdef0"}
MOUNT = [{"sourceVolume": "data", "containerPath": "/data"}]


def efs(**fields):
    return with_containers(
        container(mountPoints=MOUNT, readonlyRootFilesystem=True),
        volumes=[{"name": "data", "efsVolumeConfiguration": {**EFS, **fields}}],
    )


def policy(**levels):
    return {"policy": levels}


def _logs(mode):
    options = {"awslogs-group": "/ecs/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs", "mode": mode}
    return {"logDriver": "awslogs", "options": options}


def _host(**fields):
    """An EC2 task in network mode host."""
    return task(
        BASE_EC2,
        networkMode="host",
        containerDefinitions=[container(memory=256, readonlyRootFilesystem=True, **fields)],
    )


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
    Case(
        "SEC-READONLY-ROOT",
        good=with_containers(container(readonlyRootFilesystem=False)),
        bad=with_containers(container()),
        path=("containerDefinitions", 0),
        extension=policy(readonlyRootFilesystem="warn"),
        id="warn",
    ),
    # peers' checks (docs/rule-audit.md): secrets in plain environment values, by name and by value
    Case(
        "SEC-ENV-SECRET",
        good=with_containers(
            container(
                readonlyRootFilesystem=True,
                environment=[
                    {"name": "DB_PASSWORD_FILE", "value": "/run/secrets/db"},
                    {"name": "API_TOKEN_URL", "value": "https://auth.example.com/token"},
                    {"name": "SECRET_ARN", "value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"},
                    {"name": "DD_API_KEY", "value": "API_KEY"},
                ],
            )
        ),
        bad=with_containers(
            container(
                readonlyRootFilesystem=True,
                environment=[
                    {"name": "LOG_LEVEL", "value": "info"},
                    {"name": "DB_PASSWORD", "value": "hunter2"},
                    {"name": "stripeApiKey", "value": "pk_test_123"},
                ],
            )
        ),
        path=("containerDefinitions", 0, "environment", 1, "value"),
    ),
    Case(
        "SEC-ENV-SECRET",
        good=with_containers(
            container(
                readonlyRootFilesystem=True,
                environment=[{"name": "DATABASE_URL", "value": "postgres://app@db.internal:5432/app"}],
            )
        ),
        bad=with_containers(
            container(
                readonlyRootFilesystem=True,
                environment=[
                    {"name": "DATABASE_URL", "value": "postgres://app:s3cret@db.internal:5432/app"},
                    {"name": "SMTP_USER", "value": "AKIAIOSFODNN7EXAMPLE"},
                ],
            )
        ),
        path=("containerDefinitions", 0, "environment", 0, "value"),
        id="by-value",
    ),
    Case(
        "SEC-IMAGE-TAG",
        good=with_containers(
            container(image="registry.example.com:5000/team/app:1.4.2", readonlyRootFilesystem=True),
            container("b", image="nginx@sha256:" + "a" * 64, readonlyRootFilesystem=True, essential=False),
        ),
        bad=with_containers(container(image="registry.example.com:5000/team/app", readonlyRootFilesystem=True)),
        path=("containerDefinitions", 0, "image"),
    ),
    Case(
        "SEC-IMAGE-TAG",
        good=with_containers(container(image="nginx:1.27-alpine", readonlyRootFilesystem=True)),
        bad=with_containers(container(image="nginx:latest", readonlyRootFilesystem=True)),
        path=("containerDefinitions", 0, "image"),
        id="latest",
    ),
    Case(
        "SEC-SHARED-ROLE",
        good=task(taskRoleArn=TASK_ROLE, executionRoleArn=EXECUTION_ROLE),
        bad=task(taskRoleArn=EXECUTION_ROLE, executionRoleArn=EXECUTION_ROLE),
        path=("taskRoleArn",),
    ),
    Case(
        "SEC-LOG-BLOCKING",
        good=with_containers(container(readonlyRootFilesystem=True, logConfiguration=_logs("non-blocking"))),
        bad=with_containers(container(readonlyRootFilesystem=True, logConfiguration=_logs("blocking"))),
        path=("containerDefinitions", 0, "logConfiguration", "options", "mode"),
    ),
    Case(
        "SEC-HOST-ROOT",
        good=_host(user="1000"),
        bad=_host(user="root"),
        path=("containerDefinitions", 0, "user"),
    ),
    Case(
        "SEC-HOST-ROOT",
        good=task(_host(), networkMode="bridge"),
        bad=_host(),
        path=("containerDefinitions", 0),
        note="no user: the image's USER, often root (Prowler counts it too)",
        id="unset",
    ),
    Case(
        "SEC-PRIVILEGED",
        good=_host(user="1000", privileged=False),
        bad=_host(user="1000", privileged=True),
        path=("containerDefinitions", 0, "privileged"),
    ),
    Case(
        "SEC-HOST-PID",
        good=task(_host(user="1000"), pidMode="task"),
        bad=task(_host(user="1000"), pidMode="host"),
        path=("pidMode",),
    ),
]
