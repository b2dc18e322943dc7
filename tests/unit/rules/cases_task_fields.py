from .cases import BASE_EC2, Case, container, task, with_containers

MEMBER_OF = {"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"}
APP_MESH = task(containerDefinitions=[container("app"), container("envoy", user="1337")])
PROPS = [
    {"name": "IgnoredUID", "value": "1337"},
    {"name": "AppPorts", "value": "8080"},
    {"name": "ProxyIngressPort", "value": "15000"},
    {"name": "ProxyEgressPort", "value": "15001"},
]


def ec2(**fields):
    return with_containers(container(memory=256, **fields), base=BASE_EC2)


def proxy(name="envoy", properties=PROPS):
    return task(APP_MESH, proxyConfiguration={"type": "APPMESH", "containerName": name, "properties": properties})


def restart(**policy):
    return with_containers(container(restartPolicy=policy))


CASES = [
    Case(
        "ECS-L1",
        good=task(BASE_EC2, placementConstraints=[MEMBER_OF] * 10),
        bad=task(BASE_EC2, placementConstraints=[MEMBER_OF] * 11),
        path=("placementConstraints",),
    ),
    Case(
        "ECS-L1",
        good=task(BASE_EC2, placementConstraints=[MEMBER_OF]),
        bad=task(BASE_EC2, placementConstraints=[{"type": "memberOf"}]),
        path=("placementConstraints", 0),
        id="expression",
    ),
    Case("ECS-L2", good=proxy(), bad=proxy("proxy"), path=("proxyConfiguration", "containerName")),
    Case("ECS-L2", good=proxy(), bad=proxy(properties=PROPS[1:]), path=("proxyConfiguration",), id="ignored-uid"),
    Case(
        "ECS-L2",
        good=proxy(),
        bad=proxy(properties=PROPS + [{"name": "ProxyEgresPort", "value": "1"}]),
        path=("proxyConfiguration", "properties", 4, "name"),
        id="unknown",
    ),
    Case(
        "ECS-L3",
        good=ec2(resourceRequirements=[{"type": "GPU", "value": "2"}]),
        bad=ec2(resourceRequirements=[{"type": "GPU", "value": "two"}]),
        path=("containerDefinitions", 0, "resourceRequirements", 0, "value"),
    ),
    Case(
        "ECS-L3",
        good=task(
            ec2(resourceRequirements=[{"type": "InferenceAccelerator", "value": "eia1"}]),
            inferenceAccelerators=[{"deviceName": "eia1", "deviceType": "eia2.medium"}],
        ),
        bad=task(
            ec2(resourceRequirements=[{"type": "InferenceAccelerator", "value": "eia2"}]),
            inferenceAccelerators=[{"deviceName": "eia1", "deviceType": "eia2.medium"}],
        ),
        id="accelerator",
    ),
    Case(
        "ECS-L3",
        good=task(
            ec2(resourceRequirements=[{"type": "NeuronDevice", "value": "ALL"}]),
            requiresCompatibilities=["MANAGED_INSTANCES"],
            networkMode="awsvpc",
        ),
        bad=ec2(resourceRequirements=[{"type": "NeuronDevice", "value": "ALL"}]),
        path=("containerDefinitions", 0, "resourceRequirements", 0, "type"),
        id="neuron",
    ),
    Case(
        "ECS-L4",
        good=task(BASE_EC2),
        bad=task(inferenceAccelerators=[{"deviceName": "eia1", "deviceType": "eia2.medium"}]),
        path=("inferenceAccelerators",),
    ),
    Case(
        "ECS-L5",
        good=restart(enabled=True, restartAttemptPeriod=60, ignoredExitCodes=[0]),
        bad=restart(enabled=True, restartAttemptPeriod=30),
        path=("containerDefinitions", 0, "restartPolicy", "restartAttemptPeriod"),
    ),
    Case(
        "ECS-L5",
        good=restart(enabled=True, ignoredExitCodes=list(range(50))),
        bad=restart(enabled=True, ignoredExitCodes=list(range(51))),
        id="codes",
    ),
    Case("ECS-L5", good=restart(enabled=False), bad=restart(enabled=False, ignoredExitCodes=[1]), id="disabled"),
]
