"""J. Volumes, mount points and storage: volume types, EFS, FSx, Docker and host volumes, ephemeral storage."""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..access.referenced import efs_volumes, mount_points
from ..arns import parse_arn
from ..errors import FieldPath, Finding, Severity
from ..spec.references import is_reference
from .registry import Context, Rule, items, rule

E, W = Severity.ERROR, Severity.WARNING

VOLUME_TYPES = (
    "host",
    "dockerVolumeConfiguration",
    "efsVolumeConfiguration",
    "s3filesVolumeConfiguration",
    "fsxWindowsFileServerVolumeConfiguration",
    "configuredAtLaunch",
)
_EFS_ID = re.compile(r"^fs-[0-9a-f]{8,40}$", re.IGNORECASE)  # DNS names: the case does not matter
_ACCESS_POINT_ID = re.compile(r"^fsap-[0-9a-f]{8,40}$", re.IGNORECASE)
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")


def _types(volume: dict[str, Any]) -> list[str]:
    return [t for t in VOLUME_TYPES if (volume.get(t) is True if t == "configuredAtLaunch" else t in volume)]


@rule(
    "ECS-J1",
    E,
    "A volume has at most one type: host, docker, EFS, S3 Files, FSx or configuredAtLaunch.",
    "docs J1; cloudposse/terraform-aws-ecs-alb-service-task#185",
    needs=("volumes",),
)
def one_volume_type(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, v in ctx.volumes():
        types = _types(v)
        if len(types) > 1:
            yield r.finding(
                f"volume {v.get('name', '')!r} sets {' and '.join(types)}",
                path + (types[1],),
                'keep one (ECS: "When the volume parameter is specified, only one volume configuration '
                'type should be used.")',
                at_key=True,
            )


@rule(
    "ECS-J2",
    E,
    "Every mount point names a task volume (sourceVolume) and a containerPath.",
    "docs J2; ansible/ansible#35751",
    needs=("mountPoints",),
)
def mount_points_reference_volumes(r: Rule, ctx: Context) -> Iterator[Finding]:
    names = {v.get("name") for _, v in ctx.volumes()}
    for path, _, m in mount_points(ctx):
        source = m.get("sourceVolume")
        if "sourceVolume" not in m:
            yield r.finding(
                "mount point without sourceVolume",
                path,
                "name one of the task's volumes (ECS: \"Unknown volume 'null'.\")",
            )
        elif isinstance(source, str) and source not in names:
            known = ", ".join(sorted(n for n in names if isinstance(n, str))) or "none"
            yield r.finding(
                f"sourceVolume {source!r} is not a volume of the task (volumes: {known})",
                path + ("sourceVolume",),
                f"add a volume named {source!r} under volumes, or fix the name (ECS: \"Unknown volume '{source}'.\")",
            )
        if "containerPath" not in m:
            yield r.finding(
                "mount point without containerPath",
                path,
                "add containerPath: where the volume appears in the container",
            )


@rule(
    "ECS-J3",
    E,
    "containerPath of mount points and tmpfs is absolute (Linux: /path; Windows: C:\\path): ECS registers a "
    "relative one, and Docker refuses the mount, so the container never starts.",
    "docs J3; BC MountPoint, Tmpfs; moby volume/mounts (errNotAbsPath), ValidateTmpfsMountDestination",
    needs=("mountPoints", "linuxParameters"),
)
def container_path_absolute(r: Rule, ctx: Context) -> Iterator[Finding]:
    windows = ctx.is_windows
    paths: list[tuple[FieldPath, Any]] = [
        (p + ("containerPath",), m.get("containerPath")) for p, _, m in mount_points(ctx)
    ]
    for path, c in ctx.containers():
        lp = c.get("linuxParameters")
        if isinstance(lp, dict):
            paths += [
                (p + ("containerPath",), t.get("containerPath"))
                for p, t in items(lp, "tmpfs", path + ("linuxParameters",))
            ]
    for path, value in paths:
        if not isinstance(value, str):
            continue
        tmpfs = "tmpfs" in path
        if windows and not tmpfs and not _WINDOWS_PATH.match(value):
            yield r.finding(
                f"containerPath {value!r} is not an absolute Windows path: ECS registers it, but Docker "
                "refuses the mount and the container does not start",
                path,
                "write a path on the drive of $env:ProgramData, such as C:\\data",
            )
        elif (not windows or tmpfs) and not value.startswith("/"):
            yield r.finding(
                f"containerPath {value!r} is not an absolute path: ECS registers it, but Docker refuses "
                "the mount and the container does not start",
                path,
                f"write /{value.lstrip('./')}",
            )


@rule(
    "ECS-J4",
    E,
    "volumesFrom.sourceContainer names another container of the task.",
    "docs J4; BC VolumeFrom",
    needs=("volumesFrom",),
)
def volumes_from_container(r: Rule, ctx: Context) -> Iterator[Finding]:
    names = ctx.container_names()
    for path, c in ctx.containers():
        for p, vf in items(c, "volumesFrom", path):
            source = vf.get("sourceContainer")
            if "sourceContainer" not in vf:
                yield r.finding("volumesFrom without sourceContainer", p, "name the container to take volumes from")
            elif isinstance(source, str) and source == c.get("name"):
                yield r.finding(
                    f"container {source!r} takes volumes from itself",
                    p + ("sourceContainer",),
                    "name another container",
                )
            elif isinstance(source, str) and source not in names:
                yield r.finding(
                    f"sourceContainer {source!r} is not a container of the task (containers: {', '.join(names)})",
                    p + ("sourceContainer",),
                    "name a container of this task definition",
                )


@rule(
    "ECS-J5",
    E,
    "Docker volumes are not available on Fargate; autoprovision only with scope shared and a "
    "non-local driver on Windows are warnings.",
    "docs J5; BC DockerVolumeConfiguration",
    needs=("volumes",),
)
def docker_volumes(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, v in ctx.volumes():
        dv = v.get("dockerVolumeConfiguration")
        if not isinstance(dv, dict):
            continue
        where = path + ("dockerVolumeConfiguration",)
        if ctx.is_fargate:
            yield r.finding(
                f"volume {v.get('name', '')!r}: Fargate does not support Docker volumes",
                where,
                "use an EFS volume, or a volume with no configuration (task storage)",
                at_key=True,
            )
        if dv.get("autoprovision") is True and dv.get("scope", "task") != "shared":
            yield r.finding(
                "autoprovision applies only to scope shared; with scope task the volume is created for "
                "each task anyway",
                where + ("autoprovision",),
                "set scope: shared, or remove autoprovision",
                severity=W,
            )
        driver = dv.get("driver")
        if ctx.is_windows and isinstance(driver, str) and driver != "local":
            yield r.finding(
                f"driver {driver!r}: Windows containers support only the local driver",
                where + ("driver",),
                "use driver local",
                severity=W,
            )


@rule(
    "ECS-J6",
    E,
    "host.sourcePath is not blank and is not used on Fargate.",
    "docs J6; aws/amazon-ecs-cli#11; cloudposse/terraform-aws-ecs-alb-service-task#174",
    needs=("volumes",),
)
def host_source_path(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, v in ctx.volumes():
        host = v.get("host")
        source = host.get("sourcePath") if isinstance(host, dict) else None
        if not isinstance(source, str):
            continue
        where = path + ("host", "sourcePath")
        if not source.strip():
            yield r.finding(
                "host.sourcePath is blank",
                where,
                "give a path on the instance, or remove host for task "
                'storage (ECS: "host.sourcePath should not be blank.")',
            )
        elif ctx.is_fargate:
            yield r.finding(
                f"volume {v.get('name', '')!r} mounts host path {source!r}, which Fargate does not support",
                where,
                'remove host.sourcePath (task storage) or use EFS (ECS: "Fargate '
                'compatible task definitions do not support sourcePath")',
            )


@rule(
    "ECS-J7",
    E,
    "EFS volumes: with an access point or IAM authorization, rootDirectory / and transitEncryption "
    "ENABLED (not DISABLED, nor left out); transitEncryptionPort 1-65535; fs-... and fsap-... IDs (ECS registers "
    "others; the mount never succeeds).",
    "docs J7; BC EFSVolumeConfiguration; aws/aws-cdk#10683; TF IsPortNumber",
    needs=("volumes",),
)
def efs_fields(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, _, efs in efs_volumes(ctx):
        fs_id = efs.get("fileSystemId")
        if isinstance(fs_id, str) and not is_reference(fs_id) and not _EFS_ID.match(fs_id):
            yield r.finding(
                f"fileSystemId {fs_id!r} is not an EFS file system ID: ECS registers it, and the mount "
                "fails when the task starts",
                path + ("fileSystemId",),
                "write fs-0123456789abcdef0 (or ecsform:efs/NAME for a file system ecsform creates)",
            )
        auth = efs.get("authorizationConfig")
        if not isinstance(auth, dict):
            auth = {}
        ap = auth.get("accessPointId")
        if isinstance(ap, str) and not is_reference(ap) and not _ACCESS_POINT_ID.match(ap):
            yield r.finding(
                f"accessPointId {ap!r} is not an EFS access point ID: ECS registers it, and the mount "
                "fails when the task starts",
                path + ("authorizationConfig", "accessPointId"),
                "write fsap-0123456789abcdef0",
            )
        root = efs.get("rootDirectory")
        if ap is not None and isinstance(root, str) and root != "/":
            yield r.finding(
                f"rootDirectory {root!r} with an access point",
                path + ("rootDirectory",),
                'remove rootDirectory and set the directory on the access point (ECS: "When using an '
                'EFS access point, the root directory must either be set to "/" or be omitted")',
            )
        needs_tls = [
            why
            for why, on in (("an access point", ap is not None), ("IAM authorization", auth.get("iam") == "ENABLED"))
            if on
        ]
        transit = efs.get("transitEncryption")
        if needs_tls and transit != "ENABLED" and not (transit is None and ctx.written(path + ("transitEncryption",))):
            what = "is DISABLED" if transit == "DISABLED" else "is not set, which ECS reads as DISABLED,"
            yield r.finding(
                f"transitEncryption {what} but the volume uses {' and '.join(needs_tls)}",
                path + ("transitEncryption",) if transit else path,
                "write transitEncryption: ENABLED "
                '(ECS: "If an access point is used, transit encryption must be on"; "Transit encryption '
                'must be turned on if Amazon EFS IAM authorization is used")',
                at_key=transit is None,
            )
        port = efs.get("transitEncryptionPort")
        if isinstance(port, int) and not 1 <= port <= 65535:
            yield r.finding(
                f"transitEncryptionPort {port} is not a port number",
                path + ("transitEncryptionPort",),
                "use 1-65535, or remove it to let the EFS mount helper choose",
            )


@rule(
    "ECS-J8",
    W,
    "EFS volumes are not supported on EXTERNAL instances or for Windows containers (what a brought task role "
    "must allow for IAM authorization: ECS-M4).",
    "docs J8; DG23 efs-volumes.md; BC EFSAuthorizationConfig.iam",
    needs=("volumes",),
)
def efs_support(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, v, _efs_config in efs_volumes(ctx):
        if ctx.is_external:
            yield r.finding(
                f"volume {v.get('name', '')!r}: EFS volumes are not supported on EXTERNAL instances",
                path,
                "mount the file system on the instance and use a host volume",
                at_key=True,
            )
        elif ctx.is_windows and not ctx.is_fargate:  # Windows on Fargate: ECS-K15
            yield r.finding(
                f"volume {v.get('name', '')!r}: EFS volumes are not supported for Windows containers",
                path,
                "use an FSx for Windows File Server volume",
                at_key=True,
            )


@rule(
    "ECS-J9",
    E,
    "FSx for Windows File Server credentials come from a Secrets Manager or SSM ARN (ECS registers others; the "
    "agent refuses them and the task never starts); domain is not blank (warning).",
    "docs J9; BC FSxWindowsFileServerAuthorizationConfig; AGENT taskresource/fsxwindowsfileserver "
    "(retrieveCredentials)",
    needs=("volumes",),
)
def fsx_credentials(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, v in ctx.volumes():
        fsx = v.get("fsxWindowsFileServerVolumeConfiguration")
        auth = fsx.get("authorizationConfig") if isinstance(fsx, dict) else None
        if not isinstance(auth, dict):
            continue
        where = path + ("fsxWindowsFileServerVolumeConfiguration", "authorizationConfig")
        cred = auth.get("credentialsParameter")
        if isinstance(cred, str) and not is_reference(cred):
            arn = parse_arn(cred)
            if arn is None or arn.service not in ("secretsmanager", "ssm"):
                yield r.finding(
                    f"credentialsParameter {cred!r} is not a Secrets Manager or SSM parameter ARN: ECS "
                    "registers it, and the share is not mounted when the task starts",
                    where + ("credentialsParameter",),
                    "give the ARN of the secret or parameter that holds the domain user's credentials",
                )
        domain = auth.get("domain")
        if isinstance(domain, str) and not domain.strip():
            yield r.finding(
                "domain is blank: ECS registers it, and the share is not mounted when the task starts",
                where + ("domain",),
                "give the Active Directory domain name",
                severity=W,
            )


@rule(
    "ECS-J10",
    E,
    "At most one volume is configuredAtLaunch (a configuredAtLaunch volume that no container mounts is a warning).",
    "docs J10; BC Volume.configuredAtLaunch",
    needs=("volumes",),
)
def configured_at_launch(r: Rule, ctx: Context) -> Iterator[Finding]:
    at_launch = [(p, v) for p, v in ctx.volumes() if v.get("configuredAtLaunch") is True]
    for path, v in at_launch[1:]:
        yield r.finding(
            f"volume {v.get('name', '')!r} is a second configuredAtLaunch volume",
            path + ("configuredAtLaunch",),
            "a task definition may configure one volume at launch; keep one",
        )
    mounted = {m.get("sourceVolume") for _, _, m in mount_points(ctx)}
    for path, v in at_launch:
        if v.get("name") not in mounted:
            yield r.finding(
                f"volume {v.get('name', '')!r} is configured at launch but no container mounts it",
                path + ("configuredAtLaunch",),
                "add a mountPoints entry with this sourceVolume",
                severity=W,
            )


@rule(
    "ECS-J11",
    E,
    "S3 Files volumes: with an access point, rootDirectory / or omitted; transitEncryptionPort 1-65535.",
    "docs J11; BC S3FilesVolumeConfiguration",
    needs=("volumes",),
)
def s3files_fields(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, v in ctx.volumes():
        s3f = v.get("s3filesVolumeConfiguration")
        if not isinstance(s3f, dict):
            continue
        where = path + ("s3filesVolumeConfiguration",)
        root = s3f.get("rootDirectory")
        if "accessPointArn" in s3f and isinstance(root, str) and root != "/":
            yield r.finding(
                f"rootDirectory {root!r} with an access point",
                where + ("rootDirectory",),
                "remove rootDirectory and set the directory on the access point",
            )
        port = s3f.get("transitEncryptionPort")
        if isinstance(port, int) and not 1 <= port <= 65535:
            yield r.finding(
                f"transitEncryptionPort {port} is not a port number", where + ("transitEncryptionPort",), "use 1-65535"
            )


@rule(
    "ECS-J12",
    E,
    "ephemeralStorage.sizeInGiB is 21-200 (on a task that is not Fargate: warning).",
    "docs J12; TF IntBetween(21, 200); CDK fargate-task-definition.ts",
    needs=("ephemeralStorage",),
)
def ephemeral_storage(r: Rule, ctx: Context) -> Iterator[Finding]:
    es = ctx.task.get("ephemeralStorage")
    if not isinstance(es, dict):
        return
    size = es.get("sizeInGiB")
    if isinstance(size, int) and not 21 <= size <= 200:
        yield r.finding(
            f"ephemeralStorage.sizeInGiB {size} is outside 21-200",
            ("ephemeralStorage", "sizeInGiB"),
            "use 21-200, or remove ephemeralStorage for Fargate's default 20 GiB",
        )
    if not ctx.is_fargate:
        yield r.finding(
            "ephemeralStorage applies only to Fargate tasks",
            ("ephemeralStorage",),
            "remove it; on EC2 the instance's storage is used",
            severity=W,
            at_key=True,
        )
