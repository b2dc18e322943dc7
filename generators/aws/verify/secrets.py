"""Secrets and parameters: Secrets Manager ARNs (a partial one resolves to exactly one secret; version stages and
ids exist), SSM parameters (a bare name is a parameter, as ECS reads it), repository credentials, and the managed
secrets (x-ecsform.secrets) that exist already (synth --adopt)."""

from __future__ import annotations

from typing import Any

from ...arns import parse_arn, secret_ref, ssm_arn_without_selector
from ...errors import Check, FieldPath, Severity
from ...spec.references import is_reference
from .verifier import VERIFY_ADOPT, Missing, Verifier, W

# The findings this module raises (collected by the catalog: generators/rules).
VERIFY_SECRET = Check(
    "VERIFY-SECRET",
    Severity.ERROR,
    (
        "A referenced Secrets Manager secret exists (a partial ARN or a name resolves to exactly one), is "
        "not scheduled for deletion, and has the version stage or id the reference names."
    ),
)
VERIFY_PARAMETER = Check(
    "VERIFY-PARAMETER",
    Severity.ERROR,
    (
        "A referenced SSM parameter exists (a bare name is a parameter, as ECS reads it; a Secrets Manager "
        "secret of that name gets its ARN in the hint)."
    ),
)


SECRETS_REFERENCE = "/aws/reference/secretsmanager/"


def secret_or_parameter(v: Verifier, path: FieldPath, value: str) -> None:
    if is_reference(value):
        return  # a secret ecsform creates: see managed_secret
    if value.startswith("arn:"):
        arn = parse_arn(value)
        if arn is None:
            return
        if arn.service == "secretsmanager":
            secret_arn(v, path, value)
        elif arn.service == "ssm":
            parameter(v, path, ssm_arn_without_selector(value), arn.region)
        return
    if value.startswith(SECRETS_REFERENCE):
        name = value[len(SECRETS_REFERENCE) :].split(":", 1)[0]
        secret_name(v, path, name, v.region)
        return
    parameter(v, path, value.split(":", 1)[0], v.region, bare=True)


def repository_credentials(v: Verifier, path: FieldPath, value: str) -> None:
    if is_reference(value):
        return
    if value.startswith("arn:"):
        if secret_ref(value) is not None:
            secret_arn(v, path, value)
        return
    secret_name(v, path, value, v.region)


def secret_arn(v: Verifier, path: FieldPath, value: str) -> None:
    ref = secret_ref(value)
    if ref is None or ref.fields not in (2, 5) or not ref.name:
        return  # ECS-H5 reports the shape
    region = ref.arn.region
    if ref.partial and ref.arn.account == v.aws.account:
        matches = secrets_named(v, path, ref.name, region)
        if len(matches) != 1:
            missing_secret(v, path, ref.base, ref.name, region, len(matches))
            return
        described = v.call(path, "secretsmanager", "describe_secret", region, SecretId=matches[0])
        v.resolved[ref.policy_resource] = described["ARN"]
        v.ok(path, f"partial ARN {ref.base} resolves to exactly one secret: {described['ARN']}")
    else:
        try:
            described = v.call(path, "secretsmanager", "describe_secret", region, SecretId=ref.base)
        except Missing:
            missing_secret(v, path, ref.base, ref.name, region, 0)
            return
        if ref.partial:
            v.resolved[ref.policy_resource] = described["ARN"]
    if described.get("DeletedDate"):
        v.error(
            VERIFY_SECRET,
            f"secret {described['ARN']} is scheduled for deletion ({described['DeletedDate']}); ECS cannot read it",
            path,
            f"aws secretsmanager restore-secret --secret-id {described['ARN']} --region {region}",
        )
        return
    stages = described.get("VersionIdsToStages") or {}
    if ref.version_id and ref.version_id not in stages:
        v.error(
            VERIFY_SECRET,
            f"secret {described['ARN']} has no version {ref.version_id!r}",
            path,
            f"versions: {', '.join(sorted(stages)) or 'none'}",
        )
    elif ref.version_stage and not any(ref.version_stage in s for s in stages.values()):
        labels = sorted({label for s in stages.values() for label in s})
        v.error(
            VERIFY_SECRET,
            f"secret {described['ARN']} has no version labelled {ref.version_stage!r}",
            path,
            f"labels: {', '.join(labels) or 'none'}",
        )
    elif not ref.partial:
        v.ok(path, f"secret {described['ARN']}")
    if described.get("KmsKeyId"):
        v.secret_keys.append((path, described["ARN"], described["KmsKeyId"]))


