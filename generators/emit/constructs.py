"""ecsform as CDK constructs (CDK Terrain `cdktn` by default, or `cdktf`; see generators/emit/cdk_compat.py).

    from generators.emit.constructs import EcsTaskDefinition

    api = EcsTaskDefinition(stack, "api", spec="specs/financial-api.json")   # or spec={...} (a spec mapping)
    TerraformOutput(stack, "api_arn", value=api.arn)

`EcsTaskDefinition` validates the spec exactly as `ecsform validate` does (an invalid spec raises EcsformError
with every finding; warnings become CDK annotations) and adds what an ecsform root holds besides the provider and
the `images` variable: the `aws_secretsmanager_secret` data sources for partial secret ARNs and the calls of
modules/secrets, modules/efs and modules/ecs-task-definition, with the same inputs as the HCL engine writes.
Their Terraform names get the construct id as a prefix (`module.api_task_definition`), so one stack can hold
several task definitions.

`EcsformStack` is a whole ecsform root, as `ecsform synth --engine cdk` writes it: backend, provider and region,
the `images` variable, the task definition (with the HCL engine's names: `module.task_definition`) and the same
outputs as the HCL root.

Importing this module starts the CDK runtime (jsii on Node.js); without Node.js it raises EcsformError.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Callable, Mapping, Union

from .. import locations, validation
from ..errors import EcsformError, Finding, Severity, shown
from ..options import Options
from ..plan import Plan, hcl_list
from ..syntax import hcl_syntax, json_syntax
from ..syntax.json_syntax import Raw
from ..syntax.tfexpr import TfExpr, Traversal
from . import cdk_compat

cdk = cdk_compat.load()
from constructs import Construct  # noqa: E402  (jsii: after the CDK package, which loads the runtime)

PACKAGE = cdk.__name__
SpecInput = Union[str, os.PathLike, Mapping[str, Any], Plan]
ModuleSource = Union[str, Callable[[str], str], None]
STATE_FILE = "terraform.tfstate"
REQUIRED_TERRAFORM = ">= 1.5"
AWS_PROVIDER = ("hashicorp/aws", ">= 5.0")


def plan_for(
    spec: SpecInput, *, environment: str | None = None, region: str | None = None, strict: bool = False
) -> tuple[Plan, list[Finding]]:
    """Validate and plan one spec (a file, or a spec mapping) for one environment. Raises EcsformError."""
    if isinstance(spec, Plan):
        return spec, []
    options = Options(env=environment, region=region, strict=strict)
    if isinstance(spec, Mapping):
        text = json.dumps(spec, indent=2, ensure_ascii=False)
        plans, findings = validation.build_plans_from_text(text, "<spec>", options)
        where = "<spec>"
    else:
        where = os.fspath(spec)
        if not Path(where).is_file():
            raise EcsformError([Finding("SPEC-READ", Severity.ERROR, "no such spec file", file=where, line=1, col=1)])
        plans, findings = validation.build_plans([where], options)
    if len(plans) != 1:
        names = ", ".join(p.environment or "" for p in plans)
        raise EcsformError(
            [
                Finding(
                    "CDK-ENV-REQUIRED",
                    Severity.ERROR,
                    f"the spec has {len(plans)} environments; choose one with environment= ({names})",
                    file=where,
                    line=1,
                    col=1,
                )
            ]
        )
    return plans[0], findings


def terraform_name(construct_id: str) -> str:
    """A construct id as the start of a Terraform name: letters, digits, `_` and `-`, not starting with a digit."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", construct_id)
    return name if re.match(r"[A-Za-z_]", name) else "_" + name


def _segments(text: str) -> list[tuple[str, bool]]:
    """An HCL expression split into (text, is_quoted_string) segments."""
    out: list[tuple[str, bool]] = []
    i = start = 0
    while i < len(text):
        if text[i] == '"':
            out.append((text[start:i], False))
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append((text[i : j + 1], True))
            i = start = j + 1
        else:
            i += 1
    out.append((text[start:], False))
    return out


