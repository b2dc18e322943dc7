"""Where a task references AWS: the secrets and parameters its containers read, repository credentials, log driver
options, environment files, FireLens configuration files, private ECR images, EFS volumes and the mount points on
them, and every ARN the task depends on in its own account. What the roles need (execution_role.py, task_role.py),
what `verify` looks up and what the rules check all start here.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..arns import _ARN_ACCOUNT, ecr_repository, parse_arn
from ..errors import FieldPath
from .view import TaskView, role_account

# The awslogs driver reads awslogs-create-group with Go's strconv.ParseBool (moby daemon/logger/awslogs), so these
# spellings all mean true (and false); the managed execution role grants logs:CreateLogGroup for every true one.
BOOLEAN_TRUE = ("1", "t", "T", "TRUE", "true", "True")
BOOLEAN_FALSE = ("0", "f", "F", "FALSE", "false", "False")

_CREDENTIAL_SPEC_PREFIXES = ("credentialspec:", "credentialspecdomainless:")

# --- in one container ------------------------------------------------------------------------------------------


def secret_values(container: dict[str, Any], path: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    """(path of valueFrom, value) for the container's secrets and its log configuration's secretOptions."""
    for key_path, holder in (
        (("secrets",), container),
        (("logConfiguration", "secretOptions"), container.get("logConfiguration")),
    ):
        if not isinstance(holder, dict):
            continue
        items = holder.get(key_path[-1])
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("valueFrom"), str):
                yield path + key_path + (i, "valueFrom"), item["valueFrom"]


def repository_credentials(container: dict[str, Any], path: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    creds = container.get("repositoryCredentials")
    if isinstance(creds, dict) and isinstance(creds.get("credentialsParameter"), str):
        yield path + ("repositoryCredentials", "credentialsParameter"), creds["credentialsParameter"]


def log_options(container: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    """(logDriver, options) of a container's log configuration."""
    log = container.get("logConfiguration")
    if not isinstance(log, dict):
        return None, {}
    driver = log.get("logDriver") if isinstance(log.get("logDriver"), str) else None
    options = log.get("options")
    if not isinstance(options, dict):
        return driver, {}
    return driver, {k: v for k, v in options.items() if isinstance(v, str)}


def firelens_s3_config(container: dict[str, Any]) -> str | None:
    fl = container.get("firelensConfiguration")
    options = fl.get("options") if isinstance(fl, dict) else None
    if isinstance(options, dict) and options.get("config-file-type") == "s3":
        value = options.get("config-file-value")
        return value if isinstance(value, str) else None
    return None


