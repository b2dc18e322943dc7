"""The checks of the ci block that its types cannot say: formats, and environments ecsform.yaml declares."""

from __future__ import annotations

from ..errors import Check, Finding, Severity
from ..target import DEFAULT_ENVIRONMENT
from ..text import suggest
from .constraints import (
    BRANCH,
    GITHUB_ENVIRONMENT,
    GITLAB_ENVIRONMENT,
    GITLAB_URL,
    PY_VERSION,
    REGION,
    REPOSITORY,
    ROLE_ARN,
    TF_VERSION,
    relative,
)
from .model import CiConfig

# The findings this module raises (collected by the catalog: generators/rules).
CONFIG_INVALID = Check(
    "CONFIG-INVALID",
    Severity.ERROR,
    "A value of ecsform.yaml is invalid: account id, region, role ARN, tag, bucket name, state key.",
)
CONFIG_ENV_UNDECLARED = Check(
    "CONFIG-ENV-UNDECLARED", Severity.ERROR, "A spec's overlay names an environment ecsform.yaml does not declare."
)


E = Severity.ERROR


def ci_checks(ci: CiConfig, declared: list[str]) -> list[Finding]:
    """What the types of the ci block cannot say: formats, and environments ecsform.yaml declares."""
    out: list[Finding] = []

    def check(ok: bool, path: tuple, message: str, hint: str) -> None:
        if not ok:
            out.append(CONFIG_INVALID.finding(message, path=("ci",) + path, hint=hint))

    roles: list[tuple[tuple[str, ...], str | None]] = [
        (("roleArn",), ci.role_arn),
        (("planRoleArn",), ci.plan_role_arn),
    ]
    for name, env in ci.environments.items():
        roles += [
            (("environments", name, "roleArn"), env.role_arn),
            (("environments", name, "planRoleArn"), env.plan_role_arn),
        ]
        if env.github_environment is not None:
            g = env.github_environment
            check(
                GITHUB_ENVIRONMENT.ok(g),
                ("environments", name, "githubEnvironment"),
                f"githubEnvironment {g!r} is not a GitHub environment name",
                f"1-{GITHUB_ENVIRONMENT.max_length} printable characters",
            )
        if env.gitlab_environment is not None:
            check(
                GITLAB_ENVIRONMENT.ok(env.gitlab_environment),
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
                ROLE_ARN.ok(role),
                path,
                f"{path[-1]} {role!r} is not an IAM role ARN",
                "arn:aws:iam::ACCOUNT:role/NAME",
            )
    if ci.region is not None:
        check(
            REGION.ok(ci.region),
            ("region",),
            f"region {ci.region!r} is not an AWS region",
            "for example us-east-1",
        )
    check(
        TF_VERSION.ok(ci.terraform_version),
        ("terraformVersion",),
        f"terraformVersion {ci.terraform_version!r} is not a Terraform release",
        "for example 1.11.4 (X.Y.Z; Atlantis and setup-terraform install exactly this release)",
    )
    check(
        PY_VERSION.ok(ci.python_version),
        ("pythonVersion",),
        f"pythonVersion {ci.python_version!r} is not a Python 3 release",
        'quoted, for example "3.11"',
    )
    check(
        BRANCH.ok(ci.default_branch),
        ("defaultBranch",),
        f"defaultBranch {ci.default_branch!r} is not a branch name",
        "for example main",
    )
    check(bool(ci.specs), ("specs",), "specs is empty", "name the spec files or folders synth reads, e.g. specs")
    for i, spec in enumerate(ci.specs):
        check(
            relative(spec),
            ("specs", i),
            f"specs entry {spec!r} is not a relative path inside the repository",
            "for example specs or services/orders.yaml",
        )
    check(
        relative(ci.out), ("out",), f"out {ci.out!r} is not a relative path inside the repository", "for example build"
    )
    if ci.repository is not None:
        check(
            REPOSITORY.ok(ci.repository),
            ("repository",),
            f"repository {ci.repository!r} is not OWNER/NAME (GitHub) or GROUP/PROJECT (GitLab)",
            "for example acme/platform",
        )
    check(
        GITLAB_URL.ok(ci.gitlab_url),
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
