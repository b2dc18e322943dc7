"""`ecsform verify`: what a spec references exists in the target account, and the roles it brings allow it.

Read-only calls only (Describe*, Get*, List*, Head*); never a secret's value. Each problem is a finding with a
VERIFY-* rule id at the path of the field it is about (the flow locates it at file:line:col); what was checked and
found is returned as notes (a partial secret ARN with the full ARN it resolves to, an image with its digest).

    images       a private ECR image: the repository exists in its account and region and holds the tag/digest
    secrets      Secrets Manager ARNs (partial ones resolve to exactly one secret; version stages and ids exist),
                 SSM parameters (a bare name is a parameter, as ECS reads it), repository credentials, and the
                 customer-managed KMS keys that encrypt the secrets
    kms          the keys x-ecsform names exist and are enabled
    roles        brought roles exist, trust ecs-tasks.amazonaws.com, and their inline, attached and boundary
                 policies allow what the task needs (generators/rules/_brought_roles.py; iam.py evaluates)
    logs         a log group ecsform will not create exists; one it would create does not (else: synth --adopt)
    secrets      managed secrets (x-ecsform.secrets) that exist already (synth --adopt)
    efs          file systems and access points the volumes name; subnets, security groups and the VPC of
                 managed file systems
    s3           environment files and FireLens configuration files
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import arns
from ..errors import Check, Finding, Path, Severity
from ..rules import Context
from ..rules import _needs as needs_of
from ..rules._brought_roles import brought_role_needs
from ..spec import references
from . import iam
from .session import AWS_CREDENTIALS, AWS_ENDPOINT, Aws, aws_finding, error_code, is_aws_error
from .state import Held

# The findings this module raises (collected by the catalog: generators/rules).
VERIFY_IMAGE = Check(
    "VERIFY-IMAGE", Severity.ERROR, "A private ECR image's repository exists and holds its tag or digest."
)
VERIFY_SECRET = Check(
    "VERIFY-SECRET",
    Severity.ERROR,
    (
        "A referenced Secrets Manager secret exists (a partial ARN or a name resolves to exactly one), is "
        "not scheduled for deletion, and has the version stage or id the reference names."
    ),
)
VERIFY_SECRET_KMS = Check(
    "VERIFY-SECRET-KMS",
    Severity.WARNING,
    (
        "A referenced secret encrypted with a customer-managed key: the execution role ecsform creates is "
        "given that key (x-ecsform.executionRole.kmsKeyArns)."
    ),
)
VERIFY_PARAMETER = Check(
    "VERIFY-PARAMETER",
    Severity.ERROR,
    (
        "A referenced SSM parameter exists (a bare name is a parameter, as ECS reads it; a Secrets Manager "
        "secret of that name gets its ARN in the hint)."
    ),
)
VERIFY_KMS = Check(
    "VERIFY-KMS",
    Severity.ERROR,
    "A KMS key the spec names, or that encrypts a referenced secret, exists and is enabled.",
)
VERIFY_ROLE = Check(
    "VERIFY-ROLE",
    Severity.ERROR,
    "A brought role exists with exactly the ARN written (a role in another account: warning).",
)
VERIFY_ROLE_TRUST = Check(
    "VERIFY-ROLE-TRUST",
    Severity.ERROR,
    (
        "A brought role's trust policy lets ecs-tasks.amazonaws.com assume it (conditions ecsform cannot "
        "evaluate: warning)."
    ),
)
VERIFY_ROLE_POLICY = Check(
    "VERIFY-ROLE-POLICY",
    Severity.ERROR,
    (
        "A brought role's inline, attached and boundary policies allow what the task needs (conditions "
        "ecsform cannot evaluate: warning)."
    ),
)
VERIFY_LOG_GROUP = Check(
    "VERIFY-LOG-GROUP",
    Severity.ERROR,
    (
        "An awslogs log group that ecsform does not create (x-ecsform.logs.create: false) exists, or "
        "awslogs-create-group is true."
    ),
)
VERIFY_ADOPT = Check(
    "VERIFY-ADOPT",
    Severity.WARNING,
    (
        "Nothing the root creates under a fixed name (log groups, managed secrets) exists already, or `synth "
        "--adopt` imports it (a secret scheduled for deletion: error)."
    ),
)
VERIFY_EFS = Check(
    "VERIFY-EFS",
    Severity.ERROR,
    ("An EFS file system and access point a volume names exist, and the access point belongs to the file system."),
)
VERIFY_S3_OBJECT = Check(
    "VERIFY-S3-OBJECT", Severity.ERROR, "An environment file or FireLens configuration file exists in S3."
)
VERIFY_NETWORK = Check(
    "VERIFY-NETWORK",
    Severity.ERROR,
    ("A managed file system's VPC, subnets (one per Availability Zone, in the VPC) and security groups exist."),
)


E, W = Severity.ERROR, Severity.WARNING
ECS_TASKS = "ecs-tasks.amazonaws.com"
SECRETS_REFERENCE = "/aws/reference/secretsmanager/"


@dataclass(frozen=True)
class Note:
    """Something verify checked and found as the spec says (printed as `FILE:LINE:COL: ok: PATH: message`)."""

    path: Path
    message: str


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


class _Missing(Exception):
    """The AWS call answered that the thing does not exist (its error code is the argument)."""


class _Failed(Exception):
    """The AWS call failed for another reason; a finding has been recorded."""


NOT_FOUND = {
    "ecr": ("RepositoryNotFoundException", "ImageNotFoundException", "RegistryNotFoundException"),
    "secretsmanager": ("ResourceNotFoundException",),
    "kms": ("NotFoundException",),
    "iam": ("NoSuchEntity", "NoSuchEntityException"),
    "logs": ("ResourceNotFoundException",),
    "efs": ("FileSystemNotFound", "AccessPointNotFound"),
    "s3": ("404", "NoSuchKey", "NotFound", "NoSuchBucket"),
    "ec2": (
        "InvalidSubnetID.NotFound",
        "InvalidGroup.NotFound",
        "InvalidVpcID.NotFound",
        "InvalidGroupId.Malformed",
        "InvalidSubnetID.Malformed",
        "InvalidVpcID.Malformed",
    ),
}


class Verifier:
    def __init__(self, aws: Aws, ctx: Context, region: str, adopt_command: str, held: Held | None = None) -> None:
        self.aws = aws
        self.held = held or Held()  # what the root's state holds already: nothing to adopt there
        self.ctx = ctx
        self.region = region  # the task's region: bare parameter and secret names, log groups, EFS
        self.adopt_command = adopt_command
        self.result = Result()
        self.broken = False  # credentials or endpoint failed: further calls would fail the same way
        self.resolved: dict[str, str] = {}  # partial secret ARN (policy pattern) -> full ARN
        self.secret_keys: list[tuple[Path, str, str]] = []  # (path, secret ARN, KMS key id) of referenced secrets
        self._policies: dict[str, Any] = {}
        self.extra_needs: list[needs_of.Need] = []  # kms:Decrypt on the keys of referenced secrets
        self.named_roles: dict[str, str] = {}  # role fields the spec gives by name: field -> name

    # --- plumbing -------------------------------------------------------------------------------------------
    def error(self, check: Check, message: str, path: Path, hint: str | None = None, severity: Severity = E) -> None:
        self.result.findings.append(check.finding(message, path=path, hint=hint, severity=severity))

    def ok(self, path: Path, message: str) -> None:
        self.result.notes.append(Note(path, message))

    def call(self, path: Path, service: str, operation: str, region: str | None = None, **params: Any) -> Any:
        """One AWS call. Raises _Missing when AWS answers that the thing does not exist, _Failed (with a finding
        recorded) on any other AWS error."""
        if self.broken:
            raise _Failed()
        client = self.aws.client(service, region or self.region)
        try:
            return getattr(client, operation)(**params)
        except Exception as exc:
            if not is_aws_error(exc):
                raise
            code = error_code(exc)
            if code in NOT_FOUND.get(service, ()):
                raise _Missing(code) from None
            op = "".join(w.title() for w in operation.split("_"))
            subject = next((str(v) for v in params.values() if isinstance(v, str)), "")
            finding = aws_finding(
                exc, f"{service}:{op}" + (f" on {subject}" if subject else ""), path, region=region or self.region
            )
            self.result.findings.append(finding)
            if finding.rule in (AWS_CREDENTIALS.id, AWS_ENDPOINT.id):
                self.broken = True
            raise _Failed() from None

    def unread(self) -> str:
        return f" (its state could not be read: {self.held.problem})" if self.held.problem else ""

    def guarded(self, check: Callable[[], None]) -> None:
        try:
            check()
        except (_Failed, _Missing):
            pass

    # --- the checks -----------------------------------------------------------------------------------------
    def run(self, managed_secrets: dict[str, dict[str, Any]], log_groups_created: bool) -> Result:
        for path, c in self.ctx.containers():
            image = c.get("image")
            if isinstance(image, str):
                self.guarded(lambda: self.image(path + ("image",), image))
            for p, value in needs_of.secret_values(c, path):
                self.guarded(lambda: self.secret_or_parameter(p, value))
            for p, value in needs_of.repository_credentials(c, path):
                self.guarded(lambda: self.repository_credentials(p, value))
            for p, value in needs_of.environment_files(c, path):
                if arns.S3_OBJECT.match(value):
                    self.guarded(lambda: self.s3_object(p, value, "environment file"))
            config = needs_of.firelens_s3_config(c)
            if config and arns.S3_OBJECT.match(config):
                p = path + ("firelensConfiguration", "options", "config-file-value")
                self.guarded(lambda: self.s3_object(p, config, "FireLens configuration file"))
        self.guarded(lambda: self.log_groups(log_groups_created))
        for key, settings in sorted(managed_secrets.items()):
            self.guarded(lambda: self.managed_secret(("x-ecsform", "secrets", key), settings["name"]))
        self.kms_keys()
        self.secret_kms()
        self.efs()
        self.roles()
        return self.result

    # images
    def image(self, path: Path, image: str) -> None:
        m = arns.ECR_IMAGE.match(image)
        if not m:
            return  # a public or third-party registry: not checked
        account, region, _, repo = arns.ecr_repository(image)  # type: ignore[misc]
        rest = image[m.end() :]
        digest = rest.split("@", 1)[1] if "@" in rest else None
        tag = rest[1:].split("@", 1)[0] if rest.startswith(":") else None
        wanted = {"imageDigest": digest} if digest else {"imageTag": tag or "latest"}
        where = f"{repo} (account {account}, {region})"
        try:
            found = self.call(
                path, "ecr", "describe_images", region, registryId=account, repositoryName=repo, imageIds=[wanted]
            )
        except _Missing as exc:
            if str(exc) == "ImageNotFoundException":
                what = f"digest {digest}" if digest else f"tag {wanted['imageTag']}"
                self.error(
                    VERIFY_IMAGE,
                    f"ECR repository {where} holds no image with {what}",
                    path,
                    self._tags_hint(path, account, region, repo),
                )
            else:
                self.error(
                    VERIFY_IMAGE,
                    f"ECR repository {where} does not exist",
                    path,
                    f"push the image first (aws ecr create-repository --repository-name {repo} --region "
                    f"{region}; docker push {image}), or fix the image name",
                )
            return
        details = found.get("imageDetails") or [{}]
        self.ok(path, f"image {image} ({details[0].get('imageDigest', 'found')})")

    def _tags_hint(self, path: Path, account: str, region: str, repo: str) -> str:
        try:
            details = self.call(
                path,
                "ecr",
                "describe_images",
                region,
                registryId=account,
                repositoryName=repo,
                filter={"tagStatus": "TAGGED"},
            ).get("imageDetails", [])
        except (_Missing, _Failed):
            return "push the image, or fix the tag"
        newest = sorted(details, key=lambda d: str(d.get("imagePushedAt", "")), reverse=True)
        tags = [t for d in newest for t in d.get("imageTags", [])][:5]
        return "push the image, or fix the tag" + (
            f" (tags it holds: {', '.join(tags)})" if tags else " (it holds no tagged image)"
        )

    # secrets and parameters
    def secret_or_parameter(self, path: Path, value: str) -> None:
        if references.is_reference(value):
            return  # a secret ecsform creates: see managed_secret
        if value.startswith("arn:"):
            arn = arns.parse_arn(value)
            if arn is None:
                return
            if arn.service == "secretsmanager":
                self.secret_arn(path, value)
            elif arn.service == "ssm":
                self.parameter(path, arns.ssm_arn_without_selector(value), arn.region)
            return
        if value.startswith(SECRETS_REFERENCE):
            name = value[len(SECRETS_REFERENCE) :].split(":", 1)[0]
            self.secret_name(path, name, self.region)
            return
        self.parameter(path, value.split(":", 1)[0], self.region, bare=True)

    def repository_credentials(self, path: Path, value: str) -> None:
        if references.is_reference(value):
            return
        if value.startswith("arn:"):
            if arns.secret_ref(value) is not None:
                self.secret_arn(path, value)
            return
        self.secret_name(path, value, self.region)

    def secret_arn(self, path: Path, value: str) -> None:
        ref = arns.secret_ref(value)
        if ref is None or ref.fields not in (2, 5) or not ref.name:
            return  # ECS-H5 reports the shape
        region = ref.arn.region
        if ref.partial and ref.arn.account == self.aws.account:
            matches = self.secrets_named(path, ref.name, region)
            if len(matches) != 1:
                self.missing_secret(path, ref.base, ref.name, region, len(matches))
                return
            described = self.call(path, "secretsmanager", "describe_secret", region, SecretId=matches[0])
            self.resolved[ref.policy_resource] = described["ARN"]
            self.ok(path, f"partial ARN {ref.base} resolves to exactly one secret: {described['ARN']}")
        else:
            try:
                described = self.call(path, "secretsmanager", "describe_secret", region, SecretId=ref.base)
            except _Missing:
                self.missing_secret(path, ref.base, ref.name, region, 0)
                return
            if ref.partial:
                self.resolved[ref.policy_resource] = described["ARN"]
        if described.get("DeletedDate"):
            self.error(
                VERIFY_SECRET,
                f"secret {described['ARN']} is scheduled for deletion ({described['DeletedDate']}); ECS cannot read it",
                path,
                f"aws secretsmanager restore-secret --secret-id {described['ARN']} --region {region}",
            )
            return
        stages = described.get("VersionIdsToStages") or {}
        if ref.version_id and ref.version_id not in stages:
            self.error(
                VERIFY_SECRET,
                f"secret {described['ARN']} has no version {ref.version_id!r}",
                path,
                f"versions: {', '.join(sorted(stages)) or 'none'}",
            )
        elif ref.version_stage and not any(ref.version_stage in s for s in stages.values()):
            labels = sorted({label for s in stages.values() for label in s})
            self.error(
                VERIFY_SECRET,
                f"secret {described['ARN']} has no version labelled {ref.version_stage!r}",
                path,
                f"labels: {', '.join(labels) or 'none'}",
            )
        elif not ref.partial:
            self.ok(path, f"secret {described['ARN']}")
        if described.get("KmsKeyId"):
            self.secret_keys.append((path, described["ARN"], described["KmsKeyId"]))

    def secrets_named(self, path: Path, name: str, region: str) -> list[str]:
        """ARNs of the secrets (not scheduled for deletion) whose name is exactly `name`."""
        out: list[str] = []
        token = None
        while True:
            params: dict[str, Any] = {"Filters": [{"Key": "name", "Values": [name]}], "MaxResults": 100}
            if token:
                params["NextToken"] = token
            page = self.call(path, "secretsmanager", "list_secrets", region, **params)
            out += [s["ARN"] for s in page.get("SecretList", []) if s.get("Name") == name]
            token = page.get("NextToken")
            if not token:
                return sorted(out)

    def missing_secret(self, path: Path, arn: str, name: str, region: str, count: int) -> None:
        where = f"account {self.aws.account}, {region}"
        if count > 1:
            self.error(
                VERIFY_SECRET,
                f"{arn} matches {count} secrets named {name!r}",
                path,
                "write the full ARN (with the 6-character suffix) of the one the task reads",
            )
            return
        deleted = ""
        try:
            described = self.call(path, "secretsmanager", "describe_secret", region, SecretId=name)
            if described.get("DeletedDate"):
                deleted = (
                    f" (a secret of that name is scheduled for deletion: aws secretsmanager restore-secret "
                    f"--secret-id {described['ARN']})"
                )
        except _Missing:
            pass
        self.error(
            VERIFY_SECRET,
            f"no secret named {name!r} in {where}{deleted}",
            path,
            f"create it (aws secretsmanager create-secret --name {name} --region {region} --secret-string "
            "...), or fix the ARN",
        )

    def secret_name(self, path: Path, name: str, region: str) -> None:
        matches = self.secrets_named(path, name, region)
        if len(matches) != 1:
            self.missing_secret(path, name, name, region, len(matches))
            return
        described = self.call(path, "secretsmanager", "describe_secret", region, SecretId=matches[0])
        self.ok(path, f"secret {name!r} is {described['ARN']}")
        if described.get("KmsKeyId"):
            self.secret_keys.append((path, described["ARN"], described["KmsKeyId"]))

    def parameter(self, path: Path, name: str, region: str, *, bare: bool = False) -> None:
        found = self.call(path, "ssm", "get_parameters", region, Names=[name])
        if found.get("Parameters"):
            p = found["Parameters"][0]
            self.ok(path, f"SSM parameter {p.get('ARN') or p.get('Name')} ({p.get('Type', '')})")
            return
        hint = f"create it (aws ssm put-parameter --name {name} --type SecureString --value ... --region {region})"
        if bare:
            secrets = self.secrets_named(path, name, region)
            if len(secrets) == 1:
                self.error(
                    VERIFY_PARAMETER,
                    f"ECS reads {name!r} as an SSM parameter name, and no parameter has "
                    f"that name in account {self.aws.account}, {region}; Secrets Manager has a secret named "
                    f"{name!r}",
                    path,
                    f"to read the secret, write its ARN: valueFrom: {secrets[0]}",
                )
                return
        self.error(VERIFY_PARAMETER, f"no SSM parameter {name!r} in account {self.aws.account}, {region}", path, hint)

    # KMS
    def kms_keys(self) -> None:
        ext = self.ctx.ext
        keys: list[tuple[Path, str]] = [
            (("x-ecsform", "executionRole", "kmsKeyArns", i), k) for i, k in enumerate(ext.execution_role.kms_key_arns)
        ]
        if ext.logs.kms_key_arn:
            keys.append((("x-ecsform", "logs", "kmsKeyArn"), ext.logs.kms_key_arn))
        keys += [
            (("x-ecsform", "secrets", k, "kmsKeyArn"), s.kms_key_arn)
            for k, s in sorted(ext.secrets.items())
            if s.kms_key_arn
        ]
        keys += [
            (("x-ecsform", "efs", k, "kmsKeyArn"), f.kms_key_arn) for k, f in sorted(ext.efs.items()) if f.kms_key_arn
        ]
        for path, key in keys:
            self.guarded(lambda: self.kms_key(path, key))

    def region_of(self, arn: str) -> str:
        parsed = arns.parse_arn(arn)
        return parsed.region if parsed is not None and parsed.region else self.region

    def kms_key(self, path: Path, key: str) -> dict[str, Any] | None:
        region = self.region_of(key)
        try:
            meta = self.call(path, "kms", "describe_key", region, KeyId=key)["KeyMetadata"]
        except _Missing:
            self.error(
                VERIFY_KMS,
                f"KMS key {key} does not exist in {region}",
                path,
                "fix the key ARN, or create the key first",
            )
            return None
        if meta.get("KeyState") != "Enabled":
            self.error(
                VERIFY_KMS,
                f"KMS key {meta.get('Arn', key)} is {meta.get('KeyState')}: nothing can encrypt or decrypt with it",
                path,
                f"aws kms enable-key --key-id {meta.get('KeyId', key)}"
                if meta.get("KeyState") == "Disabled"
                else "use an enabled key",
            )
            return None
        self.ok(path, f"KMS key {meta.get('Arn', key)} is enabled")
        return meta

    def secret_kms(self) -> None:
        """Customer-managed keys of referenced secrets: enabled, and decryptable by the execution role."""
        granted: set[str] = set()
        managed_role = self.ctx.execution_role_managed
        if managed_role:
            for key in self.ctx.ext.execution_role.kms_key_arns:
                try:
                    granted.add(
                        self.call((), "kms", "describe_key", self.region_of(key), KeyId=key)["KeyMetadata"]["Arn"]
                    )
                except (_Missing, _Failed):
                    pass
        for path, secret, key in self.secret_keys:
            region = self.region_of(secret)
            try:
                meta = self.call(path, "kms", "describe_key", region, KeyId=key)["KeyMetadata"]
            except _Missing:
                self.error(
                    VERIFY_KMS,
                    f"secret {secret} is encrypted with KMS key {key}, which does not exist",
                    path,
                    "re-encrypt the secret with an existing key",
                )
                continue
            except _Failed:
                continue
            if meta.get("KeyManager") == "AWS":
                continue
            if meta.get("KeyState") != "Enabled":
                self.error(
                    VERIFY_KMS,
                    f"secret {secret} is encrypted with KMS key {meta['Arn']}, which is "
                    f"{meta.get('KeyState')}: ECS cannot decrypt it",
                    path,
                    "enable the key",
                )
                continue
            if managed_role and meta["Arn"] not in granted:
                self.error(
                    VERIFY_SECRET_KMS,
                    f"secret {secret} is encrypted with the customer-managed key "
                    f"{meta['Arn']}; the execution role ecsform creates gets kms:Decrypt only on the keys "
                    "x-ecsform.executionRole.kmsKeyArns lists",
                    path,
                    f"add {meta['Arn']} to x-ecsform.executionRole.kmsKeyArns (unless the key's policy "
                    "grants the role kms:Decrypt itself)",
                    W,
                )
            elif self.ctx.execution_role_arn is not None:
                self.extra_needs.append(needs_of.Need(("kms:Decrypt",), (meta["Arn"],)))

    # roles
    def roles(self) -> None:
        needed = brought_role_needs(self.ctx)
        extra = self.extra_needs
        if extra and "executionRoleArn" in needed:
            needed["executionRoleArn"] = needs_of.merge(needed["executionRoleArn"] + extra)
        elif extra and self.ctx.execution_role_arn is not None:
            needed["executionRoleArn"] = needs_of.merge(extra)
        for field_name in ("executionRoleArn", "taskRoleArn"):
            arn = self.named_roles.get(field_name) or self.ctx.task.get(field_name)
            if isinstance(arn, str):
                self.guarded(lambda: self.role((field_name,), arn, needed.get(field_name, [])))

    def role(self, path: Path, arn: str, needs: list[needs_of.Need]) -> None:
        m = arns.ROLE_ARN.match(arn)
        if not m and arns.ROLE_NAME.match(arn):  # by name: the role of that name in the task's account
            self.named_role(path, arn, needs)
            return
        if not m:
            return  # ECS-M1
        partition, account, _, name = m.groups()
        if account != self.aws.account:
            self.error(
                VERIFY_ROLE,
                f"role {arn} is in account {account}; verify runs in account {self.aws.account} and cannot read it",
                path,
                "run verify with credentials of the role's account (ECS passes roles of the task's account)",
                W,
            )
            return
        try:
            role = self.call(path, "iam", "get_role", RoleName=name)["Role"]
        except _Missing:
            self.error(
                VERIFY_ROLE,
                f"role {name!r} does not exist in account {account}",
                path,
                "create it, or remove the field to let ecsform create the role",
            )
            return
        if role.get("Arn") != arn:
            self.error(
                VERIFY_ROLE,
                f"role {name!r} exists as {role.get('Arn')}, not {arn} (its path is {role.get('Path')!r})",
                path,
                f"write {role.get('Arn')}",
            )
            return
        self.trusted_role(path, arn, role, needs, partition, account)

    def named_role(self, path: Path, name: str, needs: list[needs_of.Need]) -> None:
        account = self.aws.account
        try:
            role = self.call(path, "iam", "get_role", RoleName=name)["Role"]
        except _Missing:
            self.error(
                VERIFY_ROLE,
                f"role {name!r} does not exist in account {account} (the task names it by its name: ECS and the "
                "root's aws_iam_role data source look for it there)",
                path,
                "create it, or remove the field to let ecsform create the role",
            )
            return
        arn = role.get("Arn", "")
        partition = arn.split(":")[1] if arn.count(":") >= 5 else "aws"
        self.trusted_role(path, arn, role, needs, partition, account)

    def trusted_role(
        self, path: Path, arn: str, role: dict[str, Any], needs: list[needs_of.Need], partition: str, account: str
    ) -> None:
        trust = _document(role.get("AssumeRolePolicyDocument"))
        context = {"aws:SourceAccount": account, "aws:SourceArn": f"arn:{partition}:ecs:{self.region}:{account}:*"}
        decision = iam.trusts_service(trust, ECS_TASKS, context)
        if decision in (iam.Decision.NOT_ALLOWED, iam.Decision.DENIED):
            self.error(
                VERIFY_ROLE_TRUST,
                f"role {arn} does not let {ECS_TASKS} assume it ({decision.value}), so "
                "ECS cannot start the task with it",
                path,
                'its trust policy needs {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, '
                '"Action": "sts:AssumeRole"}',
            )
        elif decision is iam.Decision.MAYBE:
            self.error(
                VERIFY_ROLE_TRUST,
                f"role {arn} lets {ECS_TASKS} assume it only under conditions ecsform cannot evaluate",
                path,
                "check that ECS tasks meet the trust policy's conditions",
                W,
            )
        self.role_policies(path, arn, role, needs, account)

    def role_policies(
        self, path: Path, arn: str, role: dict[str, Any], needs: list[needs_of.Need], account: str
    ) -> None:
        if not needs:
            self.ok(path, f"role {arn} exists and trusts {ECS_TASKS}")
            return
        name = role["RoleName"]
        documents = []
        for policy in self.paged(path, "list_role_policies", "PolicyNames", RoleName=name):
            documents.append(
                _document(self.call(path, "iam", "get_role_policy", RoleName=name, PolicyName=policy)["PolicyDocument"])
            )
        for attached in self.paged(path, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
            documents.append(self.managed_policy(path, attached["PolicyArn"]))
        boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        boundary = self.managed_policy(path, boundary_arn) if boundary_arn else None
        missing: list[needs_of.Need] = []
        unsure: list[str] = []
        for need in needs:
            context = tuple((key, value) for _, key, value in need.condition)
            for resource in need.resources:
                concrete = self.concrete(resource, account)
                lacking = []
                for action in need.actions:
                    request = iam.Request(action, concrete, context)
                    decision = iam.combine(
                        iam.evaluate(documents, request), iam.evaluate([boundary], request) if boundary_arn else None
                    )
                    if decision in (iam.Decision.NOT_ALLOWED, iam.Decision.DENIED):
                        lacking.append(action)
                    elif decision is iam.Decision.MAYBE:
                        unsure.append(f"{action} on {concrete}")
                if lacking:
                    missing.append(needs_of.Need(tuple(lacking), (concrete,), need.condition))
        missing = needs_of.merge(missing)
        if missing:
            where = " and its permissions boundary" if boundary_arn else ""
            self.error(
                VERIFY_ROLE_POLICY,
                f"role {arn}'s policies{where} do not allow {needs_of.describe_needs(missing)}",
                path,
                f"add to its policy: {needs_of.policy_json(missing)}",
            )
        if unsure:
            self.error(
                VERIFY_ROLE_POLICY,
                f"role {arn} allows {', '.join(unsure)} only under conditions or "
                "policy variables ecsform cannot evaluate",
                path,
                "check those conditions hold for ECS",
                W,
            )
        if not missing and not unsure:
            self.ok(
                path,
                f"role {arn} exists, trusts {ECS_TASKS} and allows "
                f"{sum(len(n.actions) * len(n.resources) for n in needs)} needed permission(s)",
            )

    def concrete(self, resource: str, account: str) -> str:
        """A needed resource with what verify knows filled in: the region, the account, a partial secret's ARN."""
        if resource in self.resolved:
            return self.resolved[resource]
        return resource.replace(":REGION:", f":{self.region}:").replace(":ACCOUNT:", f":{account}:")

    def paged(self, path: Path, operation: str, key: str, **params: Any) -> list[Any]:
        out: list[Any] = []
        marker = None
        while True:
            page = self.call(path, "iam", operation, **params, **({"Marker": marker} if marker else {}))
            out += page.get(key, [])
            if not page.get("IsTruncated"):
                return out
            marker = page.get("Marker")

    def managed_policy(self, path: Path, arn: str) -> Any:
        if arn not in self._policies:
            try:
                version = self.call(path, "iam", "get_policy", PolicyArn=arn)["Policy"]["DefaultVersionId"]
                self._policies[arn] = _document(
                    self.call(path, "iam", "get_policy_version", PolicyArn=arn, VersionId=version)["PolicyVersion"][
                        "Document"
                    ]
                )
            except _Missing:
                self._policies[arn] = {}
        return self._policies[arn]

    # log groups and what ecsform would create
    def log_groups(self, created: bool) -> None:
        seen: set[tuple[str, str]] = set()
        for path, c in self.ctx.containers():
            driver, options = needs_of.log_options(c)
            group = options.get("awslogs-group")
            if driver != "awslogs" or not group:
                continue
            region = options.get("awslogs-region") or self.region
            if (group, region) in seen:
                continue
            seen.add((group, region))
            p = path + ("logConfiguration", "options", "awslogs-group")
            exists = self.log_group_exists(p, group, region)
            if created and exists and self.held.holds("aws_cloudwatch_log_group", group):
                self.ok(p, f"log group {group!r} exists; the root's state holds it")
            elif created and exists:
                self.error(
                    VERIFY_ADOPT,
                    f"log group {group!r} exists already in {region}: ecsform creates it, and "
                    "the root's first apply stops with ResourceAlreadyExistsException unless the root's state "
                    "holds it" + self.unread(),
                    p,
                    f"adopt it: {self.adopt_command} (the first apply imports it)",
                    W,
                )
            elif not created and not exists:
                if options.get("awslogs-create-group") == "true":
                    self.ok(p, f"log group {group!r} does not exist; ECS creates it (awslogs-create-group)")
                else:
                    self.error(
                        VERIFY_LOG_GROUP,
                        f"log group {group!r} does not exist in account "
                        f"{self.aws.account}, {region}, and ecsform does not create it "
                        "(x-ecsform.logs.create: false): the task fails to start",
                        p,
                        f"aws logs create-log-group --log-group-name {group} --region {region}; or remove "
                        "x-ecsform.logs.create: false",
                    )
            else:
                self.ok(p, f"log group {group!r} " + ("will be created" if created else "exists"))

    def log_group_exists(self, path: Path, group: str, region: str) -> bool:
        page = self.call(path, "logs", "describe_log_groups", region, logGroupNamePrefix=group, limit=50)
        return any(g.get("logGroupName") == group for g in page.get("logGroups", []))

    def managed_secret(self, path: Path, name: str) -> None:
        try:
            described = self.call(path, "secretsmanager", "describe_secret", self.region, SecretId=name)
        except _Missing:
            self.ok(path, f"secret {name!r} will be created")
            return
        if described.get("DeletedDate"):
            self.error(
                VERIFY_ADOPT,
                f"secret {name!r} exists, scheduled for deletion: ecsform cannot create "
                "it, and Terraform cannot import a deleted secret",
                path,
                f"restore it (aws secretsmanager restore-secret --secret-id {name} --region {self.region}) "
                f"and adopt it ({self.adopt_command}), or name the secret differently",
            )
            return
        if self.held.holds("aws_secretsmanager_secret", name):
            self.ok(path, f"secret {name!r} exists; the root's state holds it")
            return
        self.error(
            VERIFY_ADOPT,
            f"secret {name!r} exists already ({described['ARN']}): ecsform creates it, and the "
            "root's first apply stops with ResourceExistsException unless the root's state holds it" + self.unread(),
            path,
            f"adopt it: {self.adopt_command} (the first apply imports it)",
            W,
        )

    # EFS and its network
    def efs(self) -> None:
        for path, v in self.ctx.volumes():
            config = v.get("efsVolumeConfiguration")
            if not isinstance(config, dict):
                continue
            where = path + ("efsVolumeConfiguration",)
            fs = config.get("fileSystemId")
            if isinstance(fs, str) and not references.is_reference(fs):
                self.guarded(lambda: self.file_system(where + ("fileSystemId",), fs))
            auth = config.get("authorizationConfig")
            ap = auth.get("accessPointId") if isinstance(auth, dict) else None
            if isinstance(ap, str) and not references.is_reference(ap):
                self.guarded(
                    lambda: self.access_point(
                        where + ("authorizationConfig", "accessPointId"), ap, fs if isinstance(fs, str) else None
                    )
                )
        for key, fs in sorted(self.ctx.ext.efs.items()):
            self.guarded(lambda: self.network(("x-ecsform", "efs", key), fs))

    def file_system(self, path: Path, fs: str) -> None:
        try:
            self.call(path, "efs", "describe_file_systems", FileSystemId=fs)
        except _Missing:
            self.error(
                VERIFY_EFS,
                f"EFS file system {fs} does not exist in account {self.aws.account}, {self.region}",
                path,
                "fix the file system ID, or let ecsform create one (x-ecsform.efs)",
            )
            return
        self.ok(path, f"EFS file system {fs}")

    def access_point(self, path: Path, ap: str, fs: str | None) -> None:
        try:
            found = self.call(path, "efs", "describe_access_points", AccessPointId=ap)["AccessPoints"]
        except _Missing:
            found = []
        if not found:
            self.error(
                VERIFY_EFS,
                f"EFS access point {ap} does not exist in account {self.aws.account}, {self.region}",
                path,
                "fix the access point ID",
            )
            return
        owner = found[0].get("FileSystemId")
        if fs and not references.is_reference(fs) and owner != fs:
            self.error(
                VERIFY_EFS,
                f"access point {ap} belongs to file system {owner}, not {fs}",
                path,
                f"mount {owner}, or use an access point of {fs}",
            )
            return
        self.ok(path, f"EFS access point {ap} of {owner}")

    def network(self, path: Path, fs: Any) -> None:
        vpc = fs.vpc_id
        if vpc:
            try:
                self.call(path + ("vpcId",), "ec2", "describe_vpcs", VpcIds=[vpc])
                self.ok(path + ("vpcId",), f"VPC {vpc}")
            except _Missing:
                self.error(
                    VERIFY_NETWORK,
                    f"VPC {vpc} does not exist in account {self.aws.account}, {self.region}",
                    path + ("vpcId",),
                    "fix the VPC ID",
                )
                vpc = None
        zones: dict[str, str] = {}
        for i, subnet in enumerate(fs.subnet_ids):
            p = path + ("subnetIds", i)
            try:
                found = self.call(p, "ec2", "describe_subnets", SubnetIds=[subnet])["Subnets"][0]
            except _Missing:
                self.error(
                    VERIFY_NETWORK,
                    f"subnet {subnet} does not exist in account {self.aws.account}, {self.region}",
                    p,
                    "fix the subnet ID",
                )
                continue
            except _Failed:
                continue
            zone = found.get("AvailabilityZone", "")
            if vpc and found.get("VpcId") != vpc:
                self.error(
                    VERIFY_NETWORK,
                    f"subnet {subnet} is in {found.get('VpcId')}, not in vpcId {vpc}",
                    p,
                    "give subnets of the VPC the tasks run in",
                )
            elif zone in zones:
                self.error(
                    VERIFY_NETWORK,
                    f"subnets {zones[zone]} and {subnet} are both in {zone}: EFS takes one "
                    "mount target per Availability Zone, so the second fails (MountTargetConflict)",
                    p,
                    "give one subnet per Availability Zone",
                )
            else:
                self.ok(p, f"subnet {subnet} ({zone})")
            zones.setdefault(zone, subnet)
        for i, group in enumerate(fs.security_group_ids):
            p = path + ("securityGroupIds", i)
            try:
                found = self.call(p, "ec2", "describe_security_groups", GroupIds=[group])["SecurityGroups"][0]
            except _Missing:
                self.error(
                    VERIFY_NETWORK,
                    f"security group {group} does not exist in account {self.aws.account}, {self.region}",
                    p,
                    "fix the security group ID",
                )
                continue
            except _Failed:
                continue
            if vpc and found.get("VpcId") != vpc:
                self.error(
                    VERIFY_NETWORK,
                    f"security group {group} is in {found.get('VpcId')}, not in vpcId {vpc}",
                    p,
                    "give the tasks' security groups, in the tasks' VPC",
                )
            else:
                self.ok(p, f"security group {group}")

    # S3
    def s3_object(self, path: Path, value: str, what: str) -> None:
        m = arns.S3_OBJECT.match(value)
        if not m:
            return
        bucket, key = m.group(2), m.group(3)
        try:
            self.call(path, "s3", "head_object", Bucket=bucket, Key=key)
        except _Missing:
            try:
                self.call(path, "s3", "head_bucket", Bucket=bucket)
                message = f"{what} s3://{bucket}/{key} does not exist"
            except _Missing:
                message = f"{what} s3://{bucket}/{key}: bucket {bucket} does not exist"
            except _Failed:
                return
            self.error(
                VERIFY_S3_OBJECT, message, path, f"upload it (aws s3 cp FILE s3://{bucket}/{key}), or fix the ARN"
            )
            return
        self.ok(path, f"{what} s3://{bucket}/{key}")


def _document(value: Any) -> Any:
    """A policy document as IAM returns it: a mapping (boto3 decodes it), or URL-encoded JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(urllib.parse.unquote(value))
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def verify(
    aws: Aws,
    ctx: Context,
    region: str,
    managed_secrets: dict[str, dict[str, Any]],
    adopt_command: str,
    held: Held | None = None,
    named_roles: dict[str, str] | None = None,
) -> Result:
    """Every check for one variant; findings carry field paths (the flow locates them). `held`: what the root's
    state holds already (aws/state.py), about which VERIFY-ADOPT is silent. `named_roles`: the role fields the spec
    gives by name (field -> name), which the checks see as that role's ARN."""
    verifier = Verifier(aws, ctx, region, adopt_command, held)
    verifier.named_roles = dict(named_roles or {})
    return verifier.run(managed_secrets, ctx.ext.logs.create)