def environment_files(container: dict[str, Any], path: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    files = container.get("environmentFiles")
    if isinstance(files, list):
        for i, f in enumerate(files):
            if isinstance(f, dict) and isinstance(f.get("value"), str):
                yield path + ("environmentFiles", i, "value"), f["value"]


# --- across the task -------------------------------------------------------------------------------------------


def private_images(view: TaskView) -> Iterator[tuple[FieldPath, str, tuple[str, str, str, str]]]:
    """(path of image, image, (account, region, partition, repository)) of every private ECR image."""
    for path, c in view.containers():
        image = c.get("image")
        repo = ecr_repository(image) if isinstance(image, str) else None
        if isinstance(image, str) and repo is not None:
            yield path + ("image",), image, repo


def efs_volumes(view: TaskView) -> Iterator[tuple[FieldPath, dict[str, Any], dict[str, Any]]]:
    """(path of efsVolumeConfiguration, volume, configuration)."""
    for path, v in view.volumes():
        efs = v.get("efsVolumeConfiguration")
        if isinstance(efs, dict):
            yield path + ("efsVolumeConfiguration",), v, efs


def mount_points(view: TaskView) -> Iterator[tuple[FieldPath, dict[str, Any], dict[str, Any]]]:
    """(path of the mount point, container, mount point) for the non-null mount points of every container."""
    for path, c in view.containers():
        mounts = c.get("mountPoints")
        if isinstance(mounts, list):
            for i, m in enumerate(mounts):
                if m is not None:
                    yield path + ("mountPoints", i), c, m


def _secret_kind(value: str) -> str:
    arn = parse_arn(value)
    return "secret" if arn is not None and arn.service == "secretsmanager" else "parameter"


def _extension_arns(view: TaskView) -> Iterator[tuple[FieldPath, str, str]]:
    """(path, ARN, what it is) in the x-ecsform block."""
    x = ("x-ecsform",)
    ext = view.ext
    for prefix, role in (("executionRole", ext.execution_role), ("taskRole", ext.task_role)):
        if role.permissions_boundary:
            yield x + (prefix, "permissionsBoundary"), role.permissions_boundary, "permissions boundary"
    for i, arn in enumerate(ext.execution_role.kms_key_arns):
        yield x + ("executionRole", "kmsKeyArns", i), arn, "KMS key"
    for i, arn in enumerate(ext.task_role.managed_policy_arns):
        yield x + ("taskRole", "managedPolicyArns", i), arn, "managed policy"
    if ext.logs.kms_key_arn:
        yield x + ("logs", "kmsKeyArn"), ext.logs.kms_key_arn, "KMS key"
    for key, secret in ext.secrets.items():
        if secret.kms_key_arn:
            yield x + ("secrets", key, "kmsKeyArn"), secret.kms_key_arn, "KMS key"
        if secret.rotation_lambda_arn:
            yield x + ("secrets", key, "rotationLambdaArn"), secret.rotation_lambda_arn, "rotation function"
    for key, fs in ext.efs.items():
        if fs.kms_key_arn:
            yield x + ("efs", key, "kmsKeyArn"), fs.kms_key_arn, "KMS key"


def depended_arns(view: TaskView) -> Iterator[tuple[FieldPath, str, str]]:
    """(path, ARN, what it is) of every ARN the task depends on in its own account: roles, secrets, parameters,
    credential specs, KMS keys, policies, the secrets and file systems ecsform creates."""
    for field, what in (("taskRoleArn", "task role"), ("executionRoleArn", "execution role")):
        value = view.task.get(field)
        if isinstance(value, str):
            yield (field,), value, what
    for path, c in view.containers():
        for p, value in secret_values(c, path):
            yield p, value, _secret_kind(value)
        for p, value in repository_credentials(c, path):
            yield p, value, "registry credentials secret"
        specs = c.get("credentialSpecs")
        for i, spec in enumerate(specs if isinstance(specs, list) else []):
            if isinstance(spec, str):
                for prefix in _CREDENTIAL_SPEC_PREFIXES:
                    if spec.startswith(prefix):
                        yield path + ("credentialSpecs", i), spec[len(prefix) :], "credential spec"
    for path, v in view.volumes():
        fsx = v.get("fsxWindowsFileServerVolumeConfiguration")
        auth = fsx.get("authorizationConfig") if isinstance(fsx, dict) else None
        if isinstance(auth, dict) and isinstance(auth.get("credentialsParameter"), str):
            yield (
                path + ("fsxWindowsFileServerVolumeConfiguration", "authorizationConfig", "credentialsParameter"),
                auth["credentialsParameter"],
                "FSx credentials",
            )
    yield from _extension_arns(view)


def spec_accounts(view: TaskView) -> list[str]:
    """Accounts the spec names in ARNs and ECR images, most telling first (the deploy target's, then roles), without
    duplicates."""
    out: list[str] = [view.target.account_id] if view.target is not None and view.target.account_id else []
    for arn in (view.execution_role_arn, view.task_role_arn):
        account, _ = role_account(arn)
        if account:
            out.append(account)
    for _, c in view.containers():
        image = c.get("image")
        repo = ecr_repository(image) if isinstance(image, str) else None
        if repo:
            out.append(repo[0])
        for _, value in secret_values(c, ()):
            m = _ARN_ACCOUNT.match(value)
            if m:
                out.append(m.group(2))
    return list(dict.fromkeys(out))
