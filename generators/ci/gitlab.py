"""GitLab CI: .gitlab/ecsform.gitlab-ci.yml, the parent pipeline (a job that synthesizes, runs `ecsform changed` and
writes the child pipeline, a job that triggers it), and `ecsform ci gitlab-child`, the child pipeline of a change's
roots in chunks."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from ..config import CiConfig, Config
from .chunks import ChangedRoot, Chunk, chunks, read_changed
from .environments import gitlab_gate, promotion, region, require_gates, require_roles, role, settings
from .output import Block, Node, dump
from .shell import (
    APPLIED_FILE,
    ARTIFACT_DAYS,
    CHANGED_FILE,
    PLAN_FILE,
    RECEIPT_FILE,
    STALE_FILE,
    commands,
    job_environment,
    unlocked_cache,
)

# GitLab: a job `needs` at most 50 others (ci_needs_size_limit, default 50: docs.gitlab.com/administration/cicd,
# "Set the needs job limit"); a prod apply job needs the parent, its plan and every dev apply job of the change, so an
# environment gets at most 48 jobs. GitLab.com's Free plan runs at most 500 jobs of active pipelines
# (docs.gitlab.com/user/gitlab_com, "GitLab CI/CD"): two jobs per chunk (plan, apply), so at most 200 chunks.
GITLAB_NEEDS_MAX = 50
GITLAB_CHUNKS_PER_ENVIRONMENT = GITLAB_NEEDS_MAX - 2
GITLAB_CHUNKS_MAX = 200
GITLAB_CHANGED_JOB = "ecsform-changed"
CHILD_FILE = "ecsform-child.yml"


def change_rules(ci: CiConfig) -> list[Node]:
    """When the parent pipeline plans (a merge request), or plans and applies (a push to the default branch, a
    replan: a pipeline an apply job starts on the default branch with ECSFORM_REPLAN, the commit it compared with,
    when a root's state changed since its plan), and what it compares with."""
    on_merge_request = '$CI_PIPELINE_SOURCE == "merge_request_event"'
    on_default_branch = f'$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == "{ci.default_branch}"'
    on_replan = f'$ECSFORM_REPLAN && $CI_COMMIT_BRANCH == "{ci.default_branch}"'
    # a merge request's roots assume the read-only plan roles (--plan-role); the default branch's are planned to be
    # applied, with the deploy roles
    applied = {"ECSFORM_CHILD_ARGS": "--apply", "ECSFORM_SYNTH_ARGS": ""}
    return [
        {
            "if": on_merge_request,
            "variables": {
                "ECSFORM_SINCE": "$CI_MERGE_REQUEST_DIFF_BASE_SHA",
                "ECSFORM_CHILD_ARGS": "",
                "ECSFORM_SYNTH_ARGS": "--plan-role",
            },
        },
        {"if": on_replan, "variables": {"ECSFORM_SINCE": "$ECSFORM_REPLAN", **applied}},
        {"if": on_default_branch, "variables": {"ECSFORM_SINCE": "$CI_COMMIT_BEFORE_SHA", **applied}},
    ]


def record_job(config: Config) -> Block:
    """A service's CI triggers a pipeline with ECSFORM_SPEC, ECSFORM_DEPLOY_ENVIRONMENT, ECSFORM_CONTAINER and
    ECSFORM_IMAGE: the image is recorded and pushed with ECSFORM_PUSH_TOKEN (a project access token that may write
    the repository), and that push's pipeline (or the merge request's) plans and applies it."""
    ci = settings(config)
    on_trigger = (
        '($CI_PIPELINE_SOURCE == "trigger" || $CI_PIPELINE_SOURCE == "api" || $CI_PIPELINE_SOURCE == "pipeline") '
        "&& $ECSFORM_IMAGE"
    )
    mr = ci.image_deploys == "pull-request"
    return {
        "stage": "build",
        "image": f"python:{ci.python_version}",
        "rules": [{"if": on_trigger}],
        "variables": {
            "GIT_DEPTH": "0",
            "ECSFORM_BRANCH": ci.default_branch,
            **({"ECSFORM_PR_BRANCH": "ecsform/deploy-$CI_PIPELINE_ID"} if mr else {}),
            "GIT_AUTHOR_NAME": "ecsform",
            "GIT_AUTHOR_EMAIL": "ecsform@$CI_SERVER_HOST",
            "GIT_COMMITTER_NAME": "ecsform",
            "GIT_COMMITTER_EMAIL": "ecsform@$CI_SERVER_HOST",
        },
        "script": [
            ci.install,
            'git checkout -q -B "$ECSFORM_BRANCH" "origin/$ECSFORM_BRANCH"',
            'git remote set-url origin "https://ecsform:${ECSFORM_PUSH_TOKEN}@${CI_SERVER_HOST}/${CI_PROJECT_PATH}.git"',
            *commands("record", ci, images=config.model.images.folder),
            *commands("push", ci, engine="gitlab"),
        ],
    }


def changed_job(ci: CiConfig, rules: list[Node]) -> Block:
    """Synthesize the roots (handed to the child jobs as an artifact), run `ecsform changed` and write the child
    pipeline (`ecsform ci gitlab-child`)."""
    script = [
        ci.install,
        commands("plan", ci)[0],  # the roots, handed to the child jobs as an artifact
        *commands("changed", ci),
        f"ecsform ci gitlab-child --changed {CHANGED_FILE} $ECSFORM_CHILD_ARGS --out {CHILD_FILE}",
    ]
    return {
        "stage": "build",
        "image": f"python:{ci.python_version}",
        "rules": rules,
        "variables": {"GIT_DEPTH": "0"},  # `changed` synthesizes the revision it compares with
        "script": script,
        "artifacts": {"paths": [ci.out + "/", CHANGED_FILE, CHILD_FILE], "expire_in": f"{ARTIFACT_DAYS} days"},
    }


def trigger_job(rules: list[Node]) -> Block:
    """Run the child pipeline `changed_job` wrote, under the same rules: the child's jobs see ECSFORM_SINCE (a
    replan names it)."""
    return {
        "stage": "test",
        "rules": rules,
        "needs": [GITLAB_CHANGED_JOB],
        "variables": {"PARENT_PIPELINE_ID": "$CI_PIPELINE_ID"},
        "trigger": {"include": [{"artifact": CHILD_FILE, "job": GITLAB_CHANGED_JOB}], "strategy": "depend"},
    }


def gitlab(config: Config) -> str:
    """.gitlab/ecsform.gitlab-ci.yml (include it from .gitlab-ci.yml): a job that synthesizes, runs `ecsform
    changed` and writes the child pipeline, and a job that triggers it; a job that records an image another
    repository's CI sends."""
    require_roles(config)
    require_gates(config, "gitlab")
    ci = settings(config)
    rules = change_rules(ci)  # one list, written once with an anchor and referred to by the trigger job
    pipeline: Block = {
        "ecsform-record": record_job(config),
        GITLAB_CHANGED_JOB: changed_job(ci, rules),
        "ecsform-pipeline": trigger_job(rules),
    }
    return dump(pipeline, "ci gitlab")


# --- the child pipeline -------------------------------------------------------------------------------------------


def install_terraform(version: str) -> list[str]:
    """Terraform in a Python image, from HashiCorp's releases, its checksum verified (the job needs both Python, for
    ecsform, and Terraform)."""
    base = f"https://releases.hashicorp.com/terraform/{version}"
    return [
        'arch="$(uname -m | sed -e s/x86_64/amd64/ -e s/aarch64/arm64/)"',
        f'curl -fsSLo /tmp/terraform.zip "{base}/terraform_{version}_linux_${{arch}}.zip"',
        f'curl -fsSLo /tmp/terraform.sums "{base}/terraform_{version}_SHA256SUMS"',
        f'(cd /tmp && grep " terraform_{version}_linux_${{arch}}.zip$" terraform.sums | sed "s/ terraform_.*/  terraform.zip/" | sha256sum -c -)',
        "python -c \"import zipfile; zipfile.ZipFile('/tmp/terraform.zip').extract('terraform', '/usr/local/bin')\"",
        "chmod +x /usr/local/bin/terraform",
    ]


def job_template(config: Config) -> Block:
    """`.ecsform-job`, what every plan and apply job of the child extends: Python and Terraform, and the OIDC
    identity token Terraform's AWS SDK and boto3 read (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE; no AWS CLI)."""
    ci = settings(config)
    return {
        "image": f"python:{ci.python_version}",
        "id_tokens": {"ECSFORM_ID_TOKEN": {"aud": "sts.amazonaws.com"}},
        "variables": {
            "AWS_REGION": region(config),
            "AWS_WEB_IDENTITY_TOKEN_FILE": "$CI_PROJECT_DIR/.ecsform-web-identity-token",
            "TF_IN_AUTOMATION": "true",
            "TF_PLUGIN_CACHE_DIR": "$CI_PROJECT_DIR/.terraform.d/plugin-cache",
            **unlocked_cache(config),
        },
        "before_script": [
            'printf \'%s\' "$ECSFORM_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"',
            'mkdir -p "$TF_PLUGIN_CACHE_DIR"',
            *install_terraform(ci.terraform_version),
            ci.install,
        ],
        "cache": {"key": f"terraform-plugins-{ci.terraform_version}", "paths": [".terraform.d/plugin-cache/"]},
    }


PARENT: Block = {"pipeline": "$PARENT_PIPELINE_ID", "job": GITLAB_CHANGED_JOB}  # the roots, synthesized once


def plan_job(ci: CiConfig, chunk: Chunk, apply: bool) -> Block:
    """Plan the chunk's roots; their plans and receipts are the job's artifacts, for the apply job (and for
    reviewers: browse the job's artifacts). A merge request's plan (no `apply`) assumes the plan role; the default
    branch's, applied as planned, the apply's role."""
    files = [f"{ci.out}/{root}/{name}" for root in chunk.roots for name in (PLAN_FILE, RECEIPT_FILE)]
    return {
        "extends": ".ecsform-job",
        "stage": "plan",
        "needs": [dict(PARENT)],
        "variables": {
            **job_environment(ci, list(chunk.roots), chunk.environment),
            "AWS_ROLE_ARN": role(ci, chunk.environment, plan=not apply),
        },
        "script": commands("plan", ci, synth=False),
        "artifacts": {"paths": files, "expire_in": f"{ARTIFACT_DAYS} days"},
    }


def apply_job(ci: CiConfig, chunk: Chunk, waits: list[str]) -> Block:
    """A manual job behind the chunk's GitLab environment: apply the chunk's reviewed plans and deploy each root,
    after the apply jobs of the environment before (`waits`); roots whose state changed since their plan start a
    pipeline on the default branch that plans them again and asks again."""
    stale = [
        f'if [ -s {STALE_FILE} ]; then curl -fsS -X POST --form "token=$CI_JOB_TOKEN" --form "ref=$CI_DEFAULT_BRANCH" '
        '--form "variables[ECSFORM_REPLAN]=$ECSFORM_SINCE" '
        '"$CI_API_V4_URL/projects/$CI_PROJECT_ID/trigger/pipeline" >/dev/null && '
        'echo "a pipeline on $CI_DEFAULT_BRANCH plans them again and asks again"; fi'
    ]
    return {
        "extends": ".ecsform-job",
        "stage": "apply",
        # the parent's roots and changed list, this chunk's reviewed plans, and what the environment before
        # this one applied of the same change (ecsform review check reads it)
        "needs": [dict(PARENT), f"plan {chunk.id}", *waits],
        "environment": {"name": gitlab_gate(ci, chunk.environment)},
        "when": "manual",
        "variables": {
            **job_environment(ci, list(chunk.roots), chunk.environment),
            "AWS_ROLE_ARN": role(ci, chunk.environment, plan=False),
        },
        "script": commands("apply", ci, synth=False),
        "after_script": stale,
        "artifacts": {
            "when": "always",
            "paths": [f"{ci.out}/{root}/{APPLIED_FILE}" for root in chunk.roots],
            "expire_in": f"{ARTIFACT_DAYS} days",
        },
    }


def waits_for(config: Config, chunk: Chunk, planned: list[Chunk]) -> list[str]:
    """The apply jobs a chunk's apply job waits for: those of the nearest environment before its own in
    ci.promotion that this change touches."""
    order = promotion(config)
    earlier = order[: order.index(chunk.environment)] if chunk.environment in order else []
    before = next((e for e in reversed(earlier) if any(c.environment == e for c in planned)), None)
    return [f"apply {c.id}" for c in planned if before is not None and c.environment == before]


def removed_job(ci: CiConfig, removed: Sequence[ChangedRoot]) -> Block:
    """Roots no spec produces any more fail the pipeline with their names: ecsform never destroys them."""
    return {
        "stage": "plan",
        "image": f"python:{ci.python_version}",
        "script": [
            f"echo {shlex.quote(line)}"
            for line in [
                "These roots are no longer in the specs; ecsform never destroys them:",
                *(f"  {r.root}" for r in removed),
                "Run terraform destroy in each (synthesized from the previous revision), then run the pipeline again.",
            ]
        ]
        + ["exit 1"],
    }


def gitlab_child(config: Config, changed_file: str, apply: bool) -> str:
    """The child pipeline: the changed roots in chunks (at most ci.maxJobs, at most 48 per environment: a job needs
    at most 50 others), one plan job per chunk and, with apply, a manual apply job per chunk behind its
    environment's GitLab environment that applies the chunk's reviewed plans and deploys each root; a prod chunk
    needs the dev chunks of the same change (ci.promotion). A failing job names roots that disappeared, which
    ecsform never destroys."""
    require_roles(config)
    require_gates(config, "gitlab")
    ci = settings(config)
    change = read_changed(changed_file)
    planned = chunks(change.changed, min(ci.max_jobs, GITLAB_CHUNKS_MAX), GITLAB_CHUNKS_PER_ENVIRONMENT)
    pipeline: Block = {"stages": ["plan", "apply"], ".ecsform-job": job_template(config)}
    for chunk in planned:
        pipeline[f"plan {chunk.id}"] = plan_job(ci, chunk, apply)
        if apply:
            pipeline[f"apply {chunk.id}"] = apply_job(ci, chunk, waits_for(config, chunk, planned))
    if change.removed:
        pipeline["removed roots"] = removed_job(ci, change.removed)
    if not change.changed and not change.removed:
        pipeline["nothing changed"] = {
            "stage": "plan",
            "image": f"python:{ci.python_version}",
            "script": ["echo 'No root changed: nothing to plan.'"],
        }
    return dump(pipeline, "ci gitlab-child")
