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

from ..target import DEFAULT_ENVIRONMENT
from .discovery import discover, for_command, load
from .model import (
    DEFAULT_SKIP_DESTROY,
    FILE_NAME,
    PLACEHOLDERS,
    BackendConfig,
    CiConfig,
    CiEnvironment,
    ImagesConfig,
    ProjectConfig,
    S3Backend,
    Settings,
    TerraformConfig,
)
from .project import Config
from .schema import SCHEMA_ID, schema, schema_text

__all__ = [
    "DEFAULT_ENVIRONMENT",
    "DEFAULT_SKIP_DESTROY",
    "FILE_NAME",
    "PLACEHOLDERS",
    "SCHEMA_ID",
    "BackendConfig",
    "CiConfig",
    "CiEnvironment",
    "Config",
    "ImagesConfig",
    "ProjectConfig",
    "S3Backend",
    "Settings",
    "TerraformConfig",
    "discover",
    "for_command",
    "load",
    "schema",
    "schema_text",
]
