from .cases import BASE_EC2, Case, container, task, with_containers

WINDOWS = {"cpuArchitecture": "X86_64", "operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}
PROXY = {
    "type": "APPMESH",
    "containerName": "envoy",
    "properties": [{"name": "IgnoredUID", "value": "1337"}, {"name": "AppPorts", "value": "8080"}],
}


def _ec2(*containers: dict, **fields: object) -> dict:
    return with_containers(*(containers or (container(memory=256),)), base=BASE_EC2, **fields)


def _ports(*mappings: dict, memory: int | None = 256) -> dict:
    return container(portMappings=list(mappings), memory=memory)


def _sysctl(*pairs: tuple[str, str]) -> list[dict]:
    return [{"namespace": n, "value": v} for n, v in pairs]


LINKED = (container("web", memory=256, links=["db:database"]), container("db", memory=256))

CASES = [
    Case("ECS-D2", good=task(), bad=task(networkMode=None), path=("requiresCompatibilities", 0)),
    Case("ECS-D2", good=task(networkMode="awsvpc"), bad=task(networkMode="bridge"), path=("networkMode",), id="bridge"),
    Case(
        "ECS-D3",
        good=_ec2(networkMode=None, runtimePlatform=WINDOWS),
        bad=_ec2(networkMode="bridge", runtimePlatform=WINDOWS),
        path=("networkMode",),
    ),
    Case(
        "ECS-D4",
        good=_ec2(requiresCompatibilities=["EXTERNAL"]),
        bad=_ec2(requiresCompatibilities=["EXTERNAL"], networkMode="awsvpc"),
        path=("networkMode",),
    ),
    Case(
        "ECS-D5",
        good=_ec2(requiresCompatibilities=["MANAGED_INSTANCES"], networkMode="awsvpc"),
        bad=_ec2(requiresCompatibilities=["MANAGED_INSTANCES"], networkMode="bridge"),
        path=("networkMode",),
    ),
    Case(
        "ECS-D6", good=_ec2(*LINKED), bad=_ec2(*LINKED, networkMode="awsvpc"), path=("containerDefinitions", 0, "links")
    ),
    # a Fargate task without networkMode is judged as the awsvpc task it must be (D2 reports the mode)
    Case(
        "ECS-D6",
        good=with_containers(container("web"), container("db"), networkMode=None),
        bad=with_containers(container("web", links=["db"]), container("db"), networkMode=None),
        path=("containerDefinitions", 0, "links"),
        id="fargate-default",
    ),
    Case(
        "ECS-D7",
        good=with_containers(_ports({"containerPort": 80, "hostPort": 80}, memory=None)),
        bad=with_containers(_ports({"containerPort": 80, "hostPort": 8080}, memory=None)),
        path=("containerDefinitions", 0, "portMappings", 0, "hostPort"),
    ),
    Case(
        "ECS-D8",
        good=_ec2(container(hostname="web.local", memory=256)),
        bad=_ec2(container(hostname="web.local", memory=256), networkMode="awsvpc"),
        path=("containerDefinitions", 0, "hostname"),
    ),
    Case(
        "ECS-D8",
        good=_ec2(container(memory=256), networkMode="awsvpc"),
        bad=_ec2(container(extraHosts=[{"hostname": "db", "ipAddress": "10.0.0.5"}], memory=256), networkMode="awsvpc"),
        path=("containerDefinitions", 0, "extraHosts"),
        id="extra-hosts",
    ),
    Case(
        "ECS-D9",
        good=_ec2(_ports({"containerPort": 80}), networkMode="host"),
        bad=_ec2(_ports({"containerPort": 80, "hostPort": 8080}), networkMode="host"),
        path=("containerDefinitions", 0, "portMappings", 0, "hostPort"),
    ),
    Case(
        "ECS-D10",
        good=_ec2(networkMode="none"),
        bad=_ec2(_ports({"containerPort": 80}), networkMode="none"),
        path=("containerDefinitions", 0, "portMappings"),
    ),
    Case(
        "ECS-D11",
        good=_ec2(_ports({"containerPort": 22, "hostPort": 2222})),
        bad=_ec2(_ports({"containerPort": 22, "hostPort": 22})),
        path=("containerDefinitions", 0, "portMappings", 0, "hostPort"),
    ),
    Case(
        "ECS-D11",
        good=_ec2(_ports({"containerPort": 80, "hostPort": 0})),
        bad=_ec2(_ports({"containerPort": 80, "hostPort": 50000})),
        path=("containerDefinitions", 0, "portMappings", 0, "hostPort"),
        id="ephemeral",
    ),
    Case(
        "ECS-D11",
        good=_ec2(_ports({"containerPort": 8080}), networkMode="host"),
        bad=_ec2(_ports({"containerPort": 2375}), networkMode="host"),
        path=("containerDefinitions", 0, "portMappings", 0, "containerPort"),
        id="host-mode",
    ),
    Case(
        "ECS-D12",
        good=_ec2(*LINKED),
        bad=_ec2(container("web", memory=256, links=["db:data base"]), LINKED[1]),
        path=("containerDefinitions", 0, "links", 0),
    ),
    Case(
        "ECS-D12",
        good=_ec2(*LINKED),
        bad=_ec2(container("web", memory=256, links=["dbb"]), LINKED[1]),
        path=("containerDefinitions", 0, "links", 0),
        id="unknown",
    ),
    Case(
        "ECS-D12",
        good=_ec2(*LINKED),
        bad=_ec2(LINKED[0], container("db", memory=256, links=["web"])),
        path=("containerDefinitions", 0, "links", 0),
        id="cycle",
    ),
    Case(
        "ECS-D12",
        good=_ec2(*LINKED, networkMode="bridge"),
        bad=_ec2(*LINKED, networkMode="host"),
        path=("containerDefinitions", 0, "links"),
        id="host-mode",
    ),
    Case(
        "ECS-D13",
        good=_ec2(
            container("app", memory=256), container("envoy", memory=256), networkMode="awsvpc", proxyConfiguration=PROXY
        ),
        bad=_ec2(container("app", memory=256), container("envoy", memory=256), proxyConfiguration=PROXY),
        path=("proxyConfiguration",),
    ),
    Case(
        "ECS-D14",
        good=_ec2(container(memory=256, systemControls=_sysctl(("net.core.somaxconn", "1024")))),
        bad=_ec2(container(memory=256, systemControls=_sysctl(("net.core.somaxconn", "1024"))), networkMode="host"),
        path=("containerDefinitions", 0, "systemControls", 0, "namespace"),
    ),
    Case(
        "ECS-D14",
        good=with_containers(
            container("a", systemControls=_sysctl(("net.core.somaxconn", "1024"))),
            container("b", systemControls=_sysctl(("net.core.somaxconn", "1024"))),
        ),
        bad=with_containers(
            container("a", systemControls=_sysctl(("net.core.somaxconn", "1024"))),
            container("b", systemControls=_sysctl(("net.core.somaxconn", "4096"))),
        ),
        path=("containerDefinitions", 1, "systemControls", 0, "value"),
        id="awsvpc",
    ),
]
