from .cases import BASE_EC2, Case, container, with_containers

WINDOWS = {"cpuArchitecture": "X86_64", "operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}
ROUTER = container(
    "log-router",
    image="public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
    firelensConfiguration={"type": "fluentbit"},
    memory=128,
)


def _fargate(*mappings: dict, **fields: object) -> dict:
    return with_containers(container(portMappings=list(mappings)), **fields)


def _ec2(*mappings: dict, **fields: object) -> dict:
    return with_containers(container(portMappings=list(mappings), memory=256), base=BASE_EC2, **fields)


def _two(first: list[dict], second: list[dict], base: dict | None = None) -> dict:
    return with_containers(
        container("a", portMappings=first, memory=256), container("b", portMappings=second, memory=256), base=base
    )


def _at(container_index: int, mapping: int, field: str | None = None) -> tuple:
    path: tuple = ("containerDefinitions", container_index, "portMappings", mapping)
    return path + ((field,) if field else ())


CASES = [
    Case("ECS-E2", good=_fargate({"containerPort": 80}), bad=_fargate({"protocol": "tcp"}), path=_at(0, 0)),
    Case(
        "ECS-E2",
        good=_fargate({"containerPort": 65535}),
        bad=_fargate({"containerPort": 70000}),
        path=_at(0, 0, "containerPort"),
        id="range",
    ),
    # a badly typed containerPort is SPEC-TYPE's; a mapping with a range needs no containerPort
    Case(
        "ECS-E2",
        good=_fargate({"containerPort": "80"}, {"containerPortRange": "9000-9010"}),
        bad=_fargate({"containerPort": 0}),
        path=_at(0, 0, "containerPort"),
        id="zero",
    ),
    Case(
        "ECS-E2",
        good=_ec2({"containerPort": 80, "hostPort": 0}),
        bad=_ec2({"containerPort": 80, "hostPort": -1}),
        path=_at(0, 0, "hostPort"),
        id="host-port",
    ),
    Case(
        "ECS-E3",
        good=_fargate({"containerPort": 53}, {"containerPort": 54, "protocol": "udp"}),
        bad=_fargate({"containerPort": 53}, {"containerPort": 53, "protocol": "udp"}),
        path=_at(0, 1, "containerPort"),
    ),
    Case(
        "ECS-E4",
        good=_two([{"containerPort": 80, "hostPort": 8080}], [{"containerPort": 80, "hostPort": 8081}], BASE_EC2),
        bad=_two([{"containerPort": 80, "hostPort": 8080}], [{"containerPort": 81, "hostPort": 8080}], BASE_EC2),
        path=_at(1, 0, "hostPort"),
    ),
    Case(
        "ECS-E4",
        good=_two([{"containerPort": 80}], [{"containerPort": 80, "protocol": "udp"}]),
        bad=_two([{"containerPort": 80}], [{"containerPort": 80}]),
        path=_at(1, 0, "containerPort"),
        id="awsvpc",
    ),
    Case(
        "ECS-E4",
        good=_two([{"containerPort": 80}], [{"containerPort": 80}], BASE_EC2),
        bad=_ec2({"containerPort": 80, "hostPort": 8080}, {"containerPort": 81, "hostPort": 8080}),
        path=_at(0, 1, "hostPort"),
        id="same-container",
    ),
    Case(
        "ECS-E5",
        good=_fargate({"containerPortRange": "8000-8010"}),
        bad=_fargate({"containerPortRange": "8010-8000"}),
        path=_at(0, 0, "containerPortRange"),
    ),
    Case(
        "ECS-E5",
        good=_ec2({"containerPortRange": "8000-8010"}),
        bad=_ec2({"containerPortRange": "8000-8010", "hostPort": 8000}),
        path=_at(0, 0, "hostPort"),
        id="host-port",
    ),
    Case(
        "ECS-E5",
        good=_fargate({"containerPortRange": "8000-8010"}, {"containerPort": 8011}),
        bad=_fargate({"containerPortRange": "8000-8010"}, {"containerPortRange": "8005-8020"}),
        path=_at(0, 1, "containerPortRange"),
        id="overlap",
    ),
    Case(
        "ECS-E5",
        good=_fargate({"containerPortRange": "8000-8010"}, {"containerPort": 8011}),
        bad=_fargate({"containerPortRange": "8000-8010"}, {"containerPort": 8005}),
        path=_at(0, 1, "containerPort"),
        id="port-in-range",
    ),
    Case(
        "ECS-E5",
        good=_ec2({"containerPortRange": "8000-8010"}),
        bad=_ec2({"containerPortRange": "8000-8010"}, networkMode="host"),
        path=_at(0, 0, "containerPortRange"),
        id="mode",
    ),
    Case(
        "ECS-E5",
        good=_fargate({"containerPortRange": "8000-8010"}),
        bad=_fargate({"containerPortRange": "8000-8010", "containerPort": 8000}),
        path=_at(0, 0, "containerPort"),
        id="both",
    ),
    Case(
        "ECS-E6",
        good=_fargate({"containerPort": 80, "name": "web_80-tcp"}),
        bad=_fargate({"containerPort": 80, "name": "Web"}),
        path=_at(0, 0, "name"),
    ),
    Case(
        "ECS-E6",
        good=_fargate({"containerPort": 80, "name": "_web"}),
        bad=_fargate({"containerPort": 80, "name": "-web"}),
        path=_at(0, 0, "name"),
        id="leading-hyphen",
    ),
    Case(
        "ECS-E7",
        good=_two([{"containerPort": 80, "name": "web"}], [{"containerPort": 81, "name": "admin"}]),
        bad=_two([{"containerPort": 80, "name": "web"}], [{"containerPort": 81, "name": "web"}]),
        path=_at(1, 0, "name"),
    ),
    Case(
        "ECS-E8",
        good=_fargate({"containerPort": 80, "name": "web", "appProtocol": "http"}),
        bad=_fargate({"containerPort": 80, "appProtocol": "http"}),
        path=_at(0, 0, "appProtocol"),
    ),
    Case(
        "ECS-E8",
        good=_ec2({"containerPort": 80, "name": "web", "appProtocol": "http"}),
        bad=_ec2({"containerPort": 80, "name": "web", "appProtocol": "http"}, networkMode="host"),
        path=_at(0, 0, "appProtocol"),
        id="mode",
    ),
    Case(
        "ECS-E9",
        good=_fargate({"containerPort": 80, "name": "web", "appProtocol": "grpc", "protocol": "tcp"}),
        bad=_fargate({"containerPort": 80, "name": "web", "appProtocol": "grpc", "protocol": "udp"}),
        path=_at(0, 0, "protocol"),
    ),
    Case(
        "ECS-E10",
        good=_fargate({"containerPort": 8080}, cpu="1024", memory="2048", runtimePlatform=WINDOWS),
        bad=_fargate({"containerPort": 3150}, cpu="1024", memory="2048", runtimePlatform=WINDOWS),
        path=_at(0, 0, "containerPort"),
    ),
    Case(
        "ECS-E10",
        good=with_containers(container(portMappings=[{"containerPort": 80}], memory=256), ROUTER, base=BASE_EC2),
        bad=with_containers(
            container(portMappings=[{"containerPort": 80}], memory=256),
            {**ROUTER, "portMappings": [{"containerPort": 24224, "hostPort": 24224}]},
            base=BASE_EC2,
        ),
        path=_at(1, 0, "hostPort"),
        id="firelens",
    ),
]
