"""KMS: the keys x-ecsform names exist and are enabled; the customer-managed keys of the secrets the task reads are
enabled, and the execution role can decrypt with them (a role ecsform creates: x-ecsform.executionRole.kmsKeyArns;
a brought role: its policies, checked with the role's other needs)."""

from __future__ import annotations

from typing import Any

from ...access.statements import Need
from ...errors import Check, FieldPath, Severity
from .verifier import Failed, Missing, Verifier, W

# The findings this module raises (collected by the catalog: generators/rules).
VERIFY_SECRET_KMS = Check(
    "VERIFY-SECRET-KMS",
    Severity.WARNING,
    (
        "A referenced secret encrypted with a customer-managed key: the execution role ecsform creates is "
        "given that key (x-ecsform.executionRole.kmsKeyArns)."
    ),
)
VERIFY_KMS = Check(
    "VERIFY-KMS",
    Severity.ERROR,
    "A KMS key the spec names, or that encrypts a referenced secret, exists and is enabled.",
)


def kms_keys(v: Verifier) -> None:
    ext = v.view.ext
    keys: list[tuple[FieldPath, str]] = [
        (("x-ecsform", "executionRole", "kmsKeyArns", i), k) for i, k in enumerate(ext.execution_role.kms_key_arns)
    ]
    if ext.logs.kms_key_arn:
        keys.append((("x-ecsform", "logs", "kmsKeyArn"), ext.logs.kms_key_arn))
    keys += [
        (("x-ecsform", "secrets", k, "kmsKeyArn"), s.kms_key_arn)
        for k, s in sorted(ext.secrets.items())
        if s.kms_key_arn
    ]
    keys += [(("x-ecsform", "efs", k, "kmsKeyArn"), f.kms_key_arn) for k, f in sorted(ext.efs.items()) if f.kms_key_arn]
    for path, key in keys:
        v.guarded(lambda: kms_key(v, path, key))


def kms_key(v: Verifier, path: FieldPath, key: str) -> dict[str, Any] | None:
    region = v.region_of(key)
    try:
        meta: dict[str, Any] = v.call(path, "kms", "describe_key", region, KeyId=key)["KeyMetadata"]
    except Missing:
        v.error(
            VERIFY_KMS,
            f"KMS key {key} does not exist in {region}",
            path,
            "fix the key ARN, or create the key first",
        )
        return None
    if meta.get("KeyState") != "Enabled":
        v.error(
            VERIFY_KMS,
            f"KMS key {meta.get('Arn', key)} is {meta.get('KeyState')}: nothing can encrypt or decrypt with it",
            path,
            f"aws kms enable-key --key-id {meta.get('KeyId', key)}"
            if meta.get("KeyState") == "Disabled"
            else "use an enabled key",
        )
        return None
    v.ok(path, f"KMS key {meta.get('Arn', key)} is enabled")
    return meta


def secret_kms(v: Verifier) -> None:
    """Customer-managed keys of referenced secrets: enabled, and decryptable by the execution role."""
    granted: set[str] = set()
    managed_role = v.view.execution_role_managed
    if managed_role:
        for key in v.view.ext.execution_role.kms_key_arns:
            try:
                granted.add(v.call((), "kms", "describe_key", v.region_of(key), KeyId=key)["KeyMetadata"]["Arn"])
            except (Missing, Failed):
                pass
    for path, secret, key in v.secret_keys:
        region = v.region_of(secret)
        try:
            meta = v.call(path, "kms", "describe_key", region, KeyId=key)["KeyMetadata"]
        except Missing:
            v.error(
                VERIFY_KMS,
                f"secret {secret} is encrypted with KMS key {key}, which does not exist",
                path,
                "re-encrypt the secret with an existing key",
            )
            continue
        except Failed:
            continue
        if meta.get("KeyManager") == "AWS":
            continue
        if meta.get("KeyState") != "Enabled":
            v.error(
                VERIFY_KMS,
                f"secret {secret} is encrypted with KMS key {meta['Arn']}, which is "
                f"{meta.get('KeyState')}: ECS cannot decrypt it",
                path,
                "enable the key",
            )
            continue
        if managed_role and meta["Arn"] not in granted:
            v.error(
                VERIFY_SECRET_KMS,
                f"secret {secret} is encrypted with the customer-managed key "
                f"{meta['Arn']}; the execution role ecsform creates gets kms:Decrypt only on the keys "
                "x-ecsform.executionRole.kmsKeyArns lists",
                path,
                f"add {meta['Arn']} to x-ecsform.executionRole.kmsKeyArns (unless the key's policy "
                "grants the role kms:Decrypt itself)",
                W,
            )
        elif v.view.execution_role_arn is not None:
            v.extra_needs.append(Need(("kms:Decrypt",), (meta["Arn"],)))
