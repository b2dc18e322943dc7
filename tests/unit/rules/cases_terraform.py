from .cases import BASE_EC2, Case, container, task, with_containers

CASES = [
    Case(
        "TF-UNSUPPORTED",
        good=task(),
        bad=task(trustedExecutionConfiguration={"isolationMode": "SHARED"}),
        path=("trustedExecutionConfiguration",),
    ),
    Case(
        "TF-UNSUPPORTED",
        good=task(BASE_EC2),
        bad=task(BASE_EC2, requiresCompatibilities=["MANAGED_INSTANCES"]),
        path=("requiresCompatibilities", 0),
        id="managed-instances",
    ),
    Case(
        "TF-UNSUPPORTED",
        good=task(runtimePlatform={"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}),
        bad=task(cpu="1024", memory="2048", runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2025_CORE"}),
        path=("runtimePlatform", "operatingSystemFamily"),
        id="windows-2025",
    ),
    Case(
        "TF-UNSUPPORTED",
        good=with_containers(container(), volumes=[{"name": "data"}]),
        bad=with_containers(
            container(),
            volumes=[
                {
                    "name": "data",
                    "s3filesVolumeConfiguration": {
                        "fileSystemArn": "arn:aws:s3files:us-east-1:123456789012:file-system/fs-1"
                    },
                }
            ],
        ),
        path=("volumes", 0, "s3filesVolumeConfiguration"),
        id="s3files",
    ),
]
