"""H. Environment variables, secrets, repository credentials and environment files."""

from __future__ import annotations

from typing import Iterator

from ..access.referenced import environment_files, repository_credentials, secret_values
from ..arns import ACCOUNT, REGION, S3_OBJECT, SSM_NAME, SecretRef, parse_arn, secret_ref
from ..errors import Finding, Severity
from ..spec.references import is_reference
from .registry import Context, Rule, items, rule

E, W = Severity.ERROR, Severity.WARNING

_NO_ROLE_HINT = (
    "remove `x-ecsform.executionRole.create: false` so that ecsform creates the execution role, or set executionRoleArn"
)


@rule("ECS-H1", E, "Every environment variable has a non-blank name.", "docs H1", needs=("environment",))
def env_name_not_blank(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        for item_path, item in items(c, "environment", path):
            name = item.get("name") if isinstance(item, dict) else None
            if "name" not in item:
                yield r.finding(
                    "environment variable without a name",
                    item_path,
                    'add `name` (ECS: "Environment variable name cannot be null or blank.")',
                )
            elif isinstance(name, str) and not name.strip():
                yield r.finding(
                    f"environment variable name {name!r} is blank",
                    item_path + ("name",),
                    'ECS: "Environment variable name cannot be null or blank."',
                )


@rule("ECS-H2", E, "Secret names are unique within a container.", "docs H2", needs=("secrets",))
def secret_names_unique(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        seen: set[str] = set()
        for item_path, item in items(c, "secrets", path):
            name = item.get("name")
            if isinstance(name, str):
                if name in seen:
                    yield r.finding(
                        f"secret name {name!r} is repeated",
                        item_path + ("name",),
                        f'keep one secret named {name} (ECS: "Duplicate secret names found: {name}. '
                        'Each secret name must be unique.")',
                    )
                seen.add(name)


@rule(
    "ECS-H3",
    E,
    "No secret has the name of an environment variable of the same container.",
    "docs H3",
    needs=("secrets",),
)
def secret_not_env(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        env = {i.get("name") for _, i in items(c, "environment", path) if isinstance(i.get("name"), str)}
        for item_path, item in items(c, "secrets", path):
            name = item.get("name")
            if isinstance(name, str) and name in env:
                yield r.finding(
                    f"{name!r} is both a secret and an environment variable",
                    item_path + ("name",),
                    'remove one of them (ECS: "The secret name must be unique and not shared with any '
                    f"new or existing environment variables set on the container, such as '{name}'.\")",
                )


@rule(
    "ECS-H4",
    E,
    "Containers with secrets need an execution role (one is named, or ecsform creates it).",
    "docs H4",
    needs=("secrets",),
)
def secrets_need_execution_role(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.execution_role_possible:
        return
    for path, c in ctx.containers():
        if any(True for _ in items(c, "secrets", path)):
            yield r.finding(
                f"container {c.get('name', path[1])!r} has secrets but the task has no execution role",
                path + ("secrets",),
                _NO_ROLE_HINT + ' (ECS: "When you are specifying container '
                "secrets, you must also specify a value for 'executionRoleArn'.\")",
            )


def _secretsmanager_refs(ctx: Context) -> Iterator[tuple[tuple, str, bool]]:
    """(path, value, is_repository_credentials) of every Secrets Manager ARN the containers reference."""
    for path, c in ctx.containers():
        for p, value in secret_values(c, path):
            if value.startswith("arn:") and secret_ref(value):
                yield p, value, False
        for p, value in repository_credentials(c, path):
            if value.startswith("arn:") and secret_ref(value):
                yield p, value, True


def _partial_hint(ctx: Context, ref: SecretRef) -> str:
    role = ctx.execution_role_arn or "the execution role"
    return (
        f"the policy of {role} must allow {ref.policy_resource} (the '??????' match the suffix), or write the "
        f"full ARN that `aws secretsmanager describe-secret --secret-id {ref.name}` prints"
    )


@rule(
    "ECS-H5",
    E,
    "A Secrets Manager ARN has 2 or 5 resource fields (secret:NAME[:json-key:stage:id]) and not "
    "both version-stage and version-id; a partial ARN (no 6-character suffix) is a warning when the "
    "execution role is the spec's own (ecsform resolves it for the role it creates).",
    "docs H5; AGENT asmsecret.go",
    needs=("secrets", "logConfiguration", "repositoryCredentials"),
)
def secretsmanager_arn(r: Rule, ctx: Context) -> Iterator[Finding]:
    partial: dict[str, list[tuple]] = {}  # base ARN -> where it is referenced: one warning per secret, not per value
    for path, value, _ in _secretsmanager_refs(ctx):
        ref = secret_ref(value)
        assert ref is not None
        a = ref.arn
        if (
            not REGION.match(a.region)
            or not ACCOUNT.match(a.account)
            or not a.resource.startswith("secret:")
            or not ref.name
        ):
            yield r.finding(
                f"{value!r} is not a Secrets Manager secret ARN",
                path,
                f"write arn:{a.partition}:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX (the ARN "
                "`aws secretsmanager describe-secret` prints)",
            )
        elif ref.fields not in (2, 5):
            yield r.finding(
                f"{value!r} has {ref.fields} colon-separated fields after the account; ECS takes 2 "
                "(secret:NAME) or 5 (secret:NAME:json-key:version-stage:version-id)",
                path,
                f"keep the empty fields: {ref.base}:JSON_KEY::, {ref.base}::AWSPREVIOUS: or {ref.base}:::VERSION_ID"
                if ref.fields < 5
                else "drop the extra fields",
            )
        elif ref.version_stage and ref.version_id:
            yield r.finding(
                f"{value!r} sets both version-stage {ref.version_stage!r} and version-id {ref.version_id!r}",
                path,
                f"keep one: {ref.base}:{ref.json_key}:{ref.version_stage}: or "
                f"{ref.base}:{ref.json_key}::{ref.version_id}",
            )
        elif ref.partial and not ctx.execution_role_managed:
            # when ecsform creates the execution role, it resolves the full ARN itself (a data source at plan time;
            # SECRET-UNRESOLVED when it cannot): the policy names the real secret, so there is nothing to warn about
            partial.setdefault(ref.base, []).append((path, ref))
    for base, uses in partial.items():
        path, ref = uses[0]
        more = f" (and {len(uses) - 1} more reference(s) to it)" if len(uses) > 1 else ""
        yield r.finding(
            f"{base!r} is a partial ARN: the secret name {ref.name!r} lacks the '-' and 6 "
            "characters Secrets Manager appends; ECS resolves it, but an IAM policy that names this "
            f"ARN matches nothing{more}",
            path,
            _partial_hint(ctx, ref),
            severity=W,
        )


def _ssm_arn_ok(value: str) -> bool:
    arn = parse_arn(value)
    return (
        arn is not None
        and arn.resource.startswith("parameter/")
        and bool(REGION.match(arn.region))
        and bool(ACCOUNT.match(arn.account))
        and bool(SSM_NAME.match(arn.resource[len("parameter") :]))
    )


def _selectors(value: str) -> bool:
    """True when the value carries Secrets Manager style selectors (two or more colons after the name)."""
    rest = value.split(":", 5)[5] if value.startswith("arn:") and value.count(":") >= 5 else value
    return rest.count(":") >= 2


@rule(
    "ECS-H6",
    E,
    "A secret valueFrom is a Secrets Manager ARN, an SSM parameter ARN or an SSM parameter name (ECS registers "
    "others; the agent reads them as SSM parameters, which they cannot be, and the task never starts).",
    "docs H6; BC Secret.valueFrom; AGENT taskresource/ssmsecret (Create), ssm/ssm.go (GetSecretsFromSSM: invalid "
    "parameters)",
    needs=("secrets", "logConfiguration"),
)
def ssm_value_from(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        for p, value in secret_values(c, path):
            if is_reference(value) or _selectors(value):
                continue  # selectors: ECS-H5 on Secrets Manager ARNs, ECS-H7 elsewhere
            arn = parse_arn(value) if value.startswith("arn:") else None
            if value.startswith("arn:") and (arn is None or arn.service not in ("secretsmanager", "ssm")):
                service = f" of service {arn.service!r}" if arn else ""
                yield r.finding(
                    f"{value!r} is an ARN{service}; ECS reads secrets only from Secrets Manager and "
                    "SSM Parameter Store: it registers the value, reads it as an SSM parameter name, and the task "
                    "never starts",
                    p,
                    "write arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME "
                    "or arn:aws:ssm:REGION:ACCOUNT:parameter/NAME",
                )
            elif arn is not None and arn.service == "ssm" and not _ssm_arn_ok(value):
                yield r.finding(
                    f"{value!r} is not an SSM parameter ARN: ECS registers it, and the task fails to start",
                    p,
                    "write arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME (for /path/to/name: parameter/path/to/name)",
                )
            elif arn is None and not SSM_NAME.match(value):
                yield r.finding(
                    f"{value!r} is neither an ARN nor a valid SSM parameter name: ECS registers it, "
                    "and the task fails to start",
                    p,
                    "parameter names use letters, digits and _ . - /; give other secrets by full ARN",
                )


@rule(
    "ECS-H7",
    E,
    "json-key, version-stage and version-id selectors only work on Secrets Manager ARNs (ECS registers them "
    "elsewhere; the agent asks SSM or Secrets Manager for a name that cannot exist, and the task never starts).",
    "docs H7; DG23 specifying-sensitive-data-secrets.md; AGENT taskresource/ssmsecret, taskresource/asmauth",
    needs=("secrets", "logConfiguration", "repositoryCredentials"),
)
def selectors_need_secretsmanager(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        for p, value in secret_values(c, path):
            if is_reference(value) or not _selectors(value):
                continue
            arn = parse_arn(value) if value.startswith("arn:") else None
            if arn is not None and arn.service == "ssm":
                yield r.finding(
                    f"{value!r} adds json-key/version selectors to an SSM parameter: ECS registers it, "
                    "but reads parameters whole, so the task fails to start",
                    p,
                    "store the value in its own parameter, or move it to Secrets Manager and give the secret's ARN",
                )
            elif not value.startswith("arn:"):
                name = value.split(":", 1)[0]
                yield r.finding(
                    f"{value!r} looks like a secret with json-key/version selectors, but ECS reads a "
                    "value that is not an ARN as an SSM parameter name: it registers it, and the task "
                    "fails to start",
                    p,
                    f"give the full Secrets Manager ARN: arn:aws:secretsmanager:REGION:ACCOUNT:secret:"
                    f"{name}-SUFFIX{value[len(name) :]}",
                )
        for p, value in repository_credentials(c, path):
            ref = secret_ref(value) if value.startswith("arn:") else None
            if ref is not None and ref.fields == 5:
                yield r.finding(
                    f"{value!r}: repository credentials are read from the whole secret, not a json-key "
                    "(ECS registers it; the image pull fails)",
                    p,
                    f'give the secret itself: {ref.base}; it holds {{"username": ..., "password": ...}}',
                )


@rule(
    "ECS-H11",
    E,
    "repositoryCredentials.credentialsParameter is a Secrets Manager secret, ARN or name in the "
    "task's region (ECS registers an ARN of another service; the agent reads it from Secrets Manager, the image "
    "pull fails and the task never starts).",
    "docs H11; BC RepositoryCredentials; AGENT taskresource/asmauth",
    needs=("repositoryCredentials",),
)
def repository_credentials_format(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        for p, value in repository_credentials(c, path):
            if is_reference(value) or not value.startswith("arn:"):
                continue
            arn = parse_arn(value)
            if arn is None or arn.service != "secretsmanager":
                what = f"an ARN of service {arn.service!r}" if arn else "not a valid ARN"
                yield r.finding(
                    f"{value!r} is {what}; private registry credentials come only from Secrets Manager "
                    "(ECS registers it; the image pull fails)",
                    p,
                    'store {"username": ..., "password": ...} in a Secrets Manager secret and give its ARN',
                )


@rule(
    "ECS-H12",
    E,
    "environmentFiles: at most 10 per container; each an S3 object ARN (ECS registers other values; the agent "
    "cannot parse them and the task never starts); the .env extension (warning).",
    "docs H12; BC EnvironmentFile; AGENT taskresource/envFiles/envfile.go (s3.ParseS3ARN)",
    needs=("environmentFiles",),
)
def environment_files_format(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        files = c.get("environmentFiles")
        if isinstance(files, list) and len(files) > 10:
            yield r.finding(
                f"{len(files)} environment files; ECS takes up to 10 per container",
                path + ("environmentFiles",),
                "merge some of the files",
            )
        for p, value in environment_files(c, path):
            if is_reference(value):
                continue
            if not S3_OBJECT.match(value):
                hint = "write arn:aws:s3:::BUCKET/KEY.env"
                if value.startswith("s3://"):
                    hint = f"write arn:aws:s3:::{value[len('s3://') :]}"
                yield r.finding(
                    f"{value!r} is not an S3 object ARN: ECS registers it, and the task never starts (the agent "
                    '"unable to parse bucket and key from s3 ARN specified in environmentFile")',
                    p,
                    hint,
                )
            elif not value.endswith(".env"):
                yield r.finding(
                    f"{value!r} does not end in .env; ECS documents that environment files must have "
                    "the .env extension",
                    p,
                    "rename the object to end in .env",
                    severity=W,
                )
