"""What the types of ecsform.yaml cannot say: formats, placeholders, one backend, roles in their target's account,
module folders that exist; every section that is well typed is checked even when another one is not."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from .. import arns, providers
from ..errors import Check, Finding, Severity
from ..spec.extensions import deploy_checks
from .ci_checks import CONFIG_INVALID, ci_checks
from .constraints import ACCOUNT, PLATFORM, REGION, ROLE_ARN, TAG_KEY_FREE, TAG_KEY_LENGTH, TAG_VALUE, relative
from .model import (
    PLACEHOLDERS,
    BackendConfig,
    CiConfig,
    ImagesConfig,
    ProjectConfig,
    Settings,
    TerraformConfig,
    is_local,
    target_of,
)
from .placeholders import CONFIG_PLACEHOLDER, HINTS, PLACEHOLDER, SAMPLES, placeholder_problems, resolved_problem

# The findings this module raises (collected by the catalog: generators/rules).
CONFIG_REQUIRED = Check(
    "CONFIG-REQUIRED", Severity.ERROR, "ecsform.yaml lacks a key it needs (backend.s3 bucket and key, unless partial)."
)
CONFIG_BACKEND = Check("CONFIG-BACKEND", Severity.ERROR, "ecsform.yaml's backend names two backends, or none.")
CONFIG_ACCOUNT_MISMATCH = Check(
    "CONFIG-ACCOUNT-MISMATCH",
    Severity.ERROR,
    ("A target's roleArn is in another account than its accountId (allowed_account_ids would refuse every run)."),
)
CONFIG_MODULE_SOURCE = Check(
    "CONFIG-MODULE-SOURCE",
    Severity.ERROR,
    "A moduleSource folder of ecsform.yaml does not exist or holds no ecs-task-definition module.",
)


E = Severity.ERROR


def checks(model: ProjectConfig) -> list[Finding]:
    """What the types cannot say: formats, placeholders, one backend, roles in their target's account."""
    out: list[Finding] = []
    layers = [(("defaults",), model.defaults)] + [(("environments", n), s) for n, s in model.environments.items()]
    for path, s in layers:
        out += _settings_checks(path, s)
    out += _account_mismatches(model)
    if model.backend is not None:
        out += _backend_checks(model.backend)
    if model.ci is not None:
        out += ci_checks(model.ci, list(model.environments))
    out += _images_checks(model.images, model.ci.specs if model.ci else ["specs"])
    out += _terraform_checks(model.terraform)
    return out


def _terraform_checks(terraform: TerraformConfig) -> list[Finding]:
    out = []
    problem = providers.constraint_problem(terraform.provider_version)
    if problem:
        out.append(
            CONFIG_INVALID.finding(
                f"providerVersion {problem}",
                path=("terraform", "providerVersion"),
                hint=f'for example "{providers.TESTED}" (the range the modules are tested with)',
            )
        )
    if terraform.lock_platforms == []:
        out.append(
            CONFIG_INVALID.finding(
                "lockPlatforms is empty",
                path=("terraform", "lockPlatforms"),
                hint="name the platforms that run terraform (linux_amd64, darwin_arm64, ...), or leave it out",
            )
        )
    for i, platform in enumerate(terraform.lock_platforms or []):
        if not PLATFORM.ok(platform):
            out.append(
                CONFIG_INVALID.finding(
                    f"lockPlatforms entry {platform!r} is not a Terraform platform",
                    path=("terraform", "lockPlatforms", i),
                    hint="OS_ARCH, for example linux_amd64 or darwin_arm64",
                )
            )
    return out


def _images_checks(images: ImagesConfig, specs: list[str]) -> list[Finding]:
    if not relative(images.folder):
        return [
            CONFIG_INVALID.finding(
                f"images.folder {images.folder!r} is not a relative path inside the repository",
                path=("images", "folder"),
                hint="for example images",
            )
        ]
    folder = PurePosixPath(os.path.normpath(images.folder))
    for spec in specs:
        where = PurePosixPath(os.path.normpath(spec))
        if folder == where or where in folder.parents or folder in where.parents:
            return [
                CONFIG_INVALID.finding(
                    f"images.folder {images.folder!r} and the specs folder {spec!r} overlap: synth would read "
                    "images files as specs, or specs as images files",
                    path=("images", "folder"),
                    hint="keep them apart, e.g. specs/ and images/ side by side",
                )
            ]
    return []


