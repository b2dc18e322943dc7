"""SEC. Hardening the user decides: ecsform never changes what a container runs with on its own; it says where a
task leaves a setting to ECS's default, and the policy block (generators/spec/policy.py) says how loudly: off, note
(hardening advice, the default: counted, listed by `ecsform validate --notes`), warn (a warning), require (an
error), or default-true (ecsform writes the hardened value, shown in render)."""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..errors import FieldPath, Finding, Severity
from ..spec.policy import level as policy_level
from ._util import label
from ._write_paths import write_paths
from .registry import Context, Rule, items, rule

E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE


def _level(ctx: Context, rule_id: str) -> str:
    return policy_level(ctx.policy, rule_id)


def _advice(level: str) -> Severity:
    """What a level that does not require gives: a note (the default), or a warning when the policy says warn."""
    return W if level == "warn" else N


def _mounted(c: dict[str, Any]) -> set[str]:
    return {
        m["containerPath"].rstrip("/") or "/"
        for m in c.get("mountPoints", [])
        if isinstance(m, dict) and isinstance(m.get("containerPath"), str)
    }


def _volume_name(path: str) -> str:
    return "-".join(p for p in path.strip("/").replace(".", "-").split("/") if p)[-255:] or "scratch"


def _readonly_hint(c: dict[str, Any]) -> str:
    paths = [p for p in write_paths(c.get("image")) if p not in _mounted(c)]
    text = (
        "set readonlyRootFilesystem: true and mount a task volume at each path the image writes (a volume with "
        "only a `name` is task storage that lives as long as the task)"
    )
    if paths:
        names = [_volume_name(p) for p in paths]
        volumes = ", ".join(f"{{name: {n}}}" for n in names)
        mounts = ", ".join(f"{{sourceVolume: {n}, containerPath: {p}}}" for n, p in zip(names, paths))
        text += (
            f"; this image writes {', '.join(paths)}: volumes: [{volumes}] and, in the container, "
            f"mountPoints: [{mounts}]"
        )
    else:
        text += "; most programs also write /tmp"
    return text + ". Or write readonlyRootFilesystem: false to keep ECS's writable root (checkov: CKV_AWS_336)"


@rule(
    "SEC-READONLY-ROOT",
    N,
    "A Linux container does not set readonlyRootFilesystem, so ECS gives it a writable root filesystem "
    "(policy readonlyRootFilesystem: note, the default; warn makes it a warning, require an error unless true).",
    "BC ContainerDefinition.readonlyRootFilesystem; checkov CKV_AWS_336; docker-library/docs nginx",
)
def readonly_root(r: Rule, ctx: Context) -> Iterator[Finding]:
    level = _level(ctx, r.id)
    if level in ("off", "default-true") or ctx.is_windows:  # Windows containers cannot set it (ECS-K14)
        return
    for path, c in ctx.containers():
        value = c.get("readonlyRootFilesystem")
        if value is True or (value is None and ctx.written(path + ("readonlyRootFilesystem",))):
            continue  # true, or a badly typed value the field checks reported
        if level == "require":
            what = "sets readonlyRootFilesystem: false" if value is False else "does not set readonlyRootFilesystem"
            where = path + ("readonlyRootFilesystem",) if value is False else path
            yield r.finding(
                f"container {label(c, path)} {what}: the policy requires a read-only root filesystem",
                where,
                _readonly_hint(c),
                severity=E,
            )
        elif value is None:
            yield r.finding(
                f"container {label(c, path)} does not set readonlyRootFilesystem: ECS gives it a "
                "writable root filesystem",
                path,
                _readonly_hint(c),
                severity=_advice(level),
            )


def _root(user: Any) -> bool:
    return isinstance(user, str) and user.split(":", 1)[0] in ("root", "0")


