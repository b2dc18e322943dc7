from .cases import BASE_EC2, Case, container, task, with_containers

CHECK = {"command": ["CMD-SHELL", "curl -f http://localhost:8000/health || exit 1"]}
ROUTER = {"type": "fluentbit"}


def _dep(name: str, condition: str) -> list[dict]:
    return [{"containerName": name, "condition": condition}]


def _pair(target: dict, dependent_on: str = "api", condition: str = "START") -> dict:
    """`worker` depends on `api` (the target)."""
    return with_containers(target, container("worker", dependsOn=_dep(dependent_on, condition)))


CASES = [
    Case(
        "ECS-F1",
        good=with_containers(container("a"), container("b", essential=False)),
        bad=with_containers(container("a", essential=False), container("b", essential=False)),
        path=("containerDefinitions",),
    ),
    # essential omitted means essential; a badly typed essential is SPEC-TYPE's
    Case(
        "ECS-F1",
        good=with_containers(container("a", essential=None), container("b", essential="false")),
        bad=with_containers(container("a", essential=False)),
        path=("containerDefinitions",),
        id="default",
    ),
    # a container the field checks removed (not a mapping) may be the essential one
    Case(
        "ECS-F1",
        good=with_containers(container("a", essential=False), "b"),
        bad=with_containers(container("a", essential=False), container("b", essential=False)),
        path=("containerDefinitions",),
        id="removed-container",
    ),
    Case(
        "ECS-F2",
        good=_pair(container("api")),
        bad=_pair(container("api"), dependent_on="apii"),
        path=("containerDefinitions", 1, "dependsOn", 0, "containerName"),
    ),
    # a container whose name is badly typed (SPEC-TYPE) may be the one named: no guess
    Case(
        "ECS-F2",
        good=_pair(container(name=["api"]), dependent_on="api"),
        bad=_pair(container("web"), dependent_on="api"),
        path=("containerDefinitions", 1, "dependsOn", 0, "containerName"),
        id="unknown-names",
    ),
    Case(
        "ECS-F4",
        good=_pair(container("api", essential=False), condition="COMPLETE"),
        bad=_pair(container("api"), condition="SUCCESS"),
        path=("containerDefinitions", 1, "dependsOn", 0, "condition"),
    ),
    Case(
        "ECS-F4",
        good=_pair(container("api", essential=False), condition="SUCCESS"),
        bad=_pair(container("api", essential=None), condition="COMPLETE"),
        path=("containerDefinitions", 1, "dependsOn", 0, "condition"),
        id="default-essential",
    ),
    Case(
        "ECS-F5",
        good=_pair(container("api", healthCheck=CHECK), condition="HEALTHY"),
        bad=_pair(container("api"), condition="HEALTHY"),
        path=("containerDefinitions", 1, "dependsOn", 0, "condition"),
    ),
    Case(
        "ECS-F6",
        good=with_containers(container("a", dependsOn=_dep("b", "START")), container("b")),
        bad=with_containers(container("a", dependsOn=_dep("b", "START")), container("b", dependsOn=_dep("a", "START"))),
        path=("containerDefinitions", 0, "dependsOn", 0),
    ),
    Case(
        "ECS-F6",
        good=with_containers(container("a")),
        bad=with_containers(container("a", dependsOn=_dep("a", "START"))),
        path=("containerDefinitions", 0, "dependsOn", 0),
        id="self",
    ),
    Case(
        "ECS-F6",
        good=with_containers(
            container("a", volumesFrom=[{"sourceContainer": "b"}]),
            container("b"),
            container("c", dependsOn=_dep("a", "START")),
        ),
        bad=with_containers(
            container("a", volumesFrom=[{"sourceContainer": "b"}]),
            container("b", dependsOn=_dep("c", "START")),
            container("c", dependsOn=_dep("a", "START")),
        ),
        path=("containerDefinitions", 0, "volumesFrom", 0),
        id="volumes-from",
    ),
    # a cycle of links only is D12's
    Case(
        "ECS-F6",
        good=with_containers(
            container("a", links=["b"], memory=256), container("b", links=["a"], memory=256), base=BASE_EC2
        ),
        bad=with_containers(
            container("a", links=["b"], memory=256),
            container("b", dependsOn=_dep("a", "START"), memory=256),
            base=BASE_EC2,
        ),
        path=("containerDefinitions", 1, "dependsOn", 0),
        id="links",
    ),
    Case(
        "ECS-F8",
        good=_pair(container("api", essential=False, firelensConfiguration=ROUTER), condition="START"),
        bad=_pair(container("api", essential=False, firelensConfiguration=ROUTER), condition="COMPLETE"),
        path=("containerDefinitions", 1, "dependsOn", 0, "condition"),
    ),
    Case(
        "ECS-F9",
        good=with_containers(container(stopTimeout=120, startTimeout=2)),
        bad=with_containers(container(stopTimeout=300)),
        path=("containerDefinitions", 0, "stopTimeout"),
    ),
    Case(
        "ECS-F9",
        good=task(BASE_EC2, containerDefinitions=[container(memory=256, stopTimeout=300)]),
        bad=task(BASE_EC2, containerDefinitions=[container(memory=256, startTimeout=-1)]),
        path=("containerDefinitions", 0, "startTimeout"),
        id="negative",
    ),
    # issue 11: ECS registers these; what fails is the task's start (the message says so): warnings
    Case(
        "ECS-F5",
        good=_pair(container("api", healthCheck=CHECK), condition="HEALTHY"),
        bad=_pair(container("api"), condition="HEALTHY"),
        path=("containerDefinitions", 1, "dependsOn", 0, "condition"),
        severity="error",
        id="registered",
    ),
    Case(
        "ECS-F6",
        good=with_containers(container("a", dependsOn=_dep("b", "START")), container("b")),
        bad=with_containers(container("a", dependsOn=_dep("b", "START")), container("b", dependsOn=_dep("a", "START"))),
        path=("containerDefinitions", 0, "dependsOn", 0),
        severity="error",
        id="registered",
    ),
]