def section_checks(data: Any) -> list[Finding]:
    """The checks of `_checks` on each section that is well typed, when another one is not (every mistake at once)."""
    if not isinstance(data, dict):
        return []
    sections: list[tuple[tuple, type[BaseModel], Any]] = [(("defaults",), Settings, data.get("defaults"))]
    environments = data.get("environments")
    if isinstance(environments, dict):
        sections += [(("environments", n), Settings, v) for n, v in environments.items()]
    sections.append((("backend",), BackendConfig, data.get("backend")))
    sections.append((("ci",), CiConfig, data.get("ci")))
    sections.append((("terraform",), TerraformConfig, data.get("terraform")))
    sections.append((("images",), ImagesConfig, data.get("images")))
    out: list[Finding] = []
    parsed_settings: dict[tuple, Settings] = {}
    for path, model, value in sections:
        if value is None and path == ("defaults",):
            parsed_settings[path] = Settings()
        if not isinstance(value, dict):
            continue
        try:
            parsed = model.model_validate(value)
        except ValidationError:
            continue  # reported by the whole file's validation
        if isinstance(parsed, Settings):
            parsed_settings[path] = parsed
            out += _settings_checks(path, parsed)
        elif isinstance(parsed, CiConfig):
            out += ci_checks(parsed, list(environments) if isinstance(environments, dict) else [])
        elif isinstance(parsed, TerraformConfig):
            out += _terraform_checks(parsed)
        elif isinstance(parsed, ImagesConfig):
            out += _images_checks(parsed, [])
        elif isinstance(parsed, BackendConfig):
            out += _backend_checks(parsed)
    if ("defaults",) in parsed_settings:
        partial = ProjectConfig.model_construct(
            defaults=parsed_settings[("defaults",)],
            environments={p[1]: s for p, s in parsed_settings.items() if p[0] == "environments"},
        )
        out += _account_mismatches(partial)
    return out


