"""The CDK engine: one CDK stack per plan (generators/emit/constructs.py's EcsformStack), synthesized by cdktn or cdktf.

    render(plan, source)        -> {"cdk.tf.json": text}   (synth --engine cdk, one root at a time)
    app(paths, options, outdir) -> the `cdk-app` command: every root as a stack of one app, the way the cdktf
                                   CLI runs an app (CDKTF_OUTDIR, cdktf.out/manifest.json, stacks/<name>/)

The stack JSON is what cdktn/cdktf write (`App.synth()`), made independent of the machine and of the package:
the local backend's state path is relative, the package's version is dropped from the `//` metadata, the
generated-by line is added there, and the JSON is written by Python with sorted keys and a final newline.
The CDK runtime starts once per process (jsii, a Node.js child process); every root is synthesized in it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .. import validation
from ..errors import EcsformError, Finding
from ..options import Options, module_source_from
from ..plan import Plan
from .cdk_compat import CDK_STACK_NAME

if TYPE_CHECKING:
    from .constructs import EcsformStack  # (a type only: importing it starts the CDK runtime)

STACK_FILE = "cdk.tf.json"


def _constructs() -> ModuleType:
    """generators.emit.constructs, imported on first use: importing it starts the CDK runtime (Node.js)."""
    from . import constructs as cdk

    return cdk


def stack_id(root: str) -> str:
    """A root folder (`<family>` or `<family>/<environment>`) as a stack name (no `/` in construct ids)."""
    return root.replace("/", "--")


def stack_text(config: dict[str, Any], header: str) -> str:
    """The synthesized stack as ecsform writes it: deterministic whatever machine, package or version made it."""
    comment = dict(config.get("//", {}))
    metadata = dict(comment.get("metadata", {}))
    metadata.pop("version", None)  # cdktn's or cdktf's version: not part of the configuration
    comment.update({"ecsform": header, "metadata": metadata})
    config = {**config, "//": comment}
    return json.dumps(config, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _normalize(outdir: Path, stacks: Mapping[str, EcsformStack]) -> dict[str, str]:
    """Rewrite each synthesized stack file in `outdir` the ecsform way; return name -> text."""
    texts = {}
    for name, stack in stacks.items():
        path = outdir / "stacks" / name / STACK_FILE
        text = stack_text(json.loads(path.read_text(encoding="utf-8")), stack.header)
        path.write_text(text, encoding="utf-8")
        texts[name] = text
    return texts


def render(plan: Plan, source: Callable[[str], str]) -> dict[str, str]:
    """File name -> content for one root. `source(module)` is where the root finds modules/<module>."""
    cdk = _constructs()
    with tempfile.TemporaryDirectory(prefix="ecsform-cdk-") as tmp:
        app = cdk.cdk.App(outdir=tmp)
        name = stack_id(plan.root)
        stack = cdk.EcsformStack(app, name, spec=plan, module_source=source)
        app.synth()
        return {STACK_FILE: _normalize(Path(tmp), {name: stack})[name]}


def app(paths: list[str], options: Options, outdir: str | Path | None = None) -> list[Finding]:
    """The `cdk-app` command: one stack per root in OUTDIR (default CDKTF_OUTDIR, else cdktf.out) for the cdktf CLI.

    Module sources are relative to each stack's folder (OUTDIR/stacks/<name>) unless --module-source is given;
    the local state lives in the project folder as terraform.<name>.tfstate, as cdktf's default backend keeps it,
    written as a path relative to the stack's folder.
    """
    plans, findings = validation.build_plans(paths, options)
    out = Path(outdir if outdir is not None else os.environ.get("CDKTF_OUTDIR") or "cdktf.out")
    names: dict[str, Plan] = {}
    for p in plans:
        name = stack_id(p.root)
        if name in names:
            raise EcsformError(
                [
                    CDK_STACK_NAME.finding(
                        f"roots {names[name].root} and {p.root} would both be stack {name}",
                        path=("family",),
                        hint="rename one family",
                        file=p.file,
                        mark=(1, 1),
                        environment=p.environment,
                    )
                ]
            )
        names[name] = p
    cdk = _constructs()
    out.mkdir(parents=True, exist_ok=True)
    application = cdk.cdk.App(outdir=str(out))
    stacks = {}
    for name, p in names.items():
        folder = out.absolute() / "stacks" / name

        environment = p.target.environment if p.target else None

        def source(module: str, folder: Path = folder, environment: str | None = environment) -> str:
            return module_source_from(folder, options, module, environment)

        state = Path(os.path.relpath(Path.cwd() / f"terraform.{name}.tfstate", folder)).as_posix()
        stacks[name] = cdk.EcsformStack(application, name, spec=p, module_source=source, state_path=state)
    application.synth()
    if os.environ.get("SYNTH_HCL_OUTPUT", "").lower() != "true":  # `cdktf synth --hcl` asks for cdk.tf instead
        _normalize(out, stacks)
    return findings
