"""A deploy target: the AWS account, region and role a root is applied with.

Shared by what writes roots (the provider's region, allowed_account_ids, assume_role and default_tags) and by what
talks to AWS before an apply (verify, diff, adopt: the same account, region and role). A root without a target
(no ecsform.yaml) has every field unset and behaves as before: the provider reads its region and credentials from
the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_ENVIRONMENT = "default"  # the environment name of a root that has none ({environment}, ${target.environment})


@dataclass(frozen=True)
class Target:
    environment: str | None = None  # the ecsform.yaml environment (None: the defaults)
    account_id: str | None = None  # 12 digits; the provider refuses other accounts (allowed_account_ids)
    region: str | None = None
    role_arn: str | None = None  # assumed by the provider (and by verify/diff/adopt) when set
    tags: dict[str, str] = field(default_factory=dict)  # default_tags of the provider
    skip_destroy: bool | None = None  # keep replaced task definition revisions ACTIVE (None: the module's default)
    plan_role_arn: str | None = None  # the read-only role pull-request plans assume instead (synth --plan-role)
    # the region is ecsform.yaml's `defaults` (no environment names one): a region the spec states wins over it
    region_is_default: bool = False

    def session_name(self, root: str) -> str:
        """The STS session name that names the root (AWS allows [\\w+=,.@-], at most 64 characters)."""
        safe = "".join(ch if ch.isalnum() or ch in "+=,.@-_" else "-" for ch in f"ecsform-{root}")
        return safe[:64]


@dataclass(frozen=True)
class Backend:
    """Where a root keeps its Terraform state: `backend "<type>" { ... }` in backend.tf.

    `arguments` are the backend's arguments in the order they are written (values are strings and booleans, already
    resolved for the root); `assume_role` is the nested assume_role object of the S3 backend (role_arn, session_name).
    A partial backend (`partial`) is written as an empty block: the pipeline passes the arguments with
    `terraform init -backend-config=...`; `arguments` still holds what ecsform.yaml gives, for manifest.json.
    """

    type: str  # "local" or "s3"
    arguments: tuple[tuple[str, str | bool], ...] = ()
    assume_role: tuple[tuple[str, str], ...] = ()
    partial: bool = False

    @property
    def written(self) -> tuple[tuple[str, str | bool], ...]:
        """The arguments backend.tf holds (none for a partial backend)."""
        return () if self.partial else self.arguments
