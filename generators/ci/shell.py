"""The shell commands each job runs, in one place: the GitHub workflow, the GitLab pipelines and the end-to-end test
that runs "the very commands the workflow runs" all take them from `commands(kind, ci)`. They read their inputs from
environment variables, which each engine sets in its own syntax:

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

The files the jobs leave (the plan, its receipt, what was applied, the roots to plan again, the changed roots) are
named here too: generators/ci/review.py writes and reads the receipts under the same names.
"""

from __future__ import annotations

import shlex
from typing import Literal, get_args

from ruamel.yaml.scalarstring import LiteralScalarString

from ..config import CiConfig, Config

JobKind = Literal["changed", "plan", "apply", "deploy", "record", "push"]
JOB_KINDS: tuple[JobKind, ...] = get_args(JobKind)

PLAN_FILE = "tfplan"
RECEIPT_FILE = "ecsform-plan.json"  # `ecsform review record` writes it beside the plan
APPLIED_FILE = "ecsform-applied.json"  # ... and `ecsform review applied` this after the apply and the deploy
STALE_FILE = "ecsform-stale.txt"  # the roots whose state changed since their plan (one per line), in the job's folder
CHANGED_FILE = "ecsform-changed.json"
ARTIFACT_DAYS = 30  # GitHub keeps a deployment waiting for approval up to 30 days: the plans must outlive the wait
LOCK_TIMEOUT = "5m"  # a plan waits for the state lock an apply of the same root holds, rather than failing


def commands(
    kind: JobKind, ci: CiConfig, *, synth: bool = True, images: str = "images", engine: str = "github"
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
        return [f"{s} ${{ECSFORM_SYNTH_ARGS:-}}" for s in synthesize] + [each_root(ci, root_commands(kind, ci))]
    if kind == "apply":
        return synthesize + [each_root(ci, root_commands(kind, ci))]
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


def root_commands(kind: JobKind, ci: CiConfig) -> list[str]:
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


def each_root(ci: CiConfig, steps: list[str]) -> LiteralScalarString:
    """One shell script: `steps` for each root of ECSFORM_ROOTS in a subshell of its own (set -e), the others
    going on when one fails; the job fails at the end naming the roots that failed or were not applied."""
    body = "\n".join("    " + line for line in steps)
    script: LiteralScalarString = LiteralScalarString(
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
    return script


def job_environment(ci: CiConfig, roots: list[str] | str, environment: str | None) -> dict[str, str]:
    """The variables `commands` reads, for one job's roots (what the engines set from their matrix or job)."""
    listed = [roots] if isinstance(roots, str) else list(roots)
    return {"ECSFORM_ROOTS": " ".join(listed), "ECSFORM_ENVIRONMENT": environment or ""}


def unlocked_cache(config: Config) -> dict[str, str]:
    """Without lock files (no terraform.lockPlatforms), fresh roots may take the provider from the plugin cache
    unchecked; with them, Terraform checks the cached provider against each root's .terraform.lock.hcl, and the
    variable would only weaken that."""
    if config.model.terraform.lock_platforms:
        return {}
    return {"TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE": "true"}
