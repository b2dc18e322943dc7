"""What the execution role needs (ECS uses it to start the task): ECR pulls of private images, awslogs log streams
(and log groups the driver creates), the secrets, parameters and repository credentials the containers read, and
the S3 objects of environment files and FireLens configuration files."""

from __future__ import annotations

from ..arns import S3_OBJECT, parse_arn, s3_bucket_arn, secret_ref, ssm_arn_without_selector, ssm_parameter_arn
from ..spec.references import is_reference
from .referenced import (
    BOOLEAN_TRUE,
    environment_files,
    firelens_s3_config,
    log_options,
    private_images,
    repository_credentials,
    secret_values,
)
from .statements import Need, merge
from .view import TaskView, role_account

ECR_PULL = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
_MANAGED_SECRET = "ecsform:secret/"
_SECRETS_REFERENCE = "/aws/reference/secretsmanager/"


def image_and_log_needs(view: TaskView, role: str) -> list[Need]:
    """ECR pulls of the private images and the awslogs groups, in the role's account and partition."""
    account, partition = role_account(role)
    needs = []
    repos = sorted(
        {f"arn:{p}:ecr:{region}:{acct}:repository/{name}" for _, _, (acct, region, p, name) in private_images(view)}
    )
    if repos:
        # ecr:GetAuthorizationToken has no resource-level permissions: AWS requires "*".
        needs += [Need(("ecr:GetAuthorizationToken",), ("*",)), Need(ECR_PULL, tuple(repos))]
    groups, create = set(), set()
    for _, c in view.containers():
        driver, options = log_options(c)
        group = options.get("awslogs-group")
        if driver == "awslogs" and group:
            region = options.get("awslogs-region") or view.region or "REGION"
            arn = f"arn:{partition}:logs:{region}:{account or 'ACCOUNT'}:log-group:{group}:*"
            groups.add(arn)
            if options.get("awslogs-create-group") in BOOLEAN_TRUE:
                create.add(arn)
    if groups:
        needs.append(Need(("logs:CreateLogStream", "logs:PutLogEvents"), tuple(sorted(groups))))
    if create:
        needs.append(Need(("logs:CreateLogGroup",), tuple(sorted(create))))
    return needs


def _secret_arn(partition: str, region: str | None, account: str | None, name: str) -> str:
    return f"arn:{partition}:secretsmanager:{region or 'REGION'}:{account or 'ACCOUNT'}:secret:{name}-??????"


def secret_needs(view: TaskView) -> list[Need]:
    """What the execution role needs to read the secrets, parameters and repository credentials."""
    account, partition = role_account(view.execution_role_arn)
    region = view.region
    family = view.task.get("family") if isinstance(view.task.get("family"), str) else "FAMILY"
    sm, ssm = ("secretsmanager:GetSecretValue",), ("ssm:GetParameters",)
    needs: list[Need] = []
    for path, c in view.containers():
        refs = [(v, False) for _, v in secret_values(c, path)]
        refs += [(v, True) for _, v in repository_credentials(c, path)]
        for value, is_credentials in refs:
            ref = secret_ref(value) if value.startswith("arn:") else None
            if value.startswith(_MANAGED_SECRET):
                key = value[len(_MANAGED_SECRET) :].split(":", 1)[0]
                managed = view.ext.secrets.get(key)
                if managed is not None:
                    needs.append(
                        Need(sm, (_secret_arn(partition, region, account, managed.name or f"{family}/{key}"),))
                    )
            elif is_reference(value):
                continue
            elif ref is not None:
                needs.append(Need(sm, (ref.policy_resource,)))
            elif value.startswith("arn:"):
                arn = parse_arn(value)
                if arn is not None and arn.service == "ssm":
                    needs.append(Need(ssm, (ssm_arn_without_selector(value),)))
            elif is_credentials:  # a secret name in the task's region
                needs.append(Need(sm, (_secret_arn(partition, region, account, value),)))
            else:
                needs.append(Need(ssm, (ssm_parameter_arn(value, partition, region, account),)))
                if value.startswith(_SECRETS_REFERENCE):
                    secret = value[len(_SECRETS_REFERENCE) :].split(":", 1)[0]
                    needs.append(Need(sm, (_secret_arn(partition, region, account, secret),)))
    return merge(needs)


def environment_file_needs(view: TaskView) -> list[Need]:
    """What the execution role needs to read the environment files."""
    objects = sorted({v for _, c in view.containers() for _, v in environment_files(c, ()) if S3_OBJECT.match(v)})
    return _s3_object_needs(objects)


def firelens_config_needs(view: TaskView) -> list[Need]:
    """What the execution role needs to read FireLens configuration files in S3."""
    configs = sorted({v for _, c in view.containers() if (v := firelens_s3_config(c)) and S3_OBJECT.match(v)})
    return _s3_object_needs(configs)


def _s3_object_needs(objects: list[str]) -> list[Need]:
    if not objects:
        return []
    return [
        Need(("s3:GetObject",), tuple(objects)),
        Need(("s3:GetBucketLocation",), tuple(sorted({s3_bucket_arn(o) for o in objects}))),
    ]
