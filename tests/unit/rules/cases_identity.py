from .cases import BASE_EC2, Case, container, task, with_containers

BIG_ENV = [{"name": f"VAR_{i}", "value": "x" * 1000} for i in range(70)]
DIGEST = "sha256:" + "a" * 64


def _containers(n: int) -> list[dict]:
    return [container(f"c{i}") for i in range(n)]


def _nameless() -> dict:
    out = container()
    del out["name"]
    return out


def _volume(**fields: object) -> dict:
    return task(volumes=[fields])


def _tags(*pairs: tuple[str, str]) -> dict:
    return task(tags=[{"key": k, "value": v} for k, v in pairs])


CASES = [
    Case("ECS-A1", good=task(family="api_v2-prod"), bad=task(family="api v2"), path=("family",)),
    Case("ECS-A1", good=task(family="a" * 255), bad=task(family="a" * 256), path=("family",), id="length"),
    Case("ECS-A2", good=task(), bad=task(containerDefinitions=[]), path=("containerDefinitions",)),
    Case(
        "ECS-A3",
        good=task(containerDefinitions=_containers(10)),
        bad=task(containerDefinitions=_containers(11)),
        path=("containerDefinitions", 10),
    ),
    Case(
        "ECS-A4",
        good=with_containers(container(environment=BIG_ENV[:50])),
        bad=with_containers(container(environment=BIG_ENV)),
        path=(),
    ),
    Case("ECS-A6", good=task(), bad=with_containers(container("my app")), path=("containerDefinitions", 0, "name")),
    Case(
        "ECS-A6",
        good=with_containers(container("a" * 255)),
        bad=with_containers(container("a" * 256)),
        path=("containerDefinitions", 0, "name"),
        id="length",
    ),
    # a badly typed name is SPEC-TYPE's; the rule reports only a name that is not written at all
    Case(
        "ECS-A6",
        good=with_containers(container(name=5)),
        bad=with_containers(_nameless()),
        path=("containerDefinitions", 0),
        id="missing",
    ),
    Case(
        "ECS-A7",
        good=with_containers(container("api"), container("web")),
        bad=with_containers(container("api"), container("api")),
        path=("containerDefinitions", 1, "name"),
    ),
    Case("ECS-A8", good=task(), bad=with_containers(container(image="  ")), path=("containerDefinitions", 0, "image")),
    Case(
        "ECS-A8",
        good=with_containers(container(image=7)),
        bad=with_containers(container(image=None)),
        path=("containerDefinitions", 0),
        id="missing",
    ),
    Case(
        "ECS-A9",
        good=with_containers(container(image=f"public.ecr.aws/nginx/nginx@{DIGEST}")),
        bad=with_containers(container(image="public.ecr.aws/nginx/nginx@sha256:abc")),
        path=("containerDefinitions", 0, "image"),
    ),
    Case(
        "ECS-A9",
        good=with_containers(container(image="registry.example.com:5000/team/app:1.2#b")),
        bad=with_containers(container(image="team/my app:1.2")),
        path=("containerDefinitions", 0, "image"),
        id="characters",
    ),
    Case("ECS-A10", good=_volume(name="scratch-data"), bad=_volume(name="scratch data"), path=("volumes", 0, "name")),
    Case(
        "ECS-A10",
        good=_volume(name="data", efsVolumeConfiguration={"fileSystemId": "fs-12345678"}),
        bad=_volume(efsVolumeConfiguration={"fileSystemId": "fs-12345678"}),
        path=("volumes", 0),
        id="missing",
    ),
    Case(
        "ECS-A10",
        good=task(volumes=[{"name": "a"}, {"name": "b"}]),
        bad=task(volumes=[{"name": "a"}, {"name": "a"}]),
        path=("volumes", 1, "name"),
        id="duplicate",
    ),
    Case(
        "ECS-A11",
        good=_tags(("team", "payments"), ("cost-center", "4711 / EU")),
        bad=_tags(("aws:team", "payments")),
        path=("tags", 0, "key"),
        severity="error",
    ),
    # AWS reserves the prefix in any case, on values too
    Case(
        "ECS-A11",
        good=_tags(("owner", "team:aws-platform")),
        bad=_tags(("owner", "AWS:platform")),
        path=("tags", 0, "value"),
        severity="error",
        id="reserved-value",
    ),
    Case(
        "ECS-A11",
        good=_tags(("team", "ops@example.com")),
        bad=_tags(("team", "a|b")),
        path=("tags", 0, "value"),
        severity="warning",
        id="characters",
    ),
    Case(
        "ECS-A11",
        good=_tags(("a", "1"), ("b", "1")),
        bad=_tags(("a", "1"), ("a", "2")),
        path=("tags", 1, "key"),
        severity="error",
        id="duplicate",
    ),
    Case(
        "ECS-A11",
        good=task(BASE_EC2, tags=[{"key": "team"}]),
        bad=task(BASE_EC2, tags=[{"value": "x"}]),
        path=("tags", 0),
        id="no-key",
    ),
]
