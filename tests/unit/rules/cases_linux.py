from .cases import BASE_EC2, Case, container, task, with_containers

WINDOWS_EC2 = task(BASE_EC2, networkMode=None, runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"})
WINDOWS_FARGATE = task(
    cpu="1024",
    memory="2048",
    runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"},
)
GMSA_PARAMETER = "arn:aws:ssm:us-east-1:123456789012:parameter/gmsa"


def ec2(**fields):
    return with_containers(container(memory=256, **fields), base=BASE_EC2)


def fargate(**fields):
    return with_containers(container(**fields))


def linux(base="ec2", **params):
    return (ec2 if base == "ec2" else fargate)(linuxParameters=params)


def windows(**fields):
    return with_containers(container(memory=256, **fields), base=WINDOWS_EC2)


CASES = [
    Case(
        "ECS-K1",
        good=ec2(privileged=True),
        bad=fargate(privileged=True),
        path=("containerDefinitions", 0, "privileged"),
    ),
    Case("ECS-K1", good=fargate(dnsServers=[]), bad=fargate(dnsServers=["10.0.0.2"]), id="dns"),
    Case(
        "ECS-K1",
        good=task(
            BASE_EC2, placementConstraints=[{"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}]
        ),
        bad=task(placementConstraints=[{"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}]),
        path=("placementConstraints",),
        id="placement",
    ),
    Case(
        "ECS-K1",
        good=ec2(resourceRequirements=[{"type": "GPU", "value": "1"}]),
        bad=fargate(resourceRequirements=[{"type": "GPU", "value": "1"}]),
        id="gpu",
    ),
    Case(
        "ECS-K2",
        good=linux("fargate", initProcessEnabled=True, capabilities={"add": ["SYS_PTRACE"]}),
        bad=linux("fargate", capabilities={"add": ["NET_ADMIN"]}),
        path=("containerDefinitions", 0, "linuxParameters", "capabilities", "add", 0),
    ),
    Case(
        "ECS-K2",
        good=linux(sharedMemorySize=64),
        bad=linux("fargate", sharedMemorySize=64),
        path=("containerDefinitions", 0, "linuxParameters", "sharedMemorySize"),
        id="shm",
    ),
    Case(
        "ECS-K3",
        good=linux(capabilities={"add": ["NET_ADMIN"], "drop": ["ALL"]}),
        bad=linux(capabilities={"add": ["CAP_NET_ADMIN"]}),
        path=("containerDefinitions", 0, "linuxParameters", "capabilities", "add", 0),
    ),
    Case(
        "ECS-K4",
        good=linux(maxSwap=0, swappiness=100),
        bad=linux(maxSwap=512, swappiness=101),
        path=("containerDefinitions", 0, "linuxParameters", "swappiness"),
    ),
    Case("ECS-K4", good=linux(maxSwap=512), bad=linux(maxSwap=-1), id="max-swap"),
    Case(
        "ECS-K5",
        good=linux(tmpfs=[{"containerPath": "/tmp", "size": 64, "mountOptions": ["noexec", "mode=1777"]}]),
        bad=linux(tmpfs=[{"containerPath": "/tmp", "size": 64, "mountOptions": ["no-exec"]}]),
        path=("containerDefinitions", 0, "linuxParameters", "tmpfs", 0, "mountOptions", 0),
    ),
    Case("ECS-K5", good=linux(sharedMemorySize=0), bad=linux(sharedMemorySize=-1), id="shm"),
    Case(
        "ECS-K7",
        good=ec2(ulimits=[{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}]),
        bad=ec2(ulimits=[{"name": "nofile", "softLimit": 8192, "hardLimit": 4096}]),
        path=("containerDefinitions", 0, "ulimits", 0, "softLimit"),
        severity="error",
    ),
    # -1 is unlimited (Docker's convention; the EFA/GPU guides and AWS Batch use memlock -1): issue 11's false positive
    Case(
        "ECS-K7",
        good=ec2(
            ulimits=[
                {"name": "memlock", "softLimit": -1, "hardLimit": -1},
                {"name": "core", "softLimit": 0, "hardLimit": -1},
            ]
        ),
        bad=ec2(ulimits=[{"name": "memlock", "softLimit": -1, "hardLimit": 65536}]),
        path=("containerDefinitions", 0, "ulimits", 0, "softLimit"),
        severity="error",
        id="unlimited",
    ),
    Case(
        "ECS-K7",
        good=ec2(ulimits=[{"name": "stack", "softLimit": 8388608, "hardLimit": -1}]),
        bad=ec2(ulimits=[{"name": "stack", "softLimit": -2, "hardLimit": -1}]),
        path=("containerDefinitions", 0, "ulimits", 0, "softLimit"),
        severity="warning",
        id="below-unlimited",
    ),
    Case(
        "ECS-K8",
        good=ec2(
            systemControls=[
                {"namespace": "net.core.somaxconn", "value": "1024"},
                {"namespace": "kernel.shmmax", "value": "1"},
            ]
        ),
        bad=ec2(systemControls=[{"namespace": "vm.swappiness", "value": "10"}]),
        path=("containerDefinitions", 0, "systemControls", 0, "namespace"),
    ),
    Case(
        "ECS-K8",
        good=task(ec2(systemControls=[{"namespace": "kernel.shmmax", "value": "1"}]), ipcMode="task"),
        bad=task(ec2(systemControls=[{"namespace": "kernel.shmmax", "value": "1"}]), ipcMode="host"),
        id="ipc-host",
    ),
    Case("ECS-K9", good=task(pidMode="task"), bad=task(pidMode="host"), path=("pidMode",)),
    Case("ECS-K10", good=task(BASE_EC2, ipcMode="host"), bad=task(ipcMode="host"), path=("ipcMode",)),
    Case("ECS-K10", good=task(BASE_EC2, ipcMode="none"), bad=task(WINDOWS_EC2, ipcMode="none"), id="windows"),
    Case(
        "ECS-K11",
        good=ec2(dockerSecurityOptions=["no-new-privileges", "label:type:svirt_apache_t"]),
        bad=ec2(dockerSecurityOptions=["no_new_privileges"]),
        path=("containerDefinitions", 0, "dockerSecurityOptions", 0),
    ),
    Case(
        "ECS-K11",
        good=windows(dockerSecurityOptions=["credentialspec:file://gmsa.json"]),
        bad=windows(dockerSecurityOptions=["no-new-privileges"]),
        id="windows",
    ),
    Case(
        "ECS-K12",
        good=ec2(credentialSpecs=["credentialspec:arn:aws:ssm:us-east-1:123456789012:parameter/gmsa"]),
        bad=ec2(credentialSpecs=["arn:aws:ssm:us-east-1:123456789012:parameter/gmsa"]),
        path=("containerDefinitions", 0, "credentialSpecs", 0),
    ),
    Case(
        "ECS-K12",
        good=ec2(credentialSpecs=["credentialspecdomainless:arn:aws:s3:::bucket/gmsa.json"]),
        bad=ec2(credentialSpecs=["credentialspec:arn:aws:s3:::bucket/a.json", "credentialspec:arn:aws:s3:::b/b.json"]),
        path=("containerDefinitions", 0, "credentialSpecs"),
        id="count",
    ),
    Case("ECS-K13", good=ec2(user="1000:1000"), bad=ec2(user="app:app:app"), path=("containerDefinitions", 0, "user")),
    Case(
        "ECS-K14",
        good=windows(readonlyRootFilesystem=False),
        bad=windows(user="app"),
        path=("containerDefinitions", 0, "user"),
    ),
    Case("ECS-K14", good=windows(), bad=task(windows(), pidMode="task"), path=("pidMode",), id="pid"),
    Case(
        "ECS-K15",
        good=with_containers(
            container(
                logConfiguration={
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/app",
                        "awslogs-region": "us-east-1",
                        "awslogs-stream-prefix": "ecs",
                    },
                }
            ),
            base=WINDOWS_FARGATE,
        ),
        bad=with_containers(container(credentialSpecs=[f"credentialspec:{GMSA_PARAMETER}"]), base=WINDOWS_FARGATE),
        path=("containerDefinitions", 0, "credentialSpecs"),
    ),
    Case(
        "ECS-K15",
        good=with_containers(
            container(mountPoints=[{"sourceVolume": "data", "containerPath": "/data"}]),
            volumes=[{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-0123456789abcdef0"}}],
        ),
        bad=with_containers(
            container(mountPoints=[{"sourceVolume": "data", "containerPath": "C:\\data"}]),
            base=WINDOWS_FARGATE,
            volumes=[{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-0123456789abcdef0"}}],
        ),
        path=("volumes", 0, "efsVolumeConfiguration"),
        id="efs",
    ),
    # issue 11: Docker refuses these when it creates the container; ECS registers them: warnings
    Case(
        "ECS-K8",
        good=ec2(systemControls=[{"namespace": "net.core.somaxconn", "value": "1024"}]),
        bad=ec2(systemControls=[{"namespace": "vm.max_map_count", "value": "262144"}]),
        path=("containerDefinitions", 0, "systemControls", 0, "namespace"),
        severity="warning",
        id="registered",
    ),
    Case(
        "ECS-K11",
        good=ec2(dockerSecurityOptions=["apparmor:docker-default"]),
        bad=ec2(dockerSecurityOptions=["seccomp=unconfined"]),
        path=("containerDefinitions", 0, "dockerSecurityOptions", 0),
        severity="warning",
        id="registered",
    ),
    Case(
        "ECS-K13",
        good=ec2(user="app:app"),
        bad=ec2(user="app:app:app"),
        path=("containerDefinitions", 0, "user"),
        severity="warning",
        id="registered",
    ),
]
