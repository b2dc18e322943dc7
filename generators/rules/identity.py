"""A. Identity, counts and size: family, containers, names, images, volumes, tags.

Not rules: A5 (revisions per family) depends on the account's history, never on one spec. The tag count and the
key/value lengths of A11 are model limits that the field checks report (SPEC-LIMIT).
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Iterator

from ..errors import Finding, Severity
from ..spec.canonical import register_input
from ._util import NAME, label
from .registry import Context, Rule, items, rule

E, W = Severity.ERROR, Severity.WARNING
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
MAX_CONTAINERS = 10
MAX_SIZE = 64 * 1024  # bytes of the registered JSON
_VOLUME_DEFAULTS = 256  # bytes canonical.py may add per volume (EFS and Docker volume defaults)
_MINIFIED = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # (one encoder, not one per task)


def _minified_size(value: object) -> int:
    """Bytes of `value` as minified JSON (UTF-8)."""
    text = _MINIFIED.encode(value)
    return len(text) if text.isascii() else len(text.encode())


# image: "repository-url/image:tag" or "repository-url/image@sha256:<64 hex>" (BC ContainerDefinition.image)
_IMAGE_CHARS = re.compile(r"^[A-Za-z0-9_:./#-]{1,255}$")
_DIGEST = re.compile(r"^sha256:[A-Fa-f0-9]{64}$")
_TAG_OK = frozenset("_.:/=+-@")
_RESERVED = "aws:"


@rule("ECS-A1", E, "family is 1-255 letters, digits, hyphens and underscores.", "docs A1; botocore family")
def family_format(r: Rule, ctx: Context) -> Iterator[Finding]:
    family = ctx.task.get("family")
    if isinstance(family, str) and not _NAME.match(family):
        bad = sorted({c for c in family if not re.match(r"[A-Za-z0-9_-]", c)})
        detail = f"characters {''.join(bad)!r} are not allowed" if bad else f"length {len(family)} is not 1-255"
        yield r.finding(
            f"family {family!r}: {detail}",
            ("family",),
            "use only A-Z, a-z, 0-9, '-' and '_' (ECS: \"Family contains invalid characters.\")",
        )


@rule("ECS-A2", E, "containerDefinitions holds at least one container.", "docs A2")
def containers_not_empty(r: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.task.get("containerDefinitions") == []:
        yield r.finding(
            "containerDefinitions is empty",
            ("containerDefinitions",),
            'add at least one container (ECS: "Container list cannot be empty.")',
        )


@rule("ECS-A3", E, "At most 10 containers per task definition.", "docs A3; service quotas")
def container_count(r: Rule, ctx: Context) -> Iterator[Finding]:
    containers = ctx.task.get("containerDefinitions")
    if isinstance(containers, list) and len(containers) > MAX_CONTAINERS:
        yield r.finding(
            f"{len(containers)} containers; a task definition holds at most {MAX_CONTAINERS}",
            ("containerDefinitions", MAX_CONTAINERS),
            "split the containers over several task definitions (services) "
            '(ECS: "Too many containers."; the quota is not adjustable)',
        )


@rule("ECS-A4", E, "The registered task definition is at most 64 KiB of JSON.", "docs A4; DGQ quota; catalog 3.4")
def definition_size(r: Rule, ctx: Context) -> Iterator[Finding]:
    try:
        # Fast bound first: the canonical form only drops empty values and adds a few defaults per volume.
        volumes = ctx.task.get("volumes")
        slack = _VOLUME_DEFAULTS * len(volumes) if isinstance(volumes, list) else 0
        if _minified_size(ctx.task) + slack <= MAX_SIZE:
            return
        body = register_input(ctx.task)
        size = _minified_size(body)
    except Exception:  # odd input: other rules report it
        return
    if size <= MAX_SIZE:
        return
    biggest = ""
    containers = body.get("containerDefinitions")
    if isinstance(containers, list) and containers:
        sizes = [
            (len(json.dumps(c, separators=(",", ":"), ensure_ascii=False).encode()), c.get("name", "?"))
            for c in containers
            if isinstance(c, dict)
        ]
        if sizes:
            top = max(sizes)
            biggest = f"; the largest container is {top[1]!r} ({top[0]:,} bytes)"
    yield r.finding(
        f"the registered task definition is {size:,} bytes of minified JSON; ECS allows at most "
        f"{MAX_SIZE:,} (64 KiB){biggest}",
        (),
        "move large values out of the definition: environment into environmentFiles or secrets, "
        "long commands into the image (the 64 KiB quota is not adjustable)",
    )


@rule(
    "ECS-A6",
    E,
    "Every container has a name of 1-255 letters, digits, hyphens and underscores.",
    "docs A6; botocore ContainerDefinition.name",
)
def container_name(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        name = c.get("name")
        if name is None:
            if not ctx.written(path + ("name",)):
                yield r.finding(
                    "the container has no name", path, 'add "name" (ECS: "Container.name should not be null or empty.")'
                )
        elif isinstance(name, str) and not NAME.match(name):
            if not name:
                detail = "is empty"
            elif len(name) > 255:
                detail = f"is {len(name)} characters long (at most 255)"
            else:
                bad = "".join(sorted({ch for ch in name if not NAME.match(ch)}))
                detail = f"contains {bad!r}"
            yield r.finding(
                f"container name {name!r} {detail}",
                path + ("name",),
                "use 1-255 of A-Z, a-z, 0-9, '-' and '_' (ECS: \"Container.name contains invalid characters.\")",
            )


@rule("ECS-A7", E, "Container names are unique within the task definition.", "docs A7")
def container_names_unique(r: Rule, ctx: Context) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for path, c in ctx.containers():
        name = c.get("name")
        if not isinstance(name, str):
            continue
        if name in seen:
            yield r.finding(
                f"container name {name!r} is also used by containerDefinitions[{seen[name]}]",
                path + ("name",),
                'rename one of them (ECS: "Container names must be unique within a Task Definition.")',
            )
        else:
            seen[name] = int(path[-1])


@rule("ECS-A8", E, "Every container names a non-empty image.", "docs A8")
def image_required(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        image = c.get("image")
        if image is None and not ctx.written(path + ("image",)):
            yield r.finding(
                f"container {label(c, path)} has no image",
                path,
                'add "image", e.g. "public.ecr.aws/nginx/nginx:1.27" '
                '(ECS: "The container.image should not be null or empty")',
            )
        elif isinstance(image, str) and not image.strip():
            yield r.finding(
                f"image {image!r} is blank",
                path + ("image",),
                'name an image, e.g. "public.ecr.aws/nginx/nginx:1.27" '
                '(ECS: "The container.image should not be null or empty")',
            )


@rule(
    "ECS-A9",
    E,
    "An image is `name[:tag]` (at most 255 of A-Z a-z 0-9 - _ : . / #; AWS refuses other characters and longer "
    "names) or `name@sha256:<64 hex>` (a digest of another form: warning).",
    'docs A9; botocore ContainerDefinition.image; ECS ClientException "Container.image contains invalid '
    'characters" (OctopusDeploy/Issues#10033, aws-actions/amazon-ecs-render-task-definition#49) and "Container.image '
    'should be 255 characters or less" (hashicorp/terraform-provider-aws#22629)',
)
def image_reference(r: Rule, ctx: Context) -> Iterator[Finding]:
    for path, c in ctx.containers():
        image = c.get("image")
        if not isinstance(image, str) or not image.strip():
            continue  # A8
        problem, severity = _image_problem(image)
        if problem:
            yield r.finding(
                f"image {image!r}: {problem}",
                path + ("image",),
                "write repository-url/image:tag or repository-url/image@sha256:<64 hex digits>",
                severity=severity,
            )


def _image_problem(image: str) -> tuple[str | None, Severity]:
    """What is wrong with an image reference, and how severe: RegisterTaskDefinition refuses characters outside
    the model's set and a name over 255 ("Container.image contains invalid characters", "... should be 255
    characters or less"); what it does with a digest of another form is not known (a warning)."""
    name, at, digest = image.partition("@")
    if at and not _DIGEST.match(digest):
        return "the digest after '@' must be sha256: followed by exactly 64 hexadecimal digits", W
    if _IMAGE_CHARS.match(name):
        return None, E
    if len(name) > 255:
        return (
            f"{'the part before @' if at else 'the reference'} is {len(name)} characters long (at most 255: "
            "AWS refuses it)",
            E,
        )
    bad = "".join(sorted({ch for ch in name if not _IMAGE_CHARS.match(ch)}))
    return f"characters {bad!r} are not allowed (AWS refuses it: Container.image contains invalid characters)", E


