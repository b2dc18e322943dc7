"""The model of ecsform.yaml: strict pydantic models (their JSON Schema is docs/config.schema.json), and the Target
of a root built from its settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from .. import providers
from ..spec.extensions import MODEL_CONFIG, Deploy
from ..target import Target
from .constraints import (
    ACCOUNT,
    BRANCH,
    GITHUB_ENVIRONMENT,
    GITLAB_ENVIRONMENT,
    GITLAB_URL,
    PLATFORM,
    PY_VERSION,
    REGION,
    REPOSITORY,
    ROLE_ARN,
    TAG_KEY_FREE,
    TAG_KEY_LENGTH,
    TAG_VALUE,
    TF_VERSION,
)

FILE_NAME = "ecsform.yaml"
PLACEHOLDERS = ("accountId", "region", "environment", "family", "root")
# Roots an ecsform.yaml targets are deployed by pipelines: keep the replaced revision ACTIVE for a rollback
# (README: "Deploys that can roll back").
DEFAULT_SKIP_DESTROY = True


class _Model(BaseModel):
    # every field is read by its alias (populate_by_name is off); pyproject.toml turns off the pydantic plugin's
    # check of required dynamic aliases, which cannot see the aliases to_camel gives
    model_config = MODEL_CONFIG


class Settings(_Model):
    """A deploy target: `defaults`, or one environment (its values win over the defaults; tags are merged)."""

    account_id: str | None = Field(
        None,
        description="The AWS account (12 digits, quoted): the provider's allowed_account_ids.",
        json_schema_extra=ACCOUNT.schema(),
    )
    region: str | None = Field(
        None,
        description="The provider's region: an environment's wins over x-ecsform.region and the region the "
        "spec's values name, which win over the defaults' (--region wins over all).",
        json_schema_extra=REGION.schema(),
    )
    role_arn: str | None = Field(
        None,
        description="Role the provider assumes (its session name names the root).",
        json_schema_extra=ROLE_ARN.schema(),
    )
    plan_role_arn: str | None = Field(
        None,
        description="A read-only role in the same account that pull-request plans assume instead of roleArn "
        "(`synth --plan-role`; `ecsform bootstrap` creates it).",
        json_schema_extra=ROLE_ARN.schema(),
    )
    tags: dict[str, str] = Field(
        default_factory=dict,
        description="The provider's default_tags: on every resource of the root (x-ecsform.tags win on the same key).",
        json_schema_extra={
            "propertyNames": {**TAG_KEY_LENGTH.schema(), **TAG_KEY_FREE.schema()},
            "additionalProperties": {"type": "string", **TAG_VALUE.schema()},
        },
    )
    module_source: str | None = Field(
        None,
        description="Where roots find the modules: a folder (./ or ../, "
        "relative to ecsform.yaml) or a module address (git::https://...//modules"
        "?ref=v1.2.0); --module-source wins over it.",
    )
    skip_destroy: bool | None = Field(
        None,
        description="Keep the replaced revision ACTIVE when a deploy registers "
        "a new one (the task definition's skip_destroy), so a failed deployment has a "
        "revision to roll back to (default: true); x-ecsform.skipDestroy wins over it.",
    )
    deploy: Deploy | None = Field(
        None,
        description="What `ecsform deploy` and `ecsform run` act on: cluster, services, RunTask's network and "
        "launch type (an environment's fields win over the defaults', a spec's x-ecsform.deploy over both); "
        "cluster and services may hold the placeholders {family} {environment} {root} {accountId} {region}.",
    )


class LocalBackend(_Model):
    """Terraform's local backend: terraform.tfstate in the root's folder."""


class S3Backend(_Model):
    """Terraform's S3 backend (Terraform >= 1.10 for useLockfile)."""

    bucket: str | None = Field(None, description="State bucket; placeholders allowed.")
    key: str | None = Field(
        None, description="State object; placeholders allowed; one per root, e.g. ecsform/{root}/terraform.tfstate."
    )
    region: str | None = Field(None, description="Region of the bucket (default: AWS_REGION when terraform runs).")
    use_lockfile: bool = Field(True, description="S3 native state locking (a .tflock object beside the state).")
    dynamodb_table: str | None = Field(
        None, description="DynamoDB locking (deprecated by Terraform; prefer useLockfile)."
    )
    encrypt: bool = Field(True, description="Server-side encryption of the state object.")
    kms_key_id: str | None = Field(None, description="KMS key ARN for the state object.")
    role_arn: str | None = Field(None, description="Role assumed for the state bucket; placeholders allowed.")
    partial: bool = Field(False, description='Write `backend "s3" {}` and let the pipeline pass -backend-config.')


