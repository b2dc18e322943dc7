from .cases import BASE_EC2, Case, task

LINUX_ARM = {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}


def _windows(family: str = "WINDOWS_SERVER_2022_CORE", arch: str = "X86_64") -> dict:
    return {"cpuArchitecture": arch, "operatingSystemFamily": family}


def _fargate_windows(family: str) -> dict:
    return task(cpu="1024", memory="2048", runtimePlatform=_windows(family))


CASES = [
    Case(
        "ECS-B4",
        good=task(runtimePlatform=LINUX_ARM),
        bad=task(BASE_EC2, networkMode=None, runtimePlatform=_windows(arch="ARM64")),
        path=("runtimePlatform", "cpuArchitecture"),
    ),
    Case(
        "ECS-B5",
        good=_fargate_windows("WINDOWS_SERVER_2019_FULL"),
        bad=_fargate_windows("WINDOWS_SERVER_2016_FULL"),
        path=("runtimePlatform", "operatingSystemFamily"),
    ),
    Case(
        "ECS-B5",
        good=_fargate_windows("WINDOWS_SERVER_2022_CORE"),
        bad=_fargate_windows("WINDOWS_SERVER_2025_CORE"),
        path=("runtimePlatform", "operatingSystemFamily"),
        id="unconfirmed",
    ),
]