@rule(
    "ECS-A10",
    E,
    "Volume names are 1-255 letters, digits, hyphens and underscores; EFS, S3 Files and "
    "configuredAtLaunch volumes need one; names are unique (warning).",
    "docs A10; botocore Volume.name; catalog 3.5",
    needs=("volumes",),
)
def volume_name(r: Rule, ctx: Context) -> Iterator[Finding]:
    seen: set[str] = set()
    for path, v in ctx.volumes():
        name = v.get("name")
        if name is None:
            kind = next((k for k in _NAMED_VOLUMES if v.get(k) not in (None, False)), None)
            if kind and not ctx.written(path + ("name",)):
                yield r.finding(
                    f"a volume with {kind} has no name",
                    path,
                    f'add "name": {kind} volumes need one (mountPoints[].sourceVolume refers to it)',
                )
            continue
        if not isinstance(name, str):
            continue
        if not NAME.match(name):
            yield r.finding(
                f"volume name {name!r} is not 1-255 of A-Z, a-z, 0-9, '-' and '_'",
                path + ("name",),
                'rename it, and its mountPoints[].sourceVolume (ECS: "volume.name contains invalid characters.")',
            )
        elif name in seen:
            yield r.finding(
                f"volume name {name!r} is used by two volumes",
                path + ("name",),
                "give each volume its own name: mountPoints[].sourceVolume cannot tell them apart",
                severity=W,
            )
        seen.add(name)


