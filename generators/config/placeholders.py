"""Placeholders in ecsform.yaml's values ({accountId} {region} {environment} {family} {root}): what is wrong with
them, and what Terraform or AWS would refuse in a backend value once they are filled in."""

from __future__ import annotations

import re

from ..errors import Check, Severity
from ..text import suggest
from .constraints import BUCKET, REGION, ROLE_ARN
from .model import PLACEHOLDERS

# The findings this module raises (collected by the catalog: generators/rules).
CONFIG_PLACEHOLDER = Check(
    "CONFIG-PLACEHOLDER",
    Severity.ERROR,
    (
        "A backend value has an unknown placeholder, a stray brace, or one its root cannot fill ({accountId} "
        "without an account)."
    ),
)


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def names(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def placeholder_problems(text: str) -> list[str]:
    """What is wrong with the placeholders of a string: unknown names (with a did-you-mean), stray braces."""
    problems = []
    for name in names(text):
        if name not in PLACEHOLDERS:
            close = suggest(name, list(PLACEHOLDERS))
            problems.append(f"unknown placeholder {{{name}}}" + (f" (did you mean {{{close}}}?)" if close else ""))
    rest = PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        problems.append("a brace that opens or closes no placeholder")
    return problems


def resolved_problem(name: str, value: str, shown: str | None = None) -> str | None:
    """What Terraform or AWS would refuse in a backend value (with its placeholders filled in); `shown` is the value
    as messages show it."""
    shown = value if shown is None else shown
    if name == "bucket" and not BUCKET.ok(value):
        return (
            f"bucket {shown!r} is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit)"
        )
    if name == "key" and (not value or value.startswith("/") or value.endswith("/") or "//" in value):
        return f"key {shown!r}: Terraform refuses a state key that is empty, starts or ends with '/', or holds '//'"
    if name == "role_arn" and not ROLE_ARN.ok(value):
        return f"roleArn {shown!r} is not an IAM role ARN"
    if name == "region" and not REGION.ok(value):
        return f"region {shown!r} is not an AWS region"
    return None


SAMPLES = {"accountId": "123456789012", "region": "us-east-1", "environment": "x", "family": "x", "root": "x"}
HINTS = {
    "bucket": "for example acme-tfstate-{accountId}",
    "key": "for example ecsform/{root}/terraform.tfstate",
    "role_arn": "arn:aws:iam::ACCOUNT:role/NAME",
    "region": "for example us-east-1",
}
