"""A deploy target: the AWS account, region and role a root is applied with.

Shared by what writes roots (the provider's region, allowed_account_ids, assume_role and default_tags) and by what
talks to AWS before an apply (verify, diff, adopt: the same account, region and role). A root without a target
(no ecsform.yaml) has every field unset and behaves as before: the provider reads its region and credentials from
the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    environment: str | None = None  # the ecsform.yaml environment (None: the defaults)
    account_id: str | None = None  # 12 digits; the provider refuses other accounts (allowed_account_ids)
    region: str | None = None
    role_arn: str | None = None  # assumed by the provider (and by verify/diff/adopt) when set
    tags: dict[str, str] = field(default_factory=dict)  # default_tags of the provider

    def session_name(self, root: str) -> str:
        """The STS session name that names the root (AWS allows [\\w+=,.@-], at most 64 characters)."""
        safe = "".join(ch if ch.isalnum() or ch in "+=,.@-_" else "-" for ch in f"ecsform-{root}")
        return safe[:64]