class BackendConfig(_Model):
    """Exactly one of local, s3."""

    local: LocalBackend | None = None
    s3: S3Backend | None = None


class CiEnvironment(_Model):
    """What gates and runs the roots of one ecsform environment in CI."""

    role_arn: str | None = Field(
        None,
        description="The role the pipeline assumes (OIDC) to apply these roots (default: ci.roleArn).",
        json_schema_extra=ROLE_ARN.schema(),
    )
    plan_role_arn: str | None = Field(
        None,
        description="The role pull-request plans assume (default: this "
        "environment's roleArn, else ci.planRoleArn, else ci.roleArn).",
        json_schema_extra=ROLE_ARN.schema(),
    )
    github_environment: str | None = Field(
        None,
        description="The GitHub environment an apply waits for (its "
        "protection rules: reviewers, branches); default: the ecsform "
        "environment's name.",
        json_schema_extra=GITHUB_ENVIRONMENT.schema(),
    )
    gitlab_environment: str | None = Field(
        None,
        description="The GitLab (protected) environment of the apply job; default: the ecsform environment's name.",
        json_schema_extra=GITLAB_ENVIRONMENT.schema(),
    )


class CiConfig(_Model):
    """The pipelines `ecsform ci` writes: GitHub Actions, GitLab CI, Atlantis."""

    role_arn: str | None = Field(
        None,
        description="The role the pipeline assumes through OIDC (aws-actions/"
        "configure-aws-credentials, GitLab id_tokens); it may assume each environment's "
        "deploy role and the state role.",
        json_schema_extra=ROLE_ARN.schema(),
    )
    plan_role_arn: str | None = Field(
        None,
        description="The role pull-request plans assume (default: roleArn; `ecsform bootstrap` needs a role of its "
        "own: a pull request runs the workflow it brings).",
        json_schema_extra=ROLE_ARN.schema(),
    )
    region: str | None = Field(
        None,
        description="Region of the pipeline's STS calls (default: defaults.region, else us-east-1).",
        json_schema_extra=REGION.schema(),
    )
    environments: dict[str, CiEnvironment] = Field(
        default_factory=dict, description="Per ecsform environment (`default`: roots of specs without environments)."
    )
    terraform_version: str = Field(
        "1.11.4", description="The Terraform the pipeline installs (X.Y.Z).", json_schema_extra=TF_VERSION.schema()
    )
    python_version: str = Field(
        "3.11", description="The Python the pipeline runs ecsform with.", json_schema_extra=PY_VERSION.schema()
    )
    default_branch: str = Field("main", description="The branch whose pushes apply.", json_schema_extra=BRANCH.schema())
    specs: list[str] = Field(
        default_factory=lambda: ["specs"],
        description="What synth and changed read: spec files or folders, relative to ecsform.yaml.",
        json_schema_extra={"minItems": 1},
    )
    out: str = Field("build", description="The output folder synth writes (relative to ecsform.yaml).")
    install: str = Field("pip install ecsform", description="The shell command that installs ecsform in a job.")
    repository: str | None = Field(
        None,
        description="The repository whose pipelines may assume the roles (GitHub owner/name, GitLab group/project): "
        "the OIDC trust of the roles `ecsform bootstrap` creates.",
        json_schema_extra=REPOSITORY.schema(),
    )
    gitlab_url: str = Field(
        "https://gitlab.com",
        description="The GitLab instance that issues the pipeline's OIDC tokens (bootstrap).",
        json_schema_extra=GITLAB_URL.schema(),
    )
    image_deploys: Literal["commit", "pull-request"] = Field(
        "commit",
        description="How the workflow records an image another repository's CI sends (workflow_dispatch, "
        "repository_dispatch, GitLab trigger variables): commit it to the default branch and apply it, or open a "
        "pull request with it.",
    )
    prune_keep: int | None = Field(
        None,
        ge=1,
        description="After a deploy, deregister the root's ACTIVE revisions but the newest N and those a service "
        "runs (`ecsform revisions prune --keep N`); off by default.",
    )
    max_jobs: int = Field(
        20,
        ge=1,
        le=256,
        description="The most jobs a change plans in (and applies in, per environment): when it touches more roots, "
        "each job plans several, one environment per job (GitHub runs at most 256 jobs per matrix; 20 is as many as "
        "GitHub's free plan runs at once).",
    )
    promotion: list[str] | None = Field(
        None,
        description="The order in which a change reaches the environments: a root's apply waits for the same "
        "change's apply and deploy in the environments before its own (default: the order of `environments`; [] "
        "applies them all at once). Environments not listed, and roots without one, wait for none.",
    )

    @field_validator("environments", mode="before")
    @classmethod
    def _empty_environments(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value


class TerraformConfig(_Model):
    """The provider the roots require and the lock file that pins it."""

    provider_version: str = Field(
        providers.TESTED,
        description="The hashicorp/aws version constraint every root requires (default: the range the modules are "
        "tested with; a constraint outside it leaves terraform init no version to choose).",
    )
    lock_platforms: list[str] | None = Field(
        None,
        description="Lock the provider for these platforms (OS_ARCH, e.g. linux_amd64, darwin_arm64): `ecsform lock` "
        "writes ecsform.lock.hcl beside this file, synth copies it into every root as .terraform.lock.hcl "
        "(default: no lock file; terraform init writes one per root).",
        json_schema_extra={"minItems": 1, "items": {"type": "string", **PLATFORM.schema()}},
    )


class ImagesConfig(_Model):
    """The deployed images: one committed file per root, `<folder>/<root>.yaml` (generators/images.py)."""

    folder: str = Field("images", description="The folder of the images files, relative to ecsform.yaml.")


class ProjectConfig(_Model):
    """Top level of ecsform.yaml."""

    schema_: str | None = Field(None, alias="$schema", description="The JSON Schema of this file (ignored).")
    defaults: Settings = Field(
        default_factory=Settings, description="Every root, unless its environment says otherwise."
    )
    environments: dict[str, Settings] = Field(
        default_factory=dict,
        description="Deploy targets by name; every overlay of a spec must name one of them when any is declared.",
    )
    backend: BackendConfig | None = Field(None, description="Where roots keep their state (default: local).")
    policy: dict[str, Any] | None = Field(None, description="The policy block (checked by the policy model).")
    ci: CiConfig | None = Field(
        None, description="The pipelines `ecsform ci` writes (GitHub Actions, GitLab CI, Atlantis)."
    )
    terraform: TerraformConfig = Field(
        default_factory=TerraformConfig,
        description="The hashicorp/aws version the roots require and the platforms its lock file covers.",
    )
    images: ImagesConfig = Field(
        default_factory=ImagesConfig,
        description="The deployed images (`ecsform image set`): files synth applies over the specs' images.",
    )

    @field_validator("environments", mode="before")
    @classmethod
    def _empty_environments(cls, value: Any) -> Any:
        """`prod:` with nothing under it declares prod with the defaults, like `prod: {}`."""
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value


# --- the loaded configuration ------------------------------------------------------------------------------


def target_of(defaults: Settings, env: Settings | None, name: str | None) -> Target:
    def pick(field: str) -> Any:
        value = getattr(env, field) if env is not None else None
        return value if value is not None else getattr(defaults, field)

    tags = {**defaults.tags, **(env.tags if env is not None else {})}
    skip = pick("skip_destroy")
    return Target(
        name,
        pick("account_id"),
        pick("region"),
        pick("role_arn"),
        dict(sorted(tags.items())),
        DEFAULT_SKIP_DESTROY if skip is None else skip,
        pick("plan_role_arn"),
        region_is_default=(env is None or env.region is None) and defaults.region is not None,
    )


def is_local(source: str) -> bool:
    """Terraform reads a module source as a local folder when it starts with ./ or ../ (or is absolute here)."""
    return source.startswith(("./", "../", "/")) or source in (".", "..")