@rule(
    "SEC-NON-ROOT",
    N,
    "A Linux container runs as root: its `user` is root or 0 (policy nonRootUser: note, the default; warn makes "
    "it a warning); with require, every Linux container writes a non-root `user`.",
    'BC ContainerDefinition.user ("We recommend using a non-root user for better security.")',
)
def non_root_user(r: Rule, ctx: Context) -> Iterator[Finding]:
    level = _level(ctx, r.id)
    if level == "off" or ctx.is_windows:  # Windows containers cannot set user (ECS-K14)
        return
    hint = (
        'write the unprivileged user the image is built for, e.g. user: "1000" or user: "1000:1000" (the '
        "image must let that user read its files and write where it writes)"
    )
    for path, c in ctx.containers():
        user = c.get("user")
        if _root(user):
            yield r.finding(
                f"container {label(c, path)} runs as root (user {user!r})",
                path + ("user",),
                hint,
                severity=E if level == "require" else _advice(level),
            )
        elif level == "require" and "user" not in c and not ctx.written(path + ("user",)):
            yield r.finding(
                f"container {label(c, path)} does not set `user`: it runs as the image's USER, often "
                "root, and the policy requires a non-root user",
                path,
                hint,
                severity=E,
            )


def _needs_tls(efs: dict[str, Any]) -> bool:
    auth = efs.get("authorizationConfig")
    return isinstance(auth, dict) and (auth.get("iam") == "ENABLED" or auth.get("accessPointId") is not None)


@rule(
    "SEC-EFS-TRANSIT",
    N,
    "An EFS volume does not set transitEncryption, so ECS mounts it without TLS (policy efsTransitEncryption: "
    "note, the default; warn makes it a warning, require an error unless ENABLED).",
    "BC EFSVolumeConfiguration.transitEncryption; checkov CKV_AWS_97",
    needs=("volumes",),
)
def efs_transit(r: Rule, ctx: Context) -> Iterator[Finding]:
    level = _level(ctx, r.id)
    if level in ("off", "default-true"):
        return
    for path, v in ctx.volumes():
        efs = v.get("efsVolumeConfiguration")
        if not isinstance(efs, dict) or _needs_tls(efs):
            continue  # with an access point or IAM authorization, ECS requires ENABLED (ECS-J7)
        value = efs.get("transitEncryption")
        where = path + ("efsVolumeConfiguration",)
        hint = (
            "write transitEncryption: ENABLED (the EFS mount helper then uses TLS), or DISABLED to keep ECS's "
            "default (checkov: CKV_AWS_97)"
        )
        if level == "require" and value != "ENABLED":
            yield r.finding(
                f"volume {v.get('name', '')!r} mounts EFS without transit encryption: the policy "
                "requires transitEncryption: ENABLED",
                where + (("transitEncryption",) if value else ()),
                hint,
                severity=E,
                at_key=value is None,
            )
        elif level in ("note", "warn") and value is None and not ctx.written(where + ("transitEncryption",)):
            yield r.finding(
                f"volume {v.get('name', '')!r} does not set transitEncryption: ECS mounts the file system "
                "without TLS (DISABLED)",
                where,
                hint,
                at_key=True,
                severity=_advice(level),
            )


# --- checks peers make (trivy, checkov, Prowler): docs/rule-audit.md compares the catalogs ----------------------

# Words that name a credential in an environment variable's name (trivy's sensitive attribute names, Prowler's
# detect-secrets keyword list): a name is split into words at _ - . and lowerCase-UpperCase boundaries.
_SECRET_WORDS = frozenset(
    {"password", "passwd", "pwd", "secret", "token", "apikey", "passphrase", "credential", "credentials", "privatekey"}
)
_SECRET_PAIRS = frozenset(
    {("api", "key"), ("private", "key"), ("secret", "key"), ("access", "key"), ("client", "secret"), ("auth", "token")}
)
# A name that ends in one of these holds where a secret is, or what it is called, not the secret itself.
_NOT_SECRET_LAST = frozenset(
    {
        "file",
        "path",
        "dir",
        "url",
        "uri",
        "arn",
        "name",
        "id",
        "ids",
        "type",
        "length",
        "enabled",
        "enable",
        "required",
        "ttl",
        "expiry",
        "expiration",
        "region",
        "prefix",
        "header",
        "field",
        "version",
        "stage",
        "min",
        "max",
        "policy",
        "endpoint",
    }
)
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# Values that are a credential whatever the variable is called (unambiguous formats only: no entropy guess).
_SECRET_VALUES = (
    ("an AWS access key ID", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("a Stripe live key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a password in a URL", re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)),
)
# Values that are not a secret whatever the name says: booleans, numbers, ARNs and paths (where a secret is), and
# all-capital placeholders (API_KEY, KEY, YOUR_TOKEN) that a template or a README leaves for the reader.
_NOT_A_VALUE = re.compile(r"^(?:|true|false|yes|no|on|off|none|null|\d+|arn:.*|/.*|[A-Z][A-Z_]*)$")


