"""What a root is bound to: the root checked and planned as synth does, with its deploy binding (ecsform.yaml's
deploy < x-ecsform.deploy), and the same root seen from the account a session reached."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .. import plan as planner
from .. import validation
from ..errors import Check, EcsformError, Finding, Severity
from ..options import Options
from ..spec.document import ENV_UNKNOWN
from ..spec.extensions import Deploy
from .selection import cli_finding

# The findings this module raises (collected by the catalog: generators/rules).
DEPLOY_ROOT = Check("DEPLOY-ROOT", Severity.ERROR, "deploy --root names a root the specs do not produce.")


@dataclass
class Bound:
    """A root, checked and planned, with its deploy binding (ecsform.yaml's deploy < x-ecsform.deploy)."""

    checked: validation.Checked
    plan: planner.Plan
    binding: Deploy

    @property
    def root(self) -> str:
        return self.plan.root

    def locate(self, f: Finding, options: Options) -> Finding:
        """A finding about the binding (path x-ecsform.deploy.FIELD...) at the place that set FIELD: the spec's
        x-ecsform.deploy, else the environment's deploy block of ecsform.yaml, else its defaults'; any other
        finding at the spec's root (its family)."""
        v = self.checked.variant
        path = f.path
        if len(path) >= 3 and path[:2] == ("x-ecsform", "deploy"):
            field = str(path[2])
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()  # launchType -> launch_type, as the model names it
            ext = self.checked.extension
            spec_sets = ext is not None and ext.deploy is not None and snake in ext.deploy.model_fields_set
            config = options.config
            if not spec_sets and config is not None:
                env = v.environment if v.environment in config.model.environments else None
                layer = config.model.environments[env].deploy if env else None
                base = ("environments", env) if layer is not None and snake in layer.model_fields_set else ("defaults",)
                located = config.finding(f.rule, f.severity, f.message, base + ("deploy",) + tuple(path[2:]), f.hint)
                return replace(located, environment=v.environment)
        return v.locate([f if f.path else replace(f, path=("family",))])[0]


def bound(paths: list[str], options: Options, root: str | None = None) -> list[Bound]:
    """The roots of `paths` (only `root` when given), validated and planned as synth does, with their bindings."""
    pairs = validation.checked_plans(paths, options)
    if options.env is not None:  # a spec without environments has no root in one: it is not chosen
        pairs = [(c, p) for c, p in pairs if p.environment == options.env]
        if not pairs:
            raise EcsformError(
                [
                    cli_finding(
                        ENV_UNKNOWN,
                        f"no root of these specs is in environment {options.env!r}",
                        "--env",
                        "name an environment the specs' overlays have, or leave out --env",
                    )
                ]
            )
    if root is not None:
        chosen = [(c, p) for c, p in pairs if p.root == root]
        if not chosen:
            from ..text import suggest

            known = sorted(p.root for _, p in pairs)
            close = suggest(root, known)
            raise EcsformError(
                [
                    cli_finding(
                        DEPLOY_ROOT,
                        f"no root {root!r} in these specs",
                        "--root",
                        (f"did you mean {close!r}? " if close else "") + f"roots: {', '.join(known)}",
                    )
                ]
            )
        pairs = chosen
    return [Bound(c, p, _binding(c, p, options)) for c, p in pairs]


def _binding(c: validation.Checked, p: planner.Plan, options: Options, account: str | None = None) -> Deploy:
    """ecsform.yaml's deploy blocks < the spec's x-ecsform.deploy; `account` fills in {accountId} where no target
    names one (the session's)."""
    spec = c.extension.deploy if c.extension is not None else None
    if options.config is None:
        return spec or Deploy()
    return options.config.binding(p.environment, spec, family=p.family, root=p.root, region=p.region, account=account)


def in_account(b: Bound, account: str, region: str, options: Options) -> Bound:
    """The root as the session that reached its account sees it: the target values nothing named at synth (the
    plan's `unknown`, which the applied root read from its data sources) bound to that account and region, and
    its binding read again from them (a cluster ARN with ${target.accountId}, ecsform.yaml's {accountId})."""
    c, p = validation.bound_to(b.checked, b.plan, account, region)
    return Bound(c, p, _binding(c, p, options, account))