_NAMED_VOLUMES = ("efsVolumeConfiguration", "s3filesVolumeConfiguration", "configuredAtLaunch")


@rule(
    "ECS-A11",
    E,
    "Tags: no `aws:` prefix (in any case) on keys or values and unique keys (errors); keys and "
    "values of letters, digits, spaces and _ . : / = + - @ (warning).",
    "docs A11; BC RegisterTaskDefinitionRequest.tags, TagKey/TagValue; IAM TagRole (aws: keys refused)",
    needs=("tags",),
)
def tags(r: Rule, ctx: Context) -> Iterator[Finding]:
    keys: set[str] = set()
    for path, tag in items(ctx.task, "tags", ()):
        if not isinstance(tag, dict):
            continue
        key, value = tag.get("key"), tag.get("value")
        if key is None and not ctx.written(path + ("key",)):
            yield r.finding("the tag has no key", path, 'add "key": a tag is a key with an optional value')
        for part, text in (("key", key), ("value", value)):
            if not isinstance(text, str):
                continue
            bad = "".join(sorted({ch for ch in text if not _tag_char(ch)}))
            if bad:
                yield r.finding(
                    f"tag {part} {text!r} contains {bad!r}: ECS documents letters, digits, spaces and "
                    "_ . : / = + - @ as the characters tags generally allow, and ecsform puts these tags on "
                    "the IAM roles and log groups it creates too",
                    path + (part,),
                    "use letters, digits, spaces and _ . : / = + - @ only",
                    severity=W,
                )
            if text[:4].lower() == _RESERVED:
                yield r.finding(
                    f"tag {part} {text!r} starts with {text[:4]!r}: AWS reserves the aws: prefix, in any "
                    'case, for its own tag keys and values (ECS: "Do not use aws:, AWS:, or any upper or '
                    'lowercase combination of such as a prefix for either keys or values"; IAM refuses '
                    "such keys on the roles ecsform tags)",
                    path + (part,),
                    "drop or change the prefix, e.g. team:owner instead of aws:owner",
                )
        if isinstance(key, str):
            if key in keys:
                yield r.finding(
                    f'tag key {key!r} is used twice: ECS takes one value per key ("each tag key must be '
                    'unique, and each tag key can have only one value"), and the Terraform provider '
                    "holds tags as a map, so one of the values would be dropped",
                    path + ("key",),
                    "keep one value per key",
                )
            keys.add(key)


def _tag_char(ch: str) -> bool:
    return ch in _TAG_OK or unicodedata.category(ch)[0] in "LNZ"
