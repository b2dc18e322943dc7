"""The rule catalog: every check ecsform makes, each a small function with an id, a severity and a summary.

A rule receives a `Context` (the task, well-typed: the field checks have already removed badly typed values)
and yields findings. Rules live in one module per area of the catalog (identity, size, network, ports...), each
registering itself with generators/rules/registry.py; this package loads them all, runs them, and lists them:
`ecsform rules` and docs/rules.md come from that list.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..errors import Finding, Severity
from .registry import REGISTRY, Context, Rule

# Checks that are not rule functions but still report findings: the loader, the field checks, overlays,
# the extension block and the writer. Listed so that `rules` and docs/rules.md document every id a user can see.
BUILTIN: list[tuple[str, Severity, str]] = [
    ("YAML-SYNTAX", Severity.ERROR, "The file is not valid YAML (or JSON)."),
    ("JSON-SYNTAX", Severity.ERROR, "A .json spec is not strict JSON."),
    ("YAML-ENCODING", Severity.ERROR, "The file is not UTF-8 text."),
    ("YAML-DUPLICATE-KEY", Severity.ERROR, "A mapping repeats a key."),
    ("YAML-KEY", Severity.ERROR, "A mapping key is not a plain string."),
    ("YAML-TAG", Severity.ERROR, "A YAML tag other than the standard ones, or one that does not fit its value."),
    ("YAML-TOO-DEEP", Severity.ERROR, "Nesting deeper than 64 levels."),
    ("YAML-TOO-LARGE", Severity.ERROR, "More than 200,000 values, aliases included (alias bombs)."),
    ("YAML-MULTI-DOC", Severity.ERROR, "More than one YAML document in a spec file."),
    ("SPEC-READ", Severity.ERROR, "A spec file or folder cannot be read."),
    ("SPEC-NONE", Severity.ERROR, "No spec files were found."),
    ("SPEC-EMPTY", Severity.ERROR, "The spec file is empty."),
    ("SPEC-NOT-MAPPING", Severity.ERROR, "The top level of the spec is not a mapping."),
    ("SPEC-TOO-LARGE", Severity.ERROR, "The spec file is larger than 1 MiB."),
    ("SPEC-UNKNOWN-FIELD", Severity.ERROR, "A field the ECS API does not have (with a did-you-mean)."),
    ("SPEC-TYPE", Severity.ERROR, "A value of the wrong type for its ECS field."),
    ("SPEC-ENUM", Severity.ERROR, "A value outside the ECS API's enum for its field."),
    ("SPEC-REQUIRED", Severity.ERROR, "A field the ECS API requires is missing."),
    ("SPEC-LIMIT", Severity.ERROR, "A value outside the length or range the ECS API model gives."),
    (
        "SPEC-DESCRIBE-OUTPUT",
        Severity.NOTE,
        "describe-task-definition output: the taskDefinition wrapper and the read-only fields (taskDefinitionArn, "
        "revision, status, ...) are left out, in one note that names them (`ecsform import` writes the spec).",
    ),
    (
        "SPEC-UNSET",
        Severity.NOTE,
        'An empty string in an optional enum or ARN field, or networkMode "default": read as not set (a note: the '
        "Go SDK and the provider send nothing for it either).",
    ),
    (
        "SPEC-PLACEHOLDER",
        Severity.ERROR,
        'A placeholder of a templating tool ({{ must_env "X" }}, ${X}, <X>, $$$X$$$, ACCOUNT_ID in an ARN, ...): '
        "one finding per placeholder, as severe as the findings it replaces (an error where AWS refuses the value, "
        "an image included; a warning where ECS registers it and the task cannot use it), with what ecsform offers "
        "instead (for an image, the `ecsform image set` that records a deploy).",
    ),
    (
        "TARGET-VALUE",
        Severity.ERROR,
        "${target.NAME} names no target value (accountId, region, partition, environment), or one nothing gives "
        "before Terraform runs where ecsform needs the text (the family, a container's name).",
    ),
    ("X-UNKNOWN-FIELD", Severity.ERROR, "An unknown field in the x-ecsform block."),
    ("X-REQUIRED", Severity.ERROR, "A required field of the x-ecsform block is missing."),
    ("X-INVALID", Severity.ERROR, "A value of the x-ecsform block is invalid."),
    ("ENV-SHAPE", Severity.ERROR, "`environments` or an overlay is not a mapping."),
    ("ENV-NESTED", Severity.ERROR, "An overlay declares environments of its own."),
    ("ENV-UNKNOWN", Severity.ERROR, "--env names an environment the spec does not have."),
    ("ENV-UNKNOWN-CONTAINER", Severity.ERROR, "An overlay names a container the base spec lacks."),
    (
        "FAMILY-DUPLICATE",
        Severity.ERROR,
        "Two roots would register the same family in the same account and region (between two environments of one spec: a warning).",
    ),
    ("ROOT-NESTED", Severity.ERROR, "One root's folder would sit inside another's."),
    ("REGION-AMBIGUOUS", Severity.ERROR, "The spec points at several regions and sets none."),
    ("REGION-UNSET", Severity.NOTE, "No region in the spec; the provider reads AWS_REGION."),
    ("LOGS-REGION", Severity.ERROR, "awslogs writes to another region than the one ecsform creates its log group in."),
    ("SECRET-UNRESOLVED", Severity.ERROR, "A partial secret ARN in another region cannot be resolved to its full ARN."),
    ("OUT-NOT-ECSFORM", Severity.ERROR, "--out names a folder ecsform did not write."),
    ("OUT-LOCKED", Severity.ERROR, "Another ecsform run holds the output's lock for longer than --lock-timeout."),
    ("OUT-NO-SPACE", Severity.ERROR, "The output cannot be written: no space left on the device (or quota)."),
    ("OUT-DENIED", Severity.ERROR, "The output cannot be written: permission denied."),
    ("OUT-READ-ONLY", Severity.ERROR, "The output cannot be written: read-only file system."),
    (
        "OUT-NOT-DIR",
        Severity.ERROR,
        "--out, or a folder on its path, is a file (or a folder stands where a file goes).",
    ),
    ("OUT-NAME-TOO-LONG", Severity.ERROR, "A path of the output is longer than the file system allows."),
    ("OUT-IO", Severity.ERROR, "The output cannot be written: another error of the file system (EIO...)."),
    (
        "OUT-ORPHANED",
        Severity.WARNING,
        "A root no spec produces any more holds state or files ecsform did not write: kept (remove it with --prune).",
    ),
    ("OUT-PRUNE-STATE", Severity.ERROR, "--prune would remove a root that holds Terraform state (needs --force)."),
    ("CLI-FORCE", Severity.ERROR, "synth --force without --prune."),
    ("CLI-ENGINE", Severity.ERROR, "synth --engine names an engine other than hcl and cdk."),
    ("CLI-ENV-REQUIRED", Severity.ERROR, "render: the spec has environments and --env does not choose one."),
    (
        "CLI-ENVIRONMENTS",
        Severity.ERROR,
        "import --environments is not a list of NAME=INPUT (a bad or repeated name, an empty input).",
    ),
    (
        "CLI-IMPORT-SOURCE",
        Severity.ERROR,
        "import: not exactly one of FILE, --from-aws and --environments.",
    ),
    ("CLI-CHECK", Severity.ERROR, "synth --check with --prune: --check writes nothing."),
    (
        "CLI-ROLE-ARN",
        Severity.ERROR,
        "import --role-arn: not an IAM role ARN, or given without an input read from AWS.",
    ),
    (
        "CLI-CACHE",
        Severity.ERROR,
        "synth: the render cache folder lies inside --out, or --cache-dir comes with --no-cache.",
    ),
    ("CHANGED-SINCE", Severity.ERROR, "ecsform changed without --since REF."),
    ("CHANGED-FORMAT", Severity.ERROR, "ecsform changed --format: not text, json, github-matrix or paths."),
    ("CHANGED-GIT", Severity.ERROR, "ecsform changed: not in a git repository, no such revision, or git failed."),
    (
        "CHANGED-BASE",
        Severity.WARNING,
        "ecsform changed: a spec (or, for every root, the configuration) does not validate in the revision compared "
        "with; its roots count as changed.",
    ),
    ("CDK-RUNTIME", Severity.ERROR, "--engine cdk: the CDK runtime cannot start (Node.js is missing, or jsii fails)."),
    (
        "CDK-PACKAGE",
        Severity.ERROR,
        "--engine cdk: neither cdktn nor cdktf is installed, or ECSFORM_CDK_PACKAGE names another package.",
    ),
    ("CDK-STACK-NAME", Severity.ERROR, "cdk-app: two roots would get the same stack name."),
    ("CDK-ENV-REQUIRED", Severity.ERROR, "CDK construct: a spec with environments needs environment=."),
    ("CDK-IMAGES", Severity.ERROR, "CDK construct: images= names a container the task definition lacks."),
    (
        "CDK-MODULE-SOURCE",
        Severity.ERROR,
        "CDK construct: modules/ is not beside the code, so module_source= is required.",
    ),
    ("ECSFORM-INTERNAL", Severity.ERROR, "A rule failed on the input (a bug in ecsform)."),
    ("IMPORT-INPUT", Severity.ERROR, "import: the input is not a task definition (describe output or register input)."),
    ("IMPORT-AWS", Severity.ERROR, "import --from-aws: the task definition cannot be read from AWS."),
    (
        "IMPORT-PLACEHOLDER",
        Severity.WARNING,
        "import: a placeholder of a templating tool ecsform cannot fill in (an image, a name): imported as it is, "
        "with its lines and what to write instead.",
    ),
    ("IMPORT-FAMILY", Severity.ERROR, "import --environments: the families share no prefix and --family is not given."),
    ("CI-KIND", Severity.ERROR, "ecsform ci: an unknown CI engine, or options of another one."),
    (
        "CI-CHANGED",
        Severity.ERROR,
        "ecsform ci gitlab-child, github-matrix: --changed is missing, or not the JSON `ecsform changed --format "
        "json` prints.",
    ),
    ("REVIEW-MISSING", Severity.ERROR, "ecsform review: the root's saved plan has no receipt (the plan job's)."),
    (
        "REVIEW-COMMIT",
        Severity.ERROR,
        "ecsform review: the saved plan was made at another commit than the one checked out.",
    ),
    ("REVIEW-PLAN", Severity.ERROR, "ecsform review: the plan file is missing, or not the one the receipt names."),
    (
        "REVIEW-ROOT",
        Severity.ERROR,
        "ecsform review: no such root, or the root synthesized here is not the one planned.",
    ),
    ("REVIEW-STATE", Severity.ERROR, "ecsform review: the root's state cannot be read (terraform state pull)."),
    (
        "REVIEW-STALE",
        Severity.WARNING,
        "ecsform review check: the state changed since the plan (someone applied in between): not applied, planned again.",
    ),
    (
        "REVIEW-PROMOTION",
        Severity.ERROR,
        "ecsform review check: the same change is not yet applied and deployed in the environments before the root's "
        "(ci.promotion).",
    ),
    ("REVIEW-APPLIED", Severity.ERROR, "ecsform review check: the root's applied mark cannot be read."),
    ("CONFIG-READ", Severity.ERROR, "ecsform.yaml (or --config FILE) cannot be read."),
    ("CONFIG-UNKNOWN-FIELD", Severity.ERROR, "An unknown key in ecsform.yaml (with a did-you-mean)."),
    (
        "CONFIG-REQUIRED",
        Severity.ERROR,
        "ecsform.yaml lacks a key it needs (backend.s3 bucket and key, unless partial).",
    ),
    (
        "CONFIG-INVALID",
        Severity.ERROR,
        "A value of ecsform.yaml is invalid: account id, region, role ARN, tag, bucket name, state key.",
    ),
    ("CONFIG-BACKEND", Severity.ERROR, "ecsform.yaml's backend names two backends, or none."),
    (
        "CONFIG-PLACEHOLDER",
        Severity.ERROR,
        "A backend value has an unknown placeholder, a stray brace, or one its root cannot fill ({accountId} without an account).",
    ),
    (
        "CONFIG-ACCOUNT-MISMATCH",
        Severity.ERROR,
        "A target's roleArn is in another account than its accountId (allowed_account_ids would refuse every run).",
    ),
    ("CONFIG-ENV-UNDECLARED", Severity.ERROR, "A spec's overlay names an environment ecsform.yaml does not declare."),
    ("CONFIG-STATE-SHARED", Severity.ERROR, "Two roots would keep their state in the same S3 object."),
    (
        "CONFIG-MODULE-SOURCE",
        Severity.ERROR,
        "A moduleSource folder of ecsform.yaml does not exist or holds no ecs-task-definition module.",
    ),
    (
        "CONFIG-LOCK",
        Severity.ERROR,
        "terraform.lockPlatforms asks for ecsform.lock.hcl and it is missing, or written for another providerVersion or other platforms.",
    ),
    (
        "BOOTSTRAP-CONFIG",
        Severity.ERROR,
        "ecsform bootstrap: ecsform.yaml lacks what it creates (a target's accountId or roleArn, ci.roleArn, ci.repository, backend.s3), one pipeline role serves both pull requests and applies, or an unknown CI.",
    ),
    (
        "LOCK-TERRAFORM",
        Severity.ERROR,
        "ecsform lock: terraform providers lock failed (no terraform, no registry or mirror, a platform missing).",
    ),
    (
        "OUT-MODULES",
        Severity.ERROR,
        "synth cannot read a module it copies into the output (an installation without its modules).",
    ),
    # verify, diff and synth --adopt: the target AWS account (generators/aws/)
    ("VERIFY-IMAGE", Severity.ERROR, "A private ECR image's repository exists and holds its tag or digest."),
    (
        "VERIFY-SECRET",
        Severity.ERROR,
        "A referenced Secrets Manager secret exists (a partial ARN or a name resolves to exactly one), is not scheduled for deletion, and has the version stage or id the reference names.",
    ),
    (
        "VERIFY-SECRET-KMS",
        Severity.WARNING,
        "A referenced secret encrypted with a customer-managed key: the execution role ecsform creates is given that key (x-ecsform.executionRole.kmsKeyArns).",
    ),
    (
        "VERIFY-PARAMETER",
        Severity.ERROR,
        "A referenced SSM parameter exists (a bare name is a parameter, as ECS reads it; a Secrets Manager secret of that name gets its ARN in the hint).",
    ),
    (
        "VERIFY-KMS",
        Severity.ERROR,
        "A KMS key the spec names, or that encrypts a referenced secret, exists and is enabled.",
    ),
    (
        "VERIFY-ROLE",
        Severity.ERROR,
        "A brought role exists with exactly the ARN written (a role in another account: warning).",
    ),
    (
        "VERIFY-ROLE-TRUST",
        Severity.ERROR,
        "A brought role's trust policy lets ecs-tasks.amazonaws.com assume it (conditions ecsform cannot evaluate: warning).",
    ),
    (
        "VERIFY-ROLE-POLICY",
        Severity.ERROR,
        "A brought role's inline, attached and boundary policies allow what the task needs (conditions ecsform cannot evaluate: warning).",
    ),
    (
        "VERIFY-LOG-GROUP",
        Severity.ERROR,
        "An awslogs log group that ecsform does not create (x-ecsform.logs.create: false) exists, or awslogs-create-group is true.",
    ),
    (
        "VERIFY-ADOPT",
        Severity.WARNING,
        "Nothing the root creates under a fixed name (log groups, managed secrets) exists already, or `synth --adopt` imports it (a secret scheduled for deletion: error).",
    ),
    (
        "VERIFY-EFS",
        Severity.ERROR,
        "An EFS file system and access point a volume names exist, and the access point belongs to the file system.",
    ),
    ("VERIFY-S3-OBJECT", Severity.ERROR, "An environment file or FireLens configuration file exists in S3."),
    (
        "VERIFY-NETWORK",
        Severity.ERROR,
        "A managed file system's VPC, subnets (one per Availability Zone, in the VPC) and security groups exist.",
    ),
    ("DIFF-REVISION", Severity.ERROR, "diff --revision: the family has no such revision."),
    (
        "ADOPT-SECRET-DELETED",
        Severity.ERROR,
        "synth --adopt: a managed secret is scheduled for deletion, so it can be neither imported nor created.",
    ),
    ("AWS-CREDENTIALS", Severity.ERROR, "No valid AWS credentials (none found, expired, or rejected)."),
    (
        "AWS-REGION",
        Severity.ERROR,
        "No AWS region: neither --region, the spec, AWS_REGION, AWS_DEFAULT_REGION nor the profile names one.",
    ),
    ("AWS-ASSUME-ROLE", Severity.ERROR, "The target's role cannot be assumed."),
    ("AWS-ACCOUNT", Severity.ERROR, "The credentials are for another account than the target's."),
    ("AWS-ACCESS-DENIED", Severity.ERROR, "A read-only AWS call was refused: the identity lacks the permission."),
    ("AWS-THROTTLED", Severity.ERROR, "AWS throttled a call after retries."),
    ("AWS-ENDPOINT", Severity.ERROR, "The AWS endpoint cannot be reached."),
    ("AWS-ERROR", Severity.ERROR, "Another AWS error."),
    ("POLICY-UNKNOWN-FIELD", Severity.ERROR, "An unknown field in a policy block (x-ecsform.policy or --policy FILE)."),
    (
        "POLICY-INVALID",
        Severity.ERROR,
        "A policy value is invalid: a level, a retention, or a rule that does not exist or cannot be configured.",
    ),
    ("IGNORE-REASON", Severity.ERROR, "An x-ecsform.ignore entry gives no reason."),
    (
        "IGNORE-INVALID",
        Severity.ERROR,
        "An x-ecsform.ignore entry names a rule that does not exist or cannot be suppressed, or a malformed path.",
    ),
    ("IGNORE-UNMATCHED", Severity.WARNING, "An x-ecsform.ignore entry suppresses nothing."),
    # the deployed images (generators/images.py) and what acts on AWS after the apply (generators/operations.py)
    (
        "IMAGES-CONFIG",
        Severity.ERROR,
        "image set, promote and show need an ecsform.yaml (the images folder is beside it).",
    ),
    ("IMAGES-READ", Severity.ERROR, "An images file cannot be read."),
    (
        "IMAGES-VALUE",
        Severity.ERROR,
        "An images file is not a mapping of container names to images (or {image, reason}).",
    ),
    ("IMAGES-CONTAINER", Severity.ERROR, "An images file (or image set) names a container the root's task lacks."),
    (
        "IMAGES-ACCOUNT",
        Severity.WARNING,
        "A deployed image is in a private ECR repository of an account that is neither the root's nor the spec's registry's, and its line gives no reason.",
    ),
    ("IMAGES-ROOT", Severity.ERROR, "An images file names a root no spec of the project produces."),
    ("CLI-IMAGE", Severity.ERROR, "image set: an argument is not CONTAINER=IMAGE, or names a container twice."),
    ("CLI-SPEC", Severity.ERROR, "A command that takes one spec file was given a folder."),
    ("CLI-FORMAT", Severity.ERROR, "image show --format: not text or json."),
    ("CLI-TASK-DEFINITION", Severity.ERROR, "deploy --task-definition with more than one root."),
    ("DEPLOY-ROOT", Severity.ERROR, "deploy --root names a root the specs do not produce."),
    (
        "DEPLOY-REVISION",
        Severity.ERROR,
        "The revision to deploy or run cannot be found: the root is not applied, the ARN is malformed, in another account or region, does not exist or is INACTIVE.",
    ),
    ("DEPLOY-FAMILY", Severity.ERROR, "--task-definition names a revision of another family than the root's."),
    ("DEPLOY-CLUSTER", Severity.ERROR, "The bound cluster does not exist in the root's account and region."),
    ("DEPLOY-SERVICE", Severity.ERROR, "A bound service does not exist in its cluster, or is not ACTIVE."),
    (
        "DEPLOY-CONTROLLER",
        Severity.ERROR,
        "A bound service is deployed by CodeDeploy or an external controller, which UpdateService cannot move.",
    ),
    (
        "RUN-OVERRIDE",
        Severity.ERROR,
        "run --override: not [CONTAINER.]command=VALUE or [CONTAINER.]environment.NAME=VALUE.",
    ),
    ("RUN-NETWORK", Severity.ERROR, "run: an awsvpc task and no network binding (subnets, security groups)."),
    (
        "RUN-LAUNCH-TYPE",
        Severity.ERROR,
        "run: no launch type or capacity provider strategy, the cluster has no default, and the task does not run on EC2.",
    ),
    ("PRUNE-CLUSTER", Severity.ERROR, "revisions prune: the root is bound to no cluster (and no --cluster is given)."),
]

# Rules whose findings ecsform itself relies on to write a root that Terraform accepts: they cannot be turned off
# or suppressed (the policy's `rules:` and x-ecsform.ignore refuse them).
NOT_CONFIGURABLE = frozenset(
    {
        "ECS-A1",
        "ECS-A2",
        "ECS-A3",
        "ECS-A6",
        "ECS-A7",
        "ECS-A8",
        "ECS-A10",
        "ECS-M1",
        "TF-UNSUPPORTED",
        "X-REF-FORMAT",
        "X-REF-UNKNOWN",
        "X-REF-VOLUME",
    }
)


# Ids that are no longer rules, and what reports their findings now: a policy's `rules:` or an x-ecsform.ignore entry
# that names one is an error whose hint says where to go (POLICY-INVALID, IGNORE-INVALID).
RETIRED = {
    "ECS-H9": "ECS-M4 (one warning per brought role) now says what the execution role must allow for secrets",
    "ECS-H13": "ECS-M4 (one warning per brought role) now says what the execution role must allow for environment files",
}


def retired(rule_id: str) -> str | None:
    """Where the findings of a retired rule id went (None for an id that was never retired)."""
    return RETIRED.get(rule_id)


# the modules of this package that hold no rules
NOT_RULE_MODULES = frozenset({"fields", "registry", "suppressions"})
_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:  # once per process: `run` calls this for every task
        return
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_") and info.name not in NOT_RULE_MODULES:
            importlib.import_module(f"{__name__}.{info.name}")
    _loaded = True


def all_rules() -> list[Rule]:
    _load_all()
    return sorted(REGISTRY.values(), key=lambda r: _sort_key(r.id))


def catalog() -> list[tuple[str, str, str, str]]:
    """(id, severity, summary, source) of every id ecsform can report: rules first, then built-in checks."""
    rows = [(r.id, r.severity.value, r.summary, r.source) for r in all_rules()]
    rows += [(rid, sev.value, summary, "ecsform") for rid, sev, summary in BUILTIN]
    return rows


def known_ids() -> frozenset[str]:
    """Every id `ecsform rules` lists."""
    global _known
    if _known is None:
        _known = frozenset(r[0] for r in catalog())
    return _known


_known: frozenset[str] | None = None


def configurable(rule_id: str) -> str | None:
    """None when the policy's `rules:` and x-ecsform.ignore may set or suppress this id; else why not."""
    _load_all()
    if rule_id not in REGISTRY:
        return "it reports input ecsform cannot read, check or plan, not a rule"
    if rule_id in NOT_CONFIGURABLE:
        return "ecsform relies on it to write a root that Terraform accepts"
    return None


def markdown_table() -> str:
    lines = ["| id | severity | rule | source |", "|---|---|---|---|"]
    for rid, sev, summary, source in catalog():
        # each row anchored by its id: SARIF's helpUri and links point at it (about.rule_uri)
        cells = [rid, sev, f'<a id="{rid}"></a>{summary}', source]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _sort_key(rule_id: str) -> tuple:
    head, _, tail = rule_id.rpartition("-")  # ECS-C10: by section letter, then row number
    return (head, tail[:1], int(tail[1:]) if tail[1:].isdigit() else 0, tail)


def run(ctx: Context) -> list[Finding]:
    """Every registered rule on one task. A rule that breaks on odd input reports it instead of crashing."""
    _load_all()
    findings: list[Finding] = []
    extend = findings.extend
    for r in REGISTRY.values():
        try:
            extend(r.fn(r, ctx))  # (r.check(ctx), without a call per rule per task)
        except Exception as exc:  # a bug in a rule must not hide the user's findings
            findings.append(
                Finding(
                    "ECSFORM-INTERNAL",
                    Severity.ERROR,
                    f"rule {r.id} failed on this input ({type(exc).__name__}: {exc})",
                    (),
                    "please report this with the spec that caused it",
                )
            )
    return findings
