"""Deployed images: the image each container of a root runs, kept in the repository as reviewable state.

    <images folder>/<root>.yaml     one file per root, the root as manifest.json names it (`family`, or
                                    `base-family/environment`); the folder sits beside ecsform.yaml (its
                                    `images.folder`, default `images`)

    # Deployed images of root financial-api-stages/prod (specs/financial-api-stages.yaml, environment prod).
    # `ecsform image set` writes this file; synth applies it over the spec's images. Undo a deploy: git revert.
    api: 123456789012.dkr.ecr.us-east-1.amazonaws.com/financial-api:1.9.0

One line per container, sorted by name: a deploy is a one-line diff, and concurrent deploys of different roots
touch different files. A line may carry the reason for an image from another account's private repository:

    api: {image: 999999999999.dkr.ecr.us-east-1.amazonaws.com/vendor/api:2.1, reason: "the vendor's registry"}

Synth reads the file of each root and applies its images over the spec's before the rules run
(generators/validation.py), so the rules, the IAM derivation and the root's files see the deployed image; a root
without a file runs the spec's images. The spec's image stays the default for a root never deployed. Without an
ecsform.yaml there is no images folder: synth reads none, and `ecsform image set` asks for an ecsform.yaml.

This module reads, checks and renders the files; writing goes through generators/writer/ (the commands in
generators/operations/), which is above it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import arns
from .errors import Check, EcsformError, Finding, Severity, sorted_findings
from .locations import display_path
from .spec.loader import SPEC_EMPTY, SPEC_NOT_MAPPING, SPEC_READ, SPEC_TOO_LARGE, load_file, load_text
from .spec.nodes import Mark, Node
from .text import suggest

if TYPE_CHECKING:
    from .config import Config
    from .spec.document import Variant
    from .target import Target


# The findings this module raises (collected by the catalog: generators/rules).
IMAGES_READ = Check("IMAGES-READ", Severity.ERROR, "An images file cannot be read.")
IMAGES_VALUE = Check(
    "IMAGES-VALUE", Severity.ERROR, "An images file is not a mapping of container names to images (or {image, reason})."
)
IMAGES_CONTAINER = Check(
    "IMAGES-CONTAINER", Severity.ERROR, "An images file (or image set) names a container the root's task lacks."
)
IMAGES_ACCOUNT = Check(
    "IMAGES-ACCOUNT",
    Severity.WARNING,
    (
        "A deployed image is in a private ECR repository of an account that is neither the root's nor the "
        "spec's registry's, and its line gives no reason."
    ),
)
IMAGES_ROOT = Check("IMAGES-ROOT", Severity.ERROR, "An images file names a root no spec of the project produces.")
CLI_FORMAT = Check("CLI-FORMAT", Severity.ERROR, "image show --format: not text or json.")


E, W = Severity.ERROR, Severity.WARNING
SUFFIX = ".yaml"
IMAGE_PATH = ("containerDefinitions",)  # a finding at containerDefinitions[i].image belongs to the images file
_READ_RULES = {SPEC_READ.id: IMAGES_READ.id, SPEC_TOO_LARGE.id: IMAGES_READ.id, SPEC_NOT_MAPPING.id: IMAGES_VALUE.id}
_MAPPING_KEYS = ("image", "reason")


@dataclass(frozen=True)
class Entry:
    """One line: a container's deployed image (and why it may come from another account's repository)."""

    container: str
    image: str
    reason: str | None = None
    mark: Mark = (1, 1)  # where the image is written
    key_mark: Mark = (1, 1)  # where the container's name is written


@dataclass(frozen=True)
class Deployed:
    """The images file of one root, as read (no file: no entries)."""

    root: str
    path: Path
    file: str  # as messages show it
    entries: dict[str, Entry]
    exists: bool = True


# --- where -----------------------------------------------------------------------------------------------------


def folder(config: "Config") -> Path:
    """The images folder of a project: beside its ecsform.yaml."""
    return config.folder / config.model.images.folder


def path_for(config: "Config", root: str) -> Path:
    return folder(config) / f"{root}{SUFFIX}"


def files(config: "Config") -> list[tuple[str, Path]]:
    """Every images file of a project, as (root, path), sorted by root."""
    base = folder(config)
    if not base.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.endswith(SUFFIX) and not name.startswith("."):
                path = Path(dirpath) / name
                found.append((path.relative_to(base).as_posix()[: -len(SUFFIX)], path))
    return sorted(found)


# --- reading ---------------------------------------------------------------------------------------------------


def read(config: "Config", root: str) -> Deployed:
    """The images file of `root` (no entries when there is none). Raises EcsformError with located findings when
    it cannot be read or is not a mapping of container names to images."""
    path = path_for(config, root)
    file = display_path(path)
    if not path.is_file():
        if path.exists() or path.is_symlink():
            raise EcsformError([IMAGES_READ.finding("not a readable file", file=file, mark=(1, 1), severity=E)])
        return Deployed(root, path, file, {}, exists=False)
    try:
        node = load_file(path, file)
    except EcsformError as exc:
        if [f.rule for f in exc.findings] == [SPEC_EMPTY.id]:  # an empty file (or only comments): nothing deployed
            return Deployed(root, path, file, {})
        raise EcsformError([_as_images_finding(f) for f in exc.findings]) from None
    return Deployed(root, path, file, _entries(node, file))


def parse_text(text: str, root: str, path: Path, file: str) -> Deployed:
    """`read` for text in hand (what `image set` is about to write, checked before it is written)."""
    try:
        node = load_text(text, file)
    except EcsformError as exc:
        if [f.rule for f in exc.findings] == [SPEC_EMPTY.id]:
            return Deployed(root, path, file, {})
        raise EcsformError([_as_images_finding(f) for f in exc.findings]) from None
    return Deployed(root, path, file, _entries(node, file))


def _as_images_finding(f: Finding) -> Finding:
    rule = _READ_RULES.get(f.rule, f.rule)
    hint = f.hint
    if rule == IMAGES_VALUE.id:
        hint = "an images file maps container names to images: `api: REPOSITORY:TAG`, one line per container"
    elif rule != f.rule:
        hint = None
    message = f.message.replace("a task definition is at most 64 KiB", "").rstrip("; ")
    return replace(f, rule=rule, hint=hint, message=message)


def _entries(node: Node, file: str) -> dict[str, Entry]:
    problems: list[Finding] = []
    entries: dict[str, Entry] = {}

    def bad(message: str, mark: Mark, hint: str | None = None) -> None:
        problems.append(IMAGES_VALUE.finding(message, hint=hint, file=file, mark=mark, severity=E))

    for name, value in node.value.items():
        key_mark = value.key_mark or value.mark
        image, reason = value.value, None
        if type(image) is dict:
            unknown = [k for k in image if k not in _MAPPING_KEYS]
            for k in unknown:
                close = suggest(k, list(_MAPPING_KEYS))
                bad(
                    f"{name}: unknown key {k!r}",
                    image[k].key_mark or image[k].mark,
                    f"did you mean {close!r}?" if close else "a line with a reason is {image: ..., reason: ...}",
                )
            reason_node = image.get("reason")
            image_node = image.get("image")
            if image_node is None:
                bad(f"{name}: no image", value.mark, "{image: REPOSITORY:TAG, reason: ...}")
                continue
            if reason_node is not None:
                if not isinstance(reason_node.value, str) or not reason_node.value.strip():
                    bad(f"{name}: the reason is not a sentence", reason_node.mark, "say why, in words")
                else:
                    reason = reason_node.value.strip()
            image, mark = image_node.value, image_node.mark
        else:
            mark = value.mark
        if not isinstance(image, str) or not image.strip():
            bad(
                f"{name}: the image is not a string" if not isinstance(image, str) else f"{name}: the image is empty",
                mark,
                "name the image as ECS takes it: REPOSITORY[:TAG][@DIGEST]",
            )
            continue
        entries[name] = Entry(name, image, reason, mark, key_mark)
    if problems:
        raise EcsformError(sorted_findings(problems))
    return entries


# --- applying ---------------------------------------------------------------------------------------------------


def containers(task: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(index, container) of the task's container definitions that have a name."""
    found = task.get("containerDefinitions")
    return [
        (i, c)
        for i, c in enumerate(found if isinstance(found, list) else [])
        if isinstance(c, dict) and isinstance(c.get("name"), str)
    ]


