"""ecsform.yaml: the project's configuration. Where each root deploys (account, region, role, tags), where it keeps
its state, and the policy block.

```yaml
defaults:                     # every root, unless its environment says otherwise
  accountId: "123456789012"   # the provider refuses other accounts (allowed_account_ids)
  region: us-east-1
  roleArn: arn:aws:iam::123456789012:role/deploy    # assumed by the provider (session name: the root)
  planRoleArn: arn:aws:iam::123456789012:role/plan  # read-only, assumed instead by `synth --plan-role` roots
  tags: {managed-by: ecsform} # the provider's default_tags (environment tags are merged over these)
  moduleSource: ./modules     # a folder (relative to this file; it must exist: CONFIG-MODULE-SOURCE), or
                              # git::https://...//modules?ref=v1.2.0 (default: the copy synth writes into OUT/modules)
environments:                 # deploy targets: each overlay of a spec names one of them
  dev:  {accountId: "111111111111", roleArn: arn:aws:iam::111111111111:role/deploy}
  prod: {accountId: "222222222222", region: eu-west-1, roleArn: arn:aws:iam::222222222222:role/deploy,
         deploy: {cluster: apps-prod, services: ["{family}"]}}   # what `ecsform deploy` and `run` act on
backend:                      # exactly one of: local, s3
  s3:
    bucket: acme-tfstate      # placeholders: {accountId} {region} {environment} {family} {root}
    key: ecsform/{root}/terraform.tfstate
    region: us-east-1
    useLockfile: true         # default true: S3 native locking (Terraform >= 1.10)
    encrypt: true             # default true
    kmsKeyId: null
    dynamodbTable: null       # the older locking (deprecated by Terraform)
    roleArn: null             # assumed for the state bucket
    partial: false            # true: `backend "s3" {}`, the pipeline passes -backend-config
policy: {...}                 # kept as written (located) for the policy model
images: {folder: images}      # the deployed images: <folder>/<root>.yaml beside this file (generators/images.py)
ci:                           # `ecsform ci github|gitlab|atlantis` (generators/ci/)
  roleArn: arn:aws:iam::123456789012:role/ecsform-ci   # the role a pipeline assumes through OIDC
  environments:               # per ecsform environment (`default`: roots without one; its gate must be named)
    default: {githubEnvironment: shared, gitlabEnvironment: shared}
    prod: {roleArn: ..., planRoleArn: ..., githubEnvironment: production, gitlabEnvironment: production}
  promotion: [dev, prod]      # prod's apply of a root waits for dev's (default: the order of environments)
  maxJobs: 20                 # more roots than this: several per job
  terraformVersion: 1.11.4
  repository: acme/platform   # whose pipelines the roles `ecsform bootstrap` creates trust (OIDC)
terraform:                    # the provider every root requires (generators/providers.py)
  providerVersion: ">= 5.100.0, < 6.0.0"   # default: the range the modules are tested with
  lockPlatforms: [linux_amd64, darwin_arm64]  # ecsform.lock.hcl (`ecsform lock`) copied into every root
```

Found from the working folder upward: the first folder holding an ecsform.yaml, searching no higher than the root
of the git repository the working folder is in (the folder with `.git`), else up to the filesystem root. `--config
FILE` names one; `--no-config` ignores any. Loaded with the spec loader (every value keeps its line and column) and
validated by a strict pydantic model: an unknown key gets a did-you-mean, every mistake a CONFIG-* rule id, and
nothing is written.

The schema grows by adding keys, never by renaming them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from . import arns, providers
from .errors import Check, EcsformError, Finding, Severity, errors_in, sorted_findings
from .locations import display_path
from .spec.extensions import Deploy, deploy_checks
from .spec.fields import known_keys
from .spec.loader import SPEC_EMPTY, SPEC_NOT_MAPPING, SPEC_READ, SPEC_TOO_LARGE, Node, SourceMap, load_file, plain
from .target import DEFAULT_ENVIRONMENT, Backend, Target
from .text import did_you_mean, suggest

# The findings this module raises (collected by the catalog: generators/rules).
CONFIG_READ = Check("CONFIG-READ", Severity.ERROR, "ecsform.yaml (or --config FILE) cannot be read.")
CONFIG_UNKNOWN_FIELD = Check(
    "CONFIG-UNKNOWN-FIELD", Severity.ERROR, "An unknown key in ecsform.yaml (with a did-you-mean)."
)
CONFIG_REQUIRED = Check(
    "CONFIG-REQUIRED", Severity.ERROR, "ecsform.yaml lacks a key it needs (backend.s3 bucket and key, unless partial)."
)
CONFIG_INVALID = Check(
    "CONFIG-INVALID",
    Severity.ERROR,
    "A value of ecsform.yaml is invalid: account id, region, role ARN, tag, bucket name, state key.",
)
CONFIG_BACKEND = Check("CONFIG-BACKEND", Severity.ERROR, "ecsform.yaml's backend names two backends, or none.")
CONFIG_PLACEHOLDER = Check(
    "CONFIG-PLACEHOLDER",
    Severity.ERROR,
    (
        "A backend value has an unknown placeholder, a stray brace, or one its root cannot fill ({accountId} "
        "without an account)."
    ),
)
CONFIG_ACCOUNT_MISMATCH = Check(
    "CONFIG-ACCOUNT-MISMATCH",
    Severity.ERROR,
    ("A target's roleArn is in another account than its accountId (allowed_account_ids would refuse every run)."),
)
CONFIG_ENV_UNDECLARED = Check(
    "CONFIG-ENV-UNDECLARED", Severity.ERROR, "A spec's overlay names an environment ecsform.yaml does not declare."
)
CONFIG_STATE_SHARED = Check(
    "CONFIG-STATE-SHARED", Severity.ERROR, "Two roots would keep their state in the same S3 object."
)
CONFIG_MODULE_SOURCE = Check(
    "CONFIG-MODULE-SOURCE",
    Severity.ERROR,
    "A moduleSource folder of ecsform.yaml does not exist or holds no ecs-task-definition module.",
)
CONFIG_LOCK = Check(
    "CONFIG-LOCK",
    Severity.ERROR,
    (
        "terraform.lockPlatforms asks for ecsform.lock.hcl and it is missing, or written for another "
        "providerVersion or other platforms."
    ),
)


FILE_NAME = "ecsform.yaml"
PLACEHOLDERS = ("accountId", "region", "environment", "family", "root")
# Roots an ecsform.yaml targets are deployed by pipelines: keep the replaced revision ACTIVE for a rollback
# (README: "Deploys that can roll back").
DEFAULT_SKIP_DESTROY = True
SCHEMA_ID = "https://ecsform.dev/schemas/config.schema.json"

E = Severity.ERROR
_ACCOUNT = r"^\d{12}$"
_REGION = r"^[a-z]{2}(-[a-z]+)+-\d$"
_ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# S3 general purpose bucket names: 3-63 characters, lowercase letters, digits, dots and hyphens, beginning and
# ending with a letter or digit, no two adjacent dots (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_TAG_KEY_MAX, _TAG_VALUE_MAX = 128, 256  # IAM, ECS, Logs, Secrets Manager, EFS, KMS tag limits


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, alias_generator=to_camel, populate_by_name=False, frozen=True
    )


class Settings(_Model):
    """A deploy target: `defaults`, or one environment (its values win over the defaults; tags are merged)."""

    account_id: str | None = Field(
        None,
        description="The AWS account (12 digits, quoted): the provider's allowed_account_ids.",
        json_schema_extra={"pattern": _ACCOUNT},
    )
    region: str | None = Field(
        None,
        description="The provider's region: an environment's wins over x-ecsform.region and the region the "
        "spec's values name, which win over the defaults' (--region wins over all).",
        json_schema_extra={"pattern": _REGION},
    )
    role_arn: str | None = Field(
        None,
        description="Role the provider assumes (its session name names the root).",
        json_schema_extra={"pattern": _ROLE_ARN},
    )
    plan_role_arn: str | None = Field(
        None,
        description="A read-only role in the same account that pull-request plans assume instead of roleArn "
        "(`synth --plan-role`; `ecsform bootstrap` creates it).",
        json_schema_extra={"pattern": _ROLE_ARN},
    )
    tags: dict[str, str] = Field(
        default_factory=dict,
        description="The provider's default_tags: on every resource of the root (x-ecsform.tags win on the same key).",
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


_TF_VERSION = r"^\d+\.\d+\.\d+$"
_PY_VERSION = r"^3\.\d+$"
# a branch name git accepts and a workflow can quote (git check-ref-format, without the rarely used characters)
_BRANCH = r"^(?!-)(?!.*\.\.)(?!.*//)(?!/)(?!.*/$)(?!.*\.lock$)[A-Za-z0-9._/-]+$"
# GitLab environment names: letters, digits, spaces and - _ / $ { } (docs.gitlab.com/ci/environments/)
_GITLAB_ENVIRONMENT = r"^[A-Za-z0-9 _/${}-]+$"
_GITHUB_ENVIRONMENT_MAX = 255  # docs.github.com: "An environment name may not exceed 255 characters"


class CiEnvironment(_Model):
    """What gates and runs the roots of one ecsform environment in CI."""

    role_arn: str | None = Field(
        None,
        description="The role the pipeline assumes (OIDC) to apply these roots (default: ci.roleArn).",
        json_schema_extra={"pattern": _ROLE_ARN},
    )
    plan_role_arn: str | None = Field(
        None,
        description="The role pull-request plans assume (default: this "
        "environment's roleArn, else ci.planRoleArn, else ci.roleArn).",
        json_schema_extra={"pattern": _ROLE_ARN},
    )
    github_environment: str | None = Field(
        None,
        description="The GitHub environment an apply waits for (its "
        "protection rules: reviewers, branches); default: the ecsform "
        "environment's name.",
        json_schema_extra={"minLength": 1, "maxLength": 255},
    )
    gitlab_environment: str | None = Field(
        None,
        description="The GitLab (protected) environment of the apply job; default: the ecsform environment's name.",
        json_schema_extra={"pattern": _GITLAB_ENVIRONMENT},
    )


class CiConfig(_Model):
    """The pipelines `ecsform ci` writes: GitHub Actions, GitLab CI, Atlantis."""

    role_arn: str | None = Field(
        None,
        description="The role the pipeline assumes through OIDC (aws-actions/"
        "configure-aws-credentials, GitLab id_tokens); it may assume each environment's "
        "deploy role and the state role.",
        json_schema_extra={"pattern": _ROLE_ARN},
    )
    plan_role_arn: str | None = Field(
        None,
        description="The role pull-request plans assume (default: roleArn; `ecsform bootstrap` needs a role of its "
        "own: a pull request runs the workflow it brings).",
        json_schema_extra={"pattern": _ROLE_ARN},
    )
    region: str | None = Field(
        None,
        description="Region of the pipeline's STS calls (default: defaults.region, else us-east-1).",
        json_schema_extra={"pattern": _REGION},
    )
    environments: dict[str, CiEnvironment] = Field(
        default_factory=dict, description="Per ecsform environment (`default`: roots of specs without environments)."
    )
    terraform_version: str = Field(
        "1.11.4", description="The Terraform the pipeline installs (X.Y.Z).", json_schema_extra={"pattern": _TF_VERSION}
    )
    python_version: str = Field(
        "3.11", description="The Python the pipeline runs ecsform with.", json_schema_extra={"pattern": _PY_VERSION}
    )
    default_branch: str = Field(
        "main", description="The branch whose pushes apply.", json_schema_extra={"pattern": _BRANCH}
    )
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
    )
    gitlab_url: str = Field(
        "https://gitlab.com", description="The GitLab instance that issues the pipeline's OIDC tokens (bootstrap)."
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
        json_schema_extra={"minItems": 1},
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


@dataclass(frozen=True)
class Config:
    file: str  # as messages show it
    folder: Path  # absolute: what relative paths in the file are relative to
    model: ProjectConfig
    root: Node
    smap: SourceMap

    @property
    def policy_node(self) -> Node | None:
        """The `policy:` mapping as written (with lines and columns), for the policy model; None when absent."""
        return self.root.get("policy") if self.root.is_map else None

    @property
    def environments(self) -> list[str]:
        return list(self.model.environments)

    def finding(
        self,
        rule: str,
        severity: Severity,
        message: str,
        path: tuple,
        hint: str | None = None,
        *,
        at_key: bool = False,
        environment: str | None = None,
    ) -> Finding:
        line, col = self.smap.locate(path, key=at_key)
        return Finding(
            rule=rule,
            severity=severity,
            message=message,
            path=path,
            hint=hint,
            file=self.file,
            line=line,
            col=col,
            environment=environment,
            at_key=at_key,
        )

    # --- targets -----------------------------------------------------------------------------------------
    def target(self, environment: str | None) -> Target:
        """The Target of a root: the defaults, with its environment's settings over them (tags merged)."""
        declared = environment if environment in self.model.environments else None
        return _target(self.model.defaults, self.model.environments.get(declared) if declared else None, declared)

    def module_source(self, environment: str | None) -> Path | str | None:
        """The environment's (else the defaults') moduleSource: an absolute folder, or an address used as given."""
        env = self.model.environments.get(environment) if environment else None
        value = (env.module_source if env is not None else None) or self.model.defaults.module_source
        if value is None:
            return None
        return (self.folder / value).resolve() if _is_local(value) else value

    @property
    def provider_version(self) -> str:
        """The hashicorp/aws constraint the roots require (terraform.providerVersion)."""
        return self.model.terraform.provider_version

    @property
    def lock_path(self) -> Path:
        """ecsform.lock.hcl beside this file (`ecsform lock` writes it, synth copies it into every root)."""
        return self.folder / providers.PROJECT_LOCK

    def lock(self) -> providers.LockFile | None:
        """The lock file every root gets (None when terraform.lockPlatforms asks for none). Raises EcsformError
        (CONFIG-LOCK, at terraform.lockPlatforms) when it is missing, unreadable or written for other settings."""
        platforms = self.model.terraform.lock_platforms
        if not platforms:
            return None
        shown = os.path.join(os.path.dirname(self.file), providers.PROJECT_LOCK)
        try:
            found = providers.LockFile.parse(self.lock_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problem = f"{shown} does not exist"
        except (OSError, UnicodeDecodeError) as exc:
            problem = f"cannot read {shown}: {getattr(exc, 'strerror', None) or exc}"
        else:
            why = found.problem(self.provider_version, platforms)
            if why is None:
                return found
            problem = f"{shown} is out of date: {why}"
        raise EcsformError(
            [
                self.finding(
                    CONFIG_LOCK.id,
                    E,
                    f"terraform.lockPlatforms asks for a lock file: {problem}",
                    ("terraform", "lockPlatforms"),
                    "run `ecsform lock` (it writes the lock file for these platforms; commit it)",
                )
            ]
        )

    def undeclared(self, variant: Any) -> list[Finding]:
        """A spec variant whose overlay names no environment of ecsform.yaml (when it declares any), located at the
        overlay's key in the spec."""
        declared = self.environments
        environment = variant.environment
        if environment is None or not declared or environment in declared:
            return []
        spec = variant.spec
        overlay = spec.environments_node.value.get(environment) if spec.environments_node is not None else None
        key_mark = (overlay.key_mark or overlay.mark) if overlay is not None else spec.root.mark
        close = suggest(environment, declared)
        hint = (
            f"did you mean {close!r}? " if close else ""
        ) + f"{self.file} declares: {', '.join(declared)}; add {environment!r} there or rename the overlay"
        return [
            CONFIG_ENV_UNDECLARED.finding(
                f"environment {environment!r} is not declared in {self.file}",
                path=("environments", environment),
                hint=hint,
                file=variant.file,
                mark=key_mark,
                environment=environment,
                at_key=True,
            )
        ]

    # --- deploy bindings ---------------------------------------------------------------------------------
    def binding(
        self,
        environment: str | None,
        spec: Deploy | None,
        *,
        family: str,
        root: str,
        region: str | None,
        account: str | None = None,
    ) -> Deploy:
        """What `ecsform deploy` and `ecsform run` act on for one root: the defaults' deploy block, its
        environment's over it, the spec's x-ecsform.deploy over both (field by field), with the placeholders of
        cluster and services filled in ({accountId}: the target's, else `account`, the session's). An empty Deploy
        when nothing binds the root."""
        declared = environment if environment in self.model.environments else None
        env = self.model.environments.get(declared) if declared else None
        values = {
            "accountId": self.target(environment).account_id or account or "",
            "region": region or "",
            "environment": environment or DEFAULT_ENVIRONMENT,
            "family": family,
            "root": root,
        }
        fields: dict[str, Any] = {}

        def over(layer: Deploy | None) -> None:
            if layer is None:
                return
            for key in layer.model_fields_set:
                fields[key] = getattr(layer, key)
                exclusive = {"launch_type": "capacity_provider_strategy", "capacity_provider_strategy": "launch_type"}
                if key in exclusive and fields[key] is not None:  # a layer's choice replaces the other one
                    fields.pop(exclusive[key], None)

        over(self.model.defaults.deploy)
        over(env.deploy if env is not None else None)
        if fields.get("cluster") is not None:
            fields["cluster"] = _PLACEHOLDER.sub(lambda m: values[m.group(1)], fields["cluster"])
        if fields.get("services") is not None:
            fields["services"] = [_PLACEHOLDER.sub(lambda m: values[m.group(1)], v) for v in fields["services"]]
        over(spec)
        return Deploy.model_construct(_fields_set=set(fields), **fields)

    # --- state -------------------------------------------------------------------------------------------
    def backend(
        self,
        *,
        root: str,
        family: str,
        environment: str | None,
        target: Target | None,
        region: str | None,
        accounts: list[str] | None = None,
    ) -> tuple[Backend, list[Finding]]:
        """The resolved backend of one root (placeholders filled in), and what is wrong with it. {accountId} is the
        target's account, else the one account the spec's roles and secrets name (`accounts`)."""
        chosen = self.model.backend
        if chosen is None or chosen.s3 is None:
            return Backend("local"), []
        s3 = chosen.s3
        implied = accounts[0] if accounts and len(accounts) == 1 else None
        values = {
            "accountId": target.account_id if target and target.account_id else implied,
            "region": region,
            "environment": environment or DEFAULT_ENVIRONMENT,
            "family": family,
            "root": root,
        }
        findings: list[Finding] = []
        resolved: dict[str, str | None] = {}
        for name in ("bucket", "key", "region", "dynamodb_table", "kms_key_id", "role_arn"):
            text = getattr(s3, name)
            if text is None:
                resolved[name] = None
                continue
            path = ("backend", "s3", to_camel(name))
            missing = [p for p in _names(text) if values.get(p) is None]
            if missing:
                why = {
                    "accountId": "its target has no accountId, and the spec's roles and secrets name "
                    + (f"several accounts ({', '.join(accounts or [])})" if accounts else "none"),
                    "region": "it has no region",
                }
                where = f"environments.{environment}" if environment in self.model.environments else "defaults"
                findings.append(
                    self.finding(
                        CONFIG_PLACEHOLDER.id,
                        E,
                        f"root {root}: {{{missing[0]}}} has no value ({why.get(missing[0], 'unset')})",
                        path,
                        f"set {missing[0]} under {where} in {self.file}, or drop the placeholder",
                        environment=environment,
                    )
                )
                resolved[name] = None
                continue
            resolved[name] = _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)
            problem = _resolved_problem(name, resolved[name] or "")
            if problem and _names(text):  # a value without placeholders was checked when the file was loaded
                findings.append(
                    self.finding(
                        CONFIG_INVALID.id, E, f"root {root}: {problem}", path, _HINTS.get(name), environment=environment
                    )
                )
        arguments: list[tuple[str, str | bool]] = []
        for name in ("bucket", "key", "region"):
            if resolved[name] is not None:
                arguments.append((name, resolved[name] or ""))
        arguments.append(("encrypt", s3.encrypt))
        if resolved["kms_key_id"] is not None:
            arguments.append(("kms_key_id", resolved["kms_key_id"] or ""))
        arguments.append(("use_lockfile", s3.use_lockfile))
        if resolved["dynamodb_table"] is not None:
            arguments.append(("dynamodb_table", resolved["dynamodb_table"] or ""))
        assume: tuple[tuple[str, str], ...] = ()
        if resolved["role_arn"] is not None:
            assume = (("role_arn", resolved["role_arn"] or ""), ("session_name", Target().session_name(root)))
        return Backend("s3", tuple(arguments), assume, s3.partial), findings

    def shared_state(self, roots: Iterable[tuple[str, str | None, Backend | None]]) -> list[Finding]:
        """Two roots whose state would be the same S3 object: (root, environment, backend) of every root."""
        seen: dict[tuple[str, str], str] = {}
        findings = []
        for root, environment, backend in roots:
            if backend is None or backend.type != "s3":
                continue
            args = dict(backend.arguments)
            if "bucket" not in args or "key" not in args:
                continue  # partial, completed by the pipeline
            where = (str(args["bucket"]), str(args["key"]))
            if where in seen:
                findings.append(
                    self.finding(
                        CONFIG_STATE_SHARED.id,
                        E,
                        f"roots {seen[where]} and {root} would keep their state in the same object "
                        f"s3://{where[0]}/{where[1]}",
                        ("backend", "s3", "key"),
                        "put {root} in the key (e.g. ecsform/{root}/terraform.tfstate)",
                        environment=environment,
                    )
                )
            else:
                seen[where] = root
        return findings


