"""S3: the environment files and FireLens configuration files the containers name exist."""

from __future__ import annotations

from ...arns import S3_OBJECT
from ...errors import Check, FieldPath, Severity
from .verifier import Failed, Missing, Verifier

# The findings this module raises (collected by the catalog: generators/rules).
VERIFY_S3_OBJECT = Check(
    "VERIFY-S3-OBJECT", Severity.ERROR, "An environment file or FireLens configuration file exists in S3."
)


def s3_object(v: Verifier, path: FieldPath, value: str, what: str) -> None:
    m = S3_OBJECT.match(value)
    if not m:
        return
    bucket, key = m.group(2), m.group(3)
    try:
        v.call(path, "s3", "head_object", Bucket=bucket, Key=key)
    except Missing:
        try:
            v.call(path, "s3", "head_bucket", Bucket=bucket)
            message = f"{what} s3://{bucket}/{key} does not exist"
        except Missing:
            message = f"{what} s3://{bucket}/{key}: bucket {bucket} does not exist"
        except Failed:
            return
        v.error(VERIFY_S3_OBJECT, message, path, f"upload it (aws s3 cp FILE s3://{bucket}/{key}), or fix the ARN")
        return
    v.ok(path, f"{what} s3://{bucket}/{key}")