def apply(
    variant: "Variant", deployed: Deployed, target: "Target | None", seen: "Variant | None" = None
) -> tuple["Variant", list[Finding], dict[int, Entry]]:
    """The variant with the deployed images over the spec's, the findings about the file (IMAGES-CONTAINER,
    IMAGES-ACCOUNT), and which container indexes now hold a deployed image (for `relocate`). `seen` is the variant
    as the checks see it, its target values bound (generators/spec/targets.py): IMAGES-ACCOUNT compares accounts,
    so it reads the spec's registry there."""
    if not deployed.entries:
        return variant, [], {}
    bound = dict(containers((seen or variant).task))
    unknown = set(seen.unknown) if seen is not None else set()
    by_name = {c["name"]: (i, c) for i, c in containers(variant.task)}
    findings: list[Finding] = []
    replaced: dict[int, Entry] = {}
    task = dict(variant.task)
    definitions = list(task.get("containerDefinitions") or [])
    env = variant.environment
    for name, entry in deployed.entries.items():
        if name not in by_name:
            known = sorted(by_name)
            close = suggest(name, known)
            findings.append(
                IMAGES_CONTAINER.finding(
                    f"{name!r} is not a container of root {deployed.root} ({variant.file}"
                    + (f", environment {env}" if env else "")
                    + ")",
                    hint=(f"did you mean {close!r}? " if close else "")
                    + f"its containers: {', '.join(known) or 'none'}; remove the line or rename it",
                    file=deployed.file,
                    mark=entry.key_mark,
                    environment=env,
                    at_key=True,
                    severity=E,
                )
            )
            continue
        i, container = by_name[name]
        spec_image = bound.get(i, container).get("image")
        problem = _foreign_account(entry, spec_image if isinstance(spec_image, str) else None, target, unknown)
        if problem:
            findings.append(
                IMAGES_ACCOUNT.finding(
                    problem,
                    hint="if it is meant, say why on the line: "
                    f'{name}: {{image: {json.dumps(entry.image)}, reason: "..."}} (ecsform image set --reason); '
                    "the repository's policy must let the task's account pull",
                    file=deployed.file,
                    mark=entry.mark,
                    environment=env,
                    severity=W,
                )
            )
        definitions[i] = {**container, "image": entry.image}
        replaced[i] = entry
    task["containerDefinitions"] = definitions
    return replace(variant, task=task), findings, replaced