_REFERENCE = re.compile(r"(?<![\w.-])(module|data\.aws_secretsmanager_secret)\.([A-Za-z_][A-Za-z0-9_-]*)")


def renamed(value: Any, prefix: str) -> Any:
    """A plan value whose references to ecsform's modules and data sources carry `prefix` in their names."""
    if not prefix:
        return value
    if isinstance(value, TfExpr):
        return TfExpr(
            tuple(Traversal(rename_references(p, prefix)) if isinstance(p, Traversal) else p for p in value.parts)
        )
    if isinstance(value, dict):
        return {k: renamed(v, prefix) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [renamed(v, prefix) for v in value]
    return value


def rename_references(expression: str, prefix: str) -> str:
    return "".join(
        seg if quoted else _REFERENCE.sub(lambda m: f"{m.group(1)}.{prefix}{m.group(2)}", seg)
        for seg, quoted in _segments(expression)
    )


def _image(value: Any) -> Any:
    if isinstance(value, (Raw, TfExpr)):
        return value
    if isinstance(value, str) and cdk.Token.is_unresolved(value):
        return Raw(value)  # a token of the user's app (a variable, another resource's attribute)
    if not isinstance(value, str):
        raise TypeError(f"an image is a string, got {type(value).__name__}")
    return value


class EcsTaskDefinition(Construct):
    """One ECS task definition from an ecsform spec, with its IAM roles, log groups, secrets and file systems.

    spec           a spec file (YAML or JSON) or a spec mapping; one environment of a spec with environments
    environment    the environment to use when the spec declares `environments`
    region         overrides the region derived from the spec (only the provider of a stack uses it)
    module_source  where the modules are: a folder or URL under which ecs-task-definition/, secrets/ and efs/ live
                   (like synth's --module-source), or a function of the module name; default: the relative path
                   from the stack's folder in the app's outdir to this checkout's modules/
    images         container name -> image, overriding the spec's (a string or a token of your app)
    name_prefix    prefix of the Terraform names (default: the construct id and `_`)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: SpecInput,
        environment: str | None = None,
        region: str | None = None,
        module_source: ModuleSource = None,
        images: Mapping[str, Any] | None = None,
        name_prefix: str | None = None,
        strict: bool = False,
    ) -> None:
        super().__init__(scope, id)
        self.plan, findings = plan_for(spec, environment=environment, region=region, strict=strict)
        for f in shown(findings):
            cdk.Annotations.of(self).add_warning(f.format())
        self.name_prefix = f"{terraform_name(id)}_" if name_prefix is None else name_prefix
        self._source = self._source_function(module_source)
        unknown = sorted(set(images or {}) - set(self.plan.images))
        if unknown:
            raise EcsformError(
                [
                    Finding(
                        "CDK-IMAGES",
                        Severity.ERROR,
                        f"images names no container of the task definition: {', '.join(unknown)}",
                        hint=f"containers: {', '.join(self.plan.images)}",
                        file=self.plan.file,
                        line=1,
                        col=1,
                    )
                ]
            )
        self.images: dict[str, Any] = {**self.plan.images, **{k: _image(v) for k, v in (images or {}).items()}}

        self.secret_lookups: dict[str, Any] = {}
        for ref, name in self.plan.secret_lookups.items():  # a partial ARN, or a secret's name
            data = cdk.TerraformDataSource(self, name, terraform_resource_type="aws_secretsmanager_secret")
            data.add_override("arn" if ref.startswith("arn:") else "name", json_syntax.template(ref))
            data.override_logical_id(self.name_prefix + name)
            self.secret_lookups[ref] = data
        self.secrets = None
        if self.plan.managed_secrets:
            self.secrets = self._module(
                "secrets",
                "secrets",
                [("secrets", self.plan.managed_secrets)] + ([("tags", self.plan.tags)] if self.plan.tags else []),
            )
        self.efs = {key: self._module(f"efs_{key}", "efs", inputs) for key, inputs in self.plan.managed_efs.items()}
        arguments = []
        for name, value in self.plan.module_inputs:
            if name == "container_definitions":
                value = [{**c, "image": self.images[c["name"]]} for c in value]
            arguments.append((name, value))
        self.task_definition = self._module("task_definition", "ecs-task-definition", arguments)

    def _source_function(self, module_source: ModuleSource) -> Callable[[str], str]:
        if callable(module_source):
            return module_source
        if isinstance(module_source, str):
            return lambda module: locations.module_address(module_source, module)
        if not locations.MODULES.is_dir():
            raise EcsformError(
                [
                    Finding(
                        "CDK-MODULE-SOURCE",
                        Severity.ERROR,
                        f"{locations.MODULES} does not exist, so module_source= is required",
                        hint="e.g. module_source='git::https://example.com/ecsform.git//modules?ref=v1'",
                        file=self.plan.file,
                        line=1,
                        col=1,
                    )
                ]
            )
        stack = cdk.TerraformStack.of(self)
        folder = Path(cdk.App.of(self).outdir).absolute() / "stacks" / stack.node.id  # the stack's working folder

        def relative(module: str) -> str:
            return Path(os.path.relpath(locations.MODULES / module, folder)).as_posix()

        return relative

    def _module(self, name: str, module: str, inputs: list[tuple[str, Any]]) -> Any:
        variables = {key: json_syntax.value(renamed(value, self.name_prefix)) for key, value in inputs}
        call = cdk.TerraformHclModule(
            self, name, source=self._source(module), variables=variables, skip_asset_creation_from_local_modules=True
        )
        call.override_logical_id(self.name_prefix + name)
        return call

    @property
    def arn(self) -> str:
        """ARN of the registered task definition, with its revision."""
        return self.task_definition.get_string("arn")

    @property
    def family(self) -> str:
        return self.task_definition.get_string("family")

    @property
    def revision(self) -> Any:
        return self.task_definition.get_number("revision")

    @property
    def execution_role_arn(self) -> str:
        """ARN of the execution role (null when the task needs none)."""
        return self.task_definition.get_string("execution_role_arn")

    @property
    def task_role_arn(self) -> str:
        """ARN of the task role (null when the task needs none)."""
        return self.task_definition.get_string("task_role_arn")


class _AwsProvider(cdk.TerraformProvider):
    """The hashicorp/aws provider without generated bindings: `provider "aws" { region = ... }`."""


def header(plan: Plan) -> str:
    env = f", environment {plan.environment}" if plan.environment else ""
    return f"Generated by ecsform from {plan.file}{env}. Do not edit: change the spec and run `make synth`."


def _target(provider: Any, plan: Plan) -> None:
    """The deploy target's provider arguments, as the HCL engine writes them (generators/emit/hcl.py)."""
    t = plan.target
    if t is None:
        return
    if t.account_id:
        provider.add_override("allowed_account_ids", [json_syntax.template(t.account_id)])
    if t.role_arn:
        provider.add_override(
            "assume_role",
            [
                {
                    "role_arn": json_syntax.template(t.role_arn),
                    "session_name": json_syntax.template(t.session_name(plan.root)),
                }
            ],
        )
    if t.tags:
        provider.add_override("default_tags", [{"tags": {k: json_syntax.template(v) for k, v in t.tags.items()}}])


def _s3_backend(stack: Any, plan: Plan) -> None:
    """backend "s3": every argument written as an override, so that cdktn and cdktf (whose S3Backend lacks
    use_lockfile) write the same JSON; a partial backend is an empty block."""
    assert plan.backend is not None
    backend = cdk.S3Backend(stack, bucket="-", key="-")
    for name in ("bucket", "key"):
        backend.add_override(name, None)
    for name, value in plan.backend.written:
        backend.add_override(name, json_syntax.template(value) if isinstance(value, str) else value)
    if plan.backend.assume_role and not plan.backend.partial:
        backend.add_override("assume_role", {k: json_syntax.template(v) for k, v in plan.backend.assume_role})


def _reference(traversal: str) -> str:
    return "${" + traversal + "}"


class EcsformStack(cdk.TerraformStack):
    """One ecsform root as a CDK stack: what `ecsform synth --engine cdk` writes to OUT/<root>/cdk.tf.json.

    state_path  the local backend's state file, relative to the folder terraform runs in (None: no backend
                block; cdktn/cdktf then add their default, an absolute path)
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: SpecInput,
        environment: str | None = None,
        region: str | None = None,
        module_source: ModuleSource = None,
        state_path: str | None = STATE_FILE,
        strict: bool = False,
    ) -> None:
        super().__init__(scope, id)
        plan, findings = plan_for(spec, environment=environment, region=region, strict=strict)
        self.plan = plan
        self.header = header(plan)
        if plan.backend is not None and plan.backend.type == "s3":
            _s3_backend(self, plan)
        elif state_path is not None:
            cdk.LocalBackend(self, path=state_path)
        self.add_override("terraform.required_version", REQUIRED_TERRAFORM)
        source, version = AWS_PROVIDER
        provider = _AwsProvider(
            self,
            "aws",
            terraform_resource_type="aws",
            terraform_provider_source=source,
            terraform_generator_metadata=cdk.TerraformProviderGeneratorMetadata(
                provider_name="aws", provider_version_constraint=version
            ),
        )
        if plan.region:
            provider.add_override("region", json_syntax.template(plan.region))
        _target(provider, plan)

        names = list(plan.images)
        cdk.TerraformVariable(
            self,
            "images",
            type="map(string)",
            default={},
            description=json_syntax.template(
                "Container images by container name, overriding the spec's images (a pipeline deploys a new image "
                f'with -var \'images={{"{names[0]}":"REPOSITORY:TAG"}}\').'
            ),
            validation=[
                cdk.TerraformVariableValidationConfig(
                    condition=_reference(
                        f"alltrue([for name in keys(var.images) : contains({hcl_list(names)}, name)])"
                    ),
                    error_message=json_syntax.template(
                        f"images may only name containers of this task definition: {', '.join(names)}."
                    ),
                )
            ],
        )
        spec_images = (
            "{" + ", ".join(f"{hcl_syntax.quote(k)} = {hcl_syntax.quote(v)}" for k, v in plan.images.items()) + "}"
        )
        images = cdk.TerraformLocal(
            self, "local_images", json_syntax.hide_cdk_markers(_reference(f"merge({spec_images}, var.images)"))
        )
        images.override_logical_id("images")  # local.images, beside var.images (construct ids must differ)

        self.task = EcsTaskDefinition(
            self,
            "task",
            spec=plan,
            module_source=module_source,
            name_prefix="",
            images={name: Raw(_reference(f"local.images[{hcl_syntax.quote(name)}]")) for name in names},
        )
        for f in shown(findings):
            cdk.Annotations.of(self.task).add_warning(f.format())

        for name, description, value in (
            (
                "task_definition_arn",
                "ARN of the registered task definition, with its revision.",
                "module.task_definition.arn",
            ),
            ("family", "Family of the task definition.", "module.task_definition.family"),
            ("revision", "Revision of the task definition.", "module.task_definition.revision"),
            (
                "execution_role_arn",
                "ARN of the execution role (null when the task needs none).",
                "module.task_definition.execution_role_arn",
            ),
            (
                "task_role_arn",
                "ARN of the task role (null when the task needs none).",
                "module.task_definition.task_role_arn",
            ),
            ("images", "The images the task definition runs, by container name.", "local.images"),
        ):
            output = cdk.TerraformOutput(self, f"output_{name}", description=description, value=_reference(value))
            output.override_logical_id(name)  # output.images beside var.images and local.images
        if plan.managed_secrets:
            cdk.TerraformOutput(
                self,
                "secret_arns",
                value=_reference("module.secrets.arns"),
                description=(
                    "Full ARNs of the secrets ecsform created, by key (put their values before the first task starts)."
                ),
            )
        for key in sorted(plan.managed_efs):
            cdk.TerraformOutput(
                self,
                f"efs_{key}",
                description=json_syntax.template(
                    f"The EFS file system {key}: id, access point ids, mount target security group."
                ),
                value={
                    attribute: _reference(f"module.efs_{key}.{attribute}")
                    for attribute in ("file_system_id", "access_point_ids", "security_group_id")
                },
            )