def secrets_named(v: Verifier, path: FieldPath, name: str, region: str) -> list[str]:
    """ARNs of the secrets (not scheduled for deletion) whose name is exactly `name`."""
    out: list[str] = []
    token = None
    while True:
        params: dict[str, Any] = {"Filters": [{"Key": "name", "Values": [name]}], "MaxResults": 100}
        if token:
            params["NextToken"] = token
        page = v.call(path, "secretsmanager", "list_secrets", region, **params)
        out += [s["ARN"] for s in page.get("SecretList", []) if s.get("Name") == name]
        token = page.get("NextToken")
        if not token:
            return sorted(out)


def missing_secret(v: Verifier, path: FieldPath, arn: str, name: str, region: str, count: int) -> None:
    where = f"account {v.aws.account}, {region}"
    if count > 1:
        v.error(
            VERIFY_SECRET,
            f"{arn} matches {count} secrets named {name!r}",
            path,
            "write the full ARN (with the 6-character suffix) of the one the task reads",
        )
        return
    deleted = ""
    try:
        described = v.call(path, "secretsmanager", "describe_secret", region, SecretId=name)
        if described.get("DeletedDate"):
            deleted = (
                f" (a secret of that name is scheduled for deletion: aws secretsmanager restore-secret "
                f"--secret-id {described['ARN']})"
            )
    except Missing:
        pass
    v.error(
        VERIFY_SECRET,
        f"no secret named {name!r} in {where}{deleted}",
        path,
        f"create it (aws secretsmanager create-secret --name {name} --region {region} --secret-string "
        "...), or fix the ARN",
    )


def secret_name(v: Verifier, path: FieldPath, name: str, region: str) -> None:
    matches = secrets_named(v, path, name, region)
    if len(matches) != 1:
        missing_secret(v, path, name, name, region, len(matches))
        return
    described = v.call(path, "secretsmanager", "describe_secret", region, SecretId=matches[0])
    v.ok(path, f"secret {name!r} is {described['ARN']}")
    if described.get("KmsKeyId"):
        v.secret_keys.append((path, described["ARN"], described["KmsKeyId"]))


def parameter(v: Verifier, path: FieldPath, name: str, region: str, *, bare: bool = False) -> None:
    found = v.call(path, "ssm", "get_parameters", region, Names=[name])
    if found.get("Parameters"):
        p = found["Parameters"][0]
        v.ok(path, f"SSM parameter {p.get('ARN') or p.get('Name')} ({p.get('Type', '')})")
        return
    hint = f"create it (aws ssm put-parameter --name {name} --type SecureString --value ... --region {region})"
    if bare:
        secrets = secrets_named(v, path, name, region)
        if len(secrets) == 1:
            v.error(
                VERIFY_PARAMETER,
                f"ECS reads {name!r} as an SSM parameter name, and no parameter has "
                f"that name in account {v.aws.account}, {region}; Secrets Manager has a secret named "
                f"{name!r}",
                path,
                f"to read the secret, write its ARN: valueFrom: {secrets[0]}",
            )
            return
    v.error(VERIFY_PARAMETER, f"no SSM parameter {name!r} in account {v.aws.account}, {region}", path, hint)


def managed_secret(v: Verifier, path: FieldPath, name: str) -> None:
    """A secret ecsform creates (x-ecsform.secrets): absent, or held by the root's state (else: synth --adopt)."""
    try:
        described = v.call(path, "secretsmanager", "describe_secret", v.region, SecretId=name)
    except Missing:
        v.ok(path, f"secret {name!r} will be created")
        return
    if described.get("DeletedDate"):
        v.error(
            VERIFY_ADOPT,
            f"secret {name!r} exists, scheduled for deletion: ecsform cannot create "
            "it, and Terraform cannot import a deleted secret",
            path,
            f"restore it (aws secretsmanager restore-secret --secret-id {name} --region {v.region}) "
            f"and adopt it ({v.adopt_command}), or name the secret differently",
        )
        return
    if v.held.holds("aws_secretsmanager_secret", name):
        v.ok(path, f"secret {name!r} exists; the root's state holds it")
        return
    v.error(
        VERIFY_ADOPT,
        f"secret {name!r} exists already ({described['ARN']}): ecsform creates it, and the "
        "root's first apply stops with ResourceExistsException unless the root's state holds it" + v.unread(),
        path,
        f"adopt it: {v.adopt_command} (the first apply imports it)",
        W,
    )