def _foreign_account(
    entry: Entry, spec_image: str | None, target: "Target | None", unknown: set[str] | None = None
) -> str | None:
    """Why a deployed image from a private ECR repository deserves a reason: its account is neither the root's
    target account nor the account of the registry the spec's image names (a shared registry is the usual setup,
    and TARGET-ACCOUNT does not look at images for that reason). `spec_image` has its target values bound; a
    registry in the account Terraform resolves (a stand-in of `unknown`) cannot be compared: nothing is said."""
    if entry.reason:
        return None
    repo = arns.ecr_repository(entry.image)
    if repo is None:
        return None
    allowed = {a for a in (target.account_id if target else None,) if a}
    spec_repo = arns.ecr_repository(spec_image) if spec_image else None
    if spec_repo is not None:
        if spec_repo[0] in (unknown or set()):
            return None
        allowed.add(spec_repo[0])
    if not allowed or repo[0] in allowed:
        return None
    return (
        f"{entry.container}: the image is in a private repository of account {repo[0]}, which is neither the "
        f"root's account nor the account of the spec's registry ({', '.join(sorted(allowed))})"
    )


def relocate(findings: list[Finding], deployed: Deployed, replaced: dict[int, Entry]) -> list[Finding]:
    """Findings about a deployed image point at its line in the images file, not at the spec's image."""
    if not replaced:
        return findings
    out = []
    for f in findings:
        p = f.path
        if len(p) >= 3 and p[0] == IMAGE_PATH[0] and p[2] == "image" and p[1] in replaced:
            entry = replaced[p[1]]
            out.append(replace(f, file=deployed.file, line=entry.mark[0], col=entry.mark[1]))
        else:
            out.append(f)
    return out


def orphans(config: "Config", roots: set[str]) -> list[Finding]:
    """IMAGES-ROOT for every images file whose root no spec of the project produces (a renamed family or
    environment leaves its deployed images behind, where they would silently apply to a later root of that name)."""
    out = []
    known = sorted(roots)
    for root, path in files(config):
        if root in roots:
            continue
        close = suggest(root, known)
        out.append(
            IMAGES_ROOT.finding(
                f"no spec produces root {root}: these deployed images apply to nothing",
                hint=(f"did you mean {close!r}? " if close else "")
                + "if the root was renamed, move the file (git mv) to its new name; if it is retired, delete it",
                file=display_path(path),
                mark=(1, 1),
                severity=E,
            )
        )
    return out


# --- writing ---------------------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z0-9_./@+-][A-Za-z0-9_./@:+-]*$")


def render_scalar(text: str) -> str:
    """A string as YAML writes it readably: plain when the loader reads it back as the same string, else
    double-quoted (JSON's escapes, which YAML's double-quoted style shares)."""
    if _PLAIN.match(text) and not text.endswith(":"):
        try:
            node = load_text(f"k: {text}\n", "<scalar>")
        except EcsformError:
            node = None
        if node is not None and node.value["k"].value == text:
            return text
    return json.dumps(text, ensure_ascii=False)


def render(root: str, spec: str, environment: str | None, entries: dict[str, Entry]) -> str:
    """The images file of a root: the header, then one sorted `container: image` line per container."""
    where = f"{spec}, environment {environment}" if environment else spec
    lines = [
        f"# Deployed images of root {root} ({where}).",
        "# `ecsform image set` writes this file; synth applies it over the spec's images. Undo a deploy: git revert.",
    ]
    for name in sorted(entries):
        entry = entries[name]
        key = render_scalar(name)
        if entry.reason:  # a flow mapping: quoted, as a ':' inside { } would end a plain scalar
            image, reason = (json.dumps(v, ensure_ascii=False) for v in (entry.image, entry.reason))
            lines.append(f"{key}: {{image: {image}, reason: {reason}}}")
        else:
            lines.append(f"{key}: {render_scalar(entry.image)}")
    return "\n".join(lines) + "\n"
