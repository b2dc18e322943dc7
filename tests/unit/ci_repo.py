"""The repositories and linters the tests of `ecsform ci` share (tests/unit/test_ci*.py): a configuration with three
environments, its specs, the least ci: block, and the real linters each engine's file must pass, offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
from conftest import FIXTURES, MODULES
from ruamel.yaml import YAML

BIN = Path(sys.executable).parent
ATLANTIS_SCHEMA = json.loads((FIXTURES / "ci" / "atlantis.schema.json").read_text())

CONFIG = """\
defaults:
  accountId: "123456789012"
  region: us-east-1
  moduleSource: ./modules
environments:
  dev: {accountId: "111111111111", roleArn: "arn:aws:iam::111111111111:role/deploy"}
  staging: {accountId: "111111111111", roleArn: "arn:aws:iam::111111111111:role/deploy"}
  prod: {accountId: "222222222222", region: eu-west-1, roleArn: "arn:aws:iam::222222222222:role/deploy"}
backend:
  s3: {bucket: acme-tfstate, key: "ecsform/{root}/terraform.tfstate", region: us-east-1}
ci:
  roleArn: arn:aws:iam::123456789012:role/ci
  region: us-east-1
  environments:
    default: {githubEnvironment: shared, gitlabEnvironment: shared}
    staging: {githubEnvironment: "Staging (EU)", gitlabEnvironment: review/staging}
    prod:
      roleArn: arn:aws:iam::123456789012:role/ci-prod
      planRoleArn: arn:aws:iam::123456789012:role/ci-prod-plan
      githubEnvironment: production
      gitlabEnvironment: production
  terraformVersion: 1.10.5
  pythonVersion: "3.12"
  defaultBranch: trunk
  specs: [services, platform/worker.yaml]
  out: generated/roots
  install: pip install 'ecsform @ git+https://example.com/ecsform.git@v1'
"""

SPEC = """\
family: {family}
cpu: 256
memory: 512
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
    readonlyRootFilesystem: true
x-ecsform: {{region: us-east-1}}
"""

VAULT = """\
family: vault
cpu: 256
memory: 512
containerDefinitions:
  - name: app
    image: public.ecr.aws/nginx/nginx:1.27
    readonlyRootFilesystem: true
    secrets: {TOKEN: "ecsform:secret/token"}
x-ecsform:
  region: us-east-1
  secrets: {token: {description: API token}}
"""

STAGES = (
    SPEC
    + """\
environments:
  dev: {{}}
  staging: {{}}
  prod: {{x-ecsform: {{region: eu-west-1}}}}
"""
)


# the least a ci: block holds: the pipeline's role, and the gate of roots without an environment
GATED = "ci: {roleArn: 'arn:aws:iam::123456789012:role/ci', environments: {default: {githubEnvironment: ops, gitlabEnvironment: ops}}}\n"

# the linters must not reach the network: any attempt goes to a closed port and fails the test
OFFLINE = {
    **os.environ,
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "no_proxy": "",
}


def lint(kind: str, path: Path) -> None:
    """The real linters, offline (check-jsonschema reads its vendored schemas with --builtin-schema)."""
    if kind == "github":
        runs = [
            [str(BIN / "actionlint"), "-no-color", str(path)],
            [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        ]
    elif kind in ("gitlab", "gitlab-child"):
        runs = [[str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(path)]]
    else:
        data = YAML(typ="safe").load(path.read_text())
        errors = [e.message for e in jsonschema.Draft202012Validator(ATLANTIS_SCHEMA).iter_errors(data)]
        assert not errors, errors
        return
    for args in runs:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120, env=OFFLINE)
        assert proc.returncode == 0, (args[0], proc.stdout, proc.stderr)


def make_multi(repo: Path) -> Path:
    """A repository with three environments, specs in two places, its own out folder and modules (in `repo`)."""
    (repo / ".git").mkdir()  # the repository's root: ecsform.yaml is searched no higher
    (repo / "ecsform.yaml").write_text(CONFIG)
    (repo / "services").mkdir()
    (repo / "services" / "orders.yaml").write_text(STAGES.format(family="orders"))
    (repo / "services" / "billing.yaml").write_text(STAGES.format(family="billing"))
    (repo / "services" / "vault.yaml").write_text(VAULT)  # calls modules/secrets too
    (repo / "platform").mkdir()
    (repo / "platform" / "worker.yaml").write_text(SPEC.format(family="worker"))
    shutil.copytree(MODULES, repo / "modules")
    return repo


def changed_data(plans: list, removed: tuple[str, ...] = ()) -> dict:
    """What `ecsform changed --format json` says of these plans (all changed) and removed roots."""
    return {
        "changed": [{"root": p.root, "environment": p.environment, "dir": f"build/{p.root}"} for p in plans],
        "removed": [{"root": r, "environment": None, "dir": f"build/{r}"} for r in removed],
    }
