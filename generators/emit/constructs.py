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
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, Union

from .. import locations, root, validation
from ..errors import EcsformError, Finding, Severity, shown
from ..options import Options
from ..plan import SECRET_DATA, SECRETS_MODULE, TASK_MODULE, Plan, efs_module
from ..spec.loader import SPEC_READ
from ..syntax import json_syntax
from ..syntax.json_syntax import Raw
from ..syntax.tfexpr import is_expression, renamed
from . import cdk_compat
from .cdk_compat import CDK_ENV_REQUIRED, CDK_IMAGES, CDK_MODULE_SOURCE

if TYPE_CHECKING:
    import cdktn as cdk  # the types (cdktf has the same API)
else:
    cdk = cdk_compat.load()
from constructs import Construct  # noqa: E402  (jsii: after the CDK package, which loads the runtime)

PACKAGE = cdk.__name__
SpecInput = Union[str, "os.PathLike[str]", Mapping[str, Any], Plan]
ModuleSource = Union[str, Callable[[str], str], None]
STATE_FILE = "terraform.tfstate"


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
            raise EcsformError([SPEC_READ.finding("no such spec file", file=where, mark=(1, 1))])
        plans, findings = validation.build_plans([where], options)
    if len(plans) != 1:
        names = ", ".join(p.environment or "" for p in plans)
        raise EcsformError(
            [
                CDK_ENV_REQUIRED.finding(
                    f"the spec has {len(plans)} environments; choose one with environment= ({names})",
                    file=where,
                    mark=(1, 1),
                )
            ]
        )
    return plans[0], findings


