"""EFS: the file systems and access points the volumes name exist (an access point of the file system named); the
subnets, security groups and VPC of the file systems ecsform creates (x-ecsform.efs) exist and fit together."""

from __future__ import annotations

from ...errors import Check, FieldPath, Severity
from ...spec.extensions import ManagedEfs
from ...spec.references import is_reference
from .verifier import Failed, Missing, Verifier

# The findings this module raises (collected by the catalog: generators/rules).
VERIFY_EFS = Check(
    "VERIFY-EFS",
    Severity.ERROR,
    ("An EFS file system and access point a volume names exist, and the access point belongs to the file system."),
)
VERIFY_NETWORK = Check(
    "VERIFY-NETWORK",
    Severity.ERROR,
    ("A managed file system's VPC, subnets (one per Availability Zone, in the VPC) and security groups exist."),
)


def efs(v: Verifier) -> None:
    for path, volume in v.view.volumes():
        config = volume.get("efsVolumeConfiguration")
        if not isinstance(config, dict):
            continue
        where = path + ("efsVolumeConfiguration",)
        fs = config.get("fileSystemId")
        if isinstance(fs, str) and not is_reference(fs):
            fs_id = fs  # a str, for the closure
            v.guarded(lambda: file_system(v, where + ("fileSystemId",), fs_id))
        auth = config.get("authorizationConfig")
        ap = auth.get("accessPointId") if isinstance(auth, dict) else None
        if isinstance(ap, str) and not is_reference(ap):
            v.guarded(
                lambda: access_point(
                    v, where + ("authorizationConfig", "accessPointId"), ap, fs if isinstance(fs, str) else None
                )
            )
    for key, managed in sorted(v.view.ext.efs.items()):
        v.guarded(lambda: network(v, ("x-ecsform", "efs", key), managed))


def file_system(v: Verifier, path: FieldPath, fs: str) -> None:
    try:
        v.call(path, "efs", "describe_file_systems", FileSystemId=fs)
    except Missing:
        v.error(
            VERIFY_EFS,
            f"EFS file system {fs} does not exist in account {v.aws.account}, {v.region}",
            path,
            "fix the file system ID, or let ecsform create one (x-ecsform.efs)",
        )
        return
    v.ok(path, f"EFS file system {fs}")


def access_point(v: Verifier, path: FieldPath, ap: str, fs: str | None) -> None:
    try:
        found = v.call(path, "efs", "describe_access_points", AccessPointId=ap)["AccessPoints"]
    except Missing:
        found = []
    if not found:
        v.error(
            VERIFY_EFS,
            f"EFS access point {ap} does not exist in account {v.aws.account}, {v.region}",
            path,
            "fix the access point ID",
        )
        return
    owner = found[0].get("FileSystemId")
    if fs and not is_reference(fs) and owner != fs:
        v.error(
            VERIFY_EFS,
            f"access point {ap} belongs to file system {owner}, not {fs}",
            path,
            f"mount {owner}, or use an access point of {fs}",
        )
        return
    v.ok(path, f"EFS access point {ap} of {owner}")


def network(v: Verifier, path: FieldPath, fs: ManagedEfs) -> None:
    vpc = fs.vpc_id
    if vpc:
        try:
            v.call(path + ("vpcId",), "ec2", "describe_vpcs", VpcIds=[vpc])
            v.ok(path + ("vpcId",), f"VPC {vpc}")
        except Missing:
            v.error(
                VERIFY_NETWORK,
                f"VPC {vpc} does not exist in account {v.aws.account}, {v.region}",
                path + ("vpcId",),
                "fix the VPC ID",
            )
            vpc = None
    zones: dict[str, str] = {}
    for i, subnet in enumerate(fs.subnet_ids):
        p = path + ("subnetIds", i)
        try:
            found = v.call(p, "ec2", "describe_subnets", SubnetIds=[subnet])["Subnets"][0]
        except Missing:
            v.error(
                VERIFY_NETWORK,
                f"subnet {subnet} does not exist in account {v.aws.account}, {v.region}",
                p,
                "fix the subnet ID",
            )
            continue
        except Failed:
            continue
        zone = found.get("AvailabilityZone", "")
        if vpc and found.get("VpcId") != vpc:
            v.error(
                VERIFY_NETWORK,
                f"subnet {subnet} is in {found.get('VpcId')}, not in vpcId {vpc}",
                p,
                "give subnets of the VPC the tasks run in",
            )
        elif zone in zones:
            v.error(
                VERIFY_NETWORK,
                f"subnets {zones[zone]} and {subnet} are both in {zone}: EFS takes one "
                "mount target per Availability Zone, so the second fails (MountTargetConflict)",
                p,
                "give one subnet per Availability Zone",
            )
        else:
            v.ok(p, f"subnet {subnet} ({zone})")
        zones.setdefault(zone, subnet)
    for i, group in enumerate(fs.security_group_ids):
        p = path + ("securityGroupIds", i)
        try:
            found = v.call(p, "ec2", "describe_security_groups", GroupIds=[group])["SecurityGroups"][0]
        except Missing:
            v.error(
                VERIFY_NETWORK,
                f"security group {group} does not exist in account {v.aws.account}, {v.region}",
                p,
                "fix the security group ID",
            )
            continue
        except Failed:
            continue
        if vpc and found.get("VpcId") != vpc:
            v.error(
                VERIFY_NETWORK,
                f"security group {group} is in {found.get('VpcId')}, not in vpcId {vpc}",
                p,
                "give the tasks' security groups, in the tasks' VPC",
            )
        else:
            v.ok(p, f"security group {group}")
