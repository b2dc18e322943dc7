"""TARGET: ARNs in another account or region than the deploy target's (ecsform.yaml)."""

from generators.target import Target

from .cases import ACCOUNT, REGION, Case, container, task, with_containers

OTHER = "222222222222"
HERE = Target("prod", ACCOUNT, REGION, f"arn:aws:iam::{ACCOUNT}:role/deploy")
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db-AbCdEf"
AWSLOGS = {"awslogs-group": "/ecs/app", "awslogs-region": REGION, "awslogs-stream-prefix": "ecs"}


def secret(value: str) -> dict:
    return with_containers(container(secrets=[{"name": "DB", "valueFrom": value}]))


def logs(region: str) -> dict:
    return with_containers(
        container(logConfiguration={"logDriver": "awslogs", "options": dict(AWSLOGS, **{"awslogs-region": region})})
    )


IMAGE_ELSEWHERE = with_containers(container(image=f"{OTHER}.dkr.ecr.eu-west-1.amazonaws.com/shared/app:1.0"))

CASES = [
    Case(
        "TARGET-ACCOUNT",
        good=secret(SECRET),
        bad=secret(SECRET.replace(ACCOUNT, OTHER)),
        path=("containerDefinitions", 0, "secrets", 0, "valueFrom"),
        target=HERE,
    ),
    Case(
        "TARGET-ACCOUNT",
        good=task(taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/app"),
        bad=task(taskRoleArn=f"arn:aws:iam::{OTHER}:role/app"),
        path=("taskRoleArn",),
        target=HERE,
        id="role",
    ),
    Case(
        "TARGET-ACCOUNT",
        good=secret(f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/db"),
        bad=secret(f"arn:aws:ssm:{REGION}:{OTHER}:parameter/app/db"),
        path=("containerDefinitions", 0, "secrets", 0, "valueFrom"),
        target=HERE,
        id="parameter",
    ),
    # An image from a registry in another account is the usual setup and stays silent; a key there does not.
    Case(
        "TARGET-ACCOUNT",
        good=IMAGE_ELSEWHERE,
        bad=task(
            **{
                "x-ecsform": {
                    "executionRole": {
                        "kmsKeyArns": [f"arn:aws:kms:{REGION}:{OTHER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
                    }
                }
            }
        ),
        path=("x-ecsform", "executionRole", "kmsKeyArns", 0),
        target=HERE,
        id="kms-key-not-image",
    ),
    Case(
        "TARGET-REGION",
        good=secret(SECRET),
        bad=secret(SECRET.replace(REGION, "eu-west-1")),
        path=("containerDefinitions", 0, "secrets", 0, "valueFrom"),
        target=HERE,
    ),
    Case(
        "TARGET-REGION",
        good=logs(REGION),
        bad=logs("eu-west-1"),
        extension={"logs": {"create": False}},
        path=("containerDefinitions", 0, "logConfiguration", "options", "awslogs-region"),
        target=HERE,
        id="awslogs",
    ),
    Case(
        "TARGET-REGION",
        good=task(**{"x-ecsform": {"region": REGION}}),
        bad=task(**{"x-ecsform": {"region": "eu-west-1"}}),
        path=("x-ecsform", "region"),
        target=HERE,
        id="x-ecsform-region",
    ),
]
