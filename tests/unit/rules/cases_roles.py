from .cases import ACCOUNT, BASE_EC2, EXECUTION_ROLE, REGION, TASK_ROLE, Case, container, task, with_containers

ECR_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:1.0"
AWSLOGS = {
    "logDriver": "awslogs",
    "options": {"awslogs-group": "/ecs/app", "awslogs-region": REGION, "awslogs-stream-prefix": "ecs"},
}
NO_EXEC = {"executionRole": {"create": False}}
NO_TASK = {"taskRole": {"create": False}}
EFS_IAM = [
    {
        "name": "data",
        "efsVolumeConfiguration": {"fileSystemId": "fs-0123456789abcdef0", "authorizationConfig": {"iam": "ENABLED"}},
    }
]
ENV_FILES = [{"type": "s3", "value": "arn:aws:s3:::config-bucket/app.env"}]
MOUNT = [{"sourceVolume": "data", "containerPath": "/data"}]

CASES = [
    Case("ECS-M1", good=task(taskRoleArn=TASK_ROLE), bad=task(taskRoleArn="roles/app-task"), path=("taskRoleArn",)),
    Case(
        "ECS-M1", good=task(taskRoleArn="app-task"), bad=task(taskRoleArn="app task"), path=("taskRoleArn",), id="name"
    ),
    Case(
        "ECS-M1",
        good=task(executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/service/app-execution"),
        bad=task(executionRoleArn=f"arn:aws:iam::{ACCOUNT}:policy/app-execution"),
        path=("executionRoleArn",),
        id="not-a-role",
    ),
    Case(
        "ECS-M2",
        good=task(executionRoleArn=EXECUTION_ROLE),
        bad=task(
            executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
        ),
        path=("executionRoleArn",),
    ),
    Case(
        "ECS-M3",
        good=with_containers(container(image=ECR_IMAGE), executionRoleArn=EXECUTION_ROLE),
        bad=with_containers(container(image=ECR_IMAGE)),
        path=("containerDefinitions", 0, "image"),
        extension=NO_EXEC,
    ),
    Case(
        "ECS-M3",
        good=with_containers(
            container(memory=256, environmentFiles=ENV_FILES), base=BASE_EC2, executionRoleArn=EXECUTION_ROLE
        ),
        bad=with_containers(container(memory=256, environmentFiles=ENV_FILES), base=BASE_EC2),
        path=("containerDefinitions", 0, "environmentFiles"),
        extension=NO_EXEC,
        id="env-files-ec2",
    ),
    Case(
        "ECS-M4",
        good=with_containers(container(image=ECR_IMAGE, logConfiguration=AWSLOGS)),
        bad=with_containers(container(image=ECR_IMAGE, logConfiguration=AWSLOGS), executionRoleArn=EXECUTION_ROLE),
        path=("executionRoleArn",),
    ),
    Case(
        "ECS-M5",
        good=with_containers(
            container(memory=256, logConfiguration=AWSLOGS), base=BASE_EC2, executionRoleArn=EXECUTION_ROLE
        ),
        bad=with_containers(container(memory=256, logConfiguration=AWSLOGS), base=BASE_EC2),
        path=("containerDefinitions", 0, "logConfiguration"),
        extension=NO_EXEC,
    ),
    Case(
        "ECS-M6",
        good=with_containers(container(mountPoints=MOUNT), volumes=EFS_IAM, taskRoleArn=TASK_ROLE),
        bad=with_containers(container(mountPoints=MOUNT), volumes=EFS_IAM),
        path=("volumes", 0, "efsVolumeConfiguration", "authorizationConfig", "iam"),
        extension=NO_TASK,
    ),
    Case(
        "ECS-M2",
        good=task(taskRoleArn=TASK_ROLE),
        bad=task(taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"),
        path=("taskRoleArn",),
        severity="error",
        id="registered",
    ),
]
