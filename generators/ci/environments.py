"""What ecsform.yaml's ci: block says per environment: the role each job assumes (OIDC), the gate (GitHub or GitLab
environment) whose reviewers approve an apply, the region, the promotion order; and the checks that no pipeline is
written without a role or with an unprotected apply."""

from __future__ import annotations

import re
from typing import Literal

from ..config import DEFAULT_ENVIRONMENT, CiConfig, Config
from ..config.checks import CONFIG_REQUIRED
from ..config.discovery import CONFIG_READ
from ..errors import EcsformError, Severity

Engine = Literal["github", "gitlab"]


def settings(config: Config | None) -> CiConfig:
    """The ci: block (its defaults when there is none); a located finding when there is no ecsform.yaml."""
    if config is None:
        raise EcsformError(
            [
                CONFIG_READ.finding(
                    "ecsform ci needs an ecsform.yaml (its ci: block)",
                    hint="run it in the repository that holds ecsform.yaml, or give --config FILE",
                    file="ecsform.yaml",
                    mark=(1, 1),
                )
            ]
        )
    return config.model.ci or CiConfig()


def names(config: Config) -> list[str]:
    """Every environment a root can have: `default` (a spec without environments), the declared ones, and the ones
    ci.environments names (all of them declared, when any is)."""
    ci = settings(config)
    return sorted({DEFAULT_ENVIRONMENT, *config.environments, *ci.environments})


def role(ci: CiConfig, environment: str | None, *, plan: bool) -> str | None:
    env = ci.environments.get(environment or DEFAULT_ENVIRONMENT)
    if plan:
        return (
            (env.plan_role_arn if env else None) or (env.role_arn if env else None) or ci.plan_role_arn or ci.role_arn
        )
    return (env.role_arn if env else None) or ci.role_arn


def github_gate(ci: CiConfig, environment: str | None) -> str:
    name = environment or DEFAULT_ENVIRONMENT
    env = ci.environments.get(name)
    return (env.github_environment if env else None) or name


def gitlab_gate(ci: CiConfig, environment: str | None) -> str:
    name = environment or DEFAULT_ENVIRONMENT
    env = ci.environments.get(name)
    return (env.gitlab_environment if env else None) or name


def region(config: Config) -> str:
    ci = settings(config)
    return ci.region or config.model.defaults.region or "us-east-1"


def promotion(config: Config) -> list[str]:
    """The environments in the order a change reaches them (ci.promotion, default: the order they are declared)."""
    ci = config.model.ci
    return list(ci.promotion) if ci is not None and ci.promotion is not None else list(config.environments)


def label(environment: str) -> str:
    """An environment's name as a job id or artifact name may spell it."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", environment)


def require_gates(config: Config, engine: Engine) -> None:
    """An apply is never unprotected: the gate of roots without an environment (`default`) must be named in
    ci.environments.default (GitHub or GitLab environment), not fall back to an environment nobody protects."""
    ci = settings(config)
    env = ci.environments.get(DEFAULT_ENVIRONMENT)
    field = "githubEnvironment" if engine == "github" else "gitlabEnvironment"
    named = (env.github_environment if engine == "github" else env.gitlab_environment) if env else None
    if named:
        return
    where: tuple[str, ...]
    if env is not None:
        where = ("ci", "environments", DEFAULT_ENVIRONMENT)
    else:
        where = ("ci", "environments") if ci.environments else ("ci",) if config.model.ci is not None else ()
    raise EcsformError(
        [
            config.finding(
                CONFIG_REQUIRED.id,
                Severity.ERROR,
                f"no {'GitHub' if engine == 'github' else 'GitLab'} environment gates the apply of roots without an "
                f"environment: it would run in one named {DEFAULT_ENVIRONMENT!r}, which nobody protects",
                where,
                f"set ci.environments.default.{field}: the environment whose reviewers approve those applies "
                "(give it required reviewers, or protect it)",
                at_key=bool(where),
            )
        ]
    )


def require_roles(config: Config) -> None:
    """github and gitlab assume a role through OIDC for every environment: say which one lacks it."""
    ci = settings(config)
    missing = [e for e in names(config) if role(ci, e, plan=False) is None]
    if missing:
        where: tuple[str, ...] = ("ci",) if config.model.ci is not None else ()
        raise EcsformError(
            [
                config.finding(
                    CONFIG_REQUIRED.id,
                    Severity.ERROR,
                    f"no role for the pipeline to assume (OIDC) in {', '.join(missing)}",
                    where,
                    "set ci.roleArn (or ci.environments.<name>.roleArn): a role that trusts your CI's OIDC provider",
                )
            ]
        )
