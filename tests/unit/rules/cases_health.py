from .cases import Case, container, with_containers

CMD = ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]


def hc(**fields):
    return with_containers(container(healthCheck={"command": CMD, **fields}))


CASES = [
    Case(
        "ECS-G1",
        good=hc(),
        bad=with_containers(container(healthCheck={"command": ["curl -f http://localhost/"]})),
        path=("containerDefinitions", 0, "healthCheck", "command", 0),
        severity="warning",
    ),
    # ECS registers a command without CMD (the ADOT collector's ECS examples write ["/healthcheck"]): a warning,
    # and the timeout above the interval that those examples also write is no finding at all (no ECS-G6 any more)
    Case(
        "ECS-G1",
        good=hc(interval=5, timeout=6),
        bad=with_containers(
            container(
                healthCheck={"command": ["/healthcheck"], "interval": 5, "timeout": 6, "retries": 5, "startPeriod": 1}
            )
        ),
        path=("containerDefinitions", 0, "healthCheck", "command", 0),
        severity="warning",
        id="adot",
    ),
    Case(
        "ECS-G1",
        good=with_containers(container(healthCheck={"command": ["CMD", "curl", "-f", "http://localhost/"]})),
        bad=with_containers(container(healthCheck={"command": []})),
        path=("containerDefinitions", 0, "healthCheck", "command"),
        id="empty",
    ),
    Case(
        "ECS-G1",
        good=hc(),
        bad=with_containers(container(healthCheck={"command": ["CMD"]})),
        path=("containerDefinitions", 0, "healthCheck", "command"),
        id="no-command",
    ),
    Case(
        "ECS-G1",
        good=hc(),
        bad=with_containers(container(healthCheck={"command": ["CMD-SHELL", "curl", "-f", "http://localhost/"]})),
        path=("containerDefinitions", 0, "healthCheck", "command"),
        id="shell-split",
    ),
    Case(
        "ECS-G2", good=hc(interval=5), bad=hc(interval=1), path=("containerDefinitions", 0, "healthCheck", "interval")
    ),
    Case("ECS-G2", good=hc(interval=300), bad=hc(interval=301), id="max"),
    Case("ECS-G3", good=hc(timeout=60), bad=hc(timeout=61), path=("containerDefinitions", 0, "healthCheck", "timeout")),
    Case("ECS-G3", good=hc(timeout=2), bad=hc(timeout=1), id="min"),
    Case("ECS-G4", good=hc(retries=10), bad=hc(retries=0), path=("containerDefinitions", 0, "healthCheck", "retries")),
    Case(
        "ECS-G5",
        good=hc(startPeriod=0),
        bad=hc(startPeriod=301),
        path=("containerDefinitions", 0, "healthCheck", "startPeriod"),
    ),
]
