"""What ecsform.yaml asks bootstrap for: the roles (pipeline, deploy, plan and state roles, by ARN, with who may
assume them and what they may do), the state buckets, and the accounts with the region each one's provider uses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import arns, locations
from ..aws import actions
from ..ci import environments as ci
from ..config import DEFAULT_ENVIRONMENT, Config
from ..errors import Check, EcsformError, Finding, Severity
from ..plan import ROLE_DATA, SECRET_DATA
from ..spec import targets

# The findings this module raises (collected by the catalog: generators/rules).
BOOTSTRAP_CONFIG = Check(
    "BOOTSTRAP-CONFIG",
    Severity.ERROR,
    (
        "ecsform bootstrap: ecsform.yaml lacks what it creates (a target's accountId or roleArn, ci.roleArn, "
        "ci.repository, backend.s3), one pipeline role serves both pull requests and applies, or an unknown "
        "CI."
    ),
)


E = Severity.ERROR


KINDS = ("github", "gitlab")


GITHUB_ISSUER = "token.actions.githubusercontent.com"


AUDIENCE = "sts.amazonaws.com"  # what aws-actions/configure-aws-credentials and the GitLab jobs ask for


@dataclass
class Role:
    arn: str
    kind: str  # "ci-apply", "ci-plan", "deploy", "plan", "state" (several when one role serves several)
    trusted_by: set[str] = field(default_factory=set)  # role ARNs that may assume it
    subjects: set[str] = field(default_factory=set)  # OIDC subjects that may assume it (pipeline roles)
    assumes: set[str] = field(default_factory=set)  # role ARNs it may assume
    actions: set[str] = field(default_factory=set)
    state: list[tuple[str, str]] = field(default_factory=list)  # (bucket, key prefix) it reads and writes

    @property
    def account(self) -> str:
        m = arns.ROLE_ARN.match(self.arn)
        assert m
        return m.group(2)

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1]

    @property
    def name(self) -> str:
        return self.arn.rsplit("/", 1)[1]

    @property
    def path(self) -> str:
        rest = self.arn.split(":role", 1)[1]
        return rest[: rest.rindex("/") + 1]


@dataclass
class Bucket:
    name: str
    account: str
    region: str
    kms_key_id: str | None


def module_types() -> list[str]:
    """The resource and data source types of the modules (modules/*/*.tf) and of the roots (the data sources
    root.py declares: partial secret ARNs, roles named by their name, and the target values no target names):
    `aws_x` for a resource, `data.aws_x` for a data source."""
    found = {f"data.{SECRET_DATA}", f"data.{ROLE_DATA}", *(f"data.{source}" for source, _ in targets.DATA.values())}
    for path in sorted(locations.MODULES.glob("*/*.tf")):
        for kind, name in re.findall(r'^(resource|data) "([a-z0-9_]+)"', path.read_text(encoding="utf-8"), re.M):
            found.add(name if kind == "resource" else f"data.{name}")
    return sorted(found)


def _problem(config: Config, message: str, path: tuple, hint: str) -> Finding:
    return config.finding(BOOTSTRAP_CONFIG.id, E, message, path, hint)


def _subjects(kind: str, config: Config, environment: str, *, plan: bool) -> list[str]:
    """The OIDC `sub` values of the jobs that assume a pipeline role (the jobs `ecsform ci` writes).

    GitHub (docs.github.com, "OpenID Connect reference": a job that names an environment has
    `repo:OWNER/NAME:environment:NAME`; a pull request's, `repo:OWNER/NAME:pull_request`; any other job,
    `repo:OWNER/NAME:ref:refs/heads/BRANCH`): the plan identity serves pull requests' plans; the apply identity the
    apply jobs behind the environment's gate (they deploy and prune too) and the default branch's plan jobs (pushes,
    dispatches and re-plans run on it without an environment), whose plans are the ones applied, made with the
    deploy roles. The record job and the others assume no role.

    GitLab (docs.gitlab.com, "OpenID Connect (OIDC) Authentication Using ID Tokens": `project_path:GROUP/PROJECT:
    ref_type:branch:ref:BRANCH`, the environment is no part of it): the apply identity serves every job of a
    pipeline on the default branch (its plans and its applies, which GitLab's protected environment gates), the plan
    identity merge request pipelines (any branch of the project)."""
    settings = ci.settings(config)
    repo = settings.repository or ""
    if kind == "github":
        if plan:
            return [f"repo:{repo}:pull_request"]
        return [
            f"repo:{repo}:environment:{ci.github_gate(settings, environment)}",
            f"repo:{repo}:ref:refs/heads/{settings.default_branch}",
        ]
    if plan:
        return [f"project_path:{repo}:ref_type:branch:ref:*"]
    return [f"project_path:{repo}:ref_type:branch:ref:{settings.default_branch}"]


def oidc_issuer(kind: str, config: Config) -> str:
    if kind == "github":
        return GITHUB_ISSUER
    return ci.settings(config).gitlab_url.removeprefix("https://")


def model(config: Config, kind: str) -> tuple[dict[str, Role], list[Bucket], dict[str, str]]:
    """The roles (by ARN), the state buckets and the accounts (id -> the region its provider uses) bootstrap
    creates from ecsform.yaml. Raises EcsformError (BOOTSTRAP-CONFIG, at the line that is missing something)."""
    settings = ci.settings(config)
    problems: list[Finding] = []
    if not settings.repository:
        where = ("ci",) if config.model.ci is not None else ()
        problems.append(
            _problem(
                config,
                "bootstrap needs ci.repository: the repository whose pipelines may assume the roles",
                where,
                "ci: {repository: OWNER/NAME} (GitHub) or GROUP/PROJECT (GitLab)",
            )
        )
    backend = config.model.backend.s3 if config.model.backend is not None else None
    if backend is None or backend.bucket is None or backend.key is None:
        problems.append(
            _problem(
                config,
                "bootstrap creates the state bucket backend.s3 names: give backend.s3.bucket and key",
                ("backend",) if config.model.backend is not None else (),
                "backend: {s3: {bucket: acme-tfstate-{accountId}, key: ecsform/{root}/terraform.tfstate}}",
            )
        )
    elif any(p in backend.bucket for p in ("{family}", "{root}")):
        problems.append(
            _problem(
                config,
                f"bucket {backend.bucket!r} names a {{family}} or {{root}}: bootstrap makes the buckets before "
                "any root exists",
                ("backend", "s3", "bucket"),
                "one bucket per account or region: {accountId}, {region}, {environment}",
            )
        )
    environments = [None, *config.environments] if not config.environments else list(config.environments)
    if config.environments and config.model.defaults.account_id:
        environments = [None, *environments]  # specs without environments deploy to the defaults
    targets = []
    for env in environments:
        target = config.target(env)
        path = ("environments", env) if env else ("defaults",)
        if not target.account_id or not target.role_arn:
            problems.append(
                _problem(
                    config,
                    f"{'environment ' + env if env else 'defaults'}: bootstrap needs the target's accountId and "
                    "roleArn (the role the roots assume, which it creates)",
                    path,
                    'accountId: "111111111111" and roleArn: arn:aws:iam::111111111111:role/ecsform-deploy',
                )
            )
            continue
        targets.append((env, target))
    for env in [e or DEFAULT_ENVIRONMENT for e, _ in targets]:
        if ci.role(settings, env, plan=False) is None:
            problems.append(
                _problem(
                    config,
                    f"no pipeline role for {env}: bootstrap creates ci.roleArn (or ci.environments.{env}.roleArn)",
                    ("ci",) if config.model.ci is not None else (),
                    "ci: {roleArn: arn:aws:iam::123456789012:role/ecsform-ci}",
                )
            )
    if problems:
        raise EcsformError(problems)
    assert backend is not None and backend.bucket is not None and backend.key is not None

    roles: dict[str, Role] = {}

    def role(arn: str, kind_: str) -> Role:
        found = roles.setdefault(arn, Role(arn, kind_))
        if kind_ not in found.kind.split("+"):
            found.kind += "+" + kind_
        return found

    types = module_types()
    reads = actions.terraform_actions(types, write=False) + actions.command_actions(actions.READ_COMMANDS)
    writes = actions.terraform_actions(types, write=True) + actions.command_actions(
        actions.READ_COMMANDS + actions.WRITE_COMMANDS
    )
    buckets: dict[str, Bucket] = {}
    accounts: dict[str, str] = {}
    prefix = re.split(r"\{", backend.key, maxsplit=1)[0]
    for env, target in targets:
        name = env or DEFAULT_ENVIRONMENT
        region = target.region or settings.region or "us-east-1"
        accounts.setdefault(target.account_id or "", region)
        values = {"accountId": target.account_id, "region": region, "environment": name}
        fill = lambda text: re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), text)  # noqa: E731
        bucket_name = fill(backend.bucket)
        state_arn = fill(backend.role_arn) if backend.role_arn else None
        bucket_account = arns.ROLE_ARN.match(state_arn).group(2) if state_arn else target.account_id  # type: ignore[union-attr]
        bucket_region = backend.region or region
        buckets.setdefault(bucket_name, Bucket(bucket_name, bucket_account or "", bucket_region, backend.kms_key_id))
        accounts.setdefault(bucket_account or "", bucket_region)
        deploy = role(target.role_arn or "", "deploy")
        deploy.actions.update(writes)
        apply_identity = role(ci.role(settings, name, plan=False) or "", "ci-apply")
        plan_identity = role(ci.role(settings, name, plan=True) or "", "ci-plan")
        apply_identity.subjects.update(_subjects(kind, config, name, plan=False))
        plan_identity.subjects.update(_subjects(kind, config, name, plan=True))
        deploy.trusted_by.add(apply_identity.arn)
        apply_identity.assumes.add(deploy.arn)
        if target.plan_role_arn:
            planner = role(target.plan_role_arn, "plan")
            planner.actions.update(reads)
            planner.trusted_by.add(plan_identity.arn)
            plan_identity.assumes.add(planner.arn)
        else:  # pull requests plan with the deploy role: the pipeline's plan identity needs it (no planRoleArn)
            deploy.trusted_by.add(plan_identity.arn)
            plan_identity.assumes.add(deploy.arn)
        for identity in (apply_identity, plan_identity):
            if state_arn:
                state = role(state_arn, "state")
                if (bucket_name, prefix) not in state.state:
                    state.state.append((bucket_name, prefix))
                state.trusted_by.add(identity.arn)
                identity.assumes.add(state.arn)
            elif (bucket_name, prefix) not in identity.state:
                identity.state.append((bucket_name, prefix))
    shared = sorted(arn for arn, r in roles.items() if {"ci-apply", "ci-plan"} <= set(r.kind.split("+")))
    if shared:  # pull requests run the workflow they bring: their role must never reach a deploy role
        raise EcsformError(
            [
                _problem(
                    config,
                    f"{shared[0]} would serve both pull requests' plans and the default branch's applies: a pull "
                    "request, which runs the workflow it brings, could then assume the deploy roles",
                    ("ci",) if config.model.ci is not None else (),
                    "give pull requests a role of their own: ci.planRoleArn (and ci.environments.E.planRoleArn "
                    "where an environment names its own roleArn)",
                )
            ]
        )
    for r in roles.values():
        accounts.setdefault(r.account, settings.region or config.model.defaults.region or "us-east-1")
    return dict(sorted(roles.items())), sorted(buckets.values(), key=lambda b: b.name), dict(sorted(accounts.items()))
