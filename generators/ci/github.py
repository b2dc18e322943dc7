"""GitHub Actions: .github/workflows/ecsform.yml, built job by job (`record`, `changed`, `removed`, `plan`, one apply
job per stage of ci.promotion, `replan`), and `ecsform ci github-matrix`, the matrices the `changed` job hands to the
plan and apply jobs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from ..config import DEFAULT_ENVIRONMENT, CiConfig, Config
from .chunks import chunks, read_changed
from .environments import github_gate, label, names, promotion, region, require_gates, require_roles, role, settings
from .output import Block, Node, dump, script
from .shell import (
    APPLIED_FILE,
    ARTIFACT_DAYS,
    CHANGED_FILE,
    PLAN_FILE,
    RECEIPT_FILE,
    STALE_FILE,
    commands,
    unlocked_cache,
)

# GitHub: "A matrix will generate a maximum of 256 jobs per workflow run" (docs.github.com, Running variations of
# jobs in a workflow); ci.maxJobs is bounded by it (config.py), per matrix: the plan matrix and each apply stage's.
GITHUB_MATRIX_MAX = 256
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

# The expressions the jobs share. The events: a pull request (plans only), a push (plans, applies), a replan (a new
# run of a root whose state changed since its plan), an image deploy (workflow_dispatch without replan, or
# repository_dispatch).
IS_PR = "github.event_name == 'pull_request'"
DEPLOYED = (
    "(github.event_name == 'workflow_dispatch' && github.event.inputs.replan == '') || "
    "github.event_name == 'repository_dispatch'"
)
# what the jobs after `record` check out: the recorded commit on a deploy, the event's commit otherwise
REF = "${{ needs.record.outputs.ref }}"
# a job after `record` runs when record succeeded or was skipped (not a deploy), never after a failure
AFTER_RECORD = "!failure() && !cancelled()"
PUSH_TOKEN = "${{ secrets.ECSFORM_PUSH_TOKEN || github.token }}"
ENVIRONMENT_KEY = "matrix.environment || '" + DEFAULT_ENVIRONMENT + "'"  # a matrix item's key in the maps below
PLAN_ARTIFACT = "ecsform-plan-${{ matrix.chunk }}"


def job_env(config: Config) -> dict[str, str]:
    """What the plan and apply jobs read (the matrix item's roots and environment) and how Terraform runs in them."""
    return {
        "ECSFORM_ROOTS": "${{ matrix.roots }}",
        "ECSFORM_ENVIRONMENT": "${{ matrix.environment }}",
        "TF_IN_AUTOMATION": "true",
        "TF_PLUGIN_CACHE_DIR": "${{ github.workspace }}/.terraform.d/plugin-cache",
        **unlocked_cache(config),
    }


@dataclass(frozen=True)
class Stage:
    """An apply job of the workflow: one per environment of ci.promotion, in order, then `apply` (environment None)
    for the roots of every other environment and of specs without one."""

    job: str  # apply-prod, apply
    environment: str | None

    @property
    def output(self) -> str:
        """The `changed` job's output that holds this stage's matrix."""
        return self.job.replace("-", "_")


def stages(config: Config) -> list[Stage]:
    return [Stage(f"apply-{label(e)}", e) for e in promotion(config)] + [Stage("apply", None)]


def expression_map(mapping: dict[str, str]) -> str:
    """A literal JSON object inside a GitHub expression: fromJSON('{"dev": "..."}') (quotes doubled)."""
    text = json.dumps(mapping, sort_keys=True, separators=(",", ":"))
    return "fromJSON('" + text.replace("'", "''") + "')"


# --- the steps the jobs share -----------------------------------------------------------------------------------


def setup_steps(ci: CiConfig, checkout: Block | None = None) -> list[Node]:
    """Check out, set up Python, install ecsform."""
    return [
        {"uses": CHECKOUT, **({"with": checkout} if checkout else {})},
        {"uses": SETUP_PYTHON, "with": {"python-version": ci.python_version}},
        {"name": "Install ecsform", "run": ci.install},
    ]


def assumed_role(config: Config, kind: Literal["plan", "apply"]) -> str:
    """The role a job assumes, as a GitHub expression of the matrix item's environment: an apply job, the apply's
    role; a plan job, the plan role on a pull request, else (the default branch's plans, the ones applied) the
    apply's role."""
    ci = settings(config)
    applies = expression_map({e: role(ci, e, plan=False) or "" for e in names(config)}) + f"[{ENVIRONMENT_KEY}]"
    if kind == "apply":
        return applies
    plans = expression_map({e: role(ci, e, plan=True) or "" for e in names(config)}) + f"[{ENVIRONMENT_KEY}]"
    return f"{IS_PR} && {plans} || {applies}"


def terraform_steps(config: Config, kind: Literal["plan", "apply"]) -> list[Node]:
    """The setup of a plan or apply job: ecsform at the recorded commit, Terraform with a provider cache (keyed on
    ecsform.yaml, and on ecsform.lock.hcl when there is one), and AWS credentials of the role the job assumes."""
    ci = settings(config)
    locked = ", 'ecsform.lock.hcl'" if config.model.terraform.lock_platforms else ""
    return setup_steps(ci, {"ref": REF}) + [
        {"uses": SETUP_TERRAFORM, "with": {"terraform_version": ci.terraform_version, "terraform_wrapper": False}},
        {"name": "Provider plugin cache", "run": 'mkdir -p "$TF_PLUGIN_CACHE_DIR"'},
        {
            "uses": CACHE,
            "with": {
                "path": "${{ env.TF_PLUGIN_CACHE_DIR }}",
                "key": "terraform-plugins-${{ runner.os }}-"
                + ci.terraform_version
                + "-${{ hashFiles('ecsform.yaml'"
                + locked
                + ") }}",
                "restore-keys": "terraform-plugins-${{ runner.os }}-" + ci.terraform_version + "-",
            },
        },
        {
            "uses": AWS_CREDENTIALS,
            "with": {
                "role-to-assume": "${{ " + assumed_role(config, kind) + " }}",
                "role-session-name": "ecsform-" + kind + "-${{ github.run_id }}",
                "aws-region": region(config),
            },
        },
    ]


# --- the jobs ---------------------------------------------------------------------------------------------------


def record_job(config: Config) -> Block:
    """On a dispatch: record the image (ecsform image set), commit it and push it (or open a pull request); its
    outputs are the commit before (`since`) and the recorded one (`ref`). The dispatch's inputs reach the shell only
    through env (actionlint: no expression in a script)."""
    ci = settings(config)
    pull_request = ci.image_deploys == "pull-request"
    env = {
        name: "${{ github.event.inputs." + field + " || github.event.client_payload." + field + " }}"
        for name, field in (
            ("ECSFORM_SPEC", "spec"),
            ("ECSFORM_DEPLOY_ENVIRONMENT", "environment"),
            ("ECSFORM_CONTAINER", "container"),
            ("ECSFORM_IMAGE", "image"),
        )
    }
    env.update(
        {
            "ECSFORM_BRANCH": ci.default_branch,
            "GIT_AUTHOR_NAME": BOT[0],
            "GIT_AUTHOR_EMAIL": BOT[1],
            "GIT_COMMITTER_NAME": BOT[0],
            "GIT_COMMITTER_EMAIL": BOT[1],
        }
    )
    if pull_request:
        env["ECSFORM_PR_BRANCH"] = "ecsform/deploy-${{ github.run_id }}"
        env["GH_TOKEN"] = PUSH_TOKEN
    run = (
        ['echo "since=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"']
        + commands("record", ci, images=config.model.images.folder)
        + commands("push", ci)
        + ([] if pull_request else ['echo "ref=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"'])
    )
    return {
        "if": DEPLOYED,
        "runs-on": "ubuntu-latest",
        "permissions": {"contents": "write", **({"pull-requests": "write"} if pull_request else {})},
        "outputs": {"since": "${{ steps.record.outputs.since }}", "ref": "${{ steps.record.outputs.ref }}"},
        "steps": setup_steps(ci, {"ref": ci.default_branch, "token": PUSH_TOKEN})
        + [
            {"name": "Record the image (ecsform image set) and push it", "id": "record", "env": env, "run": script(run)}
        ],
    }


def changed_job(config: Config) -> Block:
    """The roots the change touches (`ecsform changed`), in matrices (`ecsform ci github-matrix`): one output per
    matrix, the list kept as an artifact for the apply jobs."""
    ci = settings(config)
    outputs = {"since": "${{ steps.changed.outputs.since }}", "plan": "${{ steps.changed.outputs.plan }}"}
    outputs.update({s.output: "${{ steps.changed.outputs." + s.output + " }}" for s in stages(config)})
    outputs["removed"] = "${{ steps.changed.outputs.removed }}"
    since = (
        "${{ " + IS_PR + " && format('origin/{0}', github.base_ref) || github.event.inputs.replan || "
        "needs.record.outputs.since || github.event.before }}"
    )
    run = commands("changed", ci) + [
        'echo "since=$ECSFORM_SINCE" >> "$GITHUB_OUTPUT"',
        f'ecsform ci github-matrix --changed {CHANGED_FILE} | tee -a "$GITHUB_OUTPUT"',
    ]
    return {
        "needs": "record",
        "if": f"{AFTER_RECORD} && (({DEPLOYED}) && needs.record.outputs.ref != '' || !({DEPLOYED}))",
        "runs-on": "ubuntu-latest",
        "outputs": outputs,
        "steps": setup_steps(ci, {"fetch-depth": 0, "ref": REF})
        + [
            {
                "name": "Roots this change touches, in jobs",
                "id": "changed",
                "env": {"ECSFORM_SINCE": since},
                "run": script(run),
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
        ],
    }


def removed_job() -> Block:
    """Roots no spec produces any more fail the run with their names: ecsform never destroys them."""
    return {
        "needs": "changed",
        "if": "needs.changed.outputs.removed != ''",
        "runs-on": "ubuntu-latest",
        "env": {"ECSFORM_REMOVED": "${{ needs.changed.outputs.removed }}"},
        "steps": [
            {
                "name": "Roots no spec produces any more: ecsform never destroys them",
                "run": script(
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


def plan_job(config: Config) -> Block:
    """One job per chunk of the `plan` matrix: plan each root, show the plan in the job's summary, save the plans
    with their receipts as the chunk's artifact."""
    ci = settings(config)
    synthesize, plan = commands("plan", ci)
    return {
        "name": "plan ${{ matrix.chunk }}",
        "needs": ["record", "changed"],
        "if": f"{AFTER_RECORD} && needs.changed.result == 'success' && fromJSON(needs.changed.outputs.plan).include[0] != null",
        "runs-on": "ubuntu-latest",
        "permissions": {"id-token": "write", "contents": "read"},
        "strategy": {"fail-fast": False, "matrix": "${{ fromJSON(needs.changed.outputs.plan) }}"},
        # a newer commit of a pull request replaces its older plans; on the default branch every run plans and
        # applies its own (a group per run: nothing cancels another run's plans)
        "concurrency": {
            "group": "ecsform-plan-${{ " + IS_PR + " && github.ref || github.run_id }}-${{ matrix.chunk }}",
            "cancel-in-progress": "${{ " + IS_PR + " }}",
        },
        # a pull request's plan: the pipeline's plan role, its roots assuming the read-only plan roles (--plan-role);
        # the default branch's: the role that applies them, its roots assuming the deploy roles, as the apply will
        "env": {**job_env(config), "ECSFORM_SYNTH_ARGS": "${{ " + IS_PR + " && '--plan-role' || '' }}"},
        "steps": terraform_steps(config, "plan")
        + [
            {"name": "Synthesize the roots", "run": synthesize},
            {"name": "Plan each root of the job (its summary below, its plan saved with its receipt)", "run": plan},
            {
                "name": "Save the plans with their receipts",
                "uses": UPLOAD_ARTIFACT,
                "with": {
                    "name": PLAN_ARTIFACT,
                    "path": script([f"{ci.out}/**/{PLAN_FILE}", f"{ci.out}/**/{RECEIPT_FILE}"]),
                    "if-no-files-found": "error",
                    "retention-days": ARTIFACT_DAYS,
                    "overwrite": True,  # a re-run's plans replace the attempt's before
                },
            },
        ],
    }


def apply_job(config: Config, stage: Stage, previous: Stage | None) -> Block:
    """One job per chunk of the stage's matrix, behind the GitHub environment of its environment: the chunk's
    reviewed plans applied (each root deployed after its apply) once `ecsform review check` accepts them, what was
    applied kept for the later stages, the roots whose state changed since their plan kept for `replan`."""
    ci = settings(config)
    out = ci.out
    synthesize, apply = commands("apply", ci)
    gates = expression_map({e: github_gate(ci, e) for e in names(config)})
    return {
        "name": "apply ${{ matrix.chunk }}",
        "needs": ["record", "changed", "plan"] + ([previous.job] if previous else []),
        # after the plans; a stage after another runs whatever the one before did: `ecsform review check` stops
        # each root whose earlier environments did not apply the same change
        "if": f"!cancelled() && needs.plan.result == 'success' && !({IS_PR}) && "
        f"fromJSON(needs.changed.outputs.{stage.output}).include[0] != null",
        "runs-on": "ubuntu-latest",
        "environment": github_gate(ci, stage.environment)
        if stage.environment
        else "${{ " + gates + "[" + ENVIRONMENT_KEY + "] }}",
        "permissions": {"id-token": "write", "contents": "read"},
        "strategy": {"fail-fast": False, "matrix": "${{ fromJSON(needs.changed.outputs." + stage.output + ") }}"},
        "env": job_env(config),
        "steps": terraform_steps(config, "apply")
        + [
            {"name": "Synthesize the roots", "run": synthesize},
            {
                "name": "The reviewed plans of these roots",
                "uses": DOWNLOAD_ARTIFACT,
                "with": {"name": PLAN_ARTIFACT, "path": out},
            },
            {"name": "The roots this change touches", "uses": DOWNLOAD_ARTIFACT, "with": {"name": "ecsform-changed"}},
            {
                "name": "What the earlier environments applied",
                "uses": DOWNLOAD_ARTIFACT,
                "with": {"pattern": "ecsform-applied-*", "path": out, "merge-multiple": True},
                "continue-on-error": True,  # none yet: `ecsform review check` refuses what waits for them
            },
            {"name": "Apply each root's reviewed plan, then deploy it", "run": apply},
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


def replan_job(config: Config) -> Block:
    """After the applies: the roots whose state changed between their plan and their apply are planned again in a
    new run (workflow_dispatch `replan`), which asks for approval again."""
    ci = settings(config)
    return {
        "needs": ["changed"] + [s.job for s in stages(config)],
        "if": f"always() && needs.changed.result == 'success' && !({IS_PR})",
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
                "run": script(
                    [
                        'if [ -z "$(ls -A stale 2>/dev/null)" ]; then echo "every reviewed plan was current"; exit 0; fi',
                        'workflow="${GITHUB_WORKFLOW_REF%@*}"',
                        f'gh workflow run "${{workflow##*/}}" --repo "$GITHUB_REPOSITORY" --ref {ci.default_branch} -f replan="$ECSFORM_SINCE"',
                    ]
                ),
            },
        ],
    }


def dispatch_inputs() -> Block:
    """workflow_dispatch's inputs: an image deploy (DISPATCH_INPUTS), or a replan."""
    return {
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


# --- the files ----------------------------------------------------------------------------------------------------


def github(config: Config) -> str:
    """.github/workflows/ecsform.yml: on pull requests, plan each changed root (chunked: at most ci.maxJobs plan
    jobs); on pushes to the default branch, plan them again, save each plan with its receipt as an artifact, and
    apply exactly those plans behind the GitHub environment of each root's environment, in the order of
    ci.promotion (prod's roots after dev's apply and deploy of the same change), each root deployed after its
    apply; on a dispatch (workflow_dispatch, repository_dispatch from a service's CI), record the image, commit it
    (or open a pull request) and run the same path on that commit. A root whose state changed between its plan and
    its apply is planned again in a new run (workflow_dispatch `replan`), which asks for approval again; removed
    roots fail the run with their names."""
    require_roles(config)
    require_gates(config, "github")
    branch = settings(config).default_branch
    jobs: Block = {
        "record": record_job(config),
        "changed": changed_job(config),
        "removed": removed_job(),
        "plan": plan_job(config),
    }
    previous = None
    for stage in stages(config):  # each environment of ci.promotion after the one before; the rest at once
        jobs[stage.job] = apply_job(config, stage, previous if stage.environment else None)
        previous = stage
    jobs["replan"] = replan_job(config)
    workflow: Block = {
        "name": "ecsform",
        "on": {
            "pull_request": {"branches": [branch]},
            "push": {"branches": [branch]},
            "workflow_dispatch": {"inputs": dispatch_inputs()},
            "repository_dispatch": {"types": [DISPATCH_EVENT]},
        },
        "permissions": {"contents": "read"},
        # bash -eo pipefail: a command that fails inside a pipe fails its step
        "defaults": {"run": {"shell": "bash"}},
        "jobs": jobs,
    }
    return dump(workflow, "ci github")


def github_matrix(config: Config, changed_file: str) -> str:
    """The changed job's outputs (`key=value` lines for $GITHUB_OUTPUT): `plan`, the matrix of every chunk; per
    apply job of the workflow (`apply_<environment>` in ci.promotion's order, then `apply`), the matrix of its
    chunks; `removed`, the removed roots, space-separated. Matrices are `{"include": [{"chunk", "environment",
    "roots"}]}`, at most ci.maxJobs chunks (GitHub runs at most 256 jobs per matrix)."""
    ci = settings(config)
    change = read_changed(changed_file)
    planned = chunks(change.changed, min(ci.max_jobs, GITHUB_MATRIX_MAX))
    lines = [f"plan={json.dumps({'include': [c.matrix_item() for c in planned]}, separators=(',', ':'))}"]
    ordered = set(promotion(config))
    for stage in stages(config):
        mine = [
            c.matrix_item()
            for c in planned
            if (c.environment == stage.environment if stage.environment else c.environment not in ordered)
        ]
        lines.append(f"{stage.output}={json.dumps({'include': mine}, separators=(',', ':'))}")
    lines.append("removed=" + " ".join(r.root for r in change.removed))
    return "\n".join(lines) + "\n"