def _settings_checks(path: tuple, s: Settings) -> list[Finding]:
    out: list[Finding] = []
    if s.account_id is not None and not ACCOUNT.ok(s.account_id):
        out.append(
            CONFIG_INVALID.finding(
                f"accountId {s.account_id!r} is not an AWS account id",
                path=path + ("accountId",),
                hint='an account id is 12 digits, quoted: "123456789012"',
            )
        )
    if s.region is not None and not REGION.ok(s.region):
        out.append(
            CONFIG_INVALID.finding(
                f"region {s.region!r} is not an AWS region",
                path=path + ("region",),
                hint="for example us-east-1 or eu-west-1",
            )
        )
    for key, role in (("roleArn", s.role_arn), ("planRoleArn", s.plan_role_arn)):
        if role is not None and not ROLE_ARN.ok(role):
            out.append(
                CONFIG_INVALID.finding(
                    f"{key} {role!r} is not an IAM role ARN", path=path + (key,), hint="arn:aws:iam::ACCOUNT:role/NAME"
                )
            )
    for key, value in s.tags.items():
        problem = _tag_problem(key, value)
        if problem:
            out.append(CONFIG_INVALID.finding(problem, path=path + ("tags", key), at_key=True))
    if s.module_source is not None and not s.module_source.strip():
        out.append(CONFIG_INVALID.finding("moduleSource is empty", path=path + ("moduleSource",)))
    if s.deploy is not None:
        out += deploy_checks(s.deploy, path + ("deploy",), CONFIG_INVALID)
        texts = [(("cluster",), s.deploy.cluster)] + [
            (("services", i), v) for i, v in enumerate(s.deploy.services or [])
        ]
        for where, text in texts:
            for problem in placeholder_problems(text or ""):
                out.append(
                    CONFIG_PLACEHOLDER.finding(
                        f"{text!r}: {problem}",
                        path=path + ("deploy",) + where,
                        hint=f"placeholders: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                    )
                )
    return out


def module_source_checks(model: ProjectConfig, folder: Path) -> list[Finding]:
    """A moduleSource folder (relative to ecsform.yaml) that is not there, or holds no ecs-task-definition module:
    every root would call a folder that does not exist, and only `terraform init` would say so."""
    out = []
    layers = [(("defaults",), model.defaults)] + [(("environments", n), s) for n, s in model.environments.items()]
    for path, s in layers:
        value = s.module_source
        if value is None or not value.strip() or not is_local(value):
            continue
        where = (folder / value).resolve()
        if not where.is_dir():
            problem = f"moduleSource {value!r} names a folder that does not exist (relative to ecsform.yaml)"
        elif not (where / "ecs-task-definition").is_dir():
            problem = f"moduleSource {value!r} holds no ecs-task-definition module (relative to ecsform.yaml)"
        else:
            continue
        out.append(
            CONFIG_MODULE_SOURCE.finding(
                problem,
                path=path + ("moduleSource",),
                hint="write the modules there with `ecsform modules export "
                + value.rstrip("/")
                + "` (and commit them), or leave moduleSource out: synth then copies the modules into its output",
            )
        )
    return out


def _account_mismatches(model: ProjectConfig) -> list[Finding]:
    """A role in another account than the target's: the provider would land in the role's account and
    allowed_account_ids would stop every run."""
    out = []
    targets = [(None, ("defaults",))] + [(n, ("environments", n)) for n in model.environments]
    for name, path in targets:
        env = model.environments.get(name) if name else None
        target = target_of(model.defaults, env, name)
        for key, field, role in (
            ("roleArn", "role_arn", target.role_arn),
            ("planRoleArn", "plan_role_arn", target.plan_role_arn),
        ):
            m = arns.ROLE_ARN.match(role or "")
            if not m or not target.account_id or not ACCOUNT.ok(target.account_id) or m.group(2) == target.account_id:
                continue
            role_from = path if env is not None and getattr(env, field) else ("defaults",)
            where = f"environment {name}" if name else "defaults"
            out.append(
                CONFIG_ACCOUNT_MISMATCH.finding(
                    f"{where}: {key} is in account {m.group(2)} but accountId is {target.account_id}: the "
                    "provider would run in the role's account and allowed_account_ids would refuse it",
                    path=role_from + (key,),
                    hint="give the environment a role in its own account",
                )
            )
    return out


def _backend_checks(backend: BackendConfig) -> list[Finding]:
    chosen = [name for name in ("local", "s3") if getattr(backend, name) is not None]
    out = []
    if len(chosen) > 1:
        out.append(
            CONFIG_BACKEND.finding(
                f"two backends ({' and '.join(chosen)}): a root keeps its state in one",
                path=("backend", chosen[1]),
                hint="keep one of local and s3",
                at_key=True,
            )
        )
    if not chosen:
        out.append(
            CONFIG_BACKEND.finding(
                "backend names no backend", path=("backend",), hint="backend: {s3: {...}} or backend: {local: {}}"
            )
        )
    s3 = backend.s3
    if s3 is None:
        return out
    if not s3.partial:
        for name in ("bucket", "key"):
            if getattr(s3, name) is None:
                out.append(
                    CONFIG_REQUIRED.finding(
                        f"backend.s3 needs {name} (or partial: true)",
                        path=("backend", "s3"),
                        hint=f"add `{name}`, e.g. {HINTS[name]}",
                    )
                )
    for name in ("bucket", "key", "region", "dynamodb_table", "kms_key_id", "role_arn"):
        text = getattr(s3, name)
        if text is None:
            continue
        path = ("backend", "s3", to_camel(name))
        problems = placeholder_problems(text)
        for problem in problems:
            out.append(
                CONFIG_PLACEHOLDER.finding(
                    f"{to_camel(name)} {text!r}: {problem}",
                    path=path,
                    hint=f"placeholders: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                )
            )
        if not problems:  # with sample values: what is wrong whatever the placeholders become
            resolved = resolved_problem(name, PLACEHOLDER.sub(lambda m: SAMPLES[m.group(1)], text), text)
            if resolved:
                out.append(CONFIG_INVALID.finding(resolved, path=path, hint=HINTS.get(name)))
    return out


def _tag_problem(key: str, value: str) -> str | None:
    """What every AWS service refuses in a tag (IAM, ECS, CloudWatch Logs, Secrets Manager, EFS and KMS alike)."""
    if not TAG_KEY_LENGTH.ok(key):
        return f"tag key {key!r} is not {TAG_KEY_LENGTH.min_length}-{TAG_KEY_LENGTH.max_length} characters"
    if not TAG_VALUE.ok(value):
        return f"the value of tag {key!r} is longer than {TAG_VALUE.max_length} characters"
    if not TAG_KEY_FREE.ok(key):
        return f"tag key {key!r} starts with 'aws:', which AWS reserves"
    return None