def terraform_name(construct_id: str) -> str:
    """A construct id as the start of a Terraform name: letters, digits, `_` and `-`, not starting with a digit."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", construct_id)
    return name if re.match(r"[A-Za-z_]", name) else "_" + name


def _image(value: Any) -> Any:
    if isinstance(value, Raw) or is_expression(value):
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
    described      the data sources and module calls to declare, from a root's description (what EcsformStack
                   passes: root.describe(plan).data and .modules); default: root.resources(plan, images)
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
        described: tuple[Sequence[root.DataSource], Sequence[root.ModuleCall]] | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.plan, findings = plan_for(spec, environment=environment, region=region, strict=strict)
        for f in shown(findings):  # notes (hardening advice, information) as info, not warnings
            annotate = cdk.Annotations.of(self)
            (annotate.add_info if f.severity is Severity.NOTE else annotate.add_warning)(f.format())
        self.name_prefix = f"{terraform_name(id)}_" if name_prefix is None else name_prefix
        self._source = self._source_function(module_source)
        unknown = sorted(set(images or {}) - set(self.plan.images))
        if unknown:
            raise EcsformError(
                [
                    CDK_IMAGES.finding(
                        f"images names no container of the task definition: {', '.join(unknown)}",
                        hint=f"containers: {', '.join(self.plan.images)}",
                        file=self.plan.file,
                        mark=(1, 1),
                    )
                ]
            )
        self.images: dict[str, Any] = {**self.plan.images, **{k: _image(v) for k, v in (images or {}).items()}}

        data, modules = described if described is not None else root.resources(self.plan, self.images)
        self.secret_lookups: dict[str, Any] = {}
        looked_up = {name: ref for ref, name in self.plan.secret_lookups.items()}  # a partial ARN, or a secret's name
        for d in data:
            source = cdk.TerraformDataSource(
                self, d.name if d.type == SECRET_DATA else d.type, terraform_resource_type=d.type
            )
            for argument, value in d.arguments:
                source.add_override(argument, json_syntax.value(renamed(value, self.name_prefix)))
            source.override_logical_id(self.name_prefix + d.name)
            if d.type == SECRET_DATA:
                self.secret_lookups[looked_up[d.name]] = source
        calls = {m.name: self._module(m) for m in modules}
        self.secrets = calls.get(SECRETS_MODULE)
        self.efs = {key: calls[efs_module(key)] for key in self.plan.managed_efs}
        self.task_definition = calls[TASK_MODULE]

    def _source_function(self, module_source: ModuleSource) -> Callable[[str], str]:
        if callable(module_source):
            return module_source
        if isinstance(module_source, str):
            return lambda module: locations.module_address(module_source, module)
        if not locations.MODULES.is_dir():
            raise EcsformError(
                [
                    CDK_MODULE_SOURCE.finding(
                        f"{locations.MODULES} does not exist, so module_source= is required",
                        hint="e.g. module_source='git::https://example.com/ecsform.git//modules?ref=v1'",
                        file=self.plan.file,
                        mark=(1, 1),
                    )
                ]
            )
        stack = cdk.TerraformStack.of(self)
        folder = Path(cdk.App.of(self).outdir).absolute() / "stacks" / stack.node.id  # the stack's working folder

        def relative(module: str) -> str:
            return root.relative_source(locations.MODULES / module, folder)

        return relative

    def _module(self, m: root.ModuleCall) -> cdk.TerraformHclModule:
        variables = {key: json_syntax.value(renamed(value, self.name_prefix)) for key, value in m.inputs}
        call = cdk.TerraformHclModule(
            self,
            m.name,
            source=self._source(m.module),
            variables=variables,
            skip_asset_creation_from_local_modules=True,
        )
        call.override_logical_id(self.name_prefix + m.name)
        return call

    @property
    def arn(self) -> str:
        """ARN of the registered task definition, with its revision."""
        return self.task_definition.get_string("arn")

    @property
    def family(self) -> str:
        return self.task_definition.get_string("family")

    @property
    def revision(self) -> float:
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


def _provider(
    stack: cdk.TerraformStack, described: root.Provider, requirement: root.ProviderRequirement
) -> _AwsProvider:
    """The provider block of the description: its arguments, then its blocks (each a list of one object, as
    Terraform's JSON syntax writes a nested block)."""
    provider = _AwsProvider(
        stack,
        described.name,
        terraform_resource_type=described.name,
        terraform_provider_source=requirement.source,
        terraform_generator_metadata=cdk.TerraformProviderGeneratorMetadata(
            provider_name=requirement.name, provider_version_constraint=requirement.version
        ),
    )
    for name, value in described.arguments:
        provider.add_override(name, json_syntax.value(value))
    for name, arguments in described.blocks:
        provider.add_override(name, [{key: json_syntax.value(value) for key, value in arguments}])
    return provider


def _s3_backend(stack: cdk.TerraformStack, described: root.BackendBlock) -> None:
    """backend "s3": every argument written as an override, so that cdktn and cdktf (whose S3Backend lacks
    use_lockfile) write the same JSON; a partial backend is an empty block."""
    backend = cdk.S3Backend(stack, bucket="-", key="-")
    for name in ("bucket", "key"):
        backend.add_override(name, None)
    for name, value in described.arguments:
        backend.add_override(name, json_syntax.value(value))


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
        described = root.describe(plan)
        self.header = described.header
        if described.backend is not None and described.backend.type == "s3":
            _s3_backend(self, described.backend)
        elif state_path is not None:
            cdk.LocalBackend(self, path=state_path)
        self.add_override("terraform.required_version", described.required_version)
        [requirement] = [r for r in described.required_providers if r.name == described.provider.name]
        _provider(self, described.provider, requirement)

        for v in described.variables:
            cdk.TerraformVariable(
                self,
                v.name,
                type=v.type,
                default=json_syntax.value(v.default),
                description=json_syntax.template(v.description),
                validation=[
                    cdk.TerraformVariableValidationConfig(
                        condition=json_syntax.value(check.condition),
                        error_message=json_syntax.template(check.error_message),
                    )
                    for check in v.validations
                ],
            )
        for local in described.locals:
            value = cdk.TerraformLocal(self, f"local_{local.name}", json_syntax.value(local.value))
            value.override_logical_id(local.name)  # local.images beside var.images (construct ids must differ)

        # the description's data sources and module calls (images: local.images["<container>"]), in the construct
        self.task = EcsTaskDefinition(
            self,
            "task",
            spec=plan,
            module_source=module_source,
            name_prefix="",
            images={name: root.image_ref(name) for name in plan.images},
            described=(described.data, described.modules),
        )
        for f in shown(findings):
            annotate = cdk.Annotations.of(self.task)
            (annotate.add_info if f.severity is Severity.NOTE else annotate.add_warning)(f.format())

        for o in described.outputs:
            output = cdk.TerraformOutput(
                self,
                f"output_{o.name}",
                description=json_syntax.template(o.description),
                value=json_syntax.value(o.value),
            )
            output.override_logical_id(o.name)  # output.images beside var.images and local.images
