"""`ecsform ci github|gitlab|gitlab-child|github-matrix|atlantis`: the pipeline configuration of the CI engines teams
run, from ecsform.yaml's `ci:` block. ecsform writes their files; the engines run them.

The shell commands each job runs live in one place, `commands(kind, ci)`: the GitHub workflow, the GitLab child
pipeline and the end-to-end test that runs "the very commands the workflow runs" all take them from there. They
read their inputs from environment variables, which each engine sets in its own syntax:

    ECSFORM_SINCE        the git revision to compare with (changed)
    ECSFORM_ROOTS        the roots of one job, separated by spaces, as manifest.json writes them (a chunk: several
                         roots of one environment when a change touches more roots than ci.maxJobs)
    ECSFORM_ENVIRONMENT  their ecsform environment ("" for specs without environments)
    ECSFORM_SYNTH_ARGS   what a plan job adds to `ecsform synth`: `--plan-role` on a pull (merge) request, whose
                         roots then assume their targets' read-only planRoleArn; nothing on the default branch, whose
                         plans are the ones the apply jobs apply (made with the roles that apply them)

and, per root inside a job's loop, ECSFORM_ROOT (e.g. financial-api-stages/prod) and ECSFORM_DIR (<ci.out>/<root>).
For the job that records an image another repository's CI sends (`record`, `push`), the untrusted inputs reach the
shell only through these variables (never through the engine's own expressions in a script):

    ECSFORM_SPEC, ECSFORM_DEPLOY_ENVIRONMENT, ECSFORM_CONTAINER, ECSFORM_IMAGE   what to deploy where
    ECSFORM_BRANCH       the branch the deploy is committed to (the default branch)
    ECSFORM_PR_BRANCH    the branch of the pull request that carries it (ci.imageDeploys: pull-request)

Plans are applied as reviewed (generators/review.py): each plan job saves `tfplan` with its receipt (the commit, the
plan's sha256, the root's hash, the state it was planned against) as an artifact; each apply job, after its
environment's approval, applies exactly that file once `ecsform review check` accepts it, and a root whose state
changed since its plan is planned again at the default branch's head and asked for again.

The output is byte-identical for the same ecsform.yaml (and, for Atlantis and the GitLab child, the same specs and
`ecsform changed` output): keys in a fixed order, environments and roots sorted.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from . import images, locations
from .config import CONFIG_READ, CONFIG_REQUIRED, DEFAULT_ENVIRONMENT, CiConfig, Config
from .errors import Check, EcsformError, Severity

# The findings this module raises (collected by the catalog: generators/rules).
CI_KIND = Check("CI-KIND", Severity.ERROR, "ecsform ci: an unknown CI engine, or options of another one.")
CI_CHANGED = Check(
    "CI-CHANGED",
    Severity.ERROR,
    (
        "ecsform ci gitlab-child, github-matrix: --changed is missing, or not the JSON `ecsform changed "
        "--format json` prints."
    ),
)


KINDS = ("github", "gitlab", "gitlab-child", "github-matrix", "atlantis")
# where each file goes by default, relative to the folder of ecsform.yaml (the repository's root)
DEFAULT_OUT = {
    "github": ".github/workflows/ecsform.yml",
    "gitlab": ".gitlab/ecsform.gitlab-ci.yml",
    "atlantis": "atlantis.yaml",
    "gitlab-child": "-",
    "github-matrix": "-",
}
JOB_KINDS = ("changed", "plan", "apply", "deploy", "record", "push")
# GitHub: "A matrix will generate a maximum of 256 jobs per workflow run" (docs.github.com, Running variations of
# jobs in a workflow); ci.maxJobs is bounded by it (config.py), per matrix: the plan matrix and each apply stage's.
GITHUB_MATRIX_MAX = 256
# GitLab: a job `needs` at most 50 others (ci_needs_size_limit, default 50: docs.gitlab.com/administration/cicd,
# "Set the needs job limit"); a prod apply job needs the parent, its plan and every dev apply job of the change, so an
# environment gets at most 48 jobs. GitLab.com's Free plan runs at most 500 jobs of active pipelines
# (docs.gitlab.com/user/gitlab_com, "GitLab CI/CD"): two jobs per chunk (plan, apply), so at most 200 chunks.
GITLAB_NEEDS_MAX = 50
GITLAB_CHUNKS_PER_ENVIRONMENT = GITLAB_NEEDS_MAX - 2
GITLAB_CHUNKS_MAX = 200
DISPATCH_EVENT = "ecsform-deploy"  # repository_dispatch's event type
DISPATCH_INPUTS = ("spec", "environment", "container", "image")
BOT = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")  # GitHub's Actions identity

# Actions, pinned by release tag (update together; actionlint checks their inputs)
CHECKOUT = "actions/checkout@v4"
SETUP_PYTHON = "actions/setup-python@v5"
CACHE = "actions/cache@v4"
SETUP_TERRAFORM = "hashicorp/setup-terraform@v3"
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials@v4"

UPLOAD_ARTIFACT = "actions/upload-artifact@v4"
DOWNLOAD_ARTIFACT = "actions/download-artifact@v4"

PLAN_FILE = "tfplan"
RECEIPT_FILE = "ecsform-plan.json"  # generators/review.py writes it beside the plan
APPLIED_FILE = "ecsform-applied.json"  # ... and this after the apply and the deploy
STALE_FILE = "ecsform-stale.txt"  # the roots whose state changed since their plan (one per line), in the job's folder
LOCK_TIMEOUT = "5m"  # a plan waits for the state lock an apply of the same root holds, rather than failing
CHANGED_FILE = "ecsform-changed.json"
CHILD_FILE = "ecsform-child.yml"
ARTIFACT_DAYS = 30  # GitHub keeps a deployment waiting for approval up to 30 days: the plans must outlive the wait
GITLAB_CHANGED_JOB = "ecsform-changed"
HEADER = "# Generated by `ecsform {command}` from ecsform.yaml's ci: block. Do not edit: change ecsform.yaml and run it again.\n"

E = Severity.ERROR


# --- the commands of each job (one place) ------------------------------------------------------------------


def commands(
    kind: str, ci: CiConfig, *, synth: bool = True, images: str = "images", engine: str = "github"
) -> list[str]:
    """The ordered shell commands a job of `kind` runs, reading the variables above from the environment; run from
    the repository's root (the folder of ecsform.yaml), with ecsform and terraform on PATH.

    - changed: writes `ecsform changed --format json` to ecsform-changed.json (the roots a change touches, and those
      it removed), which `ecsform ci github-matrix` or `ecsform ci gitlab-child` turns into jobs.
    - plan: synthesizes every root (with ECSFORM_SYNTH_ARGS), then, for each root of ECSFORM_ROOTS, init, plan
      -out tfplan, its receipt (`ecsform review record`) and its plan's text (in GITHUB_STEP_SUMMARY when set: the
      text reviewers read).
    - apply: synthesizes every root, then, for each root of ECSFORM_ROOTS, init, `ecsform review check` (the saved
      plan is the one reviewed for this commit, and the earlier environments of ci.promotion applied the change)
      and, when it says so, apply of exactly that plan, `ecsform deploy` and `ecsform review applied`; a root whose
      state changed since its plan is listed in ecsform-stale.txt and not applied.
    - deploy: after the apply, `ecsform deploy` of the root (its bound services move to the revision it
      registered, and are waited for), then `ecsform revisions prune` when ci.pruneKeep says so.
    - record: `ecsform image set` of what ECSFORM_SPEC, ECSFORM_DEPLOY_ENVIRONMENT, ECSFORM_CONTAINER and
      ECSFORM_IMAGE say, committed; when the image is recorded already, the job ends there (exit 0) and nothing
      is pushed, planned or applied. `images` is the images folder.
    - push: the recorded commit onto ECSFORM_BRANCH (rebased and pushed again while another push wins the race),
      or, with ci.imageDeploys pull-request, onto ECSFORM_PR_BRANCH with a pull (merge) request for it.
    With synth=False the leading `ecsform synth` is left out (GitLab: the parent job synthesizes once and hands the
    roots to the child jobs as an artifact). Each root of a plan or apply job runs on its own: one that fails does
    not stop the others, and the job fails at the end naming it.
    """
    specs = " ".join(shlex.quote(s) for s in ci.specs)
    synthesize = [f"ecsform synth {specs} --out {shlex.quote(ci.out)}"] if synth else []
    if kind == "changed":
        return [f'ecsform changed {specs} --since "$ECSFORM_SINCE" --format json > {CHANGED_FILE}']
    if kind == "plan":
        return [f"{s} ${{ECSFORM_SYNTH_ARGS:-}}" for s in synthesize] + [_each_root(ci, root_commands(kind, ci))]
    if kind == "apply":
        return synthesize + [_each_root(ci, root_commands(kind, ci))]
    if kind == "deploy":
        run = [f'ecsform deploy {specs} --root "$ECSFORM_ROOT" --out {shlex.quote(ci.out)}']
        if ci.prune_keep:
            run.append(f'ecsform revisions prune {specs} --root "$ECSFORM_ROOT" --keep {ci.prune_keep}')
        return run
    if kind == "record":
        where = "$ECSFORM_SPEC${ECSFORM_DEPLOY_ENVIRONMENT:+ ($ECSFORM_DEPLOY_ENVIRONMENT)}"
        return [
            'ecsform image set "$ECSFORM_SPEC" ${ECSFORM_DEPLOY_ENVIRONMENT:+--env "$ECSFORM_DEPLOY_ENVIRONMENT"} '
            '"$ECSFORM_CONTAINER=$ECSFORM_IMAGE"',
            f"git add -A -- {shlex.quote(images)}",
            'if git diff --cached --quiet; then echo "the image is recorded already: nothing to deploy"; exit 0; fi',
            f'git commit -q -m "ecsform: deploy $ECSFORM_CONTAINER=$ECSFORM_IMAGE to {where}"',
        ]
    if kind == "push":
        if ci.image_deploys == "commit":
            return [
                "for attempt in 1 2 3 4 5; do "
                'git push -q origin "HEAD:$ECSFORM_BRANCH" && break; '
                '[ "$attempt" = 5 ] && exit 1; '
                'git pull -q --rebase origin "$ECSFORM_BRANCH"; '
                "done"
            ]
        title = '"ecsform: deploy $ECSFORM_CONTAINER=$ECSFORM_IMAGE to $ECSFORM_SPEC${ECSFORM_DEPLOY_ENVIRONMENT:+ ($ECSFORM_DEPLOY_ENVIRONMENT)}"'
        if engine == "gitlab":  # GitLab's push options open the merge request
            return [
                'git push -q origin "HEAD:refs/heads/$ECSFORM_PR_BRANCH" -o merge_request.create '
                '-o merge_request.target="$ECSFORM_BRANCH" -o merge_request.remove_source_branch '
                f"-o merge_request.title={title}"
            ]
        return [
            'git push -q origin "HEAD:refs/heads/$ECSFORM_PR_BRANCH"',
            f'gh pr create --base "$ECSFORM_BRANCH" --head "$ECSFORM_PR_BRANCH" --title {title} '
            '--body "Recorded by ecsform image set; merging it plans and applies the root."',
        ]
    raise ValueError(f"unknown job kind {kind!r}; one of {', '.join(JOB_KINDS)}")


def root_commands(kind: str, ci: CiConfig) -> list[str]:
    """What a plan or apply job runs for one root (ECSFORM_ROOT, ECSFORM_DIR), in a shell that stops at the first
    failure; `commands` runs them for each root of the job."""
    tf = 'terraform -chdir="$ECSFORM_DIR"'
    out = shlex.quote(ci.out)
    if kind == "plan":
        return [
            f"{tf} init -input=false",
            f"{tf} plan -input=false -lock-timeout={LOCK_TIMEOUT} -out={PLAN_FILE}",
            f'ecsform review record "$ECSFORM_ROOT" --out {out}',
            "{ "
            "echo \"### ecsform plan: $ECSFORM_ROOT\"; echo; echo '```'; "
            f"{tf} show -no-color {PLAN_FILE}; "
            "echo '```'; "
            '} >> "${GITHUB_STEP_SUMMARY:-/dev/stdout}"',
        ]
    if kind == "apply":
        return [
            f"{tf} init -input=false",
            f'verdict="$(ecsform review check "$ECSFORM_ROOT" --out {out} --changed {CHANGED_FILE})"',
            'if [ "$verdict" = applied ]; then echo "$ECSFORM_ROOT: its reviewed plan is applied already"; exit 0; fi',
            f'if [ "$verdict" = stale ]; then echo "$ECSFORM_ROOT" >> {STALE_FILE}; exit 0; fi',
            f"{tf} apply -input=false -lock-timeout={LOCK_TIMEOUT} {PLAN_FILE}",
            *commands("deploy", ci),
            f'ecsform review applied "$ECSFORM_ROOT" --out {out}',
        ]
    raise ValueError(f"no per-root commands for {kind!r}")


def _each_root(ci: CiConfig, steps: list[str]) -> str:
    """One shell script: `steps` for each root of ECSFORM_ROOTS in a subshell of its own (set -e), the others
    going on when one fails; the job fails at the end naming the roots that failed or were not applied."""
    body = "\n".join("    " + line for line in steps)
    return LiteralScalarString(
        f'failed=""\n'
        f"for ECSFORM_ROOT in $ECSFORM_ROOTS; do\n"
        f'  export ECSFORM_ROOT ECSFORM_DIR="{ci.out}/$ECSFORM_ROOT"\n'
        f"  set +e\n"
        f"  (\n"
        f"    set -e\n"
        f"{body}\n"
        f"  )\n"
        f"  status=$?\n"
        f"  set -e\n"
        f'  if [ "$status" != 0 ]; then failed="$failed $ECSFORM_ROOT"; echo "$ECSFORM_ROOT: failed ($status)" >&2; fi\n'
        f"done\n"
        f"if [ -s {STALE_FILE} ]; then\n"
        f'  echo "the state of these roots changed since their plan; not applied, planned again:" >&2\n'
        f"  cat {STALE_FILE} >&2\n"
        f'  failed="$failed stale"\n'
        f"fi\n"
        f'if [ -n "$failed" ]; then echo "failed:$failed" >&2; exit 1; fi\n'
    )


def job_environment(ci: CiConfig, roots: list[str] | str, environment: str | None) -> dict[str, str]:
    """The variables `commands` reads, for one job's roots (what the engines set from their matrix or job)."""
    listed = [roots] if isinstance(roots, str) else list(roots)
    return {"ECSFORM_ROOTS": " ".join(listed), "ECSFORM_ENVIRONMENT": environment or ""}


