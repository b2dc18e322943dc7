from .cases import BASE_EC2, Case, container, task, with_containers

WINDOWS = {"cpuArchitecture": "X86_64", "operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}
ROUTER = container(
    "log-router",
    image="public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
    firelensConfiguration={"type": "fluentbit"},
)


def _fargate(cpu: str, memory: str, **fields: object) -> dict:
    return task(cpu=cpu, memory=memory, **fields)


def _ec2(*containers: dict, **fields: object) -> dict:
    return with_containers(*containers, base=BASE_EC2, **fields)


def _firelens(limit: str, memory: str = "512") -> dict:
    app = container(
        logConfiguration={
            "logDriver": "awsfirelens",
            "options": {"Name": "cloudwatch", "log-driver-buffer-limit": limit},
        }
    )
    return with_containers(app, ROUTER, memory=memory)


# One good and one bad memory per Fargate cpu row (C2-C8)
TABLE = [
    ("ECS-C2", "256", "2048", "4096"),
    ("ECS-C3", "512", "4096", "512"),
    ("ECS-C4", "1024", "3072", "1024"),
    ("ECS-C5", "2048", "16384", "3072"),
    ("ECS-C6", "4096", "30720", "32768"),
    ("ECS-C7", "8192", "61440", "18432"),
    ("ECS-C8", "16384", "122880", "36864"),
]

CASES = [
    Case("ECS-C1", good=task(), bad=task(cpu=None), path=("requiresCompatibilities", 0)),
    # a badly typed cpu is SPEC-TYPE's, not a missing one
    Case(
        "ECS-C1", good=task(cpu=True), bad=task(cpu=None, memory=None), path=("requiresCompatibilities", 0), id="both"
    ),
    *[Case(row, good=_fargate(cpu, good), bad=_fargate(cpu, bad), path=("memory",)) for row, cpu, good, bad in TABLE],
    Case(
        "ECS-C4",
        good=_fargate("1024", "8192", runtimePlatform=WINDOWS),
        bad=_fargate("1024", "9216", runtimePlatform=WINDOWS),
        path=("memory",),
        id="windows",
    ),
    # Windows 1 vCPU with 1 GB: AWS's table and CDK disagree (catalog 3.8), so a warning
    Case(
        "ECS-C4",
        good=_fargate("1024", "2048", runtimePlatform=WINDOWS),
        bad=_fargate("1024", "1024", runtimePlatform=WINDOWS),
        path=("memory",),
        id="windows-1gb",
    ),
    Case("ECS-C2", good=_fargate("0.25 vCPU", "1 GB"), bad=_fargate(".25 vcpu", "3GB"), path=("memory",), id="units"),
    Case(
        "ECS-C9",
        good=_fargate("1024", "2048", runtimePlatform=WINDOWS),
        bad=_fargate("512", "1024", runtimePlatform=WINDOWS),
        path=("cpu",),
    ),
    Case("ECS-C10", good=_fargate("256", "512"), bad=_fargate("300", "512"), path=("cpu",)),
    Case("ECS-C11", good=_fargate("0.5 vCPU", "1024"), bad=_fargate("half a vCPU", "1024"), path=("cpu",)),
    Case("ECS-C11", good=_fargate("256", "0.5 GB"), bad=_fargate("256", "0.5 TB"), path=("memory",), id="memory"),
    Case("ECS-C12", good=task(BASE_EC2, cpu="128"), bad=task(BASE_EC2, cpu="64"), path=("cpu",)),
    Case(
        "ECS-C13", good=_ec2(container(memoryReservation=128)), bad=_ec2(container()), path=("containerDefinitions", 0)
    ),
    Case(
        "ECS-C13",
        good=_ec2(container(), memory="512"),
        bad=_ec2(container(memoryReservation=0)),
        path=("containerDefinitions", 0),
        id="task-memory",
    ),
    Case(
        "ECS-C14",
        good=_ec2(container(memory=512, memoryReservation=256)),
        bad=_ec2(container(memory=256, memoryReservation=512)),
        path=("containerDefinitions", 0, "memoryReservation"),
        severity="error",
    ),
    Case(
        "ECS-C14",
        good=with_containers(container(memory=512, memoryReservation=256)),
        bad=with_containers(container(memory=256, memoryReservation=512)),
        path=("containerDefinitions", 0, "memoryReservation"),
        note="Fargate alone: its runtime is not Docker, and what it refuses is not documented",
        id="fargate",
    ),
    Case(
        "ECS-C15",
        good=with_containers(container(memory=512)),
        bad=with_containers(container(memory=1024)),
        path=("containerDefinitions", 0, "memory"),
    ),
    Case(
        "ECS-C16",
        good=with_containers(container("a", cpu=128), container("b", cpu=128)),
        bad=with_containers(container("a", cpu=200), container("b", cpu=100)),
        path=("cpu",),
    ),
    Case(
        "ECS-C16",
        good=with_containers(container("a", memoryReservation=256), container("b", memory=256)),
        bad=with_containers(container("a", memoryReservation=256), container("b", memory=300)),
        path=("memory",),
        id="memory",
    ),
    Case(
        "ECS-C17",
        good=_ec2(container(memory=6)),
        bad=_ec2(container(memory=4)),
        path=("containerDefinitions", 0, "memory"),
    ),
    Case(
        "ECS-C17",
        good=_ec2(container(memory=64, memoryReservation=0)),
        bad=_ec2(container(memory=64, memoryReservation=2)),
        path=("containerDefinitions", 0, "memoryReservation"),
        id="reservation",
    ),
    Case(
        "ECS-C18",
        good=_ec2(container(memory=512, cpu=512), networkMode=None, runtimePlatform=WINDOWS, cpu="1024"),
        bad=_ec2(container(memory=512), networkMode=None, runtimePlatform=WINDOWS, cpu="1024"),
        path=("cpu",),
    ),
    Case(
        "ECS-C19",
        good=_firelens("1048576"),
        bad=_firelens("1m"),
        path=("containerDefinitions", 0, "logConfiguration", "options", "log-driver-buffer-limit"),
    ),
    Case(
        "ECS-C19",
        good=_firelens("1048576", memory="1024"),
        bad=with_containers(
            container(
                memory=500,
                logConfiguration={"logDriver": "awsfirelens", "options": {"log-driver-buffer-limit": "104857600"}},
            ),
            ROUTER,
        ),
        path=("memory",),
        id="total",
    ),
    Case(
        "ECS-C17",
        good=_ec2(container(memory=6)),
        bad=_ec2(container(memoryReservation=4)),
        path=("containerDefinitions", 0, "memoryReservation"),
        severity="error",
        id="registered",
    ),
]
