"""`ecsform verify`: what a spec references exists in the target account, and the roles it brings allow it.

Read-only calls only (Describe*, Get*, List*, Head*); never a secret's value. Each problem is a finding with a
VERIFY-* rule id at the path of the field it is about (the flow locates it at file:line:col); what was checked and
found is returned as notes (a partial secret ARN with the full ARN it resolves to, an image with its digest).
One module per kind of thing checked, each a set of functions on the Verifier (verifier.py: the AWS calls, the
findings and notes, what one check learns for another):

    images.py    a private ECR image: the repository exists in its account and region and holds the tag/digest
    secrets.py   Secrets Manager ARNs (partial ones resolve to exactly one secret; version stages and ids exist),
                 SSM parameters (a bare name is a parameter, as ECS reads it), repository credentials; managed
                 secrets (x-ecsform.secrets) that exist already (synth --adopt)
    kms.py       the keys x-ecsform names exist and are enabled; the customer-managed keys that encrypt the secrets
    roles.py     brought roles exist, trust ecs-tasks.amazonaws.com, and their inline, attached and boundary
                 policies allow what the task needs (generators/access/roles.py; aws/iam.py evaluates)
    logs.py      a log group ecsform will not create exists; one it would create does not (else: synth --adopt)
    efs.py       file systems and access points the volumes name; subnets, security groups and the VPC of
                 managed file systems
    s3.py        environment files and FireLens configuration files
"""

from __future__ import annotations

from typing import Any

from ...access.referenced import environment_files, firelens_s3_config, repository_credentials, secret_values
from ...access.view import TaskView
from ...arns import S3_OBJECT
from ..session import Aws
from ..state import Held
from . import efs, images, kms, logs, roles, s3, secrets
from .verifier import Verification, Verifier


def verify(
    aws: Aws,
    view: TaskView,
    region: str,
    managed_secrets: dict[str, dict[str, Any]],
    adopt_command: str,
    held: Held | None = None,
    named_roles: dict[str, str] | None = None,
) -> Verification:
    """Every check for one variant; findings carry field paths (the flow locates them). `held`: what the root's
    state holds already (aws/state.py), about which VERIFY-ADOPT is silent. `named_roles`: the role fields the spec
    gives by name (field -> name), which the checks see as that role's ARN."""
    v = Verifier(aws, view, region, adopt_command, held)
    v.named_roles = dict(named_roles or {})
    for path, c in view.containers():
        image = c.get("image")
        if isinstance(image, str):
            v.guarded(lambda: images.image(v, path + ("image",), image))
        for p, value in secret_values(c, path):
            v.guarded(lambda: secrets.secret_or_parameter(v, p, value))
        for p, value in repository_credentials(c, path):
            v.guarded(lambda: secrets.repository_credentials(v, p, value))
        for p, value in environment_files(c, path):
            if S3_OBJECT.match(value):
                v.guarded(lambda: s3.s3_object(v, p, value, "environment file"))
        config = firelens_s3_config(c)
        if config and S3_OBJECT.match(config):
            p = path + ("firelensConfiguration", "options", "config-file-value")
            v.guarded(lambda: s3.s3_object(v, p, config, "FireLens configuration file"))
    v.guarded(lambda: logs.log_groups(v, view.ext.logs.create))
    for key, settings in sorted(managed_secrets.items()):
        v.guarded(lambda: secrets.managed_secret(v, ("x-ecsform", "secrets", key), settings["name"]))
    kms.kms_keys(v)
    kms.secret_kms(v)
    efs.efs(v)
    roles.roles(v)
    return v.result