# --- chunks: several roots per job when a change touches many ---------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """The roots one job plans (and, on the default branch, one job applies): all of one environment."""

    id: str  # e.g. prod-3: unique in a pipeline; a GitHub artifact name and a GitLab job name take it
    environment: str | None
    roots: tuple[str, ...]

    def matrix_item(self) -> dict[str, Any]:
        return {"chunk": self.id, "environment": self.environment, "roots": " ".join(self.roots)}


def chunks(entries: list[dict[str, Any]], limit: int, per_environment: int | None = None) -> list[Chunk]:
    """The roots of `ecsform changed` in at most `limit` jobs (at most `per_environment` per environment), one
    environment per job, as many jobs as allowed: each environment gets one, then the one whose jobs are largest
    another, until the limit (or one root per job); an environment's roots, sorted, are split into runs whose sizes
    differ by one at most. Deterministic: the same roots give the same chunks."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for e in sorted(entries, key=lambda e: e["root"]):
        groups.setdefault(e.get("environment") or "", []).append(e)
    if not groups:
        return []
    if len(groups) > limit:
        raise ValueError(f"{len(groups)} environments in at most {limit} jobs")
    cap = per_environment or limit
    counts = {name: 1 for name in groups}
    while sum(counts.values()) < limit:
        open_ = [n for n in sorted(groups) if counts[n] < min(len(groups[n]), cap)]
        if not open_:
            break
        widest = max(open_, key=lambda n: (-(-len(groups[n]) // counts[n]), len(groups[n])))
        counts[widest] += 1
    out = []
    for name in sorted(groups):
        items, k = groups[name], counts[name]
        size, extra = divmod(len(items), k)
        start = 0
        for i in range(k):
            end = start + size + (1 if i < extra else 0)
            part = items[start:end]
            start = end
            label = re.sub(r"[^A-Za-z0-9_-]", "-", name or DEFAULT_ENVIRONMENT)
            out.append(Chunk(f"{label}-{i + 1}", part[0].get("environment"), tuple(r["root"] for r in part)))
    return out


# --- what the ci block says per environment ----------------------------------------------------------------


def settings(config: Config | None) -> CiConfig:
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


def _environments(config: Config) -> list[str]:
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


def _stages(config: Config) -> list[tuple[str, str | None]]:
    """The apply jobs of the GitHub workflow: (job id, environment) per environment of ci.promotion, in order, then
    `apply` (environment None) for the roots of every other environment and of specs without one."""
    return [(f"apply-{re.sub(r'[^A-Za-z0-9_-]', '-', e)}", e) for e in promotion(config)] + [("apply", None)]


def _output(job: str) -> str:
    return job.replace("-", "_")


def _require_gates(config: Config, engine: str) -> None:
    """An apply is never unprotected: the gate of roots without an environment (`default`) must be named in
    ci.environments.default (GitHub or GitLab environment), not fall back to an environment nobody protects."""
    ci = settings(config)
    env = ci.environments.get(DEFAULT_ENVIRONMENT)
    field = "githubEnvironment" if engine == "github" else "gitlabEnvironment"
    named = (env.github_environment if engine == "github" else env.gitlab_environment) if env else None
    if named:
        return
    if env is not None:
        where: tuple = ("ci", "environments", DEFAULT_ENVIRONMENT)
    else:
        where = ("ci", "environments") if ci.environments else ("ci",) if config.model.ci is not None else ()
    raise EcsformError(
        [
            config.finding(
                CONFIG_REQUIRED.id,
                E,
                f"no {'GitHub' if engine == 'github' else 'GitLab'} environment gates the apply of roots without an "
                f"environment: it would run in one named {DEFAULT_ENVIRONMENT!r}, which nobody protects",
                where,
                f"set ci.environments.default.{field}: the environment whose reviewers approve those applies "
                "(give it required reviewers, or protect it)",
                at_key=bool(where),
            )
        ]
    )


def _require_roles(config: Config) -> None:
    """github and gitlab assume a role through OIDC for every environment: say which one lacks it."""
    ci = settings(config)
    missing = [e for e in _environments(config) if role(ci, e, plan=False) is None]
    if missing:
        where = ("ci",) if config.model.ci is not None else ()
        raise EcsformError(
            [
                config.finding(
                    CONFIG_REQUIRED.id,
                    E,
                    f"no role for the pipeline to assume (OIDC) in {', '.join(missing)}",
                    where,
                    "set ci.roleArn (or ci.environments.<name>.roleArn): a role that trusts your CI's OIDC provider",
                )
            ]
        )


def _unlocked_cache(config: Config) -> dict[str, str]:
    """Without lock files (no terraform.lockPlatforms), fresh roots may take the provider from the plugin cache
    unchecked; with them, Terraform checks the cached provider against each root's .terraform.lock.hcl, and the
    variable would only weaken that."""
    if config.model.terraform.lock_platforms:
        return {}
    return {"TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE": "true"}


# --- YAML ---------------------------------------------------------------------------------------------------


def _dump(data: Any, command: str) -> str:
    yaml = YAML()
    yaml.width = 4096  # long expressions stay on one line
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return HEADER.format(command=command) + buffer.getvalue()


def _script(lines: list[str]) -> Any:
    return lines[0] if len(lines) == 1 else LiteralScalarString("\n".join(lines) + "\n")


def _expression_map(mapping: dict[str, str]) -> str:
    """A literal JSON object inside a GitHub expression: fromJSON('{"dev": "..."}') (quotes doubled)."""
    text = json.dumps(mapping, sort_keys=True, separators=(",", ":"))
    return "fromJSON('" + text.replace("'", "''") + "')"


# --- GitHub Actions -----------------------------------------------------------------------------------------


def github(config: Config) -> str:
    """.github/workflows/ecsform.yml: on pull requests, plan each changed root (chunked: at most ci.maxJobs plan
    jobs); on pushes to the default branch, plan them again, save each plan with its receipt as an artifact, and
    apply exactly those plans behind the GitHub environment of each root's environment, in the order of
    ci.promotion (prod's roots after dev's apply and deploy of the same change), each root deployed after its
    apply; on a dispatch (workflow_dispatch, repository_dispatch from a service's CI), record the image, commit it
    (or open a pull request) and run the same path on that commit. A root whose state changed between its plan and
    its apply is planned again in a new run (workflow_dispatch `replan`), which asks for approval again; removed
    roots fail the run with their names."""
    _require_roles(config)
    _require_gates(config, "github")
    ci = settings(config)
    environments = _environments(config)
    key = "matrix.environment || '" + DEFAULT_ENVIRONMENT + "'"
    plan_roles = _expression_map({e: role(ci, e, plan=True) or "" for e in environments})
    apply_roles = _expression_map({e: role(ci, e, plan=False) or "" for e in environments})
    gates = _expression_map({e: github_gate(ci, e) for e in environments})
    branch = ci.default_branch
    pull_request = ci.image_deploys == "pull-request"
    token = "${{ secrets.ECSFORM_PUSH_TOKEN || github.token }}"
    # the events: a pull request (plans only), a push (plans, applies), a replan (a new run of a root whose state
    # changed since its plan), an image deploy (workflow_dispatch without replan, or repository_dispatch)
    is_pr = "github.event_name == 'pull_request'"
    deployed = (
        "(github.event_name == 'workflow_dispatch' && github.event.inputs.replan == '') || "
        "github.event_name == 'repository_dispatch'"
    )
    # what the jobs after `record` check out: the recorded commit on a deploy, the event's commit otherwise
    ref = "${{ needs.record.outputs.ref }}"
    # a job after `record` runs when record succeeded or was skipped (not a deploy), never after a failure
    after_record = "!failure() && !cancelled()"
    out = ci.out
    stages = _stages(config)

    def setup(checkout: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [
            {"uses": CHECKOUT, **({"with": checkout} if checkout else {})},
            {"uses": SETUP_PYTHON, "with": {"python-version": ci.python_version}},
            {"name": "Install ecsform", "run": ci.install},
        ]

    def terraform_steps(kind: str, assumed: str) -> list[dict[str, Any]]:
        return setup({"ref": ref}) + [
            {"uses": SETUP_TERRAFORM, "with": {"terraform_version": ci.terraform_version, "terraform_wrapper": False}},
            {"name": "Provider plugin cache", "run": 'mkdir -p "$TF_PLUGIN_CACHE_DIR"'},
            {
                "uses": CACHE,
                "with": {
                    "path": "${{ env.TF_PLUGIN_CACHE_DIR }}",
                    "key": "terraform-plugins-${{ runner.os }}-"
                    + ci.terraform_version
                    + "-${{ hashFiles('ecsform.yaml'"
                    + (", 'ecsform.lock.hcl'" if config.model.terraform.lock_platforms else "")
                    + ") }}",
                    "restore-keys": "terraform-plugins-${{ runner.os }}-" + ci.terraform_version + "-",
                },
            },
            {
                "uses": AWS_CREDENTIALS,
                "with": {
                    "role-to-assume": "${{ " + assumed + " }}",
                    "role-session-name": "ecsform-" + kind + "-${{ github.run_id }}",
                    "aws-region": region(config),
                },
            },
        ]

    job_env = {
        "ECSFORM_ROOTS": "${{ matrix.roots }}",
        "ECSFORM_ENVIRONMENT": "${{ matrix.environment }}",
        "TF_IN_AUTOMATION": "true",
        "TF_PLUGIN_CACHE_DIR": "${{ github.workspace }}/.terraform.d/plugin-cache",
        **_unlocked_cache(config),
    }
    plan_synth, plan_script = commands("plan", ci)
    apply_synth, apply_script = commands("apply", ci)
    plan_artifact = "ecsform-plan-${{ matrix.chunk }}"

    plan_job: dict[str, Any] = {
        "name": "plan ${{ matrix.chunk }}",
        "needs": ["record", "changed"],
        "if": f"{after_record} && needs.changed.result == 'success' && fromJSON(needs.changed.outputs.plan).include[0] != null",
        "runs-on": "ubuntu-latest",
        "permissions": {"id-token": "write", "contents": "read"},
        "strategy": {"fail-fast": False, "matrix": "${{ fromJSON(needs.changed.outputs.plan) }}"},
        # a newer commit of a pull request replaces its older plans; on the default branch every run plans and
        # applies its own (a group per run: nothing cancels another run's plans)
        "concurrency": {
            "group": "ecsform-plan-${{ " + is_pr + " && github.ref || github.run_id }}-${{ matrix.chunk }}",
            "cancel-in-progress": "${{ " + is_pr + " }}",
        },
        # a pull request's plan: the pipeline's plan role, its roots assuming the read-only plan roles (--plan-role);
        # the default branch's: the role that applies them, its roots assuming the deploy roles, as the apply will
        "env": {**job_env, "ECSFORM_SYNTH_ARGS": "${{ " + is_pr + " && '--plan-role' || '' }}"},
        "steps": terraform_steps("plan", f"{is_pr} && {plan_roles}[{key}] || {apply_roles}[{key}]")
        + [
            {"name": "Synthesize the roots", "run": plan_synth},
            {
                "name": "Plan each root of the job (its summary below, its plan saved with its receipt)",
                "run": plan_script,
            },
            {
                "name": "Save the plans with their receipts",
                "uses": UPLOAD_ARTIFACT,
                "with": {
                    "name": plan_artifact,
                    "path": LiteralScalarString(f"{out}/**/{PLAN_FILE}\n{out}/**/{RECEIPT_FILE}\n"),
                    "if-no-files-found": "error",
                    "retention-days": ARTIFACT_DAYS,
                    "overwrite": True,  # a re-run's plans replace the attempt's before
                },
            },
        ],
    }

    def apply_job(job: str, environment: str | None, previous: str | None) -> dict[str, Any]:
        output = _output(job)
        needs = ["record", "changed", "plan"] + ([previous] if previous else [])
        return {
            "name": "apply ${{ matrix.chunk }}",
            "needs": needs,
            # after the plans; a stage after another runs whatever the one before did: `ecsform review check` stops
            # each root whose earlier environments did not apply the same change
            "if": f"!cancelled() && needs.plan.result == 'success' && !({is_pr}) && "
            f"fromJSON(needs.changed.outputs.{output}).include[0] != null",
            "runs-on": "ubuntu-latest",
            "environment": github_gate(ci, environment) if environment else "${{ " + gates + "[" + key + "] }}",
            "permissions": {"id-token": "write", "contents": "read"},
            "strategy": {"fail-fast": False, "matrix": "${{ fromJSON(needs.changed.outputs." + output + ") }}"},
            "env": dict(job_env),
            "steps": terraform_steps("apply", f"{apply_roles}[{key}]")
            + [
                {"name": "Synthesize the roots", "run": apply_synth},
                {
                    "name": "The reviewed plans of these roots",
                    "uses": DOWNLOAD_ARTIFACT,
                    "with": {"name": plan_artifact, "path": out},
                },
                {
                    "name": "The roots this change touches",
                    "uses": DOWNLOAD_ARTIFACT,
                    "with": {"name": "ecsform-changed"},
                },
                {
                    "name": "What the earlier environments applied",
                    "uses": DOWNLOAD_ARTIFACT,
                    "with": {"pattern": "ecsform-applied-*", "path": out, "merge-multiple": True},
                    "continue-on-error": True,  # none yet: `ecsform review check` refuses what waits for them
                },
                {"name": "Apply each root's reviewed plan, then deploy it", "run": apply_script},
                {
                    "name": "Record what was applied",
                    "if": "always()",
                    "uses": UPLOAD_ARTIFACT,
                    "with": {
                        "name": "ecsform-applied-${{ matrix.chunk }}",
                        "path": f"{out}/**/{APPLIED_FILE}",
                        "if-no-files-found": "ignore",
                        "retention-days": ARTIFACT_DAYS,
                        "overwrite": True,
                    },
                },
                {
                    "name": "Roots to plan again",
                    "if": "failure()",
                    "uses": UPLOAD_ARTIFACT,
                    "with": {
                        "name": "ecsform-stale-${{ matrix.chunk }}",
                        "path": STALE_FILE,
                        "if-no-files-found": "ignore",
                        "overwrite": True,
                    },
                },
            ],
        }

    # record: the dispatch's inputs reach the shell only through env (actionlint: no expression in a script)
    payload = {
        "ECSFORM_SPEC": "spec",
        "ECSFORM_DEPLOY_ENVIRONMENT": "environment",
        "ECSFORM_CONTAINER": "container",
        "ECSFORM_IMAGE": "image",
    }
    record_env = {
        name: "${{ github.event.inputs." + field + " || github.event.client_payload." + field + " }}"
        for name, field in payload.items()
    }
    record_env.update(
        {
            "ECSFORM_BRANCH": branch,
            "GIT_AUTHOR_NAME": BOT[0],
            "GIT_AUTHOR_EMAIL": BOT[1],
            "GIT_COMMITTER_NAME": BOT[0],
            "GIT_COMMITTER_EMAIL": BOT[1],
        }
    )
    if pull_request:
        record_env["ECSFORM_PR_BRANCH"] = "ecsform/deploy-${{ github.run_id }}"
        record_env["GH_TOKEN"] = token
    images = config.model.images.folder
    record_script = (
        ['echo "since=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"']
        + commands("record", ci, images=images)
        + commands("push", ci)
        + ([] if pull_request else ['echo "ref=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"'])
    )
    record = {
        "if": deployed,
        "runs-on": "ubuntu-latest",
        "permissions": {"contents": "write", **({"pull-requests": "write"} if pull_request else {})},
        "outputs": {"since": "${{ steps.record.outputs.since }}", "ref": "${{ steps.record.outputs.ref }}"},
        "steps": setup({"ref": branch, "token": token})
        + [
            {
                "name": "Record the image (ecsform image set) and push it",
                "id": "record",
                "env": record_env,
                "run": _script(record_script),
            }
        ],
    }

    changed_steps = setup({"fetch-depth": 0, "ref": ref})
    changed_steps += [
        {
            "name": "Roots this change touches, in jobs",
            "id": "changed",
            "env": {
                "ECSFORM_SINCE": "${{ "
                + is_pr
                + " && format('origin/{0}', github.base_ref) || github.event.inputs.replan || "
                "needs.record.outputs.since || github.event.before }}"
            },
            "run": _script(
                commands("changed", ci)
                + [
                    'echo "since=$ECSFORM_SINCE" >> "$GITHUB_OUTPUT"',
                    f'ecsform ci github-matrix --changed {CHANGED_FILE} | tee -a "$GITHUB_OUTPUT"',
                ]
            ),
        },
        {
            "name": "Keep the list for the apply jobs",
            "uses": UPLOAD_ARTIFACT,
            "with": {
                "name": "ecsform-changed",
                "path": CHANGED_FILE,
                "retention-days": ARTIFACT_DAYS,
                "overwrite": True,
            },
        },
    ]
    outputs = {"since": "${{ steps.changed.outputs.since }}", "plan": "${{ steps.changed.outputs.plan }}"}
    outputs.update({_output(job): "${{ steps.changed.outputs." + _output(job) + " }}" for job, _ in stages})
    outputs["removed"] = "${{ steps.changed.outputs.removed }}"
    removed = {
        "needs": "changed",
        "if": "needs.changed.outputs.removed != ''",
        "runs-on": "ubuntu-latest",
        "env": {"ECSFORM_REMOVED": "${{ needs.changed.outputs.removed }}"},
        "steps": [
            {
                "name": "Roots no spec produces any more: ecsform never destroys them",
                "run": _script(
                    [
                        "for root in $ECSFORM_REMOVED; do",
                        '  echo "::error title=ecsform: removed root::$root: no spec produces it any more; destroy '
                        'what it manages (terraform destroy in its folder, synthesized from the previous revision)"',
                        "done",
                        "exit 1",
                    ]
                ),
            }
        ],
    }
    replan = {
        "needs": ["changed"] + [job for job, _ in stages],
        "if": f"always() && needs.changed.result == 'success' && !({is_pr})",
        "runs-on": "ubuntu-latest",
        "permissions": {"actions": "write", "contents": "read"},
        "steps": [
            {
                "name": "Roots whose state changed since their plan",
                "uses": DOWNLOAD_ARTIFACT,
                "with": {"pattern": "ecsform-stale-*", "path": "stale", "merge-multiple": True},
                "continue-on-error": True,
            },
            {
                "name": "Plan them again at the head of the default branch, and ask again",
                "env": {"GH_TOKEN": "${{ github.token }}", "ECSFORM_SINCE": "${{ needs.changed.outputs.since }}"},
                "run": _script(
                    [
                        'if [ -z "$(ls -A stale 2>/dev/null)" ]; then echo "every reviewed plan was current"; exit 0; fi',
                        'workflow="${GITHUB_WORKFLOW_REF%@*}"',
                        f'gh workflow run "${{workflow##*/}}" --repo "$GITHUB_REPOSITORY" --ref {branch} -f replan="$ECSFORM_SINCE"',
                    ]
                ),
            },
        ],
    }
    inputs = {
        "spec": {
            "description": "The spec file of the root, e.g. specs/orders.yaml",
            "required": False,
            "type": "string",
        },
        "environment": {
            "description": "Its environment (empty for a spec without environments)",
            "required": False,
            "type": "string",
            "default": "",
        },
        "container": {"description": "The container whose image changes", "required": False, "type": "string"},
        "image": {
            "description": "The image it runs now (REPOSITORY:TAG or @sha256:...)",
            "required": False,
            "type": "string",
        },
        "replan": {
            "description": "Instead of a deploy: plan again the roots changed since this commit (an apply job "
            "dispatches it when a root's state changed after its plan)",
            "required": False,
            "type": "string",
            "default": "",
        },
    }
    jobs: dict[str, Any] = {
        "record": record,
        "changed": {
            "needs": "record",
            "if": f"{after_record} && (({deployed}) && needs.record.outputs.ref != '' || !({deployed}))",
            "runs-on": "ubuntu-latest",
            "outputs": outputs,
            "steps": changed_steps,
        },
        "removed": removed,
        "plan": plan_job,
    }
    previous = None
    for job, environment in stages:  # each environment of ci.promotion after the one before; the rest at once
        jobs[job] = apply_job(job, environment, previous if environment else None)
        previous = job
    jobs["replan"] = replan
    workflow = {
        "name": "ecsform",
        "on": {
            "pull_request": {"branches": [branch]},
            "push": {"branches": [branch]},
            "workflow_dispatch": {"inputs": inputs},
            "repository_dispatch": {"types": [DISPATCH_EVENT]},
        },
        "permissions": {"contents": "read"},
        # bash -eo pipefail: a command that fails inside a pipe fails its step
        "defaults": {"run": {"shell": "bash"}},
        "jobs": jobs,
    }
    return _dump(workflow, "ci github")


def github_matrix(config: Config, changed_file: str) -> str:
    """The changed job's outputs (`key=value` lines for $GITHUB_OUTPUT): `plan`, the matrix of every chunk; per
    apply job of the workflow (`apply_<environment>` in ci.promotion's order, then `apply`), the matrix of its
    chunks; `removed`, the removed roots, space-separated. Matrices are `{"include": [{"chunk", "environment",
    "roots"}]}`, at most ci.maxJobs chunks (GitHub runs at most 256 jobs per matrix)."""
    ci = settings(config)
    changed, removed = read_changed(changed_file)
    planned = chunks(changed, min(ci.max_jobs, GITHUB_MATRIX_MAX))
    lines = [f"plan={json.dumps({'include': [c.matrix_item() for c in planned]}, separators=(',', ':'))}"]
    ordered = set(promotion(config))
    for job, environment in _stages(config):
        mine = [
            c.matrix_item()
            for c in planned
            if (c.environment == environment if environment else c.environment not in ordered)
        ]
        lines.append(f"{_output(job)}={json.dumps({'include': mine}, separators=(',', ':'))}")
    lines.append("removed=" + " ".join(r["root"] for r in removed))
    return "\n".join(lines) + "\n"


# --- GitLab CI ----------------------------------------------------------------------------------------------


def gitlab(config: Config) -> str:
    """.gitlab/ecsform.gitlab-ci.yml (include it from .gitlab-ci.yml): a job that synthesizes, runs `ecsform
    changed` and writes the child pipeline, and a job that triggers it."""
    _require_roles(config)
    _require_gates(config, "gitlab")
    ci = settings(config)
    on_merge_request = '$CI_PIPELINE_SOURCE == "merge_request_event"'
    on_default_branch = f'$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == "{ci.default_branch}"'
    # an apply job whose root's state changed since its plan starts a pipeline on the default branch with
    # ECSFORM_REPLAN (the commit it compared with): it plans those roots again and asks again
    on_replan = f'$ECSFORM_REPLAN && $CI_COMMIT_BRANCH == "{ci.default_branch}"'
    script = [
        ci.install,
        commands("plan", ci)[0],  # the roots, handed to the child jobs as an artifact
        *commands("changed", ci),
        f"ecsform ci gitlab-child --changed {CHANGED_FILE} $ECSFORM_CHILD_ARGS --out {CHILD_FILE}",
    ]
    on_trigger = (
        '($CI_PIPELINE_SOURCE == "trigger" || $CI_PIPELINE_SOURCE == "api" || $CI_PIPELINE_SOURCE == "pipeline") '
        "&& $ECSFORM_IMAGE"
    )
    mr = ci.image_deploys == "pull-request"
    # a merge request's roots assume the read-only plan roles (--plan-role); the default branch's are planned to be
    # applied, with the deploy roles
    applied = {"ECSFORM_CHILD_ARGS": "--apply", "ECSFORM_SYNTH_ARGS": ""}
    rules = [
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
    pipeline = {
        # a service's CI triggers a pipeline with ECSFORM_SPEC, ECSFORM_DEPLOY_ENVIRONMENT, ECSFORM_CONTAINER and
        # ECSFORM_IMAGE: the image is recorded and pushed with ECSFORM_PUSH_TOKEN (a project access token that may
        # write the repository), and that push's pipeline (or the merge request's) plans and applies it
        "ecsform-record": {
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
        },
        GITLAB_CHANGED_JOB: {
            "stage": "build",
            "image": f"python:{ci.python_version}",
            "rules": rules,
            "variables": {"GIT_DEPTH": "0"},  # `changed` synthesizes the revision it compares with
            "script": script,
            "artifacts": {"paths": [ci.out + "/", CHANGED_FILE, CHILD_FILE], "expire_in": f"{ARTIFACT_DAYS} days"},
        },
        "ecsform-pipeline": {
            "stage": "test",
            # the same rules: the child's jobs see ECSFORM_SINCE (a replan names it)
            "rules": rules,
            "needs": [GITLAB_CHANGED_JOB],
            "variables": {"PARENT_PIPELINE_ID": "$CI_PIPELINE_ID"},
            "trigger": {"include": [{"artifact": CHILD_FILE, "job": GITLAB_CHANGED_JOB}], "strategy": "depend"},
        },
    }
    return _dump(pipeline, "ci gitlab")


def read_changed(path: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The changed and removed roots of `ecsform changed --format json` output."""

    def bad(message: str) -> EcsformError:
        return EcsformError(
            [
                CI_CHANGED.finding(
                    message, hint="give the file `ecsform changed --format json` wrote", file=path, mark=(1, 1)
                )
            ]
        )

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise bad(f"cannot read it: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise bad(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("changed"), list):
        raise bad('not {"changed": [...], "removed": [...]}')
    entries = []
    for group in ("changed", "removed"):
        items = data.get(group) or []
        for item in items:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("root"), str)
                or not item["root"]
                or not isinstance(item.get("environment"), (str, type(None)))
            ):
                raise bad(f'an entry of {group} is not {{"root": ..., "environment": ...}}: {item!r}'[:200])
            parts = PurePosixPath(item["root"]).parts
            if item["root"].startswith("/") or ".." in parts:
                raise bad(f"root {item['root']!r} is not a path under the output folder")
        entries.append(sorted(items, key=lambda i: i["root"]))
    return entries[0], entries[1]


def _install_terraform(version: str) -> list[str]:
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


def gitlab_child(config: Config, changed_file: str, apply: bool) -> str:
    """The child pipeline: the changed roots in chunks (at most ci.maxJobs, at most 48 per environment: a job needs
    at most 50 others), one plan job per chunk and, with apply, a manual apply job per chunk behind its
    environment's GitLab environment that applies the chunk's reviewed plans and deploys each root; a prod chunk
    needs the dev chunks of the same change (ci.promotion). A failing job names roots that disappeared, which
    ecsform never destroys."""
    _require_roles(config)
    _require_gates(config, "gitlab")
    ci = settings(config)
    changed, removed = read_changed(changed_file)
    limit = min(ci.max_jobs, GITLAB_CHUNKS_MAX)
    planned = chunks(changed, limit, GITLAB_CHUNKS_PER_ENVIRONMENT)
    parent = {"pipeline": "$PARENT_PIPELINE_ID", "job": GITLAB_CHANGED_JOB}  # the roots, synthesized once
    pipeline: dict[str, Any] = {
        "stages": ["plan", "apply"],
        ".ecsform-job": {
            "image": f"python:{ci.python_version}",
            "id_tokens": {"ECSFORM_ID_TOKEN": {"aud": "sts.amazonaws.com"}},
            "variables": {
                "AWS_REGION": region(config),
                "AWS_WEB_IDENTITY_TOKEN_FILE": "$CI_PROJECT_DIR/.ecsform-web-identity-token",
                "TF_IN_AUTOMATION": "true",
                "TF_PLUGIN_CACHE_DIR": "$CI_PROJECT_DIR/.terraform.d/plugin-cache",
                **_unlocked_cache(config),
            },
            # Terraform's AWS SDK and boto3 read AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE: OIDC, no AWS CLI
            "before_script": [
                'printf \'%s\' "$ECSFORM_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"',
                'mkdir -p "$TF_PLUGIN_CACHE_DIR"',
                *_install_terraform(ci.terraform_version),
                ci.install,
            ],
            "cache": {"key": f"terraform-plugins-{ci.terraform_version}", "paths": [".terraform.d/plugin-cache/"]},
        },
    }
    order = promotion(config)
    for chunk in planned:
        variables = job_environment(ci, list(chunk.roots), chunk.environment)
        plan_job = f"plan {chunk.id}"
        files = [f"{ci.out}/{root}/{name}" for root in chunk.roots for name in (PLAN_FILE, RECEIPT_FILE)]
        pipeline[plan_job] = {
            "extends": ".ecsform-job",
            "stage": "plan",
            "needs": [dict(parent)],
            # a merge request's plan: the plan role; the default branch's, applied as planned: the apply's role
            "variables": {**variables, "AWS_ROLE_ARN": role(ci, chunk.environment, plan=not apply)},
            "script": commands("plan", ci, synth=False),
            # the plans and their receipts, for the apply job (and for reviewers: browse the job's artifacts)
            "artifacts": {"paths": files, "expire_in": f"{ARTIFACT_DAYS} days"},
        }
        if not apply:
            continue
        earlier = order[: order.index(chunk.environment)] if chunk.environment in order else []
        before = next((e for e in reversed(earlier) if any(c.environment == e for c in planned)), None)
        waits = [f"apply {c.id}" for c in planned if before is not None and c.environment == before]
        job = f"apply {chunk.id}"
        stale = [
            f'if [ -s {STALE_FILE} ]; then curl -fsS -X POST --form "token=$CI_JOB_TOKEN" --form "ref=$CI_DEFAULT_BRANCH" '
            '--form "variables[ECSFORM_REPLAN]=$ECSFORM_SINCE" '
            '"$CI_API_V4_URL/projects/$CI_PROJECT_ID/trigger/pipeline" >/dev/null && '
            'echo "a pipeline on $CI_DEFAULT_BRANCH plans them again and asks again"; fi'
        ]
        pipeline[job] = {
            "extends": ".ecsform-job",
            "stage": "apply",
            # the parent's roots and changed list, this chunk's reviewed plans, and what the environment before
            # this one applied of the same change (ecsform review check reads it)
            "needs": [dict(parent), plan_job, *waits],
            "environment": {"name": gitlab_gate(ci, chunk.environment)},
            "when": "manual",
            "variables": {**variables, "AWS_ROLE_ARN": role(ci, chunk.environment, plan=False)},
            "script": commands("apply", ci, synth=False),
            "after_script": stale,
            "artifacts": {
                "when": "always",
                "paths": [f"{ci.out}/{root}/{APPLIED_FILE}" for root in chunk.roots],
                "expire_in": f"{ARTIFACT_DAYS} days",
            },
        }
    if removed:
        pipeline["removed roots"] = {
            "stage": "plan",
            "image": f"python:{ci.python_version}",
            "script": [
                f"echo {shlex.quote(line)}"
                for line in [
                    "These roots are no longer in the specs; ecsform never destroys them:",
                    *(f"  {i['root']}" for i in removed),
                    "Run terraform destroy in each (synthesized from the previous revision), then run the pipeline again.",
                ]
            ]
            + ["exit 1"],
        }
    if not changed and not removed:
        pipeline["nothing changed"] = {
            "stage": "plan",
            "image": f"python:{ci.python_version}",
            "script": ["echo 'No root changed: nothing to plan.'"],
        }
    return _dump(pipeline, "ci gitlab-child")


# --- Atlantis -----------------------------------------------------------------------------------------------


def atlantis(config: Config) -> str:
    """atlantis.yaml (version 3): one project per root, planned when the root's files, its spec, ecsform.yaml, its
    images file or a local module it calls change (paths relative to the project's folder)."""
    from . import validation
    from .options import Options, module_source_from

    ci = settings(config)
    repo = config.folder
    options = Options(config=config)
    paths = [str(repo / s) for s in ci.specs]
    plans, _ = validation.build_plans(paths, options)
    config_file = repo / "ecsform.yaml"
    projects = []
    for p in sorted(plans, key=lambda p: p.root):
        folder = (repo / ci.out / p.root).absolute()

        def rel(path: Path | str) -> str:
            return Path(os.path.relpath(os.path.abspath(path), folder)).as_posix()

        # the root's deployed images too: a pull request that deploys an image changes only that file
        watched = ["*.tf*", rel(p.file), rel(config_file), rel(images.path_for(config, p.root))]
        if config.model.terraform.lock_platforms:  # the provider's lock: the root's copy, and ecsform.lock.hcl
            watched += [".terraform.lock.hcl", rel(config.lock_path)]
        environment = p.target.environment if p.target else None
        vendored = (repo / ci.out / locations.VENDORED).absolute()  # the copy synth writes without moduleSource
        for source in module_sources(
            p, lambda m: module_source_from(folder, options, m, environment, vendored=vendored)
        ):
            if not _is_address(source):
                watched.append(source.rstrip("/") + "/**/*.tf")
        projects.append(
            {
                "name": p.root,
                "dir": (PurePosixPath(ci.out) / p.root).as_posix(),
                "workspace": "default",
                "terraform_version": "v" + ci.terraform_version,
                "autoplan": {"enabled": True, "when_modified": watched},
            }
        )
    return _dump({"version": 3, "parallel_plan": True, "parallel_apply": True, "projects": projects}, "ci atlantis")


def module_sources(plan: Any, source: Callable[[str], str]) -> list[str]:
    """The `source` of every module block the root's main.tf holds, in order: the emitter renders the root and says
    which modules it calls (the one place that knows)."""
    from .emit import hcl

    called: list[str] = []

    def record(module: str) -> str:
        found = source(module)
        if found not in called:
            called.append(found)
        return found

    hcl.render(plan, record)
    return called


def _is_address(source: str) -> bool:
    return not (source.startswith("./") or source.startswith("../"))


# --- the command --------------------------------------------------------------------------------------------


def generate(kind: str, config: Config | None, *, changed: str | None = None, apply: bool = False) -> str:
    if kind not in KINDS:
        raise EcsformError(
            [
                CI_KIND.finding(
                    f"unknown pipeline {kind!r}", hint=f"one of: {', '.join(KINDS)}", file="ecsform ci", mark=(1, 1)
                )
            ]
        )
    settings(config)
    assert config is not None
    if kind in ("gitlab-child", "github-matrix"):
        if changed is None:
            raise EcsformError(
                [
                    CI_CHANGED.finding(
                        f"{kind} needs --changed FILE",
                        hint="the output of `ecsform changed --format json`",
                        file="--changed",
                        mark=(1, 1),
                    )
                ]
            )
        if kind == "github-matrix":
            if apply:
                raise EcsformError([CI_KIND.finding("--apply is for gitlab-child", file="ecsform ci", mark=(1, 1))])
            return github_matrix(config, changed)
        return gitlab_child(config, changed, apply)
    if changed is not None or apply:
        raise EcsformError(
            [
                CI_KIND.finding(
                    "--changed and --apply are for gitlab-child (and --changed for github-matrix)",
                    file="ecsform ci",
                    mark=(1, 1),
                )
            ]
        )
    return {"github": github, "gitlab": gitlab, "atlantis": atlantis}[kind](config)


def default_out(kind: str, config: Config) -> Path | None:
    """Where `ecsform ci KIND` writes without --out (None: standard output)."""
    name = DEFAULT_OUT[kind]
    return None if name == "-" else config.folder / name


def write(text: str, out: Path, lock_timeout: float, on_wait: Any = None) -> None:
    """Write one file all at once through the project's writer (its lock, a file beside it, then a rename); the
    folders leading to it are made first."""
    from . import writer

    with writer.output_lock(out, lock_timeout, parents=True, on_wait=on_wait):
        writer.write_file(out, text.encode())
