"""SEC. Hardening the user decides: ecsform never changes what a container runs with on its own; it says where a
task leaves a setting to ECS's default, and the policy block (generators/spec/policy.py) says how loudly: off, note
(hardening advice, the default: counted, listed by `ecsform validate --notes`), warn (a warning), require (an
error), or default-true (ecsform writes the hardened value, shown in render)."""

from __future__ import annotations

from typing import Any, Iterator

from ..errors import Finding, Severity
from ..spec.policy import level as policy_level
from ._util import label
from ._write_paths import write_paths
from .registry import Context, Rule, rule

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
