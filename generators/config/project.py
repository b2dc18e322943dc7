"""The loaded ecsform.yaml (Config): the target, deploy binding and state backend of each root, located findings."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic.alias_generators import to_camel

from .. import providers
from ..errors import Check, EcsformError, Finding, Severity
from ..spec.extensions import Deploy
from ..spec.nodes import Node, SourceMap
from ..target import DEFAULT_ENVIRONMENT, Backend, Target
from ..text import suggest
from .ci_checks import CONFIG_ENV_UNDECLARED, CONFIG_INVALID
from .model import ProjectConfig, is_local, target_of
from .placeholders import CONFIG_PLACEHOLDER, HINTS, PLACEHOLDER, names, resolved_problem

# The findings this module raises (collected by the catalog: generators/rules).
CONFIG_STATE_SHARED = Check(
    "CONFIG-STATE-SHARED", Severity.ERROR, "Two roots would keep their state in the same S3 object."
)
CONFIG_LOCK = Check(
    "CONFIG-LOCK",
    Severity.ERROR,
    (
        "terraform.lockPlatforms asks for ecsform.lock.hcl and it is missing, or written for another "
        "providerVersion or other platforms."
    ),
)


E = Severity.ERROR


@dataclass(frozen=True)
class Config:
    file: str  # as messages show it
    folder: Path  # absolute: what relative paths in the file are relative to
    model: ProjectConfig
    root: Node
    smap: SourceMap
    # each environment's moduleSource, resolved once: every root asks for it several times (a folder's resolve()
    # reads each of its parents)
    _module_sources: dict[str | None, Path | str | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def policy_node(self) -> Node | None:
        """The `policy:` mapping as written (with lines and columns), for the policy model; None when absent."""
        return self.root.get("policy") if self.root.is_map else None

    @property
    def environments(self) -> list[str]:
        return list(self.model.environments)

    def finding(
        self,
        rule: str,
        severity: Severity,
        message: str,
        path: tuple,
        hint: str | None = None,
        *,
        at_key: bool = False,
        environment: str | None = None,
    ) -> Finding:
        line, col = self.smap.locate(path, key=at_key)
        return Finding(
            rule=rule,
            severity=severity,
            message=message,
            path=path,
            hint=hint,
            file=self.file,
            line=line,
            col=col,
            environment=environment,
            at_key=at_key,
        )

    # --- targets -----------------------------------------------------------------------------------------
    def target(self, environment: str | None) -> Target:
        """The Target of a root: the defaults, with its environment's settings over them (tags merged)."""
        declared = environment if environment in self.model.environments else None
        return target_of(self.model.defaults, self.model.environments.get(declared) if declared else None, declared)

    def module_source(self, environment: str | None) -> Path | str | None:
        """The environment's (else the defaults') moduleSource: an absolute folder, or an address used as given."""
        if environment not in self._module_sources:
            env = self.model.environments.get(environment) if environment else None
            value = (env.module_source if env is not None else None) or self.model.defaults.module_source
            resolved = None if value is None else (self.folder / value).resolve() if is_local(value) else value
            self._module_sources[environment] = resolved
        return self._module_sources[environment]

    @property
    def provider_version(self) -> str:
        """The hashicorp/aws constraint the roots require (terraform.providerVersion)."""
        return self.model.terraform.provider_version

    @property
    def lock_path(self) -> Path:
        """ecsform.lock.hcl beside this file (`ecsform lock` writes it, synth copies it into every root)."""
        return self.folder / providers.PROJECT_LOCK

    def lock(self) -> providers.LockFile | None:
        """The lock file every root gets (None when terraform.lockPlatforms asks for none). Raises EcsformError
        (CONFIG-LOCK, at terraform.lockPlatforms) when it is missing, unreadable or written for other settings."""
        platforms = self.model.terraform.lock_platforms
        if not platforms:
            return None
        shown = os.path.join(os.path.dirname(self.file), providers.PROJECT_LOCK)
        try:
            found = providers.LockFile.parse(self.lock_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problem = f"{shown} does not exist"
        except (OSError, UnicodeDecodeError) as exc:
            problem = f"cannot read {shown}: {getattr(exc, 'strerror', None) or exc}"
        else:
            why = found.problem(self.provider_version, platforms)
            if why is None:
                return found
            problem = f"{shown} is out of date: {why}"
        raise EcsformError(
            [
                self.finding(
                    CONFIG_LOCK.id,
                    E,
                    f"terraform.lockPlatforms asks for a lock file: {problem}",
                    ("terraform", "lockPlatforms"),
                    "run `ecsform lock` (it writes the lock file for these platforms; commit it)",
                )
            ]
        )

    def undeclared(self, variant: Any) -> list[Finding]:
        """A spec variant whose overlay names no environment of ecsform.yaml (when it declares any), located at the
        overlay's key in the spec."""
        declared = self.environments
        environment = variant.environment
        if environment is None or not declared or environment in declared:
            return []
        spec = variant.spec
        overlay = spec.environments_node.value.get(environment) if spec.environments_node is not None else None
        key_mark = (overlay.key_mark or overlay.mark) if overlay is not None else spec.root.mark
        close = suggest(environment, declared)
        hint = (
            f"did you mean {close!r}? " if close else ""
        ) + f"{self.file} declares: {', '.join(declared)}; add {environment!r} there or rename the overlay"
        return [
            CONFIG_ENV_UNDECLARED.finding(
                f"environment {environment!r} is not declared in {self.file}",
                path=("environments", environment),
                hint=hint,
                file=variant.file,
                mark=(key_mark[0], key_mark[1]),
                environment=environment,
                at_key=True,
            )
        ]

    # --- deploy bindings ---------------------------------------------------------------------------------
    def binding(
        self,
        environment: str | None,
        spec: Deploy | None,
        *,
        family: str,
        root: str,
        region: str | None,
        account: str | None = None,
    ) -> Deploy:
        """What `ecsform deploy` and `ecsform run` act on for one root: the defaults' deploy block, its
        environment's over it, the spec's x-ecsform.deploy over both (field by field), with the placeholders of
        cluster and services filled in ({accountId}: the target's, else `account`, the session's). An empty Deploy
        when nothing binds the root."""
        declared = environment if environment in self.model.environments else None
        env = self.model.environments.get(declared) if declared else None
        values = {
            "accountId": self.target(environment).account_id or account or "",
            "region": region or "",
            "environment": environment or DEFAULT_ENVIRONMENT,
            "family": family,
            "root": root,
        }
        fields: dict[str, Any] = {}

        def over(layer: Deploy | None) -> None:
            if layer is None:
                return
            for key in layer.model_fields_set:
                fields[key] = getattr(layer, key)
                exclusive = {"launch_type": "capacity_provider_strategy", "capacity_provider_strategy": "launch_type"}
                if key in exclusive and fields[key] is not None:  # a layer's choice replaces the other one
                    fields.pop(exclusive[key], None)

        over(self.model.defaults.deploy)
        over(env.deploy if env is not None else None)
        if fields.get("cluster") is not None:
            fields["cluster"] = PLACEHOLDER.sub(lambda m: values[m.group(1)], fields["cluster"])
        if fields.get("services") is not None:
            fields["services"] = [PLACEHOLDER.sub(lambda m: values[m.group(1)], v) for v in fields["services"]]
        over(spec)
        return Deploy.model_construct(_fields_set=set(fields), **fields)

    # --- state -------------------------------------------------------------------------------------------
    def backend(
        self,
        *,
        root: str,
        family: str,
        environment: str | None,
        target: Target | None,
        region: str | None,
        accounts: list[str] | None = None,
    ) -> tuple[Backend, list[Finding]]:
        """The resolved backend of one root (placeholders filled in), and what is wrong with it. {accountId} is the
        target's account, else the one account the spec's roles and secrets name (`accounts`)."""
        chosen = self.model.backend
        if chosen is None or chosen.s3 is None:
            return Backend("local"), []
        s3 = chosen.s3
        implied = accounts[0] if accounts and len(accounts) == 1 else None
        values = {
            "accountId": target.account_id if target and target.account_id else implied,
            "region": region,
            "environment": environment or DEFAULT_ENVIRONMENT,
            "family": family,
            "root": root,
        }
        findings: list[Finding] = []
        resolved: dict[str, str | None] = {}
        for name in ("bucket", "key", "region", "dynamodb_table", "kms_key_id", "role_arn"):
            text = getattr(s3, name)
            if text is None:
                resolved[name] = None
                continue
            path = ("backend", "s3", to_camel(name))
            missing = [p for p in names(text) if values.get(p) is None]
            if missing:
                why = {
                    "accountId": "its target has no accountId, and the spec's roles and secrets name "
                    + (f"several accounts ({', '.join(accounts or [])})" if accounts else "none"),
                    "region": "it has no region",
                }
                where = f"environments.{environment}" if environment in self.model.environments else "defaults"
                findings.append(
                    self.finding(
                        CONFIG_PLACEHOLDER.id,
                        E,
                        f"root {root}: {{{missing[0]}}} has no value ({why.get(missing[0], 'unset')})",
                        path,
                        f"set {missing[0]} under {where} in {self.file}, or drop the placeholder",
                        environment=environment,
                    )
                )
                resolved[name] = None
                continue
            resolved[name] = PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)
            problem = resolved_problem(name, resolved[name] or "")
            if problem and names(text):  # a value without placeholders was checked when the file was loaded
                findings.append(
                    self.finding(
                        CONFIG_INVALID.id, E, f"root {root}: {problem}", path, HINTS.get(name), environment=environment
                    )
                )
        arguments: list[tuple[str, str | bool]] = []
        for name in ("bucket", "key", "region"):
            if resolved[name] is not None:
                arguments.append((name, resolved[name] or ""))
        arguments.append(("encrypt", s3.encrypt))
        if resolved["kms_key_id"] is not None:
            arguments.append(("kms_key_id", resolved["kms_key_id"] or ""))
        arguments.append(("use_lockfile", s3.use_lockfile))
        if resolved["dynamodb_table"] is not None:
            arguments.append(("dynamodb_table", resolved["dynamodb_table"] or ""))
        assume: tuple[tuple[str, str], ...] = ()
        if resolved["role_arn"] is not None:
            assume = (("role_arn", resolved["role_arn"] or ""), ("session_name", Target().session_name(root)))
        return Backend("s3", tuple(arguments), assume, s3.partial), findings

    def shared_state(self, roots: Iterable[tuple[str, str | None, Backend | None]]) -> list[Finding]:
        """Two roots whose state would be the same S3 object: (root, environment, backend) of every root."""
        seen: dict[tuple[str, str], str] = {}
        findings = []
        for root, environment, backend in roots:
            if backend is None or backend.type != "s3":
                continue
            args = dict(backend.arguments)
            if "bucket" not in args or "key" not in args:
                continue  # partial, completed by the pipeline
            where = (str(args["bucket"]), str(args["key"]))
            if where in seen:
                findings.append(
                    self.finding(
                        CONFIG_STATE_SHARED.id,
                        E,
                        f"roots {seen[where]} and {root} would keep their state in the same object "
                        f"s3://{where[0]}/{where[1]}",
                        ("backend", "s3", "key"),
                        "put {root} in the key (e.g. ecsform/{root}/terraform.tfstate)",
                        environment=environment,
                    )
                )
            else:
                seen[where] = root
        return findings