def _words(name: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(name)]


def _secret_name(name: str) -> bool:
    words = _words(name)
    if not words or words[-1] in _NOT_SECRET_LAST:
        return False
    return bool(set(words) & _SECRET_WORDS) or any(pair in _SECRET_PAIRS for pair in zip(words, words[1:]))


# Text each of them holds, whatever else it holds (a value without any of these matches none of them: one cheap
# search first, where most values match none; the table's order then says which one it is)
_SECRET_VALUE_HINTS = re.compile(r"AKIA|ASIA|PRIVATE KEY|gh[pousr]_|xox[abprs]-|k_live_|AIza|://")


def _secret_value(value: str) -> str | None:
    if _SECRET_VALUE_HINTS.search(value) is None:
        return None
    return next((what for what, pattern in _SECRET_VALUES if pattern.search(value)), None)


@rule(
    "SEC-ENV-SECRET",
    W,
    "An environment variable holds what looks like a secret, by its name (PASSWORD, TOKEN, API_KEY...) or by its "
    "value (an AWS access key, a private key, a password in a URL): anyone who can describe the task definition "
    "reads it. One warning per container.",
    "trivy AVD-AWS-0036; Prowler ecs_task_definitions_no_environment_secrets; DG23 specifying-sensitive-data.md",
    needs=("environment",),
)
def environment_secrets(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        found: list[tuple[FieldPath, str]] = []
        for item_path, item in items(c, "environment", path):
            name, value = item.get("name"), item.get("value")
            if not isinstance(name, str) or not isinstance(value, str):
                continue
            what = _secret_value(value)
            if what is None and _secret_name(name) and not _NOT_A_VALUE.match(value.strip()):
                what = "by its name"
            if what is not None:
                found.append((item_path + ("value",), f"{name} ({what})"))
        if found:
            yield r.finding(
                f"container {label(c, path)} passes {len(found)} value(s) in plain `environment` that look like "
                f"secrets: {', '.join(what for _, what in found)}; anyone allowed ecs:DescribeTaskDefinition reads "
                "them, and they are in every revision",
                found[0][0],
                "move each to `secrets` with valueFrom a Secrets Manager secret or SSM SecureString ARN (ecsform "
                "gives the execution role exactly those), and rotate the value that was exposed",
            )


_IMAGE_CHARS = re.compile(r"^[A-Za-z0-9._/:@#-]+$")


def _tag(image: str) -> str | None:
    """The tag of an image reference (None: no tag); a registry's :port is not a tag."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else None


@rule(
    "SEC-IMAGE-TAG",
    N,
    "An image has no tag or the tag latest (and no digest): what runs changes without the task definition "
    "changing, and a rollback cannot return to it (a note: AWS registers and runs it).",
    "hadolint DL3007 (latest); AWS containersonaws.com pattern 'Build, tag, and release a container image' "
    "(immutable tags per release)",
)
def image_tag(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        image = c.get("image")
        if not isinstance(image, str) or "@" in image or not _IMAGE_CHARS.match(image):
            continue  # a digest pins it; a value ECS-A9 (or a placeholder) reports is not judged here
        tag = _tag(image)
        if tag is None or tag == "latest":
            what = "has no tag, so it runs :latest" if tag is None else "is tagged latest"
            yield r.finding(
                f"image {image!r} {what}: each start may pull a different image",
                path + ("image",),
                "pin a release tag or a digest (name@sha256:...); ecsform's deployed images (var.images) let CI "
                "move it without drift",
            )


@rule(
    "SEC-SHARED-ROLE",
    N,
    "taskRoleArn and executionRoleArn name the same role: the containers get every permission ECS needs to start "
    "them (image pulls, secrets), and ECS gets the application's (a note: AWS registers and runs it).",
    "checkov CKV_AWS_249; DG23 task_execution_IAM_role.md, task-iam-roles.md",
    needs=("taskRoleArn",),
)
def shared_role(r: Rule, ctx: Context) -> Iterator[Finding]:
    task, execution = ctx.task_role_arn, ctx.execution_role_arn
    if task and execution and task == execution:
        yield r.finding(
            f"the task role and the execution role are both {task}: the application can read every secret and "
            "pull every image the task starts with",
            ("taskRoleArn",),
            "give the task its own role (or remove taskRoleArn and let ecsform create one with what x-ecsform grants)",
        )


@rule(
    "SEC-LOG-BLOCKING",
    N,
    "A log configuration sets mode blocking: when the log destination is slow or unreachable, the application's "
    "writes to stdout and stderr block (ECS's default since June 2025 is non-blocking; a note).",
    "Prowler ecs_task_definitions_logging_block_mode; BC LogConfiguration.options (mode, max-buffer-size); "
    "DG23 ecs-account-settings (defaultLogDriverMode)",
    needs=("logConfiguration",),
)
def log_blocking(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        log = c.get("logConfiguration")
        options = log.get("options") if isinstance(log, dict) else None
        if isinstance(log, dict) and isinstance(options, dict) and options.get("mode") == "blocking":
            yield r.finding(
                f"container {label(c, path)} logs in blocking mode: if {log.get('logDriver', 'the driver')} cannot "
                "deliver, the application stops at its next write",
                path + ("logConfiguration", "options", "mode"),
                'write mode: non-blocking with a max-buffer-size (e.g. "25m"): logs are dropped, not the service, '
                "when the destination is unreachable; keep blocking only where every line must be kept",
            )


@rule(
    "SEC-HOST-ROOT",
    N,
    "With network mode host, every Linux container sets a non-root user (root, 0 or an unset user, which is the "
    "image's and often root, share the instance's network stack as root; a note).",
    'Prowler ecs_task_definitions_host_networking_mode_users; BC networkMode ("you should not run containers using '
    'the root user (UID 0)")',
)
def host_network_root(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.network_mode != "host" or ctx.is_windows:
        return
    for path, c in ctx.containers():
        user = c.get("user")
        if user is None and not ctx.written(path + ("user",)):
            what, where = "sets no user, so it runs as the image's USER (often root)", path
        elif _root(user):
            what, where = f"runs as root (user {user!r})", path + ("user",)
        else:
            continue
        yield r.finding(
            f"container {label(c, path)} {what} in network mode host, on the instance's network stack",
            where,
            'write the unprivileged user the image is built for, e.g. user: "1000" (AWS: "When using the host '
            'network mode, you should not run containers using the root user")',
        )


@rule(
    "SEC-PRIVILEGED",
    N,
    "A Linux container is privileged: it gets root on the instance (every device and capability; a note: AWS "
    "registers and runs it on EC2, Fargate refuses it: ECS-K1).",
    "checkov CKV_AWS_334; Prowler ecs_task_definitions_no_privileged_containers; BC ContainerDefinition.privileged",
    needs=("privileged",),
)
def privileged(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.is_fargate or ctx.is_windows:
        return  # Fargate refuses it (ECS-K1), Windows does not have it (ECS-K14)
    for path, c in ctx.containers():
        if c.get("privileged") is True:
            yield r.finding(
                f"container {label(c, path)} is privileged: it has root on the instance, with every device",
                path + ("privileged",),
                "add only the capability it needs (linuxParameters.capabilities.add) or the device "
                "(linuxParameters.devices), and remove privileged",
            )


@rule(
    "SEC-HOST-PID",
    N,
    "The task shares the instance's process namespace (pidMode host): its containers see, and as root can signal, "
    "every process on the instance (a note).",
    "checkov CKV_AWS_335; Prowler ecs_task_definitions_host_namespace_not_shared; BC pidMode",
    needs=("pidMode",),
)
def host_pid(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.task.get("pidMode") == "host" and not ctx.is_fargate:  # Fargate refuses it: ECS-K9
        yield r.finding(
            "pidMode host shares the instance's process namespace with the containers",
            ("pidMode",),
            "remove pidMode (each container its own namespace) or use task (the task's containers share one)",
        )
