"""Terraform names in the bootstrap root: a role's resource (its name and account), an account's provider alias."""

from __future__ import annotations

import re


def ref(arn: str) -> str:
    """The Terraform name of the role resource of one role ARN (its name and account)."""
    account = arn.split(":")[4]
    return f"{slug(arn.rsplit('/', 1)[1])}_{account}"


def alias(account: str) -> str:
    return f"a{account}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