def _target(defaults: Settings, env: Settings | None, name: str | None) -> Target:
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


def _is_local(source: str) -> bool:
    """Terraform reads a module source as a local folder when it starts with ./ or ../ (or is absolute here)."""
    return source.startswith(("./", "../", "/")) or source in (".", "..")


# --- placeholders ------------------------------------------------------------------------------------------


def _names(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


def _placeholder_problems(text: str) -> list[str]:
    """What is wrong with the placeholders of a string: unknown names (with a did-you-mean), stray braces."""
    problems = []
    for name in _names(text):
        if name not in PLACEHOLDERS:
            close = suggest(name, list(PLACEHOLDERS))
            problems.append(f"unknown placeholder {{{name}}}" + (f" (did you mean {{{close}}}?)" if close else ""))
    rest = _PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        problems.append("a brace that opens or closes no placeholder")
    return problems


def _resolved_problem(name: str, value: str, shown: str | None = None) -> str | None:
    """What Terraform or AWS would refuse in a backend value (with its placeholders filled in); `shown` is the value
    as messages show it."""
    shown = value if shown is None else shown
    if name == "bucket" and (not _BUCKET.match(value) or ".." in value):
        return (
            f"bucket {shown!r} is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit)"
        )
    if name == "key" and (not value or value.startswith("/") or value.endswith("/") or "//" in value):
        return f"key {shown!r}: Terraform refuses a state key that is empty, starts or ends with '/', or holds '//'"
    if name == "role_arn" and not re.match(_ROLE_ARN, value):
        return f"roleArn {shown!r} is not an IAM role ARN"
    if name == "region" and not re.match(_REGION, value):
        return f"region {shown!r} is not an AWS region"
    return None


_SAMPLES = {"accountId": "123456789012", "region": "us-east-1", "environment": "x", "family": "x", "root": "x"}
_HINTS = {
    "bucket": "for example acme-tfstate-{accountId}",
    "key": "for example ecsform/{root}/terraform.tfstate",
    "role_arn": "arn:aws:iam::ACCOUNT:role/NAME",
    "region": "for example us-east-1",
}


# --- loading -----------------------------------------------------------------------------------------------


def discover(start: Path | None = None) -> Path | None:
    """The ecsform.yaml that applies in `start` (default: the working folder): the nearest one in the folder or
    its parents, searching no higher than the git repository's root, else up to the filesystem root."""
    folder = (start or Path.cwd()).absolute()
    for candidate in (folder, *folder.parents):
        path = candidate / FILE_NAME
        if path.is_file():
            return path
        if (candidate / ".git").exists():
            return None
    return None


def for_command(config: str | None, no_config: bool) -> Config | None:
    """What a command uses: --config FILE, nothing with --no-config, else the ecsform.yaml `discover` finds."""
    if no_config:
        if config is not None:
            raise EcsformError(
                [
                    CONFIG_READ.finding(
                        "--config and --no-config contradict each other",
                        hint="keep one of them",
                        file="--no-config",
                        mark=(1, 1),
                    )
                ]
            )
        return None
    if config is not None:
        path = Path(config)
        if not path.is_file():
            raise EcsformError(
                [
                    CONFIG_READ.finding(
                        "no such configuration file",
                        hint=f"--config names an {FILE_NAME}; --no-config runs without one",
                        file=config,
                        mark=(1, 1),
                    )
                ]
            )
        return load(path, display_path(path))
    found = discover()
    return load(found, display_path(found)) if found else None


_READ_RULES = {SPEC_READ.id: CONFIG_READ.id, SPEC_TOO_LARGE.id: CONFIG_READ.id, SPEC_NOT_MAPPING.id: CONFIG_INVALID.id}


def load(path: str | os.PathLike[str], display: str | None = None) -> Config:
    """Read and check an ecsform.yaml. Raises EcsformError with every located finding."""
    path = Path(path)
    file = display or str(path)
    try:
        root = load_file(path, file)
    except EcsformError as exc:
        if [f.rule for f in exc.findings] == [SPEC_EMPTY.id]:  # an empty file: every default
            root = Node({}, (1, 1))
        else:
            raise EcsformError([_as_config_finding(f) for f in exc.findings]) from None
    data, smap = plain(root, file)
    model: ProjectConfig | None
    try:
        model = ProjectConfig.model_validate(data)
        config_findings = _checks(model)
    except ValidationError as exc:
        model = None
        config_findings = _validation_findings(exc) + _section_checks(data)
    config = Config(file, path.absolute().parent, model or ProjectConfig(), root, smap)
    if model is not None:
        config_findings += _module_source_checks(model, config.folder)
    located = [config.finding(f.rule, f.severity, f.message, f.path, f.hint, at_key=f.at_key) for f in config_findings]
    if errors_in(located):
        raise EcsformError(sorted_findings(located))
    return config


def _as_config_finding(f: Finding) -> Finding:
    rule = _READ_RULES.get(f.rule, f.rule)
    hint = f.hint
    if f.rule == SPEC_NOT_MAPPING.id:
        hint = "ecsform.yaml is a mapping: defaults, environments, backend, policy"
    elif rule != f.rule:
        hint = None
    message = f.message.replace("a task definition is at most 64 KiB", "").rstrip("; ")
    return Finding(
        rule=rule, severity=f.severity, message=message, path=f.path, hint=hint, file=f.file, line=f.line, col=f.col
    )


def _validation_findings(exc: ValidationError) -> list[Finding]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            known = [k for k in known_keys(ProjectConfig, loc) if k != "$schema"]
            hint = did_you_mean(str(loc[-1]), known) if known else None
            out.append(
                CONFIG_UNKNOWN_FIELD.finding(
                    f"unknown key {loc[-1]!r}",
                    path=loc,
                    hint=hint or (f"known keys: {', '.join(known)}" if known else None),
                    at_key=True,
                )
            )
        elif err["type"] == "missing":
            out.append(
                CONFIG_REQUIRED.finding(f"required key {loc[-1]!r} is missing", path=loc[:-1], hint=f"add `{loc[-1]}`")
            )
        elif loc and loc[-1] == "accountId" and isinstance(err.get("input"), int):
            out.append(
                CONFIG_INVALID.finding(
                    f"accountId is a number ({err['input']}), not a string",
                    path=loc,
                    hint='quote it: accountId: "012345678901" (YAML reads digits as a number and drops leading zeros)',
                )
            )
        else:
            got = repr(err["input"])[:80]
            out.append(CONFIG_INVALID.finding(f"{err['msg']} (got {got})", path=loc))
    return out


def _checks(model: ProjectConfig) -> list[Finding]:
    """What the types cannot say: formats, placeholders, one backend, roles in their target's account."""
    out: list[Finding] = []
    layers = [(("defaults",), model.defaults)] + [(("environments", n), s) for n, s in model.environments.items()]
    for path, s in layers:
        out += _settings_checks(path, s)
    out += _account_mismatches(model)
    if model.backend is not None:
        out += _backend_checks(model.backend)
    if model.ci is not None:
        out += _ci_checks(model.ci, list(model.environments))
    out += _images_checks(model.images, model.ci.specs if model.ci else ["specs"])
    out += _terraform_checks(model.terraform)
    return out


def _terraform_checks(terraform: TerraformConfig) -> list[Finding]:
    out = []
    problem = providers.constraint_problem(terraform.provider_version)
    if problem:
        out.append(
            CONFIG_INVALID.finding(
                f"providerVersion {problem}",
                path=("terraform", "providerVersion"),
                hint=f'for example "{providers.TESTED}" (the range the modules are tested with)',
            )
        )
    if terraform.lock_platforms == []:
        out.append(
            CONFIG_INVALID.finding(
                "lockPlatforms is empty",
                path=("terraform", "lockPlatforms"),
                hint="name the platforms that run terraform (linux_amd64, darwin_arm64, ...), or leave it out",
            )
        )
    for i, platform in enumerate(terraform.lock_platforms or []):
        if not providers.PLATFORM.match(platform):
            out.append(
                CONFIG_INVALID.finding(
                    f"lockPlatforms entry {platform!r} is not a Terraform platform",
                    path=("terraform", "lockPlatforms", i),
                    hint="OS_ARCH, for example linux_amd64 or darwin_arm64",
                )
            )
    return out


def _images_checks(images: ImagesConfig, specs: list[str]) -> list[Finding]:
    if not _relative(images.folder):
        return [
            CONFIG_INVALID.finding(
                f"images.folder {images.folder!r} is not a relative path inside the repository",
                path=("images", "folder"),
                hint="for example images",
            )
        ]
    folder = PurePosixPath(os.path.normpath(images.folder))
    for spec in specs:
        where = PurePosixPath(os.path.normpath(spec))
        if folder == where or where in folder.parents or folder in where.parents:
            return [
                CONFIG_INVALID.finding(
                    f"images.folder {images.folder!r} and the specs folder {spec!r} overlap: synth would read "
                    "images files as specs, or specs as images files",
                    path=("images", "folder"),
                    hint="keep them apart, e.g. specs/ and images/ side by side",
                )
            ]
    return []


def _section_checks(data: Any) -> list[Finding]:
    """The checks of `_checks` on each section that is well typed, when another one is not (every mistake at once)."""
    if not isinstance(data, dict):
        return []
    sections: list[tuple[tuple, type[BaseModel], Any]] = [(("defaults",), Settings, data.get("defaults"))]
    environments = data.get("environments")
    if isinstance(environments, dict):
        sections += [(("environments", n), Settings, v) for n, v in environments.items()]
    sections.append((("backend",), BackendConfig, data.get("backend")))
    sections.append((("ci",), CiConfig, data.get("ci")))
    sections.append((("terraform",), TerraformConfig, data.get("terraform")))
    sections.append((("images",), ImagesConfig, data.get("images")))
    out: list[Finding] = []
    parsed_settings: dict[tuple, Settings] = {}
    for path, model, value in sections:
        if value is None and path == ("defaults",):
            parsed_settings[path] = Settings()
        if not isinstance(value, dict):
            continue
        try:
            parsed = model.model_validate({} if value is None else value)
        except ValidationError:
            continue  # reported by the whole file's validation
        if isinstance(parsed, Settings):
            parsed_settings[path] = parsed
            out += _settings_checks(path, parsed)
        elif isinstance(parsed, CiConfig):
            out += _ci_checks(parsed, list(environments) if isinstance(environments, dict) else [])
        elif isinstance(parsed, TerraformConfig):
            out += _terraform_checks(parsed)
        elif isinstance(parsed, ImagesConfig):
            out += _images_checks(parsed, [])
        else:
            out += _backend_checks(parsed)
    if ("defaults",) in parsed_settings:
        partial = ProjectConfig.model_construct(
            defaults=parsed_settings[("defaults",)],
            environments={p[1]: s for p, s in parsed_settings.items() if p[0] == "environments"},
        )
        out += _account_mismatches(partial)
    return out


def _settings_checks(path: tuple, s: Settings) -> list[Finding]:
    out: list[Finding] = []
    if s.account_id is not None and not re.match(_ACCOUNT, s.account_id):
        out.append(
            CONFIG_INVALID.finding(
                f"accountId {s.account_id!r} is not an AWS account id",
                path=path + ("accountId",),
                hint='an account id is 12 digits, quoted: "123456789012"',
            )
        )
    if s.region is not None and not re.match(_REGION, s.region):
        out.append(
            CONFIG_INVALID.finding(
                f"region {s.region!r} is not an AWS region",
                path=path + ("region",),
                hint="for example us-east-1 or eu-west-1",
            )
        )
    for key, role in (("roleArn", s.role_arn), ("planRoleArn", s.plan_role_arn)):
        if role is not None and not arns.ROLE_ARN.match(role):
            out.append(
                CONFIG_INVALID.finding(
                    f"{key} {role!r} is not an IAM role ARN", path=path + (key,), hint="arn:aws:iam::ACCOUNT:role/NAME"
                )
            )
    for key, value in s.tags.items():
        problem = _tag_problem(key, value)
        if problem:
            out.append(CONFIG_INVALID.finding(problem, path=path + ("tags", key), at_key=True))
    if s.module_source is not None and not s.module_source.strip():
        out.append(CONFIG_INVALID.finding("moduleSource is empty", path=path + ("moduleSource",)))
    if s.deploy is not None:
        out += deploy_checks(s.deploy, path + ("deploy",), CONFIG_INVALID)
        texts = [(("cluster",), s.deploy.cluster)] + [
            (("services", i), v) for i, v in enumerate(s.deploy.services or [])
        ]
        for where, text in texts:
            for problem in _placeholder_problems(text or ""):
                out.append(
                    CONFIG_PLACEHOLDER.finding(
                        f"{text!r}: {problem}",
                        path=path + ("deploy",) + where,
                        hint=f"placeholders: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                    )
                )
    return out


def _module_source_checks(model: ProjectConfig, folder: Path) -> list[Finding]:
    """A moduleSource folder (relative to ecsform.yaml) that is not there, or holds no ecs-task-definition module:
    every root would call a folder that does not exist, and only `terraform init` would say so."""
    out = []
    layers = [(("defaults",), model.defaults)] + [(("environments", n), s) for n, s in model.environments.items()]
    for path, s in layers:
        value = s.module_source
        if value is None or not value.strip() or not _is_local(value):
            continue
        where = (folder / value).resolve()
        if not where.is_dir():
            problem = f"moduleSource {value!r} names a folder that does not exist (relative to ecsform.yaml)"
        elif not (where / "ecs-task-definition").is_dir():
            problem = f"moduleSource {value!r} holds no ecs-task-definition module (relative to ecsform.yaml)"
        else:
            continue
        out.append(
            CONFIG_MODULE_SOURCE.finding(
                problem,
                path=path + ("moduleSource",),
                hint="write the modules there with `ecsform modules export "
                + value.rstrip("/")
                + "` (and commit them), or leave moduleSource out: synth then copies the modules into its output",
            )
        )
    return out


def _account_mismatches(model: ProjectConfig) -> list[Finding]:
    """A role in another account than the target's: the provider would land in the role's account and
    allowed_account_ids would stop every run."""
    out = []
    targets = [(None, ("defaults",))] + [(n, ("environments", n)) for n in model.environments]
    for name, path in targets:
        env = model.environments.get(name) if name else None
        target = _target(model.defaults, env, name)
        for key, field, role in (
            ("roleArn", "role_arn", target.role_arn),
            ("planRoleArn", "plan_role_arn", target.plan_role_arn),
        ):
            m = arns.ROLE_ARN.match(role or "")
            if (
                not m
                or not target.account_id
                or not re.match(_ACCOUNT, target.account_id)
                or m.group(2) == target.account_id
            ):
                continue
            role_from = path if env is not None and getattr(env, field) else ("defaults",)
            where = f"environment {name}" if name else "defaults"
            out.append(
                CONFIG_ACCOUNT_MISMATCH.finding(
                    f"{where}: {key} is in account {m.group(2)} but accountId is {target.account_id}: the "
                    "provider would run in the role's account and allowed_account_ids would refuse it",
                    path=role_from + (key,),
                    hint="give the environment a role in its own account",
                )
            )
    return out


def _ci_checks(ci: CiConfig, declared: list[str]) -> list[Finding]:
    """What the types of the ci block cannot say: formats, and environments ecsform.yaml declares."""
    out: list[Finding] = []

    def check(ok: bool, path: tuple, message: str, hint: str) -> None:
        if not ok:
            out.append(CONFIG_INVALID.finding(message, path=("ci",) + path, hint=hint))

    roles = [(("roleArn",), ci.role_arn), (("planRoleArn",), ci.plan_role_arn)]
    for name, env in ci.environments.items():
        roles += [
            (("environments", name, "roleArn"), env.role_arn),
            (("environments", name, "planRoleArn"), env.plan_role_arn),
        ]
        if env.github_environment is not None:
            g = env.github_environment
            check(
                0 < len(g) <= _GITHUB_ENVIRONMENT_MAX and g.isprintable(),
                ("environments", name, "githubEnvironment"),
                f"githubEnvironment {g!r} is not a GitHub environment name",
                f"1-{_GITHUB_ENVIRONMENT_MAX} printable characters",
            )
        if env.gitlab_environment is not None:
            check(
                bool(re.match(_GITLAB_ENVIRONMENT, env.gitlab_environment)),
                ("environments", name, "gitlabEnvironment"),
                f"gitlabEnvironment {env.gitlab_environment!r} is not a GitLab environment name",
                "letters, digits, spaces and - _ / $ { }",
            )
        allowed = [*declared, DEFAULT_ENVIRONMENT] if declared else None
        if allowed is not None and name not in allowed:
            close = suggest(name, allowed)
            out.append(
                CONFIG_ENV_UNDECLARED.finding(
                    f"ci.environments names {name!r}, which environments does not declare",
                    path=("ci", "environments", name),
                    hint=(f"did you mean {close!r}? " if close else "")
                    + f"declared: {', '.join(allowed)} ({DEFAULT_ENVIRONMENT}: roots without one)",
                    at_key=True,
                )
            )
    for path, role in roles:
        if role is not None:
            check(
                bool(arns.ROLE_ARN.match(role)),
                path,
                f"{path[-1]} {role!r} is not an IAM role ARN",
                "arn:aws:iam::ACCOUNT:role/NAME",
            )
    if ci.region is not None:
        check(
            bool(re.match(_REGION, ci.region)),
            ("region",),
            f"region {ci.region!r} is not an AWS region",
            "for example us-east-1",
        )
    check(
        bool(re.match(_TF_VERSION, ci.terraform_version)),
        ("terraformVersion",),
        f"terraformVersion {ci.terraform_version!r} is not a Terraform release",
        "for example 1.11.4 (X.Y.Z; Atlantis and setup-terraform install exactly this release)",
    )
    check(
        bool(re.match(_PY_VERSION, ci.python_version)),
        ("pythonVersion",),
        f"pythonVersion {ci.python_version!r} is not a Python 3 release",
        'quoted, for example "3.11"',
    )
    check(
        bool(re.match(_BRANCH, ci.default_branch)),
        ("defaultBranch",),
        f"defaultBranch {ci.default_branch!r} is not a branch name",
        "for example main",
    )
    for i, spec in enumerate(ci.specs):
        check(
            _relative(spec),
            ("specs", i),
            f"specs entry {spec!r} is not a relative path inside the repository",
            "for example specs or services/orders.yaml",
        )
    check(
        _relative(ci.out), ("out",), f"out {ci.out!r} is not a relative path inside the repository", "for example build"
    )
    if ci.repository is not None:
        check(
            bool(re.match(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$", ci.repository)),
            ("repository",),
            f"repository {ci.repository!r} is not OWNER/NAME (GitHub) or GROUP/PROJECT (GitLab)",
            "for example acme/platform",
        )
    check(
        bool(re.match(r"^https://[A-Za-z0-9.-]+(:\d+)?$", ci.gitlab_url)),
        ("gitlabUrl",),
        f"gitlabUrl {ci.gitlab_url!r} is not an https:// address of a GitLab instance",
        "for example https://gitlab.com",
    )
    check(
        bool(ci.install.strip()) and "\n" not in ci.install,
        ("install",),
        "install is not one shell command",
        "for example pip install ecsform",
    )
    seen: set[str] = set()
    for i, name in enumerate(ci.promotion or []):
        if name not in declared:
            close = suggest(name, declared)
            out.append(
                CONFIG_ENV_UNDECLARED.finding(
                    f"ci.promotion names {name!r}, which environments does not declare",
                    path=("ci", "promotion", i),
                    hint=(f"did you mean {close!r}? " if close else "")
                    + (f"declared: {', '.join(declared)}" if declared else "declare it under environments"),
                )
            )
        check(name not in seen, ("promotion", i), f"ci.promotion names {name!r} twice", "name each environment once")
        seen.add(name)
    environments = len({DEFAULT_ENVIRONMENT, *declared})
    check(
        ci.max_jobs >= environments,
        ("maxJobs",),
        f"maxJobs {ci.max_jobs} is less than the {environments} environments a change may touch "
        f"({', '.join(sorted({DEFAULT_ENVIRONMENT, *declared}))}): a job plans the roots of one environment",
        f"at least {environments}",
    )
    return out


def _relative(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return bool(path.strip()) and not path.startswith("/") and ".." not in parts and path.isprintable()


def _backend_checks(backend: BackendConfig) -> list[Finding]:
    chosen = [name for name in ("local", "s3") if getattr(backend, name) is not None]
    out = []
    if len(chosen) > 1:
        out.append(
            CONFIG_BACKEND.finding(
                f"two backends ({' and '.join(chosen)}): a root keeps its state in one",
                path=("backend", chosen[1]),
                hint="keep one of local and s3",
                at_key=True,
            )
        )
    if not chosen:
        out.append(
            CONFIG_BACKEND.finding(
                "backend names no backend", path=("backend",), hint="backend: {s3: {...}} or backend: {local: {}}"
            )
        )
    s3 = backend.s3
    if s3 is None:
        return out
    if not s3.partial:
        for name in ("bucket", "key"):
            if getattr(s3, name) is None:
                out.append(
                    CONFIG_REQUIRED.finding(
                        f"backend.s3 needs {name} (or partial: true)",
                        path=("backend", "s3"),
                        hint=f"add `{name}`, e.g. {_HINTS[name]}",
                    )
                )
    for name in ("bucket", "key", "region", "dynamodb_table", "kms_key_id", "role_arn"):
        text = getattr(s3, name)
        if text is None:
            continue
        path = ("backend", "s3", to_camel(name))
        problems = _placeholder_problems(text)
        for problem in problems:
            out.append(
                CONFIG_PLACEHOLDER.finding(
                    f"{to_camel(name)} {text!r}: {problem}",
                    path=path,
                    hint=f"placeholders: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                )
            )
        if not problems:  # with sample values: what is wrong whatever the placeholders become
            problem = _resolved_problem(name, _PLACEHOLDER.sub(lambda m: _SAMPLES[m.group(1)], text), text)
            if problem:
                out.append(CONFIG_INVALID.finding(problem, path=path, hint=_HINTS.get(name)))
    return out


def _tag_problem(key: str, value: str) -> str | None:
    """What every AWS service refuses in a tag (IAM, ECS, CloudWatch Logs, Secrets Manager, EFS and KMS alike)."""
    if not 1 <= len(key) <= _TAG_KEY_MAX:
        return f"tag key {key!r} is not 1-{_TAG_KEY_MAX} characters"
    if len(value) > _TAG_VALUE_MAX:
        return f"the value of tag {key!r} is longer than {_TAG_VALUE_MAX} characters"
    if key[:4].lower() == "aws:":
        return f"tag key {key!r} starts with 'aws:', which AWS reserves"
    return None


# --- JSON Schema -------------------------------------------------------------------------------------------


def schema() -> dict[str, Any]:
    body = ProjectConfig.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = body.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ecsform.yaml",
        **{k: v for k, v in body.items() if k != "title"},
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    import json

    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"
